//! Web search providers: the pages a search engine returns for a query.
//!
//! Two real clients implement [`SearchProvider`] — [`serper::SerperSearch`] (Serper
//! `/search`) and [`google_cse::GoogleCse`] (Google Custom Search JSON API) — and
//! [`chain::SearchChain`] tries them in order, caches answers and, when none answers, returns
//! an empty result rather than an error: web search only ever enriches a run (decision
//! makers, research), so its absence must not fail one.
//!
//! As for places, providers are built once and the caller passes `&dyn UsageSink` into every
//! call, so each run's calls are recorded against that run.

use async_trait::async_trait;
use url::Url;

use crate::error::ProviderError;
use crate::usage::UsageSink;

pub mod chain;
pub mod google_cse;
pub mod serper;

pub use chain::{SearchAttempt, SearchAttemptOutcome, SearchChain, SearchOutcome};

/// The usage operation every web search call is recorded and priced under.
pub const OPERATION: &str = "web.search";

/// Results asked for at most: Google Custom Search returns 10 per request, and Serper bills
/// larger pages as more than one query.
pub const MAX_RESULTS: u32 = 10;

/// What to search for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The query as a search engine takes it, operators included
    /// (`site:linkedin.com/in "Joe's Pizza" Austin owner`).
    pub q: String,
    /// Results wanted, 1 to [`MAX_RESULTS`].
    pub num: u32,
    /// ISO 3166-1 alpha-2 country code biasing results, if known.
    pub gl: Option<String>,
}

impl SearchQuery {
    /// A query for `q` wanting `num` results (clamped to 1..=[`MAX_RESULTS`]), no country.
    pub fn new(q: impl Into<String>, num: u32) -> Self {
        Self {
            q: q.into().trim().to_owned(),
            num: num.clamp(1, MAX_RESULTS),
            gl: None,
        }
    }

    /// The same query biased towards a country.
    pub fn with_country(mut self, gl: impl Into<String>) -> Self {
        self.gl = Some(gl.into());
        self
    }

    /// `num` as providers are sent it, whatever the caller put in the field.
    pub(crate) fn clamped_num(&self) -> u32 {
        self.num.clamp(1, MAX_RESULTS)
    }

    /// `gl` lowercased, as both providers want it; `None` when blank.
    pub(crate) fn country(&self) -> Option<String> {
        self.gl
            .as_deref()
            .map(str::trim)
            .filter(|gl| !gl.is_empty())
            .map(str::to_lowercase)
    }
}

/// One organic result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// The page title as the engine shows it.
    pub title: String,
    /// The page's address.
    pub link: Url,
    /// The engine's excerpt of the page; empty when it gave none.
    pub snippet: String,
    /// Rank among the organic results, from 1.
    pub position: u32,
}

/// A web search engine.
#[async_trait]
pub trait SearchProvider: Send + Sync {
    /// Stable provider name (`serper`, `google_cse`), used in usage rows, cache keys and
    /// attempts.
    fn name(&self) -> &'static str;

    /// Runs one query. Every HTTP call made is recorded in `usage`.
    async fn search(
        &self,
        query: &SearchQuery,
        usage: &dyn UsageSink,
    ) -> Result<Vec<SearchResult>, ProviderError>;
}

/// Builds a result from a provider's raw fields: `None` without a title or a parseable
/// absolute link, since such a result cannot be used or cited.
pub(crate) fn to_result(
    title: Option<String>,
    link: Option<String>,
    snippet: Option<String>,
    position: u32,
) -> Option<SearchResult> {
    let title = title
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())?;
    let link = Url::parse(link?.trim()).ok()?;
    Some(SearchResult {
        title,
        link,
        snippet: snippet.map(|s| s.trim().to_owned()).unwrap_or_default(),
        position,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn num_is_clamped_and_country_lowercased() {
        let q = SearchQuery::new(" dentist austin ", 50).with_country("US");
        assert_eq!(q.q, "dentist austin");
        assert_eq!(q.num, MAX_RESULTS);
        assert_eq!(q.country().as_deref(), Some("us"));
        assert_eq!(SearchQuery::new("x", 0).num, 1);
        assert_eq!(SearchQuery::new("x", 3).with_country(" ").country(), None);
    }

    #[test]
    fn results_without_title_or_absolute_link_are_dropped() {
        let ok = to_result(Some("A".into()), Some("https://a.example/".into()), None, 1).unwrap();
        assert_eq!(ok.snippet, "");
        assert_eq!(
            to_result(None, Some("https://a.example/".into()), None, 1),
            None
        );
        assert_eq!(
            to_result(Some("A".into()), Some("/relative".into()), None, 1),
            None
        );
        assert_eq!(to_result(Some("A".into()), None, None, 1), None);
    }
}
