//! Fetch limits: redirects (followed, looping, too many), body size, time, content type,
//! error statuses and charsets.
#![allow(clippy::unwrap_used, reason = "tests")]

mod fetch_support;

use std::io::Write as _;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use crawler::fetch::{FetchConfig, FetchError};
use fetch_support::{addr, config, fetcher, fetcher_for, serve, url};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOST: &str = "acme-dental.com";

async fn redirect(server: &MockServer, from: &str, to: &str, status: u16) {
    Mock::given(path(from))
        .respond_with(ResponseTemplate::new(status).insert_header("location", to))
        .mount(server)
        .await;
}

async fn html(server: &MockServer, at: &str, body: &str) {
    Mock::given(path(at))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/html; charset=utf-8"),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn redirects_are_followed_and_reported() {
    let server = MockServer::start().await;
    redirect(&server, "/old", "/older", 301).await;
    redirect(
        &server,
        "/older",
        "http://www.acme-dental.com/new#section",
        308,
    )
    .await;
    html(&server, "/new", "<p>new</p>").await;
    let fetcher = fetcher_for(&server, &[HOST, "www.acme-dental.com"]);
    let page = fetcher
        .fetch_page(&url("http://acme-dental.com/old"))
        .await
        .unwrap();
    assert_eq!(page.url.as_str(), "http://www.acme-dental.com/new");
    assert_eq!(page.body, "<p>new</p>");
    let redirects: Vec<&str> = page.redirects.iter().map(|u| u.as_str()).collect();
    assert_eq!(
        redirects,
        ["http://acme-dental.com/old", "http://acme-dental.com/older"]
    );
}

#[tokio::test]
async fn a_redirect_loop_is_detected() {
    let server = MockServer::start().await;
    redirect(&server, "/a", "/b", 302).await;
    redirect(&server, "/b", "http://acme-dental.com/a", 302).await;
    let fetcher = fetcher_for(&server, &[HOST]);
    assert_eq!(
        fetcher.fetch_page(&url("http://acme-dental.com/a")).await,
        Err(FetchError::RedirectLoop {
            url: url("http://acme-dental.com/a")
        })
    );
}

#[tokio::test]
async fn more_redirects_than_allowed_fail_and_exactly_the_limit_succeeds() {
    let server = MockServer::start().await;
    for i in 0..9 {
        redirect(&server, &format!("/r{i}"), &format!("/r{}", i + 1), 302).await;
    }
    html(&server, "/r9", "end").await;
    let fetcher = fetcher(FetchConfig {
        max_redirects: 5,
        ..config(addr(&server), &[HOST])
    });
    assert_eq!(
        fetcher.fetch_page(&url("http://acme-dental.com/r0")).await,
        Err(FetchError::TooManyRedirects {
            url: url("http://acme-dental.com/r0"),
            limit: 5
        })
    );
    let page = fetcher
        .fetch_page(&url("http://acme-dental.com/r4"))
        .await
        .unwrap();
    assert_eq!(page.redirects.len(), 5);
    assert_eq!(page.body, "end");
}

#[tokio::test]
async fn a_redirect_without_a_usable_location_is_an_error() {
    let server = MockServer::start().await;
    redirect(&server, "/bad", "http://[::1", 302).await;
    Mock::given(path("/none"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&server)
        .await;
    let fetcher = fetcher_for(&server, &[HOST]);
    assert!(matches!(
        fetcher.fetch_page(&url("http://acme-dental.com/bad")).await,
        Err(FetchError::InvalidRedirect { .. })
    ));
    assert_eq!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/none"))
            .await,
        Err(FetchError::Http {
            url: url("http://acme-dental.com/none"),
            status: 302
        })
    );
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let server = MockServer::start().await;
    html(&server, "/big", &"x".repeat(5_000)).await;
    html(&server, "/small", &"x".repeat(1_000)).await;
    let fetcher = fetcher(FetchConfig {
        max_body_bytes: 1_000,
        ..config(addr(&server), &[HOST])
    });
    assert_eq!(
        fetcher.fetch_page(&url("http://acme-dental.com/big")).await,
        Err(FetchError::BodyTooLarge {
            url: url("http://acme-dental.com/big"),
            limit: 1_000
        })
    );
    assert_eq!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/small"))
            .await
            .unwrap()
            .bytes,
        1_000
    );
}

