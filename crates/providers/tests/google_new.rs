//! Google Places API (New) `places:searchText` against wiremock, in the documented format.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{KEY, base, fast_http, fixture_json};
use domain::{PlaceSource, Secret};
use providers::ProviderError;
use providers::places::google_new::{FIELD_MASK, GooglePlacesConfig, GooglePlacesNew};
use providers::places::{PageToken, PlacesProvider, PlacesQuery};
use providers::usage::{MemoryUsage, NoUsage, PriceTable};
use serde_json::{Value, json};
use wiremock::matchers::{
    HeaderExactMatcher, body_json, body_partial_json, header, headers, method, path,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn google(server: &MockServer) -> GooglePlacesNew {
    let config = GooglePlacesConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
    };
    GooglePlacesNew::new(config, fast_http(), PriceTable::default())
}

/// The field mask header, value by value (wiremock splits header values on commas).
fn field_mask() -> HeaderExactMatcher {
    headers("X-Goog-FieldMask", FIELD_MASK.split(',').collect())
}

/// A place shaped like the `GoogleMapsPlacesV1Place` schema.
fn place(id: &str, name: &str, status: &str) -> Value {
    json!({
        "id": id,
        "displayName": {"text": name, "languageCode": "en"},
        "formattedAddress": "100 Congress Ave, Austin, TX 78701, USA",
        "addressComponents": [
            {"longText": "100", "shortText": "100", "types": ["street_number"]},
            {"longText": "Austin", "shortText": "Austin", "types": ["locality", "political"]},
            {"longText": "Texas", "shortText": "TX", "types": ["administrative_area_level_1", "political"]}
        ],
        "internationalPhoneNumber": "+1 512-555-0100",
        "nationalPhoneNumber": "(512) 555-0100",
        "websiteUri": format!("https://{id}.example/"),
        "rating": 4.6,
        "userRatingCount": 120,
        "location": {"latitude": 30.26, "longitude": -97.74},
        "types": ["dentist", "health", "point_of_interest", "establishment"],
        "businessStatus": status
    })
}

#[test]
fn the_documented_schema_has_every_field_we_ask_for() {
    let schema = fixture_json("google_places/new/places_v1_discovery_condensed.json");
    let place = &schema["schemas"]["GoogleMapsPlacesV1Place"]["properties"];
    for field in FIELD_MASK.split(',') {
        match field.strip_prefix("places.") {
            Some(name) => assert!(place.get(name).is_some(), "Place has no {name}"),
            None => {
                let response = &schema["schemas"]["GoogleMapsPlacesV1SearchTextResponse"];
                assert!(response["properties"].get(field).is_some(), "no {field}");
            }
        }
    }
    let request = &schema["schemas"]["GoogleMapsPlacesV1SearchTextRequest"]["properties"];
    for field in [
        "textQuery",
        "pageSize",
        "pageToken",
        "regionCode",
        "locationRestriction",
    ] {
        assert!(request.get(field).is_some(), "request has no {field}");
    }
}

#[tokio::test]
async fn three_pages_are_followed_through_their_tokens() {
    let server = MockServer::start().await;
    let first = json!({"textQuery": "dentist in Austin", "pageSize": 20, "regionCode": "US"});
    Mock::given(method("POST"))
        .and(path("/v1/places:searchText"))
        .and(header("X-Goog-Api-Key", KEY))
        .and(field_mask())
        .and(body_json(&first))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "places": [place("p1", "One Dental", "OPERATIONAL")], "nextPageToken": "tok-2"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut second = first.clone();
    second["pageToken"] = json!("tok-2");
    Mock::given(path("/v1/places:searchText"))
        .and(field_mask())
        .and(body_json(&second))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "places": [place("p2", "Two Dental", "OPERATIONAL")], "nextPageToken": "tok-3"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut third = first.clone();
    third["pageToken"] = json!("tok-3");
    Mock::given(path("/v1/places:searchText"))
        .and(body_json(&third))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "places": [place("p3", "Three Dental", "OPERATIONAL")]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = google(&server);
    let usage = MemoryUsage::new();
    let query = PlacesQuery::new("dentist", "Austin", Some("us".into()));
    let mut token: Option<PageToken> = None;
    let mut names = Vec::new();
    for _ in 0..3 {
        let page = client
            .search_page(&query, token.as_ref(), &usage)
            .await
            .unwrap();
        names.extend(page.places.into_iter().map(|p| p.name));
        token = page.next;
    }
    assert_eq!(names, ["One Dental", "Two Dental", "Three Dental"]);
    assert_eq!(token, None);
    let records = usage.records().await;
    assert_eq!(records.len(), 3);
    assert!(
        records
            .iter()
            .all(|r| r.provider == "google_places" && r.cost_usd == 0.035)
    );
}

