//! Fault plans make a share of each provider's calls fail in every way real providers fail,
//! reproducibly, and count what they injected.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{client, json, site_client, site_url, start, url};
use sample_world::{
    CallRecord, Fault, FaultKind, FaultPlan, FaultPlans, FaultProvider, RateLimitBurst,
    RunningWorld, SAMPLE_KEY,
};
use serde_json::{Value, json};

async fn serper(world: &RunningWorld, q: &str) -> reqwest::Response {
    client()
        .post(url(world, "/places"))
        .header("X-API-KEY", SAMPLE_KEY)
        .json(&json!({ "q": q }))
        .send()
        .await
        .expect("answers")
}

async fn openai(world: &RunningWorld, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(url(world, path))
        .bearer_auth(SAMPLE_KEY)
        .json(&body)
        .send()
        .await
        .expect("answers")
}

fn chat_body(schema: bool) -> Value {
    let mut body = json!({
        "model": "gpt-5-mini",
        "messages": [{ "role": "user", "content": "Business: Zilker Smiles, a dentist in Austin." }]
    });
    if schema {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": { "name": "pitch", "schema": {
                "type": "object",
                "properties": { "headline": { "type": "string" }, "reasons": { "type": "array", "items": { "type": "string" } } },
                "required": ["headline", "reasons"]
            } }
        });
    }
    body
}

fn responses_body() -> Value {
    json!({
        "model": "gpt-5",
        "input": [{ "role": "user", "content": "Business: Zilker Smiles" }],
        "text": { "format": { "type": "json_schema", "name": "pitch", "schema": {
            "type": "object", "properties": { "headline": { "type": "string" } }, "required": ["headline"]
        } } }
    })
}

fn plan(world: &RunningWorld, provider: FaultProvider, plan: FaultPlan) {
    world.faults.set_plan(provider, plan).expect("a valid plan");
}

