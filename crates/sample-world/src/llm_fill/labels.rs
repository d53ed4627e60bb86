//! Short strings for the sample model: persona names, roles, seniorities, job titles,
//! firmographics, subjects and list items, composed from the prompt's target and list items.
//! A real model writes "Independent dentist practice", not a copy of a prompt line; names are
//! told apart by the index of the array element they sit in, so three personas get three
//! names, and nothing here copies an id, a link or an e-mail address.

use super::personas::{BUSINESS_KINDS, EMPLOYEES, LOCATIONS, PEOPLE, REVENUES, SIZES};
use super::{PromptMaterial, fnv1a};

/// Where in the answer a string goes.
pub(super) struct Spot<'a> {
    /// The property (for a list item, the list's), lower-case.
    pub field: &'a str,
    /// The string's index in its own list, when it is a list item.
    pub item: Option<usize>,
    /// The index of the nearest array element around the string's object (which persona).
    pub element: Option<usize>,
    /// Whether the string sits under a property about people (`decision_makers`, …).
    pub person: bool,
    /// The filler's counter, to vary a pick where no index tells strings apart.
    pub counter: usize,
}

impl<'a> Spot<'a> {
    /// The spot of `field` (item `item` of it, when a list) beside this one.
    fn at(&self, field: &'a str, item: Option<usize>) -> Self {
        Spot {
            field,
            item,
            ..*self
        }
    }
}

/// Properties that name or qualify rather than explain: they get a short phrase.
const LABELS: [&str; 15] = [
    "name",
    "title",
    "role",
    "seniority",
    "subject",
    "headline",
    "label",
    "segment",
    "business_size",
    "employee_range",
    "revenue_range",
    "locations",
    "location",
    "web_maturity",
    "company_size",
];

/// Whether `field` (lower-case) is a label.
pub(super) fn is_label(field: &str) -> bool {
    LABELS.contains(&field)
}

/// Whether a property named `name` holds people rather than businesses.
pub(super) fn names_people(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "decision", "maker", "people", "person", "contact", "staff", "buyer",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Fields that name problems or what sets them off: they draw on the `- KEY: words` items.
const PROBLEM_FIELDS: [&str; 7] = [
    "pains",
    "buying_triggers",
    "pain_points",
    "challenges",
    "problems",
    "triggers",
    "web_maturity",
];

/// Fields that name what is wanted or offered: they draw on the lists and plain bullets
/// (services, claims).
const OFFER_FIELDS: [&str; 6] = [
    "goals",
    "how_to_reach",
    "needs",
    "outcomes",
    "channels",
    "services",
];

/// The target as names use it.
struct Target {
    /// "dentist practice", or "local business" without a vertical.
    subject: String,
    /// "practice" or "business".
    unit: &'static str,
    /// " in Austin, TX", or nothing.
    in_geo: String,
}

impl Target {
    fn of(m: &PromptMaterial) -> Self {
        let vertical = m.vertical.as_deref().map(singular);
        let unit = match &vertical {
            Some(v) if is_practice(v) => "practice",
            _ => "business",
        };
        Self {
            subject: vertical.map_or_else(|| "local business".into(), |v| format!("{v} {unit}")),
            unit,
            in_geo: m
                .geography
                .as_deref()
                .map(|g| format!(" in {g}"))
                .unwrap_or_default(),
        }
    }

    /// `template` with the target put in.
    fn fill(&self, template: &str) -> String {
        template
            .replace("{Subject}", &capitalized(&self.subject))
            .replace("{Unit}", &capitalized(self.unit))
            .replace("{unit}", self.unit)
    }
}

/// A label for `spot.field`, or `None` to fall back to a prompt line.
pub(super) fn label(m: &PromptMaterial, spot: &Spot<'_>) -> Option<String> {
    let t = Target::of(m);
    let i = spot.element.unwrap_or(0);
    let person = &PEOPLE[i % PEOPLE.len()];
    let numbered = |text: String| {
        if i < PEOPLE.len().min(BUSINESS_KINDS.len()) {
            text
        } else {
            format!("{text} {}", i + 1)
        }
    };
    let persona = spot.element.is_some() || m.vertical.is_some();
    let business = |table: &[&str; 6]| Some(table[i % table.len()].to_owned());
    match spot.field {
        "name" | "label" | "segment" if spot.person => Some(numbered(t.fill(person.name))),
        "name" | "label" | "segment" if persona => Some(numbered(format!(
            "{} {}",
            BUSINESS_KINDS[i % BUSINESS_KINDS.len()],
            t.subject
        ))),
        "role" if spot.person => Some(t.fill(person.role)),
        "seniority" if spot.person => Some(person.seniority.to_owned()),
        "title" | "headline" if spot.person => Some(t.fill(person.titles[0])),
        "business_size" | "company_size" => business(&SIZES),
        "employee_range" => business(&EMPLOYEES),
        "revenue_range" => business(&REVENUES),
        "locations" | "location" => Some(format!("{}{}", LOCATIONS[i % LOCATIONS.len()], t.in_geo)),
        "web_maturity" => {
            let problems = pool(m, "web_maturity");
            problems
                .get(i % problems.len().max(1))
                .and_then(|p| phrase(p, 6))
        }
        _ => None,
    }
    .or_else(|| any_phrase(m, spot.counter))
}

/// Item `spot.item` of the list `spot.field`: job titles for `titles`, else distinct items of
/// the prompt's lists (see [`pool`]), starting where the field and the element say, so that
/// two personas' lists differ.
pub(super) fn list_item(m: &PromptMaterial, spot: &Spot<'_>) -> Option<String> {
    let j = spot.item.unwrap_or(0);
    let i = spot.element.unwrap_or(0);
    if spot.field.contains("title") {
        let t = Target::of(m);
        let mut titles: Vec<String> = Vec::new();
        for p in PEOPLE
            .iter()
            .cycle()
            .skip(i % PEOPLE.len())
            .take(PEOPLE.len())
        {
            for title in p.titles {
                let title = t.fill(title);
                if !titles.contains(&title) {
                    titles.push(title);
                }
            }
        }
        return titles.get(j % titles.len()).cloned();
    }
    let pool = pool(m, spot.field);
    if pool.is_empty() {
        return None;
    }
    // Fields sharing a pool start two apart (by their place in its list), others by hash.
    let place = [&PROBLEM_FIELDS[..], &OFFER_FIELDS[..]]
        .iter()
        .find_map(|fields| fields.iter().position(|f| *f == spot.field))
        .map(|p| 2 * p);
    let start = place.unwrap_or_else(|| usize::try_from(fnv1a(spot.field) % 97).unwrap_or(0)) + i;
    let item = &pool[(start + j) % pool.len()];
    Some(capitalized(item))
}

/// A persona's description: its name, where it is, and two of the prompt's items.
pub(super) fn description(m: &PromptMaterial, spot: &Spot<'_>) -> Option<String> {
    spot.element?;
    let t = Target::of(m);
    let name = label(m, &spot.at("name", None))?;
    let two = |field: &str| {
        let first = list_item(m, &spot.at(field, Some(0)))?;
        Some(match list_item(m, &spot.at(field, Some(1))) {
            Some(second) if second != first => {
                format!("{} and {}", lower_first(&first), lower_first(&second))
            }
            _ => lower_first(&first),
        })
    };
    Some(if spot.person {
        let cares = two("goals")
            .map(|g| format!(" Cares about {g}."))
            .unwrap_or_default();
        if name.to_lowercase().contains(&t.subject) {
            format!("{name}{}.{cares}", t.in_geo)
        } else {
            let article = if t.subject.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{name} at {article} {}{}.{cares}", t.subject, t.in_geo)
        }
    } else {
        let pains = two("pains")
            .map(|p| format!(" Struggles with {p}."))
            .unwrap_or_default();
        format!("{name}{}.{pains}", t.in_geo)
    })
}

/// The items `field` draws on (all of them when its own kind is missing).
fn pool<'m>(m: &'m PromptMaterial, field: &str) -> &'m [String] {
    let own = if PROBLEM_FIELDS.contains(&field) {
        &m.problems
    } else if OFFER_FIELDS.contains(&field) {
        &m.offers
    } else {
        &m.items
    };
    if own.is_empty() { &m.items } else { own }
}

