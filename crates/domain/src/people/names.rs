//! Person names and job titles as search results and small-business pages write them: an
//! optional honorific, two to four capitalised words, optional credentials (`Dr. Jane Doe,
//! DDS`), and titles recognised by the words they are made of.

use super::lexicon::{CREDENTIALS, HONORIFICS, NOT_IN_TITLE, NOT_NAME, PARTICLES, TITLE_WORDS};

/// A name parsed off the front of some text: the name as written (honorific and credentials
/// dropped) and the byte offset where the text after it begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeadingName {
    pub name: String,
    pub rest_at: usize,
}

/// The next whitespace-separated word of `text` at or after `from`, as `(start, end)`.
fn next_word(text: &str, from: usize) -> Option<(usize, usize)> {
    let rest = text.get(from..)?;
    let start = from + (rest.len() - rest.trim_start().len());
    let word = text.get(start..)?;
    let len = word.find(char::is_whitespace).unwrap_or(word.len());
    (len > 0).then_some((start, start + len))
}

/// `word` lower-cased with its dots removed (`Ph.D.` → `phd`).
fn bare(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '.')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_honorific(word: &str) -> bool {
    HONORIFICS.contains(&bare(word).as_str())
}

fn is_credential(word: &str) -> bool {
    CREDENTIALS.contains(&bare(word).as_str())
}

/// A middle initial: `J.` or `J`.
fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), None | Some('.'), None) if c.is_uppercase())
}

/// Whether a lower-case word is a job-title word.
pub(crate) fn is_title_word(word: &str) -> bool {
    TITLE_WORDS.contains(&word)
}

/// A capitalised word that can be part of a person's name.
fn is_name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_uppercase() || word.chars().count() < 2 {
        return false;
    }
    if !word
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
    {
        return false;
    }
    let all_caps = !word.chars().any(char::is_lowercase);
    if all_caps && is_credential(word) {
        return false;
    }
    word.split('-').all(|part| {
        let lower = part.to_lowercase();
        !part.is_empty()
            && NOT_NAME.binary_search(&lower.as_str()).is_err()
            && !is_title_word(&lower)
            && !HONORIFICS.contains(&lower.as_str())
    })
}

/// `JANE` → `Jane`; other spellings are kept as written.
fn proper_case(word: &str) -> String {
    if word.chars().any(char::is_lowercase) {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, '\'' | '’' | '-');
    }
    out
}

/// Parses a person's name off the front of `text`: an optional honorific, then two to four
/// capitalised words (with middle initials and particles such as `de`, `van` between them),
/// then optional credentials (`, DDS`, ` Jr.`). `None` when the text does not start with one.
pub(crate) fn leading_name(text: &str) -> Option<LeadingName> {
    let mut pos = 0;
    if let Some((s, e)) = next_word(text, 0)
        && is_honorific(text[s..e].trim_end_matches(','))
    {
        pos = e;
    }
    let mut words: Vec<&str> = Vec::with_capacity(4);
    while let Some((s, e)) = next_word(text, pos) {
        if words.len() == 6 {
            break;
        }
        let raw = text[s..e].trim_end_matches([',', ';', ':']);
        if !words.is_empty() && is_initial(raw) {
            words.push(raw);
            pos = s + raw.len();
            continue;
        }
        let core = raw.trim_end_matches(['.', '!', '?', ')', '"']);
        let dotted = core.len() < raw.len();
        // `Ph.D.`, `Jr.`: a credential; `Ma.` ending a sentence: a surname.
        let dotted_credential = dotted
            && is_credential(core)
            && (core.contains('.') || matches!(bare(core).as_str(), "jr" | "sr" | "esq"));
        let accepted = if dotted_credential {
            false
        } else {
            is_name_word(core) || (!words.is_empty() && PARTICLES.contains(&core))
        };
        if !accepted {
            break;
        }
        words.push(core);
        pos = s + core.len();
        // A comma or a full stop ends the name; what follows is a credential or the text.
        if core.len() < e - s {
            break;
        }
    }
    while words.last().is_some_and(|w| PARTICLES.contains(w)) {
        words.pop();
    }
    if words.last().is_some_and(|w| is_initial(w)) {
        return None;
    }
    let counted = words
        .iter()
        .filter(|w| !is_initial(w) && !PARTICLES.contains(w))
        .count();
    if !(2..=4).contains(&counted) {
        return None;
    }
    pos = skip_credentials(text, pos);
    let name = words
        .iter()
        .map(|w| proper_case(w))
        .collect::<Vec<_>>()
        .join(" ");
    Some(LeadingName { name, rest_at: pos })
}

/// Skips `, DDS`, ` DDS`, `, Ph.D.`, ` Jr.` after a name. Without a comma a credential must be
/// written as one (upper case or dotted), so the surname `Do` is not taken for `DO`.
fn skip_credentials(text: &str, mut pos: usize) -> usize {
    loop {
        let rest = &text[pos..];
        let trimmed = rest.trim_start();
        let (comma, after) = match trimmed.strip_prefix(',') {
            Some(after) => (true, after),
            None => (false, trimmed),
        };
        let offset = pos + (rest.len() - after.len());
        let Some((s, e)) = next_word(text, offset) else {
            return pos;
        };
        let word = text[s..e].trim_end_matches([',', ';', ':']);
        let written_as_credential =
            comma || word.contains('.') || !word.chars().any(char::is_lowercase);
        if !(is_credential(word) && written_as_credential) {
            return pos;
        }
        pos = s + word.len();
    }
}

