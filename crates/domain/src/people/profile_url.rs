//! LinkedIn profile addresses in their one canonical spelling, so that one person found under
//! `https://www.linkedin.com/in/Jane-Doe-1a2b/`, `http://uk.linkedin.com/in/jane-doe-1a2b?trk=x`
//! and `linkedin.com/in/jane%2Ddoe%2D1a2b` is one person.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

/// A LinkedIn member profile (`/in/{handle}`) as `https://linkedin.com/in/{handle}`: no `www.`
/// or country subdomain, handle lower case, no query, fragment or trailing slash, non-ASCII
/// percent-encoded in one spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProfileUrl(String);

/// The link is not a LinkedIn member profile: not a URL, another site, or a company page,
/// post, job or directory rather than `/in/{handle}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a LinkedIn profile URL")]
pub struct NotAProfileUrl;

const PREFIX: &str = "https://linkedin.com/in/";

impl ProfileUrl {
    /// Reads a profile link in any of the spellings search engines return.
    pub fn parse(link: &str) -> Result<Self, NotAProfileUrl> {
        let link = link.trim();
        let url = if link.contains("://") {
            Url::parse(link)
        } else {
            Url::parse(&format!("https://{link}"))
        }
        .map_err(|_| NotAProfileUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(NotAProfileUrl);
        }
        let host = url.host_str().ok_or(NotAProfileUrl)?;
        let sub = host.strip_suffix("linkedin.com").ok_or(NotAProfileUrl)?;
        let sub_ok = match sub.strip_suffix('.') {
            None => sub.is_empty(),
            // `www.`, `m.`, `mobile.` and country subdomains (`uk.`, `de.`, `br.`).
            Some(label) => {
                matches!(label, "www" | "m" | "mobile")
                    || (label.len() == 2 && label.bytes().all(|b| b.is_ascii_lowercase()))
            }
        };
        if !sub_ok {
            return Err(NotAProfileUrl);
        }
        let mut segments = url.path_segments().ok_or(NotAProfileUrl)?;
        if segments.next() != Some("in") {
            return Err(NotAProfileUrl);
        }
        // Anything after the handle (`/de`, `/details/experience`) is a view of the profile.
        let raw = segments
            .next()
            .filter(|h| !h.is_empty())
            .ok_or(NotAProfileUrl)?;
        let handle = percent_decode(raw).ok_or(NotAProfileUrl)?.to_lowercase();
        if handle.is_empty() || handle.chars().any(|c| c == '/' || c.is_whitespace()) {
            return Err(NotAProfileUrl);
        }
        let mut canonical = String::with_capacity(PREFIX.len() + handle.len());
        canonical.push_str(PREFIX);
        percent_encode_into(&mut canonical, &handle);
        Ok(Self(canonical))
    }

    /// The canonical URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The handle as it appears in the canonical URL.
    pub fn handle(&self) -> &str {
        &self.0[PREFIX.len()..]
    }

    /// The handle without LinkedIn's numbered suffix and without separators
    /// (`jane-doe-1a2b3c4d` → `janedoe`): what two spellings of one person's URL share.
    pub(crate) fn stem(&self) -> String {
        let handle = self.handle();
        let mut parts: Vec<&str> = handle.split('-').collect();
        while parts.len() > 1
            && parts
                .last()
                .is_some_and(|p| p.bytes().any(|b| b.is_ascii_digit()))
        {
            parts.pop();
        }
        parts
            .concat()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '%')
            .collect()
    }
}

impl fmt::Display for ProfileUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ProfileUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProfileUrl {
    type Error = NotAProfileUrl;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ProfileUrl> for String {
    fn from(url: ProfileUrl) -> Self {
        url.0
    }
}

/// `%XX` escapes decoded; `None` when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Appends `text` with everything but unreserved ASCII percent-encoded (upper-case hex).
fn percent_encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(link: &str) -> Option<String> {
        ProfileUrl::parse(link).ok().map(String::from)
    }

    #[test]
    fn every_spelling_of_a_profile_has_one_canonical_url() {
        for link in [
            "https://www.linkedin.com/in/jane-doe-1a2b3c4d",
            "https://www.linkedin.com/in/jane-doe-1a2b3c4d/",
            "http://linkedin.com/in/Jane-Doe-1A2B3C4D",
            "https://uk.linkedin.com/in/jane-doe-1a2b3c4d?trk=public_profile",
            "https://de.linkedin.com/in/jane-doe-1a2b3c4d/de",
            "https://www.linkedin.com/in/jane-doe-1a2b3c4d#experience",
            "https://www.linkedin.com/in/jane%2Ddoe%2D1a2b3c4d",
            "linkedin.com/in/jane-doe-1a2b3c4d",
            "https://m.linkedin.com/in/jane-doe-1a2b3c4d",
        ] {
            assert_eq!(
                canonical(link).as_deref(),
                Some("https://linkedin.com/in/jane-doe-1a2b3c4d"),
                "{link}"
            );
        }
    }

    #[test]
    fn non_ascii_handles_have_one_spelling() {
        let encoded = canonical("https://de.linkedin.com/in/J%C3%BCrgen-M%C3%BCller");
        let raw = canonical("https://de.linkedin.com/in/jürgen-müller");
        assert_eq!(encoded, raw);
        assert_eq!(
            encoded.as_deref(),
            Some("https://linkedin.com/in/j%C3%BCrgen-m%C3%BCller")
        );
    }

    #[test]
    fn company_pages_posts_jobs_and_directories_are_not_profiles() {
        for link in [
            "https://www.linkedin.com/company/bright-smile-dental",
            "https://www.linkedin.com/posts/jane-doe_activity-123",
            "https://www.linkedin.com/pub/dir/Jane/Doe",
            "https://www.linkedin.com/jobs/view/123",
            "https://www.linkedin.com/in/",
            "https://www.linkedin.com/",
            "https://notlinkedin.com/in/jane-doe",
            "https://linkedin.com.evil.example/in/jane-doe",
            "https://www.facebook.com/in/jane-doe",
            "mailto:jane@linkedin.com",
            "not a url",
        ] {
            assert_eq!(canonical(link), None, "{link}");
        }
    }

    #[test]
    fn stems_ignore_the_numbered_suffix_and_separators() {
        let stem = |link: &str| ProfileUrl::parse(link).map(|u| u.stem()).ok();
        assert_eq!(
            stem("linkedin.com/in/jane-doe-1a2b3c4d").as_deref(),
            Some("janedoe")
        );
        assert_eq!(stem("linkedin.com/in/janedoe").as_deref(), Some("janedoe"));
        assert_eq!(
            stem("linkedin.com/in/jane-doe-dds").as_deref(),
            Some("janedoedds")
        );
    }

    #[test]
    fn profile_urls_round_trip_through_serde() {
        let url = ProfileUrl::parse("https://www.linkedin.com/in/jane-doe/").expect("a profile");
        let json = serde_json::to_string(&url).expect("serialises");
        assert_eq!(json, "\"https://linkedin.com/in/jane-doe\"");
        let back: ProfileUrl = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, url);
        assert!(serde_json::from_str::<ProfileUrl>("\"https://linkedin.com/company/x\"").is_err());
    }
}
