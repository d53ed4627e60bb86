//! Shared helpers for the stories: a fresh world per test, a plain client, and a client for the
//! business websites.

#![allow(dead_code, reason = "each test crate uses a different subset")]

use sample_world::{RunningWorld, SampleWorld, WorldConfig};
use serde_json::Value;

pub async fn start() -> RunningWorld {
    SampleWorld::start(WorldConfig::default())
        .await
        .expect("the sample world starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client builds")
}

pub fn url(world: &RunningWorld, path: &str) -> String {
    format!("{}{path}", world.api_base_str())
}

pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// String values of `key` in every object of `items`.
pub fn strings(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p[key].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A client for the business websites: every site host resolves to the sites server (as the
/// crawler does with `LEADFORGE_RESOLVE`) and the world's CA is the only trusted root.
pub fn site_client(world: &RunningWorld) -> reqwest::Client {
    site_client_with(world, reqwest::redirect::Policy::default())
}

/// [`site_client`] with a redirect policy (`Policy::none()` to see the 301s).
pub fn site_client_with(
    world: &RunningWorld,
    policy: reqwest::redirect::Policy,
) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(world.ca_pem().as_bytes()).expect("the CA parses");
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .redirect(policy);
    for domain in world.world.domains() {
        builder = builder.resolve(&domain, world.sites_addr);
    }
    builder.build().expect("a client builds")
}

/// `scheme://host:port/path` of a site page, on the scheme its listing uses.
pub fn site_url(world: &RunningWorld, host: &str, path: &str) -> String {
    let https = world
        .world
        .site_owner(host)
        .and_then(|b| b.site)
        .is_some_and(|s| s.https);
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}:{}{path}", world.sites_addr.port())
}

/// Status and text of a site page, fetched on its listing's scheme.
pub async fn site_get(world: &RunningWorld, host: &str, path: &str) -> (u16, String) {
    let response = site_client(world)
        .get(site_url(world, host, path))
        .send()
        .await
        .expect("the site answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}
