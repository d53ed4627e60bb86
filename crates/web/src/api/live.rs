//! `GET /api/runs/{id}/events`: a run's live updates as Server-Sent Events.
//!
//! A new stream replays the run's last 50 events (or, with `Last-Event-ID`, every event after
//! that one), then its lead marker and its snapshot, then live messages as the hub broadcasts
//! them. `event` messages carry the event id as the SSE `id:`, so a browser's `EventSource`
//! resumes where it left off by itself. A client too slow for the broadcast gets a `resync`
//! (the current state) followed by the events it missed, read from the store. On a run that
//! has ended the stream closes right after the terminal `run` snapshot, which comes after the
//! run's last events.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use futures::stream::BoxStream;
use serde::Serialize;
use store::{RunEvent, Store, StoreError};

use super::runs::run_id;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::live::{LiveMessage, Subscription, leads_state, snapshot};

/// Events replayed to a new stream without `Last-Event-ID`.
const HISTORY: u32 = 50;
/// Events read per query when replaying.
const PAGE: u32 = 500;
/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The body of a run's event stream.
pub type EventStream = BoxStream<'static, Result<Event, Infallible>>;

/// A run event as the stream sends it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView<'a> {
    id: &'a str,
    run_id: &'a str,
    created_at: i64,
    level: store::EventLevel,
    phase: Option<&'a str>,
    kind: &'a str,
    message: &'a str,
    data: &'a serde_json::Value,
}

/// A run's live updates as Server-Sent Events.
#[utoipa::path(get, path = "/runs/{id}/events", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses(
        (status = 200, description = "Server-Sent Events: `run` (status, progress, phases), \
            `event` (a run event), `leads` (lead count/updated marker), `resync`",
            content_type = "text/event-stream"),
        (status = 404, body = crate::error::ErrorBody),
    ))]
