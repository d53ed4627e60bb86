//! The businesses' websites, routed by the `Host` header (port, case and `www.` ignored) to the
//! business owning that domain; unknown hosts get 404.
//!
//! One port serves both plain HTTP and TLS (see [`crate::server`]): sites listed as `https://`
//! answer over TLS with a certificate from the world's CA, and 301 their `http://` URLs to
//! `https://`; sites listed as `http://` only answer plain HTTP (a TLS handshake for them fails,
//! as it would on a host without a certificate). The profiles' deeper defects — redirects, slow
//! and broken pages, a PDF, a JavaScript shell, windows-1252 pages — are applied here.

mod pages;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};

use crate::server::AppState;
use crate::stats::endpoint;
use crate::world::{
    Business, Robots, SLOW_PAGE, STALLED_PAGE, SiteProfile, SitemapStyle, World, bare_host,
};
use pages::{Page, Site};

pub(crate) use pages::{escape as escape_html, from_windows_1252};

/// How a request reached the sites server.
#[derive(Debug, Clone, Copy)]
struct Transport {
    secure: bool,
}

/// Every business website of the world on one router, for requests that came over plain HTTP.
pub fn router(state: AppState) -> Router {
    router_for(state, false)
}

/// The same router for requests that came over TLS.
pub fn router_tls(state: AppState) -> Router {
    router_for(state, true)
}

fn router_for(state: AppState, secure: bool) -> Router {
    Router::new()
        .fallback(serve)
        .layer(Extension(Transport { secure }))
        .with_state(state)
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.into(),
    )
        .into_response()
}

const HTML: &str = "text/html; charset=utf-8";
const HTML_1252: &str = "text/html; charset=windows-1252";
const TEXT: &str = "text/plain; charset=utf-8";

async fn serve(
    State(state): State<AppState>,
    Extension(transport): Extension<Transport>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    state.stats.hit(endpoint::SITES);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    if let Some(domain) = state
        .world
        .site_owner(&host)
        .and_then(Business::site_domain)
    {
        state.stats.hit(&format!("site:{domain}"));
        if method != Method::GET && method != Method::HEAD {
            return respond(StatusCode::METHOD_NOT_ALLOWED, TEXT, "Method Not Allowed\n");
        }
    }
    let request = SiteRequest {
        secure: transport.secure,
        host: &host,
        path: uri.path(),
        query: uri.query(),
        rendered: false,
    };
    answer(&state.world, &request).await
}

/// One GET to a business website.
#[derive(Debug)]
pub(crate) struct SiteRequest<'a> {
    /// Came over TLS.
    pub secure: bool,
    /// The `Host` header as sent (may carry a port).
    pub host: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Answer as a browser renders the page, JavaScript run: a
    /// [`SiteProfile::js_shell`] site gives its full page instead of the empty shell.
    pub rendered: bool,
}

