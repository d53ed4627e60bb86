//! Sitemaps: the trafilatura suite's documents with its expected counts, and a walk through
//! indexes, gzip and the depth cap against a loopback server.
#![allow(clippy::unwrap_used, reason = "tests")]

mod fetch_support;

use crawler::robots::RobotsTxt;
use crawler::sitemap::{SitemapError, SitemapFormat, SitemapLimits, decompress, parse, walk};
use fetch_support::{fetcher_for, fixture_bytes, url};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn locs(links: &[crawler::sitemap::SitemapLink]) -> Vec<&str> {
    links.iter().map(|l| l.loc.as_str()).collect()
}

#[test]
fn the_sitemaps_org_urlset_lists_84_pages() {
    let sitemap = parse(
        &url("http://www.sitemaps.org/sitemap.xml"),
        &fixture_bytes("sitemaps/sitemap.xml"),
    )
    .unwrap();
    assert_eq!(sitemap.format, SitemapFormat::Xml);
    assert_eq!(sitemap.urls.len(), 84);
    assert!(sitemap.sitemaps.is_empty());
    assert!(!sitemap.incomplete);
    assert_eq!(sitemap.urls[0].loc.as_str(), "https://www.sitemaps.org/");
    assert_eq!(sitemap.urls[0].lastmod.as_deref(), Some("2016-11-21"));
    // No hreflang alternates in this one.
    assert!(sitemap.urls.iter().all(|u| u.alternates.is_empty()));
}

#[test]
fn an_index_lists_its_sitemaps_including_a_cdata_location() {
    let sitemap = parse(
        &url("http://www.example.com/sitemap.xml"),
        &fixture_bytes("sitemaps/sitemap2.xml"),
    )
    .unwrap();
    assert_eq!(sitemap.format, SitemapFormat::Index);
    assert_eq!(
        locs(&sitemap.sitemaps),
        [
            "http://www.example.com/sitemap1.xml.gz",
            "http://www.example.com/sitemap2.xml.gz",
        ]
    );
    assert!(sitemap.urls.is_empty());
}

#[test]
fn hreflang_alternates_are_kept_and_pick_a_language() {
    let sitemap = parse(
        &url("https://test.org/sitemap.xml"),
        &fixture_bytes("sitemaps/sitemap-hreflang.xml"),
    )
    .unwrap();
    assert_eq!(
        locs(&sitemap.urls),
        [
            "http://www.example.com/english/page.html",
            "http://www.example.com/deutsch/page.html",
            "http://www.example.com/schweiz-deutsch/page.html",
        ]
    );
    assert!(sitemap.urls.iter().all(|u| u.alternates.len() == 3));
    // trafilatura, target language "de": the nested sitemap becomes its German alternate.
    assert_eq!(sitemap.sitemaps.len(), 1);
    assert_eq!(
        sitemap.sitemaps[0].for_language("de").as_str(),
        "http://www.example.com/sitemap-de.xml.gz"
    );
    let german: std::collections::BTreeSet<&str> = sitemap
        .urls
        .iter()
        .map(|u| u.for_language("de").as_str())
        .collect();
    assert_eq!(
        german.into_iter().collect::<Vec<_>>(),
        ["http://www.example.com/deutsch/page.html"]
    );
    assert_eq!(
        sitemap.urls[0].for_language("fr").as_str(),
        "http://www.example.com/english/page.html"
    );
}

#[test]
fn a_gzip_sitemap_decompresses_to_the_same_84_pages() {
    let here = url("https://www.sitemaps.org/sitemap.xml.gz");
    let (body, cut) =
        decompress(&here, &fixture_bytes("sitemaps/sitemap.xml.gz"), 1 << 20).unwrap();
    assert!(!cut);
    let sitemap = parse(&here, &body).unwrap();
    assert_eq!(sitemap.urls.len(), 84);
    let plain = parse(&here, &fixture_bytes("sitemaps/sitemap.xml")).unwrap();
    assert_eq!(sitemap.urls, plain.urls);
}

#[test]
fn a_gzip_sitemap_cut_at_the_cap_keeps_what_fits() {
    let here = url("https://www.sitemaps.org/sitemap.xml.gz");
    let (body, cut) = decompress(&here, &fixture_bytes("sitemaps/sitemap.xml.gz"), 2_000).unwrap();
    assert!(cut);
    assert_eq!(body.len(), 2_000);
    let sitemap = parse(&here, &body).unwrap();
    assert!(sitemap.incomplete);
    assert!((1..84).contains(&sitemap.urls.len()));
}

#[test]
fn text_sitemaps_list_one_url_per_line() {
    let sitemap = parse(
        &url("https://test.org/sitemap.txt"),
        b"Tralala\nhttps://test.org/1\nhttps://test.org/2",
    )
    .unwrap();
    assert_eq!(sitemap.format, SitemapFormat::Text);
    assert_eq!(
        locs(&sitemap.urls),
        ["https://test.org/1", "https://test.org/2"]
    );
    assert_eq!(sitemap.skipped, 1);
}

