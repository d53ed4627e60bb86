//! OpenStreetMap, keyless: Nominatim `GET /search` (jsonv2) for geographies and neighbourhoods,
//! and Overpass `POST|GET /api/interpreter` for businesses and neighbourhood place nodes.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::overpass_ql::{self, OverpassQuery};
use super::query_params;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::geography::{BBox, GEOGRAPHIES, Geography, Neighbourhood};
use crate::listing::{long_route, split_street};
use crate::search::{self, Area};
use crate::server::AppState;
use crate::stats::endpoint;
use crate::world::{OsmKind, World};

const LICENCE: &str = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright";
const ODBL: &str = "The data included in this document is from www.openstreetmap.org. The data is made available under ODbL.";

pub(crate) async fn nominatim_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    state.stats.hit(endpoint::NOMINATIM_SEARCH);
    let fault = state.faults.for_request(FaultProvider::Nominatim);
    let nominatim_error = |status: StatusCode, message: &str| {
        json_response(
            status,
            &json!({ "error": { "code": status.as_u16(), "message": message } }),
        )
    };
    match fault {
        Fault::ServerError => {
            return nominatim_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        Fault::RateLimited { retry_after_secs } => {
            let response = nominatim_error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            return with_retry_after(response, retry_after_secs);
        }
        Fault::Malformed => return malformed(r#"[{"place_id":1042,"licence":"Data © Open"#),
        Fault::Unauthorized => {
            return nominatim_error(
                StatusCode::FORBIDDEN,
                "Access blocked. See https://operations.osmfoundation.org/policies/nominatim/",
            );
        }
        _ => {}
    }
    let params = query_params(raw.as_deref());
    let format = params.get("format").map_or("jsonv2", String::as_str);
    if !matches!(format, "json" | "jsonv2") {
        return nominatim_error(
            StatusCode::BAD_REQUEST,
            "Parameter 'format' must be one of: json, jsonv2 (sample world).",
        );
    }
    let Some(q) = params.get("q").filter(|q| !q.trim().is_empty()) else {
        return nominatim_error(StatusCode::BAD_REQUEST, "Nothing to search for.");
    };
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 40);
    let address = params.get("addressdetails").is_some_and(|v| v == "1");
    let results: Vec<Value> = match search::place(q) {
        _ if fault == Fault::Empty => Vec::new(),
        Some(Area::Geography(g)) => vec![geography_record(g, format, address)],
        Some(Area::Neighbourhood(g, n)) => vec![neighbourhood_record(g, n, format, address)],
        _ => Vec::new(),
    };
    let results: Vec<Value> = results.into_iter().take(limit).collect();
    json_response(StatusCode::OK, &Value::Array(results))
}

fn coord(x: f64) -> Value {
    format!("{x:.7}").into()
}

fn bounding_box(b: &BBox) -> Value {
    json!([coord(b.south), coord(b.north), coord(b.west), coord(b.east)])
}

/// Fields common to both records; `class` is jsonv2's `category` (both are given in jsonv2
/// so clients written against either spelling read it).
fn record(class: &str, kind: &str, format: &str, base: Value) -> Value {
    let mut r = base;
    r["class"] = class.into();
    if format == "jsonv2" {
        r["category"] = class.into();
    }
    r["type"] = kind.into();
    r
}

fn geography_record(g: &Geography, format: &str, address: bool) -> Value {
    let (lat, lon) = g.bbox.center();
    let base = json!({
        "place_id": g.osm_relation % 1_000_000 + 100_000,
        "licence": LICENCE,
        "osm_type": "relation",
        "osm_id": g.osm_relation,
        "lat": coord(lat),
        "lon": coord(lon),
        "place_rank": 16,
        "importance": 0.75,
        "addresstype": "city",
        "name": g.city,
        "display_name": format!("{}, {}, {}, {}", g.city, g.county, g.region_long, g.country),
        "boundingbox": bounding_box(&g.bbox),
    });
    let mut r = record("boundary", "administrative", format, base);
    if address {
        r["address"] = address_details(g, None);
    }
    r
}

