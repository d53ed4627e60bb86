//! `GET /api/runs/{id}/events` over real HTTP: a server on port 0, a fresh database per test
//! (SQLite, and Postgres when `LEADFORGE_TEST_POSTGRES_URL` is set), reqwest reading the
//! Server-Sent Events as a browser would.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use domain::{AgencyId, RunId, WorkflowStatus};
use pipeline::{CampaignRequest, Config, Services, Stages, start_run};
use reqwest::StatusCode;
use serde_json::Value;
use store::testing::TestDb;
use store::{AgencyProfile, NewEvent, Principal, Store};
use web::{AppState, WebSettings};

const WAIT: Duration = Duration::from_secs(15);

/// A server on loopback and two agencies with a token each; A has a queued run.
struct App {
    _db: TestDb,
    _blobs: tempfile::TempDir,
    store: Store,
    base: String,
    http: reqwest::Client,
    agency: AgencyId,
    run: RunId,
    token_a: String,
    token_b: String,
}

async fn tenant(store: &Store, email: &str) -> (AgencyId, Principal, String) {
    let agency = store
        .agencies()
        .create(&AgencyProfile::default_agency())
        .await
        .unwrap();
    let user = store.users().create(email, None).await.unwrap();
    store
        .users()
        .add_membership(&user.id, &agency.id, "owner")
        .await
        .unwrap();
    let who = Principal {
        user_id: user.id,
        agency_id: agency.id.clone(),
    };
    let token = web::auth::issue_token(store, &who, "t").await.unwrap();
    (agency.id, who, token)
}

async fn app(db: TestDb) -> App {
    let blobs = tempfile::tempdir().unwrap();
    let vars = BTreeMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        (
            "BLOB_STORE_URL".to_owned(),
            blobs.path().join("blobs").display().to_string(),
        ),
    ]);
    let config = Config::from_vars(&vars).unwrap();
    let store = db.open().await.unwrap();
    let svc = Arc::new(Services::with_store(&config, store.clone()).unwrap());
    let (agency, who, token_a) = tenant(&store, "a@agency.test").await;
    let (_, _, token_b) = tenant(&store, "b@agency.test").await;
    let run = start_run(
        &store,
        CampaignRequest {
            agency_id: agency.clone(),
            user_id: who.user_id,
            vertical: "dentist".into(),
            geography: "Austin, TX".into(),
            num_leads: 5,
            audit_leads: None,
            stages: Stages::ALL,
        },
    )
    .await
    .unwrap()
    .id;
    let state = AppState::new(
        svc,
        WebSettings {
            live_poll: Duration::from_millis(20),
            ..WebSettings::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(web::serve(state, listener, std::future::pending()));
    App {
        _db: db,
        _blobs: blobs,
        store,
        base,
        http: reqwest::Client::new(),
        agency,
        run,
        token_a,
        token_b,
    }
}

impl App {
    async fn append(&self, message: &str) {
        self.store
            .events()
            .append(
                &self.run,
                &self.agency,
                NewEvent::info(None, "test", message),
            )
            .await
            .unwrap();
    }

    async fn status(&self, status: WorkflowStatus) {
        assert!(
            self.store
                .runs()
                .set_status(&self.run, status, None)
                .await
                .unwrap()
        );
    }

    async fn get(
        &self,
        path: &str,
        token: Option<&str>,
        last_id: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id);
        }
        req.send().await.unwrap()
    }

    async fn connect(&self, last_id: Option<&str>) -> Sse {
        let path = format!("/api/runs/{}/events", self.run);
        let res = self.get(&path, Some(&self.token_a), last_id).await;
        assert_eq!(res.status(), StatusCode::OK);
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Sse {
            res,
            buf: String::new(),
        }
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
struct Msg {
    event: String,
    id: Option<String>,
    data: Value,
}

impl Msg {
    /// The message of a test event (`None` for other messages and the pipeline's own events).
    fn test_event(&self) -> Option<&str> {
        (self.event == "event" && self.data["kind"] == "test")
            .then(|| self.data["message"].as_str().unwrap())
    }
}

struct Sse {
    res: reqwest::Response,
    buf: String,
}

impl Sse {
    /// The next event, `None` when the stream has ended. Keep-alive comments are skipped.
    async fn next(&mut self) -> Option<Msg> {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    let (mut event, mut id, mut data) = (None, None, String::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            event = Some(v.trim().to_owned());
                        } else if let Some(v) = line.strip_prefix("id:") {
                            id = Some(v.trim().to_owned());
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim_start());
                        }
                    }
                    if let Some(event) = event {
                        let data = serde_json::from_str(&data).expect("JSON data");
                        return Some(Msg { event, id, data });
                    }
                    continue;
                }
                match self.res.chunk().await.expect("the stream reads") {
                    Some(bytes) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                    None => return None,
                }
            }
        })
        .await
        .expect("a message or the end in time")
    }

    /// Messages up to and including the first `run` snapshot matching `until`.
    async fn until_run(&mut self, until: impl Fn(&Value) -> bool) -> Vec<Msg> {
        let mut out = Vec::new();
        loop {
            let msg = self.next().await.expect("the stream goes on");
            let done = msg.event == "run" && until(&msg.data);
            out.push(msg);
            if done {
                return out;
            }
        }
    }
}

