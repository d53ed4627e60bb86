//! Deep audits (seed 001 phase 2, DESIGN §5): one `audit_jobs` row per selected lead, its
//! steps `map_urls → filter_urls → scrape_content → generate_dossier` each a job of kind
//! [`AuditStep`]. Every lead moves through its own steps: lead A's dossier is written while
//! lead B is still being scraped. The run's `scrape_content` and `generate_dossier` phases are
//! the aggregate view, counting audits as they pass each point.
//!
//! A step commits its results, the lead's new status, the run's counter, the next step and its
//! own completion in one transaction, so killing a worker at any moment loses nothing and
//! duplicates nothing: the step is handed out again and redone over the same keys.

pub mod dossier;
pub(crate) mod site;

use std::collections::HashSet;

use anyhow::Context;
use domain::{
    AgencyId, AuditPhase, AuditStatus, LeadStatus, OpportunityId, Phase, PhaseStatus, RunId,
    Signal, UserId,
};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};
use store::{AuditJob, EnqueueOptions, JobKind, NewAudit, NewDossier, NewEvent, Opportunity, Run};
use tracing::{instrument, warn};

use crate::ai::{AiContext, CallScope};
use crate::services::Services;
use crate::worker::{JobCtx, JobError};
use crate::workflow;

/// One step of one audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStep {
    /// The audit (`audit_jobs.id`).
    pub audit_id: String,
    /// Its agency.
    pub agency_id: AgencyId,
    /// The run that selected the lead; `None` for `leadforge audit`.
    pub run_id: Option<RunId>,
    /// The step.
    pub step: AuditPhase,
}

impl JobKind for AuditStep {
    const NAME: &'static str = "audit.step";
    const MAX_ATTEMPTS: u32 = 4;
}

/// Later steps first: a lead nearly done finishes before another one starts.
fn priority(step: AuditPhase) -> i32 {
    match step {
        AuditPhase::MapUrls => 1,
        AuditPhase::FilterUrls => 2,
        AuditPhase::ScrapeContent => 3,
        AuditPhase::GenerateDossier => 4,
    }
}

fn step_job(audit: &AuditJob, step: AuditPhase) -> (AuditStep, EnqueueOptions) {
    let run_id = audit.lead_gen_flow_id.clone();
    let opts = EnqueueOptions {
        dedupe_key: Some(format!("audit:{}:{}", audit.id, step.as_str())),
        run_id: run_id.clone(),
        agency_id: Some(audit.agency_id.clone()),
        priority: Some(priority(step)),
        ..EnqueueOptions::default()
    };
    (
        AuditStep {
            audit_id: audit.id.clone(),
            agency_id: audit.agency_id.clone(),
            run_id,
            step,
        },
        opts,
    )
}

/// The first step an audit runs: the site steps, or straight to the dossier without a
/// website.
fn first_step(audit: &AuditJob) -> AuditPhase {
    AuditPhase::ALL
        .into_iter()
        .find(|p| !audit.phase_finished(*p))
        .unwrap_or(AuditPhase::GenerateDossier)
}

