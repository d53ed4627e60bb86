//! OpenAI's Responses API: `POST {base}/v1/responses`.
//!
//! The body follows the spec's `CreateResponse`: `model`, `input` (role/content messages),
//! `instructions` (the system prompt), `max_output_tokens` (the spec's minimum is 16) and,
//! for structured output, `text.format = {type: "json_schema", name, schema, strict: true}`.
//! `store: false` keeps prompts (business research) out of OpenAI's response storage.
//!
//! The answer is read from `output[].content[]`: `output_text` parts are the text, a
//! `refusal` part is a refusal; `status: "incomplete"` with `incomplete_details.reason ==
//! "max_output_tokens"` is a truncation.

use std::sync::Arc;

use async_trait::async_trait;
use domain::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::transport::{Meter, Tokens, Transport, decode, v1_endpoint};
use super::{FinishReason, LlmProvider, LlmRequest, LlmResponse, Role, TierModels, openai_errors};
use crate::error::ProviderError;
use crate::http::{HttpClient, HttpResponse};
use crate::llm::limit::RateLimiter;
use crate::usage::{PriceTable, UsageSink};

const PROVIDER: &str = "openai";

/// The smallest `max_output_tokens` the API accepts.
pub const MIN_OUTPUT_TOKENS: u32 = 16;

/// Where OpenAI is, the key, and the model per tier.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// API root, `https://api.openai.com` (a trailing `/v1` is tolerated).
    pub base_url: Url,
    /// `OPENAI_API_KEY`.
    pub api_key: Secret,
    /// `OPENAI_PRIMARY_MODEL`, `OPENAI_LIGHT_MODEL`, `OPENAI_ULTRA_LIGHT_MODEL`.
    pub models: TierModels,
}

impl OpenAiConfig {
    /// The production API with the default models.
    pub fn new(api_key: Secret) -> Self {
        Self {
            base_url: Self::default_base_url(),
            api_key,
            models: Self::default_models(),
        }
    }

    /// `https://api.openai.com`.
    pub fn default_base_url() -> Url {
        Url::parse("https://api.openai.com").expect("static URL parses")
    }

    /// `gpt-5` / `gpt-5-mini` / `gpt-5-nano`.
    pub fn default_models() -> TierModels {
        TierModels {
            primary: "gpt-5".into(),
            light: "gpt-5-mini".into(),
            ultra_light: "gpt-5-nano".into(),
        }
    }
}

/// The Responses API client.
#[derive(Debug, Clone)]
pub struct OpenAiResponses {
    config: OpenAiConfig,
    transport: Transport,
}

impl OpenAiResponses {
    /// A client over a shared HTTP client, within `limiter`, billing with `prices`.
    pub fn new(
        config: OpenAiConfig,
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
        let input: Vec<Value> = req
            .messages
            .iter()
            .map(|m| json!({ "role": role(m.role), "content": m.content }))
            .collect();
        let mut body = json!({
            "model": self.config.models.for_tier(req.tier),
            "input": input,
            "store": false,
        });
        if let Some(system) = &req.system {
            body["instructions"] = json!(system);
        }
        if let Some(max) = req.max_output_tokens {
            body["max_output_tokens"] = json!(max.max(MIN_OUTPUT_TOKENS));
        }
        if let Some(schema) = &req.schema {
            body["text"] = json!({ "format": {
                "type": "json_schema",
                "name": schema.name,
                "schema": schema.schema,
                "strict": true,
            }});
        }
        body
    }

    fn parse(&self, response: &HttpResponse) -> Result<(LlmResponse, Tokens), ProviderError> {
        if !response.is_success() {
            return Err(openai_errors::error_for(
                PROVIDER,
                response.status,
                response.retry_after,
                &response.body,
                self.config.api_key.expose(),
            ));
        }
        let mut answer = parse_response(&response.body)?;
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
struct Response {
    #[serde(default)]
    model: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<ResponseError>,
    #[serde(default)]
    incomplete_details: Option<IncompleteDetails>,
    #[serde(default)]
    output: Vec<OutputItem>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct ResponseError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IncompleteDetails {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OutputItem {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    content: Vec<ContentPart>,
}

#[derive(Debug, Deserialize)]
struct ContentPart {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

/// Reads a Responses API answer body (public for benchmarks and tests).
pub fn parse_response(body: &[u8]) -> Result<LlmResponse, ProviderError> {
    let parsed: Response = decode(PROVIDER, "responses answer", body)?;
    if parsed.status.as_deref() == Some("failed") {
        let error = parsed.error.unwrap_or(ResponseError {
            code: None,
            message: None,
        });
        return Err(ProviderError::Upstream {
            provider: PROVIDER,
            status: error.code.unwrap_or_else(|| "failed".into()),
            message: error.message.unwrap_or_default(),
        });
    }
    let mut text = String::new();
    let mut refusal = None;
    for part in parsed
        .output
        .iter()
        .filter(|item| item.kind == "message")
        .flat_map(|item| &item.content)
    {
        match part.kind.as_str() {
            "output_text" => text.push_str(part.text.as_deref().unwrap_or_default()),
            "refusal" => refusal = part.refusal.clone(),
            _ => {}
        }
    }
    let finish = match (refusal, parsed.status.as_deref()) {
        (Some(why), _) => FinishReason::Refusal(why),
        (None, Some("completed") | None) => FinishReason::Stop,
        (None, Some("incomplete")) => {
            match parsed.incomplete_details.and_then(|d| d.reason).as_deref() {
                Some("max_output_tokens") => FinishReason::Length,
                Some("content_filter") => FinishReason::ContentFilter,
                other => FinishReason::Other(other.unwrap_or("incomplete").to_owned()),
            }
        }
        (None, Some(status)) => FinishReason::Other(status.to_owned()),
    };
    let usage = parsed.usage.unwrap_or(Usage {
        input_tokens: 0,
        output_tokens: 0,
    });
    Ok(LlmResponse {
        text,
        model: parsed.model,
        tokens_in: usage.input_tokens,
        tokens_out: usage.output_tokens,
        finish,
        retry_delays: Vec::new(),
    })
}

#[async_trait]
impl LlmProvider for OpenAiResponses {
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
        let url = v1_endpoint(&self.config.base_url, "responses");
        let body = self.request_body(req);
        let bearer = format!("Bearer {}", self.config.api_key.expose());
        let meter = Meter::start(
            PROVIDER,
            &req.operation,
            self.config.models.for_tier(req.tier),
        );
        let sent = self
            .transport
            .post_json(
                PROVIDER,
                &url,
                Some(("Authorization", &bearer)),
                &body,
                openai_errors::classify,
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
