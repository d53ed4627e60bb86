//! The worker pool: each slot claims a job, heartbeats its lease while the handler runs, and
//! settles it (complete, retry with backoff, dead, cancelled). A reaper in every process puts
//! expired leases back in the queue, so work held by a killed process is picked up again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use domain::JobId;
use store::{BackoffPolicy, ClaimedJob, FailOutcome, Heartbeat, JobWaiter, Store};
use tokio::sync::{OnceCell, watch};
use tokio::task::JoinHandle;
use tracing::{Instrument, debug, error, info, info_span, warn};

use crate::jobs;
use crate::services::Services;

/// How a handler failed.
#[derive(Debug)]
pub enum JobError {
    /// Worth another attempt (a database hiccup, an I/O error).
    Retry(anyhow::Error),
    /// Will never succeed (a payload that does not decode, a run that cannot proceed).
    Fatal(anyhow::Error),
    /// The job's run was cancelled; the handler stopped at a step boundary.
    Cancelled,
}

impl JobError {
    /// A permanent failure.
    pub fn fatal(err: impl Into<anyhow::Error>) -> Self {
        Self::Fatal(err.into())
    }

    /// The failure as a plain error, for callers outside a job.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Self::Retry(e) | Self::Fatal(e) => e,
            Self::Cancelled => anyhow::anyhow!("cancelled"),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for JobError {
    fn from(err: E) -> Self {
        Self::Retry(err.into())
    }
}

/// What a handler knows about the job it runs.
#[derive(Debug, Clone)]
pub struct JobCtx {
    /// The job's id.
    pub job_id: JobId,
    /// This slot's worker id (the lease holder).
    pub worker: String,
    cancel: Arc<AtomicBool>,
    lost: Arc<AtomicBool>,
}

impl JobCtx {
    /// True once the job's run was cancelled: stop at the next step.
    pub fn cancel_requested(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// True once the lease was lost (reaped): nothing the handler records will count.
    pub fn lease_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

/// Worker pool settings.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs handled at once by this process.
    pub concurrency: usize,
    /// Lease per claim; extended by heartbeats every third of it.
    pub lease: Duration,
    /// Backoff between failed attempts.
    pub backoff: BackoffPolicy,
    /// Unique prefix of this process's worker ids (`{host}:{pid}`).
    pub name: String,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(30),
            backoff: BackoffPolicy::default(),
            name: default_worker_name(),
        }
    }
}

/// `{hostname}:{pid}:{random}`: unique among processes sharing a database.
pub fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    let nonce = &uuid::Uuid::now_v7().simple().to_string()[24..];
    format!("{host}:{}:{nonce}", std::process::id())
}

/// A running pool of worker slots plus a reaper.
#[derive(Debug)]
pub struct WorkerPool {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Starts `options.concurrency` slots and the reaper.
    pub fn start(svc: Arc<Services>, options: WorkerOptions) -> Self {
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::with_capacity(options.concurrency + 1);
        // One waiter for the whole pool, cloned into every slot: on Postgres it holds the
        // process's one `LISTEN` connection (a waiter per slot would open as many connections
        // as there are slots, and a few processes would exhaust the server's).
        let waiter = Arc::new(OnceCell::new());
        for slot in 0..options.concurrency.max(1) {
            let worker = format!("{}:{slot}", options.name);
            let span = info_span!("worker", worker.id = %worker);
            tasks.push(tokio::spawn(
                slot_loop(
                    svc.clone(),
                    options.clone(),
                    worker,
                    Arc::clone(&waiter),
                    rx.clone(),
                )
                .instrument(span),
            ));
        }
        tasks.push(tokio::spawn(reaper(svc.store.clone(), options.lease, rx)));
        info!(concurrency = options.concurrency, "workers started");
        Self { shutdown, tasks }
    }