fn neighbourhood_record(g: &Geography, n: &Neighbourhood, format: &str, address: bool) -> Value {
    let (lat, lon) = n.bbox.center();
    let base = json!({
        "place_id": n.osm_node % 1_000_000 + 200_000,
        "licence": LICENCE,
        "osm_type": "node",
        "osm_id": n.osm_node,
        "lat": coord(lat),
        "lon": coord(lon),
        "place_rank": 20,
        "importance": 0.3,
        "addresstype": n.place_kind,
        "name": n.name,
        "display_name": format!("{}, {}, {}, {}, {}", n.name, g.city, g.county, g.region_long, g.country),
        "boundingbox": bounding_box(&n.bbox),
    });
    let mut r = record("place", n.place_kind, format, base);
    if address {
        r["address"] = address_details(g, Some(n));
    }
    r
}

fn address_details(g: &Geography, n: Option<&Neighbourhood>) -> Value {
    let mut a = Map::new();
    if let Some(n) = n {
        a.insert(n.place_kind.into(), n.name.into());
    }
    a.insert("city".into(), g.city.into());
    if g.is_us() {
        a.insert("county".into(), g.county.into());
        a.insert("state".into(), g.region_long.into());
        a.insert("ISO3166-2-lvl4".into(), format!("US-{}", g.region).into());
    } else {
        a.insert("state_district".into(), g.county.into());
        a.insert("state".into(), g.region_long.into());
        a.insert("ISO3166-2-lvl4".into(), "GB-ENG".into());
    }
    a.insert("country".into(), g.country.into());
    a.insert(
        "country_code".into(),
        g.country_code.to_ascii_lowercase().into(),
    );
    Value::Object(a)
}

pub(crate) async fn overpass_get(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let data = query_params(raw.as_deref()).remove("data");
    overpass(&state, data)
}

pub(crate) async fn overpass_post(State(state): State<AppState>, body: Bytes) -> Response {
    // Clients send `data=<url-encoded query>`; Overpass also takes the raw query as the body.
    let text = String::from_utf8_lossy(&body);
    let data = if text.trim_start().starts_with("data=") || text.contains("&data=") {
        form_urlencoded::parse(&body)
            .find(|(k, _)| k == "data")
            .map(|(_, v)| v.into_owned())
    } else {
        Some(text.into_owned()).filter(|t| !t.trim().is_empty())
    };
    overpass(&state, data)
}

