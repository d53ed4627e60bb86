//! Leadforge on the web: the JSON API under `/api` (with its OpenAPI document), Server-Sent
//! Events for live runs, the server-rendered UI (askama + htmx, both embedded) and sign-in.
//!
//! The crate holds no business rules: handlers check who is asking, validate input, call the
//! store or the pipeline, and shape the answer. Every query is scoped to the caller's agency;
//! another agency's id answers 404, exactly like an id that does not exist.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod live;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use pipeline::Services;

pub use error::{ApiError, ApiResult};

/// How the web side behaves.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Serve over https (or behind a proxy that terminates it): session cookies get `Secure`.
    pub https: bool,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Failed sign-ins allowed per address and per e-mail within `sign_in_window`.
    pub sign_in_max_failures: usize,
    /// The window of the sign-in limit.
    pub sign_in_window: Duration,
    /// How often live streams look for new events.
    pub live_poll: Duration,
    /// Whether webhooks may point at private or loopback addresses (tests, the demo).
    pub allow_private_webhooks: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            https: false,
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            sign_in_max_failures: 10,
            sign_in_window: Duration::from_secs(15 * 60),
            live_poll: Duration::from_millis(250),
            allow_private_webhooks: false,
        }
    }
}

/// Everything a handler needs, cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    svc: Arc<Services>,
    settings: WebSettings,
    limiter: auth::SignInLimiter,
    live: live::Hub,
}

impl AppState {
    /// State over the services with these settings.
    pub fn new(svc: Arc<Services>, settings: WebSettings) -> Self {
        let limiter =
            auth::SignInLimiter::new(settings.sign_in_max_failures, settings.sign_in_window);
        let live = live::Hub::new(svc.store.clone(), settings.live_poll);
        Self(Arc::new(Inner {
            svc,
            settings,
            limiter,
            live,
        }))
    }

    /// The services (store, providers, configuration).
    pub fn svc(&self) -> &Arc<Services> {
        &self.0.svc
    }

    /// The settings.
    pub fn settings(&self) -> &WebSettings {
        &self.0.settings
    }

    /// The sign-in limiter.
    pub fn limiter(&self) -> &auth::SignInLimiter {
        &self.0.limiter
    }

    /// The live-event hub.
    pub fn live(&self) -> &live::Hub {
        &self.0.live
    }
}

/// The whole application: API, UI, assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api", api::router())
        .merge(ui::router())
        .merge(assets::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// The content security policy: scripts and styles from this server only (style attributes
/// allowed for the progress bar), no framing, forms posting back here only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'; object-src 'none'";

/// Headers every answer carries: the CSP, no sniffing, no framing, no referrer leaks, and no
/// caching of anything but the embedded assets.
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Serves the application on `listener` until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
