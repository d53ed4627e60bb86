//! The phases of a run, one module each. Every phase is an idempotent step: it reads the run
//! and what earlier phases stored, and writes its results under deterministic keys.

pub(crate) mod dm_enrichment;
pub mod embed;
pub(crate) mod filter_rank;
pub mod finalize_rank;
pub(crate) mod market_research;
pub(crate) mod persist_leads;
pub(crate) mod personas;
pub(crate) mod source;

use serde::{Deserialize, Serialize};

/// A phase failure no retry can cure (the run cannot proceed as asked).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Fatal(pub String);

/// True when `err` is permanent: retrying the phase would fail the same way.
pub(crate) fn is_fatal(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<Fatal>() || e.is::<source::SourceFailure>() || e.is::<domain::SignalError>()
    })
}

/// The agency's criteria (all of them when it named none) and weights.
pub(crate) fn agency_rules(
    agency: &store::Agency,
) -> anyhow::Result<(domain::Criteria, domain::Weights)> {
    use anyhow::Context;
    let criteria = if agency.profile.lead_qualification_criteria.is_empty() {
        domain::Criteria::all()
    } else {
        domain::Criteria::from_names(&agency.profile.lead_qualification_criteria)
            .context("the agency's leadQualificationCriteria")?
    };
    let weights = domain::Weights::with_overrides(&agency.profile.scoring_weights)
        .context("the agency's scoring weights")?;
    Ok((criteria, weights))
}

/// Blob key of the places snapshot of a run (`placesSnapshot`).
pub(crate) fn snapshot_key(run_id: &str) -> String {
    format!("runs/{run_id}/places.json")
}

/// Blob key of the ranked leads a run's `filter_rank` produced.
pub(crate) fn ranked_key(run_id: &str) -> String {
    format!("runs/{run_id}/ranked.json")
}

/// What `source` stores: the places and how they were obtained.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PlacesSnapshot {
    pub provider: Option<String>,
    pub attempts: Vec<serde_json::Value>,
    pub subareas_used: Vec<String>,
    pub country: String,
    pub places: Vec<domain::RawPlace>,
}
