//! Serper, Google Places (New) and the legacy Places API answer in their real formats, page up
//! to the 60-result cap, narrow to neighbourhoods and reject bad keys the way the real ones do.

mod common;

use std::collections::HashSet;

use common::{client, json, start, strings, url};
use sample_world::{SAMPLE_KEY, endpoint};
use serde_json::{Value, json};

const ALL_FIELDS: &str = "places.id,places.displayName,places.formattedAddress,places.addressComponents,places.internationalPhoneNumber,places.nationalPhoneNumber,places.websiteUri,places.rating,places.userRatingCount,places.location,places.types,places.businessStatus,nextPageToken";

async fn serper(world: &sample_world::RunningWorld, body: Value) -> reqwest::Response {
    client()
        .post(url(world, "/places"))
        .header("X-API-KEY", SAMPLE_KEY)
        .json(&body)
        .send()
        .await
        .expect("serper answers")
}

#[tokio::test]
async fn serper_answers_a_places_query_in_its_real_shape() {
    let world = start().await;
    let response = serper(&world, json!({ "q": "dentist in Austin, TX", "gl": "us" })).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["searchParameters"]["q"], "dentist in Austin, TX");
    assert_eq!(body["searchParameters"]["type"], "places");
    assert_eq!(body["searchParameters"]["page"], 1);
    let places = body["places"].as_array().expect("places");
    assert_eq!(places.len(), 10);
    for (i, p) in places.iter().enumerate() {
        assert_eq!(p["position"], i + 1);
        for key in [
            "title",
            "address",
            "latitude",
            "longitude",
            "category",
            "cid",
            "placeId",
        ] {
            assert!(!p[key].is_null(), "{key} in {p}");
        }
    }
    assert_eq!(places[0]["title"], "Bright Smile Dental");
    assert_eq!(places[0]["phoneNumber"], "(512) 555-0134");
    assert_eq!(
        places[0]["website"],
        "https://bright-smile-dental-austin.com/"
    );
    // SoCo Dental Collective lists neither phone nor website: the keys are absent.
    let soco = places
        .iter()
        .find(|p| p["title"] == "SoCo Dental Collective")
        .expect("listed");
    assert!(soco.get("phoneNumber").is_none() && soco.get("website").is_none());
    assert_eq!(world.requests(endpoint::SERPER_PLACES), 1);
}

#[tokio::test]
async fn serper_pages_stop_at_sixty_results_and_repeat_one_listing() {
    let world = start().await;
    let mut ids = Vec::new();
    for page in 1..=7 {
        let body = json(
            serper(
                &world,
                json!({ "q": "dentist in Austin, TX", "page": page }),
            )
            .await,
        )
        .await;
        let page_ids = strings(&body["places"], "placeId");
        assert_eq!(
            page_ids.len(),
            if page <= 6 { 10 } else { 0 },
            "page {page}"
        );
        ids.push(page_ids);
    }
    assert!(
        ids[1].iter().any(|id| ids[0].contains(id)),
        "a listing repeats on page 2"
    );
    let unique: HashSet<&String> = ids.iter().flatten().collect();
    assert_eq!(unique.len(), 59);
    assert_eq!(world.requests(endpoint::SERPER_PLACES), 7);
}

#[tokio::test]
async fn serper_neighbourhood_queries_narrow_results() {
    let world = start().await;
    let body =
        json(serper(&world, json!({ "q": "dentists in Hyde Park, Austin, TX" })).await).await;
    let places = body["places"].as_array().expect("places");
    assert!(!places.is_empty() && places.len() < 10 + 1);
    let hood = world.world.businesses()[0]
        .geography
        .neighbourhood("Hyde Park")
        .expect("hood");
    for p in places {
        let (lat, lon) = (
            p["latitude"].as_f64().expect("lat"),
            p["longitude"].as_f64().expect("lon"),
        );
        assert!(hood.bbox.contains(lat, lon), "{p}");
    }
    let unknown = json(serper(&world, json!({ "q": "bakery in Austin, TX" })).await).await;
    assert_eq!(unknown["places"], json!([]));
}

