//! `map_urls`: the candidate pages of a business's website.
//!
//! Sources, in the order they are consulted: the homepage (fetched first, so redirects to
//! https or `www.` settle which origin the site lives on), the `Sitemap:` lines of that
//! origin's robots.txt, `/sitemap.xml` (indexes and gzip followed, see [`crate::sitemap`]),
//! and the homepage's links. Only pages on the site's registrable domain(s) are kept (the
//! start domain, and the homepage's if it redirected elsewhere), canonicalised and deduped
//! (see `canonical`), minus what robots.txt disallows for the homepage's origin.
//!
//! The list is ordered for an audit, not by discovery: the homepage first, then the
//! homepage's links in document order (navigation names the pages that matter: about,
//! services, contact), then sitemap pages, shallow paths before deep ones, so a sitemap of
//! thousands of blog posts cannot push the contact page past the cap.

mod canonical;
mod links;

use std::collections::{BTreeMap, HashSet};

use domain::{Domain, DomainError, normalize_website};
use serde::{Deserialize, Serialize};
use url::Url;

pub use links::{PageLink, extract_links};

use crate::fetch::{FetchError, Fetcher};
use crate::robots::RobotsSummary;
use crate::sitemap::{SitemapFailure, SitemapLimits, walk};
use canonical::{Canonicalizer, Rejection, dedupe_key, depth};

/// Caps of a site map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapConfig {
    /// Candidate pages returned, the homepage included.
    pub max_urls: usize,
    /// Caps of the sitemap walk.
    pub sitemaps: SitemapLimits,
}

impl Default for MapConfig {
    fn default() -> Self {
        Self {
            max_urls: 200,
            sitemaps: SitemapLimits::default(),
        }
    }
}

/// How many candidates each source contributed and why others were dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCounts {
    /// `Sitemap:` lines in robots.txt.
    pub robots_sitemaps: usize,
    /// Sitemap documents read (indexes included).
    pub sitemap_documents: usize,
    /// Pages kept that were first found in a sitemap.
    pub sitemap: usize,
    /// Pages kept that were first found as homepage links (the homepage itself excluded).
    pub homepage: usize,
    /// Dropped: on another domain or not http(s).
    pub off_site: usize,
    /// Dropped: files and CMS endpoints.
    pub not_pages: usize,
    /// Dropped: disallowed by robots.txt.
    pub disallowed: usize,
    /// Dropped: another spelling of a page already kept.
    pub duplicates: usize,
    /// Dropped: past [`MapConfig::max_urls`].
    pub over_cap: usize,
}

/// Something that went wrong while mapping, without stopping it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapProblem {
    /// The URL concerned.
    pub url: Url,
    /// What happened.
    pub error: String,
}

/// The candidate pages of a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteMap {
    /// The homepage as reached (after redirects); the normalised start URL when it failed.
    pub start: Url,
    /// The registrable domain of the start URL.
    pub domain: Domain,
    /// Candidate pages: the homepage first, at most [`MapConfig::max_urls`].
    pub urls: Vec<Url>,
    /// Link text of candidates found as homepage links, for page selection.
    pub link_text: BTreeMap<Url, String>,
    /// Where the candidates came from.
    pub sources: SourceCounts,
    /// The homepage origin's robots.txt.
    pub robots: RobotsSummary,
    /// Sitemap documents read.
    pub sitemaps: Vec<Url>,
    /// Failures that did not stop the map (homepage errors, unreadable sitemaps).
    pub problems: Vec<MapProblem>,
}

/// Why a site could not be mapped at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The start is not a website with a registrable domain.
    #[error("cannot map {raw:?}: {source}")]
    InvalidStart {
        /// The start as given.
        raw: String,
        /// Why it was refused.
        #[source]
        source: DomainError,
    },
    /// The homepage may not be fetched at all (SSRF guard, scheme).
    #[error("cannot map the site: {0}")]
    Refused(#[source] FetchError),
}

enum Source {
    Home,
    Homepage,
    Sitemap,
}

