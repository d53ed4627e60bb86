//! The agency's webhook: where run-end notifications go, signed with HMAC-SHA256. The secret
//! can be set or replaced but is never shown again.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// The webhook and its recent deliveries.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// `{ url, secretSet, createdAt, updatedAt }`, or null when none is set.
    #[schema(value_type = Object)]
    pub webhook: Option<store::WebhookInfo>,
    /// The latest deliveries (event, status, attempts, last status code and error), newest
    /// first.
    #[schema(value_type = Vec<Object>)]
    pub deliveries: Vec<store::WebhookDelivery>,
}

async fn view(state: &AppState, caller: &Caller) -> ApiResult<WebhookView> {
    let store = &state.svc().store;
    Ok(WebhookView {
        webhook: store.webhooks().get(&caller.agency_id).await?,
        deliveries: store
            .webhooks()
            .list_for_agency(&caller.agency_id, 20)
            .await?,
    })
}

/// The agency's webhook (never its secret) and its latest deliveries.
#[utoipa::path(get, path = "/agency/webhook", tag = "agency",
    responses((status = 200, body = WebhookView), (status = 401, body = ErrorBody)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<WebhookView>> {
    view(&state, &caller).await.map(Json)
}

/// Where to send run notifications.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetWebhook {
    /// An http(s) URL without credentials.
    pub url: String,
    /// The signing secret; left out, the current one is kept.
    #[serde(default)]
    pub secret: Option<String>,
}

/// Set the webhook that is POSTed when a run completes, fails or is cancelled
/// (`X-Leadforge-Signature: sha256=HMAC(secret, "{timestamp}.{body}")`).
#[utoipa::path(put, path = "/agency/webhook", tag = "agency", request_body = SetWebhook,
    responses((status = 200, body = WebhookView), (status = 400, description = "The URL or secret is not acceptable", body = ErrorBody)))]
pub async fn put_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SetWebhook>,
) -> ApiResult<Json<WebhookView>> {
    let url = pipeline::webhooks::WebhookUrl::parse(
        body.url.trim(),
        state.settings().allow_private_webhooks,
    )
    .map_err(|e| ApiError::invalid("url", e))?;
    if let Some(secret) = &body.secret {
        pipeline::webhooks::check_secret(secret).map_err(|e| ApiError::invalid("secret", e))?;
    }
    pipeline::webhooks::save(
        &state.svc().store,
        &caller.agency_id,
        &url,
        body.secret.as_deref(),
    )
    .await?;
    view(&state, &caller).await.map(Json)
}

/// Remove the webhook; pending deliveries are cancelled.
#[utoipa::path(delete, path = "/agency/webhook", tag = "agency",
    responses((status = 204, description = "Removed"), (status = 404, body = ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<StatusCode> {
    if state
        .svc()
        .store
        .webhooks()
        .delete(&caller.agency_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("webhook"))
    }
}
