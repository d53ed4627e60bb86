//! The reaper (the seed's `jobs-sweeper`) and cancelling a run's jobs.

use domain::RunId;
use serde::Serialize;
use sqlx::Row;
use tracing::{info, instrument};

use super::{JobStatus, Jobs};
use crate::error::StoreError;
use crate::now_ms;

/// What one [`Jobs::reap`] pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReapReport {
    /// Expired leases put back in the queue.
    pub requeued: u64,
    /// Expired leases on their last attempt, now `dead`.
    pub dead: u64,
    /// Expired leases of cancelled runs, now `cancelled`.
    pub cancelled: u64,
    /// Expired `response_cache` rows deleted.
    pub cache_purged: u64,
}

/// What [`Jobs::cancel_run`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CancelReport {
    /// Queued jobs now `cancelled`.
    pub cancelled: u64,
    /// Running jobs flagged `cancel_requested`; their holders stop at their next heartbeat.
    pub flagged: u64,
}

impl Jobs<'_> {
    /// One sweep: running jobs whose lease expired go back to `queued` (due at once) while
    /// attempts remain, else `dead` (or `cancelled` if their run was cancelled); expired cache
    /// rows are purged. Safe to run from many processes at once.
    #[instrument(skip_all)]
    pub async fn reap(&self) -> Result<ReapReport, StoreError> {
        let now = now_ms();
        let rows = sqlx::query(
            "UPDATE jobs SET \
             status = CASE WHEN cancel_requested = 1 THEN 'cancelled' \
                 WHEN attempts < max_attempts THEN 'queued' ELSE 'dead' END, \
             last_error = CASE WHEN cancel_requested = 1 THEN last_error \
                 ELSE 'lease expired on attempt ' || CAST(attempts AS TEXT) || ' of ' \
                     || CAST(max_attempts AS TEXT) END, \
             finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts THEN $1 \
                 ELSE NULL END, \
             run_at = $1, locked_by = NULL, locked_until = NULL, updated_at = $1 \
             WHERE status = 'running' AND locked_until < $1 \
             RETURNING status",
        )
        .bind(now)
        .fetch_all(&self.0.pool)
        .await?;
        let mut report = ReapReport::default();
        for row in &rows {
            match JobStatus::parse(&row.try_get::<String, _>("status")?)? {
                JobStatus::Queued => report.requeued += 1,
                JobStatus::Dead => report.dead += 1,
                _ => report.cancelled += 1,
            }
        }
        if report.requeued > 0 {
            let mut conn = self.0.pool.acquire().await?;
            self.notify(&mut conn).await?;
        }
        report.cache_purged = self.0.cache().purge_expired().await?;
        if report != ReapReport::default() {
            info!(
                jobs.requeued = report.requeued,
                jobs.dead = report.dead,
                jobs.cancelled = report.cancelled,
                cache.purged = report.cache_purged,
                "reaped"
            );
        }
        Ok(report)
    }

    /// Cancels a run's jobs: queued ones become `cancelled` now; running ones are flagged
    /// `cancel_requested`, which their holder sees as [`super::Heartbeat::CancelRequested`] and
    /// which turns a later failure or lease expiry into `cancelled` instead of a retry. A
    /// running job that completes anyway is `done`: its work was committed.
    ///
    /// Jobs enqueued for the run after this call are not affected: the workflow must not
    /// enqueue for a cancelled run (check the run's status in the enqueueing transaction).
    #[instrument(skip_all, fields(run.id = %run_id))]
    pub async fn cancel_run(&self, run_id: &RunId) -> Result<CancelReport, StoreError> {
        // One statement, so a job that moves between queued and running (claim, reap) while
        // we cancel is caught in whichever state it is in.
        let rows = sqlx::query(
            "UPDATE jobs SET \
             status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, \
             cancel_requested = CASE WHEN status = 'running' THEN 1 ELSE cancel_requested END, \
             finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END, \
             updated_at = $2 \
             WHERE run_id = $1 AND (status = 'queued' OR (status = 'running' AND cancel_requested = 0)) \
             RETURNING status",
        )
        .bind(run_id.as_str())
        .bind(now_ms())
        .fetch_all(&self.0.pool)
        .await?;
        let mut report = CancelReport::default();
        for row in &rows {
            match JobStatus::parse(&row.try_get::<String, _>("status")?)? {
                JobStatus::Running => report.flagged += 1,
                _ => report.cancelled += 1,
            }
        }
        info!(
            jobs.cancelled = report.cancelled,
            jobs.flagged = report.flagged,
            "run's jobs cancelled"
        );
        Ok(report)
    }
}
