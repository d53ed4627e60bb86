//! The web search chain: Serper → Google Custom Search → empty, gracefully.
//!
//! Providers are tried in order; one that fails (after its own retries), is rate limited or
//! out of quota hands over to the next. An answer with no results is still an answer: both
//! engines are Google underneath, so asking the next one would pay twice for the same
//! nothing. When every provider fails, or none is configured, the outcome is empty and says
//! which providers were tried — web search enriches a run and must never fail one.
//!
//! Answers, empty ones included, are cached per provider and query. Before any call the cache
//! is read for every provider in order, so a provider that is down does not cost a failing
//! call each time another provider's answer is already known.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;

use super::{OPERATION, SearchProvider, SearchQuery, SearchResult};
use crate::cache::{ResponseCache, cache_key, normalize_query_text};
use crate::usage::{UsageRecord, UsageSink};

/// Providers in order, with a cache.
pub struct SearchChain {
    providers: Vec<Arc<dyn SearchProvider>>,
    cache: Arc<dyn ResponseCache>,
    cache_ttl: Duration,
}

impl fmt::Debug for SearchChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.providers.iter().map(|p| p.name()).collect();
        f.debug_struct("SearchChain")
            .field("providers", &names)
            .field("cache_ttl", &self.cache_ttl)
            .finish_non_exhaustive()
    }
}

/// How one provider did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchAttemptOutcome {
    /// It answered (possibly with no results), or the cache held its answer.
    Answered {
        /// Results returned.
        results: usize,
        /// Whether the answer came from the cache.
        cached: bool,
    },
    /// It failed.
    Failed {
        /// The error, one line, no secrets.
        error: String,
    },
}

/// One provider's part in a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchAttempt {
    /// Which provider (`serper`, `google_cse`).
    pub provider: String,
    /// How it did.
    pub outcome: SearchAttemptOutcome,
}

impl fmt::Display for SearchAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let provider = &self.provider;
        match &self.outcome {
            SearchAttemptOutcome::Answered { results, cached } => {
                let from = if *cached { " (cached)" } else { "" };
                write!(f, "{provider}: {results} results{from}")
            }
            SearchAttemptOutcome::Failed { error }
                if error.starts_with(&format!("{provider}:")) =>
            {
                f.write_str(error)
            }
            SearchAttemptOutcome::Failed { error } => write!(f, "{provider}: {error}"),
        }
    }
}

/// What a search produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchOutcome {
    /// Organic results of the provider that answered; empty when none did.
    pub results: Vec<SearchResult>,
    /// The provider that answered, if any did.
    pub provider: Option<String>,
    /// Every provider tried, in order (a cache hit counts as the provider answering).
    pub attempts: Vec<SearchAttempt>,
}

impl SearchOutcome {
    /// Whether the answer came from the cache.
    pub fn from_cache(&self) -> bool {
        self.attempts.iter().any(|a| {
            matches!(
                a.outcome,
                SearchAttemptOutcome::Answered { cached: true, .. }
            )
        })
    }
}

/// A result as the cache stores it (`url::Url` is kept as text).
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    title: String,
    link: String,
    snippet: String,
    position: u32,
}

impl SearchChain {
    /// A chain over `providers` (tried in order); answers are cached in `cache` for
    /// `cache_ttl`. An empty `providers` is allowed: every search is then empty.
    pub fn new(
        providers: Vec<Arc<dyn SearchProvider>>,
        cache: Arc<dyn ResponseCache>,
        cache_ttl: Duration,
    ) -> Self {
        Self {
            providers,
            cache,
            cache_ttl,
        }
    }

    /// Whether any provider is configured.
    pub fn is_configured(&self) -> bool {
        !self.providers.is_empty()
    }

