//! Fault injection: each provider can be switched, at runtime, to fail the way real providers
//! fail, so clients' retries, fallbacks and error mapping can be tested end to end.
//!
//! Two ways: an explicit [`Fault`] ([`FaultHandle::set`]) makes every request of a provider
//! fail the same way; a [`FaultPlan`] ([`FaultHandle::set_plan`]) makes a share of them fail,
//! each request decided from the seed and the request's identity (see [`crate::conditions`]),
//! so the same requests fail the same way run after run. The latency profile lives here too:
//! it is one more condition of the world's service.

mod plan;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::latency::LatencyProfile;
use crate::spec::SpecError;
pub use plan::{FaultPlan, FaultPlans, RateLimitBurst};

/// A provider of the sample world whose behaviour can be faulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FaultProvider {
    Serper,
    GooglePlaces,
    GoogleLegacy,
    Nominatim,
    Overpass,
    /// The OpenAI-compatible API. An explicit [`Fault`] set here covers responses, chat
    /// completions and embeddings (unless [`FaultProvider::OpenAiEmbeddings`] has its own);
    /// a [`FaultPlan`] set here covers responses and chat completions only.
    OpenAi,
    /// Firecrawl's `POST /v1/scrape`.
    Firecrawl,
    /// Serper's web search, `POST /search` (its `/places` is [`FaultProvider::Serper`]).
    SerperSearch,
    /// Google Custom Search JSON API, `GET /customsearch/v1`.
    GoogleCustomSearch,
    /// `POST /v1/embeddings` of the OpenAI-compatible API.
    OpenAiEmbeddings,
    /// The business websites and the agency's site. Of the explicit faults only
    /// [`Fault::ServerError`] and [`Fault::RateLimited`] apply to them.
    Sites,
}

impl FaultProvider {
    /// Every provider.
    pub const ALL: [FaultProvider; 11] = [
        Self::Serper,
        Self::SerperSearch,
        Self::GooglePlaces,
        Self::GoogleLegacy,
        Self::GoogleCustomSearch,
        Self::Nominatim,
        Self::Overpass,
        Self::OpenAi,
        Self::OpenAiEmbeddings,
        Self::Firecrawl,
        Self::Sites,
    ];

    /// The stable name used in fault specs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Serper => "serper",
            Self::SerperSearch => "serper_search",
            Self::GooglePlaces => "google_places",
            Self::GoogleLegacy => "google_legacy",
            Self::GoogleCustomSearch => "google_cse",
            Self::Nominatim => "nominatim",
            Self::Overpass => "overpass",
            Self::OpenAi => "openai",
            Self::OpenAiEmbeddings => "embeddings",
            Self::Firecrawl => "firecrawl",
            Self::Sites => "sites",
        }
    }
}

impl fmt::Display for FaultProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FaultProvider {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let name = s.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| {
                SpecError::new(format!(
                    "unknown provider \"{name}\" (expected one of: {})",
                    Self::ALL.map(Self::as_str).join(", ")
                ))
            })
    }
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

impl Fault {
    /// The kind of fault this is, for counting; `None` for normal service.
    pub fn kind(self) -> Option<FaultKind> {
        match self {
            Self::None => None,
            Self::ServerError => Some(FaultKind::ServerError),
            Self::RateLimited { .. } => Some(FaultKind::RateLimited),
            Self::Malformed => Some(FaultKind::Malformed),
            Self::Empty => Some(FaultKind::Empty),
            Self::Unauthorized => Some(FaultKind::Unauthorized),
        }
    }
}

