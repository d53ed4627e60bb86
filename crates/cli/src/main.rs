//! The `leadforge` command. Wiring only: parsing, logging, and handing each subcommand to the
//! library crates. Errors end the process with one line on stderr and a non-zero exit.

mod args;
mod commands;
mod logging;
mod progress;
mod table;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = pipeline::Config::from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    logging::init(&config, cli.command.default_log_level())?;
    match cli.command {
        Command::Run(args) => commands::run::run(config, args).await,
        Command::Demo(args) => commands::demo::run(config, args).await,
        Command::Bench(args) => commands::bench::run(args).await,
        Command::Worker(args) => commands::worker::run(config, args).await,
        Command::Serve(args) => commands::serve::run(config, args).await,
        Command::Export(args) => commands::export::run(config, args).await,
        Command::Users(cmd) => commands::users::run(config, cmd).await,
        Command::Webhook(cmd) => commands::webhook::run(config, cmd).await,
        Command::Audit(args) => commands::audit::run(config, args).await,
        Command::Outreach(args) => commands::outreach::run(config, args).await,
        Command::Agency(cmd) => commands::agency::run(config, cmd).await,
        Command::Runs(cmd) => commands::runs::run(config, cmd).await,
        Command::Jobs(args) => commands::jobs::run(config, args).await,
        Command::Doctor { json } => commands::doctor::run(config, json).await,
        Command::Migrate => commands::migrate::run(config).await,
    }
}

/// Prints one line: the error and its causes, joined.
fn fail(err: &anyhow::Error) -> ExitCode {
    let line = format!("{err:#}").replace('\n', " ");
    #[expect(clippy::print_stderr, reason = "the CLI's own error output")]
    {
        eprintln!("error: {line}");
    }
    ExitCode::FAILURE
}
