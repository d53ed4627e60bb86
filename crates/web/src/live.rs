//! Live run updates for Server-Sent Events: one poller per watched run, shared by every client
//! watching it, so a thousand browsers on one run cost one query loop, not a thousand.
//!
//! The database is the source of truth (workers may be other processes on other machines), so
//! the poller reads what changed since its last look — new `run_events`, the run's status,
//! progress and phases, and its leads — and broadcasts it. It stops when nobody listens, and
//! after the run has ended and its last events are in (the pipeline writes the terminal status
//! before the event that says so): the terminal [`LiveMessage::Run`] is always its last word.
//!
//! Events are read again over a short window behind the newest one seen, because event ids
//! (UUIDv7) are taken before their transaction commits: a slower writer can commit an event
//! whose id sorts before one already read. Ids already broadcast are remembered, so nothing is
//! sent twice.
//!
//! A subscriber that falls more than the channel's capacity behind gets a
//! [`LiveMessage::Resync`] with the run's current state instead of silently missing messages;
//! it can then read the events it missed from the store.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use domain::{RunId, WorkflowStatus};
use serde::Serialize;
use store::{RunEvent, Store, StoreError};
use tokio::sync::{broadcast, watch};

/// How far behind the newest event id seen the poller reads again, for late commits.
const LATE_COMMIT_WINDOW_MS: i64 = 5_000;
/// Events read per query.
const EVENT_PAGE: u32 = 500;
/// Messages a subscriber may fall behind before it gets a resync.
const DEFAULT_CAPACITY: usize = 256;

/// One live update.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// A new event of the run's timeline.
    Event(RunEvent),
    /// The run's status, progress or phases changed. A terminal one is the last message.
    Run(RunSnapshot),
    /// Leads of the run were added or changed.
    Leads(LeadsChanged),
    /// The subscriber fell behind and missed messages: here is the current state; read the
    /// events after the last one seen from the store.
    Resync(RunState),
}

impl LiveMessage {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Event(_) => "event",
            Self::Run(_) => "run",
            Self::Leads(_) => "leads",
            Self::Resync(_) => "resync",
        }
    }
}

/// The run's state as the timeline and progress bar show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSnapshot {
    /// Run id.
    pub id: String,
    /// `workflowStatus`.
    pub workflow_status: String,
    /// 0–100.
    pub progress: f64,
    /// Phases in order: name, status, done, total.
    pub phases: Vec<PhaseSnapshot>,
    /// `lastEvent`.
    pub last_event: Option<String>,
}

impl RunSnapshot {
    /// Whether the run has ended (completed, failed or cancelled).
    pub fn is_terminal(&self) -> bool {
        WorkflowStatus::parse(&self.workflow_status).is_ok_and(WorkflowStatus::is_terminal)
    }
}

/// One phase of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseSnapshot {
    /// Phase name.
    pub name: String,
    /// Status.
    pub status: String,
    /// Items done.
    pub done: u64,
    /// Items in all.
    pub total: u64,
}

/// Leads of the run changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadsChanged {
    /// How many leads the run has now.
    pub count: u64,
    /// The newest `updated_at` among them, epoch ms.
    pub updated_at: i64,
}

/// The run's current state: what a resync carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunState {
    /// Status, progress, phases.
    pub run: RunSnapshot,
    /// Lead count and change marker.
    pub leads: LeadsChanged,
}

type Current = watch::Receiver<Option<Arc<RunState>>>;

/// A run's channel, shared by its poller and its subscribers.
#[derive(Debug, Clone)]
struct Channel {
    tx: broadcast::Sender<Arc<LiveMessage>>,
    current: Current,
}

type Channels = Arc<Mutex<HashMap<String, Channel>>>;

/// Watches runs and fans their updates out to subscribers.
#[derive(Debug)]
pub struct Hub {
    store: Store,
    poll: Duration,
    capacity: usize,
    runs: Channels,
}

/// A subscriber's end of a run's updates.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Arc<LiveMessage>>,
    current: Current,
}

