//! What `run` and `demo` share: open the services, pick the agency, start the run, drive it
//! with embedded workers while showing its progress, print the result.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use pipeline::{
    CampaignRequest, Services, WorkerOptions, WorkerPool, run_document, start_run, wait_for_run,
};
use store::AgencyProfile;

use crate::progress::ProgressView;
use crate::table::{print_json, print_table, say};

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
    pub audit: Option<u64>,
    pub stages: pipeline::Stages,
    pub agency: AgencyChoice,
    pub json: bool,
    pub detach: bool,
    pub concurrency: usize,
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
    let audit_leads = options
        .audit
        .map(|n| {
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= pipeline::MAX_LEADS)
                .with_context(|| {
                    format!(
                        "--audit must be between 0 and {}, got {n}",
                        pipeline::MAX_LEADS
                    )
                })
        })
        .transpose()?;
    if options.concurrency == 0 {
        anyhow::bail!("--concurrency must be at least 1");
    }

    let svc = Arc::new(Services::open(&config).await?);
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
            audit_leads,
            stages: options.stages,
        },
    )
    .await?;
    if options.detach {
        say(run.id.as_str());
        return Ok(ExitCode::SUCCESS);
    }

    let pool = WorkerPool::start(
        svc.clone(),
        WorkerOptions {
            concurrency: options.concurrency,
            lease: config.job_lease,
            ..WorkerOptions::default()
        },
    );
    let view = ProgressView::start(svc.store.clone(), run.id.clone());
    let waited = tokio::select! {
        r = wait_for_run(&svc.store, &run.id, Duration::from_millis(50)) => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    view.finish().await;
    pool.shutdown().await;
    let Some(finished) = waited else {
        anyhow::bail!(
            "interrupted; run {} goes on when a worker runs (leadforge worker) or can be cancelled (leadforge runs cancel {})",
            run.id,
            run.id
        );
    };
    let finished = finished?;

    let doc = run_document(&svc.store, &agency.id, &finished).await?;
    if options.json {
        print_json(&doc)?;
    } else {
        print_table(&doc);
    }
    if finished.workflow_status == domain::WorkflowStatus::Completed {
        Ok(ExitCode::SUCCESS)
    } else {
        let reason = finished
            .error
            .as_deref()
            .unwrap_or("the run did not complete");
        anyhow::bail!(
            "run {} {}: {reason}",
            finished.id,
            finished.workflow_status.as_str()
        )
    }
}
