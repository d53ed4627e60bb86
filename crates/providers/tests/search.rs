//! Web search: Serper `/search` and Google Custom Search against wiremock, and the chain that
//! falls back from one to the other and finally to an empty answer.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{KEY, base, fast_http, fixture_json};
use domain::Secret;
use providers::ProviderError;
use providers::cache::MemoryCache;
use providers::search::google_cse::{GoogleCse, GoogleCseConfig};
use providers::search::serper::{SerperConfig, SerperSearch};
use providers::search::{
    SearchAttemptOutcome, SearchChain, SearchProvider, SearchQuery, SearchResult,
};
use providers::usage::{MemoryUsage, NoUsage, PriceTable};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CX: &str = "017576662512468239146:omuauf_lfve";
const CSE_PATH: &str = "/customsearch/v1";

fn serper(server: &MockServer) -> SerperSearch {
    let config = SerperConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
    };
    SerperSearch::new(config, fast_http(), PriceTable::default())
}

fn cse(server: &MockServer) -> GoogleCse {
    let config = GoogleCseConfig {
        base_url: base(server),
        api_key: Secret::new(KEY),
        cx: CX.to_owned(),
    };
    GoogleCse::new(config, fast_http(), PriceTable::default())
}

fn chain(providers: Vec<Arc<dyn SearchProvider>>) -> (SearchChain, Arc<MemoryCache>) {
    let cache = Arc::new(MemoryCache::new());
    let chain = SearchChain::new(providers, cache.clone(), Duration::from_secs(3600));
    (chain, cache)
}

fn recorded_serper() -> Value {
    fixture_json("serper/serper_search_langchain_notebook.json")["response"].clone()
}

/// A `cse.list` answer in the shape Google documents (`customsearch#search`).
fn cse_answer(links: &[&str]) -> Value {
    let items: Vec<Value> = links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let host = Url::parse(link).unwrap().host_str().unwrap().to_owned();
            json!({
                "kind": "customsearch#result",
                "title": format!("Result {}", i + 1),
                "htmlTitle": format!("<b>Result</b> {}", i + 1),
                "link": link,
                "displayLink": host,
                "snippet": format!("Snippet {}", i + 1),
                "htmlSnippet": format!("Snippet <b>{}</b>", i + 1),
                "formattedUrl": link,
                "pagemap": {"metatags": [{"og:type": "profile"}]}
            })
        })
        .collect();
    let mut answer = cse_empty_answer();
    answer["items"] = Value::Array(items);
    answer["searchInformation"]["totalResults"] = json!(links.len().to_string());
    answer
}

/// A documented answer with zero results: Google leaves out `items` entirely.
fn cse_empty_answer() -> Value {
    json!({
        "kind": "customsearch#search",
        "url": {
            "type": "application/json",
            "template": "https://www.googleapis.com/customsearch/v1?q={searchTerms}&num={count?}&cx={cx?}&key={key?}&alt=json"
        },
        "queries": {
            "request": [{
                "title": "Google Custom Search - owner",
                "totalResults": "0",
                "searchTerms": "owner",
                "count": 10,
                "startIndex": 1,
                "inputEncoding": "utf8",
                "outputEncoding": "utf8",
                "safe": "off",
                "cx": CX
            }]
        },
        "context": {"title": "Leadforge"},
        "searchInformation": {
            "searchTime": 0.21,
            "formattedSearchTime": "0.21",
            "totalResults": "0",
            "formattedTotalResults": "0"
        }
    })
}

fn titles(results: &[SearchResult]) -> Vec<&str> {
    results.iter().map(|r| r.title.as_str()).collect()
}

