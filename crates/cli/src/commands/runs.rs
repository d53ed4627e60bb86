//! `leadforge runs show|cancel|list`: the seeds' check-progress, and cancel.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use domain::RunId;
use pipeline::{CancelOutcome, cancel_run, run_document};
use store::{Run, Store};

use crate::args::RunsCommand;
use crate::table::{print_json, say};

pub async fn run(config: pipeline::Config, cmd: RunsCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(config.database_url.expose()).await?;
    match cmd {
        RunsCommand::Show { id, json } => {
            let run = find(&store, &id).await?;
            if json {
                print_json(&run_document(&store, &run.agency_id, &run).await?)?;
            } else {
                say(&describe(&store, &run).await?);
            }
            Ok(ExitCode::SUCCESS)
        }
        RunsCommand::Cancel { id } => {
            let run = find(&store, &id).await?;
            match cancel_run(&store, &run.agency_id, &run.id).await? {
                CancelOutcome::Cancelled => say(&format!("run {} cancelled", run.id)),
                CancelOutcome::AlreadyEnded(status) => {
                    say(&format!(
                        "run {} had already ended: {}",
                        run.id,
                        status.as_str()
                    ));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RunsCommand::List { limit } => {
            let mut out = String::new();
            for r in store.runs().list_all(limit).await? {
                let _ = writeln!(
                    out,
                    "{}  {:<9}  {:>5.1}%  {} in {} ({} leads)",
                    r.id,
                    r.workflow_status.as_str(),
                    r.progress,
                    r.target_vertical,
                    r.target_geography,
                    r.num_leads
                );
            }
            say(if out.is_empty() {
                "no runs yet"
            } else {
                out.trim_end()
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The run named on the command line, or a clear error.
pub async fn find(store: &Store, id: &str) -> anyhow::Result<Run> {
    let run_id: RunId = id
        .parse()
        .map_err(|_| anyhow::anyhow!("{id:?} is not a run id"))?;
    store
        .runs()
        .get(&run_id)
        .await?
        .with_context(|| format!("run {run_id} does not exist"))
}

async fn describe(store: &Store, run: &Run) -> anyhow::Result<String> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "run {} · {} in {} · {} leads wanted · {} · {:.0}%",
        run.id,
        run.target_vertical,
        run.target_geography,
        run.num_leads,
        run.workflow_status.as_str(),
        run.progress
    );
    if let Some(e) = &run.error {
        let _ = writeln!(out, "error: {e}");
    }
    let _ = writeln!(out, "\nphases:");
    for p in &run.phases {
        let took = match (p.started_at, p.finished_at) {
            (Some(s), Some(f)) => format!("{:.1}s", (f - s) as f64 / 1000.0),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:<16} {:<9} {:>5}/{:<5} {took}{}",
            p.name.as_str(),
            p.status.as_str(),
            p.done,
            p.total,
            p.error
                .as_deref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        );
    }
    let counts = store.jobs().counts_for_run(&run.id).await?;
    let _ = writeln!(
        out,
        "\njobs: {} queued, {} running, {} done, {} dead, {} cancelled",
        counts.queued, counts.running, counts.done, counts.dead, counts.cancelled
    );
    let _ = writeln!(out, "\nlast events:");
    for e in store.events().latest(&run.id, 10).await? {
        let _ = writeln!(
            out,
            "  {:<5} {}",
            format!("{:?}", e.level).to_lowercase(),
            e.message
        );
    }
    Ok(out.trim_end().to_owned())
}
