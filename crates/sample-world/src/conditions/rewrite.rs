//! Answers the conditions make or remake: an LLM answer turned into a refusal or into text
//! that is not JSON, a page that changed since the last fetch or is gone, and the plain pages
//! of a site that fails (500, 429, 504).

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::rng::SplitMix64;
use crate::stats::endpoint;

/// What the refusals say: the words of OpenAI's recorded structured-output refusal.
const REFUSAL: &str = "I'm very sorry, but I can't assist with that.";

/// Prose where JSON was asked for.
const PROSE: &str = "Sure! Here is what I found about the business: it looks like a well-reviewed local company, and a refreshed website would likely help it win more customers.";

/// The body of `response`, or `None` when it cannot be read.
async fn body_of(response: Response) -> (axum::http::response::Parts, Option<Bytes>) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.ok();
    (parts, bytes)
}

fn rebuild(mut parts: axum::http::response::Parts, body: impl Into<Body>) -> Response {
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body.into())
}

/// How an LLM answer goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LlmFault {
    Refusal,
    BadJson,
}

/// The handler's successful answer of `endpoint` (responses or chat completions) remade as a
/// refusal, or with its output text cut mid-way or replaced by prose. `None` (the answer
/// unchanged) when it was not a 200 JSON answer.
pub(crate) async fn llm(
    response: Response,
    fault: LlmFault,
    endpoint: &str,
    rng: &mut SplitMix64,
) -> Result<Response, Response> {
    if response.status() != StatusCode::OK {
        return Err(response);
    }
    let (parts, bytes) = body_of(response).await;
    let bytes = bytes.unwrap_or_default();
    let Ok(mut answer) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(rebuild(parts, bytes));
    };
    let chat = endpoint == endpoint::OPENAI_CHAT;
    match fault {
        LlmFault::Refusal if chat => {
            for choice in answer["choices"].as_array_mut().into_iter().flatten() {
                choice["message"]["content"] = Value::Null;
                choice["message"]["refusal"] = json!(REFUSAL);
                choice["finish_reason"] = json!("stop");
            }
        }
        LlmFault::Refusal => {
            answer["output"] = json!([{
                "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                "content": [{ "type": "refusal", "refusal": REFUSAL }]
            }]);
        }
        LlmFault::BadJson => {
            let pointer = if chat {
                "/choices/0/message/content"
            } else {
                "/output/0/content/0/text"
            };
            let Some(text) = answer.pointer_mut(pointer) else {
                return Err(rebuild(parts, bytes));
            };
            let broken = not_json(text.as_str().unwrap_or_default(), rng.chance(0.5));
            *text = json!(broken);
        }
    }
    Ok(rebuild(parts, answer.to_string()))
}

/// `text` cut mid-way (when `cut` and the cut does not parse), else prose.
fn not_json(text: &str, cut: bool) -> String {
    let half: String = text.chars().take(text.chars().count() / 2).collect();
    if cut && !half.is_empty() && serde_json::from_str::<Value>(&half).is_err() {
        half
    } else {
        PROSE.to_owned()
    }
}

/// Words for the varying part of a changed page.
const NOTICE_WORDS: &[&str] = &[
    "updated",
    "hours",
    "holiday",
    "schedule",
    "new",
    "team",
    "member",
    "offers",
    "this",
    "week",
    "call",
    "today",
    "booking",
    "open",
    "weekend",
    "special",
    "thanks",
    "neighbours",
    "local",
    "service",
];

/// Version `version` of an HTML page: a notice of varying length before `</body>` (or at the
/// end, on a page without one). Anything else is left alone.
pub(crate) async fn changed_page(
    response: Response,
    version: u32,
    rng: &mut SplitMix64,
) -> Result<Response, Response> {
    if !is_html_page(&response) {
        return Err(response);
    }
    let (parts, bytes) = body_of(response).await;
    let bytes = bytes.unwrap_or_default();
    let words: Vec<&str> = (0..4 + rng.below(24))
        .map(|_| *rng.pick(NOTICE_WORDS))
        .collect();
    let notice = format!(
        "<aside class=\"site-update\" data-version=\"{version}\"><p>Update {version}: {}.</p></aside>\n",
        words.join(" ")
    );
    let at = find_ignore_case(&bytes, b"</body>").unwrap_or(bytes.len());
    let mut page = Vec::with_capacity(bytes.len() + notice.len());
    page.extend_from_slice(&bytes[..at]);
    page.extend_from_slice(notice.as_bytes());
    page.extend_from_slice(&bytes[at..]);
    Ok(rebuild(parts, page))
}

/// A 200 `text/html` answer.
pub(crate) fn is_html_page(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"))
}

/// The last position of `needle` in `haystack`, ASCII case ignored.
fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

fn html(status: StatusCode, title: &str, text: &str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{text}</p>\n</body>\n</html>\n"
        ),
    )
        .into_response()
}

/// A page that is no more: 404 or 410.
pub(crate) fn gone(status: StatusCode) -> Response {
    if status == StatusCode::GONE {
        html(status, "Gone", "This page has been removed.")
    } else {
        html(
            StatusCode::NOT_FOUND,
            "Page not found",
            "Sorry, the page you are looking for no longer exists.",
        )
    }
}

/// What a gateway answers when the service behind it did not: 504.
pub(crate) fn gateway_timeout() -> Response {
    html(
        StatusCode::GATEWAY_TIMEOUT,
        "504 Gateway Time-out",
        "The server didn't respond in time.",
    )
}

/// A site's 429.
pub(crate) fn too_many_requests(retry_after_secs: u64) -> Response {
    crate::faults::with_retry_after(
        html(
            StatusCode::TOO_MANY_REQUESTS,
            "429 Too Many Requests",
            "You have sent too many requests. Please slow down.",
        ),
        retry_after_secs,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn broken_json_never_parses() {
        for text in [r#"{"name":"Zilker Smiles","score":3}"#, "{}", "7", ""] {
            for cut in [true, false] {
                let broken = not_json(text, cut);
                assert!(serde_json::from_str::<Value>(&broken).is_err(), "{broken}");
            }
        }
        assert_eq!(not_json(r#"{"name":"Zilker"}"#, true), r#"{"name":"#);
    }

    #[test]
    fn the_last_body_tag_is_found_in_any_case() {
        assert_eq!(find_ignore_case(b"<p></BODY></html>", b"</body>"), Some(3));
        assert_eq!(find_ignore_case(b"<p>", b"</body>"), None);
    }
}
