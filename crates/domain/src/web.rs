//! Websites as listings give them, and the registrable domain that identifies a business online.
//!
//! Listings write websites every way imaginable (`www.Example.com/contact`, `http://shop.example
//! .co.uk:8080`, `bücher.de`). [`normalize_website`] turns them into a visitable http(s) URL and
//! [`Domain`] into the *registrable* domain (public suffix + one label, per the Public Suffix
//! List), which is what dedupe and suppression compare: `shop.example.co.uk` and
//! `www.example.co.uk` are the same business.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

pub use crate::social::is_social_or_listing;

/// Why a website or domain was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Nothing but whitespace was given.
    #[error("website is empty")]
    Empty,
    /// Not a URL or host name at all.
    #[error("cannot read {0:?} as a website")]
    Unparseable(String),
    /// A URL with a scheme other than http(s), such as `mailto:`.
    #[error("website {raw:?} uses scheme {scheme:?}; only http and https can be visited")]
    UnsupportedScheme {
        /// The rejected input.
        raw: String,
        /// Its scheme.
        scheme: String,
    },
    /// The host is an IP address, which names a machine, not a business.
    #[error("website {0:?} is an IP address, not a domain")]
    IpAddress(String),
    /// The host is `localhost` or below it.
    #[error("website {0:?} points at localhost")]
    Localhost(String),
    /// The host is a bare public suffix (`co.uk`), a single label, or under an unknown TLD.
    #[error("website {0:?} has no registrable domain")]
    NoRegistrableDomain(String),
    /// A stored domain that is not in canonical form (lower-case registrable domain, punycode).
    #[error("{0:?} is not a canonical registrable domain")]
    NotCanonical(String),
}

/// A canonical registrable domain: lower-case, punycode, no `www.`, port, path or trailing dot
/// (`example.co.uk`, `xn--bcher-kva.de`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Domain(String);

impl Domain {
    /// The registrable domain of a website as a listing writes it (URL or bare host).
    pub fn from_url(website: &str) -> Result<Self, DomainError> {
        site_of(website).map(|(_, domain)| domain)
    }

    /// Same as [`Domain::from_url`]: any URL or host name is accepted and canonicalised.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::from_url(text)
    }

    /// Reads a stored value back, insisting it is already canonical.
    pub fn from_canonical(text: &str) -> Result<Self, DomainError> {
        match Self::from_url(text) {
            Ok(domain) if domain.0 == text => Ok(domain),
            _ => Err(DomainError::NotCanonical(text.to_owned())),
        }
    }

    /// The registrable domain of an already normalised URL's host.
    pub fn from_normalized(url: &Url) -> Result<Self, DomainError> {
        registrable_domain(url)
    }

    /// The domain text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Domain({})", self.0)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Domain {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_canonical(&text).map_err(serde::de::Error::custom)
    }
}

/// A website as a visitable URL: `http://` is added when the scheme is missing, the host is
/// lower-cased and punycoded, a trailing dot and the fragment are dropped, path and query are
/// kept. Only http(s) URLs whose host has a registrable domain are accepted, so every URL this
/// returns also has a [`Domain`].
pub fn normalize_website(raw: &str) -> Result<Url, DomainError> {
    site_of(raw).map(|(url, _)| url)
}

/// Normalises once and derives both the URL and its domain; triage uses this to avoid parsing
/// the same website twice.
pub(crate) fn site_of(raw: &str) -> Result<(Url, Domain), DomainError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(DomainError::Empty);
    }
    let candidate: Cow<'_, str> = if has_scheme(trimmed) {
        Cow::Borrowed(trimmed)
    } else if trimmed.starts_with("//") {
        Cow::Owned(format!("http:{trimmed}"))
    } else {
        Cow::Owned(format!("http://{trimmed}"))
    };
    let mut url = Url::parse(&candidate).map_err(|_| DomainError::Unparseable(raw.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DomainError::UnsupportedScheme {
            raw: raw.to_owned(),
            scheme: url.scheme().to_owned(),
        });
    }
    let domain = registrable_domain(&url).map_err(|err| with_input(err, raw))?;
    url.set_fragment(None);
    if let Some(host) = url
        .host_str()
        .and_then(|h| h.strip_suffix('.'))
        .map(str::to_owned)
    {
        url.set_host(Some(&host))
            .map_err(|_| DomainError::Unparseable(raw.to_owned()))?;
    }
    Ok((url, domain))
}

/// Whether `text` starts with a URL scheme (`https:`, `mailto:`) rather than `host:port`.
/// Schemes contain no dots and are not followed by a port number, so `example.com:8080` and
/// `localhost:3000` are hosts.
fn has_scheme(text: &str) -> bool {
    let Some((before, after)) = text.split_once(':') else {
        return false;
    };
    let scheme_like = before.starts_with(|c: char| c.is_ascii_alphabetic())
        && before
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-');
    scheme_like && !after.starts_with(|c: char| c.is_ascii_digit())
}