pub async fn run_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<KeepAliveStream<EventStream>>, ApiError> {
    let run_id = run_id(&id)?;
    let store = state.svc().store.clone();
    let run = store
        .runs()
        .get_for_agency(&caller.agency_id, &run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("run"))?;
    let drained = run.workflow_status.is_terminal()
        && run.finished_at.is_none_or(|at| {
            let drain = i64::try_from(state.live().drain().as_millis()).unwrap_or(i64::MAX);
            store::now_ms().saturating_sub(at) >= drain
        });
    // Subscribe before reading, so nothing falls between what is read and what is broadcast.
    let sub = if drained {
        None
    } else {
        Some(state.live().watch(&run_id).await)
    };
    let mut feed = Feed {
        store,
        run_id,
        sub,
        queue: VecDeque::new(),
        last_event: None,
        replayed: HashSet::new(),
        done: false,
    };
    match last_event_id(&headers) {
        Some(after) => {
            feed.last_event = Some(after);
            feed.replay().await?;
        }
        None => {
            let history = feed.store.events().latest(&feed.run_id, HISTORY).await?;
            feed.push_replayed(history);
        }
    }
    feed.push_state().await?;
    if drained {
        feed.done = true;
    }
    Ok(Sse::new(feed.into_stream()).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// `Last-Event-ID`, when it looks like one of our event ids (anything else starts afresh).
fn last_event_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("last-event-id")?.to_str().ok()?.trim();
    let plausible = !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    plausible.then(|| value.to_ascii_lowercase())
}

/// One client's stream: what is queued to send, and where it is in the run's timeline.
struct Feed {
    store: Store,
    run_id: domain::RunId,
    sub: Option<Subscription>,
    queue: VecDeque<Event>,
    /// The newest event id sent.
    last_event: Option<String>,
    /// Ids read from the store that the hub may broadcast as well: each is skipped once.
    replayed: HashSet<String>,
    done: bool,
}

impl Feed {
    fn into_stream(self) -> EventStream {
        Box::pin(futures::stream::unfold(self, |mut feed| async move {
            loop {
                if let Some(event) = feed.queue.pop_front() {
                    return Some((Ok(event), feed));
                }
                if feed.done {
                    return None;
                }
                if let Err(e) = feed.next().await {
                    // The client reconnects with Last-Event-ID and loses nothing.
                    tracing::warn!(run.id = %feed.run_id, error = %e, "run event stream ends");
                    feed.done = true;
                }
            }
        }))
    }

    /// Waits for the next live message and queues what it means for this client.
    async fn next(&mut self) -> Result<(), StoreError> {
        let Some(sub) = self.sub.as_mut() else {
            self.done = true;
            return Ok(());
        };
        let Some(msg) = sub.recv().await else {
            // The poller stopped without a terminal snapshot we saw: finish from the store.
            self.sub = None;
            self.replay().await?;
            self.push_state().await?;
            self.done = true;
            return Ok(());
        };
        match msg.as_ref() {
            LiveMessage::Event(e) => {
                if !self.replayed.remove(&e.id) {
                    self.push_event(e);
                }
            }
            LiveMessage::Run(snap) => {
                self.push("run", None, snap);
                self.done = snap.is_terminal();
            }
            LiveMessage::Leads(leads) => self.push("leads", None, leads),
            LiveMessage::Resync(state) => {
                self.push("resync", None, state);
                self.replay().await?;
            }
        }
        Ok(())
    }

    /// Queues every stored event after the last one sent.
    async fn replay(&mut self) -> Result<(), StoreError> {
        loop {
            let page = self
                .store
                .events()
                .list(&self.run_id, self.last_event.as_deref(), PAGE)
                .await?;
            let full = page.len() >= PAGE as usize;
            self.push_replayed(page);
            if !full {
                return Ok(());
            }
        }
    }

    fn push_replayed(&mut self, events: Vec<RunEvent>) {
        for e in events {
            self.push_event(&e);
            self.replayed.insert(e.id);
        }
    }

    /// Queues the run's lead marker and snapshot (the stream ends if the run is gone).
    async fn push_state(&mut self) -> Result<(), StoreError> {
        let Some(run) = self.store.runs().get(&self.run_id).await? else {
            self.done = true;
            return Ok(());
        };
        let leads = leads_state(&self.store, &self.run_id).await?;
        self.push("leads", None, &leads);
        self.push("run", None, &snapshot(&run));
        Ok(())
    }

    fn push_event(&mut self, e: &RunEvent) {
        let view = EventView {
            id: &e.id,
            run_id: &e.run_id,
            created_at: e.created_at,
            level: e.level,
            phase: e.phase.as_deref(),
            kind: &e.kind,
            message: &e.message,
            data: &e.data,
        };
        self.push("event", Some(&e.id), &view);
        if self
            .last_event
            .as_deref()
            .is_none_or(|last| e.id.as_str() > last)
        {
            self.last_event = Some(e.id.clone());
        }
    }

    fn push(&mut self, name: &str, id: Option<&str>, data: &impl Serialize) {
        let mut event = Event::default().event(name);
        if let Some(id) = id {
            event = event.id(id);
        }
        match event.json_data(data) {
            Ok(event) => self.queue.push_back(event),
            Err(e) => {
                tracing::warn!(run.id = %self.run_id, error = %e, "unserialisable live message")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use axum::response::IntoResponse;
    use domain::{Phase, WorkflowStatus};
    use http_body_util::BodyExt;
    use store::testing::TestDb;
    use store::{NewEvent, NewRun};

    use super::*;
    use crate::live::Hub;

    #[tokio::test]
    async fn a_client_that_falls_behind_gets_a_resync_then_each_missed_event_once() {
        let db = TestDb::sqlite();
        let store = db.open().await.unwrap();
        let (user, agency) = store.users().ensure_default().await.unwrap();
        let run = store
            .runs()
            .create(&NewRun {
                agency_id: agency.id.clone(),
                user_id: user.id,
                num_leads: 5,
                target_vertical: "dentist".into(),
                target_geography: "Austin, TX".into(),
                params: serde_json::json!({}),
                phases: vec![(Phase::Source, true)],
            })
            .await
            .unwrap();
        let hub = Hub::new(store.clone(), Duration::from_millis(10)).with_capacity(2);
        let sub = hub.watch(&run.id).await;
        for i in 0..8 {
            store
                .events()
                .append(
                    &run.id,
                    &agency.id,
                    NewEvent::info(None, "t", format!("e{i}")),
                )
                .await
                .unwrap();
        }
        // Fall behind: the hub broadcasts all eight while nobody reads.
        tokio::time::timeout(Duration::from_secs(10), async {
            while sub
                .current()
                .and_then(|s| s.run.last_event.clone())
                .as_deref()
                != Some("e7")
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the hub caught up");
        let feed = Feed {
            store: store.clone(),
            run_id: run.id.clone(),
            sub: Some(sub),
            queue: VecDeque::new(),
            last_event: None,
            replayed: HashSet::new(),
            done: false,
        };
        store
            .runs()
            .set_status(&run.id, WorkflowStatus::Completed, None)
            .await
            .unwrap();
        let body = Sse::new(feed.into_stream()).into_response().into_body();
        let bytes = tokio::time::timeout(Duration::from_secs(10), body.collect())
            .await
            .expect("the stream ends with the run")
            .unwrap()
            .to_bytes();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let resync = text.find("event: resync").expect("a resync");
        for i in 0..8 {
            let needle = format!("\"message\":\"e{i}\"");
            assert_eq!(text.matches(&needle).count(), 1, "e{i} once in {text}");
            assert!(
                text.find(&needle) > Some(resync),
                "e{i} replayed after the resync"
            );
        }
        let last = &text[text.rfind("event: ").unwrap()..];
        assert!(last.starts_with("event: run\n"), "{last}");
        assert!(last.contains("\"workflowStatus\":\"completed\""), "{last}");
    }
}
