//! Web search in two real formats over the results of [`super::people`]:
//! Serper `POST /search` (`X-API-KEY`, body `{"q","num","gl"}`, answering `searchParameters`
//! and `organic`) and Google Custom Search JSON API `GET /customsearch/v1?key&cx&q&num&start`
//! (answering `kind`, `queries`, `searchInformation` and `items`, the last left out when
//! nothing matches).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::people::{self, WebResult, display_link};
use super::query_params;
use crate::SAMPLE_KEY;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::server::AppState;
use crate::stats::endpoint;

/// The Custom Search engine id the world answers to (`cx`).
pub(crate) const SAMPLE_CX: &str = "sample-cx";

const SERPER_DEFAULT_NUM: usize = 10;
const SERPER_MAX_NUM: usize = 100;
const CSE_MAX_NUM: usize = 10;
/// Custom Search never returns results past the 100th.
const CSE_MAX_START: usize = 100;

/// Serper `POST /search`: organic web results.
pub(crate) async fn serper_search(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::SERPER_SEARCH);
    super::serper::serve(
        &state,
        FaultProvider::SerperSearch,
        &headers,
        &body,
        r#"{"searchParameters":{"q":"site:linkedin.com/in","type":"search"},"organic":[{"title":"#,
        serper_answer,
    )
}

fn serper_answer(state: &AppState, request: &Value, empty: bool) -> Result<Value, &'static str> {
    let Some(q) = request
        .get("q")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
    else {
        return Err("Missing query parameter: q");
    };
    let num = match request.get("num") {
        None | Some(Value::Null) => SERPER_DEFAULT_NUM,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=SERPER_MAX_NUM).contains(n))
            .ok_or("Invalid num parameter")?,
    };
    let mut parameters = Map::new();
    parameters.insert("q".into(), q.into());
    parameters.insert(
        "gl".into(),
        request.get("gl").cloned().unwrap_or_else(|| "us".into()),
    );
    parameters.insert(
        "hl".into(),
        request.get("hl").cloned().unwrap_or_else(|| "en".into()),
    );
    parameters.insert("num".into(), num.into());
    parameters.insert("type".into(), "search".into());
    parameters.insert("engine".into(), "google".into());

    let found = if empty {
        Vec::new()
    } else {
        people::results(&state.world, q)
    };
    let organic: Vec<Value> = found
        .iter()
        .take(num)
        .enumerate()
        .map(|(i, r)| json!({ "title": r.title, "link": r.link, "snippet": r.snippet, "position": i + 1 }))
        .collect();
    Ok(json!({ "searchParameters": parameters, "organic": organic, "credits": 1 }))
}

fn google_error(status: StatusCode, google_status: &str, message: &str) -> Response {
    let reason = match status {
        StatusCode::BAD_REQUEST => "badRequest",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::TOO_MANY_REQUESTS => "rateLimitExceeded",
        _ => "backendError",
    };
    let body = json!({
        "error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{ "message": message, "domain": "global", "reason": reason }],
            "status": google_status,
        }
    });
    json_response(status, &body)
}

fn invalid(message: &str) -> Response {
    google_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
}

