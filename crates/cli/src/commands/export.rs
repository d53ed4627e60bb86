//! `leadforge export RUN_ID [--format csv|json] [--out FILE]`: a run's leads as a file other
//! programs read. The operator's CLI acts for every agency on its database, so the run is
//! exported for the agency that owns it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use store::Store;

use crate::args::{ExportArgs, ExportFormat};

pub async fn run(config: pipeline::Config, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(config.database_url.expose()).await?;
    let run = super::runs::find(&store, &args.run_id).await?;
    let bytes = match args.format {
        ExportFormat::Csv => pipeline::export::export_csv(&store, &run.agency_id, &run.id).await,
        ExportFormat::Json => pipeline::export::export_json(&store, &run.agency_id, &run.id).await,
    }
    .with_context(|| format!("exporting run {}", run.id))?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| {
                    if bytes.ends_with(b"\n") {
                        Ok(())
                    } else {
                        out.write_all(b"\n")
                    }
                })
                .and_then(|()| out.flush())
                .context("cannot write to stdout")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
