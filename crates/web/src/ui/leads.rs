//! The lead page: the opportunity, its dossier (each gap linked to the page that shows it),
//! talking points with the approved claims they rest on, scraped pages, contacts, decision
//! makers, persona, outreach draft and cost; and the forms that work the lead.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use domain::{LeadStatus, OpportunityId, RunId};
use serde::Deserialize;
use serde_json::Value;
use store::{Opportunity, ScrapedPage, Store};

use super::{Chrome, CsrfForm, UiError, UiResult, check_csrf, evidence, format, page, see_other};
use crate::AppState;
use crate::api::opportunities::persona_names;
use crate::auth::{Caller, UiCaller};

/// The statuses a user may set (the pipeline sets the others).
const WORKED: [LeadStatus; 5] = [
    LeadStatus::Contacted,
    LeadStatus::MeetingBooked,
    LeadStatus::Won,
    LeadStatus::Lost,
    LeadStatus::Disqualified,
];

struct GapView {
    key: String,
    value: String,
    source_url: Option<String>,
    evidence: Option<String>,
}

struct PointView {
    text: String,
    claim_id: String,
    claim_text: Option<String>,
    source: Option<String>,
}

struct PageRow {
    link: Option<String>,
    url: String,
    title: String,
    status: String,
}

struct PersonView {
    name: String,
    title: String,
    profile_url: Option<String>,
    source: String,
    persona: String,
}

struct DraftView {
    opener: String,
    reason: String,
    points: Vec<String>,
    question: String,
    close: String,
    subject: String,
    body: String,
}

struct Header {
    id: String,
    name: String,
    phone: Option<String>,
    website: Option<String>,
    address: String,
    rating: String,
    status: String,
    score: u8,
    badges: Vec<format::Badge>,
    fit_reason: Option<String>,
    meeting: Option<String>,
    run_id: Option<String>,
    emails: Vec<String>,
}

#[derive(Template)]
#[template(path = "lead.html")]
struct LeadPage {
    chrome: Chrome,
    lead: Header,
    summary: Option<String>,
    gaps: Vec<GapView>,
    points: Vec<PointView>,
    pages: Vec<PageRow>,
    people: Vec<PersonView>,
    persona: Option<String>,
    draft: Option<DraftView>,
    audit_status: Option<String>,
    usage: String,
    statuses: Vec<&'static str>,
}

/// The caller's lead `id`, or 404.
pub async fn load_lead(store: &Store, caller: &Caller, id: &str) -> Result<Opportunity, UiError> {
    let Ok(id) = OpportunityId::parse(id) else {
        return Err(UiError::not_found("lead"));
    };
    store
        .opportunities()
        .get(&caller.agency_id, &id)
        .await?
        .ok_or_else(|| UiError::not_found("lead"))
}

/// The first quoted fragment of `text` (what a gap says it saw), else the whole text.
pub fn snippet(text: &str) -> &str {
    for (open, close) in [('"', '"'), ('“', '”'), ('«', '»')] {
        if let Some(start) = text.find(open) {
            let rest = &text[start + open.len_utf8()..];
            if let Some(end) = rest.find(close).filter(|e| *e > 0) {
                return &rest[..end];
            }
        }
    }
    text
}

/// A scraped page with its id.
struct Scraped {
    id: Option<String>,
    page: ScrapedPage,
}

fn page_for<'p>(pages: &'p [Scraped], url: &str) -> Option<&'p Scraped> {
    pages
        .iter()
        .find(|p| p.page.url == url || p.page.final_url.as_deref() == Some(url))
}

