//! OpenStreetMap, keyless: Nominatim turns a geography into a bounding box, Overpass lists
//! the businesses tagged for the vertical inside it.
//!
//! Nominatim's usage policy asks for an identifying user agent (the shared
//! [`crate::http::USER_AGENT`]) and at most one request per second: [`OsmClient`] spaces its
//! Nominatim requests by [`OsmConfig::min_interval`]. Overpass answers a whole area at once,
//! so there is never a next page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::{PlaceSource, RawPlace};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::geo::GeoResolver;
use super::{Bounds, PageToken, PlacesPage, PlacesProvider, PlacesQuery, osm_tags_for_vertical};
use crate::error::ProviderError;
use crate::http::{HttpClient, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

const NOMINATIM: &str = "nominatim";
const OVERPASS: &str = "overpass";

/// Where Nominatim and Overpass are and how gently to use Nominatim.
#[derive(Debug, Clone)]
pub struct OsmConfig {
    /// Nominatim base, `https://nominatim.openstreetmap.org` in production.
    pub nominatim_base_url: Url,
    /// Overpass base, `https://overpass-api.de` in production.
    pub overpass_base_url: Url,
    /// Minimum time between two Nominatim requests (1 s for the public instance).
    pub min_interval: Duration,
}

impl Default for OsmConfig {
    fn default() -> Self {
        Self {
            nominatim_base_url: Url::parse("https://nominatim.openstreetmap.org")
                .expect("static URL parses"),
            overpass_base_url: Url::parse("https://overpass-api.de").expect("static URL parses"),
            min_interval: Duration::from_secs(1),
        }
    }
}

/// One Nominatim `jsonv2` search hit.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NominatimPlace {
    pub(crate) display_name: String,
    pub(crate) lat: String,
    pub(crate) lon: String,
    /// `[south, north, west, east]`, as strings.
    pub(crate) boundingbox: Vec<String>,
    #[serde(default)]
    pub(crate) address: HashMap<String, serde_json::Value>,
}

/// An Overpass `[out:json]` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct OverpassResponse {
    #[serde(default)]
    pub(crate) elements: Vec<Element>,
    pub(crate) remark: Option<String>,
}

/// One node, way or relation.
#[derive(Debug, Deserialize)]
pub(crate) struct Element {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) id: u64,
    pub(crate) lat: Option<f64>,
    pub(crate) lon: Option<f64>,
    pub(crate) center: Option<Center>,
    #[serde(default)]
    pub(crate) tags: HashMap<String, String>,
}

/// The centre Overpass computes for ways and relations (`out center`).
#[derive(Debug, Deserialize)]
pub(crate) struct Center {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

/// Low-level Nominatim and Overpass calls, each recorded in a usage sink.
#[derive(Debug)]
pub struct OsmClient {
    config: OsmConfig,
    http: HttpClient,
    prices: PriceTable,
    last_nominatim: Mutex<Option<Instant>>,
}

impl OsmClient {
    /// A client over a shared HTTP client, billing calls with `prices`.
    pub fn new(config: OsmConfig, http: HttpClient, prices: PriceTable) -> Self {
        Self {
            config,
            http,
            prices,
            last_nominatim: Mutex::new(None),
        }
    }

