//! The jobs queue against every backend the environment offers (SQLite always, Postgres when
//! `LEADFORGE_TEST_POSTGRES_URL` is set), each test on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::stores;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use domain::{AgencyId, JobId, RunId};
use serde::{Deserialize, Serialize};
use store::{
    BackoffPolicy, EnqueueOptions, FailOutcome, Heartbeat, JobFilter, JobKind, JobStatus, Store,
    Wake, now_ms,
};

const LEASE: Duration = Duration::from_secs(60);
const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ping {
    n: u32,
}

impl JobKind for Ping {
    const NAME: &'static str = "test_ping";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Urgent {
    n: u32,
}

impl JobKind for Urgent {
    const NAME: &'static str = "test_urgent";
    const PRIORITY: i32 = 10;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fragile;

impl JobKind for Fragile {
    const NAME: &'static str = "test_fragile";
    const MAX_ATTEMPTS: u32 = 2;
}

/// The shape `scrape_page` jobs had before a field was added: enqueues a payload that the
/// current [`ScrapePage`] cannot read.
#[derive(Debug, Serialize, Deserialize)]
struct OldScrapePage {
    page: String,
}

impl JobKind for OldScrapePage {
    const NAME: &'static str = "scrape_page";
}

#[derive(Debug, Serialize, Deserialize)]
struct ScrapePage {
    url: String,
    audit_id: String,
}

impl JobKind for ScrapePage {
    const NAME: &'static str = "scrape_page";
}

fn for_run(run: &RunId) -> EnqueueOptions {
    EnqueueOptions {
        run_id: Some(run.clone()),
        ..EnqueueOptions::default()
    }
}

fn keyed(key: &str) -> EnqueueOptions {
    EnqueueOptions {
        dedupe_key: Some(key.into()),
        ..EnqueueOptions::default()
    }
}

fn no_wait() -> BackoffPolicy {
    BackoffPolicy {
        base: Duration::ZERO,
        max: Duration::ZERO,
    }
}

#[tokio::test]
async fn a_job_is_enqueued_claimed_decoded_and_completed() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let run = RunId::new();
        let agency = AgencyId::new();
        let opts = EnqueueOptions {
            run_id: Some(run.clone()),
            agency_id: Some(agency.clone()),
            ..EnqueueOptions::default()
        };
        let id = jobs.enqueue(&Ping { n: 7 }, opts).await.unwrap().unwrap();
        let queued = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!(queued.status, JobStatus::Queued, "{:?}", db.backend);
        assert_eq!((queued.attempts, queued.max_attempts), (0, 5));
        assert_eq!(queued.payload, serde_json::json!({"n": 7}));

        let job = jobs.claim("w1", None, LEASE).await.unwrap().unwrap();
        assert_eq!(job.id, id);
        assert_eq!(job.kind, "test_ping");
        assert_eq!(job.decode::<Ping>().unwrap(), Ping { n: 7 });
        assert_eq!((job.attempts, job.max_attempts), (1, 5));
        assert_eq!(job.run_id.as_ref(), Some(&run));
        assert_eq!(job.agency_id.as_ref(), Some(&agency));
        assert!(job.locked_until > now_ms());
        assert!(jobs.claim("w2", None, LEASE).await.unwrap().is_none());

        let running = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!(running.status, JobStatus::Running);
        assert_eq!(running.locked_by.as_deref(), Some("w1"));
        assert!(running.started_at.is_some());

