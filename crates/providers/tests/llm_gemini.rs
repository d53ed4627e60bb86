//! Gemini `generateContent` against the recorded mock responses of Firebase's SDK test data:
//! replies, usage, thinking, SAFETY, blocked prompts and Google RPC errors.
#![allow(clippy::unwrap_used, reason = "tests")]

mod llm_support;

use std::sync::Arc;

use llm_support::*;
use providers::ProviderError;
use providers::llm::{CallOptions, FinishReason, LlmChain, LlmProvider, LlmResponse};
use providers::usage::{MemoryUsage, NoUsage};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GENERATE: &str = "/v1beta/models/gemini-2.0-flash:generateContent";

/// Serves `body` with `status` and makes one call.
async fn answer_with(status: u16, body: Value) -> Result<LlmResponse, ProviderError> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .and(header("x-goog-api-key", KEY))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    gemini(&server).generate(&weather_request(), &NoUsage).await
}

/// What each unary fixture must turn into.
fn expectation(name: &str) -> Result<(FinishReason, &'static str), ProviderError> {
    let provider = "gemini";
    Ok(match name {
        "unary-failure-api-key.json" | "unary-failure-generativelanguage-api-not-enabled.json" => {
            return Err(ProviderError::Unauthorized { provider });
        }
        "unary-failure-unknown-model.json" => {
            return Err(ProviderError::Upstream {
                provider,
                status: "NOT_FOUND".into(),
                message: "models/gemini-5.0-flash is not found for API version v1, or is not \
                          supported for generateContent. Call ListModels to see the list of \
                          available models and their supported methods."
                    .into(),
            });
        }
        "unary-failure-finish-reason-safety.json" => (FinishReason::ContentFilter, "Safety error"),
        "unary-failure-only-prompt-feedback.json" => (FinishReason::ContentFilter, ""),
        "unary-failure-with-message-no-content.json" => (FinishReason::Other("OTHER".into()), ""),
        "unary-success-basic-reply-short.json" => (FinishReason::Stop, "Mountain View"),
        "unary-success-thinking-reply-thought-summary.json" => {
            (FinishReason::Stop, "Mountain View")
        }
        // Only a thought and a function call: no answer text.
        "unary-success-thinking-function-call-thought-summary-signature.json" => {
            (FinishReason::Stop, "")
        }
        other if other.starts_with("unary-success-") => (FinishReason::Stop, " "),
        other => panic!("no expectation for {other}"),
    })
}

#[tokio::test]
async fn every_unary_fixture_is_read_as_google_sent_it() {
    let names: Vec<String> = fixture_dir("gemini/mock-responses/googleai")
        .into_iter()
        .filter(|n| n.starts_with("unary-") && n.ends_with(".json"))
        .collect();
    assert_eq!(names.len(), 17);
    for name in names {
        let body = gemini_fixture(&name);
        let status = body["error"]["code"].as_u64().map_or(200, |c| c as u16);
        let got = answer_with(status, body).await;
        match (expectation(&name), got) {
            (Err(want), Err(got)) => assert_eq!(got, want, "{name}"),
            (Ok((finish, text)), Ok(answer)) => {
                assert_eq!(answer.finish, finish, "{name}");
                assert!(answer.text.contains(text), "{name}: {:?}", answer.text);
                if text.is_empty() {
                    assert_eq!(answer.text, "", "{name}");
                }
            }
            (want, got) => panic!("{name}: wanted {want:?}, got {got:?}"),
        }
    }
}

#[tokio::test]
async fn the_text_variants_of_error_fixtures_are_read_too() {
    for (name, status) in [
        ("unary-failure-api-key.txt", 400),
        ("unary-failure-unknown-model.txt", 404),
    ] {
        let body: Value =
            serde_json::from_str(&fixture(&format!("gemini/mock-responses/googleai/{name}")))
                .unwrap();
        let err = answer_with(status, body).await.unwrap_err();
        assert!(!err.is_retryable(), "{name}: {err}");
        assert!(!err.to_string().contains(KEY));
    }
}

#[tokio::test]
async fn usage_counts_prompt_candidates_and_thinking_tokens() {
    let short = answer_with(200, gemini_fixture("unary-success-basic-reply-short.json"))
        .await
        .unwrap();
    assert_eq!((short.tokens_in, short.tokens_out), (7, 22));
    assert_eq!(short.model, "gemini-2.0-flash");
    let thinking = answer_with(
        200,
        gemini_fixture("unary-success-thinking-reply-thought-summary.json"),
    )
    .await
    .unwrap();
    assert_eq!(thinking.text, "Mountain View");
    assert_eq!((thinking.tokens_in, thinking.tokens_out), (14, 2 + 24));
}

