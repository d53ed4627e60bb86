//! [`MarketStats`]: every figure of the market report, computed from the run's own leads and
//! audits by [`compute`], a pure function. Each share keeps its count and total so prose can
//! cite it exactly; empty inputs give a valid report of zeros (means and medians `null`).

use std::collections::{BTreeMap, HashMap};

use crawler::checks::{Finding, FindingKey};
use domain::{AuditPhase, PhaseStatus, Signal, WebPresence};
use serde::{Deserialize, Serialize};
use store::{AuditJob, Opportunity};

use super::estimate::{MarketSize, estimate};
use super::share::{Bucket, Named, Share, count, mean, median};

/// Cities listed in [`Cities::top`].
const TOP_CITIES: usize = 5;

/// What the scrape step notes when a page needs JavaScript to show anything and could not be
/// rendered (see `audit::site`): such a site is a JavaScript-only shell to its visitors' search
/// engines and to us.
const JS_ONLY_NOTE: &str = "needs JavaScript";

/// What the statistics are computed from.
#[derive(Debug, Clone, Copy)]
pub struct MarketInputs<'a> {
    /// `targetVertical`.
    pub vertical: &'a str,
    /// `targetGeography`.
    pub geography: &'a str,
    /// `numLeadsFetched`: places the search returned, before the phone filter and dedupe.
    pub places_fetched: Option<u64>,
    /// The run's leads.
    pub opportunities: &'a [Opportunity],
    /// The run's deep audits.
    pub audits: &'a [AuditJob],
    /// The agency's services, which the market-size estimate prices.
    pub services: &'a [String],
}

/// The market in figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketStats {
    /// `targetVertical`.
    pub vertical: String,
    /// `targetGeography`.
    pub geography: String,
    /// From places found to qualified leads.
    pub funnel: Funnel,
    /// Google ratings and reviews.
    pub ratings: Ratings,
    /// Own website, social/listing page only, or none.
    pub web_presence: WebPresenceShares,
    /// What the deep audits found on the websites.
    pub web_maturity: WebMaturity,
    /// How often each signal occurs among the leads, most frequent first.
    pub signals: Vec<Named>,
    /// Qualification scores.
    pub scores: Scores,
    /// Where the leads are.
    pub cities: Cities,
    /// The addressable market, every figure traceable to a stated assumption.
    pub market_size: MarketSize,
}

/// From places found to qualified leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Funnel {
    /// Businesses the search found (`numLeadsFetched`; the leads when it is unknown).
    pub businesses_found: u64,
    /// Leads analysed (a valid phone, not a duplicate, not suppressed), of those found.
    pub leads: Share,
    /// Leads with at least one signal the agency targets (score above 0), of the leads.
    pub qualified: Share,
}

/// Google ratings and reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ratings {
    /// Leads with a rating, of the leads.
    pub rated: Share,
    /// Rating buckets, of the leads (the last is `unknown`).
    pub buckets: Vec<Bucket>,
    /// Rated under 4.0, of the rated leads.
    pub under_4: Share,
    /// Mean rating of the rated leads.
    pub mean: Option<f64>,
    /// Median rating of the rated leads.
    pub median: Option<f64>,
    /// Median review count of the leads that report one.
    pub reviews_median: Option<f64>,
    /// Reviews across all leads.
    pub reviews_total: u64,
}

/// Web presence of the leads as listed, each of the leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebPresenceShares {
    /// The business's own website.
    pub own_website: Share,
    /// Only a social, listing or link-in-bio page.
    pub social_or_listing_only: Share,
    /// No usable website at all.
    pub no_website: Share,
    /// No website of its own (the last two together).
    pub without_own_website: Share,
}

/// What the deep audits found. Each check's share is out of the sites where it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebMaturity {
    /// Leads with a deep audit.
    pub audited_leads: u64,
    /// Websites whose pages were scraped and checked (`scrape_content` complete).
    pub sites_checked: u64,
    /// Checked sites of which no page could be read, of the sites checked.
    pub unreadable_sites: Share,
    /// Checked sites that need JavaScript to show anything and could not be rendered.
    pub js_only_sites: Share,
    /// Served over https.
    pub https: Share,
    /// With a responsive viewport.
    pub mobile_friendly: Share,
    /// With a call to action.
    pub call_to_action: Share,
    /// With a contact e-mail.
    pub contact_email: Share,
    /// Slower than the limit to respond.
    pub slow: Share,
    /// Heavier home page HTML than the limit.
    pub heavy: Share,
    /// Every check that ran: sites failing it, of the sites where it ran.
    pub failed_checks: Vec<Named>,
}

impl WebMaturity {
    /// The sites failing `key`, of those where it ran (`0 of 0` when it never ran).
    pub fn failed(&self, key: FindingKey) -> Share {
        self.failed_checks
            .iter()
            .find(|c| c.name == key.as_str())
            .map_or_else(Share::default, |c| c.share)
    }
}