        assert!(jobs.complete(&id, "w1").await.unwrap());
        let done = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Done);
        assert!(done.finished_at.is_some());
        assert_eq!(done.locked_until, None);
        assert!(!jobs.complete(&id, "w1").await.unwrap(), "completes once");
        let counts = jobs.counts_for_run(&run).await.unwrap();
        assert_eq!((counts.done, counts.total()), (1, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_on_separate_pools_claim_each_job_exactly_once() {
    const JOBS: u32 = 300;
    const WORKERS: usize = 6;
    for (db, store) in stores().await {
        let run = RunId::new();
        let ids = store
            .jobs()
            .enqueue_many((0..JOBS).map(|n| (Ping { n }, for_run(&run))))
            .await
            .unwrap();
        assert_eq!(ids.len(), JOBS as usize);

        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let url = db.url.clone();
            tasks.push(tokio::spawn(async move {
                let store = Store::connect(&url).await.unwrap();
                let worker = format!("worker-{w}");
                let mut claimed = Vec::new();
                while let Some(job) = store.jobs().claim(&worker, None, LEASE).await.unwrap() {
                    assert!(store.jobs().complete(&job.id, &worker).await.unwrap());
                    claimed.push(job.id);
                }
                store.close().await;
                claimed
            }));
        }
        let mut seen = HashSet::new();
        for task in tasks {
            for id in task.await.unwrap() {
                assert!(
                    seen.insert(id.clone()),
                    "{id} claimed twice on {:?}",
                    db.backend
                );
            }
        }
        assert_eq!(seen.len(), JOBS as usize, "{:?}", db.backend);
        let counts = store.jobs().counts_for_run(&run).await.unwrap();
        assert_eq!(counts.done, u64::from(JOBS));
        assert!(counts.is_settled());
    }
}

#[tokio::test]
async fn an_expired_lease_is_requeued_by_the_reaper_and_the_old_holder_is_locked_out() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let id = jobs
            .enqueue(&Ping { n: 1 }, EnqueueOptions::default())
            .await
            .unwrap()
            .unwrap();
        store
            .cache()
            .put("stale", "serper", "{}", -1_000)
            .await
            .unwrap();
        let job = jobs
            .claim("sleepy", None, Duration::from_millis(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.id, id);

        let deadline = Instant::now() + DEADLINE;
        let mut purged = 0;
        let report = loop {
            let report = jobs.reap().await.unwrap();
            purged += report.cache_purged;
            if report.requeued > 0 {
                break report;
            }
            assert!(
                Instant::now() < deadline,
                "lease never reaped on {:?}",
                db.backend
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert_eq!((report.requeued, report.dead), (1, 0));
        assert_eq!(purged, 1, "expired cache rows are purged");

        let row = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!(row.status, JobStatus::Queued);
        assert_eq!((row.locked_by, row.locked_until), (None, None));
        assert!(
            row.last_error
                .unwrap()
                .contains("lease expired on attempt 1")
        );

        let again = jobs.claim("fresh", None, LEASE).await.unwrap().unwrap();
        assert_eq!((again.id.clone(), again.attempts), (id.clone(), 2));
        assert_eq!(
            jobs.heartbeat(&id, "sleepy", LEASE).await.unwrap(),
            Heartbeat::Lost
        );
        assert!(!jobs.complete(&id, "sleepy").await.unwrap());
        assert_eq!(
            jobs.fail(&id, "sleepy", "late", &no_wait()).await.unwrap(),
            FailOutcome::LeaseLost
        );
        assert!(jobs.complete(&id, "fresh").await.unwrap());
    }
}

#[tokio::test]
async fn a_lease_that_expires_on_the_last_attempt_makes_the_job_dead() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let id = jobs
            .enqueue(&Fragile, EnqueueOptions::default())
            .await
            .unwrap()
            .unwrap();
        let deadline = Instant::now() + DEADLINE;
        let mut dead = 0;
        while dead == 0 {
            // Claim whenever it is queued; let every lease expire.
            jobs.claim("crashy", None, Duration::from_millis(1))
                .await
                .unwrap();
            dead = jobs.reap().await.unwrap().dead;
            assert!(Instant::now() < deadline, "never dead on {:?}", db.backend);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let row = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (JobStatus::Dead, 2));
        assert_eq!(
            row.last_error.as_deref(),
            Some("lease expired on attempt 2 of 2")
        );
        assert!(row.finished_at.is_some());
    }
}

