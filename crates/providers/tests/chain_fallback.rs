//! The places chain: which provider answers when others fail or find nothing.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::sync::Arc;

use common::KEY;
use common::clients::{SEARCH_TEXT, chain, geo, google, gpage, ids, request, serper, spage};
use domain::PlaceSource;
use providers::places::PlacesProvider;
use providers::places::chain::{AttemptOutcome, ProviderAttempt, SourcingError};
use providers::places::osm::OsmPlaces;
use providers::usage::NoUsage;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn when_the_first_provider_fails_the_second_answers() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .respond_with(gpage(&["g1", "g2"], None))
        .mount(&server)
        .await;
    let outcome = chain(vec![serper(&server), google(&server)])
        .source(&request(10), &NoUsage)
        .await
        .unwrap();
    assert_eq!(outcome.provider, Some(PlaceSource::GooglePlaces));
    assert_eq!(ids(&outcome.places), ["g1", "g2"]);
    assert_eq!(
        outcome.attempts,
        [
            ProviderAttempt {
                source: PlaceSource::Serper,
                outcome: AttemptOutcome::Failed {
                    error: "serper: HTTP 500".into()
                },
            },
            ProviderAttempt {
                source: PlaceSource::GooglePlaces,
                outcome: AttemptOutcome::Answered {
                    places: 2,
                    pages: 1
                },
            },
        ]
    );
}

#[tokio::test]
async fn when_the_first_provider_finds_nothing_the_next_is_asked() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(spage(&[]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .respond_with(gpage(&["g1"], None))
        .mount(&server)
        .await;
    let outcome = chain(vec![serper(&server), google(&server)])
        .source(&request(10), &NoUsage)
        .await
        .unwrap();
    assert_eq!(outcome.provider, Some(PlaceSource::GooglePlaces));
    assert_eq!(outcome.attempts[0].outcome, AttemptOutcome::Empty);
    assert_eq!(outcome.pages_fetched, 2);
}

#[tokio::test]
async fn when_every_provider_finds_nothing_the_result_is_empty_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(spage(&[]))
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let outcome = chain(vec![serper(&server), google(&server)])
        .source(&request(10), &NoUsage)
        .await
        .unwrap();
    assert!(outcome.places.is_empty());
    assert_eq!(outcome.provider, None);
    assert_eq!(outcome.attempts.len(), 2);
}

#[tokio::test]
async fn when_every_provider_fails_the_error_names_each_and_why() {
    let server = MockServer::start().await;
    Mock::given(path("/places"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Unauthorized.", "statusCode": 403})),
        )
        .mount(&server)
        .await;
    Mock::given(path(SEARCH_TEXT))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let osm: Arc<dyn PlacesProvider> = Arc::new(OsmPlaces::new(geo(&server)));
    let mut req = request(10);
    req.vertical = "quantum consultancy".into();
    let err = chain(vec![serper(&server), google(&server), osm])
        .source(&req, &NoUsage)
        .await
        .unwrap_err();
    let SourcingError::AllProvidersFailed { attempts } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(attempts.len(), 3);
    assert_eq!(
        err.to_string(),
        "every places provider failed: serper: unauthorized (check the API key and that the API \
         is enabled); google_places: HTTP 502; osm: no OpenStreetMap tags known for vertical \
         \"quantum consultancy\""
    );
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn a_geography_nobody_can_find_is_reported_as_such() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let osm: Arc<dyn PlacesProvider> = Arc::new(OsmPlaces::new(geo(&server)));
    let mut req = request(10);
    req.geography = "Atlantis".into();
    let err = chain(vec![osm]).source(&req, &NoUsage).await.unwrap_err();
    assert_eq!(
        err,
        SourcingError::GeographyNotFound {
            geography: "Atlantis".into()
        }
    );
}
