//! `leadforge jobs`: the seeds' check-jobs.

use std::fmt::Write as _;
use std::process::ExitCode;

use store::{JobFilter, JobStatus, Store};

use crate::args::JobsArgs;
use crate::table::say;

pub async fn run(config: pipeline::Config, args: JobsArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(config.database_url.expose()).await?;
    let run_id = match &args.run {
        Some(id) => Some(super::runs::find(&store, id).await?.id),
        None => None,
    };
    let status = match &args.status {
        Some(s) => Some(JobStatus::parse(s).map_err(|_| {
            anyhow::anyhow!("--status must be queued, running, done, dead or cancelled, got {s:?}")
        })?),
        None => None,
    };
    let filter = JobFilter {
        run_id,
        status,
        limit: args.limit,
        ..JobFilter::default()
    };
    let jobs = store.jobs().list(&filter).await?;
    if args.json {
        say(&serde_json::to_string_pretty(&jobs)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for j in &jobs {
        let _ = writeln!(
            out,
            "{}  {:<10} {:<9} attempts {}/{}  {}",
            j.id,
            j.kind,
            j.status.as_str(),
            j.attempts,
            j.max_attempts,
            j.last_error.as_deref().unwrap_or("")
        );
    }
    if jobs.is_empty() {
        out.push_str("no jobs");
    }
    say(out.trim_end());
    Ok(ExitCode::SUCCESS)
}
