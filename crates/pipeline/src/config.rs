//! Leadforge's configuration: read once at start from the environment (and `.env`), typed,
//! with secrets in [`Secret`]. A malformed value fails at start with a message naming the
//! variable; so does an unknown `LEADFORGE_*` variable (a typo would otherwise be silently
//! ignored).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use domain::Secret;
use url::Url;

/// A configuration error: always names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    /// The variable.
    pub var: String,
    /// What is wrong with it (never its value when it is a secret).
    pub problem: String,
}

fn bad(var: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var: var.to_owned(),
        problem: problem.into(),
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// A provider endpoint with its key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedEndpoint {
    /// Base URL (no trailing slash).
    pub base_url: Url,
    /// API key.
    pub api_key: Secret,
}

/// The places providers that are configured, in chain order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacesSettings {
    /// Serper `/places` (`SERPER_KEY`, `SERPER_BASE_URL`).
    pub serper: Option<KeyedEndpoint>,
    /// Google Places API (New) (`GOOGLE_PLACES_KEY`, `GOOGLE_PLACES_BASE_URL`).
    pub google_places: Option<KeyedEndpoint>,
    /// Google Places legacy (`GOOGLE_PLACES_KEY`, `GOOGLE_MAPS_BASE_URL`).
    pub google_legacy: Option<KeyedEndpoint>,
    /// Nominatim base URL (`NOMINATIM_BASE_URL`).
    pub nominatim_base_url: Url,
    /// Overpass base URL (`OVERPASS_BASE_URL`).
    pub overpass_base_url: Url,
    /// Whether the keyless OpenStreetMap provider is used (`LEADFORGE_OSM`, default on).
    pub osm_enabled: bool,
    /// How long places answers stay in `response_cache` (`LEADFORGE_CACHE_TTL_SECS`).
    pub cache_ttl: Duration,
}

/// The language-model and embedding providers that are configured.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSettings {
    /// OpenAI's Responses API (`OPENAI_API_KEY` without `OPENAI_BASE_URL`).
    pub openai: Option<KeyedEndpoint>,
    /// Any OpenAI-compatible server through Chat Completions (`OPENAI_BASE_URL`, e.g.
    /// `http://localhost:11434/v1` for Ollama), with `OPENAI_API_KEY` if it wants one.
    pub openai_compatible: Option<(Url, Option<Secret>)>,
    /// `OPENAI_PRIMARY_MODEL`, `OPENAI_LIGHT_MODEL`, `OPENAI_ULTRA_LIGHT_MODEL`.
    pub models: [String; 3],
    /// `OPENAI_EMBEDDINGS_MODEL`.
    pub embeddings_model: String,
    /// Gemini (`GEMINI_API_KEY`, `GEMINI_BASE_URL`).
    pub gemini: Option<KeyedEndpoint>,
    /// DeepSeek (`DEEPSEEK_API_KEY`, `DEEPSEEK_BASE_URL`).
    pub deepseek: Option<KeyedEndpoint>,
    /// `DEEPSEEK_MODEL`.
    pub deepseek_model: String,
    /// `OPENAI_MAX_CONCURRENT`: requests in flight per provider.
    pub max_concurrent: usize,
    /// `OPENAI_MIN_DELAY_MS`: least time between two request starts per provider.
    pub min_delay: Duration,
    /// `CAN_SPEND`: dollars a run may spend on paid calls; past it the free fallbacks answer.
    pub can_spend: Option<f64>,
    /// `LEADFORGE_PRICES_FILE`: a TOML price table overriding the defaults.
    pub prices_file: Option<std::path::PathBuf>,
}

/// The web search providers that are configured (DESIGN §4: Serper `/search` → Google Custom
/// Search → empty).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSettings {
    /// Serper `/search` (`SERPER_KEY`, `SERPER_BASE_URL`: the account that serves places).
    pub serper: Option<KeyedEndpoint>,
    /// Google Custom Search (`GOOGLE_CSE_KEY`, `GOOGLE_CSE_CX`, `GOOGLE_CSE_BASE_URL`).
    pub google_cse: Option<(KeyedEndpoint, String)>,
}

