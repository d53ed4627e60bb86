//! What an agency may save as its webhook: the URL (http or https, no credentials, at most
//! 2,000 characters, no internal host unless private networks are allowed) and the signing
//! secret. Parsed once into types, so what is stored is known good.

use std::net::IpAddr;

use url::{Host, Url};

/// Longest webhook URL accepted.
pub const MAX_URL_LEN: usize = 2000;
/// Shortest signing secret accepted.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest signing secret accepted.
pub const MAX_SECRET_LEN: usize = 256;

/// Host names that never reach the public internet (cloud metadata services, this machine).
const INTERNAL_HOSTS: &[&str] = &[
    "localhost",
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Why a webhook URL was refused. Messages never repeat the URL: it may carry a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    /// Empty.
    #[error("the webhook URL is empty")]
    Empty,
    /// Over [`MAX_URL_LEN`].
    #[error("the webhook URL is {0} characters long; at most {MAX_URL_LEN} are allowed")]
    TooLong(usize),
    /// Not a URL at all.
    #[error("the webhook URL is not a valid absolute URL ({0})")]
    Invalid(String),
    /// Not http(s).
    #[error("the webhook URL uses scheme {0:?}; only http and https are allowed")]
    Scheme(String),
    /// `user:password@`.
    #[error("the webhook URL must not contain a user name or password")]
    Credentials,
    /// No host.
    #[error("the webhook URL has no host")]
    NoHost,
    /// A loopback, private or metadata address, and private networks are not allowed.
    #[error(
        "the webhook URL points at {0}, which is not on the public internet \
         (LEADFORGE_ALLOW_PRIVATE_NETWORK allows it)"
    )]
    Internal(String),
}

/// A webhook URL that passed [`WebhookUrl::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    /// Checks `text`: http(s), no credentials, a host, at most [`MAX_URL_LEN`] characters and,
    /// unless `allow_private`, not an internal host or address literal. Names that resolve to
    /// internal addresses are refused again when sending.
    pub fn parse(text: &str, allow_private: bool) -> Result<Self, WebhookUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WebhookUrlError::Empty);
        }
        let len = text.chars().count();
        if len > MAX_URL_LEN {
            return Err(WebhookUrlError::TooLong(len));
        }
        let url = Url::parse(text).map_err(|e| WebhookUrlError::Invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WebhookUrlError::Scheme(url.scheme().to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Credentials);
        }
        if url.as_str().chars().count() > MAX_URL_LEN {
            return Err(WebhookUrlError::TooLong(url.as_str().chars().count()));
        }
        let host = url.host().ok_or(WebhookUrlError::NoHost)?;
        if !allow_private && let Some(what) = internal_host(&host) {
            return Err(WebhookUrlError::Internal(what));
        }
        Ok(Self(url))
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// What is internal about `host`, if anything (names by name, literals by address).
pub(crate) fn internal_host(host: &Host<&str>) -> Option<String> {
    let ip = match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if INTERNAL_HOSTS.contains(&name.as_str()) || name.ends_with(".localhost") {
                return Some(format!("the internal host {name}"));
            }
            return None;
        }
        Host::Ipv4(ip) => IpAddr::V4(*ip),
        Host::Ipv6(ip) => IpAddr::V6(*ip),
    };
    crawler::fetch::forbidden_reason(ip).map(|reason| reason.to_string())
}

/// Why a signing secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookSecretError {
    /// Too short or too long.
    #[error(
        "the webhook secret must be {MIN_SECRET_LEN}–{MAX_SECRET_LEN} characters long (got {0})"
    )]
    Length(usize),
    /// Whitespace or control characters inside.
    #[error("the webhook secret must not contain spaces or control characters")]
    Characters,
}

/// Checks a signing secret (surrounding whitespace is not part of it: trim first).
pub fn check_secret(secret: &str) -> Result<(), WebhookSecretError> {
    let len = secret.chars().count();
    if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&len) {
        return Err(WebhookSecretError::Length(len));
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(WebhookSecretError::Characters);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn public_http_and_https_urls_are_accepted() {
        for text in [
            "https://hooks.example.com/leadforge",
            "http://example.com:8080/in?token=abc",
            "  https://example.com/x  ",
        ] {
            assert!(WebhookUrl::parse(text, false).is_ok(), "{text}");
        }
    }

    #[test]
    fn bad_urls_are_refused_naming_the_problem() {
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        for (text, want) in [
            ("", WebhookUrlError::Empty),
            ("ftp://example.com/", WebhookUrlError::Scheme("ftp".into())),
            ("file:///etc/passwd", WebhookUrlError::Scheme("file".into())),
            ("https://user:pw@example.com/", WebhookUrlError::Credentials),
            ("https://user@example.com/", WebhookUrlError::Credentials),
            (long.as_str(), WebhookUrlError::TooLong(long.len())),
        ] {
            assert_eq!(WebhookUrl::parse(text, true), Err(want), "{text}");
        }
        assert!(matches!(
            WebhookUrl::parse("not a url", true),
            Err(WebhookUrlError::Invalid(_))
        ));
    }

    #[test]
    fn internal_hosts_are_refused_unless_private_networks_are_allowed() {
        for text in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://api.localhost/hook",
            "http://10.1.2.3/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://metadata.google.internal/",
        ] {
            assert!(
                matches!(
                    WebhookUrl::parse(text, false),
                    Err(WebhookUrlError::Internal(_))
                ),
                "{text}"
            );
            assert!(WebhookUrl::parse(text, true).is_ok(), "{text}");
        }
    }

    #[test]
    fn errors_never_repeat_the_url() {
        let err = WebhookUrl::parse("ftp://secret-token@example.com/", false).unwrap_err();
        assert!(!err.to_string().contains("secret-token"), "{err}");
    }

    #[test]
    fn secrets_are_checked_for_length_and_characters() {
        assert!(check_secret("0123456789abcdef").is_ok());
        assert_eq!(check_secret("short"), Err(WebhookSecretError::Length(5)));
        assert_eq!(
            check_secret("0123456789 abcdef"),
            Err(WebhookSecretError::Characters)
        );
        assert_eq!(
            check_secret(&"x".repeat(300)),
            Err(WebhookSecretError::Length(300))
        );
    }
}
