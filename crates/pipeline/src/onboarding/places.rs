//! Where an agency works, read from its pages: "areas we serve" lists, "serving X, Y and Z"
//! sentences and office addresses (US "City, ST 12345", UK "City POSTCODE").

use super::crawl::SitePage;
use super::draft::clean;
use super::pick::PageRole;
use super::text::{self, BlockKind};

/// Headings of a list of places.
fn is_area_heading(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "where we work",
        "areas",
        "area we serve",
        "we serve",
        "service area",
        "cities",
        "locations",
        "where we are",
    ]
    .iter()
    .any(|h| lower.contains(h))
}

/// Capitalised words, no digits: "Round Rock", "Austin, TX", "Newcastle upon Tyne".
pub(super) fn looks_like_place(text: &str) -> bool {
    let words: Vec<&str> = text.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let minor = ["upon", "on", "of", "the", "de", "la"];
    (1..=5).contains(&words.len())
        && text.chars().count() <= 40
        && !text.chars().any(|c| c.is_ascii_digit())
        && words
            .first()
            .is_some_and(|w| w.starts_with(char::is_uppercase))
        && words
            .iter()
            .all(|w| w.starts_with(char::is_uppercase) || minor.contains(w))
}

/// Geographies: area lists, then "serving …" sentences, then addresses.
pub(super) fn geographies(pages: &[SitePage]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut sentences: Vec<String> = Vec::new();
    let mut addresses: Vec<String> = Vec::new();
    for page in pages {
        for block in text::blocks(&page.markdown) {
            let listed = match block.kind {
                BlockKind::Item => is_area_heading(&block.section) || page.role == PageRole::Areas,
                BlockKind::Heading(2..) => {
                    page.role == PageRole::Areas && !is_area_heading(&block.text)
                }
                _ => false,
            };
            if listed && looks_like_place(&block.text) {
                found.push(clean(&block.text));
            }
            if block.kind != BlockKind::Heading(1) {
                for sentence in text::sentences(&block.text) {
                    sentences.extend(served_places(&sentence));
                }
                addresses.extend(address_place(&block.text));
            }
        }
    }
    found.extend(sentences);
    found.extend(addresses);
    super::draft::places(found, 8)
}

/// The places a "serving …" sentence lists: "Serving local businesses in Austin, Round Rock
/// and Manchester since 2014" → Austin, Round Rock, Manchester.
fn served_places(sentence: &str) -> Vec<String> {
    const TRIGGERS: [&str; 8] = [
        "serving ",
        "we serve ",
        "serve ",
        "based in ",
        "offices in ",
        "studios in ",
        "located in ",
        "covering ",
    ];
    let lower = sentence.to_lowercase();
    let Some(at) = TRIGGERS
        .iter()
        .filter_map(|t| lower.find(t).map(|i| i + t.len()))
        .min()
    else {
        return Vec::new();
    };
    let rest = &sentence[at..];
    // Skip the words before the first capitalised one ("local businesses in").
    let mut words = rest.split(' ').peekable();
    let mut skipped = 0;
    while let Some(w) = words.peek() {
        if w.starts_with(char::is_uppercase) || skipped >= 6 {
            break;
        }
        words.next();
        skipped += 1;
    }
    let mut list: Vec<&str> = Vec::new();
    for w in words {
        if ["since", "for", "from", "with", "to", "who", "that", "where"].contains(&w) {
            break;
        }
        list.push(w);
    }
    let list = list.join(" ");
    let list = list.trim_end_matches(['.', '!', ';']);
    let mut out: Vec<String> = Vec::new();
    for part in list
        .split(", ")
        .flat_map(|p| p.split(" and "))
        .flat_map(|p| p.split(" & "))
        .map(str::trim)
    {
        let is_code = (2..=3).contains(&part.len()) && part.chars().all(|c| c.is_ascii_uppercase());
        match out.last_mut() {
            Some(last) if is_code => {
                last.push_str(", ");
                last.push_str(part);
            }
            _ if looks_like_place(part) => out.push(part.to_owned()),
            _ => break,
        }
    }
    out
}

/// The city of an address: "…, Austin, TX 78701" → "Austin, TX"; "…, Manchester M1 3BG, UK"
/// → "Manchester, UK".
fn address_place(line: &str) -> Option<String> {
    let parts: Vec<&str> = line.split(',').map(str::trim).collect();
    for (i, part) in parts.iter().enumerate() {
        let words: Vec<&str> = part.split(' ').collect();
        // US: "TX 78701" after the city.
        if let [state, zip] = words.as_slice()
            && state.len() == 2
            && state.chars().all(|c| c.is_ascii_uppercase())
            && zip.len() >= 5
            && zip.chars().take(5).all(|c| c.is_ascii_digit())
            && i > 0
            && looks_like_place(parts[i - 1])
        {
            return Some(format!("{}, {state}", parts[i - 1]));
        }
        // UK: "Manchester M1 3BG".
        if words.len() >= 3 {
            let (city, code) = words.split_at(words.len() - 2);
            let city = city.join(" ");
            if is_uk_postcode(code[0], code[1]) && looks_like_place(&city) {
                return Some(format!("{city}, UK"));
            }
        }
    }
    None
}

fn is_uk_postcode(outward: &str, inward: &str) -> bool {
    let o: Vec<char> = outward.chars().collect();
    let i: Vec<char> = inward.chars().collect();
    (2..=4).contains(&o.len())
        && o[0].is_ascii_uppercase()
        && o.iter().any(char::is_ascii_digit)
        && o.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && i.len() == 3
        && i[0].is_ascii_digit()
        && i[1..].iter().all(char::is_ascii_uppercase)
}
