//! Every request body the OpenAI clients send, captured from the mock server and validated
//! against OpenAI's official OpenAPI spec (`CreateResponse`, `CreateChatCompletionRequest`,
//! `CreateEmbeddingRequest`) — and proof that the validators do reject wrong bodies.
#![allow(clippy::unwrap_used, reason = "tests")]

mod llm_support;

use llm_support::*;
use providers::embeddings::Embedder;
use providers::llm::chat::{ChatCompletions, ChatConfig, JsonMode, MaxTokensField};
use providers::llm::{
    CallOptions, ChatMessage, LlmChain, LlmProvider, ModelTier, RateLimit, RateLimiter,
    strict_schema,
};
use providers::usage::{NoUsage, PriceTable};
use serde_json::{Value, json};
use std::sync::Arc;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer};

const LOCATION: &str = r#"{"city":"San Francisco","temperature":65,"units":"f"}"#;

fn responses_validator() -> jsonschema::Validator {
    spec_validator("subset_responses.json", "CreateResponse")
}

fn chat_validator() -> jsonschema::Validator {
    spec_validator(
        "subset_chat_completions.json",
        "CreateChatCompletionRequest",
    )
}

fn embeddings_validator() -> jsonschema::Validator {
    spec_validator("subset_embeddings.json", "CreateEmbeddingRequest")
}

/// Requests of every shape a client sends: bare, with system and schema, a thread with an
/// assistant turn, a tiny token limit, each tier.
fn request_variants() -> Vec<providers::llm::LlmRequest> {
    let mut thread = weather_request().with_tier(ModelTier::Light);
    thread.messages.insert(0, ChatMessage::user("Hi"));
    thread
        .messages
        .insert(1, ChatMessage::assistant("Hello! Ask away."));
    let mut structured = weather_request().with_tier(ModelTier::UltraLight);
    structured.schema = Some(providers::llm::OutputSchema {
        name: "Location".into(),
        schema: strict_schema::<Location>(),
    });
    vec![
        providers::llm::LlmRequest::new("plain", "Say hi"),
        weather_request(),
        thread,
        structured,
        weather_request().with_max_output_tokens(1),
    ]
}

