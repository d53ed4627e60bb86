//! Jobs queue throughput and reaper delay, on SQLite and, when `LEADFORGE_TEST_POSTGRES_URL`
//! names a server, on Postgres. A plain `main` rather than criterion: the figures are rates of
//! several concurrent workers and delays of a background loop, not the cost of one call.
//!
//! `cargo bench -p leadforge-store --bench jobs` prints, per backend:
//! - enqueue rate, one job a statement and in batches (`enqueue_many`);
//! - no-op jobs claimed and completed per second by 1, 4 (and on Postgres 8) workers sharing
//!   one `Store`, each job one `claim` and one `complete` statement;
//! - the delay from a lease's expiry to its requeue by a reaper running every N ms.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use domain::JobId;
use serde::{Deserialize, Serialize};
use store::testing::TestDb;
use store::{Backend, EnqueueOptions, JobFilter, JobKind, JobStatus, Store, now_ms};

const JOBS: u32 = 5_000;
const SINGLE_ENQUEUES: u32 = 1_000;
const LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize, Deserialize)]
struct Noop {
    n: u32,
}

impl JobKind for Noop {
    const NAME: &'static str = "bench_noop";
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            let store = db.open().await.unwrap();
            let name = format!("{:?}", db.backend).to_lowercase();
            println!("== {name}");
            enqueue_rates(&store).await;
            let workers: &[usize] = match db.backend {
                Backend::Sqlite => &[1, 4],
                Backend::Postgres => &[1, 4, 8],
            };
            for &w in workers {
                let rate = claim_complete_rate(&store, w).await;
                println!("claim+complete, {w} worker(s): {rate:>8.0} jobs/s ({JOBS} jobs)");
            }
            for interval in [50, 250, 1_000] {
                reaper_delay(&store, Duration::from_millis(interval)).await;
            }
            store.close().await;
        }
    });
}

async fn enqueue_rates(store: &Store) {
    let start = Instant::now();
    for n in 0..SINGLE_ENQUEUES {
        store
            .jobs()
            .enqueue(&Noop { n }, EnqueueOptions::default())
            .await
            .unwrap();
    }
    let single = f64::from(SINGLE_ENQUEUES) / start.elapsed().as_secs_f64();
    drain(store).await;

    let start = Instant::now();
    store
        .jobs()
        .enqueue_many((0..JOBS).map(|n| (Noop { n }, EnqueueOptions::default())))
        .await
        .unwrap();
    let batch = f64::from(JOBS) / start.elapsed().as_secs_f64();
    drain(store).await;
    println!("enqueue, one by one:        {single:>8.0} jobs/s");
    println!("enqueue_many, batches of 500: {batch:>6.0} jobs/s");
}

/// Completes everything queued, so the next measurement starts from an empty queue.
async fn drain(store: &Store) {
    while let Some(job) = store.jobs().claim("drain", None, LEASE).await.unwrap() {
        store.jobs().complete(&job.id, "drain").await.unwrap();
    }
}

async fn claim_complete_rate(store: &Store, workers: usize) -> f64 {
    store
        .jobs()
        .enqueue_many((0..JOBS).map(|n| (Noop { n }, EnqueueOptions::default())))
        .await
        .unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("bench-{w}");
            let mut done = 0u32;
            while let Some(job) = store.jobs().claim(&worker, None, LEASE).await.unwrap() {
                assert!(store.jobs().complete(&job.id, &worker).await.unwrap());
                done += 1;
            }
            done
        }));
    }
    let mut done = 0;
    for task in tasks {
        done += task.await.unwrap();
    }
    let elapsed = start.elapsed();
    assert_eq!(done, JOBS, "every job completed exactly once");
    f64::from(JOBS) / elapsed.as_secs_f64()
}

/// Claims jobs a few ms apart with a short lease, never completes them, and runs a reaper every
/// `interval`: how long after its lease ended is each job back in the queue?
async fn reaper_delay(store: &Store, interval: Duration) {
    const EXPIRING: u32 = 40;
    let lease = Duration::from_millis(20);
    let jobs = store.jobs();
    jobs.enqueue_many((0..EXPIRING).map(|n| (Noop { n }, EnqueueOptions::default())))
        .await
        .unwrap();
    let mut expires: HashMap<JobId, i64> = HashMap::new();
    let reaper = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            let mut requeued_at: HashMap<JobId, i64> = HashMap::new();
            while requeued_at.len() < EXPIRING as usize {
                ticker.tick().await;
                if store.jobs().reap().await.unwrap().requeued == 0 {
                    continue;
                }
                let now = now_ms();
                let queued = store
                    .jobs()
                    .list(&JobFilter {
                        status: Some(JobStatus::Queued),
                        kind: Some(Noop::NAME.into()),
                        limit: 10_000,
                        ..JobFilter::default()
                    })
                    .await
                    .unwrap();
                for job in queued.into_iter().filter(|j| j.attempts > 0) {
                    requeued_at.entry(job.id).or_insert(now);
                }
            }
            requeued_at
        })
    };
    // Stagger the claims so expiries fall at every phase of the reaper's cycle.
    let stagger = interval / EXPIRING + Duration::from_millis(1);
    for _ in 0..EXPIRING {
        let job = jobs.claim("expiring", None, lease).await.unwrap().unwrap();
        expires.insert(job.id, job.locked_until);
        tokio::time::sleep(stagger).await;
    }
    let requeued_at = reaper.await.unwrap();
    let mut delays: Vec<i64> = requeued_at
        .iter()
        .map(|(id, at)| at - expires[id])
        .collect();
    delays.sort_unstable();
    let mean = delays.iter().sum::<i64>() as f64 / delays.len() as f64;
    println!(
        "lease expiry → requeue, reaper every {:>4} ms: mean {mean:>6.1} ms, p50 {:>4} ms, \
         max {:>4} ms",
        interval.as_millis(),
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
    drain(store).await;
}
