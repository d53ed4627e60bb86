//! The call log: one record per provider or site request the world served, with what it was
//! about, what latency it drew and what fault it got, so a benchmark can compare a run's wall
//! time with what the world made it wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::faults::{FaultKind, FaultProvider};
use crate::latency::ServiceClass;

/// Status recorded for a call whose client went away before the answer was sent (nginx's
/// "client closed request").
pub const CLIENT_CLOSED: u16 = 499;

/// One served call: 192 bytes plus its strings (host ≈ 25, subject 27, operation or query
/// ≈ 20–40 bytes each when set), so 30,000 calls take about 8 MB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub class: ServiceClass,
    /// The [`crate::endpoint`] name; `"sites"` for the websites.
    pub endpoint: &'static str,
    /// Whose faults and plans apply to the call.
    pub provider: FaultProvider,
    /// Sites: the bare lower-case host (no `www.`, no port). APIs: `None`.
    pub host: Option<String>,
    /// The place id of the world business the call is about: sites, the owner of the host;
    /// LLM, web search and Firecrawl, the business whose name or site domain appears in the
    /// request (the longest match); legacy place details, the place asked for; text
    /// searches, geo and embeddings (batches): `None`.
    pub subject: Option<String>,
    /// LLM: the structured-output schema name (`response_format.json_schema.name` for chat,
    /// `text.format.name` for responses).
    pub operation: Option<String>,
    /// The search text: places text searches (Serper `q`, Google `textQuery`, legacy `query`,
    /// also on later pages, which carry it in their token), web search `q`, Nominatim `q`; so
    /// the pages of one query share it. `None` otherwise.
    pub query: Option<String>,
    /// Hash of method, host (with scheme, for sites; none for the APIs), path and query, and
    /// body: equal for retries of the same request, across runs.
    pub identity: u64,
    /// 0 for the first request with this identity, 1 for the next…
    pub occurrence: u32,
    /// What the world made the call wait on purpose: the profile's draw plus the flat latency,
    /// a timeout's hang, a drip's duration, a page's built-in delay. A client may give up
    /// earlier ([`CallRecord::ended`] tells).
    pub drawn: Duration,
    /// When the request arrived, since the world started (monotonic).
    pub started: Duration,
    /// When the answer was sent in full, or the client went away.
    pub ended: Duration,
    /// Wall clock at arrival, in Unix milliseconds.
    pub started_unix_ms: i64,
    /// The status answered; [`CLIENT_CLOSED`] if the client went away before the headers.
    pub status: u16,
    /// The fault injected into this call, if any.
    pub fault: Option<FaultKind>,
}

#[derive(Debug, Default)]
struct Log {
    records: Vec<CallRecord>,
    occurrences: HashMap<u64, u32>,
}

/// The shared log of calls.
#[derive(Debug, Clone)]
pub struct CallLog {
    log: Arc<Mutex<Log>>,
    epoch: Instant,
}

impl Default for CallLog {
    fn default() -> Self {
        Self::new()
    }
}

impl CallLog {
    /// An empty log whose clock starts now.
    pub fn new() -> Self {
        Self {
            log: Arc::default(),
            epoch: Instant::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Time since the log started.
    pub(crate) fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Counts a request with `identity`; returns how many came before it.
    pub(crate) fn occurrence(&self, identity: u64) -> u32 {
        let mut log = self.lock();
        let seen = log.occurrences.entry(identity).or_default();
        let occurrence = *seen;
        *seen = seen.saturating_add(1);
        occurrence
    }

    pub(crate) fn push(&self, record: CallRecord) {
        self.lock().records.push(record);
    }

    /// Every finished call, by arrival (calls still in flight are not in it yet).
    pub fn records(&self) -> Vec<CallRecord> {
        let mut records = self.lock().records.clone();
        records.sort_by_key(|r| (r.started, r.identity, r.occurrence));
        records
    }

    /// Empties the log and forgets the identities seen, so occurrences (and with them the
    /// latency draws and fault decisions) start again from 0.
    pub fn clear(&self) {
        let mut log = self.lock();
        log.records.clear();
        log.occurrences.clear();
    }
}

/// Wall clock now, in Unix milliseconds.
pub(crate) fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A call in progress: written to the log when dropped, however the call ends.
#[derive(Debug)]
pub(crate) struct Pending {
    log: CallLog,
    record: CallRecord,
}

impl Pending {
    pub(crate) fn new(log: &CallLog, record: CallRecord) -> Self {
        Self {
            log: log.clone(),
            record,
        }
    }

    pub(crate) fn record(&mut self) -> &mut CallRecord {
        &mut self.record
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.record.ended = self.log.now();
        let record = std::mem::replace(&mut self.record, placeholder());
        self.log.push(record);
    }
}

fn placeholder() -> CallRecord {
    CallRecord {
        class: ServiceClass::Sites,
        endpoint: "",
        provider: FaultProvider::Sites,
        host: None,
        subject: None,
        operation: None,
        query: None,
        identity: 0,
        occurrence: 0,
        drawn: Duration::ZERO,
        started: Duration::ZERO,
        ended: Duration::ZERO,
        started_unix_ms: 0,
        status: 0,
        fault: None,
    }
}
