//! Claiming a job and settling it: heartbeat, complete, fail, kill, release. Every call after
//! the claim is guarded by the lease (`locked_by = worker AND status = 'running'`), so a worker
//! that lost its job to the reaper or a cancel cannot overwrite what happened since.

use std::time::Duration;

use domain::{AgencyId, JobId, RunId};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::{BackoffPolicy, JobKind, Jobs, backoff_delay, millis, to_u32};
use crate::error::StoreError;
use crate::{Backend, now_ms};

const CLAIMED_COLUMNS: &str =
    "id, kind, payload, attempts, max_attempts, run_id, agency_id, parent_id, locked_until";

/// A job this worker now holds, until `locked_until` unless it heartbeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// Id.
    pub id: JobId,
    /// The [`JobKind::NAME`] it was enqueued as.
    pub kind: String,
    /// The payload as stored (JSON text); see [`ClaimedJob::decode`].
    pub payload: String,
    /// This attempt's number, from 1.
    pub attempts: u32,
    /// Attempts allowed before the job goes `dead`.
    pub max_attempts: u32,
    /// The run it belongs to.
    pub run_id: Option<RunId>,
    /// The agency it works for.
    pub agency_id: Option<AgencyId>,
    /// The job that spawned it.
    pub parent_id: Option<JobId>,
    /// When the lease ends unless extended, epoch ms.
    pub locked_until: i64,
}

impl ClaimedJob {
    /// The payload as `J`. Fails, naming the kind and the job, when the job is of another kind
    /// or its payload does not decode; such a job can never succeed, so [`Jobs::kill`] it.
    pub fn decode<J: JobKind>(&self) -> Result<J, StoreError> {
        if self.kind != J::NAME {
            return Err(StoreError::corrupt(
                "jobs.kind",
                format!("job {} is a {} job, not {}", self.id, self.kind, J::NAME),
            ));
        }
        serde_json::from_str(&self.payload).map_err(|e| {
            StoreError::corrupt(
                "jobs.payload",
                format!("{} job {} does not decode: {e}", self.kind, self.id),
            )
        })
    }

    /// True when a failure now makes the job `dead`.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    /// The lease is still ours and was extended.
    Held,
    /// Still ours and extended, but the job's run was cancelled: stop, then
    /// [`Jobs::acknowledge_cancel`].
    CancelRequested,
    /// No longer ours (reaped after expiry, or settled): stop and record nothing.
    Lost,
}

/// What [`Jobs::fail`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again; the next attempt is due at `run_at` (epoch ms).
    Retrying {
        /// When the next attempt is due.
        run_at: i64,
    },
    /// Out of attempts: `dead`.
    Dead,
    /// Its run was cancelled meanwhile, so it is `cancelled` rather than retried.
    Cancelled,
    /// The worker no longer held the lease; nothing was recorded.
    LeaseLost,
}

