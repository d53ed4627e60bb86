//! The campaign workflow on the jobs queue: starting a run enqueues its first phase in the same
//! transaction; each phase job runs its phase and, in one transaction, marks it complete,
//! enqueues the next one (or the completion handler) and completes itself. A crash anywhere
//! leaves either the old state (the job is handed out again and the idempotent phase redone) or
//! the new one — never half of each.

use std::time::Duration;

use anyhow::Context;
use domain::{AgencyId, Phase, PhaseStatus, RunId, WorkflowStatus};
use sqlx::{Any, Transaction};
use store::{EnqueueOptions, JobKind, NewEvent, NewRun, Run, Store};
use tracing::{instrument, warn};

use crate::audit;
use crate::campaign::{CampaignError, CampaignRequest};
use crate::jobs::{FinishRun, RunPhase};
use crate::phases;
use crate::services::Services;
use crate::webhooks;
use crate::worker::{JobCtx, JobError};

fn phase_key(run: &RunId, phase: Phase) -> String {
    format!("run:{run}:phase:{}", phase.as_str())
}

fn finish_key(run: &RunId) -> String {
    format!("run:{run}:finish")
}

/// Enqueue options of a job of `run` (its children included), keyed by `dedupe_key`.
pub(crate) fn child_options(run: &Run, dedupe_key: String) -> EnqueueOptions {
    options(run, dedupe_key)
}

fn options(run: &Run, dedupe_key: String) -> EnqueueOptions {
    EnqueueOptions {
        dedupe_key: Some(dedupe_key),
        run_id: Some(run.id.clone()),
        agency_id: Some(run.agency_id.clone()),
        ..EnqueueOptions::default()
    }
}

/// Validates the request, creates the queued run and enqueues its first phase, atomically
/// (the seed's `workflow.start`). Workers do the rest.
pub async fn start_run(store: &Store, req: CampaignRequest) -> Result<Run, CampaignError> {
    let req = req.validate()?;
    let phases = CampaignRequest::phases_for(req.stages);
    let new = NewRun {
        agency_id: req.agency_id,
        user_id: req.user_id,
        num_leads: req.num_leads,
        target_vertical: req.vertical,
        target_geography: req.geography,
        params: {
            let mut params = serde_json::json!({ "stages": req.stages });
            if let Some(n) = req.audit_leads {
                params["auditLeads"] = n.into();
            }
            params
        },
        phases: phases.clone(),
    };
    let mut tx = store
        .pool()
        .begin()
        .await
        .map_err(store::StoreError::from)?;
    let id = store.runs().create_in_tx(&mut tx, &new).await?;
    if let Some((first, _)) = phases.iter().find(|(_, on)| *on) {
        let job = RunPhase {
            run_id: id.clone(),
            phase: *first,
        };
        let opts = EnqueueOptions {
            dedupe_key: Some(phase_key(&id, *first)),
            run_id: Some(id.clone()),
            agency_id: Some(new.agency_id.clone()),
            ..EnqueueOptions::default()
        };
        store.jobs().enqueue_in_tx(&mut tx, &job, opts).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    store.runs().get(&id).await?.ok_or_else(|| {
        store::StoreError::NotFound {
            what: "run",
            id: id.to_string(),
        }
        .into()
    })
}

/// Runs one phase (the `run.phase` job).
#[instrument(skip_all, fields(run.id = %job.run_id, phase = job.phase.as_str()))]
pub(crate) async fn run_phase(svc: &Services, ctx: &JobCtx, job: RunPhase) -> Result<(), JobError> {
    let runs = svc.store.runs();
    let Some(run) = runs.get(&job.run_id).await? else {
        return Err(JobError::fatal(anyhow::anyhow!(
            "run {} does not exist",
            job.run_id
        )));
    };
    if run.workflow_status.is_terminal() {
        // Cancelled or already failed: nothing left to do for this phase.
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(());
    }
    if run.workflow_status == WorkflowStatus::Queued
        && runs
            .set_status(&run.id, WorkflowStatus::Running, None)
            .await?
    {
        let message = format!(
            "Run started: {} in {}",
            run.target_vertical, run.target_geography
        );
        svc.store
            .events()
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::info(None, "run_started", message),
            )
            .await?;
    }
    let state = run
        .phases
        .iter()
        .find(|p| p.name == job.phase)
        .with_context(|| format!("run {} has no phase {}", run.id, job.phase.as_str()))
        .map_err(JobError::Fatal)?;
    let mut outcome = PhaseOutcome::Done;
    if state.status != PhaseStatus::Complete {
        runs.set_phase_status(&run.id, job.phase, PhaseStatus::Running, None)
            .await?;
        if ctx.cancel_requested() {
            return Err(JobError::Cancelled);
        }
        outcome = execute(svc, job.phase, &run).await?;
    }
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }

    // Phase complete (or fanned out) + next job + this job's completion: one transaction.
    let mut tx = svc.store.pool().begin().await?;
    match outcome {
        PhaseOutcome::Done => complete_phase_in_tx(svc, &mut tx, &run, job.phase).await?,
        PhaseOutcome::FitReasons(children) => {
            fan_out(svc, &mut tx, &run, job.phase, children).await?
        }
        PhaseOutcome::Audits(leads) => fan_out_audits(svc, &mut tx, &run, &leads).await?,
        PhaseOutcome::Personas(c) => {
            fan_out_two(
                svc,
                &mut tx,
                &run,
                job.phase,
                vec![c.business],
                vec![c.decision_makers],
            )
            .await?
        }
        PhaseOutcome::Mapping(leads, people) => {
            fan_out_two(svc, &mut tx, &run, job.phase, leads, people).await?
        }
        PhaseOutcome::DmBatches(batches) => fan_out(svc, &mut tx, &run, job.phase, batches).await?,
    }
    commit_job(svc, ctx, tx, &run.id).await?;
    Ok(())
}

