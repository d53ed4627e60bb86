//! Deterministic site checks: what a visitor (and a search engine) finds on a page, each with
//! the page it was read from and the snippet that proves it.
//!
//! [`check_page`] checks one parsed page; [`SiteChecks::aggregate`] folds the pages of one site
//! into one finding per check (an e-mail on any page is enough, a stale copyright on any page is
//! too much, title and speed are judged on the home page). No clock is read: the current year
//! and the measured response time are passed in.

mod content;
mod conversion;
mod key;
mod phrases;
mod schema;
mod site;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::contacts::Contacts;
use crate::page::{ParsedPage, clip};

pub use key::FindingKey;
pub use site::SiteChecks;

/// Longest evidence, in characters.
pub const MAX_EVIDENCE_CHARS: usize = crate::page::MAX_SNIPPET_CHARS;

/// The result of one check on one page (or, aggregated, on a site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What was checked.
    pub key: FindingKey,
    /// The problem is absent.
    pub passed: bool,
    /// What was found, for people (`no <meta name="viewport">`).
    pub value: String,
    /// The page it was read from.
    pub source_url: String,
    /// The snippet from the page that proves it, or a description of what is absent; at most
    /// [`MAX_EVIDENCE_CHARS`] characters.
    pub evidence: String,
}

impl Finding {
    fn new(
        key: FindingKey,
        passed: bool,
        value: impl Into<String>,
        page: &ParsedPage,
        evidence: &str,
    ) -> Self {
        Self {
            key,
            passed,
            value: value.into(),
            source_url: page.url().to_string(),
            evidence: clip(evidence, MAX_EVIDENCE_CHARS),
        }
    }

    /// The lead signal this finding confirms: the key's signal when the check failed.
    pub fn failed_signal(&self) -> Option<domain::Signal> {
        if self.passed { None } else { self.key.signal() }
    }
}

/// Limits the checks judge against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    /// A copyright year more than this many years before the current one is stale.
    pub stale_copyright_years: i32,
    /// HTML heavier than this many bytes is heavy.
    pub heavy_page_bytes: usize,
    /// Slower responses than this are slow.
    pub slow_response: Duration,
    /// Title length, in characters, that search results show well.
    pub title_chars: (usize, usize),
    /// Meta description length, in characters, that search results show well.
    pub meta_description_chars: (usize, usize),
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            stale_copyright_years: 2,
            heavy_page_bytes: 3_000_000,
            slow_response: Duration::from_secs(3),
            title_chars: (10, 70),
            meta_description_chars: (50, 160),
        }
    }
}

/// What the checks need besides the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckContext {
    /// The current year (for the copyright check).
    pub now_year: i32,
    /// How long the page took to fetch; no speed finding without it.
    pub response_time: Option<Duration>,
    /// Limits.
    pub thresholds: Thresholds,
}

impl CheckContext {
    /// Default thresholds for the given year.
    pub fn new(now_year: i32) -> Self {
        Self {
            now_year,
            response_time: None,
            thresholds: Thresholds::default(),
        }
    }

    /// With a measured response time.
    pub fn with_response_time(mut self, response_time: Duration) -> Self {
        self.response_time = Some(response_time);
        self
    }
}

/// Runs every check on one page. `contacts` are the page's own (see [`Contacts::extract`]).
pub fn check_page(page: &ParsedPage, contacts: &Contacts, context: &CheckContext) -> Vec<Finding> {
    let mut findings = vec![https(page), viewport(page)];
    findings.push(conversion::click_to_call(page));
    let actions = conversion::Actions::of(page);
    findings.push(conversion::booking(page, &actions));
    findings.push(conversion::contact_form(page));
    findings.push(conversion::call_to_action(page, &actions));
    findings.push(content::contact_email(page, contacts));
    findings.extend(content::title(page, &context.thresholds));
    findings.extend(content::meta_description(page, &context.thresholds));
    findings.push(content::h1(page));
    findings.push(content::copyright(page, context));
    findings.push(schema::local_business(page));
    findings.push(page_weight(page, &context.thresholds));
    if let Some(elapsed) = context.response_time {
        findings.push(response_time(page, elapsed, &context.thresholds));
    }
    findings
}

fn https(page: &ParsedPage) -> Finding {
    let url = page.url();
    let secure = url.scheme() == "https";
    let value = if secure {
        "served over https"
    } else {
        "served over plain http"
    };
    Finding::new(FindingKey::NoHttps, secure, value, page, url.as_str())
}

fn viewport(page: &ParsedPage) -> Finding {
    let key = FindingKey::WebsiteNotMobileFriendly;
    let Some(meta) = page.viewport() else {
        return Finding::new(
            key,
            false,
            "no <meta name=\"viewport\">",
            page,
            "no <meta name=\"viewport\"> in the page; phones render it as a zoomed-out desktop page",
        );
    };
    let compact: String = meta
        .content
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let responsive = compact.contains("width=device-width");
    let value = if responsive {
        format!("viewport {}", meta.content)
    } else {
        format!("viewport without width=device-width ({})", meta.content)
    };
    Finding::new(key, responsive, value, page, &page.snippet(meta.element))
}

fn page_weight(page: &ParsedPage, thresholds: &Thresholds) -> Finding {
    let bytes = page.byte_size();
    let heavy = bytes > thresholds.heavy_page_bytes;
    let value = format!("HTML is {}", megabytes(bytes));
    let evidence = format!(
        "HTML document of {bytes} bytes (limit {} bytes); images, scripts and styles not counted",
        thresholds.heavy_page_bytes
    );
    Finding::new(FindingKey::HeavyPage, !heavy, value, page, &evidence)
}

fn response_time(page: &ParsedPage, elapsed: Duration, thresholds: &Thresholds) -> Finding {
    let slow = elapsed > thresholds.slow_response;
    let value = format!("responded in {:.1} s", elapsed.as_secs_f64());
    let evidence = format!(
        "HTML fetched in {} ms (limit {} ms)",
        elapsed.as_millis(),
        thresholds.slow_response.as_millis()
    );
    Finding::new(FindingKey::SlowWebsite, !slow, value, page, &evidence)
}

fn megabytes(bytes: usize) -> String {
    let tenths = bytes.saturating_add(50_000) / 100_000;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}
