//! Sitemaps (sitemaps.org): `<urlset>` and `<sitemapindex>` XML, CDATA locations, hreflang
//! alternates (`<xhtml:link rel="alternate">`), plain-text sitemaps (one URL per line) and
//! gzip-compressed bodies; and [`walk`], which follows a site's sitemaps and their indexes.
//!
//! Parsing is lenient the way real sitemaps need: namespaces are ignored (local names only),
//! a `<loc>` counts as a page when its parent is `<url>` and as a sitemap when its parent is
//! `<sitemap>` (whatever the root), relative locations are resolved against the sitemap's own
//! URL, and a document cut short (by our size cap or the server) keeps what was read.

mod walk;

use std::io::Read;

use flate2::read::GzDecoder;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use url::Url;

pub use walk::{SitemapFailure, SitemapLimits, SitemapWalk, walk};

/// Entries kept per sitemap document (the protocol's own limit).
pub const MAX_ENTRIES_PER_DOCUMENT: usize = 50_000;

/// A page or nested sitemap listed in a sitemap, with its language alternates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapLink {
    /// The `<loc>`.
    pub loc: Url,
    /// `<lastmod>`, as written.
    pub lastmod: Option<String>,
    /// `<xhtml:link rel="alternate" hreflang="…" href="…">` alternates: (hreflang, URL).
    pub alternates: Vec<(String, Url)>,
}

impl SitemapLink {
    /// The alternate for `language` (`de` matches `de` and `de-ch`, exact first), else the
    /// location itself.
    pub fn for_language(&self, language: &str) -> &Url {
        let exact = self
            .alternates
            .iter()
            .find(|(lang, _)| lang.eq_ignore_ascii_case(language));
        let regional = || {
            self.alternates.iter().find(|(lang, _)| {
                lang.split(['-', '_'])
                    .next()
                    .is_some_and(|primary| primary.eq_ignore_ascii_case(language))
            })
        };
        exact.or_else(regional).map_or(&self.loc, |(_, url)| url)
    }
}

/// The format a sitemap was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SitemapFormat {
    /// `<urlset>` (or another XML root holding `<url>` / `<sitemap>` entries).
    Xml,
    /// `<sitemapindex>`.
    Index,
    /// One URL per line.
    Text,
}

/// A parsed sitemap document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sitemap {
    /// Its format.
    pub format: SitemapFormat,
    /// Pages listed.
    pub urls: Vec<SitemapLink>,
    /// Nested sitemaps listed.
    pub sitemaps: Vec<SitemapLink>,
    /// Entries whose location was not an http(s) URL.
    pub skipped: usize,
    /// Whether reading stopped early: malformed or cut-off XML, or the entry cap.
    pub incomplete: bool,
}

/// Why a body is not a sitemap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitemapError {
    /// HTML, an unrelated XML document, or text without a single URL.
    #[error("the document at {url} is not a sitemap ({what})")]
    NotASitemap {
        /// Where it came from.
        url: Url,
        /// What it looked like.
        what: String,
    },
    /// A gzip body that does not decompress.
    #[error("the gzip sitemap at {url} is corrupt: {message}")]
    Gzip {
        /// Where it came from.
        url: Url,
        /// What the decoder said.
        message: String,
    },
}

/// The bytes of a sitemap body: gunzipped when it is gzip (by its magic number, whatever
/// the headers said), cut at `limit` decompressed bytes. Returns whether it was cut.
pub fn decompress(url: &Url, body: &[u8], limit: usize) -> Result<(Vec<u8>, bool), SitemapError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        let cut = body.len() > limit;
        return Ok((body[..body.len().min(limit)].to_vec(), cut));
    }
    let mut out = Vec::new();
    let mut decoder =
        GzDecoder::new(body).take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1));
    match decoder.read_to_end(&mut out) {
        Ok(_) => {}
        // A gzip stream cut off by the fetch cap still yields what came before the cut.
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => {}
        Err(err) => {
            return Err(SitemapError::Gzip {
                url: url.clone(),
                message: err.to_string(),
            });
        }
    }
    let cut = out.len() > limit;
    out.truncate(limit);
    Ok((out, cut))
}

