//! One POST of one delivery: signed, to addresses checked against the SSRF rules and pinned,
//! no redirects followed, bounded in time. Errors never carry the URL (it may hold a token)
//! or the secret.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crawler::fetch::FetchConfig;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Host;

use super::target::{WebhookUrl, internal_host};

/// Time allowed for one delivery attempt, answer included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed to resolve the host and connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `User-Agent` of deliveries.
const USER_AGENT: &str = concat!("Leadforge-Webhook/", env!("CARGO_PKG_VERSION"));

/// `sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`: the value of
/// `X-Leadforge-Signature`. Receivers recompute it and compare in constant time.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What one attempt got.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The host resolves only to addresses we must not reach: retrying will not help.
    Refused(String),
    /// DNS, connection, TLS or timeout trouble: worth another attempt.
    Network(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(why) => write!(f, "refused: {why}"),
            Self::Network(why) => write!(f, "{why}"),
        }
    }
}

/// A request ready to go.
pub(crate) struct Outgoing<'a> {
    pub url: &'a WebhookUrl,
    pub event: &'a str,
    pub delivery_id: &'a str,
    pub timestamp: i64,
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

/// Sends one attempt; the HTTP status of the answer, whatever it is.
pub(crate) async fn post(fetch: &FetchConfig, req: Outgoing<'_>) -> Result<u16, SendError> {
    let url = req.url.url();
    let addrs = allowed_addrs(fetch, req.url).await?;
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, behind the check's back.
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT);
    if let Some(Host::Domain(name)) = url.host() {
        // Connect only to the addresses just checked (no second lookup to rebind).
        builder = builder.resolve_to_addrs(name, &addrs);
    }
    let mut roots = Vec::new();
    for pem in &fetch.extra_root_certs {
        roots.extend(reqwest::Certificate::from_pem_bundle(pem).unwrap_or_default());
    }
    if !roots.is_empty() {
        builder = builder.tls_certs_merge(roots);
    }
    let client = builder
        .build()
        .map_err(|e| SendError::Network(format!("cannot build the HTTP client: {}", chain(&e))))?;
    let mut request = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Leadforge-Event", req.event)
        .header("X-Leadforge-Delivery", req.delivery_id)
        .header("X-Leadforge-Timestamp", req.timestamp.to_string());
    if let Some(signature) = req.signature {
        request = request.header("X-Leadforge-Signature", signature);
    }
    let response = request
        .body(req.body)
        .send()
        .await
        .map_err(|e| SendError::Network(chain(&e.without_url())))?;
    Ok(response.status().as_u16())
}

/// The addresses the URL's host may be reached at: `LEADFORGE_RESOLVE` overrides, else DNS;
/// unless private networks are allowed, internal ones are dropped and none left is a refusal.
async fn allowed_addrs(
    fetch: &FetchConfig,
    url: &WebhookUrl,
) -> Result<Vec<SocketAddr>, SendError> {
    let url = url.url();
    let port = url.port_or_known_default().unwrap_or(443);
    let allow = fetch.allow_private_network;
    let host = url
        .host()
        .ok_or_else(|| SendError::Refused("the webhook URL has no host".into()))?;
    if !allow && let Some(why) = internal_host(&host) {
        return Err(SendError::Refused(format!(
            "the webhook URL points at {why}"
        )));
    }
    let candidates: Vec<SocketAddr> = match host {
        Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let overrides: Vec<SocketAddr> = fetch
                .resolve
                .iter()
                .filter(|(h, _)| h.trim_end_matches('.').eq_ignore_ascii_case(&name))
                .map(|(_, a)| {
                    let p = match (url.port(), a.port()) {
                        (Some(p), _) => p,
                        (None, 0) => port,
                        (None, p) => p,
                    };
                    SocketAddr::new(a.ip(), p)
                })
                .collect();
            if overrides.is_empty() {
                let lookup = tokio::net::lookup_host((name.clone(), port));
                match tokio::time::timeout(CONNECT_TIMEOUT, lookup).await {
                    Ok(Ok(addrs)) => addrs.collect(),
                    Ok(Err(e)) => {
                        return Err(SendError::Network(format!("cannot resolve {name}: {e}")));
                    }
                    Err(_) => {
                        return Err(SendError::Network(format!(
                            "cannot resolve {name}: no answer within {CONNECT_TIMEOUT:?}"
                        )));
                    }
                }
            } else {
                overrides
            }
        }
    };
    if allow {
        return Ok(candidates);
    }
    let mut refusal = None;
    let allowed: Vec<SocketAddr> = candidates
        .into_iter()
        .filter(|a| match crawler::fetch::forbidden_reason(a.ip()) {
            None => true,
            Some(why) => {
                refusal.get_or_insert(why);
                false
            }
        })
        .collect();
    match (allowed.is_empty(), refusal) {
        (true, Some(why)) => Err(SendError::Refused(format!(
            "the webhook's host resolves to {why}"
        ))),
        (true, None) => Err(SendError::Network(
            "the webhook's host has no address".into(),
        )),
        (false, _) => Ok(allowed),
    }
}

/// An error and its causes, `: `-separated.
fn chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
        let sig = signature("key", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        assert_ne!(sig, signature("other", 1_700_000_000, b"{}"));
        assert_ne!(sig, signature("key", 1_700_000_001, b"{}"));
    }
}
