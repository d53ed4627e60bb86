//! Leads: the filtered, sorted, paged list; one lead with its dossier, pages, contacts,
//! decision makers and persona; its status and meeting time; a deep audit; page content.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::{LeadStatus, OpportunityId, RunId};
use serde::{Deserialize, Serialize};
use store::{Opportunity, OpportunityQuery, OpportunitySort};
use utoipa::{IntoParams, ToSchema};

use super::runs::UsageView;
use super::{ApiJson, ApiQuery, accepted};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// The persona a lead or person was mapped to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonaRef {
    /// Persona id.
    pub id: String,
    /// Its name, when the persona still exists.
    pub name: Option<String>,
    /// Cosine similarity (absent for heuristic matches).
    pub score: Option<f64>,
}

/// A lead as listed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityView {
    /// Id.
    pub id: String,
    /// Rank in the run filtered on (with `?run=`).
    pub rank: Option<u32>,
    /// Name.
    pub name: String,
    /// Provider place id.
    pub place_id: String,
    /// Registrable domain.
    pub domain: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// E.164 phone.
    pub phone: Option<String>,
    /// Best e-mail.
    pub email: Option<String>,
    /// Every e-mail found.
    pub emails: Vec<String>,
    /// Address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Google rating.
    pub rating: Option<f64>,
    /// Reviews.
    pub reviews_count: Option<u32>,
    /// Categories.
    pub categories: Vec<String>,
    /// Lifecycle status (`SOURCED` … `READY`, `CONTACTED`, `MEETING_BOOKED`, …).
    pub status: String,
    /// `meeting_time`, epoch ms.
    pub meeting_time: Option<i64>,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// `qualificationScore`, 0–100.
    pub qualification_score: u8,
    /// Signals.
    pub signals: Vec<String>,
    /// `fit_reason`.
    pub fit_reason: Option<String>,
    /// Mapped business persona.
    pub persona: Option<PersonaRef>,
    /// The run that last sourced it.
    pub lead_gen_flow_id: Option<String>,
    /// Updated, epoch ms.
    pub updated_at: i64,
}

impl OpportunityView {
    pub(crate) fn of(o: &Opportunity, rank: Option<u32>) -> Self {
        Self {
            id: o.id.to_string(),
            rank,
            name: o.name.clone(),
            place_id: o.place_id.clone(),
            domain: o.domain.clone(),
            website: o.website.clone(),
            phone: o.phone.clone(),
            email: o.email.clone(),
            emails: o.emails.clone(),
            address: o.address.clone(),
            city: o.city.clone(),
            rating: o.rating,
            reviews_count: o.reviews_count,
            categories: o.categories.clone(),
            status: o.status.clone(),
            meeting_time: o.meeting_time,
            target_vertical: o.target_vertical.clone(),
            target_geography: o.target_geography.clone(),
            qualification_score: o.qualification_score,
            signals: o.signals.clone(),
            fit_reason: o.fit_reason.clone(),
            persona: o.persona_id.as_ref().map(|id| PersonaRef {
                id: id.clone(),
                name: None,
                score: o.persona_score,
            }),
            lead_gen_flow_id: o.lead_gen_flow_id.clone(),
            updated_at: o.updated_at,
        }
    }
}

/// Filters, sort and page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOpportunities {
    /// Only the leads this run sourced (adds their rank).
    pub run: Option<String>,
    /// `targetVertical`, exactly.
    pub vertical: Option<String>,
    /// `targetGeography`, exactly.
    pub geography: Option<String>,
    /// Lifecycle status, e.g. `READY`.
    pub status: Option<String>,
    /// A signal name, e.g. `NO_HTTPS`.
    pub signal: Option<String>,
    /// Minimum `qualificationScore`, 0–100.
    pub min_score: Option<u8>,
    /// `score` (default), `rank`, `name`, `rating`, `reviews`, `updated`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default: best first, names A–Z, rank 1 first).
    pub order: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
}

/// One page of leads.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityPageView {
    /// Leads matching the filters.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Rows skipped.
    pub offset: u64,
    /// This page.
    pub items: Vec<OpportunityView>,
}

