//! Safe fetching of other people's websites.
//!
//! A [`Fetcher`] only speaks http(s); resolves every host itself and refuses loopback,
//! private, link-local, CGNAT, multicast and cloud-metadata addresses, pinning each connection
//! to the addresses it checked (so DNS rebinding cannot swap them); follows redirects by hand,
//! re-checking scheme, address and robots.txt at every hop; caps body size and time; checks
//! content types; decodes pages by their charset; sends one request at a time per host,
//! honouring the host's robots.txt `Crawl-delay`; and counts pages per site against a budget.
//!
//! Waits are returned, not hidden: [`FetchedPage::waited`] is the politeness wait chosen
//! before the page's requests.

mod body;
mod config;
mod error;
mod guard;
mod hop;
mod limits;
mod robots_cache;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

pub use body::{ContentKind, decode_text};
pub use config::{DEFAULT_USER_AGENT, FetchConfig, ResolveSpecError, parse_resolve};
pub use error::{BlockReason, FetchError};
pub use guard::forbidden_reason;
pub use limits::politeness_wait;

use crate::robots::{Robots, RobotsStatus, RobotsTxt};
use guard::Guard;
use hop::{Exchange, check_scheme, redirect_target};
use limits::{HostGates, PageBudget};
use robots_cache::RobotsCache;

/// A page as fetched: final URL, status, decoded text and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPage {
    /// The URL that answered, after redirects.
    pub url: Url,
    /// Its HTTP status (2xx).
    pub status: u16,
    /// Its `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// The body decoded to text.
    pub body: String,
    /// The charset the body was decoded from (`UTF-8`, `windows-1252`, …).
    pub charset: &'static str,
    /// Body size in bytes, after content decoding.
    pub bytes: usize,
    /// Time spent in requests and reading bodies, over all hops (waits excluded).
    pub elapsed: Duration,
    /// The URLs that redirected, in order (the requested URL first when it redirected).
    pub redirects: Vec<Url>,
    /// Politeness wait (crawl delay) before the requests, summed over hops.
    pub waited: Duration,
}

/// A body as fetched, undecoded (sitemaps: XML, text or gzip).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBytes {
    /// The URL that answered, after redirects.
    pub url: Url,
    /// Its HTTP status.
    pub status: u16,
    /// Its `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// The body, after content decoding (`Content-Encoding`), cut at the cap.
    pub body: Vec<u8>,
    /// Whether the body was cut at the cap.
    pub truncated: bool,
    /// Time spent in requests and reading bodies, over all hops (waits excluded).
    pub elapsed: Duration,
    /// The URLs that redirected, in order.
    pub redirects: Vec<Url>,
    /// Politeness wait before the requests, summed over hops.
    pub waited: Duration,
}

/// The HTTP client could not be built: an unreadable extra root certificate, or the TLS
/// backend failed to initialise.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the crawler's HTTP client: {0}")]
pub struct ClientBuildError(String);

/// The certificates of every [`FetchConfig::extra_root_certs`] bundle. A bundle that is not
/// PEM, or holds no certificate, is an error naming it (by position, from 1): a typo in a
/// CA file must not silently leave the CA untrusted.
fn extra_roots(bundles: &[Vec<u8>]) -> Result<Vec<reqwest::Certificate>, ClientBuildError> {
    let mut roots = Vec::new();
    for (index, pem) in bundles.iter().enumerate() {
        let number = index + 1;
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|err| {
            ClientBuildError(format!(
                "extra root certificate bundle #{number} is not valid PEM: {}",
                error_chain(&err)
            ))
        })?;
        if certs.is_empty() {
            return Err(ClientBuildError(format!(
                "extra root certificate bundle #{number} holds no PEM certificate \
                 (no -----BEGIN CERTIFICATE----- block)"
            )));
        }
        roots.extend(certs);
    }
    Ok(roots)
}

/// An error and its causes, `: `-separated (reqwest's own text is only "builder error").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Fetches pages, sitemaps and robots.txt safely. Cheap to clone; clones share the robots
/// cache, the per-host gates and the page budgets, so one `Fetcher` per process keeps
/// politeness global.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    config: FetchConfig,
    guard: Guard,
    gates: HostGates,
    budget: PageBudget,
    robots: RobotsCache,
}