/// Parses a (decompressed) sitemap fetched from `url`.
pub fn parse(url: &Url, body: &[u8]) -> Result<Sitemap, SitemapError> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        parse_xml(url, trimmed)
    } else {
        parse_text(url, trimmed)
    }
}

fn parse_text(url: &Url, text: &str) -> Result<Sitemap, SitemapError> {
    let mut sitemap = Sitemap {
        format: SitemapFormat::Text,
        urls: Vec::new(),
        sitemaps: Vec::new(),
        skipped: 0,
        incomplete: false,
    };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match Url::parse(line) {
            Ok(loc) if matches!(loc.scheme(), "http" | "https") => {
                if sitemap.urls.len() == MAX_ENTRIES_PER_DOCUMENT {
                    sitemap.incomplete = true;
                    break;
                }
                sitemap.urls.push(SitemapLink {
                    loc,
                    lastmod: None,
                    alternates: Vec::new(),
                });
            }
            _ => sitemap.skipped += 1,
        }
    }
    if sitemap.urls.is_empty() {
        return Err(SitemapError::NotASitemap {
            url: url.clone(),
            what: "text without URLs".to_owned(),
        });
    }
    Ok(sitemap)
}

/// The entry being read: a `<url>` or a `<sitemap>`.
#[derive(Debug)]
struct Open {
    nested: bool,
    loc: String,
    lastmod: Option<String>,
    alternates: Vec<(String, Url)>,
}

