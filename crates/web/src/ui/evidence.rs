//! Where on a stored page a dossier item's evidence is: the passage a gap's link opens at.
//!
//! A gap says what was seen ("no call to action on the homepage", "the booking page says
//! 'call us'"); the page's stored Markdown is what was read. The link should open at the words
//! that show it, so the passage is chosen from the page itself: a quoted fragment or the
//! check's own evidence when the page contains it, else the line sharing the most significant
//! words with what the gap says.

/// Words too common to tell passages apart.
const STOP: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "from", "your", "their", "there", "have", "has",
    "are", "was", "were", "not", "but", "can", "our", "its", "page", "site", "website", "homepage",
    "which", "what", "when", "where", "they", "them", "than", "then", "into", "onto", "about",
    "only", "also", "more", "most", "some", "such", "very", "will", "would", "could", "should",
];

/// The longest passage returned, in characters.
const MAX_PASSAGE: usize = 160;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Cuts `text` to at most [`MAX_PASSAGE`] characters on a word boundary.
fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_PASSAGE {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_PASSAGE).collect();
    match cut.rfind(' ') {
        Some(i) if i > MAX_PASSAGE / 2 => cut[..i].to_owned(),
        _ => cut,
    }
}

/// The passage of `markdown` that shows `said`: the first of `hints` the page contains (case
/// and whitespace aside), else the line with the most significant words in common with
/// `said` (at least two, or one when `said` has only one). `None` when nothing on the page
/// matches.
pub fn locate(markdown: &str, said: &str, hints: &[&str]) -> Option<String> {
    let page = squash(markdown);
    for hint in hints {
        let hint = hint.trim().trim_matches(['"', '\'', '“', '”', '‘', '’']);
        let h = squash(hint);
        if h.chars().count() >= 3 && page.contains(&h) {
            return Some(clip(
                hint.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str(),
            ));
        }
    }
    let wanted: std::collections::BTreeSet<String> = words(said).into_iter().collect();
    if wanted.is_empty() {
        return None;
    }
    let need = if wanted.len() == 1 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for line in markdown.lines() {
        let line = line
            .trim()
            .trim_start_matches(['#', '*', '-', '>', '|', ' '])
            .trim();
        if line.chars().count() < 3 {
            continue;
        }
        let have: std::collections::BTreeSet<String> = words(line).into_iter().collect();
        let score = wanted.intersection(&have).count();
        if score >= need && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, line));
        }
    }
    best.map(|(_, line)| clip(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Bright Smiles Dental\n\nFamily dentistry in   Austin.\n\n\
        ## Book a visit\n\nCall us at (512) 555-0100 to book your cleaning.\n\n\
        * Same-day emergency appointments\n* Invisalign and whitening\n";

    #[test]
    fn a_hint_on_the_page_wins_whatever_its_case_and_spacing() {
        assert_eq!(
            locate(PAGE, "irrelevant", &["\"family DENTISTRY in austin\""]).as_deref(),
            Some("family DENTISTRY in austin")
        );
    }

    #[test]
    fn otherwise_the_line_sharing_most_words_is_chosen() {
        let got = locate(
            PAGE,
            "The only way to book is to call; no online booking form",
            &["a hint that is not there"],
        );
        assert_eq!(
            got.as_deref(),
            Some("Call us at (512) 555-0100 to book your cleaning.")
        );
        assert_eq!(
            locate(PAGE, "Mentions emergency appointments", &[]).as_deref(),
            Some("Same-day emergency appointments")
        );
    }

    #[test]
    fn nothing_in_common_finds_nothing() {
        assert_eq!(locate(PAGE, "No HTTPS on the site", &[]), None);
        assert_eq!(locate(PAGE, "", &[]), None);
        assert_eq!(locate("", "anything at all", &["x"]), None);
    }

    #[test]
    fn long_lines_are_clipped_on_a_word_boundary() {
        let long = format!("booking {}", "word ".repeat(100));
        let got = locate(&long, "booking word", &[]).expect("a passage");
        assert!(got.chars().count() <= MAX_PASSAGE);
        assert!(long.starts_with(&got));
    }
}
