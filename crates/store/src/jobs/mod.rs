//! The durable jobs queue (DESIGN §3 "Durability"): one `jobs` table on SQLite or Postgres.
//!
//! Life of a job:
//!
//! ```text
//!   enqueue ──► queued ──claim──► running ──complete──► done
//!                 ▲                 │  │
//!                 │  fail (retry),  │  ├──fail (no attempts left) / kill──► dead
//!                 │  reap, release  │  │
//!                 └─────────────────┘  └──acknowledge_cancel / fail after cancel──► cancelled
//!   cancel_run: queued ──► cancelled; running ──► cancel_requested, stops cooperatively
//! ```
//!
//! - A failed attempt that will be retried goes back to `queued` with `run_at` in the future
//!   (exponential backoff with jitter, [`backoff_delay`]) and keeps its `last_error`: there is no
//!   separate `failed` status. Once `attempts` reaches `max_attempts` the job is `dead`.
//! - A worker holds a job through a lease: `locked_by` (its worker id) and `locked_until`. Only the
//!   holder may heartbeat, complete, fail or kill it; every such call says whether the lease was
//!   still held, so a worker that lost its lease (reaped, cancelled) knows its result was not
//!   recorded. Worker ids must be unique among concurrently running handlers
//!   (e.g. `{host}:{pid}:{task}`).
//! - Delivery is at least once: a handler may run again after a crash or an expired lease, so
//!   handlers must be idempotent. [`Jobs::complete_in_tx`] commits a handler's writes together
//!   with the completion.
//! - Times come from the clock of the process making the call (epoch ms, like every `*_at`).
//!
//! Backend-specific SQL, Postgres only: `FOR UPDATE SKIP LOCKED` in [`Jobs::claim`], `NOTIFY`
//! on enqueue and `LISTEN` in [`JobWaiter`].

mod backoff;
mod enqueue;
mod lease;
mod maintenance;
mod query;
mod wake;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Store;
use crate::error::StoreError;

pub use backoff::{BackoffPolicy, backoff_delay};
pub use enqueue::EnqueueOptions;
pub use lease::{ClaimedJob, FailOutcome, Heartbeat};
pub use maintenance::{CancelReport, ReapReport};
pub use query::{JobCounts, JobFilter, JobRow};
pub use wake::{JobWaiter, Wake};

/// One kind of job: a serialisable payload type with a stable name. The handlers live in the
/// pipeline crate; the store only needs the name, the defaults and serde.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize)]
/// struct ScrapePage { audit_id: String, url: String }
///
/// impl store::JobKind for ScrapePage {
///     const NAME: &'static str = "scrape_page";
///     const MAX_ATTEMPTS: u32 = 3;
/// }
/// ```
pub trait JobKind: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name, stored in `jobs.kind`. Never rename one that may be in a database.
    const NAME: &'static str;
    /// Default priority; higher runs first.
    const PRIORITY: i32 = 0;
    /// Attempts before the job goes `dead`.
    const MAX_ATTEMPTS: u32 = 5;
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting to be claimed once `run_at` has passed (new, or retrying after a failure).
    Queued,
    /// Held by a worker until `locked_until`.
    Running,
    /// Finished successfully.
    Done,
    /// Gave up: attempts exhausted, killed for a permanent error, or lease expired too often.
    Dead,
    /// Its run was cancelled.
    Cancelled,
}

impl JobStatus {
    /// Every status, in life order.
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Running,
        Self::Done,
        Self::Dead,
        Self::Cancelled,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads the stored text back.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| StoreError::corrupt("jobs.status", format!("unknown status {text:?}")))
    }

    /// True for `done`, `dead` and `cancelled`: nothing will happen to the job any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Done | Self::Dead | Self::Cancelled)
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Repository of jobs: enqueue, claim and settle, maintenance, and queries.
#[derive(Debug, Clone, Copy)]
pub struct Jobs<'a>(pub(crate) &'a Store);

impl Store {
    /// The jobs queue.
    pub fn jobs(&self) -> Jobs<'_> {
        Jobs(self)
    }
}

/// A duration as stored (milliseconds), saturating.
fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A count or attempt number read from an integer column.
fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}
