//! `dm_enrichment` (seed 002): the decision makers of each lead, in batch jobs
//! (`dm_discovery_batch`). For each business: a web search for LinkedIn profiles
//! (`site:linkedin.com/in "{business}" {city} owner OR founder OR manager`) through the search
//! chain (Serper → Google Custom Search → empty), parsed into people, kept only when they
//! plausibly work there; plus the people named on the business's own team/about pages that
//! its audit already scraped. Deduped, most senior first, capped at
//! `LINKEDIN_MAX_EMPLOYEES_PER_COMPANY`, stored with their source.

use domain::people::{self, SearchHit};
use domain::{OpportunityId, Phase, RunId};
use providers::search::SearchQuery;
use serde::{Deserialize, Serialize};
use store::{JobKind, NewDecisionMaker, NewEvent, Opportunity, Run};

use crate::adapters::RunUsage;
use crate::services::Services;
use crate::worker::{JobCtx, JobError};
use crate::workflow;

/// Finds the decision makers of a batch of a run's leads (a child of `dm_enrichment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmDiscoveryBatch {
    /// The run.
    pub run_id: RunId,
    /// The leads.
    pub opportunity_ids: Vec<OpportunityId>,
}

impl JobKind for DmDiscoveryBatch {
    const NAME: &'static str = "dm_discovery_batch";
    const PRIORITY: i32 = 6;
    const MAX_ATTEMPTS: u32 = 5;
}

/// Leads per batch.
const BATCH: usize = 5;

/// Search results asked for per business.
const RESULTS: u32 = 10;

/// The phase's children: the run's leads in batches.
pub(crate) async fn children(
    svc: &Services,
    run: &Run,
) -> anyhow::Result<Vec<(DmDiscoveryBatch, String)>> {
    let leads = svc
        .store
        .opportunities()
        .list_for_run(&run.agency_id, &run.id)
        .await?;
    let ids: Vec<OpportunityId> = leads.into_iter().map(|l| l.opportunity.id).collect();
    Ok(ids
        .chunks(BATCH)
        .enumerate()
        .map(|(i, chunk)| {
            (
                DmDiscoveryBatch {
                    run_id: run.id.clone(),
                    opportunity_ids: chunk.to_vec(),
                },
                format!("run:{}:dm:{i}", run.id),
            )
        })
        .collect())
}

/// The LinkedIn search for a business's people.
pub fn linkedin_query(lead: &Opportunity) -> String {
    let name = lead.name.replace('"', "");
    match lead.city.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(city) => {
            format!("site:linkedin.com/in \"{name}\" {city} owner OR founder OR manager")
        }
        None => format!("site:linkedin.com/in \"{name}\" owner OR founder OR manager"),
    }
}

/// What a batch found for one lead.
#[derive(Debug, Default)]
struct Found {
    people: Vec<NewDecisionMaker>,
    from_site: usize,
}

/// Whether a scraped page is where a business names its people.
fn is_team_page(page: &store::ScrapedPage) -> bool {
    let hay = format!(
        "{} {}",
        page.final_url.as_deref().unwrap_or(&page.url),
        page.title.as_deref().unwrap_or_default()
    )
    .to_lowercase();
    [
        "about",
        "team",
        "staff",
        "people",
        "meet",
        "who-we-are",
        "our-story",
        "leadership",
    ]
    .iter()
    .any(|k| hay.contains(k))
}

