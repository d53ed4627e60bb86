//! Google's Gemini API: `POST {base}/v1beta/models/{model}:generateContent`, key in
//! `x-goog-api-key`.
//!
//! The body carries `contents` (`user` / `model` turns), `systemInstruction`, and
//! `generationConfig` with `responseMimeType: "application/json"` plus the schema — as
//! `responseSchema` (OpenAPI subset, every model) or `responseJsonSchema` (newer models),
//! per [`GeminiSchemaMode`] — and `maxOutputTokens`. Answers: the text parts of
//! `candidates[0]` (thought summaries skipped), `finishReason` (`MAX_TOKENS` ⇒ length,
//! `SAFETY` and friends ⇒ content filter), a blocked prompt (`promptFeedback`, no
//! candidates) ⇒ content filter, `usageMetadata` for tokens (thinking tokens are billed as
//! output). Errors are Google RPC bodies: an invalid key comes as 400 `API_KEY_INVALID`, a
//! disabled API as 403, rate limits as 429 `RESOURCE_EXHAUSTED` with a `RetryInfo` delay —
//! and a daily quota as the same 429 naming a `PerDay` quota, which is not worth retrying.

use std::sync::Arc;

use async_trait::async_trait;
use domain::Secret;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::gemini_schema::to_openapi;
use super::openai_errors::parse_duration;
use super::transport::{Meter, Tokens, Transport, decode};
use super::{FinishReason, LlmProvider, LlmRequest, LlmResponse, Role, TierModels};
use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, HttpResponse, RetryVerdict, endpoint, parse_retry_after};
use crate::llm::limit::RateLimiter;
use crate::usage::{PriceTable, UsageSink};

const PROVIDER: &str = "gemini";

/// How the schema is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GeminiSchemaMode {
    /// `responseSchema`, converted to the OpenAPI subset: works on every model.
    #[default]
    OpenApi,
    /// `responseJsonSchema`, the strict schema as is: newer models only.
    JsonSchema,
}

/// Where Gemini is, the key, and the model per tier.
#[derive(Debug, Clone)]
pub struct GeminiConfig {
    /// `https://generativelanguage.googleapis.com` (`GEMINI_BASE_URL`).
    pub base_url: Url,
    /// `GEMINI_API_KEY`.
    pub api_key: Secret,
    /// Model per tier; `gemini-2.0-flash` for all by default.
    pub models: TierModels,
    /// How the schema is sent.
    pub schema_mode: GeminiSchemaMode,
}

impl GeminiConfig {
    /// The production API with the default model.
    pub fn new(api_key: Secret) -> Self {
        Self {
            base_url: Url::parse("https://generativelanguage.googleapis.com")
                .expect("static URL parses"),
            api_key,
            models: TierModels::uniform(Self::DEFAULT_MODEL),
            schema_mode: GeminiSchemaMode::default(),
        }
    }

    /// The seeds' fallback model.
    pub const DEFAULT_MODEL: &'static str = "gemini-2.0-flash";
}

/// The Gemini client.
#[derive(Debug, Clone)]
pub struct Gemini {
    config: GeminiConfig,
    transport: Transport,
}

impl Gemini {
    /// A client over a shared HTTP client, within `limiter`, billing with `prices`.
    pub fn new(
        config: GeminiConfig,
        http: HttpClient,
        limiter: Arc<RateLimiter>,
        prices: PriceTable,
    ) -> Self {
        Self {
            config,
            transport: Transport {
                http,
                limiter,
                prices,
            },
        }
    }

    /// The JSON body sent for `req`.
    pub fn request_body(&self, req: &LlmRequest) -> Value {
        let mut system: Vec<&str> = req.system.iter().map(String::as_str).collect();
        let mut contents = Vec::with_capacity(req.messages.len());
        for message in &req.messages {
            let role = match message.role {
                Role::System => {
                    system.push(&message.content);
                    continue;
                }
                Role::User => "user",
                Role::Assistant => "model",
            };
            contents.push(json!({ "role": role, "parts": [{ "text": message.content }] }));
        }
        let mut body = json!({ "contents": contents });
        if !system.is_empty() {
            body["systemInstruction"] = json!({ "parts": [{ "text": system.join("\n\n") }] });
        }
        let mut generation = serde_json::Map::new();
        if let Some(schema) = &req.schema {
            generation.insert("responseMimeType".into(), json!("application/json"));
            match self.config.schema_mode {
                GeminiSchemaMode::OpenApi => {
                    generation.insert("responseSchema".into(), to_openapi(&schema.schema));
                }
                GeminiSchemaMode::JsonSchema => {
                    generation.insert("responseJsonSchema".into(), schema.schema.clone());
                }
            }
        }
        if let Some(max) = req.max_output_tokens {
            generation.insert("maxOutputTokens".into(), json!(max));
        }
        if !generation.is_empty() {
            body["generationConfig"] = Value::Object(generation);
        }
        body
    }

