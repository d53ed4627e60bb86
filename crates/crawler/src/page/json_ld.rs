//! JSON-LD blocks as sites write them.

use serde_json::Value;

/// Reads a JSON-LD block as sites write them: sometimes wrapped in `<!-- -->` or CDATA, with a
/// trailing `;`, or with raw line breaks inside strings (invalid JSON, accepted by browsers'
/// consumers, so common).
pub(super) fn parse_json_ld(raw: &str) -> Option<Value> {
    let mut text = raw.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
    ] {
        if let Some(inner) = text.strip_prefix(open) {
            text = inner.strip_suffix(close).unwrap_or(inner).trim();
        }
    }
    let text = text.trim_end_matches(';').trim();
    if text.is_empty() {
        return None;
    }
    serde_json::from_str(text).ok().or_else(|| {
        let cleaned: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&cleaned).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloppy_blocks_are_still_read() {
        assert!(parse_json_ld("<!-- {\"@type\": \"Dentist\"} -->").is_some());
        assert!(parse_json_ld("//<![CDATA[\n{\"a\":1};\n//]]>").is_some());
        assert!(parse_json_ld("{\"description\": \"two\nlines\"}").is_some());
        assert!(parse_json_ld("{ not json").is_none());
        assert!(parse_json_ld("   ").is_none());
        // serde_json's recursion limit turns hostile nesting into an error, not a crash.
        assert!(parse_json_ld(&"[".repeat(100_000)).is_none());
    }
}