#[tokio::test]
async fn a_heartbeat_extends_the_lease_only_for_its_holder() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        jobs.enqueue(&Ping { n: 1 }, EnqueueOptions::default())
            .await
            .unwrap();
        let job = jobs
            .claim("holder", None, Duration::from_secs(1))
            .await
            .unwrap()
            .unwrap();

        assert_eq!(
            jobs.heartbeat(&job.id, "intruder", Duration::from_secs(3600))
                .await
                .unwrap(),
            Heartbeat::Lost,
            "{:?}",
            db.backend
        );
        let row = jobs.get(&job.id).await.unwrap().unwrap();
        assert_eq!(row.locked_until, Some(job.locked_until));

        assert_eq!(
            jobs.heartbeat(&job.id, "holder", Duration::from_secs(3600))
                .await
                .unwrap(),
            Heartbeat::Held
        );
        let row = jobs.get(&job.id).await.unwrap().unwrap();
        assert!(row.locked_until.unwrap() > job.locked_until);
        assert!(!jobs.complete(&job.id, "intruder").await.unwrap());
        assert!(!jobs.kill(&job.id, "intruder", "no").await.unwrap());
        assert_eq!(
            jobs.get(&job.id).await.unwrap().unwrap().status,
            JobStatus::Running
        );
    }
}

#[tokio::test]
async fn a_failed_job_waits_out_its_backoff_and_keeps_its_error() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let id = jobs
            .enqueue(&Ping { n: 1 }, EnqueueOptions::default())
            .await
            .unwrap()
            .unwrap();
        jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        let before = now_ms();
        let policy = BackoffPolicy {
            base: Duration::from_secs(60),
            max: Duration::from_secs(600),
        };
        let outcome = jobs.fail(&id, "w", "HTTP 503", &policy).await.unwrap();
        let FailOutcome::Retrying { run_at } = outcome else {
            panic!("expected a retry on {:?}, got {outcome:?}", db.backend);
        };
        // Equal jitter: at least half of the first 60 s ceiling, at most all of it.
        assert!(
            run_at >= before + 30_000 && run_at <= now_ms() + 60_000,
            "{run_at}"
        );

        let row = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!(row.status, JobStatus::Queued);
        assert_eq!(row.run_at, run_at);
        assert_eq!(row.last_error.as_deref(), Some("HTTP 503"));
        assert_eq!((row.attempts, row.locked_by), (1, None));
        assert!(
            jobs.claim("w", None, LEASE).await.unwrap().is_none(),
            "not before its run_at"
        );
    }
}

#[tokio::test]
async fn a_job_is_dead_once_its_last_attempt_fails() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let id = jobs
            .enqueue(&Fragile, EnqueueOptions::default())
            .await
            .unwrap()
            .unwrap();
        let first = jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        assert!(!first.is_last_attempt());
        assert!(matches!(
            jobs.fail(&id, "w", "first", &no_wait()).await.unwrap(),
            FailOutcome::Retrying { .. }
        ));
        let second = jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        assert!(second.is_last_attempt(), "{:?}", db.backend);
        assert_eq!(
            jobs.fail(&id, "w", "second", &no_wait()).await.unwrap(),
            FailOutcome::Dead
        );
        let row = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (JobStatus::Dead, 2));
        assert_eq!(row.last_error.as_deref(), Some("second"));
        assert!(row.finished_at.is_some());
        assert!(jobs.claim("w", None, LEASE).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_dedupe_key_admits_one_job_ever() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let first = jobs
            .enqueue(&Ping { n: 1 }, keyed("persist:r1"))
            .await
            .unwrap();
        assert!(first.is_some(), "{:?}", db.backend);
        assert_eq!(
            jobs.enqueue(&Ping { n: 2 }, keyed("persist:r1"))
                .await
                .unwrap(),
            None
        );

        let job = jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        assert_eq!(job.decode::<Ping>().unwrap(), Ping { n: 1 });
        jobs.complete(&job.id, "w").await.unwrap();
        assert_eq!(
            jobs.enqueue(&Ping { n: 3 }, keyed("persist:r1"))
                .await
                .unwrap(),
            None,
            "the key stays taken after the job is done"
        );

        let batch = jobs
            .enqueue_many([
                (Ping { n: 4 }, keyed("persist:r1")),
                (Ping { n: 5 }, keyed("scrape:a")),
                (Ping { n: 6 }, keyed("scrape:b")),
                (Ping { n: 7 }, EnqueueOptions::default()),
                (Ping { n: 8 }, EnqueueOptions::default()),
            ])
            .await
            .unwrap();
        assert_eq!(batch.len(), 4, "only the taken key is left out");
        let all = jobs.list(&JobFilter::default()).await.unwrap();
        assert_eq!(all.len(), 5);
    }
}

