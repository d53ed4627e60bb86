//! The caller's agency: who am I, the profile (criteria, weights, approved claims), onboarding
//! from a website, the suppression list, and usage per provider.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{AgencyProfile, SuppressionKind};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::{Caller, Via};
use crate::error::{ApiError, ApiResult, ErrorBody};

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// User id.
    pub user_id: String,
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// The agency every call is scoped to.
    pub agency_id: String,
    /// Its name.
    pub agency_name: String,
    /// `session` or `token`.
    pub auth: String,
}

/// The signed-in user and their agency.
#[utoipa::path(get, path = "/me", tag = "agency",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let store = &state.svc().store;
    let user = store
        .users()
        .get(&caller.user_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let agency = store
        .agencies()
        .get(&caller.agency_id)
        .await?
        .ok_or_else(|| ApiError::not_found("agency"))?;
    Ok(Json(Me {
        user_id: user.id.to_string(),
        email: user.email,
        name: user.name,
        agency_id: agency.id.to_string(),
        agency_name: agency.profile.name,
        auth: match caller.via {
            Via::Session { .. } => "session".into(),
            Via::Token => "token".into(),
        },
    }))
}

/// The agency's profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgencyView {
    /// Id.
    pub id: String,
    /// The editable profile: name, website, services, target vertical and geography,
    /// `lead_qualification_criteria` (signal names), `approved_claims`, `scoring_weights`.
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
    /// Updated, epoch ms.
    pub updated_at: i64,
}

async fn agency_view(state: &AppState, caller: &Caller) -> ApiResult<AgencyView> {
    let agency = state
        .svc()
        .store
        .agencies()
        .get(&caller.agency_id)
        .await?
        .ok_or_else(|| ApiError::not_found("agency"))?;
    Ok(AgencyView {
        id: agency.id.to_string(),
        profile: serde_json::to_value(&agency.profile).map_err(ApiError::internal)?,
        updated_at: agency.updated_at,
    })
}

/// The agency's profile: services, targets, criteria, weights and approved claims.
#[utoipa::path(get, path = "/agency", tag = "agency",
    responses((status = 200, body = AgencyView), (status = 401, body = ErrorBody)))]
pub async fn get_agency(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AgencyView>> {
    agency_view(&state, &caller).await.map(Json)
}

/// A profile error as a 400 naming the field.
pub(crate) fn profile_error(e: pipeline::onboarding::ProfileError) -> ApiError {
    match e {
        pipeline::onboarding::ProfileError::Field { field, problem } => {
            ApiError::invalid(&field, problem)
        }
        other => ApiError::invalid("profile", other),
    }
}

/// Replace the agency's profile. The body is the whole profile (as `GET` returns it); it is
/// validated as `leadforge agency save` validates a file, and nothing is stored when a field is
/// wrong.
#[utoipa::path(put, path = "/agency", tag = "agency",
    request_body(content = Object, description = "The agency profile"),
    responses((status = 200, body = AgencyView), (status = 400, description = "A field is invalid (the message names it)", body = ErrorBody)))]
pub async fn put_agency(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(profile): ApiJson<AgencyProfile>,
) -> ApiResult<Json<AgencyView>> {
    pipeline::onboarding::validate_profile(&profile).map_err(profile_error)?;
    state
        .svc()
        .store
        .agencies()
        .update(&caller.agency_id, &profile)
        .await?;
    agency_view(&state, &caller).await.map(Json)
}

/// What onboarding reads.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Onboard {
    /// The agency's own website.
    pub website: String,
}

/// Read the agency's website and propose a profile (services, verticals, geographies,
/// criteria, and approved claims each with the page that states it). Nothing is saved: review
/// it and `PUT /api/agency`.
#[utoipa::path(post, path = "/agency/onboard", tag = "agency", request_body = Onboard,
    responses((status = 200, description = "The proposal", body = Object), (status = 400, body = ErrorBody),
        (status = 422, description = "The website could not be read", body = ErrorBody)))]
pub async fn onboard(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Onboard>,
) -> ApiResult<Response> {
    let website = body.website.trim();
    if website.is_empty() || website.len() > 2000 {
        return Err(ApiError::invalid(
            "website",
            "give the agency's website URL",
        ));
    }
    domain::normalize_website(website).map_err(|e| ApiError::invalid("website", e))?;
    let scope = pipeline::ai::CallScope {
        run_id: None,
        agency_id: caller.agency_id.clone(),
        user_id: caller.user_id.clone(),
        opportunity_id: None,
    };
    match pipeline::onboarding::propose(state.svc(), &scope, website).await {
        Ok(proposal) => Ok(Json(proposal).into_response()),
        Err(e) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            format!("website: {e}"),
        )),
    }
}

/// One suppression entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionView {
    /// Id.
    pub id: String,
    /// `domain`, `phone` or `place_id`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// Why.
    pub reason: Option<String>,
    /// Added, epoch ms.
    pub created_at: i64,
}

/// The suppression list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionList {
    /// Oldest first.
    pub items: Vec<SuppressionView>,
}