/// How deep audits are run.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditSettings {
    /// `LEADFORGE_AUDIT_LEADS`: leads with `NEEDS_WEB_AUDIT` a run audits (its top N; 0 = only
    /// those scoring above 50). A run may ask for another number.
    pub top_n: u32,
    /// `LEADFORGE_AUDIT_PAGES`: pages scraped per site, the homepage included.
    pub max_pages: usize,
    /// `LEADFORGE_DOSSIER_PAGE_TOKENS`: page text a dossier prompt may carry, in tokens.
    pub page_token_budget: usize,
    /// `LEADFORGE_EXTRA_CA_CERTS`: PEM certificates the crawler trusts besides the system's
    /// (a company proxy's CA; the sample world's in `demo`).
    pub extra_ca_certs: Option<(std::path::PathBuf, Vec<u8>)>,
    /// Firecrawl (`FIRECRAWL_API_KEY`, `FIRECRAWL_BASE_URL`), for pages only a browser can
    /// render.
    pub firecrawl: Option<KeyedEndpoint>,
}

/// Everything Leadforge reads from its environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `DATABASE_URL` (may hold a password: a secret).
    pub database_url: Secret,
    /// `BLOB_STORE_URL`.
    pub blob_store_url: String,
    /// `LEADFORGE_BIND`.
    pub bind: SocketAddr,
    /// `LEADFORGE_PUBLIC_URL`: where users reach the server (behind a proxy, say); an https
    /// URL makes session cookies `Secure`.
    pub public_url: Option<Url>,
    /// `LEADFORGE_LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `LEADFORGE_LOG`: a tracing filter directive; `None` = the command's default.
    pub log_filter: Option<String>,
    /// Places providers.
    pub places: PlacesSettings,
    /// Language models and embeddings.
    pub llm: LlmSettings,
    /// `LEADFORGE_ALLOW_PRIVATE_NETWORK`.
    pub allow_private_network: bool,
    /// `LEADFORGE_RESOLVE`: host → address overrides.
    pub resolve: Vec<(String, SocketAddr)>,
    /// `LEADFORGE_JOB_LEASE_MS`: how long a worker holds a job between heartbeats' extensions;
    /// also how long a crashed worker's job waits before another worker takes it.
    pub job_lease: Duration,
    /// Deep audits.
    pub audit: AuditSettings,
    /// Web search.
    pub search: SearchSettings,
    /// Embeddings for persona mapping.
    pub embeddings: EmbeddingSettings,
    /// `LINKEDIN_MAX_EMPLOYEES_PER_COMPANY`: decision makers kept per business (1–50,
    /// default 5), most senior first.
    pub linkedin_max_employees: usize,
}

/// Which embedder a process uses (DESIGN §4: OpenAI-compatible `/embeddings` when configured
/// → the local all-MiniLM-L6-v2 model → feature hashing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingsMode {
    /// The chain above; the local model is downloaded once from the hub when no directory
    /// holds it, and hashing takes over (with a run event) when it cannot be had.
    Auto,
    /// The chain without the API: the local model, else feature hashing (with a run event).
    Local,
    /// Feature hashing only (offline tests, or to save memory).
    Hashing,
}

/// How embeddings are computed.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingSettings {
    /// `LEADFORGE_EMBEDDINGS`: `auto` (default), `local` or `hashing`.
    pub mode: EmbeddingsMode,
    /// `LEADFORGE_EMBEDDINGS_MODEL_DIR`: a directory holding `config.json`, `tokenizer.json`
    /// and `model.safetensors` of all-MiniLM-L6-v2.
    pub model_dir: Option<std::path::PathBuf>,
    /// `LEADFORGE_DATA_DIR` (default `./leadforge-data`): the downloaded model is cached in
    /// its `models/` folder.
    pub data_dir: std::path::PathBuf,
    /// `HF_ENDPOINT`: the Hugging Face hub to download the model from.
    pub hub_base_url: Url,
}

