//! `leadforge outreach OPPORTUNITY_ID [--regenerate] [--json]`: a READY lead's call script and
//! first e-mail, built only from its dossier's grounded talking points and the agency's
//! approved claims; `--regenerate` writes a new one (after the agency's claims or the lead's
//! dossier changed).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use domain::{LeadStatus, OpportunityId};
use pipeline::Services;
use pipeline::ai::CallScope;
use pipeline::outreach::OutreachDraft;

use crate::args::OutreachArgs;
use crate::table::{print_json, say};

pub async fn run(config: pipeline::Config, args: OutreachArgs) -> anyhow::Result<ExitCode> {
    let id = OpportunityId::parse(args.opportunity_id.trim())
        .map_err(|e| anyhow::anyhow!("{:?} is not a lead id: {e}", args.opportunity_id))?;
    let svc = Services::open(&config).await?;
    let lead = svc
        .store
        .opportunities()
        .get_any(&id)
        .await?
        .with_context(|| format!("lead {id} does not exist"))?;
    let agency_id = lead.agency_id.clone();
    let stored = svc.store.reports().draft_for(&agency_id, &lead.id).await?;
    let draft: OutreachDraft = match stored {
        Some(d) if !args.regenerate => serde_json::from_value(d.draft)
            .context("the stored draft is of an older format; run with --regenerate")?,
        _ => {
            if lead.status != LeadStatus::Ready.as_str() {
                anyhow::bail!(
                    "lead {} is {}, not READY: outreach is written from a finished audit's \
                     dossier (leadforge audit {})",
                    lead.id,
                    lead.status,
                    lead.id
                );
            }
            let dossier = svc
                .store
                .audits()
                .latest_dossier(&agency_id, &lead.id)
                .await?
                .with_context(|| format!("lead {} has no dossier yet", lead.id))?;
            let agency = svc
                .store
                .agencies()
                .get(&agency_id)
                .await?
                .context("the lead's agency is gone")?;
            let (user, _) = svc.store.users().ensure_default().await?;
            let scope = CallScope {
                run_id: None,
                agency_id: agency_id.clone(),
                user_id: user.id,
                opportunity_id: Some(lead.id.clone()),
            };
            pipeline::write_outreach(&svc, &scope, &agency, &lead, &dossier, None)
                .await?
                .with_context(|| {
                    format!(
                        "lead {} has nothing to speak from: its dossier has no gaps and no \
                         talking point on a claim the agency approves",
                        lead.id
                    )
                })?
        }
    };
    if args.json {
        print_json(&draft)?;
    } else {
        say(&render(&lead.name, &draft));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(name: &str, d: &OutreachDraft) -> String {
    let mut out = String::new();
    let s = &d.call_script;
    let _ = writeln!(out, "Call script for {name} (written by {})", d.provider);
    let _ = writeln!(out, "  Opener:  {}", s.opener);
    let _ = writeln!(out, "  Reason:  {}", s.reason_for_call);
    for p in &s.talking_points {
        let _ = writeln!(out, "  · {p}");
    }
    let _ = writeln!(out, "  Ask:     {}", s.question);
    let _ = writeln!(out, "  Close:   {}", s.close);
    let _ = writeln!(out, "\nE-mail\n  Subject: {}\n", d.email.subject);
    for line in d.email.body.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out.trim_end().to_owned()
}
