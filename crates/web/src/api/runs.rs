//! Runs: start one, list, get, cancel, and a run's jobs, usage, personas, market research and
//! exports.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::RunId;
use serde::{Deserialize, Serialize};
use store::{JobFilter, Run};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiQuery, accepted, download};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// What starts a run (`startLeadGen`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartRun {
    /// The vertical, e.g. `dentist`.
    pub vertical: String,
    /// The geography, e.g. `Austin, TX`.
    pub geography: String,
    /// How many leads, 1–1,000.
    pub num_leads: u32,
    /// How many of the best leads to deep-audit, 0–1,000 (default: the server's setting).
    #[serde(default)]
    pub audit_leads: Option<u32>,
    /// The optional stages (all on when left out).
    #[serde(default)]
    pub stages: Option<StagesBody>,
}

/// Optional stages of a run; each defaults to on.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StagesBody {
    /// Business and decision-maker personas, and mapping leads and people to them.
    #[serde(default = "yes")]
    pub personas: bool,
    /// Finding decision makers.
    #[serde(default = "yes")]
    pub decision_makers: bool,
    /// The market research report.
    #[serde(default = "yes")]
    pub market_research: bool,
}

fn yes() -> bool {
    true
}

impl From<StagesBody> for pipeline::Stages {
    fn from(s: StagesBody) -> Self {
        Self {
            personas: s.personas,
            decision_makers: s.decision_makers,
            market_research: s.market_research,
        }
    }
}

/// A started run.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    /// The run's id (the seeds' `jobId`): watch it at `/api/runs/{jobId}`.
    pub job_id: String,
    /// `workflowStatus`.
    pub workflow_status: String,
}

/// One phase of a run.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhaseView {
    /// Phase name.
    pub name: String,
    /// `pending`, `running`, `complete`, `error`, `skipped`, `cancelled`.
    pub status: String,
    /// Items finished.
    pub done: u64,
    /// Items to do (0 when not counted).
    pub total: u64,
    /// Started, epoch ms.
    pub started_at: Option<i64>,
    /// Finished, epoch ms.
    pub finished_at: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Calls, tokens and cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageView {
    /// Calls made (cache hits excluded).
    pub calls: u64,
    /// Tokens in and out.
    pub tokens: u64,
    /// Dollars at list prices.
    pub cost: f64,
}

impl From<store::UsageTotals> for UsageView {
    fn from(t: store::UsageTotals) -> Self {
        Self {
            calls: t.calls,
            tokens: t.tokens,
            cost: t.cost,
        }
    }
}

/// Jobs by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobCountsView {
    /// Waiting.
    pub queued: u64,
    /// Held by a worker.
    pub running: u64,
    /// Finished.
    pub done: u64,
    /// Given up.
    pub dead: u64,
    /// Cancelled.
    pub cancelled: u64,
}

impl From<store::JobCounts> for JobCountsView {
    fn from(c: store::JobCounts) -> Self {
        Self {
            queued: c.queued,
            running: c.running,
            done: c.done,
            dead: c.dead,
            cancelled: c.cancelled,
        }
    }
}

/// A run (`lead_gen_flow`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    /// Id.
    pub id: String,
    /// `queued`, `running`, `completed`, `failed`, `cancelled`.
    pub workflow_status: String,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// Leads asked for.
    pub num_leads: u32,
    /// Places fetched by sourcing.
    pub num_leads_fetched: Option<u32>,
    /// Which places provider answered.
    pub places_provider: Option<String>,
    /// 0–100.
    pub progress: f64,
    /// Phases in order.
    pub phases: Vec<PhaseView>,
    /// `lastEvent`.
    pub last_event: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The run's parameters (stages, leads to audit).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Started, epoch ms.
    pub started_at: Option<i64>,
    /// Finished, epoch ms.
    pub finished_at: Option<i64>,
    /// Calls, tokens and cost so far (with `GET /api/runs/{id}` only).
    pub usage: Option<UsageView>,
    /// Its jobs by status (with `GET /api/runs/{id}` only).
    pub jobs: Option<JobCountsView>,
}

