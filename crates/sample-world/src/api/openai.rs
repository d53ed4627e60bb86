//! An OpenAI-compatible API: `POST /v1/responses`, `/v1/chat/completions` and `/v1/embeddings`,
//! in the real request and response shapes (and error bodies), answered by
//! [`crate::llm_fill`]: structured outputs that validate against the request's JSON schema.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::SAMPLE_KEY;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::llm_fill::{PromptMaterial, embedding, instance, tokens};
use crate::server::AppState;
use crate::stats::endpoint;

fn error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    json_response(
        status,
        &json!({ "error": { "message": message, "type": kind, "param": null, "code": code } }),
    )
}

/// Applies the configured fault and checks the bearer key; `Some` is the answer to send.
fn gate(state: &AppState, headers: &HeaderMap, provider: FaultProvider) -> Option<Response> {
    match state.faults.for_request(provider) {
        Fault::ServerError => {
            return Some(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server had an error while processing your request.",
                "server_error",
                "server_error",
            ));
        }
        Fault::RateLimited { retry_after_secs } => {
            let r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit reached for requests. Please try again in 644ms.",
                "requests",
                "rate_limit_exceeded",
            );
            return Some(with_retry_after(r, retry_after_secs));
        }
        Fault::Malformed => {
            return Some(malformed(
                r#"{"id":"resp_1","object":"response","output":[{"#,
            ));
        }
        Fault::Unauthorized => {
            return Some(error(
                StatusCode::UNAUTHORIZED,
                "Incorrect API key provided.",
                "invalid_request_error",
                "invalid_api_key",
            ));
        }
        _ => {}
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth.strip_prefix("Bearer ") != Some(SAMPLE_KEY) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            "invalid_request_error",
            "invalid_api_key",
        ));
    }
    None
}

fn parse(body: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        let message = format!("We could not parse the JSON body of your request: {e}");
        Box::new(error(
            StatusCode::BAD_REQUEST,
            &message,
            "invalid_request_error",
            "invalid_json",
        ))
    })
}

/// The texts of a message list (`content` as a string or as typed parts): with `users_only`,
/// those of user messages alone (a message without a role counts as the user's).
fn texts(messages: &Value, users_only: bool) -> String {
    let mut out = String::new();
    let mut push = |v: &Value| {
        if let Some(s) = v.as_str() {
            out.push_str(s);
            out.push('\n');
        }
    };
    match messages {
        Value::String(s) => push(&Value::String(s.clone())),
        Value::Array(items) => {
            for m in items {
                let role = m.get("role").and_then(Value::as_str).unwrap_or("user");
                if users_only && role != "user" {
                    continue;
                }
                match m.get("content") {
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .for_each(|p| push(p.get("text").unwrap_or(&Value::Null))),
                    Some(c) => push(c),
                    None => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// The answer to a request whose user messages say `material`: an instance of `schema` made
/// from them alone, since the system prompt says how to write, not what about (taking
/// material from it gave persona names such as "You are a B2B marketing strategist"); without
/// a schema, the last line of the material.
fn answer_text(schema: Option<&Value>, material: &str) -> String {
    match schema {
        Some(s) => instance(s, &PromptMaterial::from_prompt(material)).to_string(),
        None => material
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("OK")
            .to_owned(),
    }
}

/// `POST /v1/responses`.
pub(crate) async fn responses(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::OPENAI_RESPONSES);
    if let Some(r) = gate(&state, &headers, FaultProvider::OpenAi) {
        return r;
    }
    let req = match parse(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut prompt = req
        .get("instructions")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    prompt.push('\n');
    let input = req.get("input").unwrap_or(&Value::Null);
    prompt.push_str(&texts(input, false));
    let schema = req.pointer("/text/format/schema");
    let text = answer_text(schema, &texts(input, true));
    let (tin, tout) = (tokens(&prompt), tokens(&text));
    json_response(
        StatusCode::OK,
        &json!({
            "id": format!("resp_{:016x}", tin * 7919 + tout),
            "object": "response",
            "created_at": 1_767_000_000,
            "status": "completed",
            "model": req.get("model").cloned().unwrap_or(json!("gpt-5")),
            "output": [{
                "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                "content": [{ "type": "output_text", "text": text, "annotations": [] }]
            }],
            "usage": { "input_tokens": tin, "output_tokens": tout, "total_tokens": tin + tout }
        }),
    )
}

/// `POST /v1/chat/completions`.
pub(crate) async fn chat(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::OPENAI_CHAT);
    if let Some(r) = gate(&state, &headers, FaultProvider::OpenAi) {
        return r;
    }
    let req = match parse(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let messages = req.get("messages").unwrap_or(&Value::Null);
    let prompt = texts(messages, false);
    let schema = req.pointer("/response_format/json_schema/schema");
    let text = answer_text(schema, &texts(messages, true));
    let (tin, tout) = (tokens(&prompt), tokens(&text));
    json_response(
        StatusCode::OK,
        &json!({
            "id": format!("chatcmpl-{:016x}", tin * 7919 + tout),
            "object": "chat.completion",
            "created": 1_767_000_000,
            "model": req.get("model").cloned().unwrap_or(json!("sample-world-llm")),
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text, "refusal": null },
                "logprobs": null,
                "finish_reason": "stop"
            }],
            "usage": { "prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout }
        }),
    )
}

/// `POST /v1/embeddings`.
pub(crate) async fn embeddings(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::OPENAI_EMBEDDINGS);
    if let Some(r) = gate(&state, &headers, FaultProvider::OpenAiEmbeddings) {
        return r;
    }
    let req = match parse(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let inputs: Vec<String> = match req.get("input") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "'input' is a required property",
                "invalid_request_error",
                "invalid_value",
            );
        }
    };
    let dims = req
        .get("dimensions")
        .and_then(Value::as_u64)
        .map_or(1536, |d| d.clamp(1, 3072) as usize);
    let used: u64 = inputs.iter().map(|t| tokens(t)).sum();
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| json!({ "object": "embedding", "index": i, "embedding": embedding(t, dims) }))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "object": "list",
            "data": data,
            "model": req.get("model").cloned().unwrap_or(json!("text-embedding-3-small")),
            "usage": { "prompt_tokens": used, "total_tokens": used }
        }),
    )
}

/// `GET /v1/models`: the free call `doctor` uses to check the key.
pub(crate) async fn models(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(r) = gate(&state, &headers, FaultProvider::OpenAi) {
        return r;
    }
    json_response(
        StatusCode::OK,
        &json!({ "object": "list", "data": [
            { "id": "gpt-5", "object": "model", "created": 1_767_000_000, "owned_by": "sample-world" },
            { "id": "text-embedding-3-small", "object": "model", "created": 1_767_000_000, "owned_by": "sample-world" }
        ] }),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn only_user_messages_are_material_but_every_message_is_counted() {
        let messages = json!([
            {"role": "system", "content": "You are a B2B marketing strategist."},
            {"role": "developer", "content": [{"type": "input_text", "text": "Be brief."}]},
            {"role": "user", "content": [{"type": "input_text", "text": "Target vertical: dentist"}]},
            {"type": "message", "content": "Target geography: Austin, TX"}
        ]);
        let material = texts(&messages, true);
        assert_eq!(
            material,
            "Target vertical: dentist\nTarget geography: Austin, TX\n"
        );
        assert!(texts(&messages, false).contains("strategist"));
        let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let answer: Value = serde_json::from_str(&answer_text(Some(&schema), &material)).unwrap();
        assert!(
            !answer["name"].as_str().unwrap().contains("strategist"),
            "{answer}"
        );
    }
}