#[tokio::test]
async fn a_place_is_mapped_with_city_phone_website_and_types() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/places:searchText"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "places": [place("ChIJa", "Bright Smiles", "OPERATIONAL")]
        })))
        .mount(&server)
        .await;
    let query = PlacesQuery::new("dentist", "Austin", None);
    let page = google(&server)
        .search_page(&query, None, &NoUsage)
        .await
        .unwrap();
    let p = &page.places[0];
    assert_eq!(p.place_id, "ChIJa");
    assert_eq!(p.source, PlaceSource::GooglePlaces);
    assert_eq!(p.city.as_deref(), Some("Austin"));
    assert_eq!(p.phone.as_deref(), Some("+1 512-555-0100"));
    assert_eq!(p.website.as_deref(), Some("https://ChIJa.example/"));
    assert_eq!((p.rating, p.reviews_count), (Some(4.6), Some(120)));
    assert_eq!((p.latitude, p.longitude), (Some(30.26), Some(-97.74)));
    assert_eq!(p.categories[0], "dentist");
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn permanently_closed_businesses_are_skipped() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/places:searchText"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"places": [
            place("open", "Open", "OPERATIONAL"),
            place("gone", "Gone", "CLOSED_PERMANENTLY"),
            place("paused", "Paused", "CLOSED_TEMPORARILY"),
        ]})))
        .mount(&server)
        .await;
    let query = PlacesQuery::new("dentist", "Austin", None);
    let page = google(&server)
        .search_page(&query, None, &NoUsage)
        .await
        .unwrap();
    let ids: Vec<_> = page.places.iter().map(|p| p.place_id.as_str()).collect();
    assert_eq!(ids, ["open", "paused"]);
}

#[tokio::test]
async fn permission_denied_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/places:searchText"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {
            "code": 403,
            "message": "Places API (New) has not been used in project 1 before or it is disabled.",
            "status": "PERMISSION_DENIED"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let query = PlacesQuery::new("dentist", "Austin", None);
    let usage = MemoryUsage::new();
    let err = google(&server)
        .search_page(&query, None, &usage)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Unauthorized {
            provider: "google_places"
        }
    );
    let records = usage.records().await;
    assert_eq!(
        (records[0].status.as_str(), records[0].http_status),
        ("error", Some(403))
    );
}

#[tokio::test]
async fn resource_exhausted_is_rate_limited_after_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/places:searchText"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {
            "code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"
        }})))
        .expect(3)
        .mount(&server)
        .await;
    let query = PlacesQuery::new("dentist", "Austin", None);
    let usage = MemoryUsage::new();
    let err = google(&server)
        .search_page(&query, None, &usage)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ProviderError::RateLimited {
            provider: "google_places",
            ..
        }
    ));
    assert_eq!(usage.records().await[0].status, "rate_limited");
}

#[tokio::test]
async fn an_invalid_argument_keeps_googles_message_without_the_key() {
    let server = MockServer::start().await;
    let message = format!("Invalid pageToken for key {KEY}.");
    Mock::given(path("/v1/places:searchText"))
        .and(body_partial_json(json!({"pageToken": "stale"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": 400, "message": message, "status": "INVALID_ARGUMENT"
        }})))
        .mount(&server)
        .await;
    let query = PlacesQuery::new("dentist", "Austin", None);
    let err = google(&server)
        .search_page(&query, Some(&PageToken("stale".into())), &NoUsage)
        .await
        .unwrap_err();
    let ProviderError::Upstream {
        status, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(status, "INVALID_ARGUMENT");
    assert!(message.starts_with("Invalid pageToken"));
    assert!(!format!("{err} {err:?}").contains(KEY));
}
