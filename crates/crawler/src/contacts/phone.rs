//! Phone numbers from `tel:` links, JSON-LD and page text.
//!
//! Text is full of digit runs (dates, postcodes, prices, order numbers), so a number in text is
//! taken only when it is written internationally (`+49 …`, `0049 …`) or follows a phone label
//! (`Tel.`, `Phone:`, `Telefon`, `Call`, `☎`), and never after `Fax`. Numbers are validated with
//! libphonenumber through [`PhoneE164::parse`] when the country is known.

use std::sync::LazyLock;

use domain::{CountryCode, PhoneE164};
use percent_encoding::percent_decode_str;
use regex::Regex;

static INTERNATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+|(?-u:\b)00)[1-9][0-9 ().\-/\u{a0}]{5,22}[0-9]")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:(?-u:\b)(?:tel|telefon|telephone|phone|fon|call|mobil|mobile|handy|cell|ph|t)(?-u:\b)\.?(?:\s+(?:us|now|uns|today|heute))?|☎|📞)\s*(?:\([a-z. ]{1,12}\))?\s*[:.]?\s*(\+?\(?[0-9][0-9 ().\-/\u{a0}]{5,22}[0-9])",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// A candidate number: the text as written and its digit count is plausible.
fn plausible(raw: &str) -> bool {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
}

/// Numbers written in `text` (see the module docs for what counts).
pub(crate) fn text_numbers(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for m in INTERNATIONAL.find_iter(text) {
        if !after_fax(text, m.start()) && plausible(m.as_str()) {
            found.push((m.start(), m.as_str().to_owned()));
        }
    }
    for caps in LABELLED.captures_iter(text) {
        let (Some(whole), Some(number)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let overlaps = found
            .iter()
            .any(|(start, raw)| *start <= number.start() && number.start() < start + raw.len());
        if !overlaps && !after_fax(text, whole.start()) && plausible(number.as_str()) {
            found.push((number.start(), number.as_str().to_owned()));
        }
    }
    found.sort_by_key(|(start, _)| *start);
    found
        .into_iter()
        .map(|(_, raw)| raw.trim().to_owned())
        .collect()
}

/// Whether a fax label stands just before `at`.
fn after_fax(text: &str, at: usize) -> bool {
    let start = text.floor_char_boundary(at.saturating_sub(12));
    text[start..at].to_lowercase().contains("fax")
}

/// The number in a `tel:` / `callto:` href: scheme and parameters (`;ext=`) removed,
/// percent-decoded.
pub(crate) fn tel_href_number(href: &str) -> Option<String> {
    let (_, rest) = href.split_once(':')?;
    let number = rest.split(';').next().unwrap_or_default();
    let decoded = percent_decode_str(number).decode_utf8_lossy();
    let trimmed = decoded.trim().trim_start_matches('/').trim();
    plausible(trimmed).then(|| trimmed.to_owned())
}

/// The E.164 form when it can be known: with a country any valid number, without one only
/// numbers written with their country code.
pub(crate) fn to_e164(raw: &str, country: Option<CountryCode>) -> Option<PhoneE164> {
    match country {
        Some(country) => PhoneE164::parse(raw, country).ok(),
        None => {
            let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            let international = compact.starts_with('+') || compact.starts_with("00");
            // Numbers with their own country code ignore the default country.
            international
                .then(|| PhoneE164::parse(raw, CountryCode::US).ok())
                .flatten()
        }
    }
}

/// Whether a number written without a country code could still be used.
pub(crate) fn is_international(raw: &str) -> bool {
    let trimmed = raw.trim_start();
    trimmed.starts_with('+') || trimmed.starts_with("00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_and_labelled_numbers_are_found() {
        let text = "Tel.: 05223 123456 · Fax: 05223 654321\nHotline +49 (0)30 20619-460, Termin am 04/21/2022, PLZ 32130 Enger";
        assert_eq!(text_numbers(text), ["05223 123456", "+49 (0)30 20619-460"]);
        assert_eq!(text_numbers("Call us: (512) 555-0123"), ["(512) 555-0123"]);
        assert_eq!(text_numbers("☎ 0 93 82 / 84 73 99"), ["0 93 82 / 84 73 99"]);
        assert!(text_numbers("Order 1234567 shipped 2021-2022").is_empty());
    }

    #[test]
    fn tel_hrefs_lose_scheme_and_parameters() {
        assert_eq!(
            tel_href_number("tel:+1-512-555-0123;ext=2").as_deref(),
            Some("+1-512-555-0123")
        );
        assert_eq!(
            tel_href_number("tel:(512)%20555-0123").as_deref(),
            Some("(512) 555-0123")
        );
        assert_eq!(tel_href_number("tel:"), None);
        assert_eq!(tel_href_number("tel:123"), None);
    }

    #[test]
    fn numbers_become_e164_when_their_country_is_known() {
        assert_eq!(
            to_e164("(512) 555-0123", Some(CountryCode::US)).map(|p| p.as_str().to_owned()),
            Some("+15125550123".to_owned())
        );
        assert_eq!(
            to_e164("+49 30 20619460", None).map(|p| p.as_str().to_owned()),
            Some("+493020619460".to_owned())
        );
        assert_eq!(to_e164("030 20619460", None), None);
    }
}