/// The run of a job, or `None` when the run has ended (cancelled or failed): the job is then
/// completed, as nothing is left for it to do.
pub(crate) async fn live_run(
    svc: &Services,
    ctx: &JobCtx,
    run_id: &RunId,
) -> Result<Option<Run>, JobError> {
    let run = svc
        .store
        .runs()
        .get(run_id)
        .await?
        .ok_or_else(|| JobError::fatal(anyhow::anyhow!("run {run_id} does not exist")))?;
    if run.workflow_status.is_terminal() {
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(None);
    }
    Ok(Some(run))
}

/// Completes the job inside `tx` and commits everything the job wrote there, then refreshes
/// the run's progress. Returns `false` (and rolls back) when the lease was lost: whoever holds
/// the job now records the outcome.
pub(crate) async fn commit_job(
    svc: &Services,
    ctx: &JobCtx,
    mut tx: Transaction<'_, Any>,
    run_id: &RunId,
) -> Result<bool, JobError> {
    if svc
        .store
        .jobs()
        .complete_in_tx(&mut tx, &ctx.job_id, &ctx.worker)
        .await?
    {
        tx.commit().await?;
        svc.store.runs().refresh_progress(run_id).await?;
        Ok(true)
    } else {
        tx.rollback().await?;
        Ok(false)
    }
}

/// Marks `phase` complete and enqueues what comes next (the next enabled phase, or the
/// completion handler), inside `tx`. Dedupe keys make a second call a no-op.
async fn complete_phase_in_tx(
    svc: &Services,
    tx: &mut Transaction<'_, Any>,
    run: &Run,
    phase: Phase,
) -> Result<(), JobError> {
    svc.store
        .runs()
        .set_phase_status_in(tx, &run.id, phase, PhaseStatus::Complete, None)
        .await?;
    if phase == Phase::ScrapeContent {
        // `generate_dossier` runs alongside (each lead's dossier follows its own scrape) and
        // always completes after this one: it enqueues what comes next.
        return Ok(());
    }
    let next = run
        .phases
        .iter()
        .skip_while(|p| p.name != phase)
        .skip(1)
        .find(|p| p.status != PhaseStatus::Skipped)
        .map(|p| p.name);
    let jobs = svc.store.jobs();
    match next {
        Some(next) => {
            let job = RunPhase {
                run_id: run.id.clone(),
                phase: next,
            };
            jobs.enqueue_in_tx(tx, &job, options(run, phase_key(&run.id, next)))
                .await?;
        }
        None => {
            let job = FinishRun {
                run_id: run.id.clone(),
            };
            jobs.enqueue_in_tx(tx, &job, options(run, finish_key(&run.id)))
                .await?;
        }
    }
    Ok(())
}

