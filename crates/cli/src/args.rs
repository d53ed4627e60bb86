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
    /// Run workers only (add more processes or machines: they share the Postgres database).
    Worker(WorkerArgs),
    /// Run the embedded worker pool (the HTTP side arrives with the web UI).
    Serve(WorkerArgs),
    /// Deep-audit one lead now (map, pick and scrape its website, write its dossier) and
    /// print the dossier.
    Audit(AuditArgs),
    /// Onboard an agency from its own website; show or save its profile.
    #[command(subcommand)]
    Agency(crate::commands::agency::AgencyCommand),
    /// A READY lead's call script and first e-mail, from its dossier and the agency's
    /// approved claims.
    Outreach(OutreachArgs),
    /// Show or cancel a run.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// List jobs, with attempts and last errors.
    Jobs(JobsArgs),
    /// Which providers are configured and whether each answers; never prints a secret.
    Doctor {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Apply database migrations.
    Migrate,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The lead (`client_opportunities` id, as `runs show --json` prints it).
    pub opportunity_id: String,
    /// Print the audit and its dossier as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only create and enqueue the audit, print its id and exit (workers do the rest).
    #[arg(long, conflicts_with = "json")]
    pub detach: bool,
}

#[derive(Debug, Args)]
pub struct OutreachArgs {
    /// The lead (`client_opportunities` id, as `runs show --json` prints it).
    pub opportunity_id: String,
    /// Write a new draft from the lead's latest dossier and the agency's current claims.
    #[arg(long)]
    pub regenerate: bool,
    /// Print the draft as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Jobs handled at once by this process.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// A run's phases, progress and last events (the seeds' check-progress).
    Show {
        /// The run id.
        id: String,
        /// Print the run document (with its leads) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a run: queued jobs are cancelled, running ones stop at their next step.
    Cancel {
        /// The run id.
        id: String,
    },
    /// The agency's recent runs.
    List {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only this run's jobs.
    #[arg(long)]
    pub run: Option<String>,
    /// Only jobs in this status (queued, running, done, dead, cancelled).
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl Command {
    /// Log level when `LEADFORGE_LOG` is not set: commands that print results keep stderr
    /// for progress and problems only.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Self::Run(_) | Self::Demo(_) => "warn",
            Self::Worker(_) | Self::Serve(_) | Self::Migrate => "info",
            Self::Runs(_)
            | Self::Jobs(_)
            | Self::Doctor { .. }
            | Self::Audit(_)
            | Self::Outreach(_) => "warn",
            Self::Agency(_) => "warn",
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
    /// How many leads with NEEDS_WEB_AUDIT to deep-audit (0–200; default
    /// LEADFORGE_AUDIT_LEADS, 10). Leads scoring above 50 with a website are audited too.
    #[arg(long, value_name = "N")]
    pub audit: Option<u64>,
    /// Agency profile as TOML (otherwise the stored default agency).
    #[arg(long, value_name = "FILE")]
    pub agency: Option<PathBuf>,
    /// Which optional stages run.
    #[command(flatten)]
    pub stages: StageArgs,
    /// Print the run as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only create and enqueue the run, print its id and exit (workers do the rest).
    #[arg(long, conflicts_with = "json")]
    pub detach: bool,
    /// Jobs the embedded workers handle at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
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
    /// How many leads with NEEDS_WEB_AUDIT to deep-audit (0–200).
    #[arg(long, value_name = "N")]
    pub audit: Option<u64>,
    /// Which optional stages run.
    #[command(flatten)]
    pub stages: StageArgs,
    /// Print the run as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Exit when the run is done instead of serving the UI (this version has no UI yet, so
    /// the demo always exits when done).
    #[arg(long)]
    pub no_serve: bool,
}

/// Switches for the optional stages of a run (all on by default).
#[derive(Debug, Clone, Copy, Args)]
pub struct StageArgs {
    /// Skip the business and decision-maker personas (and mapping leads to them).
    #[arg(long)]
    pub no_personas: bool,
    /// Skip finding decision makers (LinkedIn search and the leads' team pages).
    #[arg(long)]
    pub no_decision_makers: bool,
    /// Skip the market research report.
    #[arg(long)]
    pub no_market_research: bool,
}

impl StageArgs {
    /// The run's stages.
    pub fn stages(self) -> pipeline::Stages {
        pipeline::Stages {
            personas: !self.no_personas,
            decision_makers: !self.no_decision_makers,
            market_research: !self.no_market_research,
        }
    }
}
