//! Putting jobs on the queue, alone or in the transaction of the write that causes them.

use domain::{AgencyId, JobId, RunId};
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::{JobKind, Jobs, wake};
use crate::error::StoreError;
use crate::{Backend, now_ms};

/// Rows per INSERT statement in [`Jobs::enqueue_many`]: 8 parameters a row stays far below
/// both backends' parameter limits.
const BATCH_ROWS: usize = 500;

/// Where and when a job runs, beyond what its [`JobKind`] says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnqueueOptions {
    /// At most one job ever carries this key: enqueueing a second one is a no-op returning
    /// `None`. Keys stay taken after the job finishes, so put the run id in keys meant per run
    /// (e.g. `scrape:{audit}:{url}`).
    pub dedupe_key: Option<String>,
    /// Earliest start, epoch ms; `None` = now.
    pub run_at: Option<i64>,
    /// Overrides [`JobKind::PRIORITY`]; higher runs first.
    pub priority: Option<i32>,
    /// The campaign run the job belongs to ([`Jobs::cancel_run`], `leadforge jobs --run`).
    pub run_id: Option<RunId>,
    /// The agency the job works for.
    pub agency_id: Option<AgencyId>,
    /// For fan-out children: the job that spawned them ([`Jobs::children_counts`]).
    pub parent_id: Option<JobId>,
}

/// One row ready to insert.
struct NewJob {
    id: JobId,
    payload: String,
    opts: EnqueueOptions,
}

impl Jobs<'_> {
    /// Enqueues one job. `Ok(None)` when its dedupe key is already taken.
    pub async fn enqueue<J: JobKind>(
        &self,
        job: &J,
        opts: EnqueueOptions,
    ) -> Result<Option<JobId>, StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        let ids = self
            .insert::<J>(&mut conn, vec![new_job(job, opts)?])
            .await?;
        Ok(ids.into_iter().next())
    }

    /// Enqueues one job inside `tx`, so it exists exactly when the write that causes it commits.
    /// `Ok(None)` when its dedupe key is already taken.
    ///
    /// On Postgres waiting workers are notified at commit; on SQLite they may wake before the
    /// commit and find nothing, and then pick the job up on their next short poll.
    pub async fn enqueue_in_tx<J: JobKind>(
        &self,
        tx: &mut Transaction<'_, Any>,
        job: &J,
        opts: EnqueueOptions,
    ) -> Result<Option<JobId>, StoreError> {
        let ids = self.insert::<J>(tx, vec![new_job(job, opts)?]).await?;
        Ok(ids.into_iter().next())
    }

    /// Enqueues many jobs of one kind (a fan-out) with few statements, in one transaction.
    /// Returns the ids of the jobs inserted; those whose dedupe key was taken are left out.
    pub async fn enqueue_many<J: JobKind>(
        &self,
        jobs: impl IntoIterator<Item = (J, EnqueueOptions)>,
    ) -> Result<Vec<JobId>, StoreError> {
        let mut tx = self.0.pool.begin().await?;
        let ids = self.enqueue_many_in_tx(&mut tx, jobs).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// [`Jobs::enqueue_many`] inside the caller's transaction.
    pub async fn enqueue_many_in_tx<J: JobKind>(
        &self,
        tx: &mut Transaction<'_, Any>,
        jobs: impl IntoIterator<Item = (J, EnqueueOptions)>,
    ) -> Result<Vec<JobId>, StoreError> {
        let rows = jobs
            .into_iter()
            .map(|(job, opts)| new_job(&job, opts))
            .collect::<Result<Vec<_>, _>>()?;
        self.insert::<J>(tx, rows).await
    }

    async fn insert<J: JobKind>(
        &self,
        conn: &mut AnyConnection,
        rows: Vec<NewJob>,
    ) -> Result<Vec<JobId>, StoreError> {
        let now = now_ms();
        let mut inserted = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(BATCH_ROWS) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = 4 + i * 8;
                    format!(
                        "(${}, $2, ${}, 'queued', ${}, 0, $3, ${}, ${}, ${}, ${}, ${}, $1, $1)",
                        p,
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 6,
                        p + 7
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO jobs (id, kind, payload, status, priority, attempts, max_attempts, \
                 run_at, dedupe_key, run_id, agency_id, parent_id, created_at, updated_at) \
                 VALUES {} ON CONFLICT DO NOTHING RETURNING id",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(J::NAME)
                .bind(i64::from(J::MAX_ATTEMPTS));
            for row in chunk {
                query = query
                    .bind(row.id.as_str())
                    .bind(row.payload.as_str())
                    .bind(row.opts.priority.unwrap_or(J::PRIORITY))
                    .bind(row.opts.run_at.unwrap_or(now))
                    .bind(row.opts.dedupe_key.as_deref())
                    .bind(row.opts.run_id.as_ref().map(RunId::as_str))
                    .bind(row.opts.agency_id.as_ref().map(AgencyId::as_str))
                    .bind(row.opts.parent_id.as_ref().map(JobId::as_str));
            }
            for returned in query.fetch_all(&mut *conn).await? {
                let id: String = returned.try_get("id")?;
                inserted.push(JobId::parse(&id).map_err(|e| StoreError::corrupt("jobs.id", e))?);
            }
        }
        if !inserted.is_empty() {
            self.notify(conn).await?;
        }
        Ok(inserted)
    }

    /// Tells waiting workers there is new work: this process's waiters at once, and on
    /// Postgres every process's, when the surrounding transaction (if any) commits.
    pub(super) async fn notify(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.0.backend() == Backend::Postgres {
            sqlx::query(sqlx::AssertSqlSafe(format!("NOTIFY {}", wake::CHANNEL)))
                .execute(&mut *conn)
                .await?;
        }
        wake::signal_local();
        Ok(())
    }
}

fn new_job<J: JobKind>(job: &J, opts: EnqueueOptions) -> Result<NewJob, StoreError> {
    let payload = serde_json::to_string(job).map_err(|e| {
        StoreError::corrupt(
            "jobs.payload",
            format!("cannot encode a {} job: {e}", J::NAME),
        )
    })?;
    Ok(NewJob {
        id: JobId::new(),
        payload,
        opts,
    })
}
