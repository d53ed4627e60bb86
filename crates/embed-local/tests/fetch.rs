//! Locating and downloading the model, against a wiremock hub on loopback serving the real
//! files. No test reaches the internet.

mod support;

use std::path::Path;
use std::time::Duration;

use embed_local::{LoadError, LocalMiniLm, MODEL_FILES, ModelOptions, locate_or_fetch};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn file_path(file: &str) -> String {
    format!("/sentence-transformers/all-MiniLM-L6-v2/resolve/main/{file}")
}

fn options(data_dir: &Path, hub: &str) -> ModelOptions {
    let mut opts = ModelOptions::new(data_dir.to_owned());
    opts.hub_base_url = hub.to_owned();
    opts.connect_timeout = Duration::from_secs(2);
    opts.download_timeout = Duration::from_secs(60);
    opts
}

/// Serves `files` from the real model directory, each expected `times` times.
async fn serve(server: &MockServer, files: &[&str], times: u64) {
    let source = support::workspace_test_model_dir();
    for file in files {
        let body = std::fs::read(source.join(file)).expect("model file readable");
        Mock::given(method("GET"))
            .and(path(file_path(file)))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
            .expect(times)
            .named(*file)
            .mount(server)
            .await;
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".part"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_fresh_cache_is_downloaded_once_and_then_reused() {
    let server = MockServer::start().await;
    serve(&server, &MODEL_FILES, 1).await;
    let data = tempfile::tempdir().expect("temp dir");
    let opts = options(data.path(), &server.uri());

    let dir = locate_or_fetch(&opts).await.expect("download succeeds");
    assert_eq!(dir, data.path().join("models/all-MiniLM-L6-v2"));
    let source = support::workspace_test_model_dir();
    for file in MODEL_FILES {
        assert_eq!(
            std::fs::read(dir.join(file)).expect("downloaded"),
            std::fs::read(source.join(file)).expect("source"),
            "{file} differs"
        );
    }
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));

    // Complete now: no second request (each mock expects exactly one).
    assert_eq!(locate_or_fetch(&opts).await.expect("cached"), dir);
    LocalMiniLm::load(&dir).expect("the downloaded model loads");
}

#[tokio::test]
async fn only_the_missing_files_are_downloaded() {
    let server = MockServer::start().await;
    serve(&server, &["config.json"], 0).await;
    serve(&server, &["tokenizer.json", "model.safetensors"], 1).await;
    let data = tempfile::tempdir().expect("temp dir");
    let opts = options(data.path(), &server.uri());
    let cache = opts.cache_dir();
    std::fs::create_dir_all(&cache).expect("mkdir");
    std::fs::copy(
        support::workspace_test_model_dir().join("config.json"),
        cache.join("config.json"),
    )
    .expect("copy");

    assert_eq!(
        locate_or_fetch(&opts).await.expect("download succeeds"),
        cache
    );
}

#[tokio::test]
async fn a_user_directory_is_used_as_is_without_any_request() {
    let server = MockServer::start().await;
    serve(&server, &MODEL_FILES, 0).await;
    let data = tempfile::tempdir().expect("temp dir");
    let mut opts = options(data.path(), &server.uri());
    let user_dir = support::workspace_test_model_dir();
    opts.model_dir = Some(user_dir.clone());

    assert_eq!(locate_or_fetch(&opts).await.expect("user dir"), user_dir);
    assert!(!opts.cache_dir().exists());
}

#[tokio::test]
async fn a_404_names_the_url_and_leaves_nothing_that_looks_complete() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    let opts = options(data.path(), &server.uri());

    let err = locate_or_fetch(&opts).await.expect_err("404");
    let url = format!("{}{}", server.uri(), file_path("config.json"));
    assert!(
        matches!(&err, LoadError::DownloadStatus { url: u, status: 404 } if *u == url),
        "{err}"
    );
    assert!(err.to_string().contains(&url), "{err}");
    assert_eq!(embed_local::missing_files(&opts.cache_dir()), MODEL_FILES);
}

#[tokio::test]
async fn an_html_page_served_as_the_weights_is_rejected() {
    let server = MockServer::start().await;
    serve(&server, &["config.json", "tokenizer.json"], 1).await;
    Mock::given(method("GET"))
        .and(path(file_path("model.safetensors")))
        .respond_with(ResponseTemplate::new(200).set_body_string("<!DOCTYPE html><p>Log in</p>"))
        .mount(&server)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    let opts = options(data.path(), &server.uri());

    let err = locate_or_fetch(&opts).await.expect_err("not safetensors");
    assert!(
        matches!(
            &err,
            LoadError::DownloadInvalid {
                file: "model.safetensors",
                ..
            }
        ),
        "{err}"
    );
    let cache = opts.cache_dir();
    assert_eq!(embed_local::missing_files(&cache), ["model.safetensors"]);
    assert!(leftovers(&cache).is_empty(), "{:?}", leftovers(&cache));
}

#[tokio::test]
async fn an_unreachable_hub_fails_with_the_url() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let hub = format!("http://127.0.0.1:{port}");
    let data = tempfile::tempdir().expect("temp dir");
    let opts = options(data.path(), &hub);

    let err = locate_or_fetch(&opts).await.expect_err("unreachable");
    let url = format!("{hub}{}", file_path("config.json"));
    assert!(
        matches!(&err, LoadError::Download { url: u, .. } if *u == url),
        "{err}"
    );
}

#[tokio::test]
async fn a_download_slower_than_the_timeout_fails() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{}")
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let data = tempfile::tempdir().expect("temp dir");
    let mut opts = options(data.path(), &server.uri());
    opts.download_timeout = Duration::from_millis(200);

    let err = locate_or_fetch(&opts).await.expect_err("timed out");
    assert!(matches!(&err, LoadError::Download { .. }), "{err}");
    assert_eq!(embed_local::missing_files(&opts.cache_dir()), MODEL_FILES);
}
