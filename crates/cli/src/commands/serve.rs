//! `leadforge serve`: the web UI and JSON API on `LEADFORGE_BIND`, with the embedded worker
//! pool, until SIGTERM or Ctrl-C; then the server stops taking requests, the workers finish
//! the jobs in hand, and the process exits.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use pipeline::{Services, WorkerOptions, WorkerPool};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

use super::worker::shutdown_signal;
use crate::args::WorkerArgs;
use crate::table::say;

/// How long open connections (live event streams) get to close after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(5);

pub async fn run(config: pipeline::Config, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if args.concurrency == 0 {
        anyhow::bail!("--concurrency must be at least 1");
    }
    let svc = Arc::new(Services::open(&config).await?);
    svc.store.users().ensure_default().await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {} (LEADFORGE_BIND)", config.bind))?;
    let server = Server::start(&config, svc, listener, args.concurrency)?;
    say(&format!("Leadforge is serving on {}", server.url()));
    server.run_until_signal().await
}

/// The HTTP server and the embedded workers, started together and stopped together.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    pool: WorkerPool,
}

impl Server {
    /// Starts serving on `listener` with `concurrency` embedded workers.
    pub fn start(
        config: &pipeline::Config,
        svc: Arc<Services>,
        listener: TcpListener,
        concurrency: usize,
    ) -> anyhow::Result<Self> {
        let addr = listener.local_addr().context("reading the bound address")?;
        let settings = web::WebSettings {
            allow_private_webhooks: config.allow_private_network,
            https: config
                .public_url
                .as_ref()
                .is_some_and(|u| u.scheme() == "https"),
            ..web::WebSettings::default()
        };
        let state = web::AppState::new(svc.clone(), settings);
        let (stop, mut stopped) = watch::channel(false);
        let http = tokio::spawn(web::serve(state, listener, async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        let pool = WorkerPool::start(
            svc,
            WorkerOptions {
                concurrency,
                lease: config.job_lease,
                ..WorkerOptions::default()
            },
        );
        info!(http.addr = %addr, concurrency, "serving");
        Ok(Self {
            addr,
            stop,
            http,
            pool,
        })
    }

    /// `http://ADDR`; a wildcard bind (`0.0.0.0`) is shown as loopback, which always works.
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// Serves until SIGTERM or Ctrl-C (or the server fails), then shuts both down.
    pub async fn run_until_signal(mut self) -> anyhow::Result<ExitCode> {
        let failed = tokio::select! {
            () = shutdown_signal() => None,
            ended = &mut self.http => Some(ended),
        };
        info!("shutting down: no new requests; finishing the jobs in hand");
        let _ = self.stop.send(true);
        let http_result = match failed {
            Some(ended) => Some(ended),
            None => match tokio::time::timeout(DRAIN, &mut self.http).await {
                Ok(ended) => Some(ended),
                Err(_) => {
                    warn!("connections still open after {DRAIN:?}; closing them");
                    self.http.abort();
                    None
                }
            },
        };
        self.pool.shutdown().await;
        match http_result {
            Some(Ok(Err(e))) => Err(anyhow::anyhow!("the HTTP server failed: {e}")),
            Some(Err(e)) if e.is_panic() => Err(anyhow::anyhow!("the HTTP server panicked")),
            _ => Ok(ExitCode::SUCCESS),
        }
    }
}
