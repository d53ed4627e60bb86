//! How a [`Fetcher`](super::Fetcher) behaves: identity, guard, limits, politeness.

use std::net::SocketAddr;
use std::time::Duration;

/// The user agent sent on every request; its product token (`LeadforgeBot`) is what
/// robots.txt groups are matched against.
pub const DEFAULT_USER_AGENT: &str = "LeadforgeBot/0.1 (+https://github.com/leadforge/leadforge)";

/// Settings of a [`Fetcher`](super::Fetcher).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// `User-Agent` header; its leading product token is the robots.txt agent.
    pub user_agent: String,
    /// Lets fetches reach loopback, private, link-local and metadata addresses
    /// (`LEADFORGE_ALLOW_PRIVATE_NETWORK`: tests, `demo`). Off in production.
    pub allow_private_network: bool,
    /// Host → address overrides (`LEADFORGE_RESOLVE`), with reqwest's `resolve` semantics:
    /// the URL's port wins, else the override's (0 = the scheme's). Overridden addresses
    /// are still checked by the guard.
    pub resolve: Vec<(String, SocketAddr)>,
    /// Exact addresses (IP and port) the guard lets through even when they are private: an
    /// operator's own staging server. Empty by default.
    pub trusted_addrs: Vec<SocketAddr>,
    /// Largest page body read (after content decoding); larger pages are `BodyTooLarge`.
    pub max_body_bytes: usize,
    /// Time allowed for one request (each redirect hop is one), body included; politeness
    /// waits are not counted.
    pub timeout: Duration,
    /// Time allowed for DNS resolution and for establishing a connection.
    pub connect_timeout: Duration,
    /// Redirects followed per fetch.
    pub max_redirects: usize,
    /// Pages fetched per site (registrable domain) before `PageBudgetExhausted`; robots.txt
    /// and sitemaps do not count.
    pub max_pages_per_site: usize,
    /// Whether robots.txt is fetched and obeyed (crawl-delay included).
    pub respect_robots: bool,
    /// Longest robots.txt `Crawl-delay` honoured; longer ones are cut to this.
    pub max_crawl_delay: Duration,
    /// PEM bundles of certificate authorities trusted besides the system's roots (the sample
    /// world's CA, an operator's internal CA). Each bundle must hold at least one
    /// certificate. Empty by default.
    pub extra_root_certs: Vec<Vec<u8>>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            allow_private_network: false,
            resolve: Vec::new(),
            trusted_addrs: Vec::new(),
            max_body_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_redirects: 5,
            max_pages_per_site: 25,
            respect_robots: true,
            max_crawl_delay: Duration::from_secs(10),
            extra_root_certs: Vec::new(),
        }
    }
}

impl FetchConfig {
    /// The robots.txt product token of the user agent: its leading `[A-Za-z_-]` characters.
    pub fn robots_token(&self) -> &str {
        let end = self
            .user_agent
            .find(|c: char| !(c.is_ascii_alphabetic() || c == '-' || c == '_'))
            .unwrap_or(self.user_agent.len());
        &self.user_agent[..end]
    }
}

/// A `LEADFORGE_RESOLVE` value that is not `host=ip:port[,host=ip:port…]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("resolve entry {entry:?} is not host=ip:port ({problem})")]
pub struct ResolveSpecError {
    /// The offending entry.
    pub entry: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// Reads `host=ip:port,host=ip:port` (IPv6 as `[::1]:8080`) into [`FetchConfig::resolve`]
/// overrides; whitespace around entries is ignored, an empty text means none. The host `*`
/// stands for every name without an entry of its own.
pub fn parse_resolve(text: &str) -> Result<Vec<(String, SocketAddr)>, ResolveSpecError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let error = |problem| ResolveSpecError {
                entry: entry.to_owned(),
                problem,
            };
            let (host, addr) = entry.split_once('=').ok_or_else(|| error("missing '='"))?;
            let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
            if host.is_empty() {
                return Err(error("empty host"));
            }
            let addr = addr
                .trim()
                .parse::<SocketAddr>()
                .map_err(|_| error("address is not ip:port"))?;
            Ok((host, addr))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn resolve_specs_parse_and_bad_ones_name_the_entry() {
        let parsed =
            parse_resolve(" Acme-Dental.com=127.0.0.1:8081, shop.example=[::1]:9000 ,").unwrap();
        assert_eq!(
            parsed,
            [
                (
                    "acme-dental.com".to_owned(),
                    "127.0.0.1:8081".parse().unwrap()
                ),
                ("shop.example".to_owned(), "[::1]:9000".parse().unwrap()),
            ]
        );
        assert_eq!(parse_resolve("").unwrap(), []);
        let err = parse_resolve("acme.com=127.0.0.1").unwrap_err();
        assert_eq!(err.entry, "acme.com=127.0.0.1");
        assert!(err.to_string().contains("acme.com=127.0.0.1"));
        assert!(parse_resolve("acme.com").is_err());
        assert!(parse_resolve("=1.2.3.4:80").is_err());
    }

    #[test]
    fn the_robots_token_is_the_product_name() {
        assert_eq!(FetchConfig::default().robots_token(), "LeadforgeBot");
    }
}
