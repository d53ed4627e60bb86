//! The people of the world and the web-search results about them, shared by Serper `/search`
//! and Google Custom Search: a query such as
//! `site:linkedin.com/in "Bright Smile Dental" Austin owner OR founder OR manager` finds
//! LinkedIn-like profiles of the 1–4 people at that business, with the noise real searches
//! carry — a person at a similarly named but different company, one person twice under two
//! spellings of the profile URL, and the company's LinkedIn page, which is not a profile.
//!
//! Most businesses' own About pages name some of the same people (see [`site_team`]), a few
//! add someone who has no profile, and some name the founder in prose.
//!
//! A business's people and team derive from its place id alone (a filler business's place id
//! already carries the world's seed), so a site can render them without the world at hand;
//! the search noise derives from the world's seed and the place id.

mod team;

use crate::rng::SplitMix64;
use crate::vertical::Vertical;
use crate::world::{Business, World};

pub(crate) use team::{SiteTeam, TeamLayout, site_team};

const FIRST_NAMES: &[&str] = &[
    "Jane", "Michael", "Sarah", "David", "Emily", "James", "Laura", "Daniel", "Olivia", "Robert",
    "Sophie", "Thomas", "Hannah", "Chris", "Megan", "Andrew", "Rachel", "Matthew", "Priya",
    "Carlos", "Aisha", "Kevin", "Grace", "Ethan", "Natalie", "Ben", "Chloe", "Marcus", "Leah",
    "Owen",
];

const LAST_NAMES: &[&str] = &[
    "Doe", "Martinez", "Nguyen", "Patel", "Thompson", "Walker", "Garcia", "Hughes", "Brooks",
    "Reed", "Sullivan", "Khan", "Foster", "Bennett", "Price", "Coleman", "Hayes", "Murphy",
    "Ortiz", "Fletcher", "Morgan", "Ellis", "Shaw", "Barnes", "Ward", "Kim", "Lopez", "Turner",
    "Campbell", "Webb",
];

/// Suffixes that turn a business name into a similar but different company's.
const SIMILAR_SUFFIXES: &[&str] = &["Group", "Lab", "Supply Co.", "Partners", "Studio"];

/// A person at a business, as their LinkedIn profile shows them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub title: &'static str,
    /// The profile's handle: `firstname-lastname-xxxxxxxx`.
    pub handle: String,
}

impl Person {
    pub fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// Leading titles: the first person at every business is a decision maker.
fn lead_titles(vertical: Vertical) -> &'static [&'static str] {
    match vertical {
        Vertical::Dentist => &["Owner", "Founder & Lead Dentist", "Practice Owner"],
        Vertical::Plumber => &["Owner", "Founder", "Owner & Master Plumber"],
        Vertical::Roofer => &["Owner", "Founder & CEO", "President"],
        Vertical::Lawyer => &["Managing Partner", "Founder & Attorney", "Principal"],
        Vertical::Salon => &["Owner", "Founder & Creative Director", "Salon Owner"],
    }
}

/// Titles of the other people.
fn staff_titles(vertical: Vertical) -> &'static [&'static str] {
    match vertical {
        Vertical::Dentist => &[
            "Practice Manager",
            "Office Manager",
            "Associate Dentist",
            "Dental Hygienist",
            "Treatment Coordinator",
        ],
        Vertical::Plumber => &[
            "Operations Manager",
            "Office Manager",
            "Service Manager",
            "Lead Plumber",
            "Dispatcher",
        ],
        Vertical::Roofer => &[
            "Project Manager",
            "Office Manager",
            "Sales Manager",
            "Estimator",
            "Crew Lead",
        ],
        Vertical::Lawyer => &[
            "Partner",
            "Office Manager",
            "Associate Attorney",
            "Paralegal",
            "Legal Assistant",
        ],
        Vertical::Salon => &[
            "Salon Manager",
            "Front Desk Manager",
            "Senior Stylist",
            "Colorist",
            "Educator",
        ],
    }
}

fn random_person(rng: &mut SplitMix64, title: &'static str) -> Person {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let handle = format!(
        "{}-{}-{:08x}",
        slug(first),
        slug(last),
        rng.next_u64() & 0xFFFF_FFFF
    );
    Person {
        first,
        last,
        title,
        handle,
    }
}