#[test]
fn implausible_documents_are_not_sitemaps() {
    let here = url("http://test.org/sitemap.xml");
    for body in [
        &b"ABC"[..],
        b"<!DOCTYPE html><html><body/></html>",
        b"<html>\n</html>",
        b"",
    ] {
        assert!(
            matches!(parse(&here, body), Err(SitemapError::NotASitemap { .. })),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(matches!(
        decompress(&here, b"\x1f\x8bABC", 1 << 20),
        Err(SitemapError::Gzip { .. })
    ));
}

#[test]
fn robots_txt_sitemap_lines_are_found() {
    assert!(RobotsTxt::parse(b"# test").sitemaps().is_empty());
    assert!(
        RobotsTxt::parse("# test".repeat(10_000).as_bytes())
            .sitemaps()
            .is_empty()
    );
    assert_eq!(
        RobotsTxt::parse(b"sitemap: https://example.org/sitemap.xml").sitemaps(),
        ["https://example.org/sitemap.xml"]
    );
}

fn index(entries: &[&str]) -> String {
    let entries: String = entries
        .iter()
        .map(|loc| format!("<sitemap><loc>{loc}</loc></sitemap>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>"#
    )
}

async fn serve_xml(server: &MockServer, at: &str, body: String) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/xml"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_walk_follows_indexes_and_gzip_on_the_site_only_and_stops_at_depth_two() {
    let server = MockServer::start().await;
    let site = "http://acme-dental.com";
    serve_xml(
        &server,
        "/sitemap_index.xml",
        index(&[
            &format!("{site}/a.xml.gz"),
            &format!("{site}/b.xml"),
            "http://cdn.elsewhere.net/x.xml",
        ]),
    )
    .await;
    Mock::given(path("/a.xml.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture_bytes("sitemaps/sitemap.xml.gz"),
            "application/x-gzip",
        ))
        .mount(&server)
        .await;
    serve_xml(&server, "/b.xml", index(&[&format!("{site}/c.xml")])).await;
    serve_xml(&server, "/c.xml", index(&[&format!("{site}/d.xml")])).await;
    Mock::given(path("/d.xml"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let fetcher = fetcher_for(&server, &["acme-dental.com", "cdn.elsewhere.net"]);
    let walked = walk(
        &fetcher,
        &[url(&format!("{site}/sitemap_index.xml"))],
        |u: &Url| u.host_str() == Some("acme-dental.com"),
        SitemapLimits::default(),
    )
    .await;

    let documents: Vec<&str> = walked.documents.iter().map(Url::path).collect();
    assert_eq!(
        documents,
        ["/sitemap_index.xml", "/a.xml.gz", "/b.xml", "/c.xml"]
    );
    assert_eq!(walked.urls.len(), 84);
    assert!(walked.failures.is_empty());
    assert!(walked.incomplete, "the depth cap was reached");
}

#[tokio::test]
async fn a_walk_records_failures_and_respects_the_url_cap() {
    let server = MockServer::start().await;
    serve_xml(
        &server,
        "/sitemap.xml",
        index(&[
            "http://acme-dental.com/pages.xml",
            "http://acme-dental.com/html.xml",
        ]),
    )
    .await;
    let pages: String = (0..50)
        .map(|i| format!("<url><loc>http://acme-dental.com/p{i}</loc></url>"))
        .collect();
    serve_xml(&server, "/pages.xml", format!("<urlset>{pages}</urlset>")).await;
    Mock::given(path("/html.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html></html>", "text/html"))
        .mount(&server)
        .await;

    let fetcher = fetcher_for(&server, &["acme-dental.com"]);
    let limits = SitemapLimits {
        max_urls: 30,
        ..SitemapLimits::default()
    };
    let walked = walk(
        &fetcher,
        &[url("http://acme-dental.com/sitemap.xml")],
        |_: &Url| true,
        limits,
    )
    .await;
    assert_eq!(walked.urls.len(), 30);
    assert!(walked.incomplete);
    // The HTML "sitemap" was never read: the URL cap stopped the walk first.
    assert_eq!(walked.documents.len(), 2);

    let walked = walk(
        &fetcher,
        &[url("http://acme-dental.com/sitemap.xml")],
        |_: &Url| true,
        SitemapLimits::default(),
    )
    .await;
    assert_eq!(walked.urls.len(), 50);
    assert_eq!(walked.failures.len(), 1);
    let (failed, why) = &walked.failures[0];
    assert_eq!(failed.path(), "/html.xml");
    assert!(why.to_string().contains("text/html"), "{why}");
}
