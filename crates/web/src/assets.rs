//! Static files embedded in the binary: htmx, its SSE extension and the stylesheet. Served with
//! a content hash in the URL and cached for a year.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// URL path under `/assets/`.
    pub path: &'static str,
    /// Content type.
    pub content_type: &'static str,
    /// Bytes.
    pub body: &'static [u8],
}

/// Every embedded file.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "htmx-2.0.11.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/htmx-2.0.11.min.js"),
    },
    Asset {
        path: "htmx-ext-sse-2.2.4.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/htmx-ext-sse-2.2.4.min.js"),
    },
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/app.css"),
    },
    Asset {
        path: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/app.js"),
    },
];

/// The routes of the embedded files.
pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(serve))
}

async fn serve(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut res = asset.body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
