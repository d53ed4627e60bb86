//! Firecrawl `/v1/scrape`: pages the built-in crawler cannot render (JavaScript-only shells),
//! rendered in Firecrawl's browsers and returned as Markdown and cleaned HTML.
//!
//! `POST {base}/v1/scrape` with `Authorization: Bearer KEY` and `{"url", "formats":
//! ["markdown", "html", "rawHtml"], "onlyMainContent": true}`. The answer is `{"success": true,
//! "data": {"markdown", "html", "rawHtml", "metadata": {"title", "sourceURL", "url",
//! "statusCode", "error"}}}`;
//! failures are `{"success": false, "error": "..."}`, usually with a 4xx/5xx status (402 when
//! the account is out of credits).
//!
//! Firecrawl bills one credit per scrape it performs, including scrapes of pages that answered
//! with an error status; calls it refuses are free. The usage row follows that rule, priced by
//! the `("firecrawl", "page.scrape")` entry of the [`PriceTable`].

use async_trait::async_trait;
use domain::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::error::{ProviderError, scrub};
use crate::http::{HttpClient, HttpResponse, endpoint};
use crate::usage::{CallMeter, PriceTable, UsageSink};

const PROVIDER: &str = "firecrawl";
const OPERATION: &str = "page.scrape";

/// Renders and scrapes one page somewhere other than the built-in crawler.
#[async_trait]
pub trait PageScraper: Send + Sync {
    /// Scrapes `url`, recording one usage row in `usage`.
    async fn scrape(&self, url: &Url, usage: &dyn UsageSink) -> Result<ScrapedPage, ProviderError>;
}

/// A page as Firecrawl rendered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedPage {
    /// The URL that answered, after redirects (the requested one when Firecrawl does not say).
    pub url: Url,
    /// The page's HTTP status (below 400; error statuses are [`ProviderError::Upstream`]).
    pub status: u16,
    /// The page's `<title>`, when it has a non-blank one.
    pub title: Option<String>,
    /// Main content as Markdown (empty when the page has none).
    pub markdown: String,
    /// Main content as cleaned HTML, when Firecrawl sent it.
    pub html: Option<String>,
    /// The whole rendered document (head included), when Firecrawl sent it: what site checks
    /// (viewport, title, structured data) must read.
    pub raw_html: Option<String>,
}

/// Where Firecrawl is and the key to use.
#[derive(Debug, Clone)]
pub struct FirecrawlConfig {
    /// API base without the version, `https://api.firecrawl.dev` in production
    /// (`FIRECRAWL_BASE_URL`).
    pub base_url: Url,
    /// The bearer key (`FIRECRAWL_API_KEY`).
    pub api_key: Secret,
}

impl FirecrawlConfig {
    /// The production base URL.
    pub fn default_base_url() -> Url {
        Url::parse("https://api.firecrawl.dev").expect("static URL parses")
    }
}

/// The Firecrawl client.
#[derive(Debug, Clone)]
pub struct FirecrawlClient {
    config: FirecrawlConfig,
    http: HttpClient,
    prices: PriceTable,
}

