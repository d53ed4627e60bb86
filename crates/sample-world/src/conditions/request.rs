//! What a request is to the conditions: its route (class, endpoint, provider), its identity,
//! and what it is about (host, business, schema, search text).

use std::collections::HashMap;

use axum::extract::Request;
use axum::http::{HeaderMap, Method, Uri, header};
use serde_json::Value;

use crate::agency_site;
use crate::faults::FaultProvider;
use crate::latency::ServiceClass;
use crate::rng::{fnv1a, mix};
use crate::server::AppState;
use crate::stats::endpoint;
use crate::world::bare_host;

/// What a request is to the conditions.
#[derive(Debug, Clone, Copy)]
pub(super) struct Route {
    pub class: ServiceClass,
    pub endpoint: &'static str,
    pub provider: FaultProvider,
}

/// The route of an API request, if it is one the conditions apply to.
pub(super) fn api_route(method: &Method, path: &str) -> Option<Route> {
    use FaultProvider as P;
    use ServiceClass as C;
    let (class, endpoint, provider) = match path {
        "/places" => (C::Places, endpoint::SERPER_PLACES, P::Serper),
        "/v1/places:searchText" => (C::Places, endpoint::GOOGLE_SEARCH_TEXT, P::GooglePlaces),
        "/maps/api/place/textsearch/json" => {
            (C::Places, endpoint::LEGACY_TEXT_SEARCH, P::GoogleLegacy)
        }
        "/maps/api/place/details/json" => (C::Places, endpoint::LEGACY_DETAILS, P::GoogleLegacy),
        "/search" if method == Method::POST => {
            (C::Search, endpoint::SERPER_SEARCH, P::SerperSearch)
        }
        "/search" => (C::Geo, endpoint::NOMINATIM_SEARCH, P::Nominatim),
        "/customsearch/v1" => (C::Search, endpoint::GOOGLE_CSE, P::GoogleCustomSearch),
        "/api/interpreter" => (C::Geo, endpoint::OVERPASS, P::Overpass),
        "/v1/responses" => (C::Llm, endpoint::OPENAI_RESPONSES, P::OpenAi),
        "/v1/chat/completions" => (C::Llm, endpoint::OPENAI_CHAT, P::OpenAi),
        "/v1/embeddings" => (
            C::Embeddings,
            endpoint::OPENAI_EMBEDDINGS,
            P::OpenAiEmbeddings,
        ),
        "/v1/scrape" => (C::Firecrawl, endpoint::FIRECRAWL_SCRAPE, P::Firecrawl),
        _ => return None,
    };
    Some(Route {
        class,
        endpoint,
        provider,
    })
}

/// One request, as logged and decided on.
#[derive(Debug)]
pub(super) struct Call {
    pub route: Route,
    pub identity: u64,
    pub host: Option<String>,
    pub subject: Option<String>,
    pub operation: Option<String>,
    pub query: Option<String>,
    /// What rate-limit bursts count per: the host, for sites.
    pub scope: String,
    /// A site's home page (never gone).
    pub home: bool,
    /// An LLM request that asked for JSON output (bad JSON applies).
    pub wants_json: bool,
}

pub(super) fn identity(method: &Method, host: &str, uri: &Uri, body: &[u8]) -> u64 {
    let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    [
        method.as_str().as_bytes(),
        host.as_bytes(),
        target.as_bytes(),
        body,
    ]
    .iter()
    .fold(0, |hash, part| mix(hash ^ fnv1a(part)))
}

