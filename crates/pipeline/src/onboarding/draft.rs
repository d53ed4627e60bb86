//! The proposal as the model (or the rules) writes it, the prompt it is written from, and the
//! grounding that holds it to the pages read: a claim must cite a page that was read and
//! state no number that page does not, criteria must be signal names (free text is mapped to
//! them where it can be), lists are cleaned of blanks, oversized items and duplicates.

use std::collections::{BTreeMap, HashSet};

use domain::Signal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::ApprovedClaim;
use url::Url;

use super::crawl::SitePage;
use super::text;
use super::vocabulary;
use crate::audit::dossier::{estimate_tokens, fair_shares};

/// Most items of each list a proposal keeps.
const MAX_SERVICES: usize = 12;
const MAX_VERTICALS: usize = 8;
const MAX_GEOGRAPHIES: usize = 8;
const MAX_CLAIMS: usize = 12;
/// Longest name, service, vertical or geography kept, in characters.
const MAX_ITEM_CHARS: usize = 80;
/// Longest claim kept, in characters.
const MAX_CLAIM_CHARS: usize = 300;

/// A claim as the model writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClaimDraft {
    /// A short id in lower-case words joined by hyphens.
    pub id: String,
    /// The claim, worded as on the page.
    pub text: String,
    /// The page that states it, copied exactly from the pages given.
    pub source_url: String,
}

/// The agency's profile as the model (or the rules) proposes it, before grounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProposalDraft {
    /// The agency's name.
    pub name: String,
    /// What it sells, as short names.
    pub services: Vec<String>,
    /// Kinds of local business it serves, singular ("dentist").
    pub target_verticals: Vec<String>,
    /// Cities or regions it serves ("Austin, TX").
    pub target_geographies: Vec<String>,
    /// The signals whose businesses its services help.
    #[schemars(schema_with = "criteria_schema")]
    pub lead_qualification_criteria: Vec<String>,
    /// Concrete claims it makes about itself, each with its page.
    pub approved_claims: Vec<ClaimDraft>,
}

/// Criteria are signal names: the schema says so, so a model cannot answer anything else.
fn criteria_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<serde_json::Value> = Signal::ALL.iter().map(|s| s.as_str().into()).collect();
    let mut map = serde_json::Map::new();
    map.insert("type".into(), "array".into());
    map.insert(
        "items".into(),
        serde_json::json!({ "type": "string", "enum": names }),
    );
    schemars::Schema::from(map)
}

/// The instructions after the pages.
const FOOTER: &str = "Propose the agency's profile from these pages only. name: the agency's \
     name. services: what it sells, as short names (\"Web design\", \"Local SEO\"). \
     target_verticals: the kinds of local business it serves, singular (\"dentist\", \
     \"plumber\"). target_geographies: the cities or regions it serves, as \"City, ST\" or \
     \"City, Country\". lead_qualification_criteria: the criteria above whose problems its \
     services fix (web design fixes MISSING_WEBSITE and WEBSITE_NOT_MOBILE_FRIENDLY, reviews \
     management fixes LOW_GOOGLE_RATING, local SEO fixes NO_LOCAL_BUSINESS_SCHEMA). \
     approved_claims: concrete claims the agency makes about itself — numbers, results, \
     guarantees — worded as on the page, each with a short id and the exact URL of the page \
     above that states it. Invent nothing.";

/// The prompt: the pages (cut to `page_token_budget` tokens, shared fairly), the criteria the
/// model may choose from, the instructions.
pub(super) fn prompt(start: &Url, pages: &[SitePage], page_token_budget: usize) -> String {
    let mut out = format!("Agency website: {start}\n\nPages of the agency's own website:\n");
    let lengths: Vec<usize> = pages.iter().map(|p| p.markdown.chars().count()).collect();
    let shares = fair_shares(&lengths, page_token_budget.saturating_mul(4));
    for (i, (page, share)) in pages.iter().zip(shares).enumerate() {
        out.push_str(&format!(
            "\n### Page {} ({}): {} — {}\n",
            i + 1,
            serde_json::to_value(page.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            page.url,
            page.title.as_deref().unwrap_or("untitled")
        ));
        out.push_str(&cut(&page.markdown, share));
        out.push('\n');
    }
    out.push_str("\nLead qualification criteria (choose only from these names):\n");
    for signal in Signal::ALL {
        out.push_str(&format!(
            "- {}: {}\n",
            signal.as_str(),
            vocabulary::describe(signal)
        ));
    }
    out.push('\n');
    out.push_str(FOOTER);
    out
}

/// The prompt's size in tokens, for logs.
pub(super) fn prompt_tokens(prompt: &str) -> usize {
    estimate_tokens(prompt)
}

/// `text` cut to at most `max` characters, at a line break when one is near.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let at = head.rfind('\n').filter(|&i| i >= end / 2).unwrap_or(end);
    format!("{}\n[…]", head[..at].trim_end())
}

