//! Reading the agency's own site: the website checked, the site mapped with the audit's
//! crawler, the pages that say what the agency sells, whom it serves and what it has achieved
//! picked by their paths and link texts, and each fetched and parsed once.

use std::collections::HashSet;

use crawler::contacts::Contacts;
use crawler::fetch::FetchError;
use crawler::map::{MapConfig, MapError, map_urls};

use crawler::markdown::page_content;
use crawler::page::ParsedPage;
use serde::{Deserialize, Serialize};
use url::Url;

use super::OnboardingError;
use super::pick::{PageRole, pick};
use crate::ai::CallScope;
use crate::services::Services;

/// Most pages an onboarding reads, the homepage included.
pub const MAX_PAGES: usize = 8;

/// A page read: its text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePage {
    /// The page's URL after redirects.
    pub url: String,
    /// The URL as picked, when a redirect changed it.
    pub requested: Option<String>,
    /// What it is for.
    pub role: PageRole,
    /// Its title (the document's `<title>`, else its main content's).
    pub title: Option<String>,
    /// The name its structured data gives the organisation or website, if any.
    pub site_name: Option<String>,
    /// Its main content as Markdown.
    pub markdown: String,
    /// E-mail addresses found on it.
    pub emails: Vec<String>,
}

/// A page the onboarding tried to read, as reported to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRead {
    /// The page (after redirects when it was read).
    pub url: String,
    /// What it was picked for.
    pub role: PageRole,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Words of main content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_count: Option<usize>,
    /// Why it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The site as read: its start, the pages read, and every page tried.
#[derive(Debug, Clone)]
pub(super) struct Site {
    pub start: Url,
    pub pages: Vec<SitePage>,
    pub tried: Vec<PageRead>,
}

/// Checks `website` and reads the agency's site.
pub(super) async fn read_site(
    svc: &Services,
    scope: &CallScope,
    website: &str,
) -> Result<Site, OnboardingError> {
    let start =
        domain::normalize_website(website).map_err(|e| OnboardingError::InvalidWebsite {
            input: website.trim().to_owned(),
            reason: e.to_string(),
        })?;
    svc.fetcher.reset_page_budget(&start);
    let config = MapConfig {
        max_urls: 200,
        ..MapConfig::default()
    };
    let map = match map_urls(&svc.fetcher, start.as_str(), &config).await {
        Ok(map) => map,
        Err(MapError::InvalidStart { source, .. }) => {
            return Err(OnboardingError::InvalidWebsite {
                input: website.trim().to_owned(),
                reason: source.to_string(),
            });
        }
        Err(MapError::Refused(e)) => {
            let hint = if matches!(e, FetchError::Blocked { .. })
                && !svc.fetcher.config().allow_private_network
            {
                " (set LEADFORGE_ALLOW_PRIVATE_NETWORK=1 to crawl private addresses)"
            } else {
                ""
            };
            return Err(OnboardingError::Refused {
                url: start.to_string(),
                reason: format!("{e}{hint}"),
            });
        }
    };
    let mut pages: Vec<SitePage> = Vec::new();
    let mut tried = Vec::new();
    let mut read: HashSet<String> = HashSet::new();
    for (url, role) in pick(&map, MAX_PAGES) {
        match read_page(svc, scope, &url, role, &read).await? {
            Ok(page) => {
                read.insert(page.url.clone());
                tried.push(PageRead {
                    url: page.url.clone(),
                    role,
                    title: page.title.clone(),
                    word_count: Some(page.markdown.split_whitespace().count()),
                    error: None,
                });
                pages.push(page);
            }
            Err(error) => tried.push(PageRead {
                url: url.to_string(),
                role,
                title: None,
                word_count: None,
                error: Some(error),
            }),
        }
    }
    if pages.is_empty() {
        let reason = tried
            .iter()
            .find_map(|p| p.error.clone())
            .or_else(|| map.problems.first().map(|p| p.error.clone()))
            .unwrap_or_else(|| "no page was found".to_owned());
        return Err(OnboardingError::Unreachable {
            url: map.start.to_string(),
            reason,
        });
    }
    Ok(Site {
        start: map.start,
        pages,
        tried,
    })
}

