//! `lead_gen_flow` (a run, a campaign) and its phases.

use domain::{AgencyId, Phase, PhaseState, PhaseStatus, RunId, UserId, WorkflowStatus};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::error::{StoreError, from_json, to_json};
use crate::{Store, now_ms};

/// What starting a run needs.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Owning agency.
    pub agency_id: AgencyId,
    /// Who started it (the seeds' `userId`, the AI context fallback).
    pub user_id: UserId,
    /// Leads wanted (`numLeads`).
    pub num_leads: u32,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// Run parameters as JSON (enabled stages, audit size, …).
    pub params: serde_json::Value,
    /// The phases this run goes through, in order; optional ones switched off are `skipped`.
    pub phases: Vec<(Phase, bool)>,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// Id.
    pub id: RunId,
    /// Owning agency.
    pub agency_id: AgencyId,
    /// Who started it.
    pub user_id: UserId,
    /// `numLeads`.
    pub num_leads: u32,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// Parameters.
    pub params: serde_json::Value,
    /// `workflowStatus`.
    pub workflow_status: WorkflowStatus,
    /// Phases in order.
    pub phases: Vec<PhaseState>,
    /// `lastEvent`.
    pub last_event: Option<String>,
    /// `placesSnapshot`: the contentRef of the sourced places blob.
    pub places_snapshot: Option<String>,
    /// `numLeadsFetched`.
    pub num_leads_fetched: Option<u32>,
    /// Which places provider answered.
    pub places_provider: Option<String>,
    /// Weighted progress, 0–100.
    pub progress: f64,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Updated, epoch ms.
    pub updated_at: i64,
    /// Started, epoch ms.
    pub started_at: Option<i64>,
    /// Finished, epoch ms.
    pub finished_at: Option<i64>,
}

/// Repository of runs.
#[derive(Debug, Clone, Copy)]
pub struct Runs<'a>(pub(crate) &'a Store);

impl Store {
    /// The runs repository.
    pub fn runs(&self) -> Runs<'_> {
        Runs(self)
    }
}

