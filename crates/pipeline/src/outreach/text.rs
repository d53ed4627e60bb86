//! Text as grounding reads it: sentences, numbers, links, word and length caps.

/// Words of a sign-off block ("Best regards,\nBrightside Digital") kept whatever the length.
const SIGN_OFF_WORDS: usize = 12;

/// The body's lines, blank runs collapsed, cut to `max` words by leaving out whole sentences
/// that would go over. A short last paragraph (the sign-off) is kept first; later, shorter
/// sentences may still fit after a long one was left out.
pub(super) fn cap_words(lines: &[String], max: usize) -> String {
    let count = |ls: &[String]| -> usize { ls.iter().map(|l| l.split_whitespace().count()).sum() };
    let last_blank = lines.iter().rposition(|l| l.trim().is_empty());
    let (main, tail) = match last_blank {
        Some(i) if count(&lines[i + 1..]) <= SIGN_OFF_WORDS.min(max) => lines.split_at(i + 1),
        _ => (lines, &[][..]),
    };
    let mut words = count(tail);
    let mut out: Vec<String> = Vec::new();
    for line in main {
        let mut kept = Vec::new();
        for s in sentences(line) {
            let n = s.split_whitespace().count();
            if words + n <= max {
                words += n;
                kept.push(s);
            }
        }
        let line = kept.join(" ");
        if line.is_empty() && out.last().is_none_or(String::is_empty) {
            continue;
        }
        out.push(line);
    }
    for line in tail {
        out.push(sentences(line).join(" "));
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

/// Sentences of one line: split after `.`, `!` or `?` followed by a space, so "4.2" and URLs
/// stay whole.
pub(super) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n'
            || (matches!(c, '.' | '!' | '?')
                && chars.peek().is_none_or(|(_, next)| next.is_whitespace()))
        {
            let end = i + c.len_utf8();
            out.push(text[start..end].trim());
            start = end;
        }
    }
    out.push(text[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// The numbers `text` states, links left out: digits with decimal points and thousands
/// separators (`1,200` → `1200`), a following `%` or "percent" kept (`300%`).
pub(super) fn numbers(text: &str) -> Vec<String> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| {
            let w = trim_punct(w);
            !(is_link(w) || w.contains('@'))
        })
        .collect();
    let text = words.join(" ");
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !digit(i) {
            i += 1;
            continue;
        }
        let mut n = String::new();
        while i < chars.len() {
            let c = chars[i];
            let decimal = c == '.' && digit(i + 1);
            if c.is_ascii_digit() || decimal {
                n.push(c);
            } else if c != ',' || !(1..=3).all(|k| digit(i + k)) || digit(i + 4) {
                // Anything but a thousands separator (which is dropped) ends the number.
                break;
            }
            i += 1;
        }
        let rest: String = chars[i..]
            .iter()
            .take(10)
            .collect::<String>()
            .to_lowercase();
        let rest = rest.trim_start();
        if rest.starts_with('%') || rest.starts_with("percent") || rest.starts_with("per cent") {
            n.push('%');
        }
        out.push(n);
    }
    out
}

/// A word without the punctuation around it.
pub(super) fn trim_punct(word: &str) -> &str {
    word.trim_matches(|c: char| "()<>[]{}\"'“”‘’,.;:!?*".contains(c))
}

/// Whether a word is a link: `http(s)://…`, `www.…` or a bare domain (`acme.co.uk/about`).
pub(super) fn is_link(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return true;
    }
    !word.contains('@') && is_domain(word.split('/').next().unwrap_or(""))
}

/// `acme.co.uk`: dot-separated labels of letters, digits and hyphens, ending in a
/// two-to-six-letter label.
pub(super) fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|t| {
            (2..=6).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphabetic())
        })
}

/// A link as compared: host without `www.`, path without a trailing slash, query; no scheme or
/// fragment.
pub(super) fn link_key(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    let full = if lower.starts_with("http://") || lower.starts_with("https://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let u = url::Url::parse(&full).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let path = u.path().trim_end_matches('/');
    let query = u.query().map_or(String::new(), |q| format!("?{q}"));
    Some(format!("{host}{path}{query}"))
}

/// `text` without `[id]` annotations (the model citing inline).
pub(super) fn strip_bracket_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close)
                if close > 0
                    && close <= 64
                    && after[..close]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                out.push_str(rest[..open].trim_end_matches(' '));
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub(super) fn single_line(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_prefix("Subject:")
        .or_else(|| text.strip_prefix("subject:"))
        .unwrap_or(text);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` characters at a word break, with "…".
pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let room: String = text.chars().take(max.saturating_sub(1)).collect();
    let head = match room.rfind(' ') {
        Some(i) if i > room.len() / 2 => &room[..i],
        _ => room.as_str(),
    };
    format!("{}…", head.trim_end_matches([' ', ',', ';', ':', '-', '—']))
}

/// `text` ending in a full stop (or its own `!`/`?`).
pub(super) fn as_sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

pub(super) fn capitalize(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// `text` with its first letter lower-cased, unless the first word is an acronym ("HTML is…").
pub(super) fn lower_first(text: &str) -> String {
    let text = text.trim();
    let first = text.split_whitespace().next().unwrap_or("");
    if first.chars().filter(|c| c.is_uppercase()).count() > 1 {
        return text.to_owned();
    }
    let mut c = text.chars();
    c.next()
        .map_or(String::new(), |f| f.to_lowercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_decimals_percentages_and_thousands_but_not_links() {
        assert_eq!(
            numbers("4.2 stars, 1,200 visits, up 300% or 45 percent; see https://a.example/2024"),
            vec!["4.2", "1200", "300%", "45%"]
        );
        assert_eq!(numbers("open 24/7."), vec!["24", "7"]);
    }

    #[test]
    fn sentences_split_on_stops_followed_by_space_only() {
        assert_eq!(
            sentences("Rated 4.2 stars. See https://a.example/x.html! Why? ok"),
            vec![
                "Rated 4.2 stars.",
                "See https://a.example/x.html!",
                "Why?",
                "ok"
            ]
        );
    }

    #[test]
    fn links_are_recognised_with_or_without_a_scheme_and_compared_loosely() {
        assert!(is_link("https://acme.example/about"));
        assert!(is_link("www.acme.example"));
        assert!(is_link("acme.co.uk/contact"));
        assert!(!is_link("4.2"));
        assert!(!is_link("e.g"));
        assert_eq!(
            link_key("https://www.Acme.example/about/"),
            link_key("acme.example/about")
        );
    }

    #[test]
    fn bracketed_ids_are_stripped_and_long_subjects_shortened_at_a_word() {
        assert_eq!(
            strip_bracket_ids("We can help [fast-sites]."),
            "We can help."
        );
        assert_eq!(strip_bracket_ids("a [b c] d"), "a [b c] d");
        let s = shorten(&"word ".repeat(40), 80);
        assert!(s.chars().count() <= 80 && s.ends_with("word…"), "{s}");
    }
}
