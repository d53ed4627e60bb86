//! Helpers for the fetch, sitemap and map stories: fixtures, fetchers pointed at loopback
//! servers through `resolve` overrides, and a tiny axum site server.
#![allow(dead_code, reason = "each test file uses a subset")]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;
use std::time::Duration;

use crawler::fetch::{FetchConfig, Fetcher};
use url::Url;
use wiremock::MockServer;

/// A shared fixture file's bytes.
pub fn fixture_bytes(relative: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Parses a URL.
pub fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

/// The mock server's socket address.
pub fn addr(server: &MockServer) -> SocketAddr {
    *server.address()
}

/// A config whose `hosts` all resolve to `addr`, with private networks allowed (the test
/// servers live on loopback) and short timeouts.
pub fn config(addr: SocketAddr, hosts: &[&str]) -> FetchConfig {
    FetchConfig {
        allow_private_network: true,
        resolve: hosts.iter().map(|h| ((*h).to_owned(), addr)).collect(),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        ..FetchConfig::default()
    }
}

/// A fetcher for `config`.
pub fn fetcher(config: FetchConfig) -> Fetcher {
    Fetcher::new(config).unwrap()
}

/// A fetcher whose `hosts` resolve to the mock server, private networks allowed.
pub fn fetcher_for(server: &MockServer, hosts: &[&str]) -> Fetcher {
    fetcher(config(addr(server), hosts))
}

/// Serves `router` on a loopback port for the rest of the test.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}
