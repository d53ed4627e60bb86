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
    out.push(
        blobs_check(
            &config.blob_store_url,
            store::BlobStore::from_url(&config.blob_store_url),
        )
        .await,
    );

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

/// The blob store, probed by writing a small object. The endpoint column is the store's own
/// description (a directory, or `s3://bucket/prefix at <endpoint> (<region>)`), which never
/// holds a credential; a URL that did not open is shown without any `user:password@`.
async fn blobs_check(url: &str, opened: Result<store::BlobStore, store::BlobError>) -> Check {
    match opened {
        Ok(b) => {
            let probe = b.put("doctor/probe.txt", "ok").await;
            let status = if probe.is_ok() { "ok" } else { "unreachable" };
            let detail = probe
                .err()
                .map_or_else(|| format!("writable ({})", b.backend()), |e| e.to_string());
            check("blobs", "object_store", b.description(), status, detail)
        }
        Err(e) => check(
            "blobs",
            "object_store",
            &without_userinfo(url),
            "unreachable",
            e.to_string(),
        ),
    }
}

/// `scheme://user:password@host/path` as `scheme://***@host/path`; anything else unchanged.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_owned(),
    }
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

    #[tokio::test]
    async fn the_blob_store_is_shown_by_bucket_prefix_and_endpoint_never_by_credentials() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let url = "s3://leadforge-blobs/prod";
        // Nothing listens on the endpoint: the probe fails, and says so without the secret.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let opened = store::BlobStore::from_url_with_env(
            url,
            [
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", secret),
                ("AWS_REGION", "eu-west-2"),
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_ALLOW_HTTP", "true"),
            ],
        );
        let c = blobs_check(url, opened).await;
        assert_eq!(
            c.endpoint,
            format!("s3://leadforge-blobs/prod at {endpoint} (eu-west-2)")
        );
        assert_eq!(c.status, "unreachable", "{c:?}");
        assert!(!format!("{c:?}").contains(secret), "{c:?}");

        // A URL that carries a key is refused, and shown without it.
        let url = "s3://AKIDEXAMPLE:hunter2hunter2@leadforge-blobs/prod";
        let c = blobs_check(url, store::BlobStore::from_url(url)).await;
        assert_eq!(c.status, "unreachable");
        assert_eq!(c.endpoint, "s3://***@leadforge-blobs/prod");
        assert!(!format!("{c:?}").contains("hunter2"), "{c:?}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().display().to_string();
        let c = blobs_check(&path, store::BlobStore::from_url(&path)).await;
        assert_eq!(
            (c.endpoint.as_str(), c.status.as_str(), c.detail.as_str()),
            (path.as_str(), "ok", "writable (fs)")
        );
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
