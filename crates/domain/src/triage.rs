//! Triage: sourced places in, ranked leads out (seed 001, Phase 1 step 3; DESIGN §3
//! `filter_rank`).
//!
//! Order per place: dedupe (place id or own domain) → phone hard filter → suppression (domain,
//! phone, place id) → signals and score. Each website is normalised once and each phone parsed
//! once; this runs over whole campaigns (the benchmark uses 100,000 places).

use std::cmp::Ordering;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::dedupe::Deduper;
use crate::phone::{CountryCode, PhoneE164};
use crate::place::RawPlace;
use crate::scoring::{WebPresence, Weights, detect_signals_for, score};
use crate::signal::{Criteria, Signal};
use crate::web::{Domain, site_of};

/// Businesses an agency must not be shown again (already clients, opted out, or already
/// leads in another campaign).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppression {
    /// Registrable domains of the business's own website.
    pub domains: HashSet<Domain>,
    /// Phone numbers.
    pub phones: HashSet<PhoneE164>,
    /// Provider place ids.
    pub place_ids: HashSet<String>,
}

impl Suppression {
    /// Whether a place with these keys is suppressed.
    pub fn suppresses(&self, place_id: &str, phone: &PhoneE164, domain: Option<&Domain>) -> bool {
        self.place_ids.contains(place_id.trim())
            || self.phones.contains(phone)
            || domain.is_some_and(|d| self.domains.contains(d))
    }

    /// Whether nothing is suppressed.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.phones.is_empty() && self.place_ids.is_empty()
    }
}

/// What triage needs to know about the agency and campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageRules {
    /// Country to read national phone numbers in (usually inferred from the geography).
    pub default_country: CountryCode,
    /// Signals the agency wants.
    pub criteria: Criteria,
    /// Points per signal.
    pub weights: Weights,
}

impl Default for TriageRules {
    fn default() -> Self {
        Self {
            default_country: CountryCode::US,
            criteria: Criteria::all(),
            weights: Weights::default(),
        }
    }
}

/// A place that passed triage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// The place as the provider gave it.
    pub place: RawPlace,
    /// Its phone, validated.
    pub phone: PhoneE164,
    /// Registrable domain of the business's own website; `None` when it has none or only a
    /// social/listing page (that domain belongs to the platform, not the business).
    pub domain: Option<Domain>,
    /// The website as a normalised URL (social pages included); `None` when missing or unusable.
    pub website: Option<String>,
    /// Detected signals, in detection order.
    pub signals: Vec<Signal>,
    /// Qualification score, 0–100.
    pub score: u8,
}

/// Triage result: ranked leads and why the rest were dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriageOutcome {
    /// Leads, best first (see [`rank`]).
    pub leads: Vec<Lead>,
    /// Places with no phone or a phone that is not a valid number.
    pub discarded_invalid_phone: usize,
    /// Places whose place id or domain repeated an earlier place's.
    pub discarded_duplicate: usize,
    /// Places matching the suppression list.
    pub discarded_suppressed: usize,
}

/// Triages sourced places into ranked leads. Dedupe comes first, as in the `source` phase, so
/// the first listing of a business claims its id and domain even if it then fails the phone
/// filter.
pub fn triage(
    places: Vec<RawPlace>,
    rules: &TriageRules,
    suppression: &Suppression,
) -> TriageOutcome {
    let mut outcome = TriageOutcome {
        leads: Vec::with_capacity(places.len()),
        ..TriageOutcome::default()
    };
    let mut deduper = Deduper::with_capacity(places.len());
    for place in places {
        let site = place.website.as_deref().and_then(|w| site_of(w).ok());
        let presence = WebPresence::of_site(site.as_ref());
        let (url, domain) = site.unzip();
        let own_domain = domain.filter(|_| presence == WebPresence::Website);

        if !deduper.admit(&place.place_id, own_domain.as_ref()) {
            outcome.discarded_duplicate += 1;
            continue;
        }
        let phone = place
            .phone
            .as_deref()
            .and_then(|raw| PhoneE164::parse(raw, rules.default_country).ok());
        let Some(phone) = phone else {
            outcome.discarded_invalid_phone += 1;
            continue;
        };
        if !suppression.is_empty()
            && suppression.suppresses(&place.place_id, &phone, own_domain.as_ref())
        {
            outcome.discarded_suppressed += 1;
            continue;
        }
        let signals =
            detect_signals_for(presence, place.rating, place.reviews_count, &rules.criteria);
        let score = score(&signals, &rules.criteria, &rules.weights);
        outcome.leads.push(Lead {
            place,
            phone,
            domain: own_domain,
            website: url.map(String::from),
            signals,
            score,
        });
    }
    rank(&mut outcome.leads);
    outcome
}

/// Sorts leads best first: score, then review count, then rating (both descending, missing
/// last), then name (case-insensitive, ascending), then place id, so equal inputs always give
/// the same order.
pub fn rank(leads: &mut [Lead]) {
    leads.sort_by(compare_leads);
}

fn compare_leads(a: &Lead, b: &Lead) -> Ordering {
    b.score
        .cmp(&a.score)
        .then_with(|| b.place.reviews_count.cmp(&a.place.reviews_count))
        .then_with(|| rating_key(b).total_cmp(&rating_key(a)))
        .then_with(|| folded(&a.place.name).cmp(folded(&b.place.name)))
        .then_with(|| a.place.name.cmp(&b.place.name))
        .then_with(|| a.place.place_id.cmp(&b.place.place_id))
}

/// The name lower-cased on the fly: comparing without allocating keeps the sort cheap.
fn folded(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars().flat_map(char::to_lowercase)
}

/// A missing or NaN rating ranks below every real one.
fn rating_key(lead: &Lead) -> f64 {
    match lead.place.rating {
        Some(r) if !r.is_nan() => r,
        _ => f64::NEG_INFINITY,
    }
}

#[cfg(test)]
#[path = "triage_tests.rs"]
mod tests;
