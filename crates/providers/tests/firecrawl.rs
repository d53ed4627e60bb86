//! Firecrawl `/v1/scrape` against wiremock, in the service's documented answer shapes.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{KEY, base, fast_http};
use domain::Secret;
use providers::ProviderError;
use providers::firecrawl::{FirecrawlClient, FirecrawlConfig, PageScraper};
use providers::usage::{MemoryUsage, NoUsage, PriceTable};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCRAPE: &str = "/v1/scrape";

fn firecrawl(server: &MockServer) -> FirecrawlClient {
    let config = FirecrawlConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
    };
    FirecrawlClient::new(config, fast_http(), PriceTable::default())
}

fn page_url() -> Url {
    Url::parse("https://shell-dental.example/").unwrap()
}

/// A successful answer as Firecrawl sends it: the page redirected to `www.`.
fn rendered() -> Value {
    json!({
        "success": true,
        "data": {
            "markdown": "# Shell Dental\n\nGentle dentistry in Austin. Call (512) 555-0142.",
            "html": "<h1>Shell Dental</h1><p>Gentle dentistry in Austin. Call (512) 555-0142.</p>",
            "rawHtml": "<html><head><meta name=\"viewport\" content=\"width=device-width\"></head><body><div id=\"root\"><h1>Shell Dental</h1></div></body></html>",
            "metadata": {
                "title": "Shell Dental – Austin",
                "description": "Gentle dentistry in Austin",
                "language": "en",
                "sourceURL": "https://shell-dental.example/",
                "url": "https://www.shell-dental.example/",
                "statusCode": 200,
                "scrapeId": "0f3c2a4e-7d6b-4a8e-9c1d-2b5e8f7a6c3d",
                "creditsUsed": 1
            }
        }
    })
}

async fn scrape_err(server: &MockServer) -> ProviderError {
    firecrawl(server)
        .scrape(&page_url(), &NoUsage)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_rendered_page_comes_back_as_markdown_html_title_and_final_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SCRAPE))
        .and(header("Authorization", format!("Bearer {KEY}").as_str()))
        .and(body_json(json!({
            "url": "https://shell-dental.example/",
            "formats": ["markdown", "html", "rawHtml"],
            "onlyMainContent": true
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(rendered()))
        .expect(1)
        .mount(&server)
        .await;
    let page = firecrawl(&server)
        .scrape(&page_url(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(page.url.as_str(), "https://www.shell-dental.example/");
    assert_eq!(page.status, 200);
    assert_eq!(page.title.as_deref(), Some("Shell Dental – Austin"));
    assert!(page.markdown.starts_with("# Shell Dental\n"));
    assert!(page.html.unwrap().starts_with("<h1>Shell Dental</h1>"));
    assert!(page.raw_html.unwrap().contains("name=\"viewport\""));
}

#[tokio::test]
async fn each_scrape_records_one_priced_usage_row() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_json(rendered()))
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    firecrawl(&server)
        .scrape(&page_url(), &usage)
        .await
        .unwrap();
    let records = usage.records().await;
    assert_eq!(records.len(), 1);
    let row = &records[0];
    assert_eq!(
        (
            row.provider.as_str(),
            row.operation.as_str(),
            row.status.as_str()
        ),
        ("firecrawl", "page.scrape", "ok")
    );
    assert_eq!(row.http_status, Some(200));
    assert_eq!(row.cost_usd, 0.00083);
}

#[tokio::test]
async fn the_price_per_page_is_configurable() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_json(rendered()))
        .mount(&server)
        .await;
    let prices = PriceTable::with_overrides(
        [(("firecrawl".to_owned(), "page.scrape".to_owned()), 0.0053)].into(),
    );
    let config = FirecrawlConfig {
        base_url: base(&server),
        api_key: Secret::new(KEY),
    };
    let usage = MemoryUsage::new();
    FirecrawlClient::new(config, fast_http(), prices)
        .scrape(&page_url(), &usage)
        .await
        .unwrap();
    assert_eq!(usage.records().await[0].cost_usd, 0.0053);
}

#[tokio::test]
async fn a_refused_key_is_unauthorized_unbilled_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "success": false,
            "error": format!("Unauthorized: Invalid token {KEY}")
        })))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let err = firecrawl(&server)
        .scrape(&page_url(), &usage)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Unauthorized {
            provider: "firecrawl"
        }
    );
    assert!(!format!("{err} {err:?}").contains(KEY));
    let records = usage.records().await;
    assert_eq!(
        (records[0].status.as_str(), records[0].cost_usd),
        ("error", 0.0)
    );
    assert_eq!(records[0].http_status, Some(401));
}