impl RunView {
    fn of(run: &Run) -> Self {
        Self {
            id: run.id.to_string(),
            workflow_status: run.workflow_status.as_str().to_owned(),
            target_vertical: run.target_vertical.clone(),
            target_geography: run.target_geography.clone(),
            num_leads: run.num_leads,
            num_leads_fetched: run.num_leads_fetched,
            places_provider: run.places_provider.clone(),
            progress: run.progress,
            phases: run
                .phases
                .iter()
                .map(|p| PhaseView {
                    name: p.name.as_str().to_owned(),
                    status: p.status.as_str().to_owned(),
                    done: p.done,
                    total: p.total,
                    started_at: p.started_at,
                    finished_at: p.finished_at,
                    error: p.error.clone(),
                })
                .collect(),
            last_event: run.last_event.clone(),
            error: run.error.clone(),
            params: run.params.clone(),
            created_at: run.created_at,
            started_at: run.started_at,
            finished_at: run.finished_at,
            usage: None,
            jobs: None,
        }
    }
}

/// A page of runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunList {
    /// Newest first.
    pub items: Vec<RunView>,
}

/// `?limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListRuns {
    /// At most this many, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// A run id from the path: malformed ids are simply not found.
pub(crate) fn run_id(text: &str) -> ApiResult<RunId> {
    RunId::parse(text).map_err(|_| ApiError::not_found("run"))
}

/// The caller's run, or 404.
pub(crate) async fn owned_run(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Run> {
    let id = run_id(id)?;
    state
        .svc()
        .store
        .runs()
        .get_for_agency(&caller.agency_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("run"))
}

/// Start a run: validated, queued, and picked up by the workers.
#[utoipa::path(post, path = "/runs", tag = "runs", request_body = StartRun,
    responses(
        (status = 202, description = "Queued", body = Started),
        (status = 400, description = "A field is invalid (the message names it)", body = ErrorBody),
        (status = 401, body = ErrorBody),
    ))]
pub async fn start_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<StartRun>,
) -> ApiResult<Response> {
    let request = pipeline::CampaignRequest {
        agency_id: caller.agency_id.clone(),
        user_id: caller.user_id.clone(),
        vertical: body.vertical,
        geography: body.geography,
        num_leads: body.num_leads,
        audit_leads: body.audit_leads,
        stages: body.stages.map_or(pipeline::Stages::ALL, Into::into),
    };
    let run = pipeline::start_run(&state.svc().store, request)
        .await
        .map_err(campaign_error)?;
    Ok(accepted(Started {
        job_id: run.id.to_string(),
        workflow_status: run.workflow_status.as_str().to_owned(),
    }))
}

/// A campaign error as a 400 naming the field, or a 500.
pub(crate) fn campaign_error(e: pipeline::CampaignError) -> ApiError {
    use pipeline::CampaignError as E;
    match e {
        E::LeadsOutOfRange(_) => ApiError::invalid("numLeads", &e),
        E::AuditLeadsOutOfRange(_) => ApiError::invalid("auditLeads", &e),
        E::EmptyVertical => ApiError::invalid("vertical", "must not be empty"),
        E::EmptyGeography => ApiError::invalid("geography", "must not be empty"),
        E::TooLong { field, .. } => ApiError::invalid(field, &e),
        E::Store(s) => s.into(),
    }
}

/// The agency's runs, newest first.
#[utoipa::path(get, path = "/runs", tag = "runs", params(ListRuns),
    responses((status = 200, body = RunList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListRuns>,
) -> ApiResult<Json<RunList>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1–200, got {limit}"),
        ));
    }
    let runs = state
        .svc()
        .store
        .runs()
        .list(&caller.agency_id, limit)
        .await?;
    Ok(Json(RunList {
        items: runs.iter().map(RunView::of).collect(),
    }))
}

/// One run with its phases, progress, usage and job counts.
#[utoipa::path(get, path = "/runs/{id}", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = RunView), (status = 404, body = ErrorBody)))]
pub async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RunView>> {
    let run = owned_run(&state, &caller, &id).await?;
    let store = &state.svc().store;
    let mut view = RunView::of(&run);
    view.usage = Some(store.usage().run_totals(run.id.as_str()).await?.into());
    view.jobs = Some(store.jobs().counts_for_run(&run.id).await?.into());
    Ok(Json(view))
}

/// What cancelling did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cancelled {
    /// The run.
    pub id: String,
    /// `cancelled`, or the status it had already ended with.
    pub workflow_status: String,
    /// False when the run had already ended.
    pub cancelled: bool,
}

/// Cancel a run: queued jobs are cancelled, running ones stop at their next step.
#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = Cancelled), (status = 404, body = ErrorBody)))]
pub async fn cancel_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Cancelled>> {
    let run = owned_run(&state, &caller, &id).await?;
    let outcome = pipeline::cancel_run(&state.svc().store, &caller.agency_id, &run.id).await?;
    Ok(Json(match outcome {
        pipeline::CancelOutcome::Cancelled => Cancelled {
            id: run.id.to_string(),
            workflow_status: "cancelled".into(),
            cancelled: true,
        },
        pipeline::CancelOutcome::AlreadyEnded(status) => Cancelled {
            id: run.id.to_string(),
            workflow_status: status.as_str().to_owned(),
            cancelled: false,
        },
    }))
}