/// The site's answer to `request`, delays included.
pub(crate) async fn answer(world: &World, request: &SiteRequest<'_>) -> Response {
    let host = request.host;
    let Some(owner) = world.site_owner(host) else {
        return respond(
            StatusCode::NOT_FOUND,
            TEXT,
            format!("No site is served for host '{host}'.\n"),
        );
    };
    let (Some(profile), Some(domain)) = (owner.site, owner.site_domain()) else {
        return respond(StatusCode::NOT_FOUND, TEXT, "No site.\n");
    };
    if let Some(location) = canonical_redirect(profile, request) {
        return redirect(&location);
    }
    let site = Site {
        owner,
        profile,
        domain: &domain,
        origin: origin(owner),
    };
    let rendered = request.rendered;
    let trimmed = match request.path.trim_end_matches('/') {
        "" => "/",
        p => p,
    };
    match trimmed {
        "/robots.txt" => robots(&site, rendered),
        "/sitemap.xml" => match profile.sitemap {
            SitemapStyle::Plain => xml(urlset(world, &site)),
            SitemapStyle::Index => xml(sitemap_index(&site)),
            SitemapStyle::None => not_found(&site, rendered),
        },
        "/page-sitemap.xml" if profile.sitemap == SitemapStyle::Index => xml(urlset(world, &site)),
        "/app.js" if profile.js_shell => respond(
            StatusCode::OK,
            "application/javascript; charset=utf-8",
            site.app_js(world),
        ),
        "/" | "/index.html" | "/index.php" => page(&site, &Page::Home, rendered),
        "/about-us" if profile.about_us_redirect => redirect("/about"),
        "/about" | "/about-us" => page(&site, &Page::About, rendered),
        "/services" if profile.broken_services => server_error(),
        "/services" if profile.slow_services => {
            tokio::time::sleep(SLOW_PAGE).await;
            held(page(&site, &Page::Services, rendered), SLOW_PAGE)
        }
        "/services" => page(&site, &Page::Services, rendered),
        "/contact" | "/contact-us" if profile.contact_page => page(&site, &Page::Contact, rendered),
        "/offers" if profile.redirect_loop => redirect("/special-offers"),
        "/special-offers" if profile.redirect_loop => redirect("/offers"),
        "/book-online" if profile.stalled_booking => {
            tokio::time::sleep(STALLED_PAGE).await;
            held(page(&site, &Page::Booking, rendered), STALLED_PAGE)
        }
        "/gallery" if profile.huge_gallery => page(&site, &Page::Gallery, rendered),
        "/private/pricing" if profile.private_pricing => page(&site, &Page::Pricing, rendered),
        "/brochure.pdf" if profile.pdf_brochure => {
            respond(StatusCode::OK, "application/pdf", brochure(owner))
        }
        other => match location(world, &domain, other) {
            Some(listing) => page(&site, &Page::Location(listing), rendered),
            None => not_found(&site, rendered),
        },
    }
}

/// How long a page kept its request on purpose (a slow or stalled page), for the call log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Held(pub std::time::Duration);

fn held(mut response: Response, delay: std::time::Duration) -> Response {
    response.extensions_mut().insert(Held(delay));
    response
}

/// Where a request on the wrong scheme or host goes: `http://` of an https site to `https://`,
/// the bare host of a [`SiteProfile::www_redirect`] site to `www.` — in one hop, port kept.
fn canonical_redirect(profile: SiteProfile, request: &SiteRequest<'_>) -> Option<String> {
    let host = request.host.trim().to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => {
            (name.to_owned(), format!(":{port}"))
        }
        _ => (host, String::new()),
    };
    let name = name.trim_end_matches('.');
    let upgrade = profile.https && !request.secure;
    let to_www = profile.www_redirect && bare_host(name) == name;
    if !upgrade && !to_www {
        return None;
    }
    let scheme = if profile.https || request.secure {
        "https"
    } else {
        "http"
    };
    let name = if to_www {
        format!("www.{name}")
    } else {
        name.to_owned()
    };
    let query = request.query.map(|q| format!("?{q}")).unwrap_or_default();
    Some(format!("{scheme}://{name}{port}{}{query}", request.path))
}

fn redirect(location: &str) -> Response {
    let mut response = respond(
        StatusCode::MOVED_PERMANENTLY,
        "text/html; charset=iso-8859-1",
        format!(
            "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>301 Moved Permanently</title>\n</head><body>\n<h1>Moved Permanently</h1>\n<p>The document has moved <a href=\"{}\">here</a>.</p>\n</body></html>\n",
            pages::escape(location)
        ),
    );
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(crate) fn server_error() -> Response {
    respond(
        StatusCode::INTERNAL_SERVER_ERROR,
        HTML,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Internal Server Error</title>\n</head>\n<body>\n<h1>Internal Server Error</h1>\n<p>There has been a critical error on this website.</p>\n</body>\n</html>\n",
    )
}

/// A small but well-formed PDF whose one page says what the brochure is.
fn brochure(owner: &Business) -> Vec<u8> {
    let text = format!("{} - brochure and price guide", owner.name).replace(['(', ')', '\\'], " ");
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    // The binary comment on the second line tells tools the file is binary, as real PDFs do.
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        table.push_str(&format!("{offset:010} 00000 n \n"));
    }
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.extend_from_slice(table.as_bytes());
    pdf
}

