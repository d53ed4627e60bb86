//! The proposal without a language model, from the pages alone: the name from the homepage's
//! structured data or title, services from the services page's headings (or list items),
//! verticals from the industries page or the known verticals the text names, geographies as
//! [`super::places`] reads them, claims from sentences with numbers, percentages or
//! guarantees on the results, about and home pages, and criteria from the needs the services
//! describe.

use domain::Signal;
use url::Url;

use super::crawl::SitePage;
use super::draft::{ClaimDraft, ProposalDraft, clean};
use super::pick::PageRole;
use super::text::{self, Block, BlockKind};
use super::vocabulary;

/// Most claims the rules propose.
const MAX_CLAIMS: usize = 10;

/// The deterministic proposal.
pub(super) fn draft(start: &Url, pages: &[SitePage]) -> ProposalDraft {
    let services = services(pages);
    let criteria = criteria(pages, &services);
    ProposalDraft {
        name: name(start, pages),
        services,
        target_verticals: verticals(pages),
        target_geographies: super::places::geographies(pages),
        lead_qualification_criteria: criteria.iter().map(|s| s.as_str().to_owned()).collect(),
        approved_claims: claims(pages),
    }
}

fn of_role(pages: &[SitePage], role: PageRole) -> impl Iterator<Item = &SitePage> {
    pages.iter().filter(move |p| p.role == role)
}

/// Letters and digits only, lower case: "BrightPath Digital" and `brightpath-digital` meet.
fn compact(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The name the homepage's structured data gives, else the part of its title that matches
/// the domain ("BrightPath Digital | Web design…" on `brightpath-digital.com`), else the
/// domain in words.
fn name(start: &Url, pages: &[SitePage]) -> String {
    let label = domain::Domain::from_url(start.as_str())
        .ok()
        .and_then(|d| d.as_str().split('.').next().map(str::to_owned))
        .unwrap_or_default();
    let from_domain = label
        .split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let home = pages.iter().find(|p| p.role == PageRole::Home);
    if let Some(name) = home.and_then(|p| p.site_name.as_deref()) {
        return clean(name);
    }
    let title = home.and_then(|p| p.title.as_deref()).unwrap_or_default();
    let parts: Vec<String> = title
        .split([' ', '\u{a0}'])
        .collect::<Vec<_>>()
        .join(" ")
        .split(" | ")
        .flat_map(|p| p.split(" – "))
        .flat_map(|p| p.split(" — "))
        .flat_map(|p| p.split(" - "))
        .flat_map(|p| p.split(" · "))
        .flat_map(|p| p.split(": "))
        .map(clean)
        .filter(|p| !p.is_empty())
        .collect();
    let key = compact(&label);
    let matching = parts.iter().find(|p| {
        let c = compact(p);
        !c.is_empty() && !key.is_empty() && (c == key || c.starts_with(&key) || key.starts_with(&c))
    });
    match matching {
        Some(p) => p.clone(),
        None if key.is_empty() => parts.first().cloned().unwrap_or_default(),
        None => from_domain,
    }
}

/// Headings that introduce rather than name a service.
fn is_generic_heading(text: &str) -> bool {
    let lower = text.to_lowercase();
    let exact = [
        "services",
        "our services",
        "what we do",
        "what we offer",
        "our work",
    ];
    let starts = [
        "why",
        "how",
        "ready",
        "get ",
        "contact",
        "faq",
        "frequently",
        "about",
        "our process",
        "pricing",
        "testimonials",
        "call ",
        "book ",
        "let's",
        "talk",
    ];
    text.contains('?')
        || exact.contains(&lower.as_str())
        || starts.iter().any(|s| lower.starts_with(s))
}

fn is_service_name(text: &str) -> bool {
    let words = text.split_whitespace().count();
    (1..=7).contains(&words)
        && (3..=60).contains(&text.chars().count())
        && text.chars().any(char::is_alphabetic)
        && !is_generic_heading(text)
}

/// Services: the services pages' headings, else their list items, else the items listed
/// under a "services" / "what we do" heading anywhere.
fn services(pages: &[SitePage]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for page in of_role(pages, PageRole::Services) {
        let blocks = text::blocks(&page.markdown);
        let headings: Vec<&Block> = blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Heading(2..)))
            .collect();
        let chosen: Vec<&Block> = if headings.iter().any(|b| is_service_name(&b.text)) {
            headings
        } else {
            blocks
                .iter()
                .filter(|b| b.kind == BlockKind::Item)
                .collect()
        };
        out.extend(
            chosen
                .iter()
                .map(|b| clean(&b.text))
                .filter(|t| is_service_name(t)),
        );
    }
    if out.is_empty() {
        for page in pages {
            out.extend(
                text::blocks(&page.markdown)
                    .iter()
                    .filter(|b| b.kind == BlockKind::Item)
                    .filter(|b| {
                        let s = b.section.to_lowercase();
                        s.contains("services") || s.contains("what we do") || s.contains("we offer")
                    })
                    .map(|b| clean(&b.text))
                    .filter(|t| is_service_name(t)),
            );
        }
    }
    dedupe(out)
}