#[tokio::test]
async fn serper_rejects_a_wrong_key_like_serper() {
    let world = start().await;
    let response = client()
        .post(url(&world, "/places"))
        .header("X-API-KEY", "nope")
        .json(&json!({ "q": "dentist in Austin, TX" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 403);
    assert_eq!(
        json(response).await,
        json!({ "message": "Unauthorized.", "statusCode": 403 })
    );
}

async fn search_text(
    world: &sample_world::RunningWorld,
    mask: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = client()
        .post(url(world, "/v1/places:searchText"))
        .header("X-Goog-Api-Key", SAMPLE_KEY)
        .json(&body);
    if let Some(mask) = mask {
        request = request.header("X-Goog-FieldMask", mask);
    }
    request.send().await.expect("google answers")
}

#[tokio::test]
async fn google_places_new_pages_to_sixty_in_its_real_shape() {
    let world = start().await;
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({ "textQuery": "dentist in Austin, TX", "pageSize": 20 });
        if let Some(t) = &token {
            body["pageToken"] = t.clone().into();
        }
        let response = search_text(&world, Some(ALL_FIELDS), body).await;
        assert_eq!(response.status(), 200);
        let body = json(response).await;
        let places = body["places"].clone();
        pages.push(strings(&places, "id"));
        if pages.len() == 1 {
            let first = &places[0];
            assert_eq!(
                first["displayName"],
                json!({ "text": "Bright Smile Dental", "languageCode": "en" })
            );
            assert_eq!(first["internationalPhoneNumber"], "+1 512-555-0134");
            assert_eq!(first["nationalPhoneNumber"], "(512) 555-0134");
            assert_eq!(first["businessStatus"], "OPERATIONAL");
            assert!(first["location"]["latitude"].is_f64());
            assert!(first["addressComponents"][0]["longText"].is_string());
            assert!(first.get("googleMapsUri").is_none(), "only masked fields");
        }
        token = body["nextPageToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![20, 20, 20]
    );
    assert!(
        pages[1].iter().any(|id| pages[0].contains(id)),
        "a listing repeats on page 2"
    );
    assert_eq!(world.requests(endpoint::GOOGLE_SEARCH_TEXT), 3);
}

#[tokio::test]
async fn google_places_new_returns_only_masked_fields() {
    let world = start().await;
    let body = json!({ "textQuery": "plumbers in Manchester, UK" });
    let answer = json(search_text(&world, Some("places.id,places.displayName"), body).await).await;
    let first = answer["places"][0].as_object().expect("a place");
    let keys: HashSet<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["id", "displayName"]));
    assert!(answer.get("nextPageToken").is_none(), "not in the mask");
}

#[tokio::test]
async fn google_places_new_filters_by_rectangle_and_neighbourhood() {
    let world = start().await;
    let hood = world.world.businesses()[0]
        .geography
        .neighbourhood("Zilker")
        .expect("hood");
    let b = hood.bbox;
    let body = json!({
        "textQuery": "roofers",
        "locationRestriction": { "rectangle": {
            "low": { "latitude": b.south, "longitude": b.west },
            "high": { "latitude": b.north, "longitude": b.east },
        }},
    });
    let rect = json(search_text(&world, Some("places.id,places.location"), body).await).await;
    let in_rect = rect["places"].as_array().expect("places");
    assert!(!in_rect.is_empty());
    for p in in_rect {
        assert!(b.contains(
            p["location"]["latitude"].as_f64().expect("lat"),
            p["location"]["longitude"].as_f64().expect("lon")
        ));
    }
    let body = json!({ "textQuery": "roofing in Zilker, Austin, TX" });
    let named = json(search_text(&world, Some("places.id"), body).await).await;
    assert_eq!(
        strings(&named["places"], "id"),
        strings(&rect["places"], "id")
    );
    let none = json(
        search_text(
            &world,
            Some("places.id"),
            json!({ "textQuery": "dentist in Paris" }),
        )
        .await,
    )
    .await;
    assert_eq!(none, json!({}));
}