/// The website an audit can crawl: a real site, not a social or listing page.
pub(crate) fn crawlable_website(lead: &Opportunity) -> Option<String> {
    let site = lead.website.as_deref()?;
    if domain::is_social_or_listing(site) {
        return None;
    }
    let url = url::Url::parse(site).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The leads of a run that get a deep audit: the top `top_n` (by rank) with
/// `NEEDS_WEB_AUDIT`, and any lead scoring above 50 with a website.
pub(crate) fn select(leads: &[store::RunLead], top_n: u32) -> Vec<Opportunity> {
    let mut chosen = Vec::new();
    let mut seen = HashSet::new();
    let mut needs_audit = 0_u32;
    for lead in leads {
        let o = &lead.opportunity;
        if crawlable_website(o).is_none() {
            continue;
        }
        let wants = o
            .signals
            .iter()
            .any(|s| s == Signal::NeedsWebAudit.as_str());
        let take_top = wants && needs_audit < top_n;
        if take_top {
            needs_audit += 1;
        }
        if (take_top || o.qualification_score > 50) && seen.insert(o.id.clone()) {
            chosen.push(o.clone());
        }
    }
    chosen
}

/// How many audits the run asked for (`auditLeads` in its params), else the configured number.
pub(crate) fn top_n_for(svc: &Services, run: &Run) -> u32 {
    run.params
        .get("auditLeads")
        .and_then(serde_json::Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(svc.audit.top_n)
}

/// Creates an audit for each lead (reusing one a retried fan-out already made), moves the lead
/// into its first lifecycle step, and enqueues the audit's first step, inside `tx`.
/// Returns the audits.
pub(crate) async fn create_in_tx(
    svc: &Services,
    tx: &mut Transaction<'_, Any>,
    agency: &AgencyId,
    user: &UserId,
    run: Option<&RunId>,
    leads: &[Opportunity],
) -> Result<Vec<AuditJob>, JobError> {
    let mut audits = Vec::with_capacity(leads.len());
    for lead in leads {
        let new = NewAudit {
            agency_id: agency.clone(),
            opportunity_id: lead.id.clone(),
            run_id: run.cloned(),
            user_id: user.clone(),
            target_url: crawlable_website(lead),
            lead_status_before: lead.status.clone(),
        };
        let (audit, created) = svc.store.audits().create_in(tx, &new).await?;
        if created {
            // Without a website there is nothing to scrape: straight to DATA_READY.
            let status = if audit.target_url.is_some() {
                LeadStatus::Scraping
            } else {
                LeadStatus::DataReady
            };
            svc.store
                .opportunities()
                .advance_status_in(tx, agency, &lead.id, status)
                .await?;
        }
        let (job, opts) = step_job(&audit, first_step(&audit));
        svc.store.jobs().enqueue_in_tx(tx, &job, opts).await?;
        audits.push(audit);
    }
    Ok(audits)
}

/// `leadforge audit OPPORTUNITY_ID` (the seed's `runDeepAudit`): creates one audit of the lead,
/// outside any run, and enqueues its first step. Workers do the rest.
pub async fn start_audit(
    svc: &Services,
    agency: &AgencyId,
    user: &UserId,
    opportunity: &OpportunityId,
) -> anyhow::Result<AuditJob> {
    let lead = svc
        .store
        .opportunities()
        .get(agency, opportunity)
        .await?
        .with_context(|| format!("lead {opportunity} does not exist"))?;
    let mut tx = svc.store.pool().begin().await?;
    let audits = create_in_tx(
        svc,
        &mut tx,
        agency,
        user,
        None,
        std::slice::from_ref(&lead),
    )
    .await
    .map_err(JobError::into_anyhow)?;
    tx.commit().await?;
    audits
        .into_iter()
        .next()
        .context("the audit was not created")
}

/// What a step produced, written in the step's completion transaction.
#[derive(Debug, Default)]
pub(crate) struct StepDone {
    /// Something that went wrong without stopping the step, kept on the step.
    pub note: Option<String>,
    /// `map_urls`: the site map.
    pub site_map: Option<serde_json::Value>,
    /// `filter_urls`: the chosen pages.
    pub selected: Option<serde_json::Value>,
    /// `scrape_content`: site-level findings, the best e-mail and all e-mails.
    pub findings: Option<serde_json::Value>,
    pub best_email: Option<String>,
    pub emails: Vec<String>,
    /// `generate_dossier`: the dossier, and the lead's new signals, score and fit reason when
    /// the audit is not part of a run (a run's `finalize_rank` does that).
    pub dossier: Option<NewDossier>,
    pub finalized: Option<crate::phases::finalize_rank::Finalized>,
    /// A run event to append after the commit.
    pub event: Option<NewEvent>,
}

/// Handles one [`AuditStep`] job.
#[instrument(skip_all, fields(audit.id = %job.audit_id, step = job.step.as_str()))]
pub(crate) async fn handle(svc: &Services, ctx: &JobCtx, job: AuditStep) -> Result<(), JobError> {
    let audits = svc.store.audits();
    let Some(audit) = audits.get(&job.agency_id, &job.audit_id).await? else {
        return Err(JobError::fatal(anyhow::anyhow!(
            "audit {} does not exist",
            job.audit_id
        )));
    };
    if audit.status.is_terminal() || audit.phase_finished(job.step) {
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(());
    }
    let run = match &job.run_id {
        Some(id) => Some(
            svc.store
                .runs()
                .get(id)
                .await?
                .ok_or_else(|| JobError::fatal(anyhow::anyhow!("run {id} does not exist")))?,
        ),
        None => None,
    };
    if run
        .as_ref()
        .is_some_and(|r| r.workflow_status.is_terminal())
    {
        // The run was cancelled or failed: the audit ends here, the lead as it was.
        give_up(svc, &audit, "its run ended before the audit finished").await;
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(());
    }
    let lead = svc
        .store
        .opportunities()
        .get(&audit.agency_id, &audit.opportunity_id)
        .await?
        .ok_or_else(|| {
            JobError::fatal(anyhow::anyhow!(
                "lead {} does not exist",
                audit.opportunity_id
            ))
        })?;
    {
        let mut conn = svc.store.pool().acquire().await?;
        audits
            .set_phase_in(
                &mut conn,
                &audit.agency_id,
                &audit.id,
                job.step,
                PhaseStatus::Running,
                None,
            )
            .await?;
        if job.step == AuditPhase::GenerateDossier {
            svc.store
                .opportunities()
                .advance_status_in(&mut conn, &audit.agency_id, &lead.id, LeadStatus::Auditing)
                .await?;
        }
    }
    let step = StepCtx {
        svc,
        job: ctx,
        audit: &audit,
        lead: &lead,
        run: run.as_ref(),
    };
    let done = match job.step {
        AuditPhase::MapUrls => site::map(&step).await,
        AuditPhase::FilterUrls => site::filter(&step).await,
        AuditPhase::ScrapeContent => site::scrape(&step).await,
        AuditPhase::GenerateDossier => dossier::generate(&step).await,
    }?;
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    commit(svc, ctx, &audit, &lead, job.step, done).await
}

/// What a step's body gets.
pub(crate) struct StepCtx<'a> {
    pub svc: &'a Services,
    pub job: &'a JobCtx,
    pub audit: &'a AuditJob,
    pub lead: &'a Opportunity,
    pub run: Option<&'a Run>,
}

impl StepCtx<'_> {
    /// The scope AI calls are attributed to.
    pub fn scope(&self) -> CallScope {
        CallScope {
            run_id: self.run.map(|r| r.id.clone()),
            agency_id: self.audit.agency_id.clone(),
            user_id: UserId::parse(&self.audit.user_id).unwrap_or_else(|_| UserId::new()),
            opportunity_id: Some(self.lead.id.clone()),
        }
    }

    /// Where the step's paid calls (Firecrawl) are logged.
    pub fn usage(&self) -> crate::adapters::RunUsage {
        crate::adapters::RunUsage {
            store: self.svc.store.clone(),
            run_id: self.run.map(|r| r.id.to_string()),
            agency_id: self.audit.agency_id.to_string(),
            user_id: self.audit.user_id.clone(),
            opportunity_id: Some(self.lead.id.to_string()),
        }
    }

    /// The audit's `analysisThread`, or the user when it has none (seed 000).
    pub fn ai_context(&self) -> AiContext {
        match &self.audit.analysis_thread {
            Some(thread) => AiContext::Thread(thread.clone()),
            None => AiContext::User(self.scope().user_id),
        }
    }
}

