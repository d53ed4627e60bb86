//! The structured-output path of the LLM chain on an arbitrary provider answer: the body read
//! as a chat completion, a Responses API answer and a Gemini `generateContent` answer, and the
//! answer text (the input itself too, as a bare model answer) checked against strict
//! contracts: a flat object, a nested one with enums and optionals, a wrapped array and a
//! hand-written schema.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use providers::llm::chat::parse_completion;
use providers::llm::contract::{Contract, extract_json};
use providers::llm::gemini::parse_generate_content;
use providers::llm::openai::parse_response;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// The shape of the recorded OpenAI structured-output samples.
#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "only deserialized")]
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

/// Nested objects, an enum, optionals and numbers, like the pipeline's answers.
#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "only deserialized")]
struct Assessment {
    summary: String,
    score: u32,
    verdict: Verdict,
    talking_points: Vec<TalkingPoint>,
    contact: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    Qualified,
    NotQualified,
    Unsure,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "only deserialized")]
struct TalkingPoint {
    text: String,
    evidence_url: Option<String>,
}

static HAND_WRITTEN: LazyLock<Contract> = LazyLock::new(|| {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "pages": { "type": "array", "items": { "type": "string" }, "maxItems": 5 },
            "reason": { "type": "string" },
            "confidence": { "type": "number", "minimum": 0, "maximum": 1 }
        },
        "required": ["pages"]
    });
    Contract::new("page selection", schema).expect("the schema compiles")
});

fn check(text: &str) {
    let _ = extract_json(text);
    if let Ok(contract) = Contract::of::<Location>() {
        let _ = contract.check::<Location>(text);
    }
    if let Ok(contract) = Contract::of::<Assessment>() {
        let _ = contract.check::<Assessment>(text);
    }
    if let Ok(contract) = Contract::of::<Vec<String>>() {
        let _ = contract.check::<Vec<String>>(text);
    }
    let _ = HAND_WRITTEN.check::<Value>(text);
}

fuzz_target!(|data: &[u8]| {
    for answer in [
        parse_completion("fuzz", data),
        parse_response(data),
        parse_generate_content(data),
    ]
    .into_iter()
    .flatten()
    {
        check(&answer.text);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
});
