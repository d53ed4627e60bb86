//! The keyword fallback of `filter_urls`: which mapped pages an audit should read when no LLM
//! chooses.
//!
//! Each URL is scored per page kind (contact, services, about, pricing, booking, team,
//! locations, reviews) from its path and, when known, its link text; shallow pages beat deep
//! ones, pages with queries lose, and posts, archives and legal boilerplate are pushed out.
//! Selection takes the homepage, then the best page of each kind in the order above (one of
//! each before a second of any), then the best remaining matches, then shallow unmatched
//! pages. Every tie is broken by depth, length and the URL text, so the same map always gives
//! the same selection.

mod keywords;

use std::collections::{BTreeMap, HashSet};

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::map::SiteMap;
use keywords::{KINDS, UNWANTED};

/// What a page is for, as far as an audit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// The homepage.
    Home,
    /// Contact page (or a German Impressum).
    Contact,
    /// Services, treatments, products, menu.
    Services,
    /// About the business.
    About,
    /// Prices, rates, packages.
    Pricing,
    /// Booking and appointments.
    Booking,
    /// Team and staff.
    Team,
    /// Locations, directions, opening hours.
    Locations,
    /// Reviews and testimonials.
    Reviews,
    /// None of the above: a shallow page picked to fill the selection.
    Other,
}

/// A page chosen for the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectedPage {
    /// The page.
    pub url: Url,
    /// Why it was chosen.
    pub kind: PageKind,
    /// Its score (higher is better; the homepage and fillers score 0).
    pub score: i32,
}

/// A URL's best page kind and score, `None` when no keyword matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageScore {
    /// The best matching kind.
    pub kind: PageKind,
    /// Its score.
    pub score: i32,
}

/// Scores one URL, with the text of a link to it if known.
pub fn score_page(url: &Url, link_text: Option<&str>) -> Option<PageScore> {
    let segments = path_tokens(url);
    let text = tokens(link_text.unwrap_or_default());
    let depth = i32::try_from(segments.len()).unwrap_or(i32::MAX);
    let unwanted = is_unwanted(&segments);
    let mut best: Option<PageScore> = None;
    for (kind, weight, words) in KINDS {
        let in_last = segments.last().is_some_and(|last| matches(last, words));
        let in_path = in_last || segments.iter().any(|segment| matches(segment, words));
        let in_text = matches(&text, words);
        let mut score = match (in_last, in_path, in_text) {
            (true, _, true) => weight + 30,
            (true, _, false) => *weight,
            (false, true, true) => weight + 10,
            (false, true, false) => weight - 20,
            (false, false, true) => weight - 10,
            (false, false, false) => continue,
        };
        score -= 10 * (depth - 1).max(0);
        if url.query().is_some() {
            score -= 15;
        }
        if unwanted {
            score -= 100;
        }
        if best.is_none_or(|b| score > b.score) {
            best = Some(PageScore { kind: *kind, score });
        }
    }
    best
}

/// The pages of `map` an audit should read, at most `max_pages`, the homepage first.
pub fn select_pages(map: &SiteMap, max_pages: usize) -> Vec<SelectedPage> {
    select_from(&map.start, &map.urls, &map.link_text, max_pages)
}

