//! What `run` and `demo` share: open the services, pick the agency, start the run, show its
//! progress, print the result.

use std::process::ExitCode;

use anyhow::Context;
use pipeline::{CampaignRequest, Services, campaign::start_run, execute_run, run_document};
use store::AgencyProfile;

use crate::progress::ProgressView;
use crate::table::{print_json, print_table};

/// Which agency a campaign runs for.
#[derive(Debug)]
pub enum AgencyChoice {
    /// The stored default agency of the default user.
    Default,
    /// This profile: the user's agency of the same name is updated to it, or created.
    Profile(AgencyProfile),
}

/// A campaign to run from the command line.
#[derive(Debug)]
pub struct CampaignOptions {
    pub vertical: String,
    pub geography: String,
    pub leads: u64,
    pub agency: AgencyChoice,
    pub json: bool,
}

pub async fn run_campaign(
    config: pipeline::Config,
    options: CampaignOptions,
) -> anyhow::Result<ExitCode> {
    // Validate what needs no database first, so a typo costs nothing.
    let num_leads = u32::try_from(options.leads)
        .ok()
        .filter(|n| (1..=pipeline::MAX_LEADS).contains(n))
        .with_context(|| {
            format!(
                "--leads must be between 1 and {}, got {}",
                pipeline::MAX_LEADS,
                options.leads
            )
        })?;
    if options.vertical.trim().is_empty() {
        anyhow::bail!("--vertical must not be empty");
    }
    if options.geography.trim().is_empty() {
        anyhow::bail!("--geo must not be empty");
    }

    let svc = Services::open(&config).await?;
    let (user, default_agency) = svc.store.users().ensure_default().await?;
    let agency = match options.agency {
        AgencyChoice::Default => default_agency,
        AgencyChoice::Profile(profile) => {
            svc.store
                .agencies()
                .upsert_by_name_for_user(&user.id, &profile)
                .await?
        }
    };
    let run = start_run(
        &svc.store,
        CampaignRequest {
            agency_id: agency.id.clone(),
            user_id: user.id.clone(),
            vertical: options.vertical,
            geography: options.geography,
            num_leads,
        },
    )
    .await?;

    let view = ProgressView::start(svc.store.clone(), run.id.clone());
    let outcome = execute_run(&svc, &run.id).await;
    view.finish().await;
    let outcome = outcome?;

    let doc = run_document(&svc.store, &agency.id, &outcome.run).await?;
    if options.json {
        print_json(&doc)?;
    } else {
        print_table(&doc);
    }
    if outcome.completed() {
        Ok(ExitCode::SUCCESS)
    } else {
        let reason = outcome
            .run
            .error
            .as_deref()
            .unwrap_or("the run did not complete");
        anyhow::bail!(
            "run {} {}: {reason}",
            outcome.run.id,
            outcome.run.workflow_status.as_str()
        )
    }
}
