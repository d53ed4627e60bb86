//! Which country a campaign's free-text geography is in, so national phone numbers in its
//! listings can be read (`(512) 555-0123` means nothing without a country).
//!
//! Evidence is read from the end of the text, the way addresses are written: country names
//! (English and native), UK nations, US states, Canadian provinces and Australian states by
//! name or postal code, and US/Canadian/UK postcodes. A few two-letter codes mean two things
//! (`DE` is Delaware and Germany, `NL` Newfoundland and the Netherlands); for those, a
//! well-known city elsewhere in the text decides, else the code's usual meaning does. When
//! nothing is recognised the answer is `None` and the caller falls back to its default.

use crate::geo_tables::{AMBIGUOUS_CODES, CITIES, CODES, NAMES};
use crate::phone::CountryCode;

/// Infers the country of a free-text geography such as `"Austin, TX"`, `"München,
/// Deutschland"` or `"Brooklyn, NY 11201"`. Case-insensitive.
pub fn infer_country(geography: &str) -> Option<CountryCode> {
    let segments: Vec<Segment<'_>> = geography
        .split([',', ';', '|', '/'])
        .rev()
        .map(Segment::new)
        .filter(|s| !s.words.is_empty() || s.postcode.is_some())
        .collect();

    let mut fallback = None;
    for segment in &segments {
        match segment.evidence() {
            Evidence::Definite(country) => return Some(country),
            Evidence::Ambiguous(usual) => fallback = fallback.or(Some(usual)),
            Evidence::None => {}
        }
    }
    let city = segments.iter().find_map(|s| lookup(CITIES, &s.joined));
    city.or(fallback.flatten())
}

enum Evidence {
    Definite(CountryCode),
    /// A code with two meanings; carries its usual meaning, if it has one.
    Ambiguous(Option<CountryCode>),
    None,
}

/// One comma-separated part of the geography, with postcodes split off.
struct Segment<'a> {
    /// Words in their original case (to tell `TX` from a lower-case word).
    original: Vec<&'a str>,
    /// The same words, lower-cased, dots removed (`u.s.a.` → `usa`).
    words: Vec<String>,
    /// The words joined by single spaces.
    joined: String,
    /// The country a postcode in the segment belongs to, if recognisable.
    postcode: Option<Postcode>,
}

#[derive(Clone, Copy)]
enum Postcode {
    /// Five digits (or ZIP+4). US, but also German/French: only decisive on its own.
    FiveDigits,
    /// Unambiguous postcode formats (Canadian `A1A 1A1`, UK `SW1A 1AA`).
    Of(CountryCode),
}

impl<'a> Segment<'a> {
    fn new(text: &'a str) -> Self {
        let tokens: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-' || c == '\''))
            .map(|t| t.trim_matches(['.', '-', '\'']))
            .filter(|t| !t.is_empty())
            .collect();
        let (postcode, kept) = split_postcode(&tokens);
        // Other all-digit tokens (Australian `2000`, German `10115` written before the city)
        // are postcodes that carry no country on their own; drop them so the words around
        // them can be matched.
        let original: Vec<&str> = tokens[..kept]
            .iter()
            .copied()
            .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        let words: Vec<String> = original
            .iter()
            .map(|t| t.to_lowercase().replace('.', ""))
            .collect();
        let joined = words.join(" ");
        Self {
            original,
            words,
            joined,
            postcode,
        }
    }

    fn evidence(&self) -> Evidence {
        // Longest matching name at the end of the segment: "new south wales" beats "wales",
        // "northern ireland" beats "ireland".
        let name = NAMES
            .iter()
            .filter(|(name, _)| ends_with_words(&self.joined, name))
            .max_by_key(|(name, _)| name.len());
        if let Some((_, country)) = name {
            return Evidence::Definite(*country);
        }
        if let Some(code) = self.code() {
            if let Some(country) = lookup(CODES, &code) {
                return Evidence::Definite(country);
            }
            if let Some((_, usual)) = AMBIGUOUS_CODES.iter().find(|(c, _)| *c == code) {
                return Evidence::Ambiguous(*usual);
            }
        }
        match self.postcode {
            Some(Postcode::Of(country)) => Evidence::Definite(country),
            Some(Postcode::FiveDigits) if self.words.is_empty() => {
                Evidence::Definite(CountryCode::US)
            }
            _ => Evidence::None,
        }
    }

    /// The segment's region/country code: the whole segment (`", tx"`), or its last word when
    /// written in capitals (`"Austin TX"`), so lower-case words like "in" or "me" in prose
    /// are not read as Indiana or Maine.
    fn code(&self) -> Option<String> {
        let last = self.words.last()?;
        let written_upper = self
            .original
            .last()
            .is_some_and(|w| w.chars().all(|c| !c.is_lowercase()));
        (self.words.len() == 1 || written_upper).then(|| last.clone())
    }
}

/// Splits trailing postcode tokens off; returns the postcode kind and how many tokens remain.
fn split_postcode(tokens: &[&str]) -> (Option<Postcode>, usize) {
    let n = tokens.len();
    if n >= 2 {
        let (outward, inward) = (tokens[n - 2], tokens[n - 1]);
        if is_uk_outward(outward) && is_uk_inward(inward) {
            return (Some(Postcode::Of(CountryCode::GB)), n - 2);
        }
        if is_ca_half(outward, true) && is_ca_half(inward, false) {
            return (Some(Postcode::Of(CountryCode::CA)), n - 2);
        }
    }
    let Some(last) = tokens.last() else {
        return (None, 0);
    };
    if last.len() == 6
        && last.is_ascii()
        && is_ca_half(&last[..3], true)
        && is_ca_half(&last[3..], false)
    {
        return (Some(Postcode::Of(CountryCode::CA)), n - 1);
    }
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let zip = digits(last, 5)
        || last
            .split_once('-')
            .is_some_and(|(a, b)| digits(a, 5) && digits(b, 4));
    if zip {
        return (Some(Postcode::FiveDigits), n - 1);
    }
    (None, n)
}

/// UK outward code: `A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`.
fn is_uk_outward(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &b[letters..];
    (1..=2).contains(&letters)
        && matches!(rest.len(), 1 | 2)
        && rest[0].is_ascii_digit()
        && rest[1..].iter().all(|c| c.is_ascii_alphanumeric())
}

/// UK inward code: `9AA`.
fn is_uk_inward(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0].is_ascii_digit() && b[1..].iter().all(|c| c.is_ascii_alphabetic())
}

/// Half of a Canadian postcode: `A9A` (forward sortation area) or `9A9` (local unit).
fn is_ca_half(s: &str, first: bool) -> bool {
    let b = s.as_bytes();
    let letter_at = |i: usize| i.is_multiple_of(2) == first;
    b.len() == 3
        && b.iter().enumerate().all(|(i, c)| {
            if letter_at(i) {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Whether `text` is `words` or ends with ` words`.
fn ends_with_words(text: &str, words: &str) -> bool {
    text.strip_suffix(words)
        .is_some_and(|before| before.is_empty() || before.ends_with(' '))
}

fn lookup(table: &[(&str, CountryCode)], key: &str) -> Option<CountryCode> {
    table.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

#[cfg(test)]
#[path = "geo_tests.rs"]
mod tests;
