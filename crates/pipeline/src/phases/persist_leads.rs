//! `persist_leads`: idempotent upsert of the ranked leads into `client_opportunities`.

use anyhow::{Context, Result};
use domain::Phase;
use store::{LeadUpsert, NewEvent, Run};
use tracing::instrument;

use super::ranked_key;
use crate::services::Services;

#[instrument(skip_all, fields(run.id = %run.id))]
pub(crate) async fn run(svc: &Services, run: &Run) -> Result<()> {
    let key = store::ContentRef::parse(&ranked_key(run.id.as_str()))?;
    let bytes = svc
        .blobs
        .get(&key)
        .await
        .context("reading the ranked leads")?;
    let leads: Vec<LeadUpsert> =
        serde_json::from_slice(&bytes).context("decoding the ranked leads")?;
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
