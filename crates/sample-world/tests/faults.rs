//! Faults switch each provider's behaviour at runtime, in the provider's own error format.

mod common;

use common::{client, json, start, url};
use sample_world::{Fault, FaultProvider, RunningWorld, SAMPLE_KEY, endpoint};
use serde_json::json;

async fn serper(world: &RunningWorld) -> reqwest::Response {
    client()
        .post(url(world, "/places"))
        .header("X-API-KEY", SAMPLE_KEY)
        .json(&json!({ "q": "plumber in Austin, TX" }))
        .send()
        .await
        .expect("answers")
}

async fn google(world: &RunningWorld) -> reqwest::Response {
    client()
        .post(url(world, "/v1/places:searchText"))
        .header("X-Goog-Api-Key", SAMPLE_KEY)
        .header("X-Goog-FieldMask", "places.id")
        .json(&json!({ "textQuery": "plumber in Austin, TX" }))
        .send()
        .await
        .expect("answers")
}

async fn legacy(world: &RunningWorld) -> reqwest::Response {
    client()
        .get(url(world, "/maps/api/place/textsearch/json"))
        .query(&[("query", "plumber in Austin, TX"), ("key", SAMPLE_KEY)])
        .send()
        .await
        .expect("answers")
}

async fn nominatim(world: &RunningWorld) -> reqwest::Response {
    client()
        .get(url(world, "/search"))
        .query(&[("q", "Austin, TX"), ("format", "jsonv2")])
        .send()
        .await
        .expect("answers")
}

async fn overpass(world: &RunningWorld) -> reqwest::Response {
    let query = "[out:json][timeout:25];\n(\n  nwr[\"craft\"=\"plumber\"](30.1,-97.9,30.5,-97.5);\n);\nout center tags;\n";
    client()
        .get(url(world, "/api/interpreter"))
        .query(&[("data", query)])
        .send()
        .await
        .expect("answers")
}

#[tokio::test]
async fn server_errors_and_rate_limits_use_each_providers_status_and_retry_after() {
    let world = start().await;
    for provider in [
        FaultProvider::Serper,
        FaultProvider::GooglePlaces,
        FaultProvider::GoogleLegacy,
        FaultProvider::Nominatim,
        FaultProvider::Overpass,
    ] {
        world.faults.set(provider, Fault::ServerError);
    }
    assert_eq!(serper(&world).await.status(), 500);
    let google_500 = json(google(&world).await).await;
    assert_eq!(google_500["error"]["status"], "INTERNAL");
    let legacy_500 = legacy(&world).await;
    assert_eq!(legacy_500.status(), 500);
    assert_eq!(json(legacy_500).await["status"], "UNKNOWN_ERROR");
    assert_eq!(nominatim(&world).await.status(), 500);
    assert_eq!(overpass(&world).await.status(), 500);

    for provider in [
        FaultProvider::Serper,
        FaultProvider::GooglePlaces,
        FaultProvider::GoogleLegacy,
        FaultProvider::Nominatim,
        FaultProvider::Overpass,
    ] {
        world.faults.set(
            provider,
            Fault::RateLimited {
                retry_after_secs: 7,
            },
        );
    }
    for response in [
        serper(&world).await,
        google(&world).await,
        legacy(&world).await,
        nominatim(&world).await,
        overpass(&world).await,
    ] {
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
    }
    world.faults.clear_all();
    assert_eq!(serper(&world).await.status(), 200);
    assert_eq!(world.requests(endpoint::SERPER_PLACES), 3);
}

#[tokio::test]
async fn malformed_answers_are_http_200_with_broken_json() {
    let world = start().await;
    world
        .faults
        .set(FaultProvider::GooglePlaces, Fault::Malformed);
    world.faults.set(FaultProvider::Overpass, Fault::Malformed);
    for response in [google(&world).await, overpass(&world).await] {
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("a body");
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_err(),
            "{text}"
        );
    }
    assert_eq!(
        serper(&world).await.status(),
        200,
        "other providers unaffected"
    );
}

#[tokio::test]
async fn empty_answers_are_well_formed_successes_with_nothing_in_them() {
    let world = start().await;
    for provider in [
        FaultProvider::Serper,
        FaultProvider::GooglePlaces,
        FaultProvider::GoogleLegacy,
        FaultProvider::Nominatim,
        FaultProvider::Overpass,
    ] {
        world.faults.set(provider, Fault::Empty);
    }
    assert_eq!(json(serper(&world).await).await["places"], json!([]));
    assert_eq!(json(google(&world).await).await, json!({}));
    assert_eq!(json(legacy(&world).await).await["status"], "ZERO_RESULTS");
    assert_eq!(json(nominatim(&world).await).await, json!([]));
    assert_eq!(json(overpass(&world).await).await["elements"], json!([]));
}

#[tokio::test]
async fn unauthorized_faults_reject_even_the_right_key() {
    let world = start().await;
    for provider in [
        FaultProvider::Serper,
        FaultProvider::GooglePlaces,
        FaultProvider::GoogleLegacy,
    ] {
        world.faults.set(provider, Fault::Unauthorized);
    }
    let s = serper(&world).await;
    assert_eq!(s.status(), 403);
    assert_eq!(json(s).await["message"], "Unauthorized.");
    let g = google(&world).await;
    assert_eq!(g.status(), 403);
    assert_eq!(json(g).await["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(json(legacy(&world).await).await["status"], "REQUEST_DENIED");
    world.faults.clear(FaultProvider::GoogleLegacy);
    assert_eq!(json(legacy(&world).await).await["status"], "OK");
}
