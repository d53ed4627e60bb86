//! The workflow's mechanisms in-process: fan-out children counted by their phase, jobs that can
//! never run going dead with a clear error, and workers riding out a database that goes away.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{Phase, PhaseStatus, RunId, WorkflowStatus};
use pipeline::jobs::{FinishRun, RunPhase};
use pipeline::{CampaignRequest, Config, Services, WorkerOptions, WorkerPool, start_run};
use serde::{Deserialize, Serialize};
use store::testing::TestDb;
use store::{JobFilter, JobKind, JobStatus, Store};

#[derive(Debug, Serialize, Deserialize)]
struct AuditLead {
    lead: u32,
}

impl JobKind for AuditLead {
    const NAME: &'static str = "test.audit_lead";
}

async fn services(db: &TestDb, extra: &[(&str, &str)]) -> Arc<Services> {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut vars = BTreeMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        (
            "BLOB_STORE_URL".to_owned(),
            dir.join("blobs").display().to_string(),
        ),
    ]);
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = Config::from_vars(&vars).unwrap();
    Arc::new(Services::open(&config).await.unwrap())
}

async fn new_run(store: &Store) -> store::Run {
    let (user, agency) = store.users().ensure_default().await.unwrap();
    start_run(
        store,
        CampaignRequest {
            agency_id: agency.id,
            user_id: user.id,
            vertical: "dentist".into(),
            geography: "Austin, TX".into(),
            num_leads: 5,
            audit_leads: None,
            stages: pipeline::Stages::ALL,
        },
    )
    .await
    .unwrap()
}

async fn jobs_of(store: &Store, run: &RunId) -> Vec<store::JobRow> {
    let filter = JobFilter {
        run_id: Some(run.clone()),
        limit: 100,
        ..JobFilter::default()
    };
    store.jobs().list(&filter).await.unwrap()
}

#[tokio::test]
async fn a_fanned_out_phase_completes_once_when_its_last_child_reports() {
    for db in TestDb::all().await {
        let svc = services(&db, &[]).await;
        let store = &svc.store;
        let run = new_run(store).await;
        let children = || {
            (0..5)
                .map(|i| (AuditLead { lead: i }, format!("run:{}:audit:{i}", run.id)))
                .collect()
        };

        for _ in 0..2 {
            // Twice: a retried fan-out enqueues nothing new.
            let mut tx = store.pool().begin().await.unwrap();
            pipeline::workflow::fan_out(&svc, &mut tx, &run, Phase::FinalizeRank, children())
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let kinds =
            |jobs: &[store::JobRow], kind: &str| jobs.iter().filter(|j| j.kind == kind).count();
        assert_eq!(
            kinds(&jobs_of(store, &run.id).await, AuditLead::NAME),
            5,
            "{:?}",
            db.backend
        );
        let phase = |r: &store::Run| {
            r.phases
                .iter()
                .find(|p| p.name == Phase::FinalizeRank)
                .cloned()
                .unwrap()
        };
        let p = phase(&store.runs().get(&run.id).await.unwrap().unwrap());
        assert_eq!((p.done, p.total), (0, 5));

        // All five children report at once.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let svc = svc.clone();
            let id = run.id.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = svc.store.pool().begin().await.unwrap();
                pipeline::workflow::child_finished(&svc, &mut tx, &id, Phase::FinalizeRank)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let r = store.runs().get(&run.id).await.unwrap().unwrap();
        let p = phase(&r);
        assert_eq!((p.done, p.total, p.status), (5, 5, PhaseStatus::Complete));
        assert_eq!(
            kinds(&jobs_of(store, &run.id).await, FinishRun::NAME),
            1,
            "the next step is enqueued once"
        );
    }
}

#[tokio::test]
async fn a_job_whose_payload_does_not_decode_goes_dead_and_fails_its_run() {
    for db in TestDb::all().await {
        let svc = services(&db, &[]).await;
        let run = new_run(&svc.store).await;
        // Corrupt the queued first phase job the way a bad deploy or hand edit would.
        sqlx::query("UPDATE jobs SET payload = '{\"run_id\": 42}' WHERE kind = $1")
            .bind(RunPhase::NAME)
            .execute(svc.store.pool())
            .await
            .unwrap();
        let pool = WorkerPool::start(
            svc.clone(),
            WorkerOptions {
                concurrency: 2,
                ..WorkerOptions::default()
            },
        );
        let r = wait_terminal(&svc.store, &run.id).await;
        pool.shutdown().await;
        assert_eq!(r.workflow_status, WorkflowStatus::Failed);
        let jobs = jobs_of(&svc.store, &run.id).await;
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].status, JobStatus::Dead);
        assert_eq!(
            jobs[0].attempts, 1,
            "no crash loop: dead on the first attempt"
        );
        let err = jobs[0].last_error.clone().unwrap();
        assert!(
            err.contains("run.phase") && err.contains("does not decode"),
            "{err}"
        );
        assert!(r.error.unwrap().contains("does not decode"));
    }
}

