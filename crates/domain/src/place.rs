//! A business as a places provider describes it, before triage.

use serde::{Deserialize, Serialize};

/// Which places provider a record came from. The string forms are stable: they are stored in
/// `client_opportunities.source`, `response_cache.source` and `api_usage_logs.provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceSource {
    /// Serper `/places`.
    Serper,
    /// Google Places API (New), `places:searchText`.
    GooglePlaces,
    /// Google Places API (legacy) Text Search + Place Details.
    GooglePlacesLegacy,
    /// OpenStreetMap through Nominatim and Overpass.
    Osm,
}

impl PlaceSource {
    /// The stable name of the source.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Serper => "serper",
            Self::GooglePlaces => "google_places",
            Self::GooglePlacesLegacy => "google_places_legacy",
            Self::Osm => "osm",
        }
    }

    /// Parses a stable name back.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "serper" => Self::Serper,
            "google_places" => Self::GooglePlaces,
            "google_places_legacy" => Self::GooglePlacesLegacy,
            "osm" => Self::Osm,
            _ => return None,
        })
    }
}

impl std::fmt::Display for PlaceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One business exactly as a provider returned it, normalised only in shape: every field is
/// still unvalidated outside data. Triage turns it into a lead or discards it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawPlace {
    /// The provider's own id for the place (Google place id, Serper `placeId`/`cid`,
    /// `osm:node/123` for OpenStreetMap).
    pub place_id: String,
    /// Which provider answered.
    pub source: PlaceSource,
    /// Business name as listed.
    pub name: String,
    /// Formatted street address, if given.
    pub address: Option<String>,
    /// Locality, if the provider gives it separately or it can be read off the address.
    pub city: Option<String>,
    /// Phone number as listed (any format; validated by triage).
    pub phone: Option<String>,
    /// Website as listed (any format; canonicalised by triage).
    pub website: Option<String>,
    /// Average rating, 0–5.
    pub rating: Option<f64>,
    /// Number of ratings/reviews.
    pub reviews_count: Option<u32>,
    /// Latitude, WGS84.
    pub latitude: Option<f64>,
    /// Longitude, WGS84.
    pub longitude: Option<f64>,
    /// Provider categories/types (`dentist`, `amenity=dentist`, …).
    pub categories: Vec<String>,
}
