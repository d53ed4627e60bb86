//! Why a fetch failed, and why the guard refused an address.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use super::body::ContentKind;

/// Why a fetch did not produce a page. Every variant names the URL (or site) concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The SSRF guard refused the URL: it resolves to (or is) an address we must not reach,
    /// or a redirect tried to downgrade to plain HTTP on another host.
    #[error("refused to fetch {url}: {reason}")]
    Blocked {
        /// The refused URL.
        url: Url,
        /// What was wrong with it.
        reason: BlockReason,
    },
    /// The site's robots.txt does not let our user agent fetch the URL (or could not be read,
    /// which counts as a refusal).
    #[error("robots.txt disallows fetching {url}")]
    DisallowedByRobots {
        /// The disallowed URL.
        url: Url,
    },
    /// Not an http(s) URL.
    #[error("{url} uses scheme {scheme:?}; only http and https are fetched")]
    UnsupportedScheme {
        /// The URL.
        url: Url,
        /// Its scheme.
        scheme: String,
    },
    /// The redirect chain was longer than allowed.
    #[error("{url} redirected more than {limit} times")]
    TooManyRedirects {
        /// The URL whose redirect would have exceeded the limit.
        url: Url,
        /// The limit.
        limit: usize,
    },
    /// A redirect led back to a URL already visited in the same chain.
    #[error("redirect loop: {url} was reached twice")]
    RedirectLoop {
        /// The URL reached twice.
        url: Url,
    },
    /// A redirect without a usable `Location`.
    #[error("{url} redirected to {location:?}, which is not a usable URL")]
    InvalidRedirect {
        /// The redirecting URL.
        url: Url,
        /// The `Location` header as sent (empty when missing).
        location: String,
    },
    /// The body was larger than the cap.
    #[error("{url} sent more than {limit} bytes")]
    BodyTooLarge {
        /// The URL.
        url: Url,
        /// The cap, in bytes.
        limit: usize,
    },
    /// No complete answer within the time allowed for one request.
    #[error("{url} did not answer within {after:?}")]
    Timeout {
        /// The URL.
        url: Url,
        /// The time allowed.
        after: Duration,
    },
    /// The server answered with a status that is not a page (4xx, 5xx, a 3xx without
    /// redirect).
    #[error("{url} answered HTTP {status}")]
    Http {
        /// The URL.
        url: Url,
        /// The HTTP status.
        status: u16,
    },
    /// The body is not of a type this fetch reads (an image, a PDF, JSON…).
    #[error("{url} is {content_type:?}, which is not {}", expected.describe())]
    UnsupportedContentType {
        /// The URL.
        url: Url,
        /// The `Content-Type` sent.
        content_type: String,
        /// What the fetch was for.
        expected: ContentKind,
    },
    /// Connecting or reading failed.
    #[error("network error fetching {url}: {message}")]
    Network {
        /// The URL.
        url: Url,
        /// What the HTTP stack reported.
        message: String,
    },
    /// The host name could not be resolved.
    #[error("cannot resolve {host}: {message}")]
    Dns {
        /// The host name.
        host: String,
        /// What the resolver reported.
        message: String,
    },
    /// The site's page budget is spent.
    #[error("page budget of {limit} pages for {site} is spent")]
    PageBudgetExhausted {
        /// The site (registrable domain, or host when there is none).
        site: String,
        /// The budget.
        limit: usize,
    },
}

impl FetchError {
    /// The HTTP status, for [`FetchError::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Why the SSRF guard refused an address or a redirect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockReason {
    /// 127.0.0.0/8, ::1.
    #[error("{0} is a loopback address")]
    Loopback(IpAddr),
    /// 10/8, 172.16/12, 192.168/16, fc00::/7 (and the deprecated fec0::/10).
    #[error("{0} is a private-network address")]
    Private(IpAddr),
    /// 169.254/16, fe80::/10.
    #[error("{0} is a link-local address")]
    LinkLocal(IpAddr),
    /// 100.64/10, carrier-grade NAT.
    #[error("{0} is a shared (carrier-grade NAT) address")]
    SharedAddressSpace(IpAddr),
    /// A cloud provider's instance metadata service (169.254.169.254, fd00:ec2::254, …).
    #[error("{0} is a cloud metadata service address")]
    CloudMetadata(IpAddr),
    /// 0.0.0.0, ::.
    #[error("{0} is the unspecified address")]
    Unspecified(IpAddr),
    /// 224/4, ff00::/8.
    #[error("{0} is a multicast address")]
    Multicast(IpAddr),
    /// Other special-purpose ranges that are not the public internet (0/8, 240/4, broadcast,
    /// documentation, benchmarking, IETF protocol assignments, 6to4/NAT64/Teredo forms of
    /// refused addresses…).
    #[error("{0} is a reserved address, not on the public internet")]
    Reserved(IpAddr),
    /// A host name that names a metadata service or this machine (`metadata.google.internal`,
    /// `localhost`).
    #[error("{0} names an internal service")]
    InternalHost(String),
    /// An https page redirected to plain http on another host.
    #[error("an https page redirected to plain http on another host")]
    InsecureRedirect,
}
