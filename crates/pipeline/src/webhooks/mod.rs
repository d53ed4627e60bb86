//! Run notifications: when a run ends (completed, failed, cancelled) and its agency has a
//! webhook, a [`DeliverWebhook`] job is enqueued with a `webhook_deliveries` row, and the job
//! POSTs the event, signed with the agency's secret. A non-2xx answer or a network error fails
//! the attempt and the queue retries it with backoff; a 2xx marks the delivery `delivered`; a
//! job out of attempts marks it `failed`. Delivery is at least once: receivers dedupe on
//! `X-Leadforge-Delivery`.

mod send;
mod target;

use anyhow::Context;
use domain::{AgencyId, JobId, RunId, WorkflowStatus};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};
use store::{
    DeliveryStatus, EnqueueOptions, JobKind, Run, Store, StoreError, WebhookDelivery, WebhookInfo,
};
use tracing::{instrument, warn};

use crate::services::Services;
use crate::worker::{JobCtx, JobError};

pub use send::signature;
pub use target::{
    MAX_SECRET_LEN, MAX_URL_LEN, MIN_SECRET_LEN, WebhookSecretError, WebhookUrl, WebhookUrlError,
    check_secret,
};

/// Sends one delivery (one run's end, to its agency's webhook).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverWebhook {
    /// The `webhook_deliveries` row.
    pub delivery_id: String,
}

impl JobKind for DeliverWebhook {
    const NAME: &'static str = "webhook.deliver";
    const PRIORITY: i32 = 5;
    /// With the default backoff (1 s doubling, capped at 5 min) the last attempt comes about
    /// ten minutes after the first.
    const MAX_ATTEMPTS: u32 = 10;
}

/// The event a run's final status notifies, `None` while it runs.
pub fn event_for(status: WorkflowStatus) -> Option<&'static str> {
    match status {
        WorkflowStatus::Completed => Some("run.completed"),
        WorkflowStatus::Failed => Some("run.failed"),
        WorkflowStatus::Cancelled => Some("run.cancelled"),
        WorkflowStatus::Queued | WorkflowStatus::Running => None,
    }
}

/// Saves the agency's webhook. `secret: None` keeps the current one (none for a new webhook).
pub async fn save(
    store: &Store,
    agency: &AgencyId,
    url: &WebhookUrl,
    secret: Option<&str>,
) -> anyhow::Result<WebhookInfo> {
    if let Some(secret) = secret {
        check_secret(secret)?;
    }
    Ok(store.webhooks().set(agency, url.as_str(), secret).await?)
}

/// Enqueues the ended run's notification inside `tx`, when its agency has a webhook:
/// creates the pending delivery and its job. Idempotent per run and event; a run still under
/// way enqueues nothing.
pub(crate) async fn enqueue_in_tx(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    run: &Run,
) -> Result<Option<JobId>, StoreError> {
    let Some(event) = event_for(run.workflow_status) else {
        return Ok(None);
    };
    let webhooks = store.webhooks();
    let Some(target) = webhooks.target_in(tx, &run.agency_id).await? else {
        return Ok(None);
    };
    let delivery_id = webhooks
        .create_delivery_in(tx, &run.agency_id, &run.id, event, &target.url)
        .await?;
    let opts = EnqueueOptions {
        dedupe_key: Some(format!("webhook:{}:{event}", run.id)),
        // No run id on purpose: cancelling a run must not cancel the news that it ended, and
        // waiting for a run's jobs must not wait on a slow receiver.
        agency_id: Some(run.agency_id.clone()),
        ..EnqueueOptions::default()
    };
    store
        .jobs()
        .enqueue_in_tx(tx, &DeliverWebhook { delivery_id }, opts)
        .await
}

/// Enqueues the notification of a run that ended outside a job's transaction (cancelled by a
/// user, failed by a job that gave up). Nothing when the run has not ended or has no webhook.
pub async fn notify_run_ended(store: &Store, run_id: &RunId) -> Result<(), StoreError> {
    let Some(run) = store.runs().get(run_id).await? else {
        return Ok(());
    };
    if !run.workflow_status.is_terminal() {
        return Ok(());
    }
    let mut tx = store.pool().begin().await?;
    enqueue_in_tx(store, &mut tx, &run).await?;
    tx.commit().await?;
    Ok(())
}