/// A proposal held to the pages read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grounded {
    /// The name, empty when the draft's was unusable.
    pub name: String,
    /// Services.
    pub services: Vec<String>,
    /// Verticals, the first the default.
    pub target_verticals: Vec<String>,
    /// Geographies, the first the default.
    pub target_geographies: Vec<String>,
    /// Signal names, in [`Signal::ALL`] order.
    pub lead_qualification_criteria: Vec<String>,
    /// Claims, each citing a page read.
    pub approved_claims: Vec<ApprovedClaim>,
    /// Claims dropped: no page read behind them, a number the page does not state, empty,
    /// or over the cap.
    pub dropped_claims: u32,
    /// Criteria dropped: neither a signal name nor a need one maps to.
    pub dropped_criteria: u32,
}

/// URLs compared the way pages are named: no fragment, no trailing slash on a path.
fn url_key(raw: &str) -> Option<String> {
    let mut u = Url::parse(raw.trim()).ok()?;
    u.set_fragment(None);
    let path = u.path().trim_end_matches('/').to_owned();
    u.set_path(if path.is_empty() { "/" } else { &path });
    Some(u.to_string())
}

/// The numbers written in `text` ("40", "4.7", "32").
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let decimal_point =
            *c == '.' && !current.is_empty() && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || decimal_point {
            current.push(*c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Holds `draft` to `pages` (see the module docs).
pub fn ground(draft: &ProposalDraft, pages: &[SitePage]) -> Grounded {
    let mut known: BTreeMap<String, (&SitePage, PageText)> = BTreeMap::new();
    for page in pages {
        let plain = PageText::new(&page.markdown);
        for url in std::iter::once(&page.url).chain(page.requested.as_ref()) {
            if let Some(key) = url_key(url) {
                known.insert(key, (page, plain.clone()));
            }
        }
    }
    let name = clean(&draft.name);
    let name = if name.chars().count() <= MAX_ITEM_CHARS && name.split(' ').count() <= 8 {
        name
    } else {
        String::new()
    };

    let mut criteria: Vec<Signal> = Vec::new();
    let mut dropped_criteria = 0;
    for raw in &draft.lead_qualification_criteria {
        let as_name = raw.trim().to_ascii_uppercase().replace([' ', '-'], "_");
        let found = match Signal::parse(&as_name) {
            Ok(signal) => vec![signal],
            Err(_) => vocabulary::signals_for(raw),
        };
        if found.is_empty() {
            dropped_criteria += 1;
        }
        criteria.extend(found);
    }
    criteria.sort();
    criteria.dedup();

    let mut claims: Vec<ApprovedClaim> = Vec::new();
    let mut dropped_claims = 0;
    // Claims kept so far, lower case: one that repeats or cuts short another adds nothing.
    let mut seen_texts: Vec<String> = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    for claim in &draft.approved_claims {
        let text = clean(&text::plain(&claim.text));
        let page = url_key(&claim.source_url).and_then(|k| known.get(&k));
        let Some((page, page_text)) = page else {
            dropped_claims += 1;
            continue;
        };
        if !is_stated(&text, page_text) {
            dropped_claims += 1;
            continue;
        }
        let key = text.trim_end_matches(['.', '!']).to_lowercase();
        if seen_texts
            .iter()
            .any(|s: &String| s.starts_with(&key) || key.starts_with(s.as_str()))
        {
            continue;
        }
        seen_texts.push(key);
        if claims.len() >= MAX_CLAIMS {
            dropped_claims += 1;
            continue;
        }
        let base = text::slug(if claim.id.trim().is_empty() {
            &text
        } else {
            &claim.id
        });
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        claims.push(ApprovedClaim {
            id,
            text,
            source_url: Some(page.url.clone()),
        });
    }

    Grounded {
        name,
        services: items(&draft.services, 8, MAX_SERVICES),
        target_verticals: items(
            &draft
                .target_verticals
                .iter()
                .map(|v| vocabulary::vertical_of(v).map_or_else(|| v.to_lowercase(), str::to_owned))
                .collect::<Vec<_>>(),
            4,
            MAX_VERTICALS,
        ),
        target_geographies: places(
            items(&draft.target_geographies, 6, usize::MAX),
            MAX_GEOGRAPHIES,
        ),
        lead_qualification_criteria: criteria.iter().map(|s| s.as_str().to_owned()).collect(),
        approved_claims: claims,
        dropped_claims,
        dropped_criteria,
    }
}

/// Whitespace collapsed, trailing punctuation and list markers trimmed.
pub(super) fn clean(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| matches!(c, '-' | '*' | '•' | ':' | ';' | ','))
        .trim()
        .to_owned()
}

/// `raw` as plain text, without blanks, items of more than `max_words` words or
/// [`MAX_ITEM_CHARS`] characters, sentences (a service or a place is a name) or
/// case-insensitive duplicates, capped.
fn items(raw: &[String], max_words: usize, cap: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    raw.iter()
        .map(|s| clean(&text::plain(s)).trim_end_matches('.').to_owned())
        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_ITEM_CHARS)
        .filter(|s| s.split(' ').count() <= max_words && !s.contains(". "))
        .filter(|s| seen.insert(s.to_lowercase()))
        .take(cap)
        .collect()
}