/// `raw` as a person's name when it is nothing else: honorific and credentials dropped,
/// parenthesised nicknames ignored. Lower-case input is capitalised first when `lenient`
/// (LinkedIn members often type their names in lower case; a page heading never does).
pub(crate) fn clean_person_name(raw: &str, lenient: bool) -> Option<String> {
    let mut text = without_parentheses(raw);
    if lenient && !text.chars().any(char::is_uppercase) {
        text = capitalise_words(&text);
    }
    let parsed = leading_name(&text)?;
    let rest = &text[parsed.rest_at..];
    rest.chars()
        .all(|c| !c.is_alphanumeric())
        .then_some(parsed.name)
}

fn without_parentheses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn capitalise_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace() || c == '-';
    }
    out
}

/// Lower-case words of `text` for matching: accents folded, `&` read as `and`, apostrophes
/// and dots inside words dropped (`Joe's` → `joes`, `L.L.C.` → `llc`), split at anything
/// else that is not a letter or digit.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase().map(fold));
        } else if matches!(c, '\'' | '’' | '.') && !current.is_empty() {
            // Inside or at the end of a word: dropped, the word goes on.
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if c == '&' {
                out.push("and".to_owned());
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Latin letters with accents to their base letter, so `José` and `Jose` match.
fn fold(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// The key two spellings of one person's name share: honorific and credentials dropped, lower
/// case, accents folded (`Dr. José Núñez, DDS` and `jose nunez` give `jose nunez`).
pub fn name_key(name: &str) -> String {
    let cleaned = clean_person_name(name, true);
    let source = cleaned.as_deref().unwrap_or(name);
    words(source).join(" ")
}

/// Whether `text` reads as a job title: short, no sentence, at least one title word
/// (`Owner & Lead Dentist`, `Practice Manager`, `Co-Founder`).
pub(crate) fn is_job_title(text: &str) -> bool {
    let text = text.trim().trim_end_matches('.');
    if text.is_empty() || text.len() > 80 || text.contains(". ") {
        return false;
    }
    let words = words(text);
    words.len() <= 8
        && !words
            .iter()
            .any(|w| w.chars().any(|c| c.is_ascii_digit()) || NOT_IN_TITLE.contains(&w.as_str()))
        && words.iter().any(|w| is_title_word(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_honorifics_and_credentials() {
        for (raw, name) in [
            ("Jane Doe", "Jane Doe"),
            ("Dr. Jane Doe, DDS", "Jane Doe"),
            ("Dr Jane Doe DDS", "Jane Doe"),
            ("Jane Q. Doe, MBA, CPA", "Jane Q. Doe"),
            ("John Smith Jr.", "John Smith"),
            ("Ana de la Cruz", "Ana de la Cruz"),
            ("Mary-Kate O'Brien", "Mary-Kate O'Brien"),
            ("JANE DOE", "Jane Doe"),
            ("Jane (Janie) Doe", "Jane Doe"),
            ("Minh Do", "Minh Do"),
            ("Yan Ma.", "Yan Ma"),
            ("Jane Doe, Ph.D.", "Jane Doe"),
            ("Adam West", "Adam West"),
        ] {
            assert_eq!(
                clean_person_name(raw, false).as_deref(),
                Some(name),
                "{raw}"
            );
        }
    }

    #[test]
    fn things_that_are_not_names_are_refused() {
        for raw in [
            "Jane",
            "Sarah M.",
            "Teeth Whitening",
            "Meet the Team",
            "Our Services",
            "612 Congress Ave",
            "Congress Avenue",
            "Practice Manager",
            "Owner",
            "Jane Doe 2",
            "Emergency Appointments",
            "Bright Smile Dental",
            "jane doe",
        ] {
            assert_eq!(clean_person_name(raw, false), None, "{raw}");
        }
    }

    #[test]
    fn lower_case_names_are_accepted_when_lenient() {
        assert_eq!(
            clean_person_name("jane doe", true).as_deref(),
            Some("Jane Doe")
        );
    }

    #[test]
    fn a_leading_name_stops_before_a_title() {
        let text = "Dr. Jane Doe, DDS — Founder";
        let parsed = leading_name(text).expect("a name");
        assert_eq!(parsed.name, "Jane Doe");
        assert_eq!(text[parsed.rest_at..].trim(), "— Founder");
        let text = "Jane Doe, Owner";
        let parsed = leading_name(text).expect("a name");
        assert_eq!(&text[parsed.rest_at..], ", Owner");
    }

    #[test]
    fn name_keys_ignore_spelling() {
        assert_eq!(name_key("Dr. José Núñez, DDS"), "jose nunez");
        assert_eq!(name_key("jose nunez"), "jose nunez");
        assert_eq!(name_key("JOSE NUNEZ"), "jose nunez");
    }

    #[test]
    fn job_titles_are_recognised_by_their_words() {
        for title in [
            "Owner",
            "Owner & Lead Dentist",
            "Co-Founder",
            "Practice Manager",
            "Managing Partner",
            "Front Desk Manager",
        ] {
            assert!(is_job_title(title), "{title}");
        }
        for text in [
            "Teeth whitening",
            "Gentle exams and hygiene visits for the whole family.",
            "Austin, Texas",
            "Patient",
            "Owner since 1998",
        ] {
            assert!(!is_job_title(text), "{text}");
        }
    }
}
