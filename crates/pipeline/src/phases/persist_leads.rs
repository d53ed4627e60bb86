//! `persist_leads`: idempotent upsert of the ranked leads into `client_opportunities`.

use anyhow::{Context, Result};
use domain::Phase;
use store::{LeadUpsert, NewEvent, Run};
use tracing::instrument;

use super::{RankedLead, ranked_key};
use crate::services::Services;

#[instrument(skip_all, fields(run.id = %run.id))]
pub(crate) async fn run(svc: &Services, run: &Run) -> Result<()> {
    let key = store::ContentRef::parse(&ranked_key(run.id.as_str()))?;
    let bytes = svc
        .blobs
        .get(&key)
        .await
        .context("reading the ranked leads")?;
    let ranked: Vec<RankedLead> =
        serde_json::from_slice(&bytes).context("decoding the ranked leads")?;
    let leads: Vec<LeadUpsert> = ranked
        .into_iter()
        .enumerate()
        .map(|(i, l)| LeadUpsert {
            place_id: l.place_id,
            source: l.source,
            name: l.name,
            domain: l.domain,
            website: l.website,
            phone: l.phone,
            address: l.address,
            city: l.city,
            rating: l.rating,
            reviews_count: l.reviews_count,
            latitude: l.latitude,
            longitude: l.longitude,
            categories: l.categories,
            score: l.score,
            signals: l.signals,
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
        })
        .collect();
    let n = svc
        .store
        .opportunities()
        .upsert_for_run(
            &run.agency_id,
            &run.id,
            &run.target_vertical,
            &run.target_geography,
            &leads,
        )
        .await?;
    svc.store
        .runs()
        .set_phase_counts(&run.id, Phase::PersistLeads, n as u64, n as u64)
        .await?;
    svc.store
        .events()
        .append(
            &run.id,
            &run.agency_id,
            NewEvent::info(
                Some(Phase::PersistLeads),
                "leads_saved",
                format!("Saved {n} leads"),
            ),
        )
        .await?;
    Ok(())
}
