//! Lead signals (the pain points an agency can fix) and the criteria an agency selects.
//!
//! The string forms are stable: they are stored in `client_opportunities.signals` and in the
//! agency's `leadQualificationCriteria`, shown as badges, and accepted as weight overrides.
//! Scoring lives in [`crate::scoring`] and is re-exported here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::scoring::{
    WebPresence, Weights, apply_audit_findings, detect_signals, detect_signals_for, score,
};

/// Why a signal name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// A name that is not one of the stable signal names.
    #[error("unknown signal {0:?}; expected one of {KNOWN}")]
    Unknown(String),
}

const KNOWN: &str = "MISSING_WEBSITE, WEAK_WEB_PRESENCE, LOW_GOOGLE_RATING, NEEDS_WEB_AUDIT, \
    WEBSITE_NOT_MOBILE_FRIENDLY, NO_CALL_TO_ACTION, NO_HTTPS, NO_CONTACT_EMAIL, \
    NO_CLICK_TO_CALL, NO_BOOKING, MISSING_META_DESCRIPTION, STALE_COPYRIGHT, \
    NO_LOCAL_BUSINESS_SCHEMA, SLOW_WEBSITE, HEAVY_PAGE";

/// A reason a business may need the agency. The first four are detected from listing data at
/// triage; the rest are confirmed by the deep audit and replace `NEEDS_WEB_AUDIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Signal {
    /// The listing has no (usable) website.
    MissingWebsite,
    /// The listed website is a social, listing or link-in-bio page.
    WeakWebPresence,
    /// Rating below 4.0 with more than five reviews.
    LowGoogleRating,
    /// A real website that the audit should check against the agency's web criteria.
    NeedsWebAudit,
    /// No viewport meta tag / layout breaks on phones.
    WebsiteNotMobileFriendly,
    /// No visible call to action (contact, quote, call now).
    NoCallToAction,
    /// Served over plain http or without a valid certificate.
    NoHttps,
    /// No e-mail address to be found on the site.
    NoContactEmail,
    /// No `tel:` link for phone users.
    NoClickToCall,
    /// No online booking or appointment request.
    NoBooking,
    /// The home page has no meta description.
    MissingMetaDescription,
    /// The copyright year in the footer is years old.
    StaleCopyright,
    /// No schema.org `LocalBusiness` markup.
    NoLocalBusinessSchema,
    /// The home page is slow to respond.
    SlowWebsite,
    /// The home page downloads far too many bytes.
    HeavyPage,
}

impl Signal {
    /// Every signal, triage signals first, in a stable order.
    pub const ALL: [Signal; 15] = [
        Signal::MissingWebsite,
        Signal::WeakWebPresence,
        Signal::LowGoogleRating,
        Signal::NeedsWebAudit,
        Signal::WebsiteNotMobileFriendly,
        Signal::NoCallToAction,
        Signal::NoHttps,
        Signal::NoContactEmail,
        Signal::NoClickToCall,
        Signal::NoBooking,
        Signal::MissingMetaDescription,
        Signal::StaleCopyright,
        Signal::NoLocalBusinessSchema,
        Signal::SlowWebsite,
        Signal::HeavyPage,
    ];

    /// The stable name, e.g. `MISSING_WEBSITE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::MissingWebsite => "MISSING_WEBSITE",
            Signal::WeakWebPresence => "WEAK_WEB_PRESENCE",
            Signal::LowGoogleRating => "LOW_GOOGLE_RATING",
            Signal::NeedsWebAudit => "NEEDS_WEB_AUDIT",
            Signal::WebsiteNotMobileFriendly => "WEBSITE_NOT_MOBILE_FRIENDLY",
            Signal::NoCallToAction => "NO_CALL_TO_ACTION",
            Signal::NoHttps => "NO_HTTPS",
            Signal::NoContactEmail => "NO_CONTACT_EMAIL",
            Signal::NoClickToCall => "NO_CLICK_TO_CALL",
            Signal::NoBooking => "NO_BOOKING",
            Signal::MissingMetaDescription => "MISSING_META_DESCRIPTION",
            Signal::StaleCopyright => "STALE_COPYRIGHT",
            Signal::NoLocalBusinessSchema => "NO_LOCAL_BUSINESS_SCHEMA",
            Signal::SlowWebsite => "SLOW_WEBSITE",
            Signal::HeavyPage => "HEAVY_PAGE",
        }
    }

    /// Parses a stable name (exact, after trimming whitespace).
    pub fn parse(name: &str) -> Result<Self, SignalError> {
        let trimmed = name.trim();
        Signal::ALL
            .into_iter()
            .find(|s| s.as_str() == trimmed)
            .ok_or_else(|| SignalError::Unknown(name.to_owned()))
    }

    /// Whether the deep audit confirms this signal (everything after `NEEDS_WEB_AUDIT`).
    pub fn is_web_audit_criterion(self) -> bool {
        !matches!(
            self,
            Signal::MissingWebsite
                | Signal::WeakWebPresence
                | Signal::LowGoogleRating
                | Signal::NeedsWebAudit
        )
    }

    /// Position in [`Signal::ALL`]; indexes weight tables and criteria bit sets.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn bit(self) -> u32 {
        1 << self.index()
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Signal {
    type Err = SignalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The signals an agency wants to find (its `leadQualificationCriteria`). Only wanted signals
/// score. `NEEDS_WEB_AUDIT` is wanted whenever any web-audit criterion is, because it stands in
/// for them until the audit confirms which apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Criteria {
    bits: u32,
}