#[tokio::test]
async fn serper_turns_the_recorded_answer_into_six_ranked_results() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/search"))
        .and(header("X-API-KEY", KEY))
        .and(body_json(json!({"q": "Apple Inc.", "num": 10, "gl": "us"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded_serper()))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let query = SearchQuery::new("Apple Inc.", 10).with_country("US");
    let results = serper(&server).search(&query, &usage).await.unwrap();
    assert_eq!(results.len(), 6);
    assert_eq!(results[0].title, "Apple");
    assert_eq!(results[0].link.as_str(), "https://www.apple.com/");
    assert!(
        results[0]
            .snippet
            .starts_with("Discover the innovative world of Apple")
    );
    assert_eq!(results[1].title, "Apple Inc. - Wikipedia");
    assert_eq!(
        results[1].link.as_str(),
        "https://en.wikipedia.org/wiki/Apple_Inc."
    );
    assert_eq!(
        results.iter().map(|r| r.position).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(
        results[5].link.as_str(),
        "https://finance.yahoo.com/quote/AAPL"
    );
    let records = usage.records().await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].provider, "serper");
    assert_eq!(records[0].operation, "web.search");
    assert_eq!(records[0].status, "ok");
    assert_eq!(records[0].cost_usd, 0.001);
}

#[tokio::test]
async fn serper_leaves_out_the_country_when_none_is_given() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .and(body_json(json!({"q": "dentist austin", "num": 5})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"organic": []})))
        .expect(1)
        .mount(&server)
        .await;
    let results = serper(&server)
        .search(&SearchQuery::new("dentist austin", 5), &NoUsage)
        .await
        .unwrap();
    assert!(results.is_empty());
}

