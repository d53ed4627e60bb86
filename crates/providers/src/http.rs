//! The HTTP client every provider uses: timeouts, an identifying user agent and retries.
//!
//! Retries cover what is worth retrying: 429 (honouring `Retry-After`, in seconds or as an
//! HTTP date), 5xx, timeouts and connection failures, with exponential backoff and full
//! jitter. The delays actually slept are returned with the response so callers and tests can
//! see what the policy chose without measuring time.

use std::time::{Duration, Instant, SystemTime};

use rand::Rng as _;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::ProviderError;

/// The user agent sent on every request (Nominatim's usage policy requires an identifying one).
pub const USER_AGENT: &str = concat!(
    "Leadforge/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/leadforge/leadforge)"
);

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff ceiling of the first retry; doubles per retry.
    pub base_delay: Duration,
    /// Upper bound of any single wait, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based): uniformly random between zero and
    /// `base_delay × 2^attempt`, capped by `max_delay` ("full jitter").
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=ceiling_ms))
    }

    /// The wait before a retry the server asked for, capped by `max_delay`; falls back to
    /// [`RetryPolicy::backoff`] when the server did not say.
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_delay),
            None => self.backoff(attempt),
        }
    }
}

/// Whether a response that came back is final or worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryVerdict {
    /// Keep this response (success, or an error that retrying will not fix).
    Final,
    /// Try again; `after` is the wait the server asked for, if it said.
    Retry {
        /// The server's wait; `None` means exponential backoff.
        after: Option<Duration>,
    },
}

impl RetryVerdict {
    /// The default rule: 429 and 5xx are retried, honouring `Retry-After`.
    pub fn by_status(status: u16, headers: &HeaderMap) -> Self {
        if status == 429 || status >= 500 {
            Self::Retry {
                after: parse_retry_after(headers),
            }
        } else {
            Self::Final
        }
    }
}

/// Timeouts and retry policy of an [`HttpClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpConfig {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
    /// Retry policy for every request.
    pub retry: RetryPolicy,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// A response after retries: any HTTP status, with its body read.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Final HTTP status.
    pub status: u16,
    /// Response body.
    pub body: Vec<u8>,
    /// Duration of the final attempt.
    pub latency: Duration,
    /// The wait the server asked for: its `Retry-After`, or what the classifier of
    /// [`HttpClient::send_classified`] read from the response (e.g. OpenAI's message).
    pub retry_after: Option<Duration>,
    /// Every wait slept before a retry, in order (empty when the first attempt was final).
    pub retry_delays: Vec<Duration>,
}

impl HttpResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error a non-2xx status means when the body says nothing better: 429 ⇒
    /// `RateLimited`, 401/403 ⇒ `Unauthorized`, anything else ⇒ `Http`.
    pub fn status_error(&self, provider: &'static str) -> Option<ProviderError> {
        match self.status {
            s if (200..300).contains(&s) => None,
            429 => Some(ProviderError::RateLimited {
                provider,
                retry_after: self.retry_after,
            }),
            401 | 403 => Some(ProviderError::Unauthorized { provider }),
            status => Some(ProviderError::Http { provider, status }),
        }
    }
}

/// A `reqwest::Client` with Leadforge's timeouts, user agent and retry policy.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    retry: RetryPolicy,
}