/// Fetches and parses one page. The outer error is an internal failure; the inner one says
/// why the page itself could not be read.
async fn read_page(
    svc: &Services,
    scope: &CallScope,
    url: &Url,
    role: PageRole,
    read: &HashSet<String>,
) -> Result<Result<SitePage, String>, OnboardingError> {
    let fetched = match svc.fetcher.fetch_page(url).await {
        Ok(page) => page,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if fetched.status >= 400 {
        return Ok(Err(format!("HTTP {}", fetched.status)));
    }
    if read.contains(fetched.url.as_str()) {
        return Ok(Err(format!(
            "redirects to {}, which was already read",
            fetched.url
        )));
    }
    let mut parsed = parse(fetched.url.clone(), fetched.body).await?;
    if parsed.js_shell {
        let Some(firecrawl) = &svc.firecrawl else {
            return Ok(Err(
                "the page needs JavaScript to show its content (set FIRECRAWL_API_KEY to render it)"
                    .into(),
            ));
        };
        let usage = crate::adapters::RunUsage {
            store: svc.store.clone(),
            run_id: None,
            agency_id: scope.agency_id.to_string(),
            user_id: scope.user_id.to_string(),
            opportunity_id: None,
        };
        match firecrawl.scrape(&fetched.url, &usage).await {
            Ok(rendered) => {
                let html = rendered
                    .raw_html
                    .clone()
                    .or_else(|| rendered.html.clone())
                    .unwrap_or_default();
                parsed = parse(rendered.url.clone(), html).await?;
                if parsed.markdown.trim().is_empty() {
                    parsed.markdown = rendered.markdown.clone();
                }
                if parsed.title.is_none() {
                    parsed.title = rendered.title.clone();
                }
            }
            Err(e) => {
                return Ok(Err(format!(
                    "the page needs JavaScript and Firecrawl failed: {e}"
                )));
            }
        }
    }
    let final_url = fetched.url.to_string();
    Ok(Ok(SitePage {
        requested: (final_url != url.as_str()).then(|| url.to_string()),
        url: final_url,
        role,
        title: parsed.title,
        site_name: parsed.site_name,
        markdown: parsed.markdown,
        emails: parsed.emails,
    }))
}

/// What onboarding reads from a page.
struct Parsed {
    title: Option<String>,
    site_name: Option<String>,
    markdown: String,
    emails: Vec<String>,
    js_shell: bool,
}

/// One parse of the page, off the async threads: its main content, e-mail addresses, title
/// and the name its structured data gives.
async fn parse(url: Url, html: String) -> Result<Parsed, OnboardingError> {
    tokio::task::spawn_blocking(move || {
        let page = ParsedPage::parse(&url, &html);
        let content = page_content(&page);
        let contacts = Contacts::extract(&page, None);
        Parsed {
            title: page
                .title()
                .map(str::to_owned)
                .filter(|t| !t.trim().is_empty())
                .or(content.title),
            site_name: page.json_ld().iter().find_map(organisation_name),
            markdown: content.markdown,
            emails: contacts.emails.iter().map(|e| e.address.clone()).collect(),
            js_shell: page.looks_like_js_shell(),
        }
    })
    .await
    .map_err(|e| OnboardingError::Internal(format!("page analysis failed: {e}")))
}

/// The `name` of a schema.org organisation or website in a JSON-LD block (or its `@graph`).
fn organisation_name(value: &serde_json::Value) -> Option<String> {
    const TYPES: [&str; 6] = [
        "Organization",
        "Corporation",
        "LocalBusiness",
        "ProfessionalService",
        "OnlineBusiness",
        "WebSite",
    ];
    if let Some(graph) = value.get("@graph").and_then(|g| g.as_array()) {
        return graph.iter().find_map(organisation_name);
    }
    if let Some(items) = value.as_array() {
        return items.iter().find_map(organisation_name);
    }
    let typed = match value.get("@type") {
        Some(serde_json::Value::String(t)) => TYPES.contains(&t.as_str()),
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))),
        _ => false,
    };
    let name = value.get("name")?.as_str()?.trim();
    (typed && !name.is_empty() && name.chars().count() <= 80).then(|| name.to_owned())
}