/// The 1–4 people at `b`, the first of them its owner or founder; distinct names and titles.
pub(crate) fn people(b: &Business) -> Vec<Person> {
    let mut rng = SplitMix64::derive(0, &format!("people:{}", b.place_id));
    let count = 1 + rng.below(4);
    let mut titles: Vec<&'static str> = staff_titles(b.vertical).to_vec();
    let mut out: Vec<Person> = Vec::with_capacity(count);
    while out.len() < count {
        let title = if out.is_empty() {
            *rng.pick(lead_titles(b.vertical))
        } else {
            titles.remove(rng.below(titles.len()))
        };
        let person = random_person(&mut rng, title);
        if out
            .iter()
            .any(|p| p.first == person.first || p.last == person.last)
        {
            // Keep the title for the next draw; names at one business stay distinct.
            titles.push(title);
            continue;
        }
        out.push(person);
    }
    out
}

/// A lower-case, hyphenated form of a name for URLs.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// One organic web result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebResult {
    pub title: String,
    pub link: String,
    pub snippet: String,
}

/// What a web-search query is after.
#[derive(Debug, PartialEq)]
struct WebQuery {
    /// The `site:` restriction, lower case, if any.
    site: Option<String>,
    /// The business name, quoted or not.
    name: String,
    /// The rest of the query, lower case.
    rest: String,
}

/// Splits a query into its `site:` restriction, its quoted phrase and the rest.
fn parse(q: &str) -> WebQuery {
    let mut site = None;
    let mut quoted = None;
    let mut rest = String::new();
    let mut text = q.trim();
    while !text.is_empty() {
        if let Some(after) = text.strip_prefix('"') {
            let end = after.find('"').unwrap_or(after.len());
            if quoted.is_none() {
                quoted = Some(after[..end].trim().to_owned());
            }
            text = after.get(end + 1..).unwrap_or("").trim_start();
            continue;
        }
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        let word = &text[..end];
        if let Some(s) = word.strip_prefix("site:") {
            site = Some(s.to_lowercase());
        } else {
            rest.push_str(&word.to_lowercase());
            rest.push(' ');
        }
        text = text[end..].trim_start();
    }
    WebQuery {
        site,
        name: quoted.unwrap_or_default(),
        rest: rest.trim_end().to_owned(),
    }
}

/// The businesses a query names: the quoted name matched exactly (case-insensitively), else
/// the longest business name the query contains; narrowed to the city it names, if any.
fn named<'w>(world: &'w World, query: &WebQuery) -> Vec<&'w Business> {
    let listed = world
        .businesses()
        .iter()
        .filter(|b| b.duplicate_of.is_none());
    let found: Vec<&Business> = if query.name.is_empty() {
        let Some(longest) = listed
            .clone()
            .map(|b| b.name.to_lowercase())
            .filter(|n| contains_words(&query.rest, n))
            .max_by_key(String::len)
        else {
            return Vec::new();
        };
        listed
            .filter(|b| b.name.to_lowercase() == longest)
            .collect()
    } else {
        listed
            .filter(|b| b.name.eq_ignore_ascii_case(&query.name))
            .collect()
    };
    let in_city: Vec<&Business> = found
        .iter()
        .copied()
        .filter(|b| contains_words(&query.rest, &b.geography.city.to_lowercase()))
        .collect();
    if in_city.is_empty() { found } else { in_city }
}

/// Whether `phrase` occurs in `text` on word boundaries.
fn contains_words(text: &str, phrase: &str) -> bool {
    let padded = format!(" {text} ");
    padded.contains(&format!(" {phrase} "))
}

/// LinkedIn's host for a business's country.
fn linkedin_host(b: &Business) -> &'static str {
    if b.geography.is_us() {
        "www.linkedin.com"
    } else {
        "uk.linkedin.com"
    }
}

fn location(b: &Business) -> String {
    let g = b.geography;
    format!("{}, {}, {}", g.city, g.region_long, g.country)
}

fn profile(person: &Person, company: &str, place: &str, link: String) -> WebResult {
    let connections = 50 + (person.handle.len() * 37) % 450;
    WebResult {
        title: format!(
            "{} - {} - {} | LinkedIn",
            person.name(),
            person.title,
            company
        ),
        link,
        snippet: format!(
            "{} at {}. Experience: {} · Location: {} · {}+ connections on LinkedIn. View {}'s profile on LinkedIn, a professional community of 1 billion members.",
            person.title,
            company,
            company,
            place,
            connections,
            person.name(),
        ),
    }
}

