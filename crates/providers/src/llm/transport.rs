//! What every LLM and embeddings client shares: the HTTP client, the provider's rate
//! limiter, the price table, and one usage row per call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::ProviderError;
use crate::http::{HttpClient, HttpConfig, HttpResponse, RetryPolicy, RetryVerdict};
use crate::llm::limit::RateLimiter;
use crate::usage::{PriceTable, UsageRecord, UsageSink};

/// Timeouts suited to LLM calls: reasoning models can think for minutes, and a 429's
/// "try again in 18.642s" should be honoured rather than cut short.
pub fn default_http_config() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(180),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        },
    }
}

/// HTTP client, rate limiter and prices of one provider client.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub(crate) http: HttpClient,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) prices: PriceTable,
}

/// A header to authenticate with (`Authorization: Bearer …`, `x-goog-api-key: …`).
pub(crate) type AuthHeader<'a> = Option<(&'static str, &'a str)>;

impl Transport {
    /// POSTs `body` as JSON within the rate limit, retrying what `classify` says to. A 429
    /// that names a wait also delays the provider's other queued calls.
    pub(crate) async fn post_json<C>(
        &self,
        provider: &'static str,
        url: &str,
        auth: AuthHeader<'_>,
        body: &Value,
        classify: C,
    ) -> Result<HttpResponse, ProviderError>
    where
        C: Fn(u16, &HeaderMap, &[u8]) -> RetryVerdict,
    {
        let _permit = self.limiter.acquire().await;
        self.http
            .send_classified(
                provider,
                |client| {
                    let request = client.post(url).json(body);
                    match auth {
                        Some((name, value)) => request.header(name, value),
                        None => request,
                    }
                },
                |status, headers, bytes| {
                    let verdict = classify(status, headers, bytes);
                    if let (429, RetryVerdict::Retry { after: Some(wait) }) = (status, verdict) {
                        self.limiter.back_off(wait);
                    }
                    verdict
                },
            )
            .await
    }
}

/// One call's usage row, filled in as the call goes.
#[derive(Debug)]
pub(crate) struct Meter<'a> {
    provider: &'static str,
    operation: &'a str,
    model: String,
    started: Instant,
}

/// Tokens a successful call reports.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tokens {
    pub(crate) input: u64,
    pub(crate) output: u64,
}

impl Tokens {
    /// The tokens an answer reports.
    pub(crate) fn of(answer: &crate::llm::LlmResponse) -> Self {
        Self {
            input: answer.tokens_in,
            output: answer.tokens_out,
        }
    }
}

impl<'a> Meter<'a> {
    /// Starts timing a call of `model` for `operation`.
    pub(crate) fn start(provider: &'static str, operation: &'a str, model: &str) -> Self {
        Self {
            provider,
            operation,
            model: model.to_owned(),
            started: Instant::now(),
        }
    }

    /// Records the call: priced by tokens when it succeeded, free when it failed.
    pub(crate) async fn finish<T>(
        self,
        usage: &dyn UsageSink,
        prices: &PriceTable,
        http_status: Option<u16>,
        result: &Result<(T, Tokens), ProviderError>,
    ) {
        let (status, tokens, cost_usd) = match result {
            Ok((_, t)) => ("ok", *t, prices.token_cost(&self.model, t.input, t.output)),
            Err(ProviderError::RateLimited { .. }) => ("rate_limited", Tokens::default(), 0.0),
            Err(ProviderError::QuotaExceeded { .. }) => ("quota_exceeded", Tokens::default(), 0.0),
            Err(_) => ("error", Tokens::default(), 0.0),
        };
        usage
            .record(UsageRecord {
                provider: self.provider.to_owned(),
                operation: self.operation.to_owned(),
                model: Some(self.model),
                tokens_in: tokens.input,
                tokens_out: tokens.output,
                cost_usd,
                latency_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
                status: status.to_owned(),
                http_status,
            })
            .await;
    }
}

/// `base` with `/v1/{path}` appended, unless the base already ends in `/v1`.
pub(crate) fn v1_endpoint(base: &url::Url, path: &str) -> String {
    let trimmed = base.as_str().trim_end_matches('/');
    let path = path.trim_start_matches('/');
    if trimmed.ends_with("/v1") {
        format!("{trimmed}/{path}")
    } else {
        format!("{trimmed}/v1/{path}")
    }
}

/// Parses a 2xx body, naming `what` when it is not the expected JSON.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    what: &str,
    body: &[u8],
) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::decode(provider, what, e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn v1_is_added_once() {
        let with = url::Url::parse("http://localhost:11434/v1/").unwrap();
        let without = url::Url::parse("https://api.openai.com").unwrap();
        assert_eq!(
            v1_endpoint(&with, "responses"),
            "http://localhost:11434/v1/responses"
        );
        assert_eq!(
            v1_endpoint(&without, "/responses"),
            "https://api.openai.com/v1/responses"
        );
    }
}
