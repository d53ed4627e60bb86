//! Serper `/places` against wiremock, fed with the real recorded answer.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{KEY, base, fast_http, fixture_json};
use domain::{PlaceSource, Secret};
use providers::ProviderError;
use providers::places::serper::{SerperConfig, SerperPlaces};
use providers::places::{PageToken, PlacesProvider, PlacesQuery};
use providers::usage::{MemoryUsage, NoUsage, PriceTable};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn serper(server: &MockServer) -> SerperPlaces {
    let config = SerperConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
    };
    SerperPlaces::new(config, fast_http(), PriceTable::default())
}

fn query() -> PlacesQuery {
    PlacesQuery::new("Italian restaurants", "Upper East Side", Some("US".into()))
}

#[tokio::test]
async fn the_recorded_answer_becomes_ten_places_and_a_next_page() {
    let server = MockServer::start().await;
    let recorded = fixture_json("serper/serper_places_langchain_notebook.json")["response"].clone();
    Mock::given(method("POST"))
        .and(path("/places"))
        .and(header("X-API-KEY", KEY))
        .and(body_json(
            json!({"q": "Italian restaurants in Upper East Side", "page": 1, "gl": "us"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let page = serper(&server)
        .search_page(&query(), None, &usage)
        .await
        .unwrap();
    assert_eq!(page.places.len(), 10);
    let first = &page.places[0];
    assert_eq!(first.name, "L'Osteria");
    assert_eq!(first.source, PlaceSource::Serper);
    assert_eq!(first.address.as_deref(), Some("1219 Lexington Ave"));
    assert_eq!(first.rating, Some(4.7));
    assert_eq!(first.reviews_count, Some(91));
    assert_eq!(first.categories, vec!["Italian".to_owned()]);
    assert_eq!(first.phone, None);
    assert_eq!(first.website, None);
    assert!(first.place_id.starts_with("serper:"));
    let ids: std::collections::HashSet<_> = page.places.iter().map(|p| &p.place_id).collect();
    assert_eq!(ids.len(), 10, "ids are distinct");
    assert_eq!(page.next, Some(PageToken("2".into())));
    let records = usage.records().await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].provider.as_str(), records[0].status.as_str()),
        ("serper", "ok")
    );
    assert_eq!(records[0].cost_usd, 0.001);
}

#[tokio::test]
async fn phone_website_and_ids_are_read_when_serper_sends_them() {
    let server = MockServer::start().await;
    let body = json!({
        "searchParameters": {"q": "dentist in Austin, TX", "type": "places"},
        "places": [
            {"position": 1, "title": "Bright Smiles", "address": "100 Congress Ave, Austin, TX 78701",
             "latitude": 30.26, "longitude": -97.74, "rating": 4.9, "ratingCount": 210,
             "category": "Dentist", "phoneNumber": "(512) 555-0100",
             "website": "https://brightsmiles.example", "cid": "1234567890", "placeId": "ChIJbright"},
            {"position": 2, "title": "Oak Dental", "address": "5 Oak St, Austin, TX 78702",
             "rating": 3.2, "ratingCount": 8, "category": "Dentist", "cid": "987"}
        ]
    });
    Mock::given(method("POST"))
        .and(path("/places"))
        .and(body_json(json!({"q": "dentist in Austin, TX", "page": 3})))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let q = PlacesQuery::new("dentist", "Austin, TX", None);
    let page = serper(&server)
        .search_page(&q, Some(&PageToken("3".into())), &NoUsage)
        .await
        .unwrap();
    let [bright, oak] = page.places.as_slice() else {
        panic!("two places")
    };
    assert_eq!(bright.place_id, "ChIJbright");
    assert_eq!(bright.phone.as_deref(), Some("(512) 555-0100"));
    assert_eq!(
        bright.website.as_deref(),
        Some("https://brightsmiles.example")
    );
    assert_eq!(bright.city.as_deref(), Some("Austin"));
    assert_eq!(oak.place_id, "cid:987");
    assert_eq!(oak.website, None);
    assert_eq!(page.next, Some(PageToken("4".into())));
}

#[tokio::test]
async fn a_refused_key_is_unauthorized_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Unauthorized.", "statusCode": 403})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = serper(&server)
        .search_page(&query(), None, &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized { provider: "serper" });
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[tokio::test]
async fn running_out_of_credits_is_a_quota_error() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"message": "Not enough credits", "statusCode": 400})),
        )
        .mount(&server)
        .await;
    let err = serper(&server)
        .search_page(&query(), None, &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::QuotaExceeded { provider: "serper" });
}

#[tokio::test]
async fn a_rate_limited_request_is_retried_and_then_answers() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/places"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "places": [{"title": "Only One", "cid": "1"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let page = serper(&server)
        .search_page(&query(), None, &usage)
        .await
        .unwrap();
    assert_eq!(page.places[0].place_id, "cid:1");
    let records = usage.records().await;
    assert_eq!(records.len(), 1, "one record per logical call");
    assert_eq!(records[0].http_status, Some(200));
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_naming_the_problem() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"places\": [ {\"title\": 5 }"))
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let err = serper(&server)
        .search_page(&query(), None, &usage)
        .await
        .unwrap_err();
    let ProviderError::Decode { provider, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*provider, "serper");
    assert!(message.starts_with("places response:"), "{message}");
    let records = usage.records().await;
    assert_eq!(
        (records[0].status.as_str(), records[0].cost_usd),
        ("error", 0.0)
    );
}

#[tokio::test]
async fn an_empty_answer_is_an_empty_last_page() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "searchParameters": {"q": "x", "type": "places"}, "places": []
        })))
        .mount(&server)
        .await;
    let page = serper(&server)
        .search_page(&query(), None, &NoUsage)
        .await
        .unwrap();
    assert!(page.places.is_empty());
    assert_eq!(page.next, None);
}
