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
    /// The run's deep audits.
    pub audits: AuditSummary,
}

/// What the run's deep audits did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditSummary {
    /// Leads selected for an audit.
    pub selected: u32,
    /// Audits that wrote their dossier.
    pub completed: u32,
    /// Audits that gave up.
    pub failed: u32,
    /// Audited leads with a contact e-mail.
    pub emails_found: u32,
    /// Gaps and talking points dropped by grounding.
    pub dropped_items: u32,
    /// Average dossier prompt, in tokens.
    pub avg_prompt_tokens: u64,
    /// Average prompt had every scraped page been sent whole, in tokens.
    pub avg_full_prompt_tokens: u64,
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
    /// The best contact e-mail found on the lead's website.
    pub email: Option<String>,
    /// The dossier of the lead's deep audit in this run, when it was audited.
    pub dossier: Option<DossierDoc>,
    /// Not produced yet by this version: always empty.
    pub decision_makers: Vec<serde_json::Value>,
    /// Not produced yet by this version: always `null`.
    pub persona: Option<serde_json::Value>,
}

/// A dossier as other programs read it (no page content: sources point at the pages).
#[derive(Debug, Clone, Serialize)]
pub struct DossierDoc {
    pub summary: String,
    pub identified_gaps: Vec<store::DossierGap>,
    pub talking_points: Vec<store::TalkingPoint>,
    pub sources: Vec<store::DossierSource>,
}

/// Builds the document for a run of `agency`.
pub async fn run_document(
    store: &Store,
    agency: &AgencyId,
    run: &Run,
) -> Result<RunDocument, StoreError> {
    let usage = store.usage().run_totals(run.id.as_str()).await?;
    let leads = store.opportunities().list_for_run(agency, &run.id).await?;
    let mut summary = AuditSummary::default();
    let emails: std::collections::HashSet<&str> = leads
        .iter()
        .filter(|l| l.opportunity.email.is_some())
        .map(|l| l.opportunity.id.as_str())
        .collect();
    for audit in store.audits().for_run(agency, &run.id).await? {
        summary.selected += 1;
        match audit.status {
            domain::AuditStatus::Completed => summary.completed += 1,
            domain::AuditStatus::Error => summary.failed += 1,
            _ => {}
        }
        if emails.contains(audit.opportunity_id.as_str()) {
            summary.emails_found += 1;
        }
    }
    let (mut prompt, mut full) = (0_u64, 0_u64);
    let mut dossiers = std::collections::HashMap::new();
    for d in store.audits().dossiers_for_run(agency, &run.id).await? {
        summary.dropped_items += d.dropped_gaps + d.dropped_talking_points;
        prompt += d.prompt_tokens;
        full += d.full_prompt_tokens;
        dossiers.insert(
            d.opportunity_id.to_string(),
            DossierDoc {
                summary: d.summary,
                identified_gaps: d.identified_gaps,
                talking_points: d.talking_points,
                sources: d.sources,
            },
        );
    }
    let written = u64::try_from(dossiers.len()).unwrap_or(0);
    summary.avg_prompt_tokens = prompt.checked_div(written).unwrap_or(0);
    summary.avg_full_prompt_tokens = full.checked_div(written).unwrap_or(0);
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
            audits: summary,
        },
        opportunities: leads
            .into_iter()
            .map(|l| {
                let dossier = dossiers.remove(l.opportunity.id.as_str());
                opportunity_doc(l, dossier)
            })
            .collect(),
    })
}

fn opportunity_doc(lead: RunLead, dossier: Option<DossierDoc>) -> OpportunityDoc {
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
        email: o.email,
        address: o.address,
        city: o.city,
        rating: o.rating,
        reviews_count: o.reviews_count,
        status: o.status,
        signals: o.signals,
        qualification_score: o.qualification_score,
        fit_reason: o.fit_reason,
        dossier,
        decision_makers: Vec::new(),
        persona: None,
    }
}
