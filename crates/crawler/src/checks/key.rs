//! The stable names of site checks.

use std::fmt;
use std::str::FromStr;

use domain::Signal;
use serde::{Deserialize, Serialize};

/// What a check looks for, named after the problem it finds (a finding with `passed: false`
/// confirms the problem). Where a lead [`Signal`] exists the name is the signal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingKey {
    /// The page was not served over https.
    NoHttps,
    /// No responsive viewport meta tag.
    WebsiteNotMobileFriendly,
    /// No `tel:` link.
    NoClickToCall,
    /// No online booking link, button or widget.
    NoBooking,
    /// No contact form (a form with e-mail/phone and message fields).
    NoContactForm,
    /// No call-to-action link or button.
    NoCallToAction,
    /// No e-mail address.
    NoContactEmail,
    /// No `<title>`.
    MissingTitle,
    /// The title is too short or too long for search results.
    TitleLength,
    /// No meta description.
    MissingMetaDescription,
    /// The meta description is too short or too long for search results.
    MetaDescriptionLength,
    /// Not exactly one non-empty `<h1>`.
    MissingOrMultipleH1,
    /// The newest copyright year is years old.
    StaleCopyright,
    /// No schema.org `LocalBusiness` (or subtype) markup.
    NoLocalBusinessSchema,
    /// The HTML is heavier than the limit.
    HeavyPage,
    /// The response took longer than the limit.
    SlowWebsite,
}

impl FindingKey {
    /// Every key, in report order.
    pub const ALL: [FindingKey; 16] = [
        FindingKey::NoHttps,
        FindingKey::WebsiteNotMobileFriendly,
        FindingKey::NoClickToCall,
        FindingKey::NoBooking,
        FindingKey::NoContactForm,
        FindingKey::NoCallToAction,
        FindingKey::NoContactEmail,
        FindingKey::MissingTitle,
        FindingKey::TitleLength,
        FindingKey::MissingMetaDescription,
        FindingKey::MetaDescriptionLength,
        FindingKey::MissingOrMultipleH1,
        FindingKey::StaleCopyright,
        FindingKey::NoLocalBusinessSchema,
        FindingKey::HeavyPage,
        FindingKey::SlowWebsite,
    ];

    /// The stable name, e.g. `NO_HTTPS`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKey::NoHttps => "NO_HTTPS",
            FindingKey::WebsiteNotMobileFriendly => "WEBSITE_NOT_MOBILE_FRIENDLY",
            FindingKey::NoClickToCall => "NO_CLICK_TO_CALL",
            FindingKey::NoBooking => "NO_BOOKING",
            FindingKey::NoContactForm => "NO_CONTACT_FORM",
            FindingKey::NoCallToAction => "NO_CALL_TO_ACTION",
            FindingKey::NoContactEmail => "NO_CONTACT_EMAIL",
            FindingKey::MissingTitle => "MISSING_TITLE",
            FindingKey::TitleLength => "TITLE_LENGTH",
            FindingKey::MissingMetaDescription => "MISSING_META_DESCRIPTION",
            FindingKey::MetaDescriptionLength => "META_DESCRIPTION_LENGTH",
            FindingKey::MissingOrMultipleH1 => "MISSING_OR_MULTIPLE_H1",
            FindingKey::StaleCopyright => "STALE_COPYRIGHT",
            FindingKey::NoLocalBusinessSchema => "NO_LOCAL_BUSINESS_SCHEMA",
            FindingKey::HeavyPage => "HEAVY_PAGE",
            FindingKey::SlowWebsite => "SLOW_WEBSITE",
        }
    }

    /// The lead signal a failed check confirms, if there is one.
    pub fn signal(self) -> Option<Signal> {
        Signal::parse(self.as_str()).ok()
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name.trim())
    }
}

impl fmt::Display for FindingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FindingKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("unknown finding key {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_map_to_the_signals_that_exist() {
        for key in FindingKey::ALL {
            assert_eq!(FindingKey::parse(key.as_str()), Some(key));
            let json = serde_json::to_string(&key).unwrap_or_default();
            assert_eq!(json, format!("\"{key}\""));
        }
        let with_signal: Vec<_> = FindingKey::ALL
            .into_iter()
            .filter_map(FindingKey::signal)
            .collect();
        assert_eq!(
            with_signal,
            [
                Signal::NoHttps,
                Signal::WebsiteNotMobileFriendly,
                Signal::NoClickToCall,
                Signal::NoBooking,
                Signal::NoCallToAction,
                Signal::NoContactEmail,
                Signal::MissingMetaDescription,
                Signal::StaleCopyright,
                Signal::NoLocalBusinessSchema,
                Signal::HeavyPage,
                Signal::SlowWebsite,
            ]
        );
        // Every audit signal has a check.
        let audit: Vec<_> = Signal::ALL
            .into_iter()
            .filter(|s| s.is_web_audit_criterion())
            .collect();
        assert!(audit.iter().all(|s| with_signal.contains(s)));
    }
}
