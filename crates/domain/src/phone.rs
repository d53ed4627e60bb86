//! Phone numbers and the countries they belong to.
//!
//! The triage hard filter (seed 001: "no valid phone ⇒ discard") rests on [`PhoneE164::parse`]:
//! a listing's phone is read with libphonenumber's metadata (the `phonenumber` crate), must be a
//! *valid* number for its region (not merely the right length), and is stored in E.164 form so
//! that the same line written as `(512) 555-0123` and `+1 512-555-0123` compares equal.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::{Id, Source};
use phonenumber::metadata::DATABASE;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a phone number or country code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but whitespace was given.
    #[error("phone number is empty")]
    Empty,
    /// The text does not read as a phone number at all.
    #[error("cannot read {0:?} as a phone number")]
    Unparseable(String),
    /// The text reads as a number, but no such number can exist in its region.
    #[error("{0:?} is not a valid phone number")]
    Invalid(String),
    /// A stored value that should be E.164 (`+` and digits, canonical) is not.
    #[error("{0:?} is not a phone number in canonical E.164 form")]
    NotE164(String),
    /// A country code that is not a known ISO 3166-1 alpha-2 region.
    #[error("unknown country code {0:?} (expected ISO 3166-1 alpha-2, e.g. \"US\")")]
    UnknownCountry(String),
}

/// An ISO 3166-1 alpha-2 country code, upper case (`US`, `GB`, `DE`).
///
/// Backed by libphonenumber's region list, so every accepted code has a numbering plan and can
/// be used as the default country for [`PhoneE164::parse`]. (The handful of uninhabited ISO
/// territories without one, such as `AQ`, are therefore rejected; nobody sells to them.)
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode(Id);

impl CountryCode {
    /// United States.
    pub const US: Self = Self(Id::US);
    /// United Kingdom.
    pub const GB: Self = Self(Id::GB);
    /// Germany.
    pub const DE: Self = Self(Id::DE);
    /// Canada.
    pub const CA: Self = Self(Id::CA);
    /// Australia.
    pub const AU: Self = Self(Id::AU);
    /// Ireland.
    pub const IE: Self = Self(Id::IE);
    /// France.
    pub const FR: Self = Self(Id::FR);

    /// Wraps a libphonenumber region id; lets the geography tables be `const`.
    pub(crate) const fn from_id(id: Id) -> Self {
        Self(id)
    }

