//! `s3://` URLs and settings refused with a reason, and credentials kept out of every text the
//! store produces, checked against a loopback server that answers like S3 (no real S3 here:
//! `crates/store/tests/blobs_s3.rs` runs against a server when CI starts one).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;
use crate::blobs::{BlobStore, ContentRef};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";

fn open_err(url: &str, vars: &[(&str, &str)]) -> String {
    match BlobStore::from_url_with_env(url, vars.iter().copied()) {
        Ok(store) => panic!("{url} opened as {store:?}"),
        Err(e @ BlobError::BadUrl(_)) => e.to_string(),
        Err(other) => panic!("{url}: expected BadUrl, got {other:?}"),
    }
}

/// Keys, session token and region for `endpoint`.
fn env(endpoint: &str) -> Vec<(&str, &str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", TOKEN),
        ("AWS_REGION", "eu-west-2"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
    ]
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret key in {text}");
    assert!(!text.contains(TOKEN), "session token in {text}");
}

#[test]
fn urls_without_a_bucket_are_refused_saying_so() {
    for url in ["s3://", "s3:///x", "s3:///"] {
        let e = open_err(url, &env("https://s3.example.com"));
        assert!(e.contains("names no bucket"), "{url}: {e}");
    }
}

#[test]
fn a_bucket_without_a_region_is_refused_naming_the_variables() {
    let e = open_err(
        "s3://bucket",
        &[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    assert!(
        e.contains("AWS_REGION") && e.contains("AWS_DEFAULT_REGION"),
        "{e}"
    );
    assert_no_secret(&e);

    let store = BlobStore::from_url_with_env("s3://bucket", [("AWS_DEFAULT_REGION", "eu-west-1")])
        .expect("AWS_DEFAULT_REGION is enough");
    assert_eq!(
        store.description(),
        "s3://bucket at https://s3.eu-west-1.amazonaws.com (eu-west-1)"
    );
    let store = BlobStore::from_url_with_env(
        "s3://bucket",
        [
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_REGION", "us-west-2"),
        ],
    )
    .expect("both regions");
    assert!(
        store.description().ends_with("(us-west-2)"),
        "AWS_REGION wins"
    );
}

#[test]
fn bad_buckets_prefixes_and_queries_are_refused() {
    let vars = [("AWS_REGION", "us-east-1")];
    for url in [
        "s3://Bucket_Name/x",
        "s3://ab",
        "s3://-bucket",
        "s3://bucket/a/../b",
        "s3://bucket/a//b",
        "s3://bucket/a b",
        "s3://bucket/x?region=eu-west-1",
        "s3://bucket#frag",
    ] {
        open_err(url, &vars);
    }
    assert_eq!(
        parse("s3://bucket/ci/run-1/").expect("a prefix with a trailing /"),
        Location {
            bucket: "bucket".into(),
            prefix: "ci/run-1".into()
        }
    );
}

#[test]
fn credentials_in_the_url_or_the_endpoint_are_refused_without_echoing_them() {
    let e = open_err(
        "s3://AKIDEXAMPLE:hunter2hunter2@bucket/x",
        &[("AWS_REGION", "us-east-1")],
    );
    assert!(e.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");

    let e = open_err(
        "s3://bucket",
        &env("https://minio:hunter2hunter2@minio.internal:9000"),
    );
    assert!(e.contains("carries credentials"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
}

#[test]
fn a_plain_http_endpoint_needs_aws_allow_http() {
    let mut vars = env("http://127.0.0.1:9000");
    vars.retain(|(k, _)| *k != "AWS_ALLOW_HTTP");
    let e = open_err("s3://bucket", &vars);
    assert!(e.contains("AWS_ALLOW_HTTP=true"), "{e}");

    vars.push(("AWS_ALLOW_HTTP", "TRUE"));
    BlobStore::from_url_with_env("s3://bucket", vars).expect("allowed");
}

#[test]
fn the_description_and_debug_show_where_but_never_a_secret() {
    let store = BlobStore::from_url_with_env("s3://bucket/ci/a", env("http://127.0.0.1:9000/"))
        .expect("open");
    assert_eq!(store.backend(), "s3");
    assert_eq!(
        store.description(),
        "s3://bucket/ci/a at http://127.0.0.1:9000 (eu-west-2)"
    );
    let debug = format!("{store:?}");
    assert!(debug.contains("s3://bucket/ci/a"), "{debug}");
    assert_no_secret(&debug);
    assert!(!debug.contains("AKIDEXAMPLE"), "{debug}");
}

#[test]
fn empty_variables_count_as_unset() {
    let mut vars = env("http://127.0.0.1:9000");
    vars.retain(|(k, _)| *k != "AWS_SESSION_TOKEN");
    vars.push(("AWS_SESSION_TOKEN", ""));
    vars.push(("AWS_DEFAULT_REGION", ""));
    BlobStore::from_url_with_env("s3://bucket", vars).expect("open");
}

#[test]
fn scrubbing_replaces_every_configured_secret() {
    let mut s = Secrets::default();
    s.add(SECRET);
    s.add("test");
    assert_eq!(
        s.scrub(&format!("a {SECRET} b leadforge-test")),
        "a ****** b leadforge-test"
    );
    assert_eq!(format!("{s:?}"), "Secrets(1 redacted)");
}

/// A loopback server answering each of the first `responses.len()` connections with the next
/// canned `(status, body)`; the task returns the request lines it saw.
async fn canned(responses: Vec<(u16, String)>) -> (String, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        for (status, body) in responses {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let head = read_request(&mut sock).await;
            seen.push(head.lines().next().unwrap_or_default().to_owned());
            let response = format!(
                "HTTP/1.1 {status} Canned\r\nContent-Type: application/xml\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(response.as_bytes()).await.expect("write");
            let _ = sock.shutdown().await;
        }
        seen
    });
    (format!("http://{addr}"), task)
}

/// Reads one request (head and `Content-Length` body) and returns its head.
async fn read_request(sock: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 8192];
    let mut body_end = None;
    loop {
        if let Some(end) = body_end
            && buf.len() >= end
        {
            break;
        }
        let n = sock.read(&mut chunk).await.expect("read");
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if body_end.is_none()
            && let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&buf[..at]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            body_end = Some(at + 4 + len);
        }
    }
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..head_end]).into_owned()
}

