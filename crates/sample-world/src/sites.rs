//! The businesses' websites, served over plain HTTP and routed by the `Host` header (port,
//! case and `www.` ignored) to the business owning that domain; unknown hosts get 404.

mod pages;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::server::AppState;
use crate::stats::endpoint;
use crate::world::{Business, Robots, SitemapStyle, World};
use pages::{Page, Site};

/// Every business website of the world on one router.
pub fn router(state: AppState) -> Router {
    Router::new().fallback(serve).with_state(state)
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

const HTML: &str = "text/html; charset=utf-8";

async fn serve(
    State(state): State<AppState>,
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
    let Some(owner) = state.world.site_owner(&host) else {
        return respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            format!("No site is served for host '{host}'.\n"),
        );
    };
    let (Some(profile), Some(domain)) = (owner.site, owner.site_domain()) else {
        return respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "No site.\n".to_owned(),
        );
    };
    state.stats.hit(&format!("site:{domain}"));
    if method != Method::GET && method != Method::HEAD {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "Method Not Allowed\n".to_owned(),
        );
    }
    let origin = origin(owner);
    let site = Site {
        owner,
        profile,
        domain: &domain,
        origin,
    };
    let path = uri.path();
    let trimmed = match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    };
    match trimmed {
        "/robots.txt" => robots(&site),
        "/sitemap.xml" => match profile.sitemap {
            SitemapStyle::Plain => xml(urlset(&state.world, &site)),
            SitemapStyle::Index => xml(sitemap_index(&site)),
            SitemapStyle::None => not_found(&site),
        },
        "/page-sitemap.xml" if profile.sitemap == SitemapStyle::Index => {
            xml(urlset(&state.world, &site))
        }
        "/" | "/index.html" | "/index.php" => page(&site, &Page::Home),
        "/about" | "/about-us" => page(&site, &Page::About),
        "/services" => page(&site, &Page::Services),
        "/contact" | "/contact-us" if profile.contact_page => page(&site, &Page::Contact),
        other => match location(&state.world, &domain, other) {
            Some(listing) => page(&site, &Page::Location(listing)),
            None => not_found(&site),
        },
    }
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

fn page(site: &Site<'_>, page: &Page<'_>) -> Response {
    respond(StatusCode::OK, HTML, site.render(page))
}

fn not_found(site: &Site<'_>) -> Response {
    respond(StatusCode::NOT_FOUND, HTML, site.render(&Page::NotFound))
}

fn xml(body: String) -> Response {
    respond(StatusCode::OK, "application/xml; charset=utf-8", body)
}

fn robots(site: &Site<'_>) -> Response {
    let sitemap = match site.profile.sitemap {
        SitemapStyle::None => String::new(),
        _ => format!("\nSitemap: {}/sitemap.xml\n", site.origin),
    };
    let body = match site.profile.robots {
        Robots::Missing => return not_found(site),
        Robots::DisallowAll => "User-agent: *\nDisallow: /\n".to_owned(),
        Robots::Standard => format!(
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n{sitemap}"
        ),
        Robots::CrawlDelay(secs) => {
            format!("User-agent: *\nCrawl-delay: {secs}\nDisallow: /wp-admin/\n{sitemap}")
        }
    };
    respond(StatusCode::OK, "text/plain; charset=utf-8", body)
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
