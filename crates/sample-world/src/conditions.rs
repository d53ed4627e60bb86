//! The conditions of service: a middleware on the API router and on both sites routers that,
//! for every provider or site request, draws a latency from the [`LatencyProfile`], decides a
//! fault from the provider's [`FaultPlan`], applies both, and writes a [`CallRecord`].
//!
//! - **Which requests.** Every request to a provider endpoint (class by path: see
//!   [`ServiceClass`]) and every request to the sites server. `/v1/models`, `/status`,
//!   `/api/status` and unknown paths are neither delayed by the profile nor logged (the flat
//!   [`FaultHandle::set_latency`] still delays them, as before).
//! - **Identity and draws.** A request's identity hashes its method, host (sites: scheme and
//!   lower-case host without port; APIs: none, since the port changes every run), path and
//!   query, and body. Its occurrence counts the requests with that identity before it. The
//!   latency draw and the fault decision come from `(seed, identity, occurrence, label)`, the
//!   seed being the world's unless [`FaultHandle::set_seed`] says otherwise: two runs making
//!   the same requests draw the same latencies and the same faults; a retry (next
//!   occurrence) draws afresh. Rate-limit bursts are the exception: they count requests in
//!   arrival order.
//! - **When the delay happens.** Before the handler: the middleware sleeps the drawn latency
//!   (plus the flat latency, on the APIs), then runs the handler, so the service time of a
//!   call is the draw plus the handler's own time (milliseconds, except the pages that are
//!   slow on purpose, whose delay is added to [`CallRecord::drawn`]). A 429 answers after the
//!   flat latency only; a timeout holds `hang` instead of the draw, then answers 504 without
//!   running the handler; a drip sleeps the draw, runs the handler, sends the headers, then
//!   the body over `drip_over`.
//! - **Faults.** An explicit [`Fault`] wins: the plan is not consulted and the handler
//!   answers it as before. Otherwise the plan's 500, 429 and malformed answers are made by
//!   the handlers, in their provider's own format; refusals and bad JSON are made from the
//!   handler's real answer; site faults use plain pages. Page changes (sites) affect a share
//!   of URLs: every fetch of one gets a different version (a notice of varying length before
//!   `</body>`); a third of them answer 404 or 410 from their second fetch on, the home page
//!   excepted. Firecrawl loads pages without going through the sites server, so it sees no
//!   site faults.
//!
//! [`LatencyProfile`]: crate::LatencyProfile
//! [`FaultPlan`]: crate::FaultPlan
//! [`CallRecord`]: crate::CallRecord
//! [`CallRecord::drawn`]: crate::CallRecord::drawn
//! [`ServiceClass`]: crate::ServiceClass
//! [`Fault`]: crate::Fault
//! [`FaultHandle::set_latency`]: crate::FaultHandle::set_latency
//! [`FaultHandle::set_seed`]: crate::FaultHandle::set_seed

mod body;
mod request;
mod rewrite;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::agency_site;
use crate::calls::{CLIENT_CLOSED, CallRecord, Pending, unix_ms};
use crate::faults::{Fault, FaultKind, FaultProvider, Planned, with_planned};
use crate::latency::ServiceClass;
use crate::rng::{self, SplitMix64};
use crate::server::AppState;
use crate::sites::Held;
use crate::stats::endpoint;
use crate::world::Business;
use body::{Drip, Logged};
use request::{Call, Route, api_call, api_route, site_call};
use rewrite::LlmFault;

/// Largest request body read (the handlers take less).
const MAX_BODY: usize = 64 << 20;

/// The API middleware (see the module documentation).
pub(crate) async fn api(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(route) = api_route(request.method(), request.uri().path()) else {
        sleep(state.faults.latency()).await;
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.\n",
        )
            .into_response();
    };
    let call = api_call(&state, route, &parts.method, &parts.uri, &body);
    serve(
        state,
        call,
        Request::from_parts(parts, Body::from(body)),
        next,
    )
    .await
}

/// `router` (the sites, for requests over TLS when `secure`) behind the conditions.
pub(crate) fn sites(router: Router, state: AppState, secure: bool) -> Router {
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let state = state.clone();
            async move {
                let call = site_call(&state, secure, &request);
                serve(state, call, request, next).await
            }
        },
    ))
}