/// Fans a phase out into child jobs, inside `tx`: the phase's `total` becomes the number of
/// children and it stays `running` until the last child reports with [`child_finished`].
/// Each child needs a dedupe key unique within the run (e.g. `run:{id}:audit:{lead}`), so a
/// retried fan-out enqueues nothing twice. With no children the phase completes at once.
pub async fn fan_out<J: JobKind>(
    svc: &Services,
    tx: &mut Transaction<'_, Any>,
    run: &Run,
    phase: Phase,
    children: Vec<(J, String)>,
) -> Result<(), JobError> {
    if children.is_empty() {
        return complete_phase_in_tx(svc, tx, run, phase).await;
    }
    let total = u64::try_from(children.len()).unwrap_or(u64::MAX);
    svc.store
        .runs()
        .set_phase_counts_in(tx, &run.id, phase, 0, total)
        .await?;
    let jobs = svc.store.jobs();
    for (child, key) in children {
        jobs.enqueue_in_tx(tx, &child, options(run, key)).await?;
    }
    Ok(())
}

/// Fans a phase out into children of two kinds, counted together (see [`fan_out`]).
pub async fn fan_out_two<A: JobKind, B: JobKind>(
    svc: &Services,
    tx: &mut Transaction<'_, Any>,
    run: &Run,
    phase: Phase,
    first: Vec<(A, String)>,
    second: Vec<(B, String)>,
) -> Result<(), JobError> {
    if first.is_empty() && second.is_empty() {
        return complete_phase_in_tx(svc, tx, run, phase).await;
    }
    let total = u64::try_from(first.len() + second.len()).unwrap_or(u64::MAX);
    svc.store
        .runs()
        .set_phase_counts_in(tx, &run.id, phase, 0, total)
        .await?;
    let jobs = svc.store.jobs();
    for (child, key) in first {
        jobs.enqueue_in_tx(tx, &child, options(run, key)).await?;
    }
    for (child, key) in second {
        jobs.enqueue_in_tx(tx, &child, options(run, key)).await?;
    }
    Ok(())
}

/// Fans the run's deep audits out (the `scrape_content` phase, DESIGN §3), inside `tx`: one
/// audit per selected lead with its first step queued; `scrape_content` and `generate_dossier`
/// both count the audits and run side by side, each lead moving on without waiting for the
/// others. With no lead to audit both complete at once.
async fn fan_out_audits(
    svc: &Services,
    tx: &mut Transaction<'_, Any>,
    run: &Run,
    leads: &[store::Opportunity],
) -> Result<(), JobError> {
    let audits =
        audit::create_in_tx(svc, tx, &run.agency_id, &run.user_id, Some(&run.id), leads).await?;
    if audits.is_empty() {
        complete_phase_in_tx(svc, tx, run, Phase::ScrapeContent).await?;
        return complete_phase_in_tx(svc, tx, run, Phase::GenerateDossier).await;
    }
    let total = u64::try_from(audits.len()).unwrap_or(u64::MAX);
    let runs = svc.store.runs();
    // Audits a retried fan-out finds already past a point are counted as they are.
    let past =
        |step| u64::try_from(audits.iter().filter(|a| a.phase_finished(step)).count()).unwrap_or(0);
    runs.set_phase_counts_in(
        tx,
        &run.id,
        Phase::ScrapeContent,
        past(domain::AuditPhase::ScrapeContent),
        total,
    )
    .await?;
    runs.set_phase_counts_in(
        tx,
        &run.id,
        Phase::GenerateDossier,
        past(domain::AuditPhase::GenerateDossier),
        total,
    )
    .await?;
    runs.set_phase_status_in(
        tx,
        &run.id,
        Phase::GenerateDossier,
        PhaseStatus::Running,
        None,
    )
    .await?;
    Ok(())
}

/// Counts one finished child of a fanned-out phase, inside the child's own completion
/// transaction; the child that brings `done` to `total` completes the phase and enqueues what
/// comes next. A dead child counts too (its failure is in the events), so a phase never hangs.
pub async fn child_finished(
    svc: &Services,
    tx: &mut Transaction<'_, Any>,
    run_id: &RunId,
    phase: Phase,
) -> Result<(), JobError> {
    let (done, total) = svc
        .store
        .runs()
        .bump_phase_done_in(tx, run_id, phase)
        .await?;
    if done >= total {
        let run = svc
            .store
            .runs()
            .get(run_id)
            .await?
            .ok_or_else(|| JobError::fatal(anyhow::anyhow!("run {run_id} does not exist")))?;
        if !run.workflow_status.is_terminal() {
            if phase == Phase::FinalizeRank {
                // Every lead is rescored: the final ranking.
                svc.store
                    .opportunities()
                    .rerank_run_in(tx, &run.agency_id, run_id)
                    .await?;
            }
            complete_phase_in_tx(svc, tx, &run, phase).await?;
        }
    }
    Ok(())
}

