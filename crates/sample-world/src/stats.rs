//! Request counters per endpoint, so tests can assert how many calls a client made.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Names of the counted endpoints.
pub mod endpoint {
    pub const SERPER_PLACES: &str = "serper.places";
    /// Serper's web search, `POST /search`.
    pub const SERPER_SEARCH: &str = "serper.search";
    /// Google Custom Search JSON API, `GET /customsearch/v1`.
    pub const GOOGLE_CSE: &str = "google.cse";
    pub const OPENAI_RESPONSES: &str = "openai.responses";
    pub const OPENAI_CHAT: &str = "openai.chat";
    pub const OPENAI_EMBEDDINGS: &str = "openai.embeddings";
    pub const GOOGLE_SEARCH_TEXT: &str = "google.searchText";
    pub const LEGACY_TEXT_SEARCH: &str = "google.legacy.textsearch";
    pub const LEGACY_DETAILS: &str = "google.legacy.details";
    pub const NOMINATIM_SEARCH: &str = "nominatim.search";
    pub const OVERPASS: &str = "overpass.interpreter";
    /// Firecrawl's `POST /v1/scrape` (its loads of the sites are not counted as site requests).
    pub const FIRECRAWL_SCRAPE: &str = "firecrawl.scrape";
    /// Every request to any business website; `site:{host}` counts one host (bare domain).
    pub const SITES: &str = "sites";
}

/// Shared request counters.
#[derive(Debug, Clone, Default)]
pub struct RequestStats {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl RequestStats {
    pub(crate) fn hit(&self, endpoint: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Requests seen by `endpoint` so far (see [`endpoint`] for the names).
    pub fn get(&self, endpoint: &str) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(endpoint).copied().unwrap_or(0)
    }

    /// Every counter.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets every counter back to zero.
    pub fn reset(&self) {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
