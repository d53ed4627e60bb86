//! The embeddings client against a mock `/embeddings`: batching, order by `index`, empty
//! texts, usage rows; and the local embedder ranking personas offline.
#![allow(clippy::unwrap_used, reason = "tests")]

mod llm_support;

use llm_support::*;
use providers::ProviderError;
use providers::embeddings::{Embedder, HashingEmbedder, top_k};
use providers::usage::{MemoryUsage, NoUsage};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers each input `i` of a batch with `[first letter code, length]`, listing the items
/// in reverse order as a server is free to.
struct EchoEmbeddings;

impl Respond for EchoEmbeddings {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let inputs = body["input"].as_array().unwrap();
        let data: Vec<Value> = inputs
            .iter()
            .enumerate()
            .rev()
            .map(|(i, text)| {
                let text = text.as_str().unwrap();
                let first = f64::from(u32::from(text.chars().next().unwrap()));
                json!({"object": "embedding", "index": i, "embedding": [first, text.len() as f64]})
            })
            .collect();
        ok_json(
            json!({"object": "list", "data": data, "model": body["model"],
            "usage": {"prompt_tokens": inputs.len() * 10, "total_tokens": inputs.len() * 10}}),
        )
    }
}

#[tokio::test]
async fn texts_are_batched_kept_in_order_and_billed_per_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .respond_with(EchoEmbeddings)
        .mount(&server)
        .await;
    let texts: Vec<String> = (0..200)
        .map(|i| {
            if i % 50 == 7 {
                "  ".to_owned()
            } else {
                format!("{}text {i}", (b'a' + (i % 26) as u8) as char)
            }
        })
        .collect();
    let usage = MemoryUsage::new();
    let client = embedder(&server);
    let vectors = client.embed(&texts, &usage).await.unwrap();

    assert_eq!(vectors.len(), 200);
    for (text, vector) in texts.iter().zip(&vectors) {
        if text.trim().is_empty() {
            assert_eq!(vector, &vec![0.0, 0.0], "empty texts get a zero vector");
        } else {
            let first = f32::from(u8::try_from(text.chars().next().unwrap()).unwrap());
            assert_eq!(vector, &vec![first, text.len() as f32]);
        }
    }
    let sizes: Vec<usize> = bodies(&server)
        .await
        .iter()
        .map(|b| b["input"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [96, 96, 4], "196 non-empty texts in batches of 96");

    let rows = usage.records().await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.operation == "embeddings" && r.status == "ok")
    );
    assert_eq!(rows[0].tokens_in, 960);
    let expected = 960.0 * 0.02 / 1e6;
    assert!((rows[0].cost_usd - expected).abs() < 1e-12);
    assert_eq!(
        (client.model(), client.dimensions()),
        ("text-embedding-3-small", 1536)
    );
}

#[tokio::test]
async fn a_short_answer_is_an_error_not_a_misaligned_result() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/embeddings"))
        .respond_with(ok_json(json!({"object": "list", "model": "m",
            "data": [{"object": "embedding", "index": 0, "embedding": [1.0]}]})))
        .mount(&server)
        .await;
    let err = embedder(&server)
        .embed(&["a".to_owned(), "b".to_owned()], &NoUsage)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Decode {
                provider: "openai",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_refused_key_fails_without_retry_or_leaking_it() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/embeddings"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": format!("Incorrect API key provided: {KEY}."),
            "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = embedder(&server)
        .embed(&["a".to_owned()], &NoUsage)
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized { provider: "openai" });
}

#[tokio::test]
async fn the_local_embedder_maps_a_decision_maker_to_the_closest_persona() {
    let personas = [
        "Owner of an independent dental practice",
        "Marketing manager at a regional law firm",
        "Operations director of a trucking company",
    ]
    .map(str::to_owned);
    let embedder = HashingEmbedder::default();
    let persona_vectors = embedder.embed(&personas, &NoUsage).await.unwrap();
    let query = embedder
        .embed(&["Dentist and practice owner".to_owned()], &NoUsage)
        .await
        .unwrap();
    let ranked = top_k(&query[0], persona_vectors.iter().map(Vec::as_slice), 2);
    assert_eq!(ranked[0].0, 0, "{ranked:?}");
    assert!(ranked[0].1 > ranked[1].1);
}
