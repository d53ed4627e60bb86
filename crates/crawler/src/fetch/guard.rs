//! The SSRF guard: which addresses a crawl may connect to, checked per connection.
//!
//! Every hop of a fetch resolves its host here (configured overrides, else DNS), drops the
//! addresses we must not reach and *pins* the rest: the HTTP client's resolver answers only
//! from the pins, so the connection goes to exactly the addresses that were checked and a DNS
//! answer that changes between check and connect (DNS rebinding) cannot slip through. A host
//! that was not checked has no pin and cannot be connected to at all. IP-literal URLs never
//! reach a resolver, so they are checked here directly.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::error::{BlockReason, FetchError};

/// Host names of cloud metadata services, refused by name before any lookup.
const INTERNAL_HOSTS: &[&str] = &[
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Why `ip` is not on the public internet, or `None` when it may be fetched.
pub fn forbidden_reason(ip: IpAddr) -> Option<BlockReason> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4).map(|kind| kind(ip)),
        IpAddr::V6(v6) => v6_reason(v6).map(|kind| kind(ip)),
    }
}

type Reason = fn(IpAddr) -> BlockReason;

fn v4_reason(ip: Ipv4Addr) -> Option<Reason> {
    let [a, b, c, _] = ip.octets();
    let reason: Reason =
        if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
            BlockReason::CloudMetadata
        } else if ip.is_unspecified() {
            BlockReason::Unspecified
        } else if ip.is_loopback() {
            BlockReason::Loopback
        } else if ip.is_private() {
            BlockReason::Private
        } else if ip.is_link_local() {
            BlockReason::LinkLocal
        } else if a == 100 && (64..128).contains(&b) {
            BlockReason::SharedAddressSpace
        } else if ip.is_multicast() {
            BlockReason::Multicast
        } else if a == 0
            || a >= 240
            || (a == 192 && b == 0 && (c == 0 || c == 2))
            || (a == 198 && (b == 18 || b == 19))
            || (a == 198 && b == 51 && c == 100)
            || (a == 203 && b == 0 && c == 113)
        {
            BlockReason::Reserved
        } else {
            return None;
        };
    Some(reason)
}

fn v6_reason(ip: Ipv6Addr) -> Option<Reason> {
    let segments = ip.segments();
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some(BlockReason::CloudMetadata);
    }
    if ip.is_unspecified() {
        return Some(BlockReason::Unspecified);
    }
    if ip.is_loopback() {
        return Some(BlockReason::Loopback);
    }
    // IPv4 carried inside IPv6 is judged as the IPv4 address it carries: mapped (::ffff:a.b.c.d),
    // compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
    let embedded = if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(ipv4_from(segments[6], segments[7]))
    } else if segments[0] == 0x2002 {
        Some(ipv4_from(segments[1], segments[2]))
    } else {
        None
    };
    if let Some(v4) = embedded {
        return v4_reason(v4);
    }
    let reason: Reason = match segments[0] {
        s if s & 0xfe00 == 0xfc00 => BlockReason::Private,
        s if s & 0xffc0 == 0xfec0 => BlockReason::Private,
        s if s & 0xffc0 == 0xfe80 => BlockReason::LinkLocal,
        s if s & 0xff00 == 0xff00 => BlockReason::Multicast,
        // Documentation, Teredo, local-use NAT64, discard-only.
        0x2001 if segments[1] == 0x0db8 || segments[1] == 0 => BlockReason::Reserved,
        0x0064 if segments[1] == 0xff9b => BlockReason::Reserved,
        0x0100 if segments[1..4] == [0, 0, 0] => BlockReason::Reserved,
        _ => return None,
    };
    Some(reason)
}