/// What a phase's body produced.
enum PhaseOutcome {
    /// The phase's work is done.
    Done,
    /// The phase continues as one child job per lead.
    FitReasons(Vec<(phases::finalize_rank::WriteFitReason, String)>),
    /// These leads get a deep audit each.
    Audits(Vec<store::Opportunity>),
    /// The personas are stored; their embeddings follow as two children.
    Personas(phases::personas::Children),
    /// Embedding batches of leads and decision makers, each followed by its mapping.
    Mapping(
        Vec<(phases::embed::ComputeBusinessEmbeddings, String)>,
        Vec<(phases::embed::ComputeDmEmbeddings, String)>,
    ),
    /// Decision-maker discovery, in batches of leads.
    DmBatches(Vec<(phases::dm_enrichment::DmDiscoveryBatch, String)>),
}

/// Runs a phase's body; failures that no retry can cure are fatal.
async fn execute(svc: &Services, phase: Phase, run: &Run) -> Result<PhaseOutcome, JobError> {
    let done = |r: anyhow::Result<()>| r.map(|()| PhaseOutcome::Done);
    let result = match phase {
        Phase::Source => done(phases::source::run(svc, run).await),
        Phase::FilterRank => done(phases::filter_rank::run(svc, run).await),
        Phase::PersistLeads => done(phases::persist_leads::run(svc, run).await),
        Phase::ScrapeContent => audit_selection(svc, run).await.map(PhaseOutcome::Audits),
        Phase::FinalizeRank => phases::finalize_rank::children(svc, run)
            .await
            .map(PhaseOutcome::FitReasons),
        Phase::Personas => phases::personas::run(svc, run)
            .await
            .map(PhaseOutcome::Personas),
        Phase::DmEnrichment => phases::dm_enrichment::children(svc, run)
            .await
            .map(PhaseOutcome::DmBatches),
        Phase::PersonaMapping => phases::embed::mapping_children(svc, run)
            .await
            .map(|(leads, people)| PhaseOutcome::Mapping(leads, people)),
        Phase::MarketResearch => done(phases::market_research::run(svc, run).await),
        // Counted by the audits `scrape_content` fans out; never enqueued as a phase job.
        Phase::GenerateDossier => {
            return Err(JobError::fatal(anyhow::anyhow!(
                "generate_dossier is counted by the audits and never runs as a phase job"
            )));
        }
    };
    result.map_err(|e| {
        if phases::is_fatal(&e) {
            JobError::Fatal(e)
        } else {
            JobError::Retry(e)
        }
    })
}

/// The leads of the run that get a deep audit.
async fn audit_selection(svc: &Services, run: &Run) -> anyhow::Result<Vec<store::Opportunity>> {
    let leads = svc
        .store
        .opportunities()
        .list_for_run(&run.agency_id, &run.id)
        .await?;
    Ok(audit::select(&leads, audit::top_n_for(svc, run)))
}

/// The completion handler (the `run.finish` job): `completed` unless a phase failed.
#[instrument(skip_all, fields(run.id = %job.run_id))]
pub(crate) async fn finish_run(
    svc: &Services,
    ctx: &JobCtx,
    job: FinishRun,
) -> Result<(), JobError> {
    let runs = svc.store.runs();
    let Some(run) = runs.get(&job.run_id).await? else {
        return Err(JobError::fatal(anyhow::anyhow!(
            "run {} does not exist",
            job.run_id
        )));
    };
    if !run.workflow_status.is_terminal() {
        let failed = run.phases.iter().find(|p| p.status == PhaseStatus::Error);
        let (status, message) = match failed {
            Some(p) => (
                WorkflowStatus::Failed,
                format!("Run failed in {}", p.name.as_str()),
            ),
            None => (WorkflowStatus::Completed, "Run completed".to_owned()),
        };
        runs.set_status(&run.id, status, None).await?;
        runs.refresh_progress(&run.id).await?;
        svc.store
            .events()
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::info(None, "run_finished", message),
            )
            .await?;
    }
    // The run has ended: its webhook notification is enqueued with this job's completion, so
    // a crash in between runs this handler again and enqueues it then (dedupe keys keep it
    // to one).
    let run = runs
        .get(&job.run_id)
        .await?
        .ok_or_else(|| JobError::fatal(anyhow::anyhow!("run {} does not exist", job.run_id)))?;
    let mut tx = svc.store.pool().begin().await?;
    webhooks::enqueue_in_tx(&svc.store, &mut tx, &run).await?;
    commit_job(svc, ctx, tx, &run.id).await?;
    Ok(())
}

