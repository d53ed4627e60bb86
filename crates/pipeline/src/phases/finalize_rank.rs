//! `finalize_rank`: each lead's `fit_reason` — why this business needs what the agency sells —
//! written by the LLM from the lead's signals and the agency's services (rules fallback), one
//! child job per lead so leads are done in parallel and a failed lead never blocks the run.

use anyhow::Context;
use crawler::checks::Finding;
use domain::{AuditStatus, LeadStatus, OpportunityId, Phase, RunId, Signal, apply_audit_findings};
use providers::llm::{LlmRequest, ModelTier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{Agency, JobKind, Opportunity, Run};

use crate::ai::{AiContext, CallScope};
use crate::outreach;
use crate::services::Services;
use crate::worker::{JobCtx, JobError};
use crate::workflow;

/// Writes one lead's fit reason (a child of the run's `finalize_rank` phase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteFitReason {
    /// The run.
    pub run_id: RunId,
    /// The lead.
    pub opportunity_id: OpportunityId,
}

impl JobKind for WriteFitReason {
    const NAME: &'static str = "lead.fit_reason";
    const MAX_ATTEMPTS: u32 = 4;
}

/// The structured answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FitReason {
    /// One sentence, at most about 25 words, naming the concrete gaps.
    pub fit_reason: String,
}

/// The children of the phase: one per lead of the run, keyed so a retry adds none.
pub(crate) async fn children(
    svc: &Services,
    run: &Run,
) -> anyhow::Result<Vec<(WriteFitReason, String)>> {
    let leads = svc
        .store
        .opportunities()
        .list_for_run(&run.agency_id, &run.id)
        .await?;
    Ok(leads
        .into_iter()
        .map(|l| {
            let key = format!("run:{}:fit:{}", run.id, l.opportunity.id);
            (
                WriteFitReason {
                    run_id: run.id.clone(),
                    opportunity_id: l.opportunity.id,
                },
                key,
            )
        })
        .collect())
}

/// A lead's final signals, score and fit reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finalized {
    /// Signals, `NEEDS_WEB_AUDIT` replaced by what the audit confirmed.
    pub signals: Vec<String>,
    /// The score over them.
    pub score: u8,
    /// Why the lead fits.
    pub fit_reason: String,
}

/// Finalizes one lead: with an audit, its confirmed findings replace `NEEDS_WEB_AUDIT` and
/// the lead is rescored; then the fit reason is written (LLM, rules fallback) from the signals
/// and, when there is one, the dossier's summary.
pub(crate) async fn finalize(
    svc: &Services,
    scope: &CallScope,
    ctx: &AiContext,
    agency: &Agency,
    lead: &Opportunity,
    audit: Option<(&[Finding], &str)>,
) -> anyhow::Result<Finalized> {
    let (criteria, weights) = super::agency_rules(agency)?;
    let current: Vec<Signal> = lead
        .signals
        .iter()
        .filter_map(|s| Signal::parse(s).ok())
        .collect();
    let signals = match audit {
        // An audit that could read no page confirmed nothing: the lead keeps its signals.
        Some((findings, _)) if !findings.is_empty() => {
            let confirmed: Vec<Signal> =
                findings.iter().filter_map(Finding::failed_signal).collect();
            apply_audit_findings(&current, &confirmed)
        }
        _ => current,
    };
    let score = domain::score(&signals, &criteria, &weights);
    let mut finalized_lead = lead.clone();
    finalized_lead.signals = signals.iter().map(|s| s.as_str().to_owned()).collect();
    finalized_lead.qualification_score = score;
    let mut text = prompt(&agency.profile.services, &finalized_lead);
    if let Some((_, summary)) = audit {
        text.push_str(&format!("\n\nWebsite audit: {summary}"));
    }
    let req = LlmRequest::new("fit_reason", text)
        .with_system(
            "You qualify local-business leads for a marketing agency. Answer with one sentence \
             (at most 25 words) that names the lead's concrete gaps the agency can fix. Use only \
             the facts given; never invent numbers.",
        )
        .with_tier(ModelTier::UltraLight)
        .with_max_output_tokens(200);
    let answer = svc
        .ai
        .structured(scope, ctx, req, |_| FitReason {
            fit_reason: rules(&finalized_lead),
        })
        .await;
    let fit_reason = answer
        .value
        .fit_reason
        .trim()
        .chars()
        .take(400)
        .collect::<String>();
    Ok(Finalized {
        signals: finalized_lead.signals,
        score,
        fit_reason,
    })
}

