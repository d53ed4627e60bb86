//! The site steps of an audit: `map_urls` (candidate pages), `filter_urls` (the pages worth
//! reading, picked by the LLM in the audit's thread, keywords as the fallback) and
//! `scrape_content` (each page fetched once and parsed once for Markdown, site checks and
//! contacts; the Markdown to the blob store, a row per page in `audit_scraped_pages`).

use std::collections::{BTreeMap, HashSet};

use anyhow::Context;
use crawler::checks::{CheckContext, Finding, SiteChecks};
use crawler::contacts::Contacts;
use crawler::map::{MapConfig, SiteMap, map_urls};
use crawler::page::{PageReport, analyze};
use crawler::select::{PageKind, score_page, select_pages};
use domain::{CountryCode, PhoneE164};
use providers::llm::{LlmRequest, ModelTier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::ScrapedPage;
use url::Url;

use super::{StepCtx, StepDone};
use crate::worker::JobError;

/// Candidate pages listed in the `filter_urls` prompt, best keyword matches first.
const MAX_PROMPT_CANDIDATES: usize = 60;

/// A page chosen for scraping, as stored in `audit_jobs.selected_pages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SelectedUrl {
    /// The page.
    pub url: String,
    /// What kind of page the keywords say it is.
    pub kind: PageKind,
    /// `llm` or `keywords`.
    pub by: String,
}

/// `map_urls`: robots.txt sitemaps, `/sitemap.xml`, homepage links.
pub(crate) async fn map(step: &StepCtx<'_>) -> Result<StepDone, JobError> {
    let target = step
        .audit
        .target_url
        .as_deref()
        .context("the audit has no website to map")?;
    if let Ok(url) = Url::parse(target) {
        step.svc.fetcher.reset_page_budget(&url);
    }
    let config = MapConfig {
        max_urls: 200,
        ..MapConfig::default()
    };
    let mut done = StepDone::default();
    match map_urls(&step.svc.fetcher, target, &config).await {
        Ok(map) => {
            if map.urls.is_empty() {
                done.note = Some(
                    map.problems
                        .first()
                        .map_or("no page found".to_owned(), |p| {
                            format!("no page found: {}", p.error)
                        }),
                );
            } else if let Some(p) = map.problems.first() {
                done.note = Some(format!(
                    "{} problem(s), first: {}",
                    map.problems.len(),
                    p.error
                ));
            }
            done.site_map = Some(serde_json::to_value(&map)?);
        }
        Err(e) => {
            // Not a website we can crawl: the audit goes on with the listing alone.
            done.note = Some(e.to_string());
            done.site_map = Some(serde_json::Value::Null);
        }
    }
    Ok(done)
}

/// The structured answer of `filter_urls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PagePicks {
    /// URLs copied exactly from the candidate list, most useful first.
    pub urls: Vec<String>,
}

fn site_map(step: &StepCtx<'_>) -> anyhow::Result<Option<SiteMap>> {
    match &step.audit.site_map {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => Ok(Some(
            serde_json::from_value(v.clone()).context("the audit's stored site map")?,
        )),
    }
}

/// `filter_urls`: every candidate when there are few; else the LLM's picks (kept only when
/// they are candidates), topped up by the keyword heuristic, the homepage always first.
pub(crate) async fn filter(step: &StepCtx<'_>) -> Result<StepDone, JobError> {
    let mut done = StepDone::default();
    let max = step.svc.audit.max_pages;
    let Some(map) = site_map(step)?.filter(|m| !m.urls.is_empty()) else {
        done.note = Some("no candidate page".into());
        done.selected = Some(serde_json::json!([]));
        return Ok(done);
    };
    let keywords = select_pages(&map, max);
    let selected: Vec<SelectedUrl> = if map.urls.len() <= max {
        let mut all: Vec<SelectedUrl> = keywords
            .iter()
            .map(|p| selected(&p.url, p.kind, "keywords"))
            .collect();
        for url in &map.urls {
            if !all.iter().any(|s| s.url == url.as_str()) {
                all.push(selected(url, kind_of(&map, url), "keywords"));
            }
        }
        all
    } else {
        pick_with_llm(step, &map, max, &keywords, &mut done).await
    };
    done.selected = Some(serde_json::to_value(&selected)?);
    Ok(done)
}

fn kind_of(map: &SiteMap, url: &Url) -> PageKind {
    if url == &map.start {
        return PageKind::Home;
    }
    score_page(url, map.link_text.get(url).map(String::as_str)).map_or(PageKind::Other, |s| s.kind)
}

fn selected(url: &Url, kind: PageKind, by: &str) -> SelectedUrl {
    SelectedUrl {
        url: url.to_string(),
        kind,
        by: by.to_owned(),
    }
}