fn overpass_html(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"\n    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n<head>\n  <meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\" lang=\"en\"/>\n  <title>OSM3S Response</title>\n</head>\n<body>\n\n<p>{ODBL}</p>\n<p><strong style=\"color:#FF0000\">Error</strong>: {}</p>\n\n</body>\n</html>\n",
        escape(message)
    );
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn overpass(state: &AppState, data: Option<String>) -> Response {
    state.stats.hit(endpoint::OVERPASS);
    let fault = state.faults.for_request(FaultProvider::Overpass);
    match fault {
        Fault::ServerError => {
            return overpass_html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "runtime error: open64: 0 Success /osm3s_osm_base Dispatcher_Client::request_read_and_idx::timeout. The server is probably too busy to handle your request.",
            );
        }
        Fault::RateLimited { retry_after_secs } => {
            let response = overpass_html(
                StatusCode::TOO_MANY_REQUESTS,
                "runtime error: Too many requests. Please check /api/status for the quota of your IP address.",
            );
            return with_retry_after(response, retry_after_secs);
        }
        Fault::Malformed => {
            return malformed(
                r#"{"version":0.6,"generator":"sample-world","elements":[{"type":"node","id":"#,
            );
        }
        Fault::Unauthorized => return overpass_html(StatusCode::FORBIDDEN, "Access denied."),
        _ => {}
    }
    let Some(data) = data else {
        return overpass_html(
            StatusCode::BAD_REQUEST,
            "line 1: parse error: No input found. Send the query in the form field 'data'.",
        );
    };
    let query = match overpass_ql::parse(&data) {
        Ok(query) => query,
        Err(e) => return overpass_html(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let elements = if fault == Fault::Empty {
        Vec::new()
    } else {
        elements(&state.world, &query)
    };
    let body = json!({
        "version": 0.6,
        "generator": "sample-world",
        "osm3s": { "timestamp_osm_base": "2025-01-01T00:00:00Z", "copyright": ODBL },
        "elements": elements,
    });
    json_response(StatusCode::OK, &body)
}

/// An element of the world's OpenStreetMap: a business or a neighbourhood place node.
struct Element {
    kind: OsmKind,
    id: u64,
    lat: f64,
    lon: f64,
    tags: Vec<(String, String)>,
}

fn world_elements(world: &World) -> Vec<Element> {
    let mut out = Vec::new();
    for g in &GEOGRAPHIES {
        for n in g.neighbourhoods {
            let (lat, lon) = n.bbox.center();
            let tags = vec![
                ("name".into(), n.name.into()),
                ("place".into(), n.place_kind.into()),
            ];
            out.push(Element {
                kind: OsmKind::Node,
                id: n.osm_node,
                lat,
                lon,
                tags,
            });
        }
    }
    for b in world.businesses() {
        let Some(osm) = b.osm else { continue };
        let vertical_tags = b.vertical.osm_tags();
        let mut tags: Vec<(String, String)> =
            vec![(vertical_tags[0].0.into(), vertical_tags[0].1.into())];
        // Only some mappers add the secondary tag (`healthcare=dentist`).
        tags.extend(
            vertical_tags[1..]
                .iter()
                .filter(|_| osm.id % 2 == 0)
                .map(|(k, v)| ((*k).into(), (*v).into())),
        );
        tags.push(("name".into(), b.name.clone()));
        let prefix = if osm.contact_keys { "contact:" } else { "" };
        if let Some(phone) = &b.phone {
            tags.push((format!("{prefix}phone"), phone.clone()));
        }
        if let Some(website) = &b.website {
            tags.push((format!("{prefix}website"), website.clone()));
        }
        let (number, route) = split_street(&b.street);
        if !number.is_empty() {
            tags.push(("addr:housenumber".into(), number.into()));
        }
        tags.push(("addr:street".into(), long_route(route)));
        tags.push(("addr:city".into(), b.city.clone()));
        tags.push(("addr:postcode".into(), b.postcode.clone()));
        if b.geography.is_us() {
            tags.push(("addr:state".into(), b.geography.region.into()));
        }
        out.push(Element {
            kind: osm.kind,
            id: osm.id,
            lat: b.lat,
            lon: b.lon,
            tags,
        });
    }
    out
}

fn elements(world: &World, query: &OverpassQuery) -> Vec<Value> {
    let Some(out) = query.out else {
        return Vec::new();
    };
    let mut hits: Vec<Element> = world_elements(world)
        .into_iter()
        .filter(|e| {
            query.statements.iter().any(|s| {
                let kind_ok = match e.kind {
                    OsmKind::Node => s.nodes,
                    OsmKind::Way => s.ways,
                };
                kind_ok
                    && s.bbox.is_none_or(|b| b.contains(e.lat, e.lon))
                    && s.filters.iter().all(|f| f.matches(&e.tags))
            })
        })
        .collect();
    hits.sort_by_key(|e| (matches!(e.kind, OsmKind::Way), e.id));
    hits.dedup_by_key(|e| (matches!(e.kind, OsmKind::Way), e.id));
    hits.truncate(out.limit.unwrap_or(usize::MAX));
    hits.into_iter()
        .map(|e| {
            let tags: Map<String, Value> = e.tags.into_iter().map(|(k, v)| (k, v.into())).collect();
            match e.kind {
                OsmKind::Node => json!({ "type": "node", "id": e.id, "lat": e.lat, "lon": e.lon, "tags": tags }),
                OsmKind::Way if out.center => json!({
                    "type": "way", "id": e.id, "center": { "lat": e.lat, "lon": e.lon }, "tags": tags,
                }),
                OsmKind::Way => json!({ "type": "way", "id": e.id, "tags": tags }),
            }
        })
        .collect()
}
