//! `personas` (seed 002): the run's business and decision-maker personas, written by the LLM
//! from the agency profile, vertical and geography (rules fallback), stored as the run's set;
//! then their embeddings as two child jobs (`compute_bp_embeddings`,
//! `compute_dm_persona_embeddings`) that complete the phase.

use domain::Phase;
use store::{NewEvent, NewPersona, PersonaKind, Run};

use super::embed::{ComputeBpEmbeddings, ComputeDmPersonaEmbeddings};
use crate::ai::CallScope;
use crate::personas;
use crate::services::Services;

/// The phase's children: one embedding job per persona table.
pub(crate) struct Children {
    pub business: (ComputeBpEmbeddings, String),
    pub decision_makers: (ComputeDmPersonaEmbeddings, String),
}

/// Generates and stores the run's personas; returns the embedding jobs to fan out.
pub(crate) async fn run(svc: &Services, run: &Run) -> anyhow::Result<Children> {
    let agency = svc
        .store
        .agencies()
        .get(&run.agency_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the run's agency is gone"))?;
    let scope = CallScope {
        run_id: Some(run.id.clone()),
        agency_id: run.agency_id.clone(),
        user_id: run.user_id.clone(),
        opportunity_id: None,
    };
    let generated = personas::generate(
        svc,
        &scope,
        &agency.profile,
        &run.target_vertical,
        &run.target_geography,
    )
    .await;
    let set = &generated.set;
    let business: Vec<NewPersona> = set
        .business
        .iter()
        .map(|p| NewPersona {
            name: p.name.clone(),
            data: serde_json::to_value(p).unwrap_or_default(),
        })
        .collect();
    let people: Vec<NewPersona> = set
        .decision_makers
        .iter()
        .map(|p| NewPersona {
            name: p.name.clone(),
            data: serde_json::to_value(p).unwrap_or_default(),
        })
        .collect();
    let repo = svc.store.personas();
    let mut tx = svc.store.pool().begin().await?;
    for (kind, rows) in [
        (PersonaKind::Business, &business),
        (PersonaKind::DecisionMaker, &people),
    ] {
        repo.replace_for_run_in(
            &mut tx,
            kind,
            &run.agency_id,
            &run.id,
            generated.provider,
            rows,
        )
        .await?;
    }
    tx.commit().await?;
    let names = |rows: &[NewPersona]| {
        rows.iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let message = format!(
        "Personas written by {}: {} business ({}) and {} decision-maker ({})",
        generated.provider,
        business.len(),
        names(&business),
        people.len(),
        names(&people)
    );
    svc.store
        .events()
        .append(
            &run.id,
            &run.agency_id,
            NewEvent::info(Some(Phase::Personas), "personas_generated", message).with_data(
                serde_json::json!({
                    "provider": generated.provider,
                    "model": generated.model,
                    "business": business.len(),
                    "decision_makers": people.len(),
                    "repaired": generated.repairs.changed(),
                }),
            ),
        )
        .await?;
    super::embed::note_fallback(svc, run, Phase::Personas).await?;
    Ok(Children {
        business: (
            ComputeBpEmbeddings {
                run_id: run.id.clone(),
                ids: Vec::new(),
            },
            format!("run:{}:embed:bp", run.id),
        ),
        decision_makers: (
            ComputeDmPersonaEmbeddings {
                run_id: run.id.clone(),
                ids: Vec::new(),
            },
            format!("run:{}:embed:dmp", run.id),
        ),
    })
}