async fn commit(
    svc: &Services,
    ctx: &JobCtx,
    audit: &AuditJob,
    lead: &Opportunity,
    step: AuditPhase,
    done: StepDone,
) -> Result<(), JobError> {
    let agency = &audit.agency_id;
    let audits = svc.store.audits();
    let opportunities = svc.store.opportunities();
    let run_id = audit.lead_gen_flow_id.clone();
    let mut tx = svc.store.pool().begin().await?;
    if !audits.hold_live_in(&mut tx, agency, &audit.id).await? {
        // Ended while this step ran (its run was cancelled): the results are dropped, the
        // lead stays as the cancel left it.
        tx.rollback().await?;
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(());
    }
    if let Some(map) = &done.site_map {
        audits
            .set_site_map_in(&mut tx, agency, &audit.id, map)
            .await?;
    }
    if let Some(selected) = &done.selected {
        audits
            .set_selected_pages_in(&mut tx, agency, &audit.id, selected)
            .await?;
    }
    if let Some(findings) = &done.findings {
        audits
            .set_findings_in(&mut tx, agency, &audit.id, findings)
            .await?;
        opportunities
            .set_emails_in(
                &mut tx,
                agency,
                &lead.id,
                done.best_email.as_deref(),
                &done.emails,
            )
            .await?;
    }
    if let Some(dossier) = &done.dossier {
        audits.save_dossier_in(&mut tx, audit, dossier).await?;
    }
    if let Some(f) = &done.finalized {
        opportunities
            .set_signals_and_score_in(&mut tx, agency, &lead.id, None, &f.signals, f.score)
            .await?;
        opportunities
            .set_fit_reason_in(&mut tx, agency, &lead.id, &f.fit_reason)
            .await?;
    }
    audits
        .set_phase_in(
            &mut tx,
            agency,
            &audit.id,
            step,
            PhaseStatus::Complete,
            done.note.as_deref(),
        )
        .await?;
    match step {
        AuditPhase::ScrapeContent => {
            opportunities
                .advance_status_in(&mut tx, agency, &lead.id, LeadStatus::DataReady)
                .await?;
            if let Some(run) = &run_id {
                workflow::child_finished(svc, &mut tx, run, Phase::ScrapeContent).await?;
            }
        }
        AuditPhase::GenerateDossier => {
            opportunities
                .advance_status_in(&mut tx, agency, &lead.id, LeadStatus::Ready)
                .await?;
            audits
                .finish_in(&mut tx, agency, &audit.id, AuditStatus::Completed, None)
                .await?;
            if let Some(run) = &run_id {
                workflow::child_finished(svc, &mut tx, run, Phase::GenerateDossier).await?;
            }
        }
        AuditPhase::MapUrls | AuditPhase::FilterUrls => {}
    }
    if let Some(next) = step.next() {
        let (job, opts) = step_job(audit, next);
        svc.store.jobs().enqueue_in_tx(&mut tx, &job, opts).await?;
    }
    if !svc
        .store
        .jobs()
        .complete_in_tx(&mut tx, &ctx.job_id, &ctx.worker)
        .await?
    {
        // The lease was lost: whoever holds the job now records the outcome.
        tx.rollback().await?;
        return Ok(());
    }
    tx.commit().await?;
    if let Some(run) = &run_id {
        if let Some(event) = done.event {
            svc.store.events().append(run, agency, event).await?;
        }
        svc.store.runs().refresh_progress(run).await?;
    }
    Ok(())
}