impl Runs<'_> {
    /// Creates a queued run with its phase rows, in one transaction.
    pub async fn create(&self, new: &NewRun) -> Result<Run, StoreError> {
        let mut tx = self.0.pool.begin().await?;
        let id = self.create_in_tx(&mut tx, new).await?;
        tx.commit().await?;
        self.get(&id).await?.ok_or_else(|| StoreError::NotFound {
            what: "run",
            id: id.to_string(),
        })
    }

    /// Creates a queued run with its phase rows inside `tx`, so the job that starts it can be
    /// enqueued in the same transaction.
    pub async fn create_in_tx(
        &self,
        tx: &mut Transaction<'_, Any>,
        new: &NewRun,
    ) -> Result<RunId, StoreError> {
        let id = RunId::new();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO lead_gen_flow (id, agency_id, user_id, num_leads, target_vertical, \
             target_geography, params, workflow_status, progress, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)",
        )
        .bind(id.as_str())
        .bind(new.agency_id.as_str())
        .bind(new.user_id.as_str())
        .bind(i64::from(new.num_leads))
        .bind(&new.target_vertical)
        .bind(&new.target_geography)
        .bind(to_json(&new.params))
        .bind(WorkflowStatus::Queued.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        for (position, (phase, enabled)) in new.phases.iter().enumerate() {
            let status = if *enabled {
                PhaseStatus::Pending
            } else {
                PhaseStatus::Skipped
            };
            sqlx::query(
                "INSERT INTO run_phases (run_id, position, name, status) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.as_str())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(phase.as_str())
            .bind(status.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Ok(id)
    }

    /// One run with its phases, scoped to nothing: callers that serve a tenant use
    /// [`Runs::get_for_agency`].
    pub async fn get(&self, id: &RunId) -> Result<Option<Run>, StoreError> {
        let row = sqlx::query("SELECT * FROM lead_gen_flow WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.decode(&row).await?)),
            None => Ok(None),
        }
    }

    /// One run, only if it belongs to `agency`.
    pub async fn get_for_agency(
        &self,
        agency: &AgencyId,
        id: &RunId,
    ) -> Result<Option<Run>, StoreError> {
        Ok(self.get(id).await?.filter(|r| &r.agency_id == agency))
    }

    /// The agency's runs, newest first.
    pub async fn list(&self, agency: &AgencyId, limit: u32) -> Result<Vec<Run>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM lead_gen_flow WHERE agency_id = $1 ORDER BY created_at DESC, id DESC \
             LIMIT $2",
        )
        .bind(agency.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.0.pool)
        .await?;
        let mut runs = Vec::with_capacity(rows.len());
        for row in &rows {
            runs.push(self.decode(row).await?);
        }
        Ok(runs)
    }

    /// Every agency's runs, newest first (the operator's view from the command line).
    pub async fn list_all(&self, limit: u32) -> Result<Vec<Run>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM lead_gen_flow ORDER BY created_at DESC, id DESC LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(&self.0.pool)
                .await?;
        let mut runs = Vec::with_capacity(rows.len());
        for row in &rows {
            runs.push(self.decode(row).await?);
        }
        Ok(runs)
    }

    /// The phases of a run, in order.
    pub async fn phases(&self, id: &RunId) -> Result<Vec<PhaseState>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, status, started_at, finished_at, error, done, total FROM run_phases \
             WHERE run_id = $1 ORDER BY position",
        )
        .bind(id.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_phase).collect()
    }

    /// Sets `workflowStatus` (and start/finish times when it starts or ends). A run that has
    /// already ended keeps its final status: returns false and changes nothing.
    pub async fn set_status(
        &self,
        id: &RunId,
        status: WorkflowStatus,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE lead_gen_flow SET workflow_status = $2, updated_at = $3, \
             error = COALESCE($4, error), \
             started_at = CASE WHEN $2 = 'running' AND started_at IS NULL THEN $3 ELSE started_at END, \
             finished_at = CASE WHEN $5 = 1 THEN $3 ELSE finished_at END \
             WHERE id = $1 AND workflow_status NOT IN ('completed', 'failed', 'cancelled')",
        )
        .bind(id.as_str())
        .bind(status.as_str())
        .bind(now)
        .bind(error)
        .bind(i64::from(status.is_terminal()))
        .execute(&self.0.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Moves a phase to `status`; `running` stamps the start, terminal states the finish.
    pub async fn set_phase_status(
        &self,
        id: &RunId,
        phase: Phase,
        status: PhaseStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        self.set_phase_status_in(&mut conn, id, phase, status, error)
            .await?;
        drop(conn);
        self.refresh_progress(id).await
    }

    /// [`Runs::set_phase_status`] on a given connection or transaction (progress is not
    /// refreshed: call [`Runs::refresh_progress`] after committing).
    pub async fn set_phase_status_in(
        &self,
        conn: &mut AnyConnection,
        id: &RunId,
        phase: Phase,
        status: PhaseStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let finished = matches!(
            status,
            PhaseStatus::Complete | PhaseStatus::Error | PhaseStatus::Cancelled
        );
        sqlx::query(
            "UPDATE run_phases SET status = $3, error = COALESCE($4, error), \
             started_at = CASE WHEN $3 = 'running' AND started_at IS NULL THEN $5 ELSE started_at END, \
             finished_at = CASE WHEN $6 = 1 THEN $5 ELSE finished_at END \
             WHERE run_id = $1 AND name = $2",
        )
        .bind(id.as_str())
        .bind(phase.as_str())
        .bind(status.as_str())
        .bind(error)
        .bind(now)
        .bind(i64::from(finished))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Marks every phase that has not finished as `cancelled` (a cancelled run).
    pub async fn cancel_unfinished_phases(&self, id: &RunId) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE run_phases SET status = 'cancelled', finished_at = $2 \
             WHERE run_id = $1 AND status IN ('pending', 'running')",
        )
        .bind(id.as_str())
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        self.refresh_progress(id).await
    }

    /// Sets a phase's done/total counters.
    pub async fn set_phase_counts(
        &self,
        id: &RunId,
        phase: Phase,
        done: u64,
        total: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        self.set_phase_counts_in(&mut conn, id, phase, done, total)
            .await?;
        drop(conn);
        self.refresh_progress(id).await
    }

    /// [`Runs::set_phase_counts`] inside a transaction (progress is not refreshed).
    pub async fn set_phase_counts_in(
        &self,
        conn: &mut AnyConnection,
        id: &RunId,
        phase: Phase,
        done: u64,
        total: u64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE run_phases SET done = $3, total = $4 WHERE run_id = $1 AND name = $2")
            .bind(id.as_str())
            .bind(phase.as_str())
            .bind(i64::try_from(done).unwrap_or(i64::MAX))
            .bind(i64::try_from(total).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Adds one to a phase's `done` counter atomically and returns `(done, total)`: how
    /// fanned-out children report, so two finishing at once both count and exactly one sees
    /// `done == total`.
    pub async fn bump_phase_done_in(
        &self,
        conn: &mut AnyConnection,
        id: &RunId,
        phase: Phase,
    ) -> Result<(u64, u64), StoreError> {
        let row = sqlx::query(
            "UPDATE run_phases SET done = done + 1 WHERE run_id = $1 AND name = $2 \
             RETURNING done, total",
        )
        .bind(id.as_str())
        .bind(phase.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "run phase",
            id: format!("{id}/{}", phase.as_str()),
        })?;
        let n = |c: &str| -> Result<u64, StoreError> {
            Ok(u64::try_from(row.try_get::<i64, _>(c)?).unwrap_or(0))
        };
        Ok((n("done")?, n("total")?))
    }

    /// Records what sourcing produced: the snapshot blob, the count and the provider.
    pub async fn set_sourcing(
        &self,
        id: &RunId,
        places_snapshot: &str,
        num_leads_fetched: u32,
        provider: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE lead_gen_flow SET places_snapshot = $2, num_leads_fetched = $3, \
             places_provider = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(places_snapshot)
        .bind(i64::from(num_leads_fetched))
        .bind(provider)
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// Recomputes the weighted progress from the phase rows and stores it.
    pub async fn refresh_progress(&self, id: &RunId) -> Result<(), StoreError> {
        let progress = domain::progress(&self.phases(id).await?);
        sqlx::query("UPDATE lead_gen_flow SET progress = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(progress)
            .bind(now_ms())
            .execute(&self.0.pool)
            .await?;
        Ok(())
    }

    async fn decode(&self, row: &AnyRow) -> Result<Run, StoreError> {
        let id = RunId::parse(&row.try_get::<String, _>("id")?)
            .map_err(|e| StoreError::corrupt("lead_gen_flow.id", e))?;
        let status: String = row.try_get("workflow_status")?;
        let phases = self.phases(&id).await?;
        Ok(Run {
            // Derived from the phase rows at read time: concurrent writers of the stored column
            // (fanned-out children finishing together) cannot leave it stale.
            progress: domain::progress(&phases),
            phases,
            id,
            agency_id: AgencyId::parse(&row.try_get::<String, _>("agency_id")?)
                .map_err(|e| StoreError::corrupt("lead_gen_flow.agency_id", e))?,
            user_id: UserId::parse(&row.try_get::<String, _>("user_id")?)
                .map_err(|e| StoreError::corrupt("lead_gen_flow.user_id", e))?,
            num_leads: u32::try_from(row.try_get::<i64, _>("num_leads")?).unwrap_or(0),
            target_vertical: row.try_get("target_vertical")?,
            target_geography: row.try_get("target_geography")?,
            params: from_json("lead_gen_flow.params", &row.try_get::<String, _>("params")?)?,
            workflow_status: WorkflowStatus::parse(&status)
                .map_err(|e| StoreError::corrupt("lead_gen_flow.workflow_status", e))?,
            last_event: row.try_get("last_event")?,
            places_snapshot: row.try_get("places_snapshot")?,
            num_leads_fetched: row
                .try_get::<Option<i64>, _>("num_leads_fetched")?
                .and_then(|n| u32::try_from(n).ok()),
            places_provider: row.try_get("places_provider")?,
            error: row.try_get("error")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
        })
    }
}

fn decode_phase(row: &AnyRow) -> Result<PhaseState, StoreError> {
    let name: String = row.try_get("name")?;
    let status: String = row.try_get("status")?;
    Ok(PhaseState {
        name: Phase::parse(&name).map_err(|e| StoreError::corrupt("run_phases.name", e))?,
        status: PhaseStatus::parse(&status)
            .map_err(|e| StoreError::corrupt("run_phases.status", e))?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        error: row.try_get("error")?,
        done: u64::try_from(row.try_get::<i64, _>("done")?).unwrap_or(0),
        total: u64::try_from(row.try_get::<i64, _>("total")?).unwrap_or(0),
    })
}