/// Qualification scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scores {
    /// Score buckets, of the leads.
    pub buckets: Vec<Bucket>,
    /// Mean score.
    pub mean: Option<f64>,
    /// Median score.
    pub median: Option<f64>,
}

/// Where the leads are, from the listings' cities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cities {
    /// Leads whose listing names a city, of the leads.
    pub known: Share,
    /// The most frequent cities, each of the leads.
    pub top: Vec<Named>,
}

/// Computes the statistics of one run.
pub fn compute(inputs: &MarketInputs<'_>) -> MarketStats {
    let leads = inputs.opportunities;
    let n = count(leads.len());
    let businesses_found = inputs.places_fetched.unwrap_or(0).max(n);
    let qualified = count(leads.iter().filter(|o| o.qualification_score > 0).count());
    let funnel = Funnel {
        businesses_found,
        leads: Share::new(n, businesses_found),
        qualified: Share::new(qualified, n),
    };
    let market_size = estimate(inputs.vertical, inputs.geography, &funnel, inputs.services);
    MarketStats {
        vertical: inputs.vertical.trim().to_owned(),
        geography: inputs.geography.trim().to_owned(),
        ratings: ratings(leads),
        web_presence: web_presence(leads),
        web_maturity: web_maturity(inputs.audits),
        signals: signals(leads),
        scores: scores(leads),
        cities: cities(leads),
        funnel,
        market_size,
    }
}

/// A rating on the 1–5 scale, or `None` for a missing or impossible one.
fn rating_of(o: &Opportunity) -> Option<f64> {
    o.rating
        .filter(|r| r.is_finite() && (0.0..=5.0).contains(r))
}

fn ratings(leads: &[Opportunity]) -> Ratings {
    let n = count(leads.len());
    let rated: Vec<f64> = leads.iter().filter_map(rating_of).collect();
    let bounds: [(&str, f64, f64); 5] = [
        ("<3", f64::NEG_INFINITY, 3.0),
        ("3–3.5", 3.0, 3.5),
        ("3.5–4", 3.5, 4.0),
        ("4–4.5", 4.0, 4.5),
        ("≥4.5", 4.5, f64::INFINITY),
    ];
    let mut buckets: Vec<Bucket> = bounds
        .iter()
        .map(|(label, lo, hi)| Bucket {
            label: (*label).to_owned(),
            share: Share::new(
                count(rated.iter().filter(|r| **r >= *lo && **r < *hi).count()),
                n,
            ),
        })
        .collect();
    buckets.push(Bucket {
        label: "unknown".into(),
        share: Share::new(n - count(rated.len()), n),
    });
    let reviews: Vec<f64> = leads
        .iter()
        .filter_map(|o| o.reviews_count)
        .map(f64::from)
        .collect();
    Ratings {
        rated: Share::new(count(rated.len()), n),
        under_4: Share::new(
            count(rated.iter().filter(|r| **r < 4.0).count()),
            count(rated.len()),
        ),
        mean: mean(&rated),
        median: median(&rated),
        reviews_median: median(&reviews),
        reviews_total: leads
            .iter()
            .filter_map(|o| o.reviews_count)
            .map(u64::from)
            .sum(),
        buckets,
    }
}

fn web_presence(leads: &[Opportunity]) -> WebPresenceShares {
    let n = count(leads.len());
    let of = |kind: WebPresence| {
        let k = leads
            .iter()
            .filter(|o| WebPresence::of(o.website.as_deref()) == kind)
            .count();
        count(k)
    };
    let own = of(WebPresence::Website);
    let social = of(WebPresence::SocialOrListing);
    let none = of(WebPresence::Missing);
    WebPresenceShares {
        own_website: Share::new(own, n),
        social_or_listing_only: Share::new(social, n),
        no_website: Share::new(none, n),
        without_own_website: Share::new(social + none, n),
    }
}