    /// Parses a two-letter code in any case (`"us"`, `"Gb"`).
    pub fn parse(code: &str) -> Result<Self, PhoneError> {
        let trimmed = code.trim();
        if trimmed.len() != 2 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(PhoneError::UnknownCountry(code.to_owned()));
        }
        Id::from_str(&trimmed.to_ascii_uppercase())
            .map(Self)
            .map_err(|_| PhoneError::UnknownCountry(code.to_owned()))
    }

    /// The upper-case code.
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for CountryCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CountryCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl FromStr for CountryCode {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A valid phone number in E.164 form (`+15125550123`). Extensions are dropped: they do not
/// identify a line and cannot be dialled from a click-to-call link.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Reads a phone number as a listing writes it. Numbers written with `+CC` or `00CC` carry
    /// their own country and ignore `default_country`; national forms are read in it.
    pub fn parse(raw: &str, default_country: CountryCode) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        // libphonenumber only treats `00` as an international prefix where it is the local
        // IDD; a US listing of a German number (`0049 30 …`) would otherwise be read as a
        // national US number. Europeans write `00` for `+`, so honour it everywhere.
        let rewritten;
        let input = match trimmed.strip_prefix("00") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit() && c != '0') => {
                rewritten = format!("+{rest}");
                rewritten.as_str()
            }
            _ => trimmed,
        };
        let number = read_number(input, default_country)
            .map_err(|_| PhoneError::Unparseable(raw.to_owned()))?;
        valid_e164(&number).ok_or_else(|| PhoneError::Invalid(raw.to_owned()))
    }

    /// Reads a stored E.164 value back, insisting it is canonical and still valid.
    pub fn from_e164(e164: &str) -> Result<Self, PhoneError> {
        let canonical_shape = e164.len() > 1
            && e164.starts_with('+')
            && e164[1..].bytes().all(|b| b.is_ascii_digit());
        if !canonical_shape {
            return Err(PhoneError::NotE164(e164.to_owned()));
        }
        let number =
            phonenumber::parse(None, e164).map_err(|_| PhoneError::Unparseable(e164.to_owned()))?;
        let phone = valid_e164(&number).ok_or_else(|| PhoneError::Invalid(e164.to_owned()))?;
        if phone.0 != e164 {
            return Err(PhoneError::NotE164(e164.to_owned()));
        }
        Ok(phone)
    }

    /// The E.164 text, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region the number belongs to. Re-reads the number (triage never needs this, so it
    /// is not paid for at parse time); `None` for non-geographic numbers.
    pub fn country(&self) -> Option<CountryCode> {
        let number = phonenumber::parse(None, &self.0).ok()?;
        // `phonenumber` matches region patterns without the national number's leading zeros,
        // so Italian fixed lines (`+39 06…`) find no region; fall back to the code's main one.
        number.country().id().map(CountryCode).or_else(|| {
            let regions = DATABASE.by_code(&number.code().value())?;
            let main = regions
                .iter()
                .find(|m| m.is_main_country_for_code())
                .or(regions.first())?;
            CountryCode::parse(main.id()).ok()
        })
    }
}

/// Parses `input` in `default_country`, working around a `phonenumber` 0.3 bug: it strips the
/// *default* country's national prefix even from a number that carries another country code,
/// so `+44 121 234 5678` read with default US loses its leading `1` (US trunk prefix) and
/// turns invalid. A number written with its own country code is therefore re-read without a
/// default country.
fn read_number(
    input: &str,
    default_country: CountryCode,
) -> Result<phonenumber::PhoneNumber, phonenumber::ParseError> {
    if input.starts_with('+') {
        return phonenumber::parse(None, input);
    }
    let number = phonenumber::parse(Some(default_country.0), input)?;
    let meta = DATABASE.by_id(default_country.as_str());
    let same_code = meta.is_some_and(|m| m.country_code() == number.code().value());
    match number.code().source() {
        Source::Plus if !same_code => phonenumber::parse(None, input),
        Source::Idd if !same_code => {
            // Keep the digits before any extension marker, drop the dialled exit code (`011`
            // from the US) and read the rest as `+CC…`.
            let digits: String = input
                .chars()
                .take_while(|c| !c.is_alphabetic())
                .filter(char::is_ascii_digit)
                .collect();
            let exit_len = meta
                .and_then(|m| m.international_prefix())
                .and_then(|idd| idd.find(&digits))
                .filter(|m| m.start() == 0)
                .map_or(0, |m| m.end());
            phonenumber::parse(None, format!("+{}", &digits[exit_len..]))
        }
        _ => Ok(number),
    }
}

/// The number in E.164 form if it is valid. Validity is checked by [`crate::phone_valid`]
/// (same rule and metadata as `PhoneNumber::is_valid`, several times faster), and the text is
/// built directly rather than through the crate's formatter, which walks formatting metadata.
fn valid_e164(number: &phonenumber::PhoneNumber) -> Option<PhoneE164> {
    let code = number.code().value();
    // `NationalNumber`'s Display keeps significant leading zeros (Italian fixed lines).
    let national = number.national().to_string();
    crate::phone_valid::is_valid(code, &national).then(|| PhoneE164(format!("+{code}{national}")))
}

impl fmt::Debug for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneE164({})", self.0)
    }
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PhoneE164 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneE164 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::from_e164(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "phone_tests.rs"]
mod tests;
