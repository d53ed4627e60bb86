//! OpenAI-compatible embeddings: `POST {base}/embeddings` (base with `/v1`, as for chat).
//!
//! Texts go in batches of [`OpenAiEmbeddingsConfig::batch_size`] as `{"model", "input":
//! [...], "encoding_format": "float"}` (plus `dimensions` when configured; only the
//! `text-embedding-3` models accept it). Answers are put back in input order by each item's
//! `index`. Empty texts are not sent (the API rejects them) and get a zero vector. One usage
//! row per request, priced by the prompt tokens.

use std::sync::Arc;

use async_trait::async_trait;
use domain::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::Embedder;
use crate::error::ProviderError;
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::llm::limit::RateLimiter;
use crate::llm::openai_errors;
use crate::llm::transport::{Meter, Tokens, Transport, decode};
use crate::usage::{PriceTable, UsageSink};

const OPERATION: &str = "embeddings";

/// Where the embeddings endpoint is and which model to use.
#[derive(Debug, Clone)]
pub struct OpenAiEmbeddingsConfig {
    /// Provider name in usage rows (`openai`, or `openai_compatible` for a local server).
    pub name: &'static str,
    /// Base URL with `/v1`: `https://api.openai.com/v1`, `http://localhost:11434/v1`.
    pub base_url: Url,
    /// Bearer key; local servers usually need none.
    pub api_key: Option<Secret>,
    /// `OPENAI_EMBEDDINGS_MODEL`.
    pub model: String,
    /// Requested vector length (`text-embedding-3-*` only); `None` takes the model's own.
    pub dimensions: Option<u32>,
    /// Texts per request.
    pub batch_size: usize,
}

impl OpenAiEmbeddingsConfig {
    /// OpenAI's API with `text-embedding-3-small`.
    pub fn new(api_key: Secret) -> Self {
        Self {
            name: "openai",
            base_url: Url::parse("https://api.openai.com/v1").expect("static URL parses"),
            api_key: Some(api_key),
            model: Self::DEFAULT_MODEL.into(),
            dimensions: None,
            batch_size: Self::DEFAULT_BATCH_SIZE,
        }
    }

    /// `OPENAI_EMBEDDINGS_MODEL`'s default.
    pub const DEFAULT_MODEL: &'static str = "text-embedding-3-small";

    /// Texts per request by default: well under the API's 2,048 inputs and 300k tokens.
    pub const DEFAULT_BATCH_SIZE: usize = 96;
}

/// The embeddings client.
#[derive(Debug, Clone)]
pub struct OpenAiEmbedder {
    config: OpenAiEmbeddingsConfig,
    transport: Transport,
}

impl OpenAiEmbedder {
    /// A client over a shared HTTP client, within `limiter`, billing with `prices`.
    pub fn new(
        config: OpenAiEmbeddingsConfig,
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

    /// The JSON body for one batch.
    pub fn request_body(&self, batch: &[&str]) -> Value {
        let mut body = json!({
            "model": self.config.model,
            "input": batch,
            "encoding_format": "float",
        });
        if let Some(dimensions) = self.config.dimensions {
            body["dimensions"] = json!(dimensions);
        }
        body
    }

    async fn embed_batch(
        &self,
        batch: &[&str],
        usage: &dyn UsageSink,
    ) -> Result<Vec<Vec<f32>>, ProviderError> {
        let name = self.config.name;
        let url = endpoint(&self.config.base_url, "embeddings");
        let body = self.request_body(batch);
        let bearer = self
            .config
            .api_key
            .as_ref()
            .map(|key| format!("Bearer {}", key.expose()));
        let auth = bearer.as_deref().map(|b| ("Authorization", b));
        let meter = Meter::start(name, OPERATION, &self.config.model);
        let sent = self
            .transport
            .post_json(name, &url, auth, &body, openai_errors::classify)
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r, batch.len()));
        meter
            .finish(usage, &self.transport.prices, http_status, &result)
            .await;
        result.map(|(vectors, _)| vectors)
    }

    fn parse(
        &self,
        response: &HttpResponse,
        expected: usize,
    ) -> Result<(Vec<Vec<f32>>, Tokens), ProviderError> {
        let name = self.config.name;
        if !response.is_success() {
            let secret = self.config.api_key.as_ref().map_or("", Secret::expose);
            return Err(openai_errors::error_for(
                name,
                response.status,
                response.retry_after,
                &response.body,
                secret,
            ));
        }
        let (vectors, prompt_tokens) = parse_embeddings(name, &response.body, expected)?;
        Ok((
            vectors,
            Tokens {
                input: prompt_tokens,
                output: 0,
            },
        ))
    }
}

#[derive(Debug, Deserialize)]
struct EmbeddingList {
    data: Vec<Item>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
}

/// Reads an embeddings answer: vectors in input order, and the prompt tokens billed.
pub fn parse_embeddings(
    provider: &'static str,
    body: &[u8],
    expected: usize,
) -> Result<(Vec<Vec<f32>>, u64), ProviderError> {
    let mut list: EmbeddingList = decode(provider, "embeddings answer", body)?;
    list.data.sort_by_key(|item| item.index);
    let in_order = list
        .data
        .iter()
        .enumerate()
        .all(|(i, item)| item.index == i);
    if list.data.len() != expected || !in_order {
        return Err(ProviderError::decode(
            provider,
            "embeddings answer",
            format!(
                "expected indexes 0..{expected}, got {} items",
                list.data.len()
            ),
        ));
    }
    let tokens = list.usage.map_or(0, |u| u.prompt_tokens);
    Ok((list.data.into_iter().map(|i| i.embedding).collect(), tokens))
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn name(&self) -> &'static str {
        self.config.name
    }

    fn model(&self) -> &str {
        &self.config.model
    }

    fn dimensions(&self) -> usize {
        match (self.config.dimensions, self.config.model.as_str()) {
            (Some(d), _) => d as usize,
            (None, "text-embedding-3-large") => 3072,
            (None, _) => 1536,
        }
    }

    #[tracing::instrument(skip_all, fields(embeddings.provider = self.config.name, embeddings.texts = texts.len()))]
    async fn embed(
        &self,
        texts: &[String],
        usage: &dyn UsageSink,
    ) -> Result<Vec<Vec<f32>>, ProviderError> {
        let wanted: Vec<(usize, &str)> = texts
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(i, t)| (i, t.as_str()))
            .collect();
        let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        for chunk in wanted.chunks(self.config.batch_size.max(1)) {
            let batch: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
            let vectors = self.embed_batch(&batch, usage).await?;
            for ((i, _), vector) in chunk.iter().zip(vectors) {
                out[*i] = Some(vector);
            }
        }
        let width = out
            .iter()
            .flatten()
            .map(Vec::len)
            .next()
            .unwrap_or_else(|| self.dimensions());
        Ok(out
            .into_iter()
            .map(|v| v.unwrap_or_else(|| vec![0.0; width]))
            .collect())
    }
}
