//! Escaping text so that it stays text in Markdown, without burying it in backslashes: only
//! characters that could start syntax where they stand are escaped.

/// Appends `text` to `out` with Markdown syntax characters escaped. `in_link` also escapes
/// `]`, which would end link text. `prev` is the character before `text` in the output.
pub(crate) fn push_escaped(out: &mut String, text: &str, in_link: bool) {
    let mut prev = out.chars().next_back();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let opens = next.is_some_and(|n| !n.is_whitespace());
        let escape = match c {
            '\\' | '`' | '[' => true,
            ']' => in_link,
            '*' => opens,
            '_' => opens && !prev.is_some_and(char::is_alphanumeric),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
    }
}

/// Escapes what would make a paragraph line start a heading, quote, list, fence or setext
/// underline.
pub(crate) fn escape_line_start(line: &str) -> String {
    let bytes = line.as_bytes();
    let Some(&first) = bytes.first() else {
        return String::new();
    };
    let at = |i: usize| bytes.get(i).copied();
    let ends_marker = |i: usize| at(i).is_none_or(|b| b == b' ' || b == b'\t');
    match first {
        b'#' => {
            let hashes = bytes.iter().take_while(|b| **b == b'#').count();
            if hashes <= 6 && ends_marker(hashes) {
                return format!("\\{line}");
            }
        }
        b'>' => return format!("\\{line}"),
        b'-' | b'+' | b'*' | b'=' => {
            let all_same = bytes.iter().all(|b| *b == first || *b == b' ');
            if ends_marker(1) || all_same {
                return format!("\\{line}");
            }
        }
        b'~' | b'`' if line.starts_with("~~~") || line.starts_with("```") => {
            return format!("\\{line}");
        }
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits <= 9 && matches!(at(digits), Some(b'.' | b')')) && ends_marker(digits + 1) {
                return format!("{}\\{}", &line[..digits], &line[digits..]);
            }
        }
        _ => {}
    }
    line.to_owned()
}

/// A code span for `code`: a backtick fence longer than any run inside, padded when the code
/// starts or ends with a backtick.
pub(crate) fn code_span(code: &str) -> String {
    let longest = longest_run(code, '`');
    let fence = "`".repeat(longest + 1);
    if code.starts_with('`') || code.ends_with('`') {
        format!("{fence} {code} {fence}")
    } else {
        format!("{fence}{code}{fence}")
    }
}

/// The fence for a code block: three backticks, or one more than the longest run inside.
pub(crate) fn code_fence(code: &str) -> String {
    "`".repeat(longest_run(code, '`').max(2) + 1)
}

fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A link or image destination: whitespace inside is percent-encoded, and parentheses too,
/// so the destination cannot end early.
pub(crate) fn destination(href: &str) -> String {
    let mut out = String::with_capacity(href.len());
    for c in href.trim().chars() {
        match c {
            ' ' => out.push_str("%20"),
            '\n' => out.push_str("%0A"),
            '\r' | '\t' => {}
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            _ => out.push(c),
        }
    }
    out
}

/// A link title in quotes (single quotes when it contains double ones).
pub(crate) fn title(raw: &str) -> Option<String> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return None;
    }
    Some(if collapsed.contains('"') && !collapsed.contains('\'') {
        format!(" '{collapsed}'")
    } else {
        format!(" \"{}\"", collapsed.replace('"', "\\\""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        push_escaped(&mut out, text, false);
        out
    }

    #[test]
    fn only_characters_that_could_open_syntax_are_escaped() {
        assert_eq!(
            escaped("*not emphasized* [x](y) `code`"),
            r"\*not emphasized* \[x](y) \`code\`"
        );
        assert_eq!(
            escaped("snake_case and _under_ 5 * 3"),
            r"snake_case and \_under_ 5 * 3"
        );
        assert_eq!(escaped(r"a \ b"), r"a \\ b");
    }

    #[test]
    fn line_starts_that_would_become_blocks_are_escaped() {
        assert_eq!(escape_line_start("# not title"), r"\# not title");
        assert_eq!(escape_line_start("#hashtag"), "#hashtag");
        assert_eq!(escape_line_start("1. not a list"), r"1\. not a list");
        assert_eq!(escape_line_start("2024 was good"), "2024 was good");
        assert_eq!(escape_line_start("- item"), r"\- item");
        assert_eq!(escape_line_start("==="), r"\===");
        assert_eq!(escape_line_start("> quote"), r"\> quote");
        assert_eq!(escape_line_start("-dash"), "-dash");
    }

    #[test]
    fn code_spans_and_fences_outgrow_the_backticks_inside() {
        assert_eq!(code_span("x = 3"), "`x = 3`");
        assert_eq!(code_span("with ` backtick"), "``with ` backtick``");
        assert_eq!(code_span("`quoted`"), "`` `quoted` ``");
        assert_eq!(code_fence("plain"), "```");
        assert_eq!(code_fence("has ``` inside"), "````");
    }

    #[test]
    fn destinations_and_titles_cannot_break_out() {
        assert_eq!(destination(" http://Open Demo "), "http://Open%20Demo");
        assert_eq!(destination("/a(b)"), "/a%28b%29");
        assert_eq!(
            title("  link\n title "),
            Some(r#" "link title""#.to_owned())
        );
        assert_eq!(title(r#""quoted""#), Some(r#" '"quoted"'"#.to_owned()));
        assert_eq!(title("  "), None);
    }
}