/// `LEADFORGE_*` variables we know; any other one is a typo and fails at start.
const KNOWN_LEADFORGE_VARS: &[&str] = &[
    "LEADFORGE_BIND",
    "LEADFORGE_LOG_FORMAT",
    "LEADFORGE_LOG",
    "LEADFORGE_ALLOW_PRIVATE_NETWORK",
    "LEADFORGE_RESOLVE",
    "LEADFORGE_OSM",
    "LEADFORGE_CACHE_TTL_SECS",
    "LEADFORGE_JOB_LEASE_MS",
    "LEADFORGE_PRICES_FILE",
    "LEADFORGE_AUDIT_LEADS",
    "LEADFORGE_AUDIT_PAGES",
    "LEADFORGE_DOSSIER_PAGE_TOKENS",
    "LEADFORGE_EXTRA_CA_CERTS",
    "LEADFORGE_EMBEDDINGS",
    "LEADFORGE_EMBEDDINGS_MODEL_DIR",
    "LEADFORGE_DATA_DIR",
    "LEADFORGE_PUBLIC_URL",
    // Read by the test harnesses, not by the product.
    "LEADFORGE_TEST_POSTGRES_URL",
    "LEADFORGE_TEST_S3_URL",
    "LEADFORGE_CHROMEDRIVER",
    "LEADFORGE_CHROMIUM",
    "LEADFORGE_SCREENSHOTS_DIR",
    // Read by `leadforge users create|reset-password` only, never kept in the configuration.
    "LEADFORGE_PASSWORD",
];

