//! Which pages of an agency's site onboarding reads: the homepage, then one page of each role
//! — services, industries, case studies, about, contact, areas, pricing — by their paths and
//! link texts, then more matches, then shallow pages; never blog posts or legal pages.

use crawler::map::SiteMap;
use serde::{Deserialize, Serialize};
use url::Url;

/// What a page of an agency's site is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRole {
    /// The homepage.
    Home,
    /// What the agency sells.
    Services,
    /// The kinds of business it serves.
    Industries,
    /// Case studies, results, testimonials.
    Results,
    /// About the agency.
    About,
    /// Contact details.
    Contact,
    /// The places it serves.
    Areas,
    /// Prices and packages.
    Pricing,
    /// None of the above, read to fill the selection.
    Other,
}

/// Path and link-text words per role, most important role first: one page of each is read
/// before a second of any.
const ROLES: &[(PageRole, &[&str])] = &[
    (
        PageRole::Services,
        &[
            "services",
            "service",
            "what-we-do",
            "solutions",
            "offerings",
            "capabilities",
        ],
    ),
    (
        PageRole::Industries,
        &[
            "industries",
            "industry",
            "who-we-serve",
            "who-we-help",
            "sectors",
            "verticals",
            "specialties",
        ],
    ),
    (
        PageRole::Results,
        &[
            "case-studies",
            "case-study",
            "results",
            "our-work",
            "work",
            "portfolio",
            "success-stories",
            "testimonials",
            "reviews",
            "clients",
        ],
    ),
    (
        PageRole::About,
        &[
            "about",
            "about-us",
            "who-we-are",
            "our-story",
            "team",
            "our-team",
            "company",
        ],
    ),
    (
        PageRole::Contact,
        &["contact", "contact-us", "get-in-touch"],
    ),
    (
        PageRole::Areas,
        &[
            "areas",
            "service-areas",
            "areas-we-serve",
            "locations",
            "cities",
            "where-we-work",
        ],
    ),
    (
        PageRole::Pricing,
        &["pricing", "prices", "packages", "plans"],
    ),
];

/// Path words of pages an onboarding has no reason to read.
const UNWANTED: &[&str] = &[
    "blog",
    "news",
    "post",
    "posts",
    "article",
    "articles",
    "tag",
    "tags",
    "category",
    "author",
    "privacy",
    "terms",
    "cookie",
    "cookies",
    "legal",
    "imprint",
    "login",
    "account",
    "cart",
    "checkout",
    "careers",
    "jobs",
    "feed",
    "wp-content",
    "wp-admin",
    "search",
];

/// The lower-case, non-empty path segments of `url`.
fn segments(url: &Url) -> Vec<String> {
    url.path_segments()
        .map(|s| {
            s.filter(|s| !s.is_empty())
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `text` (a path segment or link text as `a-b-c`) holds `keyword` as whole words.
fn holds(text: &str, keyword: &str) -> bool {
    text == keyword || format!("-{text}-").contains(&format!("-{keyword}-"))
}

/// `url`'s best role and score, `None` when nothing matches or the page is unwanted.
pub(crate) fn role_of(url: &Url, link_text: Option<&str>) -> Option<(PageRole, i32)> {
    let segments = segments(url);
    let unwanted = segments.iter().any(|s| {
        UNWANTED
            .iter()
            .any(|u| holds(s, u) || s.starts_with(&format!("{u}.")))
    });
    if unwanted {
        return None;
    }
    let text = link_text
        .unwrap_or_default()
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let depth = i32::try_from(segments.len()).unwrap_or(i32::MAX);
    let mut best: Option<(PageRole, i32)> = None;
    for (role, keywords) in ROLES {
        let score = keywords
            .iter()
            .filter_map(|k| {
                let last = segments.last().is_some_and(|s| holds(s, k));
                let exact = segments.last().is_some_and(|s| s == k);
                let anywhere = segments.iter().any(|s| holds(s, k));
                let in_text = !text.is_empty() && holds(&text, k);
                match (last, anywhere, in_text) {
                    (true, _, _) => Some(100 + if exact { 10 } else { 0 }),
                    (false, true, _) => Some(60),
                    (false, false, true) => Some(50),
                    (false, false, false) => None,
                }
            })
            .max();
        let Some(mut score) = score else {
            continue;
        };
        score -= 10 * (depth - 1).max(0);
        if url.query().is_some() {
            score -= 15;
        }
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((*role, score));
        }
    }
    best
}

/// The pages to read, at most `max`: the homepage, then the best page of each role in
/// [`ROLES`] order, then the other matches by score, then shallow pages.
pub(crate) fn pick(map: &SiteMap, max: usize) -> Vec<(Url, PageRole)> {
    let mut picked = vec![(map.start.clone(), PageRole::Home)];
    let mut scored: Vec<(&Url, PageRole, i32)> = map
        .urls
        .iter()
        .filter(|u| **u != map.start)
        .filter_map(|u| {
            role_of(u, map.link_text.get(u).map(String::as_str)).map(|(r, s)| (u, r, s))
        })
        .filter(|(_, _, s)| *s > 0)
        .collect();
    scored.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| tie_break(a.0, b.0)));
    for (role, _) in ROLES {
        if let Some((url, _, _)) = scored
            .iter()
            .find(|(u, r, _)| r == role && !picked.iter().any(|(p, _)| p == *u))
        {
            picked.push(((*url).clone(), *role));
        }
    }
    for (url, role, _) in &scored {
        if !picked.iter().any(|(p, _)| p == *url) {
            picked.push(((*url).clone(), *role));
        }
    }
    let mut fillers: Vec<&Url> = map
        .urls
        .iter()
        .filter(|u| !picked.iter().any(|(p, _)| p == *u))
        .filter(|u| segments(u).len() <= 1 && u.query().is_none())
        .filter(|u| !is_unwanted(u))
        .collect();
    fillers.sort_by(|a, b| tie_break(a, b));
    picked.extend(fillers.into_iter().map(|u| (u.clone(), PageRole::Other)));
    picked.truncate(max);
    picked
}

fn is_unwanted(url: &Url) -> bool {
    segments(url)
        .iter()
        .any(|s| UNWANTED.iter().any(|u| holds(s, u)))
}

fn tie_break(a: &Url, b: &Url) -> std::cmp::Ordering {
    segments(a)
        .len()
        .cmp(&segments(b).len())
        .then_with(|| a.as_str().len().cmp(&b.as_str().len()))
        .then_with(|| a.as_str().cmp(b.as_str()))
}
