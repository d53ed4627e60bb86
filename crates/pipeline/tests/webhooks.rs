//! Run notifications: a run that ends is POSTed once to its agency's webhook, signed; a
//! receiver that fails is retried until it answers 2xx; no webhook means no job; every
//! attempt is recorded on the delivery.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{PhaseStatus, WorkflowStatus};
use hmac::{Hmac, Mac};
use pipeline::jobs::FinishRun;
use pipeline::webhooks::{DeliverWebhook, WebhookUrl};
use pipeline::{CampaignRequest, Config, Services, WorkerOptions, WorkerPool, start_run};
use sha2::Sha256;
use store::testing::TestDb;
use store::{BackoffPolicy, DeliveryStatus, EnqueueOptions, JobFilter, JobKind, Run, Store};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "whsec-0123456789abcdef";

async fn services(db: &TestDb, allow_private: bool) -> Arc<Services> {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut vars = BTreeMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        (
            "BLOB_STORE_URL".to_owned(),
            dir.join("blobs").display().to_string(),
        ),
    ]);
    if allow_private {
        vars.insert("LEADFORGE_ALLOW_PRIVATE_NETWORK".into(), "1".into());
    }
    let config = Config::from_vars(&vars).unwrap();
    Arc::new(Services::open(&config).await.unwrap())
}

fn workers(svc: &Arc<Services>) -> WorkerPool {
    WorkerPool::start(
        svc.clone(),
        WorkerOptions {
            concurrency: 2,
            backoff: BackoffPolicy {
                base: Duration::from_millis(20),
                max: Duration::from_millis(100),
            },
            ..WorkerOptions::default()
        },
    )
}

/// A run whose phases need no provider: its first phase job is put aside, so only what the
/// test enqueues runs.
async fn quiet_run(store: &Store) -> Run {
    let (user, agency) = store.users().ensure_default().await.unwrap();
    let run = start_run(
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
    .unwrap();
    sqlx::query("UPDATE jobs SET status = 'done' WHERE run_id = $1")
        .bind(run.id.as_str())
        .execute(store.pool())
        .await
        .unwrap();
    run
}

/// Ends the run the way the workflow does: its completion handler runs on a worker.
async fn finish(store: &Store, run: &Run) {
    let opts = EnqueueOptions {
        run_id: Some(run.id.clone()),
        agency_id: Some(run.agency_id.clone()),
        ..EnqueueOptions::default()
    };
    store
        .jobs()
        .enqueue(
            &FinishRun {
                run_id: run.id.clone(),
            },
            opts,
        )
        .await
        .unwrap();
}

async fn set_webhook(store: &Store, run: &Run, server: &MockServer) {
    let url = WebhookUrl::parse(&format!("{}/hooks/leadforge", server.uri()), true).unwrap();
    pipeline::webhooks::save(store, &run.agency_id, &url, Some(SECRET))
        .await
        .unwrap();
}

async fn wait_for<T, F: AsyncFn() -> Option<T>>(what: &str, check: F) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn delivery_in(
    store: &Store,
    run: &Run,
    status: DeliveryStatus,
) -> Option<store::WebhookDelivery> {
    store
        .webhooks()
        .deliveries_for_run(&run.agency_id, &run.id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.status == status)
}

fn header<'a>(req: &'a Request, name: &str) -> &'a str {
    req.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn verify(req: &Request) {
    let timestamp = header(req, "x-leadforge-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&req.body);
    let sent = header(req, "x-leadforge-signature")
        .strip_prefix("sha256=")
        .unwrap();
    mac.verify_slice(&hex::decode(sent).unwrap())
        .expect("the signature verifies with the agency's secret");
}

#[tokio::test]
async fn a_completed_run_is_delivered_once_with_a_signature_that_verifies() {
    for db in TestDb::all().await {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hooks/leadforge"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let svc = services(&db, true).await;
        let store = &svc.store;
        let run = quiet_run(store).await;
        set_webhook(store, &run, &server).await;
        let pool = workers(&svc);
        finish(store, &run).await;
        let delivered = wait_for("the delivery", async || {
            delivery_in(store, &run, DeliveryStatus::Delivered).await
        })
        .await;
        pool.shutdown().await;

        assert_eq!(delivered.event, "run.completed");
        assert_eq!(delivered.attempts, 1);
        assert_eq!(delivered.last_status_code, Some(204));
        assert!(delivered.delivered_at.is_some());
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "{:?}: delivered once", db.backend);
        let req = &requests[0];
        assert_eq!(header(req, "content-type"), "application/json");
        assert_eq!(header(req, "x-leadforge-event"), "run.completed");
        assert_eq!(header(req, "x-leadforge-delivery"), delivered.id);
        verify(req);
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let ended = store.runs().get(&run.id).await.unwrap().unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "event": "run.completed",
                "runId": run.id.as_str(),
                "agencyId": run.agency_id.as_str(),
                "workflowStatus": "completed",
                "numLeads": 0,
                "progress": ended.progress,
                "finishedAt": ended.finished_at.unwrap(),
                "summaryUrl": null,
            })
        );
    }
}

