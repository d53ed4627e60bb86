//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Leadforge: find, qualify and research local-business leads.
#[derive(Debug, Parser)]
#[command(name = "leadforge", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one campaign from the command line and print the ranked leads.
    Run(RunArgs),
    /// Run the whole pipeline offline against the bundled sample world.
    Demo(DemoArgs),
    /// Apply database migrations.
    Migrate,
}

impl Command {
    /// Log level when `LEADFORGE_LOG` is not set: commands that print results keep stderr
    /// for progress and problems only.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Self::Run(_) | Self::Demo(_) => "warn",
            Self::Migrate => "info",
        }
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The vertical to target, e.g. "dentist".
    #[arg(long)]
    pub vertical: String,
    /// The geography to target, e.g. "Austin, TX".
    #[arg(long)]
    pub geo: String,
    /// How many leads to find (1–200).
    #[arg(long, default_value_t = 20)]
    pub leads: u64,
    /// Agency profile as TOML (otherwise the stored default agency).
    #[arg(long, value_name = "FILE")]
    pub agency: Option<PathBuf>,
    /// Print the run as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Vertical to search in the sample world.
    #[arg(long, default_value = "dentist")]
    pub vertical: String,
    /// Geography to search in the sample world.
    #[arg(long, default_value = "Austin, TX")]
    pub geo: String,
    /// How many leads to find (1–200).
    #[arg(long, default_value_t = 20)]
    pub leads: u64,
    /// Print the run as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Exit when the run is done instead of serving the UI (this version has no UI yet, so
    /// the demo always exits when done).
    #[arg(long)]
    pub no_serve: bool,
}
