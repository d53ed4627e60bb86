//! robots.txt lines as the reference parser reads them: BOM, line endings, length cap,
//! comments, `key: value` (or `key value`), and the keys it recognises, misspellings included.

/// Longest line the reference parser reads; the rest of a longer line is ignored.
pub(super) const MAX_LINE_LEN: usize = 2083 * 8;

const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// The keys a line can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    UserAgent,
    Allow,
    Disallow,
    Sitemap,
    CrawlDelay,
    Unknown,
}

/// The lines of a body: a leading (possibly partial) UTF-8 BOM skipped, split on CR, LF and
/// CRLF, each cut at [`MAX_LINE_LEN`] bytes.
pub(super) fn lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let bom = body
        .iter()
        .zip(UTF8_BOM)
        .take_while(|(byte, bom)| **byte == *bom)
        .count();
    body[bom..]
        .split(|b| *b == b'\n' || *b == b'\r')
        .map(|line| &line[..line.len().min(MAX_LINE_LEN - 1)])
}

/// A line's key and value: comment removed, whitespace trimmed; `key: value`, or `key value`
/// when the colon was forgotten and there are exactly two words.
pub(super) fn key_and_value(line: &[u8]) -> Option<(Key, &[u8])> {
    let line = match line.iter().position(|b| *b == b'#') {
        Some(hash) => &line[..hash],
        None => line,
    };
    let line = trim(line);
    let (key, value) = match line.iter().position(|b| *b == b':') {
        Some(colon) => (&line[..colon], &line[colon + 1..]),
        None => {
            let space = line.iter().position(|b| *b == b' ' || *b == b'\t')?;
            let value = trim(&line[space..]);
            if value.iter().any(|b| *b == b' ' || *b == b'\t') {
                return None;
            }
            (&line[..space], value)
        }
    };
    let key = trim(key);
    if key.is_empty() {
        return None;
    }
    Some((parse_key(key), trim(value)))
}

fn parse_key(key: &[u8]) -> Key {
    let starts = |prefixes: &[&str]| {
        prefixes.iter().any(|prefix| {
            key.len() >= prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
    };
    if starts(&["user-agent", "useragent", "user agent"]) {
        Key::UserAgent
    } else if starts(&["allow"]) {
        Key::Allow
    } else if starts(&[
        "disallow",
        "dissallow",
        "dissalow",
        "disalow",
        "diasllow",
        "disallaw",
    ]) {
        Key::Disallow
    } else if starts(&["sitemap", "site-map"]) {
        Key::Sitemap
    } else if starts(&["crawl-delay", "crawldelay", "crawl delay"]) {
        Key::CrawlDelay
    } else {
        Key::Unknown
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// `Crawl-delay: 2`, `2.5`, or `10s`: the leading decimal number of seconds.
pub(super) fn parse_delay(value: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(value).ok()?;
    let number: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number
        .parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
}