/// The findings an audit stored; entries that do not parse are skipped.
fn findings_of(audit: &AuditJob) -> Vec<Finding> {
    match &audit.findings {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|f| serde_json::from_value(f.clone()).ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the audit's site checks ran: it has a website and `scrape_content` completed.
fn site_checked(audit: &AuditJob) -> bool {
    audit.target_url.is_some()
        && audit
            .phase(AuditPhase::ScrapeContent)
            .is_some_and(|p| p.status == PhaseStatus::Complete)
}

fn web_maturity(audits: &[AuditJob]) -> WebMaturity {
    // One audit per lead: the latest whose site checks ran, else the latest at all.
    let mut per_lead: HashMap<&str, &AuditJob> = HashMap::new();
    for audit in audits {
        per_lead
            .entry(audit.opportunity_id.as_str())
            .and_modify(|kept| {
                if (site_checked(audit), audit.updated_at) > (site_checked(kept), kept.updated_at) {
                    *kept = audit;
                }
            })
            .or_insert(audit);
    }
    let checked: Vec<&AuditJob> = per_lead
        .values()
        .copied()
        .filter(|a| site_checked(a))
        .collect();
    let sites = count(checked.len());
    let mut ran: BTreeMap<FindingKey, (u64, u64)> = BTreeMap::new();
    let mut unreadable = 0;
    let mut js_only = 0;
    for audit in &checked {
        let findings = findings_of(audit);
        if findings.is_empty() {
            unreadable += 1;
        }
        let note = audit
            .phase(AuditPhase::ScrapeContent)
            .and_then(|p| p.error.as_deref())
            .unwrap_or_default();
        if note.contains(JS_ONLY_NOTE) {
            js_only += 1;
        }
        let mut seen = Vec::new();
        for f in findings {
            if seen.contains(&f.key) {
                continue;
            }
            seen.push(f.key);
            let entry = ran.entry(f.key).or_default();
            entry.1 += 1;
            if !f.passed {
                entry.0 += 1;
            }
        }
    }
    let failed = |key: FindingKey| {
        ran.get(&key)
            .map_or_else(Share::default, |(f, of)| Share::new(*f, *of))
    };
    let passed = |key: FindingKey| {
        ran.get(&key)
            .map_or_else(Share::default, |(f, of)| Share::new(of - f, *of))
    };
    WebMaturity {
        audited_leads: count(per_lead.len()),
        sites_checked: sites,
        unreadable_sites: Share::new(unreadable, sites),
        js_only_sites: Share::new(js_only, sites),
        https: passed(FindingKey::NoHttps),
        mobile_friendly: passed(FindingKey::WebsiteNotMobileFriendly),
        call_to_action: passed(FindingKey::NoCallToAction),
        contact_email: passed(FindingKey::NoContactEmail),
        slow: failed(FindingKey::SlowWebsite),
        heavy: failed(FindingKey::HeavyPage),
        failed_checks: FindingKey::ALL
            .into_iter()
            .filter(|k| ran.contains_key(k))
            .map(|k| Named {
                name: k.as_str().to_owned(),
                share: failed(k),
            })
            .collect(),
    }
}

fn signals(leads: &[Opportunity]) -> Vec<Named> {
    let n = count(leads.len());
    let mut out: Vec<Named> = Signal::ALL
        .into_iter()
        .filter_map(|s| {
            let k = leads
                .iter()
                .filter(|o| o.signals.iter().any(|name| name.trim() == s.as_str()))
                .count();
            (k > 0).then(|| Named {
                name: s.as_str().to_owned(),
                share: Share::new(count(k), n),
            })
        })
        .collect();
    // Stable: equal counts keep the signals' own order.
    out.sort_by_key(|n| std::cmp::Reverse(n.share.count));
    out
}

fn scores(leads: &[Opportunity]) -> Scores {
    let n = count(leads.len());
    let values: Vec<u8> = leads
        .iter()
        .map(|o| o.qualification_score.min(100))
        .collect();
    let bounds: [(&str, u8, u8); 5] = [
        ("0", 0, 0),
        ("1–24", 1, 24),
        ("25–49", 25, 49),
        ("50–74", 50, 74),
        ("75–100", 75, 100),
    ];
    let as_f64: Vec<f64> = values.iter().copied().map(f64::from).collect();
    Scores {
        buckets: bounds
            .iter()
            .map(|(label, lo, hi)| Bucket {
                label: (*label).to_owned(),
                share: Share::new(
                    count(values.iter().filter(|v| (*lo..=*hi).contains(*v)).count()),
                    n,
                ),
            })
            .collect(),
        mean: mean(&as_f64),
        median: median(&as_f64),
    }
}

fn cities(leads: &[Opportunity]) -> Cities {
    let n = count(leads.len());
    // Grouped case-insensitively, named as first written.
    let mut by_key: HashMap<String, (String, u64, usize)> = HashMap::new();
    let mut known = 0;
    for (i, city) in leads
        .iter()
        .filter_map(|o| o.city.as_deref().map(str::trim))
        .filter(|c| !c.is_empty())
        .enumerate()
    {
        known += 1;
        by_key
            .entry(city.to_lowercase())
            .or_insert_with(|| (city.to_owned(), 0, i))
            .1 += 1;
    }
    let mut top: Vec<(String, u64, usize)> = by_key.into_values().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    Cities {
        known: Share::new(known, n),
        top: top
            .into_iter()
            .take(TOP_CITIES)
            .map(|(name, k, _)| Named {
                name,
                share: Share::new(k, n),
            })
            .collect(),
    }
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