#[tokio::test]
async fn higher_priorities_go_first_and_delayed_jobs_wait_for_their_time() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let later = EnqueueOptions {
            run_at: Some(now_ms() + 3_600_000),
            priority: Some(100),
            ..EnqueueOptions::default()
        };
        jobs.enqueue(&Ping { n: 0 }, later).await.unwrap();
        jobs.enqueue(&Ping { n: 1 }, EnqueueOptions::default())
            .await
            .unwrap();
        jobs.enqueue(&Urgent { n: 2 }, EnqueueOptions::default())
            .await
            .unwrap();
        let bumped = EnqueueOptions {
            priority: Some(5),
            ..EnqueueOptions::default()
        };
        jobs.enqueue(&Ping { n: 3 }, bumped).await.unwrap();
        jobs.enqueue(&Ping { n: 4 }, EnqueueOptions::default())
            .await
            .unwrap();

        let mut order = Vec::new();
        while let Some(job) = jobs.claim("w", None, LEASE).await.unwrap() {
            let n = match job.kind.as_str() {
                "test_urgent" => job.decode::<Urgent>().unwrap().n,
                _ => job.decode::<Ping>().unwrap().n,
            };
            order.push(n);
            jobs.complete(&job.id, "w").await.unwrap();
        }
        assert_eq!(order, [2, 3, 1, 4], "{:?}", db.backend);
        let waiting = jobs
            .list(&JobFilter {
                status: Some(JobStatus::Queued),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(waiting.len(), 1, "the delayed job is still queued");
    }
}

#[tokio::test]
async fn a_claim_can_be_limited_to_some_kinds() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        jobs.enqueue(&Urgent { n: 1 }, EnqueueOptions::default())
            .await
            .unwrap();
        jobs.enqueue(&Ping { n: 2 }, EnqueueOptions::default())
            .await
            .unwrap();
        let job = jobs
            .claim("w", Some(&["test_ping", "other"]), LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.kind, "test_ping", "{:?}", db.backend);
        assert!(
            jobs.claim("w", Some(&["test_ping"]), LEASE)
                .await
                .unwrap()
                .is_none()
        );
        assert!(jobs.claim("w", Some(&[]), LEASE).await.unwrap().is_none());
        let urgent = jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        assert_eq!(urgent.kind, "test_urgent");
    }
}

#[tokio::test]
async fn cancelling_a_run_cancels_its_queued_jobs_and_flags_its_running_ones() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let run = RunId::new();
        let other = RunId::new();
        let mut ids = Vec::new();
        for n in 0..4 {
            ids.push(
                jobs.enqueue(&Ping { n }, for_run(&run))
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        let bystander = jobs
            .enqueue(&Ping { n: 9 }, for_run(&other))
            .await
            .unwrap()
            .unwrap();
        let a = jobs.claim("a", None, LEASE).await.unwrap().unwrap();
        let b = jobs.claim("b", None, LEASE).await.unwrap().unwrap();
        assert_eq!((&a.id, &b.id), (&ids[0], &ids[1]));

        let report = jobs.cancel_run(&run).await.unwrap();
        assert_eq!(
            (report.cancelled, report.flagged),
            (2, 2),
            "{:?}",
            db.backend
        );
        assert_eq!(
            jobs.cancel_run(&run).await.unwrap().flagged,
            0,
            "flags once"
        );

        assert_eq!(
            jobs.heartbeat(&a.id, "a", LEASE).await.unwrap(),
            Heartbeat::CancelRequested
        );
        assert!(jobs.acknowledge_cancel(&a.id, "a").await.unwrap());
        assert_eq!(
            jobs.fail(&b.id, "b", "stopped", &no_wait()).await.unwrap(),
            FailOutcome::Cancelled,
            "a cancelled job is not retried"
        );

        let counts = jobs.counts_for_run(&run).await.unwrap();
        assert_eq!((counts.cancelled, counts.total()), (4, 4));
        assert!(counts.is_settled());
        let bystander = jobs.get(&bystander).await.unwrap().unwrap();
        assert_eq!(bystander.status, JobStatus::Queued);
        let next = jobs.claim("c", None, LEASE).await.unwrap().unwrap();
        assert_eq!(
            next.id, bystander.id,
            "nothing of the cancelled run is claimed"
        );
    }
}

