//! Helpers for the LLM stories: fixtures, clients pointed at a mock server, and validators
//! built from OpenAI's official OpenAPI spec.
#![allow(dead_code, reason = "each test file uses a subset")]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;
use std::time::Duration;

use domain::Secret;
use providers::embeddings::{OpenAiEmbedder, OpenAiEmbeddingsConfig};
use providers::http::{HttpClient, HttpConfig, RetryPolicy};
use providers::llm::chat::{ChatCompletions, ChatConfig, JsonMode};
use providers::llm::gemini::{Gemini, GeminiConfig};
use providers::llm::openai::{OpenAiConfig, OpenAiResponses};
use providers::llm::{LlmRequest, RateLimit, RateLimiter};
use providers::usage::PriceTable;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;
use wiremock::{MockServer, ResponseTemplate};

/// The key every story uses; asserting it never leaks means searching for it.
pub const KEY: &str = "sk-test-5b2e91";

/// The pydantic `Location` of openai-python's recorded structured-output tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    pub city: String,
    pub temperature: f64,
    pub units: Units,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    C,
    F,
}

/// A shared fixture file, as text.
pub fn fixture(relative: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A shared fixture file, parsed.
pub fn fixture_json(relative: &str) -> Value {
    serde_json::from_str(&fixture(relative)).unwrap()
}

/// Every file name in a fixture directory, sorted.
pub fn fixture_dir(relative: &str) -> Vec<String> {
    let path = format!(
        "{}/../../../shared/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut names: Vec<String> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The live API's answer recorded in `openai/recorded_responses/{name}.json`.
pub fn recorded(name: &str) -> Value {
    fixture_json(&format!("openai/recorded_responses/{name}.json"))["response"].clone()
}

/// A Gemini mock response.
pub fn gemini_fixture(name: &str) -> Value {
    fixture_json(&format!("gemini/mock-responses/googleai/{name}"))
}

/// A 200 with a JSON body.
pub fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A Responses API answer in the spec's shape (from the spec's own example), with `text` as
/// its only output.
pub fn responses_answer(text: &str) -> Value {
    let mut answer: Value = serde_json::from_str(&fixture(
        "openai/examples/responses__00_text_input.response.txt",
    ))
    .unwrap();
    answer["output"][0]["content"][0]["text"] = json!(text);
    answer
}

/// An HTTP client that retries quickly, so stories stay fast.
pub fn fast_http() -> HttpClient {
    HttpClient::new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
        },
    })
    .unwrap()
}

pub fn unlimited() -> Arc<RateLimiter> {
    RateLimiter::shared(RateLimit::unlimited())
}

pub fn base(server: &MockServer) -> Url {
    Url::parse(&server.uri()).unwrap()
}

pub fn openai(server: &MockServer) -> OpenAiResponses {
    let config = OpenAiConfig {
        base_url: base(server),
        ..OpenAiConfig::new(Secret::new(KEY))
    };
    OpenAiResponses::new(config, fast_http(), unlimited(), PriceTable::default())
}

/// An OpenAI-compatible server at `{mock}/v1` with model `llama3.1`.
pub fn compatible(server: &MockServer) -> ChatCompletions {
    let url = Url::parse(&format!("{}/v1", server.uri())).unwrap();
    let config = ChatConfig::openai_compatible(url, "llama3.1");
    ChatCompletions::new(config, fast_http(), unlimited(), PriceTable::default())
}

/// DeepSeek pointed at the mock server.
pub fn deepseek(server: &MockServer) -> ChatCompletions {
    let config = ChatConfig {
        base_url: base(server),
        ..ChatConfig::deepseek(Secret::new(KEY))
    };
    ChatCompletions::new(config, fast_http(), unlimited(), PriceTable::default())
}

/// A paid, JSON-schema compatible server named `hosted` (e.g. OpenAI's own chat endpoint).
pub fn hosted_chat(server: &MockServer, mode: JsonMode) -> ChatCompletions {
    let url = Url::parse(&format!("{}/v1", server.uri())).unwrap();
    let config = ChatConfig {
        name: "hosted",
        api_key: Some(Secret::new(KEY)),
        json_mode: mode,
        paid: true,
        ..ChatConfig::openai_compatible(url, "gpt-4o-2024-08-06")
    };
    ChatCompletions::new(config, fast_http(), unlimited(), PriceTable::default())
}

pub fn gemini(server: &MockServer) -> Gemini {
    let config = GeminiConfig {
        base_url: base(server),
        ..GeminiConfig::new(Secret::new(KEY))
    };
    Gemini::new(config, fast_http(), unlimited(), PriceTable::default())
}

pub fn embedder(server: &MockServer) -> OpenAiEmbedder {
    let config = OpenAiEmbeddingsConfig {
        base_url: Url::parse(&format!("{}/v1", server.uri())).unwrap(),
        ..OpenAiEmbeddingsConfig::new(Secret::new(KEY))
    };
    OpenAiEmbedder::new(config, fast_http(), unlimited(), PriceTable::default())
}

/// The weather question of the recorded tests.
pub fn weather_request() -> LlmRequest {
    LlmRequest::new("weather", "What's the weather like in SF?")
        .with_system("Answer as JSON.")
        .with_max_output_tokens(200)
}

/// A validator for `component` of the spec subset `file`, resolving `#/components/...`
/// references within the same document. OpenAPI 3.1 schemas are JSON Schema 2020-12,
/// except that some keep 3.0's `nullable: true`: that is rewritten to a null-admitting type.
pub fn spec_validator(file: &str, component: &str) -> jsonschema::Validator {
    let mut spec = fixture_json(&format!("openai/{file}"));
    rewrite_nullable(&mut spec);
    assert!(
        spec["components"]["schemas"].get(component).is_some(),
        "{component} not in {file}"
    );
    let root = json!({
        "$ref": format!("#/components/schemas/{component}"),
        "components": spec["components"],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("{file}#{component} does not compile: {e}"))
}

fn rewrite_nullable(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true)) {
                match map.get_mut("type") {
                    Some(Value::String(t)) => {
                        let t = t.clone();
                        map.insert("type".into(), json!([t, "null"]));
                    }
                    Some(Value::Array(types)) if !types.contains(&json!("null")) => {
                        types.push(json!("null"));
                    }
                    _ => {}
                }
                if let Some(Value::Array(values)) = map.get_mut("enum")
                    && !values.contains(&Value::Null)
                {
                    values.push(Value::Null);
                }
            }
            map.values_mut().for_each(rewrite_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

/// Why `body` does not conform, or an empty list.
pub fn violations(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fails the test, listing the violations, unless `body` conforms.
pub fn assert_conforms(validator: &jsonschema::Validator, body: &Value) {
    let errors = violations(validator, body);
    assert!(
        errors.is_empty(),
        "body does not conform to the spec:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// The JSON bodies the server received, in order.
pub async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}
