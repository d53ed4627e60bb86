//! The website of the world's own web agency, BrightPath Digital: what `leadforge agency
//! onboard` crawls. It is served by the sites server next to the businesses' websites (same
//! port, same TLS with a certificate from the world's CA, same `LEADFORGE_RESOLVE` entry), and
//! is the same in every world.
//!
//! The pages carry what an onboarding should find: services as headings, the industries and
//! the cities the agency serves, concrete results on the case studies ("We rebuilt 40+ dentist
//! websites"), a contact page with an e-mail address and two office addresses, a robots.txt
//! and a sitemap that also lists a blog post and a privacy policy, which an onboarding has no
//! reason to read.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::stats::{RequestStats, endpoint};
use crate::world::bare_host;

/// The agency's registrable domain.
pub const DOMAIN: &str = "brightpath-digital.com";

/// The agency's website, as its owner would type it.
pub const URL: &str = "https://brightpath-digital.com";

/// The agency's name.
pub const NAME: &str = "BrightPath Digital";

/// The agency's contact e-mail address.
pub const EMAIL: &str = "hello@brightpath-digital.com";

/// Every host the site answers on (the bare domain; `www.` redirects to it).
pub const HOSTS: [&str; 2] = [DOMAIN, "www.brightpath-digital.com"];

/// The host a `Host` header (or SNI name) names, without port, case or trailing dot.
pub(crate) fn host_name(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_owned(),
        _ => host,
    };
    name.trim_end_matches('.').to_owned()
}

/// Whether `host` (a `Host` header or an SNI name) is the agency's site.
pub(crate) fn serves(host: &str) -> bool {
    bare_host(&host_name(host)) == DOMAIN
}

/// `sites` (the businesses' websites) with the agency's site in front of it: requests for the
/// agency's hosts are answered here, every other request goes on to `sites`.
pub(crate) fn in_front_of(sites: Router, secure: bool, stats: RequestStats) -> Router {
    sites.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let stats = stats.clone();
            async move {
                let host = request
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
                    .or_else(|| request.uri().authority().map(ToString::to_string))
                    .unwrap_or_default();
                if !serves(&host) {
                    return next.run(request).await;
                }
                stats.hit(endpoint::SITES);
                stats.hit(&format!("site:{DOMAIN}"));
                if request.method() != axum::http::Method::GET
                    && request.method() != axum::http::Method::HEAD
                {
                    return respond(StatusCode::METHOD_NOT_ALLOWED, TEXT, "Method Not Allowed\n");
                }
                let name = host_name(&host);
                let path = request.uri().path();
                if !secure || name != DOMAIN {
                    // One hop to the canonical origin, the port kept (tests reach the site on
                    // the sites server's port).
                    let port = host
                        .rsplit_once(':')
                        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
                        .map_or(String::new(), |(_, p)| format!(":{p}"));
                    let query = request
                        .uri()
                        .query()
                        .map_or(String::new(), |q| format!("?{q}"));
                    return redirect(&format!("https://{DOMAIN}{port}{path}{query}"));
                }
                answer(path)
            }
        },
    ))
}

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.into(),
    )
        .into_response()
}

fn redirect(location: &str) -> Response {
    let mut response = respond(StatusCode::MOVED_PERMANENTLY, TEXT, "Moved Permanently\n");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The pages, by path: title and main content.
const PAGES: &[(&str, &str, &str)] = &[
    (
        "/",
        "BrightPath Digital | Websites &amp; Local SEO for Local Businesses",
        HOME,
    ),
    ("/services", "Services | BrightPath Digital", SERVICES),
    (
        "/who-we-serve",
        "Who we serve | BrightPath Digital",
        WHO_WE_SERVE,
    ),
    (
        "/case-studies",
        "Case studies &amp; results | BrightPath Digital",
        CASE_STUDIES,
    ),
    ("/about", "About us | BrightPath Digital", ABOUT),
    ("/contact", "Contact | BrightPath Digital", CONTACT),
    ("/blog", "Blog | BrightPath Digital", BLOG),
    (
        "/blog/why-reviews-matter",
        "Why reviews matter more than ever | BrightPath Digital",
        BLOG_POST,
    ),
    (
        "/privacy-policy",
        "Privacy policy | BrightPath Digital",
        PRIVACY,
    ),
];

/// The site's answer to a GET of `path` on its canonical origin.
fn answer(path: &str) -> Response {
    let path = match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    };
    match path {
        "/robots.txt" => respond(
            StatusCode::OK,
            TEXT,
            format!("User-agent: *\nDisallow: /wp-admin/\n\nSitemap: {URL}/sitemap.xml\n"),
        ),
        "/sitemap.xml" => respond(StatusCode::OK, "application/xml; charset=utf-8", sitemap()),
        "/index.html" => respond(StatusCode::OK, HTML, document("/", PAGES[0].1, HOME)),
        _ => match PAGES.iter().find(|(p, _, _)| *p == path) {
            Some((p, title, main)) => respond(StatusCode::OK, HTML, document(p, title, main)),
            None => respond(
                StatusCode::NOT_FOUND,
                HTML,
                document(path, "Page not found | BrightPath Digital", NOT_FOUND),
            ),
        },
    }
}

