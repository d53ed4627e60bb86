//! The clients against answers recorded from the live OpenAI API (openai-python's test
//! snapshots) and the spec's own Responses examples: text, structured output, enums, n=3,
//! truncation, refusal and a tool call.
#![allow(clippy::unwrap_used, reason = "tests")]

mod llm_support;

use std::sync::Arc;

use llm_support::*;
use providers::llm::chat::JsonMode;
use providers::llm::{CallOptions, FinishReason, LlmChain, LlmProvider, LlmResponse};
use providers::usage::{MemoryUsage, NoUsage};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

/// What each recorded answer must turn into: finish, text, tokens in / out.
fn expectation(name: &str) -> (FinishReason, &'static str, u64, u64) {
    match name {
        "strict_function_tool_call.json" => (FinishReason::Other("tool_calls".into()), "", 48, 19),
        "structured_output_dataclass_calendar_event.json" => (
            FinishReason::Stop,
            r#"{"name":"Science Fair","date":"Friday","participants":["Alice","Bob"]}"#,
            92,
            17,
        ),
        "structured_output_enum.json" => (
            FinishReason::Stop,
            r##"{"color":"red","hex_color_code":"#FF0000"}"##,
            109,
            14,
        ),
        "structured_output_location.json" => (
            FinishReason::Stop,
            r#"{"city":"San Francisco","temperature":65,"units":"f"}"#,
            79,
            14,
        ),
        "structured_output_max_tokens_truncated.json" => (FinishReason::Length, "{\"", 79, 1),
        "structured_output_multiple_choices_n3.json" => (
            FinishReason::Stop,
            r#"{"city":"San Francisco","temperature":64,"units":"f"}"#,
            79,
            44,
        ),
        "structured_output_refusal.json" => (
            FinishReason::Refusal("I'm very sorry, but I can't assist with that.".into()),
            "",
            79,
            12,
        ),
        other => panic!("no expectation for {other}"),
    }
}

async fn chat_answer(response: Value) -> LlmResponse {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ok_json(response))
        .mount(&server)
        .await;
    hosted_chat(&server, JsonMode::JsonSchema)
        .generate(&weather_request(), &NoUsage)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_recorded_chat_completion_is_read_as_the_api_sent_it() {
    let names = fixture_dir("openai/recorded_responses");
    assert_eq!(names.len(), 7);
    for name in names {
        let (finish, text, tokens_in, tokens_out) = expectation(&name);
        let answer = chat_answer(recorded(name.trim_end_matches(".json"))).await;
        assert_eq!(answer.finish, finish, "{name}");
        assert_eq!(answer.text, text, "{name}");
        assert_eq!(
            (answer.tokens_in, answer.tokens_out),
            (tokens_in, tokens_out),
            "{name}"
        );
        assert_eq!(answer.model, "gpt-4o-2024-08-06");
    }
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct CalendarEvent {
    name: String,
    date: String,
    participants: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct ColorDetection {
    color: Color,
    hex_color_code: String,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Blue,
    Green,
}

async fn chain_over(answer: Value) -> (LlmChain, MockServer) {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ok_json(answer))
        .mount(&server)
        .await;
    let chain = LlmChain::new(
        vec![Arc::new(hosted_chat(&server, JsonMode::JsonSchema))],
        None,
    );
    (chain, server)
}

#[tokio::test]
async fn recorded_structured_outputs_decode_into_their_types() {
    let (chain, _s) = chain_over(recorded("structured_output_dataclass_calendar_event")).await;
    let event = chain
        .generate_structured::<CalendarEvent>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(event.value.participants, ["Alice", "Bob"]);

    let (chain, _s) = chain_over(recorded("structured_output_enum")).await;
    let color = chain
        .generate_structured::<ColorDetection>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(color.value.color, Color::Red);

    let (chain, _s) = chain_over(recorded("structured_output_multiple_choices_n3")).await;
    let usage = MemoryUsage::new();
    let first = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &usage)
        .await
        .unwrap();
    assert_eq!(first.value.temperature, 64.0);
    assert_eq!(first.provider, "hosted");
    assert_eq!(first.model, "gpt-4o-2024-08-06");
    let rows = usage.records().await;
    assert_eq!(rows[0].operation, "weather");
    assert_eq!(rows[0].model.as_deref(), Some("gpt-4o-2024-08-06"));
    let expected = (79.0 * 2.50 + 44.0 * 10.0) / 1e6;
    assert!(
        (rows[0].cost_usd - expected).abs() < 1e-12,
        "{}",
        rows[0].cost_usd
    );
}

#[tokio::test]
async fn a_tool_call_without_content_is_not_mistaken_for_an_answer() {
    let (chain, server) = chain_over(recorded("strict_function_tool_call")).await;
    let err = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap_err();
    let providers::llm::LlmError::Exhausted { attempts, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(attempts.len(), 2, "one attempt and one repair");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_specs_responses_examples_are_read() {
    for (example, tokens, text) in [
        ("responses__00_text_input", (36, 87), "In a peaceful grove"),
        (
            "responses__07_reasoning",
            (81, 1035),
            "The classic tongue twister",
        ),
    ] {
        let body: Value =
            serde_json::from_str(&fixture(&format!("openai/examples/{example}.response.txt")))
                .unwrap();
        let answer = providers::llm::openai::parse_response(body.to_string().as_bytes()).unwrap();
        assert_eq!(answer.finish, FinishReason::Stop);
        assert!(answer.text.starts_with(text));
        assert_eq!((answer.tokens_in, answer.tokens_out), tokens);
    }
}

#[tokio::test]
async fn responses_truncation_refusal_and_failure_are_told_apart() {
    let mut incomplete = responses_answer("{\"city\":");
    incomplete["status"] = json!("incomplete");
    incomplete["incomplete_details"] = json!({"reason": "max_output_tokens"});
    let answer = providers::llm::openai::parse_response(incomplete.to_string().as_bytes()).unwrap();
    assert_eq!(answer.finish, FinishReason::Length);

    let mut refused = responses_answer("");
    refused["output"][0]["content"] =
        json!([{"type": "refusal", "refusal": "I'm very sorry, but I can't assist with that."}]);
    let answer = providers::llm::openai::parse_response(refused.to_string().as_bytes()).unwrap();
    assert_eq!(
        answer.finish,
        FinishReason::Refusal("I'm very sorry, but I can't assist with that.".into())
    );

    let mut failed = responses_answer("");
    failed["status"] = json!("failed");
    failed["error"] = json!({"code": "server_error", "message": "The model failed."});
    let err = providers::llm::openai::parse_response(failed.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        err,
        providers::ProviderError::Upstream {
            provider: "openai",
            status: "server_error".into(),
            message: "The model failed.".into()
        }
    );
}
