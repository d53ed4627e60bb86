//! People a business names on its own pages, read from the Markdown the crawler makes of them:
//! team sections (`## Meet the team` then `### Jane Doe` and a title line, `**Jane Doe**,
//! Practice Manager`, `Jane Doe – Owner`, `Dr. Jane Doe, DDS — Founder`) and owners named in
//! prose (`Founded in 1998 by Dr. Jane Doe`, `our owner Jane Doe`).
//!
//! Conservative on purpose: listings count only inside a team, staff or about section or on
//! such a page; a name is two to four capitalised words that are not a service, a street, a
//! heading or the business; quotes (testimonials) are skipped.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::names::{clean_person_name, is_job_title, leading_name, name_key, words};

/// A person a business's page names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagePerson {
    /// The name without honorific or credentials (`Dr. Jane Doe, DDS` → `Jane Doe`).
    pub name: String,
    /// The title the page gives, as written (`Owner & Lead Dentist`).
    pub title: Option<String>,
}

/// Words of a heading or a page path that introduce a business's people.
const TEAM_WORDS: &[&str] = &[
    "about",
    "attorneys",
    "dentists",
    "doctors",
    "founder",
    "founders",
    "lawyers",
    "leadership",
    "meet",
    "owner",
    "owners",
    "people",
    "providers",
    "staff",
    "stylists",
    "team",
];

/// Owners and founders named in a sentence: the trigger, then the name.
static PROSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?P<founded>founded|established|started|opened)(?:\s+in\s+\d{4})?\s+by|(?P<owned>owned(?:\s+and\s+operated)?|run)\s+by|led\s+by|(?P<noun>co-?founder|founder|owner|proprietor)\s*[,:]?)\s+",
    )
    .expect("the prose pattern is valid")
});

/// The people `markdown` names. `page_url` (or its path) tells whether the whole page is a
/// team or about page; `business_name` is never taken for a person.
pub fn people_on_page(markdown: &str, page_url: &str, business_name: &str) -> Vec<PagePerson> {
    let page_is_team = is_team_path(page_url);
    let lines: Vec<&str> = markdown.lines().map(str::trim).collect();
    let mut found = Found::default();
    let mut team_level: Option<usize> = None;
    for (i, &line) in lines.iter().enumerate() {
        if line.is_empty() || line.starts_with('>') {
            continue;
        }
        let following = &lines[i + 1..];
        if let Some((level, heading)) = heading(line) {
            if team_level.is_some_and(|l| level <= l) {
                team_level = None;
            }
            let text = inline_text(heading);
            if is_team_heading(&text) {
                team_level = Some(team_level.map_or(level, |l| l.min(level)));
                if let Some(person) = introduced(&text, following) {
                    found.add(person, true);
                }
            } else if (team_level.is_some() || page_is_team)
                && let Some(person) = listed(&text, following, team_level.is_some())
            {
                found.add(person, true);
            }
            continue;
        }
        let text = inline_text(strip_list_marker(line));
        if team_level.is_some() || page_is_team {
            let bare = strip_list_marker(line);
            let emphasised = bare.starts_with("**") || bare.starts_with("__");
            let listing = person_line(&text)
                .or_else(|| name_then_title(&text, following, emphasised && team_level.is_some()));
            if let Some(person) = listing {
                found.add(person, true);
                continue;
            }
        }
        for person in prose(&text) {
            found.add(person, false);
        }
    }
    found.finish(business_name)
}

/// The people found so far, one per name; a team listing's title beats a sentence's.
#[derive(Debug, Default)]
struct Found {
    people: Vec<(PagePerson, String, bool)>,
}

impl Found {
    fn add(&mut self, person: PagePerson, listed: bool) {
        let key = name_key(&person.name);
        match self.people.iter_mut().find(|(_, k, _)| *k == key) {
            Some((kept, _, kept_listed)) => {
                if person.title.is_some() && (kept.title.is_none() || (listed && !*kept_listed)) {
                    kept.title = person.title;
                    *kept_listed |= listed;
                }
            }
            None => self.people.push((person, key, listed)),
        }
    }

    fn finish(self, business_name: &str) -> Vec<PagePerson> {
        let business = words(business_name).join(" ");
        self.people
            .into_iter()
            .filter(|(_, key, _)| *key != business)
            .map(|(person, _, _)| person)
            .collect()
    }
}

/// Whether the page's path names a team or about page (`/about`, `/our-team`, `/meet-the-staff`).
fn is_team_path(page_url: &str) -> bool {
    let path = match page_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => page_url,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    words(path).iter().any(|w| TEAM_WORDS.contains(&w.as_str()))
}

fn is_team_heading(text: &str) -> bool {
    let words = words(text);
    words.iter().any(|w| TEAM_WORDS.contains(&w.as_str()))
        || words.windows(3).any(|w| w == ["who", "we", "are"])
}

/// `(level, text)` of an ATX heading line.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    let text = line.get(level..)?;
    ((1..=6).contains(&level) && (text.is_empty() || text.starts_with(' ')))
        .then(|| (level, text.trim().trim_end_matches('#').trim()))
}

/// A team heading that is itself a person, followed by a title or a bio: `Meet Dr. Jane Doe`,
/// `About Jane Doe`.
fn introduced(text: &str, following: &[&str]) -> Option<PagePerson> {
    let (first, rest) = text.split_once(' ')?;
    if !matches!(
        first.to_lowercase().as_str(),
        "meet" | "about" | "introducing"
    ) {
        return None;
    }
    name_then_title(rest, following, true)
}

/// A heading or emphasised line naming a person in a team listing: a name with its title
/// (`Jane Doe – Owner`), or a name followed by a title line, or — inside an explicit team
/// section — by a bio that starts with the person (`Jane has…`, `She…`, `Dr. Doe…`).
fn listed(text: &str, following: &[&str], in_section: bool) -> Option<PagePerson> {
    person_line(text).or_else(|| name_then_title(text, following, in_section))
}

