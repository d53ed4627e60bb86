//! `source`: find businesses through the places chain and snapshot them to the blob store.
//! No writes to `client_opportunities` (that is `persist_leads`' job).

use anyhow::{Context, Result};
use domain::{CountryCode, Phase};
use providers::places::chain::{AttemptOutcome, SourcingError, SourcingRequest};
use providers::usage::UsageSink;
use store::{NewEvent, Run};
use tracing::instrument;

use super::{PlacesSnapshot, snapshot_key};
use crate::adapters::RunUsage;
use crate::services::Services;

/// Raw places to ask for: triage drops listings without a valid phone, duplicates and
/// suppressed ones, so fetch a margin above `numLeads` (page granularity adds a little more).
pub(crate) fn sourcing_target(num_leads: u32) -> usize {
    let n = usize::try_from(num_leads).unwrap_or(usize::MAX);
    n.saturating_add(n / 3).saturating_add(5)
}

/// A failure that ends the run with a one-line reason.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SourceFailure {
    #[error("{0}")]
    Providers(String),
    #[error("geography {0:?} could not be resolved by any provider")]
    UnknownGeography(String),
}

#[instrument(skip_all, fields(run.id = %run.id))]
pub(crate) async fn run(svc: &Services, run: &Run) -> Result<()> {
    let events = svc.store.events();
    let usage = RunUsage {
        store: svc.store.clone(),
        run_id: Some(run.id.to_string()),
        agency_id: run.agency_id.to_string(),
        user_id: run.user_id.to_string(),
        opportunity_id: None,
    };
    let country = country_for(svc, &run.target_geography, &usage).await;
    events
        .append(
            &run.id,
            &run.agency_id,
            NewEvent::info(
                Some(Phase::Source),
                "sourcing_started",
                format!(
                    "Searching for {} in {} ({} leads wanted)",
                    run.target_vertical, run.target_geography, run.num_leads
                ),
            ),
        )
        .await?;

    let request = SourcingRequest {
        vertical: run.target_vertical.clone(),
        geography: run.target_geography.clone(),
        target: sourcing_target(run.num_leads),
        country: Some(country.as_str().to_owned()),
    };
    let outcome = match svc.places.source(&request, &usage).await {
        Ok(outcome) => outcome,
        Err(SourcingError::GeographyNotFound { geography }) => {
            return Err(SourceFailure::UnknownGeography(geography).into());
        }
        Err(e) => return Err(SourceFailure::Providers(e.to_string()).into()),
    };

    let mut attempts = Vec::with_capacity(outcome.attempts.len());
    for attempt in &outcome.attempts {
        let (kind, message) = match &attempt.outcome {
            AttemptOutcome::Answered { places, pages } => (
                "provider_answered",
                format!(
                    "{} answered with {places} places in {pages} pages",
                    attempt.source
                ),
            ),
            AttemptOutcome::Empty => (
                "provider_empty",
                format!("{} found nothing; trying the next provider", attempt.source),
            ),
            AttemptOutcome::Failed { error } => (
                "provider_failed",
                format!(
                    "{} failed ({error}); trying the next provider",
                    attempt.source
                ),
            ),
        };
        attempts.push(serde_json::json!({ "provider": attempt.source.as_str(), "kind": kind, "message": message }));
        let event = if kind == "provider_answered" {
            NewEvent::info(Some(Phase::Source), kind, message)
        } else {
            NewEvent::warn(Some(Phase::Source), kind, message)
        };
        events.append(&run.id, &run.agency_id, event).await?;
    }

    if outcome.places.is_empty() && !geography_exists(svc, &run.target_geography, &usage).await {
        return Err(SourceFailure::UnknownGeography(run.target_geography.clone()).into());
    }

    let fetched = u32::try_from(outcome.places.len()).unwrap_or(u32::MAX);
    let provider = outcome.provider.map(|p| p.as_str().to_owned());
    let snapshot = PlacesSnapshot {
        provider: provider.clone(),
        attempts,
        subareas_used: outcome.subareas_used.clone(),
        country: country.as_str().to_owned(),
        places: outcome.places,
    };
    let body = serde_json::to_vec(&snapshot).context("serialising the places snapshot")?;
    let content_ref = svc
        .blobs
        .put(&snapshot_key(run.id.as_str()), body)
        .await
        .context("storing the places snapshot")?;
    svc.store
        .runs()
        .set_sourcing(&run.id, content_ref.as_str(), fetched, provider.as_deref())
        .await?;
    svc.store
        .runs()
        .set_phase_counts(
            &run.id,
            Phase::Source,
            u64::from(fetched),
            u64::from(fetched),
        )
        .await?;
    let split = if snapshot.subareas_used.is_empty() {
        String::new()
    } else {
        format!(" across {} neighbourhoods", snapshot.subareas_used.len())
    };
    events
        .append(
            &run.id,
            &run.agency_id,
            NewEvent::info(
                Some(Phase::Source),
                "sourcing_done",
                format!(
                    "Fetched {fetched} places from {}{split} ({} pages, {} from cache)",
                    provider.as_deref().unwrap_or("no provider"),
                    outcome.pages_fetched,
                    outcome.cache_hits
                ),
            ),
        )
        .await?;
    Ok(())
}

/// The country phone numbers are read in: from the geography's text, else from Nominatim,
/// else the US.
pub(crate) async fn country_for(
    svc: &Services,
    geography: &str,
    usage: &dyn UsageSink,
) -> CountryCode {
    if let Some(c) = domain::infer_country(geography) {
        return c;
    }
    if let Some(geo) = &svc.geo
        && let Ok(Some(area)) = geo.resolve(geography, usage).await
        && let Some(c) = area
            .country_code
            .as_deref()
            .and_then(|c| CountryCode::parse(c).ok())
    {
        return c;
    }
    CountryCode::US
}

async fn geography_exists(svc: &Services, geography: &str, usage: &dyn UsageSink) -> bool {
    match &svc.geo {
        Some(geo) => !matches!(geo.resolve(geography, usage).await, Ok(None)),
        None => true,
    }
}
