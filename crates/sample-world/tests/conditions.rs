//! Latency profiles delay each class of call by a deterministic draw, and every call is logged
//! with what it was about.

mod common;

use std::time::{Duration, Instant};

use common::{client, site_get, start, url};
use sample_world::{
    CallRecord, Distribution, FaultProvider, LatencyProfile, RunningWorld, SAMPLE_KEY,
    ServiceClass, endpoint,
};
use serde_json::{Value, json};

fn place_id(world: &RunningWorld, name: &str) -> String {
    world
        .world
        .businesses()
        .iter()
        .find(|b| b.name == name)
        .map(|b| b.place_id.clone())
        .expect("the business exists")
}

async fn chat(world: &RunningWorld, body: Value) -> reqwest::Response {
    client()
        .post(url(world, "/v1/chat/completions"))
        .bearer_auth(SAMPLE_KEY)
        .json(&body)
        .send()
        .await
        .expect("answers")
}

async fn serper_places(world: &RunningWorld) -> reqwest::Response {
    client()
        .post(url(world, "/places"))
        .header("X-API-KEY", SAMPLE_KEY)
        .json(&json!({ "q": "dentist in Austin, TX" }))
        .send()
        .await
        .expect("answers")
}

fn pitch_request() -> Value {
    json!({
        "model": "gpt-5-mini",
        "messages": [
            { "role": "system", "content": "You write short sales pitches." },
            { "role": "user", "content": "Business: Zilker Smiles (zilkersmiles.com), a dentist in Austin." }
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "pitch",
                "strict": true,
                "schema": {
                    "type": "object",
                    "properties": { "headline": { "type": "string" } },
                    "required": ["headline"],
                    "additionalProperties": false
                }
            }
        }
    })
}

fn only(calls: &[CallRecord], endpoint: &str) -> Vec<CallRecord> {
    calls
        .iter()
        .filter(|c| c.endpoint == endpoint)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_site_fetch_is_logged_with_its_host_owner_and_occurrence() {
    let world = start().await;
    assert_eq!(
        site_get(&world, "www.zilkersmiles.com", "/about").await.0,
        200
    );
    assert_eq!(
        site_get(&world, "www.zilkersmiles.com", "/about").await.0,
        200
    );
    let calls = world.calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    let (first, second) = (&calls[0], &calls[1]);
    assert_eq!(first.class, ServiceClass::Sites);
    assert_eq!(first.endpoint, endpoint::SITES);
    assert_eq!(first.host.as_deref(), Some("zilkersmiles.com"));
    assert_eq!(
        first.subject.as_deref(),
        Some(place_id(&world, "Zilker Smiles").as_str())
    );
    assert_eq!(first.operation, None);
    assert_eq!(first.status, 200);
    assert_eq!(first.fault, None);
    assert_eq!(second.identity, first.identity, "the same request");
    assert_eq!((first.occurrence, second.occurrence), (0, 1));
    assert!(first.started <= first.ended && first.ended <= second.started);
    assert!(first.started_unix_ms > 1_700_000_000_000);
    site_get(&world, "zilkersmiles.com", "/about").await;
    let other_host = world.calls().pop().expect("a third call");
    assert_ne!(other_host.identity, first.identity, "www. is another host");
    assert_eq!(other_host.host.as_deref(), Some("zilkersmiles.com"));
}

#[tokio::test]
async fn an_llm_call_is_logged_with_its_schema_and_the_business_in_its_prompt() {
    let world = start().await;
    let answer = chat(&world, pitch_request()).await;
    assert_eq!(answer.status(), 200);
    let responses = client()
        .post(url(&world, "/v1/responses"))
        .bearer_auth(SAMPLE_KEY)
        .json(&json!({
            "model": "gpt-5",
            "input": "Summarise https://bright-smile-dental-austin.com/locations/mueller",
            "text": { "format": { "type": "json_schema", "name": "site_summary", "schema": { "type": "object" } } }
        }))
        .send()
        .await
        .expect("answers");
    assert_eq!(responses.status(), 200);
    let calls = world.calls();
    let chat_call = &only(&calls, endpoint::OPENAI_CHAT)[0];
    assert_eq!(chat_call.class, ServiceClass::Llm);
    assert_eq!(chat_call.operation.as_deref(), Some("pitch"));
    assert_eq!(
        chat_call.subject.as_deref(),
        Some(place_id(&world, "Zilker Smiles").as_str())
    );
    assert_eq!(chat_call.host, None);
    let responses_call = &only(&calls, endpoint::OPENAI_RESPONSES)[0];
    assert_eq!(responses_call.operation.as_deref(), Some("site_summary"));
    assert_eq!(
        responses_call.subject.as_deref(),
        Some(place_id(&world, "Bright Smile Dental").as_str()),
        "a domain names the site's owner"
    );
}

#[tokio::test]
async fn places_calls_have_no_subject_and_free_calls_are_not_logged() {
    let world = start().await;
    assert_eq!(serper_places(&world).await.status(), 200);
    let models = client()
        .get(url(&world, "/v1/models"))
        .bearer_auth(SAMPLE_KEY)
        .send()
        .await
        .expect("answers");
    assert_eq!(models.status(), 200);
    let calls = world.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].class, ServiceClass::Places);
    assert_eq!(calls[0].endpoint, endpoint::SERPER_PLACES);
    assert_eq!(calls[0].provider, FaultProvider::Serper);
    assert_eq!(calls[0].query.as_deref(), Some("dentist in Austin, TX"));
    assert_eq!(
        (calls[0].subject.as_ref(), calls[0].host.as_ref()),
        (None, None)
    );
    world.clear_calls();
    assert!(world.calls().is_empty());
    serper_places(&world).await;
    assert_eq!(
        world.calls()[0].occurrence,
        0,
        "clearing restarts occurrences"
    );
}

