//! Google Places API (legacy): Text Search, then Place Details per result.
//!
//! Text Search does not return phone numbers or websites, so each result costs one Details
//! call (at most [`DETAILS_CONCURRENCY`] in flight). The legacy API reports errors in a
//! `status` field of a 200 answer; a `next_page_token` only becomes valid a moment after it
//! is issued and Google answers `INVALID_REQUEST` until then, so that page is retried after
//! [`GoogleLegacyConfig::page_token_delay`]. The key travels in the query string: nothing
//! here ever logs or returns a URL.

use std::time::Duration;

use async_trait::async_trait;
use domain::{PlaceSource, RawPlace, Secret};
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::{PageToken, PlacesPage, PlacesProvider, PlacesQuery, city_from_address, non_empty};
use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

const PROVIDER: &str = "google_places_legacy";

/// Details fields requested: contact data plus what the search already had.
pub const DETAILS_FIELDS: &str = "place_id,name,formatted_address,address_component,\
international_phone_number,formatted_phone_number,website,rating,user_ratings_total,geometry,\
types,business_status";

/// Details calls in flight at once for one page.
pub const DETAILS_CONCURRENCY: usize = 4;

/// How many times a page whose token is not valid yet is retried.
pub const PAGE_TOKEN_RETRIES: u32 = 3;

/// Where the legacy API is, the key, and how long a fresh page token needs.
#[derive(Debug, Clone)]
pub struct GoogleLegacyConfig {
    /// API base, `https://maps.googleapis.com` in production.
    pub base_url: Url,
    /// The `key` query parameter.
    pub api_key: Secret,
    /// Wait before retrying a page whose token Google does not accept yet (2 s in production).
    pub page_token_delay: Duration,
}

impl GoogleLegacyConfig {
    /// The production base URL.
    pub fn default_base_url() -> Url {
        Url::parse("https://maps.googleapis.com").expect("static URL parses")
    }

    /// The production wait before retrying a page token.
    pub const DEFAULT_PAGE_TOKEN_DELAY: Duration = Duration::from_secs(2);
}

/// The legacy Text Search + Details client.
#[derive(Debug, Clone)]
pub struct GooglePlacesLegacy {
    config: GoogleLegacyConfig,
    http: HttpClient,
    prices: PriceTable,
}

