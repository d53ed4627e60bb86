//! The provider APIs, each in the real provider's request and response format, all on one
//! router (their real paths do not collide).

use std::collections::HashMap;

use axum::Router;
use axum::routing::{get, post};

use crate::server::AppState;

pub(crate) mod firecrawl;
pub(crate) mod google_legacy;
pub(crate) mod google_new;
pub(crate) mod openai;
pub(crate) mod osm;
pub(crate) mod overpass_ql;
pub(crate) mod people;
pub(crate) mod serper;
pub(crate) mod web_search;

/// Every provider API of the world, behind the conditions (latency, fault plans, call log: see
/// [`crate::conditions`]).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/places", post(serper::places))
        .route("/v1/places:searchText", post(google_new::search_text))
        .route(
            "/maps/api/place/textsearch/json",
            get(google_legacy::text_search),
        )
        .route("/maps/api/place/details/json", get(google_legacy::details))
        .route(
            "/search",
            get(osm::nominatim_search).post(web_search::serper_search),
        )
        .route("/customsearch/v1", get(web_search::google_cse))
        .route("/v1/responses", post(openai::responses))
        .route("/v1/chat/completions", post(openai::chat))
        .route("/v1/embeddings", post(openai::embeddings))
        .route("/v1/models", get(openai::models))
        .route("/v1/scrape", post(firecrawl::scrape))
        .route("/status", get(|| async { "OK" }))
        .route(
            "/api/status",
            get(|| async { "Connected as: 0\nCurrent time: now\n" }),
        )
        .route(
            "/api/interpreter",
            get(osm::overpass_get).post(osm::overpass_post),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::conditions::api,
        ))
        .with_state(state)
}

/// Query-string parameters; the first of repeated names wins. Parsed by hand so a malformed
/// query string gets the provider's own error rather than the framework's.
pub(crate) fn query_params(raw: Option<&str>) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        params
            .entry(k.into_owned())
            .or_insert_with(|| v.into_owned());
    }
    params
}

/// One address component: long name, short name, types.
pub(crate) struct AddressComponent {
    pub long: String,
    pub short: String,
    pub types: &'static [&'static str],
}

/// A business's address split the way both Google APIs split it.
pub(crate) fn address_components(b: &crate::world::Business) -> Vec<AddressComponent> {
    use crate::listing::{long_route, split_street};
    let c = |long: &str, short: &str, types| AddressComponent {
        long: long.to_owned(),
        short: short.to_owned(),
        types,
    };
    let g = b.geography;
    let (number, route) = split_street(&b.street);
    let mut parts = Vec::new();
    if !number.is_empty() {
        parts.push(c(number, number, &["street_number"]));
    }
    parts.push(c(&long_route(route), route, &["route"]));
    parts.push(c(
        b.neighbourhood.name,
        b.neighbourhood.name,
        &["neighborhood", "political"],
    ));
    if g.is_us() {
        parts.push(c(g.city, g.city, &["locality", "political"]));
    } else {
        parts.push(c(g.city, g.city, &["postal_town"]));
    }
    parts.push(c(
        g.county,
        g.county,
        &["administrative_area_level_2", "political"],
    ));
    parts.push(c(
        g.region_long,
        g.region,
        &["administrative_area_level_1", "political"],
    ));
    parts.push(c(g.country, g.country_code, &["country", "political"]));
    parts.push(c(&b.postcode, &b.postcode, &["postal_code"]));
    parts
}
