//! `leadforge bench`: wiring for [`bench`].

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use sample_world::{FaultPlans, LatencyProfile};

use crate::args::BenchArgs;
use crate::table::say;

/// Most leads a bench campaign may ask for.
const MAX_BENCH_LEADS: u32 = pipeline::MAX_LEADS;

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let options = options(&args)?;
    // Ctrl-C drops the bench, and with it the worker processes it started.
    let report = tokio::select! {
        report = bench::run(&options) => report?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; the bench's workers were stopped"),
    };
    let json = serde_json::to_string_pretty(&report).context("serialising the report")?;
    if let Some(path) = &args.out {
        std::fs::write(path, format!("{json}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        say(&json);
    } else {
        say(report.to_text().trim_end());
    }
    let failed: Vec<String> = report
        .modes
        .iter()
        .filter(|m| m.status != "completed")
        .map(|m| format!("{} run {} {}", m.mode.as_str(), m.run_id, m.status))
        .collect();
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("{}", failed.join("; "))
    }
}

/// The bench options the flags describe; every bad flag is named.
fn options(args: &BenchArgs) -> anyhow::Result<bench::BenchOptions> {
    if !(1..=MAX_BENCH_LEADS).contains(&args.leads) {
        anyhow::bail!(
            "--leads must be between 1 and {MAX_BENCH_LEADS}, got {}",
            args.leads
        );
    }
    if let Some(audit) = args.audit.filter(|a| *a > args.leads) {
        anyhow::bail!(
            "--audit must be at most --leads ({}), got {audit}",
            args.leads
        );
    }
    if args.vertical.trim().is_empty() {
        anyhow::bail!("--vertical must not be empty");
    }
    if args.geo.trim().is_empty() {
        anyhow::bail!("--geo must not be empty");
    }
    if args.workers.is_empty() || args.workers.iter().any(|w| !(1..=64).contains(w)) {
        anyhow::bail!("--workers must be between 1 and 64 processes each");
    }
    if args.concurrency == 0 || args.concurrency > 1024 {
        anyhow::bail!(
            "--concurrency must be between 1 and 1024, got {}",
            args.concurrency
        );
    }
    if args.llm_concurrency == 0 || args.llm_concurrency > 1024 {
        anyhow::bail!(
            "--llm-concurrency must be between 1 and 1024, got {}",
            args.llm_concurrency
        );
    }
    if !(args.latency_scale.is_finite() && (0.0..=100.0).contains(&args.latency_scale)) {
        anyhow::bail!(
            "--latency-scale must be between 0 and 100, got {}",
            args.latency_scale
        );
    }
    let latency: LatencyProfile = args
        .latency
        .parse()
        .map_err(|e| anyhow::anyhow!("--latency: {e}"))?;
    let faults = match args.faults.as_deref().map(str::trim) {
        None | Some("") | Some("none") => None,
        Some("mixed") => Some(FaultPlans::mixed()),
        Some(spec) => Some(
            spec.parse::<FaultPlans>()
                .map_err(|e| anyhow::anyhow!("--faults: {e}"))?,
        ),
    };
    if let Some(url) = &args.database
        && !url.starts_with("postgres://")
        && !url.starts_with("postgresql://")
    {
        anyhow::bail!("--database must be a postgres:// URL (SQLite is the default)");
    }
    if args.workers.iter().any(|w| *w > 1) && args.database.is_none() {
        anyhow::bail!(
            "more than one worker process needs --database postgres://… (SQLite is one machine's, one writer's)"
        );
    }
    if let Some(url) = &args.blob_store
        && !url.starts_with("s3://")
        && !url.starts_with("file://")
    {
        anyhow::bail!("--blob-store must be an s3:// or file:// URL");
    }
    if args.timeout_secs == 0 {
        anyhow::bail!("--timeout-secs must be at least 1");
    }
    Ok(bench::BenchOptions {
        leads: args.leads,
        audit: args.audit,
        vertical: args.vertical.trim().to_owned(),
        geography: args.geo.trim().to_owned(),
        workers: args.workers.clone(),
        sequential: args.sequential,
        concurrency: args.concurrency,
        llm_concurrency: args.llm_concurrency,
        latency: latency.scaled(args.latency_scale),
        faults,
        seed: args.seed,
        postgres_url: args.database.clone(),
        blob_store_url: args.blob_store.clone(),
        worker_exe: std::env::current_exe().context("finding the leadforge executable")?,
        timeout: Duration::from_secs(args.timeout_secs),
    })
}