async fn wait_terminal(store: &Store, run: &RunId) -> store::Run {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = store.runs().get(run).await.unwrap().unwrap();
        if r.workflow_status.is_terminal() {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "run did not finish: {:?}",
            r.phases
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn workers_ride_out_a_database_that_drops_every_connection() {
    let Some(db) = TestDb::postgres().await else {
        return; // needs LEADFORGE_TEST_POSTGRES_URL
    };
    let world = sample_world::SampleWorld::start(sample_world::WorldConfig::default())
        .await
        .unwrap();
    world.faults.set_latency(Duration::from_millis(100));
    let env: Vec<(String, String)> = world.env();
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let svc = services(&db, &extra).await;
    let run = new_run(&svc.store).await;
    let pool = WorkerPool::start(
        svc.clone(),
        WorkerOptions {
            concurrency: 2,
            lease: Duration::from_millis(800),
            ..WorkerOptions::default()
        },
    );

    // Kill every connection to the database, again and again, for a second and a half.
    let admin = Store::connect(&std::env::var(store::testing::POSTGRES_ENV).unwrap())
        .await
        .unwrap();
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let until = Instant::now() + Duration::from_millis(1500);
    let mut killed = 0_i64;
    while Instant::now() < until {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
        )
        .bind(&name)
        .fetch_one(admin.pool())
        .await
        .unwrap();
        killed += n;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(killed > 0, "connections were really dropped");

    let r = wait_terminal(&svc.store, &run.id).await;
    pool.shutdown().await;
    assert_eq!(
        r.workflow_status,
        WorkflowStatus::Completed,
        "{:?}",
        r.phases
    );
}

#[tokio::test]
async fn a_locked_sqlite_database_delays_workers_but_does_not_fail_them() {
    let db = TestDb::sqlite();
    let world = sample_world::SampleWorld::start(sample_world::WorldConfig::default())
        .await
        .unwrap();
    let env: Vec<(String, String)> = world.env();
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let svc = services(&db, &extra).await;
    let run = new_run(&svc.store).await;

    // Another writer holds SQLite's write lock while the workers start.
    let mut locker = svc.store.pool().acquire().await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut *locker)
        .await
        .unwrap();
    let pool = WorkerPool::start(
        svc.clone(),
        WorkerOptions {
            concurrency: 2,
            ..WorkerOptions::default()
        },
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    sqlx::raw_sql("COMMIT").execute(&mut *locker).await.unwrap();
    drop(locker);

    let r = wait_terminal(&svc.store, &run.id).await;
    pool.shutdown().await;
    assert_eq!(
        r.workflow_status,
        WorkflowStatus::Completed,
        "{:?}",
        r.phases
    );
    assert!(
        jobs_of(&svc.store, &run.id)
            .await
            .iter()
            .all(|j| j.status == JobStatus::Done)
    );
}