/// Domains, phones and place ids that never enter a run.
#[utoipa::path(get, path = "/agency/suppression", tag = "agency",
    responses((status = 200, body = SuppressionList)))]
pub async fn list_suppression(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SuppressionList>> {
    let entries = state
        .svc()
        .store
        .suppression()
        .list(&caller.agency_id)
        .await?;
    Ok(Json(SuppressionList {
        items: entries
            .into_iter()
            .map(|e| SuppressionView {
                id: e.id,
                kind: e.kind.as_str().to_owned(),
                value: e.value,
                reason: e.reason,
                created_at: e.created_at,
            })
            .collect(),
    }))
}

/// An entry to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSuppression {
    /// `domain`, `phone` or `place_id`.
    pub kind: String,
    /// A domain or website URL, a phone (E.164, or national with `country`), or a place id.
    pub value: String,
    /// Why (shown in the list).
    #[serde(default)]
    pub reason: Option<String>,
    /// ISO country for a national phone number (default `US`).
    #[serde(default)]
    pub country: Option<String>,
}

/// Normalises a suppression entry the way triage compares it (domains from URLs too, phones
/// to E.164). The error is the field at fault and what is wrong with it; the API and the
/// settings page both use it.
pub fn normalize_suppression(
    kind: &str,
    value: &str,
    country: Option<&str>,
) -> Result<(SuppressionKind, String), (&'static str, String)> {
    let kind = SuppressionKind::parse(kind.trim()).ok_or_else(|| {
        (
            "kind",
            format!("{kind:?} is not one of domain, phone, place_id"),
        )
    })?;
    let value = value.trim();
    if value.is_empty() || value.len() > 500 {
        return Err(("value", "must be 1–500 characters".into()));
    }
    let normalized = match kind {
        SuppressionKind::Domain => domain::Domain::parse(value)
            .or_else(|_| domain::Domain::from_url(value))
            .map_err(|e| ("value", e.to_string()))?
            .as_str()
            .to_owned(),
        SuppressionKind::Phone => {
            let country = domain::CountryCode::parse(country.unwrap_or("US"))
                .map_err(|e| ("country", e.to_string()))?;
            domain::PhoneE164::parse(value, country)
                .map_err(|e| ("value", e.to_string()))?
                .as_str()
                .to_owned()
        }
        SuppressionKind::PlaceId => value.to_owned(),
    };
    Ok((kind, normalized))
}

/// Add a domain, phone or place id to the suppression list (idempotent).
#[utoipa::path(post, path = "/agency/suppression", tag = "agency", request_body = NewSuppression,
    responses((status = 201, body = SuppressionList), (status = 400, body = ErrorBody)))]
pub async fn add_suppression(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSuppression>,
) -> ApiResult<Response> {
    let (kind, value) = normalize_suppression(&body.kind, &body.value, body.country.as_deref())
        .map_err(|(field, problem)| ApiError::invalid(field, problem))?;
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid(
            "reason",
            "must be at most 500 characters",
        ));
    }
    state
        .svc()
        .store
        .suppression()
        .add(&caller.agency_id, kind, &value, reason)
        .await?;
    let Json(list) = list_suppression(State(state), caller).await?;
    Ok((StatusCode::CREATED, Json(list)).into_response())
}

/// Remove one entry.
#[utoipa::path(delete, path = "/agency/suppression/{id}", tag = "agency",
    params(("id" = String, Path, description = "Entry id")),
    responses((status = 204, description = "Removed"), (status = 404, body = ErrorBody)))]
pub async fn delete_suppression(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state
        .svc()
        .store
        .suppression()
        .remove_by_id(&caller.agency_id, &id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("suppression entry"))
    }
}

/// `?days=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// The last this many days, 1–3650 (default 30).
    pub days: Option<u32>,
}

/// The agency's usage.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgencyUsage {
    /// Days covered.
    pub days: u32,
    /// Calls (cache hits excluded).
    pub calls: u64,
    /// Dollars.
    pub cost: f64,
    /// Per provider, most expensive first.
    #[schema(value_type = Vec<Object>)]
    pub by_provider: Vec<store::ProviderUsage>,
}

/// Calls, tokens and cost per provider over the last days.
#[utoipa::path(get, path = "/usage", tag = "agency", params(UsageQuery),
    responses((status = 200, body = AgencyUsage), (status = 400, body = ErrorBody)))]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<AgencyUsage>> {
    let days = q.days.unwrap_or(30);
    if !(1..=3650).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            format!("must be 1–3650, got {days}"),
        ));
    }
    let since = store::now_ms() - i64::from(days) * 86_400_000;
    let by_provider = state
        .svc()
        .store
        .usage()
        .by_provider_for_agency(&caller.agency_id, since)
        .await?;
    Ok(Json(AgencyUsage {
        days,
        calls: by_provider.iter().map(|p| p.calls).sum(),
        cost: by_provider.iter().map(|p| p.cost).sum(),
        by_provider,
    }))
}
