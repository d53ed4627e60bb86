//! The run page: phase timeline, progress, live events, and the ranked leads table with its
//! filters (a plain GET form; with htmx only the table is swapped).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use domain::{LeadStatus, RunId, Signal};
use serde::Deserialize;
use store::{Opportunity, OpportunityQuery, OpportunitySort, Run, RunEvent, Store};

use super::{Chrome, CsrfForm, UiError, UiResult, check_csrf, format, page, see_other};
use crate::AppState;
use crate::auth::{Caller, UiCaller};

/// Events shown when the page loads (the live feed adds newer ones on top).
const EVENTS_SHOWN: u32 = 50;
/// Rows in the table: a run has at most 200 leads.
const ROWS: u32 = 200;

/// The leads table's filters, as they come in the query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeadFilters {
    signal: Option<String>,
    status: Option<String>,
    min_score: Option<String>,
    vertical: Option<String>,
    geography: Option<String>,
    sort: Option<String>,
}

fn given(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

impl LeadFilters {
    /// The store query for `run`, or the field at fault.
    pub fn query(&self, run: &RunId) -> Result<OpportunityQuery, UiError> {
        let signal = given(self.signal.as_ref())
            .map(|s| Signal::parse(s).map(|s| s.as_str().to_owned()))
            .transpose()
            .map_err(|e| UiError::invalid("signal", e))?;
        let status = given(self.status.as_ref())
            .map(|s| LeadStatus::parse(s).map(|s| s.as_str().to_owned()))
            .transpose()
            .map_err(|e| UiError::invalid("status", e))?;
        let min_score = given(self.min_score.as_ref())
            .map(|s| s.parse::<u8>().ok().filter(|n| *n <= 100))
            .map(|n| n.ok_or_else(|| UiError::invalid("min_score", "must be between 0 and 100")))
            .transpose()?;
        let sort = match given(self.sort.as_ref()) {
            None => OpportunitySort::Rank,
            Some(s) => OpportunitySort::parse(s)
                .ok_or_else(|| UiError::invalid("sort", format!("unknown sort {s:?}")))?,
        };
        Ok(OpportunityQuery {
            run: Some(run.clone()),
            vertical: given(self.vertical.as_ref()).map(str::to_owned),
            geography: given(self.geography.as_ref()).map(str::to_owned),
            status,
            signal,
            min_score,
            sort,
            descending: sort.default_descending(),
            limit: ROWS,
            offset: 0,
        })
    }

    /// The filters as a query string (empty ones left out).
    pub fn to_query_string(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("signal", &self.signal),
            ("status", &self.status),
            ("min_score", &self.min_score),
            ("vertical", &self.vertical),
            ("geography", &self.geography),
            ("sort", &self.sort),
        ] {
            if let Some(v) = given(v.as_ref()) {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

/// One row of the leads table.
pub struct LeadRow {
    id: String,
    rank: String,
    score: u8,
    name: String,
    status: String,
    rating: String,
    phone: Option<String>,
    badges: Vec<format::Badge>,
}

fn lead_row(rank: Option<u32>, o: Opportunity) -> LeadRow {
    LeadRow {
        id: o.id.to_string(),
        rank: rank.map_or_else(|| "—".into(), |r| r.to_string()),
        score: o.qualification_score,
        rating: format::rating(o.rating, o.reviews_count),
        badges: format::badges(&o.signals),
        name: o.name,
        status: o.status,
        phone: o.phone,
    }
}

/// The leads table of a run with its filters.
pub struct LeadsTable {
    run_id: String,
    total: u64,
    rows: Vec<LeadRow>,
    /// Whether the table follows the run live.
    live: bool,
    /// `parts=leads&…filters` for the table's own live stream.
    live_query: String,
}

/// Reads the table of `run` under `filters`.
pub async fn leads_table(
    store: &Store,
    caller: &Caller,
    run: &Run,
    filters: &LeadFilters,
) -> Result<LeadsTable, UiError> {
    let q = filters.query(&run.id)?;
    let found = store.opportunities().search(&caller.agency_id, &q).await?;
    let filters_qs = filters.to_query_string();
    Ok(LeadsTable {
        run_id: run.id.to_string(),
        total: found.total,
        rows: found
            .items
            .into_iter()
            .map(|(r, o)| lead_row(r, o))
            .collect(),
        live: !run.workflow_status.is_terminal(),
        live_query: if filters_qs.is_empty() {
            "parts=leads".into()
        } else {
            format!("parts=leads&{filters_qs}")
        },
    })
}

/// The leads rows alone (the `leads` live event).
#[derive(Template)]
#[template(path = "partials/leads_rows.html")]
pub struct RowsFragment {
    /// The table.
    pub table: LeadsTable,
}

#[derive(Template)]
#[template(path = "partials/leads_table.html")]
struct TableFragment {
    table: LeadsTable,
}

/// The run's header, progress and status.
pub struct RunView {
    id: String,
    vertical: String,
    geography: String,
    status: &'static str,
    progress: u32,
    running: bool,
    live: bool,
    created: String,
    requested: u32,
    fetched: Option<u32>,
    provider: Option<String>,
    last_event: Option<String>,
    error: Option<String>,
}

/// The run as the page shows it.
pub fn run_view(run: &Run) -> RunView {
    RunView {
        id: run.id.to_string(),
        vertical: run.target_vertical.clone(),
        geography: run.target_geography.clone(),
        status: run.workflow_status.as_str(),
        progress: format::percent(run.progress),
        running: !run.workflow_status.is_terminal(),
        live: !run.workflow_status.is_terminal(),
        created: format::time(run.created_at),
        requested: run.num_leads,
        fetched: run.num_leads_fetched,
        provider: run.places_provider.clone(),
        last_event: run.last_event.clone(),
        error: run.error.clone(),
    }
}

/// One phase of the timeline.
pub struct PhaseView {
    name: &'static str,
    status: &'static str,
    done: u64,
    total: u64,
    error: Option<String>,
}

/// The run's phases.
pub fn phase_views(run: &Run) -> Vec<PhaseView> {
    run.phases
        .iter()
        .map(|p| PhaseView {
            name: p.name.as_str(),
            status: p.status.as_str(),
            done: p.done,
            total: p.total,
            error: p.error.clone(),
        })
        .collect()
}

/// One event of the feed.
pub struct EventView {
    id: String,
    time: String,
    level: String,
    phase: Option<String>,
    message: String,
}

/// An event as the feed shows it.
pub fn event_view(e: &RunEvent) -> EventView {
    EventView {
        id: e.id.clone(),
        time: format::time(e.created_at),
        level: serde_json::to_value(e.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "info".into()),
        phase: e.phase.clone(),
        message: e.message.clone(),
    }
}

/// The progress bar and status (the `progress` live event).
#[derive(Template)]
#[template(path = "partials/progress.html")]
pub struct ProgressFragment {
    /// The run.
    pub run: RunView,
    /// For the cancel form.
    pub csrf: String,
}

/// The timeline (the `phases` live event).
#[derive(Template)]
#[template(path = "partials/phases.html")]
pub struct PhasesFragment {
    /// Phases.
    pub phases: Vec<PhaseView>,
}

/// One feed item (the `event` live event).
#[derive(Template)]
#[template(path = "partials/event.html")]
pub struct EventFragment {
    /// The event.
    pub e: EventView,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<'a>(values: impl IntoIterator<Item = &'a str>, current: Option<&str>) -> Vec<Choice> {
    values
        .into_iter()
        .map(|v| Choice {
            value: v.to_owned(),
            label: v.to_owned(),
            selected: current == Some(v),
        })
        .collect()
}

struct FilterView {
    signals: Vec<Choice>,
    statuses: Vec<Choice>,
    min_score: String,
    verticals: Vec<Choice>,
    geographies: Vec<Choice>,
    sorts: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage {
    chrome: Chrome,
    csrf: String,
    run: RunView,
    phases: Vec<PhaseView>,
    events: Vec<EventView>,
    filters: FilterView,
    table: LeadsTable,
    usage: String,
}

/// The caller's run `id`, or 404.
pub async fn load_run(store: &Store, caller: &Caller, id: &str) -> Result<Run, UiError> {
    let Ok(run_id) = RunId::parse(id) else {
        return Err(UiError::not_found("run"));
    };
    store
        .runs()
        .get_for_agency(&caller.agency_id, &run_id)
        .await?
        .ok_or_else(|| UiError::not_found("run"))
}

/// `GET /runs/{id}` (with htmx targeting `#leads-table`: the table alone).
pub async fn show(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Query(filters): Query<LeadFilters>,
    headers: HeaderMap,
) -> UiResult {
    let store = &state.svc().store;
    let run = load_run(store, &caller, &id).await?;
    let table = leads_table(store, &caller, &run, &filters).await?;
    let htmx_target = headers.get("hx-target").and_then(|v| v.to_str().ok());
    if htmx_target == Some("leads-table") {
        return page(&TableFragment { table });
    }
    let campaigns = store.opportunities().campaigns(&caller.agency_id).await?;
    let mut verticals: Vec<&str> = campaigns.iter().map(|c| c.vertical.as_str()).collect();
    let mut geographies: Vec<&str> = campaigns.iter().map(|c| c.geography.as_str()).collect();
    verticals.sort_unstable();
    verticals.dedup();
    geographies.sort_unstable();
    geographies.dedup();
    let sort = given(filters.sort.as_ref()).unwrap_or("rank");
    let filter_view = FilterView {
        signals: choices(format::signal_names(), given(filters.signal.as_ref())),
        statuses: choices(
            LeadStatus::ALL.iter().map(|s| s.as_str()),
            given(filters.status.as_ref()),
        ),
        min_score: given(filters.min_score.as_ref()).unwrap_or("").to_owned(),
        verticals: choices(verticals, given(filters.vertical.as_ref())),
        geographies: choices(geographies, given(filters.geography.as_ref())),
        sorts: choices(
            ["rank", "score", "name", "rating", "reviews", "updated"],
            Some(sort),
        ),
    };
    let events = store.events().latest(&run.id, EVENTS_SHOWN).await?;
    let totals = store.usage().run_totals(run.id.as_str()).await?;
    page(&RunPage {
        chrome: Chrome::for_caller(
            &caller,
            format!(
                "{} in {} · Leadforge",
                run.target_vertical, run.target_geography
            ),
            "campaigns",
        ),
        csrf: caller.csrf().to_owned(),
        phases: phase_views(&run),
        events: events.iter().rev().map(event_view).collect(),
        run: run_view(&run),
        filters: filter_view,
        table,
        usage: format!(
            "{} call(s), {} token(s), {}",
            totals.calls,
            totals.tokens,
            format::money(totals.cost)
        ),
    })
}

/// `POST /runs/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    let store = &state.svc().store;
    let run = load_run(store, &caller, &id).await?;
    pipeline::cancel_run(store, &caller.agency_id, &run.id).await?;
    Ok(see_other(&format!("/runs/{}", run.id)))
}
