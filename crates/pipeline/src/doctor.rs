//! `leadforge doctor`: which providers are configured in each chain, and whether each answers a
//! cheap, free request (model lists, status pages). Never prints a secret: keys are only
//! reported as set.

use std::time::{Duration, Instant};

use providers::http::{HttpClient, HttpConfig, RetryPolicy};
use url::Url;

use crate::config::Config;

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// `database`, `blobs`, `places`, `llm`, `embeddings`.
    pub chain: &'static str,
    /// Provider name.
    pub provider: String,
    /// Where it is (base URL; never a key).
    pub endpoint: String,
    /// `ok`, `unreachable`, `rejected`, `not configured`.
    pub status: String,
    /// Details (HTTP status and time, or the error).
    pub detail: String,
}

/// What a probe asks.
struct Probe {
    chain: &'static str,
    provider: &'static str,
    base: Url,
    path: &'static str,
    bearer: Option<String>,
    header: Option<(&'static str, String)>,
}

/// Runs every check; the database and blob store first.
pub async fn run(config: &Config) -> Vec<Check> {
    let mut out = Vec::new();
    let backend = if config.database_url.expose().starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    out.push(
        match store::Store::open(config.database_url.expose()).await {
            Ok(s) => match s.ping().await {
                Ok(()) => check(
                    "database",
                    backend,
                    "DATABASE_URL",
                    "ok",
                    "migrated and answering".into(),
                ),
                Err(e) => check(
                    "database",
                    backend,
                    "DATABASE_URL",
                    "unreachable",
                    e.to_string(),
                ),
            },
            Err(e) => check(
                "database",
                backend,
                "DATABASE_URL",
                "unreachable",
                e.to_string(),
            ),
        },
    );
    out.push(match store::BlobStore::from_url(&config.blob_store_url) {
        Ok(b) => {
            let probe = b.put("doctor/probe.txt", "ok").await;
            let status = if probe.is_ok() { "ok" } else { "unreachable" };
            let detail = probe
                .err()
                .map_or_else(|| "writable".to_owned(), |e| e.to_string());
            check("blobs", "object_store", b.description(), status, detail)
        }
        Err(e) => check(
            "blobs",
            "object_store",
            &config.blob_store_url,
            "unreachable",
            e.to_string(),
        ),
    });

    let http = HttpClient::new(HttpConfig {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        },
    });
    let Ok(http) = http else {
        out.push(check(
            "http",
            "reqwest",
            "",
            "unreachable",
            "cannot build an HTTP client".into(),
        ));
        return out;
    };
    for probe in probes(config) {
        out.push(ask(&http, probe).await);
    }
    out.push(local_model_check(config));
    out.push(check(
        "embeddings",
        "local_hashing",
        "in-process",
        "ok",
        "always available (matches words, not meaning)".into(),
    ));
    out.push(check(
        "llm",
        "rules",
        "in-process",
        "ok",
        "always available".into(),
    ));
    out
}

/// Where the local all-MiniLM-L6-v2 model would come from, without loading it (no network).
fn local_model_check(config: &Config) -> Check {
    use crate::config::EmbeddingsMode;
    let e = &config.embeddings;
    if e.mode == EmbeddingsMode::Hashing {
        return check(
            "embeddings",
            "local_minilm",
            "in-process",
            "skipped",
            "LEADFORGE_EMBEDDINGS=hashing".into(),
        );
    }
    let mut options = embed_local::ModelOptions::new(e.data_dir.clone());
    options.model_dir.clone_from(&e.model_dir);
    let dir = options
        .model_dir
        .clone()
        .unwrap_or_else(|| options.cache_dir());
    let missing = embed_local::missing_files(&dir);
    let (status, detail) = match (missing.is_empty(), &e.model_dir) {
        (true, _) => ("ok", format!("model files in {}", dir.display())),
        (false, Some(_)) => (
            "misconfigured",
            format!(
                "LEADFORGE_EMBEDDINGS_MODEL_DIR {} lacks {}",
                dir.display(),
                missing.join(", ")
            ),
        ),
        (false, None) => (
            "not downloaded",
            format!(
                "downloaded once from {} into {} on first use (or set LEADFORGE_EMBEDDINGS_MODEL_DIR)",
                e.hub_base_url,
                dir.display()
            ),
        ),
    };
    check("embeddings", "local_minilm", "in-process", status, detail)
}

