//! OpenAI's error answers: which to retry, after how long, and what they mean.
//!
//! A 429 is not one thing. `insufficient_quota` (no credits) and "Request too large" (the
//! request exceeds the per-minute token limit on its own) come back as 429 but never succeed
//! on retry, so they are final; ordinary `rate_limit_exceeded` is retried after the best wait
//! the answer names, in this order: `retry-after-ms`, `Retry-After`, the message's "Please
//! try again in 644ms" / "18.642s" / "1m3s", then the `x-ratelimit-reset-tokens` /
//! `-requests` headers (Go durations such as `6m0s` or `20ms`). Azure sends `-1` and `0`
//! as "unknown"; those, like a missing header, leave the choice to exponential backoff.
//! OpenAI-compatible servers (DeepSeek, vLLM, Ollama) use the same body shape.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ProviderError, scrub};
use crate::http::{RetryVerdict, parse_retry_after};

/// The `error` object of an OpenAI error body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ApiError {
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// Error type (`insufficient_quota`, `invalid_request_error`, `tokens`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Error code (`rate_limit_exceeded`, `insufficient_quota`, …); some servers send numbers.
    #[serde(default)]
    pub code: Option<Value>,
}

impl ApiError {
    /// Reads `{"error": {...}}`, or the bare inner object some proxies return.
    /// Ollama-style `{"error": "message"}` is read as a message.
    pub fn parse(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Inner {
            Object(ApiError),
            Text(String),
        }
        #[derive(Deserialize)]
        struct Wrapped {
            error: Inner,
        }
        match serde_json::from_slice::<Wrapped>(body) {
            Ok(Wrapped {
                error: Inner::Object(error),
            }) => Some(error),
            Ok(Wrapped {
                error: Inner::Text(message),
            }) => Some(Self {
                message: Some(message),
                ..Self::default()
            }),
            Err(_) => serde_json::from_slice::<Self>(body)
                .ok()
                .filter(|e| e.message.is_some() || e.code.is_some()),
        }
    }

    fn code_str(&self) -> Option<&str> {
        self.code.as_ref().and_then(Value::as_str)
    }

    /// The account is out of credits: `insufficient_quota` in `code` or `type`.
    pub fn is_insufficient_quota(&self) -> bool {
        self.code_str() == Some("insufficient_quota")
            || self.kind.as_deref() == Some("insufficient_quota")
    }

    /// The request alone exceeds a per-minute limit: retrying cannot help.
    pub fn is_request_too_large(&self) -> bool {
        self.message
            .as_deref()
            .is_some_and(|m| m.starts_with("Request too large"))
    }
}

/// Whether an OpenAI(-compatible) response should be retried, and after how long.
pub fn classify(status: u16, headers: &HeaderMap, body: &[u8]) -> RetryVerdict {
    match status {
        429 => {
            let error = ApiError::parse(body).unwrap_or_default();
            if error.is_insufficient_quota() || error.is_request_too_large() {
                RetryVerdict::Final
            } else {
                RetryVerdict::Retry {
                    after: retry_hint(headers, &error),
                }
            }
        }
        s if s >= 500 => RetryVerdict::Retry {
            after: parse_retry_after(headers).filter(|d| !d.is_zero()),
        },
        _ => RetryVerdict::Final,
    }
}

/// The error a final non-2xx answer means. `retry_after` is the wait already read from it;
/// `secret` is scrubbed from any upstream message.
pub fn error_for(
    provider: &'static str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    secret: &str,
) -> ProviderError {
    let error = ApiError::parse(body);
    let message = || {
        error
            .as_ref()
            .and_then(|e| e.message.as_deref())
            .map(|m| scrub(m, secret))
            .unwrap_or_default()
    };
    match status {
        401 | 403 => ProviderError::Unauthorized { provider },
        // DeepSeek: "Insufficient Balance".
        402 => ProviderError::QuotaExceeded { provider },
        429 if error.as_ref().is_some_and(ApiError::is_insufficient_quota) => {
            ProviderError::QuotaExceeded { provider }
        }
        429 if error.as_ref().is_some_and(ApiError::is_request_too_large) => {
            ProviderError::Upstream {
                provider,
                status: "request_too_large".into(),
                message: message(),
            }
        }
        429 => ProviderError::RateLimited {
            provider,
            retry_after,
        },
        s if s >= 500 => ProviderError::Http { provider, status },
        _ => match &error {
            Some(e) => ProviderError::Upstream {
                provider,
                status: e
                    .code_str()
                    .or(e.kind.as_deref())
                    .map_or_else(|| status.to_string(), str::to_owned),
                message: message(),
            },
            None => ProviderError::Http { provider, status },
        },
    }
}