fn evidence_link(page: &Scraped, q: &str) -> Option<String> {
    let id = page.id.as_deref().filter(|_| page.page.is_scraped())?;
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    Some(format!("/pages/{id}?q={q}#evidence"))
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn draft_view(v: &Value) -> DraftView {
    let script = v.get("call_script").cloned().unwrap_or(Value::Null);
    let email = v.get("email").cloned().unwrap_or(Value::Null);
    DraftView {
        opener: text(&script, "opener"),
        reason: text(&script, "reason_for_call"),
        points: script
            .get("talking_points")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        question: text(&script, "question"),
        close: text(&script, "close"),
        subject: text(&email, "subject"),
        body: text(&email, "body"),
    }
}

fn name_of(names: &HashMap<String, String>, id: Option<&str>) -> Option<String> {
    let id = id?;
    Some(names.get(id).cloned().unwrap_or_else(|| id.to_owned()))
}

/// `GET /leads/{id}`.
pub async fn show(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
) -> UiResult {
    let store = &state.svc().store;
    let o = load_lead(store, &caller, &id).await?;
    let agency = &caller.agency_id;
    let dossier = store.audits().latest_dossier(agency, &o.id).await?;
    let audits = store.audits().for_opportunity(agency, &o.id).await?;
    let audit_id = dossier
        .as_ref()
        .map(|d| d.audit_job_id.clone())
        .or_else(|| audits.first().map(|a| a.id.clone()));
    let pages: Vec<Scraped> = match &audit_id {
        Some(a) => {
            let ids = store.audits().page_ids(agency, a).await?;
            store
                .audits()
                .pages(agency, a)
                .await?
                .into_iter()
                .map(|page| Scraped {
                    id: ids
                        .iter()
                        .find(|(_, u)| *u == page.url)
                        .map(|(i, _)| i.clone()),
                    page,
                })
                .collect()
        }
        None => Vec::new(),
    };
    let claims = store
        .agencies()
        .get(agency)
        .await?
        .map(|a| a.profile.approved_claims)
        .unwrap_or_default();
    // The stored Markdown of every page the dossier cites, to open each link at its passage.
    let mut texts: HashMap<String, String> = HashMap::new();
    if let Some(d) = &dossier {
        let cited = d
            .identified_gaps
            .iter()
            .filter_map(|g| g.source_url.as_ref())
            .chain(
                d.talking_points
                    .iter()
                    .filter_map(|t| t.source_url.as_ref()),
            );
        for url in cited {
            let Some(p) = page_for(&pages, url) else {
                continue;
            };
            if texts.contains_key(&p.page.url) {
                continue;
            }
            let Some(r) = p
                .page
                .content_ref
                .as_deref()
                .and_then(|r| store::ContentRef::parse(r).ok())
            else {
                continue;
            };
            if let Ok(bytes) = state.svc().blobs.get(&r).await {
                texts.insert(
                    p.page.url.clone(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                );
            }
        }
    }
    let link = |url: Option<&String>, said: &str, key: Option<&str>| {
        let page = url.and_then(|u| page_for(&pages, u))?;
        let quoted = snippet(said);
        let mut hints: Vec<&str> = Vec::new();
        if quoted != said {
            hints.push(quoted);
        }
        if let (Some(key), Some(findings)) = (key, page.page.findings.as_array()) {
            hints.extend(
                findings
                    .iter()
                    .filter(|f| f.get("key").and_then(Value::as_str) == Some(key))
                    .filter_map(|f| f.get("evidence").and_then(Value::as_str)),
            );
        }
        let q = texts
            .get(&page.page.url)
            .and_then(|md| evidence::locate(md, said, &hints))
            .unwrap_or_else(|| quoted.to_owned());
        evidence_link(page, &q)
    };
    let (summary, gaps, points) = match &dossier {
        None => (None, Vec::new(), Vec::new()),
        Some(d) => (
            Some(d.summary.clone()),
            d.identified_gaps
                .iter()
                .map(|g| GapView {
                    evidence: link(g.source_url.as_ref(), &g.value, Some(&g.key)),
                    key: g.key.clone(),
                    value: g.value.clone(),
                    source_url: g.source_url.clone(),
                })
                .collect(),
            d.talking_points
                .iter()
                .map(|t| PointView {
                    text: t.text.clone(),
                    claim_id: t.approved_claim_id.clone(),
                    claim_text: claims
                        .iter()
                        .find(|c| c.id == t.approved_claim_id)
                        .map(|c| c.text.clone()),
                    source: link(t.source_url.as_ref(), &t.text, None),
                })
                .collect(),
        ),
    };
    let page_rows = pages
        .iter()
        .map(|Scraped { id, page: p }| PageRow {
            link: id
                .as_ref()
                .filter(|_| p.is_scraped())
                .map(|id| format!("/pages/{id}")),
            url: p.final_url.clone().unwrap_or_else(|| p.url.clone()),
            title: p.title.clone().unwrap_or_default(),
            status: p
                .error
                .clone()
                .unwrap_or_else(|| p.http_status.map_or_else(|| "—".into(), |s| s.to_string())),
        })
        .collect();
    let run_id = o
        .lead_gen_flow_id
        .as_deref()
        .and_then(|r| RunId::parse(r).ok());
    let names = persona_names(store, &caller.agency_id, run_id.as_ref()).await?;
    let people = store
        .decision_makers()
        .for_opportunity(agency, &o.id)
        .await?
        .into_iter()
        .map(|d| PersonView {
            persona: name_of(&names, d.persona_id.as_deref()).map_or_else(
                || "—".into(),
                |n| match (d.persona_score, d.persona_method.as_deref()) {
                    (Some(s), Some(m)) => format!("{n} ({s:.2}, {m})"),
                    _ => n,
                },
            ),
            name: d.name,
            title: format::or_dash(d.title.as_deref()),
            profile_url: d.profile_url,
            source: d.source,
        })
        .collect();
    let method = match &run_id {
        Some(run) => store
            .opportunities()
            .mappings_for_run(agency, run)
            .await?
            .into_iter()
            .find(|m| m.id == o.id)
            .and_then(|m| m.persona_method),
        None => None,
    };
    let persona = name_of(&names, o.persona_id.as_deref()).map(|n| {
        let score = o
            .persona_score
            .map_or(String::new(), |s| format!(" · score {s:.2}"));
        let method = method.map_or(String::new(), |m| format!(" · {m}"));
        format!("{n}{score}{method}")
    });
    let draft = store
        .reports()
        .draft_for(agency, &o.id)
        .await?
        .map(|d| draft_view(&d.draft));
    let totals = store.usage().lead_totals(o.id.as_str()).await?;
    let mut emails = o.emails.clone();
    if let Some(e) = &o.email
        && !emails.contains(e)
    {
        emails.insert(0, e.clone());
    }
    page(&LeadPage {
        chrome: Chrome::for_caller(&caller, format!("{} · Leadforge", o.name), "campaigns"),
        summary,
        gaps,
        points,
        pages: page_rows,
        people,
        persona,
        draft,
        audit_status: audits.first().map(|a| a.status.as_str().to_owned()),
        usage: format!(
            "{} call(s), {} token(s), {}",
            totals.calls,
            totals.tokens,
            format::money(totals.cost)
        ),
        statuses: WORKED.iter().map(|s| s.as_str()).collect(),
        lead: Header {
            id: o.id.to_string(),
            address: format::or_dash(o.address.as_deref()),
            rating: format::rating(o.rating, o.reviews_count),
            badges: format::badges(&o.signals),
            meeting: o.meeting_time.map(format::time),
            run_id: o.lead_gen_flow_id.clone(),
            emails,
            name: o.name,
            phone: o.phone,
            website: o.website,
            status: o.status,
            score: o.qualification_score,
            fit_reason: o.fit_reason,
        },
    })
}

/// The status form.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    csrf: Option<String>,
    #[serde(default)]
    status: String,
    meeting_time: Option<String>,
}

/// `POST /leads/{id}/status`: a worked status; `MEETING_BOOKED` wants `meeting_time`.
pub async fn set_status(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    let store = &state.svc().store;
    let lead = load_lead(store, &caller, &id).await?;
    let status = LeadStatus::parse(f.status.trim())
        .ok()
        .filter(|s| WORKED.contains(s))
        .ok_or_else(|| {
            let names: Vec<&str> = WORKED.iter().map(|s| s.as_str()).collect();
            UiError::invalid("status", format!("must be one of {}", names.join(", ")))
        })?;
    if status == LeadStatus::MeetingBooked {
        let at = f
            .meeting_time
            .as_deref()
            .and_then(format::parse_datetime_local)
            .ok_or_else(|| {
                UiError::invalid(
                    "meeting_time",
                    "must be a date and time (YYYY-MM-DDTHH:MM, UTC)",
                )
            })?;
        let opportunities = store.opportunities();
        opportunities
            .set_status(&caller.agency_id, &lead.id, status.as_str())
            .await?;
        opportunities
            .set_meeting_time(&caller.agency_id, &lead.id, Some(at))
            .await?;
    } else {
        store
            .opportunities()
            .set_status(&caller.agency_id, &lead.id, status.as_str())
            .await?;
    }
    Ok(see_other(&format!("/leads/{}", lead.id)))
}

/// `POST /leads/{id}/audit`: a deep audit of this lead now; workers do the rest.
pub async fn start_audit(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    let svc = state.svc();
    let lead = load_lead(&svc.store, &caller, &id).await?;
    pipeline::audit::start_audit(svc, &caller.agency_id, &caller.user_id, &lead.id).await?;
    Ok(see_other(&format!("/leads/{}", lead.id)))
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn a_quoted_fragment_is_the_snippet() {
        assert_eq!(
            snippet("no CTA: \"Welcome to our clinic\" only"),
            "Welcome to our clinic"
        );
        assert_eq!(snippet("says “Book now” nowhere"), "Book now");
        assert_eq!(snippet("no quotes here"), "no quotes here");
        assert_eq!(snippet("a lone \" quote"), "a lone \" quote");
    }
}
