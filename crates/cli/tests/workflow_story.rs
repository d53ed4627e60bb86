//! The durable workflow driven by real `leadforge worker` processes: crash safety under
//! SIGKILL, cancel, and many workers on one Postgres database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Harness, stderr};
use domain::{RunId, WorkflowStatus};
use store::testing::TestDb;
use store::{JobFilter, JobStatus};
use tokio::process::{Child, Command};

/// Starts `leadforge worker` with the harness's environment.
fn spawn_worker(h: &Harness, concurrency: u32) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadforge"));
    cmd.args(["worker", "--concurrency", &concurrency.to_string()])
        .env_clear()
        .current_dir(h.dir.path())
        .envs(h.world.env())
        .env("DATABASE_URL", &h.db.url)
        .env("BLOB_STORE_URL", h.blobs())
        .envs(h.extra_env.iter().cloned())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd.spawn().expect("spawn a worker")
}

/// A harness whose runs take long enough to interrupt: every provider answer is delayed and the
/// cache is off. `lease_ms` is how soon a dead worker's job is handed out again; tests that
/// kill nothing use a long one, so a busy machine never expires a live worker's lease.
async fn slow_harness(db: TestDb, latency_ms: u64, lease_ms: u64) -> Harness {
    let mut h = Harness::new(db).await;
    h.world
        .faults
        .set_latency(Duration::from_millis(latency_ms));
    h.extra_env
        .push(("LEADFORGE_JOB_LEASE_MS".into(), lease_ms.to_string()));
    h.extra_env
        .push(("LEADFORGE_CACHE_TTL_SECS".into(), "0".into()));
    h
}