fn dedupe(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|s| seen.insert(s.to_lowercase()))
        .collect()
}

/// Verticals: those the industries pages' headings and items name, else those the whole
/// site names, the most mentioned first.
fn verticals(pages: &[SitePage]) -> Vec<String> {
    let mut out: Vec<&str> = Vec::new();
    for page in of_role(pages, PageRole::Industries) {
        for block in text::blocks(&page.markdown) {
            if matches!(block.kind, BlockKind::Heading(2..) | BlockKind::Item)
                && let Some(v) = vocabulary::vertical_of(&block.text)
                && !out.contains(&v)
            {
                out.push(v);
            }
        }
    }
    if out.is_empty() {
        let mut counts: Vec<(&str, usize, usize)> = Vec::new();
        for page in pages {
            for block in text::blocks(&page.markdown) {
                for v in vocabulary::verticals_in(&block.text) {
                    match counts.iter_mut().find(|(name, _, _)| *name == v) {
                        Some(entry) => entry.1 += 1,
                        None => {
                            let first = counts.len();
                            counts.push((v, 1, first));
                        }
                    }
                }
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        out = counts.into_iter().take(5).map(|(v, _, _)| v).collect();
    }
    out.into_iter().map(str::to_owned).collect()
}

/// Words after a number that make it a result ("40+ websites", "90 days", "4.7 stars").
const UNITS: &[&str] = &[
    "day",
    "week",
    "month",
    "year",
    "hour",
    "minute",
    "second",
    "star",
    "website",
    "site",
    "client",
    "business",
    "practice",
    "call",
    "lead",
    "review",
    "job",
    "booking",
    "customer",
    "project",
    "patient",
    "appointment",
    "time",
];

/// Whether a sentence is a concrete claim: a percentage, an "N+", a number of something, or a
/// guarantee — and no contact details.
pub(super) fn is_claim(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    let len = sentence.chars().count();
    let digits = sentence.chars().filter(char::is_ascii_digit).count();
    if !(20..=220).contains(&len)
        || sentence.split_whitespace().count() < 4
        || digits > 8
        || ["@", "http", "©", "copyright", "cookie", "privacy", "tel:"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return false;
    }
    if ["guarantee", "money-back", "money back", "risk-free"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return true;
    }
    let tokens: Vec<&str> = lower.split_whitespace().collect();
    tokens.iter().enumerate().any(|(i, t)| {
        let number = t.trim_start_matches(['$', '£', '€']);
        let digits_len = number
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .count();
        if digits_len == 0 || !number.starts_with(|c: char| c.is_ascii_digit()) {
            return false;
        }
        let suffix = &number[digits_len..];
        if suffix.starts_with('%') || suffix.starts_with('+') || suffix.starts_with('x') {
            return true;
        }
        let unit_after = |w: &str| {
            let w = w.trim_start_matches('-');
            !w.is_empty() && UNITS.iter().any(|u| w.starts_with(u))
        };
        unit_after(suffix)
            || tokens
                .get(i + 1..(i + 3).min(tokens.len()))
                .is_some_and(|next| next.iter().any(|w| unit_after(w)))
            || t.starts_with(['$', '£', '€'])
    })
}

/// Claims: concrete sentences of the results, about and home pages, with their page.
fn claims(pages: &[SitePage]) -> Vec<ClaimDraft> {
    let order = [PageRole::Results, PageRole::About, PageRole::Home];
    let mut out: Vec<ClaimDraft> = Vec::new();
    for role in order {
        for page in of_role(pages, role) {
            for block in text::blocks(&page.markdown) {
                for sentence in text::sentences(&block.text) {
                    let sentence = clean(&sentence);
                    if out.len() < MAX_CLAIMS
                        && is_claim(&sentence)
                        && !out.iter().any(|c| c.text.eq_ignore_ascii_case(&sentence))
                    {
                        out.push(ClaimDraft {
                            id: text::slug(&sentence),
                            text: sentence,
                            source_url: page.url.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Criteria: the needs the services and the services pages describe.
fn criteria(pages: &[SitePage], services: &[String]) -> Vec<Signal> {
    let mut described = services.join(". ");
    for page in of_role(pages, PageRole::Services) {
        described.push_str(". ");
        described.push_str(&text::plain(&page.markdown));
    }
    if described.trim_matches(['.', ' ']).is_empty()
        && let Some(home) = pages.iter().find(|p| p.role == PageRole::Home)
    {
        described = text::plain(&home.markdown);
    }
    vocabulary::signals_for(&described)
}
