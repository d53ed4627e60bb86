//! The response cache: cacheable provider answers keyed by a hash of the normalised request.
//!
//! The store crate implements [`ResponseCache`] over the `response_cache` table; this crate
//! ships [`NoCache`] and an in-memory [`MemoryCache`] for tests and one-off runs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// A key/value store of response bodies with an expiry.
#[async_trait::async_trait]
pub trait ResponseCache: Send + Sync {
    /// The body stored under `key`, if present and not expired.
    async fn get(&self, key: &str) -> Option<String>;
    /// Stores `body` under `key` for `ttl`; `source` names the provider (for purging and
    /// inspection). Failing to store is not an error for the caller.
    async fn put(&self, key: &str, source: &str, body: &str, ttl: Duration);
}

/// A cache that stores nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

#[async_trait::async_trait]
impl ResponseCache for NoCache {
    async fn get(&self, _key: &str) -> Option<String> {
        None
    }

    async fn put(&self, _key: &str, _source: &str, _body: &str, _ttl: Duration) {}
}

/// An in-process cache, for tests and single runs.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries are stored (expired ones included until read).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait::async_trait]
impl ResponseCache for MemoryCache {
    async fn get(&self, key: &str) -> Option<String> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some((body, expires)) if *expires > Instant::now() => Some(body.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    async fn put(&self, key: &str, _source: &str, body: &str, ttl: Duration) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key.to_owned(), (body.to_owned(), Instant::now() + ttl));
        }
    }
}

/// The cache key of a request to `source`: hex SHA-256 of the source name and the request in
/// canonical JSON (object keys sorted at every depth, strings trimmed). Free text the user
/// typed should go through [`normalize_query_text`] first, so that case and spacing do not
/// split the cache; opaque values such as page tokens must not, and are kept as they are.
pub fn cache_key(source: &str, request: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(request, &mut canonical);
    let mut hasher = Sha256::new();
    hasher.update(source.as_bytes());
    hasher.update([0]);
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

/// Query text as the cache sees it: trimmed, lowercased, runs of whitespace collapsed.
pub fn normalize_query_text(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(&Value::String(s.trim().to_owned()).to_string()),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_ignores_object_key_order_and_surrounding_spaces() {
        let a = cache_key("serper", &json!({"q": "dentist in austin", "page": 1}));
        let b = cache_key("serper", &json!({"page": 1, "q": " dentist in austin "}));
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn key_depends_on_source_and_on_every_value() {
        let req = json!({"q": "dentist in austin", "page": 1});
        assert_ne!(cache_key("serper", &req), cache_key("google_places", &req));
        assert_ne!(
            cache_key("serper", &req),
            cache_key("serper", &json!({"q": "dentist in austin", "page": 2}))
        );
    }

    #[test]
    fn query_text_is_lowercased_and_whitespace_collapsed() {
        assert_eq!(
            normalize_query_text("  Dentist   in\tAustin "),
            "dentist in austin"
        );
    }

    #[tokio::test]
    async fn memory_cache_returns_what_was_put_until_it_expires() {
        let cache = MemoryCache::new();
        cache
            .put("k", "serper", "body", Duration::from_secs(60))
            .await;
        assert_eq!(cache.get("k").await.as_deref(), Some("body"));
        cache.put("old", "serper", "stale", Duration::ZERO).await;
        assert_eq!(cache.get("old").await, None);
        assert_eq!(NoCache.get("k").await, None);
    }
}