/// The people of one lead: its LinkedIn search and its own team pages, merged.
async fn discover(
    svc: &Services,
    run: &Run,
    lead: &Opportunity,
    usage: &RunUsage,
) -> anyhow::Result<Found> {
    let mut query = SearchQuery::new(linkedin_query(lead), RESULTS);
    if let Some(country) = lead
        .phone
        .as_deref()
        .and_then(|p| domain::PhoneE164::from_e164(p).ok())
        .and_then(|p| p.country())
    {
        query = query.with_country(country.as_str().to_lowercase());
    }
    // Web search is paid: past the run's budget only the business's own pages are read.
    let scope = crate::ai::CallScope {
        run_id: Some(run.id.clone()),
        agency_id: run.agency_id.clone(),
        user_id: run.user_id.clone(),
        opportunity_id: Some(lead.id.clone()),
    };
    let outcome = if svc.ai.may_spend(&scope).await {
        svc.search.search(&query, usage).await
    } else {
        providers::search::chain::SearchOutcome::default()
    };
    // Every plausible person (the cap applies after the site's people are merged in).
    let candidates = people::decision_makers(
        outcome.results.iter().map(|r| SearchHit {
            title: &r.title,
            link: r.link.as_str(),
            snippet: &r.snippet,
        }),
        &lead.name,
        usize::MAX,
    );

    // People the business names on its own pages, from the audit's stored Markdown.
    let mut on_site: Vec<(people::PagePerson, String)> = Vec::new();
    let audit = svc
        .store
        .audits()
        .for_opportunity(&run.agency_id, &lead.id)
        .await?
        .into_iter()
        .find(|a| a.lead_gen_flow_id.as_ref() == Some(&run.id));
    if let Some(audit) = audit {
        for page in svc
            .store
            .audits()
            .pages(&run.agency_id, &audit.id)
            .await?
            .into_iter()
            .filter(|p| p.is_scraped() && is_team_page(p))
        {
            let Some(r) = page.content_ref.as_deref() else {
                continue;
            };
            let bytes = svc.blobs.get(&store::ContentRef::parse(r)?).await?;
            let markdown = String::from_utf8_lossy(&bytes);
            let url = page.final_url.clone().unwrap_or(page.url.clone());
            for person in people::people_on_page(&markdown, &url, &lead.name) {
                on_site.push((person, url.clone()));
            }
        }
    }

    let mut found = Found::default();
    for c in candidates {
        found.people.push(NewDecisionMaker {
            opportunity_id: lead.id.clone(),
            run_id: Some(run.id.clone()),
            person_key: c.profile_url.as_str().to_owned(),
            seniority: people::seniority(c.title.as_deref().unwrap_or_default()),
            name: c.name,
            title: c.title,
            company: c.company,
            profile_url: Some(c.profile_url.as_str().to_owned()),
            location: c.location,
            source: "linkedin_search".into(),
            source_url: None,
        });
    }
    for (person, url) in on_site {
        let key = people::name_key(&person.name);
        // Someone already found on LinkedIn keeps that row; the site adds itself as a source.
        let known = found
            .people
            .iter()
            .position(|p| people::name_key(&p.name) == key);
        let title = person.title.clone();
        let row = NewDecisionMaker {
            opportunity_id: lead.id.clone(),
            run_id: Some(run.id.clone()),
            person_key: match known {
                Some(i) => found.people[i].person_key.clone(),
                None => format!("name:{key}"),
            },
            seniority: people::seniority(title.as_deref().unwrap_or_default()),
            name: person.name,
            title,
            company: Some(lead.name.clone()),
            profile_url: None,
            location: None,
            source: "website".into(),
            source_url: Some(url),
        };
        if known.is_none() && found.people.iter().any(|p| p.person_key == row.person_key) {
            continue;
        }
        found.from_site += 1;
        found.people.push(row);
    }
    Ok(found)
}

/// Keeps the most senior `cap` distinct people (a person found twice counts once).
fn cap_people(mut people: Vec<NewDecisionMaker>, cap: usize) -> Vec<NewDecisionMaker> {
    let mut keys: Vec<(String, u8)> = Vec::new();
    for p in &people {
        match keys.iter_mut().find(|(k, _)| *k == p.person_key) {
            Some((_, s)) => *s = (*s).max(p.seniority),
            None => keys.push((p.person_key.clone(), p.seniority)),
        }
    }
    // Stable: equally senior people keep the order they were found in.
    keys.sort_by_key(|k| std::cmp::Reverse(k.1));
    keys.truncate(cap);
    people.retain(|p| keys.iter().any(|(k, _)| *k == p.person_key));
    people
}

/// Handles one [`DmDiscoveryBatch`].
pub(crate) async fn handle(
    svc: &Services,
    ctx: &JobCtx,
    job: DmDiscoveryBatch,
) -> Result<(), JobError> {
    let Some(run) = workflow::live_run(svc, ctx, &job.run_id).await? else {
        return Ok(());
    };
    let mut rows = Vec::new();
    let (mut leads_done, mut from_site) = (0usize, 0usize);
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    // The batch's leads are searched together: no lead's search waits for another's.
    let run_ref = &run;
    let found = futures::future::join_all(job.opportunity_ids.iter().map(|id| async move {
        let Some(lead) = svc
            .store
            .opportunities()
            .get(&run_ref.agency_id, id)
            .await?
        else {
            return anyhow::Ok(None);
        };
        let usage = RunUsage {
            store: svc.store.clone(),
            run_id: Some(run_ref.id.to_string()),
            agency_id: run_ref.agency_id.to_string(),
            user_id: run_ref.user_id.to_string(),
            opportunity_id: Some(lead.id.to_string()),
        };
        discover(svc, run_ref, &lead, &usage).await.map(Some)
    }))
    .await;
    for found in found {
        let Some(found) = found? else {
            continue;
        };
        from_site += found.from_site;
        leads_done += 1;
        rows.extend(cap_people(found.people, svc.linkedin_max_employees));
    }
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    let mut tx = svc.store.pool().begin().await?;
    for row in &rows {
        svc.store
            .decision_makers()
            .upsert_in(&mut tx, &run.agency_id, row)
            .await?;
    }
    workflow::child_finished(svc, &mut tx, &run.id, Phase::DmEnrichment).await?;
    if workflow::commit_job(svc, ctx, tx, &run.id).await? {
        let people: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.person_key.as_str()).collect();
        let message = format!(
            "Found {} decision maker(s) for {leads_done} lead(s) ({from_site} named on their own websites)",
            people.len()
        );
        svc.store
            .events()
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::info(Some(Phase::DmEnrichment), "decision_makers_found", message),
            )
            .await?;
    }
    Ok(())
}
