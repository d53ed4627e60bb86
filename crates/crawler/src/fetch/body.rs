//! Response bodies: which content types a fetch accepts, reading under a size cap, and
//! decoding page text by its charset.

use encoding_rs::{Encoding, UTF_8};
use url::Url;

use super::error::FetchError;

/// What a fetch is for; decides the accepted content types and what happens at the size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// An HTML (or XML / plain-text) page; larger than the cap is an error.
    Page,
    /// A sitemap (XML, text or gzip); cut at the cap, the part read is still parsed.
    Sitemap,
    /// A robots.txt; any content type, cut at [`MAX_ROBOTS_BYTES`](crate::robots::MAX_ROBOTS_BYTES).
    Robots,
}

impl ContentKind {
    fn accepts(self, essence: &str) -> bool {
        match self {
            Self::Page => matches!(
                essence,
                "text/html"
                    | "application/xhtml+xml"
                    | "application/xml"
                    | "text/xml"
                    | "text/plain"
            ),
            Self::Sitemap => matches!(
                essence,
                "application/xml"
                    | "text/xml"
                    | "application/gzip"
                    | "application/x-gzip"
                    | "text/plain"
                    | "application/octet-stream"
            ),
            Self::Robots => true,
        }
    }

    /// What the kind reads, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Page => "an HTML, XML or plain-text page",
            Self::Sitemap => "an XML, plain-text or gzip sitemap",
            Self::Robots => "a robots.txt",
        }
    }

    pub(crate) fn accept_header(self) -> &'static str {
        match self {
            Self::Page => "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8",
            Self::Sitemap => "application/xml,text/xml;q=0.9,application/gzip;q=0.8,*/*;q=0.5",
            Self::Robots => "text/plain,*/*;q=0.5",
        }
    }

    /// Whether the body is cut at the cap rather than refused.
    pub(crate) fn truncates(self) -> bool {
        !matches!(self, Self::Page)
    }
}

/// The MIME essence (`text/html`) of a `Content-Type` value, lower-cased.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Refuses a response whose content type `kind` does not read. A missing type is accepted:
/// many small-business servers send none.
pub(crate) fn check_content_type(
    url: &Url,
    content_type: Option<&str>,
    kind: ContentKind,
) -> Result<(), FetchError> {
    match content_type {
        Some(value) if !kind.accepts(&essence(value)) => Err(FetchError::UnsupportedContentType {
            url: url.clone(),
            content_type: value.to_owned(),
            expected: kind,
        }),
        _ => Ok(()),
    }
}

/// A body read under a cap.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) bytes: Vec<u8>,
    pub(crate) truncated: bool,
}

/// Reads the body chunk by chunk and stops at `limit` bytes: an error for pages, a cut body
/// otherwise. The declared `Content-Length` is checked first so an oversized page is refused
/// without reading it.
pub(crate) async fn read_capped(
    url: &Url,
    mut response: reqwest::Response,
    limit: usize,
    kind: ContentKind,
) -> Result<Body, FetchError> {
    let too_large = || FetchError::BodyTooLarge {
        url: url.clone(),
        limit,
    };
    let declared = response
        .content_length()
        .and_then(|len| usize::try_from(len).ok());
    if !kind.truncates() && declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(16 * 1024).min(limit));
    while let Some(chunk) = response.chunk().await.map_err(|err| network(url, &err))? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            if !kind.truncates() {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Body {
                bytes,
                truncated: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes,
        truncated: false,
    })
}

/// A reqwest error as a [`FetchError`], its whole source chain in the message.
pub(crate) fn network(url: &Url, err: &reqwest::Error) -> FetchError {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchError::Network {
        url: url.clone(),
        message,
    }
}

/// Decodes page bytes to text: the `Content-Type` charset, else a byte-order mark, else a
/// `<meta charset>` in the first KiB, else UTF-8. Malformed sequences become U+FFFD.
pub fn decode_text(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    let declared = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()));
    let encoding = declared
        .or_else(|| Encoding::for_bom(bytes).map(|(encoding, _)| encoding))
        .or_else(|| meta_charset(bytes))
        .unwrap_or(UTF_8);
    let (text, used, _) = encoding.decode(bytes);
    (text.into_owned(), used)
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
    })
}

/// The charset a page declares in a `<meta charset=…>` or `<meta http-equiv content=…>` near
/// its top (the HTML prescan, simplified).
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(meta) = rest.find("<meta") {
        rest = &rest[meta + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(at) = tag.find("charset=") {
            let label: String = tag[at + 8..]
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                .collect();
            if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
                // A page that says UTF-16 in ASCII is not UTF-16 (HTML spec).
                return Some(if encoding.is_single_byte() || encoding == UTF_8 {
                    encoding
                } else {
                    encoding.output_encoding()
                });
            }
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_header_charset_wins() {
        let (text, encoding) = decode_text(b"Caf\xe9", Some("text/html; charset=ISO-8859-1"));
        assert_eq!(text, "Café");
        assert_eq!(encoding.name(), "windows-1252");
    }

    #[test]
    fn a_meta_charset_is_found_without_a_header_charset() {
        let page = b"<html><head><meta charset=\"iso-8859-1\"><title>M\xfcller</title>";
        assert!(decode_text(page, Some("text/html")).0.contains("Müller"));
        let page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">\xcf\xf0\xe8";
        assert!(decode_text(page, None).0.ends_with("При"));
    }

    #[test]
    fn utf8_is_the_default_and_bad_bytes_are_replaced() {
        assert_eq!(decode_text("Grüße".as_bytes(), None).0, "Grüße");
        assert_eq!(decode_text(b"a\xffb", None).0, "a\u{fffd}b");
    }

    #[test]
    fn content_types_are_checked_by_kind() {
        let url = Url::parse("http://example.com/").unwrap();
        assert!(
            check_content_type(&url, Some("text/html; charset=utf-8"), ContentKind::Page).is_ok()
        );
        assert!(check_content_type(&url, None, ContentKind::Page).is_ok());
        assert!(check_content_type(&url, Some("image/png"), ContentKind::Page).is_err());
        assert!(check_content_type(&url, Some("application/x-gzip"), ContentKind::Sitemap).is_ok());
        assert!(check_content_type(&url, Some("text/html"), ContentKind::Sitemap).is_err());
        assert!(check_content_type(&url, Some("text/html"), ContentKind::Robots).is_ok());
    }
}