    /// Stops claiming, lets jobs in hand finish, and waits for every slot.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn slot_loop(
    svc: Arc<Services>,
    opts: WorkerOptions,
    worker: String,
    shared: Arc<OnceCell<JobWaiter>>,
    mut stop: watch::Receiver<bool>,
) {
    let jobs = svc.store.jobs();
    let mut waiter = loop {
        match shared
            .get_or_try_init(|| jobs.waiter(Duration::from_millis(500)))
            .await
        {
            Ok(w) => break w.clone(),
            Err(e) => {
                warn!(error = %e, "cannot listen for jobs yet; retrying");
                if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
                    return;
                }
            }
        }
    };
    let mut db_backoff = Duration::from_millis(100);
    while !*stop.borrow() {
        match jobs.claim(&worker, Some(jobs::KINDS), opts.lease).await {
            Ok(Some(job)) => {
                db_backoff = Duration::from_millis(100);
                waiter.found_work();
                handle(&svc, &opts, &worker, job).await;
            }
            Ok(None) => {
                tokio::select! {
                    _ = waiter.wait() => {}
                    _ = stop.changed() => {}
                }
            }
            Err(e) => {
                // The database went away or is busy: back off and carry on when it returns.
                warn!(error = %e, delay_ms = db_backoff.as_millis() as u64, "claim failed; backing off");
                if sleep_or_stop(&mut stop, db_backoff).await {
                    return;
                }
                db_backoff = (db_backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Sleeps `d` unless asked to stop first; true when stopping.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

async fn handle(svc: &Arc<Services>, opts: &WorkerOptions, worker: &str, job: ClaimedJob) {
    let span =
        info_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempts);
    async {
        let ctx = JobCtx {
            job_id: job.id.clone(),
            worker: worker.to_owned(),
            cancel: Arc::new(AtomicBool::new(false)),
            lost: Arc::new(AtomicBool::new(false)),
        };
        let beat = tokio::spawn(heartbeat(svc.store.clone(), ctx.clone(), opts.lease));
        // The handler runs in its own task so a panic is caught and becomes a failed attempt.
        let result = {
            let (svc, ctx, job) = (svc.clone(), ctx.clone(), job.clone());
            tokio::spawn(async move { jobs::dispatch(&svc, &ctx, &job).await }).await
        };
        beat.abort();
        let result = result
            .unwrap_or_else(|e| Err(JobError::Retry(anyhow::anyhow!("handler panicked: {e}"))));
        settle(svc, opts, &ctx, &job, result).await;
    }
    .instrument(span)
    .await;
}

async fn settle(
    svc: &Services,
    opts: &WorkerOptions,
    ctx: &JobCtx,
    job: &ClaimedJob,
    result: Result<(), JobError>,
) {
    let jobs = svc.store.jobs();
    let outcome = match result {
        Ok(()) => {
            debug!("job done");
            return;
        }
        Err(JobError::Cancelled) => jobs
            .acknowledge_cancel(&job.id, &ctx.worker)
            .await
            .map(|_| ()),
        Err(JobError::Fatal(e)) => {
            let reason = format!("{e:#}");
            error!(error = %reason, "job failed permanently");
            match jobs.kill(&job.id, &ctx.worker, &reason).await {
                Ok(true) => {
                    jobs::on_dead(svc, job, &reason).await;
                    Ok(())
                }
                other => other.map(|_| ()),
            }
        }
        Err(JobError::Retry(e)) => {
            let reason = format!("{e:#}");
            match jobs
                .fail(&job.id, &ctx.worker, &reason, &opts.backoff)
                .await
            {
                Ok(FailOutcome::Dead) => {
                    error!(error = %reason, "job out of attempts");
                    jobs::on_dead(svc, job, &reason).await;
                    Ok(())
                }
                Ok(FailOutcome::Retrying { run_at }) => {
                    warn!(error = %reason, retry_at = run_at, "job failed; will retry");
                    Ok(())
                }
                Ok(FailOutcome::Cancelled | FailOutcome::LeaseLost) => Ok(()),
                Err(e) => Err(e),
            }
        }
    };
    if let Err(e) = outcome {
        // The lease will expire and the reaper will hand the job out again.
        warn!(error = %e, "could not record the job's outcome");
    }
}

async fn heartbeat(store: Store, ctx: JobCtx, lease: Duration) {
    let every = (lease / 3).max(Duration::from_millis(50));
    loop {
        tokio::time::sleep(every).await;
        match store
            .jobs()
            .heartbeat(&ctx.job_id, &ctx.worker, lease)
            .await
        {
            Ok(Heartbeat::Held) => {}
            Ok(Heartbeat::CancelRequested) => ctx.cancel.store(true, Ordering::Relaxed),
            Ok(Heartbeat::Lost) => {
                ctx.lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => warn!(error = %e, "heartbeat failed"),
        }
    }
}

async fn reaper(store: Store, lease: Duration, mut stop: watch::Receiver<bool>) {
    let every = (lease / 2).clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        if sleep_or_stop(&mut stop, every).await {
            return;
        }
        match store.jobs().reap().await {
            Ok(report) => debug!(?report, "reaped"),
            Err(e) => warn!(error = %e, "reaper failed"),
        }
    }
}
