//! Large language models behind one trait, chained with structured outputs and a rules
//! fallback.
//!
//! - [`LlmProvider`]: one generation call. Implementations: [`openai::OpenAiResponses`]
//!   (Responses API), [`gemini::Gemini`] (`generateContent`) and [`chat::ChatCompletions`]
//!   (any OpenAI-compatible `/chat/completions` server, DeepSeek included).
//! - [`schema::strict_schema`]: a schemars schema made acceptable to OpenAI's strict mode.
//! - [`chain::LlmChain`]: providers in order; [`chain::LlmChain::generate_structured`] validates
//!   every answer against the schema, asks for one repair per provider, moves on, and ends in
//!   the caller's deterministic rules when nothing else answered (or paid calls are not
//!   allowed).
//! - [`limit::RateLimiter`]: per-provider concurrency and spacing of request starts;
//!   [`openai_errors`] reads OpenAI's 429s (which to retry, after how long).
//!
//! Providers never retry refusals or truncations themselves: those are answers, reported in
//! [`LlmResponse::finish`], and the chain decides. Transport failures (429, 5xx, timeouts) are
//! retried inside each provider by the shared [`crate::http::HttpClient`].

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::ProviderError;
use crate::usage::UsageSink;

pub mod chain;
pub mod chat;
pub mod contract;
pub mod gemini;
pub mod gemini_schema;
pub mod limit;
pub mod openai;
pub mod openai_errors;
pub mod schema;

mod rules;
pub(crate) mod transport;

pub use chain::{AttemptNote, AttemptOutcome, CallOptions, LlmChain, LlmError, Structured};
pub use limit::{RateLimit, RateLimiter};
pub use rules::{RulesBook, RulesFallback};
pub use schema::strict_schema;
pub use transport::default_http_config;

/// Which of a provider's models to use: the seeds' `primary` / `light` / `ultraLight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ModelTier {
    /// The strongest model (`OPENAI_PRIMARY_MODEL`): dossiers, market research.
    #[default]
    Primary,
    /// A cheaper model (`OPENAI_LIGHT_MODEL`): personas, page selection.
    Light,
    /// The cheapest model (`OPENAI_ULTRA_LIGHT_MODEL`): classification, tie-breaks.
    UltraLight,
}

/// A provider's model name per tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierModels {
    /// Model for [`ModelTier::Primary`].
    pub primary: String,
    /// Model for [`ModelTier::Light`].
    pub light: String,
    /// Model for [`ModelTier::UltraLight`].
    pub ultra_light: String,
}

impl TierModels {
    /// The same model for every tier (Gemini, DeepSeek, local servers).
    pub fn uniform(model: impl Into<String>) -> Self {
        let model = model.into();
        Self {
            primary: model.clone(),
            light: model.clone(),
            ultra_light: model,
        }
    }

    /// The model for `tier`.
    pub fn for_tier(&self, tier: ModelTier) -> &str {
        match tier {
            ModelTier::Primary => &self.primary,
            ModelTier::Light => &self.light,
            ModelTier::UltraLight => &self.ultra_light,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions (sent as the provider's system / developer instruction).
    System,
    /// The user (or the pipeline speaking for it).
    User,
    /// The model, in earlier turns of a thread.
    Assistant,
}

/// One message of a conversation; serialisable so agent threads can be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// Plain text.
    pub content: String,
}

impl ChatMessage {
    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// The JSON Schema an answer must follow (already strict: see [`schema::strict_schema`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    /// Name sent to the provider: `[A-Za-z0-9_-]{1,64}`.
    pub name: String,
    /// The schema; its root is an object.
    pub schema: serde_json::Value,
}

/// One generation request, provider-neutral.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LlmRequest {
    /// Which model tier to use.
    pub tier: ModelTier,
    /// System instructions.
    pub system: Option<String>,
    /// The conversation, oldest first (a thread's history, then the new user message).
    pub messages: Vec<ChatMessage>,
    /// Structured output: the answer must be JSON following this schema.
    pub schema: Option<OutputSchema>,
    /// Upper bound on output tokens (reasoning tokens included where the provider counts
    /// them so).
    pub max_output_tokens: Option<u32>,
    /// What the call is for, for usage rows and rules (`dossier`, `personas`, …).
    pub operation: String,
}

impl LlmRequest {
    /// A request with one user message.
    pub fn new(operation: impl Into<String>, user: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            messages: vec![ChatMessage::user(user)],
            ..Self::default()
        }
    }

    /// This request with system instructions.
    pub fn with_system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// This request at another tier.
    pub fn with_tier(mut self, tier: ModelTier) -> Self {
        self.tier = tier;
        self
    }

    /// This request with an output token limit.
    pub fn with_max_output_tokens(mut self, max: u32) -> Self {
        self.max_output_tokens = Some(max);
        self
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// It finished its answer.
    Stop,
    /// It ran out of output tokens: the text is cut off.
    Length,
    /// It declined, saying why.
    Refusal(String),
    /// The provider's safety system withheld the answer (or blocked the prompt).
    ContentFilter,
    /// Anything else (tool calls, recitation, unknown reasons), as the provider named it.
    Other(String),
}

/// One answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmResponse {
    /// The answer's text (empty when there is none, e.g. a refusal).
    pub text: String,
    /// The model that answered, as the provider reports it.
    pub model: String,
    /// Input tokens billed.
    pub tokens_in: u64,
    /// Output tokens billed (reasoning / thinking tokens included).
    pub tokens_out: u64,
    /// Why it stopped.
    pub finish: FinishReason,
    /// Waits slept before transport retries (429, 5xx, timeouts), in order.
    pub retry_delays: Vec<Duration>,
}

/// A language model reachable over HTTP.
#[async_trait]
pub trait LlmProvider: Send + Sync {
    /// Stable provider name, used in usage rows and results (`openai`, `gemini`, …).
    fn name(&self) -> &'static str;

    /// Whether calls cost money, so a run past its budget skips this provider.
    fn is_paid(&self) -> bool;

    /// One generation; records one usage row per HTTP call in `usage`.
    async fn generate(
        &self,
        req: &LlmRequest,
        usage: &dyn UsageSink,
    ) -> Result<LlmResponse, ProviderError>;
}
