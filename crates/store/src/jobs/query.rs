//! Reading the queue for operations: one job, a filtered list, counts per status.

use domain::{AgencyId, IdError, JobId, RunId};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{JobStatus, Jobs, to_u32};
use crate::error::StoreError;

/// A stored job with every column, for `leadforge jobs`, the jobs page and the API.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    /// Id.
    pub id: JobId,
    /// [`super::JobKind::NAME`].
    pub kind: String,
    /// The payload (a JSON string holding the raw text if it is not valid JSON).
    pub payload: serde_json::Value,
    /// Status.
    pub status: JobStatus,
    /// Priority; higher runs first.
    pub priority: i32,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Earliest (next) start, epoch ms.
    pub run_at: i64,
    /// The worker holding it, or that settled it.
    pub locked_by: Option<String>,
    /// End of the current lease, epoch ms.
    pub locked_until: Option<i64>,
    /// The latest failure.
    pub last_error: Option<String>,
    /// Its dedupe key.
    pub dedupe_key: Option<String>,
    /// Its run.
    pub run_id: Option<RunId>,
    /// Its agency.
    pub agency_id: Option<AgencyId>,
    /// Its parent job.
    pub parent_id: Option<JobId>,
    /// The run was cancelled while the job was running.
    pub cancel_requested: bool,
    /// Enqueued, epoch ms.
    pub created_at: i64,
    /// Last changed, epoch ms.
    pub updated_at: i64,
    /// First claimed, epoch ms.
    pub started_at: Option<i64>,
    /// Reached a terminal status, epoch ms.
    pub finished_at: Option<i64>,
}

/// Which jobs [`Jobs::list`] returns. Every field narrows; the default lists the first 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFilter {
    /// Only this run's jobs.
    pub run_id: Option<RunId>,
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only children of this job.
    pub parent_id: Option<JobId>,
    /// At most this many.
    pub limit: u32,
}

impl Default for JobFilter {
    fn default() -> Self {
        Self {
            run_id: None,
            status: None,
            kind: None,
            parent_id: None,
            limit: 100,
        }
    }
}

/// How many jobs are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Waiting (new or retrying).
    pub queued: u64,
    /// Held by a worker.
    pub running: u64,
    /// Finished successfully.
    pub done: u64,
    /// Given up.
    pub dead: u64,
    /// Cancelled.
    pub cancelled: u64,
}

impl JobCounts {
    /// All jobs counted.
    pub fn total(&self) -> u64 {
        self.queued + self.running + self.done + self.dead + self.cancelled
    }

    /// Jobs in a terminal status.
    pub fn finished(&self) -> u64 {
        self.done + self.dead + self.cancelled
    }

    /// True when nothing is queued or running any more (a fan-out has settled).
    pub fn is_settled(&self) -> bool {
        self.queued == 0 && self.running == 0
    }

    /// The count for one status.
    pub fn get(&self, status: JobStatus) -> u64 {
        match status {
            JobStatus::Queued => self.queued,
            JobStatus::Running => self.running,
            JobStatus::Done => self.done,
            JobStatus::Dead => self.dead,
            JobStatus::Cancelled => self.cancelled,
        }
    }

    fn add(&mut self, status: JobStatus, n: u64) {
        let slot = match status {
            JobStatus::Queued => &mut self.queued,
            JobStatus::Running => &mut self.running,
            JobStatus::Done => &mut self.done,
            JobStatus::Dead => &mut self.dead,
            JobStatus::Cancelled => &mut self.cancelled,
        };
        *slot += n;
    }
}

impl Jobs<'_> {
    /// One job.
    pub async fn get(&self, id: &JobId) -> Result<Option<JobRow>, StoreError> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        row.as_ref().map(decode_row).transpose()
    }

    /// Jobs matching `filter`, oldest first.
    pub async fn list(&self, filter: &JobFilter) -> Result<Vec<JobRow>, StoreError> {
        let narrowing = [
            ("run_id", filter.run_id.as_ref().map(RunId::as_str)),
            ("status", filter.status.map(JobStatus::as_str)),
            ("kind", filter.kind.as_deref()),
            ("parent_id", filter.parent_id.as_ref().map(JobId::as_str)),
        ];
        let mut conditions = Vec::new();
        let mut binds = Vec::new();
        for (column, value) in narrowing {
            if let Some(value) = value {
                binds.push(value);
                conditions.push(format!("{column} = ${}", binds.len()));
            }
        }
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT * FROM jobs{where_clause} ORDER BY id LIMIT ${}",
            binds.len() + 1
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in binds {
            query = query.bind(value);
        }
        let rows = query
            .bind(i64::from(filter.limit))
            .fetch_all(&self.0.pool)
            .await?;
        rows.iter().map(decode_row).collect()
    }

    /// How many of a run's jobs are in each status.
    pub async fn counts_for_run(&self, run_id: &RunId) -> Result<JobCounts, StoreError> {
        self.counts("run_id", run_id.as_str()).await
    }

    /// How many of a job's fan-out children are in each status; the parent is complete when
    /// [`JobCounts::is_settled`].
    pub async fn children_counts(&self, parent_id: &JobId) -> Result<JobCounts, StoreError> {
        self.counts("parent_id", parent_id.as_str()).await
    }

    async fn counts(&self, column: &'static str, value: &str) -> Result<JobCounts, StoreError> {
        let sql =
            format!("SELECT status, COUNT(*) AS n FROM jobs WHERE {column} = $1 GROUP BY status");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_all(&self.0.pool)
            .await?;
        let mut counts = JobCounts::default();
        for row in &rows {
            let status = JobStatus::parse(&row.try_get::<String, _>("status")?)?;
            let n: i64 = row.try_get("n")?;
            counts.add(status, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }
}

/// Reads a nullable id column into its type, naming the column when the text is not an id.
pub(super) fn id_column<T>(
    row: &AnyRow,
    column: &str,
    what: &'static str,
    parse: fn(&str) -> Result<T, IdError>,
) -> Result<Option<T>, StoreError> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| parse(&text).map_err(|e| StoreError::corrupt(what, e)))
        .transpose()
}

fn decode_row(row: &AnyRow) -> Result<JobRow, StoreError> {
    let payload: String = row.try_get("payload")?;
    Ok(JobRow {
        id: id_column(row, "id", "jobs.id", JobId::parse)?
            .ok_or_else(|| StoreError::corrupt("jobs.id", "missing"))?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
        status: JobStatus::parse(&row.try_get::<String, _>("status")?)?,
        priority: i32::try_from(row.try_get::<i64, _>("priority")?).unwrap_or(0),
        attempts: to_u32(row.try_get("attempts")?),
        max_attempts: to_u32(row.try_get("max_attempts")?),
        run_at: row.try_get("run_at")?,
        locked_by: row.try_get("locked_by")?,
        locked_until: row.try_get("locked_until")?,
        last_error: row.try_get("last_error")?,
        dedupe_key: row.try_get("dedupe_key")?,
        run_id: id_column(row, "run_id", "jobs.run_id", RunId::parse)?,
        agency_id: id_column(row, "agency_id", "jobs.agency_id", AgencyId::parse)?,
        parent_id: id_column(row, "parent_id", "jobs.parent_id", JobId::parse)?,
        cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}
