//! One request of a fetch: the host's gate and crawl delay, the pinned connection, the time
//! cap; what the response is (a redirect to follow or a final answer); and where a redirect
//! may lead.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION};
use url::{Host, Url};

use super::Fetcher;
use super::body::{self, Body, ContentKind};
use super::error::{BlockReason, FetchError};
use super::limits::politeness_wait;
use crate::robots::MAX_ROBOTS_BYTES;

/// What one request produced.
pub(super) enum Exchange {
    Redirect {
        location: String,
    },
    Final {
        status: u16,
        content_type: Option<String>,
        body: Body,
    },
}

pub(super) struct Hop {
    pub(super) exchange: Exchange,
    pub(super) waited: Duration,
    pub(super) elapsed: Duration,
}

impl Fetcher {
    /// One request under the host's gate: wait out the crawl delay, pin the checked
    /// addresses, send, read.
    pub(super) async fn hop(
        &self,
        url: &Url,
        addrs: Vec<SocketAddr>,
        kind: ContentKind,
        delay: Duration,
    ) -> Result<Hop, FetchError> {
        let host = url.host_str().unwrap_or_default();
        let gate = self.inner.gates.gate(host);
        let mut state = gate.lock().await;
        let waited = politeness_wait(state.last_finished, Instant::now(), delay);
        if !waited.is_zero() {
            tracing::debug!(
                http.host = host,
                wait_ms = waited.as_millis(),
                "crawl delay"
            );
            tokio::time::sleep(waited).await;
        }
        // IP literals never reach the resolver; names connect only to what is pinned.
        let named = matches!(url.host(), Some(Host::Domain(_)));
        if named {
            self.inner.guard.pin(host, addrs);
        }
        let started = Instant::now();
        let timeout = self.inner.config.timeout;
        let outcome = tokio::time::timeout(timeout, self.exchange(url, kind)).await;
        if named {
            self.inner.guard.unpin(host);
        }
        state.last_finished = Some(Instant::now());
        drop(state);
        let exchange = outcome.map_err(|_| FetchError::Timeout {
            url: url.clone(),
            after: timeout,
        })??;
        Ok(Hop {
            exchange,
            waited,
            elapsed: started.elapsed(),
        })
    }

    async fn exchange(&self, url: &Url, kind: ContentKind) -> Result<Exchange, FetchError> {
        let response = self
            .inner
            .client
            .get(url.clone())
            .header(ACCEPT, kind.accept_header())
            .send()
            .await
            .map_err(|err| {
                if err.is_timeout() {
                    FetchError::Timeout {
                        url: url.clone(),
                        after: self.inner.config.timeout,
                    }
                } else {
                    body::network(url, &err)
                }
            })?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        if status.is_redirection()
            && let Some(location) = header(LOCATION)
        {
            return Ok(Exchange::Redirect { location });
        }
        let content_type = header(CONTENT_TYPE);
        let status = status.as_u16();
        let success = (200..300).contains(&status);
        let limit = match kind {
            ContentKind::Robots => MAX_ROBOTS_BYTES,
            ContentKind::Page | ContentKind::Sitemap => self.inner.config.max_body_bytes,
        };
        let body = match kind {
            ContentKind::Robots if !success => Body {
                bytes: Vec::new(),
                truncated: false,
            },
            ContentKind::Robots => body::read_capped(url, response, limit, kind).await?,
            ContentKind::Page | ContentKind::Sitemap => {
                if !success {
                    return Err(FetchError::Http {
                        url: url.clone(),
                        status,
                    });
                }
                body::check_content_type(url, content_type.as_deref(), kind)?;
                body::read_capped(url, response, limit, kind).await?
            }
        };
        Ok(Exchange::Final {
            status,
            content_type,
            body,
        })
    }
}

pub(super) fn check_scheme(url: &Url) -> Result<(), FetchError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(FetchError::UnsupportedScheme {
            url: url.clone(),
            scheme: other.to_owned(),
        }),
    }
}

/// Where a redirect leads: `Location` resolved against the current URL, fragment dropped;
/// an https → http downgrade only to the same host.
pub(super) fn redirect_target(current: &Url, location: &str) -> Result<Url, FetchError> {
    let mut next = current
        .join(location.trim())
        .map_err(|_| FetchError::InvalidRedirect {
            url: current.clone(),
            location: location.to_owned(),
        })?;
    next.set_fragment(None);
    if current.scheme() == "https" && next.scheme() == "http" && current.host() != next.host() {
        return Err(FetchError::Blocked {
            url: next,
            reason: BlockReason::InsecureRedirect,
        });
    }
    Ok(next)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_relative_locations_and_refuse_foreign_downgrades() {
        let here = Url::parse("https://acme.com/a/b#top").unwrap();
        assert_eq!(
            redirect_target(&here, "../c#x").unwrap().as_str(),
            "https://acme.com/c"
        );
        assert_eq!(
            redirect_target(&here, "http://acme.com/plain")
                .unwrap()
                .as_str(),
            "http://acme.com/plain"
        );
        assert!(matches!(
            redirect_target(&here, "http://evil.example/"),
            Err(FetchError::Blocked {
                reason: BlockReason::InsecureRedirect,
                ..
            })
        ));
        assert!(matches!(
            redirect_target(&here, "http://[::1"),
            Err(FetchError::InvalidRedirect { .. })
        ));
    }
}