fn parse_xml(url: &Url, text: &str) -> Result<Sitemap, SitemapError> {
    let mut reader = Reader::from_str(text);
    let mut sitemap = Sitemap {
        format: SitemapFormat::Xml,
        urls: Vec::new(),
        sitemaps: Vec::new(),
        skipped: 0,
        incomplete: false,
    };
    let mut root: Option<String> = None;
    let mut entry: Option<Open> = None;
    // The text field being read inside the entry: `loc` or `lastmod`.
    let mut field: Option<&'static str> = None;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(event) => event,
            Err(_) => {
                sitemap.incomplete = true;
                break;
            }
        };
        match event {
            Event::Start(tag) | Event::Empty(tag) => {
                let name = local_name(&tag);
                if root.is_none() {
                    if !matches!(name.as_str(), "urlset" | "sitemapindex") {
                        return Err(SitemapError::NotASitemap {
                            url: url.clone(),
                            what: format!("XML rooted at <{name}>"),
                        });
                    }
                    if name == "sitemapindex" {
                        sitemap.format = SitemapFormat::Index;
                    }
                    root = Some(name);
                    continue;
                }
                match name.as_str() {
                    "url" | "sitemap" => {
                        entry = Some(Open {
                            nested: name == "sitemap",
                            loc: String::new(),
                            lastmod: None,
                            alternates: Vec::new(),
                        });
                    }
                    "loc" => field = Some("loc"),
                    "lastmod" => field = Some("lastmod"),
                    "link" => {
                        if let (Some(open), Some(alternate)) =
                            (entry.as_mut(), alternate(url, &tag))
                        {
                            open.alternates.push(alternate);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) => append(&mut entry, field, &text.decode().unwrap_or_default()),
            Event::CData(data) => append(&mut entry, field, &data.decode().unwrap_or_default()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => named_entity(&reference.decode().unwrap_or_default()).to_owned(),
                };
                append(&mut entry, field, &resolved);
            }
            Event::End(tag) => match local_name_end(tag.local_name().as_ref()).as_str() {
                "loc" | "lastmod" => field = None,
                "url" | "sitemap" => {
                    if let Some(open) = entry.take() {
                        if sitemap.urls.len() + sitemap.sitemaps.len() == MAX_ENTRIES_PER_DOCUMENT {
                            sitemap.incomplete = true;
                            break;
                        }
                        push(url, &mut sitemap, open);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    if root.is_none() {
        return Err(SitemapError::NotASitemap {
            url: url.clone(),
            what: "no XML root element".to_owned(),
        });
    }
    Ok(sitemap)
}

fn push(base: &Url, sitemap: &mut Sitemap, open: Open) {
    let loc = base
        .join(open.loc.trim())
        .ok()
        .filter(|loc| matches!(loc.scheme(), "http" | "https") && !open.loc.trim().is_empty());
    let Some(loc) = loc else {
        sitemap.skipped += 1;
        return;
    };
    let link = SitemapLink {
        loc,
        lastmod: open.lastmod.map(|m| m.trim().to_owned()),
        alternates: open.alternates,
    };
    if open.nested {
        sitemap.sitemaps.push(link);
    } else {
        sitemap.urls.push(link);
    }
}

fn append(entry: &mut Option<Open>, field: Option<&'static str>, text: &str) {
    match (entry.as_mut(), field) {
        (Some(open), Some("loc")) => open.loc.push_str(text),
        (Some(open), Some("lastmod")) => open.lastmod.get_or_insert_default().push_str(text),
        _ => {}
    }
}

fn local_name(tag: &BytesStart<'_>) -> String {
    local_name_end(tag.local_name().as_ref())
}

fn local_name_end(name: &[u8]) -> String {
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

/// An `<xhtml:link rel="alternate" hreflang="…" href="…"/>`.
fn alternate(base: &Url, tag: &BytesStart<'_>) -> Option<(String, Url)> {
    let mut rel = None;
    let mut hreflang = None;
    let mut href = None;
    for attribute in tag.attributes().flatten() {
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::default())
            .ok()?
            .trim()
            .to_owned();
        match local_name_end(attribute.key.local_name().as_ref()).as_str() {
            "rel" => rel = Some(value),
            "hreflang" => hreflang = Some(value),
            "href" => href = Some(value),
            _ => {}
        }
    }
    if !rel.is_some_and(|rel| rel.eq_ignore_ascii_case("alternate")) {
        return None;
    }
    let href = base.join(&href?).ok()?;
    Some((hreflang?, href))
}

fn named_entity(name: &str) -> &'static str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn here() -> Url {
        Url::parse("https://example.org/sitemap.xml").unwrap()
    }

    #[test]
    fn escaped_and_relative_locations_are_read() {
        let xml = b"<urlset><url><loc>/a?x=1&amp;y=&#50;</loc></url><url><loc>mailto:x@y.z</loc></url></urlset>";
        let sitemap = parse(&here(), xml).unwrap();
        assert_eq!(sitemap.urls.len(), 1);
        assert_eq!(
            sitemap.urls[0].loc.as_str(),
            "https://example.org/a?x=1&y=2"
        );
        assert_eq!(sitemap.skipped, 1);
    }

    #[test]
    fn a_cut_off_document_keeps_what_was_read() {
        let xml = b"<urlset><url><loc>https://example.org/a</loc></url><url><loc>https://exa";
        let sitemap = parse(&here(), xml).unwrap();
        assert_eq!(sitemap.urls.len(), 1);
    }

    #[test]
    fn html_and_other_xml_are_not_sitemaps() {
        for body in [
            &b"<!DOCTYPE html><html><body/></html>"[..],
            b"<html>\n</html>",
            b"<rss><channel/></rss>",
            b"ABC",
        ] {
            assert!(matches!(
                parse(&here(), body),
                Err(SitemapError::NotASitemap { .. })
            ));
        }
    }

    #[test]
    fn plain_bodies_pass_through_decompression_with_the_cap() {
        assert_eq!(
            decompress(&here(), b"abcdef", 4).unwrap(),
            (b"abcd".to_vec(), true)
        );
        assert!(matches!(
            decompress(&here(), &[0x1f, 0x8b, 0, 1, 2], 100),
            Err(SitemapError::Gzip { .. })
        ));
    }
}
