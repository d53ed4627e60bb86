//! `leadforge migrate`.

use std::process::ExitCode;

use anyhow::Context;

use crate::table::say;

pub async fn run(config: pipeline::Config) -> anyhow::Result<ExitCode> {
    let store = store::Store::connect(config.database_url.expose()).await?;
    let ran = store.migrate().await.context("applying migrations")?;
    say(&format!(
        "{ran} migrations applied; the database is up to date"
    ));
    Ok(ExitCode::SUCCESS)
}
