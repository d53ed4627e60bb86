//! Reading a LinkedIn profile out of a web-search result. Engines show profiles as
//!
//! - titles: `Jane Doe - Owner - Bright Smile Dental | LinkedIn`,
//!   `Jane Doe – Practice Manager at Bright Smile Dental | LinkedIn`,
//!   `Jane Doe - Bright Smile Dental | LinkedIn`, `Jane Doe | LinkedIn`,
//!   `Dr. Jane Doe, DDS - Owner - Bright… ` (cut short);
//! - snippets: a byline `Austin, Texas, United States · Owner · Bright Smile Dental`, labelled
//!   fields `Experience: Bright Smile Dental · Location: Austin · 500+ connections`, or a
//!   sentence `Owner at Bright Smile Dental.`
//!
//! What the title says wins over the snippet; the snippet fills what the title left out.

use serde::{Deserialize, Serialize};

use super::names::{clean_person_name, is_job_title, leading_name};
use super::profile_url::ProfileUrl;

/// One organic web-search result, borrowed from whatever the search provider returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit<'a> {
    pub title: &'a str,
    pub link: &'a str,
    pub snippet: &'a str,
}

/// A person a search result shows on LinkedIn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileCandidate {
    /// The name without honorific or credentials (`Dr. Jane Doe, DDS` → `Jane Doe`).
    pub name: String,
    /// The job title, as written (`Owner & Lead Dentist`).
    pub title: Option<String>,
    /// The company the result says the person works at.
    pub company: Option<String>,
    pub profile_url: ProfileUrl,
    /// Where the person is, as written (`Austin, Texas, United States`).
    pub location: Option<String>,
    /// The result's title and snippet, where [`super::works_at`] looks for the business name
    /// when the result names no company.
    #[serde(skip)]
    pub source_text: String,
}

/// The person a result shows, or `None` when the link is not a LinkedIn member profile (a
/// company page, a post, a job, a directory) or the title carries no readable name.
pub fn parse_profile(hit: SearchHit<'_>) -> Option<ProfileCandidate> {
    let profile_url = ProfileUrl::parse(hit.link).ok()?;
    let title = split_title(hit.title);
    let (name, role_in_name) = name_and_role(title.name)?;
    let facts = parse_snippet(hit.snippet);
    let owned = |s: Option<&str>| s.map(str::to_owned);
    let mut source_text = String::with_capacity(hit.title.len() + hit.snippet.len() + 1);
    source_text.push_str(hit.title);
    source_text.push('\n');
    source_text.push_str(hit.snippet);
    Some(ProfileCandidate {
        name,
        title: owned(title.role.or(role_in_name).or(facts.role)),
        company: owned(title.company.or(facts.company)),
        profile_url,
        location: owned(facts.location),
        source_text,
    })
}

/// The name in a title's first part, and a title written after it with a comma
/// (`Jane Doe, Owner`).
fn name_and_role(part: &str) -> Option<(String, Option<&str>)> {
    if let Some(name) = clean_person_name(part, true) {
        return Some((name, None));
    }
    let parsed = leading_name(part)?;
    let role = part[parsed.rest_at..]
        .trim_start()
        .strip_prefix(',')?
        .trim();
    is_job_title(role).then_some((parsed.name, Some(role)))
}

/// The parts of a result title.
#[derive(Debug, Default, PartialEq, Eq)]
struct TitleParts<'a> {
    name: &'a str,
    role: Option<&'a str>,
    company: Option<&'a str>,
}

const SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " · "];

/// Splits `text` at every separator, trimming the parts and dropping empty ones.
fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let next = SEPARATORS
            .iter()
            .filter_map(|sep| rest.find(sep).map(|i| (i, sep.len())))
            .min();
        match next {
            Some((i, len)) => {
                out.push(rest[..i].trim());
                rest = &rest[i + len..];
            }
            None => {
                out.push(rest.trim());
                break;
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// `Practice Manager at Bright Smile Dental` → (`Practice Manager`, `Bright Smile Dental`).
/// Only when the left side is a job title: `Smiles at Zilker` is a company.
fn role_at_company(text: &str) -> Option<(&str, &str)> {
    [" at ", " @ "].iter().find_map(|sep| {
        let (role, company) = text.split_once(sep)?;
        let (role, company) = (role.trim(), company.trim());
        (is_job_title(role) && !company.is_empty()).then_some((role, company))
    })
}

fn split_title(title: &str) -> TitleParts<'_> {
    let mut text = title.trim();
    let mut truncated = false;
    for ellipsis in ["...", "…"] {
        if let Some(t) = text.strip_suffix(ellipsis) {
            text = t.trim_end();
            truncated = true;
        }
    }
    let tail = text.len().saturating_sub(8);
    if text
        .get(tail..)
        .is_some_and(|t| t.eq_ignore_ascii_case("linkedin"))
    {
        text = text[..tail].trim_end_matches([' ', '|', '-', '–', '—', '·']);
        // `… on LinkedIn`.
        text = text.strip_suffix(" on").unwrap_or(text);
    }
    let mut parts = segments(text);
    if truncated && parts.len() > 1 {
        // The last part was cut short mid-word; it would match the wrong company.
        parts.pop();
    }
    let Some((&name, rest)) = parts.split_first() else {
        return TitleParts::default();
    };
    let mut out = TitleParts {
        name,
        ..TitleParts::default()
    };
    match rest {
        [] => {}
        [one] => {
            if let Some((role, company)) = role_at_company(one) {
                (out.role, out.company) = (Some(role), Some(company));
            } else if is_job_title(one) {
                out.role = Some(one);
            } else {
                out.company = Some(one);
            }
        }
        &[first, second, ..] => {
            if let Some((role, company)) = role_at_company(first) {
                (out.role, out.company) = (Some(role), Some(company));
            } else if !is_job_title(first) && is_job_title(second) {
                (out.role, out.company) = (Some(second), Some(first));
            } else {
                (out.role, out.company) = (Some(first), Some(second));
            }
        }
    }
    out
}

/// What a snippet says about the person.
#[derive(Debug, Default, PartialEq, Eq)]
struct SnippetFacts<'a> {
    role: Option<&'a str>,
    company: Option<&'a str>,
    location: Option<&'a str>,
}