impl FirecrawlClient {
    /// A client over a shared HTTP client, billing scrapes with `prices`.
    pub fn new(config: FirecrawlConfig, http: HttpClient, prices: PriceTable) -> Self {
        Self {
            config,
            http,
            prices,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Response {
    success: Option<bool>,
    data: Option<Data>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    markdown: Option<String>,
    html: Option<String>,
    #[serde(rename = "rawHtml")]
    raw_html: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    // Pages with several `<title>`s come back with an array here.
    title: Option<Value>,
    #[serde(rename = "sourceURL")]
    source_url: Option<String>,
    url: Option<String>,
    status_code: Option<u16>,
    error: Option<String>,
}

#[async_trait]
impl PageScraper for FirecrawlClient {
    async fn scrape(&self, url: &Url, usage: &dyn UsageSink) -> Result<ScrapedPage, ProviderError> {
        let body = json!({
            "url": url.as_str(),
            "formats": ["markdown", "html", "rawHtml"],
            "onlyMainContent": true,
        });
        let api = endpoint(&self.config.base_url, "v1/scrape");
        let meter = CallMeter::start(PROVIDER, OPERATION);
        let sent = self
            .http
            .send(PROVIDER, |client| {
                client
                    .post(&api)
                    .bearer_auth(self.config.api_key.expose())
                    .json(&body)
            })
            .await;
        let http_status = sent.as_ref().ok().map(|r| r.status);
        // Billed once Firecrawl has scraped, whatever the page itself answered.
        let scraped = sent.and_then(|r| self.parse(&r));
        meter
            .finish(usage, &self.prices, http_status, &scraped)
            .await;
        to_page(scraped?, url)
    }
}

impl FirecrawlClient {
    /// The `data` of a successful answer, or why there is none.
    fn parse(&self, response: &HttpResponse) -> Result<Data, ProviderError> {
        let parsed = serde_json::from_slice::<Response>(&response.body);
        if let Some(fallback) = response.status_error(PROVIDER) {
            let message = parsed.ok().and_then(|r| r.error);
            return Err(self.refine_error(fallback, message));
        }
        let parsed = parsed.map_err(|e| ProviderError::decode(PROVIDER, "scrape response", e))?;
        if parsed.success != Some(true) {
            return Err(ProviderError::Upstream {
                provider: PROVIDER,
                status: "scrape failed".to_owned(),
                message: self.message(parsed.error),
            });
        }
        parsed.data.ok_or_else(|| {
            ProviderError::decode(PROVIDER, "scrape response", "success without `data`")
        })
    }

    /// Firecrawl explains its errors in `{"success": false, "error"}`: running out of credits
    /// is a 402 saying so.
    fn refine_error(&self, fallback: ProviderError, message: Option<String>) -> ProviderError {
        match (fallback, message) {
            (ProviderError::Http { status: 402, .. }, _) => {
                ProviderError::QuotaExceeded { provider: PROVIDER }
            }
            (ProviderError::Http { status, .. }, Some(m)) if status < 500 => {
                ProviderError::Upstream {
                    provider: PROVIDER,
                    status: format!("HTTP {status}"),
                    message: self.message(Some(m)),
                }
            }
            (fallback, _) => fallback,
        }
    }

    fn message(&self, message: Option<String>) -> String {
        message.filter(|m| !m.trim().is_empty()).map_or_else(
            || "no error message given".to_owned(),
            |m| scrub(m.trim(), self.config.api_key.expose()),
        )
    }
}

/// The page Firecrawl scraped; an error when the page itself answered with an error status.
fn to_page(data: Data, requested: &Url) -> Result<ScrapedPage, ProviderError> {
    let meta = data.metadata;
    let status = meta.status_code.unwrap_or(200);
    if status >= 400 {
        return Err(ProviderError::Upstream {
            provider: PROVIDER,
            status: format!("page answered HTTP {status}"),
            message: meta
                .error
                .filter(|e| !e.trim().is_empty())
                .unwrap_or_else(|| format!("{requested} could not be scraped")),
        });
    }
    let url = [meta.url, meta.source_url]
        .into_iter()
        .flatten()
        .find_map(|u| Url::parse(u.trim()).ok())
        .unwrap_or_else(|| requested.clone());
    Ok(ScrapedPage {
        url,
        status,
        title: meta.title.as_ref().and_then(first_text),
        markdown: data.markdown.unwrap_or_default(),
        html: data.html.filter(|h| !h.is_empty()),
        raw_html: data.raw_html.filter(|h| !h.is_empty()),
    })
}

/// A string, or the first non-blank string of an array, trimmed.
fn first_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned),
        Value::Array(items) => items.iter().find_map(first_text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn data(metadata: Value) -> Data {
        serde_json::from_value(json!({"markdown": "# Hi", "metadata": metadata})).unwrap()
    }

    #[test]
    fn the_final_url_prefers_url_then_source_url_then_the_request() {
        let requested = Url::parse("https://a.example/").unwrap();
        let page = to_page(
            data(json!({"sourceURL": "https://a.example/", "url": "https://www.a.example/"})),
            &requested,
        )
        .unwrap();
        assert_eq!(page.url.as_str(), "https://www.a.example/");
        let page = to_page(data(json!({"sourceURL": "https://b.example/"})), &requested).unwrap();
        assert_eq!(page.url.as_str(), "https://b.example/");
        let page = to_page(data(json!({"url": "not a url"})), &requested).unwrap();
        assert_eq!(page.url, requested);
        assert_eq!(page.status, 200);
    }

    #[test]
    fn titles_may_come_as_arrays_and_blank_ones_are_none() {
        assert_eq!(first_text(&json!(["", " Home "])).as_deref(), Some("Home"));
        assert_eq!(first_text(&json!("  ")), None);
        assert_eq!(first_text(&json!(3)), None);
    }

    #[test]
    fn an_error_status_of_the_page_names_the_status_and_the_reason() {
        let requested = Url::parse("https://a.example/gone").unwrap();
        let err = to_page(
            data(json!({"statusCode": 404, "error": "Not Found"})),
            &requested,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "firecrawl: page answered HTTP 404: Not Found"
        );
        let err = to_page(data(json!({"statusCode": 500})), &requested).unwrap_err();
        assert_eq!(
            err.to_string(),
            "firecrawl: page answered HTTP 500: https://a.example/gone could not be scraped"
        );
    }
}
