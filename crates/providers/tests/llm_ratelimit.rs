//! Rate limits and retries: every real-world OpenAI 429 sample (bodies, messages, header
//! sets, Azure's sentinels) decides retry-or-not and the wait, end to end through the client;
//! 5xx and timeouts are retried; the limiter caps calls in flight.
#![allow(clippy::unwrap_used, reason = "tests")]

mod llm_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::Secret;
use llm_support::*;
use providers::ProviderError;
use providers::http::{HttpClient, HttpConfig, RetryPolicy, RetryVerdict};
use providers::llm::openai::{OpenAiConfig, OpenAiResponses};
use providers::llm::openai_errors::classify;
use providers::llm::{LlmProvider, RateLimit, RateLimiter};
use providers::usage::{NoUsage, PriceTable};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One 429 as the samples describe it, and what must happen.
struct Case {
    label: String,
    headers: Vec<(String, String)>,
    body: Value,
    /// `None`: final (not retried); `Some(wait)`: retried after `wait` (`None` = backoff).
    retry: Option<Option<Duration>>,
    final_error: Option<ProviderError>,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Every sample in the fixture, each with its expected verdict.
fn cases() -> Vec<Case> {
    let samples = fixture_json("openai/errors_and_ratelimit_headers_real_world.json");
    let mut cases = Vec::new();
    for example in samples["examples"].as_array().unwrap() {
        let kind = example["kind"].as_str().unwrap();
        let headers: Vec<(String, String)> = example["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let body = example.get("body").cloned().unwrap_or(Value::Null);
        let mut case = |label: String, body: Value, retry, final_error| {
            cases.push(Case {
                label,
                headers: headers.clone(),
                body,
                retry,
                final_error,
            });
        };
        match kind {
            "429 rate_limit_exceeded (tokens/min)" => {
                case(kind.into(), body, Some(Some(ms(6))), None)
            }
            "429 request too large for TPM" => {
                let message = body["error"]["message"].as_str().unwrap().to_owned();
                let error = ProviderError::Upstream {
                    provider: "openai",
                    status: "request_too_large".into(),
                    message,
                };
                case(kind.into(), body, None, Some(error));
            }
            "429 insufficient_quota (NOT retryable)" => case(
                kind.into(),
                body,
                None,
                Some(ProviderError::QuotaExceeded { provider: "openai" }),
            ),
            "429 message strings (TPM with retry hint)" => {
                let waits = [ms(644), ms(18_642), ms(3_890), ms(9_816)];
                let messages = example["messages"].as_array().unwrap();
                assert_eq!(messages.len(), waits.len());
                for (message, wait) in messages.iter().zip(waits) {
                    let body = json!({"error": {"message": message, "type": "tokens",
                        "param": null, "code": "rate_limit_exceeded"}});
                    case(format!("{kind}: {wait:?}"), body, Some(Some(wait)), None);
                }
            }
            "rate-limit response headers (successful chat completion)" => {
                case(kind.into(), Value::Null, Some(Some(ms(12))), None)
            }
            "rate-limit response headers (open-webui report)" => {
                case(kind.into(), Value::Null, Some(Some(ms(120))), None)
            }
            "edge case: sentinel header values, missing Retry-After (Azure OpenAI Responses API)" => {
                case(kind.into(), Value::Null, Some(None), None)
            }
            other => panic!("sample {other:?} has no expectation: add one"),
        }
    }
    cases
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.insert(
            HeaderName::try_from(k.as_str()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

fn body_bytes(body: &Value) -> Vec<u8> {
    if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    }
}

#[test]
fn every_real_world_429_sample_gets_the_right_verdict() {
    let cases = cases();
    assert_eq!(cases.len(), 10);
    for case in cases {
        let verdict = classify(429, &header_map(&case.headers), &body_bytes(&case.body));
        let want = match case.retry {
            None => RetryVerdict::Final,
            Some(after) => RetryVerdict::Retry { after },
        };
        assert_eq!(verdict, want, "{}", case.label);
    }
}

/// Retries wait at most this long in these stories.
const CAP: Duration = Duration::from_millis(50);

fn client(server: &MockServer, max_delay: Duration, timeout: Duration) -> OpenAiResponses {
    let http = HttpClient::new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: timeout,
        retry: RetryPolicy {
            max_retries: 2,
            base_delay: ms(1),
            max_delay,
        },
    })
    .unwrap();
    let config = OpenAiConfig {
        base_url: base(server),
        ..OpenAiConfig::new(Secret::new(KEY))
    };
    OpenAiResponses::new(config, http, unlimited(), PriceTable::default())
}

#[tokio::test]
async fn every_sample_is_honoured_end_to_end() {
    for case in cases() {
        let server = MockServer::start().await;
        let mut limited = ResponseTemplate::new(429).set_body_bytes(body_bytes(&case.body));
        for (k, v) in &case.headers {
            limited = limited.insert_header(k.as_str(), v.as_str());
        }
        Mock::given(path("/v1/responses"))
            .respond_with(limited)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(path("/v1/responses"))
            .respond_with(ok_json(responses_answer("ok")))
            .mount(&server)
            .await;
        let result = client(&server, CAP, Duration::from_secs(5))
            .generate(&weather_request(), &NoUsage)
            .await;
        let requests = server.received_requests().await.unwrap().len();
        match (case.retry, result) {
            (Some(Some(wait)), Ok(answer)) => {
                assert_eq!(answer.retry_delays, vec![wait.min(CAP)], "{}", case.label);
                assert_eq!(requests, 2, "{}", case.label);
            }
            (Some(None), Ok(answer)) => {
                assert_eq!(answer.retry_delays.len(), 1, "{}", case.label);
                assert!(answer.retry_delays[0] <= ms(1), "backoff, {}", case.label);
            }
            (None, Err(err)) => {
                assert_eq!(Some(err), case.final_error, "{}", case.label);
                assert_eq!(requests, 1, "not retried: {}", case.label);
            }
            (want, got) => panic!("{}: wanted {want:?}, got {got:?}", case.label),
        }
    }
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried_and_a_bad_key_is_not() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/responses"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/responses"))
        .respond_with(ok_json(responses_answer("slow")).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/responses"))
        .respond_with(ok_json(responses_answer("ok")))
        .mount(&server)
        .await;
    let answer = client(&server, CAP, ms(300))
        .generate(&weather_request(), &NoUsage)
        .await
        .unwrap();
    assert_eq!(answer.text, "ok");
    assert_eq!(answer.retry_delays.len(), 2, "one 503, one timeout");

    let server = MockServer::start().await;
    let unauthorized = json!({"error": {"message": format!("Incorrect API key provided: {KEY}"),
        "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}});
    Mock::given(path("/v1/responses"))
        .respond_with(ResponseTemplate::new(401).set_body_json(unauthorized))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, CAP, Duration::from_secs(5))
        .generate(&weather_request(), &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized { provider: "openai" });
    assert!(!err.to_string().contains(KEY));
}

/// Records how many calls held a limiter permit when each request reached the server.
struct InFlightProbe {
    limiter: Arc<RateLimiter>,
    seen: Arc<Mutex<Vec<usize>>>,
}

impl Respond for InFlightProbe {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.seen.lock().unwrap().push(self.limiter.in_flight());
        ok_json(responses_answer("ok")).set_delay(ms(5))
    }
}

#[tokio::test]
async fn clients_hold_a_limiter_permit_for_the_whole_request() {
    let server = MockServer::start().await;
    let limiter = RateLimiter::shared(RateLimit {
        max_concurrent: 2,
        min_delay: Duration::ZERO,
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(path("/v1/responses"))
        .respond_with(InFlightProbe {
            limiter: Arc::clone(&limiter),
            seen: Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    let config = OpenAiConfig {
        base_url: base(&server),
        ..OpenAiConfig::new(Secret::new(KEY))
    };
    let client = OpenAiResponses::new(
        config,
        fast_http(),
        Arc::clone(&limiter),
        PriceTable::default(),
    );
    let request = weather_request();
    let calls = (0..12).map(|_| client.generate(&request, &NoUsage));
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 12);
    assert!(seen.iter().all(|n| (1..=2).contains(n)), "{seen:?}");
    assert_eq!(limiter.in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_queued_calls_never_exceed_the_concurrency_limit() {
    let limit = RateLimit {
        max_concurrent: 4,
        min_delay: ms(1),
    };
    let limiter = RateLimiter::shared(limit);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (limiter, in_flight, max_seen, done) = (
                Arc::clone(&limiter),
                Arc::clone(&in_flight),
                Arc::clone(&max_seen),
                Arc::clone(&done),
            );
            tokio::spawn(async move {
                let _permit = limiter.acquire().await;
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_seen.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(ms(2)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 200);
    let max = max_seen.load(Ordering::SeqCst);
    assert!(
        (1..=limit.max_concurrent).contains(&max),
        "max in flight {max}"
    );
    assert_eq!(limiter.in_flight(), 0);
}