/// A kind of injected fault, as counted by [`FaultHandle::injected`] and recorded in
/// [`crate::CallRecord::fault`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FaultKind {
    ServerError,
    RateLimited,
    Timeout,
    SlowDrip,
    Malformed,
    Refusal,
    BadJson,
    PageChanged,
    PageGone,
    /// Only from an explicit [`Fault::Empty`].
    Empty,
    /// Only from an explicit [`Fault::Unauthorized`].
    Unauthorized,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 11] = [
        Self::ServerError,
        Self::RateLimited,
        Self::Timeout,
        Self::SlowDrip,
        Self::Malformed,
        Self::Refusal,
        Self::BadJson,
        Self::PageChanged,
        Self::PageGone,
        Self::Empty,
        Self::Unauthorized,
    ];

    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServerError => "server_error",
            Self::RateLimited => "rate_limited",
            Self::Timeout => "timeout",
            Self::SlowDrip => "slow_drip",
            Self::Malformed => "malformed",
            Self::Refusal => "refusal",
            Self::BadJson => "bad_json",
            Self::PageChanged => "page_changed",
            Self::PageGone => "page_gone",
            Self::Empty => "empty",
            Self::Unauthorized => "unauthorized",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a plan decided for one request (see [`FaultHandle::decide`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Planned {
    RateLimited { retry_after_secs: u64 },
    ServerError,
    Timeout(Duration),
    SlowDrip(Duration),
    Malformed,
    Refusal,
    BadJson,
}

impl Planned {
    pub(crate) fn kind(self) -> FaultKind {
        match self {
            Self::RateLimited { .. } => FaultKind::RateLimited,
            Self::ServerError => FaultKind::ServerError,
            Self::Timeout(_) => FaultKind::Timeout,
            Self::SlowDrip(_) => FaultKind::SlowDrip,
            Self::Malformed => FaultKind::Malformed,
            Self::Refusal => FaultKind::Refusal,
            Self::BadJson => FaultKind::BadJson,
        }
    }
}

tokio::task_local! {
    /// The fault a plan chose for the request being handled: the handlers answer it in their
    /// provider's own format, as they answer an explicit [`Fault`].
    static PLANNED: Fault;
}

/// Runs a handler with `fault` as the request's planned fault (see [`FaultHandle::for_request`]).
pub(crate) async fn with_planned<F: Future>(fault: Fault, handler: F) -> F::Output {
    PLANNED.scope(fault, handler).await
}

/// Latency profile, plans and counters: what the conditions middleware reads per request.
#[derive(Debug, Default)]
struct Conditions {
    profile: Option<LatencyProfile>,
    seed: Option<u64>,
    plans: FaultPlans,
    /// Requests each plan has seen, per provider and scope (the host, for sites), for the
    /// rate-limit bursts.
    seen: HashMap<(FaultProvider, String), u64>,
    injected: BTreeMap<(FaultProvider, FaultKind), u64>,
}

/// Shared, cloneable control over the faults of a running world.
#[derive(Debug, Clone, Default)]
pub struct FaultHandle {
    faults: Arc<Mutex<HashMap<FaultProvider, Fault>>>,
    latency_ms: Arc<AtomicU64>,
    conditions: Arc<Mutex<Conditions>>,
}

impl FaultHandle {
    /// Makes `provider` behave as `fault` from its next request on. An explicit fault wins
    /// over the provider's [`FaultPlan`]: while it is set, the plan is not consulted.
    pub fn set(&self, provider: FaultProvider, fault: Fault) {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        faults.insert(provider, fault);
    }

    /// The fault currently set for `provider`.
    pub fn get(&self, provider: FaultProvider) -> Fault {
        let faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        faults.get(&provider).copied().unwrap_or_default()
    }

    /// The explicit fault that applies to `provider`'s requests: embeddings fall back to
    /// [`FaultProvider::OpenAi`]'s.
    pub(crate) fn explicit(&self, provider: FaultProvider) -> Fault {
        match (provider, self.get(provider)) {
            (FaultProvider::OpenAiEmbeddings, Fault::None) => self.get(FaultProvider::OpenAi),
            (_, fault) => fault,
        }
    }

    /// The fault a handler answers with: the explicit one, else the one a plan chose for the
    /// request being handled (set by the conditions middleware around the handler).
    pub(crate) fn for_request(&self, provider: FaultProvider) -> Fault {
        match self.explicit(provider) {
            Fault::None => PLANNED.try_with(|f| *f).unwrap_or_default(),
            fault => fault,
        }
    }

    /// Restores normal service for `provider`.
    pub fn clear(&self, provider: FaultProvider) {
        self.set(provider, Fault::None);
    }

    /// Makes every provider API answer `latency` later than it would (0 = at once), so a run
    /// takes long enough to be observed, interrupted or cancelled part-way. Adds to the
    /// latency drawn from the [`LatencyProfile`], if one is set; the sites are not delayed.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::Relaxed);
    }

    /// The added latency of every provider API.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// Restores normal service for every provider: explicit faults and plans (the latency
    /// profile and the flat latency stay).
    pub fn clear_all(&self) {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.clear_plans();
    }

    fn conditions(&self) -> MutexGuard<'_, Conditions> {
        self.conditions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Delays every logged call by a draw from `profile` for its [`ServiceClass`] from the
    /// next request on; `None` switches the profile off.
    ///
    /// [`ServiceClass`]: crate::ServiceClass
    pub fn set_latency_profile(&self, profile: Option<LatencyProfile>) {
        self.conditions().profile = profile;
    }

    /// The latency profile in force.
    pub fn latency_profile(&self) -> Option<LatencyProfile> {
        self.conditions().profile
    }

    /// Seeds latency draws and fault decisions with `seed` instead of the world's seed
    /// (`None`: the world's).
    pub fn set_seed(&self, seed: Option<u64>) {
        self.conditions().seed = seed;
    }

    /// The seed set with [`FaultHandle::set_seed`].
    pub fn seed(&self) -> Option<u64> {
        self.conditions().seed
    }

    /// Gives `provider` a probabilistic fault plan from its next request on (replacing its
    /// plan, and restarting its rate-limit bursts). A plan that is out of range, or that asks
    /// for a fault `provider` cannot have, is refused.
    pub fn set_plan(&self, provider: FaultProvider, plan: FaultPlan) -> Result<(), SpecError> {
        plan.check(provider)?;
        let mut conditions = self.conditions();
        conditions.plans.put(provider, plan);
        conditions.seen.retain(|(p, _), _| *p != provider);
        Ok(())
    }

    /// Replaces every plan with `plans` and restarts the rate-limit bursts.
    pub fn set_plans(&self, plans: FaultPlans) {
        let mut conditions = self.conditions();
        conditions.plans = plans;
        conditions.seen.clear();
    }

    /// The plans in force.
    pub fn plans(&self) -> FaultPlans {
        self.conditions().plans.clone()
    }

    /// Removes every plan (the injected counts stay).
    pub fn clear_plans(&self) {
        self.set_plans(FaultPlans::default());
    }

    /// How many faults of each kind each provider has injected, explicit faults included.
    pub fn injected(&self) -> BTreeMap<(FaultProvider, FaultKind), u64> {
        self.conditions().injected.clone()
    }

    /// Sets the injected counts back to zero.
    pub fn reset_injected(&self) {
        self.conditions().injected.clear();
    }

    pub(crate) fn count(&self, provider: FaultProvider, kind: FaultKind) {
        *self
            .conditions()
            .injected
            .entry((provider, kind))
            .or_default() += 1;
    }

    /// What `provider`'s plan does to one request: a rate-limit burst, else the fault `draw`
    /// (uniform in `[0, 1)`) falls on. `scope` separates rate-limit counters (the host, for
    /// sites). Also returns the plan's page-change rate.
    pub(crate) fn decide(
        &self,
        provider: FaultProvider,
        scope: &str,
        draw: f64,
    ) -> (Option<Planned>, f64) {
        let mut conditions = self.conditions();
        let Some(plan) = conditions.plans.get(provider).copied() else {
            return (None, 0.0);
        };
        if let Some(burst) = plan.rate_limit {
            let seen = conditions
                .seen
                .entry((provider, scope.to_owned()))
                .or_default();
            let n = *seen;
            *seen += 1;
            if burst.limits(n) {
                let retry_after_secs = burst.retry_after_secs;
                return (
                    Some(Planned::RateLimited { retry_after_secs }),
                    plan.change_rate,
                );
            }
        }
        (plan.pick(draw), plan.change_rate)
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
