//! The JSON API in-process: every route's status and body for its owner, validation messages
//! that name the field, auth (tokens, sessions, CSRF), and tenancy: another agency's run, lead,
//! page, export or entry answers 404 on every route of the OpenAPI document.

mod common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::{As, Fixture, call};
use serde_json::json;
use store::testing::TestDb;

/// Every (method, path) of the OpenAPI document.
fn documented_routes() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(web::api::document()).expect("the document serialises");
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_agencys_ids_answer_404_on_every_route() {
    let f = Fixture::empty().await;
    let run = f.completed_run().await;
    let r = f.router();
    let a = &f.a;
    let b = &f.b;

    // What A owns, read through A's own API.
    let leads = call(
        &r,
        Method::GET,
        &format!("/api/opportunities?run={}&limit=200", run.id),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(leads.status, StatusCode::OK, "{}", leads.text());
    let items = leads.json()["items"].as_array().expect("items").clone();
    assert!(!items.is_empty());
    let lead_id = items[0]["id"].as_str().expect("an id").to_owned();
    let audited = items
        .iter()
        .find(|o| o["status"] == "READY")
        .expect("an audited lead")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let detail = call(
        &r,
        Method::GET,
        &format!("/api/opportunities/{audited}"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    let content_ref = detail.json()["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .find_map(|p| p["contentRef"].as_str().map(str::to_owned))
        .expect("a stored page");
    let added = call(
        &r,
        Method::POST,
        "/api/agency/suppression",
        As::Token(a),
        Some(json!({"kind": "domain", "value": "https://www.Example-Dental.com/about"})),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let entry = added.json()["items"][0]["id"]
        .as_str()
        .expect("an entry")
        .to_owned();
    assert_eq!(added.json()["items"][0]["value"], "example-dental.com");

    // Each documented route, called by B with A's ids.
    let run_id = run.id.to_string();
    let cases: Vec<(&str, &str, String, Option<serde_json::Value>)> = vec![
        ("GET", "/runs/{id}", format!("/api/runs/{run_id}"), None),
        (
            "POST",
            "/runs/{id}/cancel",
            format!("/api/runs/{run_id}/cancel"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/events",
            format!("/api/runs/{run_id}/events"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/jobs",
            format!("/api/runs/{run_id}/jobs"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/usage",
            format!("/api/runs/{run_id}/usage"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/personas",
            format!("/api/runs/{run_id}/personas"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/market-research",
            format!("/api/runs/{run_id}/market-research"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/export.csv",
            format!("/api/runs/{run_id}/export.csv"),
            None,
        ),
        (
            "GET",
            "/runs/{id}/export.json",
            format!("/api/runs/{run_id}/export.json"),
            None,
        ),
        (
            "GET",
            "/opportunities/{id}",
            format!("/api/opportunities/{lead_id}"),
            None,
        ),
        (
            "PATCH",
            "/opportunities/{id}",
            format!("/api/opportunities/{lead_id}"),
            Some(json!({"status": "CONTACTED"})),
        ),
        (
            "POST",
            "/opportunities/{id}/audit",
            format!("/api/opportunities/{lead_id}/audit"),
            None,
        ),
        (
            "GET",
            "/content",
            format!("/api/content?ref={content_ref}"),
            None,
        ),
        (
            "DELETE",
            "/agency/suppression/{id}",
            format!("/api/agency/suppression/{entry}"),
            None,
        ),
    ];
    for (method, _, uri, body) in &cases {
        for who in [As::Token(b), As::Session(b)] {
            let res = call(
                &r,
                method.parse().expect("a method"),
                uri,
                who,
                body.clone(),
            )
            .await;
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "{method} {uri} as B: {}",
                res.text()
            );
            assert_eq!(res.error_code(), "not_found");
        }
    }
    // Routes without an id are scoped by the caller: B sees none of A's data.
    let scoped: Vec<(&str, &str)> = vec![
        ("GET", "/runs"),
        ("POST", "/runs"),
        ("GET", "/opportunities"),
        ("GET", "/agency"),
        ("PUT", "/agency"),
        ("POST", "/agency/onboard"),
        ("GET", "/agency/suppression"),
        ("POST", "/agency/suppression"),
        ("GET", "/usage"),
        ("GET", "/me"),
        ("GET", "/agency/webhook"),
        ("PUT", "/agency/webhook"),
        ("DELETE", "/agency/webhook"),
    ];
    let runs_b = call(&r, Method::GET, "/api/runs", As::Token(b), None).await;
    assert_eq!(runs_b.json()["items"].as_array().map(Vec::len), Some(0));
    let opps_b = call(&r, Method::GET, "/api/opportunities", As::Token(b), None).await;
    assert_eq!(opps_b.json()["total"], 0);
    let opps_b_run = call(
        &r,
        Method::GET,
        &format!("/api/opportunities?run={run_id}"),
        As::Token(b),
        None,
    )
    .await;
    assert_eq!(
        opps_b_run.json()["total"],
        0,
        "filtering on A's run shows B nothing"
    );
    let agency_b = call(&r, Method::GET, "/api/agency", As::Token(b), None).await;
    assert_eq!(agency_b.json()["profile"]["name"], "Agency B");
    let supp_b = call(
        &r,
        Method::GET,
        "/api/agency/suppression",
        As::Token(b),
        None,
    )
    .await;
    assert_eq!(supp_b.json()["items"].as_array().map(Vec::len), Some(0));
    let usage_b = call(&r, Method::GET, "/api/usage", As::Token(b), None).await;
    assert_eq!(usage_b.json()["calls"], 0);
    let me_b = call(&r, Method::GET, "/api/me", As::Token(b), None).await;
    assert_eq!(me_b.json()["agencyName"], "Agency B");

    // Nothing of A's changed.
    let still = call(
        &r,
        Method::GET,
        &format!("/api/opportunities/{lead_id}"),
        As::Token(a),
        None,
    )
    .await;
    assert_ne!(still.json()["opportunity"]["status"], "CONTACTED");
    let supp_a = call(
        &r,
        Method::GET,
        "/api/agency/suppression",
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(supp_a.json()["items"].as_array().map(Vec::len), Some(1));
    let run_a = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(run_a.json()["workflowStatus"], "completed");

    // Every documented route has a case: a new route must say how it is scoped.
    let covered: BTreeSet<(String, String)> = cases
        .iter()
        .map(|(m, p, _, _)| ((*m).to_owned(), (*p).to_owned()))
        .chain(
            scoped
                .iter()
                .map(|(m, p)| ((*m).to_owned(), (*p).to_owned())),
        )
        .collect();
    let documented = documented_routes();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without a tenancy case: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "tenancy cases for undocumented routes: {stale:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_serves_a_run_from_start_to_export() {
    for db in TestDb::all().await {
        api_story(Fixture::on(db).await).await;
    }
}

async fn api_story(f: Fixture) {
    let r = f.router();
    let a = &f.a;

    // Start a run through the API; the workers pick it up.
    let started = call(
        &r,
        Method::POST,
        "/api/runs",
        As::Token(a),
        Some(
            json!({"vertical": "dentist", "geography": "Austin, TX", "numLeads": 6, "auditLeads": 2,
            "stages": {"personas": true, "decisionMakers": true, "marketResearch": true}}),
        ),
    )
    .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    let run_id = started.json()["jobId"]
        .as_str()
        .expect("a jobId")
        .to_owned();
    let pool = pipeline::WorkerPool::start(f.svc.clone(), pipeline::WorkerOptions::default());
    let run = common::ended_run(f.store(), &domain::RunId::parse(&run_id).expect("a run id")).await;
    pool.shutdown().await;
    assert_eq!(run.workflow_status.as_str(), "completed", "{:?}", run.error);

    let got = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    let body = got.json();
    assert_eq!(body["progress"], 100.0);
    assert!(
        body["phases"]
            .as_array()
            .expect("phases")
            .iter()
            .any(|p| p["name"] == "market_research" && p["status"] == "complete")
    );
    assert!(body["usage"]["calls"].as_u64().expect("calls") > 0);
    assert_eq!(body["jobs"]["queued"], 0);

    let list = call(&r, Method::GET, "/api/runs?limit=5", As::Token(a), None).await;
    assert_eq!(list.json()["items"][0]["id"], run_id.as_str());

    // Opportunities: filters, sorting, paging.
    let all = call(
        &r,
        Method::GET,
        &format!("/api/opportunities?run={run_id}&sort=rank&limit=200"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let all = all.json();
    let items = all["items"].as_array().expect("items");
    assert_eq!(all["total"].as_u64(), Some(items.len() as u64));
    let ranks: Vec<u64> = items
        .iter()
        .map(|o| o["rank"].as_u64().expect("a rank"))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] < w[1]),
        "rank order: {ranks:?}"
    );
    let by_score = call(
        &r,
        Method::GET,
        &format!("/api/opportunities?run={run_id}&sort=score"),
        As::Token(a),
        None,
    )
    .await;
    let scores: Vec<u64> = by_score.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["qualificationScore"].as_u64().expect("a score"))
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    let signal = items
        .iter()
        .flat_map(|o| o["signals"].as_array().cloned().unwrap_or_default())
        .next()
        .and_then(|s| s.as_str().map(str::to_owned))
        .expect("a lead with a signal");
    let filtered = call(
        &r,
        Method::GET,
        &format!("/api/opportunities?run={run_id}&signal={signal}"),
        As::Token(a),
        None,
    )
    .await;
    let filtered = filtered.json();
    let with_signal = items
        .iter()
        .filter(|o| {
            o["signals"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == signal.as_str()))
        })
        .count();
    assert_eq!(filtered["total"].as_u64(), Some(with_signal as u64));
    for o in filtered["items"].as_array().expect("items") {
        assert!(
            o["signals"]
                .as_array()
                .expect("signals")
                .iter()
                .any(|x| x == signal.as_str())
        );
    }
    let ready = call(
        &r,
        Method::GET,
        "/api/opportunities?status=READY&vertical=dentist&geography=Austin,%20TX",
        As::Token(a),
        None,
    )
    .await;
    assert!(
        ready.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|o| o["status"] == "READY")
    );
    let page2 = call(
        &r,
        Method::GET,
        &format!("/api/opportunities?run={run_id}&sort=rank&limit=2&offset=2"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(page2.json()["items"][0]["id"], items[2]["id"]);
    assert_eq!(page2.json()["items"].as_array().map(Vec::len), Some(2));

    // One lead with its dossier, pages (and their content), decision makers and persona.
    let audited = items
        .iter()
        .find(|o| o["status"] == "READY")
        .expect("an audited lead");
    let id = audited["id"].as_str().expect("an id");
    let detail = call(
        &r,
        Method::GET,
        &format!("/api/opportunities/{id}"),
        As::Token(a),
        None,
    )
    .await
    .json();
    assert!(
        detail["dossier"]["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(detail["dossier"]["identified_gaps"].is_array());
    assert!(!detail["pages"].as_array().expect("pages").is_empty());
    assert!(
        !detail["decisionMakers"]
            .as_array()
            .expect("people")
            .is_empty()
    );
    assert!(
        detail["opportunity"]["persona"]["name"].is_string(),
        "{}",
        detail["opportunity"]
    );
    assert!(detail["outreach"].is_object());
    assert!(detail["usage"]["calls"].as_u64().expect("calls") > 0);
    let page = detail["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .find(|p| p["contentRef"].is_string())
        .expect("a stored page");
    let content = call(
        &r,
        Method::GET,
        &format!(
            "/api/content?ref={}",
            page["contentRef"].as_str().expect("a ref")
        ),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(content.status, StatusCode::OK);
    assert!(
        content.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/markdown")
    );
    assert!(!content.text().trim().is_empty());
    let bad_ref = call(
        &r,
        Method::GET,
        "/api/content?ref=../../etc/passwd",
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(bad_ref.status, StatusCode::NOT_FOUND);

    // Personas, research, jobs, usage.
    let personas = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/personas"),
        As::Token(a),
        None,
    )
    .await
    .json();
    assert!(
        !personas["business"]
            .as_array()
            .expect("business")
            .is_empty()
    );
    assert!(
        !personas["decisionMakers"]
            .as_array()
            .expect("people")
            .is_empty()
    );
    let research = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/market-research"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(research.status, StatusCode::OK);
    assert!(research.json()["report"].is_object());
    let jobs = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/jobs"),
        As::Token(a),
        None,
    )
    .await
    .json();
    assert!(
        jobs["items"]
            .as_array()
            .expect("jobs")
            .iter()
            .any(|j| j["kind"] == "run.phase")
    );
    assert_eq!(jobs["counts"]["dead"], 0);
    let bad_status = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/jobs?status=sleeping"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_status.json()["error"]["message"]
            .as_str()
            .expect("a message")
            .starts_with("status:")
    );
    let usage = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/usage"),
        As::Token(a),
        None,
    )
    .await
    .json();
    assert!(usage["byProvider"].as_object().expect("providers").len() >= 2);
    assert!(
        usage["byLead"]
            .as_object()
            .is_some_and(|l| l.contains_key(id))
    );

    // Exports.
    let csv = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/export.csv"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("attachment")
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    assert_eq!(reader.headers().expect("a header").get(0), Some("rank"));
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV");
    assert_eq!(rows.len(), items.len(), "a row per lead");
    assert_eq!(rows[0].get(1), items[0]["id"].as_str());
    let doc = call(
        &r,
        Method::GET,
        &format!("/api/runs/{run_id}/export.json"),
        As::Token(a),
        None,
    )
    .await
    .json();
    assert_eq!(
        doc["opportunities"].as_array().map(Vec::len),
        Some(items.len())
    );

    // Mark contacted, book a meeting, refuse nonsense.
    let contacted = call(
        &r,
        Method::PATCH,
        &format!("/api/opportunities/{id}"),
        As::Token(a),
        Some(json!({"status": "CONTACTED"})),
    )
    .await;
    assert_eq!(contacted.status, StatusCode::OK, "{}", contacted.text());
    assert_eq!(contacted.json()["status"], "CONTACTED");
    let meeting = call(
        &r,
        Method::PATCH,
        &format!("/api/opportunities/{id}"),
        As::Token(a),
        Some(json!({"meetingTime": 1_800_000_000_000_i64})),
    )
    .await;
    assert_eq!(meeting.json()["status"], "MEETING_BOOKED");
    assert_eq!(meeting.json()["meetingTime"], 1_800_000_000_000_i64);
    let seconds = call(
        &r,
        Method::PATCH,
        &format!("/api/opportunities/{id}"),
        As::Token(a),
        Some(json!({"meetingTime": 1_800_000_000})),
    )
    .await;
    assert_eq!(seconds.status, StatusCode::BAD_REQUEST);
    assert!(
        seconds.json()["error"]["message"]
            .as_str()
            .expect("a message")
            .starts_with("meetingTime:")
    );
    let pipeline_status = call(
        &r,
        Method::PATCH,
        &format!("/api/opportunities/{id}"),
        As::Token(a),
        Some(json!({"status": "SCRAPING"})),
    )
    .await;
    assert_eq!(pipeline_status.status, StatusCode::BAD_REQUEST);
    let unknown_field = call(
        &r,
        Method::PATCH,
        &format!("/api/opportunities/{id}"),
        As::Token(a),
        Some(json!({"stauts": "WON"})),
    )
    .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown_field.text().contains("stauts"),
        "{}",
        unknown_field.text()
    );

    // A deep audit of one lead, started by hand.
    let audit = call(
        &r,
        Method::POST,
        &format!("/api/opportunities/{id}/audit"),
        As::Token(a),
        None,
    )
    .await;
    assert_eq!(audit.status, StatusCode::ACCEPTED, "{}", audit.text());
    assert!(audit.json()["auditId"].is_string());

    // Cancelling a finished run changes nothing.
    let cancel = call(
        &r,
        Method::POST,
        &format!("/api/runs/{run_id}/cancel"),
        As::Token(a),
        None,
    )
    .await
    .json();
    assert_eq!(cancel["cancelled"], false);
    assert_eq!(cancel["workflowStatus"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_validated_and_errors_name_the_field() {
    let f = Fixture::empty().await;
    let r = f.router();
    let a = &f.a;
    let cases = [
        (
            json!({"vertical": "dentist", "geography": "Austin, TX", "numLeads": 0}),
            "numLeads",
        ),
        (
            json!({"vertical": "dentist", "geography": "Austin, TX", "numLeads": 5000}),
            "numLeads",
        ),
        (
            json!({"vertical": " ", "geography": "Austin, TX", "numLeads": 5}),
            "vertical",
        ),
        (
            json!({"vertical": "dentist", "geography": "", "numLeads": 5}),
            "geography",
        ),
        (
            json!({"vertical": "dentist", "geography": "Austin", "numLeads": 5, "auditLeads": 9000}),
            "auditLeads",
        ),
        (json!({"geography": "Austin", "numLeads": 5}), "vertical"),
        (
            json!({"vertical": "dentist", "geography": "Austin", "numLeads": "five"}),
            "numLeads",
        ),
        (
            json!({"vertical": "dentist", "geography": "Austin", "numLeads": 5, "stages": {"persona": false}}),
            "persona",
        ),
    ];
    for (body, field) in cases {
        let res = call(
            &r,
            Method::POST,
            "/api/runs",
            As::Token(a),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            res.text()
        );
        let err = res.json();
        assert_eq!(err["error"]["code"], "invalid_request");
        let message = err["error"]["message"].as_str().expect("a message");
        assert!(
            message.contains(field),
            "{body}: {message:?} should name {field}"
        );
    }
    assert_eq!(
        f.store()
            .runs()
            .list(&a.agency.id, 10)
            .await
            .expect("runs")
            .len(),
        0,
        "nothing stored"
    );

    for (uri, field) in [
        ("/api/opportunities?signal=NOT_A_SIGNAL", "signal"),
        ("/api/opportunities?status=HAPPY", "status"),
        ("/api/opportunities?sort=colour", "sort"),
        ("/api/opportunities?order=up", "order"),
        ("/api/opportunities?limit=0", "limit"),
        ("/api/opportunities?minScore=101", "minScore"),
        ("/api/opportunities?run=nope", "run"),
        ("/api/opportunities?limit=ten", "limit"),
        ("/api/opportunities?colour=red", "colour"),
        ("/api/runs?limit=1000", "limit"),
        ("/api/usage?days=0", "days"),
    ] {
        let res = call(&r, Method::GET, uri, As::Token(a), None).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{uri}: {}", res.text());
        let message = res.json()["error"]["message"]
            .as_str()
            .expect("a message")
            .to_owned();
        assert!(
            message.contains(field),
            "{uri}: {message:?} should name {field}"
        );
    }

    // The agency profile is validated like `leadforge agency save`; nothing is stored on error.
    let mut profile = common::profile("Agency A");
    profile.lead_qualification_criteria.push("VIBES".into());
    let res = call(
        &r,
        Method::PUT,
        "/api/agency",
        As::Token(a),
        Some(serde_json::to_value(&profile).expect("json")),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("lead_qualification_criteria")
    );
    let mut good = common::profile("Agency A, renamed");
    good.services.push("Review management".into());
    let res = call(
        &r,
        Method::PUT,
        "/api/agency",
        As::Token(a),
        Some(serde_json::to_value(&good).expect("json")),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["profile"]["name"], "Agency A, renamed");

    for (body, field) in [
        (json!({"kind": "email", "value": "x"}), "kind"),
        (json!({"kind": "domain", "value": ""}), "value"),
        (json!({"kind": "phone", "value": "12"}), "value"),
        (
            json!({"kind": "phone", "value": "512 555 0100", "country": "ZZZ"}),
            "country",
        ),
    ] {
        let res = call(
            &r,
            Method::POST,
            "/api/agency/suppression",
            As::Token(a),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            res.text()
        );
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .expect("a message")
                .starts_with(field),
            "{body}"
        );
    }
    let phone = call(
        &r,
        Method::POST,
        "/api/agency/suppression",
        As::Token(a),
        Some(
            json!({"kind": "phone", "value": "(512) 555-0141", "reason": "asked not to be called"}),
        ),
    )
    .await;
    assert_eq!(phone.status, StatusCode::CREATED, "{}", phone.text());
    assert_eq!(phone.json()["items"][0]["value"], "+15125550141");

    let onboard = call(
        &r,
        Method::POST,
        "/api/agency/onboard",
        As::Token(a),
        Some(json!({"website": "not a url at all"})),
    )
    .await;
    assert_eq!(onboard.status, StatusCode::BAD_REQUEST);
    assert!(
        onboard.json()["error"]["message"]
            .as_str()
            .expect("a message")
            .starts_with("website")
    );

    // Bodies that are not JSON, and unknown routes, answer in the same shape.
    let res = call(&r, Method::GET, "/api/nope", As::Token(a), None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_proposes_a_profile_from_the_agency_site() {
    let f = Fixture::empty().await;
    let r = f.router();
    let res = call(
        &r,
        Method::POST,
        "/api/agency/onboard",
        As::Token(&f.a),
        Some(json!({"website": f.world.agency_url()})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let proposal = res.json();
    assert!(
        !proposal["services"]
            .as_array()
            .expect("services")
            .is_empty()
    );
    assert!(
        proposal["approved_claims"]
            .as_array()
            .expect("claims")
            .iter()
            .all(|c| c["source_url"].is_string())
    );
    let agency = call(&r, Method::GET, "/api/agency", As::Token(&f.a), None)
        .await
        .json();
    assert_eq!(
        agency["profile"]["name"], "Agency A",
        "onboarding stores nothing by itself"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_prove_who_they_are_and_sessions_need_the_csrf_token() {
    let f = Fixture::empty().await;
    let r = f.router();
    let res = call(&r, Method::GET, "/api/runs", As::Anonymous, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "unauthorized");
    assert!(res.headers.contains_key("www-authenticate"));

    // A made-up token, a revoked token, a malformed header.
    let mut fake = f.a.clone();
    fake.bearer = format!("Bearer lf_{}", "0".repeat(64));
    assert_eq!(
        call(&r, Method::GET, "/api/runs", As::Token(&fake), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    fake.bearer = "Basic YTpi".into();
    assert_eq!(
        call(&r, Method::GET, "/api/runs", As::Token(&fake), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let tokens = f
        .store()
        .auth()
        .tokens_of(&f.a.user.id)
        .await
        .expect("tokens");
    assert!(
        tokens[0].prefix.starts_with("lf_") && tokens[0].prefix.len() < 12,
        "only a prefix is kept"
    );
    assert!(
        f.store()
            .auth()
            .revoke_token(&f.a.user.id, &tokens[0].id)
            .await
            .expect("revoked")
    );
    assert_eq!(
        call(&r, Method::GET, "/api/runs", As::Token(&f.a), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Sessions: reads need only the cookie; writes need the CSRF header too.
    assert_eq!(
        call(&r, Method::GET, "/api/me", As::Session(&f.a), None)
            .await
            .json()["auth"],
        "session"
    );
    let body = json!({"kind": "place_id", "value": "ChIJ-test"});
    let res = call(
        &r,
        Method::POST,
        "/api/agency/suppression",
        As::SessionNoCsrf(&f.a),
        Some(body.clone()),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "forbidden");
    let mut wrong = f.a.clone();
    wrong.csrf = "0".repeat(64);
    assert_eq!(
        call(
            &r,
            Method::POST,
            "/api/agency/suppression",
            As::Session(&wrong),
            Some(body.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            &r,
            Method::POST,
            "/api/agency/suppression",
            As::Session(&f.a),
            Some(body)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    // Stored session ids and tokens are hashes: the cookie value is nowhere in the database.
    let cookie_value = f.a.cookie.split_once('=').expect("a cookie").1.to_owned();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id_hash = $1")
        .bind(&cookie_value)
        .fetch_one(f.store().pool())
        .await
        .expect("a count");
    assert_eq!(n, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route() {
    let f = Fixture::empty().await;
    let r = f.router();
    let res = call(&r, Method::GET, "/api/openapi.json", As::Anonymous, None).await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = res.json();
    assert!(
        doc["openapi"]
            .as_str()
            .expect("a version")
            .starts_with("3.")
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/runs",
        "/runs/{id}",
        "/runs/{id}/events",
        "/opportunities",
        "/opportunities/{id}",
        "/content",
        "/agency",
        "/agency/suppression",
        "/usage",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    assert!(doc["components"]["schemas"]["StartRun"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert_eq!(documented_routes().len(), 27, "{:?}", documented_routes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_is_set_per_agency_and_its_secret_never_comes_back() {
    let f = Fixture::empty().await;
    let r = f.router();
    let secret = "s3cret-signing-key-for-tests-0123456789";
    for (body, field) in [
        (json!({"url": "ftp://example.com/hook"}), "url"),
        (json!({"url": "https://user:pw@example.com/hook"}), "url"),
        (
            json!({"url": "https://example.com/hook", "secret": "short"}),
            "secret",
        ),
    ] {
        let res = call(
            &r,
            Method::PUT,
            "/api/agency/webhook",
            As::Token(&f.a),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            res.text()
        );
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .expect("a message")
                .starts_with(field),
            "{body}"
        );
    }
    let set = call(
        &r,
        Method::PUT,
        "/api/agency/webhook",
        As::Token(&f.a),
        Some(json!({"url": "https://hooks.example.com/leadforge", "secret": secret})),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    assert_eq!(set.json()["webhook"]["secretSet"], true);
    assert!(!set.text().contains(secret), "the secret is not echoed");
    let got = call(
        &r,
        Method::GET,
        "/api/agency/webhook",
        As::Token(&f.a),
        None,
    )
    .await;
    assert_eq!(
        got.json()["webhook"]["url"],
        "https://hooks.example.com/leadforge"
    );
    assert!(!got.text().contains(secret));
    // B has none, and cannot remove A's.
    let b = call(
        &r,
        Method::GET,
        "/api/agency/webhook",
        As::Token(&f.b),
        None,
    )
    .await;
    assert!(b.json()["webhook"].is_null());
    assert_eq!(
        call(
            &r,
            Method::DELETE,
            "/api/agency/webhook",
            As::Token(&f.b),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &r,
            Method::DELETE,
            "/api/agency/webhook",
            As::Token(&f.a),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let gone = call(
        &r,
        Method::GET,
        "/api/agency/webhook",
        As::Token(&f.a),
        None,
    )
    .await;
    assert!(gone.json()["webhook"].is_null());
}
