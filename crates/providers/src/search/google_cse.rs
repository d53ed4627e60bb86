//! Google Custom Search JSON API (`cse.list`).
//!
//! `GET {base}/customsearch/v1?key&cx&q&num[&gl]`. Results are in `items`, each with `title`,
//! `link`, `snippet` and `displayLink`; a search with no results has no `items` key at all.
//! Errors come as `{"error": {"code", "message", "status"}}`; a spent daily quota is a 429
//! whose message says "per day", which no retry later today will cure.

use async_trait::async_trait;
use domain::Secret;
use serde::Deserialize;
use url::Url;

use super::{OPERATION, SearchProvider, SearchQuery, SearchResult, to_result};
use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

const PROVIDER: &str = "google_cse";

/// Where Custom Search is, the key and the search engine to use.
#[derive(Clone)]
pub struct GoogleCseConfig {
    /// API base, `https://www.googleapis.com` in production.
    pub base_url: Url,
    /// The API key (`GOOGLE_CSE_KEY`), sent as the `key` query parameter.
    pub api_key: Secret,
    /// The Programmable Search Engine id (`GOOGLE_CSE_CX`).
    pub cx: String,
}

impl std::fmt::Debug for GoogleCseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleCseConfig")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &self.api_key)
            .field("cx", &self.cx)
            .finish()
    }
}

impl GoogleCseConfig {
    /// The production base URL.
    pub fn default_base_url() -> Url {
        Url::parse("https://www.googleapis.com").expect("static URL parses")
    }
}

/// The Google Custom Search client.
#[derive(Debug, Clone)]
pub struct GoogleCse {
    config: GoogleCseConfig,
    http: HttpClient,
    prices: PriceTable,
}

impl GoogleCse {
    /// A client over a shared HTTP client, billing calls with `prices`.
    pub fn new(config: GoogleCseConfig, http: HttpClient, prices: PriceTable) -> Self {
        Self {
            config,
            http,
            prices,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Response {
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Debug, Deserialize)]
struct Item {
    title: Option<String>,
    link: Option<String>,
    snippet: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: Option<ErrorDetail>,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    message: Option<String>,
    status: Option<String>,
}

#[async_trait]
impl SearchProvider for GoogleCse {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn search(
        &self,
        query: &SearchQuery,
        usage: &dyn UsageSink,
    ) -> Result<Vec<SearchResult>, ProviderError> {
        let url = endpoint(&self.config.base_url, "customsearch/v1");
        let num = query.clamped_num().to_string();
        let mut params = vec![
            ("key", self.config.api_key.expose().to_owned()),
            ("cx", self.config.cx.clone()),
            ("q", query.q.clone()),
            ("num", num),
        ];
        if let Some(gl) = query.country() {
            params.push(("gl", gl));
        }
        let meter = CallMeter::start(PROVIDER, OPERATION);
        let sent = self
            .http
            .send(PROVIDER, |client| client.get(&url).query(&params))
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r));
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        result
    }
}

impl GoogleCse {
    fn parse(&self, response: &HttpResponse) -> Result<Vec<SearchResult>, ProviderError> {
        if let Some(err) = response.status_error(PROVIDER) {
            return Err(self.refine_error(response, err));
        }
        let parsed: Response = serde_json::from_slice(&response.body)
            .map_err(|e| ProviderError::decode(PROVIDER, "search response", e))?;
        // Custom Search gives no rank: the order of `items` is the rank.
        Ok(parsed
            .items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
                to_result(item.title, item.link, item.snippet, position)
            })
            .collect())
    }

    fn refine_error(&self, response: &HttpResponse, fallback: ProviderError) -> ProviderError {
        let detail = serde_json::from_slice::<ErrorBody>(&response.body)
            .ok()
            .and_then(|b| b.error);
        let Some(detail) = detail else {
            return fallback;
        };
        let message = detail
            .message
            .map(|m| scrub(&m, self.config.api_key.expose()))
            .unwrap_or_default();
        match fallback {
            ProviderError::RateLimited { .. } if message.to_lowercase().contains("per day") => {
                ProviderError::QuotaExceeded { provider: PROVIDER }
            }
            ProviderError::Http { status, .. } if status < 500 && !message.is_empty() => {
                ProviderError::Upstream {
                    provider: PROVIDER,
                    status: detail.status.unwrap_or_else(|| status.to_string()),
                    message,
                }
            }
            other => other,
        }
    }
}
