//! `map_urls` on a small dental practice's site served from loopback: homepage redirect to
//! `www.`, robots.txt with a sitemap index, a gzip sitemap, homepage links; and page selection
//! on the result.
#![allow(clippy::unwrap_used, reason = "tests")]

mod fetch_support;

use std::io::Write as _;

use crawler::fetch::{FetchConfig, FetchError};
use crawler::map::{MapConfig, MapError, map_urls};
use crawler::robots::RobotsStatus;
use crawler::select::{PageKind, select_pages};
use fetch_support::{addr, config, fetcher, url};
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// cdn.example.net resolves to the test server too, so a bug could not reach the internet.
const HOSTS: &[&str] = &[
    "acme-dental.com",
    "www.acme-dental.com",
    "shop.acme-dental.com",
    "cdn.example.net",
];

const HOME: &str = r##"<!doctype html><html><head><title>Acme Dental</title></head><body>
<header><a href="/"><img src="/logo.png" alt="Acme Dental"></a>
<nav>
  <a href="/">Home</a>
  <a href="/about-us/">About Us</a>
  <a href="/services">Our Services</a>
  <a href="/contact?utm_source=nav&utm_medium=menu">Contact</a>
  <a href="/team#dentists">Meet the Team</a>
  <a href="http://acme-dental.com/services/">Services</a>
  <a href="/private/area">Staff login</a>
</nav></header>
<main>
  <a href="/brochure.pdf">Brochure (PDF)</a>
  <a href="https://facebook.com/acmedental">Facebook</a>
  <a href="mailto:hello@acme-dental.com">hello@acme-dental.com</a>
  <a href="tel:+15125550123">Call</a>
  <a href="/blog/2023/05/whitening-myths">Whitening myths</a>
  <a href="http://shop.acme-dental.com/">Shop</a>
  <a href="#top">Top</a>
</main></body></html>"##;

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

fn urlset(paths: &[&str]) -> String {
    let entries: String = paths
        .iter()
        .map(|p| format!("<url><loc>http://www.acme-dental.com{p}</loc></url>"))
        .collect();
    format!(
        r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>"#
    )
}

