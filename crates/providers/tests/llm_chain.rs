//! The LLM chain end to end over real clients and mock servers: fallbacks, repairs, quota,
//! the paid-call switch, the rules and the usage rows every call leaves.
#![allow(clippy::unwrap_used, reason = "tests")]

mod llm_support;

use std::sync::Arc;

use llm_support::*;
use providers::ProviderError;
use providers::llm::{
    AttemptNote, AttemptOutcome, CallOptions, LlmChain, LlmError, LlmProvider, LlmRequest,
    RulesBook,
};
use providers::usage::{MemoryUsage, NoUsage};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const REFUSAL: &str = "I'm very sorry, but I can't assist with that.";

async fn serve(server: &MockServer, route: &str, answer: ResponseTemplate) {
    Mock::given(path(route))
        .respond_with(answer)
        .mount(server)
        .await;
}

fn outcomes(attempts: &[AttemptNote]) -> Vec<(&'static str, bool, AttemptOutcome)> {
    attempts
        .iter()
        .map(|a| (a.provider, a.repair, a.outcome.clone()))
        .collect()
}

fn sf() -> Location {
    Location {
        city: "San Francisco".into(),
        temperature: 65.0,
        units: Units::F,
    }
}

#[tokio::test]
async fn a_failing_then_refusing_chain_falls_through_to_the_provider_that_answers() {
    let (down, refusing, local) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    serve(&down, "/v1/responses", ResponseTemplate::new(500)).await;
    serve(
        &refusing,
        "/chat/completions",
        ok_json(recorded("structured_output_refusal")),
    )
    .await;
    serve(
        &local,
        "/v1/chat/completions",
        ok_json(recorded("structured_output_location")),
    )
    .await;
    let chain = LlmChain::new(
        vec![
            Arc::new(openai(&down)),
            Arc::new(deepseek(&refusing)),
            Arc::new(compatible(&local)),
        ],
        None,
    );
    let usage = MemoryUsage::new();
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &usage)
        .await
        .unwrap();

    assert_eq!(found.value, sf());
    assert_eq!(found.provider, "openai_compatible");
    let failed = ProviderError::Http {
        provider: "openai",
        status: 500,
    };
    assert_eq!(
        outcomes(&found.attempts),
        vec![
            ("openai", false, AttemptOutcome::Failed(failed)),
            ("deepseek", false, AttemptOutcome::Refused(REFUSAL.into())),
            ("deepseek", true, AttemptOutcome::Refused(REFUSAL.into())),
            ("openai_compatible", false, AttemptOutcome::Answered),
        ]
    );
    assert_eq!(
        down.received_requests().await.unwrap().len(),
        3,
        "1 + 2 retries"
    );

    let repair = &bodies(&refusing).await[1];
    let messages = repair["messages"].as_array().unwrap();
    assert_eq!(
        messages[messages.len() - 2],
        json!({"role": "assistant", "content": REFUSAL})
    );
    assert_eq!(messages[messages.len() - 1]["role"], "user");

    let rows = usage.records().await;
    let summary: Vec<(&str, &str, Option<u16>)> = rows
        .iter()
        .map(|r| (r.provider.as_str(), r.status.as_str(), r.http_status))
        .collect();
    assert_eq!(
        summary,
        [
            ("openai", "error", Some(500)),
            ("deepseek", "ok", Some(200)),
            ("deepseek", "ok", Some(200)),
            ("openai_compatible", "ok", Some(200)),
        ]
    );
    assert_eq!(rows[0].cost_usd, 0.0);
    let deepseek_cost = (79.0 * 0.28 + 12.0 * 0.42) / 1e6;
    assert!((rows[1].cost_usd - deepseek_cost).abs() < 1e-12);
    assert_eq!(
        (rows[3].tokens_in, rows[3].tokens_out, rows[3].cost_usd),
        (79, 14, 0.0)
    );
    assert!(rows.iter().all(|r| r.operation == "weather"));
}