#[derive(Debug, Deserialize)]
struct SearchResponse {
    #[serde(default)]
    results: Vec<SearchResult>,
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SearchResult {
    place_id: Option<String>,
    name: Option<String>,
    formatted_address: Option<String>,
    geometry: Option<Geometry>,
    rating: Option<f64>,
    user_ratings_total: Option<u32>,
    #[serde(default)]
    types: Vec<String>,
    business_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DetailsResponse {
    result: Option<Details>,
}

#[derive(Debug, Deserialize)]
struct Details {
    formatted_address: Option<String>,
    #[serde(default)]
    address_components: Vec<AddressComponent>,
    international_phone_number: Option<String>,
    formatted_phone_number: Option<String>,
    website: Option<String>,
    business_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AddressComponent {
    long_name: Option<String>,
    #[serde(default)]
    types: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Geometry {
    location: Option<Location>,
}

#[derive(Debug, Deserialize)]
struct Location {
    lat: Option<f64>,
    lng: Option<f64>,
}

impl GooglePlacesLegacy {
    /// A client over a shared HTTP client, billing calls with `prices`.
    pub fn new(config: GoogleLegacyConfig, http: HttpClient, prices: PriceTable) -> Self {
        Self {
            config,
            http,
            prices,
        }
    }

    /// One GET against the legacy API, recorded in `usage`; maps Google's `status` field.
    async fn get<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        params: &[(&str, String)],
        usage: &dyn UsageSink,
    ) -> Result<T, ProviderError> {
        let url = endpoint(&self.config.base_url, path);
        let meter = CallMeter::start(PROVIDER, operation);
        let sent = self
            .http
            .send(PROVIDER, |client| {
                client
                    .get(&url)
                    .query(params)
                    .query(&[("key", self.config.api_key.expose())])
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|response| {
            if let Some(err) = response.status_error(PROVIDER) {
                return Err(err);
            }
            let value: Value = serde_json::from_slice(&response.body)
                .map_err(|e| ProviderError::decode(PROVIDER, operation, e))?;
            self.check_status(&value)?;
            serde_json::from_value(value).map_err(|e| ProviderError::decode(PROVIDER, operation, e))
        });
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        result
    }

    fn check_status(&self, value: &Value) -> Result<(), ProviderError> {
        let status = value.get("status").and_then(Value::as_str).unwrap_or("");
        let message = value
            .get("error_message")
            .and_then(Value::as_str)
            .map(|m| scrub(m, self.config.api_key.expose()))
            .unwrap_or_default();
        match status {
            "OK" | "ZERO_RESULTS" => Ok(()),
            "OVER_QUERY_LIMIT" => Err(ProviderError::RateLimited {
                provider: PROVIDER,
                retry_after: None,
            }),
            "OVER_DAILY_LIMIT" => Err(ProviderError::QuotaExceeded { provider: PROVIDER }),
            "REQUEST_DENIED" => Err(ProviderError::Unauthorized { provider: PROVIDER }),
            "" => Err(ProviderError::decode(
                PROVIDER,
                "response",
                "no status field",
            )),
            other => Err(ProviderError::Upstream {
                provider: PROVIDER,
                status: other.to_owned(),
                message,
            }),
        }
    }

    async fn text_search(
        &self,
        query: &PlacesQuery,
        page: Option<&PageToken>,
        usage: &dyn UsageSink,
    ) -> Result<SearchResponse, ProviderError> {
        let mut params = vec![("query", query.text_query.clone())];
        if let Some(token) = page {
            params.push(("pagetoken", token.0.clone()));
        }
        if let Some(country) = &query.country {
            params.push(("region", country.to_lowercase()));
        }
        let policy = self.http.retry_policy();
        let mut attempt = 0;
        loop {
            let path = "maps/api/place/textsearch/json";
            let result = self.get("places.search", path, &params, usage).await;
            let wait = match &result {
                Err(ProviderError::Upstream { status, .. })
                    if status == "INVALID_REQUEST"
                        && page.is_some()
                        && attempt < PAGE_TOKEN_RETRIES =>
                {
                    self.config.page_token_delay
                }
                Err(ProviderError::Upstream { status, .. })
                    if status == "UNKNOWN_ERROR" && attempt < policy.max_retries =>
                {
                    policy.backoff(attempt)
                }
                _ => return result,
            };
            tracing::debug!(
                provider.name = PROVIDER,
                retry.attempt = attempt + 1,
                retry.delay_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying text search page"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The place as Text Search described it, completed by Details. `None` when the place
    /// is permanently closed. Errors that would hit every other call too are returned;
    /// others leave the place without contact data.
    async fn enrich(
        &self,
        result: SearchResult,
        usage: &dyn UsageSink,
    ) -> Result<Option<RawPlace>, ProviderError> {
        let Some(mut place) = from_search(result) else {
            return Ok(None);
        };
        let params = [
            ("place_id", place.place_id.clone()),
            ("fields", DETAILS_FIELDS.to_owned()),
        ];
        let path = "maps/api/place/details/json";
        let details = match self
            .get::<DetailsResponse>("places.details", path, &params, usage)
            .await
        {
            Ok(response) => response.result,
            Err(
                err @ (ProviderError::Unauthorized { .. }
                | ProviderError::QuotaExceeded { .. }
                | ProviderError::RateLimited { .. }),
            ) => return Err(err),
            Err(err) => {
                tracing::warn!(provider.name = PROVIDER, error = %err, "place details failed");
                None
            }
        };
        if let Some(d) = details {
            if d.business_status.as_deref() == Some("CLOSED_PERMANENTLY") {
                return Ok(None);
            }
            let component = |kind: &str| {
                d.address_components
                    .iter()
                    .find(|c| c.types.iter().any(|t| t == kind))
                    .and_then(|c| non_empty(c.long_name.clone()))
            };
            if let Some(city) = component("locality").or_else(|| component("postal_town")) {
                place.city = Some(city);
            }
            place.address = non_empty(d.formatted_address).or(place.address);
            place.phone = non_empty(d.international_phone_number)
                .or_else(|| non_empty(d.formatted_phone_number));
            place.website = non_empty(d.website);
        }
        Ok(Some(place))
    }
}

fn from_search(result: SearchResult) -> Option<RawPlace> {
    if result.business_status.as_deref() == Some("CLOSED_PERMANENTLY") {
        return None;
    }
    let location = result.geometry.and_then(|g| g.location);
    let address = non_empty(result.formatted_address);
    Some(RawPlace {
        place_id: non_empty(result.place_id)?,
        source: PlaceSource::GooglePlacesLegacy,
        name: non_empty(result.name)?,
        city: address.as_deref().and_then(city_from_address),
        address,
        phone: None,
        website: None,
        rating: result.rating,
        reviews_count: result.user_ratings_total,
        latitude: location.as_ref().and_then(|l| l.lat),
        longitude: location.as_ref().and_then(|l| l.lng),
        categories: result.types,
    })
}

#[async_trait]
impl PlacesProvider for GooglePlacesLegacy {
    fn source(&self) -> PlaceSource {
        PlaceSource::GooglePlacesLegacy
    }

    async fn search_page(
        &self,
        query: &PlacesQuery,
        page: Option<&PageToken>,
        usage: &dyn UsageSink,
    ) -> Result<PlacesPage, ProviderError> {
        let search = self.text_search(query, page, usage).await?;
        let places: Vec<Option<RawPlace>> = futures::stream::iter(search.results)
            .map(|result| self.enrich(result, usage))
            .buffered(DETAILS_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(PlacesPage {
            places: places.into_iter().flatten().collect(),
            next: non_empty(search.next_page_token).map(PageToken),
        })
    }
}
