//! The shared HTTP client: which statuses are retried, how long it waits, what it reports.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::time::Duration;

use providers::ProviderError;
use providers::http::{HttpClient, HttpConfig, RetryPolicy, USER_AGENT};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(max_retries: u32, max_delay: Duration, timeout: Duration) -> HttpClient {
    HttpClient::new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: timeout,
        retry: RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay,
        },
    })
    .unwrap()
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_the_server_asked_for() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let http = client(3, Duration::from_secs(20), Duration::from_secs(5));
    let url = format!("{}/r", server.uri());
    let response = http.send_with_retry("test", |c| c.get(&url)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"ok");
    assert_eq!(response.retry_delays, vec![Duration::from_secs(1)]);
}

#[tokio::test]
async fn a_long_retry_after_is_capped_by_the_policy() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let http = client(3, Duration::from_millis(15), Duration::from_secs(5));
    let url = format!("{}/r", server.uri());
    let response = http.send_with_retry("test", |c| c.get(&url)).await.unwrap();
    assert_eq!(response.retry_delays, vec![Duration::from_millis(15)]);
}

#[tokio::test]
async fn rate_limiting_that_outlasts_the_retries_reports_the_servers_wait() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .expect(3)
        .mount(&server)
        .await;
    let http = client(2, Duration::from_millis(5), Duration::from_secs(5));
    let url = format!("{}/r", server.uri());
    let err = http
        .send_with_retry("test", |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::RateLimited {
            provider: "test",
            retry_after: Some(Duration::ZERO)
        }
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_the_policy_gives_up() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let http = client(2, Duration::from_millis(5), Duration::from_secs(5));
    let url = format!("{}/r", server.uri());
    let err = http
        .send_with_retry("test", |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Http {
            provider: "test",
            status: 503
        }
    );
}

#[tokio::test]
async fn a_refused_key_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let http = client(3, Duration::from_millis(5), Duration::from_secs(5));
    let url = format!("{}/r", server.uri());
    let err = http
        .send_with_retry("test", |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized { provider: "test" });
}

#[tokio::test]
async fn other_client_errors_are_reported_with_their_status() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let http = client(3, Duration::from_millis(5), Duration::from_secs(5));
    let url = format!("{}/r", server.uri());
    let err = http
        .send_with_retry("test", |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Http {
            provider: "test",
            status: 404
        }
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_slow_server_is_retried_then_reported_as_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .expect(2)
        .mount(&server)
        .await;
    let http = client(1, Duration::from_millis(5), Duration::from_millis(100));
    let url = format!("{}/r", server.uri());
    let err = http
        .send_with_retry("test", |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Timeout { provider: "test" });
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error_without_the_url() {
    let base = common::closed_port_url();
    let url = format!("{base}r?key=secret-in-query");
    let http = client(1, Duration::from_millis(5), Duration::from_secs(2));
    let err = http
        .send_with_retry("test", |c| c.get(&url))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Network {
                provider: "test",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("secret-in-query"), "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");
    }
}

#[tokio::test]
async fn every_request_identifies_leadforge() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("user-agent", USER_AGENT))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let http = client(0, Duration::from_millis(5), Duration::from_secs(2));
    let url = format!("{}/anything", server.uri());
    let response = http.send_with_retry("test", |c| c.get(&url)).await.unwrap();
    assert_eq!(response.status, 204);
    assert!(response.retry_delays.is_empty());
}
