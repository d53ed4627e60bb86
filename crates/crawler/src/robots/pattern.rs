//! The byte-level pieces of robots.txt matching, as Google's reference parser
//! (`google/robotstxt`, `robots.cc`) does them: the part of a URL rules are matched against,
//! the escaping applied to rule values, and the `*` / `$` wildcard match.

/// The path, params and query of a URL (`/a/b;c?d=e`), without scheme, authority or
/// fragment; `/` when there is none. The URL is taken as written: callers pass it
/// percent-encoded already (a parsed [`url::Url`] always is).
pub fn path_params_query(url: &str) -> String {
    // Initial two slashes are ignored (protocol-relative URL).
    let search_start = if url.starts_with("//") { 2 } else { 0 };
    let rest = &url[search_start..];
    let early_path = rest.find(['/', '?', ';']);
    let mut protocol_end = rest.find("://");
    if let (Some(path), Some(protocol)) = (early_path, protocol_end)
        && path < protocol
    {
        // A path, param or query starting before `://` means `://` is not a scheme separator.
        protocol_end = None;
    }
    let after_protocol = protocol_end.map_or(0, |end| end + 3);
    let Some(path_start) = rest[after_protocol..]
        .find(['/', '?', ';'])
        .map(|i| i + after_protocol)
    else {
        return "/".to_owned();
    };
    let hash = rest.find('#');
    if hash.is_some_and(|h| h < path_start) {
        return "/".to_owned();
    }
    let path = &rest[path_start..hash.unwrap_or(rest.len())];
    if path.starts_with('/') {
        path.to_owned()
    } else {
        // A path that would start with `?` or `;` gets its slash.
        format!("/{path}")
    }
}

/// A rule value as matching needs it: bytes outside ASCII percent-encoded, and existing
/// `%xx` escapes upper-cased (`/ツ` → `/%E3%83%84`, `%aa` → `%AA`).
pub fn escape_pattern(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let byte = raw[i];
        if byte == b'%'
            && i + 2 < raw.len()
            && raw[i + 1].is_ascii_hexdigit()
            && raw[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(char::from(raw[i + 1].to_ascii_uppercase()));
            out.push(char::from(raw[i + 2].to_ascii_uppercase()));
            i += 3;
        } else if byte >= 0x80 {
            out.push_str(&format!("%{byte:02X}"));
            i += 1;
        } else {
            out.push(char::from(byte));
            i += 1;
        }
    }
    out
}

/// Whether `path` matches a rule `pattern`: the pattern is a prefix match where `*` matches
/// any run of bytes and a trailing `$` anchors the end (a `$` elsewhere is literal).
pub fn pattern_matches(path: &[u8], pattern: &[u8]) -> bool {
    let path_len = path.len();
    // Positions in `path` up to which the pattern read so far can match, ascending.
    let mut positions: Vec<usize> = Vec::with_capacity(path_len + 1);
    positions.push(0);
    for (index, &byte) in pattern.iter().enumerate() {
        if byte == b'$' && index + 1 == pattern.len() {
            return positions.last() == Some(&path_len);
        }
        if byte == b'*' {
            let first = positions[0];
            positions.clear();
            positions.extend(first..=path_len);
        } else {
            positions.retain_mut(|pos| {
                if *pos < path_len && path[*pos] == byte {
                    *pos += 1;
                    true
                } else {
                    false
                }
            });
            if positions.is_empty() {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_query_follows_the_reference_parser() {
        let cases = [
            ("", "/"),
            ("http://www.example.com", "/"),
            ("http://www.example.com/", "/"),
            ("http://www.example.com/a", "/a"),
            ("http://www.example.com/a/", "/a/"),
            (
                "http://www.example.com/a/b?c=http://d.e/",
                "/a/b?c=http://d.e/",
            ),
            (
                "http://www.example.com/a/b?c=d&e=f#fragment",
                "/a/b?c=d&e=f",
            ),
            ("example.com", "/"),
            ("example.com/", "/"),
            ("example.com/a", "/a"),
            ("example.com/a/", "/a/"),
            ("example.com/a/b?c=d&e=f#fragment", "/a/b?c=d&e=f"),
            ("a", "/"),
            ("a/", "/"),
            ("/a", "/a"),
            ("a/b", "/b"),
            ("example.com?a", "/?a"),
            ("example.com/a;b#c", "/a;b"),
            ("//a/b/c", "/b/c"),
        ];
        for (url, expected) in cases {
            assert_eq!(path_params_query(url), expected, "{url:?}");
        }
    }

    #[test]
    fn patterns_are_escaped_like_the_reference_parser() {
        assert_eq!(
            escape_pattern(b"http://www.example.com"),
            "http://www.example.com"
        );
        assert_eq!(escape_pattern(b"/a/b/c"), "/a/b/c");
        assert_eq!(escape_pattern("á".as_bytes()), "%C3%A1");
        assert_eq!(escape_pattern(b"%aa"), "%AA");
        assert_eq!(escape_pattern(b"%a"), "%a");
    }

    #[test]
    fn wildcards_and_end_anchors_match() {
        assert!(pattern_matches(b"/fish.php?id=1", b"/*.php"));
        assert!(pattern_matches(b"/fish.php", b"/*.php$"));
        assert!(!pattern_matches(b"/fish.php?id=1", b"/*.php$"));
        assert!(pattern_matches(b"/anything", b""));
        assert!(pattern_matches(b"/a$b", b"/a$b"));
        assert!(!pattern_matches(b"/Fish", b"/fish"));
        assert!(pattern_matches(b"/fish/salmon", b"/fish*"));
    }
}
