//! OpenAI-compatible Chat Completions: `POST {base}/chat/completions`, for the servers
//! `OPENAI_BASE_URL` points at (Ollama, vLLM, llama.cpp) and for DeepSeek.
//!
//! The base URL is used as users configure it, `/v1` included (`http://localhost:11434/v1`);
//! DeepSeek's `https://api.deepseek.com` serves `/chat/completions` directly. The body
//! follows the spec's `CreateChatCompletionRequest`. Structured output is sent one of two
//! ways ([`JsonMode`]): `response_format: {type: "json_schema", json_schema: {name, schema,
//! strict: true}}`, or — for DeepSeek, which only knows JSON mode — the schema appended to
//! the system prompt with `response_format: {type: "json_object"}` (DeepSeek requires the
//! word "json" in the prompt then; the appended instruction has it). The length limit goes in
//! `max_tokens`, which every compatible server reads (OpenAI itself deprecated it for
//! `max_completion_tokens`; [`MaxTokensField`] picks).

use std::sync::Arc;

use async_trait::async_trait;
use domain::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::transport::{Meter, Tokens, Transport, decode};
use super::{FinishReason, LlmProvider, LlmRequest, LlmResponse, Role, TierModels, openai_errors};
use crate::error::ProviderError;
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::llm::limit::RateLimiter;
use crate::usage::{PriceTable, UsageSink};

/// How structured output is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonMode {
    /// `response_format: {type: "json_schema", …, strict: true}`.
    JsonSchema,
    /// `response_format: {type: "json_object"}` with the schema in the system prompt.
    JsonObject,
}

/// Which field carries the output token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokensField {
    /// `max_tokens`: Ollama, llama.cpp, vLLM, DeepSeek.
    MaxTokens,
    /// `max_completion_tokens`: OpenAI's own endpoint.
    MaxCompletionTokens,
}

/// One OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// Provider name in usage rows and results.
    pub name: &'static str,
    /// Base URL, `/v1` included where the server needs it.
    pub base_url: Url,
    /// Bearer key; local servers usually need none.
    pub api_key: Option<Secret>,
    /// Model per tier.
    pub models: TierModels,
    /// How to ask for JSON.
    pub json_mode: JsonMode,
    /// Where the token limit goes.
    pub max_tokens_field: MaxTokensField,
    /// Whether calls cost money (hosted APIs) or not (a local server).
    pub paid: bool,
}

impl ChatConfig {
    /// A self-hosted server (`OPENAI_BASE_URL`), free, with one model for every tier.
    pub fn openai_compatible(base_url: Url, model: impl Into<String>) -> Self {
        Self {
            name: "openai_compatible",
            base_url,
            api_key: None,
            models: TierModels::uniform(model),
            json_mode: JsonMode::JsonSchema,
            max_tokens_field: MaxTokensField::MaxTokens,
            paid: false,
        }
    }

    /// DeepSeek (`DEEPSEEK_API_KEY`, `DEEPSEEK_MODEL`): paid, JSON mode only.
    pub fn deepseek(api_key: Secret) -> Self {
        Self {
            name: "deepseek",
            base_url: Url::parse("https://api.deepseek.com").expect("static URL parses"),
            api_key: Some(api_key),
            models: TierModels::uniform(Self::DEEPSEEK_DEFAULT_MODEL),
            json_mode: JsonMode::JsonObject,
            max_tokens_field: MaxTokensField::MaxTokens,
            paid: true,
        }
    }

    /// `DEEPSEEK_MODEL`'s default.
    pub const DEEPSEEK_DEFAULT_MODEL: &'static str = "deepseek-chat";
}

/// The Chat Completions client.
#[derive(Debug, Clone)]
pub struct ChatCompletions {
    config: ChatConfig,
    transport: Transport,
}

