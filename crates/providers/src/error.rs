//! The one error type every provider client returns.
//!
//! Messages are a single line meant for logs and run events. They never carry a secret: HTTP
//! errors are stripped of their URL (the legacy Google API puts `key=` in the query string) and
//! upstream messages are scrubbed of the key before they are stored here.

use std::time::Duration;

/// Why a call to an external provider did not produce an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The provider asked us to slow down (HTTP 429, Google `OVER_QUERY_LIMIT`).
    #[error("{provider}: rate limited{}", fmt_retry_after(*.retry_after))]
    RateLimited {
        /// Stable provider name.
        provider: &'static str,
        /// How long the provider asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The API key was refused (HTTP 401/403, Google `REQUEST_DENIED`).
    #[error("{provider}: unauthorized (check the API key and that the API is enabled)")]
    Unauthorized {
        /// Stable provider name.
        provider: &'static str,
    },
    /// The account has no credits or daily quota left.
    #[error("{provider}: quota exceeded (no credits or daily quota left)")]
    QuotaExceeded {
        /// Stable provider name.
        provider: &'static str,
    },
    /// An HTTP status the provider gave no better explanation for.
    #[error("{provider}: HTTP {status}")]
    Http {
        /// Stable provider name.
        provider: &'static str,
        /// The HTTP status code.
        status: u16,
    },
    /// The request did not complete within the configured timeout.
    #[error("{provider}: request timed out")]
    Timeout {
        /// Stable provider name.
        provider: &'static str,
    },
    /// The request could not be sent or the response could not be read.
    #[error("{provider}: network error: {message}")]
    Network {
        /// Stable provider name.
        provider: &'static str,
        /// What went wrong, without the URL.
        message: String,
    },
    /// The response was not the JSON we expected.
    #[error("{provider}: malformed response: {message}")]
    Decode {
        /// Stable provider name.
        provider: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The provider answered with an error status of its own (e.g. Google `INVALID_REQUEST`).
    #[error("{provider}: {status}: {message}")]
    Upstream {
        /// Stable provider name.
        provider: &'static str,
        /// The provider's status string.
        status: String,
        /// The provider's message, scrubbed of secrets.
        message: String,
    },
    /// OpenStreetMap has no tag mapping for this vertical.
    #[error("osm: no OpenStreetMap tags known for vertical \"{vertical}\"")]
    UnsupportedVertical {
        /// The vertical as the user typed it.
        vertical: String,
    },
    /// Nominatim found no place matching the geography.
    #[error("nominatim: geography \"{geography}\" not found")]
    GeographyNotFound {
        /// The geography as the user typed it.
        geography: String,
    },
    /// The provider has no key or base URL configured.
    #[error("{provider}: not configured")]
    NotConfigured {
        /// Stable provider name.
        provider: &'static str,
    },
}

impl ProviderError {
    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Network { .. } => true,
            Self::Http { status, .. } => *status >= 500 || *status == 408,
            Self::Upstream { status, .. } => status == "UNKNOWN_ERROR",
            Self::Unauthorized { .. }
            | Self::QuotaExceeded { .. }
            | Self::Decode { .. }
            | Self::UnsupportedVertical { .. }
            | Self::GeographyNotFound { .. }
            | Self::NotConfigured { .. } => false,
        }
    }

    /// Builds a [`ProviderError::Network`] or [`ProviderError::Timeout`] from a reqwest error,
    /// dropping the URL and keeping the causes (`connection refused`, …).
    pub fn from_reqwest(provider: &'static str, err: reqwest::Error) -> Self {
        if err.is_timeout() {
            return Self::Timeout { provider };
        }
        let err = err.without_url();
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Network { provider, message }
    }

    /// Builds a [`ProviderError::Decode`] naming what could not be parsed.
    pub fn decode(provider: &'static str, what: &str, err: impl std::fmt::Display) -> Self {
        Self::Decode {
            provider,
            message: format!("{what}: {err}"),
        }
    }
}

fn fmt_retry_after(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} ms)", d.as_millis()),
        None => String::new(),
    }
}

/// Replaces every occurrence of `secret` in `message`, for upstream messages that may echo
/// the request back.
pub(crate) fn scrub(message: &str, secret: &str) -> String {
    if secret.is_empty() {
        return message.to_owned();
    }
    message.replace(secret, "[redacted]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limited_message_names_the_wait() {
        let err = ProviderError::RateLimited {
            provider: "serper",
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(
            err.to_string(),
            "serper: rate limited (retry after 2000 ms)"
        );
        assert!(err.is_retryable());
    }

    #[test]
    fn client_errors_are_not_retryable_but_server_errors_are() {
        assert!(
            !ProviderError::Http {
                provider: "x",
                status: 404
            }
            .is_retryable()
        );
        assert!(
            ProviderError::Http {
                provider: "x",
                status: 503
            }
            .is_retryable()
        );
        assert!(!ProviderError::Unauthorized { provider: "x" }.is_retryable());
    }

    #[test]
    fn scrub_removes_the_secret() {
        assert_eq!(
            scrub("bad key abc123 given", "abc123"),
            "bad key [redacted] given"
        );
        assert_eq!(scrub("nothing", ""), "nothing");
    }
}