/// Maps the site whose website is `start` (as a listing writes it: `acme-dental.com`,
/// `https://www.acme-dental.com/contact`).
#[tracing::instrument(skip_all, fields(site.start = %start))]
pub async fn map_urls(
    fetcher: &Fetcher,
    start: &str,
    config: &MapConfig,
) -> Result<SiteMap, MapError> {
    let invalid = |source| MapError::InvalidStart {
        raw: start.to_owned(),
        source,
    };
    let start_url = normalize_website(start).map_err(invalid)?;
    let domain = Domain::from_normalized(&start_url).map_err(invalid)?;
    let mut problems = Vec::new();

    let (home, links) = match fetcher.fetch_page(&start_url).await {
        Ok(page) => {
            let links = extract_links(&page.body, &page.url);
            (page.url, links)
        }
        Err(err @ (FetchError::Blocked { .. } | FetchError::UnsupportedScheme { .. })) => {
            return Err(MapError::Refused(err));
        }
        Err(err) => {
            problems.push(problem(&start_url, &err));
            (start_url.clone(), Vec::new())
        }
    };
    let mut domains = vec![domain.clone()];
    domains.extend(Domain::from_normalized(&home).ok().filter(|d| *d != domain));
    let site = Canonicalizer::new(home.clone(), domains);

    let robots = fetcher.robots(&home).await;
    let listed = robots.sitemaps();
    let guessed = home.join("/sitemap.xml").ok();
    let mut seeds = listed.clone();
    seeds.extend(guessed.clone().filter(|g| !listed.contains(g)));
    let sitemaps = walk(fetcher, &seeds, |url| site.on_site(url), config.sitemaps).await;
    for (url, failure) in &sitemaps.failures {
        // A site without /sitemap.xml is normal, not a problem worth reporting.
        let missing_guess = Some(url) == guessed.as_ref()
            && matches!(
                failure,
                SitemapFailure::Fetch(FetchError::Http {
                    status: 404 | 410,
                    ..
                })
            );
        if !missing_guess {
            problems.push(problem(url, failure));
        }
    }

    let mut sitemap_pages: Vec<Url> = sitemaps.urls.into_iter().map(|link| link.loc).collect();
    sitemap_pages.sort_by_key(depth);
    let candidates = std::iter::once((home.clone(), Source::Home, String::new()))
        .chain(links.into_iter().map(|l| (l.url, Source::Homepage, l.text)))
        .chain(
            sitemap_pages
                .into_iter()
                .map(|u| (u, Source::Sitemap, String::new())),
        );

    let mut sources = SourceCounts {
        robots_sitemaps: listed.len(),
        sitemap_documents: sitemaps.documents.len(),
        ..SourceCounts::default()
    };
    let mut urls = Vec::new();
    let mut link_text = BTreeMap::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut kept_by_key: BTreeMap<String, Url> = BTreeMap::new();
    for (raw, source, text) in candidates {
        let url = match site.canonical(&raw) {
            Ok(url) => url,
            Err(Rejection::OffSite) => {
                sources.off_site += 1;
                continue;
            }
            Err(Rejection::NotAPage) => {
                sources.not_pages += 1;
                continue;
            }
        };
        if url.origin() == home.origin() && !robots.allowed(&url) {
            sources.disallowed += 1;
            continue;
        }
        let key = dedupe_key(&url);
        if !keys.insert(key.clone()) {
            sources.duplicates += 1;
            // A logo link to `/` has no text; the "Home" link further on does.
            if let Some(kept) = kept_by_key.get(&key)
                && !text.is_empty()
            {
                link_text.entry(kept.clone()).or_insert(text);
            }
            continue;
        }
        if urls.len() >= config.max_urls {
            sources.over_cap += 1;
            continue;
        }
        match source {
            Source::Home => {}
            Source::Homepage => sources.homepage += 1,
            Source::Sitemap => sources.sitemap += 1,
        }
        if !text.is_empty() {
            link_text.insert(url.clone(), text);
        }
        kept_by_key.insert(key, url.clone());
        urls.push(url);
    }
    tracing::debug!(
        site.urls = urls.len(),
        site.sitemaps = sitemaps.documents.len(),
        "site mapped"
    );
    Ok(SiteMap {
        start: home,
        domain,
        urls,
        link_text,
        sources,
        robots: robots.summary(),
        sitemaps: sitemaps.documents,
        problems,
    })
}

fn problem(url: &Url, error: &dyn std::fmt::Display) -> MapProblem {
    MapProblem {
        url: url.clone(),
        error: error.to_string(),
    }
}
