//! robots.txt fetched once per origin and kept for a day (failures for five minutes), shared
//! by concurrent fetches: the first one fetches, the others wait for its answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use url::Url;

use crate::robots::{Robots, RobotsStatus};

/// How long a fetched robots.txt is trusted (RFC 9309 §2.4: caches should not exceed a day).
const TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a failure to read it (which disallows the whole site) is kept.
const FAILURE_TTL: Duration = Duration::from_secs(5 * 60);

type Cell = Arc<OnceCell<Arc<Robots>>>;

#[derive(Debug)]
struct Entry {
    created: Instant,
    cell: Cell,
}

impl Entry {
    fn expired(&self, now: Instant) -> bool {
        let age = now.duration_since(self.created);
        let failed = self.cell.get().is_some_and(|robots| {
            matches!(
                robots.status(),
                RobotsStatus::ServerError | RobotsStatus::Unreachable
            )
        });
        age > TTL || (failed && age > FAILURE_TTL)
    }
}

/// robots.txt by origin (`scheme://host:port`).
#[derive(Debug, Default)]
pub(crate) struct RobotsCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl RobotsCache {
    /// The cell holding (or about to hold) the robots.txt of `url`'s origin.
    pub(crate) fn cell(&self, url: &Url) -> Cell {
        let origin = url.origin().ascii_serialization();
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&origin) {
            Some(entry) if !entry.expired(now) => Arc::clone(&entry.cell),
            _ => {
                let cell = Cell::default();
                entries.insert(
                    origin,
                    Entry {
                        created: now,
                        cell: Arc::clone(&cell),
                    },
                );
                cell
            }
        }
    }
}
