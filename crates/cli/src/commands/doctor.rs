//! `leadforge doctor`.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::table::say;

pub async fn run(config: pipeline::Config, json: bool) -> anyhow::Result<ExitCode> {
    let checks = pipeline::doctor::run(&config).await;
    if json {
        say(&serde_json::to_string_pretty(&checks)?);
    } else {
        let mut out = String::new();
        for c in &checks {
            let _ = writeln!(
                out,
                "{:<10} {:<21} {:<12} {:<40} {}",
                c.chain, c.provider, c.status, c.endpoint, c.detail
            );
        }
        say(out.trim_end());
    }
    // A model not downloaded yet, or switched off, is a state, not a fault.
    let broken = checks
        .iter()
        .any(|c| !matches!(c.status.as_str(), "ok" | "skipped" | "not downloaded"));
    Ok(if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
