//! Google Places API (New): `POST {base}/v1/places:searchText`.
//!
//! The field mask asks for contact data in the same call (no Details round trip); pages are
//! 20 places and Google stops after three (60 results per query), which is what makes the
//! chain split big geographies. Permanently closed businesses are dropped.

use async_trait::async_trait;
use domain::{PlaceSource, RawPlace, Secret};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::{PageToken, PlacesPage, PlacesProvider, PlacesQuery, non_empty};
use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

const PROVIDER: &str = "google_places";

/// The `X-Goog-FieldMask` sent with every search: what we read and nothing else, since
/// Google bills by the richest field requested.
pub const FIELD_MASK: &str = "places.id,places.displayName,places.formattedAddress,\
places.addressComponents,places.internationalPhoneNumber,places.nationalPhoneNumber,\
places.websiteUri,places.rating,places.userRatingCount,places.location,places.types,\
places.businessStatus,nextPageToken";

/// Results per page (Google's maximum).
pub const PAGE_SIZE: u32 = 20;

/// Where the Places API (New) is and the key to use.
#[derive(Debug, Clone)]
pub struct GooglePlacesConfig {
    /// API base, `https://places.googleapis.com` in production.
    pub base_url: Url,
    /// The `X-Goog-Api-Key`.
    pub api_key: Secret,
}

impl GooglePlacesConfig {
    /// The production base URL.
    pub fn default_base_url() -> Url {
        Url::parse("https://places.googleapis.com").expect("static URL parses")
    }
}

/// The Places API (New) client.
#[derive(Debug, Clone)]
pub struct GooglePlacesNew {
    config: GooglePlacesConfig,
    http: HttpClient,
    prices: PriceTable,
}