impl Jobs<'_> {
    /// Claims the next due job (highest priority, then earliest `run_at`, then oldest), of one of
    /// `kinds` when given, for `lease`. One statement, so two workers never get the same job.
    pub async fn claim(
        &self,
        worker: &str,
        kinds: Option<&[&str]>,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        if kinds.is_some_and(<[&str]>::is_empty) {
            return Ok(None);
        }
        let kind_filter = kinds.map_or_else(String::new, |kinds| {
            let params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
            format!(" AND kind IN ({})", params.join(", "))
        });
        // SQLite runs the whole UPDATE under its single writer lock; Postgres needs the row
        // lock, skipping rows other claimers hold. The outer `locked_by IS NULL` re-checks that
        // no other worker took the row between the subquery and the update (every queued row
        // has it NULL, every running row has it set). Not `status = 'queued'`: that would make
        // the partial claim index eligible for this id lookup, and Postgres sometimes picks it
        // and scans the whole index for one id.
        let lock = match self.0.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $3, \
             attempts = attempts + 1, started_at = COALESCE(started_at, $2), updated_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2{kind_filter} \
             ORDER BY priority DESC, run_at, id LIMIT 1{lock}) AND locked_by IS NULL \
             RETURNING {CLAIMED_COLUMNS}"
        );
        let now = now_ms();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now)
            .bind(now.saturating_add(millis(lease)));
        for kind in kinds.unwrap_or_default() {
            query = query.bind(*kind);
        }
        let row = query.fetch_optional(&self.0.pool).await?;
        row.as_ref().map(decode_claimed).transpose()
    }

    /// Extends the lease to `lease` from now, only for its holder.
    pub async fn heartbeat(
        &self,
        id: &JobId,
        worker: &str,
        lease: Duration,
    ) -> Result<Heartbeat, StoreError> {
        let now = now_ms();
        let row = sqlx::query(
            "UPDATE jobs SET locked_until = $3, updated_at = $4 \
             WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING cancel_requested",
        )
        .bind(id.as_str())
        .bind(worker)
        .bind(now.saturating_add(millis(lease)))
        .bind(now)
        .fetch_optional(&self.0.pool)
        .await?;
        Ok(match row {
            None => Heartbeat::Lost,
            Some(row) if row.try_get::<i64, _>("cancel_requested")? != 0 => {
                Heartbeat::CancelRequested
            }
            Some(_) => Heartbeat::Held,
        })
    }

    /// Marks the job `done`. False when `worker` no longer held it (nothing changed).
    pub async fn complete(&self, id: &JobId, worker: &str) -> Result<bool, StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        settle(&mut conn, id, worker, "done", None).await
    }

    /// [`Jobs::complete`] inside the handler's transaction, so its writes and the completion
    /// commit together. When it returns false the lease was lost: roll back.
    ///
    /// On SQLite a transaction that reads before its first write can fail with "database is
    /// locked" if another connection wrote meanwhile ([`StoreError::is_transient`]): the busy
    /// timeout cannot help an out-of-date read snapshot. Retry the transaction.
    pub async fn complete_in_tx(
        &self,
        tx: &mut Transaction<'_, Any>,
        id: &JobId,
        worker: &str,
    ) -> Result<bool, StoreError> {
        settle(tx, id, worker, "done", None).await
    }

    /// Records a failed attempt: back to `queued` after a backoff delay while attempts remain,
    /// else `dead`; `cancelled` if its run was cancelled meanwhile. Keeps `error` as
    /// `last_error`.
    pub async fn fail(
        &self,
        id: &JobId,
        worker: &str,
        error: &str,
        policy: &BackoffPolicy,
    ) -> Result<FailOutcome, StoreError> {
        let row = sqlx::query(
            "SELECT attempts, max_attempts, cancel_requested FROM jobs \
             WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id.as_str())
        .bind(worker)
        .fetch_optional(&self.0.pool)
        .await?;
        let Some(row) = row else {
            return Ok(FailOutcome::LeaseLost);
        };
        let attempts: i64 = row.try_get("attempts")?;
        let max_attempts: i64 = row.try_get("max_attempts")?;
        let now = now_ms();
        let (status, run_at, outcome) = if row.try_get::<i64, _>("cancel_requested")? != 0 {
            ("cancelled", now, FailOutcome::Cancelled)
        } else if attempts < max_attempts {
            let delay = backoff_delay(to_u32(attempts), policy, rand::random::<f64>());
            let run_at = now.saturating_add(millis(delay));
            ("queued", run_at, FailOutcome::Retrying { run_at })
        } else {
            ("dead", now, FailOutcome::Dead)
        };
        // `attempts = $…` fences against the job having been reaped and claimed again by a
        // worker of the same name since the read above.
        let done = sqlx::query(
            "UPDATE jobs SET status = $3, run_at = $4, last_error = $5, updated_at = $6, \
             locked_by = CASE WHEN $3 = 'queued' THEN NULL ELSE locked_by END, \
             locked_until = NULL, \
             finished_at = CASE WHEN $3 = 'queued' THEN NULL ELSE $6 END \
             WHERE id = $1 AND locked_by = $2 AND status = 'running' AND attempts = $7",
        )
        .bind(id.as_str())
        .bind(worker)
        .bind(status)
        .bind(run_at)
        .bind(error)
        .bind(now)
        .bind(attempts)
        .execute(&self.0.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            outcome
        } else {
            FailOutcome::LeaseLost
        })
    }

    /// Sends the job straight to `dead` (a payload that does not decode, a permanent error).
    /// False when `worker` no longer held it.
    pub async fn kill(&self, id: &JobId, worker: &str, error: &str) -> Result<bool, StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        settle(&mut conn, id, worker, "dead", Some(error)).await
    }

    /// Marks the job `cancelled` after its holder stopped on [`Heartbeat::CancelRequested`].
    /// False when `worker` no longer held it.
    pub async fn acknowledge_cancel(&self, id: &JobId, worker: &str) -> Result<bool, StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        settle(&mut conn, id, worker, "cancelled", None).await
    }

    /// Gives the job back without spending an attempt (a worker shutting down gracefully): it is
    /// `queued` and due at once. False when `worker` no longer held it.
    pub async fn release(&self, id: &JobId, worker: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE jobs SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END, \
             attempts = attempts - 1, run_at = $3, locked_by = NULL, locked_until = NULL, \
             updated_at = $3, finished_at = CASE WHEN cancel_requested = 1 THEN $3 ELSE NULL END \
             WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id.as_str())
        .bind(worker)
        .bind(now)
        .execute(&self.0.pool)
        .await?;
        if done.rows_affected() == 1 {
            let mut conn = self.0.pool.acquire().await?;
            self.notify(&mut conn).await?;
        }
        Ok(done.rows_affected() == 1)
    }
}

/// Moves a held job to a terminal `status`; `locked_by` is kept to show who settled it.
async fn settle(
    conn: &mut AnyConnection,
    id: &JobId,
    worker: &str,
    status: &str,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET status = $3, last_error = COALESCE($4, last_error), locked_until = NULL, \
         finished_at = $5, updated_at = $5 \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'",
    )
    .bind(id.as_str())
    .bind(worker)
    .bind(status)
    .bind(error)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn decode_claimed(row: &AnyRow) -> Result<ClaimedJob, StoreError> {
    Ok(ClaimedJob {
        id: super::query::id_column(row, "id", "jobs.id", JobId::parse)?
            .ok_or_else(|| StoreError::corrupt("jobs.id", "missing"))?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        attempts: to_u32(row.try_get("attempts")?),
        max_attempts: to_u32(row.try_get("max_attempts")?),
        run_id: super::query::id_column(row, "run_id", "jobs.run_id", RunId::parse)?,
        agency_id: super::query::id_column(row, "agency_id", "jobs.agency_id", AgencyId::parse)?,
        parent_id: super::query::id_column(row, "parent_id", "jobs.parent_id", JobId::parse)?,
        locked_until: row.try_get::<Option<i64>, _>("locked_until")?.unwrap_or(0),
    })
}
