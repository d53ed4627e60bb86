//! The places provider chain: the `source` phase's way of turning a vertical and a
//! geography into raw places.
//!
//! Providers are tried in order. A provider that fails (after its own retries) or finds
//! nothing on its first page hands over to the next; the first one that answers with at least
//! one place is kept, and its later errors are recorded without losing what it found. Each
//! page goes through the response cache. When a provider's pagination runs out below the
//! target (Google stops at 60 results per query) and a [`GeoResolver`] is available, the
//! geography is split into neighbourhoods and each is queried, merging by place id.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{PlaceSource, RawPlace};
use serde_json::json;

use super::geo::GeoResolver;
use super::{PageToken, PlacesPage, PlacesProvider, PlacesQuery};
use crate::cache::{ResponseCache, cache_key, normalize_query_text};
use crate::error::ProviderError;
use crate::usage::{UsageRecord, UsageSink};

mod outcome;

pub use outcome::{
    AttemptOutcome, ProviderAttempt, SourcingError, SourcingOutcome, SourcingRequest,
};

/// Pages fetched for one query at most, whatever the provider says about more.
pub const MAX_PAGES_PER_QUERY: usize = 10;

/// Providers in order, with a cache and an optional geography splitter.
pub struct PlacesChain {
    providers: Vec<Arc<dyn PlacesProvider>>,
    geo: Option<Arc<GeoResolver>>,
    cache: Arc<dyn ResponseCache>,
    cache_ttl: Duration,
}

impl fmt::Debug for PlacesChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources: Vec<_> = self.providers.iter().map(|p| p.source()).collect();
        f.debug_struct("PlacesChain")
            .field("providers", &sources)
            .field("geo", &self.geo.is_some())
            .field("cache_ttl", &self.cache_ttl)
            .finish_non_exhaustive()
    }
}

/// Places gathered so far, deduplicated by id.
#[derive(Debug, Default)]
struct Gathered {
    places: Vec<RawPlace>,
    seen: HashSet<String>,
    pages: usize,
    cache_hits: usize,
}

impl Gathered {
    fn add(&mut self, places: Vec<RawPlace>) {
        for place in places {
            if self.seen.insert(place.place_id.clone()) {
                self.places.push(place);
            }
        }
    }
}

/// How one query's pagination ended.
enum QueryEnd {
    Target,
    Exhausted,
    Failed(ProviderError),
}

impl PlacesChain {
    /// A chain over `providers` (tried in order). `geo` enables geography splitting; pages
    /// are cached in `cache` for `cache_ttl`.
    pub fn new(
        providers: Vec<Arc<dyn PlacesProvider>>,
        geo: Option<Arc<GeoResolver>>,
        cache: Arc<dyn ResponseCache>,
        cache_ttl: Duration,
    ) -> Self {
        Self {
            providers,
            geo,
            cache,
            cache_ttl,
        }
    }