async fn sleep(duration: Duration) {
    if !duration.is_zero() {
        tokio::time::sleep(duration).await;
    }
}

/// The draws of one request.
#[derive(Debug, Clone, Copy)]
struct Draws {
    seed: u64,
    identity: u64,
    occurrence: u32,
}

impl Draws {
    /// For this request.
    fn call(&self, label: &str) -> SplitMix64 {
        rng::for_call(self.seed, self.identity, self.occurrence, label)
    }

    /// For every request with this identity (a URL's fate).
    fn url(&self, label: &str) -> SplitMix64 {
        rng::for_call(self.seed, self.identity, 0, label)
    }
}

/// Everything one request goes through: draw, decide, delay, answer, log.
async fn serve(state: AppState, call: Call, request: Request, next: Next) -> Response {
    let Route {
        class, provider, ..
    } = call.route;
    let occurrence = state.calls.occurrence(call.identity);
    let draws = Draws {
        seed: state
            .faults
            .seed()
            .unwrap_or_else(|| state.world.config().seed),
        identity: call.identity,
        occurrence,
    };
    let profiled = state.faults.latency_profile().map_or(Duration::ZERO, |p| {
        p.get(class).draw(&mut draws.call("latency"))
    });
    let flat = if class == ServiceClass::Sites {
        Duration::ZERO
    } else {
        state.faults.latency()
    };
    let mut pending = Pending::new(
        &state.calls,
        CallRecord {
            class,
            endpoint: call.route.endpoint,
            provider,
            host: call.host.clone(),
            subject: call.subject.clone(),
            operation: call.operation.clone(),
            query: call.query.clone(),
            identity: call.identity,
            occurrence,
            drawn: profiled.saturating_add(flat),
            started: state.calls.now(),
            ended: Duration::ZERO,
            started_unix_ms: unix_ms(),
            status: CLIENT_CLOSED,
            fault: None,
        },
    );
    let explicit = explicit_fault(&state, provider);
    let (planned, change_rate) = if explicit == Fault::None {
        let draw = draws.call("fault").unit();
        state.faults.decide(provider, &call.scope, draw)
    } else {
        (None, 0.0)
    };
    let mut served = Served {
        state: &state,
        call: &call,
        draws,
        pending: &mut pending,
        flat,
    };
    let response = match (explicit.kind(), planned) {
        (Some(kind), _) => served.explicit(explicit, kind, request, next).await,
        (None, Some(planned)) => served.planned(planned, request, next).await,
        (None, None) => {
            sleep(profiled.saturating_add(flat)).await;
            let response = next.run(request).await;
            if class == ServiceClass::Sites && change_rate > 0.0 {
                served.change(response, change_rate).await
            } else {
                response
            }
        }
    };
    if let Some(Held(delay)) = response.extensions().get::<Held>() {
        let drawn = &mut pending.record().drawn;
        *drawn = drawn.saturating_add(*delay);
    }
    pending.record().status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::new(Logged::new(body, pending)))
}

/// The explicit fault that applies to a request of `provider` (for sites, only a server error
/// or a rate limit).
fn explicit_fault(state: &AppState, provider: FaultProvider) -> Fault {
    match (provider, state.faults.explicit(provider)) {
        (FaultProvider::Sites, f @ (Fault::ServerError | Fault::RateLimited { .. })) => f,
        (FaultProvider::Sites, _) => Fault::None,
        (_, f) => f,
    }
}

/// A request being served.
struct Served<'a> {
    state: &'a AppState,
    call: &'a Call,
    draws: Draws,
    pending: &'a mut Pending,
    flat: Duration,
}