/// The LinkedIn results about `b`: its people, a person at a similarly named company, the
/// first person again under another spelling of the URL, and the company page.
fn linkedin_results(world: &World, b: &Business) -> Vec<WebResult> {
    let people = people(b);
    let host = linkedin_host(b);
    let place = location(b);
    let mut rng = SplitMix64::derive(world.config().seed, &format!("noise:{}", b.place_id));
    let suffixes: Vec<&str> = SIMILAR_SUFFIXES
        .iter()
        .copied()
        .filter(|s| !b.name.contains(s))
        .collect();
    let similar = format!("{} {}", b.name, rng.pick(&suffixes));
    let elsewhere = if b.geography.is_us() {
        *rng.pick(&[
            "Dallas, Texas, United States",
            "Houston, Texas, United States",
        ])
    } else {
        *rng.pick(&[
            "Leeds, England, United Kingdom",
            "Liverpool, England, United Kingdom",
        ])
    };
    let stranger = random_person(&mut rng, lead_titles(b.vertical)[0]);

    let mut out = Vec::new();
    let profile_of = |p: &Person, link: String| profile(p, &b.name, &place, link);
    out.push(profile_of(
        &people[0],
        format!("https://{host}/in/{}", people[0].handle),
    ));
    out.push(WebResult {
        title: format!("{} | LinkedIn", b.name),
        link: format!("https://www.linkedin.com/company/{}", slug(&b.name)),
        snippet: format!(
            "{} | {} followers on LinkedIn. {} in {}. {} employees on LinkedIn.",
            b.name,
            20 + rng.below(400),
            b.vertical.category(),
            b.geography.city,
            people.len(),
        ),
    });
    for p in &people[1..] {
        out.push(profile_of(p, format!("https://{host}/in/{}", p.handle)));
    }
    out.push(profile(
        &stranger,
        &similar,
        elsewhere,
        format!("https://www.linkedin.com/in/{}", stranger.handle),
    ));
    // The first person again: with a trailing slash and, for UK profiles (on `uk.`), on `www.`.
    let again = format!("https://www.linkedin.com/in/{}/", people[0].handle);
    let mut duplicate = profile_of(&people[0], again);
    duplicate.title = format!("{} - {} | LinkedIn", people[0].name(), b.name);
    out.push(duplicate);
    out
}

/// The business's own website as a search result.
fn website_result(b: &Business) -> Option<WebResult> {
    let website = b.website.as_ref()?;
    if b.has_social_website() {
        return None;
    }
    Some(WebResult {
        title: format!(
            "{} | {} in {}",
            b.name,
            b.vertical.category(),
            b.geography.city
        ),
        link: website.clone(),
        snippet: format!(
            "{} is a {} in {}, {}. {}",
            b.name,
            b.vertical.category().to_lowercase(),
            b.city,
            b.geography.region,
            b.short_address()
        ),
    })
}

/// Every result for `q`, best first; empty when it names no business of the world.
pub(crate) fn results(world: &World, q: &str) -> Vec<WebResult> {
    let query = parse(q);
    let linkedin = match query.site.as_deref() {
        None => false,
        Some(site) if site.trim_start_matches("www.").starts_with("linkedin.com") => true,
        // Any other site restriction finds nothing about the world's people.
        Some(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    for b in named(world, &query) {
        if !linkedin && let Some(site) = website_result(b) {
            out.push(site);
        }
        out.extend(linkedin_results(world, b));
    }
    out
}

/// The host of a result link, as search engines display it.
pub(crate) fn display_link(link: &str) -> String {
    url::Url::parse(link)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WorldConfig;

    #[test]
    fn queries_split_into_site_name_and_rest() {
        let q = parse(r#"site:linkedin.com/in "Bright Smile Dental" Austin owner OR founder"#);
        assert_eq!(q.site.as_deref(), Some("linkedin.com/in"));
        assert_eq!(q.name, "Bright Smile Dental");
        assert_eq!(q.rest, "austin owner or founder");
    }

    #[test]
    fn every_business_has_one_to_four_distinct_people() {
        let world = World::generate(&WorldConfig::default());
        for b in world.businesses() {
            let people = people(b);
            assert!((1..=4).contains(&people.len()), "{}", b.name);
            for (i, p) in people.iter().enumerate() {
                for q in &people[i + 1..] {
                    assert_ne!(p.title, q.title);
                    assert_ne!(p.handle, q.handle);
                }
            }
        }
    }
}
