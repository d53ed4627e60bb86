//! Fault injection: each provider can be switched, at runtime, to fail the way real providers
//! fail, so clients' retries, fallbacks and error mapping can be tested end to end.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A provider of the sample world whose behaviour can be faulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultProvider {
    Serper,
    GooglePlaces,
    GoogleLegacy,
    Nominatim,
    Overpass,
    /// The OpenAI-compatible API (responses, chat completions, embeddings).
    OpenAi,
    /// Firecrawl's `POST /v1/scrape`.
    Firecrawl,
    /// Serper's web search, `POST /search` (its `/places` is [`FaultProvider::Serper`]).
    SerperSearch,
    /// Google Custom Search JSON API, `GET /customsearch/v1`.
    GoogleCustomSearch,
}

/// How a provider misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Fault {
    /// Normal service.
    #[default]
    None,
    /// HTTP 500 with the provider's error body.
    ServerError,
    /// HTTP 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 200 with a truncated, unparseable JSON body.
    Malformed,
    /// A well-formed success with no results.
    Empty,
    /// The provider rejects the key (or, keyless providers, the client).
    Unauthorized,
}

/// Shared, cloneable control over the faults of a running world.
#[derive(Debug, Clone, Default)]
pub struct FaultHandle {
    faults: Arc<Mutex<HashMap<FaultProvider, Fault>>>,
    latency_ms: Arc<AtomicU64>,
}

impl FaultHandle {
    /// Makes `provider` behave as `fault` from its next request on.
    pub fn set(&self, provider: FaultProvider, fault: Fault) {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        faults.insert(provider, fault);
    }

    /// The fault currently set for `provider`.
    pub fn get(&self, provider: FaultProvider) -> Fault {
        let faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        faults.get(&provider).copied().unwrap_or_default()
    }

    /// Restores normal service for `provider`.
    pub fn clear(&self, provider: FaultProvider) {
        self.set(provider, Fault::None);
    }

    /// Makes every provider API answer `latency` later than it would (0 = at once), so a run
    /// takes long enough to be observed, interrupted or cancelled part-way.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::Relaxed);
    }

    /// The added latency of every provider API.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// Restores normal service for every provider.
    pub fn clear_all(&self) {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// A JSON response with a fixed status, as every JSON provider answers.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A body that starts like the provider's answer and stops mid-way.
pub(crate) fn malformed(start: &str) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        start.to_owned(),
    )
        .into_response()
}

/// Adds `Retry-After` to a rate-limit response.
pub(crate) fn with_retry_after(mut response: Response, retry_after_secs: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_per_provider_and_clearable() {
        let handle = FaultHandle::default();
        handle.set(FaultProvider::Serper, Fault::ServerError);
        assert_eq!(handle.get(FaultProvider::Serper), Fault::ServerError);
        assert_eq!(handle.get(FaultProvider::Overpass), Fault::None);
        handle.clear_all();
        assert_eq!(handle.get(FaultProvider::Serper), Fault::None);
    }
}
