//! Shared set-up of the web tests: a sample world, services pointed at it, two agencies (A has
//! a completed run with audits, personas, decision makers and research; B has nothing), users
//! with passwords, sessions and API tokens, and helpers to call the router in-process.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use pipeline::{CampaignRequest, Config, Services, Stages, WorkerOptions, WorkerPool, start_run};
use sample_world::{RunningWorld, SampleWorld, WorldConfig};
use store::testing::TestDb;
use store::{Agency, AgencyProfile, ApprovedClaim, Principal, Run, Store, User};
use tower::ServiceExt;
use web::{AppState, WebSettings};

/// A password every fixture user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// One tenant: an agency, its user, a session and an API token.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The agency.
    pub agency: Agency,
    /// Its user.
    pub user: User,
    /// `Authorization` header value.
    pub bearer: String,
    /// `Cookie` header value.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// The world, services, state and two tenants.
pub struct Fixture {
    pub db: TestDb,
    pub world: RunningWorld,
    pub svc: Arc<Services>,
    pub state: AppState,
    pub a: Tenant,
    pub b: Tenant,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture").finish_non_exhaustive()
    }
}

/// The world's environment on `db`.
pub fn vars(db: &TestDb, world: &RunningWorld) -> BTreeMap<String, String> {
    let blobs = tempfile::tempdir().expect("a temp dir").keep();
    let mut vars: BTreeMap<String, String> = world.env().into_iter().collect();
    vars.insert("DATABASE_URL".into(), db.url.clone());
    vars.insert(
        "BLOB_STORE_URL".into(),
        blobs.join("blobs").display().to_string(),
    );
    vars.insert("LEADFORGE_EMBEDDINGS".into(), "hashing".into());
    vars
}

/// Creates a user with [`PASSWORD`] in `agency`, a session and a token.
pub async fn tenant(state: &AppState, agency: Agency, email: &str) -> Tenant {
    let store = &state.svc().store;
    let user = store
        .users()
        .create(email, Some("Test User"))
        .await
        .expect("a user");
    store
        .users()
        .add_membership(&user.id, &agency.id, "owner")
        .await
        .expect("a membership");
    store
        .users()
        .set_password_hash(&user.id, &web::auth::hash_password(PASSWORD).expect("hash"))
        .await
        .expect("a password");
    let who = Principal {
        user_id: user.id.clone(),
        agency_id: agency.id.clone(),
    };
    let token = web::auth::issue_token(store, &who, "tests")
        .await
        .expect("a token");
    let (session, csrf) = web::auth::start_session(store, &who, Duration::from_secs(3600))
        .await
        .expect("a session");
    Tenant {
        agency,
        user,
        bearer: format!("Bearer {token}"),
        cookie: format!("{}={session}", web::auth::SESSION_COOKIE),
        csrf,
    }
}

/// An agency profile named `name` with two approved claims.
pub fn profile(name: &str) -> AgencyProfile {
    AgencyProfile {
        name: name.into(),
        services: vec!["Websites".into(), "Local SEO".into()],
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
            ApprovedClaim {
                id: "fast-sites".into(),
                text: "Mobile-friendly, secure (https) websites live in 14 days".into(),
                source_url: None,
            },
            ApprovedClaim {
                id: "reviews".into(),
                text: "We grow your Google reviews and rating".into(),
                source_url: None,
            },
        ],
        ..AgencyProfile::default()
    }
}

impl Fixture {
    /// Two empty tenants on a fresh SQLite database.
    pub async fn empty() -> Self {
        Self::on(TestDb::sqlite()).await
    }

    /// Two empty tenants on `db`.
    pub async fn on(db: TestDb) -> Self {
        let world = SampleWorld::start(WorldConfig::default())
            .await
            .expect("the sample world starts");
        let config = Config::from_vars(&vars(&db, &world)).expect("a valid configuration");
        let svc = Arc::new(Services::open(&config).await.expect("the services open"));
        let settings = WebSettings {
            allow_private_webhooks: true,
            ..WebSettings::default()
        };
        let state = AppState::new(svc.clone(), settings);
        let store = &svc.store;
        let agency_a = store
            .agencies()
            .create(&profile("Agency A"))
            .await
            .expect("agency A");
        let agency_b = store
            .agencies()
            .create(&profile("Agency B"))
            .await
            .expect("agency B");
        let a = tenant(&state, agency_a, "a@agency-a.test").await;
        let b = tenant(&state, agency_b, "b@agency-b.test").await;
        Self {
            db,
            world,
            svc,
            state,
            a,
            b,
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.svc.store
    }

    /// The router.
    pub fn router(&self) -> axum::Router {
        web::router(self.state.clone())
    }

    /// Runs a campaign of A to its end with a worker pool: 8 dentists in Austin, 3 audited,
    /// every stage on.
    pub async fn completed_run(&self) -> Run {
        self.run_for(&self.a, 8, 3, Stages::ALL).await
    }

    /// Runs a campaign of `tenant` to its end.
    pub async fn run_for(&self, tenant: &Tenant, leads: u32, audit: u32, stages: Stages) -> Run {
        let run = start_run(
            self.store(),
            CampaignRequest {
                agency_id: tenant.agency.id.clone(),
                user_id: tenant.user.id.clone(),
                vertical: "dentist".into(),
                geography: "Austin, TX".into(),
                num_leads: leads,
                audit_leads: Some(audit),
                stages,
            },
        )
        .await
        .expect("the run starts");
        let pool = WorkerPool::start(
            self.svc.clone(),
            WorkerOptions {
                concurrency: 4,
                ..WorkerOptions::default()
            },
        );
        let ended = ended_run(self.store(), &run.id).await;
        pool.shutdown().await;
        ended
    }
}

/// The run, once it has ended.
pub async fn ended_run(store: &Store, id: &domain::RunId) -> Run {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let run = store
            .runs()
            .get(id)
            .await
            .expect("the run reads")
            .expect("the run exists");
        if run.workflow_status.is_terminal() {
            return run;
        }
        assert!(Instant::now() < deadline, "run {id} did not end");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// An answer read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of a JSON error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum As<'t> {
    /// Nobody.
    Anonymous,
    /// The tenant's API token.
    Token(&'t Tenant),
    /// The tenant's session cookie, with the CSRF header on writes.
    Session(&'t Tenant),
    /// The session cookie without a CSRF header.
    SessionNoCsrf(&'t Tenant),
}

/// Calls the router in-process.
pub async fn call(
    router: &axum::Router,
    method: Method,
    uri: &str,
    who: As<'_>,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut req = Request::builder().method(method.clone()).uri(uri);
    match who {
        As::Anonymous => {}
        As::Token(t) => req = req.header(header::AUTHORIZATION, &t.bearer),
        As::Session(t) => {
            req = req.header(header::COOKIE, &t.cookie);
            if method != Method::GET {
                req = req.header("x-csrf-token", &t.csrf);
            }
        }
        As::SessionNoCsrf(t) => req = req.header(header::COOKIE, &t.cookie),
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("a request");
    let res = router.clone().oneshot(req).await.expect("an answer");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}
