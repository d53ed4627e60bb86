//! The JSON document `leadforge run --json` prints (DESIGN §7), which other programs read.

use domain::AgencyId;
use serde::Serialize;
use store::{Run, RunLead, Store, StoreError, UsageTotals};

/// `{ "run": …, "opportunities": [ … ] }`.
#[derive(Debug, Clone, Serialize)]
pub struct RunDocument {
    /// The run.
    pub run: RunSummary,
    /// Its leads, ranked by score.
    pub opportunities: Vec<OpportunityDoc>,
}

/// The run part.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Id.
    pub id: String,
    /// `workflowStatus`.
    pub workflow_status: String,
    /// Phases.
    pub phases: Vec<domain::PhaseState>,
    /// `numLeadsFetched`.
    pub num_leads_fetched: Option<u32>,
    /// Progress 0–100.
    pub progress: f64,
    /// Calls, tokens, cost.
    pub usage: UsageTotals,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// Which places provider answered.
    pub places_provider: Option<String>,
    /// `lastEvent`.
    pub last_event: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// One opportunity, with the exact field names of DESIGN §7.
#[derive(Debug, Clone, Serialize)]
pub struct OpportunityDoc {
    pub id: String,
    pub rank: u32,
    pub name: String,
    pub place_id: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub emails: Vec<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub rating: Option<f64>,
    pub reviews_count: Option<u32>,
    pub status: String,
    pub signals: Vec<String>,
    #[serde(rename = "qualificationScore")]
    pub qualification_score: u8,
    pub fit_reason: Option<String>,
    /// Not produced yet by this version: always `null`.
    pub dossier: Option<serde_json::Value>,
    /// Not produced yet by this version: always empty.
    pub decision_makers: Vec<serde_json::Value>,
    /// Not produced yet by this version: always `null`.
    pub persona: Option<serde_json::Value>,
}

/// Builds the document for a run of `agency`.
pub async fn run_document(
    store: &Store,
    agency: &AgencyId,
    run: &Run,
) -> Result<RunDocument, StoreError> {
    let usage = store.usage().run_totals(run.id.as_str()).await?;
    let leads = store.opportunities().list_for_run(agency, &run.id).await?;
    Ok(RunDocument {
        run: RunSummary {
            id: run.id.to_string(),
            workflow_status: run.workflow_status.as_str().to_owned(),
            phases: run.phases.clone(),
            num_leads_fetched: run.num_leads_fetched,
            progress: run.progress,
            usage,
            target_vertical: run.target_vertical.clone(),
            target_geography: run.target_geography.clone(),
            places_provider: run.places_provider.clone(),
            last_event: run.last_event.clone(),
            error: run.error.clone(),
        },
        opportunities: leads.into_iter().map(opportunity_doc).collect(),
    })
}

fn opportunity_doc(lead: RunLead) -> OpportunityDoc {
    let o = lead.opportunity;
    OpportunityDoc {
        id: o.id.to_string(),
        rank: lead.rank,
        name: o.name,
        place_id: o.place_id,
        domain: o.domain,
        website: o.website,
        phone: o.phone,
        emails: o.emails,
        address: o.address,
        city: o.city,
        rating: o.rating,
        reviews_count: o.reviews_count,
        status: o.status,
        signals: o.signals,
        qualification_score: o.qualification_score,
        fit_reason: o.fit_reason,
        dossier: None,
        decision_makers: Vec::new(),
        persona: None,
    }
}