impl Criteria {
    /// Wants every signal: the default for an agency that has not chosen.
    pub fn all() -> Self {
        Self::from_signals(Signal::ALL)
    }

    /// Wants exactly these signals (plus `NEEDS_WEB_AUDIT` if any audit criterion is among
    /// them). An empty set wants nothing; see [`Criteria::from_names`] for stored criteria.
    pub fn from_signals(signals: impl IntoIterator<Item = Signal>) -> Self {
        let mut bits = 0;
        for signal in signals {
            bits |= signal.bit();
            if signal.is_web_audit_criterion() {
                bits |= Signal::NeedsWebAudit.bit();
            }
        }
        Self { bits }
    }

    /// Builds criteria from the agency's stored `leadQualificationCriteria`. An unknown name is
    /// an error naming it. An empty list means the agency has not chosen yet and wants
    /// everything; scoring every lead 0 would hide all of them.
    pub fn from_names<I, S>(names: I) -> Result<Self, SignalError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let signals = names
            .into_iter()
            .map(|name| Signal::parse(name.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        if signals.is_empty() {
            return Ok(Self::all());
        }
        Ok(Self::from_signals(signals))
    }

    /// Whether the agency wants this signal.
    pub fn wants(&self, signal: Signal) -> bool {
        self.bits & signal.bit() != 0
    }

    /// Whether any web-audit criterion is wanted, i.e. real websites are worth auditing.
    pub fn wants_web_audit(&self) -> bool {
        self.wants(Signal::NeedsWebAudit)
    }

    /// The wanted signals in [`Signal::ALL`] order.
    pub fn signals(&self) -> impl Iterator<Item = Signal> + '_ {
        Signal::ALL.into_iter().filter(|s| self.wants(*s))
    }
}

impl Default for Criteria {
    fn default() -> Self {
        Self::all()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn every_signal_round_trips_through_its_stable_name_and_serde() {
        for signal in Signal::ALL {
            assert_eq!(Signal::parse(signal.as_str()), Ok(signal));
            let json = serde_json::to_string(&signal).unwrap();
            assert_eq!(json, format!("\"{}\"", signal.as_str()));
            assert_eq!(serde_json::from_str::<Signal>(&json).unwrap(), signal);
            assert_eq!(Signal::ALL[signal.index()], signal);
        }
        assert!(KNOWN.contains("HEAVY_PAGE"));
    }

    #[test]
    fn unknown_signal_names_are_errors_that_name_them() {
        let err = Signal::parse("NO_WEBSITE").unwrap_err();
        assert_eq!(err, SignalError::Unknown("NO_WEBSITE".into()));
        assert!(err.to_string().contains("\"NO_WEBSITE\""), "{err}");
        assert!(Signal::parse("missing_website").is_err());
        let err = Criteria::from_names(["MISSING_WEBSITE", "BAD_VIBES"]).unwrap_err();
        assert_eq!(err, SignalError::Unknown("BAD_VIBES".into()));
    }

    #[test]
    fn only_audit_confirmed_signals_are_web_audit_criteria() {
        let audit: Vec<_> = Signal::ALL
            .into_iter()
            .filter(|s| s.is_web_audit_criterion())
            .collect();
        assert_eq!(audit.len(), 11);
        assert!(!Signal::NeedsWebAudit.is_web_audit_criterion());
        assert!(Signal::NoHttps.is_web_audit_criterion());
    }

    #[test]
    fn an_audit_criterion_makes_the_agency_want_needs_web_audit() {
        let criteria = Criteria::from_names(["LOW_GOOGLE_RATING", "NO_HTTPS"]).unwrap();
        assert!(criteria.wants(Signal::NeedsWebAudit));
        assert!(criteria.wants(Signal::NoHttps));
        assert!(!criteria.wants(Signal::MissingWebsite));

        let without = Criteria::from_names(vec!["MISSING_WEBSITE".to_owned()]).unwrap();
        assert!(!without.wants_web_audit());

        let explicit = Criteria::from_names([" NEEDS_WEB_AUDIT "]).unwrap();
        assert!(explicit.wants_web_audit());
        assert!(!explicit.wants(Signal::NoHttps));
    }

    #[test]
    fn no_stored_criteria_means_the_agency_wants_everything() {
        let empty: [&str; 0] = [];
        assert_eq!(Criteria::from_names(empty).unwrap(), Criteria::all());
        assert_eq!(Criteria::default(), Criteria::all());
        assert_eq!(Criteria::all().signals().count(), Signal::ALL.len());
        assert_eq!(Criteria::from_signals([]).signals().count(), 0);
    }
}