impl ChatCompletions {
    /// A client over a shared HTTP client, within `limiter`, billing with `prices`.
    pub fn new(
        config: ChatConfig,
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
        let mut system = req.system.clone();
        let mut response_format = None;
        if let Some(schema) = &req.schema {
            match self.config.json_mode {
                JsonMode::JsonSchema => {
                    response_format = Some(json!({
                        "type": "json_schema",
                        "json_schema": { "name": schema.name, "schema": schema.schema, "strict": true },
                    }));
                }
                JsonMode::JsonObject => {
                    let instruction = format!(
                        "Answer in json: one JSON object and nothing else. It must follow this \
                         JSON Schema (named {}), with every property present:\n{}",
                        schema.name, schema.schema
                    );
                    system = Some(match system {
                        Some(s) => format!("{s}\n\n{instruction}"),
                        None => instruction,
                    });
                    response_format = Some(json!({ "type": "json_object" }));
                }
            }
        }
        let mut messages = Vec::with_capacity(req.messages.len() + 1);
        if let Some(system) = system {
            messages.push(json!({ "role": "system", "content": system }));
        }
        messages.extend(
            req.messages
                .iter()
                .map(|m| json!({ "role": role(m.role), "content": m.content })),
        );
        let mut body = json!({
            "model": self.config.models.for_tier(req.tier),
            "messages": messages,
        });
        if let Some(format) = response_format {
            body["response_format"] = format;
        }
        if let Some(max) = req.max_output_tokens {
            let field = match self.config.max_tokens_field {
                MaxTokensField::MaxTokens => "max_tokens",
                MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
            };
            body[field] = json!(max);
        }
        body
    }

    fn parse(&self, response: &HttpResponse) -> Result<(LlmResponse, Tokens), ProviderError> {
        let secret = self.config.api_key.as_ref().map_or("", Secret::expose);
        if !response.is_success() {
            return Err(openai_errors::error_for(
                self.config.name,
                response.status,
                response.retry_after,
                &response.body,
                secret,
            ));
        }
        let mut answer = parse_completion(self.config.name, &response.body)?;
        answer.retry_delays.clone_from(&response.retry_delays);
        let tokens = Tokens::of(&answer);
        Ok((answer, tokens))
    }
}

fn role(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

#[derive(Debug, Deserialize)]
struct Completion {
    #[serde(default)]
    model: String,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// Reads a chat completion body: the first choice (public for benchmarks and tests).
pub fn parse_completion(provider: &'static str, body: &[u8]) -> Result<LlmResponse, ProviderError> {
    let parsed: Completion = decode(provider, "chat completion", body)?;
    let usage = parsed.usage.unwrap_or_default();
    let choice = parsed
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::decode(provider, "chat completion", "no choices"))?;
    let finish = match (choice.message.refusal, choice.finish_reason.as_deref()) {
        (Some(why), _) => FinishReason::Refusal(why),
        (None, Some("stop") | None) => FinishReason::Stop,
        (None, Some("length")) => FinishReason::Length,
        (None, Some("content_filter")) => FinishReason::ContentFilter,
        (None, Some(other)) => FinishReason::Other(other.to_owned()),
    };
    Ok(LlmResponse {
        text: choice.message.content.unwrap_or_default(),
        model: parsed.model,
        tokens_in: usage.prompt_tokens,
        tokens_out: usage.completion_tokens,
        finish,
        retry_delays: Vec::new(),
    })
}

#[async_trait]
impl LlmProvider for ChatCompletions {
    fn name(&self) -> &'static str {
        self.config.name
    }

    fn is_paid(&self) -> bool {
        self.config.paid
    }

    #[tracing::instrument(skip_all, fields(llm.provider = self.config.name, llm.operation = %req.operation))]
    async fn generate(
        &self,
        req: &LlmRequest,
        usage: &dyn UsageSink,
    ) -> Result<LlmResponse, ProviderError> {
        let name = self.config.name;
        let url = endpoint(&self.config.base_url, "chat/completions");
        let body = self.request_body(req);
        let bearer = self
            .config
            .api_key
            .as_ref()
            .map(|key| format!("Bearer {}", key.expose()));
        let auth = bearer.as_deref().map(|b| ("Authorization", b));
        let meter = Meter::start(name, &req.operation, self.config.models.for_tier(req.tier));
        let sent = self
            .transport
            .post_json(name, &url, auth, &body, openai_errors::classify)
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r));
        meter
            .finish(usage, &self.transport.prices, http_status, &result)
            .await;
        result.map(|(answer, _)| answer)
    }
}