impl Subscription {
    /// The next message; a [`LiveMessage::Resync`] after falling behind; `None` once the run
    /// has ended (after its terminal snapshot) or is gone.
    pub async fn recv(&mut self) -> Option<Arc<LiveMessage>> {
        loop {
            match self.rx.recv().await {
                Ok(msg) => return Some(msg),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "live: a subscriber fell behind; resync");
                    let state = self.current.borrow().clone();
                    if let Some(state) = state {
                        return Some(Arc::new(LiveMessage::Resync((*state).clone())));
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The run's current state as the poller last read it.
    pub fn current(&self) -> Option<Arc<RunState>> {
        self.current.borrow().clone()
    }
}

impl Hub {
    /// A hub reading `store` every `poll`.
    pub fn new(store: Store, poll: Duration) -> Self {
        Self {
            store,
            poll,
            capacity: DEFAULT_CAPACITY,
            runs: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// How many messages a subscriber may fall behind before it gets a resync.
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How long an ended run is watched for its last events: a few polls, at least half a
    /// second.
    pub fn drain(&self) -> Duration {
        (self.poll * 4).max(Duration::from_millis(500))
    }

    /// Subscribes to a run's updates and waits until its poller has read the run once, so
    /// that everything the caller reads from the store afterwards is either in that read or
    /// will be broadcast. The caller sends the current state first.
    pub async fn watch(&self, run: &RunId) -> Subscription {
        let (rx, mut current) = self.attach(run);
        // A poller that cannot read the store keeps trying; don't hang the client on it.
        let _ =
            tokio::time::timeout(Duration::from_secs(5), current.wait_for(Option::is_some)).await;
        Subscription { rx, current }
    }

    /// Subscribes to a run's updates from now on, without waiting for its poller (the caller
    /// sends the current state first). Starts the run's poller if nobody was watching it.
    pub fn subscribe(&self, run: &RunId) -> broadcast::Receiver<Arc<LiveMessage>> {
        self.attach(run).0
    }

    fn attach(&self, run: &RunId) -> (broadcast::Receiver<Arc<LiveMessage>>, Current) {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(ch) = runs.get(run.as_str()) {
            return (ch.tx.subscribe(), ch.current.clone());
        }
        let (tx, rx) = broadcast::channel(self.capacity);
        let (state_tx, current) = watch::channel(None);
        runs.insert(
            run.as_str().to_owned(),
            Channel {
                tx: tx.clone(),
                current: current.clone(),
            },
        );
        let poller = Poller {
            store: self.store.clone(),
            poll: self.poll,
            drain: self.drain(),
            run: run.clone(),
            tx,
            state: state_tx,
            runs: self.runs.clone(),
            seen: BTreeSet::new(),
            snapshot: None,
            leads: None,
        };
        tokio::spawn(poller.run());
        (rx, current)
    }

    /// How many runs are being watched.
    pub fn watched(&self) -> usize {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

struct Poller {
    store: Store,
    poll: Duration,
    drain: Duration,
    run: RunId,
    tx: broadcast::Sender<Arc<LiveMessage>>,
    state: watch::Sender<Option<Arc<RunState>>>,
    runs: Channels,
    /// Ids of events already broadcast (or there before the first subscriber), pruned to the
    /// late-commit window.
    seen: BTreeSet<String>,
    snapshot: Option<RunSnapshot>,
    leads: Option<LeadsChanged>,
}

impl Poller {
    #[tracing::instrument(name = "live_poller", skip_all, fields(run.id = %self.run))]
    async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.poll);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first read only learns where things stand: history is the subscriber's to send.
        loop {
            ticker.tick().await;
            if self.unwatched() {
                return;
            }
            match self.start().await {
                Ok(true) => break,
                Ok(false) => return,
                Err(e) => tracing::warn!(error = %e, "live: reading the run"),
            }
        }
        // When the run was first seen ended, and when it last had news since.
        let mut quiet_since: Option<Instant> = None;
        loop {
            ticker.tick().await;
            if self.unwatched() {
                return;
            }
            match self.step(&mut quiet_since).await {
                Ok(false) => {}
                Ok(true) => return,
                Err(e) => tracing::warn!(error = %e, "live: polling the run"),
            }
        }
    }

    /// Reads the run, the events already there and the leads marker; false if the run is gone.
    async fn start(&mut self) -> Result<bool, StoreError> {
        let Some(run) = self.store.runs().get(&self.run).await? else {
            return Ok(false);
        };
        if let Some(newest) = self.store.events().latest(&self.run, 1).await?.pop() {
            let mut after = rewind(&newest.id);
            loop {
                let page = self
                    .store
                    .events()
                    .list(&self.run, Some(&after), EVENT_PAGE)
                    .await?;
                let full = page.len() >= EVENT_PAGE as usize;
                for e in page {
                    after.clone_from(&e.id);
                    self.seen.insert(e.id);
                }
                if !full {
                    break;
                }
            }
            self.seen.insert(newest.id);
        }
        self.snapshot = Some(snapshot(&run));
        self.leads = Some(leads_state(&self.store, &self.run).await?);
        self.publish();
        Ok(true)
    }

    /// One poll; true when the poller is done (the run is gone, or ended and drained). The
    /// run is read first, so every event written before a status change it sees is read after
    /// it; then events and leads; the snapshot goes out last.
    async fn step(&mut self, quiet_since: &mut Option<Instant>) -> Result<bool, StoreError> {
        let Some(run) = self.store.runs().get(&self.run).await? else {
            return Ok(true);
        };
        let snap = snapshot(&run);
        let news = self.poll_events().await?;
        let leads = leads_state(&self.store, &self.run).await?;
        if self.leads.as_ref() != Some(&leads) {
            self.leads = Some(leads.clone());
            self.publish();
            self.send(LiveMessage::Leads(leads));
        }
        if !snap.is_terminal() {
            if self.snapshot.as_ref() != Some(&snap) {
                self.snapshot = Some(snap.clone());
                self.publish();
                self.send(LiveMessage::Run(snap));
            }
            return Ok(false);
        }
        // Ended: wait until its last events are in, then say so once and stop.
        let now = Instant::now();
        let since = quiet_since.get_or_insert_with(|| {
            let ago = run
                .finished_at
                .map_or(0, |at| store::now_ms().saturating_sub(at).max(0));
            let ago = Duration::from_millis(u64::try_from(ago).unwrap_or(0)).min(self.drain);
            now.checked_sub(ago).unwrap_or(now)
        });
        if news > 0 {
            *since = now;
        }
        self.snapshot = Some(snap.clone());
        self.publish();
        if now.duration_since(*since) < self.drain {
            return Ok(false);
        }
        // Out of the hub first: a later subscriber starts afresh instead of joining a channel
        // about to close.
        self.remove();
        self.send(LiveMessage::Run(snap));
        Ok(true)
    }

    /// Broadcasts events not seen yet, oldest first; returns how many.
    async fn poll_events(&mut self) -> Result<usize, StoreError> {
        let mut after = self.seen.last().map(|id| rewind(id));
        if let Some(cursor) = &after {
            // Ids behind the window can no longer come back: forget them.
            self.seen = self.seen.split_off(cursor);
        }
        let mut sent = 0;
        loop {
            let page = self
                .store
                .events()
                .list(&self.run, after.as_deref(), EVENT_PAGE)
                .await?;
            let full = page.len() >= EVENT_PAGE as usize;
            for e in page {
                after = Some(e.id.clone());
                if self.seen.insert(e.id.clone()) {
                    sent += 1;
                    self.send(LiveMessage::Event(e));
                }
            }
            if !full {
                return Ok(sent);
            }
        }
    }

    fn send(&self, msg: LiveMessage) {
        // No receiver is fine: the next tick notices and stops.
        let _ = self.tx.send(Arc::new(msg));
    }

    /// Publishes the current state for resyncs (and marks the poller ready).
    fn publish(&self) {
        if let (Some(run), Some(leads)) = (&self.snapshot, &self.leads) {
            self.state.send_replace(Some(Arc::new(RunState {
                run: run.clone(),
                leads: leads.clone(),
            })));
        }
    }

    /// Whether nobody listens any more (the poller then stops, and its drop removes the run
    /// from the hub). Checked under the hub's lock, so a subscriber either joins this poller or
    /// starts a new one.
    fn unwatched(&self) -> bool {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        if self.tx.receiver_count() > 0 {
            return false;
        }
        remove_own(&mut runs, &self.run, &self.tx);
        true
    }

    fn remove(&self) {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        remove_own(&mut runs, &self.run, &self.tx);
    }
}

impl Drop for Poller {
    /// A poller that ends any way (even by a panic) leaves no dead channel behind.
    fn drop(&mut self) {
        self.remove();
    }
}

fn remove_own(
    runs: &mut HashMap<String, Channel>,
    run: &RunId,
    tx: &broadcast::Sender<Arc<LiveMessage>>,
) {
    if runs
        .get(run.as_str())
        .is_some_and(|ch| ch.tx.same_channel(tx))
    {
        runs.remove(run.as_str());
    }
}

/// The millisecond timestamp of a UUIDv7 id (its first 48 bits).
fn uuid7_ms(id: &str) -> Option<i64> {
    let (hi, lo) = (id.get(0..8)?, id.get(9..13)?);
    if id.as_bytes().get(8) != Some(&b'-') {
        return None;
    }
    let hi = u32::from_str_radix(hi, 16).ok()?;
    let lo = u16::from_str_radix(lo, 16).ok()?;
    Some((i64::from(hi) << 16) | i64::from(lo))
}

/// A cursor that sorts before every UUIDv7 id of the late-commit window behind `id` (a prefix
/// sorts before the ids it starts); `id` itself when it is not a UUIDv7.
fn rewind(id: &str) -> String {
    match uuid7_ms(id) {
        Some(ms) => {
            let ms = (ms - LATE_COMMIT_WINDOW_MS).max(0);
            format!("{:08x}-{:04x}", ms >> 16, ms & 0xffff)
        }
        None => id.to_owned(),
    }
}

/// The run as the live view shows it.
pub fn snapshot(run: &store::Run) -> RunSnapshot {
    RunSnapshot {
        id: run.id.to_string(),
        workflow_status: run.workflow_status.as_str().to_owned(),
        progress: run.progress,
        phases: run
            .phases
            .iter()
            .map(|p| PhaseSnapshot {
                name: p.name.as_str().to_owned(),
                status: p.status.as_str().to_owned(),
                done: p.done,
                total: p.total,
            })
            .collect(),
        last_event: run.last_event.clone(),
    }
}

/// The run's lead count and change marker.
pub async fn leads_state(store: &Store, run: &RunId) -> Result<LeadsChanged, StoreError> {
    let (count, updated_at) = store.opportunities().run_change_marker(run).await?;
    Ok(LeadsChanged { count, updated_at })
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