#[tokio::test]
async fn a_streamed_body_without_length_is_cut_off_at_the_cap() {
    // Chunked, no Content-Length: the cap has to be enforced while reading.
    let app = Router::new().route(
        "/stream",
        get(|| async {
            let chunks = (0..100).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1_000]));
            (
                [("content-type", "text/html")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
        }),
    );
    let addr = serve(app).await;
    let fetcher = fetcher(FetchConfig {
        max_body_bytes: 10_000,
        ..config(addr, &[HOST])
    });
    assert_eq!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/stream"))
            .await,
        Err(FetchError::BodyTooLarge {
            url: url("http://acme-dental.com/stream"),
            limit: 10_000
        })
    );
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let fetcher = fetcher(FetchConfig {
        timeout: Duration::from_millis(300),
        ..config(addr(&server), &[HOST])
    });
    assert_eq!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/slow"))
            .await,
        Err(FetchError::Timeout {
            url: url("http://acme-dental.com/slow"),
            after: Duration::from_millis(300)
        })
    );
}

#[tokio::test]
async fn non_page_content_types_are_refused() {
    let server = MockServer::start().await;
    for (at, content_type) in [
        ("/logo", "image/png"),
        ("/api", "application/json"),
        ("/doc", "application/pdf"),
    ] {
        Mock::given(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_raw(vec![0u8; 10], content_type))
            .mount(&server)
            .await;
    }
    let fetcher = fetcher_for(&server, &[HOST]);
    for (at, content_type) in [
        ("/logo", "image/png"),
        ("/api", "application/json"),
        ("/doc", "application/pdf"),
    ] {
        let target = url(&format!("http://acme-dental.com{at}"));
        let err = fetcher.fetch_page(&target).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::UnsupportedContentType { url, content_type: ct, .. } if *url == target && ct == content_type),
            "{err:?}"
        );
        assert!(err.to_string().contains(content_type), "{err}");
    }
}

#[tokio::test]
async fn error_statuses_are_surfaced_as_http_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(path("/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let fetcher = fetcher_for(&server, &[HOST]);
    for (at, status) in [("/gone", 404), ("/broken", 500)] {
        let err = fetcher
            .fetch_page(&url(&format!("http://acme-dental.com{at}")))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(err.to_string().contains(&status.to_string()), "{err}");
    }
}

#[tokio::test]
async fn latin1_pages_are_decoded_by_their_charset() {
    let server = MockServer::start().await;
    let latin1 = b"<html><body>Caf\xe9 M\xfcller \xa9 2024</body></html>".to_vec();
    Mock::given(path("/header"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(latin1.clone(), "text/html; charset=ISO-8859-1"),
        )
        .mount(&server)
        .await;
    let mut meta = b"<html><head><meta charset=\"iso-8859-1\"></head>".to_vec();
    meta.extend_from_slice(&latin1);
    Mock::given(path("/meta"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(meta, "text/html"))
        .mount(&server)
        .await;
    let fetcher = fetcher_for(&server, &[HOST]);
    for at in ["/header", "/meta"] {
        let page = fetcher
            .fetch_page(&url(&format!("http://acme-dental.com{at}")))
            .await
            .unwrap();
        assert!(
            page.body.contains("Café Müller © 2024"),
            "{at}: {}",
            page.body
        );
        assert_eq!(page.charset, "windows-1252");
    }
}

#[tokio::test]
async fn gzip_content_encoding_is_decoded_before_the_cap_applies() {
    let server = MockServer::start().await;
    let html = format!("<html><body>{}</body></html>", "Acme Dental ".repeat(500));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(html.as_bytes()).unwrap();
    let gz = encoder.finish().unwrap();
    Mock::given(path("/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(gz, "text/html")
                .insert_header("content-encoding", "gzip"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher_for(&server, &[HOST]);
    let page = fetcher
        .fetch_page(&url("http://acme-dental.com/"))
        .await
        .unwrap();
    assert_eq!(page.body, html);
    assert_eq!(page.bytes, html.len());
    let capped = fetcher_for(&server, &[HOST]);
    let capped = crawler::fetch::Fetcher::new(FetchConfig {
        max_body_bytes: 1_000,
        ..capped.config().clone()
    })
    .unwrap();
    assert!(matches!(
        capped.fetch_page(&url("http://acme-dental.com/")).await,
        Err(FetchError::BodyTooLarge { .. })
    ));
}
