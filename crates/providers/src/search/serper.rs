//! Serper `/search`: Google web results through serper.dev.
//!
//! `POST {base}/search` with `X-API-KEY` and `{"q", "num", "gl"}`; the organic results are
//! in `organic`, each with `title`, `link`, `snippet` and `position`. The configuration is the
//! places client's: one Serper account serves both endpoints.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{OPERATION, SearchProvider, SearchQuery, SearchResult, to_result};
use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

pub use crate::places::serper::SerperConfig;

const PROVIDER: &str = "serper";

/// The Serper web search client.
#[derive(Debug, Clone)]
pub struct SerperSearch {
    config: SerperConfig,
    http: HttpClient,
    prices: PriceTable,
}

impl SerperSearch {
    /// A client over a shared HTTP client, billing calls with `prices`.
    pub fn new(config: SerperConfig, http: HttpClient, prices: PriceTable) -> Self {
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
    organic: Vec<Organic>,
}

#[derive(Debug, Deserialize)]
struct Organic {
    title: Option<String>,
    link: Option<String>,
    snippet: Option<String>,
    position: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

#[async_trait]
impl SearchProvider for SerperSearch {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn search(
        &self,
        query: &SearchQuery,
        usage: &dyn UsageSink,
    ) -> Result<Vec<SearchResult>, ProviderError> {
        let mut body = json!({ "q": query.q, "num": query.clamped_num() });
        if let Some(gl) = query.country() {
            body["gl"] = Value::String(gl);
        }
        let url = endpoint(&self.config.base_url, "search");
        let meter = CallMeter::start(PROVIDER, OPERATION);
        let sent = self
            .http
            .send(PROVIDER, |client| {
                client
                    .post(&url)
                    .header("X-API-KEY", self.config.api_key.expose())
                    .json(&body)
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        let result = sent.and_then(|r| self.parse(&r));
        meter
            .finish(usage, &self.prices, http_status, &result)
            .await;
        result
    }
}

impl SerperSearch {
    fn parse(&self, response: &HttpResponse) -> Result<Vec<SearchResult>, ProviderError> {
        if let Some(err) = response.status_error(PROVIDER) {
            return Err(self.refine_error(response, err));
        }
        let parsed: Response = serde_json::from_slice(&response.body)
            .map_err(|e| ProviderError::decode(PROVIDER, "search response", e))?;
        Ok(parsed
            .organic
            .into_iter()
            .enumerate()
            .filter_map(|(i, o)| {
                // Serper numbers its results; fall back to the order given when it does not.
                let position = o
                    .position
                    .unwrap_or_else(|| u32::try_from(i + 1).unwrap_or(u32::MAX));
                to_result(o.title, o.link, o.snippet, position)
            })
            .collect())
    }

    /// Serper explains some statuses in `{"message", "statusCode"}`: out of credits comes as
    /// a 400 saying so.
    fn refine_error(&self, response: &HttpResponse, fallback: ProviderError) -> ProviderError {
        let message = serde_json::from_slice::<ErrorBody>(&response.body)
            .ok()
            .and_then(|b| b.message)
            .map(|m| scrub(&m, self.config.api_key.expose()));
        match (&fallback, message) {
            (ProviderError::Http { status, .. }, Some(m)) if *status < 500 => {
                if m.to_lowercase().contains("credits") {
                    ProviderError::QuotaExceeded { provider: PROVIDER }
                } else {
                    ProviderError::Upstream {
                        provider: PROVIDER,
                        status: status.to_string(),
                        message: m,
                    }
                }
            }
            _ => fallback,
        }
    }
}