    fn parse(&self, response: &HttpResponse) -> Result<(LlmResponse, Tokens), ProviderError> {
        if !response.is_success() {
            return Err(error_for(response, self.config.api_key.expose()));
        }
        let mut answer = parse_generate_content(&response.body)?;
        answer.retry_delays.clone_from(&response.retry_delays);
        let tokens = Tokens::of(&answer);
        Ok((answer, tokens))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateContent {
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    prompt_feedback: Option<PromptFeedback>,
    #[serde(default)]
    usage_metadata: Option<UsageMetadata>,
    #[serde(default)]
    model_version: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<Content>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thought: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    #[serde(default)]
    block_reason: Option<String>,
    #[serde(default)]
    block_reason_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    #[serde(default)]
    thoughts_token_count: u64,
}

/// Reads a `generateContent` answer body (public for benchmarks and tests).
pub fn parse_generate_content(body: &[u8]) -> Result<LlmResponse, ProviderError> {
    let parsed: GenerateContent = decode(PROVIDER, "generateContent answer", body)?;
    let usage = parsed.usage_metadata.unwrap_or_default();
    let (text, finish) = match parsed.candidates.into_iter().next() {
        Some(candidate) => {
            let text: String = candidate
                .content
                .map(|c| c.parts)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| !p.thought)
                .filter_map(|p| p.text)
                .collect();
            (text, finish_reason(candidate.finish_reason.as_deref()))
        }
        None => match parsed.prompt_feedback {
            Some(feedback) => {
                let why = feedback
                    .block_reason
                    .or(feedback.block_reason_message)
                    .unwrap_or_default();
                tracing::warn!(llm.block_reason = %why, "gemini blocked the prompt");
                (String::new(), FinishReason::ContentFilter)
            }
            None => (String::new(), FinishReason::Other("no candidates".into())),
        },
    };
    Ok(LlmResponse {
        text,
        model: parsed.model_version,
        tokens_in: usage.prompt_token_count,
        tokens_out: usage.candidates_token_count + usage.thoughts_token_count,
        finish,
        retry_delays: Vec::new(),
    })
}

fn finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        None | Some("STOP") => FinishReason::Stop,
        Some("MAX_TOKENS") => FinishReason::Length,
        Some(
            "SAFETY" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" | "RECITATION",
        ) => FinishReason::ContentFilter,
        Some(other) => FinishReason::Other(other.to_owned()),
    }
}

/// A Google RPC error body.
#[derive(Debug, Default, Deserialize)]
struct RpcError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<Value>,
}

impl RpcError {
    fn parse(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Wrapped {
            error: RpcError,
        }
        serde_json::from_slice::<Wrapped>(body)
            .ok()
            .map(|w| w.error)
    }

    fn has_reason(&self, reason: &str) -> bool {
        self.details.iter().any(|d| d["reason"] == reason)
    }

    /// A daily quota is spent: waiting seconds will not help.
    fn is_daily_quota(&self) -> bool {
        self.details.iter().any(|d| {
            d["violations"].as_array().is_some_and(|vs| {
                vs.iter()
                    .any(|v| v["quotaId"].as_str().is_some_and(|q| q.contains("PerDay")))
            })
        })
    }

    fn retry_delay(&self) -> Option<std::time::Duration> {
        self.details
            .iter()
            .find_map(|d| d["retryDelay"].as_str().and_then(parse_duration))
    }
}

/// Which Gemini answers to retry: 429 unless a daily quota is spent, and 5xx.
pub fn classify(status: u16, headers: &HeaderMap, body: &[u8]) -> RetryVerdict {
    match status {
        429 => {
            let error = RpcError::parse(body).unwrap_or_default();
            if error.is_daily_quota() {
                RetryVerdict::Final
            } else {
                RetryVerdict::Retry {
                    after: error.retry_delay().or_else(|| parse_retry_after(headers)),
                }
            }
        }
        s if s >= 500 => RetryVerdict::Retry {
            after: parse_retry_after(headers),
        },
        _ => RetryVerdict::Final,
    }
}

fn error_for(response: &HttpResponse, secret: &str) -> ProviderError {
    let error = RpcError::parse(&response.body);
    match (response.status, error) {
        (400, Some(e)) if e.has_reason("API_KEY_INVALID") => {
            ProviderError::Unauthorized { provider: PROVIDER }
        }
        (401 | 403, _) => ProviderError::Unauthorized { provider: PROVIDER },
        (429, Some(e)) if e.is_daily_quota() => ProviderError::QuotaExceeded { provider: PROVIDER },
        (429, _) => ProviderError::RateLimited {
            provider: PROVIDER,
            retry_after: response.retry_after,
        },
        (status, _) if status >= 500 => ProviderError::Http {
            provider: PROVIDER,
            status,
        },
        (status, Some(e)) => ProviderError::Upstream {
            provider: PROVIDER,
            status: if e.status.is_empty() {
                status.to_string()
            } else {
                e.status
            },
            message: scrub(&e.message, secret),
        },
        (status, None) => ProviderError::Http {
            provider: PROVIDER,
            status,
        },
    }
}

#[async_trait]
impl LlmProvider for Gemini {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn is_paid(&self) -> bool {
        true
    }

    #[tracing::instrument(skip_all, fields(llm.provider = PROVIDER, llm.operation = %req.operation))]
    async fn generate(
        &self,
        req: &LlmRequest,
        usage: &dyn UsageSink,
    ) -> Result<LlmResponse, ProviderError> {
        let model = self.config.models.for_tier(req.tier);
        let model = model.strip_prefix("models/").unwrap_or(model);
        let url = endpoint(
            &self.config.base_url,
            &format!("v1beta/models/{model}:generateContent"),
        );
        let body = self.request_body(req);
        let meter = Meter::start(PROVIDER, &req.operation, model);
        let sent = self
            .transport
            .post_json(
                PROVIDER,
                &url,
                Some(("x-goog-api-key", self.config.api_key.expose())),
                &body,
                classify,
            )
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r));
        meter
            .finish(usage, &self.transport.prices, http_status, &result)
            .await;
        result.map(|(answer, _)| answer)
    }
}