async fn pick_with_llm(
    step: &StepCtx<'_>,
    map: &SiteMap,
    max: usize,
    keywords: &[crawler::select::SelectedPage],
    done: &mut StepDone,
) -> Vec<SelectedUrl> {
    // Keyword matches first so the list the model sees holds the likely pages even when a
    // site has hundreds.
    let mut candidates: Vec<&Url> = keywords.iter().map(|p| &p.url).collect();
    let mut scored: Vec<(&Url, i32)> = map
        .urls
        .iter()
        .filter(|u| !candidates.contains(u))
        .map(|u| {
            let s = score_page(u, map.link_text.get(u).map(String::as_str)).map_or(0, |s| s.score);
            (u, s)
        })
        .collect();
    scored.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    candidates.extend(scored.into_iter().map(|(u, _)| u));
    candidates.truncate(MAX_PROMPT_CANDIDATES);

    let mut list = String::new();
    for (i, url) in candidates.iter().enumerate() {
        let text = map.link_text.get(*url).map(String::as_str).unwrap_or("");
        list.push_str(&format!("{}. {url}", i + 1));
        if !text.is_empty() {
            list.push_str(&format!(" ({})", text.chars().take(60).collect::<String>()));
        }
        list.push('\n');
    }
    let prompt = format!(
        "Business: {} ({})\nWebsite: {}\n\nCandidate pages:\n{list}\nPick at most {max} pages \
         that tell the most about this business for a website audit and a sales call: about, \
         services, contact, pricing, booking, team. Prefer them over blog posts, legal pages \
         and archives. Copy the URLs exactly.",
        step.lead.name, step.lead.target_vertical, map.start
    );
    let req = LlmRequest::new("filter_urls", prompt)
        .with_system("You choose which pages of a small business's website to read for an audit.")
        .with_tier(ModelTier::UltraLight)
        .with_max_output_tokens(600);
    let fallback: Vec<String> = keywords.iter().map(|p| p.url.to_string()).collect();
    let answer = step
        .svc
        .ai
        .structured(&step.scope(), &step.ai_context(), req, move |_| PagePicks {
            urls: fallback,
        })
        .await;
    let by = if answer.provider == "rules" {
        "keywords"
    } else {
        "llm"
    };
    let allowed: BTreeMap<String, &Url> = candidates
        .iter()
        .map(|u| (u.as_str().to_owned(), *u))
        .collect();
    let mut out = vec![selected(&map.start, PageKind::Home, "keywords")];
    let mut seen: HashSet<String> = HashSet::from([map.start.to_string()]);
    let mut invented = 0;
    for pick in &answer.value.urls {
        let pick = pick.trim();
        match allowed.get(pick) {
            Some(url) if out.len() < max && seen.insert(pick.to_owned()) => {
                out.push(selected(url, kind_of(map, url), by));
            }
            Some(_) => {}
            None => invented += 1,
        }
    }
    for page in keywords {
        if out.len() >= max {
            break;
        }
        if seen.insert(page.url.to_string()) {
            out.push(selected(&page.url, page.kind, "keywords"));
        }
    }
    if invented > 0 {
        done.note = Some(format!(
            "{invented} page(s) the model named were not candidates and were ignored"
        ));
    }
    out
}

/// The business's country, for phone numbers written in national form.
fn country(step: &StepCtx<'_>) -> Option<CountryCode> {
    step.lead
        .phone
        .as_deref()
        .and_then(|p| PhoneE164::parse(p, CountryCode::US).ok())
        .and_then(|p| p.country())
        .or_else(|| domain::infer_country(&step.lead.target_geography))
}

/// `scrape_content`: each selected page not already stored by an earlier attempt is fetched,
/// analysed and stored; then the site's findings and contacts are folded from all pages.
pub(crate) async fn scrape(step: &StepCtx<'_>) -> Result<StepDone, JobError> {
    let svc = step.svc;
    let audit = step.audit;
    let selected: Vec<SelectedUrl> = serde_json::from_value(audit.selected_pages.clone())
        .context("the audit's stored page selection")?;
    let stored = svc
        .store
        .audits()
        .pages(&audit.agency_id, &audit.id)
        .await?;
    let existing: HashSet<String> = stored.iter().map(|p| p.url.clone()).collect();
    // Pages already read, by where they ended up: two links redirecting to one page (an
    // `/about-us` that moved to `/about`) are read once.
    let mut read: HashSet<String> = stored
        .iter()
        .filter(|p| p.is_scraped())
        .filter_map(|p| p.final_url.clone())
        .collect();
    let country = country(step);
    let year = domain::year_from_epoch_ms(store::now_ms());
    for (position, page) in selected.iter().enumerate() {
        if existing.contains(&page.url) {
            continue;
        }
        if step.job.cancel_requested() {
            return Err(JobError::Cancelled);
        }
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        let row = scrape_one(step, &page.url, position, country, year, &read).await?;
        if row.is_scraped()
            && let Some(url) = &row.final_url
        {
            read.insert(url.clone());
        }
        svc.store.audits().upsert_page(audit, &row).await?;
    }

    let pages = svc
        .store
        .audits()
        .pages(&audit.agency_id, &audit.id)
        .await?;
    let scraped: Vec<&ScrapedPage> = pages.iter().filter(|p| p.is_scraped()).collect();
    let per_page: Vec<Vec<Finding>> = scraped
        .iter()
        .map(|p| serde_json::from_value(p.findings.clone()).unwrap_or_default())
        .collect();
    let findings = SiteChecks::aggregate(&per_page);
    let site = step
        .audit
        .target_url
        .as_deref()
        .and_then(|u| domain::Domain::from_url(u).ok());
    let contacts = Contacts::merge(
        scraped
            .iter()
            .filter_map(|p| serde_json::from_value::<Contacts>(p.contacts.clone()).ok()),
        site.as_ref(),
    );
    let failed = pages.len() - scraped.len();
    let mut done = StepDone {
        findings: Some(serde_json::to_value(&findings)?),
        best_email: contacts.best_email().map(|e| e.address.clone()),
        emails: contacts.emails.iter().map(|e| e.address.clone()).collect(),
        ..StepDone::default()
    };
    if failed > 0 {
        let first = pages
            .iter()
            .find_map(|p| p.error.as_deref())
            .unwrap_or("unknown error");
        done.note = Some(format!(
            "{failed} of {} page(s) could not be scraped; first: {first}",
            pages.len()
        ));
    }
    Ok(done)
}

