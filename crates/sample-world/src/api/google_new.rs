//! Google Places API (New) `POST /v1/places:searchText`: API key and field mask in headers,
//! only the masked fields returned, 20 results per page and 60 per query.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{address_components, query_params};
use crate::SAMPLE_KEY;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::geography::BBox;
use crate::search::{self, Area};
use crate::server::AppState;
use crate::stats::endpoint;
use crate::token;
use crate::world::Business;

const MAX_PAGE_SIZE: usize = 20;
const TOKEN_PREFIX: &str = "AUacSh";

/// Request fields of `SearchTextRequest`; anything else is rejected as Google does.
const REQUEST_FIELDS: &[&str] = &[
    "textQuery",
    "includedType",
    "languageCode",
    "regionCode",
    "locationBias",
    "locationRestriction",
    "maxResultCount",
    "pageSize",
    "pageToken",
    "minRating",
    "openNow",
    "priceLevels",
    "rankPreference",
    "strictTypeFiltering",
    "evOptions",
    "routingParameters",
    "searchAlongRouteParameters",
    "includePureServiceAreaBusinesses",
];

/// Response paths outside `places.*` that a field mask may name.
const OTHER_PATHS: &[&str] = &[
    "nextPageToken",
    "contextualContents",
    "routingSummaries",
    "searchUri",
];

fn error(status: StatusCode, google_status: &str, message: &str) -> Response {
    let body = json!({ "error": { "code": status.as_u16(), "message": message, "status": google_status } });
    json_response(status, &body)
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
}

pub(crate) async fn search_text(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::GOOGLE_SEARCH_TEXT);
    let fault = state.faults.for_request(FaultProvider::GooglePlaces);
    match fault {
        Fault::ServerError => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal error encountered.",
            );
        }
        Fault::RateLimited { retry_after_secs } => {
            let message = "Quota exceeded for quota metric 'Text Search requests' and limit 'Text Search requests per minute' of service 'places.googleapis.com'.";
            return with_retry_after(
                error(StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED", message),
                retry_after_secs,
            );
        }
        Fault::Malformed => return malformed(r#"{"places":[{"id":"ChIJ"#),
        Fault::Unauthorized => {
            let message = "Requests to this API places.googleapis.com method google.maps.places.v1.Places.SearchText are blocked.";
            return error(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message);
        }
        _ => {}
    }
    let params = query_params(raw.as_deref());
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match header("x-goog-api-key").or_else(|| params.get("key").cloned()) {
        None => {
            return error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "The request is missing a valid API key.",
            );
        }
        Some(key) if key != SAMPLE_KEY => return key_invalid(),
        Some(_) => {}
    }
    let mask = header("x-goog-fieldmask")
        .or_else(|| params.get("fields").cloned())
        .or_else(|| params.get("$fields").cloned());
    let Some(mask) = mask else {
        return invalid(
            "FieldMask is a required parameter. See https://cloud.google.com/apis/docs/system-parameters on how to provide it. As an example, you can set the header 'X-Goog-FieldMask' to value 'places.displayName', 'places.id' to ask for the display name and the place id of a place. You can also set the value to '*' in manual testing to get all the available response fields.",
        );
    };
    let mask = match FieldMask::parse(&mask) {
        Ok(mask) => mask,
        Err(path) => {
            return invalid(&format!(
                "Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."
            ));
        }
    };
    let request = match Request::parse(&body) {
        Ok(request) => request,
        Err(message) => return invalid(&message),
    };
    if fault == Fault::Empty {
        return json_response(StatusCode::OK, &json!({}));
    }
    answer(&state, &request, &mask)
}

fn key_invalid() -> Response {
    let body = json!({ "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": { "service": "places.googleapis.com" }
        }]
    }});
    json_response(StatusCode::BAD_REQUEST, &body)
}

/// Which response fields the client asked for.
struct FieldMask {
    /// `None`: every place field.
    place_fields: Option<HashSet<String>>,
    next_page_token: bool,
}

impl FieldMask {
    /// Reads a mask; `Err` carries the first path that names no field.
    fn parse(mask: &str) -> Result<FieldMask, String> {
        let mut place_fields = Some(HashSet::new());
        let mut next_page_token = false;
        for path in mask.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match path {
                "*" => {
                    place_fields = None;
                    next_page_token = true;
                }
                "places" | "places.*" => place_fields = None,
                "nextPageToken" => next_page_token = true,
                p if OTHER_PATHS.contains(&p) => {}
                p => {
                    let field = p.strip_prefix("places.").ok_or_else(|| p.to_owned())?;
                    let top = field.split('.').next().unwrap_or(field);
                    if top.is_empty() || !top.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(p.to_owned());
                    }
                    if let Some(fields) = place_fields.as_mut() {
                        fields.insert(top.to_owned());
                    }
                }
            }
        }
        Ok(FieldMask {
            place_fields,
            next_page_token,
        })
    }

    fn wants(&self, field: &str) -> bool {
        self.place_fields.as_ref().is_none_or(|f| f.contains(field))
    }
}

/// The parts of a `SearchTextRequest` the world acts on.
struct Request {
    text_query: String,
    page_size: usize,
    page_token: Option<String>,
    restriction: Option<BBox>,
    included_type: Option<String>,
    min_rating: Option<f64>,
}