impl Config {
    /// Reads `.env` (if present, without overriding the real environment) and the process
    /// environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is an error worth reporting.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(bad(".env", e.to_string())),
        }
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self::from_vars(&vars)
    }

    /// Builds the configuration from a variable map (the environment, or a test's map).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        for key in vars.keys() {
            if key.starts_with("LEADFORGE_") && !KNOWN_LEADFORGE_VARS.contains(&key.as_str()) {
                return Err(bad(key, "unknown Leadforge variable (check the spelling)"));
            }
        }
        let get = |k: &str| var(vars, k);
        let url = |k: &str, default: &str| url_var(vars, k, default);
        let key = |k: &str| get(k).map(Secret::new);
        let flag = |k: &str, default: bool| -> Result<bool, ConfigError> {
            match get(k).map(str::to_ascii_lowercase).as_deref() {
                None => Ok(default),
                Some("1" | "true" | "yes" | "on") => Ok(true),
                Some("0" | "false" | "no" | "off") => Ok(false),
                Some(_) => Err(bad(k, "expected 1/0, true/false, yes/no or on/off")),
            }
        };

        let database_url = get("DATABASE_URL").unwrap_or("sqlite://leadforge.db");
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "DATABASE_URL",
                "expected sqlite://PATH or postgres://…",
            ));
        }
        let public_url = get("LEADFORGE_PUBLIC_URL")
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                Url::parse(v.trim())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| {
                        bad(
                            "LEADFORGE_PUBLIC_URL",
                            "expected an http(s) URL like https://leads.example.com",
                        )
                    })
            })
            .transpose()?;
        let bind = get("LEADFORGE_BIND")
            .unwrap_or("127.0.0.1:8080")
            .parse::<SocketAddr>()
            .map_err(|_| bad("LEADFORGE_BIND", "expected an address like 127.0.0.1:8080"))?;
        let log_format = match get("LEADFORGE_LOG_FORMAT")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("pretty" | "text" | "human") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(bad("LEADFORGE_LOG_FORMAT", "expected `pretty` or `json`")),
        };
        let cache_ttl = match get("LEADFORGE_CACHE_TTL_SECS") {
            None => Duration::from_secs(24 * 3600),
            Some(s) => Duration::from_secs(
                s.parse::<u64>()
                    .map_err(|_| bad("LEADFORGE_CACHE_TTL_SECS", "expected whole seconds"))?,
            ),
        };
        let job_lease = match get("LEADFORGE_JOB_LEASE_MS") {
            None => Duration::from_secs(30),
            Some(s) => match s.parse::<u64>() {
                Ok(ms) if ms >= 100 => Duration::from_millis(ms),
                _ => {
                    return Err(bad(
                        "LEADFORGE_JOB_LEASE_MS",
                        "expected milliseconds, at least 100",
                    ));
                }
            },
        };
        let google_key = key("GOOGLE_PLACES_KEY");
        let places = PlacesSettings {
            serper: key("SERPER_KEY")
                .map(|api_key| -> Result<_, ConfigError> {
                    Ok(KeyedEndpoint {
                        base_url: url("SERPER_BASE_URL", "https://google.serper.dev")?,
                        api_key,
                    })
                })
                .transpose()?,
            google_places: google_key
                .clone()
                .map(|api_key| -> Result<_, ConfigError> {
                    Ok(KeyedEndpoint {
                        base_url: url("GOOGLE_PLACES_BASE_URL", "https://places.googleapis.com")?,
                        api_key,
                    })
                })
                .transpose()?,
            google_legacy: google_key
                .map(|api_key| -> Result<_, ConfigError> {
                    Ok(KeyedEndpoint {
                        base_url: url("GOOGLE_MAPS_BASE_URL", "https://maps.googleapis.com")?,
                        api_key,
                    })
                })
                .transpose()?,
            nominatim_base_url: url("NOMINATIM_BASE_URL", "https://nominatim.openstreetmap.org")?,
            overpass_base_url: url("OVERPASS_BASE_URL", "https://overpass-api.de")?,
            osm_enabled: flag("LEADFORGE_OSM", true)?,
            cache_ttl,
        };
        let llm = llm_settings(vars)?;
        let audit = audit_settings(vars)?;
        let google_cse = match (key("GOOGLE_CSE_KEY"), get("GOOGLE_CSE_CX")) {
            (None, None) => None,
            (Some(api_key), Some(cx)) => Some((
                KeyedEndpoint {
                    base_url: url("GOOGLE_CSE_BASE_URL", "https://www.googleapis.com")?,
                    api_key,
                },
                cx.to_owned(),
            )),
            (Some(_), None) => {
                return Err(bad(
                    "GOOGLE_CSE_CX",
                    "must be set with GOOGLE_CSE_KEY (the search engine id)",
                ));
            }
            (None, Some(_)) => {
                return Err(bad(
                    "GOOGLE_CSE_KEY",
                    "must be set with GOOGLE_CSE_CX (the API key)",
                ));
            }
        };
        let search = SearchSettings {
            serper: places.serper.clone(),
            google_cse,
        };
        let embeddings = EmbeddingSettings {
            mode: match get("LEADFORGE_EMBEDDINGS")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None | Some("auto") => EmbeddingsMode::Auto,
                Some("local") => EmbeddingsMode::Local,
                Some("hashing") => EmbeddingsMode::Hashing,
                Some(_) => {
                    return Err(bad(
                        "LEADFORGE_EMBEDDINGS",
                        "expected `auto`, `local` or `hashing`",
                    ));
                }
            },
            model_dir: get("LEADFORGE_EMBEDDINGS_MODEL_DIR").map(std::path::PathBuf::from),
            data_dir: get("LEADFORGE_DATA_DIR")
                .unwrap_or("./leadforge-data")
                .into(),
            hub_base_url: url("HF_ENDPOINT", "https://huggingface.co")?,
        };
        let linkedin_max_employees = match get("LINKEDIN_MAX_EMPLOYEES_PER_COMPANY") {
            None => 5,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=50).contains(&n) => n,
                _ => {
                    return Err(bad(
                        "LINKEDIN_MAX_EMPLOYEES_PER_COMPANY",
                        "expected a whole number from 1 to 50",
                    ));
                }
            },
        };
        Ok(Self {
            database_url: Secret::new(database_url),
            blob_store_url: get("BLOB_STORE_URL")
                .unwrap_or("./leadforge-data/blobs")
                .to_owned(),
            bind,
            public_url,
            log_format,
            log_filter: get("LEADFORGE_LOG").map(str::to_owned),
            places,
            llm,
            allow_private_network: flag("LEADFORGE_ALLOW_PRIVATE_NETWORK", false)?,
            resolve: parse_resolve(get("LEADFORGE_RESOLVE").unwrap_or(""))?,
            job_lease,
            audit,
            search,
            embeddings,
            linkedin_max_employees,
        })
    }
}