fn s3_error(code: &str, message: &str, extra: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>{message}</Message>{extra}<RequestId>4442587FB7D0A2F9</RequestId></Error>"
    )
}

#[tokio::test]
async fn a_refused_request_names_the_s3_code_but_not_what_the_body_echoes() {
    // S3 echoes the canonical request (session token included) in SignatureDoesNotMatch.
    let echo = format!(
        "<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><CanonicalRequest>PUT\n\
         x-amz-security-token:{TOKEN}\n</CanonicalRequest><Debug>{SECRET}</Debug>"
    );
    let (endpoint, server) = canned(vec![
        (
            403,
            s3_error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                &echo,
            ),
        ),
        (403, s3_error("AccessDenied", "Access Denied", &echo)),
    ])
    .await;
    let store = BlobStore::from_url_with_env("s3://bucket/ci", env(&endpoint)).expect("open");

    let e = store
        .put("runs/r1/places.json", "[]")
        .await
        .expect_err("refused");
    assert!(matches!(e, BlobError::Denied(_)), "{e:?}");
    let text = format!("{e} / {e:?}");
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
    assert!(text.contains("runs/r1/places.json"), "{text}");
    assert_no_secret(&text);

    let e = store
        .get(&ContentRef::parse("runs/r1/places.json").expect("ref"))
        .await
        .expect_err("refused");
    let text = format!("{e} / {e:?}");
    assert!(text.contains("AccessDenied: Access Denied"), "{text}");
    assert_no_secret(&text);

    // Path-style, under the prefix: what MinIO and moto expect.
    assert_eq!(
        server.await.expect("server"),
        [
            "PUT /bucket/ci/runs/r1/places.json HTTP/1.1",
            "GET /bucket/ci/runs/r1/places.json HTTP/1.1"
        ]
    );
}

#[tokio::test]
async fn a_missing_bucket_is_told_apart_from_a_missing_key_and_from_no_s3_at_all() {
    let (endpoint, server) = canned(vec![
        (
            404,
            s3_error("NoSuchBucket", "The specified bucket does not exist", ""),
        ),
        (
            404,
            s3_error("NoSuchBucket", "The specified bucket does not exist", ""),
        ),
        (
            404,
            s3_error("NoSuchKey", "The specified key does not exist.", ""),
        ),
        (404, String::new()),
    ])
    .await;
    let store = BlobStore::from_url_with_env("s3://no-such-bucket", env(&endpoint)).expect("open");
    let r = ContentRef::parse("runs/r1/places.json").expect("ref");

    let e = store.put(r.as_str(), "[]").await.expect_err("no bucket");
    assert!(
        matches!(&e, BlobError::NoBucket(b) if b == "no-such-bucket"),
        "{e:?}"
    );
    assert!(e.to_string().contains("\"no-such-bucket\" does not exist"));
    let e = store.get(&r).await.expect_err("no bucket");
    assert!(matches!(e, BlobError::NoBucket(_)), "{e:?}");
    let e = store.get(&r).await.expect_err("no key");
    assert!(
        matches!(&e, BlobError::NotFound(k) if k == "runs/r1/places.json"),
        "{e:?}"
    );
    // A bare 404 to a write: no S3 behind the endpoint (a proxy, a wrong port).
    let e = store.put(r.as_str(), "[]").await.expect_err("not S3");
    assert!(
        matches!(&e, BlobError::Store(m) if m.contains("404") && m.contains("endpoint")),
        "{e:?}"
    );
    server.await.expect("server");
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_after_bounded_retries_without_a_secret() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("addr").port()
    };
    let store =
        BlobStore::from_url_with_env("s3://bucket", env(&format!("http://127.0.0.1:{port}")))
            .expect("open");
    let e = store.put("k", "v").await.expect_err("nobody listens");
    assert!(matches!(e, BlobError::Store(_)), "{e:?}");
    let text = format!("{e} / {e:?}");
    assert!(text.contains("127.0.0.1"), "{text}");
    assert_no_secret(&text);
}
