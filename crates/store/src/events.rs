//! `run_events`: a run's append-only timeline, which also keeps `lastEvent` current.

use domain::{AgencyId, Phase, RunId};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, from_json, to_json};
use crate::{Store, now_ms};

/// How much an event matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventLevel {
    /// Progress.
    Info,
    /// Something degraded but the run goes on (a provider failed over, items dropped).
    Warn,
    /// A phase or the run failed.
    Error,
}

impl EventLevel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "info" => Self::Info,
            "warn" => Self::Warn,
            "error" => Self::Error,
            _ => return None,
        })
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Level.
    pub level: EventLevel,
    /// The phase it belongs to, if any.
    pub phase: Option<Phase>,
    /// A stable machine-readable kind (`phase_started`, `provider_failed_over`, …).
    pub kind: &'static str,
    /// One human-readable line.
    pub message: String,
    /// Structured details.
    pub data: serde_json::Value,
}

impl NewEvent {
    /// An info event.
    pub fn info(phase: Option<Phase>, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            level: EventLevel::Info,
            phase,
            kind,
            message: message.into(),
            data: serde_json::Value::Null,
        }
    }

    /// A warning event.
    pub fn warn(phase: Option<Phase>, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            level: EventLevel::Warn,
            ..Self::info(phase, kind, message)
        }
    }

    /// An error event.
    pub fn error(phase: Option<Phase>, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            level: EventLevel::Error,
            ..Self::info(phase, kind, message)
        }
    }

    /// Attaches structured details.
    #[must_use]
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunEvent {
    /// Id (UUIDv7: time-ordered).
    pub id: String,
    /// Run.
    pub run_id: String,
    /// Epoch ms.
    pub created_at: i64,
    /// Level.
    pub level: EventLevel,
    /// Phase name, if any.
    pub phase: Option<String>,
    /// Kind.
    pub kind: String,
    /// Message.
    pub message: String,
    /// Details.
    pub data: serde_json::Value,
}

/// Repository of run events.
#[derive(Debug, Clone, Copy)]
pub struct Events<'a>(pub(crate) &'a Store);

impl Store {
    /// The run events repository.
    pub fn events(&self) -> Events<'_> {
        Events(self)
    }
}

impl Events<'_> {
    /// Appends an event and makes it the run's `lastEvent`, atomically.
    pub async fn append(
        &self,
        run: &RunId,
        agency: &AgencyId,
        event: NewEvent,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.0.pool.begin().await?;
        sqlx::query(
            "INSERT INTO run_events (id, run_id, agency_id, created_at, level, phase, kind, \
             message, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(run.as_str())
        .bind(agency.as_str())
        .bind(now)
        .bind(event.level.as_str())
        .bind(event.phase.map(Phase::as_str))
        .bind(event.kind)
        .bind(&event.message)
        .bind(to_json(&event.data))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE lead_gen_flow SET last_event = $2, updated_at = $3 WHERE id = $1")
            .bind(run.as_str())
            .bind(&event.message)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Events of a run after `after` (an event id; `None` = from the start), oldest first.
    pub async fn list(
        &self,
        run: &RunId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RunEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, run_id, created_at, level, phase, kind, message, data FROM run_events \
             WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(run.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode).collect()
    }

    /// Whether the run has an event of `kind` (for events that must be said only once).
    pub async fn has_kind(&self, run: &RunId, kind: &str) -> Result<bool, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM run_events WHERE run_id = $1 AND kind = $2")
                .bind(run.as_str())
                .bind(kind)
                .fetch_one(&self.0.pool)
                .await?;
        Ok(n > 0)
    }

    /// The newest `limit` events of a run, oldest first.
    pub async fn latest(&self, run: &RunId, limit: u32) -> Result<Vec<RunEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, run_id, created_at, level, phase, kind, message, data FROM run_events \
             WHERE run_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(run.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.0.pool)
        .await?;
        let mut events = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        events.reverse();
        Ok(events)
    }
}

fn decode(row: &AnyRow) -> Result<RunEvent, StoreError> {
    let level: String = row.try_get("level")?;
    Ok(RunEvent {
        id: row.try_get("id")?,
        run_id: row.try_get("run_id")?,
        created_at: row.try_get("created_at")?,
        level: EventLevel::parse(&level)
            .ok_or_else(|| StoreError::corrupt("run_events.level", &level))?,
        phase: row.try_get("phase")?,
        kind: row.try_get("kind")?,
        message: row.try_get("message")?,
        data: from_json("run_events.data", &row.try_get::<String, _>("data")?)?,
    })
}
