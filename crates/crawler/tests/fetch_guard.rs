//! The SSRF guard: hosts that resolve to internal addresses, IP literals and redirects into
//! the private network are refused before any connection; with private networks allowed,
//! loopback works.
#![allow(clippy::unwrap_used, reason = "tests")]

mod fetch_support;

use std::net::{IpAddr, SocketAddr};

use crawler::fetch::{BlockReason, FetchConfig, FetchError};
use fetch_support::{addr, config, fetcher, url};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn guarded(resolve: &[(&str, SocketAddr)]) -> FetchConfig {
    FetchConfig {
        allow_private_network: false,
        resolve: resolve.iter().map(|(h, a)| ((*h).to_owned(), *a)).collect(),
        ..FetchConfig::default()
    }
}

async fn page_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<h1>Acme</h1>", "text/html"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_website_resolving_to_an_internal_address_is_refused_without_connecting() {
    let server = page_server().await;
    let port = addr(&server).port();
    let cases = [
        (
            format!("127.0.0.1:{port}"),
            BlockReason::Loopback(ip("127.0.0.1")),
        ),
        (
            "10.0.0.5:80".to_owned(),
            BlockReason::Private(ip("10.0.0.5")),
        ),
        (
            "192.168.1.20:80".to_owned(),
            BlockReason::Private(ip("192.168.1.20")),
        ),
        (
            "169.254.169.254:80".to_owned(),
            BlockReason::CloudMetadata(ip("169.254.169.254")),
        ),
        (
            "100.64.3.4:80".to_owned(),
            BlockReason::SharedAddressSpace(ip("100.64.3.4")),
        ),
        (format!("[::1]:{port}"), BlockReason::Loopback(ip("::1"))),
        (
            "[fd00:ec2::254]:80".to_owned(),
            BlockReason::CloudMetadata(ip("fd00:ec2::254")),
        ),
    ];
    for (target, reason) in cases {
        let fetcher = fetcher(guarded(&[("acme-dental.com", target.parse().unwrap())]));
        let page = url("http://acme-dental.com/");
        let err = fetcher.fetch_page(&page).await.unwrap_err();
        assert_eq!(err, FetchError::Blocked { url: page, reason }, "{target}");
        assert!(err.to_string().contains("acme-dental.com"), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn ip_literal_urls_are_refused() {
    let server = page_server().await;
    let fetcher = fetcher(guarded(&[]));
    let port = addr(&server).port();
    let cases = [
        (
            format!("http://127.0.0.1:{port}/"),
            BlockReason::Loopback(ip("127.0.0.1")),
        ),
        // 2130706433 is 127.0.0.1 written as one number.
        (
            format!("http://2130706433:{port}/"),
            BlockReason::Loopback(ip("127.0.0.1")),
        ),
        (
            format!("http://[::1]:{port}/"),
            BlockReason::Loopback(ip("::1")),
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/"),
            BlockReason::Loopback(ip("::ffff:127.0.0.1")),
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            BlockReason::CloudMetadata(ip("169.254.169.254")),
        ),
        (
            "http://0.0.0.0/".to_owned(),
            BlockReason::Unspecified(ip("0.0.0.0")),
        ),
        (
            "https://10.1.2.3/".to_owned(),
            BlockReason::Private(ip("10.1.2.3")),
        ),
    ];
    for (target, reason) in cases {
        let target = url(&target);
        assert_eq!(
            fetcher.fetch_page(&target).await,
            Err(FetchError::Blocked {
                url: target.clone(),
                reason
            }),
            "{target}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn metadata_host_names_and_localhost_are_refused_by_name() {
    let fetcher = fetcher(guarded(&[]));
    for (target, host) in [
        (
            "http://metadata.google.internal/computeMetadata/v1/",
            "metadata.google.internal",
        ),
        ("http://localhost:8080/", "localhost"),
        ("http://app.localhost/", "app.localhost"),
    ] {
        assert_eq!(
            fetcher.fetch_page(&url(target)).await,
            Err(FetchError::Blocked {
                url: url(target),
                reason: BlockReason::InternalHost(host.to_owned()),
            })
        );
    }
}

#[tokio::test]
async fn a_trusted_site_redirecting_into_the_private_network_is_refused_at_the_redirect() {
    let server = MockServer::start().await;
    for (from, to) in [
        ("/admin", "http://127.0.0.1/admin"),
        ("/metadata", "http://169.254.169.254/latest/meta-data/"),
        ("/internal", "http://intranet.acme-dental.com/"),
    ] {
        Mock::given(path(from))
            .respond_with(ResponseTemplate::new(302).insert_header("location", to))
            .mount(&server)
            .await;
    }
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<h1>Acme</h1>", "text/html"))
        .mount(&server)
        .await;
    // The test server is on loopback, so it is trusted explicitly (exact address and port);
    // everything else private stays refused.
    let fetcher = fetcher(FetchConfig {
        trusted_addrs: vec![addr(&server)],
        ..guarded(&[
            ("acme-dental.com", addr(&server)),
            ("intranet.acme-dental.com", "10.0.0.5:80".parse().unwrap()),
        ])
    });

    let home = fetcher
        .fetch_page(&url("http://acme-dental.com/"))
        .await
        .unwrap();
    assert_eq!(home.body, "<h1>Acme</h1>");

    let cases = [
        (
            "/admin",
            "http://127.0.0.1/admin",
            BlockReason::Loopback(ip("127.0.0.1")),
        ),
        (
            "/metadata",
            "http://169.254.169.254/latest/meta-data/",
            BlockReason::CloudMetadata(ip("169.254.169.254")),
        ),
        (
            "/internal",
            "http://intranet.acme-dental.com/",
            BlockReason::Private(ip("10.0.0.5")),
        ),
    ];
    for (from, to, reason) in cases {
        let start = url(&format!("http://acme-dental.com{from}"));
        assert_eq!(
            fetcher.fetch_page(&start).await,
            Err(FetchError::Blocked {
                url: url(to),
                reason
            }),
            "{from}"
        );
    }
    // Only the trusted server was ever contacted.
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        ["/robots.txt", "/", "/admin", "/metadata", "/internal"]
    );
}

#[tokio::test]
async fn with_private_networks_allowed_loopback_is_fetched() {
    let server = page_server().await;
    let fetcher = fetcher(config(addr(&server), &["acme-dental.com"]));
    let by_name = fetcher
        .fetch_page(&url("http://acme-dental.com/"))
        .await
        .unwrap();
    assert_eq!(by_name.status, 200);
    assert_eq!(by_name.url.as_str(), "http://acme-dental.com/");
    let literal = url(&format!("http://127.0.0.1:{}/", addr(&server).port()));
    assert_eq!(
        fetcher.fetch_page(&literal).await.unwrap().body,
        "<h1>Acme</h1>"
    );
}

#[tokio::test]
async fn only_http_and_https_are_fetched_even_after_a_redirect() {
    let server = MockServer::start().await;
    Mock::given(path("/ftp"))
        .respond_with(
            ResponseTemplate::new(301).insert_header("location", "ftp://acme-dental.com/file"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher(config(addr(&server), &["acme-dental.com"]));
    for target in [
        "ftp://acme-dental.com/",
        "file:///etc/passwd",
        "gopher://acme-dental.com/",
    ] {
        assert!(
            matches!(
                fetcher.fetch_page(&url(target)).await,
                Err(FetchError::UnsupportedScheme { .. })
            ),
            "{target}"
        );
    }
    assert_eq!(
        fetcher.fetch_page(&url("http://acme-dental.com/ftp")).await,
        Err(FetchError::UnsupportedScheme {
            url: url("ftp://acme-dental.com/file"),
            scheme: "ftp".into()
        })
    );
}