#[tokio::test]
async fn a_receiver_that_fails_is_retried_until_it_answers_2xx() {
    for db in TestDb::all().await {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .with_priority(2)
            .mount(&server)
            .await;
        let svc = services(&db, true).await;
        let store = &svc.store;
        let run = quiet_run(store).await;
        set_webhook(store, &run, &server).await;
        let pool = workers(&svc);
        finish(store, &run).await;
        let delivered = wait_for("the retried delivery", async || {
            delivery_in(store, &run, DeliveryStatus::Delivered).await
        })
        .await;
        pool.shutdown().await;

        assert_eq!(delivered.attempts, 2, "{:?}", db.backend);
        assert_eq!(delivered.last_status_code, Some(200));
        assert_eq!(delivered.last_error, None);
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2);
        assert_eq!(
            header(&requests[0], "x-leadforge-delivery"),
            header(&requests[1], "x-leadforge-delivery"),
            "a retry is the same delivery"
        );
        verify(&requests[1]);
    }
}

#[tokio::test]
async fn every_failed_attempt_is_recorded_on_the_delivery() {
    let db = TestDb::sqlite();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let svc = services(&db, true).await;
    let store = &svc.store;
    let run = quiet_run(store).await;
    set_webhook(store, &run, &server).await;
    let pool = workers(&svc);
    finish(store, &run).await;
    let failed = wait_for("the delivery to give up", async || {
        delivery_in(store, &run, DeliveryStatus::Failed).await
    })
    .await;
    pool.shutdown().await;

    assert_eq!(failed.attempts, DeliverWebhook::MAX_ATTEMPTS);
    assert_eq!(failed.last_status_code, Some(503));
    let error = failed.last_error.unwrap();
    assert!(error.contains("HTTP 503"), "{error}");
    assert!(!error.contains(SECRET));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        usize::try_from(DeliverWebhook::MAX_ATTEMPTS).unwrap()
    );
}