fn ipv4_from(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

/// Addresses the guard checked, by host, for the HTTP client's resolver to answer from.
type Pins = Arc<Mutex<HashMap<String, Vec<SocketAddr>>>>;

/// Resolves hosts, refuses forbidden addresses and pins the allowed ones.
#[derive(Debug)]
pub(crate) struct Guard {
    allow_private: bool,
    overrides: HashMap<String, Vec<SocketAddr>>,
    trusted: HashSet<SocketAddr>,
    dns_timeout: Duration,
    pins: Pins,
}

impl Guard {
    pub(crate) fn new(
        allow_private: bool,
        resolve: &[(String, SocketAddr)],
        trusted: &[SocketAddr],
        dns_timeout: Duration,
    ) -> Self {
        let mut overrides: HashMap<String, Vec<SocketAddr>> = HashMap::new();
        for (host, addr) in resolve {
            overrides
                .entry(normalize_host(host))
                .or_default()
                .push(*addr);
        }
        Self {
            allow_private,
            overrides,
            trusted: trusted.iter().copied().collect(),
            dns_timeout,
            pins: Pins::default(),
        }
    }

    /// The resolver to install in the HTTP client: it answers only from the pins.
    pub(crate) fn resolver(&self) -> PinnedResolver {
        PinnedResolver {
            pins: Arc::clone(&self.pins),
        }
    }

    /// The addresses `url` may be fetched from; `Blocked` when none is allowed.
    pub(crate) async fn check(&self, url: &Url) -> Result<Vec<SocketAddr>, FetchError> {
        let default_port = url.port_or_known_default().unwrap_or(80);
        let candidates = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), default_port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), default_port)],
            Some(Host::Domain(name)) => self.resolve(url, name, default_port).await?,
            None => {
                return Err(FetchError::Dns {
                    host: String::new(),
                    message: format!("{url} has no host"),
                });
            }
        };
        let mut first_refusal = None;
        let allowed: Vec<SocketAddr> = candidates
            .into_iter()
            .filter(|addr| match self.refusal(*addr) {
                None => true,
                Some(reason) => {
                    first_refusal.get_or_insert(reason);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), first_refusal) {
            (true, Some(reason)) => Err(FetchError::Blocked {
                url: url.clone(),
                reason,
            }),
            (true, None) => Err(FetchError::Dns {
                host: url.host_str().unwrap_or_default().to_owned(),
                message: "no addresses".to_owned(),
            }),
            (false, _) => Ok(allowed),
        }
    }

    fn refusal(&self, addr: SocketAddr) -> Option<BlockReason> {
        if self.allow_private || self.trusted.contains(&addr) {
            return None;
        }
        forbidden_reason(addr.ip())
    }

    async fn resolve(
        &self,
        url: &Url,
        name: &str,
        default_port: u16,
    ) -> Result<Vec<SocketAddr>, FetchError> {
        let host = normalize_host(name);
        if !self.allow_private
            && (INTERNAL_HOSTS.contains(&host.as_str())
                || host == "localhost"
                || host.ends_with(".localhost"))
        {
            return Err(FetchError::Blocked {
                url: url.clone(),
                reason: BlockReason::InternalHost(host),
            });
        }
        // An exact override first, then the catch-all `*` (every other name: a test world
        // serving thousands of fictional domains from one address).
        if let Some(addrs) = self
            .overrides
            .get(&host)
            .or_else(|| self.overrides.get("*"))
        {
            // reqwest's `resolve` semantics: the URL's port wins, else the override's, else
            // the scheme's.
            return Ok(addrs
                .iter()
                .map(|addr| {
                    let port = match (url.port(), addr.port()) {
                        (Some(port), _) => port,
                        (None, 0) => default_port,
                        (None, port) => port,
                    };
                    SocketAddr::new(addr.ip(), port)
                })
                .collect());
        }
        let lookup = tokio::net::lookup_host((host.clone(), default_port));
        match tokio::time::timeout(self.dns_timeout, lookup).await {
            Ok(Ok(addrs)) => Ok(addrs.collect()),
            Ok(Err(err)) => Err(FetchError::Dns {
                host,
                message: err.to_string(),
            }),
            Err(_) => Err(FetchError::Dns {
                host,
                message: format!("no answer within {:?}", self.dns_timeout),
            }),
        }
    }

    /// Lets the HTTP client connect to `host` at `addrs` (checked by [`Guard::check`]).
    pub(crate) fn pin(&self, host: &str, addrs: Vec<SocketAddr>) {
        self.pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(normalize_host(host), addrs);
    }

    /// Withdraws a pin once its request is done.
    pub(crate) fn unpin(&self, host: &str) {
        self.pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&normalize_host(host));
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The HTTP client's resolver: answers with the guard's pins and refuses anything else.
#[derive(Debug, Clone)]
pub(crate) struct PinnedResolver {
    pins: Pins,
}

