//! `market_research` (seed 002): the market in figures computed from the run's own leads and
//! audits, the prose written around them by the LLM (held to those figures; rules fallback),
//! stored as the run's report.

use domain::Phase;
use store::{NewEvent, Run};

use crate::ai::CallScope;
use crate::research::{self, MarketInputs};
use crate::services::Services;

/// Computes, writes and stores the run's market research.
pub(crate) async fn run(svc: &Services, run: &Run) -> anyhow::Result<()> {
    let agency = svc
        .store
        .agencies()
        .get(&run.agency_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the run's agency is gone"))?;
    let leads: Vec<store::Opportunity> = svc
        .store
        .opportunities()
        .list_for_run(&run.agency_id, &run.id)
        .await?
        .into_iter()
        .map(|l| l.opportunity)
        .collect();
    let audits = svc.store.audits().for_run(&run.agency_id, &run.id).await?;
    let stats = research::compute(&MarketInputs {
        vertical: &run.target_vertical,
        geography: &run.target_geography,
        places_fetched: run.num_leads_fetched.map(u64::from),
        opportunities: &leads,
        audits: &audits,
        services: &agency.profile.services,
    });
    let scope = CallScope {
        run_id: Some(run.id.clone()),
        agency_id: run.agency_id.clone(),
        user_id: run.user_id.clone(),
        opportunity_id: None,
    };
    let report = research::write(
        svc,
        &scope,
        &agency.profile,
        &run.target_vertical,
        &run.target_geography,
        stats,
    )
    .await;
    let value = serde_json::to_value(&report)?;
    svc.store
        .reports()
        .save_research(&run.agency_id, &run.id, &value, &report.provider)
        .await?;
    let mut message = research::summary_line(&report);
    if report.dropped_sentences > 0 {
        message.push_str(&format!(
            " · {} sentence(s) with unsupported numbers dropped",
            report.dropped_sentences
        ));
    }
    svc.store
        .events()
        .append(
            &run.id,
            &run.agency_id,
            NewEvent::info(
                Some(Phase::MarketResearch),
                "market_research_written",
                message,
            )
            .with_data(serde_json::json!({
                "provider": report.provider,
                "dropped_sentences": report.dropped_sentences,
            })),
        )
        .await?;
    Ok(())
}