/// A line that is a bare name, followed by a title line (or, when `allow_bio`, a bio).
fn name_then_title(text: &str, following: &[&str], allow_bio: bool) -> Option<PagePerson> {
    let name = clean_person_name(text, false)?;
    if let Some(title) = title_line(following) {
        return Some(PagePerson {
            name,
            title: Some(title),
        });
    }
    let next = following.iter().find(|l| !l.is_empty())?;
    (allow_bio && heading(next).is_none() && bio_about(&inline_text(next), &name))
        .then_some(PagePerson { name, title: None })
}

/// The title on the next non-empty line, when that line is one.
fn title_line(following: &[&str]) -> Option<String> {
    let next = following.iter().find(|l| !l.is_empty())?;
    if heading(next).is_some() || next.starts_with('>') {
        return None;
    }
    let text = inline_text(strip_list_marker(next));
    let text = text.trim().trim_end_matches('.');
    is_job_title(text).then(|| text.to_owned())
}

/// Whether a paragraph is about the person just named.
fn bio_about(text: &str, name: &str) -> bool {
    let mut opening = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()));
    let first = opening.next().unwrap_or_default();
    let first = if matches!(first, "Dr" | "Mr" | "Mrs" | "Ms") {
        opening.next().unwrap_or_default()
    } else {
        first
    };
    matches!(first, "He" | "She" | "They") || name.split(' ').any(|part| part == first)
}

/// `Jane Doe – Owner`, `Jane Doe, Practice Manager`, `Dr. Jane Doe, DDS — Founder`,
/// `| Jane Doe | Owner |`.
fn person_line(text: &str) -> Option<PagePerson> {
    let text = text.trim().trim_matches('|').trim();
    let parsed = leading_name(text)?;
    let rest = text[parsed.rest_at..].trim_start();
    let title = [",", "–", "—", "-", "|", ":"]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep))?;
    let title = title.split(". ").next().unwrap_or(title);
    let title = title.trim().trim_end_matches(['.', '|']).trim();
    is_job_title(title).then(|| PagePerson {
        name: parsed.name,
        title: Some(title.to_owned()),
    })
}

/// Owners and founders a sentence names: `Founded in 1998 by Dr. Jane Doe`, `owned and
/// operated by Jane Doe`, `our owner, Jane Doe`, `Jane Doe founded the practice`.
fn prose(text: &str) -> Vec<PagePerson> {
    let mut out = Vec::new();
    for caps in PROSE.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let Some(parsed) = leading_name(&text[whole.end()..]) else {
            continue;
        };
        let title = if caps.name("founded").is_some() {
            Some("Founder".to_owned())
        } else if caps.name("owned").is_some() {
            Some("Owner".to_owned())
        } else {
            caps.name("noun").map(|noun| noun_title(noun.as_str()))
        };
        out.push(PagePerson {
            name: parsed.name,
            title,
        });
    }
    for (i, _) in text.match_indices(" founded ") {
        if let Some(name) = name_ending_at(&text[..i]) {
            out.push(PagePerson {
                name,
                title: Some("Founder".to_owned()),
            });
        }
    }
    out
}

fn noun_title(noun: &str) -> String {
    match noun.to_lowercase().as_str() {
        "owner" => "Owner",
        "founder" => "Founder",
        "proprietor" => "Proprietor",
        _ => "Co-Founder",
    }
    .to_owned()
}

/// The longest name (up to an honorific and four words) that `text` ends with.
fn name_ending_at(text: &str) -> Option<String> {
    let starts: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| {
            !c.is_whitespace() && (i == 0 || text[..i].ends_with(char::is_whitespace))
        })
        .map(|(i, _)| i)
        .collect();
    // The earliest start that still reads as a name gives the longest name.
    starts[starts.len().saturating_sub(6)..]
        .iter()
        .find_map(|&start| clean_person_name(&text[start..], false))
}

/// A list item's text without its marker (`- `, `* `, `+ `, `1. `).
fn strip_list_marker(line: &str) -> &str {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && let Some(rest) = line[digits..]
            .strip_prefix(". ")
            .or_else(|| line[digits..].strip_prefix(") "))
    {
        return rest.trim_start();
    }
    line
}

/// The text of a Markdown line: links reduced to their text, images, code marks and emphasis
/// markers dropped, backslash escapes undone.
fn inline_text(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                if let Some(n) = next {
                    out.push(n);
                }
                i += 2;
                continue;
            }
            '!' if next == Some('[') => {
                // An image: skip its alt text and address.
                i = skip_link(&chars, i + 1);
                continue;
            }
            ']' if next == Some('(') => {
                i = close_paren(&chars, i + 1);
                continue;
            }
            '<' if chars[i + 1..].starts_with(&['h', 't', 't', 'p']) => {
                i = chars[i..]
                    .iter()
                    .position(|&c| c == '>')
                    .map_or(chars.len(), |p| i + p + 1);
                continue;
            }
            '[' | ']' | '*' | '`' => {}
            '_' => {
                let inside_word = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && next.is_some_and(char::is_alphanumeric);
                if inside_word {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out.trim().to_owned()
}

/// From the `[` of a link or image, the index after its closing `)`.
fn skip_link(chars: &[char], open: usize) -> usize {
    match chars[open..].iter().position(|&c| c == ']') {
        Some(p) if chars.get(open + p + 1) == Some(&'(') => close_paren(chars, open + p + 1),
        Some(p) => open + p + 1,
        None => chars.len(),
    }
}

/// From an opening `(`, the index after the matching `)`.
fn close_paren(chars: &[char], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    chars.len()
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