/// One job of a run.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    /// Id.
    pub id: String,
    /// Kind (`source`, `scrape_content`, …).
    pub kind: String,
    /// `queued`, `running`, `done`, `dead`, `cancelled`.
    pub status: String,
    /// Attempts started.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// The latest failure.
    pub last_error: Option<String>,
    /// Parent job.
    pub parent_id: Option<String>,
    /// Enqueued, epoch ms.
    pub created_at: i64,
    /// First claimed, epoch ms.
    pub started_at: Option<i64>,
    /// Finished, epoch ms.
    pub finished_at: Option<i64>,
}

/// A run's jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    /// Oldest first.
    pub items: Vec<JobView>,
    /// By status.
    pub counts: JobCountsView,
}

/// `?status=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListJobs {
    /// Only jobs in this status.
    pub status: Option<String>,
    /// At most this many, 1–1000 (default 500).
    pub limit: Option<u32>,
}

/// The run's jobs, with attempts and last errors (the seeds' check-jobs).
#[utoipa::path(get, path = "/runs/{id}/jobs", tag = "runs",
    params(("id" = String, Path, description = "Run id"), ListJobs),
    responses((status = 200, body = JobList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn run_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListJobs>,
) -> ApiResult<Json<JobList>> {
    let run = owned_run(&state, &caller, &id).await?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            store::JobStatus::parse(s).map_err(|_| {
                ApiError::invalid(
                    "status",
                    format!("{s:?} is not one of queued, running, done, dead, cancelled"),
                )
            })
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1–1000, got {limit}"),
        ));
    }
    let store = &state.svc().store;
    let jobs = store
        .jobs()
        .list(&JobFilter {
            run_id: Some(run.id.clone()),
            status,
            limit,
            ..JobFilter::default()
        })
        .await?;
    let c = store.jobs().counts_for_run(&run.id).await?;
    Ok(Json(JobList {
        items: jobs
            .into_iter()
            .map(|j| JobView {
                id: j.id.to_string(),
                kind: j.kind,
                status: j.status.as_str().to_owned(),
                attempts: j.attempts,
                max_attempts: j.max_attempts,
                last_error: j.last_error,
                parent_id: j.parent_id.map(|p| p.to_string()),
                created_at: j.created_at,
                started_at: j.started_at,
                finished_at: j.finished_at,
            })
            .collect(),
        counts: c.into(),
    }))
}

/// Usage of one provider or one lead.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageLine {
    /// Calls (cache hits excluded).
    pub calls: u64,
    /// Calls answered from the cache.
    pub cache_hits: u64,
    /// Failed or rate-limited calls.
    pub errors: u64,
    /// Tokens in and out.
    pub tokens: u64,
    /// Dollars.
    pub cost: f64,
}

/// A run's usage and cost: in all, per provider, per lead.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunUsage {
    /// The run.
    pub run_id: String,
    /// Totals.
    pub total: UsageLine,
    /// Per provider (`serper`, `openai`, …).
    pub by_provider: BTreeMap<String, UsageLine>,
    /// Per operation (`places.search`, `llm.generate_dossier`, …).
    pub by_operation: BTreeMap<String, UsageLine>,
    /// Per lead (opportunity id); calls not made for one lead are left out.
    pub by_lead: BTreeMap<String, UsageLine>,
}

fn add(line: &mut UsageLine, row: &store::UsageRow) {
    if row.status == "cache_hit" {
        line.cache_hits += 1;
        return;
    }
    line.calls += 1;
    if row.status != "ok" {
        line.errors += 1;
    }
    line.tokens += row.tokens_in + row.tokens_out;
    line.cost += row.cost_usd;
}

/// Per-run usage from its rows.
pub(crate) fn run_usage_of(run_id: &str, rows: &[store::UsageRow]) -> RunUsage {
    let mut usage = RunUsage {
        run_id: run_id.to_owned(),
        total: UsageLine::default(),
        by_provider: BTreeMap::new(),
        by_operation: BTreeMap::new(),
        by_lead: BTreeMap::new(),
    };
    for row in rows {
        add(&mut usage.total, row);
        add(
            usage.by_provider.entry(row.provider.clone()).or_default(),
            row,
        );
        add(
            usage.by_operation.entry(row.operation.clone()).or_default(),
            row,
        );
        if let Some(lead) = &row.opportunity_id {
            add(usage.by_lead.entry(lead.clone()).or_default(), row);
        }
    }
    usage
}