impl Fetcher {
    /// A fetcher with `config`.
    pub fn new(config: FetchConfig) -> Result<Self, ClientBuildError> {
        let guard = Guard::new(
            config.allow_private_network,
            &config.resolve,
            &config.trusted_addrs,
            config.connect_timeout,
        );
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, behind the guard's back.
            .no_proxy()
            .dns_resolver(guard.resolver())
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(2)
            // Merged with the platform verifier's roots, not replacing them.
            .tls_certs_merge(extra_roots(&config.extra_root_certs)?)
            .build()
            .map_err(|err| ClientBuildError(error_chain(&err)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                config,
                guard,
                gates: HostGates::default(),
                budget: PageBudget::default(),
                robots: RobotsCache::default(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FetchConfig {
        &self.inner.config
    }

    /// Fetches an HTML (or XML / plain-text) page and decodes it; spends one page of the
    /// site's budget.
    #[tracing::instrument(skip_all, fields(http.url = %url))]
    pub async fn fetch_page(&self, url: &Url) -> Result<FetchedPage, FetchError> {
        check_scheme(url)?;
        self.inner
            .budget
            .spend(url, self.inner.config.max_pages_per_site)?;
        let fetched = self.fetch_raw(url, ContentKind::Page).await?;
        let (body, encoding) = decode_text(&fetched.body, fetched.content_type.as_deref());
        Ok(FetchedPage {
            url: fetched.url,
            status: fetched.status,
            content_type: fetched.content_type,
            body,
            charset: encoding.name(),
            bytes: fetched.body.len(),
            elapsed: fetched.elapsed,
            redirects: fetched.redirects,
            waited: fetched.waited,
        })
    }

    /// Fetches a sitemap's bytes (XML, text or gzip; cut at the body cap). Does not spend
    /// the page budget.
    #[tracing::instrument(skip_all, fields(http.url = %url))]
    pub async fn fetch_sitemap(&self, url: &Url) -> Result<FetchedBytes, FetchError> {
        self.fetch_raw(url, ContentKind::Sitemap).await
    }

    /// The robots.txt of `url`'s origin, fetched on first use and cached.
    pub async fn robots(&self, url: &Url) -> Arc<Robots> {
        let token = self.inner.config.robots_token();
        if !self.inner.config.respect_robots {
            return Arc::new(Robots::new(
                Robots::url_for(url),
                RobotsStatus::Ignored,
                RobotsTxt::default(),
                token,
            ));
        }
        let cell = self.inner.robots.cell(url);
        // Boxed: loading robots.txt is itself a fetch.
        let robots = cell.get_or_init(|| Box::pin(self.load_robots(url))).await;
        Arc::clone(robots)
    }

    /// Pages of `url`'s site fetched so far.
    pub fn pages_spent(&self, url: &Url) -> usize {
        self.inner.budget.spent(url)
    }

    /// Gives `url`'s site its whole page budget back (a new audit of the same site).
    pub fn reset_page_budget(&self, url: &Url) {
        self.inner.budget.reset(url);
    }

    async fn load_robots(&self, page: &Url) -> Arc<Robots> {
        let url = Robots::url_for(page);
        let (status, txt) = match self.fetch_raw(&url, ContentKind::Robots).await {
            Ok(fetched) if (200..300).contains(&fetched.status) => {
                (RobotsStatus::Found, RobotsTxt::parse(&fetched.body))
            }
            Ok(fetched) if fetched.status == 429 || fetched.status >= 500 => {
                (RobotsStatus::ServerError, RobotsTxt::default())
            }
            Ok(_) => (RobotsStatus::Missing, RobotsTxt::default()),
            // RFC 9309 §2.3.1.2: past the redirect limit robots.txt may be taken as missing.
            Err(
                FetchError::TooManyRedirects { .. }
                | FetchError::RedirectLoop { .. }
                | FetchError::InvalidRedirect { .. },
            ) => (RobotsStatus::Missing, RobotsTxt::default()),
            Err(err) => {
                tracing::info!(robots.url = %url, error = %err, "robots.txt unreachable; site disallowed");
                (RobotsStatus::Unreachable, RobotsTxt::default())
            }
        };
        Arc::new(Robots::new(
            url,
            status,
            txt,
            self.inner.config.robots_token(),
        ))
    }

    /// Follows redirects by hand, checking every hop.
    async fn fetch_raw(&self, url: &Url, kind: ContentKind) -> Result<FetchedBytes, FetchError> {
        let config = &self.inner.config;
        let mut current = url.clone();
        current.set_fragment(None);
        let mut visited = HashSet::from([current.to_string()]);
        let mut redirects = Vec::new();
        let (mut waited, mut elapsed) = (Duration::ZERO, Duration::ZERO);
        loop {
            check_scheme(&current)?;
            let addrs = self.inner.guard.check(&current).await?;
            let delay = if kind == ContentKind::Robots {
                Duration::ZERO
            } else {
                let robots = self.robots(&current).await;
                if !robots.allowed(&current) {
                    return Err(FetchError::DisallowedByRobots { url: current });
                }
                robots
                    .crawl_delay()
                    .unwrap_or_default()
                    .min(config.max_crawl_delay)
            };
            let hop = self.hop(&current, addrs, kind, delay).await?;
            waited += hop.waited;
            elapsed += hop.elapsed;
            match hop.exchange {
                Exchange::Final {
                    status,
                    content_type,
                    body,
                } => {
                    return Ok(FetchedBytes {
                        url: current,
                        status,
                        content_type,
                        body: body.bytes,
                        truncated: body.truncated,
                        elapsed,
                        redirects,
                        waited,
                    });
                }
                Exchange::Redirect { location } => {
                    let next = redirect_target(&current, &location)?;
                    if !visited.insert(next.to_string()) {
                        return Err(FetchError::RedirectLoop { url: next });
                    }
                    if redirects.len() >= config.max_redirects {
                        return Err(FetchError::TooManyRedirects {
                            url: url.clone(),
                            limit: config.max_redirects,
                        });
                    }
                    tracing::debug!(http.from = %current, http.to = %next, "following redirect");
                    redirects.push(current);
                    current = next;
                }
            }
        }
    }
}
