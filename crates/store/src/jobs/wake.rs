//! Waking idle workers promptly without a busy loop.
//!
//! A [`JobWaiter`] returns from [`JobWaiter::wait`] on the first of:
//! - an enqueue (or requeue) in this process: an in-process signal, on every backend;
//! - on Postgres, a `NOTIFY leadforge_jobs` from any process (sent in the enqueueing
//!   transaction, so delivered when it commits), received by one `LISTEN` connection per waiter
//!   family (clones share it);
//! - an idle nap that doubles from 20 ms to `max_idle` while nothing turns up, and restarts at
//!   20 ms (see [`JobWaiter::with_min_idle`]) after a wake-up or [`JobWaiter::found_work`]. The nap is the safety net for what no
//!   notification announces: delayed and retrying jobs coming due, an SQLite job enqueued in
//!   another process or woken about before its transaction committed.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use super::Jobs;
use crate::Backend;
use crate::error::StoreError;

/// The Postgres notification channel.
pub(super) const CHANNEL: &str = "leadforge_jobs";

/// The shortest idle nap.
const MIN_IDLE: Duration = Duration::from_millis(20);

/// Bumped on every enqueue in this process.
static LOCAL: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

pub(super) fn signal_local() {
    LOCAL.send_modify(|n| *n = n.wrapping_add(1));
}

/// Why [`JobWaiter::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// A job was enqueued somewhere: try to claim.
    Notified,
    /// The idle nap ran out: try to claim (delayed jobs may have come due).
    Idle,
}

/// Waits for work between claims. One per worker loop; clone it for more loops (clones share
/// the Postgres `LISTEN` connection, which closes when the last clone is dropped).
///
/// ```no_run
/// # async fn worker(store: &store::Store) -> Result<(), store::StoreError> {
/// # use std::time::Duration;
/// let mut waiter = store.jobs().waiter(Duration::from_millis(500)).await?;
/// loop {
///     match store.jobs().claim("host:1:0", None, Duration::from_secs(30)).await? {
///         Some(job) => {
///             waiter.found_work();
///             // … run it, then complete / fail …
/// #           let _ = job;
///         }
///         None => {
///             waiter.wait().await;
///         }
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct JobWaiter {
    local: watch::Receiver<u64>,
    remote: Option<watch::Receiver<u64>>,
    _listener: Option<Arc<ListenerTask>>,
    nap: Duration,
    min_idle: Duration,
    max_idle: Duration,
}

/// The task forwarding Postgres notifications; stopped when the last waiter is dropped.
#[derive(Debug)]
struct ListenerTask(JoinHandle<()>);

impl Drop for ListenerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Jobs<'_> {
    /// A waiter whose idle naps grow to `max_idle` (at least 20 ms). On Postgres this opens a
    /// `LISTEN` connection; on SQLite it only needs the in-process signal.
    pub async fn waiter(&self, max_idle: Duration) -> Result<JobWaiter, StoreError> {
        let (remote, listener) = match self.0.backend() {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let (rx, task) = self.listen().await?;
                (Some(rx), Some(Arc::new(task)))
            }
        };
        Ok(JobWaiter {
            local: LOCAL.subscribe(),
            remote,
            _listener: listener,
            nap: MIN_IDLE,
            min_idle: MIN_IDLE,
            max_idle: max_idle.max(MIN_IDLE),
        })
    }

    async fn listen(&self) -> Result<(watch::Receiver<u64>, ListenerTask), StoreError> {
        // The pool's own URL, credentials included: used to connect, never logged.
        let url = self.0.pool.connect_options().database_url.to_string();
        let mut listener = PgListener::connect(&url).await?;
        listener.listen(CHANNEL).await?;
        let (tx, rx) = watch::channel(0u64);
        let task = tokio::spawn(async move {
            let mut connected = true;
            loop {
                match listener.recv().await {
                    Ok(_) => {
                        if !connected {
                            info!("job notifications resumed");
                            connected = true;
                        }
                        tx.send_modify(|n| *n = n.wrapping_add(1));
                    }
                    Err(error) => {
                        // Notifications sent while disconnected are lost: wake the waiters so
                        // they look (their idle naps carry on meanwhile), and let `recv`
                        // reconnect after a pause. Logged once per outage.
                        if connected {
                            warn!(%error, "job notifications interrupted; reconnecting");
                            connected = false;
                        }
                        tx.send_modify(|n| *n = n.wrapping_add(1));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok((rx, ListenerTask(task)))
    }
}

impl JobWaiter {
    /// Starts idle naps at `min_idle` instead of 20 ms (raised to `max_idle` if above it). With
    /// Postgres `LISTEN` every enqueue is announced, so short polls buy little there.
    #[must_use]
    pub fn with_min_idle(mut self, min_idle: Duration) -> Self {
        self.min_idle = min_idle.max(MIN_IDLE).min(self.max_idle);
        self.nap = self.min_idle;
        self
    }

    /// Waits until work may be available; see the module docs for what wakes it.
    pub async fn wait(&mut self) -> Wake {
        let nap = self.nap;
        let wake = tokio::select! {
            () = changed(Some(&mut self.local)) => Wake::Notified,
            () = changed(self.remote.as_mut()) => Wake::Notified,
            () = tokio::time::sleep(nap) => Wake::Idle,
        };
        self.nap = match wake {
            Wake::Notified => self.min_idle,
            Wake::Idle => nap.saturating_mul(2).min(self.max_idle),
        };
        wake
    }

    /// Call after a claim found a job: the next idle nap starts short again.
    pub fn found_work(&mut self) {
        self.nap = self.min_idle;
    }
}

/// Resolves when the channel's value changes; never, when there is no channel.
async fn changed(rx: Option<&mut watch::Receiver<u64>>) {
    if let Some(rx) = rx
        && rx.changed().await.is_ok()
    {
        return;
    }
    std::future::pending().await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Nothing;

    impl crate::JobKind for Nothing {
        const NAME: &'static str = "nothing";
    }

    #[tokio::test]
    async fn a_postgres_waiter_is_woken_by_notify_alone() {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        let store = db.open().await.unwrap();
        let hour = Duration::from_secs(3600);
        let mut waiter = store.jobs().waiter(hour).await.unwrap().with_min_idle(hour);
        // Deafen the in-process signal: only the LISTEN connection can wake this waiter.
        waiter.local = watch::channel(0).1;
        store
            .jobs()
            .enqueue(&Nothing, crate::EnqueueOptions::default())
            .await
            .unwrap();
        let wake = tokio::time::timeout(Duration::from_secs(30), waiter.wait())
            .await
            .expect("woken by NOTIFY, not by the hour-long nap");
        assert_eq!(wake, Wake::Notified);
    }
}