    /// Sources raw places for `req`, recording every call (and cache hit) in `usage`.
    #[tracing::instrument(skip_all, fields(places.vertical = %req.vertical,
        places.geography = %req.geography, places.target = req.target))]
    pub async fn source(
        &self,
        req: &SourcingRequest,
        usage: &dyn UsageSink,
    ) -> Result<SourcingOutcome, SourcingError> {
        if self.providers.is_empty() {
            return Err(SourcingError::NoProviders);
        }
        let mut attempts = Vec::new();
        let mut gathered = Gathered::default();
        let (mut any_empty, mut only_geography_failures) = (false, true);
        let query = PlacesQuery::new(&req.vertical, &req.geography, req.country.clone());
        for provider in &self.providers {
            let source = provider.source();
            let first = self.run_query(provider.as_ref(), &query, req.target, &mut gathered, usage);
            let (mut pages, end) = match first.await {
                Ok(done) => done,
                Err(err) => {
                    tracing::warn!(places.source = %source, error = %err, "provider failed");
                    only_geography_failures &=
                        matches!(err, ProviderError::GeographyNotFound { .. });
                    attempts.push(failed(source, &err));
                    continue;
                }
            };
            if gathered.places.is_empty() {
                any_empty = true;
                attempts.push(ProviderAttempt {
                    source,
                    outcome: AttemptOutcome::Empty,
                });
                continue;
            }
            let mut later_errors = Vec::new();
            let mut subareas_used = Vec::new();
            match end {
                QueryEnd::Failed(err) => later_errors.push(err),
                QueryEnd::Exhausted if gathered.places.len() < req.target => {
                    if let Some(geo) = self
                        .geo
                        .as_ref()
                        .filter(|_| provider.benefits_from_subareas())
                    {
                        let split = self.split(provider.as_ref(), geo, req, &mut gathered, usage);
                        let (sub_pages, names, errors) = split.await;
                        pages += sub_pages;
                        subareas_used = names;
                        later_errors.extend(errors);
                    }
                }
                QueryEnd::Exhausted | QueryEnd::Target => {}
            }
            let places = gathered.places.len();
            attempts.push(ProviderAttempt {
                source,
                outcome: AttemptOutcome::Answered { places, pages },
            });
            attempts.extend(later_errors.iter().map(|e| failed(source, e)));
            return Ok(SourcingOutcome {
                places: gathered.places,
                provider: Some(source),
                attempts,
                pages_fetched: gathered.pages,
                cache_hits: gathered.cache_hits,
                subareas_used,
            });
        }
        if any_empty {
            return Ok(SourcingOutcome {
                places: Vec::new(),
                provider: None,
                attempts,
                pages_fetched: gathered.pages,
                cache_hits: gathered.cache_hits,
                subareas_used: Vec::new(),
            });
        }
        if only_geography_failures {
            return Err(SourcingError::GeographyNotFound {
                geography: req.geography.clone(),
            });
        }
        Err(SourcingError::AllProvidersFailed { attempts })
    }

    /// Pages through one query until the target, the last page, or an error. An error on the
    /// first page is returned; a later one ends the query with what was gathered.
    async fn run_query(
        &self,
        provider: &dyn PlacesProvider,
        query: &PlacesQuery,
        target: usize,
        gathered: &mut Gathered,
        usage: &dyn UsageSink,
    ) -> Result<(usize, QueryEnd), ProviderError> {
        let mut token: Option<PageToken> = None;
        let mut pages = 0;
        loop {
            let page = match self
                .fetch_page(provider, query, token.as_ref(), gathered, usage)
                .await
            {
                Ok(page) => page,
                Err(err) if pages == 0 => return Err(err),
                Err(err) => return Ok((pages, QueryEnd::Failed(err))),
            };
            pages += 1;
            gathered.pages += 1;
            gathered.add(page.places);
            if gathered.places.len() >= target {
                return Ok((pages, QueryEnd::Target));
            }
            match page.next {
                Some(next) if pages < MAX_PAGES_PER_QUERY => token = Some(next),
                _ => return Ok((pages, QueryEnd::Exhausted)),
            }
        }
    }

    /// One page, from the cache when it has it.
    async fn fetch_page(
        &self,
        provider: &dyn PlacesProvider,
        query: &PlacesQuery,
        token: Option<&PageToken>,
        gathered: &mut Gathered,
        usage: &dyn UsageSink,
    ) -> Result<PlacesPage, ProviderError> {
        let source = provider.source().as_str();
        let key = page_cache_key(source, query, token);
        let started = Instant::now();
        if let Some(body) = self.cache.get(&key).await {
            match serde_json::from_str::<PlacesPage>(&body) {
                Ok(page) => {
                    gathered.cache_hits += 1;
                    usage.record(cache_hit_record(source, started)).await;
                    return Ok(page);
                }
                Err(err) => {
                    tracing::warn!(places.source = source, error = %err, "unreadable cached page")
                }
            }
        }
        let page = provider.search_page(query, token, usage).await?;
        match serde_json::to_string(&page) {
            Ok(body) => self.cache.put(&key, source, &body, self.cache_ttl).await,
            Err(err) => tracing::warn!(places.source = source, error = %err, "page not cached"),
        }
        Ok(page)
    }

    /// Queries the neighbourhoods of the geography until the target. Returns pages fetched,
    /// neighbourhoods queried and errors met.
    async fn split(
        &self,
        provider: &dyn PlacesProvider,
        geo: &GeoResolver,
        req: &SourcingRequest,
        gathered: &mut Gathered,
        usage: &dyn UsageSink,
    ) -> (usize, Vec<String>, Vec<ProviderError>) {
        let (mut pages, mut names, mut errors) = (0, Vec::new(), Vec::new());
        let area = match geo.resolve(&req.geography, usage).await {
            Ok(Some(area)) => area,
            Ok(None) => {
                let geography = req.geography.clone();
                return (
                    0,
                    names,
                    vec![ProviderError::GeographyNotFound { geography }],
                );
            }
            Err(err) => return (0, names, vec![err]),
        };
        let subareas = match geo.subareas(&area, usage).await {
            Ok(subareas) => subareas,
            Err(err) => return (0, names, vec![err]),
        };
        tracing::info!(
            places.subareas = subareas.len(),
            "geography saturated, splitting"
        );
        for sub in subareas {
            if gathered.places.len() >= req.target {
                break;
            }
            let geography = format!("{}, {}", sub.name, req.geography);
            let mut query = PlacesQuery::new(&req.vertical, &geography, req.country.clone());
            query.country = query.country.or_else(|| area.country_code.clone());
            query.bounds = Some(sub.bounds());
            names.push(sub.name);
            let end = match self
                .run_query(provider, &query, req.target, gathered, usage)
                .await
            {
                Ok((sub_pages, end)) => {
                    pages += sub_pages;
                    end
                }
                Err(err) => QueryEnd::Failed(err),
            };
            if let QueryEnd::Failed(err) = end {
                // Keep trying other neighbourhoods unless the provider has shut us out.
                let stop = matches!(
                    err,
                    ProviderError::RateLimited { .. }
                        | ProviderError::Unauthorized { .. }
                        | ProviderError::QuotaExceeded { .. }
                );
                errors.push(err);
                if stop {
                    break;
                }
            }
        }
        (pages, names, errors)
    }
}

fn failed(source: PlaceSource, err: &ProviderError) -> ProviderAttempt {
    ProviderAttempt {
        source,
        outcome: AttemptOutcome::Failed {
            error: err.to_string(),
        },
    }
}

/// The cache key of one page: the provider, everything that shapes the answer (free text
/// normalised) and the page token as given.
fn page_cache_key(source: &str, query: &PlacesQuery, token: Option<&PageToken>) -> String {
    let request = json!({
        "vertical": normalize_query_text(&query.vertical),
        "geography": normalize_query_text(&query.geography),
        "text_query": normalize_query_text(&query.text_query),
        "country": query.country.as_deref().map(str::to_lowercase),
        "bounds": query.bounds,
        "page": token.map(|t| t.0.as_str()),
    });
    cache_key(source, &request)
}

fn cache_hit_record(source: &str, started: Instant) -> UsageRecord {
    UsageRecord {
        provider: source.to_owned(),
        operation: "places.search".to_owned(),
        model: None,
        tokens_in: 0,
        tokens_out: 0,
        cost_usd: 0.0,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        status: "cache_hit".to_owned(),
        http_status: None,
    }
}
