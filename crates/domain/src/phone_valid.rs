//! Phone validity without `phonenumber`'s regex cache.
//!
//! `phonenumber` 0.3 keeps every metadata pattern in one LRU cache behind a mutex and looks it
//! up by its source text on each use, SipHashing patterns that run to kilobytes (the US
//! fixed-line pattern lists every area code). `is_valid` does this a dozen times per number,
//! which made validity ~75% of triage time. This module applies the *same* rule to the *same*
//! metadata, with each region's patterns compiled once into plain `Regex`es; the tests check
//! it agrees with `phonenumber::is_valid` number for number.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// Whether the national significant number (leading zeros included) is valid under the given
/// country calling code. Mirrors `phonenumber::validator::is_valid_with`.
pub(crate) fn is_valid(code: u16, national: &str) -> bool {
    let Some(rules) = rules_for(code) else {
        return false;
    };
    // One region owns the code outright; otherwise the first region whose leading digits
    // match (or, lacking those, whose patterns accept the number) decides.
    let region = if rules.len() == 1 {
        rules.first()
    } else {
        rules.iter().find(|r| match &r.leading_digits {
            Some(leading) => leading.is_match(national),
            None => r.accepts(national),
        })
    };
    region.is_some_and(|r| r.accepts(national))
}

/// One region's patterns, compiled.
struct Region {
    leading_digits: Option<Regex>,
    general: Pattern,
    /// Premium, toll-free, shared-cost, VoIP, personal, pager, UAN, voicemail, fixed line,
    /// mobile: a number is valid if the general pattern and any of these accept it.
    types: Vec<Pattern>,
}

impl Region {
    fn compile(meta: &Metadata) -> Option<Self> {
        let d = meta.descriptors();
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        Some(Self {
            leading_digits: match meta.leading_digits() {
                Some(leading) => Some(anchored(leading.as_str())?),
                None => None,
            },
            general: Pattern::compile(d.general())?,
            types: types
                .into_iter()
                .flatten()
                .map(Pattern::compile)
                .collect::<Option<Vec<_>>>()?,
        })
    }

    fn accepts(&self, national: &str) -> bool {
        self.general.accepts(national) && self.types.iter().any(|t| t.accepts(national))
    }
}

/// A descriptor: possible lengths and the national-number pattern.
struct Pattern {
    lengths: Vec<u16>,
    regex: Regex,
}

impl Pattern {
    fn compile(descriptor: &Descriptor) -> Option<Self> {
        Some(Self {
            lengths: descriptor.possible_length().to_vec(),
            regex: anchored(descriptor.national_number().as_str())?,
        })
    }

    /// Same test as `Descriptor::is_match`: a possible length, and a pattern match that starts
    /// at the first digit.
    fn accepts(&self, national: &str) -> bool {
        let length_ok = self.lengths.is_empty()
            || u16::try_from(national.len()).is_ok_and(|len| self.lengths.contains(&len));
        length_ok && self.regex.is_match(national)
    }
}

/// Compiles a metadata pattern as `phonenumber` does (verbose mode), anchored at the start to
/// match its "found at offset 0" test. National numbers are ASCII digits, so Unicode classes
/// are switched off: `\d` as `[0-9]` keeps the automata small.
fn anchored(source: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("^(?:{source})"))
        .ignore_whitespace(true)
        .unicode(false)
        .build()
        .ok()
}

type Rules = Arc<[Region]>;

/// The compiled regions of a calling code, in `phonenumber`'s order (main country first),
/// compiled on first use: a campaign touches a handful of codes, not all 245 regions.
fn rules_for(code: u16) -> Option<Rules> {
    static CACHE: OnceLock<Mutex<HashMap<u16, Option<Rules>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    // A panic while compiling leaves no half-written entry behind, so a poisoned lock is safe
    // to keep using.
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(code)
        .or_insert_with(|| compile_code(code))
        .clone()
}

fn compile_code(code: u16) -> Option<Rules> {
    let regions = DATABASE.region(&code)?;
    let metas: Vec<&Metadata> = match regions.as_slice() {
        // "001" is the non-geographic entity (satellite, UIFN): metadata is filed by code.
        ["001"] => vec![*DATABASE.by_code(&code)?.first()?],
        ids => ids.iter().filter_map(|id| DATABASE.by_id(*id)).collect(),
    };
    metas
        .into_iter()
        .map(Region::compile)
        .collect::<Option<Vec<_>>>()
        .map(Rules::from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// Deterministic pseudo-random digits (no `rand` dependency).
    fn digits(seed: &mut u64, len: usize) -> String {
        (0..len)
            .map(|_| {
                *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                char::from(b'0' + ((*seed >> 33) % 10) as u8)
            })
            .collect()
    }

    #[test]
    fn agrees_with_phonenumber_on_random_numbers_of_many_regions() {
        let mut seed = 7;
        let mut valid = 0;
        // NANP (US, CA and the Caribbean share +1), +44 (GB, GG, IM, JE), DE, AU, FR, IE, IT
        // (leading zeros), and the non-geographic +800.
        for (code, lengths) in [
            (1u16, 10..=10),
            (44, 9..=10),
            (49, 6..=12),
            (61, 9..=9),
            (33, 9..=9),
            (353, 7..=9),
            (39, 8..=11),
            (800, 8..=8),
        ] {
            for len in lengths {
                for _ in 0..400 {
                    let national = digits(&mut seed, len);
                    let e164 = format!("+{code}{national}");
                    let Ok(number) = phonenumber::parse(None, &e164) else {
                        continue;
                    };
                    let ours = is_valid(code, &number.national().to_string());
                    assert_eq!(ours, number.is_valid(), "{e164}");
                    valid += usize::from(ours);
                }
            }
        }
        assert!(
            valid > 500,
            "the sample should hold plenty of valid numbers, got {valid}"
        );
    }

    #[test]
    fn unknown_calling_codes_are_invalid() {
        assert!(!is_valid(999, "123456789"));
        assert!(!is_valid(0, "123456789"));
    }
}