impl HttpClient {
    /// Builds a client.
    pub fn new(config: HttpConfig) -> Result<Self, ProviderError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| ProviderError::from_reqwest("http", e))?;
        Ok(Self {
            client,
            retry: config.retry,
        })
    }

    /// The underlying reqwest client, to build requests with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The retry policy, for providers that retry on errors reported inside a 200 body.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Sends the request `build` makes, retrying 429, 5xx, timeouts and connection failures,
    /// and returns the final response whatever its status. `Err` only when no response came.
    pub async fn send<F>(
        &self,
        provider: &'static str,
        build: F,
    ) -> Result<HttpResponse, ProviderError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        self.send_classified(provider, build, |status, headers, _| {
            RetryVerdict::by_status(status, headers)
        })
        .await
    }

    /// [`HttpClient::send`] with the caller deciding which responses are retried and after
    /// how long: `classify` sees each response's status, headers and body. Providers whose
    /// 429s are not all alike (OpenAI's `insufficient_quota` must not be retried; its
    /// "Please try again in 644ms" is a better wait than none) use this. Timeouts and
    /// connection failures are always retried.
    pub async fn send_classified<F, C>(
        &self,
        provider: &'static str,
        build: F,
        classify: C,
    ) -> Result<HttpResponse, ProviderError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        C: Fn(u16, &HeaderMap, &[u8]) -> RetryVerdict,
    {
        let mut retry_delays = Vec::new();
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let outcome = attempt_once(build(&self.client)).await;
            let latency = started.elapsed();
            let verdict = match &outcome {
                Ok((status, headers, body)) => classify(*status, headers, body),
                Err(err) if err.is_timeout() || err.is_connect() => {
                    RetryVerdict::Retry { after: None }
                }
                Err(_) => RetryVerdict::Final,
            };
            if let RetryVerdict::Retry { after } = verdict
                && attempt < self.retry.max_retries
            {
                let delay = self.retry.delay(attempt, after);
                tracing::warn!(
                    provider.name = provider,
                    http.status = outcome.as_ref().ok().map(|o| o.0),
                    retry.attempt = attempt + 1,
                    retry.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying request"
                );
                tokio::time::sleep(delay).await;
                retry_delays.push(delay);
                attempt += 1;
                continue;
            }
            let (status, headers, body) =
                outcome.map_err(|e| ProviderError::from_reqwest(provider, e))?;
            let retry_after = match verdict {
                RetryVerdict::Retry { after: Some(wait) } => Some(wait),
                _ => parse_retry_after(&headers),
            };
            return Ok(HttpResponse {
                status,
                body,
                latency,
                retry_after,
                retry_delays,
            });
        }
    }

    /// [`HttpClient::send`], then any non-2xx status turned into its default error.
    pub async fn send_with_retry<F>(
        &self,
        provider: &'static str,
        build: F,
    ) -> Result<HttpResponse, ProviderError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let response = self.send(provider, build).await?;
        match response.status_error(provider) {
            Some(err) => Err(err),
            None => Ok(response),
        }
    }
}

async fn attempt_once(
    request: reqwest::RequestBuilder,
) -> Result<(u16, HeaderMap, Vec<u8>), reqwest::Error> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok((status, headers, body))
}

/// `base` with `path` appended, keeping any path prefix the base URL has (unlike
/// [`url::Url::join`], which would replace its last segment).
pub fn endpoint(base: &url::Url, path: &str) -> String {
    format!(
        "{}/{}",
        base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Reads `Retry-After` as delay-seconds or as an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_is_read_as_seconds() {
        assert_eq!(
            parse_retry_after(&headers("7")),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn retry_after_is_read_as_an_http_date() {
        let later = SystemTime::now() + Duration::from_secs(120);
        let parsed = parse_retry_after(&headers(&httpdate::fmt_http_date(later))).unwrap();
        assert!(parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120));
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        assert_eq!(parse_retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(&headers("soon")), None);
    }

    #[test]
    fn backoff_stays_within_the_doubling_ceiling_and_the_cap() {
        let policy = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for _ in 0..50 {
            assert!(policy.backoff(0) <= Duration::from_millis(100));
            assert!(policy.backoff(1) <= Duration::from_millis(200));
            assert!(policy.backoff(6) <= Duration::from_millis(300));
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(60))),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn endpoint_keeps_the_base_path() {
        let base = url::Url::parse("http://127.0.0.1:9/prefix/").unwrap();
        assert_eq!(
            endpoint(&base, "/places"),
            "http://127.0.0.1:9/prefix/places"
        );
        let bare = url::Url::parse("https://google.serper.dev").unwrap();
        assert_eq!(
            endpoint(&bare, "places"),
            "https://google.serper.dev/places"
        );
    }

    #[test]
    fn user_agent_names_leadforge_and_its_version() {
        assert!(USER_AGENT.starts_with("Leadforge/0."));
        assert!(USER_AGENT.ends_with("(+https://github.com/leadforge/leadforge)"));
    }
}
