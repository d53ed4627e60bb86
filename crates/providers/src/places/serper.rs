//! Serper `/places`: Google Maps results through serper.dev.
//!
//! `POST {base}/places` with `X-API-KEY` and `{"q", "page", "gl"}`. Pages are numbered from 1;
//! the next page is requested while a page has results, up to [`MAX_PAGES`].

use async_trait::async_trait;
use domain::{PlaceSource, RawPlace, Secret};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use url::Url;

use super::{PageToken, PlacesPage, PlacesProvider, PlacesQuery, city_from_address, non_empty};
use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

const PROVIDER: &str = "serper";

/// Serper stops paginating after this many pages of one query.
pub const MAX_PAGES: u32 = 10;

/// Where Serper is and the key to use.
#[derive(Debug, Clone)]
pub struct SerperConfig {
    /// API base, `https://google.serper.dev` in production.
    pub base_url: Url,
    /// The `X-API-KEY`.
    pub api_key: Secret,
}

impl SerperConfig {
    /// The production base URL.
    pub fn default_base_url() -> Url {
        Url::parse("https://google.serper.dev").expect("static URL parses")
    }
}

/// The Serper places client.
#[derive(Debug, Clone)]
pub struct SerperPlaces {
    config: SerperConfig,
    http: HttpClient,
    prices: PriceTable,
}

impl SerperPlaces {
    /// A client over a shared HTTP client, billing calls with `prices`.
    pub fn new(config: SerperConfig, http: HttpClient, prices: PriceTable) -> Self {
        Self {
            config,
            http,
            prices,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Response {
    #[serde(default)]
    places: Vec<Place>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Place {
    title: Option<String>,
    address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    rating: Option<f64>,
    rating_count: Option<u32>,
    category: Option<String>,
    phone_number: Option<String>,
    website: Option<String>,
    cid: Option<Value>,
    place_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
}

#[async_trait]
impl PlacesProvider for SerperPlaces {
    fn source(&self) -> PlaceSource {
        PlaceSource::Serper
    }

    async fn search_page(
        &self,
        query: &PlacesQuery,
        page: Option<&PageToken>,
        usage: &dyn UsageSink,
    ) -> Result<PlacesPage, ProviderError> {
        let number = match page {
            None => 1,
            Some(token) => token
                .0
                .parse::<u32>()
                .map_err(|_| ProviderError::decode(PROVIDER, "page token", "not a page number"))?,
        };
        let mut body = json!({ "q": query.text_query, "page": number });
        if let Some(country) = &query.country {
            body["gl"] = Value::String(country.to_lowercase());
        }
        let url = endpoint(&self.config.base_url, "places");
        let meter = CallMeter::start(PROVIDER, "places.search");
        let sent = self
            .http
            .send(PROVIDER, |client| {
                client
                    .post(&url)
                    .header("X-API-KEY", self.config.api_key.expose())
                    .json(&body)
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r, number));
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        result
    }
}

impl SerperPlaces {
    fn parse(&self, response: &HttpResponse, number: u32) -> Result<PlacesPage, ProviderError> {
        if let Some(err) = response.status_error(PROVIDER) {
            return Err(self.refine_error(response, err));
        }
        let parsed: Response = serde_json::from_slice(&response.body)
            .map_err(|e| ProviderError::decode(PROVIDER, "places response", e))?;
        let places: Vec<RawPlace> = parsed.places.into_iter().filter_map(to_raw).collect();
        let next =
            (!places.is_empty() && number < MAX_PAGES).then(|| PageToken((number + 1).to_string()));
        Ok(PlacesPage { places, next })
    }

    /// Serper explains some statuses in `{"message", "statusCode"}`: out of credits comes as
    /// a 400 saying so.
    fn refine_error(&self, response: &HttpResponse, fallback: ProviderError) -> ProviderError {
        let message = serde_json::from_slice::<ErrorBody>(&response.body)
            .ok()
            .and_then(|b| b.message)
            .map(|m| scrub(&m, self.config.api_key.expose()));
        match (&fallback, message) {
            (ProviderError::Http { status, .. }, Some(m)) if *status < 500 => {
                if m.to_lowercase().contains("credits") {
                    ProviderError::QuotaExceeded { provider: PROVIDER }
                } else {
                    ProviderError::Upstream {
                        provider: PROVIDER,
                        status: status.to_string(),
                        message: m,
                    }
                }
            }
            _ => fallback,
        }
    }
}

fn to_raw(place: Place) -> Option<RawPlace> {
    let name = non_empty(place.title)?;
    let address = non_empty(place.address);
    let place_id = match (non_empty(place.place_id), place.cid) {
        (Some(id), _) => id,
        (None, Some(Value::String(cid))) if !cid.is_empty() => format!("cid:{cid}"),
        (None, Some(Value::Number(cid))) => format!("cid:{cid}"),
        // Older Serper answers carry neither id: derive a stable one from what identifies
        // the listing, so the same business dedupes across pages and runs.
        _ => synthetic_id(&name, address.as_deref()),
    };
    Some(RawPlace {
        place_id,
        source: PlaceSource::Serper,
        city: address.as_deref().and_then(city_from_address),
        name,
        address,
        phone: non_empty(place.phone_number),
        website: non_empty(place.website),
        rating: place.rating,
        reviews_count: place.rating_count,
        latitude: place.latitude,
        longitude: place.longitude,
        categories: non_empty(place.category).into_iter().collect(),
    })
}

fn synthetic_id(name: &str, address: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.trim().to_lowercase().as_bytes());
    hasher.update([0]);
    hasher.update(address.unwrap_or("").trim().to_lowercase().as_bytes());
    let digest = hasher.finalize();
    format!("serper:{}", hex::encode(&digest[..12]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn place_id_prefers_place_id_then_cid_then_a_stable_hash() {
        let place = |place_id: Option<&str>, cid: Option<Value>| Place {
            title: Some("Joe's".into()),
            address: Some("1 Main St".into()),
            latitude: None,
            longitude: None,
            rating: None,
            rating_count: None,
            category: None,
            phone_number: None,
            website: None,
            cid,
            place_id: place_id.map(str::to_owned),
        };
        let with_id = to_raw(place(Some("ChIJx"), Some(json!("42")))).unwrap();
        assert_eq!(with_id.place_id, "ChIJx");
        assert_eq!(
            to_raw(place(None, Some(json!("42")))).unwrap().place_id,
            "cid:42"
        );
        assert_eq!(
            to_raw(place(None, Some(json!(42)))).unwrap().place_id,
            "cid:42"
        );
        let a = to_raw(place(None, None)).unwrap().place_id;
        assert!(a.starts_with("serper:"));
        assert_eq!(a, to_raw(place(None, None)).unwrap().place_id);
    }
}
