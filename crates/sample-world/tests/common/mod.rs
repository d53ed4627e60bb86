//! Shared helpers for the stories: a fresh world per test and a plain client.

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
