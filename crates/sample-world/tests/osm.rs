//! Nominatim finds geographies and neighbourhoods; Overpass answers the two query shapes the
//! client sends and rejects malformed ones the way Overpass does.

mod common;

use common::{client, json, start, url};
use sample_world::{OsmKind, RunningWorld, Vertical, endpoint};
use serde_json::Value;

async fn nominatim(world: &RunningWorld, q: &str) -> Value {
    let response = client()
        .get(url(world, "/search"))
        .query(&[
            ("q", q),
            ("format", "jsonv2"),
            ("limit", "1"),
            ("addressdetails", "1"),
        ])
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test]
async fn nominatim_finds_geographies_by_their_common_spellings() {
    let world = start().await;
    for q in ["Austin, TX", "austin, texas", "Austin"] {
        let found = nominatim(&world, q).await;
        let r = &found[0];
        assert_eq!(r["osm_type"], "relation", "{q}");
        assert_eq!(r["class"], "boundary");
        assert_eq!(r["type"], "administrative");
        assert_eq!(r["address"]["city"], "Austin");
        assert_eq!(r["address"]["country_code"], "us");
        let bbox: Vec<f64> = r["boundingbox"]
            .as_array()
            .expect("bbox")
            .iter()
            .map(|v| {
                v.as_str()
                    .expect("bbox values are strings")
                    .parse()
                    .expect("numbers")
            })
            .collect();
        assert!(
            bbox[0] < bbox[1] && bbox[2] < bbox[3],
            "south, north, west, east"
        );
        assert!(r["lat"].is_string() && r["lon"].is_string());
    }
    for q in ["Manchester, UK", "Manchester, England"] {
        assert_eq!(
            nominatim(&world, q).await[0]["address"]["country_code"],
            "gb"
        );
    }
    let hood = nominatim(&world, "Northern Quarter, Manchester, UK").await;
    assert_eq!(hood[0]["name"], "Northern Quarter");
    assert_eq!(hood[0]["boundingbox"][0], "53.4810000");
    assert_eq!(nominatim(&world, "Atlantis").await, Value::Array(vec![]));
    assert_eq!(world.requests(endpoint::NOMINATIM_SEARCH), 7);
}

fn form(query: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("data", query)
        .finish()
}

async fn overpass_post(world: &RunningWorld, query: &str) -> reqwest::Response {
    client()
        .post(url(world, "/api/interpreter"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(query))
        .send()
        .await
        .expect("answers")
}

#[tokio::test]
async fn overpass_returns_the_businesses_of_a_vertical_inside_the_bbox() {
    let world = start().await;
    let (s, w, n, e) = (30.098, -97.938, 30.517, -97.561);
    let query = format!(
        "[out:json][timeout:25];\n(\n  nwr[\"amenity\"=\"dentist\"]({s},{w},{n},{e});\n  nwr[\"healthcare\"=\"dentist\"]({s},{w},{n},{e});\n);\nout center tags;\n"
    );
    let response = overpass_post(&world, &query).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["version"], 0.6);
    assert_eq!(body["generator"], "sample-world");
    let elements = body["elements"].as_array().expect("elements");
    let expected = world
        .world
        .businesses()
        .iter()
        .filter(|b| {
            b.vertical == Vertical::Dentist && b.geography.name == "Austin, TX" && b.osm.is_some()
        })
        .count();
    assert_eq!(elements.len(), expected);
    assert!(
        elements.len()
            < world
                .world
                .businesses()
                .iter()
                .filter(|b| b.vertical == Vertical::Dentist && b.geography.name == "Austin, TX")
                .count()
    );
    let way = elements
        .iter()
        .find(|e| e["type"] == "way")
        .expect("some businesses are ways");
    assert!(way["center"]["lat"].is_f64());
    let node = elements
        .iter()
        .find(|e| e["type"] == "node")
        .expect("and some nodes");
    assert!(node["lat"].is_f64());
    for e in elements {
        let tags = &e["tags"];
        assert_eq!(tags["amenity"], "dentist");
        assert!(
            tags["name"].is_string()
                && tags["addr:street"].is_string()
                && tags["addr:postcode"].is_string()
        );
    }
    assert!(
        elements
            .iter()
            .any(|e| e["tags"].get("contact:phone").is_some())
    );
    assert!(
        elements
            .iter()
            .any(|e| e["tags"].get("healthcare").is_some())
    );
    let ways = world
        .world
        .businesses()
        .iter()
        .filter(|b| b.osm.is_some_and(|o| o.kind == OsmKind::Way));
    assert!(ways.count() > 0);
}

#[tokio::test]
async fn overpass_returns_neighbourhood_place_nodes_for_get_and_post() {
    let world = start().await;
    let query = "[out:json][timeout:25];\n(\n  node[\"place\"~\"^(suburb|neighbourhood|quarter)$\"](53.340,-2.320,53.545,-2.146);\n);\nout tags;\n";
    let get = client()
        .get(url(&world, "/api/interpreter"))
        .query(&[("data", query)])
        .send()
        .await
        .expect("answers");
    let got = json(get).await;
    let post = json(overpass_post(&world, query).await).await;
    assert_eq!(got, post);
    let names: Vec<&str> = got["elements"]
        .as_array()
        .expect("elements")
        .iter()
        .filter_map(|e| e["tags"]["name"].as_str())
        .collect();
    assert_eq!(names.len(), 8);
    assert!(names.contains(&"Northern Quarter") && names.contains(&"Didsbury"));
    for e in got["elements"].as_array().expect("elements") {
        assert_eq!(e["type"], "node");
        assert!(e["lat"].is_f64() && e["lon"].is_f64());
    }
}

#[tokio::test]
async fn overpass_rejects_malformed_queries_with_its_html_error() {
    let world = start().await;
    let response = overpass_post(
        &world,
        "[out:json];\n(\n  nwr[\"craft\"=\"roofer\"](30.1,-97.9);\n);\nout;",
    )
    .await;
    assert_eq!(response.status(), 400);
    let text = response.text().await.expect("a body");
    assert!(text.contains("<title>OSM3S Response</title>"));
    assert!(
        text.contains("Error</strong>: line 3: parse error"),
        "{text}"
    );
    let empty = client()
        .post(url(&world, "/api/interpreter"))
        .send()
        .await
        .expect("answers");
    assert_eq!(empty.status(), 400);
}