fn probes(config: &Config) -> Vec<Probe> {
    let p = &config.places;
    let l = &config.llm;
    let mut v = Vec::new();
    let keyed =
        |chain, provider, e: &crate::config::KeyedEndpoint, path, header: &'static str| Probe {
            chain,
            provider,
            base: e.base_url.clone(),
            path,
            bearer: None,
            header: Some((header, e.api_key.expose().to_owned())),
        };
    if let Some(e) = &p.serper {
        v.push(keyed("places", "serper", e, "/", "x-api-key"));
    }
    if let Some(e) = &p.google_places {
        v.push(keyed("places", "google_places", e, "/", "x-goog-api-key"));
    }
    if let Some(e) = &p.google_legacy {
        v.push(keyed(
            "places",
            "google_places_legacy",
            e,
            "/",
            "x-goog-api-key",
        ));
    }
    if p.osm_enabled {
        let plain = |provider, base: &Url, path| Probe {
            chain: "places",
            provider,
            base: base.clone(),
            path,
            bearer: None,
            header: None,
        };
        v.push(plain("nominatim", &p.nominatim_base_url, "/status"));
        v.push(plain("overpass", &p.overpass_base_url, "/api/status"));
    }
    if let Some(e) = &l.openai {
        v.push(Probe {
            chain: "llm",
            provider: "openai",
            base: e.base_url.clone(),
            path: "/v1/models",
            bearer: Some(e.api_key.expose().to_owned()),
            header: None,
        });
    }
    if let Some(e) = &l.gemini {
        v.push(keyed(
            "llm",
            "gemini",
            e,
            "/v1beta/models",
            "x-goog-api-key",
        ));
    }
    if let Some(e) = &l.deepseek {
        v.push(Probe {
            chain: "llm",
            provider: "deepseek",
            base: e.base_url.clone(),
            path: "/models",
            bearer: Some(e.api_key.expose().to_owned()),
            header: None,
        });
    }
    if let Some((base, key)) = &l.openai_compatible {
        v.push(Probe {
            chain: "llm",
            provider: "openai_compatible",
            base: base.clone(),
            path: "/models",
            bearer: key.as_ref().map(|k| k.expose().to_owned()),
            header: None,
        });
    }
    v
}

async fn ask(http: &HttpClient, probe: Probe) -> Check {
    let mut url = probe.base.clone();
    let joined = format!("{}{}", url.path().trim_end_matches('/'), probe.path);
    url.set_path(&joined);
    let shown = probe.base.as_str().trim_end_matches('/').to_owned();
    let mut req = http.client().get(url.clone());
    if let Some(token) = &probe.bearer {
        req = req.bearer_auth(token);
    }
    if let Some((name, value)) = &probe.header {
        req = req.header(*name, value);
    }
    let started = Instant::now();
    match req.send().await {
        Ok(resp) => {
            let code = resp.status().as_u16();
            let ms = started.elapsed().as_millis();
            let status = match code {
                401 | 403 => "rejected",
                _ => "ok",
            };
            let what = if status == "rejected" {
                "the key was refused"
            } else {
                "reachable"
            };
            check(
                probe.chain,
                probe.provider,
                &shown,
                status,
                format!("{what} (HTTP {code} in {ms} ms)"),
            )
        }
        Err(e) => {
            // reqwest errors can carry the URL (and with it a query-string key): drop it.
            let reason = if e.is_timeout() {
                "timed out".to_owned()
            } else {
                e.without_url().to_string()
            };
            check(probe.chain, probe.provider, &shown, "unreachable", reason)
        }
    }
}

fn check(
    chain: &'static str,
    provider: &str,
    endpoint: &str,
    status: &str,
    detail: String,
) -> Check {
    Check {
        chain,
        provider: provider.to_owned(),
        endpoint: endpoint.to_owned(),
        status: status.to_owned(),
        detail,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_vars(&vars).unwrap()
    }

    #[test]
    fn the_local_model_is_reported_from_its_files_without_loading_it() {
        let data = tempfile::tempdir().unwrap();
        let data_dir = data.path().display().to_string();
        let c = local_model_check(&config(&[("LEADFORGE_DATA_DIR", &data_dir)]));
        assert_eq!(c.status, "not downloaded", "{c:?}");
        assert!(c.detail.contains("huggingface.co"), "{c:?}");

        let empty = tempfile::tempdir().unwrap();
        let c = local_model_check(&config(&[(
            "LEADFORGE_EMBEDDINGS_MODEL_DIR",
            &empty.path().display().to_string(),
        )]));
        assert_eq!(c.status, "misconfigured", "{c:?}");
        assert!(c.detail.contains("model.safetensors"), "{c:?}");

        let cache = data.path().join("models").join("all-MiniLM-L6-v2");
        std::fs::create_dir_all(&cache).unwrap();
        for f in ["config.json", "tokenizer.json", "model.safetensors"] {
            std::fs::write(cache.join(f), b"x").unwrap();
        }
        let c = local_model_check(&config(&[("LEADFORGE_DATA_DIR", &data_dir)]));
        assert_eq!(c.status, "ok", "{c:?}");

        let c = local_model_check(&config(&[("LEADFORGE_EMBEDDINGS", "hashing")]));
        assert_eq!(c.status, "skipped");
    }
}
