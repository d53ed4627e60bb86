//! `leadforge bench`: a full campaign against the sample world with realistic latencies,
//! measured against the run's critical-path lower bound (see [`bound`]).
//!
//! Each mode gets a fresh world (the same generated businesses, new servers, an empty call
//! log), a fresh database and blob store, and `leadforge worker` processes of its own, so
//! nothing — not the places cache, not a robots.txt memo — carries over from one mode to the
//! next, and the workers' peak memory is theirs alone. The bench process only starts the run,
//! watches it and reads what it left.

pub mod bound;
mod collect;
mod procs;
pub mod report;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use pipeline::{CampaignRequest, Stages, start_run};
use sample_world::{
    ExtraFiller, FaultPlans, LatencyProfile, SampleWorld, Vertical, World, WorldConfig,
};
use store::Store;

pub use report::{BenchReport, ModeReport};

/// How a mode runs its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Many jobs at once, within the provider limits.
    Parallel,
    /// One job at a time, one language-model request at a time: a lead is finished with a
    /// phase before the next one starts, as the seeds' sequential pipeline does.
    Sequential,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parallel => "parallel",
            Self::Sequential => "sequential",
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Leads of the campaign.
    pub leads: u32,
    /// Leads deep-audited (default: all of them).
    pub audit: Option<u32>,
    pub vertical: String,
    pub geography: String,
    /// Worker processes of the parallel runs: one run per entry (`[1, 2, 4]` for scale-out).
    pub workers: Vec<usize>,
    /// Also run the sequential mode, after the parallel runs.
    pub sequential: bool,
    /// Jobs at once per worker process (parallel mode).
    pub concurrency: usize,
    /// `OPENAI_MAX_CONCURRENT` per worker process (parallel mode).
    pub llm_concurrency: usize,
    /// The latency profile of the world.
    pub latency: LatencyProfile,
    /// Faults injected, if any.
    pub faults: Option<FaultPlans>,
    /// The world's seed.
    pub seed: u64,
    /// `postgres://…` server to run on (a database is created per mode and dropped after);
    /// `None` = a SQLite file per mode.
    pub postgres_url: Option<String>,
    /// `BLOB_STORE_URL` base; each mode writes under its own prefix. `None` = a directory.
    pub blob_store_url: Option<String>,
    /// The `leadforge` executable whose `worker` command runs the jobs.
    pub worker_exe: PathBuf,
    /// Gives up on a mode after this long.
    pub timeout: Duration,
}

/// The world for `options`: the default one, plus enough businesses for the campaign's own
/// (vertical, geography) that `leads` survive triage (every listing needs a phone, a few are
/// duplicates). An unknown pair gets more filler everywhere instead.
fn world_config(options: &BenchOptions) -> WorldConfig {
    let wanted = usize::try_from(options.leads)
        .unwrap_or(usize::MAX)
        .saturating_mul(2);
    let base = WorldConfig {
        seed: options.seed,
        ..WorldConfig::default()
    };
    if wanted <= base.filler_per_query {
        return base;
    }
    let geography = options.geography.trim().to_lowercase();
    let pair = Vertical::from_phrase(&options.vertical).zip(
        sample_world::geography::GEOGRAPHIES.iter().find(|g| {
            g.name.eq_ignore_ascii_case(&geography) || g.aliases.contains(&geography.as_str())
        }),
    );
    match pair {
        Some((vertical, geography)) => WorldConfig {
            extra: Some(ExtraFiller {
                vertical,
                geography,
                count: wanted,
            }),
            ..base
        },
        None => WorldConfig {
            filler_per_query: wanted,
            ..base
        },
    }
}

/// Runs every mode of `options` and reports them side by side.
pub async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let mut plan: Vec<(Mode, usize)> = options
        .workers
        .iter()
        .map(|&w| (Mode::Parallel, w))
        .collect();
    if options.sequential {
        plan.push((Mode::Sequential, 1));
    }
    if plan.is_empty() {
        anyhow::bail!("no mode to run");
    }
    if plan.iter().any(|&(_, w)| w == 0) {
        anyhow::bail!("--workers must be at least 1");
    }
    let started = Instant::now();
    let world = Arc::new(World::generate(&world_config(options)));
    tracing::info!(generated_in = ?started.elapsed(), "sample world generated");
    let mut modes = Vec::new();
    for (mode, workers) in plan {
        tracing::info!(mode = mode.as_str(), workers, "bench run starting");
        modes.push(run_mode(options, Arc::clone(&world), mode, workers).await?);
    }
    Ok(BenchReport::new(options, modes))
}