/// Every string in `value`, one per line.
fn strings(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

pub(super) fn api_call(
    state: &AppState,
    route: Route,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Call {
    let json_body = matches!(
        route.class,
        ServiceClass::Llm | ServiceClass::Search | ServiceClass::Firecrawl | ServiceClass::Places
    ) && *method == Method::POST;
    let request = json_body
        .then(|| serde_json::from_slice::<Value>(body).ok())
        .flatten();
    let params = crate::api::query_params(uri.query());
    let mut call = Call {
        route,
        identity: identity(method, "", uri, body),
        host: None,
        subject: None,
        operation: None,
        query: search_text(route.endpoint, request.as_ref(), &params),
        scope: String::new(),
        home: false,
        wants_json: false,
    };
    if route.endpoint == endpoint::LEGACY_DETAILS {
        call.subject = params
            .get("place_id")
            .and_then(|id| state.world.business(id))
            .map(|b| b.place_id.clone());
    }
    if !matches!(
        route.class,
        ServiceClass::Llm | ServiceClass::Search | ServiceClass::Firecrawl
    ) {
        return call;
    }
    let mut text = String::new();
    if let Some(request) = &request {
        strings(request, &mut text);
        let (kind, name) = if route.endpoint == endpoint::OPENAI_CHAT {
            ("/response_format/type", "/response_format/json_schema/name")
        } else {
            ("/text/format/type", "/text/format/name")
        };
        if route.class == ServiceClass::Llm {
            call.operation = request
                .pointer(name)
                .and_then(Value::as_str)
                .map(str::to_owned);
            call.wants_json = matches!(
                request.pointer(kind).and_then(Value::as_str),
                Some("json_schema" | "json_object")
            );
        }
    }
    for value in params.values() {
        text.push_str(value);
        text.push('\n');
    }
    call.subject = state
        .subjects()
        .find(&text)
        .map(|i| state.world.businesses()[i].place_id.clone());
    call
}

/// The search text of a places, web-search or Nominatim request; for a legacy text search's
/// later pages, the query their page token carries.
fn search_text(
    endpoint: &str,
    request: Option<&Value>,
    params: &HashMap<String, String>,
) -> Option<String> {
    let field = |name: &str| {
        let request = request?;
        let first = request
            .as_array()
            .and_then(|a| a.first())
            .unwrap_or(request);
        first.get(name).and_then(Value::as_str).map(str::to_owned)
    };
    match endpoint {
        endpoint::SERPER_PLACES | endpoint::SERPER_SEARCH => field("q"),
        endpoint::GOOGLE_SEARCH_TEXT => field("textQuery"),
        endpoint::GOOGLE_CSE | endpoint::NOMINATIM_SEARCH => params.get("q").cloned(),
        endpoint::LEGACY_TEXT_SEARCH => params.get("query").cloned().or_else(|| {
            let token = params.get("pagetoken")?;
            let fields = crate::token::decode(crate::api::google_legacy::TOKEN_PREFIX, token)?;
            crate::token::field(&fields, "query").map(str::to_owned)
        }),
        _ => None,
    }
}

/// The host a request names (`Host`, else the URI's authority), without port, case or
/// trailing dot.
fn host_of(headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(ToString::to_string))
        .unwrap_or_default();
    agency_site::host_name(&host)
}

pub(super) fn site_call(state: &AppState, secure: bool, request: &Request) -> Call {
    let name = host_of(request.headers(), request.uri());
    let scheme = if secure { "https" } else { "http" };
    let origin = format!("{scheme}://{name}");
    let bare = bare_host(&name).to_owned();
    let home = matches!(
        request.uri().path().trim_end_matches('/'),
        "" | "/index.html" | "/index.php"
    );
    Call {
        route: Route {
            class: ServiceClass::Sites,
            endpoint: endpoint::SITES,
            provider: FaultProvider::Sites,
        },
        identity: identity(request.method(), &origin, request.uri(), b""),
        subject: state.world.site_owner(&name).map(|b| b.place_id.clone()),
        host: Some(bare.clone()),
        operation: None,
        query: None,
        scope: bare,
        home,
        wants_json: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_endpoint_has_a_route_and_the_free_ones_none() {
        let post = Method::POST;
        let get = Method::GET;
        let class = |m: &Method, p: &str| api_route(m, p).map(|r| r.class);
        assert_eq!(class(&post, "/search"), Some(ServiceClass::Search));
        assert_eq!(class(&get, "/search"), Some(ServiceClass::Geo));
        assert_eq!(
            class(&post, "/v1/embeddings"),
            Some(ServiceClass::Embeddings)
        );
        assert_eq!(class(&get, "/v1/models"), None);
        assert_eq!(class(&get, "/status"), None);
        assert_eq!(class(&get, "/api/status"), None);
    }

    #[test]
    fn identity_depends_on_every_part() {
        let uri: Uri = "/v1/chat/completions?x=1".parse().unwrap_or_default();
        let base = identity(&Method::POST, "", &uri, b"{}");
        assert_eq!(base, identity(&Method::POST, "", &uri, b"{}"));
        assert_ne!(base, identity(&Method::GET, "", &uri, b"{}"));
        assert_ne!(base, identity(&Method::POST, "h", &uri, b"{}"));
        assert_ne!(base, identity(&Method::POST, "", &uri, b"{ }"));
    }
}