#[tokio::test]
async fn responses_api_bodies_conform_to_create_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/responses"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ok_json(responses_answer(LOCATION)))
        .mount(&server)
        .await;
    let client = openai(&server);
    for req in request_variants() {
        client.generate(&req, &NoUsage).await.unwrap();
    }
    // A repair round trip adds the bad answer and a correction to the input.
    let chain = LlmChain::new(vec![Arc::new(client)], None);
    server.reset().await;
    Mock::given(path("/v1/responses"))
        .respond_with(ok_json(responses_answer("{\"city\": 3}")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/responses"))
        .respond_with(ok_json(responses_answer(LOCATION)))
        .mount(&server)
        .await;
    let found = chain
        .generate_structured::<Location>(&weather_request(), CallOptions::default(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(found.attempts.len(), 2);

    let validator = responses_validator();
    let sent = bodies(&server).await;
    for body in &sent {
        assert_conforms(&validator, body);
    }
    let repair = &sent[1];
    assert_eq!(repair["input"].as_array().unwrap().len(), 3);
    assert_eq!(repair["input"][1]["role"], "assistant");
    assert_eq!(repair["text"]["format"]["type"], "json_schema");
    assert_eq!(repair["text"]["format"]["strict"], true);
    assert_eq!(repair["text"]["format"]["name"], "Location");
    assert_eq!(repair["instructions"], "Answer as JSON.");
    assert_eq!(repair["store"], false);
    assert_eq!(repair["model"], "gpt-5");
}

#[tokio::test]
async fn the_responses_token_limit_respects_the_spec_minimum() {
    let server = MockServer::start().await;
    let body = openai(&server).request_body(&weather_request().with_max_output_tokens(1));
    assert_eq!(body["max_output_tokens"], 16);
    assert_conforms(&responses_validator(), &body);
    let mut below = body;
    below["max_output_tokens"] = json!(1);
    assert!(!violations(&responses_validator(), &below).is_empty());
}

/// Every body `client` sends for [`request_variants`].
async fn capture_chat(client: ChatCompletions, server: &MockServer) -> Vec<Value> {
    Mock::given(method("POST"))
        .and(path_regex(r"^(/v1)?/chat/completions$"))
        .respond_with(ok_json(recorded("structured_output_location")))
        .mount(server)
        .await;
    for req in request_variants() {
        client.generate(&req, &NoUsage).await.unwrap();
    }
    bodies(server).await
}

#[tokio::test]
async fn chat_completion_bodies_conform_in_every_mode() {
    let validator = chat_validator();
    for mode in [JsonMode::JsonSchema, JsonMode::JsonObject] {
        let server = MockServer::start().await;
        for body in capture_chat(hosted_chat(&server, mode), &server).await {
            assert_conforms(&validator, &body);
        }
    }
    let server = MockServer::start().await;
    let url = url::Url::parse(&format!("{}/v1", server.uri())).unwrap();
    let config = ChatConfig {
        max_tokens_field: MaxTokensField::MaxCompletionTokens,
        ..ChatConfig::openai_compatible(url, "gpt-5-mini")
    };
    let limiter = RateLimiter::shared(RateLimit::unlimited());
    let client = ChatCompletions::new(config, fast_http(), limiter, PriceTable::default());
    let sent = capture_chat(client, &server).await;
    for body in &sent {
        assert_conforms(&validator, body);
    }
    assert_eq!(sent[1]["max_completion_tokens"], 200);
    assert!(sent[1].get("max_tokens").is_none());
}

#[tokio::test]
async fn json_schema_mode_sends_the_strict_schema_and_json_object_mode_prompts_it() {
    let server = MockServer::start().await;
    let schema_mode = capture_chat(hosted_chat(&server, JsonMode::JsonSchema), &server).await;
    let structured = &schema_mode[3];
    assert_eq!(structured["response_format"]["type"], "json_schema");
    assert_eq!(
        structured["response_format"]["json_schema"]["schema"],
        strict_schema::<Location>()
    );
    assert_eq!(structured["response_format"]["json_schema"]["strict"], true);
    assert_eq!(structured["messages"][0]["role"], "system");
    assert_eq!(structured["max_tokens"], 200);

    let server = MockServer::start().await;
    let object_mode = capture_chat(deepseek(&server), &server).await;
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(paths.iter().all(|p| p == "/chat/completions"), "{paths:?}");
    let structured = &object_mode[3];
    assert_eq!(
        structured["response_format"],
        json!({"type": "json_object"})
    );
    assert_eq!(structured["model"], "deepseek-chat");
    let system = structured["messages"][0]["content"].as_str().unwrap();
    assert!(system.starts_with("Answer as JSON.\n\nAnswer in json: one JSON object"));
    assert!(system.contains("\"additionalProperties\":false"));
}

#[tokio::test]
async fn embedding_bodies_conform_to_create_embedding_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .respond_with(ok_json(json!({
            "object": "list", "model": "text-embedding-3-small",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
            "usage": {"prompt_tokens": 3, "total_tokens": 3}
        })))
        .mount(&server)
        .await;
    embedder(&server)
        .embed(&["Dentist clinic owner".to_owned()], &NoUsage)
        .await
        .unwrap();
    let validator = embeddings_validator();
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 1);
    assert_conforms(&validator, &sent[0]);
    assert_eq!(sent[0]["encoding_format"], "float");
}

#[test]
fn the_validators_reject_bodies_that_break_the_spec() {
    let responses = responses_validator();
    let good = json!({"model": "gpt-5", "input": [{"role": "user", "content": "hi"}]});
    assert_conforms(&responses, &good);
    for bad in [
        json!({"model": "gpt-5", "input": [{"role": "robot", "content": "hi"}]}),
        json!({"model": "gpt-5", "input": "hi", "max_output_tokens": "many"}),
        json!({"model": "gpt-5", "input": "hi",
               "text": {"format": {"type": "json_schema", "schema": {"type": "object"}}}}),
        json!({"model": "gpt-5", "input": "hi", "instructions": 7}),
        json!({"model": "gpt-5", "input": "hi", "text": {"format": {"type": "json_schema",
               "name": "x", "schema": {"type": "object"}, "strict": "yes"}}}),
    ] {
        assert!(!violations(&responses, &bad).is_empty(), "accepted {bad}");
    }

    let chat = chat_validator();
    assert_conforms(
        &chat,
        &json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
    );
    for bad in [
        json!({"model": "m"}),
        json!({"model": "m", "messages": []}),
        json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
               "response_format": {"type": "json_schema"}}),
        json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": "x"}),
        json!({"model": "m", "messages": [{"role": "wizard", "content": "hi"}]}),
        json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
               "response_format": {"type": "json_schema",
                                   "json_schema": {"name": "x", "strict": "yes"}}}),
    ] {
        assert!(!violations(&chat, &bad).is_empty(), "accepted {bad}");
    }

    let embeddings = embeddings_validator();
    assert_conforms(&embeddings, &json!({"model": "m", "input": ["a", "b"]}));
    for bad in [
        json!({"model": "m", "input": []}),
        json!({"model": "m", "input": ["a"], "encoding_format": "hex"}),
        json!({"model": "m", "input": ["a"], "surprise": true}),
        json!({"input": ["a"]}),
    ] {
        assert!(!violations(&embeddings, &bad).is_empty(), "accepted {bad}");
    }
}