/// The wait a rate-limited answer asks for; `None` when it does not say (or says zero).
pub fn retry_hint(headers: &HeaderMap, error: &ApiError) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let from_ms = header("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms > 0.0)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0));
    from_ms
        .or_else(|| parse_retry_after(headers))
        .or_else(|| error.message.as_deref().and_then(message_hint))
        .or_else(|| reset_hint(headers))
        .filter(|d| !d.is_zero())
}

/// "… Please try again in 644ms." ⇒ 644 ms.
pub fn message_hint(message: &str) -> Option<Duration> {
    let (_, rest) = message.split_once("try again in ")?;
    let token = rest.split_whitespace().next()?;
    parse_duration(token.trim_end_matches(['.', ',']))
}

/// The `x-ratelimit-reset-*` header of the exhausted limit (tokens or requests), or the
/// later of the two when neither says it is exhausted.
fn reset_hint(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let exhausted = |name: &str| get(name).and_then(|v| v.trim().parse::<i64>().ok()) == Some(0);
    let tokens = get("x-ratelimit-reset-tokens").and_then(parse_duration);
    let requests = get("x-ratelimit-reset-requests").and_then(parse_duration);
    if exhausted("x-ratelimit-remaining-tokens") && tokens.is_some() {
        return tokens;
    }
    if exhausted("x-ratelimit-remaining-requests") && requests.is_some() {
        return requests;
    }
    tokens.max(requests)
}

/// A Go-style duration as OpenAI writes them: `20ms`, `1s`, `18.642s`, `1m3s`, `6m0s`,
/// `1h2m`. A bare number is seconds. Negative values (Azure's `-1`) are `None`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds
            .is_finite()
            .then(|| Duration::from_secs_f64(seconds));
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    total.is_finite().then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn go_durations_in_every_form_openai_uses() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("20ms"), Some(ms(20)));
        assert_eq!(parse_duration("1s"), Some(ms(1000)));
        assert_eq!(parse_duration("18.642s"), Some(ms(18_642)));
        assert_eq!(parse_duration("1m3s"), Some(ms(63_000)));
        assert_eq!(parse_duration("6m0s"), Some(ms(360_000)));
        assert_eq!(parse_duration("1h2m"), Some(ms(3_720_000)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("-1"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn message_hints_read_milliseconds_and_fractional_seconds() {
        assert_eq!(
            message_hint("Limit 30000. Please try again in 644ms."),
            Some(Duration::from_millis(644))
        );
        assert_eq!(
            message_hint("Please try again in 1m3s. Visit https://platform.openai.com"),
            Some(Duration::from_secs(63))
        );
        assert_eq!(message_hint("You exceeded your current quota"), None);
    }

    #[test]
    fn server_errors_are_retried_and_client_errors_are_not() {
        let none = HeaderMap::new();
        assert_eq!(
            classify(503, &none, b""),
            RetryVerdict::Retry { after: None }
        );
        assert_eq!(classify(400, &none, b"{}"), RetryVerdict::Final);
        assert_eq!(classify(200, &none, b"{}"), RetryVerdict::Final);
    }

    #[test]
    fn a_final_error_keeps_the_message_without_the_key() {
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-abc","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        assert_eq!(
            error_for("openai", 401, None, body, "sk-abc"),
            ProviderError::Unauthorized { provider: "openai" }
        );
        let bad = br#"{"error":{"message":"max_tokens is too large: sk-abc","type":"invalid_request_error","code":null}}"#;
        assert_eq!(
            error_for("openai", 400, None, bad, "sk-abc"),
            ProviderError::Upstream {
                provider: "openai",
                status: "invalid_request_error".into(),
                message: "max_tokens is too large: [redacted]".into(),
            }
        );
        assert_eq!(
            error_for("deepseek", 402, None, b"{}", ""),
            ProviderError::QuotaExceeded {
                provider: "deepseek"
            }
        );
    }
}