/// [`select_pages`] over plain candidates.
pub fn select_from(
    home: &Url,
    candidates: &[Url],
    link_text: &BTreeMap<Url, String>,
    max_pages: usize,
) -> Vec<SelectedPage> {
    let mut selected = Vec::new();
    if max_pages == 0 {
        return selected;
    }
    let mut taken: HashSet<&Url> = HashSet::from([home]);
    selected.push(SelectedPage {
        url: home.clone(),
        kind: PageKind::Home,
        score: 0,
    });
    let mut scored: Vec<(&Url, PageScore)> = candidates
        .iter()
        .filter(|url| *url != home)
        .filter_map(|url| {
            Some((
                url,
                score_page(url, link_text.get(url).map(String::as_str))?,
            ))
        })
        .filter(|(_, score)| score.score > 0)
        .collect();
    scored.sort_by(|(a, sa), (b, sb)| sb.score.cmp(&sa.score).then_with(|| tie_break(a, b)));

    let push = |url: &Url, kind, score, selected: &mut Vec<SelectedPage>| {
        selected.push(SelectedPage {
            url: url.clone(),
            kind,
            score,
        });
    };
    // One page of each kind first, in the kinds' order of importance.
    for (kind, _, _) in KINDS {
        if selected.len() >= max_pages {
            return selected;
        }
        if selected.iter().any(|page| page.kind == *kind) {
            continue;
        }
        if let Some((url, score)) = scored
            .iter()
            .find(|(url, score)| score.kind == *kind && !taken.contains(url))
        {
            taken.insert(url);
            push(url, *kind, score.score, &mut selected);
        }
    }
    for (url, score) in &scored {
        if selected.len() >= max_pages {
            return selected;
        }
        if taken.insert(url) {
            push(url, score.kind, score.score, &mut selected);
        }
    }
    let mut fillers: Vec<&Url> = candidates
        .iter()
        .filter(|url| !taken.contains(url) && depth(url) <= 1 && url.query().is_none())
        .filter(|url| !is_unwanted(&path_tokens(url)))
        .collect();
    fillers.sort_by(|a, b| tie_break(a, b));
    for url in fillers {
        if selected.len() >= max_pages {
            break;
        }
        push(url, PageKind::Other, 0, &mut selected);
    }
    selected
}

fn tie_break(a: &Url, b: &Url) -> std::cmp::Ordering {
    depth(a)
        .cmp(&depth(b))
        .then_with(|| a.as_str().len().cmp(&b.as_str().len()))
        .then_with(|| a.as_str().cmp(b.as_str()))
}

fn depth(url: &Url) -> usize {
    url.path_segments()
        .map_or(0, |segments| segments.filter(|s| !s.is_empty()).count())
}

/// The tokens of each non-empty path segment, percent-decoded.
fn path_tokens(url: &Url) -> Vec<Tokens> {
    url.path_segments()
        .map(|segments| {
            segments
                .filter(|s| !s.is_empty())
                .map(|s| tokens(&percent_decode_str(s).decode_utf8_lossy()))
                .collect()
        })
        .unwrap_or_default()
}

fn is_unwanted(segments: &[Tokens]) -> bool {
    segments.iter().flat_map(|s| &s.tokens).any(|token| {
        UNWANTED.contains(&token.as_str())
            // Dated archives and posts: /2023/05/…
            || (token.len() == 4 && token.starts_with("20") && token.chars().all(|c| c.is_ascii_digit()))
    })
}

/// The words of a path segment or link text, and the same joined as `-a-b-c-` for phrases.
#[derive(Debug, Default)]
struct Tokens {
    tokens: Vec<String>,
    joined: String,
}

/// Whether any keyword matches the tokens (see [`keywords::KINDS`]).
fn matches(words: &Tokens, keywords: &[&str]) -> bool {
    keywords.iter().any(|keyword| {
        if keyword.contains('-') {
            // A phrase matches a run of whole tokens.
            words.joined.match_indices(keyword).any(|(at, _)| {
                words.joined[..at].ends_with('-')
                    && words.joined[at + keyword.len()..].starts_with('-')
            })
        } else {
            words.tokens.iter().any(|token| {
                token == keyword
                    || (keyword.len() >= 5
                        && (token.starts_with(keyword) || token.ends_with(keyword)))
            })
        }
    })
}

/// Lower-cased alphanumeric tokens of a text, with umlauts and common accents folded
/// (`Über uns` → `ueber`, `uns`; `Équipe` → `equipe`).
fn tokens(text: &str) -> Tokens {
    let tokens: Vec<String> = fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect();
    let joined = format!("-{}-", tokens.join("-"));
    Tokens { tokens, joined }
}