#[tokio::test]
async fn later_pages_keep_their_query_and_details_name_their_place() {
    let world = start().await;
    let legacy = |params: Vec<(&'static str, String)>| {
        let world = &world;
        async move {
            let mut params = params;
            params.push(("key", SAMPLE_KEY.to_owned()));
            client()
                .get(url(world, "/maps/api/place/textsearch/json"))
                .query(&params)
                .send()
                .await
                .expect("answers")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    let first = legacy(vec![("query", "dentist in Austin, TX".to_owned())]).await;
    let token = first["next_page_token"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let place = first["results"][0]["place_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    legacy(vec![("pagetoken", token)]).await;
    let details = client()
        .get(url(&world, "/maps/api/place/details/json"))
        .query(&[("place_id", place.as_str()), ("key", SAMPLE_KEY)])
        .send()
        .await
        .expect("answers");
    assert_eq!(details.status(), 200);
    let calls = world.calls();
    let queries: Vec<Option<&str>> = calls.iter().map(|c| c.query.as_deref()).collect();
    assert_eq!(
        queries,
        [
            Some("dentist in Austin, TX"),
            Some("dentist in Austin, TX"),
            None
        ]
    );
    assert_eq!(calls[2].subject.as_deref(), Some(place.as_str()));
    assert_eq!(calls[2].endpoint, endpoint::LEGACY_DETAILS);
}

#[tokio::test]
async fn a_profile_delays_each_class_by_its_draw_plus_the_flat_latency() {
    let world = start().await;
    let mut profile = LatencyProfile::zero();
    profile.places = Distribution::Fixed(Duration::from_millis(60));
    world.faults.set_latency_profile(Some(profile));
    world.faults.set_latency(Duration::from_millis(20));
    let started = Instant::now();
    serper_places(&world).await;
    assert!(started.elapsed() >= Duration::from_millis(80));
    site_get(&world, "zilkersmiles.com", "/").await;
    world.faults.set_latency_profile(None);
    world.faults.set_latency(Duration::ZERO);
    serper_places(&world).await;
    let drawn: Vec<(ServiceClass, Duration)> =
        world.calls().iter().map(|c| (c.class, c.drawn)).collect();
    assert_eq!(
        drawn,
        [
            (ServiceClass::Places, Duration::from_millis(80)),
            (ServiceClass::Sites, Duration::ZERO),
            (ServiceClass::Places, Duration::ZERO),
        ]
    );
    let first = &world.calls()[0];
    assert!(first.ended - first.started >= Duration::from_millis(80));
}

/// The same requests on two worlds of the same seed.
async fn drawn_latencies(world: &RunningWorld) -> Vec<Duration> {
    world
        .faults
        .set_latency_profile(Some(LatencyProfile::realistic().scaled(0.005)));
    for _ in 0..3 {
        serper_places(world).await;
        site_get(world, "zilkersmiles.com", "/").await;
    }
    chat(world, pitch_request()).await;
    world.calls().iter().map(|c| c.drawn).collect()
}

#[tokio::test]
async fn the_same_requests_draw_the_same_latencies_and_retries_draw_afresh() {
    let (one, two) = (start().await, start().await);
    let (a, b) = (drawn_latencies(&one).await, drawn_latencies(&two).await);
    assert_eq!(a, b);
    assert_eq!(a.len(), 7);
    assert_ne!(a[0], a[2], "the second occurrence draws again");
    let sites = LatencyProfile::realistic().scaled(0.005).sites;
    assert!(a[1] >= Duration::from_micros(750) && a[1] <= sites.max());
    one.faults.set_seed(Some(42));
    one.clear_calls();
    let reseeded = drawn_latencies(&one).await;
    assert_ne!(reseeded, a, "another seed, other draws");
}

#[tokio::test]
async fn slow_pages_add_their_delay_to_the_draw() {
    let world = start().await;
    let slow = world
        .world
        .businesses()
        .iter()
        .find(|b| b.site.is_some_and(|s| s.slow_services) && b.duplicate_of.is_none())
        .and_then(|b| b.website_host())
        .expect("a site with a slow services page");
    let (status, _) = site_get(&world, &slow, "/services").await;
    assert_eq!(status, 200);
    assert_eq!(world.calls()[0].drawn, sample_world::SLOW_PAGE);
}

#[test]
fn a_call_record_is_small() {
    // 30,000 calls of a 1,000-lead run stay in single-digit megabytes.
    assert!(size_of::<CallRecord>() <= 200);
}
