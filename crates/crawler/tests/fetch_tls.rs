//! Extra root certificates: a site on loopback whose certificate comes from a private CA is
//! refused by default and fetched once the CA's PEM is in `extra_root_certs`; unreadable PEM
//! fails when the fetcher is built, naming the bundle.
#![allow(clippy::unwrap_used, reason = "tests")]

mod fetch_support;

use std::net::SocketAddr;
use std::sync::Arc;

use crawler::fetch::{FetchConfig, FetchError, Fetcher};
use fetch_support::{config, url};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const HOST: &str = "secure-dental.example";
const PAGE: &str = "<!doctype html><title>Secure Dental</title><h1>Secure Dental</h1>";

/// A private CA (PEM) and a server configuration whose certificate for [`HOST`] it issued.
fn private_ca() -> (String, rustls::ServerConfig) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "Leadforge Test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![HOST.to_owned()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    (ca_pem, server)
}

/// Serves [`PAGE`] over HTTPS (HTTP/1.1, one request per connection) on a loopback port.
async fn serve_https(tls: rustls::ServerConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that distrusts the certificate aborts the handshake: nothing to do.
                let Ok(mut stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

fn https_config(addr: SocketAddr, extra_root_certs: Vec<Vec<u8>>) -> FetchConfig {
    FetchConfig {
        // robots.txt would be the first request; the page alone tells the story.
        respect_robots: false,
        extra_root_certs,
        ..config(addr, &[HOST])
    }
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_a_tls_error() {
    let (_, tls) = private_ca();
    let addr = serve_https(tls).await;
    let fetcher = Fetcher::new(https_config(addr, Vec::new())).unwrap();
    let err = fetcher
        .fetch_page(&url(&format!("https://{HOST}/")))
        .await
        .unwrap_err();
    let FetchError::Network { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("invalid peer certificate: UnknownIssuer"),
        "{message}"
    );
}

#[tokio::test]
async fn the_same_site_is_fetched_once_its_ca_is_an_extra_root() {
    let (ca_pem, tls) = private_ca();
    let addr = serve_https(tls).await;
    let fetcher = Fetcher::new(https_config(addr, vec![ca_pem.into_bytes()])).unwrap();
    let page = fetcher
        .fetch_page(&url(&format!("https://{HOST}/")))
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.url.as_str(), "https://secure-dental.example/");
    assert_eq!(page.body, PAGE);
}

#[test]
fn a_bundle_without_a_certificate_is_refused_naming_it() {
    let (ca_pem, _) = private_ca();
    let config = FetchConfig {
        extra_root_certs: vec![ca_pem.into_bytes(), b"/etc/ssl/my-ca.pem".to_vec()],
        ..FetchConfig::default()
    };
    let err = Fetcher::new(config).unwrap_err().to_string();
    assert!(
        err.contains("extra root certificate bundle #2 holds no PEM certificate"),
        "{err}"
    );
}

#[test]
fn a_bundle_with_broken_pem_is_refused_naming_it() {
    let broken = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
    let config = FetchConfig {
        extra_root_certs: vec![broken.as_bytes().to_vec()],
        ..FetchConfig::default()
    };
    let err = Fetcher::new(config).unwrap_err().to_string();
    assert!(
        err.contains("extra root certificate bundle #1 is not valid PEM"),
        "{err}"
    );
}

#[test]
fn a_pem_block_that_is_not_a_certificate_fails_the_build_with_the_cause() {
    // Valid PEM armour around bytes that are not DER: only the TLS verifier can tell.
    let junk = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    let config = FetchConfig {
        extra_root_certs: vec![junk.as_bytes().to_vec()],
        ..FetchConfig::default()
    };
    let err = Fetcher::new(config).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot build the crawler's HTTP client: builder error: ")
            && err.contains("BadEncoding"),
        "{err}"
    );
}