/// The injected counts as the call log tells them.
fn logged(
    calls: &[CallRecord],
    provider: FaultProvider,
) -> BTreeMap<(FaultProvider, FaultKind), u64> {
    let mut counts = BTreeMap::new();
    for kind in calls.iter().filter_map(|c| c.fault) {
        *counts.entry((provider, kind)).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn rate_limit_bursts_answer_429_with_retry_after_in_the_providers_format() {
    let world = start().await;
    let burst = RateLimitBurst {
        len: 2,
        period: 3,
        retry_after_secs: 7,
    };
    plan(
        &world,
        FaultProvider::Serper,
        FaultPlan {
            rate_limit: Some(burst),
            ..FaultPlan::default()
        },
    );
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = serper(&world, &format!("dentist in Austin, TX {i}")).await;
        if response.status() == 429 {
            assert_eq!(response.headers()["retry-after"], "7");
            assert_eq!(json(response).await["statusCode"], 429);
            statuses.push(429);
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    assert_eq!(statuses, [200, 429, 429, 200, 429, 429]);
    let injected = world.faults.injected();
    assert_eq!(
        injected[&(FaultProvider::Serper, FaultKind::RateLimited)],
        4
    );
    assert_eq!(injected, logged(&world.calls(), FaultProvider::Serper));
}

#[tokio::test]
async fn server_errors_and_malformed_answers_use_the_providers_own_bodies() {
    let world = start().await;
    let errors = FaultPlan {
        error_rate: 1.0,
        ..FaultPlan::default()
    };
    plan(&world, FaultProvider::OpenAi, errors);
    let response = openai(&world, "/v1/chat/completions", chat_body(true)).await;
    assert_eq!(response.status(), 500);
    assert_eq!(json(response).await["error"]["type"], "server_error");

    plan(
        &world,
        FaultProvider::OpenAiEmbeddings,
        FaultPlan {
            malformed_rate: 1.0,
            ..FaultPlan::default()
        },
    );
    let response = openai(
        &world,
        "/v1/embeddings",
        json!({ "model": "text-embedding-3-small", "input": ["a", "b"] }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("a body");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    let faults: Vec<_> = world.calls().iter().map(|c| c.fault).collect();
    assert_eq!(
        faults,
        [Some(FaultKind::ServerError), Some(FaultKind::Malformed)]
    );
}

#[tokio::test]
async fn an_explicit_fault_wins_over_the_plan() {
    let world = start().await;
    plan(
        &world,
        FaultProvider::Serper,
        FaultPlan {
            error_rate: 1.0,
            ..FaultPlan::default()
        },
    );
    world.faults.set(FaultProvider::Serper, Fault::Empty);
    let response = serper(&world, "dentist in Austin, TX").await;
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["places"], json!([]));
    assert_eq!(world.calls()[0].fault, Some(FaultKind::Empty));
    world.faults.clear_all();
    assert!(
        world.faults.plans().is_empty(),
        "clear_all clears plans too"
    );
    assert_eq!(serper(&world, "dentist in Austin, TX").await.status(), 200);
}

#[tokio::test]
async fn a_timeout_holds_the_request_then_answers_504() {
    let world = start().await;
    plan(
        &world,
        FaultProvider::OpenAi,
        FaultPlan {
            timeout_rate: 1.0,
            hang: Duration::from_millis(300),
            ..FaultPlan::default()
        },
    );
    let started = Instant::now();
    let response = openai(&world, "/v1/chat/completions", chat_body(true)).await;
    assert_eq!(response.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(50))
        .build()
        .expect("a client");
    let error = impatient
        .post(url(&world, "/v1/chat/completions"))
        .bearer_auth(SAMPLE_KEY)
        .json(&chat_body(true))
        .send()
        .await
        .expect_err("the client gives up first");
    assert!(error.is_timeout(), "{error}");
    let first = &world.calls()[0];
    assert_eq!(
        (first.status, first.fault, first.drawn),
        (504, Some(FaultKind::Timeout), Duration::from_millis(300))
    );
    assert_eq!(
        world.requests(sample_world::endpoint::OPENAI_CHAT),
        2,
        "counted although the handler never ran"
    );
}

#[tokio::test]
async fn a_slow_drip_sends_the_whole_page_slowly() {
    let world = start().await;
    let page = site_url(&world, "zilkersmiles.com", "/about");
    let sites = site_client(&world);
    let whole = sites.get(&page).send().await.expect("answers");
    let whole = whole.text().await.expect("a body");
    plan(
        &world,
        FaultProvider::Sites,
        FaultPlan {
            slow_drip_rate: 1.0,
            drip_over: Duration::from_millis(300),
            ..FaultPlan::default()
        },
    );
    let started = Instant::now();
    let response = sites.get(&page).send().await.expect("headers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("the body"), whole);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let dripped = &world.calls()[1];
    assert_eq!(dripped.fault, Some(FaultKind::SlowDrip));
    assert_eq!(dripped.drawn, Duration::from_millis(300));
    assert!(dripped.ended - dripped.started >= Duration::from_millis(300));
}

#[tokio::test]
async fn refusals_have_the_real_openai_shapes() {
    let world = start().await;
    plan(
        &world,
        FaultProvider::OpenAi,
        FaultPlan {
            refusal_rate: 1.0,
            ..FaultPlan::default()
        },
    );
    let chat = json(openai(&world, "/v1/chat/completions", chat_body(true)).await).await;
    let message = &chat["choices"][0]["message"];
    assert_eq!(message["content"], Value::Null);
    assert!(
        message["refusal"]
            .as_str()
            .is_some_and(|r| r.contains("can't assist"))
    );
    assert_eq!(chat["choices"][0]["finish_reason"], "stop");
    let responses = json(openai(&world, "/v1/responses", responses_body()).await).await;
    let part = &responses["output"][0]["content"][0];
    assert_eq!(part["type"], "refusal");
    assert!(part["refusal"].as_str().is_some());
    assert_eq!(responses["status"], "completed");
    assert_eq!(
        world.faults.injected()[&(FaultProvider::OpenAi, FaultKind::Refusal)],
        2
    );
}

#[tokio::test]
async fn bad_json_breaks_structured_outputs_only() {
    let world = start().await;
    plan(
        &world,
        FaultProvider::OpenAi,
        FaultPlan {
            bad_json_rate: 1.0,
            ..FaultPlan::default()
        },
    );
    let chat = json(openai(&world, "/v1/chat/completions", chat_body(true)).await).await;
    let text = chat["choices"][0]["message"]["content"]
        .as_str()
        .expect("text");
    assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
    let responses = json(openai(&world, "/v1/responses", responses_body()).await).await;
    let text = responses["output"][0]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
    let plain = json(openai(&world, "/v1/chat/completions", chat_body(false)).await).await;
    assert!(plain["choices"][0]["message"]["content"].is_string());
    let faults: Vec<_> = world.calls().iter().map(|c| c.fault).collect();
    assert_eq!(
        faults,
        [Some(FaultKind::BadJson), Some(FaultKind::BadJson), None]
    );
}

#[tokio::test]
async fn changing_pages_differ_between_fetches_and_some_go_away() {
    let world = start().await;
    plan(
        &world,
        FaultProvider::Sites,
        FaultPlan {
            change_rate: 1.0,
            ..FaultPlan::default()
        },
    );
    let sites = site_client(&world);
    let (mut changed, mut gone) = (0, 0);
    let hosts: Vec<String> = world
        .world
        .businesses()
        .iter()
        .filter(|b| b.site.is_some() && b.duplicate_of.is_none())
        .filter_map(|b| b.website_host())
        .take(12)
        .collect();
    for host in &hosts {
        let page = site_url(&world, host, "/about");
        let first = sites.get(&page).send().await.expect("answers");
        if first.status() != 200 {
            continue;
        }
        let first = first.text().await.expect("a body");
        let second = sites.get(&page).send().await.expect("answers");
        match second.status().as_u16() {
            200 => {
                assert_ne!(second.text().await.expect("a body"), first);
                changed += 1;
            }
            404 | 410 => gone += 1,
            other => panic!("{host}: {other}"),
        }
    }
    assert!(changed > 0 && gone > 0, "changed {changed}, gone {gone}");
    let injected = world.faults.injected();
    assert_eq!(
        injected[&(FaultProvider::Sites, FaultKind::PageChanged)],
        changed
    );
    assert_eq!(injected[&(FaultProvider::Sites, FaultKind::PageGone)], gone);
    assert_eq!(injected, logged(&world.calls(), FaultProvider::Sites));
}

/// Statuses of the same 30 requests under a half-failing plan.
async fn statuses_under_plan(world: &RunningWorld) -> Vec<u16> {
    let plans: FaultPlans = "serper:error=0.5".parse().expect("a spec");
    world.faults.set_plans(plans);
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses.push(
            serper(world, &format!("plumber {i} in Austin, TX"))
                .await
                .status()
                .as_u16(),
        );
    }
    statuses
}

#[tokio::test]
async fn fault_decisions_repeat_run_after_run() {
    let (one, two) = (start().await, start().await);
    let a = statuses_under_plan(&one).await;
    assert_eq!(a, statuses_under_plan(&two).await);
    assert!(a.contains(&200) && a.contains(&500), "{a:?}");
}

#[tokio::test]
async fn site_errors_and_rate_limits_are_plain_pages() {
    let world = start().await;
    let sites = site_client(&world);
    let page = site_url(&world, "zilkersmiles.com", "/");
    plan(
        &world,
        FaultProvider::Sites,
        FaultPlan {
            error_rate: 1.0,
            ..FaultPlan::default()
        },
    );
    assert_eq!(
        sites.get(&page).send().await.expect("answers").status(),
        500
    );
    plan(
        &world,
        FaultProvider::Sites,
        FaultPlan {
            rate_limit: Some(RateLimitBurst {
                len: 1,
                period: 1,
                retry_after_secs: 3,
            }),
            ..FaultPlan::default()
        },
    );
    let limited = sites.get(&page).send().await.expect("answers");
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "3");
    assert_eq!(world.requests("site:zilkersmiles.com"), 2, "still counted");
}