#[tokio::test]
async fn google_places_new_errors_look_like_google() {
    let world = start().await;
    let body = json!({ "textQuery": "dentist in Austin, TX" });
    let no_mask = search_text(&world, None, body.clone()).await;
    assert_eq!(no_mask.status(), 400);
    assert_eq!(json(no_mask).await["error"]["status"], "INVALID_ARGUMENT");

    let no_key = client()
        .post(url(&world, "/v1/places:searchText"))
        .header("X-Goog-FieldMask", "*")
        .json(&body)
        .send()
        .await
        .expect("answers");
    assert_eq!(no_key.status(), 403);
    let no_key = json(no_key).await;
    assert_eq!(no_key["error"]["code"], 403);
    assert_eq!(no_key["error"]["status"], "PERMISSION_DENIED");

    let bad_key = client()
        .post(url(&world, "/v1/places:searchText"))
        .header("X-Goog-Api-Key", "wrong")
        .header("X-Goog-FieldMask", "*")
        .json(&body)
        .send()
        .await
        .expect("answers");
    assert_eq!(bad_key.status(), 400);
    assert_eq!(
        json(bad_key).await["error"]["details"][0]["reason"],
        "API_KEY_INVALID"
    );

    let unknown_field =
        search_text(&world, Some("*"), json!({ "textQuery": "x", "bogus": 1 })).await;
    assert_eq!(unknown_field.status(), 400);
}

async fn legacy(world: &sample_world::RunningWorld, path: &str, query: &[(&str, &str)]) -> Value {
    let response = client()
        .get(url(world, path))
        .query(query)
        .send()
        .await
        .expect("legacy answers");
    assert_eq!(response.status(), 200, "legacy errors are HTTP 200 too");
    json(response).await
}

#[tokio::test]
async fn legacy_text_search_pages_to_sixty_without_phone_or_website() {
    let world = start().await;
    let path = "/maps/api/place/textsearch/json";
    let first = legacy(
        &world,
        path,
        &[("query", "roofer in Manchester, UK"), ("key", SAMPLE_KEY)],
    )
    .await;
    assert_eq!(first["status"], "OK");
    assert_eq!(first["html_attributions"], json!([]));
    let results = first["results"].as_array().expect("results");
    assert_eq!(results.len(), 20);
    let r = &results[0];
    for key in [
        "place_id",
        "name",
        "formatted_address",
        "types",
        "business_status",
    ] {
        assert!(!r[key].is_null(), "{key}");
    }
    assert!(r["geometry"]["location"]["lat"].is_f64());
    assert!(r.get("international_phone_number").is_none() && r.get("website").is_none());
    let mut total = results.len();
    let mut token = first["next_page_token"].as_str().map(str::to_owned);
    while let Some(t) = token {
        let page = legacy(&world, path, &[("pagetoken", &t), ("key", SAMPLE_KEY)]).await;
        total += page["results"].as_array().map_or(0, Vec::len);
        token = page["next_page_token"].as_str().map(str::to_owned);
    }
    assert_eq!(total, 60);
    let none = legacy(
        &world,
        path,
        &[("query", "dentist in Atlantis"), ("key", SAMPLE_KEY)],
    )
    .await;
    assert_eq!(none["status"], "ZERO_RESULTS");
    assert_eq!(world.requests(endpoint::LEGACY_TEXT_SEARCH), 4);
}

#[tokio::test]
async fn legacy_details_return_contact_fields_and_honour_fields() {
    let world = start().await;
    let b = &world.world.businesses()[0];
    let path = "/maps/api/place/details/json";
    let fields = "place_id,name,website,international_phone_number,formatted_phone_number,rating,user_ratings_total,address_component";
    let body = legacy(
        &world,
        path,
        &[
            ("place_id", &b.place_id),
            ("fields", fields),
            ("key", SAMPLE_KEY),
        ],
    )
    .await;
    assert_eq!(body["status"], "OK");
    let result = &body["result"];
    assert_eq!(result["international_phone_number"], "+1 512-555-0134");
    assert_eq!(result["formatted_phone_number"], "(512) 555-0134");
    assert_eq!(result["website"], "https://bright-smile-dental-austin.com/");
    assert!(result["address_components"][0]["long_name"].is_string());
    assert!(result.get("geometry").is_none(), "not asked for");

    let missing = legacy(
        &world,
        path,
        &[
            ("place_id", "ChIJ0000000000000000000000"),
            ("key", SAMPLE_KEY),
        ],
    )
    .await;
    assert_eq!(missing["status"], "NOT_FOUND");
    let denied = legacy(&world, path, &[("place_id", &b.place_id), ("key", "wrong")]).await;
    assert_eq!(denied["status"], "REQUEST_DENIED");
    assert_eq!(denied["error_message"], "The provided API key is invalid.");
}
