//! Google Places API (legacy): `textsearch/json` (20 per page, 60 per query, no phone or
//! website — like the real one) and `details/json` (with `fields`). Errors come as a `status`
//! in an HTTP 200 body, as Google sends them.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{address_components, query_params};
use crate::SAMPLE_KEY;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::search::{self, Area};
use crate::server::AppState;
use crate::stats::endpoint;
use crate::token;
use crate::world::Business;

const PAGE_SIZE: usize = 20;
pub(crate) const TOKEN_PREFIX: &str = "CvQB";

/// Names `fields` may use that the world has no data for; accepted and left out.
const OTHER_FIELDS: &[&str] = &[
    "adr_address",
    "icon_mask_base_uri",
    "icon_background_color",
    "photo",
    "photos",
    "plus_code",
    "wheelchair_accessible_entrance",
    "opening_hours",
    "current_opening_hours",
    "secondary_opening_hours",
    "price_level",
    "review",
    "reviews",
    "editorial_summary",
    "reservable",
    "serves_breakfast",
    "serves_lunch",
    "serves_dinner",
    "delivery",
    "dine_in",
    "takeout",
    "curbside_pickup",
];

fn status(status: &str, message: Option<&str>) -> Value {
    let mut body = json!({ "html_attributions": [], "status": status });
    if let Some(message) = message {
        body["error_message"] = message.into();
    }
    body
}

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

/// A fault's answer, if a fault is set; `Empty` is left to the caller.
fn fault_response(fault: Fault, results_key: &str) -> Option<Response> {
    let with_results = |mut body: Value| {
        if results_key == "results" {
            body["results"] = json!([]);
        }
        body
    };
    Some(match fault {
        Fault::ServerError => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &with_results(status(
                "UNKNOWN_ERROR",
                Some("An unknown error occurred. Please try again."),
            )),
        ),
        Fault::RateLimited { retry_after_secs } => with_retry_after(
            ok(with_results(status(
                "OVER_QUERY_LIMIT",
                Some("You have exceeded your rate-limit for this API."),
            ))),
            retry_after_secs,
        ),
        Fault::Malformed => {
            malformed(r#"{"html_attributions":[],"results":[{"business_status":"OPERA"#)
        }
        Fault::Unauthorized => ok(with_results(status(
            "REQUEST_DENIED",
            Some("This API project is not authorized to use this API."),
        ))),
        _ => return None,
    })
}

/// `REQUEST_DENIED`, unless the request carries the world's key.
fn denied(params: &HashMap<String, String>, results_key: &str) -> Option<Response> {
    let message = match params.get("key").map(String::as_str) {
        Some(SAMPLE_KEY) => return None,
        None | Some("") => {
            "You must use an API key to authenticate each request to Google Maps Platform APIs. For additional information, please refer to http://g.co/dev/maps-no-account"
        }
        Some(_) => "The provided API key is invalid.",
    };
    let mut body = status("REQUEST_DENIED", Some(message));
    if results_key == "results" {
        body["results"] = json!([]);
    }
    Some(ok(body))
}

