//! Helpers shared by the wiremock stories: fixtures, fast clients, form-body matching.
#![allow(dead_code, reason = "each test file uses a subset")]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use providers::http::{HttpClient, HttpConfig, RetryPolicy};
use serde_json::Value;
use url::Url;
use wiremock::{Match, MockServer, Request};

pub mod clients;

/// The key every story uses; asserting it never leaks means searching for it.
pub const KEY: &str = "test-key-8c1f0d";

/// A shared fixture file, as text.
pub fn fixture(relative: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A shared fixture file, parsed.
pub fn fixture_json(relative: &str) -> Value {
    serde_json::from_str(&fixture(relative)).unwrap()
}

/// An HTTP client that retries quickly, so stories stay fast.
pub fn fast_http() -> HttpClient {
    HttpClient::new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        },
    })
    .unwrap()
}

/// The mock server's address as a base URL.
pub fn base(server: &MockServer) -> Url {
    Url::parse(&server.uri()).unwrap()
}

/// The `data` field of an Overpass form body.
pub fn form_data(request: &Request) -> String {
    url::form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == "data")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Matches Overpass requests whose QL contains a fragment.
#[derive(Debug)]
pub struct QlContains(pub &'static str);

impl Match for QlContains {
    fn matches(&self, request: &Request) -> bool {
        form_data(request).contains(self.0)
    }
}

/// A port on loopback that nothing listens on.
pub fn closed_port_url() -> Url {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    Url::parse(&format!("http://127.0.0.1:{port}")).unwrap()
}

/// A Nominatim `jsonv2` answer for Austin, in the service's real shape.
pub fn nominatim_austin() -> Value {
    serde_json::json!([{
        "place_id": 298343366,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "relation",
        "osm_id": 113314,
        "lat": "30.2711286",
        "lon": "-97.7436995",
        "category": "boundary",
        "type": "administrative",
        "place_rank": 16,
        "importance": 0.75,
        "addresstype": "city",
        "name": "Austin",
        "display_name": "Austin, Travis County, Texas, United States",
        "address": {
            "city": "Austin",
            "county": "Travis County",
            "state": "Texas",
            "ISO3166-2-lvl4": "US-TX",
            "country": "United States",
            "country_code": "us"
        },
        "boundingbox": ["30.0985133", "30.5166255", "-97.9367663", "-97.5605288"]
    }])
}

/// Austin's box as Overpass wants it: `(S,W,N,E)`.
pub const AUSTIN_BBOX: &str = "(30.0985133,-97.9367663,30.5166255,-97.5605288)";