impl GooglePlacesNew {
    /// A client over a shared HTTP client, billing calls with `prices`.
    pub fn new(config: GooglePlacesConfig, http: HttpClient, prices: PriceTable) -> Self {
        Self {
            config,
            http,
            prices,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    places: Vec<Place>,
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Place {
    id: Option<String>,
    display_name: Option<LocalizedText>,
    formatted_address: Option<String>,
    #[serde(default)]
    address_components: Vec<AddressComponent>,
    international_phone_number: Option<String>,
    national_phone_number: Option<String>,
    website_uri: Option<String>,
    rating: Option<f64>,
    user_rating_count: Option<u32>,
    location: Option<LatLng>,
    #[serde(default)]
    types: Vec<String>,
    business_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LocalizedText {
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressComponent {
    long_text: Option<String>,
    #[serde(default)]
    types: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LatLng {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: GoogleError,
}

#[derive(Debug, Deserialize)]
struct GoogleError {
    message: Option<String>,
    status: Option<String>,
}

#[async_trait]
impl PlacesProvider for GooglePlacesNew {
    fn source(&self) -> PlaceSource {
        PlaceSource::GooglePlaces
    }

    async fn search_page(
        &self,
        query: &PlacesQuery,
        page: Option<&PageToken>,
        usage: &dyn UsageSink,
    ) -> Result<PlacesPage, ProviderError> {
        let body = request_body(query, page);
        let url = endpoint(&self.config.base_url, "v1/places:searchText");
        let meter = CallMeter::start(PROVIDER, "places.search");
        let sent = self
            .http
            .send(PROVIDER, |client| {
                client
                    .post(&url)
                    .header("X-Goog-Api-Key", self.config.api_key.expose())
                    .header("X-Goog-FieldMask", FIELD_MASK)
                    .json(&body)
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r));
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        result
    }
}

/// The search body. Google requires a follow-up page request to repeat the original
/// parameters alongside `pageToken`, so everything is sent every time.
fn request_body(query: &PlacesQuery, page: Option<&PageToken>) -> Value {
    let mut body = json!({ "textQuery": query.text_query, "pageSize": PAGE_SIZE });
    if let Some(token) = page {
        body["pageToken"] = Value::String(token.0.clone());
    }
    if let Some(country) = &query.country {
        body["regionCode"] = Value::String(country.to_uppercase());
    }
    if let Some(b) = &query.bounds {
        body["locationRestriction"] = json!({
            "rectangle": {
                "low": { "latitude": b.south, "longitude": b.west },
                "high": { "latitude": b.north, "longitude": b.east },
            }
        });
    }
    body
}

impl GooglePlacesNew {
    fn parse(&self, response: &HttpResponse) -> Result<PlacesPage, ProviderError> {
        if let Some(err) = response.status_error(PROVIDER) {
            return Err(self.refine_error(response, err));
        }
        let parsed: Response = serde_json::from_slice(&response.body)
            .map_err(|e| ProviderError::decode(PROVIDER, "searchText response", e))?;
        Ok(PlacesPage {
            places: parsed.places.into_iter().filter_map(to_raw).collect(),
            next: non_empty(parsed.next_page_token).map(PageToken),
        })
    }

    /// Google explains errors in `{"error": {"code", "message", "status"}}`.
    fn refine_error(&self, response: &HttpResponse, fallback: ProviderError) -> ProviderError {
        let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(&response.body) else {
            return fallback;
        };
        let status = envelope.error.status.unwrap_or_default();
        match status.as_str() {
            "PERMISSION_DENIED" | "UNAUTHENTICATED" => {
                ProviderError::Unauthorized { provider: PROVIDER }
            }
            "RESOURCE_EXHAUSTED" => ProviderError::RateLimited {
                provider: PROVIDER,
                retry_after: response.retry_after,
            },
            "" => fallback,
            _ if response.status >= 500 => fallback,
            _ => ProviderError::Upstream {
                provider: PROVIDER,
                message: scrub(
                    envelope.error.message.as_deref().unwrap_or(""),
                    self.config.api_key.expose(),
                ),
                status,
            },
        }
    }
}

fn to_raw(place: Place) -> Option<RawPlace> {
    if place.business_status.as_deref() == Some("CLOSED_PERMANENTLY") {
        return None;
    }
    let place_id = non_empty(place.id)?;
    let name = non_empty(place.display_name.and_then(|d| d.text))?;
    let component = |kind: &str| {
        place
            .address_components
            .iter()
            .find(|c| c.types.iter().any(|t| t == kind))
            .and_then(|c| non_empty(c.long_text.clone()))
    };
    let city = component("locality").or_else(|| component("postal_town"));
    Some(RawPlace {
        place_id,
        source: PlaceSource::GooglePlaces,
        name,
        address: non_empty(place.formatted_address),
        city,
        phone: non_empty(place.international_phone_number)
            .or_else(|| non_empty(place.national_phone_number)),
        website: non_empty(place.website_uri),
        rating: place.rating,
        reviews_count: place.user_rating_count,
        latitude: place.location.as_ref().and_then(|l| l.latitude),
        longitude: place.location.as_ref().and_then(|l| l.longitude),
        categories: place.types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::Bounds;

    #[test]
    fn body_carries_token_region_and_rectangle() {
        let mut query = PlacesQuery::new("dentist", "Hyde Park, Austin", Some("us".into()));
        query.bounds = Some(Bounds {
            south: 30.2,
            west: -97.8,
            north: 30.4,
            east: -97.6,
        });
        let body = request_body(&query, Some(&PageToken("tok".into())));
        assert_eq!(body["textQuery"], "dentist in Hyde Park, Austin");
        assert_eq!(body["pageSize"], 20);
        assert_eq!(body["pageToken"], "tok");
        assert_eq!(body["regionCode"], "US");
        assert_eq!(
            body["locationRestriction"]["rectangle"]["low"]["latitude"],
            30.2
        );
        assert_eq!(
            body["locationRestriction"]["rectangle"]["high"]["longitude"],
            -97.6
        );
    }
}
