//! Client overhead per LLM call without the network — build the request body, parse a
//! recorded answer, check it against the strict schema — for each API; strict schema and
//! local embedding costs; and a report of 200 queued calls through the rate limiter (max in
//! flight, smallest gap between starts).
#![allow(clippy::unwrap_used, reason = "benchmark setup")]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use domain::Secret;
use providers::embeddings::HashingEmbedder;
use providers::http::{HttpClient, HttpConfig};
use providers::llm::chat::{ChatCompletions, ChatConfig, parse_completion};
use providers::llm::contract::Contract;
use providers::llm::gemini::{Gemini, GeminiConfig, parse_generate_content};
use providers::llm::openai::{OpenAiConfig, OpenAiResponses, parse_response};
use providers::llm::{LlmRequest, RateLimit, RateLimiter, strict_schema};
use providers::usage::PriceTable;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "deserialized for the benchmark only")]
struct Location {
    city: String,
    temperature: f64,
    units: Units,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Units {
    C,
    F,
}

/// A dossier-sized type: nested objects, optionals, enums, lists.
#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "schema only")]
struct Dossier {
    summary: String,
    identified_gaps: Vec<Gap>,
    talking_points: Vec<String>,
    sources: Vec<Source>,
    fit_score: u8,
    owner_name: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "schema only")]
struct Gap {
    key: String,
    severity: Severity,
    evidence: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
enum Severity {
    Low,
    Medium,
    High,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "schema only")]
struct Source {
    url: String,
    title: Option<String>,
}

fn fixture(relative: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn recorded_location() -> Value {
    let file: Value = serde_json::from_str(&fixture(
        "openai/recorded_responses/structured_output_location.json",
    ))
    .unwrap();
    file["response"].clone()
}

const LOCATION: &str = r#"{"city":"San Francisco","temperature":65,"units":"f"}"#;

fn request() -> LlmRequest {
    let mut req = LlmRequest::new("weather", "What's the weather like in SF?")
        .with_system("Answer as JSON.")
        .with_max_output_tokens(200);
    req.schema = Some(Contract::of::<Location>().unwrap().output_schema());
    req
}

fn per_call_overhead(c: &mut Criterion) {
    let http = HttpClient::new(HttpConfig::default()).unwrap();
    let limiter = RateLimiter::shared(RateLimit::unlimited());
    let base = url::Url::parse("http://127.0.0.1:9").unwrap();
    let contract = Contract::of::<Location>().unwrap();
    let req = request();

    let openai = OpenAiResponses::new(
        OpenAiConfig {
            base_url: base.clone(),
            ..OpenAiConfig::new(Secret::new("k"))
        },
        http.clone(),
        Arc::clone(&limiter),
        PriceTable::default(),
    );
    let mut answer: Value = serde_json::from_str(&fixture(
        "openai/examples/responses__00_text_input.response.txt",
    ))
    .unwrap();
    answer["output"][0]["content"][0]["text"] = json!(LOCATION);
    let responses_body = answer.to_string().into_bytes();
    c.bench_function("llm/call_overhead/openai_responses", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(&openai.request_body(black_box(&req))).unwrap();
            let parsed = parse_response(black_box(&responses_body)).unwrap();
            let value: Location = contract.check(&parsed.text).unwrap();
            black_box((body, value))
        })
    });

    let chat = ChatCompletions::new(
        ChatConfig::openai_compatible(base.clone(), "llama3.1"),
        http.clone(),
        Arc::clone(&limiter),
        PriceTable::default(),
    );
    let chat_body = recorded_location().to_string().into_bytes();
    c.bench_function("llm/call_overhead/chat_completions", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(&chat.request_body(black_box(&req))).unwrap();
            let parsed = parse_completion("bench", black_box(&chat_body)).unwrap();
            let value: Location = contract.check(&parsed.text).unwrap();
            black_box((body, value))
        })
    });

    let gemini = Gemini::new(
        GeminiConfig {
            base_url: base,
            ..GeminiConfig::new(Secret::new("k"))
        },
        http,
        limiter,
        PriceTable::default(),
    );
    let mut reply: Value = serde_json::from_str(&fixture(
        "gemini/mock-responses/googleai/unary-success-basic-reply-short.json",
    ))
    .unwrap();
    reply["candidates"][0]["content"]["parts"][0]["text"] = json!(LOCATION);
    let gemini_body = reply.to_string().into_bytes();
    c.bench_function("llm/call_overhead/gemini", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(&gemini.request_body(black_box(&req))).unwrap();
            let parsed = parse_generate_content(black_box(&gemini_body)).unwrap();
            let value: Location = contract.check(&parsed.text).unwrap();
            black_box((body, value))
        })
    });

    c.bench_function("llm/validate_only/location", |b| {
        b.iter(|| black_box(contract.check::<Location>(black_box(LOCATION)).unwrap()))
    });
}

fn schemas(c: &mut Criterion) {
    c.bench_function("llm/strict_schema/dossier", |b| {
        b.iter(|| black_box(strict_schema::<Dossier>()))
    });
    c.bench_function("llm/contract_compile/dossier", |b| {
        b.iter(|| black_box(Contract::new("Dossier", strict_schema::<Dossier>()).unwrap()))
    });
}

fn embeddings(c: &mut Criterion) {
    let embedder = HashingEmbedder::default();
    let text = "Owner of a family dental practice in Austin, Texas, looking for more patients";
    c.bench_function("embeddings/hashing_384/one_sentence", |b| {
        b.iter(|| black_box(embedder.embed_one(black_box(text))))
    });
}

fn limiter(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let limiter = RateLimiter::new(RateLimit::unlimited());
    c.bench_function("rate_limiter/acquire_release_uncontended", |b| {
        b.iter(|| rt.block_on(async { drop(black_box(limiter.acquire().await)) }))
    });
    report_queue(
        &rt,
        RateLimit {
            max_concurrent: 4,
            min_delay: Duration::from_millis(2),
        },
    );
    report_queue(
        &rt,
        RateLimit {
            max_concurrent: 8,
            min_delay: Duration::ZERO,
        },
    );
}

/// 200 calls queued at once, each holding its permit for 5 ms: prints the most calls seen in
/// flight and the smallest gap between two starts (reported, not asserted).
fn report_queue(rt: &tokio::runtime::Runtime, limit: RateLimit) {
    const CALLS: usize = 200;
    let limiter = RateLimiter::shared(limit);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut starts: Vec<Duration> = rt.block_on(async {
        let tasks: Vec<_> = (0..CALLS)
            .map(|_| {
                let (limiter, in_flight, max_seen) = (
                    Arc::clone(&limiter),
                    Arc::clone(&in_flight),
                    Arc::clone(&max_seen),
                );
                tokio::spawn(async move {
                    let permit = limiter.acquire().await;
                    let at = permit.started_at.into_std() - started;
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max_seen.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    at
                })
            })
            .collect();
        let mut starts = Vec::with_capacity(CALLS);
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts
    });
    let total = started.elapsed();
    starts.sort();
    let min_gap = starts
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .unwrap_or_default();
    #[expect(clippy::print_stderr, reason = "the benchmark's report")]
    {
        eprintln!(
            "rate_limiter/queue_of_{CALLS}: max_concurrent={} min_delay={:?} -> max in flight {}, \
             min start gap {:?}, total {:?}",
            limit.max_concurrent,
            limit.min_delay,
            max_seen.load(Ordering::SeqCst),
            min_gap,
            total
        );
    }
}

criterion_group!(benches, per_call_overhead, schemas, embeddings, limiter);
criterion_main!(benches);