#[tokio::test]
async fn the_key_is_scrubbed_from_upstream_messages_and_debug_output() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": false,
            "error": format!("Bad Request: key {KEY} may not scrape this URL")
        })))
        .mount(&server)
        .await;
    let err = scrape_err(&server).await;
    let text = format!("{err} {err:?} {:?}", firecrawl(&server));
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(
        err.to_string(),
        "firecrawl: HTTP 400: Bad Request: key [redacted] may not scrape this URL"
    );
}

#[tokio::test]
async fn a_rate_limited_scrape_is_retried_after_the_wait_asked_for() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_json(json!({
                    "success": false,
                    "error": "Rate limit exceeded. Consumed (req/min): 11, Remaining (req/min): 0."
                })),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_json(rendered()))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let page = firecrawl(&server)
        .scrape(&page_url(), &usage)
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    let records = usage.records().await;
    assert_eq!(records.len(), 1, "one record per logical call");
    assert_eq!(
        (records[0].status.as_str(), records[0].http_status),
        ("ok", Some(200))
    );
}

#[tokio::test]
async fn a_rate_limit_that_persists_is_a_rate_limited_error() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .expect(3)
        .mount(&server)
        .await;
    let err = scrape_err(&server).await;
    assert!(
        matches!(
            err,
            ProviderError::RateLimited {
                provider: "firecrawl",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn running_out_of_credits_is_a_quota_error() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(402).set_body_json(json!({
            "success": false,
            "error": "Payment required. You have exceeded your credit limit."
        })))
        .mount(&server)
        .await;
    assert_eq!(
        scrape_err(&server).await,
        ProviderError::QuotaExceeded {
            provider: "firecrawl"
        }
    );
}

#[tokio::test]
async fn success_false_is_an_upstream_error_carrying_firecrawls_reason() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": false,
            "error": "All scraping engines failed!"
        })))
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let err = firecrawl(&server)
        .scrape(&page_url(), &usage)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "firecrawl: scrape failed: All scraping engines failed!"
    );
    assert_eq!(usage.records().await[0].cost_usd, 0.0);
}

#[tokio::test]
async fn success_without_data_is_a_decode_error_saying_so() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&server)
        .await;
    let err = scrape_err(&server).await;
    assert_eq!(
        err.to_string(),
        "firecrawl: malformed response: scrape response: success without `data`"
    );
}

#[tokio::test]
async fn a_page_that_answered_an_error_status_is_an_error_but_still_billed() {
    let server = MockServer::start().await;
    let mut body = rendered();
    body["data"]["metadata"]["statusCode"] = json!(404);
    body["data"]["metadata"]["error"] = json!("Not Found");
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let err = firecrawl(&server)
        .scrape(&page_url(), &usage)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "firecrawl: page answered HTTP 404: Not Found"
    );
    assert!(!err.is_retryable());
    assert_eq!(usage.records().await[0].cost_usd, 0.00083);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_naming_the_problem() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"success\": true, \"data\": {"))
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let err = firecrawl(&server)
        .scrape(&page_url(), &usage)
        .await
        .unwrap_err();
    let ProviderError::Decode { provider, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*provider, "firecrawl");
    assert!(message.starts_with("scrape response:"), "{message}");
    let records = usage.records().await;
    assert_eq!(
        (records[0].status.as_str(), records[0].cost_usd),
        ("error", 0.0)
    );
}

#[tokio::test]
async fn a_server_error_that_persists_is_an_http_error_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(path(SCRAPE))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "success": false,
            "error": "An unexpected error occurred on the server."
        })))
        .expect(3)
        .mount(&server)
        .await;
    let err = scrape_err(&server).await;
    assert_eq!(
        err,
        ProviderError::Http {
            provider: "firecrawl",
            status: 500
        }
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/firecrawl/v1/scrape"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rendered()))
        .expect(1)
        .mount(&server)
        .await;
    let config = FirecrawlConfig {
        base_url: Url::parse(&format!("{}/firecrawl/", server.uri())).unwrap(),
        api_key: Secret::new(KEY),
    };
    FirecrawlClient::new(config, fast_http(), PriceTable::default())
        .scrape(&page_url(), &NoUsage)
        .await
        .unwrap();
}