/// Checks the list's parameters, naming the one at fault.
pub fn parse_query(q: ListOpportunities) -> ApiResult<OpportunityQuery> {
    let run = q
        .run
        .as_deref()
        .map(|r| RunId::parse(r).map_err(|_| ApiError::invalid("run", "not a run id")))
        .transpose()?;
    let status = q
        .status
        .map(|s| {
            LeadStatus::parse(&s)
                .map(|st| st.as_str().to_owned())
                .map_err(|e| ApiError::invalid("status", e))
        })
        .transpose()?;
    let signal = q
        .signal
        .map(|s| {
            domain::Signal::parse(&s)
                .map(|sig| sig.as_str().to_owned())
                .map_err(|e| ApiError::invalid("signal", e))
        })
        .transpose()?;
    if let Some(m) = q.min_score.filter(|m| *m > 100) {
        return Err(ApiError::invalid(
            "minScore",
            format!("must be 0–100, got {m}"),
        ));
    }
    let sort = match q.sort.as_deref() {
        None => OpportunitySort::Score,
        Some(s) => OpportunitySort::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "sort",
                format!("{s:?} is not one of score, rank, name, rating, reviews, updated"),
            )
        })?,
    };
    let descending = match q.order.as_deref() {
        None => sort.default_descending(),
        Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            return Err(ApiError::invalid(
                "order",
                format!("{o:?} is not asc or desc"),
            ));
        }
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1–200, got {limit}"),
        ));
    }
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    Ok(OpportunityQuery {
        run,
        vertical: non_empty(q.vertical),
        geography: non_empty(q.geography),
        status,
        signal,
        min_score: q.min_score,
        sort,
        descending,
        limit,
        offset: q.offset.unwrap_or(0),
    })
}

/// The agency's leads, filtered by run, vertical, geography, status, signal and score, sorted
/// and paged.
#[utoipa::path(get, path = "/opportunities", tag = "opportunities", params(ListOpportunities),
    responses((status = 200, body = OpportunityPageView), (status = 400, description = "A parameter is invalid (the message names it)", body = ErrorBody)))]
pub async fn list_opportunities(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListOpportunities>,
) -> ApiResult<Json<OpportunityPageView>> {
    let query = parse_query(q)?;
    let page = state
        .svc()
        .store
        .opportunities()
        .search(&caller.agency_id, &query)
        .await?;
    Ok(Json(OpportunityPageView {
        total: page.total,
        limit: query.limit,
        offset: query.offset,
        items: page
            .items
            .iter()
            .map(|(rank, o)| OpportunityView::of(o, *rank))
            .collect(),
    }))
}

/// An opportunity id from the path: malformed ids are simply not found.
pub(crate) fn opportunity_id(text: &str) -> ApiResult<OpportunityId> {
    OpportunityId::parse(text).map_err(|_| ApiError::not_found("opportunity"))
}

async fn owned(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Opportunity> {
    let id = opportunity_id(id)?;
    state
        .svc()
        .store
        .opportunities()
        .get(&caller.agency_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("opportunity"))
}

/// A scraped page of the lead's latest audit.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    /// Page id.
    pub id: Option<String>,
    /// URL as selected.
    pub url: String,
    /// Where it ended after redirects.
    pub final_url: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// HTTP status.
    pub http_status: Option<u16>,
    /// The stored Markdown: `GET /api/content?ref=…`.
    pub content_ref: Option<String>,
    /// Words of main content.
    pub word_count: Option<u64>,
    /// `crawler` or `firecrawl`.
    pub fetched_via: Option<String>,
    /// Why it could not be scraped.
    pub error: Option<String>,
    /// Site checks on this page.
    #[schema(value_type = Object)]
    pub findings: serde_json::Value,
}

/// How to reach the lead.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactsView {
    /// E.164 phone.
    pub phone: Option<String>,
    /// Best e-mail.
    pub email: Option<String>,
    /// Every e-mail found on its pages.
    pub emails: Vec<String>,
    /// Website.
    pub website: Option<String>,
}

/// A decision maker.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionMakerView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Profile URL.
    pub profile_url: Option<String>,
    /// `linkedin_search`, `website` or both.
    pub source: String,
    /// The page that named them.
    pub source_url: Option<String>,
    /// Mapped decision-maker persona.
    pub persona: Option<PersonaRef>,
    /// `embedding`, `embedding_llm_tiebreak` or `heuristic`.
    pub persona_method: Option<String>,
}

/// An audit of the lead.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    /// Id.
    pub id: String,
    /// Status.
    pub status: String,
    /// The website audited.
    pub target_url: Option<String>,
    /// The run that selected it (none for one started by hand).
    pub run_id: Option<String>,
    /// Steps with their status.
    #[schema(value_type = Object)]
    pub phases: serde_json::Value,
    /// Why it failed.
    pub error: Option<String>,
    /// Created, epoch ms.
    pub created_at: i64,
}