/// `scheme://host` of the owner's listed website.
fn origin(owner: &Business) -> String {
    owner
        .website
        .as_deref()
        .and_then(|w| url::Url::parse(w).ok())
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// Another listing on this domain whose website points at `path`.
fn location<'w>(world: &'w World, domain: &str, path: &str) -> Option<&'w Business> {
    world.listings_on(domain).skip(1).find(|b| {
        let listed = b.website.as_deref().and_then(|w| url::Url::parse(w).ok());
        listed.is_some_and(|u| u.path().trim_end_matches('/') == path)
    })
}

fn page(site: &Site<'_>, page: &Page<'_>, rendered: bool) -> Response {
    html(site, StatusCode::OK, page, rendered)
}

fn not_found(site: &Site<'_>, rendered: bool) -> Response {
    html(site, StatusCode::NOT_FOUND, &Page::NotFound, rendered)
}

/// `page` as the site sends it: the JavaScript shell unless rendered, in the site's charset.
fn html(site: &Site<'_>, status: StatusCode, page: &Page<'_>, rendered: bool) -> Response {
    let document = if site.profile.js_shell && !rendered {
        site.shell(page)
    } else {
        site.render(page)
    };
    if site.profile.windows_1252 {
        respond(status, HTML_1252, pages::windows_1252(&document))
    } else {
        respond(status, HTML, document)
    }
}

fn xml(body: String) -> Response {
    respond(StatusCode::OK, "application/xml; charset=utf-8", body)
}

fn robots(site: &Site<'_>, rendered: bool) -> Response {
    let sitemap = match site.profile.sitemap {
        SitemapStyle::None => String::new(),
        _ => format!("\nSitemap: {}/sitemap.xml\n", site.origin),
    };
    let private = if site.profile.private_pricing {
        "Disallow: /private/\n"
    } else {
        ""
    };
    let body = match site.profile.robots {
        Robots::Missing => return not_found(site, rendered),
        Robots::DisallowAll => "User-agent: *\nDisallow: /\n".to_owned(),
        Robots::Standard => format!(
            "User-agent: *\nDisallow: /wp-admin/\n{private}Allow: /wp-admin/admin-ajax.php\n{sitemap}"
        ),
        Robots::CrawlDelay(secs) => {
            format!("User-agent: *\nCrawl-delay: {secs}\nDisallow: /wp-admin/\n{private}{sitemap}")
        }
    };
    respond(StatusCode::OK, TEXT, body)
}

fn lastmod(site: &Site<'_>) -> String {
    match site.profile.copyright_year {
        2025 => "2025-03-14".to_owned(),
        year => format!("{year}-06-01"),
    }
}

fn urlset(world: &World, site: &Site<'_>) -> String {
    let mut paths = vec!["/".to_owned(), "/about".to_owned(), "/services".to_owned()];
    if site.profile.contact_page {
        paths.push("/contact".to_owned());
    }
    for listing in world.listings_on(site.domain).skip(1) {
        let path = listing
            .website
            .as_deref()
            .and_then(|w| url::Url::parse(w).ok())
            .map(|u| u.path().to_owned());
        if let Some(path) = path.filter(|p| !paths.contains(p)) {
            paths.push(path);
        }
    }
    let lastmod = lastmod(site);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths {
        xml.push_str(&format!(
            "  <url>\n    <loc>{}{path}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </url>\n",
            site.origin
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

fn sitemap_index(site: &Site<'_>) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n  <sitemap>\n    <loc>{}/page-sitemap.xml</loc>\n    <lastmod>{}</lastmod>\n  </sitemap>\n</sitemapindex>\n",
        site.origin,
        lastmod(site)
    )
}