impl Served<'_> {
    fn sites(&self) -> bool {
        self.call.route.class == ServiceClass::Sites
    }

    /// Records and counts `kind` as injected into this call.
    fn inject(&mut self, kind: FaultKind) {
        self.pending.record().fault = Some(kind);
        self.state.faults.count(self.call.route.provider, kind);
    }

    /// Counts a request the handler will not see, as the handler would have.
    fn count_unhandled(&self) {
        let stats = &self.state.stats;
        if !self.sites() {
            stats.hit(self.call.route.endpoint);
            return;
        }
        stats.hit(endpoint::SITES);
        let host = self.call.host.as_deref().unwrap_or_default();
        let domain = self
            .state
            .world
            .site_owner(host)
            .and_then(Business::site_domain)
            .or_else(|| agency_site::serves(host).then(|| agency_site::DOMAIN.to_owned()));
        if let Some(domain) = domain {
            stats.hit(&format!("site:{domain}"));
        }
    }

    /// Waits the flat latency only: what a rate limit answers after.
    async fn rate_limit_wait(&mut self) {
        self.pending.record().drawn = self.flat;
        sleep(self.flat).await;
    }

    async fn explicit(
        &mut self,
        fault: Fault,
        kind: FaultKind,
        request: Request,
        next: Next,
    ) -> Response {
        self.inject(kind);
        if let Fault::RateLimited { retry_after_secs } = fault {
            self.rate_limit_wait().await;
            if self.sites() {
                self.count_unhandled();
                return rewrite::too_many_requests(retry_after_secs);
            }
            return next.run(request).await;
        }
        sleep(self.pending.record().drawn).await;
        if self.sites() {
            self.count_unhandled();
            return crate::sites::server_error();
        }
        next.run(request).await
    }

    async fn planned(&mut self, planned: Planned, request: Request, next: Next) -> Response {
        let latency = self.pending.record().drawn;
        let handled =
            |fault: Fault, request: Request, next: Next| with_planned(fault, next.run(request));
        match planned {
            Planned::RateLimited { retry_after_secs } => {
                self.inject(FaultKind::RateLimited);
                self.rate_limit_wait().await;
                if self.sites() {
                    self.count_unhandled();
                    return rewrite::too_many_requests(retry_after_secs);
                }
                handled(Fault::RateLimited { retry_after_secs }, request, next).await
            }
            Planned::ServerError | Planned::Malformed => {
                self.inject(planned.kind());
                sleep(latency).await;
                if self.sites() {
                    self.count_unhandled();
                    return crate::sites::server_error();
                }
                let fault = if planned == Planned::ServerError {
                    Fault::ServerError
                } else {
                    Fault::Malformed
                };
                handled(fault, request, next).await
            }
            Planned::Timeout(hang) => {
                self.inject(FaultKind::Timeout);
                self.pending.record().drawn = hang;
                self.count_unhandled();
                sleep(hang).await;
                rewrite::gateway_timeout()
            }
            Planned::SlowDrip(over) => {
                self.inject(FaultKind::SlowDrip);
                self.pending.record().drawn = latency.saturating_add(over);
                sleep(latency).await;
                let response = next.run(request).await;
                let (mut parts, body) = response.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                parts.headers.remove(header::CONTENT_LENGTH);
                Response::from_parts(parts, Body::new(Drip::new(bytes, over)))
            }
            Planned::Refusal | Planned::BadJson => {
                sleep(latency).await;
                let response = next.run(request).await;
                let fault = if planned == Planned::Refusal {
                    LlmFault::Refusal
                } else if self.call.wants_json {
                    LlmFault::BadJson
                } else {
                    return response;
                };
                let mut rng = self.draws.call("llm");
                match rewrite::llm(response, fault, self.call.route.endpoint, &mut rng).await {
                    Ok(remade) => {
                        self.inject(planned.kind());
                        remade
                    }
                    Err(unchanged) => unchanged,
                }
            }
        }
    }

    /// A site's answer, changed if its URL is one of the `rate` that change.
    async fn change(&mut self, response: Response, rate: f64) -> Response {
        let draws = self.draws;
        if !draws.url("change").chance(rate) || !rewrite::is_html_page(&response) {
            return response;
        }
        let later = draws.occurrence > 0;
        if later && !self.call.home && draws.url("gone").chance(1.0 / 3.0) {
            self.inject(FaultKind::PageGone);
            let status = if draws.url("gone status").chance(0.5) {
                StatusCode::GONE
            } else {
                StatusCode::NOT_FOUND
            };
            return rewrite::gone(status);
        }
        let mut rng = draws.call("version");
        match rewrite::changed_page(response, draws.occurrence, &mut rng).await {
            Ok(changed) => {
                if later {
                    self.inject(FaultKind::PageChanged);
                }
                changed
            }
            Err(unchanged) => unchanged,
        }
    }
}