/// Handles one [`WriteFitReason`] job.
pub(crate) async fn handle(
    svc: &Services,
    ctx: &JobCtx,
    job: WriteFitReason,
) -> Result<(), JobError> {
    let Some(run) = workflow::live_run(svc, ctx, &job.run_id).await? else {
        return Ok(());
    };
    let lead = svc
        .store
        .opportunities()
        .get(&run.agency_id, &job.opportunity_id)
        .await?
        .ok_or_else(|| {
            JobError::fatal(anyhow::anyhow!(
                "lead {} does not exist",
                job.opportunity_id
            ))
        })?;
    let agency = svc
        .store
        .agencies()
        .get(&run.agency_id)
        .await?
        .context("the run's agency is gone")?;
    let scope = CallScope {
        run_id: Some(run.id.clone()),
        agency_id: run.agency_id.clone(),
        user_id: run.user_id.clone(),
        opportunity_id: Some(lead.id.clone()),
    };
    // The lead's audit in this run, when it completed: its findings and dossier.
    let audit = svc
        .store
        .audits()
        .for_opportunity(&run.agency_id, &lead.id)
        .await?
        .into_iter()
        .find(|a| {
            a.lead_gen_flow_id.as_ref() == Some(&run.id) && a.status == AuditStatus::Completed
        });
    let mut evidence = None;
    let mut dossier = None;
    // The user's context, not the audit's thread: the dossier's summary is in the prompt, and
    // the thread's history (page text) would multiply the cost of a one-sentence answer.
    let context = AiContext::User(run.user_id.clone());
    if let Some(audit) = &audit {
        let findings: Vec<Finding> =
            serde_json::from_value(audit.findings.clone()).unwrap_or_default();
        dossier = svc
            .store
            .audits()
            .dossier_for_audit(&run.agency_id, &audit.id)
            .await?;
        let summary = dossier
            .as_ref()
            .map(|d| d.summary.clone())
            .unwrap_or_default();
        evidence = Some((findings, summary));
    }
    // A READY lead gets its outreach draft, built from its dossier only: it does not wait
    // for the fit reason, so both are written at once (the draft is one row per lead,
    // replaced on a retry).
    let outreach = async {
        match dossier
            .as_ref()
            .filter(|_| lead.status == LeadStatus::Ready.as_str())
        {
            Some(dossier) => write_outreach(svc, &scope, &agency, &lead, dossier, Some(&run.id))
                .await
                .map(|_| ()),
            None => Ok(()),
        }
    };
    let (finalized, outreach) = tokio::join!(
        finalize(
            svc,
            &scope,
            &context,
            &agency,
            &lead,
            evidence.as_ref().map(|(f, s)| (f.as_slice(), s.as_str())),
        ),
        outreach
    );
    let finalized = finalized?;
    outreach?;
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    let mut tx = svc.store.pool().begin().await?;
    let opportunities = svc.store.opportunities();
    if evidence.is_some() {
        opportunities
            .set_signals_and_score_in(
                &mut tx,
                &run.agency_id,
                &lead.id,
                Some(&run.id),
                &finalized.signals,
                finalized.score,
            )
            .await?;
    }
    opportunities
        .set_fit_reason_in(&mut tx, &run.agency_id, &lead.id, &finalized.fit_reason)
        .await?;
    workflow::child_finished(svc, &mut tx, &run.id, Phase::FinalizeRank).await?;
    workflow::commit_job(svc, ctx, tx, &run.id).await?;
    Ok(())
}

/// Writes (or rewrites) a lead's outreach draft from its dossier and stores it; returns it.
/// A dossier with nothing to speak from stores nothing and says why.
pub async fn write_outreach(
    svc: &Services,
    scope: &CallScope,
    agency: &Agency,
    lead: &Opportunity,
    dossier: &store::Dossier,
    run: Option<&RunId>,
) -> anyhow::Result<Option<outreach::OutreachDraft>> {
    let context = AiContext::User(scope.user_id.clone());
    match outreach::draft(svc, scope, &context, &agency.profile, lead, dossier).await {
        Ok(draft) => {
            let value = serde_json::to_value(&draft)?;
            svc.store
                .reports()
                .save_draft(
                    &lead.agency_id,
                    &store::NewDraft {
                        opportunity_id: &lead.id,
                        run_id: run,
                        dossier_id: Some(&dossier.id),
                        draft: &value,
                        provider: &draft.provider,
                    },
                )
                .await?;
            Ok(Some(draft))
        }
        Err(e @ outreach::OutreachError::NothingToSay { .. }) => {
            tracing::info!(lead.id = %lead.id, reason = %e, "no outreach draft");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn prompt(services: &[String], lead: &Opportunity) -> String {
    let rating = match (lead.rating, lead.reviews_count) {
        (Some(r), Some(n)) => format!("{r:.1} stars from {n} reviews"),
        (Some(r), None) => format!("{r:.1} stars"),
        _ => "no rating".into(),
    };
    format!(
        "Agency services: {}\n\nLead: {}\nWebsite: {}\nGoogle rating: {rating}\nSignals: {}\n\n\
         Write the fit reason.",
        if services.is_empty() {
            "marketing".to_owned()
        } else {
            services.join(", ")
        },
        lead.name,
        lead.website.as_deref().unwrap_or("none"),
        if lead.signals.is_empty() {
            "none".to_owned()
        } else {
            lead.signals.join(", ")
        },
    )
}

/// The deterministic fit reason: the lead's signals in words.
pub(crate) fn rules(lead: &Opportunity) -> String {
    let mut gaps: Vec<String> = Vec::new();
    for s in lead.signals.iter().filter_map(|s| Signal::parse(s).ok()) {
        gaps.push(match s {
            Signal::MissingWebsite => "no website".into(),
            Signal::WeakWebPresence => "only a social or listing page for a website".into(),
            Signal::LowGoogleRating => match (lead.rating, lead.reviews_count) {
                (Some(r), Some(n)) => format!("a low Google rating ({r:.1} from {n} reviews)"),
                _ => "a low Google rating".into(),
            },
            Signal::NeedsWebAudit => "a website worth auditing".into(),
            other => other.as_str().to_lowercase().replace('_', " "),
        });
    }
    if gaps.is_empty() {
        return format!("{} shows no gap the agency targets yet.", lead.name);
    }
    let last = gaps.pop().unwrap_or_default();
    let list = if gaps.is_empty() {
        last
    } else {
        format!("{} and {last}", gaps.join(", "))
    };
    format!("Opportunity: {} has {list}.", lead.name)
}
