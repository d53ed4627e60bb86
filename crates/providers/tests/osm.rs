//! OpenStreetMap: Nominatim and Overpass against wiremock, in the services' real formats.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{AUSTIN_BBOX, base, fast_http, form_data, nominatim_austin};
use domain::PlaceSource;
use providers::ProviderError;
use providers::http::USER_AGENT;
use providers::places::geo::GeoResolver;
use providers::places::osm::{OsmClient, OsmConfig, OsmPlaces};
use providers::places::{PlacesProvider, PlacesQuery};
use providers::usage::{MemoryUsage, NoUsage, PriceTable};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn geo(server: &MockServer) -> Arc<GeoResolver> {
    let config = OsmConfig {
        nominatim_base_url: base(server),
        overpass_base_url: base(server),
        min_interval: Duration::ZERO,
    };
    Arc::new(GeoResolver::new(OsmClient::new(
        config,
        fast_http(),
        PriceTable::default(),
    )))
}

async fn mount_nominatim(server: &MockServer, q: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("q", q))
        .and(query_param("format", "jsonv2"))
        .and(query_param("limit", "1"))
        .and(query_param("addressdetails", "1"))
        .and(header("user-agent", USER_AGENT))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn dentists_are_found_by_tag_inside_the_resolved_box() {
    let server = MockServer::start().await;
    mount_nominatim(&server, "Austin, TX", nominatim_austin()).await;
    Mock::given(method("POST"))
        .and(path("/api/interpreter"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": 0.6,
            "generator": "Overpass API",
            "elements": [
                {"type": "node", "id": 101, "lat": 30.27, "lon": -97.74, "tags": {
                    "amenity": "dentist", "healthcare": "dentist", "name": "Congress Dental",
                    "phone": "+1 512 555 0101", "website": "https://congressdental.example",
                    "addr:housenumber": "100", "addr:street": "Congress Avenue",
                    "addr:city": "Austin", "addr:postcode": "78701"}},
                {"type": "way", "id": 202, "center": {"lat": 30.3, "lon": -97.7}, "tags": {
                    "healthcare": "dentist", "name": "Hyde Park Smiles",
                    "contact:phone": "+1 512 555 0102", "contact:website": "https://hps.example"}},
                {"type": "node", "id": 303, "lat": 30.2, "lon": -97.8, "tags": {"amenity": "dentist"}}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let usage = MemoryUsage::new();
    let query = PlacesQuery::new("Dentists", "Austin, TX", None);
    let page = OsmPlaces::new(geo(&server))
        .search_page(&query, None, &usage)
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let overpass = requests
        .iter()
        .find(|r| r.url.path() == "/api/interpreter")
        .unwrap();
    assert_eq!(
        form_data(overpass),
        format!(
            "[out:json][timeout:25];\n(\n  nwr[\"amenity\"=\"dentist\"]{AUSTIN_BBOX};\n  \
             nwr[\"healthcare\"=\"dentist\"]{AUSTIN_BBOX};\n);\nout center tags;\n"
        )
    );
    let [node, way] = page.places.as_slice() else {
        panic!("{:?}", page.places)
    };
    assert_eq!(node.place_id, "osm:node/101");
    assert_eq!(node.source, PlaceSource::Osm);
    assert_eq!(node.name, "Congress Dental");
    assert_eq!(
        node.address.as_deref(),
        Some("100 Congress Avenue, Austin, 78701")
    );
    assert_eq!(node.city.as_deref(), Some("Austin"));
    assert_eq!(node.phone.as_deref(), Some("+1 512 555 0101"));
    assert_eq!(node.categories, ["amenity=dentist", "healthcare=dentist"]);
    assert_eq!(way.place_id, "osm:way/202");
    assert_eq!((way.latitude, way.longitude), (Some(30.3), Some(-97.7)));
    assert_eq!(way.phone.as_deref(), Some("+1 512 555 0102"));
    assert_eq!(way.website.as_deref(), Some("https://hps.example"));
    assert_eq!(way.address, None);
    assert_eq!(page.next, None);

    let records = usage.records().await;
    let calls: Vec<_> = records
        .iter()
        .map(|r| (r.provider.as_str(), r.operation.as_str()))
        .collect();
    assert_eq!(
        calls,
        [("nominatim", "geo.resolve"), ("overpass", "places.search")]
    );
    assert!(
        records
            .iter()
            .all(|r| r.status == "ok" && r.cost_usd == 0.0)
    );
}

#[tokio::test]
async fn an_unknown_vertical_is_unsupported_without_any_request() {
    let server = MockServer::start().await;
    let query = PlacesQuery::new("blockchain consultancy", "Austin, TX", None);
    let err = OsmPlaces::new(geo(&server))
        .search_page(&query, None, &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::UnsupportedVertical {
            vertical: "blockchain consultancy".into()
        }
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_geography_is_reported_as_not_found() {
    let server = MockServer::start().await;
    mount_nominatim(&server, "Atlantis", json!([])).await;
    let query = PlacesQuery::new("dentist", "Atlantis", None);
    let err = OsmPlaces::new(geo(&server))
        .search_page(&query, None, &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::GeographyNotFound {
            geography: "Atlantis".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "nominatim: geography \"Atlantis\" not found"
    );
}

#[tokio::test]
async fn a_geography_resolves_to_its_box_and_country() {
    let server = MockServer::start().await;
    mount_nominatim(&server, "Austin", nominatim_austin()).await;
    let area = geo(&server)
        .resolve("Austin", &NoUsage)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        area.display_name,
        "Austin, Travis County, Texas, United States"
    );
    assert_eq!(area.country_code.as_deref(), Some("US"));
    assert_eq!((area.south, area.north), (30.0985133, 30.5166255));
    assert_eq!((area.west, area.east), (-97.9367663, -97.5605288));
    assert_eq!((area.lat, area.lon), (30.2711286, -97.7436995));
}

#[tokio::test]
async fn a_bounding_box_that_is_not_numbers_is_a_decode_error() {
    let server = MockServer::start().await;
    let mut body = nominatim_austin();
    body[0]["boundingbox"][2] = json!("west");
    mount_nominatim(&server, "Austin", body).await;
    let err = geo(&server).resolve("Austin", &NoUsage).await.unwrap_err();
    let ProviderError::Decode { message, .. } = err else {
        panic!()
    };
    assert!(message.starts_with("boundingbox west"), "{message}");
}

#[tokio::test]
async fn neighbourhoods_are_listed_once_each_with_a_small_box() {
    let server = MockServer::start().await;
    mount_nominatim(&server, "Austin", nominatim_austin()).await;
    Mock::given(method("POST"))
        .and(path("/api/interpreter"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": [
            {"type": "node", "id": 1, "lat": 30.30, "lon": -97.73, "tags": {"place": "neighbourhood", "name": "Hyde Park"}},
            {"type": "node", "id": 2, "lat": 30.26, "lon": -97.77, "tags": {"place": "neighbourhood", "name": "Zilker"}},
            {"type": "node", "id": 3, "lat": 30.31, "lon": -97.72, "tags": {"place": "quarter", "name": "hyde park"}},
            {"type": "node", "id": 4, "tags": {"place": "suburb", "name": "Mueller"}},
            {"type": "node", "id": 5, "lat": 30.2, "lon": -97.7, "tags": {"place": "suburb"}}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let resolver = geo(&server);
    let area = resolver.resolve("Austin", &usage).await.unwrap().unwrap();
    let subareas = resolver.subareas(&area, &usage).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let overpass = requests
        .iter()
        .find(|r| r.url.path() == "/api/interpreter")
        .unwrap();
    assert_eq!(
        form_data(overpass),
        format!(
            "[out:json][timeout:25];\n(\n  node[\"place\"~\"^(suburb|neighbourhood|quarter)$\"]\
             {AUSTIN_BBOX};\n);\nout tags;\n"
        )
    );
    let names: Vec<_> = subareas.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Hyde Park", "Zilker", "Mueller"]);
    let hyde = &subareas[0];
    assert!((hyde.south - 30.28).abs() < 1e-9 && (hyde.north - 30.32).abs() < 1e-9);
    assert!((hyde.west + 97.75).abs() < 1e-9 && (hyde.east + 97.71).abs() < 1e-9);
    assert_eq!(
        subareas[2].bounds(),
        area.bounds(),
        "no coordinates: the whole area"
    );
    assert_eq!(usage.records().await[1].operation, "geo.subareas");
}

#[tokio::test]
async fn an_overpass_timeout_remark_is_an_upstream_error() {
    let server = MockServer::start().await;
    mount_nominatim(&server, "Austin", nominatim_austin()).await;
    Mock::given(path("/api/interpreter"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "elements": [],
            "remark": "runtime error: Query timed out in \"query\" at line 3 after 26 seconds."
        })))
        .mount(&server)
        .await;
    let query = PlacesQuery::new("plumber", "Austin", None);
    let err = OsmPlaces::new(geo(&server))
        .search_page(&query, None, &NoUsage)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Upstream {
                provider: "overpass",
                ..
            }
        ),
        "{err:?}"
    );
}