/// A connection was attempted to a host the guard had not checked.
#[derive(Debug, thiserror::Error)]
#[error("{0} was not checked by the SSRF guard; refusing to connect")]
pub(crate) struct UncheckedHost(String);

impl Resolve for PinnedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = normalize_host(name.as_str());
        let pinned = self
            .pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&host)
            .cloned();
        Box::pin(async move {
            match pinned {
                Some(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                None => Err(Box::new(UncheckedHost(host)) as Box<_>),
            }
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn reason(ip: &str) -> Option<BlockReason> {
        forbidden_reason(ip.parse().unwrap())
    }

    #[test]
    fn internal_addresses_are_refused_with_their_kind() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases = [
            ("127.0.0.1", BlockReason::Loopback(ip("127.0.0.1"))),
            ("127.8.9.10", BlockReason::Loopback(ip("127.8.9.10"))),
            ("::1", BlockReason::Loopback(ip("::1"))),
            ("10.0.0.5", BlockReason::Private(ip("10.0.0.5"))),
            ("172.16.4.1", BlockReason::Private(ip("172.16.4.1"))),
            ("172.31.255.255", BlockReason::Private(ip("172.31.255.255"))),
            ("192.168.1.1", BlockReason::Private(ip("192.168.1.1"))),
            ("fd12:3456::1", BlockReason::Private(ip("fd12:3456::1"))),
            ("169.254.1.1", BlockReason::LinkLocal(ip("169.254.1.1"))),
            ("fe80::1", BlockReason::LinkLocal(ip("fe80::1"))),
            (
                "100.64.0.1",
                BlockReason::SharedAddressSpace(ip("100.64.0.1")),
            ),
            (
                "100.127.255.254",
                BlockReason::SharedAddressSpace(ip("100.127.255.254")),
            ),
            (
                "169.254.169.254",
                BlockReason::CloudMetadata(ip("169.254.169.254")),
            ),
            (
                "fd00:ec2::254",
                BlockReason::CloudMetadata(ip("fd00:ec2::254")),
            ),
            ("0.0.0.0", BlockReason::Unspecified(ip("0.0.0.0"))),
            ("::", BlockReason::Unspecified(ip("::"))),
            ("224.0.0.1", BlockReason::Multicast(ip("224.0.0.1"))),
            ("ff02::1", BlockReason::Multicast(ip("ff02::1"))),
            (
                "255.255.255.255",
                BlockReason::Reserved(ip("255.255.255.255")),
            ),
            ("0.1.2.3", BlockReason::Reserved(ip("0.1.2.3"))),
            ("192.0.2.10", BlockReason::Reserved(ip("192.0.2.10"))),
            ("2001:db8::1", BlockReason::Reserved(ip("2001:db8::1"))),
            // IPv4 inside IPv6 is judged as the IPv4 address.
            (
                "::ffff:127.0.0.1",
                BlockReason::Loopback(ip("::ffff:127.0.0.1")),
            ),
            (
                "::ffff:10.1.2.3",
                BlockReason::Private(ip("::ffff:10.1.2.3")),
            ),
            (
                "64:ff9b::a9fe:a9fe",
                BlockReason::CloudMetadata(ip("64:ff9b::a9fe:a9fe")),
            ),
            (
                "2002:c0a8:0101::1",
                BlockReason::Private(ip("2002:c0a8:0101::1")),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(reason(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for text in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:2800:220:1:248:1893:25c8:1946",
            "::ffff:93.184.216.34",
            "2002:5db8:d822::1",
        ] {
            assert_eq!(reason(text), None, "{text}");
        }
    }

    #[tokio::test]
    async fn overrides_take_the_urls_port_then_their_own_then_the_schemes() {
        let guard = Guard::new(
            true,
            &[
                ("Acme-Dental.com".into(), "127.0.0.1:8081".parse().unwrap()),
                ("zero.example".into(), "127.0.0.1:0".parse().unwrap()),
            ],
            &[],
            Duration::from_secs(1),
        );
        let check = |url: &str| {
            let url = Url::parse(url).unwrap();
            let guard = &guard;
            async move { guard.check(&url).await.unwrap() }
        };
        assert_eq!(
            check("http://acme-dental.com/").await,
            ["127.0.0.1:8081".parse().unwrap()]
        );
        assert_eq!(
            check("http://acme-dental.com:9000/").await,
            ["127.0.0.1:9000".parse().unwrap()]
        );
        assert_eq!(
            check("https://zero.example/").await,
            ["127.0.0.1:443".parse().unwrap()]
        );
    }

    #[tokio::test]
    async fn the_catch_all_override_answers_names_without_their_own() {
        let guard = Guard::new(
            false,
            &[
                ("*".into(), "93.184.216.34:0".parse().unwrap()),
                (
                    "acme-dental.com".into(),
                    "93.184.216.35:80".parse().unwrap(),
                ),
            ],
            &[],
            Duration::from_secs(1),
        );
        let check = |url: &str| {
            let url = Url::parse(url).unwrap();
            let guard = &guard;
            async move { guard.check(&url).await }
        };
        assert_eq!(
            check("https://any-dentist.example/").await.unwrap(),
            ["93.184.216.34:443".parse().unwrap()]
        );
        assert_eq!(
            check("http://acme-dental.com/").await.unwrap(),
            ["93.184.216.35:80".parse().unwrap()]
        );
        // The guard still refuses internal names and private addresses.
        assert!(check("http://localhost/").await.is_err());
        let private = Guard::new(
            false,
            &[("*".into(), "127.0.0.1:8080".parse().unwrap())],
            &[],
            Duration::from_secs(1),
        );
        let url = Url::parse("http://shop.example/").unwrap();
        assert!(matches!(
            private.check(&url).await,
            Err(FetchError::Blocked { .. })
        ));
    }

    #[tokio::test]
    async fn only_allowed_addresses_are_pinned_and_the_resolver_answers_only_pins() {
        let guard = Guard::new(
            false,
            &[
                ("acme-dental.com".into(), "10.0.0.5:80".parse().unwrap()),
                (
                    "acme-dental.com".into(),
                    "93.184.216.34:80".parse().unwrap(),
                ),
            ],
            &[],
            Duration::from_secs(1),
        );
        let url = Url::parse("http://acme-dental.com/").unwrap();
        let allowed = guard.check(&url).await.unwrap();
        assert_eq!(allowed, ["93.184.216.34:80".parse().unwrap()]);

        let resolver = guard.resolver();
        let name = |host: &str| host.parse::<Name>().unwrap();
        let err = resolver
            .resolve(name("acme-dental.com"))
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("not checked"), "{err}");
        guard.pin("acme-dental.com", allowed.clone());
        let answered: Vec<SocketAddr> = resolver
            .resolve(name("acme-dental.com"))
            .await
            .unwrap()
            .collect();
        assert_eq!(answered, allowed);
        guard.unpin("acme-dental.com");
        assert!(resolver.resolve(name("acme-dental.com")).await.is_err());
    }

    #[tokio::test]
    async fn metadata_host_names_are_refused_before_any_lookup() {
        let guard = Guard::new(false, &[], &[], Duration::from_secs(1));
        let url = Url::parse("http://metadata.google.internal/computeMetadata/v1/").unwrap();
        assert_eq!(
            guard.check(&url).await,
            Err(FetchError::Blocked {
                url: url.clone(),
                reason: BlockReason::InternalHost("metadata.google.internal".into()),
            })
        );
    }
}