/// One campaign in `mode` against a fresh copy of the world.
async fn run_mode(
    options: &BenchOptions,
    world: Arc<World>,
    mode: Mode,
    workers: usize,
) -> anyhow::Result<ModeReport> {
    let dir = tempfile::Builder::new()
        .prefix("leadforge-bench-")
        .tempdir()
        .context("creating the bench directory")?;
    let running = SampleWorld::serve(world)
        .await
        .context("starting the sample world")?;
    running.faults.set_latency_profile(Some(options.latency));
    if let Some(plans) = &options.faults {
        running.faults.set_plans(plans.clone());
    }

    let database = Database::create(options, dir.path()).await?;
    let result = run_on(options, &running, &database, dir.path(), mode, workers).await;
    running.shutdown().await;
    // Dropped whatever happened: a failed run leaves no database behind either.
    database.drop_if_created(options).await;
    result
}

/// One mode's campaign on `database`, with its workers, against `running`.
async fn run_on(
    options: &BenchOptions,
    running: &sample_world::RunningWorld,
    database: &Database,
    dir: &std::path::Path,
    mode: Mode,
    workers: usize,
) -> anyhow::Result<ModeReport> {
    let blob_store_url = match &options.blob_store_url {
        Some(base) => format!(
            "{}/bench-{}",
            base.trim_end_matches('/'),
            uuid::Uuid::now_v7().simple()
        ),
        None => format!("file://{}", dir.join("blobs").display()),
    };
    let (workers, concurrency, llm_concurrency) = match mode {
        Mode::Parallel => (
            workers,
            options.concurrency.max(1),
            options.llm_concurrency.max(1),
        ),
        Mode::Sequential => (1, 1, 1),
    };
    // Every site host resolves to the sites server through the catch-all: a world of a
    // thousand leads has more domains than one environment variable may hold.
    let mut env: Vec<(String, String)> = running
        .env()
        .into_iter()
        .filter(|(k, _)| k != "LEADFORGE_RESOLVE")
        .collect();
    env.push((
        "LEADFORGE_RESOLVE".into(),
        format!("*={}", running.sites_addr),
    ));
    env.extend(
        [
            ("DATABASE_URL", database.url.clone()),
            ("BLOB_STORE_URL", blob_store_url.clone()),
            ("OPENAI_MAX_CONCURRENT", llm_concurrency.to_string()),
            ("LEADFORGE_EMBEDDINGS", "auto".to_owned()),
            ("LEADFORGE_DATA_DIR", dir.join("data").display().to_string()),
            // Warnings, and the line that says a worker's slots are up.
            ("LEADFORGE_LOG", "warn,pipeline::worker=info".to_owned()),
            ("LEADFORGE_LOG_FORMAT", "json".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v)),
    );

    let store = Store::open(&database.url)
        .await
        .context("opening the bench database")?;
    let (user, _) = store.users().ensure_default().await?;
    let agency = store
        .agencies()
        .upsert_by_name_for_user(&user.id, &agency_profile())
        .await?;
    let audit = options.audit.unwrap_or(options.leads);
    // Workers first, so the clock starts with them ready, as a running service would be.
    let mut procs = Vec::with_capacity(workers);
    for index in 0..workers {
        procs.push(procs::Worker::spawn(
            &options.worker_exe,
            dir,
            index,
            concurrency,
            &env,
        )?);
    }
    wait_until_ready(&mut procs).await?;

    let clock = Instant::now();
    let run = start_run(
        &store,
        CampaignRequest {
            agency_id: agency.id.clone(),
            user_id: user.id.clone(),
            vertical: options.vertical.clone(),
            geography: options.geography.clone(),
            num_leads: options.leads,
            audit_leads: Some(audit),
            stages: Stages::ALL,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("starting the run: {e}"))?;
    let finished = loop {
        let current = store
            .runs()
            .get(&run.id)
            .await?
            .context("the bench run disappeared")?;
        if current.workflow_status.is_terminal() {
            break current;
        }
        for proc in &mut procs {
            proc.check_alive()?;
        }
        if clock.elapsed() > options.timeout {
            anyhow::bail!(
                "{} run did not finish within {:?} (status {})",
                mode.as_str(),
                options.timeout,
                current.workflow_status.as_str()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let wall = clock.elapsed();
    let peak_rss: Vec<u64> = procs.iter().filter_map(procs::Worker::peak_rss).collect();
    for proc in procs {
        proc.stop().await;
    }

    let calls = running.calls();
    let injected = running.faults.injected();
    // Every mode is measured against what the providers allow (the configured LLM
    // concurrency on each worker process), so the sequential run's ratio shows what doing
    // one thing at a time costs.
    let limits = collect::limits(&running.world, options.llm_concurrency.max(1) * workers);
    let report = collect::mode_report(collect::ModeInputs {
        mode,
        store: &store,
        blob_store_url: &blob_store_url,
        run: &finished,
        wall,
        calls: &calls,
        injected: &injected,
        limits: &limits,
        peak_rss,
        workers,
        concurrency,
        llm_concurrency,
    })
    .await?;
    store.close().await;
    Ok(report)
}

/// Waits until every worker has started its slots (its log says so), failing with a
/// worker's log if one exits first.
async fn wait_until_ready(procs: &mut [procs::Worker]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut ready = 0;
        for proc in procs.iter_mut() {
            proc.check_alive()?;
            if proc.log_contains("workers started") {
                ready += 1;
            }
        }
        if ready == procs.len() {
            return Ok(());
        }
        if Instant::now() > deadline {
            anyhow::bail!("the worker processes did not start within two minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The database of one mode.
struct Database {
    url: String,
    /// Postgres: the database created for this mode, dropped afterwards.
    created: Option<String>,
}

impl Database {
    async fn create(options: &BenchOptions, dir: &std::path::Path) -> anyhow::Result<Self> {
        let Some(admin) = &options.postgres_url else {
            return Ok(Self {
                url: format!("sqlite://{}", dir.join("bench.db").display()),
                created: None,
            });
        };
        let name = format!("leadforge_bench_{}", uuid::Uuid::now_v7().simple());
        let (base, _) = admin
            .rsplit_once('/')
            .filter(|(base, _)| base.contains("://") && !base.ends_with('/'))
            .context("--database must be postgres://user@host:port/database")?;
        let pool = Store::connect(admin)
            .await
            .context("connecting to the Postgres server")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(pool.pool())
            .await
            .context("creating the bench database")?;
        pool.close().await;
        Ok(Self {
            url: format!("{base}/{name}"),
            created: Some(name),
        })
    }

    async fn drop_if_created(&self, options: &BenchOptions) {
        let (Some(name), Some(admin)) = (&self.created, &options.postgres_url) else {
            return;
        };
        if let Ok(pool) = Store::connect(admin).await {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(pool.pool())
                .await
            {
                tracing::warn!(error = %e, database = %name, "bench database not dropped");
            }
            pool.close().await;
        }
    }
}

/// The agency of the demo and the bench: a web and local-SEO shop that wants every signal.
pub fn agency_profile() -> store::AgencyProfile {
    store::AgencyProfile {
        name: "Demo Agency (sample world)".into(),
        website: None,
        services: vec![
            "Websites for local businesses".into(),
            "Local SEO".into(),
            "Review management".into(),
        ],
        target_vertical: Some("dentist".into()),
        target_geography: Some("Austin, TX".into()),
        lead_qualification_criteria: [
            "MISSING_WEBSITE",
            "WEAK_WEB_PRESENCE",
            "LOW_GOOGLE_RATING",
            "WEBSITE_NOT_MOBILE_FRIENDLY",
            "NO_CALL_TO_ACTION",
            "NO_HTTPS",
            "NO_CONTACT_EMAIL",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        approved_claims: vec![
            store::ApprovedClaim {
                id: "fast-sites".into(),
                text: "We launch mobile-friendly websites in 14 days".into(),
                source_url: None,
            },
            store::ApprovedClaim {
                id: "reviews".into(),
                text: "Our review program adds 20+ Google reviews in 90 days".into(),
                source_url: None,
            },
        ],
        scoring_weights: Default::default(),
    }
}