/// The JSON body of a delivery.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    event: &'a str,
    run_id: &'a str,
    agency_id: &'a str,
    workflow_status: &'a str,
    num_leads: usize,
    progress: f64,
    finished_at: Option<i64>,
    summary_url: Option<String>,
}

/// Handles one [`DeliverWebhook`] job.
#[instrument(skip_all, fields(webhook.delivery = %job.delivery_id))]
pub(crate) async fn handle(
    svc: &Services,
    ctx: &JobCtx,
    job: DeliverWebhook,
) -> Result<(), JobError> {
    let webhooks = svc.store.webhooks();
    let delivery = webhooks.delivery(&job.delivery_id).await?;
    let Some(delivery) = delivery.filter(|d| d.status == DeliveryStatus::Pending) else {
        // Already delivered or ended: nothing left to send.
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(());
    };
    let Some(target) = webhooks.target(&delivery.agency_id).await? else {
        webhooks
            .finish_undelivered(
                &delivery.id,
                DeliveryStatus::Cancelled,
                "the webhook was removed before the delivery got through",
            )
            .await?;
        svc.store.jobs().complete(&ctx.job_id, &ctx.worker).await?;
        return Ok(());
    };
    let fetch = svc.fetcher.config();
    let url = match WebhookUrl::parse(&target.url, fetch.allow_private_network) {
        Ok(url) => url,
        Err(e) => {
            webhooks
                .record_failure(&delivery.id, &target.url, None, &e.to_string())
                .await?;
            return Err(JobError::fatal(e));
        }
    };
    let body = payload(svc, &delivery).await?;
    let timestamp = unix_seconds();
    let signature = target
        .secret
        .as_ref()
        .map(|s| signature(s.expose(), timestamp, &body));
    let sent = send::post(
        fetch,
        send::Outgoing {
            url: &url,
            event: &delivery.event,
            delivery_id: &delivery.id,
            timestamp,
            signature,
            body,
        },
    )
    .await;
    match sent {
        Ok(status) if (200..300).contains(&status) => {
            let mut tx = svc.store.pool().begin().await?;
            webhooks
                .mark_delivered_in(&mut tx, &delivery.id, url.as_str(), status)
                .await?;
            // Committed even when the lease was lost meanwhile: whoever holds the job now
            // finds the delivery done and sends nothing twice.
            svc.store
                .jobs()
                .complete_in_tx(&mut tx, &ctx.job_id, &ctx.worker)
                .await?;
            tx.commit().await?;
            Ok(())
        }
        Ok(status) => {
            let why = format!("the webhook answered HTTP {status}");
            webhooks
                .record_failure(&delivery.id, url.as_str(), Some(status), &why)
                .await?;
            Err(JobError::Retry(anyhow::anyhow!(why)))
        }
        Err(e) => {
            let why = e.to_string();
            webhooks
                .record_failure(&delivery.id, url.as_str(), None, &why)
                .await?;
            Err(match e {
                send::SendError::Refused(_) => JobError::Fatal(anyhow::anyhow!(why)),
                send::SendError::Network(_) => JobError::Retry(anyhow::anyhow!(why)),
            })
        }
    }
}

/// A delivery job that gave up for good: its delivery is `failed`, keeping the last error.
pub(crate) async fn on_dead(svc: &Services, job: &DeliverWebhook, reason: &str) {
    let result = svc
        .store
        .webhooks()
        .finish_undelivered(&job.delivery_id, DeliveryStatus::Failed, reason)
        .await;
    if let Err(e) = result {
        warn!(webhook.delivery = %job.delivery_id, error = %e, "could not mark the delivery failed");
    }
}

async fn payload(svc: &Services, delivery: &WebhookDelivery) -> anyhow::Result<Vec<u8>> {
    let run = svc
        .store
        .runs()
        .get_for_agency(&delivery.agency_id, &delivery.run_id)
        .await?
        .with_context(|| format!("run {} does not exist", delivery.run_id))?;
    let leads = svc
        .store
        .opportunities()
        .list_for_run(&run.agency_id, &run.id)
        .await?;
    let body = Payload {
        event: &delivery.event,
        run_id: run.id.as_str(),
        agency_id: run.agency_id.as_str(),
        workflow_status: run.workflow_status.as_str(),
        num_leads: leads.len(),
        progress: run.progress,
        finished_at: run.finished_at,
        summary_url: None,
    };
    Ok(serde_json::to_vec(&body)?)
}

fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