#[tokio::test]
async fn a_blocked_prompt_is_a_content_filter_answer() {
    let stream =
        fixture("gemini/mock-responses/googleai/streaming-failure-prompt-blocked-safety.txt");
    let event = stream.trim().strip_prefix("data: ").unwrap();
    let answer = answer_with(200, serde_json::from_str(event).unwrap())
        .await
        .unwrap();
    assert_eq!(answer.finish, FinishReason::ContentFilter);
    assert_eq!(answer.text, "");
}

#[tokio::test]
async fn structured_requests_send_an_openapi_schema_and_decode_the_answer() {
    let server = MockServer::start().await;
    let mut reply = gemini_fixture("unary-success-basic-reply-short.json");
    reply["candidates"][0]["content"]["parts"][0]["text"] =
        json!("{\"city\": \"San Francisco\", \"temperature\": 18.5, \"units\": \"c\"}");
    Mock::given(path(GENERATE))
        .respond_with(ok_json(reply))
        .mount(&server)
        .await;
    let chain = LlmChain::new(vec![Arc::new(gemini(&server))], None);
    let usage = MemoryUsage::new();
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &usage)
        .await
        .unwrap();
    assert_eq!(found.value.units, Units::C);
    assert_eq!(found.provider, "gemini");

    let sent = &bodies(&server).await[0];
    assert_eq!(
        sent["contents"],
        json!([{"role": "user", "parts": [{"text": "What's the weather like in SF?"}]}])
    );
    assert_eq!(
        sent["systemInstruction"]["parts"][0]["text"],
        "Answer as JSON."
    );
    let config = &sent["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(config["maxOutputTokens"], 200);
    let schema = &config["responseSchema"];
    assert_eq!(schema["type"], "OBJECT");
    assert_eq!(
        schema["propertyOrdering"],
        json!(["city", "temperature", "units"])
    );
    assert_eq!(
        schema["properties"]["units"],
        json!({"type": "STRING", "enum": ["c", "f"]})
    );
    assert_only_openapi_schema_keys(schema);

    let rows = usage.records().await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].tokens_in, rows[0].tokens_out), (7, 22));
    let expected = (7.0 * 0.10 + 22.0 * 0.40) / 1e6;
    assert!((rows[0].cost_usd - expected).abs() < 1e-12);
}

/// Gemini's `Schema` object knows only these fields (its API reference; the SDK's
/// `open-api-schema.json` fixture uses a subset of them).
fn assert_only_openapi_schema_keys(schema: &Value) {
    const FIELDS: [&str; 12] = [
        "type",
        "format",
        "description",
        "nullable",
        "enum",
        "properties",
        "required",
        "items",
        "anyOf",
        "propertyOrdering",
        "minItems",
        "maxItems",
    ];
    let Some(map) = schema.as_object() else {
        return;
    };
    for (key, value) in map {
        assert!(FIELDS.contains(&key.as_str()), "unsupported key {key}");
        match key.as_str() {
            "properties" => value
                .as_object()
                .unwrap()
                .values()
                .for_each(assert_only_openapi_schema_keys),
            "items" => assert_only_openapi_schema_keys(value),
            "anyOf" => value
                .as_array()
                .unwrap()
                .iter()
                .for_each(assert_only_openapi_schema_keys),
            _ => {}
        }
    }
    let sample = fixture_json("gemini/mock-responses/schema/open-api-schema.json");
    assert_eq!(
        sample["type"], "OBJECT",
        "the SDK sample uses upper-case types too"
    );
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_rpc_retry_delay_but_daily_quotas_are_final() {
    let server = MockServer::start().await;
    // Google's documented RESOURCE_EXHAUSTED shape (no recorded 429 in the fixture set).
    let per_minute = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
        "message": "You exceeded your current quota.",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.02s"}]}});
    Mock::given(path(GENERATE))
        .respond_with(ResponseTemplate::new(429).set_body_json(per_minute))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(GENERATE))
        .respond_with(ok_json(gemini_fixture(
            "unary-success-basic-reply-short.json",
        )))
        .mount(&server)
        .await;
    let answer = gemini(&server)
        .generate(&weather_request(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(
        answer.retry_delays,
        vec![std::time::Duration::from_millis(20)]
    );

    let daily = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota",
        "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]}});
    let server = MockServer::start().await;
    Mock::given(path(GENERATE))
        .respond_with(ResponseTemplate::new(429).set_body_json(daily))
        .expect(1)
        .mount(&server)
        .await;
    let err = gemini(&server)
        .generate(&weather_request(), &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::QuotaExceeded { provider: "gemini" });
}
