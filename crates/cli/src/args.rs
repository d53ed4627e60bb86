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
    /// A full campaign against the sample world with realistic latencies, measured against
    /// its critical-path lower bound; with `--sequential` side by side with one job at a
    /// time, with `--faults` under injected provider failures, with `--workers 1,2,4` across
    /// worker processes.
    Bench(BenchArgs),
    /// Run workers only (add more processes or machines: they share the Postgres database).
    Worker(WorkerArgs),
    /// Serve the web UI and the JSON API, with embedded workers, until SIGTERM or Ctrl-C.
    Serve(WorkerArgs),
    /// A run's leads as CSV or JSON (any agency's run: the operator's view).
    Export(ExportArgs),
    /// Create users, reset passwords, issue and revoke API tokens.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The default agency's webhook, notified when a run ends.
    #[command(subcommand)]
    Webhook(WebhookCommand),
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

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One row per lead, in rank order, with a header row.
    Csv,
    /// The run document (what `run --json` prints).
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The run id.
    pub run_id: String,
    /// The file format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user who can sign in. The password comes from LEADFORGE_PASSWORD or, with
    /// --password-stdin, from the first line of stdin.
    Create {
        /// Sign-in e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Join the agency of this existing user (default: the default agency).
        #[arg(long, value_name = "EMAIL")]
        agency_of: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (LEADFORGE_PASSWORD or --password-stdin) and end their sessions.
    ResetPassword {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issue an API token for a user; it is printed once and stored only as a hash.
    Token {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// A name to tell the token apart.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// A user's API tokens (prefix, name, created, last used, revoked).
    Tokens {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
    },
    /// Revoke one of a user's API tokens.
    Revoke {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// The token's id, as `users tokens` lists it.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Set where run notifications go (run.completed, run.failed, run.cancelled).
    Set {
        /// An http(s) URL, without credentials.
        #[arg(long)]
        url: String,
        /// Read the signing secret (16–256 characters) from the first line of stdin;
        /// without it an existing secret is kept.
        #[arg(long)]
        secret_stdin: bool,
    },
    /// The webhook, whether its deliveries are signed, and its latest deliveries.
    Show,
    /// Stop sending run notifications.
    Remove,
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
            Self::Run(_) | Self::Demo(_) | Self::Bench(_) => "warn",
            Self::Worker(_) | Self::Serve(_) | Self::Migrate => "info",
            Self::Export(_) | Self::Users(_) | Self::Webhook(_) => "warn",
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
pub struct BenchArgs {
    /// Leads of the campaign (1–1,000).
    #[arg(long, default_value_t = 20)]
    pub leads: u32,
    /// Leads deep-audited (default: every lead).
    #[arg(long, value_name = "N")]
    pub audit: Option<u32>,
    /// The vertical to target.
    #[arg(long, default_value = "dentist")]
    pub vertical: String,
    /// The geography to target.
    #[arg(long, default_value = "Austin, TX")]
    pub geo: String,
    /// Also run the campaign one job and one LLM request at a time, and report the speed-up.
    #[arg(long)]
    pub sequential: bool,
    /// Worker processes; a list (`1,2,4`) runs the campaign once per count.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub workers: Vec<usize>,
    /// Jobs at once per worker process.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// `OPENAI_MAX_CONCURRENT`: LLM requests in flight per worker process.
    #[arg(long, default_value_t = 16)]
    pub llm_concurrency: usize,
    /// Latency profile: `realistic`, `zero`, either with overrides
    /// (`realistic,llm=1s..3s,sites=100ms..500ms+5%:500ms..2s`).
    #[arg(long, default_value = "realistic")]
    pub latency: String,
    /// Multiplies every latency (0.1 for a quick run).
    #[arg(long, default_value_t = 1.0)]
    pub latency_scale: f64,
    /// Faults to inject: `mixed` (a bad day on every provider) or a spec like
    /// `openai:error=0.05,refusal=0.03;sites:timeout=0.01,change=0.05`.
    #[arg(long)]
    pub faults: Option<String>,
    /// Seed of the sample world.
    #[arg(long, default_value_t = 0x5EED_1EAD)]
    pub seed: u64,
    /// Run on this Postgres server (a database per run, dropped after) instead of SQLite.
    #[arg(long, value_name = "postgres://…")]
    pub database: Option<String>,
    /// Blob store base (`s3://bucket/prefix`); each run writes under a prefix of its own.
    #[arg(long, value_name = "URL")]
    pub blob_store: Option<String>,
    /// Give up on a run after this many seconds.
    #[arg(long, default_value_t = 7200)]
    pub timeout_secs: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The vertical to target, e.g. "dentist".
    #[arg(long)]
    pub vertical: String,
    /// The geography to target, e.g. "Austin, TX".
    #[arg(long)]
    pub geo: String,
    /// How many leads to find (1–1,000).
    #[arg(long, default_value_t = 20)]
    pub leads: u64,
    /// How many leads with NEEDS_WEB_AUDIT to deep-audit (0–1,000; default
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
    /// How many leads to find (1–1,000).
    #[arg(long, default_value_t = 20)]
    pub leads: u64,
    /// How many leads with NEEDS_WEB_AUDIT to deep-audit (0–1,000).
    #[arg(long, value_name = "N")]
    pub audit: Option<u64>,
    /// Which optional stages run.
    #[command(flatten)]
    pub stages: StageArgs,
    /// Print the run as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Exit when the run is done instead of serving the UI with the demo run loaded.
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
