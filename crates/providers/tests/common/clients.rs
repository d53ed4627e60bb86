//! Providers and canned answers for the chain stories, all pointed at one mock server.

use std::sync::Arc;
use std::time::Duration;

use domain::Secret;
use providers::cache::NoCache;
use providers::places::PlacesProvider;
use providers::places::chain::{PlacesChain, SourcingRequest};
use providers::places::geo::GeoResolver;
use providers::places::google_new::{GooglePlacesConfig, GooglePlacesNew};
use providers::places::osm::{OsmClient, OsmConfig};
use providers::places::serper::{SerperConfig, SerperPlaces};
use providers::usage::PriceTable;
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

use super::{KEY, base, fast_http};

pub const SEARCH_TEXT: &str = "/v1/places:searchText";

pub fn serper(server: &MockServer) -> Arc<dyn PlacesProvider> {
    let config = SerperConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
    };
    Arc::new(SerperPlaces::new(
        config,
        fast_http(),
        PriceTable::default(),
    ))
}

pub fn google(server: &MockServer) -> Arc<dyn PlacesProvider> {
    let config = GooglePlacesConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
    };
    Arc::new(GooglePlacesNew::new(
        config,
        fast_http(),
        PriceTable::default(),
    ))
}

pub fn geo(server: &MockServer) -> Arc<GeoResolver> {
    let config = OsmConfig {
        nominatim_base_url: base(server),
        overpass_base_url: base(server),
        min_interval: Duration::ZERO,
    };
    Arc::new(GeoResolver::new(OsmClient::new(
        config,
        fast_http(),
        PriceTable::default(),
    )))
}

pub fn chain(providers: Vec<Arc<dyn PlacesProvider>>) -> PlacesChain {
    PlacesChain::new(
        providers,
        None,
        Arc::new(NoCache),
        Duration::from_secs(3600),
    )
}

pub fn request(target: usize) -> SourcingRequest {
    SourcingRequest {
        vertical: "dentist".into(),
        geography: "Austin".into(),
        target,
        country: None,
    }
}

pub fn gplace(id: &str) -> Value {
    json!({"id": id, "displayName": {"text": format!("Dental {id}"), "languageCode": "en"},
           "businessStatus": "OPERATIONAL"})
}

pub fn gpage(ids: &[&str], next: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"places": ids.iter().map(|id| gplace(id)).collect::<Vec<_>>()});
    if let Some(token) = next {
        body["nextPageToken"] = json!(token);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

pub fn spage(ids: &[&str]) -> ResponseTemplate {
    let places: Vec<_> = ids
        .iter()
        .map(|id| json!({"title": format!("S {id}"), "cid": id}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"places": places}))
}

pub fn ids(places: &[domain::RawPlace]) -> Vec<&str> {
    places.iter().map(|p| p.place_id.as_str()).collect()
}
