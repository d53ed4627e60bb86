//! The JSON API under `/api`, with its OpenAPI document at `/api/openapi.json`.
//!
//! Every handler takes a [`Caller`](crate::auth::Caller) (a bearer token, or a session cookie
//! plus `X-CSRF-Token` on writes) and scopes every query to the caller's agency. Errors are
//! `{ "error": { "code", "message" } }`; ids that are malformed, unknown or another agency's
//! all answer the same 404.

// utoipa's `params(...)` expansion qualifies paths the workspace lint calls unnecessary.
#[allow(unused_qualifications)]
pub mod agency;
pub mod live;
#[allow(unused_qualifications)]
pub mod opportunities;
#[allow(unused_qualifications)]
pub mod runs;
pub mod webhook;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leadforge API",
        description = "Find, qualify and research local-business leads. Authenticate with \
            `Authorization: Bearer <token>` (issue one with `leadforge users token`), or with the \
            UI's session cookie plus `X-CSRF-Token` on writes. Every id is scoped to the caller's \
            agency: another agency's id answers 404.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&Security),
    tags(
        (name = "runs", description = "Campaign runs: start, watch, cancel, jobs, usage, exports"),
        (name = "opportunities", description = "Leads: list, detail, status, deep audits, page content"),
        (name = "agency", description = "The caller's agency: profile, onboarding, suppression list, webhook, usage"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("lf_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(runs::start_run, runs::list_runs))
        .routes(routes!(runs::get_run))
        .routes(routes!(runs::cancel_run))
        .routes(routes!(live::run_events))
        .routes(routes!(runs::run_jobs))
        .routes(routes!(runs::run_usage))
        .routes(routes!(runs::run_personas))
        .routes(routes!(runs::run_market_research))
        .routes(routes!(runs::export_csv))
        .routes(routes!(runs::export_json))
        .routes(routes!(opportunities::list_opportunities))
        .routes(routes!(
            opportunities::get_opportunity,
            opportunities::update_opportunity
        ))
        .routes(routes!(opportunities::start_audit))
        .routes(routes!(opportunities::page_content))
        .routes(routes!(agency::get_agency, agency::put_agency))
        .routes(routes!(agency::onboard))
        .routes(routes!(agency::list_suppression, agency::add_suppression))
        .routes(routes!(agency::delete_suppression))
        .routes(routes!(
            webhook::get_webhook,
            webhook::put_webhook,
            webhook::delete_webhook
        ))
        .routes(routes!(agency::usage))
        .routes(routes!(agency::me))
}

/// The OpenAPI document of every route.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = api_router().into_openapi();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api")]);
    doc
}

/// The API's routes (nested under `/api`).
pub fn router() -> Router<AppState> {
    let (router, _) = api_router().split_for_parts();
    let doc = std::sync::Arc::new(document());
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::not_found("route") })
}

/// A JSON body whose rejection is our error shape, naming the field serde stumbled on.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request",
                "send the body as JSON with `Content-Type: application/json`",
            )),
            Err(e) => Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_request",
                json_problem(&e.body_text()),
            )),
        }
    }
}

/// serde's message without axum's preamble ("Failed to deserialize the JSON body into the
/// target type: ").
fn json_problem(text: &str) -> String {
    let text = text
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("Failed to"))
        .map_or(text, |(_, rest)| rest);
    format!("body: {text}")
}

/// Query parameters whose rejection is our error shape, naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(Self(q.0)),
            Err(e) => Err(query_error(&e)),
        }
    }
}

fn query_error(e: &QueryRejection) -> ApiError {
    let text = e.body_text();
    let text = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("query: {text}"),
    )
}

/// 202 Accepted with a JSON body.
pub(crate) fn accepted<T: serde::Serialize>(body: T) -> Response {
    (axum::http::StatusCode::ACCEPTED, Json(body)).into_response()
}

/// A file download: the bytes with their type and an attachment name (the API's and the UI's
/// export buttons).
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    res
}
