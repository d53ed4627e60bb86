//! Places providers: who sells a vertical in a geography.
//!
//! Four real clients implement [`PlacesProvider`] — [`serper::SerperPlaces`],
//! [`google_new::GooglePlacesNew`], [`google_legacy::GooglePlacesLegacy`] and
//! [`osm::OsmPlaces`] — and [`chain::PlacesChain`] tries them in order, paginates, caches
//! pages and splits a saturated geography into neighbourhoods with [`geo::GeoResolver`].
//!
//! Usage attribution: providers are built once (with their [`crate::usage::PriceTable`]) and
//! shared; the caller passes `&dyn UsageSink` into every call, so each run's calls are
//! recorded against that run without rebuilding clients.

use async_trait::async_trait;
use domain::{PlaceSource, RawPlace};
use serde::{Deserialize, Serialize};

use crate::error::ProviderError;
use crate::usage::UsageSink;

pub mod chain;
pub mod geo;
pub mod google_legacy;
pub mod google_new;
pub mod osm;
mod osm_tags;
pub mod serper;

pub use osm_tags::osm_tags_for_vertical;

/// A rectangle in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Southern latitude.
    pub south: f64,
    /// Western longitude.
    pub west: f64,
    /// Northern latitude.
    pub north: f64,
    /// Eastern longitude.
    pub east: f64,
}

/// What to search for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacesQuery {
    /// The business vertical (`dentist`).
    pub vertical: String,
    /// The geography as text (`Austin, TX`).
    pub geography: String,
    /// Free text sent to text-search providers: `"{vertical} in {geography}"`.
    pub text_query: String,
    /// ISO 3166-1 alpha-2 country code biasing results, if known.
    pub country: Option<String>,
    /// Restrict results to this rectangle, where the provider supports it.
    pub bounds: Option<Bounds>,
}

impl PlacesQuery {
    /// A query for `vertical` in `geography`, with the text query derived from both.
    pub fn new(vertical: &str, geography: &str, country: Option<String>) -> Self {
        Self {
            vertical: vertical.trim().to_owned(),
            geography: geography.trim().to_owned(),
            text_query: format!("{} in {}", vertical.trim(), geography.trim()),
            country,
            bounds: None,
        }
    }
}

/// An opaque position in a provider's result list (a token, or a page number for Serper).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageToken(pub String);

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacesPage {
    /// Places on this page, in the provider's order.
    pub places: Vec<RawPlace>,
    /// Where the next page starts, if there is one.
    pub next: Option<PageToken>,
}

impl PlacesPage {
    /// A page with nothing on it and nothing after it.
    pub fn empty() -> Self {
        Self {
            places: Vec::new(),
            next: None,
        }
    }
}

/// A source of places.
#[async_trait]
pub trait PlacesProvider: Send + Sync {
    /// Which provider this is.
    fn source(&self) -> PlaceSource;

    /// Whether querying sub-areas of a geography can find more than querying the whole: true
    /// for ranked text search capped per query, false for providers that already return every
    /// match in an area (OpenStreetMap).
    fn benefits_from_subareas(&self) -> bool {
        true
    }

    /// Fetches one page: the first when `page` is `None`. Every HTTP call made is recorded
    /// in `usage`.
    async fn search_page(
        &self,
        query: &PlacesQuery,
        page: Option<&PageToken>,
        usage: &dyn UsageSink,
    ) -> Result<PlacesPage, ProviderError>;
}

/// Reads the locality off a US-shaped address (`"7 Carmine St, New York, NY 10014"`, optionally
/// followed by a country), for providers that give no separate city. `None` when unsure.
pub(crate) fn city_from_address(address: &str) -> Option<String> {
    let mut parts: Vec<&str> = address.split(',').map(str::trim).collect();
    if parts.len() >= 4 && !parts[parts.len() - 1].chars().any(|c| c.is_ascii_digit()) {
        parts.pop();
    }
    if parts.len() < 3 {
        return None;
    }
    let last = parts[parts.len() - 1];
    let mut words = last.split_whitespace();
    let state = words.next()?;
    let zip = words.next()?;
    let looks_like_state_zip = state.len() == 2
        && state.chars().all(|c| c.is_ascii_uppercase())
        && zip.chars().take(5).all(|c| c.is_ascii_digit())
        && words.next().is_none();
    let city = parts[parts.len() - 2];
    (looks_like_state_zip && !city.is_empty()).then(|| city.to_owned())
}

/// `Some(s)` unless `s` is empty or blank.
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_text_joins_vertical_and_geography() {
        let q = PlacesQuery::new(" dentist ", "Austin, TX", Some("US".into()));
        assert_eq!(q.text_query, "dentist in Austin, TX");
        assert_eq!(q.bounds, None);
    }

    #[test]
    fn city_is_read_off_us_addresses_only() {
        assert_eq!(
            city_from_address("7 Carmine St, New York, NY 10014, United States").as_deref(),
            Some("New York")
        );
        assert_eq!(
            city_from_address("1219 Lexington Ave, Austin, TX 78701").as_deref(),
            Some("Austin")
        );
        assert_eq!(city_from_address("1219 Lexington Ave"), None);
        assert_eq!(
            city_from_address("10 Downing St, London SW1A 2AA, UK"),
            None
        );
    }
}