fn audit_settings(vars: &BTreeMap<String, String>) -> Result<AuditSettings, ConfigError> {
    let get = |k: &str| var(vars, k);
    let number = |k: &str, default: u64, range: std::ops::RangeInclusive<u64>| {
        get(k).map_or(Ok(default), |v| match v.parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(bad(
                k,
                format!(
                    "expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )),
        })
    };
    let extra_ca_certs = match get("LEADFORGE_EXTRA_CA_CERTS") {
        None => None,
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let pem = std::fs::read(&path).map_err(|e| {
                bad(
                    "LEADFORGE_EXTRA_CA_CERTS",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(bad(
                    "LEADFORGE_EXTRA_CA_CERTS",
                    format!("{} holds no PEM certificate", path.display()),
                ));
            }
            Some((path, pem))
        }
    };
    let firecrawl = match get("FIRECRAWL_API_KEY") {
        None => None,
        Some(key) => Some(KeyedEndpoint {
            base_url: url_var(vars, "FIRECRAWL_BASE_URL", "https://api.firecrawl.dev")?,
            api_key: Secret::new(key),
        }),
    };
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(AuditSettings {
        top_n: u32::try_from(number("LEADFORGE_AUDIT_LEADS", 10, 0..=1000)?).unwrap_or(1000),
        max_pages: to_usize(number("LEADFORGE_AUDIT_PAGES", 6, 1..=25)?),
        page_token_budget: to_usize(number(
            "LEADFORGE_DOSSIER_PAGE_TOKENS",
            3_000,
            200..=100_000,
        )?),
        extra_ca_certs,
        firecrawl,
    })
}

/// A set, non-blank variable.
fn var<'a>(vars: &'a BTreeMap<String, String>, k: &str) -> Option<&'a str> {
    vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// An http(s) URL variable, or `default`.
fn url_var(vars: &BTreeMap<String, String>, k: &str, default: &str) -> Result<Url, ConfigError> {
    let raw = var(vars, k).unwrap_or(default);
    let u = Url::parse(raw).map_err(|e| bad(k, format!("not a URL ({e})")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(bad(k, "must be an http:// or https:// URL"));
    }
    Ok(u)
}

fn llm_settings(vars: &BTreeMap<String, String>) -> Result<LlmSettings, ConfigError> {
    let get = |k: &str| var(vars, k);
    let url = |k: &str, default: &str| url_var(vars, k, default);
    let key = |k: &str| get(k).map(Secret::new);
    let openai_key = key("OPENAI_API_KEY");
    let compat_base = match get("OPENAI_BASE_URL") {
        Some(_) => Some(url("OPENAI_BASE_URL", "")?),
        None => None,
    };
    let endpoint = |key: Option<Secret>, var: &str, default: &str| -> Result<_, ConfigError> {
        key.map(|api_key| {
            Ok(KeyedEndpoint {
                base_url: url(var, default)?,
                api_key,
            })
        })
        .transpose()
    };
    let positive = |k: &str, default: u64| -> Result<u64, ConfigError> {
        get(k).map_or(Ok(default), |v| {
            v.parse::<u64>()
                .map_err(|_| bad(k, "expected a whole number"))
        })
    };
    let max_concurrent = positive("OPENAI_MAX_CONCURRENT", 4)?;
    if max_concurrent == 0 {
        return Err(bad("OPENAI_MAX_CONCURRENT", "must be at least 1"));
    }
    let can_spend = match get("CAN_SPEND") {
        None => None,
        Some(v) => match v.trim_start_matches('$').parse::<f64>() {
            Ok(d) if d.is_finite() && d >= 0.0 => Some(d),
            _ => return Err(bad("CAN_SPEND", "expected a dollar amount such as 2.50")),
        },
    };
    let model = |k: &str, default: &str| get(k).unwrap_or(default).to_owned();
    Ok(LlmSettings {
        openai: if compat_base.is_none() {
            endpoint(
                openai_key.clone(),
                "OPENAI_RESPONSES_BASE_URL",
                "https://api.openai.com",
            )?
        } else {
            None
        },
        openai_compatible: compat_base.map(|base| (base, openai_key)),
        models: [
            model("OPENAI_PRIMARY_MODEL", "gpt-5"),
            model("OPENAI_LIGHT_MODEL", "gpt-5-mini"),
            model("OPENAI_ULTRA_LIGHT_MODEL", "gpt-5-nano"),
        ],
        embeddings_model: model("OPENAI_EMBEDDINGS_MODEL", "text-embedding-3-small"),
        gemini: endpoint(
            key("GEMINI_API_KEY"),
            "GEMINI_BASE_URL",
            "https://generativelanguage.googleapis.com",
        )?,
        deepseek: endpoint(
            key("DEEPSEEK_API_KEY"),
            "DEEPSEEK_BASE_URL",
            "https://api.deepseek.com",
        )?,
        deepseek_model: model("DEEPSEEK_MODEL", "deepseek-chat"),
        max_concurrent: usize::try_from(max_concurrent).unwrap_or(usize::MAX),
        min_delay: Duration::from_millis(positive("OPENAI_MIN_DELAY_MS", 0)?),
        can_spend,
        prices_file: get("LEADFORGE_PRICES_FILE").map(std::path::PathBuf::from),
    })
}

/// Parses `host=ip:port,host2=ip:port`.
fn parse_resolve(raw: &str) -> Result<Vec<(String, SocketAddr)>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (host, addr) = pair.split_once('=').ok_or_else(|| {
                bad(
                    "LEADFORGE_RESOLVE",
                    format!("entry {pair:?} is not host=ip:port"),
                )
            })?;
            let addr = addr.trim().parse::<SocketAddr>().map_err(|_| {
                bad(
                    "LEADFORGE_RESOLVE",
                    format!("entry {pair:?}: {addr:?} is not ip:port"),
                )
            })?;
            let host = host.trim().to_ascii_lowercase();
            if host.is_empty() {
                return Err(bad(
                    "LEADFORGE_RESOLVE",
                    format!("entry {pair:?} has no host"),
                ));
            }
            Ok((host, addr))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_need_no_variables_and_use_only_keyless_osm() {
        let c = Config::from_vars(&BTreeMap::new()).expect("defaults");
        assert_eq!(c.database_url.expose(), "sqlite://leadforge.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.places.serper.is_none() && c.places.google_places.is_none());
        assert!(c.places.osm_enabled);
        assert!(!c.allow_private_network);
    }

    #[test]
    fn a_google_key_enables_both_google_apis_with_their_own_base_urls() {
        let c = Config::from_vars(&vars(&[
            ("GOOGLE_PLACES_KEY", "g-key"),
            ("GOOGLE_PLACES_BASE_URL", "http://127.0.0.1:9/"),
        ]))
        .expect("config");
        let new = c.places.google_places.expect("new api");
        assert_eq!(new.base_url.as_str(), "http://127.0.0.1:9/");
        let legacy = c.places.google_legacy.expect("legacy");
        assert_eq!(legacy.base_url.host_str(), Some("maps.googleapis.com"));
    }

    #[test]
    fn malformed_values_fail_naming_the_variable() {
        for (k, v) in [
            ("SERPER_BASE_URL", "not a url"),
            ("LEADFORGE_BIND", "localhost"),
            ("LEADFORGE_PUBLIC_URL", "leads.example.com"),
            ("LEADFORGE_PUBLIC_URL", "ftp://leads.example.com"),
            ("LEADFORGE_LOG_FORMAT", "xml"),
            ("LEADFORGE_ALLOW_PRIVATE_NETWORK", "maybe"),
            ("LEADFORGE_RESOLVE", "a.com=nowhere"),
            ("DATABASE_URL", "mysql://x"),
            ("LEADFORGE_CACHE_TTL_SECS", "-1"),
            ("LEADFORGE_JOB_LEASE_MS", "5"),
            ("CAN_SPEND", "lots"),
            ("OPENAI_MAX_CONCURRENT", "0"),
            ("OPENAI_MIN_DELAY_MS", "soon"),
            ("OPENAI_BASE_URL", "localhost:11434"),
            ("LEADFORGE_AUDIT_LEADS", "1001"),
            ("LEADFORGE_AUDIT_PAGES", "0"),
            ("LEADFORGE_DOSSIER_PAGE_TOKENS", "many"),
            ("LEADFORGE_EXTRA_CA_CERTS", "/nonexistent/ca.pem"),
            ("LEADFORGE_EXTRA_CA_CERTS", "/etc/hostname"),
        ] {
            let mut m = vars(&[(k, v)]);
            m.insert("SERPER_KEY".into(), "k".into());
            let err = Config::from_vars(&m).expect_err(k);
            assert_eq!(err.var, k, "{err}");
        }
    }

    #[test]
    fn openai_base_url_selects_the_compatible_server_and_can_spend_parses_dollars() {
        let c = Config::from_vars(&vars(&[
            ("OPENAI_API_KEY", "k"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("CAN_SPEND", "$2.50"),
            ("OPENAI_MIN_DELAY_MS", "300"),
        ]))
        .expect("config");
        assert!(c.llm.openai.is_none());
        let (base, key) = c.llm.openai_compatible.expect("compatible server");
        assert_eq!(base.as_str(), "http://127.0.0.1:11434/v1");
        assert!(key.is_some());
        assert_eq!(c.llm.can_spend, Some(2.5));
        assert_eq!(c.llm.min_delay, Duration::from_millis(300));
        let c = Config::from_vars(&vars(&[("OPENAI_API_KEY", "k")])).expect("config");
        assert_eq!(
            c.llm.openai.expect("responses api").base_url.as_str(),
            "https://api.openai.com/"
        );
    }

    #[test]
    fn audit_settings_have_defaults_and_firecrawl_needs_its_key() {
        let c = Config::from_vars(&vars(&[])).expect("defaults");
        assert_eq!(
            (c.audit.top_n, c.audit.max_pages, c.audit.page_token_budget),
            (10, 6, 3_000)
        );
        assert!(c.audit.firecrawl.is_none() && c.audit.extra_ca_certs.is_none());
        let c = Config::from_vars(&vars(&[
            ("FIRECRAWL_API_KEY", "fc-secret"),
            ("LEADFORGE_AUDIT_LEADS", "0"),
        ]))
        .expect("valid");
        assert!(!format!("{:?}", c.audit).contains("fc-secret"));
        assert_eq!(c.audit.top_n, 0);
        let f = c.audit.firecrawl.expect("configured");
        assert_eq!(f.base_url.as_str(), "https://api.firecrawl.dev/");
    }

    #[test]
    fn web_search_uses_the_serper_account_and_custom_search_needs_key_and_engine() {
        let c = Config::from_vars(&vars(&[])).expect("defaults");
        assert!(c.search.serper.is_none() && c.search.google_cse.is_none());
        let c = Config::from_vars(&vars(&[
            ("SERPER_KEY", "s"),
            ("GOOGLE_CSE_KEY", "g-secret"),
            ("GOOGLE_CSE_CX", "engine"),
        ]))
        .expect("valid");
        assert!(c.search.serper.is_some());
        let (endpoint, cx) = c.search.google_cse.clone().expect("configured");
        assert_eq!(
            (endpoint.base_url.as_str(), cx.as_str()),
            ("https://www.googleapis.com/", "engine")
        );
        assert!(!format!("{:?}", c.search).contains("g-secret"));
        // One without the other names the one missing.
        let err = Config::from_vars(&vars(&[("GOOGLE_CSE_KEY", "g-secret")])).expect_err("no cx");
        assert_eq!(err.var, "GOOGLE_CSE_CX");
        assert!(!err.to_string().contains("g-secret"));
        let err = Config::from_vars(&vars(&[("GOOGLE_CSE_CX", "engine")])).expect_err("no key");
        assert_eq!(err.var, "GOOGLE_CSE_KEY");
    }

    #[test]
    fn unknown_leadforge_variables_are_typos() {
        let err = Config::from_vars(&vars(&[("LEADFORGE_BINDD", "x")])).expect_err("typo");
        assert_eq!(err.var, "LEADFORGE_BINDD");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = Config::from_vars(&vars(&[
            ("SERPER_KEY", "serper-secret-1"),
            ("DATABASE_URL", "postgres://u:pw-secret@h/db"),
        ]))
        .expect("config");
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("serper-secret-1") && !dbg.contains("pw-secret"),
            "{dbg}"
        );
    }

    #[test]
    fn resolve_overrides_parse() {
        let r = parse_resolve("A.example.com=127.0.0.1:8081, b.co.uk=127.0.0.1:9").expect("ok");
        assert_eq!(r[0].0, "a.example.com");
        assert_eq!(r[1].1.port(), 9);
    }
}