    /// Searches, recording every call (and cache hit) in `usage`. Never fails: see the
    /// module documentation.
    #[tracing::instrument(skip_all, fields(search.num = query.num))]
    pub async fn search(&self, query: &SearchQuery, usage: &dyn UsageSink) -> SearchOutcome {
        for provider in &self.providers {
            if let Some(outcome) = self.cached(provider.name(), query, usage).await {
                return outcome;
            }
        }
        let mut attempts = Vec::new();
        for provider in &self.providers {
            let name = provider.name();
            match provider.search(query, usage).await {
                Ok(results) => {
                    self.store(name, query, &results).await;
                    attempts.push(SearchAttempt {
                        provider: name.to_owned(),
                        outcome: SearchAttemptOutcome::Answered {
                            results: results.len(),
                            cached: false,
                        },
                    });
                    return SearchOutcome {
                        results,
                        provider: Some(name.to_owned()),
                        attempts,
                    };
                }
                Err(err) => {
                    tracing::warn!(search.provider = name, error = %err, "search provider failed");
                    attempts.push(SearchAttempt {
                        provider: name.to_owned(),
                        outcome: SearchAttemptOutcome::Failed {
                            error: err.to_string(),
                        },
                    });
                }
            }
        }
        if self.providers.is_empty() {
            tracing::debug!("no web search provider configured");
        }
        SearchOutcome {
            results: Vec::new(),
            provider: None,
            attempts,
        }
    }

    async fn cached(
        &self,
        name: &str,
        query: &SearchQuery,
        usage: &dyn UsageSink,
    ) -> Option<SearchOutcome> {
        let started = Instant::now();
        let body = self.cache.get(&search_cache_key(name, query)).await?;
        let cached = match serde_json::from_str::<Vec<Cached>>(&body) {
            Ok(cached) => cached,
            Err(err) => {
                tracing::warn!(search.provider = name, error = %err, "unreadable cached answer");
                return None;
            }
        };
        let results: Vec<SearchResult> = cached
            .into_iter()
            .filter_map(|c| {
                Some(SearchResult {
                    title: c.title,
                    link: Url::parse(&c.link).ok()?,
                    snippet: c.snippet,
                    position: c.position,
                })
            })
            .collect();
        usage.record(cache_hit_record(name, started)).await;
        Some(SearchOutcome {
            attempts: vec![SearchAttempt {
                provider: name.to_owned(),
                outcome: SearchAttemptOutcome::Answered {
                    results: results.len(),
                    cached: true,
                },
            }],
            provider: Some(name.to_owned()),
            results,
        })
    }

    async fn store(&self, name: &str, query: &SearchQuery, results: &[SearchResult]) {
        let cached: Vec<Cached> = results
            .iter()
            .map(|r| Cached {
                title: r.title.clone(),
                link: r.link.to_string(),
                snippet: r.snippet.clone(),
                position: r.position,
            })
            .collect();
        match serde_json::to_string(&cached) {
            Ok(body) => {
                let key = search_cache_key(name, query);
                self.cache.put(&key, name, &body, self.cache_ttl).await;
            }
            Err(err) => tracing::warn!(search.provider = name, error = %err, "answer not cached"),
        }
    }
}

/// The cache key of one answer: the provider and everything that shapes it, the query text
/// normalised so that case and spacing do not split the cache.
fn search_cache_key(name: &str, query: &SearchQuery) -> String {
    let request = json!({
        "op": OPERATION,
        "q": normalize_query_text(&query.q),
        "num": query.clamped_num(),
        "gl": query.country(),
    });
    cache_key(name, &request)
}

fn cache_hit_record(name: &str, started: Instant) -> UsageRecord {
    UsageRecord {
        provider: name.to_owned(),
        operation: OPERATION.to_owned(),
        model: None,
        tokens_in: 0,
        tokens_out: 0,
        cost_usd: 0.0,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        status: "cache_hit".to_owned(),
        http_status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_key_ignores_case_and_spacing_but_not_provider_or_country() {
        let a = SearchQuery::new("Joe's  Pizza owner", 10);
        let b = SearchQuery::new("joe's pizza OWNER", 10);
        assert_eq!(
            search_cache_key("serper", &a),
            search_cache_key("serper", &b)
        );
        assert_ne!(
            search_cache_key("serper", &a),
            search_cache_key("google_cse", &a)
        );
        let us = a.clone().with_country("US");
        assert_ne!(
            search_cache_key("serper", &a),
            search_cache_key("serper", &us)
        );
    }
}
