//! `leadforge worker`: the worker pool until SIGTERM or Ctrl-C (jobs in hand are finished
//! first).

use std::process::ExitCode;
use std::sync::Arc;

use pipeline::{Services, WorkerOptions, WorkerPool};
use tracing::info;

use crate::args::WorkerArgs;

pub async fn run(config: pipeline::Config, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if args.concurrency == 0 {
        anyhow::bail!("--concurrency must be at least 1");
    }
    let svc = Arc::new(Services::open(&config).await?);
    svc.store.users().ensure_default().await?;
    let pool = WorkerPool::start(
        svc,
        WorkerOptions {
            concurrency: args.concurrency,
            lease: config.job_lease,
            ..WorkerOptions::default()
        },
    );
    shutdown_signal().await;
    info!("shutting down: finishing the jobs in hand");
    pool.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
