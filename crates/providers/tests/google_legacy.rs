//! Google Places API (legacy) Text Search + Details against wiremock, fed with real answers.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::time::Duration;

use common::{KEY, base, closed_port_url, fast_http, fixture, fixture_json};
use domain::{PlaceSource, Secret};
use providers::ProviderError;
use providers::places::google_legacy::{DETAILS_FIELDS, GoogleLegacyConfig, GooglePlacesLegacy};
use providers::places::{PageToken, PlacesProvider, PlacesQuery};
use providers::usage::{MemoryUsage, NoUsage, PriceTable};
use url::Url;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEARCH: &str = "/maps/api/place/textsearch/json";
const DETAILS: &str = "/maps/api/place/details/json";

fn legacy_at(base_url: Url) -> GooglePlacesLegacy {
    let config = GoogleLegacyConfig {
        base_url,
        api_key: Secret::new(KEY),
        page_token_delay: Duration::from_millis(10),
    };
    GooglePlacesLegacy::new(config, fast_http(), PriceTable::default())
}

fn legacy(server: &MockServer) -> GooglePlacesLegacy {
    legacy_at(base(server))
}

fn pizza() -> PlacesQuery {
    PlacesQuery::new("pizza", "New York", Some("US".into()))
}

fn json_body(relative: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(relative), "application/json")
}

async fn mount_details(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(DETAILS))
        .and(query_param("fields", DETAILS_FIELDS))
        .and(query_param("key", KEY))
        .respond_with(json_body("google_places/legacy/PlaceDetailsResponse.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn contact_data_comes_from_details_and_closed_places_are_dropped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param("query", "pizza in New York"))
        .and(query_param("key", KEY))
        .and(query_param("region", "us"))
        .and(query_param_is_missing("pagetoken"))
        .respond_with(json_body(
            "google_places/legacy/PlacesApiPizzaInNewYorkResponse.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(DETAILS))
        .and(query_param("place_id", "ChIJuc8AM0BZwokRtpm2S66ltsE"))
        .respond_with(json_body(
            "google_places/legacy/PlaceDetailsResponseForPermanentlyClosedPlace.json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_details(&server).await;

    let usage = MemoryUsage::new();
    let page = legacy(&server)
        .search_page(&pizza(), None, &usage)
        .await
        .unwrap();
    assert_eq!(page.places.len(), 19, "Paulie Gee's closed for good");
    assert!(page.places.iter().all(|p| p.name != "Paulie Gee's"));
    let joes = &page.places[0];
    assert_eq!(joes.place_id, "ChIJ8Q2WSpJZwokRQz-bYYgEskM");
    assert_eq!(joes.name, "Joe's Pizza");
    assert_eq!(joes.source, PlaceSource::GooglePlacesLegacy);
    assert_eq!(joes.phone.as_deref(), Some("+61 2 9374 4000"));
    assert_eq!(joes.website.as_deref(), Some("http://google.com/"));
    assert_eq!(joes.city.as_deref(), Some("Pyrmont"));
    assert_eq!(joes.latitude, Some(40.7305876));
    assert!(joes.categories.contains(&"restaurant".to_owned()));
    let expected_token = fixture_json("google_places/legacy/PlacesApiPizzaInNewYorkResponse.json")
        ["next_page_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(page.next, Some(PageToken(expected_token)));

    let records = usage.records().await;
    let count = |op: &str| records.iter().filter(|r| r.operation == op).count();
    assert_eq!((count("places.search"), count("places.details")), (1, 20));
    let cost: f64 = records.iter().map(|r| r.cost_usd).sum();
    assert!((cost - (0.032 + 20.0 * 0.020)).abs() < 1e-9, "{cost}");
}

#[tokio::test]
async fn a_page_token_that_is_not_ready_yet_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .and(query_param("pagetoken", "tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "html_attributions": [], "results": [], "status": "INVALID_REQUEST"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("pagetoken", "tok-2"))
        .and(query_param("query", "pizza in New York"))
        .respond_with(json_body("google_places/legacy/TextSearchPizzaInNYC.json"))
        .expect(1)
        .mount(&server)
        .await;
    mount_details(&server).await;

    let usage = MemoryUsage::new();
    let token = PageToken("tok-2".into());
    let page = legacy(&server)
        .search_page(&pizza(), Some(&token), &usage)
        .await
        .unwrap();
    assert_eq!(page.places.len(), 20);
    assert_eq!(page.places[0].name, "Paulie Gee's");
    assert!(page.next.is_some());
    let searches: Vec<_> = usage
        .records()
        .await
        .into_iter()
        .filter(|r| r.operation == "places.search")
        .map(|r| r.status)
        .collect();
    assert_eq!(searches, ["error", "ok"]);
}

#[tokio::test]
async fn an_invalid_first_request_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [], "status": "INVALID_REQUEST", "error_message": "Missing the query parameter."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = legacy(&server)
        .search_page(&pizza(), None, &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "google_places_legacy: INVALID_REQUEST: Missing the query parameter."
    );
}

#[tokio::test]
async fn over_query_limit_is_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .respond_with(json_body(
            "google_places/legacy/OverQueryLimitResponse.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let err = legacy(&server)
        .search_page(&pizza(), None, &usage)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::RateLimited {
            provider: "google_places_legacy",
            retry_after: None
        }
    );
    assert_eq!(usage.records().await[0].status, "rate_limited");
}

#[tokio::test]
async fn zero_results_is_an_empty_page_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "html_attributions": [], "results": [], "status": "ZERO_RESULTS"
        })))
        .mount(&server)
        .await;
    let page = legacy(&server)
        .search_page(&pizza(), None, &NoUsage)
        .await
        .unwrap();
    assert!(page.places.is_empty());
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn unknown_error_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [], "status": "UNKNOWN_ERROR"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [], "status": "ZERO_RESULTS"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let page = legacy(&server)
        .search_page(&pizza(), None, &NoUsage)
        .await
        .unwrap();
    assert!(page.places.is_empty());
}

#[tokio::test]
async fn the_key_never_appears_in_any_error() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .and(query_param("query", "denied in New York"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [], "status": "REQUEST_DENIED",
            "error_message": format!("The provided API key is invalid: {KEY}")
        })))
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("query", "weird in New York"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [], "status": "WEIRD", "error_message": format!("echo {KEY}")
        })))
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("query", "broken in New York"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops"))
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("query", "missing in New York"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = legacy(&server);
    let mut errors = Vec::new();
    for vertical in ["denied", "weird", "broken", "missing"] {
        let query = PlacesQuery::new(vertical, "New York", None);
        errors.push(
            client
                .search_page(&query, None, &NoUsage)
                .await
                .unwrap_err(),
        );
    }
    let unreachable = legacy_at(closed_port_url());
    errors.push(
        unreachable
            .search_page(&pizza(), None, &NoUsage)
            .await
            .unwrap_err(),
    );

    assert_eq!(
        errors[0],
        ProviderError::Unauthorized {
            provider: "google_places_legacy"
        }
    );
    assert!(matches!(&errors[1], ProviderError::Upstream { status, .. } if status == "WEIRD"));
    assert!(matches!(errors[2], ProviderError::Decode { .. }));
    assert_eq!(
        errors[3],
        ProviderError::Http {
            provider: "google_places_legacy",
            status: 404
        }
    );
    assert!(
        matches!(errors[4], ProviderError::Network { .. }),
        "{:?}",
        errors[4]
    );
    for err in &errors {
        let shown = format!("{err} | {err:?}");
        assert!(!shown.contains(KEY), "key leaked: {shown}");
        assert!(!shown.contains("key="), "query string leaked: {shown}");
    }
}