fn test_events(msgs: &[Msg]) -> Vec<&str> {
    msgs.iter().filter_map(Msg::test_event).collect()
}

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |d| d["workflowStatus"] == status
}

#[tokio::test]
async fn a_stream_sends_history_then_state_then_live_events_in_order_and_ends_with_the_run() {
    for db in TestDb::all().await {
        let app = app(db).await;
        for m in ["e1", "e2", "e3"] {
            app.append(m).await;
        }
        let mut sse = app.connect(None).await;
        let first = sse.until_run(status_is("queued")).await;
        assert_eq!(test_events(&first), ["e1", "e2", "e3"]);
        let names: Vec<&str> = first.iter().map(|m| m.event.as_str()).collect();
        assert_eq!(
            &names[names.len() - 2..],
            ["leads", "run"],
            "state after the history"
        );
        assert_eq!(first.last().unwrap().data["id"], app.run.as_str());
        for m in first.iter().filter(|m| m.event == "event") {
            assert_eq!(m.id.as_deref(), m.data["id"].as_str(), "SSE id = event id");
        }
        assert_eq!(first[first.len() - 2].data["count"], 0);

        app.append("e4").await;
        app.append("e5").await;
        app.status(WorkflowStatus::Running).await;
        let live = sse.until_run(status_is("running")).await;
        assert_eq!(
            test_events(&live),
            ["e4", "e5"],
            "each live event once, in order"
        );

        app.status(WorkflowStatus::Completed).await;
        // The pipeline writes the event after the status.
        app.append("Run completed").await;
        let mut rest = Vec::new();
        while let Some(msg) = sse.next().await {
            rest.push(msg);
        }
        assert_eq!(test_events(&rest), ["Run completed"]);
        let last = rest.last().expect("a final snapshot");
        assert_eq!(last.event, "run");
        assert_eq!(last.data["workflowStatus"], "completed");
    }
}

#[tokio::test]
async fn last_event_id_resumes_after_that_event_and_a_new_stream_gets_the_last_fifty() {
    for db in TestDb::all().await {
        let app = app(db).await;
        for i in 0..60 {
            app.append(&format!("e{i}")).await;
        }
        let mut fresh = app.connect(None).await;
        let first = fresh.until_run(status_is("queued")).await;
        let expected: Vec<String> = (10..60).map(|i| format!("e{i}")).collect();
        assert_eq!(test_events(&first), expected);
        let resume_from = first
            .iter()
            .find(|m| m.test_event() == Some("e55"))
            .and_then(|m| m.id.clone())
            .unwrap();
        drop(fresh);

        let mut resumed = app.connect(Some(&resume_from)).await;
        let replay = resumed.until_run(status_is("queued")).await;
        assert_eq!(test_events(&replay), ["e56", "e57", "e58", "e59"]);
        app.append("e60").await;
        loop {
            let msg = resumed.next().await.unwrap();
            if let Some(m) = msg.test_event() {
                assert_eq!(m, "e60");
                break;
            }
        }
        // A Last-Event-ID that is not one of ours starts afresh.
        let mut odd = app.connect(Some("not an id!")).await;
        let again = odd.until_run(status_is("queued")).await;
        assert_eq!(test_events(&again).len(), 50);
    }
}

#[tokio::test]
async fn a_finished_run_streams_its_history_and_final_state_then_closes() {
    for db in TestDb::all().await {
        let app = app(db).await;
        app.append("working").await;
        app.status(WorkflowStatus::Cancelled).await;
        app.append("Run cancelled").await;
        let mut sse = app.connect(None).await;
        let mut all = Vec::new();
        while let Some(msg) = sse.next().await {
            all.push(msg);
        }
        assert_eq!(test_events(&all), ["working", "Run cancelled"]);
        let last = all.last().unwrap();
        assert_eq!(
            (last.event.as_str(), &last.data["workflowStatus"]),
            ("run", &Value::from("cancelled"))
        );
    }
}

#[tokio::test]
async fn another_agencys_token_gets_404_and_no_token_401() {
    for db in TestDb::all().await {
        let app = app(db).await;
        let path = format!("/api/runs/{}/events", app.run);
        let res = app.get(&path, Some(&app.token_b), None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");

        let res = app.get(&path, None, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        let res = app
            .get("/api/runs/not-a-run/events", Some(&app.token_a), None)
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let unknown = format!("/api/runs/{}/events", RunId::new());
        let res = app.get(&unknown, Some(&app.token_a), None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}