/// Ends a run as failed: the phase gets the error, an event says why, `workflowStatus` is
/// `failed`. Called when a job of the run gives up for good.
pub(crate) async fn fail_run(svc: &Services, run_id: &RunId, phase: Option<Phase>, reason: &str) {
    let result: anyhow::Result<()> = async {
        let runs = svc.store.runs();
        let run = runs.get(run_id).await?.context("run does not exist")?;
        if let Some(phase) = phase {
            runs.set_phase_status(run_id, phase, PhaseStatus::Error, Some(reason))
                .await?;
        }
        let what = phase.map_or("the run".to_owned(), |p| p.as_str().to_owned());
        svc.store
            .events()
            .append(
                run_id,
                &run.agency_id,
                NewEvent::error(phase, "phase_failed", format!("{what} failed: {reason}")),
            )
            .await?;
        runs.set_status(run_id, WorkflowStatus::Failed, Some(reason))
            .await?;
        webhooks::notify_run_ended(&svc.store, run_id).await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        warn!(run.id = %run_id, error = %format!("{e:#}"), "could not record the run's failure");
    }
}

/// Counts a child that gave up for good as finished, with a warning event, so its phase
/// completes without it.
pub(crate) async fn child_gave_up(svc: &Services, run_id: &RunId, phase: Phase, reason: &str) {
    let result: anyhow::Result<()> = async {
        let run = svc
            .store
            .runs()
            .get(run_id)
            .await?
            .context("run does not exist")?;
        let message = format!("A {} step gave up: {reason}", phase.as_str());
        svc.store
            .events()
            .append(
                run_id,
                &run.agency_id,
                NewEvent::warn(Some(phase), "step_gave_up", message),
            )
            .await?;
        let mut tx = svc.store.pool().begin().await?;
        child_finished(svc, &mut tx, run_id, phase)
            .await
            .map_err(JobError::into_anyhow)?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        warn!(run.id = %run_id, error = %format!("{e:#}"), "could not count a step that gave up");
    }
}

/// What cancelling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The run is now cancelled (running jobs stop at their next step).
    Cancelled,
    /// It had already ended with this status; nothing changed.
    AlreadyEnded(WorkflowStatus),
}

/// Cancels a run of `agency`: its queued jobs are cancelled, its running ones asked to stop,
/// unfinished phases marked cancelled, and `workflowStatus` set to `cancelled`.
pub async fn cancel_run(
    store: &Store,
    agency: &AgencyId,
    run_id: &RunId,
) -> anyhow::Result<CancelOutcome> {
    let run = store
        .runs()
        .get_for_agency(agency, run_id)
        .await?
        .with_context(|| format!("run {run_id} does not exist"))?;
    if run.workflow_status.is_terminal() {
        return Ok(CancelOutcome::AlreadyEnded(run.workflow_status));
    }
    let report = store.jobs().cancel_run(run_id).await?;
    if !store
        .runs()
        .set_status(run_id, WorkflowStatus::Cancelled, None)
        .await?
    {
        let now = store.runs().get(run_id).await?.context("run disappeared")?;
        return Ok(CancelOutcome::AlreadyEnded(now.workflow_status));
    }
    store.runs().cancel_unfinished_phases(run_id).await?;
    audit::cancel_for_run(store, agency, run_id).await?;
    let message = format!(
        "Run cancelled ({} queued jobs cancelled, {} running jobs asked to stop)",
        report.cancelled, report.flagged
    );
    store
        .events()
        .append(
            run_id,
            agency,
            NewEvent::warn(None, "run_cancelled", message),
        )
        .await?;
    // The run is cancelled whatever happens here; a notification that cannot be queued is
    // logged, not turned into a failed cancel.
    if let Err(e) = webhooks::notify_run_ended(store, run_id).await {
        warn!(run.id = %run_id, error = %e, "could not enqueue the run's webhook notification");
    }
    Ok(CancelOutcome::Cancelled)
}

/// Waits until the run has ended (polling the store), returning it.
pub async fn wait_for_run(store: &Store, run_id: &RunId, poll: Duration) -> anyhow::Result<Run> {
    loop {
        let run = store
            .runs()
            .get(run_id)
            .await?
            .with_context(|| format!("run {run_id} does not exist"))?;
        if run.workflow_status.is_terminal() {
            return Ok(run);
        }
        tokio::time::sleep(poll).await;
    }
}