/// Ends `audit` inside `tx`: unfinished steps and the audit are marked `error` with `reason`
/// and the lead goes back to the status it had. Returns the audit as it was, or `None` when it
/// had already ended.
async fn end_in(
    store: &store::Store,
    tx: &mut Transaction<'_, Any>,
    audit: &AuditJob,
    reason: &str,
) -> anyhow::Result<Option<AuditJob>> {
    let agency = &audit.agency_id;
    let Some(now) = store.audits().get(agency, &audit.id).await? else {
        return Ok(None);
    };
    // First write of the transaction: a step committing at the same moment either finished
    // before (the audit has ended: nothing to undo) or waits for this one.
    if !store
        .audits()
        .finish_in(tx, agency, &now.id, AuditStatus::Error, Some(reason))
        .await?
    {
        return Ok(None);
    }
    if let Ok(before) = LeadStatus::parse(&now.lead_status_before) {
        store
            .opportunities()
            .advance_status_in(tx, agency, &now.opportunity_id, before)
            .await?;
    }
    for step in AuditPhase::ALL {
        if !now.phase_finished(step) {
            store
                .audits()
                .set_phase_in(tx, agency, &now.id, step, PhaseStatus::Error, Some(reason))
                .await?;
        }
    }
    Ok(Some(now))
}

/// Ends an audit that cannot go on (a step died, its run ended): the audit records why, the
/// lead goes back to the status it had, and a live run's counters count it so its phases
/// finish.
pub(crate) async fn give_up(svc: &Services, audit: &AuditJob, reason: &str) {
    let result: anyhow::Result<()> = async {
        let agency = &audit.agency_id;
        let mut tx = svc.store.pool().begin().await?;
        let Some(now) = end_in(&svc.store, &mut tx, audit, reason).await? else {
            return Ok(());
        };
        let run = now.lead_gen_flow_id.clone();
        let mut live = false;
        if let Some(run) = &run {
            live = svc
                .store
                .runs()
                .get(run)
                .await?
                .is_some_and(|r| !r.workflow_status.is_terminal());
            if live {
                for (step, phase) in [
                    (AuditPhase::ScrapeContent, Phase::ScrapeContent),
                    (AuditPhase::GenerateDossier, Phase::GenerateDossier),
                ] {
                    if !now.phase_finished(step) {
                        workflow::child_finished(svc, &mut tx, run, phase)
                            .await
                            .map_err(JobError::into_anyhow)?;
                    }
                }
            }
        }
        tx.commit().await?;
        if let (Some(run), true) = (&run, live) {
            let message = format!("The audit of lead {} gave up: {reason}", now.opportunity_id);
            svc.store
                .events()
                .append(
                    run,
                    agency,
                    NewEvent::warn(Some(Phase::ScrapeContent), "audit_failed", message).with_data(
                        serde_json::json!({
                            "auditId": now.id,
                            "opportunityId": now.opportunity_id,
                        }),
                    ),
                )
                .await?;
            svc.store.runs().refresh_progress(run).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        warn!(audit.id = %audit.id, error = %format!("{e:#}"), "could not record the audit's failure");
    }
}

/// A dead [`AuditStep`]: the audit gives up.
pub(crate) async fn on_dead(svc: &Services, job: &AuditStep, reason: &str) {
    match svc.store.audits().get(&job.agency_id, &job.audit_id).await {
        Ok(Some(audit)) => {
            let why = format!("{} failed: {reason}", job.step.as_str());
            give_up(svc, &audit, &why).await;
        }
        Ok(None) => {}
        Err(e) => warn!(audit.id = %job.audit_id, error = %e, "could not load the dead audit"),
    }
}

/// Ends the unfinished audits of a cancelled run, each lead back to its status before.
pub(crate) async fn cancel_for_run(
    store: &store::Store,
    agency: &AgencyId,
    run: &RunId,
) -> anyhow::Result<()> {
    for audit in store.audits().for_run(agency, run).await? {
        if audit.status.is_terminal() {
            continue;
        }
        let mut tx = store.pool().begin().await?;
        end_in(store, &mut tx, &audit, "the run was cancelled").await?;
        tx.commit().await?;
    }
    Ok(())
}