/// The run's calls, tokens and cost, in all, per provider, per operation and per lead.
#[utoipa::path(get, path = "/runs/{id}/usage", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = RunUsage), (status = 404, body = ErrorBody)))]
pub async fn run_usage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RunUsage>> {
    let run = owned_run(&state, &caller, &id).await?;
    let rows = state.svc().store.usage().for_run(run.id.as_str()).await?;
    Ok(Json(run_usage_of(run.id.as_str(), &rows)))
}

/// One persona.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonaView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Who wrote it (`openai`, `rules`, …).
    pub provider: String,
    /// Whether its vector is computed.
    pub embedded: bool,
    /// The persona (goals, pains, triggers, objections, titles, …).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A run's personas.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonasView {
    /// True when the run made none of its own and these are the agency's latest.
    pub inherited: bool,
    /// Business personas.
    pub business: Vec<PersonaView>,
    /// Decision-maker personas.
    pub decision_makers: Vec<PersonaView>,
}

fn persona_view(p: &store::StoredPersona) -> PersonaView {
    PersonaView {
        id: p.id.clone(),
        name: p.name.clone(),
        provider: p.provider.clone(),
        embedded: p.embedding.is_some(),
        data: p.data.clone(),
    }
}

/// The run's business and decision-maker personas.
#[utoipa::path(get, path = "/runs/{id}/personas", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = PersonasView), (status = 404, body = ErrorBody)))]
pub async fn run_personas(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonasView>> {
    let run = owned_run(&state, &caller, &id).await?;
    let personas = state.svc().store.personas();
    let mut inherited = false;
    let mut business = personas
        .for_run(store::PersonaKind::Business, &caller.agency_id, &run.id)
        .await?;
    let mut people = personas
        .for_run(
            store::PersonaKind::DecisionMaker,
            &caller.agency_id,
            &run.id,
        )
        .await?;
    if business.is_empty() && people.is_empty() {
        inherited = true;
        business = personas
            .latest_for_agency(store::PersonaKind::Business, &caller.agency_id)
            .await?;
        people = personas
            .latest_for_agency(store::PersonaKind::DecisionMaker, &caller.agency_id)
            .await?;
    }
    Ok(Json(PersonasView {
        inherited,
        business: business.iter().map(persona_view).collect(),
        decision_makers: people.iter().map(persona_view).collect(),
    }))
}

/// A run's market research.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResearchView {
    /// The run.
    pub run_id: String,
    /// Who wrote the prose (`openai`, `rules`, …).
    pub provider: String,
    /// Written, epoch ms.
    pub created_at: i64,
    /// The report: figures computed from the run's leads and audits, and the prose sections.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

/// The run's market research report (404 until the `market_research` phase wrote it).
#[utoipa::path(get, path = "/runs/{id}/market-research", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = ResearchView), (status = 404, body = ErrorBody)))]
pub async fn run_market_research(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ResearchView>> {
    let run = owned_run(&state, &caller, &id).await?;
    let research = state
        .svc()
        .store
        .reports()
        .research_for_run(&caller.agency_id, &run.id)
        .await?
        .ok_or_else(|| ApiError::not_found("market research"))?;
    Ok(Json(ResearchView {
        run_id: run.id.to_string(),
        provider: research.provider,
        created_at: research.created_at,
        report: research.report,
    }))
}

/// The run's leads as CSV, in rank order.
#[utoipa::path(get, path = "/runs/{id}/export.csv", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "CSV, one row per lead", content_type = "text/csv"), (status = 404, body = ErrorBody)))]
pub async fn export_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let run = owned_run(&state, &caller, &id).await?;
    let bytes = pipeline::export::export_csv(&state.svc().store, &caller.agency_id, &run.id)
        .await
        .map_err(ApiError::from)?;
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        &format!("leadforge-{}.csv", run.id),
    ))
}

/// The run as one JSON document (the same as `leadforge run --json`).
#[utoipa::path(get, path = "/runs/{id}/export.json", tag = "runs",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "The run document", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub async fn export_json(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let run = owned_run(&state, &caller, &id).await?;
    let bytes = pipeline::export::export_json(&state.svc().store, &caller.agency_id, &run.id)
        .await
        .map_err(ApiError::from)?;
    Ok(download(
        bytes,
        "application/json",
        &format!("leadforge-{}.json", run.id),
    ))
}
