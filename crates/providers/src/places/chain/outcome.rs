//! What a sourcing asks for and what it reports: the chain's request, per-provider attempts,
//! outcome and error.

use std::fmt;

use domain::{PlaceSource, RawPlace};
use serde::{Deserialize, Serialize};

/// What the `source` phase wants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcingRequest {
    /// The business vertical.
    pub vertical: String,
    /// The geography, as text.
    pub geography: String,
    /// Raw places wanted; the chain stops once it has this many (it may overshoot by part of
    /// a page, which it keeps: those calls are paid for).
    pub target: usize,
    /// ISO 3166-1 alpha-2 country code, if known.
    pub country: Option<String>,
}

/// How one provider did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// It found places.
    Answered {
        /// Distinct places found.
        places: usize,
        /// Pages fetched (cache hits included).
        pages: usize,
    },
    /// Its first page was empty.
    Empty,
    /// It failed; for the provider that answered, a later page or sub-area failed.
    Failed {
        /// The error, one line, no secrets.
        error: String,
    },
}

/// One provider's part in a sourcing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderAttempt {
    /// Which provider.
    pub source: PlaceSource,
    /// How it did.
    pub outcome: AttemptOutcome,
}

impl fmt::Display for ProviderAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = self.source.as_str();
        match &self.outcome {
            AttemptOutcome::Answered { places, pages } => {
                write!(f, "{source}: {places} places in {pages} pages")
            }
            AttemptOutcome::Empty => write!(f, "{source}: no results"),
            AttemptOutcome::Failed { error } if error.starts_with(&format!("{source}:")) => {
                f.write_str(error)
            }
            AttemptOutcome::Failed { error } => write!(f, "{source}: {error}"),
        }
    }
}

/// What a sourcing produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcingOutcome {
    /// Places, deduplicated by place id, in the order first seen.
    pub places: Vec<RawPlace>,
    /// The provider that answered, if any did.
    pub provider: Option<PlaceSource>,
    /// Every provider tried, in order, plus later failures of the one that answered.
    pub attempts: Vec<ProviderAttempt>,
    /// Pages obtained, from the providers or the cache.
    pub pages_fetched: usize,
    /// Pages served by the cache.
    pub cache_hits: usize,
    /// Neighbourhoods queried after the geography saturated.
    pub subareas_used: Vec<String>,
}

/// Why a sourcing produced nothing usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourcingError {
    /// The chain has no provider at all.
    #[error("no places provider is configured")]
    NoProviders,
    /// Every provider failed.
    #[error("every places provider failed: {}", summarize(.attempts))]
    AllProvidersFailed {
        /// Each provider and why it failed.
        attempts: Vec<ProviderAttempt>,
    },
    /// Every provider failed only because the geography could not be found.
    #[error("geography \"{geography}\" not found")]
    GeographyNotFound {
        /// The geography as given.
        geography: String,
    },
}

fn summarize(attempts: &[ProviderAttempt]) -> String {
    let parts: Vec<String> = attempts.iter().map(ToString::to_string).collect();
    parts.join("; ")
}