#[tokio::test]
async fn a_cancelled_job_whose_lease_expires_is_cancelled_not_retried() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let run = RunId::new();
        let id = jobs
            .enqueue(&Ping { n: 1 }, for_run(&run))
            .await
            .unwrap()
            .unwrap();
        jobs.claim("vanished", None, Duration::from_millis(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(jobs.cancel_run(&run).await.unwrap().flagged, 1);

        let deadline = Instant::now() + DEADLINE;
        while jobs.reap().await.unwrap().cancelled == 0 {
            assert!(
                Instant::now() < deadline,
                "never reaped on {:?}",
                db.backend
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let row = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!(row.status, JobStatus::Cancelled);
        assert!(row.finished_at.is_some());
        assert!(jobs.claim("w", None, LEASE).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_payload_that_does_not_decode_names_its_kind_and_the_job_can_be_killed() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let id = jobs
            .enqueue(
                &OldScrapePage {
                    page: "https://a.example/".into(),
                },
                EnqueueOptions::default(),
            )
            .await
            .unwrap()
            .unwrap();
        let job = jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        let err = job.decode::<ScrapePage>().unwrap_err().to_string();
        assert!(err.contains("scrape_page"), "{:?}: {err}", db.backend);
        assert!(err.contains(id.as_str()), "{err}");
        assert!(err.contains("url"), "names the missing field: {err}");
        let wrong_kind = job.decode::<Ping>().unwrap_err().to_string();
        assert!(wrong_kind.contains("scrape_page") && wrong_kind.contains("test_ping"));

        assert!(jobs.kill(&id, "w", &err).await.unwrap());
        let row = jobs.get(&id).await.unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (JobStatus::Dead, 1));
        assert_eq!(row.last_error, Some(err));
    }
}

#[tokio::test]
async fn a_job_enqueued_in_a_transaction_lives_and_dies_with_it() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let write = "INSERT INTO response_cache (key, source, body, created_at, expires_at) \
                     VALUES ($1, 'test', '{}', 0, 9999999999999)";
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query(write)
            .bind("rolled-back")
            .execute(&mut *tx)
            .await
            .unwrap();
        let id = jobs
            .enqueue_in_tx(&mut tx, &Ping { n: 1 }, keyed("k"))
            .await
            .unwrap()
            .unwrap();
        tx.rollback().await.unwrap();
        assert!(jobs.get(&id).await.unwrap().is_none(), "{:?}", db.backend);
        assert!(store.cache().get("rolled-back").await.unwrap().is_none());

        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query(write)
            .bind("committed")
            .execute(&mut *tx)
            .await
            .unwrap();
        let id = jobs
            .enqueue_in_tx(&mut tx, &Ping { n: 2 }, keyed("k"))
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        assert!(store.cache().get("committed").await.unwrap().is_some());

        // A handler's writes and its completion commit, or roll back, together.
        let job = jobs.claim("w", None, LEASE).await.unwrap().unwrap();
        assert_eq!(job.id, id);
        let mut tx = store.pool().begin().await.unwrap();
        assert!(jobs.complete_in_tx(&mut tx, &id, "w").await.unwrap());
        tx.rollback().await.unwrap();
        assert_eq!(
            jobs.get(&id).await.unwrap().unwrap().status,
            JobStatus::Running
        );
        let mut tx = store.pool().begin().await.unwrap();
        assert!(jobs.complete_in_tx(&mut tx, &id, "w").await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(
            jobs.get(&id).await.unwrap().unwrap().status,
            JobStatus::Done
        );
    }
}

#[tokio::test]
async fn fan_out_children_are_counted_under_their_parent() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        let run = RunId::new();
        let parent = jobs
            .enqueue(&Urgent { n: 0 }, for_run(&run))
            .await
            .unwrap()
            .unwrap();
        let child = |n| {
            (
                Ping { n },
                EnqueueOptions {
                    parent_id: Some(parent.clone()),
                    run_id: Some(run.clone()),
                    ..EnqueueOptions::default()
                },
            )
        };
        let children = jobs.enqueue_many((1..=4).map(child)).await.unwrap();
        assert_eq!(children.len(), 4);

        let kinds: &[&str] = &["test_ping"];
        let first = jobs.claim("w", Some(kinds), LEASE).await.unwrap().unwrap();
        jobs.complete(&first.id, "w").await.unwrap();
        let second = jobs.claim("w", Some(kinds), LEASE).await.unwrap().unwrap();
        jobs.kill(&second.id, "w", "permanent").await.unwrap();
        jobs.claim("w", Some(kinds), LEASE).await.unwrap().unwrap();

        let counts = jobs.children_counts(&parent).await.unwrap();
        assert_eq!(
            (counts.done, counts.dead, counts.running, counts.queued),
            (1, 1, 1, 1),
            "{:?}",
            db.backend
        );
        assert_eq!((counts.total(), counts.finished()), (4, 2));
        assert!(!counts.is_settled());
        assert_eq!(counts.get(JobStatus::Dead), 1);

        let listed = jobs
            .list(&JobFilter {
                parent_id: Some(parent.clone()),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        let listed: Vec<JobId> = listed.into_iter().map(|j| j.id).collect();
        assert_eq!(listed, children, "oldest first");
        let run_jobs = jobs
            .list(&JobFilter {
                run_id: Some(run.clone()),
                kind: Some("test_urgent".into()),
                limit: 10,
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(run_jobs.len(), 1);
        assert_eq!(run_jobs[0].id, parent);
    }
}

#[tokio::test]
async fn a_released_job_goes_back_without_spending_an_attempt() {
    for (db, store) in stores().await {
        let jobs = store.jobs();
        jobs.enqueue(&Ping { n: 1 }, EnqueueOptions::default())
            .await
            .unwrap();
        let job = jobs.claim("leaving", None, LEASE).await.unwrap().unwrap();
        assert!(!jobs.release(&job.id, "someone-else").await.unwrap());
        assert!(jobs.release(&job.id, "leaving").await.unwrap());
        let row = jobs.get(&job.id).await.unwrap().unwrap();
        assert_eq!(
            (row.status, row.attempts),
            (JobStatus::Queued, 0),
            "{:?}",
            db.backend
        );
        let again = jobs.claim("staying", None, LEASE).await.unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (job.id, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_waiter_wakes_when_a_job_is_enqueued() {
    for (db, store) in stores().await {
        // Hour-long idle naps: only a notification can end a wait in time.
        let hour = Duration::from_secs(3600);
        let mut waiter = store.jobs().waiter(hour).await.unwrap().with_min_idle(hour);
        let enqueuer = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .jobs()
                    .enqueue(&Ping { n: 1 }, EnqueueOptions::default())
                    .await
                    .unwrap()
            })
        };
        let deadline = Instant::now() + DEADLINE;
        let job = loop {
            if let Some(job) = store.jobs().claim("w", None, LEASE).await.unwrap() {
                break job;
            }
            assert!(Instant::now() < deadline, "never woken on {:?}", db.backend);
            let wake = tokio::time::timeout(DEADLINE, waiter.wait())
                .await
                .expect("woken by the enqueue, not the hour-long nap");
            assert_eq!(wake, Wake::Notified);
        };
        assert_eq!(Some(job.id), enqueuer.await.unwrap());
    }
}
