//! `GET /runs/{id}/live`: the run page's Server-Sent Events. Each event carries an HTML
//! fragment the htmx SSE extension swaps in: `progress` (status and progress bar), `phases`
//! (the timeline), `event` (one new feed item) and `leads` (the table's rows under the filters
//! of the query string). The current state goes first; when the run ends the final state is
//! sent, then `done` (the page's `sse-close`), and the stream ends.

use std::collections::VecDeque;
use std::convert::Infallible;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use serde::Deserialize;

use super::runs::{
    EventFragment, LeadFilters, PhasesFragment, ProgressFragment, RowsFragment, event_view,
    leads_table, load_run, phase_views, run_view,
};
use super::{UiError, UiResult};
use crate::AppState;
use crate::auth::{Caller, UiCaller};
use crate::live::{LiveMessage, Subscription};

/// Which fragments a stream sends: `run` (progress, phases, events), `leads`, or all.
#[derive(Debug, Deserialize)]
pub struct PartsQuery {
    parts: Option<String>,
}

struct Live {
    state: AppState,
    caller: Caller,
    run_id: domain::RunId,
    filters: LeadFilters,
    run_parts: bool,
    lead_parts: bool,
    rx: Subscription,
    queue: VecDeque<Event>,
    done: bool,
}

/// `GET /runs/{id}/live`.
pub async fn stream(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Query(filters): Query<LeadFilters>,
    Query(parts): Query<PartsQuery>,
) -> UiResult {
    let run = load_run(&state.svc().store, &caller, &id).await?;
    filters.query(&run.id)?;
    let (run_parts, lead_parts) = match parts.parts.as_deref() {
        None | Some("" | "all") => (true, true),
        Some("run") => (true, false),
        Some("leads") => (false, true),
        Some(other) => return Err(UiError::invalid("parts", format!("unknown part {other:?}"))),
    };
    // Wait until the run's poller has read the store once, so nothing written between our
    // own read below and its first look is missed.
    let rx = state.live().watch(&run.id).await;
    let mut live = Live {
        state,
        caller,
        run_id: run.id.clone(),
        filters,
        run_parts,
        lead_parts,
        rx,
        queue: VecDeque::new(),
        done: false,
    };
    live.push_state().await?;
    Ok(sse(live))
}

fn sse(live: Live) -> Response {
    let stream = futures::stream::unfold(live, |mut live| async move {
        loop {
            if let Some(event) = live.queue.pop_front() {
                return Some((Ok::<_, Infallible>(event), live));
            }
            if live.done {
                return None;
            }
            let step = match live.rx.recv().await {
                Some(msg) if matches!(*msg, LiveMessage::Resync(_)) => live.push_state().await,
                Some(msg) => live.handle(&msg).await,
                None => {
                    live.done = true;
                    Ok(())
                }
            };
            if let Err(e) = step {
                tracing::warn!(run.id = %live.run_id, error = %e.message, "live stream ends");
                live.done = true;
            }
        }
    });
    sse_response(stream)
}

fn sse_response(
    stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Response {
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn fragment(name: &str, t: &impl Template) -> Result<Event, UiError> {
    let html = t.render().map_err(crate::ApiError::internal)?;
    Ok(Event::default().event(name).data(html))
}

impl Live {
    /// Queues the run's current state; at a terminal status also `done` and the end.
    async fn push_state(&mut self) -> Result<(), UiError> {
        let store = &self.state.svc().store;
        let run = load_run(store, &self.caller, self.run_id.as_str()).await?;
        if self.run_parts {
            self.queue.push_back(fragment(
                "progress",
                &ProgressFragment {
                    run: run_view(&run),
                    csrf: self.caller.csrf().to_owned(),
                },
            )?);
            self.queue.push_back(fragment(
                "phases",
                &PhasesFragment {
                    phases: phase_views(&run),
                },
            )?);
        }
        if self.lead_parts {
            self.push_leads(&run).await?;
        }
        if run.workflow_status.is_terminal() {
            self.queue.push_back(
                Event::default()
                    .event("done")
                    .data(run.workflow_status.as_str()),
            );
            self.done = true;
        }
        Ok(())
    }

    async fn push_leads(&mut self, run: &store::Run) -> Result<(), UiError> {
        let table = leads_table(&self.state.svc().store, &self.caller, run, &self.filters).await?;
        self.queue
            .push_back(fragment("leads", &RowsFragment { table })?);
        Ok(())
    }

    async fn handle(&mut self, msg: &LiveMessage) -> Result<(), UiError> {
        match msg {
            LiveMessage::Event(e) if self.run_parts => {
                self.queue
                    .push_back(fragment("event", &EventFragment { e: event_view(e) })?);
            }
            LiveMessage::Run(snap) => {
                let terminal = domain::WorkflowStatus::parse(&snap.workflow_status)
                    .is_ok_and(domain::WorkflowStatus::is_terminal);
                if self.run_parts || terminal {
                    self.push_state().await?;
                }
            }
            LiveMessage::Leads(_) if self.lead_parts => {
                let run =
                    load_run(&self.state.svc().store, &self.caller, self.run_id.as_str()).await?;
                self.push_leads(&run).await?;
            }
            _ => {}
        }
        Ok(())
    }
}
