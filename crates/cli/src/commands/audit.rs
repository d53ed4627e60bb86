//! `leadforge audit OPPORTUNITY_ID`: one deep audit of one lead, outside any run (the seed's
//! `runDeepAudit`), driven by embedded workers; prints the dossier.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use domain::{AuditStatus, OpportunityId, PhaseStatus};
use pipeline::{Services, WorkerOptions, WorkerPool};
use serde::Serialize;
use store::{AuditJob, Dossier, Opportunity, ScrapedPage};

use crate::args::AuditArgs;
use crate::table::say;

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct AuditDocument {
    audit: AuditJob,
    pages: Vec<ScrapedPage>,
    dossier: Option<Dossier>,
    lead: Opportunity,
}

pub async fn run(config: pipeline::Config, args: AuditArgs) -> anyhow::Result<ExitCode> {
    let id = OpportunityId::parse(args.opportunity_id.trim())
        .map_err(|e| anyhow::anyhow!("{:?} is not a lead id: {e}", args.opportunity_id))?;
    let svc = Arc::new(Services::open(&config).await?);
    let lead = svc
        .store
        .opportunities()
        .get_any(&id)
        .await?
        .with_context(|| format!("lead {id} does not exist"))?;
    let (user, _) = svc.store.users().ensure_default().await?;
    let audit = pipeline::audit::start_audit(&svc, &lead.agency_id, &user.id, &lead.id).await?;
    if args.detach {
        say(&audit.id);
        return Ok(ExitCode::SUCCESS);
    }
    let pool = WorkerPool::start(
        svc.clone(),
        WorkerOptions {
            concurrency: 2,
            lease: config.job_lease,
            ..WorkerOptions::default()
        },
    );
    let waited = tokio::select! {
        r = watch(&svc, &audit) => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    pool.shutdown().await;
    let Some(finished) = waited else {
        anyhow::bail!(
            "interrupted; audit {} goes on when a worker runs (leadforge worker)",
            audit.id
        );
    };
    let finished = finished?;
    let agency = &finished.agency_id;
    let pages = svc.store.audits().pages(agency, &finished.id).await?;
    let dossier = svc
        .store
        .audits()
        .dossier_for_audit(agency, &finished.id)
        .await?;
    let lead = svc
        .store
        .opportunities()
        .get(agency, &finished.opportunity_id)
        .await?
        .context("the lead disappeared")?;
    let failed = finished.status == AuditStatus::Error;
    let reason = finished.error.clone();
    let doc = AuditDocument {
        audit: finished,
        pages,
        dossier,
        lead,
    };
    if args.json {
        say(&serde_json::to_string_pretty(&doc)?);
    } else {
        say(&describe(&doc));
    }
    if failed {
        anyhow::bail!(
            "audit {} failed: {}",
            doc.audit.id,
            reason.as_deref().unwrap_or("unknown reason")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Polls the audit until it ends, printing each step as it finishes on stderr.
#[expect(clippy::print_stderr, reason = "the CLI's own progress output")]
async fn watch(svc: &Services, audit: &AuditJob) -> anyhow::Result<AuditJob> {
    let mut reported = Vec::new();
    loop {
        let now = svc
            .store
            .audits()
            .get(&audit.agency_id, &audit.id)
            .await?
            .context("the audit disappeared")?;
        for p in &now.phases {
            if p.status.is_finished() && !reported.contains(&p.name) {
                reported.push(p.name);
                let note = p
                    .error
                    .as_deref()
                    .map_or(String::new(), |e| format!(" ({e})"));
                eprintln!("[{}] {}{note}", p.name.as_str(), p.status.as_str());
            }
        }
        if now.status.is_terminal() {
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn describe(doc: &AuditDocument) -> String {
    let mut out = String::new();
    let lead = &doc.lead;
    let _ = writeln!(
        out,
        "{} · {} · score {} · {}",
        lead.name,
        lead.website.as_deref().unwrap_or("no website"),
        lead.qualification_score,
        lead.status
    );
    if let Some(email) = &lead.email {
        let _ = writeln!(out, "E-mail: {email}");
    }
    if !lead.signals.is_empty() {
        let _ = writeln!(out, "Signals: {}", lead.signals.join(" "));
    }
    if let Some(fit) = &lead.fit_reason {
        let _ = writeln!(out, "Fit: {fit}");
    }
    let _ = writeln!(out, "\nPages:");
    if doc.pages.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for p in &doc.pages {
        let status = p.http_status.map_or("—".to_owned(), |s| s.to_string());
        match &p.error {
            Some(e) => {
                let _ = writeln!(out, "  {status:>3}  {}  error: {e}", p.url);
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {status:>3}  {}  {} ({} words)",
                    p.url,
                    p.title.as_deref().unwrap_or("untitled"),
                    p.word_count.unwrap_or(0)
                );
            }
        }
    }
    for step in &doc.audit.phases {
        if step.status == PhaseStatus::Error {
            let _ = writeln!(
                out,
                "\n{} failed: {}",
                step.name.as_str(),
                step.error.as_deref().unwrap_or("unknown")
            );
        }
    }
    if let Some(d) = &doc.dossier {
        let _ = writeln!(out, "\nDossier ({}):\n{}", d.provider, d.summary);
        if !d.identified_gaps.is_empty() {
            let _ = writeln!(out, "\nGaps:");
        }
        for g in &d.identified_gaps {
            let _ = writeln!(
                out,
                "  - {}: {}{}",
                g.key,
                g.value,
                g.source_url
                    .as_deref()
                    .map_or(String::new(), |u| format!(" [{u}]"))
            );
        }
        if !d.talking_points.is_empty() {
            let _ = writeln!(out, "\nTalking points:");
        }
        for t in &d.talking_points {
            let _ = writeln!(out, "  - {} (claim {})", t.text, t.approved_claim_id);
        }
        if d.dropped_gaps + d.dropped_talking_points > 0 {
            let _ = writeln!(
                out,
                "\n({} gap(s) and {} talking point(s) were dropped: no scraped source or approved claim)",
                d.dropped_gaps, d.dropped_talking_points
            );
        }
    }
    out.trim_end().to_owned()
}