async fn acme_site() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .and(header("host", "acme-dental.com"))
        .respond_with(
            ResponseTemplate::new(301).insert_header("location", "http://www.acme-dental.com/"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/"))
        .and(header("host", "www.acme-dental.com"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(HOME, "text/html; charset=utf-8"))
        .mount(&server)
        .await;
    Mock::given(path("/robots.txt"))
        .and(header("host", "www.acme-dental.com"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "User-agent: *\nDisallow: /private\n\nSitemap: http://www.acme-dental.com/sitemap_index.xml\n",
            "text/plain",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/sitemap_index.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<sitemapindex><sitemap><loc>http://www.acme-dental.com/page-sitemap.xml.gz</loc></sitemap>
               <sitemap><loc>http://cdn.example.net/sitemap.xml</loc></sitemap></sitemapindex>"#,
            "application/xml",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/page-sitemap.xml.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            gzip(&urlset(&[
                "/",
                "/about-us",
                "/services/implants",
                "/pricing",
                "/book-online",
                "/blog/2023/05/whitening-myths",
                "/wp-content/uploads/smile.jpg",
                "/private/records",
            ])),
            "application/x-gzip",
        ))
        .mount(&server)
        .await;
    server
}

fn paths(urls: &[url::Url]) -> Vec<String> {
    urls.iter()
        .map(|u| {
            format!(
                "{}{}",
                u.host_str().unwrap(),
                &u[url::Position::BeforePath..]
            )
        })
        .collect()
}

#[tokio::test]
async fn a_site_is_mapped_from_robots_sitemaps_and_homepage_links() {
    let server = acme_site().await;
    let fetcher = fetcher(config(addr(&server), HOSTS));
    let map = map_urls(&fetcher, "acme-dental.com", &MapConfig::default())
        .await
        .unwrap();

    assert_eq!(map.start.as_str(), "http://www.acme-dental.com/");
    assert_eq!(map.domain.as_str(), "acme-dental.com");
    assert_eq!(
        paths(&map.urls),
        [
            "www.acme-dental.com/",
            "www.acme-dental.com/about-us/",
            "www.acme-dental.com/services",
            "www.acme-dental.com/contact",
            "www.acme-dental.com/team",
            "www.acme-dental.com/blog/2023/05/whitening-myths",
            "shop.acme-dental.com/",
            // Sitemap pages, shallow first.
            "www.acme-dental.com/pricing",
            "www.acme-dental.com/book-online",
            "www.acme-dental.com/services/implants",
        ]
    );
    assert_eq!(
        map.link_text[&url("http://www.acme-dental.com/about-us/")],
        "About Us"
    );
    // The logo link comes first; its image's alt text is its text.
    assert_eq!(
        map.link_text[&url("http://www.acme-dental.com/")],
        "Acme Dental"
    );
    assert_eq!(
        map.link_text[&url("http://www.acme-dental.com/team")],
        "Meet the Team"
    );

    let sources = &map.sources;
    assert_eq!(sources.robots_sitemaps, 1);
    assert_eq!(sources.sitemap_documents, 2);
    assert_eq!(sources.homepage, 6);
    assert_eq!(sources.sitemap, 3);
    // facebook.com (mailto: and tel: links are not collected at all).
    assert_eq!(sources.off_site, 1);
    // brochure.pdf and the uploaded image.
    assert_eq!(sources.not_pages, 2);
    assert_eq!(sources.disallowed, 2);
    // "/" twice and "/services/" from the homepage; "/", "/about-us" and the blog post from
    // the sitemap.
    assert_eq!(sources.duplicates, 6);
    assert_eq!(sources.over_cap, 0);

    assert_eq!(map.robots.status, RobotsStatus::Found);
    assert_eq!(
        map.robots.url.as_str(),
        "http://www.acme-dental.com/robots.txt"
    );
    assert_eq!(
        paths(&map.sitemaps),
        [
            "www.acme-dental.com/sitemap_index.xml",
            "www.acme-dental.com/page-sitemap.xml.gz"
        ]
    );
    assert!(map.problems.is_empty(), "{:?}", map.problems);
    // The off-site sitemap was never requested.
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.headers["host"] != "cdn.example.net")
    );

    let selected: Vec<(String, PageKind)> = select_pages(&map, 7)
        .into_iter()
        .map(|p| (p.url.path().to_owned(), p.kind))
        .collect();
    assert_eq!(
        selected,
        [
            ("/".to_owned(), PageKind::Home),
            ("/contact".to_owned(), PageKind::Contact),
            ("/services".to_owned(), PageKind::Services),
            ("/about-us/".to_owned(), PageKind::About),
            ("/pricing".to_owned(), PageKind::Pricing),
            ("/book-online".to_owned(), PageKind::Booking),
            ("/team".to_owned(), PageKind::Team),
        ]
    );
}

#[tokio::test]
async fn the_candidate_list_is_capped() {
    let server = acme_site().await;
    let fetcher = fetcher(config(addr(&server), HOSTS));
    let map = map_urls(
        &fetcher,
        "http://acme-dental.com",
        &MapConfig {
            max_urls: 4,
            ..MapConfig::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(map.urls.len(), 4);
    assert_eq!(map.urls[0].as_str(), "http://www.acme-dental.com/");
    assert_eq!(map.sources.over_cap, 6);
}

#[tokio::test]
async fn a_broken_homepage_still_yields_the_sitemap_pages() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(path("/sitemap.xml"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(urlset(&["/", "/contact"]), "text/xml"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher(config(addr(&server), HOSTS));
    let map = map_urls(&fetcher, "www.acme-dental.com", &MapConfig::default())
        .await
        .unwrap();
    assert_eq!(
        paths(&map.urls),
        ["www.acme-dental.com/", "www.acme-dental.com/contact"]
    );
    assert_eq!(map.robots.status, RobotsStatus::Missing);
    assert_eq!(map.problems.len(), 1);
    assert!(map.problems[0].error.contains("500"), "{:?}", map.problems);
}

#[tokio::test]
async fn starts_that_are_not_websites_or_are_internal_are_refused() {
    let server = MockServer::start().await;
    let open = fetcher(config(addr(&server), HOSTS));
    for start in [
        "mailto:hello@acme-dental.com",
        "",
        "http://192.168.1.1/",
        "localhost:3000",
    ] {
        assert!(
            matches!(
                map_urls(&open, start, &MapConfig::default()).await,
                Err(MapError::InvalidStart { .. })
            ),
            "{start:?}"
        );
    }
    let guarded = fetcher(FetchConfig {
        allow_private_network: false,
        ..config(addr(&server), HOSTS)
    });
    let err = map_urls(&guarded, "acme-dental.com", &MapConfig::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MapError::Refused(FetchError::Blocked { .. })),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