fn registrable_domain(url: &Url) -> Result<Domain, DomainError> {
    let host = match url.host() {
        Some(Host::Domain(host)) => host,
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
            return Err(DomainError::IpAddress(url.as_str().to_owned()));
        }
        None => return Err(DomainError::Unparseable(url.as_str().to_owned())),
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if host == "localhost" || host.ends_with(".localhost") {
        return Err(DomainError::Localhost(host.to_owned()));
    }
    // Unknown TLDs (`.local`, `.internal`, typos) match only the PSL's implicit `*` rule: such
    // hosts are not reachable on the public web, so they are not a business's domain.
    match psl::domain(host.as_bytes()) {
        Some(domain) if domain.suffix().is_known() => std::str::from_utf8(domain.as_bytes())
            .map(|text| Domain(text.to_owned()))
            .map_err(|_| DomainError::NoRegistrableDomain(host.to_owned())),
        _ => Err(DomainError::NoRegistrableDomain(host.to_owned())),
    }
}

/// Errors from the host check name the URL we built; report the caller's own input instead.
fn with_input(err: DomainError, raw: &str) -> DomainError {
    match err {
        DomainError::IpAddress(_) => DomainError::IpAddress(raw.to_owned()),
        DomainError::Unparseable(_) => DomainError::Unparseable(raw.to_owned()),
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn domain(raw: &str) -> String {
        Domain::from_url(raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn websites_reduce_to_their_registrable_domain() {
        assert_eq!(domain("https://www.Example.com:8080/path?q"), "example.com");
        assert_eq!(domain("example.com"), "example.com");
        assert_eq!(domain("EXAMPLE.COM."), "example.com");
        assert_eq!(domain("www.example.co.uk/contact"), "example.co.uk");
        assert_eq!(domain("http://sub.shop.example.co.uk"), "example.co.uk");
        assert_eq!(domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(domain("//cdn.example.de/x"), "example.de");
        assert_eq!(domain("  https://example.com.au/#top  "), "example.com.au");
    }

    #[test]
    fn internationalised_domains_become_punycode() {
        assert_eq!(domain("https://bücher.de"), "xn--bcher-kva.de");
        assert_eq!(domain("www.BÜCHER.de/shop"), "xn--bcher-kva.de");
    }

    #[test]
    fn hosts_without_a_public_registrable_domain_are_rejected() {
        let cases = [
            ("", DomainError::Empty),
            ("   ", DomainError::Empty),
            (
                "http://192.168.1.10/admin",
                DomainError::IpAddress("http://192.168.1.10/admin".into()),
            ),
            (
                "http://[::1]:8080/",
                DomainError::IpAddress("http://[::1]:8080/".into()),
            ),
            ("localhost:3000", DomainError::Localhost("localhost".into())),
            (
                "http://app.localhost",
                DomainError::Localhost("app.localhost".into()),
            ),
            ("co.uk", DomainError::NoRegistrableDomain("co.uk".into())),
            (
                "intranet",
                DomainError::NoRegistrableDomain("intranet".into()),
            ),
            (
                "printer.local",
                DomainError::NoRegistrableDomain("printer.local".into()),
            ),
            (
                "not a website",
                DomainError::Unparseable("not a website".into()),
            ),
            ("http://", DomainError::Unparseable("http://".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(Domain::from_url(raw), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn only_http_and_https_websites_are_accepted() {
        for raw in [
            "mailto:info@example.com",
            "ftp://example.com/file",
            "tel:+15125550123",
        ] {
            assert!(
                matches!(
                    normalize_website(raw),
                    Err(DomainError::UnsupportedScheme { .. })
                ),
                "{raw}"
            );
            assert!(Domain::from_url(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn normalised_websites_keep_path_and_query_and_gain_a_scheme() {
        let url = normalize_website("www.Example.com/Contact?x=1#form").unwrap();
        assert_eq!(url.as_str(), "http://www.example.com/Contact?x=1");
        let url = normalize_website("https://example.com.:8443").unwrap();
        assert_eq!(url.as_str(), "https://example.com:8443/");
        let url = normalize_website("example.com:8080/shop").unwrap();
        assert_eq!(url.as_str(), "http://example.com:8080/shop");
    }

    #[test]
    fn domains_serialise_as_text_and_deserialise_only_canonical_values() {
        let d = Domain::from_url("https://www.example.co.uk/").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"example.co.uk\"");
        assert_eq!(
            serde_json::from_str::<Domain>("\"example.co.uk\"").unwrap(),
            d
        );
        for bad in [
            "\"www.example.co.uk\"",
            "\"Example.co.uk\"",
            "\"co.uk\"",
            "\"\"",
        ] {
            assert!(serde_json::from_str::<Domain>(bad).is_err(), "{bad}");
        }
        assert_eq!(Domain::from_canonical("example.co.uk"), Ok(d.clone()));
        assert_eq!(d.to_string(), "example.co.uk");
    }
}