fn sitemap() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, _, _) in PAGES {
        let loc = if *path == "/" {
            format!("{URL}/")
        } else {
            format!("{URL}{path}")
        };
        xml.push_str(&format!(
            "  <url>\n    <loc>{loc}</loc>\n    <lastmod>2025-02-03</lastmod>\n  </url>\n"
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// A whole page: head, header with the navigation, `main`, footer.
fn document(path: &str, title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n\
         <meta name=\"description\" content=\"BrightPath Digital builds websites and runs local SEO, Google Business Profiles and reviews for local businesses.\">\n\
         <link rel=\"canonical\" href=\"{URL}{path}\">\n\
         <script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"ProfessionalService\",\"name\":\"{NAME}\",\"url\":\"{URL}\",\"email\":\"{EMAIL}\",\"telephone\":\"+1-512-555-0148\"}}</script>\n\
         </head>\n<body>\n\
         <header class=\"site-header\">\n<a class=\"logo\" href=\"/\">{NAME}</a>\n\
         <nav><ul>\n<li><a href=\"/services\">Services</a></li>\n<li><a href=\"/who-we-serve\">Who we serve</a></li>\n\
         <li><a href=\"/case-studies\">Case studies</a></li>\n<li><a href=\"/about\">About</a></li>\n\
         <li><a href=\"/blog\">Blog</a></li>\n<li><a href=\"/contact\">Contact</a></li>\n</ul></nav>\n\
         <a class=\"button\" href=\"tel:+15125550148\">(512) 555-0148</a>\n</header>\n\
         <main>\n{main}</main>\n\
         <footer class=\"site-footer\">\n<p>{NAME} &middot; <a href=\"mailto:{EMAIL}\">{EMAIL}</a> &middot; <a href=\"/privacy-policy\">Privacy policy</a></p>\n\
         <p>&copy; 2025 {NAME} LLC</p>\n</footer>\n</body>\n</html>\n"
    )
}

const HOME: &str = "<section class=\"hero\">\n\
<h1>Websites and local marketing that make the phone ring</h1>\n\
<p>BrightPath Digital is a web design and local marketing agency for dentists, plumbers and roofers. Serving local businesses in Austin, Round Rock and Manchester since 2014.</p>\n\
<p><a class=\"button\" href=\"/contact\">Book a free website review</a></p>\n\
</section>\n\
<section>\n<h2>What we do</h2>\n<ul>\n\
<li><a href=\"/services#web-design\">Web design</a></li>\n\
<li><a href=\"/services#local-seo\">Local SEO</a></li>\n\
<li><a href=\"/services#google-business-profile\">Google Business Profile management</a></li>\n\
<li><a href=\"/services#reviews\">Reviews management</a></li>\n\
</ul>\n</section>\n\
<section>\n<h2>Results our clients see</h2>\n\
<p>Clients see an average 32% more calls in 90 days. <a href=\"/case-studies\">Read the case studies</a>.</p>\n\
</section>\n";

const SERVICES: &str = "<h1>Our services</h1>\n\
<section id=\"web-design\">\n<h2>Web design</h2>\n\
<p>Fast, mobile-friendly websites built to turn visitors into calls and bookings. Every site ships with click-to-call buttons, a contact form and online booking where your business needs it.</p>\n\
</section>\n\
<section id=\"local-seo\">\n<h2>Local SEO</h2>\n\
<p>Rank in the map pack and in local search for the services you sell, with clean page titles, meta descriptions and LocalBusiness schema on every page.</p>\n\
</section>\n\
<section id=\"google-business-profile\">\n<h2>Google Business Profile management</h2>\n\
<p>We set up, verify and keep your Google Business Profile up to date with photos, posts and accurate opening hours.</p>\n\
</section>\n\
<section id=\"reviews\">\n<h2>Reviews management</h2>\n\
<p>Automatic review requests after every job and a reply to every review, so your Google rating climbs and stays up.</p>\n\
</section>\n\
<section id=\"care\">\n<h2>Website care &amp; speed</h2>\n\
<p>Hosting, SSL certificates, updates and speed tuning, so your site stays secure and loads fast.</p>\n\
</section>\n\
<section>\n<h2>Why BrightPath?</h2>\n\
<p>One team for your website and your local search, one monthly fee, no long contracts.</p>\n\
</section>\n";

const WHO_WE_SERVE: &str = "<h1>Industries we serve</h1>\n\
<p>We only work with local service businesses, so we know what makes their customers call.</p>\n\
<section>\n<h2>Dentists</h2>\n\
<p>Websites that fill the appointment book: treatments explained, online booking and the reviews new patients look for.</p>\n\
</section>\n\
<section>\n<h2>Plumbers</h2>\n\
<p>Emergency call buttons on every page and service-area pages that rank when a pipe bursts.</p>\n\
</section>\n\
<section>\n<h2>Roofing contractors</h2>\n\
<p>Storm-season landing pages, quote forms and before-and-after galleries.</p>\n\
</section>\n\
<section>\n<h2>Where we work</h2>\n<ul>\n\
<li>Austin, TX</li>\n<li>Round Rock, TX</li>\n<li>Manchester, UK</li>\n\
</ul>\n</section>\n";

const CASE_STUDIES: &str = "<h1>Case studies &amp; results</h1>\n\
<section>\n<h2>Dental practices</h2>\n\
<p>We rebuilt 40+ dentist websites since 2019. Clients see an average 32% more calls in 90 days after launch.</p>\n\
</section>\n\
<section>\n<h2>Smile Studio Austin</h2>\n\
<p>Smile Studio Austin went from 3.8 to 4.7 stars on Google in six months with our reviews programme.</p>\n\
</section>\n\
<section>\n<h2>Northside Plumbing</h2>\n\
<p>The new Northside Plumbing site loads in 1.2 seconds on a phone and booked 120 jobs online in its first quarter.</p>\n\
</section>\n\
<section>\n<h2>Our promise</h2>\n\
<p>If your new website is not live within 30 days, your first month of care is free. We guarantee a reply to every enquiry within one business day.</p>\n\
</section>\n";

const ABOUT: &str = "<h1>About BrightPath Digital</h1>\n\
<p>BrightPath Digital started in Austin in 2014 and opened its Manchester studio in 2021.</p>\n\
<p>We have helped 150+ local businesses get found online and win more work.</p>\n\
<p>Our designers, developers and local SEO specialists work as one small team, and you always talk to the people doing the work.</p>\n";

const CONTACT: &str = "<h1>Contact us</h1>\n\
<p>Tell us about your business and we will send you a free website review.</p>\n\
<p>E-mail: <a href=\"mailto:hello@brightpath-digital.com\">hello@brightpath-digital.com</a></p>\n\
<p>Phone: <a href=\"tel:+15125550148\">(512) 555-0148</a></p>\n\
<h2>Our studios</h2>\n\
<p class=\"address\">Austin studio: 1100 Congress Ave, Suite 300, Austin, TX 78701</p>\n\
<p class=\"address\">Manchester studio: 2 Piccadilly Place, Manchester M1 3BG, UK</p>\n\
<form class=\"contact-form\" method=\"post\" action=\"/contact\">\n\
<label>Name <input type=\"text\" name=\"name\" required></label>\n\
<label>Email <input type=\"email\" name=\"email\" required></label>\n\
<label>Website <input type=\"url\" name=\"website\"></label>\n\
<label>Message <textarea name=\"message\"></textarea></label>\n\
<button type=\"submit\">Request my free review</button>\n</form>\n";

const BLOG: &str = "<h1>Blog</h1>\n<ul>\n\
<li><a href=\"/blog/why-reviews-matter\">Why reviews matter more than ever</a></li>\n</ul>\n";

const BLOG_POST: &str = "<article>\n<h1>Why reviews matter more than ever</h1>\n\
<p>Nearly every customer reads reviews before calling a local business, and most trust them as much as a friend's advice.</p>\n\
<p>We cut the time it takes our clients to reach 100 Google reviews by 75% in 2024.</p>\n</article>\n";

const PRIVACY: &str = "<h1>Privacy policy</h1>\n\
<p>We keep the details you send us only to answer you and never sell them.</p>\n";

const NOT_FOUND: &str = "<h1>Page not found</h1>\n<p>Try the <a href=\"/\">home page</a>.</p>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agency_answers_on_its_hosts_only() {
        assert!(serves("brightpath-digital.com"));
        assert!(serves("WWW.BrightPath-Digital.com:8443"));
        assert!(serves("brightpath-digital.com."));
        assert!(!serves("bright-smile-dental-austin.com"));
        assert!(!serves("evil-brightpath-digital.com"));
    }

    #[test]
    fn every_page_of_the_sitemap_is_served() {
        let xml = sitemap();
        for (path, _, _) in PAGES {
            assert!(xml.contains(&format!("{URL}{path}")), "{path}");
            assert_eq!(answer(path).status(), StatusCode::OK, "{path}");
        }
        assert_eq!(answer("/nope").status(), StatusCode::NOT_FOUND);
    }
}
