//! Drives a run through its phases. Each phase that is already `complete` is skipped, so
//! calling [`execute_run`] again after a crash resumes where the run stopped.

use anyhow::{Context, Result};
use domain::{Phase, PhaseStatus, RunId, WorkflowStatus};
use store::{NewEvent, Run};
use tracing::{error, info, instrument};

use crate::phases;
use crate::services::Services;

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The run as stored at the end.
    pub run: Run,
}

impl RunOutcome {
    /// True when the run completed.
    pub fn completed(&self) -> bool {
        self.run.workflow_status == WorkflowStatus::Completed
    }
}

/// Runs every pending phase of `run_id` in order, then the completion handler (seed 001's
/// `onComplete`): `workflowStatus` becomes `completed`, or `failed` with the phase's error
/// recorded on the phase, in an event and on the run.
#[instrument(skip_all, fields(run.id = %run_id))]
pub async fn execute_run(svc: &Services, run_id: &RunId) -> Result<RunOutcome> {
    let runs = svc.store.runs();
    let run = runs
        .get(run_id)
        .await?
        .with_context(|| format!("run {run_id} does not exist"))?;
    if run.workflow_status.is_terminal() {
        return Ok(RunOutcome { run });
    }
    runs.set_status(run_id, WorkflowStatus::Running, None)
        .await?;
    svc.store
        .events()
        .append(
            run_id,
            &run.agency_id,
            NewEvent::info(
                None,
                "run_started",
                format!(
                    "Run started: {} in {}",
                    run.target_vertical, run.target_geography
                ),
            ),
        )
        .await?;

    for state in run
        .phases
        .iter()
        .filter(|p| p.status != PhaseStatus::Skipped)
    {
        if state.status == PhaseStatus::Complete {
            continue;
        }
        let phase = state.name;
        runs.set_phase_status(run_id, phase, PhaseStatus::Running, None)
            .await?;
        // Each phase reads the run afresh: earlier phases wrote to it.
        let current = runs.get(run_id).await?.context("the run disappeared")?;
        if let Err(err) = run_phase(svc, phase, &current).await {
            let reason = format!("{err:#}");
            error!(phase = phase.as_str(), error = %reason, "phase failed");
            runs.set_phase_status(run_id, phase, PhaseStatus::Error, Some(&reason))
                .await?;
            svc.store
                .events()
                .append(
                    run_id,
                    &run.agency_id,
                    NewEvent::error(
                        Some(phase),
                        "phase_failed",
                        format!("{} failed: {reason}", phase.as_str()),
                    ),
                )
                .await?;
            runs.set_status(run_id, WorkflowStatus::Failed, Some(&reason))
                .await?;
            let run = runs.get(run_id).await?.context("the run disappeared")?;
            return Ok(RunOutcome { run });
        }
        runs.set_phase_status(run_id, phase, PhaseStatus::Complete, None)
            .await?;
        info!(phase = phase.as_str(), "phase complete");
    }

    runs.set_status(run_id, WorkflowStatus::Completed, None)
        .await?;
    svc.store
        .events()
        .append(
            run_id,
            &run.agency_id,
            NewEvent::info(None, "run_completed", "Run completed"),
        )
        .await?;
    let run = runs.get(run_id).await?.context("the run disappeared")?;
    Ok(RunOutcome { run })
}

async fn run_phase(svc: &Services, phase: Phase, run: &Run) -> Result<()> {
    match phase {
        Phase::Source => phases::source::run(svc, run).await,
        Phase::FilterRank => phases::filter_rank::run(svc, run).await,
        Phase::PersistLeads => phases::persist_leads::run(svc, run).await,
        other => anyhow::bail!(
            "phase {} is not part of this version's pipeline",
            other.as_str()
        ),
    }
}
