//! Agency settings: the profile (name, website, services, targets, criteria, scoring weights,
//! approved claims), checked by the same validator `leadforge agency save` uses, and the
//! suppression list.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use pipeline::onboarding::{ProfileError, validate_profile};
use store::{AgencyProfile, ApprovedClaim};

use super::{Chrome, CsrfForm, UiError, UiResult, check_csrf, format, render, see_other};
use crate::AppState;
use crate::api::agency::normalize_suppression;
use crate::auth::{Caller, UiCaller};

struct Criterion {
    name: &'static str,
    family: &'static str,
    checked: bool,
    weight: String,
}

struct EntryView {
    id: String,
    kind: &'static str,
    value: String,
    reason: String,
    created: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    name: String,
    website: String,
    services: String,
    target_vertical: String,
    target_geography: String,
    criteria: Vec<Criterion>,
    claims: String,
    entries: Vec<EntryView>,
    error: Option<String>,
    error_field: String,
    notice: Option<&'static str>,
}

fn claims_text(claims: &[ApprovedClaim]) -> String {
    claims
        .iter()
        .map(|c| match &c.source_url {
            Some(u) => format!("{} | {} | {u}", c.id, c.text),
            None => format!("{} | {}", c.id, c.text),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn settings_page(
    state: &AppState,
    caller: &Caller,
    profile: &AgencyProfile,
    error: Option<(String, String)>,
    notice: Option<&'static str>,
) -> UiResult {
    let entries = state
        .svc()
        .store
        .suppression()
        .list(&caller.agency_id)
        .await?
        .into_iter()
        .map(|e| EntryView {
            id: e.id,
            kind: e.kind.as_str(),
            value: e.value,
            reason: e.reason.unwrap_or_default(),
            created: format::time(e.created_at),
        })
        .collect();
    let criteria = domain::Signal::ALL
        .iter()
        .map(|s| Criterion {
            name: s.as_str(),
            family: format::family(*s),
            checked: profile
                .lead_qualification_criteria
                .iter()
                .any(|c| c == s.as_str()),
            weight: profile
                .scoring_weights
                .get(s.as_str())
                .map(u32::to_string)
                .unwrap_or_default(),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (error_field, error) = match error {
        Some((field, message)) => (field, Some(message)),
        None => (String::new(), None),
    };
    render(
        status,
        &SettingsPage {
            chrome: Chrome::for_caller(caller, "Settings · Leadforge", "settings"),
            name: profile.name.clone(),
            website: profile.website.clone().unwrap_or_default(),
            services: profile.services.join("\n"),
            target_vertical: profile.target_vertical.clone().unwrap_or_default(),
            target_geography: profile.target_geography.clone().unwrap_or_default(),
            criteria,
            claims: claims_text(&profile.approved_claims),
            entries,
            error,
            error_field,
            notice,
        },
    )
}

async fn current_profile(state: &AppState, caller: &Caller) -> Result<AgencyProfile, UiError> {
    state
        .svc()
        .store
        .agencies()
        .get(&caller.agency_id)
        .await?
        .map(|a| a.profile)
        .ok_or_else(|| UiError::not_found("agency"))
}

/// `?saved=` after a successful post.
#[derive(Debug, serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /settings`.
pub async fn show(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Query(q): Query<SavedQuery>,
) -> UiResult {
    let profile = current_profile(&state, &caller).await?;
    let notice = q.saved.is_some().then_some("Saved.");
    settings_page(&state, &caller, &profile, None, notice).await
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The profile form as a profile, or the field at fault (before validation proper).
fn profile_from_form(pairs: &[(String, String)]) -> (AgencyProfile, Option<(String, String)>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let mut profile = AgencyProfile {
        name: get("name").trim().to_owned(),
        website: opt(get("website")),
        services: get("services").lines().filter_map(opt).collect(),
        target_vertical: opt(get("target_vertical")),
        target_geography: opt(get("target_geography")),
        lead_qualification_criteria: pairs
            .iter()
            .filter(|(n, _)| n == "criteria")
            .map(|(_, v)| v.trim().to_owned())
            .collect(),
        approved_claims: Vec::new(),
        scoring_weights: BTreeMap::new(),
    };
    let mut problem = None;
    for (k, v) in pairs {
        let Some(signal) = k.strip_prefix("weight.") else {
            continue;
        };
        let Some(v) = opt(v) else { continue };
        match v.parse::<u32>() {
            Ok(n) if n <= 1000 => {
                profile.scoring_weights.insert(signal.to_owned(), n);
            }
            _ => {
                problem.get_or_insert((
                    format!("scoring_weights.{signal}"),
                    format!("`scoring_weights.{signal}` must be a whole number from 0 to 1000"),
                ));
            }
        }
    }
    for (i, line) in get("claims").lines().filter_map(opt).enumerate() {
        let mut parts = line.splitn(3, '|').map(str::trim);
        let (id, text, source) = (parts.next(), parts.next(), parts.next().and_then(opt));
        match (id, text) {
            (Some(id), Some(text)) => profile.approved_claims.push(ApprovedClaim {
                id: id.to_owned(),
                text: text.to_owned(),
                source_url: source,
            }),
            _ => {
                problem.get_or_insert((
                    format!("approved_claims[{i}]"),
                    format!(
                        "`approved_claims[{i}]` must read `id | text` or `id | text | source URL`"
                    ),
                ));
            }
        }
    }
    (profile, problem)
}

/// `POST /settings/profile`.
pub async fn save_profile(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    check_csrf(&caller, csrf)?;
    let (profile, problem) = profile_from_form(&pairs);
    let problem = problem.or_else(|| match validate_profile(&profile) {
        Ok(()) => None,
        Err(ProfileError::Field { field, problem }) => {
            Some((field.clone(), format!("`{field}` {problem}")))
        }
        Err(e) => Some(("profile".into(), e.to_string())),
    });
    if problem.is_some() {
        return settings_page(&state, &caller, &profile, problem, None).await;
    }
    state
        .svc()
        .store
        .agencies()
        .update(&caller.agency_id, &profile)
        .await?;
    Ok(see_other("/settings?saved=profile"))
}

/// The add-suppression form.
#[derive(Debug, serde::Deserialize)]
pub struct SuppressionForm {
    csrf: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    reason: Option<String>,
}

/// `POST /settings/suppression`.
pub async fn add_suppression(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Form(f): Form<SuppressionForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    let problem = normalize_suppression(&f.kind, &f.value, None)
        .map_err(|(field, problem)| (field.to_owned(), format!("`{field}` {problem}")));
    match problem {
        Ok((kind, value)) => {
            let reason = f.reason.as_deref().and_then(opt);
            state
                .svc()
                .store
                .suppression()
                .add(&caller.agency_id, kind, &value, reason.as_deref())
                .await?;
            Ok(see_other("/settings?saved=suppression#suppression"))
        }
        Err(problem) => {
            let profile = current_profile(&state, &caller).await?;
            settings_page(&state, &caller, &profile, Some(problem), None).await
        }
    }
}

/// `POST /settings/suppression/{id}/delete`.
pub async fn delete_suppression(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    let removed = state
        .svc()
        .store
        .suppression()
        .remove_by_id(&caller.agency_id, &id)
        .await?;
    if !removed {
        return Err(UiError::not_found("suppression entry"));
    }
    Ok(see_other("/settings#suppression"))
}