/// Lower-cases and folds German umlauts to their two-letter forms and strips common accents.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ò' | 'ó' | 'ô' | 'õ' => out.push('o'),
            'ù' | 'ú' | 'û' => out.push('u'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn kind(s: &str, text: Option<&str>) -> Option<PageKind> {
        score_page(&url(s), text).map(|score| score.kind)
    }

    #[test]
    fn paths_and_link_texts_name_their_kind_in_several_languages() {
        assert_eq!(kind("https://a.de/kontakt/", None), Some(PageKind::Contact));
        assert_eq!(
            kind("https://a.de/kontaktformular", None),
            Some(PageKind::Contact)
        );
        assert_eq!(
            kind("https://a.de/impressum", None),
            Some(PageKind::Contact)
        );
        assert_eq!(
            kind("https://a.de/%C3%BCber-uns", None),
            Some(PageKind::About)
        );
        assert_eq!(kind("https://a.de/ueber-uns", None), Some(PageKind::About));
        assert_eq!(
            kind("https://a.de/dienstleistungen", None),
            Some(PageKind::Services)
        );
        assert_eq!(kind("https://a.de/preise", None), Some(PageKind::Pricing));
        assert_eq!(kind("https://a.de/unser-team", None), Some(PageKind::Team));
        assert_eq!(
            kind("https://a.com/book-online", None),
            Some(PageKind::Booking)
        );
        assert_eq!(
            kind("https://a.com/patient-testimonials", None),
            Some(PageKind::Reviews)
        );
        assert_eq!(
            kind("https://a.com/p/123", Some("Meet our Team")),
            Some(PageKind::Team)
        );
        assert_eq!(
            kind("https://a.fr/equipe", Some("Équipe")),
            Some(PageKind::Team)
        );
        assert_eq!(kind("https://a.com/gallery", None), None);
    }

    #[test]
    fn deep_query_and_blog_pages_score_lower() {
        let score = |s: &str| score_page(&url(s), None).unwrap().score;
        assert!(score("https://a.com/services") > score("https://a.com/services/implants"));
        assert!(score("https://a.com/contact") > score("https://a.com/contact?ref=x"));
        assert!(score("https://a.com/contact") > score("https://a.com/blog/how-to-contact-us"));
        assert!(
            score_page(&url("https://a.com/blog/2023/contact-tips"), None)
                .unwrap()
                .score
                <= 0
        );
    }

    #[test]
    fn the_homepage_comes_first_then_one_page_per_kind() {
        let home = url("https://acme-dental.com/");
        let candidates: Vec<Url> = [
            "https://acme-dental.com/",
            "https://acme-dental.com/blog/whitening-tips",
            "https://acme-dental.com/services/whitening",
            "https://acme-dental.com/services",
            "https://acme-dental.com/services/implants",
            "https://acme-dental.com/about",
            "https://acme-dental.com/gallery",
            "https://acme-dental.com/privacy",
            "https://acme-dental.com/contact",
            "https://acme-dental.com/our-team",
        ]
        .into_iter()
        .map(url)
        .collect();
        let picked = |n| -> Vec<(String, PageKind)> {
            select_from(&home, &candidates, &BTreeMap::new(), n)
                .into_iter()
                .map(|p| (p.url.path().to_owned(), p.kind))
                .collect()
        };
        assert_eq!(
            picked(5),
            [
                ("/".to_owned(), PageKind::Home),
                ("/contact".to_owned(), PageKind::Contact),
                ("/services".to_owned(), PageKind::Services),
                ("/about".to_owned(), PageKind::About),
                ("/our-team".to_owned(), PageKind::Team),
            ]
        );
        let all = picked(20);
        let paths: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/",
                "/contact",
                "/services",
                "/about",
                "/our-team",
                "/services/implants",
                "/services/whitening",
                "/gallery",
            ]
        );
        assert_eq!(picked(20), all, "selection is deterministic");
        assert!(picked(0).is_empty());
    }
}