pub(crate) async fn text_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    state.stats.hit(endpoint::LEGACY_TEXT_SEARCH);
    let fault = state.faults.for_request(FaultProvider::GoogleLegacy);
    if let Some(response) = fault_response(fault, "results") {
        return response;
    }
    let mut params = query_params(raw.as_deref());
    if let Some(denied) = denied(&params, "results") {
        return denied;
    }
    let invalid = |message: &str| {
        let mut body = status("INVALID_REQUEST", Some(message));
        body["results"] = json!([]);
        ok(body)
    };
    let mut offset = 0;
    if let Some(page_token) = params.get("pagetoken").filter(|t| !t.is_empty()).cloned() {
        let Some(fields) = token::decode(TOKEN_PREFIX, &page_token) else {
            return invalid("Invalid 'pagetoken' parameter.");
        };
        for name in ["query", "location", "radius", "type"] {
            if let Some(v) = token::field(&fields, name) {
                params.insert(name.to_owned(), v.to_owned());
            }
        }
        offset = token::field(&fields, "o")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
    }
    let query = params.get("query").cloned().unwrap_or_default();
    if query.trim().is_empty() && params.get("type").is_none_or(String::is_empty) {
        return invalid("Missing the 'query' parameter.");
    }
    let circle = match (params.get("location"), params.get("radius")) {
        (Some(location), radius) => match parse_circle(location, radius.map(String::as_str)) {
            Some(circle) => Some(circle),
            None => return invalid("Invalid 'location' or 'radius' parameter."),
        },
        (None, _) => None,
    };
    if fault == Fault::Empty {
        return ok(json!({ "html_attributions": [], "results": [], "status": "ZERO_RESULTS" }));
    }
    let found = match search::parse(&query) {
        Some(q) if !(matches!(q.area, Area::Anywhere) && circle.is_none()) => {
            let within = |b: &Business| circle.is_none_or(|c| c.contains(b.lat, b.lon));
            search::result_list(search::matching(&state.world, &q, within), PAGE_SIZE)
        }
        _ => Vec::new(),
    };
    let (items, more) = search::page(&found, offset, PAGE_SIZE);
    if items.is_empty() {
        return ok(json!({ "html_attributions": [], "results": [], "status": "ZERO_RESULTS" }));
    }
    let results: Vec<Value> = items.iter().map(|b| search_result(b)).collect();
    let mut body = json!({ "html_attributions": [], "results": results, "status": "OK" });
    if more {
        let next = (offset + items.len()).to_string();
        let mut fields = vec![("query", query.as_str()), ("o", next.as_str())];
        for name in ["location", "radius", "type"] {
            if let Some(v) = params.get(name) {
                fields.push((name, v.as_str()));
            }
        }
        body["next_page_token"] = token::encode(TOKEN_PREFIX, &fields).into();
    }
    ok(body)
}

/// A `location=lat,lng` + `radius=m` circle.
#[derive(Debug, Clone, Copy)]
struct Circle {
    lat: f64,
    lon: f64,
    radius_m: f64,
}

impl Circle {
    fn contains(&self, lat: f64, lon: f64) -> bool {
        let dy = (lat - self.lat) * 111_320.0;
        let dx = (lon - self.lon) * 111_320.0 * self.lat.to_radians().cos();
        (dx * dx + dy * dy).sqrt() <= self.radius_m
    }
}

fn parse_circle(location: &str, radius: Option<&str>) -> Option<Circle> {
    let (lat, lon) = location.split_once(',')?;
    let radius_m = radius.map_or(Some(50_000.0), |r| r.trim().parse().ok())?;
    Some(Circle {
        lat: lat.trim().parse().ok()?,
        lon: lon.trim().parse().ok()?,
        radius_m,
    })
}

fn geometry(b: &Business) -> Value {
    json!({
        "location": { "lat": b.lat, "lng": b.lon },
        "viewport": {
            "northeast": { "lat": b.lat + 0.0013, "lng": b.lon + 0.0013 },
            "southwest": { "lat": b.lat - 0.0013, "lng": b.lon - 0.0013 },
        }
    })
}

fn icon() -> Value {
    "https://maps.gstatic.com/mapfiles/place_api/icons/v1/png_71/generic_business-71.png".into()
}

fn search_result(b: &Business) -> Value {
    let mut r = Map::new();
    r.insert("business_status".into(), "OPERATIONAL".into());
    r.insert("formatted_address".into(), b.address.clone().into());
    r.insert("geometry".into(), geometry(b));
    r.insert("icon".into(), icon());
    r.insert("name".into(), b.name.clone().into());
    r.insert("place_id".into(), b.place_id.clone().into());
    if let (Some(rating), Some(count)) = (b.rating, b.reviews) {
        r.insert("rating".into(), rating.into());
        r.insert("user_ratings_total".into(), count.into());
    }
    r.insert("reference".into(), b.place_id.clone().into());
    r.insert("types".into(), json!(b.vertical.google_types()));
    Value::Object(r)
}