    /// Nominatim's best match for `text`, if any.
    pub(crate) async fn nominatim_search(
        &self,
        text: &str,
        usage: &dyn UsageSink,
    ) -> Result<Option<NominatimPlace>, ProviderError> {
        self.pace_nominatim().await;
        let url = endpoint(&self.config.nominatim_base_url, "search");
        let meter = CallMeter::start(NOMINATIM, "geo.resolve");
        let sent = self
            .http
            .send(NOMINATIM, |client| {
                client.get(&url).query(&[
                    ("q", text),
                    ("format", "jsonv2"),
                    ("limit", "1"),
                    ("addressdetails", "1"),
                ])
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| match r.status_error(NOMINATIM) {
            Some(err) => Err(err),
            None => decode::<Vec<NominatimPlace>>(NOMINATIM, "search response", &r.body),
        });
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        Ok(result?.into_iter().next())
    }

    /// Runs an Overpass QL query.
    pub(crate) async fn overpass(
        &self,
        ql: &str,
        operation: &'static str,
        usage: &dyn UsageSink,
    ) -> Result<OverpassResponse, ProviderError> {
        let url = endpoint(&self.config.overpass_base_url, "api/interpreter");
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("data", ql)
            .finish();
        let meter = CallMeter::start(OVERPASS, operation);
        let sent = self
            .http
            .send(OVERPASS, |client| {
                client
                    .post(&url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(form.clone())
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| match r.status_error(OVERPASS) {
            Some(err) => Err(err),
            None => decode::<OverpassResponse>(OVERPASS, "interpreter response", &r.body),
        });
        let result = result.and_then(|response| match &response.remark {
            // Overpass reports timeouts and memory exhaustion in a 200 with a remark.
            Some(remark) if remark.contains("error") && response.elements.is_empty() => {
                Err(ProviderError::Upstream {
                    provider: OVERPASS,
                    status: "remark".to_owned(),
                    message: remark.clone(),
                })
            }
            _ => Ok(response),
        });
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        result
    }

    /// Waits for this caller's Nominatim slot. Slots are claimed under a short lock and
    /// waited for outside it, so concurrent callers queue one interval apart.
    async fn pace_nominatim(&self) {
        let wait = match self.last_nominatim.lock() {
            Ok(mut last) => reserve_slot(&mut last, Instant::now(), self.config.min_interval),
            Err(_) => self.config.min_interval,
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Claims the first start time at least `interval` after the previous one (and not in the
/// past); returns how long to wait from `now` until it.
fn reserve_slot(last: &mut Option<Instant>, now: Instant, interval: Duration) -> Duration {
    let start = match *last {
        Some(previous) => (previous + interval).max(now),
        None => now,
    };
    *last = Some(start);
    start - now
}

fn decode<T: DeserializeOwned>(
    provider: &'static str,
    what: &str,
    body: &[u8],
) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::decode(provider, what, e))
}

/// OpenStreetMap as a places provider.
#[derive(Debug, Clone)]
pub struct OsmPlaces {
    geo: Arc<GeoResolver>,
}

impl OsmPlaces {
    /// A provider sharing `geo` (and so its Nominatim pacing) with the chain.
    pub fn new(geo: Arc<GeoResolver>) -> Self {
        Self { geo }
    }
}

#[async_trait]
impl PlacesProvider for OsmPlaces {
    fn source(&self) -> PlaceSource {
        PlaceSource::Osm
    }

    fn benefits_from_subareas(&self) -> bool {
        false
    }

    async fn search_page(
        &self,
        query: &PlacesQuery,
        page: Option<&PageToken>,
        usage: &dyn UsageSink,
    ) -> Result<PlacesPage, ProviderError> {
        if page.is_some() {
            return Ok(PlacesPage::empty());
        }
        let tags = osm_tags_for_vertical(&query.vertical).ok_or_else(|| {
            ProviderError::UnsupportedVertical {
                vertical: query.vertical.clone(),
            }
        })?;
        let bounds = match query.bounds {
            Some(bounds) => bounds,
            None => self
                .geo
                .resolve(&query.geography, usage)
                .await?
                .ok_or_else(|| ProviderError::GeographyNotFound {
                    geography: query.geography.clone(),
                })?
                .bounds(),
        };
        let ql = places_ql(tags, &bounds);
        let response = self
            .geo
            .client()
            .overpass(&ql, "places.search", usage)
            .await?;
        let places = response
            .elements
            .into_iter()
            .filter_map(|e| to_raw(e, tags))
            .collect();
        Ok(PlacesPage { places, next: None })
    }
}

/// `(S,W,N,E)` as Overpass expects a bounding box.
pub(crate) fn bbox(b: &Bounds) -> String {
    format!("({},{},{},{})", b.south, b.west, b.north, b.east)
}

/// The Overpass query for every element carrying one of `tags` inside `bounds`.
pub fn places_ql(tags: &[(&str, &str)], bounds: &Bounds) -> String {
    let bbox = bbox(bounds);
    let mut ql = String::from("[out:json][timeout:25];\n(\n");
    for (key, value) in tags {
        ql.push_str(&format!("  nwr[\"{key}\"=\"{value}\"]{bbox};\n"));
    }
    ql.push_str(");\nout center tags;\n");
    ql
}

fn to_raw(element: Element, tags: &[(&str, &str)]) -> Option<RawPlace> {
    let t = &element.tags;
    let get = |key: &str| t.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let name = get("name")?.to_owned();
    let (latitude, longitude) = match (&element.center, element.lat, element.lon) {
        (_, Some(lat), Some(lon)) => (Some(lat), Some(lon)),
        (Some(c), _, _) => (Some(c.lat), Some(c.lon)),
        _ => (None, None),
    };
    let street = [get("addr:housenumber"), get("addr:street")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let composed = [
        Some(street.as_str()),
        get("addr:city"),
        get("addr:postcode"),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let address = get("addr:full")
        .map(str::to_owned)
        .or_else(|| (!composed.is_empty()).then_some(composed));
    Some(RawPlace {
        place_id: format!("osm:{}/{}", element.kind, element.id),
        source: PlaceSource::Osm,
        name,
        address,
        city: get("addr:city").map(str::to_owned),
        phone: get("phone")
            .or_else(|| get("contact:phone"))
            .map(str::to_owned),
        website: get("website")
            .or_else(|| get("contact:website"))
            .or_else(|| get("url"))
            .map(str::to_owned),
        rating: None,
        reviews_count: None,
        latitude,
        longitude,
        categories: tags
            .iter()
            .filter(|(k, v)| t.get(*k).is_some_and(|actual| actual == v))
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nominatim_slots_are_spaced_by_the_minimum_interval() {
        let second = Duration::from_secs(1);
        let t0 = Instant::now();
        let mut last = None;
        assert_eq!(reserve_slot(&mut last, t0, second), Duration::ZERO);
        let soon = t0 + Duration::from_millis(300);
        assert_eq!(
            reserve_slot(&mut last, soon, second),
            Duration::from_millis(700)
        );
        assert_eq!(
            reserve_slot(&mut last, soon, second),
            Duration::from_millis(1700)
        );
        let much_later = t0 + Duration::from_secs(60);
        assert_eq!(reserve_slot(&mut last, much_later, second), Duration::ZERO);
        let mut unpaced = None;
        assert_eq!(
            reserve_slot(&mut unpaced, t0, Duration::ZERO),
            Duration::ZERO
        );
        assert_eq!(
            reserve_slot(&mut unpaced, t0, Duration::ZERO),
            Duration::ZERO
        );
    }

    #[test]
    fn places_query_has_one_line_per_tag_in_south_west_north_east_order() {
        let bounds = Bounds {
            south: 30.1,
            west: -97.9,
            north: 30.5,
            east: -97.5,
        };
        let ql = places_ql(
            &[("amenity", "dentist"), ("healthcare", "dentist")],
            &bounds,
        );
        assert_eq!(
            ql,
            "[out:json][timeout:25];\n(\n  nwr[\"amenity\"=\"dentist\"](30.1,-97.9,30.5,-97.5);\n  \
             nwr[\"healthcare\"=\"dentist\"](30.1,-97.9,30.5,-97.5);\n);\nout center tags;\n"
        );
    }
}