/// Google Custom Search JSON API `GET /customsearch/v1`.
pub(crate) async fn google_cse(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    state.stats.hit(endpoint::GOOGLE_CSE);
    let fault = state.faults.for_request(FaultProvider::GoogleCustomSearch);
    match fault {
        Fault::ServerError => {
            return google_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal error encountered.",
            );
        }
        Fault::RateLimited { retry_after_secs } => {
            let message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'customsearch.googleapis.com'.";
            return with_retry_after(
                google_error(StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED", message),
                retry_after_secs,
            );
        }
        Fault::Malformed => {
            return malformed(
                r#"{"kind":"customsearch#search","items":[{"kind":"customsearch#res"#,
            );
        }
        Fault::Unauthorized => {
            return google_error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "This project does not have the access to Custom Search JSON API.",
            );
        }
        _ => {}
    }
    let params = query_params(raw.as_deref());
    match params.get("key").map(String::as_str) {
        None | Some("") => {
            return google_error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            );
        }
        Some(SAMPLE_KEY) => {}
        Some(_) => return invalid("API key not valid. Please pass a valid API key."),
    }
    let Some(cx) = params.get("cx").filter(|cx| !cx.is_empty()) else {
        return invalid("Request contains an invalid argument.");
    };
    if cx != SAMPLE_CX {
        return invalid("Request contains an invalid argument.");
    }
    let Some(q) = params.get("q").filter(|q| !q.trim().is_empty()) else {
        return invalid("Request contains an invalid argument.");
    };
    let num = match params.get("num") {
        None => CSE_MAX_NUM,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=CSE_MAX_NUM).contains(&n) => n,
            _ => return invalid("Request contains an invalid argument."),
        },
    };
    let start = match params.get("start") {
        None => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(s) if (1..=CSE_MAX_START).contains(&s) => s,
            _ => return invalid("Request contains an invalid argument."),
        },
    };

    let found = if fault == Fault::Empty {
        Vec::new()
    } else {
        people::results(&state.world, q)
    };
    let page: Vec<&WebResult> = found.iter().skip(start - 1).take(num).collect();
    let total = found.len().to_string();
    let request = |start: usize, count: usize| {
        json!({
            "title": format!("Google Custom Search - {q}"),
            "totalResults": total,
            "searchTerms": q,
            "count": count,
            "startIndex": start,
            "inputEncoding": "utf8",
            "outputEncoding": "utf8",
            "safe": "off",
            "cx": cx,
        })
    };
    let mut queries = Map::new();
    queries.insert("request".into(), json!([request(start, page.len())]));
    if start + num <= found.len() {
        let next = start + num;
        queries.insert("nextPage".into(), json!([request(next, num)]));
    }
    if start > 1 {
        let previous = start.saturating_sub(num).max(1);
        queries.insert("previousPage".into(), json!([request(previous, num)]));
    }
    let mut body = Map::new();
    body.insert("kind".into(), "customsearch#search".into());
    body.insert(
        "url".into(),
        json!({
            "type": "application/json",
            "template": "https://www.googleapis.com/customsearch/v1?q={searchTerms}&num={count?}&start={startIndex?}&lr={language?}&safe={safe?}&cx={cx?}&sort={sort?}&filter={filter?}&gl={gl?}&cr={cr?}&googlehost={googleHost?}&c2coff={disableCnTwTranslation?}&hq={hq?}&hl={hl?}&siteSearch={siteSearch?}&siteSearchFilter={siteSearchFilter?}&exactTerms={exactTerms?}&excludeTerms={excludeTerms?}&linkSite={linkSite?}&orTerms={orTerms?}&dateRestrict={dateRestrict?}&lowRange={lowRange?}&highRange={highRange?}&searchType={searchType}&fileType={fileType?}&rights={rights?}&imgSize={imgSize?}&imgType={imgType?}&imgColorType={imgColorType?}&imgDominantColor={imgDominantColor?}&alt=json",
        }),
    );
    body.insert("queries".into(), Value::Object(queries));
    body.insert("context".into(), json!({ "title": "Leadforge sample" }));
    body.insert(
        "searchInformation".into(),
        json!({
            "searchTime": 0.21,
            "formattedSearchTime": "0.21",
            "totalResults": total,
            "formattedTotalResults": total,
        }),
    );
    if !page.is_empty() {
        let items: Vec<Value> = page.iter().map(|r| item(r, q)).collect();
        body.insert("items".into(), Value::Array(items));
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

/// One Custom Search result.
fn item(r: &WebResult, q: &str) -> Value {
    let display = display_link(&r.link);
    let formatted = r.link.clone();
    json!({
        "kind": "customsearch#result",
        "title": r.title,
        "htmlTitle": bold_phrase(&html_escape(&r.title), q),
        "link": r.link,
        "displayLink": display,
        "snippet": r.snippet,
        "htmlSnippet": bold_phrase(&html_escape(&r.snippet), q),
        "formattedUrl": formatted,
        "htmlFormattedUrl": html_escape(&formatted),
    })
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Wraps the query's quoted phrase in `<b>` where it occurs, as Google highlights matches.
fn bold_phrase(html: &str, q: &str) -> String {
    let Some(phrase) = q.split('"').nth(1).map(str::trim).filter(|p| !p.is_empty()) else {
        return html.to_owned();
    };
    let phrase = html_escape(phrase);
    html.replace(&phrase, &format!("<b>{phrase}</b>"))
}