/// A page's text as grounding reads it.
#[derive(Debug, Clone)]
struct PageText {
    plain: String,
    words: HashSet<String>,
}

impl PageText {
    fn new(markdown: &str) -> Self {
        let plain = text::plain(markdown);
        let words = text::words(&plain).into_iter().collect();
        Self { plain, words }
    }
}

/// Words too common to show where a claim comes from.
const COMMON: &[&str] = &[
    "with", "that", "this", "your", "from", "have", "been", "were", "will", "their", "they",
    "them", "what", "when", "into", "more", "than", "every", "also", "just", "over", "only",
];

/// Whether `claim` is a claim `page` makes: three words or more, within
/// [`MAX_CLAIM_CHARS`], every number in it on the page, and most of its words too (a claim
/// is quoted, or closely paraphrased, not invented).
fn is_stated(claim: &str, page: &PageText) -> bool {
    if claim.split(' ').count() < 3 || claim.chars().count() > MAX_CLAIM_CHARS {
        return false;
    }
    if !numbers(claim)
        .iter()
        .all(|n| page.plain.contains(n.as_str()))
    {
        return false;
    }
    let telling: Vec<String> = text::words(claim)
        .into_iter()
        .filter(|w| w.chars().count() >= 4 && !COMMON.contains(&w.as_str()))
        .collect();
    let found = telling.iter().filter(|w| page.words.contains(*w)).count();
    found * 10 >= telling.len() * 6
}

/// Places in order, a vaguer name ("Austin") giving way to a more precise one ("Austin,
/// TX") in its position.
pub(super) fn places(raw: impl IntoIterator<Item = String>, cap: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for place in raw {
        let place = place.trim_end_matches('.').trim().to_owned();
        if place.is_empty() || place.chars().count() > MAX_ITEM_CHARS {
            continue;
        }
        let lower = place.to_lowercase();
        let vaguer_of = |a: &str, b: &str| b.starts_with(&format!("{a},"));
        if let Some(i) = out
            .iter()
            .position(|p| vaguer_of(&p.to_lowercase(), &lower))
        {
            out[i] = place;
            continue;
        }
        if out
            .iter()
            .any(|p| p.to_lowercase() == lower || vaguer_of(&lower, &p.to_lowercase()))
        {
            continue;
        }
        out.push(place);
    }
    out.truncate(cap);
    out
}
