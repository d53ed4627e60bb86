//! The places chain: pagination, caching, usage records and geography splitting.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::clients::{SEARCH_TEXT, chain, geo, google, gpage, ids, request, serper, spage};
use common::{AUSTIN_BBOX, QlContains, nominatim_austin};
use domain::PlaceSource;
use providers::cache::{MemoryCache, ResponseCache};
use providers::places::chain::{AttemptOutcome, PlacesChain};
use providers::usage::{MemoryUsage, NoUsage};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn pagination_stops_at_the_first_empty_page() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, vec!["a", "b", "c"]), (2, vec!["d", "e"]), (3, vec![])] {
        Mock::given(path("/places"))
            .and(body_partial_json(json!({"page": page})))
            .respond_with(spage(&ids))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(path("/places"))
        .and(body_partial_json(json!({"page": 4})))
        .respond_with(spage(&["never"]))
        .expect(0)
        .mount(&server)
        .await;
    let outcome = chain(vec![serper(&server)])
        .source(&request(100), &NoUsage)
        .await
        .unwrap();
    assert_eq!(
        ids(&outcome.places),
        ["cid:a", "cid:b", "cid:c", "cid:d", "cid:e"]
    );
    assert_eq!(outcome.pages_fetched, 3);
    assert_eq!(
        outcome.attempts[0].outcome,
        AttemptOutcome::Answered {
            places: 5,
            pages: 3
        }
    );
}

#[tokio::test]
async fn a_later_page_failing_keeps_what_was_found_and_records_why() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(json!({"pageToken": "p2"})))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .respond_with(gpage(&["g1", "g2"], Some("p2")))
        .mount(&server)
        .await;
    let outcome = chain(vec![google(&server), serper(&server)])
        .source(&request(10), &NoUsage)
        .await
        .unwrap();
    assert_eq!(outcome.provider, Some(PlaceSource::GooglePlaces));
    assert_eq!(ids(&outcome.places), ["g1", "g2"]);
    assert_eq!(outcome.attempts.len(), 2, "no fallback to serper");
    assert_eq!(
        outcome.attempts[1].outcome,
        AttemptOutcome::Failed {
            error: "google_places: HTTP 500".into()
        }
    );
}

#[tokio::test]
async fn an_identical_second_sourcing_is_served_from_the_cache() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(spage(&["a", "b", "c"]))
        .expect(1)
        .mount(&server)
        .await;
    let cache = Arc::new(MemoryCache::new());
    let chain = PlacesChain::new(
        vec![serper(&server)],
        None,
        cache.clone(),
        Duration::from_secs(60),
    );
    let usage = MemoryUsage::new();
    let first = chain.source(&request(2), &usage).await.unwrap();
    let mut again = request(2);
    again.vertical = "  Dentist ".into();
    let second = chain.source(&again, &usage).await.unwrap();
    assert_eq!((first.cache_hits, second.cache_hits), (0, 1));
    assert_eq!(first.places, second.places);
    assert_eq!(cache.len(), 1);
    let statuses: Vec<_> = usage
        .records()
        .await
        .into_iter()
        .map(|r| (r.status, r.cost_usd))
        .collect();
    assert_eq!(
        statuses,
        [("ok".to_owned(), 0.001), ("cache_hit".to_owned(), 0.0)]
    );
}

#[tokio::test]
async fn every_call_is_recorded_with_its_cost() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(json!({"pageToken": "p2"})))
        .respond_with(gpage(&["g3"], None))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .respond_with(gpage(&["g1", "g2"], Some("p2")))
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let outcome = chain(vec![google(&server)])
        .source(&request(10), &usage)
        .await
        .unwrap();
    assert_eq!(outcome.places.len(), 3);
    let records = usage.records().await;
    assert_eq!(records.len(), 2);
    for r in &records {
        assert_eq!(
            (r.provider.as_str(), r.operation.as_str()),
            ("google_places", "places.search")
        );
        assert_eq!(
            (r.status.as_str(), r.http_status, r.cost_usd),
            ("ok", Some(200), 0.035)
        );
    }
}

#[tokio::test]
async fn a_saturated_geography_is_split_into_neighbourhoods_until_the_target() {
    let server = MockServer::start().await;
    let main = |token: Option<&str>| {
        let mut body = json!({"textQuery": "dentist in Austin"});
        if let Some(t) = token {
            body["pageToken"] = json!(t);
        }
        body
    };
    // The whole city: three pages, then Google stops (its per-query cap).
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(main(None)))
        .respond_with(gpage(&["a1", "a2"], Some("m2")))
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(main(Some("m2"))))
        .respond_with(gpage(&["a3", "a4"], Some("m3")))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(main(Some("m3"))))
        .respond_with(gpage(&["a5", "a6"], None))
        .with_priority(1)
        .mount(&server)
        .await;
    let sub =
        |name: &str| json!({"textQuery": format!("dentist in {name}, Austin"), "regionCode": "US"});
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(sub("Hyde Park")))
        .respond_with(gpage(&["a1", "h1", "h2"], None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(sub("Zilker")))
        .respond_with(gpage(&["z1", "h1", "z2"], None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .and(body_partial_json(sub("Mueller")))
        .respond_with(gpage(&["m1"], None))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(nominatim_austin()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/interpreter")).and(QlContains(AUSTIN_BBOX))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": [
            {"type": "node", "id": 1, "lat": 30.30, "lon": -97.73, "tags": {"name": "Hyde Park"}},
            {"type": "node", "id": 2, "lat": 30.26, "lon": -97.77, "tags": {"name": "Zilker"}},
            {"type": "node", "id": 3, "lat": 30.29, "lon": -97.70, "tags": {"name": "Mueller"}}
        ]})))
        .expect(1).mount(&server).await;

    let cache: Arc<dyn ResponseCache> = Arc::new(MemoryCache::new());
    let chain = PlacesChain::new(
        vec![google(&server)],
        Some(geo(&server)),
        cache,
        Duration::from_secs(60),
    );
    let usage = MemoryUsage::new();
    let outcome = chain.source(&request(9), &usage).await.unwrap();

    assert_eq!(
        ids(&outcome.places),
        ["a1", "a2", "a3", "a4", "a5", "a6", "h1", "h2", "z1", "z2"]
    );
    let unique: HashSet<_> = outcome.places.iter().map(|p| &p.place_id).collect();
    assert_eq!(unique.len(), outcome.places.len());
    assert_eq!(outcome.subareas_used, ["Hyde Park", "Zilker"]);
    assert_eq!(outcome.pages_fetched, 5);
    assert_eq!(
        outcome.attempts[0].outcome,
        AttemptOutcome::Answered {
            places: 10,
            pages: 5
        }
    );

    let requests = server.received_requests().await.unwrap();
    let hyde: Value = requests
        .iter()
        .filter(|r| r.url.path() == SEARCH_TEXT)
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .find(|b| b["textQuery"] == "dentist in Hyde Park, Austin")
        .unwrap();
    let rect = &hyde["locationRestriction"]["rectangle"];
    assert!((rect["low"]["latitude"].as_f64().unwrap() - 30.28).abs() < 1e-9);
    assert!((rect["high"]["longitude"].as_f64().unwrap() + 97.71).abs() < 1e-9);
    let operations: Vec<_> = usage
        .records()
        .await
        .into_iter()
        .map(|r| r.operation)
        .collect();
    assert_eq!(operations.iter().filter(|o| *o == "geo.resolve").count(), 1);
    assert_eq!(
        operations.iter().filter(|o| *o == "geo.subareas").count(),
        1
    );
}