pub(crate) async fn details(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    state.stats.hit(endpoint::LEGACY_DETAILS);
    let fault = state.faults.for_request(FaultProvider::GoogleLegacy);
    if let Some(response) = fault_response(fault, "result") {
        return response;
    }
    let params = query_params(raw.as_deref());
    if let Some(denied) = denied(&params, "result") {
        return denied;
    }
    let place_id = params.get("place_id").map(String::as_str).unwrap_or("");
    if place_id.is_empty() {
        return ok(status(
            "INVALID_REQUEST",
            Some("Missing the 'place_id' parameter."),
        ));
    }
    let wanted = match params.get("fields").filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(fields) => match wanted_fields(fields) {
            Ok(wanted) => Some(wanted),
            Err(name) => {
                let message = format!(
                    "Error while parsing 'fields' parameter: Unsupported field name '{name}'. "
                );
                return ok(status("INVALID_REQUEST", Some(&message)));
            }
        },
    };
    let business = state
        .world
        .business(place_id)
        .filter(|_| fault != Fault::Empty);
    let Some(b) = business else {
        let known_shape = place_id.starts_with("ChIJ") && place_id.len() >= 20;
        return ok(status(
            if known_shape {
                "NOT_FOUND"
            } else {
                "INVALID_REQUEST"
            },
            None,
        ));
    };
    let result = detail(b)
        .into_iter()
        .filter(|(name, _)| wanted.as_ref().is_none_or(|w: &Vec<&str>| w.contains(name)))
        .map(|(name, value)| (name.to_owned(), value))
        .collect::<Map<_, _>>();
    ok(json!({ "html_attributions": [], "result": result, "status": "OK" }))
}

/// Output keys for a `fields` parameter; `Err` names the first unsupported field.
fn wanted_fields(fields: &str) -> Result<Vec<&'static str>, String> {
    let mut wanted = Vec::new();
    for name in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let key = match name {
            "address_component" | "address_components" => "address_components",
            "type" | "types" => "types",
            g if g == "geometry" || g.starts_with("geometry/") => "geometry",
            other => match DETAIL_KEYS.iter().find(|k| **k == other) {
                Some(key) => key,
                None if OTHER_FIELDS.contains(&other) => continue,
                None => return Err(other.to_owned()),
            },
        };
        wanted.push(key);
    }
    Ok(wanted)
}

const DETAIL_KEYS: &[&str] = &[
    "address_components",
    "business_status",
    "formatted_address",
    "formatted_phone_number",
    "geometry",
    "icon",
    "international_phone_number",
    "name",
    "place_id",
    "rating",
    "types",
    "url",
    "user_ratings_total",
    "utc_offset",
    "vicinity",
    "website",
];

fn detail(b: &Business) -> Vec<(&'static str, Value)> {
    let components: Vec<Value> = address_components(b)
        .iter()
        .map(|c| json!({ "long_name": c.long, "short_name": c.short, "types": c.types }))
        .collect();
    let mut fields: Vec<(&'static str, Value)> = vec![
        ("address_components", components.into()),
        ("business_status", "OPERATIONAL".into()),
        ("formatted_address", b.address.clone().into()),
    ];
    if let (Some(international), Some(national)) = (&b.phone, &b.phone_national) {
        fields.push(("formatted_phone_number", national.clone().into()));
        fields.push(("international_phone_number", international.clone().into()));
    }
    fields.push(("geometry", geometry(b)));
    fields.push(("icon", icon()));
    fields.push(("name", b.name.clone().into()));
    fields.push(("place_id", b.place_id.clone().into()));
    if let (Some(rating), Some(count)) = (b.rating, b.reviews) {
        fields.push(("rating", rating.into()));
        fields.push(("user_ratings_total", count.into()));
    }
    fields.push(("types", json!(b.vertical.google_types())));
    fields.push(("url", b.maps_url().into()));
    fields.push((
        "utc_offset",
        if b.geography.is_us() { -300 } else { 60 }.into(),
    ));
    fields.push(("vicinity", format!("{}, {}", b.street, b.city).into()));
    if let Some(website) = &b.website {
        fields.push(("website", website.clone().into()));
    }
    fields
}