/// Labelled fields LinkedIn snippets carry, and the fact each one gives.
const LABELS: &[(&str, Field)] = &[
    ("Experience:", Field::Company),
    ("Location:", Field::Location),
    ("Education:", Field::Ignored),
    ("Title:", Field::Role),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Role,
    Company,
    Location,
    Ignored,
}

/// Words before a full stop that do not end a sentence (`St. Louis`, `Supply Co. ·`).
const ABBREVIATIONS: &[&str] = &[
    "ave", "co", "corp", "dr", "ft", "inc", "jr", "ltd", "mr", "mrs", "ms", "mt", "rd", "sr", "st",
];

/// `text` up to the end of its first sentence (a full stop followed by a space and a capital
/// or digit, not after an abbreviation or an initial).
fn first_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices(". ") {
        let next = text[i + 2..].chars().next();
        if !next.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()) {
            continue;
        }
        let word_start = text[..i].rfind(' ').map_or(0, |s| s + 1);
        let word = &text[word_start..i];
        let after_dot = i > 0 && bytes[i - 1] == b'.';
        let abbreviation = word.chars().count() == 1
            || ABBREVIATIONS.contains(&word.to_ascii_lowercase().as_str());
        if after_dot || !abbreviation {
            return text[..i + 1].trim();
        }
    }
    text.trim()
}

/// A value cleaned of a trailing full stop and stray separators.
fn tidy(text: &str) -> Option<&str> {
    let text = text.trim().trim_end_matches(['.', ',', ';']).trim();
    (!text.is_empty()).then_some(text)
}

fn parse_snippet(snippet: &str) -> SnippetFacts<'_> {
    let mut found: Vec<(usize, usize, Field)> = LABELS
        .iter()
        .flat_map(|&(label, field)| {
            snippet
                .match_indices(label)
                .map(move |(i, _)| (i, i + label.len(), field))
        })
        .collect();
    found.sort_unstable_by_key(|&(start, _, _)| start);
    let mut facts = SnippetFacts::default();
    for (k, &(_, value_start, field)) in found.iter().enumerate() {
        let value_end = found.get(k + 1).map_or(snippet.len(), |next| next.0);
        let value = &snippet[value_start..value_end];
        let value = value.split(" · ").next().unwrap_or(value);
        let value = tidy(first_sentence(value));
        let slot = match field {
            Field::Role => &mut facts.role,
            Field::Company => &mut facts.company,
            Field::Location => &mut facts.location,
            Field::Ignored => continue,
        };
        if slot.is_none() {
            *slot = value;
        }
    }
    let lead = &snippet[..found.first().map_or(snippet.len(), |f| f.0)];
    byline(lead, &mut facts);
    facts
}

/// Reads the unlabelled start of a snippet: `Location · Title · Company`, or `Title at
/// Company.` Segments before the title are the location, the one after it the company.
fn byline<'a>(lead: &'a str, facts: &mut SnippetFacts<'a>) {
    let parts: Vec<&str> = lead
        .split(" · ")
        .filter_map(|part| tidy(first_sentence(part)))
        .filter(|part| !part.contains("connections") && !part.contains("followers"))
        .collect();
    let short = |part: &str| part.split_whitespace().count() <= 8;
    let mut location = None;
    let mut seen_role = false;
    for part in parts {
        if !short(part) {
            break;
        }
        if let Some((role, company)) = role_at_company(part) {
            facts.role.get_or_insert(role);
            facts.company.get_or_insert(company);
            seen_role = true;
        } else if is_job_title(part) && !seen_role {
            facts.role.get_or_insert(part);
            seen_role = true;
        } else if seen_role {
            facts.company.get_or_insert(part);
            break;
        } else if location.is_none() {
            location = Some(part);
        }
    }
    if seen_role && let Some(location) = location {
        facts.location.get_or_insert(location);
    }
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
