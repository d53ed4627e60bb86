//! UI stories, in-process on the router: sign-in, tenancy, CSRF, forms, the run page's
//! filters and live stream, and the evidence page. One completed sample-world run of agency
//! A is shared by every story (B has nothing); stories that write use their own data.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "tests")]

mod common;

use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Answer, Fixture, PASSWORD, Tenant};
use http_body_util::BodyExt;
use store::{ContentRef, Run};
use tokio::sync::OnceCell;
use tower::ServiceExt;

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime")
});

static SHARED: OnceCell<(Fixture, Run)> = OnceCell::const_new();

/// The shared fixture with A's completed run.
async fn shared() -> &'static (Fixture, Run) {
    SHARED
        .get_or_init(|| async {
            let f = Fixture::empty().await;
            let run = f.completed_run().await;
            assert_eq!(run.workflow_status.as_str(), "completed", "{:?}", run.error);
            (f, run)
        })
        .await
}

fn story<F: Future<Output = ()>>(body: F) {
    RT.block_on(body);
}

async fn send(f: &Fixture, req: Request<Body>) -> Answer {
    let res = f.router().oneshot(req).await.expect("an answer");
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

async fn get(f: &Fixture, uri: &str, who: Option<&Tenant>) -> Answer {
    let mut req = Request::builder().method(Method::GET).uri(uri);
    if let Some(t) = who {
        req = req.header(header::COOKIE, &t.cookie);
    }
    send(f, req.body(Body::empty()).expect("a request")).await
}

async fn post(f: &Fixture, uri: &str, who: Option<&Tenant>, form: &[(&str, &str)]) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(t) = who {
        req = req.header(header::COOKIE, &t.cookie);
    }
    send(f, req.body(Body::from(body)).expect("a request")).await
}