impl Request {
    fn parse(body: &[u8]) -> Result<Request, String> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| format!("Invalid JSON payload received. {e}"))?;
        let Value::Object(fields) = value else {
            return Err("Invalid JSON payload received. Expected an object.".into());
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !REQUEST_FIELDS.contains(&k.as_str()))
        {
            return Err(format!(
                "Invalid JSON payload received. Unknown name \"{unknown}\": Cannot find field."
            ));
        }
        let text_query = fields
            .get("textQuery")
            .and_then(Value::as_str)
            .filter(|q| !q.trim().is_empty())
            .ok_or("Empty text_query is not allowed.")?
            .to_owned();
        let size = fields
            .get("pageSize")
            .or_else(|| fields.get("maxResultCount"));
        let page_size = match size.map(Value::as_i64) {
            None => MAX_PAGE_SIZE,
            Some(Some(n)) if n < 0 => return Err("page_size must be non-negative.".into()),
            Some(Some(0)) => MAX_PAGE_SIZE,
            Some(Some(n)) => usize::try_from(n)
                .unwrap_or(MAX_PAGE_SIZE)
                .min(MAX_PAGE_SIZE),
            Some(None) => return Err("Invalid value at 'page_size' (TYPE_INT32).".into()),
        };
        let restriction = match fields.get("locationRestriction") {
            None => None,
            Some(r) => {
                Some(rectangle(r).ok_or("location_restriction must contain a valid rectangle.")?)
            }
        };
        Ok(Request {
            text_query,
            page_size,
            page_token: fields
                .get("pageToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            restriction,
            included_type: fields
                .get("includedType")
                .and_then(Value::as_str)
                .map(str::to_owned),
            min_rating: fields.get("minRating").and_then(Value::as_f64),
        })
    }
}

fn rectangle(restriction: &Value) -> Option<BBox> {
    let r = restriction.get("rectangle")?;
    let coord = |corner: &str, name: &str| r.get(corner)?.get(name)?.as_f64();
    Some(BBox::new(
        coord("low", "latitude")?,
        coord("low", "longitude")?,
        coord("high", "latitude")?,
        coord("high", "longitude")?,
    ))
}

fn answer(state: &AppState, request: &Request, mask: &FieldMask) -> Response {
    let offset = match &request.page_token {
        None => 0,
        Some(t) => {
            let fields = token::decode(TOKEN_PREFIX, t).unwrap_or_default();
            let same_query = token::field(&fields, "q") == Some(request.text_query.as_str());
            match token::field(&fields, "o").and_then(|o| o.parse::<usize>().ok()) {
                Some(offset) if same_query => offset,
                _ => {
                    return invalid(
                        "Invalid page token. The page token must come from a previous request with the same parameters.",
                    );
                }
            }
        }
    };
    let found = match search::parse(&request.text_query) {
        Some(q) if !(matches!(q.area, Area::Anywhere) && request.restriction.is_none()) => {
            let within = |b: &Business| {
                request.restriction.is_none_or(|r| r.contains(b.lat, b.lon))
                    && request
                        .included_type
                        .as_deref()
                        .is_none_or(|t| b.vertical.google_types().contains(&t))
                    && request
                        .min_rating
                        .is_none_or(|min| b.rating.is_some_and(|r| r >= min))
            };
            search::result_list(
                search::matching(&state.world, &q, within),
                request.page_size,
            )
        }
        _ => Vec::new(),
    };
    let (items, more) = search::page(&found, offset, request.page_size);
    let mut body = Map::new();
    if !items.is_empty() {
        let places = items.iter().map(|b| place(b, mask)).collect::<Vec<_>>();
        body.insert("places".into(), places.into());
    }
    if more && mask.next_page_token {
        let next = (offset + items.len()).to_string();
        let token = token::encode(TOKEN_PREFIX, &[("q", &request.text_query), ("o", &next)]);
        body.insert("nextPageToken".into(), token.into());
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

fn place(b: &Business, mask: &FieldMask) -> Value {
    let text = |t: &str| json!({ "text": t, "languageCode": "en" });
    let lang = if b.geography.is_us() {
        "en-US"
    } else {
        "en-GB"
    };
    let mut all: Vec<(&str, Value)> = vec![
        ("name", format!("places/{}", b.place_id).into()),
        ("id", b.place_id.clone().into()),
        ("types", json!(b.vertical.google_types())),
        ("formattedAddress", b.address.clone().into()),
        ("shortFormattedAddress", format!("{}, {}", b.street, b.city).into()),
        ("addressComponents", address_components(b).iter().map(|c| json!({
            "longText": c.long, "shortText": c.short, "types": c.types, "languageCode": lang,
        })).collect::<Vec<_>>().into()),
        ("location", json!({ "latitude": b.lat, "longitude": b.lon })),
        ("viewport", json!({
            "low": { "latitude": b.lat - 0.0013, "longitude": b.lon - 0.0013 },
            "high": { "latitude": b.lat + 0.0013, "longitude": b.lon + 0.0013 },
        })),
        ("googleMapsUri", b.maps_url().into()),
        ("businessStatus", "OPERATIONAL".into()),
        ("displayName", text(&b.name)),
        ("primaryType", b.vertical.google_types()[0].into()),
        ("primaryTypeDisplayName", text(b.vertical.category())),
    ];
    if let (Some(international), Some(national)) = (&b.phone, &b.phone_national) {
        all.push(("nationalPhoneNumber", national.clone().into()));
        all.push(("internationalPhoneNumber", international.clone().into()));
    }
    if let (Some(rating), Some(count)) = (b.rating, b.reviews) {
        all.push(("rating", rating.into()));
        all.push(("userRatingCount", count.into()));
    }
    if let Some(website) = &b.website {
        all.push(("websiteUri", website.clone().into()));
    }
    let kept = all
        .into_iter()
        .filter(|(name, _)| mask.wants(name))
        .map(|(name, value)| (name.to_owned(), value));
    Value::Object(kept.collect())
}
