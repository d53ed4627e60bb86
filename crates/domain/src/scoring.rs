//! Signal detection from listing data and the qualification score (seed 001, Phase 1 step 3).
//!
//! Detection does not depend on what the agency wants (badges show every pain point), except
//! `NEEDS_WEB_AUDIT`, which only makes sense when the agency sells something an audit can
//! confirm. Scoring counts only wanted signals, so two agencies rank the same leads differently.

use std::collections::BTreeMap;

use url::Url;

use crate::signal::{Criteria, Signal, SignalError};
use crate::social::is_listing_site;
use crate::web::{Domain, site_of};

/// Points per signal. Defaults follow seed 001 for the triage signals; the audit-confirmed
/// ones are set so that a confirmed failure which visibly loses customers (phones, calls to
/// action, https) is worth more than the 15-point `NEEDS_WEB_AUDIT` placeholder it replaces,
/// and mere hygiene issues (meta description, copyright year, schema markup) are worth little.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights {
    points: [u32; Signal::ALL.len()],
}

impl Default for Weights {
    fn default() -> Self {
        let mut weights = Self {
            points: [0; Signal::ALL.len()],
        };
        for signal in Signal::ALL {
            let points = match signal {
                Signal::MissingWebsite => 50,
                Signal::WeakWebPresence => 35,
                Signal::LowGoogleRating => 30,
                Signal::NeedsWebAudit => 15,
                Signal::WebsiteNotMobileFriendly => 25,
                Signal::NoCallToAction | Signal::NoHttps => 20,
                Signal::SlowWebsite => 15,
                Signal::NoContactEmail
                | Signal::NoClickToCall
                | Signal::NoBooking
                | Signal::HeavyPage => 10,
                Signal::MissingMetaDescription
                | Signal::StaleCopyright
                | Signal::NoLocalBusinessSchema => 5,
            };
            weights.set(signal, points);
        }
        weights
    }
}

impl Weights {
    /// The defaults with an agency's overrides (`{"MISSING_WEBSITE": 60}`) applied. An unknown
    /// signal name is an error naming it, so a typo cannot silently leave a default in place.
    pub fn with_overrides(overrides: &BTreeMap<String, u32>) -> Result<Self, SignalError> {
        let mut weights = Self::default();
        weights.apply_overrides(overrides)?;
        Ok(weights)
    }

    /// Applies overrides on top of these weights; on error nothing is changed.
    pub fn apply_overrides(
        &mut self,
        overrides: &BTreeMap<String, u32>,
    ) -> Result<(), SignalError> {
        let parsed = overrides
            .iter()
            .map(|(name, points)| Signal::parse(name).map(|signal| (signal, *points)))
            .collect::<Result<Vec<_>, _>>()?;
        for (signal, points) in parsed {
            self.set(signal, points);
        }
        Ok(())
    }

    /// Points for a signal.
    pub fn get(&self, signal: Signal) -> u32 {
        self.points[signal.index()]
    }

    /// Sets the points for a signal.
    pub fn set(&mut self, signal: Signal, points: u32) {
        self.points[signal.index()] = points;
    }

    /// Every signal with its points, in [`Signal::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Signal, u32)> + '_ {
        Signal::ALL.into_iter().map(|s| (s, self.get(s)))
    }
}

/// What kind of website a listing has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebPresence {
    /// None listed, or one nobody can visit: empty, unparseable, not http(s), an IP address or
    /// a host without a public domain. Such a "website" brings the business no visitors, so it
    /// counts as missing rather than as weak.
    Missing,
    /// A social, listing or link-in-bio page.
    SocialOrListing,
    /// The business's own website.
    Website,
}

impl WebPresence {
    /// Classifies a listing's website text.
    pub fn of(website: Option<&str>) -> Self {
        let site = website.and_then(|w| site_of(w).ok());
        Self::of_site(site.as_ref())
    }

    /// Classifies an already normalised website (triage parses each website once).
    pub(crate) fn of_site(site: Option<&(Url, Domain)>) -> Self {
        match site {
            None => WebPresence::Missing,
            Some((url, domain)) if is_listing_site(url, domain.as_str()) => {
                WebPresence::SocialOrListing
            }
            Some(_) => WebPresence::Website,
        }
    }
}

/// Detects the triage signals of one listing, exactly per seed 001: no website ⇒
/// `MISSING_WEBSITE`; else a social/listing link ⇒ `WEAK_WEB_PRESENCE`; rating < 4.0 and more
/// than 5 reviews ⇒ `LOW_GOOGLE_RATING`; a real website while the agency wants any web-audit
/// criterion ⇒ `NEEDS_WEB_AUDIT`. Unusable website text counts as missing (see
/// [`WebPresence::Missing`]).
pub fn detect_signals(
    website: Option<&str>,
    rating: Option<f64>,
    reviews: Option<u32>,
    criteria: &Criteria,
) -> Vec<Signal> {
    detect_signals_for(WebPresence::of(website), rating, reviews, criteria)
}

/// [`detect_signals`] for an already classified website.
pub fn detect_signals_for(
    presence: WebPresence,
    rating: Option<f64>,
    reviews: Option<u32>,
    criteria: &Criteria,
) -> Vec<Signal> {
    let mut signals = Vec::with_capacity(2);
    match presence {
        WebPresence::Missing => signals.push(Signal::MissingWebsite),
        WebPresence::SocialOrListing => signals.push(Signal::WeakWebPresence),
        WebPresence::Website => {}
    }
    // A missing rating or count is no evidence of a bad reputation; NaN compares false.
    if rating.is_some_and(|r| r < 4.0) && reviews.is_some_and(|n| n > 5) {
        signals.push(Signal::LowGoogleRating);
    }
    if presence == WebPresence::Website && criteria.wants_web_audit() {
        signals.push(Signal::NeedsWebAudit);
    }
    signals
}

/// The qualification score: the sum of the weights of the signals the agency wants, each
/// counted once, clamped to 0–100.
pub fn score(signals: &[Signal], criteria: &Criteria, weights: &Weights) -> u8 {
    let mut seen = 0u32;
    let mut total = 0u32;
    for &signal in signals {
        let bit = 1 << signal.index();
        if seen & bit == 0 && criteria.wants(signal) {
            total = total.saturating_add(weights.get(signal));
        }
        seen |= bit;
    }
    u8::try_from(total.min(100)).unwrap_or(100)
}

/// The signals after a deep audit (`finalize_rank`): `NEEDS_WEB_AUDIT` is replaced by the
/// audit-confirmed findings; other findings (which an audit cannot confirm) are ignored and
/// duplicates dropped, keeping first-seen order.
pub fn apply_audit_findings(signals: &[Signal], findings: &[Signal]) -> Vec<Signal> {
    let confirmed = findings.iter().filter(|s| s.is_web_audit_criterion());
    let mut out: Vec<Signal> = Vec::with_capacity(signals.len() + findings.len());
    for &signal in signals
        .iter()
        .filter(|s| **s != Signal::NeedsWebAudit)
        .chain(confirmed)
    {
        if !out.contains(&signal) {
            out.push(signal);
        }
    }
    out
}

#[cfg(test)]
#[path = "scoring_tests.rs"]
mod tests;