/// One lead with everything known about it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityDetail {
    /// The lead.
    pub opportunity: OpportunityView,
    /// Its newest dossier (`summary`, `identified_gaps`, `talking_points`, `sources`).
    #[schema(value_type = Object)]
    pub dossier: Option<serde_json::Value>,
    /// Its audits, newest first.
    pub audits: Vec<AuditView>,
    /// The pages of the newest audit.
    pub pages: Vec<PageView>,
    /// How to reach it.
    pub contacts: ContactsView,
    /// Its decision makers, most senior first.
    pub decision_makers: Vec<DecisionMakerView>,
    /// Its outreach draft (call script and first e-mail).
    #[schema(value_type = Object)]
    pub outreach: Option<serde_json::Value>,
    /// Calls, tokens and cost spent on it.
    pub usage: UsageView,
}

/// Persona names by id: the run's personas, then the agency's latest set (a run without its
/// own personas maps to those). The API's and the UI's lead views both use it.
pub(crate) async fn persona_names(
    store: &store::Store,
    agency: &domain::AgencyId,
    run: Option<&RunId>,
) -> Result<std::collections::HashMap<String, String>, store::StoreError> {
    let personas = store.personas();
    let mut names = std::collections::HashMap::new();
    for kind in [
        store::PersonaKind::Business,
        store::PersonaKind::DecisionMaker,
    ] {
        if let Some(run) = run {
            for p in personas.for_run(kind, agency, run).await? {
                names.entry(p.id).or_insert(p.name);
            }
        }
        for p in personas.latest_for_agency(kind, agency).await? {
            names.entry(p.id).or_insert(p.name);
        }
    }
    Ok(names)
}

/// One lead: dossier, pages, contacts, decision makers, persona, outreach and usage.
#[utoipa::path(get, path = "/opportunities/{id}", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")),
    responses((status = 200, body = OpportunityDetail), (status = 404, body = ErrorBody)))]
pub async fn get_opportunity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OpportunityDetail>> {
    let o = owned(&state, &caller, &id).await?;
    let store = &state.svc().store;
    let agency = &caller.agency_id;
    let run = o
        .lead_gen_flow_id
        .as_deref()
        .and_then(|r| RunId::parse(r).ok());
    let names = persona_names(store, agency, run.as_ref()).await?;
    let audits = store.audits().for_opportunity(agency, &o.id).await?;
    let mut pages = Vec::new();
    if let Some(latest) = audits.first() {
        let ids: std::collections::HashMap<String, String> = store
            .audits()
            .page_ids(agency, &latest.id)
            .await?
            .into_iter()
            .map(|(id, url)| (url, id))
            .collect();
        pages = store
            .audits()
            .pages(agency, &latest.id)
            .await?
            .into_iter()
            .map(|p| PageView {
                id: ids.get(&p.url).cloned(),
                url: p.url,
                final_url: p.final_url,
                title: p.title,
                http_status: p.http_status,
                content_ref: p.content_ref,
                word_count: p.word_count,
                fetched_via: p.fetched_via,
                error: p.error,
                findings: p.findings,
            })
            .collect();
    }
    let dossier = store
        .audits()
        .latest_dossier(agency, &o.id)
        .await?
        .map(|d| serde_json::to_value(d).map_err(ApiError::internal))
        .transpose()?;
    let people = store
        .decision_makers()
        .for_opportunity(agency, &o.id)
        .await?;
    let outreach = store
        .reports()
        .draft_for(agency, &o.id)
        .await?
        .map(|d| d.draft);
    let usage = store.usage().lead_totals(o.id.as_str()).await?.into();
    let mut view = OpportunityView::of(&o, None);
    if let Some(p) = &mut view.persona {
        p.name = names.get(&p.id).cloned();
    }
    Ok(Json(OpportunityDetail {
        contacts: ContactsView {
            phone: o.phone.clone(),
            email: o.email.clone(),
            emails: o.emails.clone(),
            website: o.website.clone(),
        },
        opportunity: view,
        dossier,
        audits: audits
            .iter()
            .map(|a| AuditView {
                id: a.id.clone(),
                status: a.status.as_str().to_owned(),
                target_url: a.target_url.clone(),
                run_id: a.lead_gen_flow_id.as_ref().map(ToString::to_string),
                phases: serde_json::to_value(&a.phases).unwrap_or_default(),
                error: a.error.clone(),
                created_at: a.created_at,
            })
            .collect(),
        pages,
        decision_makers: people
            .into_iter()
            .map(|d| DecisionMakerView {
                persona: d.persona_id.as_ref().map(|id| PersonaRef {
                    id: id.clone(),
                    name: names.get(id).cloned(),
                    score: d.persona_score,
                }),
                id: d.id,
                name: d.name,
                title: d.title,
                profile_url: d.profile_url,
                source: d.source,
                source_url: d.source_url,
                persona_method: d.persona_method,
            })
            .collect(),
        outreach,
        usage,
    }))
}