#[tokio::test]
async fn without_a_webhook_no_delivery_job_is_enqueued() {
    for db in TestDb::all().await {
        let svc = services(&db, true).await;
        let store = &svc.store;
        let run = quiet_run(store).await;
        let pool = workers(&svc);
        finish(store, &run).await;
        wait_for("the run to complete", async || {
            let r = store.runs().get(&run.id).await.unwrap().unwrap();
            (r.workflow_status == WorkflowStatus::Completed).then_some(())
        })
        .await;
        wait_for("the finish job to settle", async || {
            let jobs = store.jobs().list(&JobFilter::default()).await.unwrap();
            jobs.iter()
                .any(|j| j.kind == FinishRun::NAME && j.status == store::JobStatus::Done)
                .then_some(())
        })
        .await;
        pool.shutdown().await;
        let jobs = store
            .jobs()
            .list(&JobFilter {
                limit: 100,
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert!(
            jobs.iter().all(|j| j.kind != DeliverWebhook::NAME),
            "{:?}",
            db.backend
        );
        assert!(
            store
                .webhooks()
                .list_for_agency(&run.agency_id, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_cancelled_run_sends_run_cancelled() {
    for db in TestDb::all().await {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let svc = services(&db, true).await;
        let store = &svc.store;
        let run = quiet_run(store).await;
        set_webhook(store, &run, &server).await;
        let pool = workers(&svc);
        pipeline::cancel_run(store, &run.agency_id, &run.id)
            .await
            .unwrap();
        let delivered = wait_for("the cancel notification", async || {
            delivery_in(store, &run, DeliveryStatus::Delivered).await
        })
        .await;
        // Cancelling again changes nothing and sends nothing more.
        pipeline::cancel_run(store, &run.agency_id, &run.id)
            .await
            .unwrap();
        pool.shutdown().await;

        assert_eq!(delivered.event, "run.cancelled", "{:?}", db.backend);
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(header(&requests[0], "x-leadforge-event"), "run.cancelled");
        let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
        assert_eq!(body["workflowStatus"], "cancelled");
    }
}

#[tokio::test]
async fn a_failed_run_sends_run_failed() {
    let db = TestDb::sqlite();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let svc = services(&db, true).await;
    let store = &svc.store;
    let run = quiet_run(store).await;
    set_webhook(store, &run, &server).await;
    store
        .runs()
        .set_phase_status(
            &run.id,
            domain::Phase::Source,
            PhaseStatus::Error,
            Some("boom"),
        )
        .await
        .unwrap();
    let pool = workers(&svc);
    finish(store, &run).await;
    let delivered = wait_for("the failure notification", async || {
        delivery_in(store, &run, DeliveryStatus::Delivered).await
    })
    .await;
    pool.shutdown().await;
    assert_eq!(delivered.event, "run.failed");
}

#[tokio::test]
async fn a_webhook_on_a_private_address_is_refused_unless_allowed() {
    let db = TestDb::sqlite();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let svc = services(&db, false).await;
    let store = &svc.store;
    let run = quiet_run(store).await;
    let text = format!("{}/hooks/leadforge", server.uri());
    assert!(
        WebhookUrl::parse(&text, false).is_err(),
        "refused when saved"
    );
    // Saved while private networks were allowed, sent after they no longer are.
    set_webhook(store, &run, &server).await;
    let pool = workers(&svc);
    finish(store, &run).await;
    let failed = wait_for("the refusal", async || {
        delivery_in(store, &run, DeliveryStatus::Failed).await
    })
    .await;
    pool.shutdown().await;
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(failed.attempts, 1, "a refusal is not retried");
    let error = failed.last_error.unwrap();
    assert!(error.contains("loopback"), "{error}");
}

#[tokio::test]
async fn the_webhook_view_never_shows_the_secret() {
    let db = TestDb::sqlite();
    let store = db.open().await.unwrap();
    let (_, agency) = store.users().ensure_default().await.unwrap();
    let url = WebhookUrl::parse("https://hooks.example.com/in", false).unwrap();
    let info = pipeline::webhooks::save(&store, &agency.id, &url, None)
        .await
        .unwrap();
    assert!(!info.secret_set);
    let info = pipeline::webhooks::save(&store, &agency.id, &url, Some(SECRET))
        .await
        .unwrap();
    assert!(info.secret_set);
    let shown = serde_json::to_string(&info).unwrap() + &format!("{info:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    // Changing the URL alone keeps the secret.
    let other = WebhookUrl::parse("https://hooks.example.com/v2", false).unwrap();
    let info = pipeline::webhooks::save(&store, &agency.id, &other, None)
        .await
        .unwrap();
    assert!(info.secret_set);
    assert_eq!(info.url, "https://hooks.example.com/v2");
    let target = store.webhooks().target(&agency.id).await.unwrap().unwrap();
    assert_eq!(target.secret.unwrap().expose(), SECRET);
    assert!(!format!("{:?}", store.webhooks().target(&agency.id).await).contains(SECRET));
    assert!(
        pipeline::webhooks::save(&store, &agency.id, &url, Some("short"))
            .await
            .is_err()
    );
    assert!(store.webhooks().delete(&agency.id).await.unwrap());
    assert!(store.webhooks().get(&agency.id).await.unwrap().is_none());
}