/// Fetches and analyses one page. Whatever goes wrong with the page itself is recorded on its
/// row; only store failures are errors.
async fn scrape_one(
    step: &StepCtx<'_>,
    url: &str,
    position: u32,
    country: Option<CountryCode>,
    year: i32,
    read: &HashSet<String>,
) -> anyhow::Result<ScrapedPage> {
    let svc = step.svc;
    let mut row = ScrapedPage {
        url: url.to_owned(),
        position,
        final_url: None,
        title: None,
        http_status: None,
        content_ref: None,
        word_count: None,
        byte_size: None,
        fetched_via: Some("crawler".into()),
        findings: serde_json::json!([]),
        contacts: serde_json::json!({}),
        error: None,
    };
    let parsed = match Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            row.error = Some(format!("not a URL: {e}"));
            return Ok(row);
        }
    };
    let fetched = match svc.fetcher.fetch_page(&parsed).await {
        Ok(page) => page,
        Err(e) => {
            row.http_status = e.status();
            row.error = Some(e.to_string());
            return Ok(row);
        }
    };
    row.final_url = Some(fetched.url.to_string());
    row.http_status = Some(fetched.status);
    if fetched.status >= 400 {
        row.error = Some(format!("HTTP {}", fetched.status));
        return Ok(row);
    }
    if fetched.url.as_str() != url && read.contains(fetched.url.as_str()) {
        row.error = Some(format!(
            "redirects to {}, which was already read",
            fetched.url
        ));
        return Ok(row);
    }
    let context = CheckContext::new(year).with_response_time(fetched.elapsed);
    let mut report =
        analyze_blocking(fetched.url.clone(), fetched.body, country, context.clone()).await?;
    if report.js_shell {
        match &svc.firecrawl {
            Some(firecrawl) => {
                let usage = step.usage();
                match firecrawl.scrape(&fetched.url, &usage).await {
                    Ok(rendered) => {
                        let html = rendered
                            .raw_html
                            .clone()
                            .or_else(|| rendered.html.clone())
                            .unwrap_or_default();
                        let final_url = rendered.url.clone();
                        let mut better =
                            analyze_blocking(final_url, html, country, context).await?;
                        if better.content.markdown.trim().is_empty() {
                            better.content.markdown = rendered.markdown.clone();
                        }
                        if better.content.title.is_none() {
                            better.content.title = rendered.title.clone();
                        }
                        report = better;
                        row.fetched_via = Some("firecrawl".into());
                    }
                    Err(e) => {
                        row.error = Some(format!(
                            "the page needs JavaScript and Firecrawl failed: {e}"
                        ));
                        return Ok(row);
                    }
                }
            }
            None => {
                row.error = Some(
                    "the page needs JavaScript to show its content (set FIRECRAWL_API_KEY to render it)"
                        .into(),
                );
                return Ok(row);
            }
        }
    }
    let key = format!("audits/{}/pages/{position:03}.md", step.audit.id);
    let content_ref = svc
        .blobs
        .put(&key, report.content.markdown.clone().into_bytes())
        .await
        .with_context(|| format!("storing the Markdown of {url}"))?;
    row.title = report.content.title.clone();
    row.word_count = Some(u64::try_from(report.content.word_count).unwrap_or(u64::MAX));
    row.byte_size = Some(u64::try_from(report.byte_size).unwrap_or(u64::MAX));
    row.content_ref = Some(content_ref.as_str().to_owned());
    row.findings = serde_json::to_value(&report.findings)?;
    row.contacts = serde_json::to_value(&report.contacts)?;
    Ok(row)
}

/// One parse of the page, off the async threads (parsing a large page takes milliseconds).
async fn analyze_blocking(
    url: Url,
    html: String,
    country: Option<CountryCode>,
    context: CheckContext,
) -> anyhow::Result<PageReport> {
    tokio::task::spawn_blocking(move || analyze(&url, &html, country, &context))
        .await
        .context("page analysis panicked")
}