#[tokio::test]
async fn insufficient_quota_moves_on_without_retrying() {
    let (broke, local) = (MockServer::start().await, MockServer::start().await);
    let quota = fixture_json("openai/errors_and_ratelimit_headers_real_world.json")["examples"][2]
        ["body"]
        .clone();
    Mock::given(path("/v1/responses"))
        .respond_with(ResponseTemplate::new(429).set_body_json(quota))
        .expect(1)
        .mount(&broke)
        .await;
    serve(
        &local,
        "/v1/chat/completions",
        ok_json(recorded("structured_output_location")),
    )
    .await;
    let chain = LlmChain::new(
        vec![Arc::new(openai(&broke)), Arc::new(compatible(&local))],
        None,
    );
    let usage = MemoryUsage::new();
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &usage)
        .await
        .unwrap();
    assert_eq!(found.provider, "openai_compatible");
    assert_eq!(
        found.attempts[0].outcome,
        AttemptOutcome::Failed(ProviderError::QuotaExceeded { provider: "openai" })
    );
    assert_eq!(usage.records().await[0].status, "quota_exceeded");
}

fn weather_rules() -> Arc<RulesBook> {
    Arc::new(RulesBook::new().on(
        "weather",
        |_: &LlmRequest| json!({"city": "Unknown", "temperature": 0.0, "units": "c"}),
    ))
}

