//! Which of a business's people to contact first, and one record per person.

use std::cmp::Reverse;

use super::names::{name_key, words};
use super::profile::ProfileCandidate;

/// Owner, founder, CEO, president, managing partner, principal, proprietor.
pub const SENIORITY_OWNER: u8 = 3;
/// Director, practice / office / general / operations manager, partner, vice president.
pub const SENIORITY_MANAGER: u8 = 2;
/// Other managers, leads, supervisors and senior staff.
pub const SENIORITY_LEAD: u8 = 1;
/// Everyone else, and an empty title.
pub const SENIORITY_STAFF: u8 = 0;

/// Managers who run the whole of a small business.
const RUNNING_MANAGERS: &[&str] = &[
    "business",
    "clinic",
    "general",
    "office",
    "operations",
    "practice",
    "salon",
    "studio",
];

/// How senior a job title is, for ranking decision makers: [`SENIORITY_OWNER`] down to
/// [`SENIORITY_STAFF`]. A title with several roles (`Founder & Lead Dentist`) counts its
/// highest; `Vice President`, `Assistant to the Owner` and `Former Owner` are not owners.
pub fn seniority(title: &str) -> u8 {
    let words = words(title);
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "former" | "ex" | "retired" | "previously"))
    {
        return SENIORITY_STAFF;
    }
    words
        .split(|w| matches!(w.as_str(), "and" | "also"))
        .map(role_seniority)
        .max()
        .unwrap_or(SENIORITY_STAFF)
}

/// The seniority of one role (`Lead Dentist`, `Practice Manager`).
fn role_seniority(role: &[String]) -> u8 {
    let has = |word: &str| role.iter().any(|w| w == word);
    let before = |word: &str| -> Option<&str> {
        let i = role.iter().position(|w| w == word)?;
        i.checked_sub(1).map(|j| role[j].as_str())
    };
    let head_of = role
        .windows(2)
        .any(|pair| pair[0] == "head" && pair[1] == "of");
    if has("assistant") || has("intern") || has("trainee") || has("apprentice") {
        return if has("manager") || has("director") {
            SENIORITY_LEAD
        } else {
            SENIORITY_STAFF
        };
    }
    let vice = has("vice") || has("vp") || has("svp") || has("evp");
    if has("owner")
        || has("founder")
        || has("cofounder")
        || has("ceo")
        || has("proprietor")
        || has("principal")
        || (has("president") && !vice)
        || (has("chief") && has("executive"))
        || (has("managing")
            && (has("partner") || has("director") || has("member") || has("principal")))
        || before("partner") == Some("founding")
    {
        return SENIORITY_OWNER;
    }
    if vice
        || has("director")
        || has("partner")
        || has("chief")
        || has("coo")
        || has("cfo")
        || has("cto")
        || has("cmo")
        || head_of
        || before("manager").is_some_and(|w| RUNNING_MANAGERS.contains(&w))
        || before("administrator").is_some_and(|w| RUNNING_MANAGERS.contains(&w))
    {
        return SENIORITY_MANAGER;
    }
    if has("manager")
        || has("head")
        || has("supervisor")
        || has("lead")
        || has("senior")
        || has("foreman")
    {
        return SENIORITY_LEAD;
    }
    SENIORITY_STAFF
}

/// One record per person: results with the same canonical profile URL, or with the same
/// name (see [`name_key`]) and URLs that differ only in spelling (`jane-doe-1a2b3c4d`,
/// `janedoe`), are merged. The richer record is kept, its gaps filled from the other; records
/// stay in the order they were first seen.
pub fn dedupe_profiles(
    candidates: impl IntoIterator<Item = ProfileCandidate>,
) -> Vec<ProfileCandidate> {
    let mut out: Vec<(ProfileCandidate, String, String)> = Vec::new();
    for candidate in candidates {
        let key = name_key(&candidate.name);
        let stem = candidate.profile_url.stem();
        let same = out.iter_mut().find(|(kept, kept_key, kept_stem)| {
            kept.profile_url == candidate.profile_url || (*kept_key == key && *kept_stem == stem)
        });
        match same {
            Some((kept, _, _)) => merge(kept, candidate),
            None => out.push((candidate, key, stem)),
        }
    }
    out.into_iter().map(|(candidate, _, _)| candidate).collect()
}

/// How much a record says.
fn richness(c: &ProfileCandidate) -> usize {
    [&c.title, &c.company, &c.location]
        .iter()
        .map(|field| field.as_deref().map_or(0, |v| 1 + v.len()))
        .sum()
}

fn merge(kept: &mut ProfileCandidate, mut other: ProfileCandidate) {
    if richness(&other) > richness(kept) {
        std::mem::swap(kept, &mut other);
    }
    if kept.title.is_none() {
        kept.title = other.title;
    }
    if kept.company.is_none() {
        kept.company = other.company;
    }
    if kept.location.is_none() {
        kept.location = other.location;
    }
    if !other.source_text.is_empty() {
        kept.source_text.push('\n');
        kept.source_text.push_str(&other.source_text);
    }
}

/// Sorts people most senior first (see [`seniority`]), keeping search order among equals,
/// and keeps the first `cap` (`LINKEDIN_MAX_EMPLOYEES_PER_COMPANY`).
pub fn rank_decision_makers(people: &mut Vec<ProfileCandidate>, cap: usize) {
    people.sort_by_cached_key(|p| Reverse(p.title.as_deref().map_or(SENIORITY_STAFF, seniority)));
    people.truncate(cap);
}

#[cfg(test)]
#[path = "rank_tests.rs"]
mod tests;