/// A short phrase from the prompt's items (one of two words or more when there is one),
/// varied by `counter`.
fn any_phrase(m: &PromptMaterial, counter: usize) -> Option<String> {
    let phrases: Vec<String> = m.items.iter().filter_map(|i| phrase(i, 6)).collect();
    let worded: Vec<&String> = phrases.iter().filter(|p| p.contains(' ')).collect();
    if worded.is_empty() {
        phrases.get(counter % phrases.len().max(1)).cloned()
    } else {
        worded.get(counter % worded.len()).map(|p| (*p).clone())
    }
}

/// Words that do not end a phrase.
const DANGLING: [&str; 14] = [
    "a", "an", "the", "of", "and", "or", "on", "for", "in", "to", "with", "by", "at", "instead",
];

/// At most `max_words` words of `text`, without id-like words, ending on a word that can end
/// a phrase, capitalised.
pub(super) fn phrase(text: &str, max_words: usize) -> Option<String> {
    let mut words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !looks_like_id(w))
        .take(max_words)
        .collect();
    while words
        .last()
        .is_some_and(|w| DANGLING.contains(&w.to_ascii_lowercase().as_str()))
    {
        words.pop();
    }
    let joined = words.join(" ");
    let p = joined.trim_end_matches([',', ';', ':', '.', '—', '–', '-']);
    (!p.is_empty()).then(|| capitalized(p))
}

/// An id, a key or a link rather than a word: `MISSING_WEBSITE`, `a1b2c3d4e5`, `x@y`.
fn looks_like_id(word: &str) -> bool {
    let digits = word.chars().any(|c| c.is_ascii_digit());
    let letters = word.chars().any(char::is_alphabetic);
    word.contains(['_', '@', '[', ']'])
        || word.contains("://")
        || (digits && letters && word.chars().count() >= 8)
}

/// "dentists" → "dentist"; "glass" and "fitness" stay.
fn singular(vertical: &str) -> String {
    let v = vertical.trim();
    match v.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') && stem.chars().count() >= 3 => stem.to_owned(),
        _ => v.to_owned(),
    }
}

/// Whether businesses of `vertical` call themselves a practice.
fn is_practice(vertical: &str) -> bool {
    let v = vertical.to_ascii_lowercase();
    [
        "dent",
        "doctor",
        "physician",
        "clinic",
        "chiro",
        "orthodon",
        "optom",
        "veterin",
        "therap",
        "lawyer",
        "attorney",
        "account",
        "derma",
        "pediatr",
        "psycholog",
        "counsel",
        "physio",
        "medical",
        "podiatr",
    ]
    .iter()
    .any(|stem| v.contains(stem))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// "No website" → "no website", but "Google rating" and "SEO audit" keep their capitals.
fn lower_first(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or("");
    let proper = first_word.chars().skip(1).any(char::is_uppercase)
        || ["Google", "Facebook", "Yelp", "Instagram", "LinkedIn"].contains(&first_word);
    if proper {
        return text.to_owned();
    }
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}