#[tokio::test]
async fn cse_reads_the_documented_answer_in_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CSE_PATH))
        .and(query_param("key", KEY))
        .and(query_param("cx", CX))
        .and(query_param(
            "q",
            "site:linkedin.com/in \"Joe's Pizza\" owner",
        ))
        .and(query_param("num", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(cse_answer(&[
            "https://www.linkedin.com/in/joe-rossi",
            "https://www.linkedin.com/in/ann-lee",
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let usage = MemoryUsage::new();
    let query = SearchQuery::new("site:linkedin.com/in \"Joe's Pizza\" owner", 3);
    let results = cse(&server).search(&query, &usage).await.unwrap();
    assert_eq!(
        results,
        [
            SearchResult {
                title: "Result 1".into(),
                link: Url::parse("https://www.linkedin.com/in/joe-rossi").unwrap(),
                snippet: "Snippet 1".into(),
                position: 1,
            },
            SearchResult {
                title: "Result 2".into(),
                link: Url::parse("https://www.linkedin.com/in/ann-lee").unwrap(),
                snippet: "Snippet 2".into(),
                position: 2,
            },
        ]
    );
    let records = usage.records().await;
    assert_eq!(records[0].provider, "google_cse");
    assert_eq!(records[0].cost_usd, 0.005);
}

#[tokio::test]
async fn cse_without_items_means_zero_results() {
    let server = MockServer::start().await;
    Mock::given(path(CSE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(cse_empty_answer()))
        .mount(&server)
        .await;
    let results = cse(&server)
        .search(&SearchQuery::new("owner", 10), &NoUsage)
        .await
        .unwrap();
    assert!(results.is_empty());
}

#[tokio::test]
async fn cse_errors_keep_google_message_without_the_key() {
    let server = MockServer::start().await;
    let body = json!({"error": {
        "code": 400,
        "message": format!("API key not valid: {KEY}. Please pass a valid API key."),
        "status": "INVALID_ARGUMENT"
    }});
    Mock::given(path(CSE_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(body))
        .mount(&server)
        .await;
    let err = cse(&server)
        .search(&SearchQuery::new("owner", 10), &NoUsage)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("google_cse: INVALID_ARGUMENT: API key not valid"),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"organic\": [ nope"))
        .mount(&server)
        .await;
    let err = serper(&server)
        .search(&SearchQuery::new("x", 10), &NoUsage)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Decode {
                provider: "serper",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("serper: malformed response: search response:")
    );
}

#[tokio::test]
async fn when_serper_fails_custom_search_answers() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(path(CSE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(cse_answer(&["https://a.example/"])))
        .expect(1)
        .mount(&server)
        .await;
    let (chain, _) = chain(vec![Arc::new(serper(&server)), Arc::new(cse(&server))]);
    let outcome = chain.search(&SearchQuery::new("x", 10), &NoUsage).await;
    assert_eq!(titles(&outcome.results), ["Result 1"]);
    assert_eq!(outcome.provider.as_deref(), Some("google_cse"));
    let summary: Vec<String> = outcome.attempts.iter().map(ToString::to_string).collect();
    assert_eq!(summary, ["serper: HTTP 500", "google_cse: 1 results"]);
}

#[tokio::test]
async fn when_every_provider_fails_the_answer_is_empty_and_names_both() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    Mock::given(path(CSE_PATH))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let (chain, cache) = chain(vec![Arc::new(serper(&server)), Arc::new(cse(&server))]);
    let outcome = chain.search(&SearchQuery::new("x", 10), &NoUsage).await;
    assert!(outcome.results.is_empty());
    assert_eq!(outcome.provider, None);
    let providers: Vec<&str> = outcome
        .attempts
        .iter()
        .map(|a| a.provider.as_str())
        .collect();
    assert_eq!(providers, ["serper", "google_cse"]);
    assert!(
        outcome
            .attempts
            .iter()
            .all(|a| matches!(a.outcome, SearchAttemptOutcome::Failed { .. }))
    );
    assert!(!format!("{outcome:?}").contains(KEY));
    assert!(cache.is_empty(), "failures are not cached");
}

#[tokio::test]
async fn with_no_provider_configured_the_answer_is_empty() {
    let (chain, _) = chain(Vec::new());
    assert!(!chain.is_configured());
    let outcome = chain.search(&SearchQuery::new("x", 10), &NoUsage).await;
    assert!(outcome.results.is_empty());
    assert_eq!(outcome.provider, None);
    assert!(outcome.attempts.is_empty());
}

#[tokio::test]
async fn a_cached_answer_makes_no_second_request() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded_serper()))
        .expect(1)
        .mount(&server)
        .await;
    let (chain, cache) = chain(vec![Arc::new(serper(&server)), Arc::new(cse(&server))]);
    let first = chain
        .search(&SearchQuery::new("Apple Inc.", 10), &NoUsage)
        .await;
    assert!(!first.from_cache());
    assert_eq!(cache.len(), 1);
    let usage = MemoryUsage::new();
    let again = chain
        .search(&SearchQuery::new("  apple   INC. ", 10), &usage)
        .await;
    assert!(again.from_cache());
    assert_eq!(again.results, first.results);
    assert_eq!(again.provider.as_deref(), Some("serper"));
    let records = usage.records().await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, "cache_hit");
    assert_eq!(records[0].cost_usd, 0.0);
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_debug_output() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"message": format!("Invalid API key {KEY}"), "statusCode": 400}),
            ),
        )
        .mount(&server)
        .await;
    let client = serper(&server);
    let err = client
        .search(&SearchQuery::new("x", 10), &NoUsage)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("[redacted]"), "{err}");
    assert!(!err.to_string().contains(KEY));
    assert!(!format!("{err:?}").contains(KEY));
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", cse(&server)).contains(KEY));
}

#[tokio::test]
async fn a_spent_daily_custom_search_quota_is_quota_exceeded() {
    let server = MockServer::start().await;
    let body = json!({"error": {
        "code": 429,
        "message": "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'customsearch.googleapis.com'.",
        "status": "RESOURCE_EXHAUSTED"
    }});
    Mock::given(path(CSE_PATH))
        .respond_with(ResponseTemplate::new(429).set_body_json(body))
        .mount(&server)
        .await;
    let err = cse(&server)
        .search(&SearchQuery::new("owner", 10), &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::QuotaExceeded {
            provider: "google_cse"
        }
    );
}