fn location(a: &Answer) -> String {
    a.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Every `attr="…"` value in `html` that follows `after`.
fn values(html: &str, after: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.split(after)
        .skip(1)
        .filter_map(|chunk| {
            let start = chunk.find(&needle)? + needle.len();
            let end = chunk[start..].find('"')?;
            Some(chunk[start..start + end].replace("&amp;", "&"))
        })
        .collect()
}

async fn a_lead_with_a_dossier(f: &Fixture, run: &Run) -> String {
    let dossiers = f
        .store()
        .audits()
        .dossiers_for_run(&f.a.agency.id, &run.id)
        .await
        .expect("dossiers");
    dossiers
        .iter()
        .find(|d| d.identified_gaps.iter().any(|g| g.source_url.is_some()))
        .or(dossiers.first())
        .expect("the run audited a lead")
        .opportunity_id
        .to_string()
}

#[test]
fn signing_in_sets_a_session_cookie_and_goes_back_to_a_local_page_only() {
    story(async {
        let (f, _) = shared().await;
        let page = get(f, "/signin?next=/usage", None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("id=\"signin\"") && html.contains("name=\"next\" value=\"/usage\""));

        let email = f.a.user.email.as_str();
        let ok = post(
            f,
            "/signin",
            None,
            &[("email", email), ("password", PASSWORD), ("next", "/usage")],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        assert_eq!(location(&ok), "/usage");
        let cookie = ok
            .headers
            .get(header::SET_COOKIE)
            .expect("a cookie")
            .to_str()
            .unwrap();
        assert!(cookie.starts_with("leadforge_session=") && cookie.contains("HttpOnly"));

        for evil in ["//evil.test/", "https://evil.test/", "/\\evil.test"] {
            let a = post(
                f,
                "/signin",
                None,
                &[("email", email), ("password", PASSWORD), ("next", evil)],
            )
            .await;
            assert_eq!(location(&a), "/", "next={evil} must not be followed");
        }
    });
}

#[test]
fn a_wrong_password_is_refused_and_repeated_failures_are_rate_limited() {
    story(async {
        let (f, _) = shared().await;
        let wrong = post(
            f,
            "/signin",
            None,
            &[("email", "a@agency-a.test"), ("password", "nope nope nope")],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.text().contains("wrong e-mail or password"));

        // A state of its own, with a low limit, so other stories can still sign in.
        let state = web::AppState::new(
            f.svc.clone(),
            web::WebSettings {
                sign_in_max_failures: 2,
                ..web::WebSettings::default()
            },
        );
        let router = web::router(state);
        let mut last = StatusCode::OK;
        for _ in 0..3 {
            let req = Request::builder()
                .method(Method::POST)
                .uri("/signin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    "email=limited%40agency-a.test&password=guess+guess",
                ))
                .unwrap();
            last = router.clone().oneshot(req).await.unwrap().status();
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    });
}

#[test]
fn pages_without_a_session_send_the_visitor_to_sign_in() {
    story(async {
        let (f, run) = shared().await;
        for path in ["/", "/usage", "/settings", &format!("/runs/{}", run.id)] {
            let a = get(f, path, None).await;
            assert!(a.status.is_redirection(), "{path}: {}", a.status);
            assert!(
                location(&a).starts_with("/signin?next="),
                "{path}: {}",
                location(&a)
            );
        }
    });
}

#[test]
fn every_page_renders_for_its_owner_and_is_not_found_for_another_agency() {
    story(async {
        let (f, run) = shared().await;
        let lead = a_lead_with_a_dossier(f, run).await;
        let lead_page = get(f, &format!("/leads/{lead}"), Some(&f.a)).await;
        assert_eq!(lead_page.status, StatusCode::OK);
        let page_link = values(&lead_page.text(), "class=\"page-link\"", "href")
            .into_iter()
            .next();
        let owned = [
            format!("/runs/{}", run.id),
            format!("/runs/{}/report", run.id),
            format!("/runs/{}/jobs", run.id),
            format!("/leads/{lead}"),
        ];
        for path in ["/", "/campaigns/new", "/usage", "/settings"]
            .into_iter()
            .map(String::from)
            .chain(owned.iter().cloned())
        {
            let a = get(f, &path, Some(&f.a)).await;
            assert_eq!(a.status, StatusCode::OK, "{path}");
            let html = a.text();
            assert!(html.contains("name=\"viewport\""), "{path} has a viewport");
            assert!(
                html.contains("/assets/htmx-2.0.11.min.js"),
                "{path} loads htmx"
            );
            assert!(
                html.contains(&format!("\"X-CSRF-Token\": \"{}\"", f.a.csrf)),
                "{path}"
            );
        }
        // The run page's export buttons: files for the owner, 404 for anyone else.
        let csv = get(f, &format!("/runs/{}/export.csv", run.id), Some(&f.a)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.text().starts_with("rank,"), "{}", csv.text());
        let json = get(f, &format!("/runs/{}/export.json", run.id), Some(&f.a)).await;
        assert_eq!(json.status, StatusCode::OK);
        assert!(json.text().contains("\"opportunities\""));
        let mut others: Vec<String> = owned.to_vec();
        others.push(format!("/runs/{}/export.csv", run.id));
        others.push(format!("/runs/{}/export.json", run.id));
        if let Some(p) = page_link {
            let page = get(f, p.split('?').next().unwrap_or(&p), Some(&f.a)).await;
            assert_eq!(page.status, StatusCode::OK, "{p}");
            assert!(page.text().contains("id=\"page-content\""));
            others.push(p);
        }
        for path in others.iter().chain([&"/runs/not-an-id".to_owned()]) {
            let a = get(f, path, Some(&f.b)).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{path} for agency B");
            assert!(a.text().contains("not found"), "{path}: an HTML error page");
        }
        let home_b = get(f, "/", Some(&f.b)).await.text();
        assert!(!home_b.contains(run.id.as_str()), "B does not see A's run");
    });
}

#[test]
fn every_form_post_without_the_csrf_token_is_forbidden() {
    story(async {
        let (f, run) = shared().await;
        let lead = a_lead_with_a_dossier(f, run).await;
        for path in [
            "/signout".to_owned(),
            "/campaigns".to_owned(),
            format!("/runs/{}/cancel", run.id),
            format!("/leads/{lead}/status"),
            format!("/leads/{lead}/audit"),
            "/settings/profile".to_owned(),
            "/settings/suppression".to_owned(),
        ] {
            let none = post(f, &path, Some(&f.a), &[("status", "CONTACTED")]).await;
            assert_eq!(none.status, StatusCode::FORBIDDEN, "{path} without a token");
            let wrong = post(f, &path, Some(&f.a), &[("csrf", "0000")]).await;
            assert_eq!(
                wrong.status,
                StatusCode::FORBIDDEN,
                "{path} with a wrong token"
            );
        }
    });
}

#[test]
fn the_campaign_form_names_the_field_at_fault_and_a_good_one_starts_a_run() {
    story(async {
        let (f, _) = shared().await;
        let t = &f.b;
        let form = |leads: &'static str, vertical: &'static str| {
            vec![
                ("csrf", t.csrf.as_str()),
                ("vertical", vertical),
                ("geography", "Austin, TX"),
                ("leads", leads),
                ("personas", "on"),
            ]
        };
        let bad = post(f, "/campaigns", Some(t), &form("0", "dentist")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.text().contains("data-field=\"leads\""),
            "{}",
            bad.text()
        );
        let bad = post(f, "/campaigns", Some(t), &form("x", "dentist")).await;
        assert!(bad.text().contains("data-field=\"leads\""));
        let bad = post(f, "/campaigns", Some(t), &form("5", "  ")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text().contains("data-field=\"vertical\""));
        let mut with_audit = form("5", "dentist");
        with_audit.push(("audit", "9999"));
        let bad = post(f, "/campaigns", Some(t), &with_audit).await;
        assert!(bad.text().contains("data-field=\"audit\""));

        let ok = post(f, "/campaigns", Some(t), &form("3", "plumber")).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let to = location(&ok);
        assert!(to.starts_with("/runs/"), "{to}");
        let runs = f.store().runs().list(&t.agency.id, 10).await.unwrap();
        assert!(
            runs.iter()
                .any(|r| to.ends_with(r.id.as_str()) && r.target_vertical == "plumber")
        );
    });
}

#[test]
fn the_run_page_shows_phases_progress_and_the_ranked_table_filtered_by_signal() {
    story(async {
        let (f, run) = shared().await;
        let html = get(f, &format!("/runs/{}", run.id), Some(&f.a))
            .await
            .text();
        assert!(html.contains("id=\"run-status\" class=\"status\" data-status=\"completed\""));
        assert!(html.contains("data-progress=\"100\"") && html.contains("100%"));
        assert!(html.contains("data-phase=\"source\" data-status=\"complete\""));
        assert!(html.contains("id=\"export-csv\"") && html.contains("id=\"export-json\""));
        assert!(
            !html.contains("sse-connect"),
            "a finished run is not followed live"
        );
        let rows = html.matches("<tr data-lead-id=").count();
        assert!(rows > 1, "the run has leads");

        // A signal some leads have and some don't.
        let signal = [
            "LOW_GOOGLE_RATING",
            "NO_HTTPS",
            "MISSING_WEBSITE",
            "WEAK_WEB_PRESENCE",
            "NEEDS_WEB_AUDIT",
        ]
        .into_iter()
        .find(|s| {
            let n = html
                .split("<tr data-lead-id=")
                .skip(1)
                .filter(|r| r.contains(&format!("data-signal=\"{s}\"")))
                .count();
            n > 0 && n < rows
        })
        .expect("a signal that splits the leads");
        let filtered = get(f, &format!("/runs/{}?signal={signal}", run.id), Some(&f.a)).await;
        assert_eq!(filtered.status, StatusCode::OK);
        let fhtml = filtered.text();
        let frows: Vec<&str> = fhtml.split("<tr data-lead-id=").skip(1).collect();
        assert!(!frows.is_empty() && frows.len() < rows);
        for r in &frows {
            let r = r.split("</tr>").next().unwrap_or(r);
            assert!(
                r.contains(&format!("span class=\"badge\" data-signal=\"{signal}\"")),
                "{r}"
            );
        }
        assert!(fhtml.contains(&format!("<option value=\"{signal}\" selected>")));

        // With htmx, only the table comes back.
        let req = Request::builder()
            .uri(format!("/runs/{}?signal={signal}", run.id))
            .header(header::COOKIE, &f.a.cookie)
            .header("hx-request", "true")
            .header("hx-target", "leads-table")
            .body(Body::empty())
            .unwrap();
        let frag = send(f, req).await.text();
        assert!(frag.contains("<table id=\"leads\"") && !frag.contains("<html"));
        assert_eq!(frag.matches("<tr data-lead-id=").count(), frows.len());

        let bad = get(f, &format!("/runs/{}?signal=nope", run.id), Some(&f.a)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text().contains("signal"));
    });
}

#[test]
fn the_live_stream_sends_the_progress_fragment_and_ends_with_a_finished_run() {
    story(async {
        let (f, run) = shared().await;
        let req = Request::builder()
            .uri(format!("/runs/{}/live", run.id))
            .header(header::COOKIE, &f.a.cookie)
            .body(Body::empty())
            .unwrap();
        let res = tokio::time::timeout(Duration::from_secs(20), send(f, req))
            .await
            .expect("the stream of a finished run ends");
        assert_eq!(res.status, StatusCode::OK);
        let ct = res
            .headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        let body = res.text();
        assert!(body.contains("event: progress"), "{body}");
        assert!(body.contains("id=\"progress\" data-progress=\"100\""));
        assert!(body.contains("event: phases") && body.contains("id=\"phases\""));
        assert!(body.contains("event: leads") && body.contains("data-lead-id="));
        assert!(body.contains("event: done"));
        let other = get(f, &format!("/runs/{}/live", run.id), Some(&f.b)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    });
}

#[test]
fn the_evidence_page_marks_the_quoted_snippet_and_escapes_the_rest() {
    story(async {
        let (f, run) = shared().await;
        let lead = a_lead_with_a_dossier(f, run).await;
        let html = get(f, &format!("/leads/{lead}"), Some(&f.a)).await.text();
        assert!(html.contains("id=\"dossier\"") && html.contains("id=\"gaps\""));
        let links = values(&html, "<a class=\"evidence\"", "href");
        let cites_pages = f
            .store()
            .audits()
            .latest_dossier(
                &f.a.agency.id,
                &domain::OpportunityId::parse(&lead).unwrap(),
            )
            .await
            .unwrap()
            .is_some_and(|d| d.identified_gaps.iter().any(|g| g.source_url.is_some()));
        assert_eq!(
            !links.is_empty(),
            cites_pages,
            "each gap citing a page links to it"
        );
        let mut marked = 0;
        for link in &links {
            assert!(
                link.starts_with("/pages/") && link.ends_with("#evidence"),
                "{link}"
            );
            let page = get(f, link.trim_end_matches("#evidence"), Some(&f.a)).await;
            assert_eq!(page.status, StatusCode::OK, "{link}");
            assert!(
                page.text().contains("id=\"evidence\""),
                "{link} marks or explains"
            );
            marked += usize::from(page.text().contains("<mark id=\"evidence\">"));
        }
        // Links open at a passage the page really holds (chosen from the stored page), where
        // the page holds one: a listing fact cited against a page has nothing to mark.
        assert!(
            links.is_empty() || marked >= 1,
            "{marked} of {} evidence links open at a marked passage: {links:?}",
            links.len()
        );
        // A snippet known to be on a stored page, asked in other case and spacing.
        let (page_id, markdown) = first_page(f, &lead).await;
        let words: Vec<&str> = markdown
            .split_whitespace()
            .filter(|w| w.chars().all(char::is_alphanumeric))
            .take(3)
            .collect();
        assert_eq!(words.len(), 3, "the page has words");
        let q = words.join("   ").to_uppercase();
        let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let page = get(f, &format!("/pages/{page_id}?q={q}"), Some(&f.a))
            .await
            .text();
        assert_eq!(page.matches("<mark id=\"evidence\">").count(), 1, "{page}");
        let marked = page
            .split("<mark id=\"evidence\">")
            .nth(1)
            .unwrap()
            .split("</mark>")
            .next()
            .unwrap();
        assert_eq!(marked.split_whitespace().collect::<Vec<_>>(), words);
        assert!(
            !page
                .split("id=\"page-content\"")
                .nth(1)
                .unwrap()
                .contains("<script")
        );
    });
}

async fn first_page(f: &Fixture, lead: &str) -> (String, String) {
    let lead = domain::OpportunityId::parse(lead).unwrap();
    let audits = f
        .store()
        .audits()
        .for_opportunity(&f.a.agency.id, &lead)
        .await
        .unwrap();
    for audit in audits {
        let ids = f
            .store()
            .audits()
            .page_ids(&f.a.agency.id, &audit.id)
            .await
            .unwrap();
        for page in f
            .store()
            .audits()
            .pages(&f.a.agency.id, &audit.id)
            .await
            .unwrap()
        {
            let Some(r) = page.content_ref.as_deref() else {
                continue;
            };
            let bytes = f
                .svc
                .blobs
                .get(&ContentRef::parse(r).unwrap())
                .await
                .unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Some((id, _)) = ids.iter().find(|(_, u)| *u == page.url)
                && text
                    .split_whitespace()
                    .filter(|w| w.chars().all(char::is_alphanumeric))
                    .count()
                    >= 3
            {
                return (id.clone(), text);
            }
        }
    }
    panic!("lead {lead} has no stored page with words");
}

#[test]
fn a_lead_is_worked_from_its_page() {
    story(async {
        let (f, run) = shared().await;
        let leads = f
            .store()
            .opportunities()
            .list_for_run(&f.a.agency.id, &run.id)
            .await
            .unwrap();
        let lead = leads.last().expect("a lead").opportunity.id.to_string();
        let path = format!("/leads/{lead}/status");
        let csrf = f.a.csrf.as_str();
        let bad = post(f, &path, Some(&f.a), &[("csrf", csrf), ("status", "READY")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text().contains("status"));
        let no_time = post(
            f,
            &path,
            Some(&f.a),
            &[("csrf", csrf), ("status", "MEETING_BOOKED")],
        )
        .await;
        assert_eq!(no_time.status, StatusCode::BAD_REQUEST);
        assert!(no_time.text().contains("meeting_time"));
        let ok = post(
            f,
            &path,
            Some(&f.a),
            &[
                ("csrf", csrf),
                ("status", "MEETING_BOOKED"),
                ("meeting_time", "2030-05-01T09:30"),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let page = get(f, &format!("/leads/{lead}"), Some(&f.a)).await.text();
        assert!(
            page.contains("data-status=\"MEETING_BOOKED\"")
                && page.contains("2030-05-01 09:30 UTC")
        );
        let theirs = post(
            f,
            &path,
            Some(&f.b),
            &[("csrf", f.b.csrf.as_str()), ("status", "WON")],
        )
        .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    });
}

#[test]
fn settings_are_validated_by_field_and_the_suppression_list_is_edited() {
    story(async {
        let (f, _) = shared().await;
        let t = &f.b;
        let csrf = t.csrf.as_str();
        let bad = post(
            f,
            "/settings/profile",
            Some(t),
            &[
                ("csrf", csrf),
                ("name", "Agency B"),
                ("criteria", "NOT_A_SIGNAL"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.text().contains("lead_qualification_criteria[0]"),
            "{}",
            bad.text()
        );
        let bad = post(
            f,
            "/settings/profile",
            Some(t),
            &[
                ("csrf", csrf),
                ("name", "B"),
                ("claims", "dup | one\ndup | two"),
            ],
        )
        .await;
        assert!(bad.text().contains("approved_claims[1].id"));
        let ok = post(
            f,
            "/settings/profile",
            Some(t),
            &[
                ("csrf", csrf),
                ("name", "Agency B <Renamed>"),
                ("website", "https://b-agency.com"),
                ("services", "Websites\nSEO"),
                ("criteria", "NO_HTTPS"),
                ("criteria", "LOW_GOOGLE_RATING"),
                ("weight.NO_HTTPS", "40"),
                (
                    "claims",
                    "fast | Sites in 14 days | https://b-agency.com/why",
                ),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let saved = f
            .store()
            .agencies()
            .get(&t.agency.id)
            .await
            .unwrap()
            .unwrap()
            .profile;
        assert_eq!(
            saved.lead_qualification_criteria,
            ["NO_HTTPS", "LOW_GOOGLE_RATING"]
        );
        assert_eq!(saved.scoring_weights.get("NO_HTTPS"), Some(&40));
        assert_eq!(saved.approved_claims[0].id, "fast");
        let page = get(f, "/settings", Some(t)).await.text();
        assert!(
            page.contains("Agency B &lt;Renamed&gt;")
                || page.contains("Agency B &#60;Renamed&#62;")
        );

        let bad = post(
            f,
            "/settings/suppression",
            Some(t),
            &[
                ("csrf", csrf),
                ("kind", "domain"),
                ("value", "not a domain"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text().contains("data-field=\"value\""));
        let added = post(
            f,
            "/settings/suppression",
            Some(t),
            &[
                ("csrf", csrf),
                ("kind", "domain"),
                ("value", "https://www.Example.com/x"),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        let entries = f.store().suppression().list(&t.agency.id).await.unwrap();
        let entry = entries
            .iter()
            .find(|e| e.value == "example.com")
            .expect("the domain, normalised");
        let other = post(
            f,
            &format!("/settings/suppression/{}/delete", entry.id),
            Some(&f.a),
            &[("csrf", f.a.csrf.as_str())],
        )
        .await;
        assert_eq!(
            other.status,
            StatusCode::NOT_FOUND,
            "A cannot delete B's entry"
        );
        let gone = post(
            f,
            &format!("/settings/suppression/{}/delete", entry.id),
            Some(t),
            &[("csrf", csrf)],
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER);
        assert!(
            f.store()
                .suppression()
                .list(&t.agency.id)
                .await
                .unwrap()
                .iter()
                .all(|e| e.id != entry.id)
        );
    });
}

#[test]
fn signing_out_ends_the_session() {
    story(async {
        let (f, _) = shared().await;
        let t = common::tenant(
            &f.state,
            f.store()
                .agencies()
                .get(&f.b.agency.id)
                .await
                .unwrap()
                .unwrap(),
            "leaver@agency-b.test",
        )
        .await;
        let out = post(f, "/signout", Some(&t), &[("csrf", t.csrf.as_str())]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(
            out.headers
                .get(header::SET_COOKIE)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let after = get(f, "/", Some(&t)).await;
        assert!(location(&after).starts_with("/signin"));
    });
}
