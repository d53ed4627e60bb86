//! The job kinds of the campaign workflow, registered in one place: [`KINDS`] is what a
//! worker claims and [`dispatch`] routes a claimed job to its handler.

use serde::{Deserialize, Serialize};
use store::{ClaimedJob, JobKind};

use crate::audit::{self, AuditStep};
use crate::phases::dm_enrichment::{self, DmDiscoveryBatch};
use crate::phases::embed::{
    self, ComputeBpEmbeddings, ComputeBusinessEmbeddings, ComputeDmEmbeddings,
    ComputeDmPersonaEmbeddings, MapPersonas,
};
use crate::phases::finalize_rank::{self, WriteFitReason};
use crate::services::Services;
use crate::webhooks::{self, DeliverWebhook};
use crate::worker::{JobCtx, JobError};
use crate::workflow;

/// Runs one phase of a run (`source`, `filter_rank`, `persist_leads`, …), then enqueues the
/// next enabled phase — or [`FinishRun`] after the last — in the same transaction as its own
/// completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPhase {
    /// The run.
    pub run_id: domain::RunId,
    /// The phase to run.
    pub phase: domain::Phase,
}

impl JobKind for RunPhase {
    const NAME: &'static str = "run.phase";
    const PRIORITY: i32 = 10;
    const MAX_ATTEMPTS: u32 = 5;
}

/// The completion handler (seed 001's `onComplete`): sets `workflowStatus` from the phases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishRun {
    /// The run.
    pub run_id: domain::RunId,
}

impl JobKind for FinishRun {
    const NAME: &'static str = "run.finish";
    const PRIORITY: i32 = 20;
    const MAX_ATTEMPTS: u32 = 10;
}

/// Every job kind this version handles. Workers claim only these, so a worker of an older
/// version never takes a job it cannot run.
pub const KINDS: &[&str] = &[
    RunPhase::NAME,
    FinishRun::NAME,
    WriteFitReason::NAME,
    AuditStep::NAME,
    DmDiscoveryBatch::NAME,
    ComputeBpEmbeddings::NAME,
    ComputeDmPersonaEmbeddings::NAME,
    ComputeBusinessEmbeddings::NAME,
    ComputeDmEmbeddings::NAME,
    MapPersonas::NAME,
    DeliverWebhook::NAME,
];

/// Routes a claimed job to its handler.
pub(crate) async fn dispatch(
    svc: &Services,
    ctx: &JobCtx,
    job: &ClaimedJob,
) -> Result<(), JobError> {
    match job.kind.as_str() {
        RunPhase::NAME => {
            workflow::run_phase(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        FinishRun::NAME => {
            workflow::finish_run(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        WriteFitReason::NAME => {
            finalize_rank::handle(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        AuditStep::NAME => audit::handle(svc, ctx, job.decode().map_err(JobError::fatal)?).await,
        DmDiscoveryBatch::NAME => {
            dm_enrichment::handle(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        ComputeBpEmbeddings::NAME => {
            let j: ComputeBpEmbeddings = job.decode().map_err(JobError::fatal)?;
            embed::handle_personas(svc, ctx, &j.run_id, store::PersonaKind::Business).await
        }
        ComputeDmPersonaEmbeddings::NAME => {
            let j: ComputeDmPersonaEmbeddings = job.decode().map_err(JobError::fatal)?;
            embed::handle_personas(svc, ctx, &j.run_id, store::PersonaKind::DecisionMaker).await
        }
        ComputeBusinessEmbeddings::NAME => {
            embed::handle_businesses(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        ComputeDmEmbeddings::NAME => {
            embed::handle_people(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        MapPersonas::NAME => {
            embed::handle_mapping(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        DeliverWebhook::NAME => {
            webhooks::handle(svc, ctx, job.decode().map_err(JobError::fatal)?).await
        }
        other => Err(JobError::Fatal(anyhow::anyhow!(
            "unknown job kind {other:?}"
        ))),
    }
}

/// What happens when a job of the workflow gives up for good (dead): a phase job fails its
/// run, naming why; a per-lead child is counted as finished (its lead keeps what it had) so
/// the phase still completes.
pub(crate) async fn on_dead(svc: &Services, job: &ClaimedJob, reason: &str) {
    if job.kind == AuditStep::NAME {
        if let Ok(step) = job.decode::<AuditStep>() {
            audit::on_dead(svc, &step, reason).await;
        }
        return;
    }
    if job.kind == DeliverWebhook::NAME {
        if let Ok(delivery) = job.decode::<DeliverWebhook>() {
            webhooks::on_dead(svc, &delivery, reason).await;
        }
        return;
    }
    // A child that gave up counts as finished, so its phase still completes.
    let child_phase = match job.kind.as_str() {
        WriteFitReason::NAME => Some(domain::Phase::FinalizeRank),
        DmDiscoveryBatch::NAME => Some(domain::Phase::DmEnrichment),
        ComputeBpEmbeddings::NAME | ComputeDmPersonaEmbeddings::NAME => {
            Some(domain::Phase::Personas)
        }
        // An embedding batch that gave up never queued its mapping, which would have counted.
        ComputeBusinessEmbeddings::NAME | ComputeDmEmbeddings::NAME | MapPersonas::NAME => {
            Some(domain::Phase::PersonaMapping)
        }
        _ => None,
    };
    if let (Some(phase), Some(run_id)) = (child_phase, &job.run_id) {
        workflow::child_gave_up(svc, run_id, phase, reason).await;
        return;
    }
    if let Some(run_id) = &job.run_id {
        let phase = job.decode::<RunPhase>().ok().map(|j| j.phase);
        workflow::fail_run(svc, run_id, phase, reason).await;
    }
}
