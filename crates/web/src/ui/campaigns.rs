//! The campaigns list and the new-campaign form.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::{Chrome, UiResult, check_csrf, format, page, render, see_other};
use crate::AppState;
use crate::auth::UiCaller;
use pipeline::{CampaignError, CampaignRequest, Stages};

/// Runs listed on the campaigns page.
const RUNS_LISTED: u32 = 100;

struct RunRow {
    id: String,
    vertical: String,
    geography: String,
    status: &'static str,
    progress: u32,
    leads: u64,
    requested: u32,
    created: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    runs: Vec<RunRow>,
}

/// `GET /`: the agency's runs, newest first.
pub async fn index(State(state): State<AppState>, UiCaller(caller): UiCaller) -> UiResult {
    let store = &state.svc().store;
    let mut runs = Vec::new();
    for run in store.runs().list(&caller.agency_id, RUNS_LISTED).await? {
        let (leads, _) = store.opportunities().run_change_marker(&run.id).await?;
        runs.push(RunRow {
            id: run.id.to_string(),
            vertical: run.target_vertical,
            geography: run.target_geography,
            status: run.workflow_status.as_str(),
            progress: format::percent(run.progress),
            leads,
            requested: run.num_leads,
            created: format::time(run.created_at),
        });
    }
    page(&CampaignsPage {
        chrome: Chrome::for_caller(&caller, "Campaigns · Leadforge", "campaigns"),
        runs,
    })
}

/// The new-campaign form's fields, as typed.
#[derive(Debug, Deserialize)]
pub struct CampaignForm {
    csrf: Option<String>,
    #[serde(default)]
    vertical: String,
    #[serde(default)]
    geography: String,
    #[serde(default)]
    leads: String,
    #[serde(default)]
    audit: String,
    personas: Option<String>,
    decision_makers: Option<String>,
    market_research: Option<String>,
}

struct FormValues {
    vertical: String,
    geography: String,
    leads: String,
    audit: String,
    personas: bool,
    decision_makers: bool,
    market_research: bool,
}

struct FieldError {
    field: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "new_campaign.html")]
struct NewCampaignPage {
    chrome: Chrome,
    form: FormValues,
    error: Option<FieldError>,
    error_field: &'static str,
}

/// `GET /campaigns/new`.
pub async fn new_form(UiCaller(caller): UiCaller) -> UiResult {
    page(&NewCampaignPage {
        chrome: Chrome::for_caller(&caller, "New campaign · Leadforge", "campaigns"),
        form: FormValues {
            vertical: String::new(),
            geography: String::new(),
            leads: "20".into(),
            audit: String::new(),
            personas: true,
            decision_makers: true,
            market_research: true,
        },
        error: None,
        error_field: "",
    })
}

fn parse_count(field: &'static str, text: &str, range: &str) -> Result<Option<u32>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>().map(Some).map_err(|_| FieldError {
        field,
        message: format!("must be a whole number between {range}, got {text:?}"),
    })
}

/// `POST /campaigns`: starts the run, or shows the form again naming the field at fault.
pub async fn create(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Form(f): Form<CampaignForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    let values = FormValues {
        vertical: f.vertical,
        geography: f.geography,
        leads: f.leads,
        audit: f.audit,
        personas: f.personas.is_some(),
        decision_makers: f.decision_makers.is_some(),
        market_research: f.market_research.is_some(),
    };
    let parsed = parse_count("leads", &values.leads, "1 and 1000").and_then(|leads| {
        let leads = leads.ok_or(FieldError {
            field: "leads",
            message: "must not be empty".into(),
        })?;
        Ok((leads, parse_count("audit", &values.audit, "0 and 1000")?))
    });
    let outcome: Result<(), FieldError> = match parsed {
        Err(e) => Err(e),
        Ok((num_leads, audit_leads)) => {
            let req = CampaignRequest {
                agency_id: caller.agency_id.clone(),
                user_id: caller.user_id.clone(),
                vertical: values.vertical.clone(),
                geography: values.geography.clone(),
                num_leads,
                audit_leads,
                stages: Stages {
                    personas: values.personas,
                    decision_makers: values.decision_makers,
                    market_research: values.market_research,
                },
            };
            match pipeline::start_run(&state.svc().store, req).await {
                Ok(run) => return Ok(see_other(&format!("/runs/{}", run.id))),
                Err(CampaignError::Store(e)) => return Err(e.into()),
                Err(e) => Err(field_error(&e)),
            }
        }
    };
    let error = outcome.err();
    render(
        StatusCode::BAD_REQUEST,
        &NewCampaignPage {
            chrome: Chrome::for_caller(&caller, "New campaign · Leadforge", "campaigns"),
            error_field: error.as_ref().map_or("", |e| e.field),
            form: values,
            error,
        },
    )
}

fn field_error(e: &CampaignError) -> FieldError {
    let field = match e {
        CampaignError::LeadsOutOfRange(_) => "leads",
        CampaignError::AuditLeadsOutOfRange(_) => "audit",
        CampaignError::EmptyVertical => "vertical",
        CampaignError::EmptyGeography | CampaignError::Store(_) => "geography",
        CampaignError::TooLong { field, .. } => field,
    };
    FieldError {
        field,
        message: e.to_string(),
    }
}