/// A change to a lead made by a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateOpportunity {
    /// A worked status: `CONTACTED`, `MEETING_BOOKED`, `WON`, `LOST`, `DISQUALIFIED`.
    #[serde(default)]
    pub status: Option<String>,
    /// The meeting, epoch ms; `null` clears it. Setting one without a status books the
    /// meeting (`MEETING_BOOKED`).
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>)]
    pub meeting_time: Option<Option<i64>>,
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`).
fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// Mark a lead contacted (or another worked status) and set or clear its `meeting_time`.
#[utoipa::path(patch, path = "/opportunities/{id}", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")), request_body = UpdateOpportunity,
    responses((status = 200, body = OpportunityView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The status cannot follow the current one", body = ErrorBody)))]
pub async fn update_opportunity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOpportunity>,
) -> ApiResult<Json<OpportunityView>> {
    let o = owned(&state, &caller, &id).await?;
    if body.status.is_none() && body.meeting_time.is_none() {
        return Err(ApiError::invalid(
            "body",
            "give `status`, `meetingTime` or both",
        ));
    }
    let mut status = body
        .status
        .as_deref()
        .map(|s| LeadStatus::parse(s).map_err(|e| ApiError::invalid("status", e)))
        .transpose()?;
    if let Some(s) = status
        && !s.is_worked()
    {
        return Err(ApiError::invalid(
            "status",
            format!(
                "{} is set by the pipeline; a user sets CONTACTED, MEETING_BOOKED, WON, LOST or DISQUALIFIED",
                s.as_str()
            ),
        ));
    }
    if let Some(Some(t)) = body.meeting_time {
        // Between 2000-01-01 and 2100-01-01: anything else is a unit mistake (seconds, µs).
        if !(946_684_800_000..=4_102_444_800_000).contains(&t) {
            return Err(ApiError::invalid(
                "meetingTime",
                "must be epoch milliseconds between the years 2000 and 2100",
            ));
        }
        status.get_or_insert(LeadStatus::MeetingBooked);
    }
    let current = LeadStatus::parse(&o.status).map_err(ApiError::internal)?;
    let store = &state.svc().store;
    if let Some(to) = status {
        if !domain::can_transition(current, to) {
            return Err(ApiError::conflict(format!(
                "a lead cannot go from {} to {}",
                current.as_str(),
                to.as_str()
            )));
        }
        store
            .opportunities()
            .set_status(&caller.agency_id, &o.id, to.as_str())
            .await?;
    }
    if let Some(t) = body.meeting_time {
        store
            .opportunities()
            .set_meeting_time(&caller.agency_id, &o.id, t)
            .await?;
    }
    let updated = owned(&state, &caller, &id).await?;
    Ok(Json(OpportunityView::of(&updated, None)))
}

/// A started deep audit.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditStarted {
    /// The audit's id.
    pub audit_id: String,
    /// Its status.
    pub status: String,
}

/// Start a deep audit of one lead (map, pick and scrape its site, write its dossier).
#[utoipa::path(post, path = "/opportunities/{id}/audit", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")),
    responses((status = 202, body = AuditStarted), (status = 404, body = ErrorBody)))]
pub async fn start_audit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let o = owned(&state, &caller, &id).await?;
    let audit =
        pipeline::audit::start_audit(state.svc(), &caller.agency_id, &caller.user_id, &o.id)
            .await?;
    Ok(accepted(AuditStarted {
        audit_id: audit.id,
        status: audit.status.as_str().to_owned(),
    }))
}

/// `?ref=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    /// A page's `contentRef`.
    #[serde(rename = "ref")]
    pub content_ref: String,
}

/// A scraped page's stored Markdown, by its `contentRef`.
#[utoipa::path(get, path = "/content", tag = "opportunities", params(ContentQuery),
    responses((status = 200, description = "The page's main content as Markdown", content_type = "text/markdown"),
        (status = 404, body = ErrorBody)))]
pub async fn page_content(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ContentQuery>,
) -> ApiResult<Response> {
    let r = store::ContentRef::parse(&q.content_ref).map_err(|_| ApiError::not_found("content"))?;
    let svc = state.svc();
    svc.store
        .audits()
        .page_by_content_ref(&caller.agency_id, r.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found("content"))?;
    let bytes = svc.blobs.get(&r).await.map_err(|e| match e {
        store::BlobError::NotFound(_) => ApiError::not_found("content"),
        other => ApiError::internal(other),
    })?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    Ok(res)
}