#[tokio::test]
async fn without_paid_calls_paid_providers_are_skipped_and_the_rules_answer() {
    let (paid, deep) = (MockServer::start().await, MockServer::start().await);
    let chain = LlmChain::new(
        vec![Arc::new(openai(&paid)), Arc::new(deepseek(&deep))],
        Some(weather_rules()),
    );
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::free_only(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(found.provider, "rules");
    assert!(found.from_fallback());
    assert_eq!(found.value.city, "Unknown");
    assert_eq!(
        outcomes(&found.attempts),
        vec![
            ("openai", false, AttemptOutcome::SkippedPaid),
            ("deepseek", false, AttemptOutcome::SkippedPaid),
            ("rules", false, AttemptOutcome::Answered),
        ]
    );
    assert!(paid.received_requests().await.unwrap().is_empty());
    assert!(deep.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn without_paid_calls_a_free_local_server_still_answers() {
    let (paid, local) = (MockServer::start().await, MockServer::start().await);
    serve(
        &local,
        "/v1/chat/completions",
        ok_json(recorded("structured_output_location")),
    )
    .await;
    let chain = LlmChain::new(
        vec![Arc::new(openai(&paid)), Arc::new(compatible(&local))],
        Some(weather_rules()),
    );
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::free_only(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(found.provider, "openai_compatible");
}

#[tokio::test]
async fn a_truncated_answer_is_repaired_with_a_larger_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ok_json(recorded("structured_output_max_tokens_truncated")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    serve(
        &server,
        "/v1/chat/completions",
        ok_json(recorded("structured_output_location")),
    )
    .await;
    let chain = LlmChain::new(vec![Arc::new(compatible(&server))], None);
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(found.value, sf());
    assert_eq!(
        outcomes(&found.attempts),
        vec![
            ("openai_compatible", false, AttemptOutcome::Truncated),
            ("openai_compatible", true, AttemptOutcome::Answered),
        ]
    );
    let sent = bodies(&server).await;
    assert_eq!(sent[0]["max_tokens"], 200);
    assert_eq!(sent[1]["max_tokens"], 400);
    let messages = sent[1]["messages"].as_array().unwrap();
    assert_eq!(messages[messages.len() - 2]["content"], "{\"");
}

#[tokio::test]
async fn an_answer_that_breaks_the_schema_is_repaired_once_with_the_reason() {
    let server = MockServer::start().await;
    let wrong = r#"{"city":"San Francisco","temperature":"warm","units":"f"}"#;
    Mock::given(path("/v1/responses"))
        .respond_with(ok_json(responses_answer(wrong)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    serve(
        &server,
        "/v1/responses",
        ok_json(responses_answer(
            r#"{"city":"San Francisco","temperature":65,"units":"f"}"#,
        )),
    )
    .await;
    let chain = LlmChain::new(vec![Arc::new(openai(&server))], None);
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(found.value, sf());
    let AttemptOutcome::Invalid(reason) = &found.attempts[0].outcome else {
        panic!("{:?}", found.attempts)
    };
    assert!(reason.contains("at /temperature"), "{reason}");
    let correction = bodies(&server).await[1]["input"][2]["content"].clone();
    assert!(correction.as_str().unwrap().contains("at /temperature"));
}

#[tokio::test]
async fn with_nothing_configured_the_callers_rules_answer() {
    let chain = LlmChain::new(Vec::new(), None);
    let found = chain
        .generate_structured_or(&weather_request(), CallOptions::default(), &NoUsage, |_| {
            sf()
        })
        .await;
    assert_eq!((found.provider, found.value), ("rules", sf()));
    let err = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Exhausted { ref attempts, .. } if attempts.is_empty()));
}

#[tokio::test]
async fn a_rule_that_breaks_the_schema_is_reported_not_returned() {
    let bad = Arc::new(RulesBook::new().on("weather", |_: &LlmRequest| json!({"city": 1})));
    let chain = LlmChain::new(Vec::new(), Some(bad));
    let err = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::RulesMismatch { .. }), "{err}");
}

#[tokio::test]
async fn free_text_skips_filtered_answers_and_uses_text_rules_last() {
    let (filtered, good) = (MockServer::start().await, MockServer::start().await);
    serve(
        &filtered,
        "/v1beta/models/gemini-2.0-flash:generateContent",
        ok_json(gemini_fixture("unary-failure-finish-reason-safety.json")),
    )
    .await;
    serve(
        &good,
        "/v1/responses",
        ok_json(responses_answer("Sunny, 65°F.")),
    )
    .await;
    let chain = LlmChain::new(
        vec![Arc::new(gemini(&filtered)), Arc::new(openai(&good))],
        None,
    );
    let text = chain
        .generate_text(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(
        (text.provider, text.value.as_str()),
        ("openai", "Sunny, 65°F.")
    );
    assert_eq!(text.attempts[0].outcome, AttemptOutcome::ContentFiltered);
    let sent: Value = bodies(&good).await[0].clone();
    assert!(sent.get("text").is_none(), "no schema for free text");

    let rules = Arc::new(RulesBook::new().on("weather", |_: &LlmRequest| "No forecast."));
    let chain = LlmChain::new(vec![Arc::new(gemini(&filtered))], Some(rules));
    let text = chain
        .generate_text(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(
        (text.provider, text.value.as_str()),
        ("rules", "No forecast.")
    );
}

#[test]
fn chain_calls_can_be_spawned_on_a_multi_threaded_runtime() {
    fn assert_send<T: Send>(_: &T) {}
    let chain = LlmChain::new(Vec::new(), None);
    let req = weather_request();
    let structured = chain.generate_structured::<Location>(&req, CallOptions::default(), &NoUsage);
    assert_send(&structured);
    assert_send(&chain.generate_text(&req, CallOptions::default(), &NoUsage));
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<LlmChain>();
}

#[test]
fn the_chain_lists_its_providers_in_order() {
    let server_url = url::Url::parse("http://127.0.0.1:9").unwrap();
    let local = providers::llm::chat::ChatCompletions::new(
        providers::llm::chat::ChatConfig::openai_compatible(server_url, "llama3.1"),
        fast_http(),
        unlimited(),
        providers::usage::PriceTable::default(),
    );
    assert!(!local.is_paid());
    let chain = LlmChain::new(vec![Arc::new(local)], Some(weather_rules()));
    assert_eq!(chain.provider_names(), ["openai_compatible"]);
    assert!(format!("{chain:?}").contains("rules: true"));
}
