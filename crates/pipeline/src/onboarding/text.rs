//! Reading an agency's pages as text: the crawler's Markdown as blocks (headings, list items,
//! paragraphs) of plain text, sentences, words and phrases, and short ids made from text.

/// What a line of Markdown is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// `#`…`######`, with its level.
    Heading(usize),
    /// A list item.
    Item,
    /// Anything else with text.
    Paragraph,
}

/// One line of a page as plain text, with the heading it sits under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub kind: BlockKind,
    pub text: String,
    /// The nearest heading above (level 2 or deeper), empty when none.
    pub section: String,
}

/// The blocks of a page's Markdown, in order.
pub(crate) fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut section = String::new();
    for raw in markdown.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('|') || line.starts_with("```") {
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        let (kind, rest) = if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            (BlockKind::Heading(hashes), &line[hashes..])
        } else if let Some(rest) = ["- ", "* ", "+ "].iter().find_map(|m| line.strip_prefix(m)) {
            (BlockKind::Item, rest)
        } else if let Some(rest) = numbered_item(line) {
            (BlockKind::Item, rest)
        } else {
            (BlockKind::Paragraph, line.trim_start_matches('>'))
        };
        let text = plain(rest);
        if text.is_empty() {
            continue;
        }
        if let BlockKind::Heading(level) = kind
            && level >= 2
        {
            section.clone_from(&text);
        }
        out.push(Block {
            kind,
            text,
            section: section.clone(),
        });
    }
    out
}

fn numbered_item(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    line[digits..].strip_prefix(". ")
}

/// Markdown inline text as plain text: links and images to their text, emphasis and escapes
/// removed, whitespace collapsed.
pub(crate) fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let chars: Vec<char> = markdown.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                // An image: its alt text is not content.
                i = skip_link(&chars, i + 1).map_or(i + 1, |(_, end)| end);
                continue;
            }
            '[' => {
                if let Some((text, end)) = skip_link(&chars, i) {
                    out.push_str(&plain(&text));
                    i = end;
                    continue;
                }
            }
            '*' | '`' => {
                i += 1;
                continue;
            }
            '_' if chars.get(i + 1) == Some(&'_') => {
                i += 2;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `[text](target)` starting at `open`: the text and the index after the closing `)`.
fn skip_link(chars: &[char], open: usize) -> Option<(String, usize)> {
    let close = (open + 1..chars.len()).find(|&j| chars[j] == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = (close + 2..chars.len()).find(|&j| chars[j] == ')')?;
    Some((chars[open + 1..close].iter().collect(), end + 1))
}

/// The sentences of `text`: split after `.`, `!` or `?` followed by a space and a capital
/// letter or digit, so "4.7 stars" and "e.g. this" stay whole.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let ends = matches!(chars[i], '.' | '!' | '?')
            && chars.get(i + 1) == Some(&' ')
            && chars
                .get(i + 2)
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        if ends {
            out.push(
                chars[start..=i]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_owned(),
            );
            start = i + 2;
        }
    }
    let last: String = chars[start.min(chars.len())..].iter().collect();
    if !last.trim().is_empty() {
        out.push(last.trim().to_owned());
    }
    out
}

/// Lower-case alphanumeric words.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `phrase` (lower-case words) occurs in `words`; its last word may be the start of a
/// longer one ("review" in "reviews") when it has four letters or more.
pub(crate) fn has_phrase(words: &[String], phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split(' ').collect();
    let Some((last, init)) = parts.split_last() else {
        return false;
    };
    if words.len() < parts.len() {
        return false;
    }
    (0..=words.len() - parts.len()).any(|i| {
        init.iter().enumerate().all(|(k, p)| words[i + k] == *p) && {
            let w = &words[i + init.len()];
            w == last || (last.len() >= 4 && w.starts_with(last))
        }
    })
}

/// Words an id can do without.
const FILLER: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "by", "every", "for", "from", "if", "in", "into", "is",
    "it", "its", "of", "on", "our", "since", "the", "their", "to", "we", "with", "within", "you",
    "your",
];

/// A short, stable id from `text`: its first telling words, lower-case ASCII joined by `-`,
/// at most five words and 40 characters.
pub(crate) fn slug(text: &str) -> String {
    let all: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let telling: Vec<&String> = all
        .iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect();
    let words = if telling.is_empty() {
        all.iter().collect()
    } else {
        telling
    };
    let mut out = String::new();
    for word in words.into_iter().take(5) {
        if !out.is_empty() && out.len() + 1 + word.len() > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out.truncate(40);
    if out.is_empty() {
        "claim".to_owned()
    } else {
        out
    }
}
