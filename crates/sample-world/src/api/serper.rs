//! Serper `POST /places`: Google Maps results as Serper returns them, 10 per page and at most
//! six pages per query. Accepts a single query object or a batch (array) like the real API.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::SAMPLE_KEY;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::search::{self, Area, RESULT_CAP};
use crate::server::AppState;
use crate::stats::endpoint;
use crate::world::{Business, World};

const PAGE_SIZE: usize = 10;

fn error(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        &json!({ "message": message, "statusCode": status.as_u16() }),
    )
}

pub(crate) async fn places(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::SERPER_PLACES);
    serve(
        &state,
        FaultProvider::Serper,
        &headers,
        &body,
        r#"{"searchParameters":{"q":"dentist","type":"places"},"places":[{"position":1,"title":"#,
        |state, q, empty| answer(&state.world, q, empty),
    )
}

/// What every Serper endpoint shares: the injected fault, the `X-API-KEY` check, a JSON body
/// that is one query object or a batch (array) of them, and Serper's error shape. `answer`
/// turns one query into its answer (`empty` when the `Empty` fault is set).
pub(crate) fn serve(
    state: &AppState,
    provider: FaultProvider,
    headers: &HeaderMap,
    body: &[u8],
    malformed_body: &'static str,
    answer: impl Fn(&AppState, &Value, bool) -> Result<Value, &'static str>,
) -> Response {
    let fault = state.faults.for_request(provider);
    match fault {
        Fault::ServerError => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
        }
        Fault::RateLimited { retry_after_secs } => {
            let response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests, please slow down.",
            );
            return with_retry_after(response, retry_after_secs);
        }
        Fault::Malformed => return malformed(malformed_body),
        Fault::Unauthorized => return error(StatusCode::FORBIDDEN, "Unauthorized."),
        _ => {}
    }
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if key != Some(SAMPLE_KEY) {
        return error(StatusCode::FORBIDDEN, "Unauthorized.");
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error(StatusCode::BAD_REQUEST, "Invalid JSON body");
    };
    let empty = fault == Fault::Empty;
    let answer = match &request {
        Value::Array(batch) => batch
            .iter()
            .map(|q| answer(state, q, empty))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        single => answer(state, single, empty),
    };
    match answer {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

/// The answer to one query object.
fn answer(world: &World, request: &Value, empty: bool) -> Result<Value, &'static str> {
    let Some(q) = request
        .get("q")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
    else {
        return Err("Missing query parameter: q");
    };
    let page = match request.get("page") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|&p| p >= 1)
            .ok_or("Invalid page parameter")?,
    };
    let mut parameters = Map::new();
    parameters.insert("q".into(), q.into());
    for name in ["gl", "hl", "location", "num"] {
        if let Some(v) = request.get(name) {
            parameters.insert(name.into(), v.clone());
        }
    }
    parameters.insert("type".into(), "places".into());
    parameters.insert("page".into(), page.into());
    parameters.insert("engine".into(), "google".into());

    let mut query = search::parse(q);
    if let (Some(t), Some(location)) = (query, request.get("location").and_then(Value::as_str))
        && matches!(t.area, Area::Anywhere)
    {
        query = search::parse(&format!("{q} in {location}"));
    }
    let found = match query {
        // Serper has no bounds parameter: a query that names no place finds nothing.
        Some(t) if !empty && !matches!(t.area, Area::Anywhere) => {
            search::result_list(search::matching(world, &t, |_| true), PAGE_SIZE)
        }
        _ => Vec::new(),
    };
    let offset = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(PAGE_SIZE);
    let (items, _) = search::page(&found, offset.min(RESULT_CAP), PAGE_SIZE);
    let places: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, b)| place(b, offset + i + 1))
        .collect();
    Ok(json!({ "searchParameters": parameters, "places": places, "credits": 1 }))
}

fn place(b: &Business, position: usize) -> Value {
    let mut p = Map::new();
    p.insert("position".into(), position.into());
    p.insert("title".into(), b.name.clone().into());
    p.insert("address".into(), b.short_address().into());
    p.insert("latitude".into(), b.lat.into());
    p.insert("longitude".into(), b.lon.into());
    if let (Some(rating), Some(count)) = (b.rating, b.reviews) {
        p.insert("rating".into(), rating.into());
        p.insert("ratingCount".into(), count.into());
    }
    p.insert("category".into(), b.vertical.category().into());
    if let Some(phone) = &b.phone_national {
        p.insert("phoneNumber".into(), phone.clone().into());
    }
    if let Some(website) = &b.website {
        p.insert("website".into(), website.clone().into());
    }
    p.insert("cid".into(), b.cid.to_string().into());
    p.insert("placeId".into(), b.place_id.clone().into());
    Value::Object(p)
}
