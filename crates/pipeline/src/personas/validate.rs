//! Holding a persona answer to shape: whatever the model wrote, the set that leaves here has
//! [`MIN_PERSONAS`]–[`MAX_PERSONAS`] personas of each kind with unique names
//! (case-insensitive), lists of at most [`MAX_LIST_ITEMS`] non-empty distinct items, and text
//! cut to lengths a page and a prompt can carry.

use std::collections::HashSet;

use super::{BusinessPersona, DecisionMakerPersona, Firmographics, PersonaSet};

/// Fewest personas of a kind an answer may keep without help from the rules.
pub const MIN_PERSONAS: usize = 2;
/// How many personas of a kind a thin answer is topped up to from the rules.
pub const TOP_UP_TO: usize = 3;
/// Most personas of a kind kept.
pub const MAX_PERSONAS: usize = 5;
/// Most items a persona's list keeps.
pub const MAX_LIST_ITEMS: usize = 6;

const NAME_CHARS: usize = 80;
const SHORT_CHARS: usize = 120;
const DESCRIPTION_CHARS: usize = 600;
const ITEM_CHARS: usize = 200;
const TITLE_CHARS: usize = 80;

/// What validation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Personas dropped: nameless, duplicate names, or beyond [`MAX_PERSONAS`].
    pub dropped: usize,
    /// Rules personas added because a kind had fewer than [`MIN_PERSONAS`].
    pub topped_up: usize,
}

impl Repairs {
    /// Whether any persona was dropped or added.
    pub fn changed(&self) -> bool {
        self.dropped > 0 || self.topped_up > 0
    }
}

impl PersonaSet {
    /// This set held to shape (see the module docs); a kind left with fewer than
    /// [`MIN_PERSONAS`] is topped up to [`TOP_UP_TO`] from `fallback` (the rules set), whose
    /// personas are held to the same shape and skipped when their name is already taken.
    pub fn validated(self, fallback: &PersonaSet) -> (PersonaSet, Repairs) {
        let mut repairs = Repairs::default();
        let business = settle(self.business, &fallback.business, &mut repairs);
        let decision_makers = settle(
            self.decision_makers,
            &fallback.decision_makers,
            &mut repairs,
        );
        (
            PersonaSet {
                business,
                decision_makers,
            },
            repairs,
        )
    }
}

/// A persona as validation sees it.
trait Persona: Clone {
    fn name(&self) -> &str;
    /// Trims, cuts and dedupes the persona's own fields.
    fn clean(self) -> Self;
}

impl Persona for BusinessPersona {
    fn name(&self) -> &str {
        &self.name
    }

    fn clean(self) -> Self {
        let f = self.firmographics;
        Self {
            name: clip(&self.name, NAME_CHARS),
            description: clip(&self.description, DESCRIPTION_CHARS),
            firmographics: Firmographics {
                business_size: clip(&f.business_size, SHORT_CHARS),
                employee_range: clip(&f.employee_range, SHORT_CHARS),
                revenue_range: clip(&f.revenue_range, SHORT_CHARS),
                locations: clip(&f.locations, SHORT_CHARS),
                web_maturity: clip(&f.web_maturity, SHORT_CHARS),
            },
            goals: list(self.goals, ITEM_CHARS),
            pains: list(self.pains, ITEM_CHARS),
            buying_triggers: list(self.buying_triggers, ITEM_CHARS),
            objections: list(self.objections, ITEM_CHARS),
            how_to_reach: list(self.how_to_reach, ITEM_CHARS),
        }
    }
}

impl Persona for DecisionMakerPersona {
    fn name(&self) -> &str {
        &self.name
    }

    fn clean(self) -> Self {
        let name = clip(&self.name, NAME_CHARS);
        let mut titles = list(self.titles, TITLE_CHARS);
        let mut role = clip(&self.role, SHORT_CHARS);
        // The title heuristic needs words: a persona without titles is known by its role, and
        // one without a role by its first title or, at worst, its name.
        if role.is_empty() {
            role = titles.first().cloned().unwrap_or_else(|| name.clone());
        }
        if titles.is_empty() {
            titles.push(clip(&role, TITLE_CHARS));
        }
        Self {
            description: clip(&self.description, DESCRIPTION_CHARS),
            seniority: clip(&self.seniority, SHORT_CHARS),
            goals: list(self.goals, ITEM_CHARS),
            pains: list(self.pains, ITEM_CHARS),
            buying_triggers: list(self.buying_triggers, ITEM_CHARS),
            objections: list(self.objections, ITEM_CHARS),
            how_to_reach: list(self.how_to_reach, ITEM_CHARS),
            name,
            role,
            titles,
        }
    }
}

/// One kind's personas cleaned, deduplicated by name, capped, and topped up when thin.
fn settle<P: Persona>(given: Vec<P>, fallback: &[P], repairs: &mut Repairs) -> Vec<P> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out: Vec<P> = Vec::new();
    for p in given {
        let p = p.clean();
        let key = name_key(p.name());
        if key.is_empty() || out.len() >= MAX_PERSONAS || !taken.insert(key) {
            repairs.dropped += 1;
            continue;
        }
        out.push(p);
    }
    if out.len() < MIN_PERSONAS {
        for p in fallback {
            if out.len() >= TOP_UP_TO {
                break;
            }
            let p = p.clone().clean();
            let key = name_key(p.name());
            if !key.is_empty() && taken.insert(key) {
                out.push(p);
                repairs.topped_up += 1;
            }
        }
    }
    out
}

/// A name as uniqueness sees it: lower case, single spaces.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Items trimmed and cut, empty ones and repeats (case-insensitive) dropped, at most
/// [`MAX_LIST_ITEMS`] kept.
fn list(items: Vec<String>, max_chars: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .map(|s| clip(&s, max_chars))
        .filter(|s| !s.is_empty() && seen.insert(s.to_lowercase()))
        .take(MAX_LIST_ITEMS)
        .collect()
}

/// `text` on one line (runs of whitespace made single spaces, ends trimmed) and cut to at
/// most `max` characters, at a word break when one is near, with "…" marking the cut.
pub fn clip(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let Some(room) = max.checked_sub(1) else {
        return String::new();
    };
    let end = one_line
        .char_indices()
        .nth(room)
        .map_or(one_line.len(), |(i, _)| i);
    let head = &one_line[..end];
    // A word break in the last quarter is worth the few characters it costs.
    let floor = head.len() * 3 / 4;
    let at = head
        .rfind(' ')
        .filter(|&i| i >= floor && i > 0)
        .unwrap_or(head.len());
    format!(
        "{}…",
        head[..at].trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';')
    )
}