async fn detach(h: &Harness, vertical: &str, geo: &str, leads: u32) -> RunId {
    let n = leads.to_string();
    let out = h
        .leadforge(&[
            "run",
            "--vertical",
            vertical,
            "--geo",
            geo,
            "--leads",
            &n,
            "--detach",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .expect("a run id")
}

async fn wait_terminal(store: &store::Store, run: &RunId, within: Duration) -> store::Run {
    let deadline = Instant::now() + within;
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
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The part of a run document that must not depend on how the run was executed.
fn leads_of(doc: &serde_json::Value) -> Vec<(String, u64, u64, Vec<String>)> {
    doc["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["place_id"].as_str().unwrap().to_owned(),
                o["rank"].as_u64().unwrap(),
                o["qualificationScore"].as_u64().unwrap(),
                o["signals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

async fn show_json(h: &Harness, run: &RunId) -> serde_json::Value {
    let out = h.leadforge(&["runs", "show", run.as_str(), "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every job of the run ran to completion once: one row per step (dedupe keys), all `done`.
async fn assert_each_step_done_once(store: &store::Store, run: &RunId) -> Vec<store::JobRow> {
    // The completion handler ends the run first and settles its own job a moment later.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let c = store.jobs().counts_for_run(run).await.unwrap();
        if c.queued == 0 && c.running == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "jobs still active: {c:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let jobs = store
        .jobs()
        .list(&JobFilter {
            run_id: Some(run.clone()),
            limit: 1000,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let mut keys = BTreeMap::new();
    for j in &jobs {
        assert_eq!(j.status, JobStatus::Done, "{j:?}");
        *keys
            .entry(j.dedupe_key.clone().expect("workflow jobs are keyed"))
            .or_insert(0) += 1;
    }
    assert!(keys.values().all(|n| *n == 1), "{keys:?}");
    let leads = keys.keys().filter(|k| k.contains(":fit:")).count();
    assert!(leads > 0, "one fit-reason step per lead: {keys:?}");
    let audits: BTreeMap<&str, usize> = keys
        .keys()
        .filter_map(|k| k.strip_prefix("audit:"))
        .filter_map(|k| k.split_once(':').map(|(audit, _)| audit))
        .fold(BTreeMap::new(), |mut m, a| {
            *m.entry(a).or_insert(0) += 1;
            m
        });
    assert!(!audits.is_empty(), "some leads were audited: {keys:?}");
    assert!(
        audits.values().all(|n| *n == 4),
        "four steps per audit: {audits:?}"
    );
    // `run:{id}:{kind}:…` keys of the Leadora stages' children.
    let kind = |k: &str| -> (String, String) {
        let parts: Vec<&str> = k.split(':').collect();
        (
            parts.get(2).copied().unwrap_or_default().to_owned(),
            parts.get(3).copied().unwrap_or_default().to_owned(),
        )
    };
    let count = |a: &str, b: Option<&str>| {
        keys.keys()
            .filter(|k| k.starts_with("run:"))
            .map(|k| kind(k))
            .filter(|(x, y)| x == a && b.is_none_or(|b| y == b))
            .count()
    };
    let dm_batches = count("dm", None);
    let lead_batches = count("embed", Some("biz"));
    let people_batches = count("embed", Some("dm"));
    assert_eq!(dm_batches, leads.div_ceil(5), "{keys:?}");
    assert_eq!(lead_batches, leads.div_ceil(25), "{keys:?}");
    assert_eq!(count("embed", Some("bp")) + count("embed", Some("dmp")), 2);
    assert_eq!(
        count("map", None),
        lead_batches + people_batches,
        "one mapping per embedding batch: {keys:?}"
    );
    assert_eq!(
        keys.len(),
        10 + leads + 4 * audits.len() + 2 + dm_batches + 2 * (lead_batches + people_batches),
        "nine phase jobs, the completion handler, the leads, four steps per audit, the \
         persona embeddings, the decision-maker batches, the embedding batches and their \
         mappings: {keys:?}"
    );
    jobs
}

#[tokio::test]
async fn killing_workers_mid_run_ends_in_the_same_state_as_an_uninterrupted_run() {
    for db in TestDb::all().await {
        let backend = db.backend;
        // The reference: the same campaign, uninterrupted, on its own database.
        let reference = Harness::new(TestDb::sqlite()).await;
        let (out, expected) = reference.run_json("dentist", "Austin, TX", 40).await;
        assert!(out.status.success(), "{}", stderr(&out));

        let h = slow_harness(db, 120, 600).await;
        let store = h.store().await;
        let run = detach(&h, "dentist", "Austin, TX", 40).await;
        let mut kills = 0;
        for delay_ms in [250, 600, 900, 1300] {
            let mut worker = spawn_worker(&h, 2);
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            let state = store.runs().get(&run).await.unwrap().unwrap();
            worker.start_kill().unwrap(); // SIGKILL: no chance to clean up
            worker.wait().await.unwrap();
            if state.workflow_status.is_terminal() {
                break;
            }
            kills += 1;
        }
        assert!(
            kills >= 2,
            "{backend:?}: the run finished before it could be interrupted"
        );

        let mut worker = spawn_worker(&h, 2);
        let finished = wait_terminal(&store, &run, Duration::from_secs(90)).await;
        worker.start_kill().unwrap();
        assert_eq!(
            finished.workflow_status,
            WorkflowStatus::Completed,
            "{:?}",
            finished.phases
        );

        let doc = show_json(&h, &run).await;
        assert_eq!(
            leads_of(&doc),
            leads_of(&expected),
            "{backend:?}: same leads, same ranks"
        );
        let (_, agency) = store.users().ensure_default().await.unwrap();
        assert_eq!(
            store.opportunities().count(&agency.id).await.unwrap(),
            40,
            "nothing duplicated"
        );
        assert_each_step_done_once(&store, &run).await;
    }
}

#[tokio::test]
async fn cancelling_a_run_stops_it_and_leaves_nothing_half_written() {
    for db in TestDb::all().await {
        let h = slow_harness(db, 300, 10_000).await;
        let store = h.store().await;
        let run = detach(&h, "plumber", "Austin, TX", 30).await;
        let mut worker = spawn_worker(&h, 2);
        // Wait until sourcing is under way, then cancel.
        let deadline = Instant::now() + Duration::from_secs(30);
        while store
            .runs()
            .get(&run)
            .await
            .unwrap()
            .unwrap()
            .workflow_status
            != WorkflowStatus::Running
        {
            assert!(Instant::now() < deadline, "the run never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let out = h.leadforge(&["runs", "cancel", run.as_str()]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("cancelled"));

        // The running job notices at its next step; then nothing of the run is left running.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let counts = store.jobs().counts_for_run(&run).await.unwrap();
            if counts.queued == 0 && counts.running == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "jobs still active: {counts:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        worker.start_kill().unwrap();
        let r = store.runs().get(&run).await.unwrap().unwrap();
        assert_eq!(r.workflow_status, WorkflowStatus::Cancelled);
        assert!(
            r.phases
                .iter()
                .all(|p| p.status != domain::PhaseStatus::Running),
            "{:?}",
            r.phases
        );
        let (_, agency) = store.users().ensure_default().await.unwrap();
        assert_eq!(
            store
                .opportunities()
                .list_for_run(&agency.id, &run)
                .await
                .unwrap()
                .len(),
            0
        );
        let events = store.events().list(&run, None, 100).await.unwrap();
        assert!(events.iter().any(|e| e.kind == "run_cancelled"));

        // Cancelling again is harmless and says so.
        let out = h.leadforge(&["runs", "cancel", run.as_str()]).await;
        assert!(String::from_utf8_lossy(&out.stdout).contains("already ended: cancelled"));
    }
}

#[tokio::test]
async fn three_workers_on_postgres_finish_one_campaign_and_each_job_runs_once() {
    let Some(db) = TestDb::postgres().await else {
        return; // needs LEADFORGE_TEST_POSTGRES_URL (set by .ci/run)
    };
    let h = slow_harness(db, 50, 10_000).await;
    let store = h.store().await;
    let mut workers: Vec<Child> = (0..3).map(|_| spawn_worker(&h, 2)).collect();
    let runs = [
        detach(&h, "dentist", "Austin, TX", 20).await,
        detach(&h, "roofer", "Manchester, UK", 20).await,
        detach(&h, "plumber", "Austin, TX", 20).await,
    ];
    for run in &runs {
        let finished = wait_terminal(&store, run, Duration::from_secs(60)).await;
        assert_eq!(
            finished.workflow_status,
            WorkflowStatus::Completed,
            "{:?}",
            finished.phases
        );
        for job in assert_each_step_done_once(&store, run).await {
            assert_eq!(job.attempts, 1, "no job ran twice: {job:?}");
        }
    }
    for w in &mut workers {
        w.start_kill().unwrap();
    }
}

#[tokio::test]
async fn operations_commands_show_progress_and_jobs_and_name_unknown_runs() {
    let h = Harness::new(TestDb::sqlite()).await;
    let (out, doc) = h.run_json("dentist", "Austin, TX", 5).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let id = doc["run"]["id"].as_str().unwrap();

    let out = h.leadforge(&["runs", "show", id]).await;
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("completed") && text.contains("source") && text.contains("Saved 5 leads"),
        "{text}"
    );
    let audited = doc["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| !o["dossier"].is_null())
        .count();
    assert!(audited > 0, "{doc}");
    let people: usize = doc["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["decision_makers"].as_array().unwrap().len())
        .sum();
    // Nine phases, completion, five fit reasons, four steps per audit, two persona
    // embeddings, one decision-maker batch, one lead embedding batch and its mapping, and
    // the people's embedding batches with theirs.
    let expected = 9 + 1 + 5 + 4 * audited + 2 + 1 + 2 + 2 * people.div_ceil(25);
    assert!(
        text.contains(&format!("{expected} done")),
        "every job of the run is done: {text}"
    );

    let out = h.leadforge(&["jobs", "--run", id, "--json"]).await;
    let jobs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(jobs.len(), expected);

    let out = h.leadforge(&["jobs", "--status", "bogus"]).await;
    assert!(!out.status.success());
    assert!(common::error_line(&out).contains("--status"));

    let missing = RunId::new();
    for args in [
        vec!["runs", "show", missing.as_str()],
        vec!["runs", "cancel", missing.as_str()],
    ] {
        let out = h.leadforge(&args).await;
        assert!(!out.status.success());
        assert!(
            common::error_line(&out).contains("does not exist"),
            "{}",
            stderr(&out)
        );
    }
    let out = h.leadforge(&["runs", "show", "not-an-id"]).await;
    assert!(common::error_line(&out).contains("is not a run id"));
}
