//! The server-rendered UI: askama templates (auto-escaped), htmx for partial swaps and the SSE
//! extension for live runs. Every page works without JavaScript; htmx only spares reloads.
//!
//! Handlers take a [`UiCaller`](crate::auth::UiCaller), so a visitor without a session is sent
//! to `/signin?next=…`, and scope every id by the caller's agency: another agency's run, lead
//! or page answers the same 404 page as an id that does not exist.

mod campaigns;
mod evidence;
mod exports;
mod format;
mod leads;
mod live;
mod pages;
mod report;
mod runs;
mod settings;
mod signin;
mod usage;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub use pages::highlight;

/// The UI's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::signout))
        .route("/", get(campaigns::index))
        .route("/campaigns/new", get(campaigns::new_form))
        .route("/campaigns", post(campaigns::create))
        .route("/runs/{id}", get(runs::show))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .route("/runs/{id}/live", get(live::stream))
        .route("/runs/{id}/report", get(report::show))
        .route("/runs/{id}/jobs", get(report::jobs))
        .route("/runs/{id}/export.csv", get(exports::csv))
        .route("/runs/{id}/export.json", get(exports::json))
        .route("/leads/{id}", get(leads::show))
        .route("/leads/{id}/status", post(leads::set_status))
        .route("/leads/{id}/audit", post(leads::start_audit))
        .route("/pages/{id}", get(pages::show))
        .route("/usage", get(usage::show))
        .route("/settings", get(settings::show))
        .route("/settings/profile", post(settings::save_profile))
        .route("/settings/suppression", post(settings::add_suppression))
        .route(
            "/settings/suppression/{id}/delete",
            post(settings::delete_suppression),
        )
}

/// What the shared layout needs: the page title and, when signed in, the CSRF token htmx sends
/// and the nav item to highlight.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// `<title>`.
    pub title: String,
    /// The session's CSRF token (empty when signed out).
    pub csrf: String,
    /// Whether to show the nav.
    pub signed_in: bool,
    /// `campaigns`, `usage` or `settings`.
    pub section: &'static str,
}

impl Chrome {
    /// The layout of a signed-in page.
    pub fn for_caller(caller: &Caller, title: impl Into<String>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            csrf: caller.csrf().to_owned(),
            signed_in: true,
            section,
        }
    }

    /// The layout of a signed-out page.
    pub fn public(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }
}

/// The HTML error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    reason: &'a str,
    message: &'a str,
}

/// An error answered as an HTML page with its status. The message is for the user: it names
/// the problem and never carries internal detail (that goes to the log, once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiError {
    /// Status.
    pub status: StatusCode,
    /// What the user reads.
    pub message: String,
}

impl UiError {
    /// 404 for a missing id, or one of another agency.
    pub fn not_found(what: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: format!("{what} not found"),
        }
    }

    /// 403 for a form without the session's CSRF token.
    pub fn csrf() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: "this form has expired or did not come from Leadforge; reload the page and \
                      try again"
                .into(),
        }
    }

    /// 400 naming the field at fault.
    pub fn invalid(field: &str, problem: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: format!("{field}: {problem}"),
        }
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        Self {
            status: e.status,
            message: e.message,
        }
    }
}

impl From<store::StoreError> for UiError {
    fn from(e: store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<anyhow::Error> for UiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            chrome: Chrome::public(format!("{} · Leadforge", self.status.as_u16())),
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "rendering the error page");
                (self.status, self.message).into_response()
            }
        }
    }
}

/// What UI handlers return.
pub type UiResult<T = Response> = Result<T, UiError>;

/// Renders a template with a status.
pub fn render(status: StatusCode, t: &impl Template) -> UiResult {
    let html = t.render().map_err(ApiError::internal)?;
    Ok((status, Html(html)).into_response())
}

/// Renders a template with 200.
pub fn page(t: &impl Template) -> UiResult {
    render(StatusCode::OK, t)
}

/// Checks the form's CSRF token against the session's.
pub fn check_csrf(caller: &Caller, sent: Option<&str>) -> Result<(), UiError> {
    if caller.check_csrf(sent) {
        Ok(())
    } else {
        Err(UiError::csrf())
    }
}

/// A form whose only field is the CSRF token (sign out, cancel, delete).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
}

/// A 303 to `to` (after a form post).
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}
