#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;
use crate::research::fixtures::{self, FOUND};

fn share(count: u64, of: u64) -> Share {
    Share::new(count, of)
}

fn named(items: &[Named]) -> Vec<(&str, u64, u64)> {
    items
        .iter()
        .map(|n| (n.name.as_str(), n.share.count, n.share.of))
        .collect()
}

fn buckets(items: &[Bucket]) -> Vec<(&str, u64)> {
    items
        .iter()
        .map(|b| (b.label.as_str(), b.share.count))
        .collect()
}

#[test]
fn the_funnel_counts_found_analysed_and_qualified() {
    let s = fixtures::stats();
    assert_eq!(s.funnel.businesses_found, FOUND);
    assert_eq!(s.funnel.leads, share(10, 12));
    assert_eq!(s.funnel.leads.percent, 83.3);
    // Scores above 0: every lead but the 8th and 10th.
    assert_eq!(s.funnel.qualified, share(8, 10));
    assert_eq!(s.funnel.qualified.percent, 80.0);
}

#[test]
fn ratings_are_bucketed_with_impossible_and_missing_ones_unknown() {
    let r = fixtures::stats().ratings;
    // Rated: 4.8 3.2 4.2 2.5 3.9 4.5 3.6 4.0; unknown: none and 7.0.
    assert_eq!(r.rated, share(8, 10));
    assert_eq!(
        buckets(&r.buckets),
        [
            ("<3", 1),
            ("3–3.5", 1),
            ("3.5–4", 2),
            ("4–4.5", 2),
            ("≥4.5", 2),
            ("unknown", 2)
        ]
    );
    assert!(r.buckets.iter().all(|b| b.share.of == 10));
    assert_eq!(r.under_4, share(4, 8));
    // 30.7 / 8 = 3.8375; the middle two of eight are 3.9 and 4.0.
    assert_eq!(r.mean, Some(3.84));
    assert_eq!(r.median, Some(3.95));
    // Reviews 0 3 8 10 30 40 60 120 200 (one lead reports none).
    assert_eq!(r.reviews_median, Some(30.0));
    assert_eq!(r.reviews_total, 471);
}

#[test]
fn web_presence_tells_own_sites_from_social_pages_and_none() {
    let w = fixtures::stats().web_presence;
    assert_eq!(w.own_website, share(6, 10));
    assert_eq!(w.social_or_listing_only, share(2, 10));
    assert_eq!(w.no_website, share(2, 10));
    assert_eq!(w.without_own_website, share(4, 10));
}

#[test]
fn web_maturity_counts_each_check_over_the_sites_where_it_ran() {
    let m = fixtures::stats().web_maturity;
    // Leads 1, 4, 6, 7, 8 and 10 have audits; lead 8's has not scraped yet and lead 1's
    // failed first attempt is superseded by its completed one.
    assert_eq!(m.audited_leads, 6);
    assert_eq!(m.sites_checked, 5);
    assert_eq!(m.unreadable_sites, share(1, 5));
    assert_eq!(m.js_only_sites, share(1, 5));
    assert_eq!(m.https, share(2, 4));
    assert_eq!(m.mobile_friendly, share(1, 3));
    assert_eq!(m.call_to_action, share(2, 3));
    assert_eq!(m.contact_email, share(1, 3));
    assert_eq!(m.slow, share(1, 2));
    assert_eq!(m.heavy, share(0, 3));
    assert_eq!(
        named(&m.failed_checks),
        [
            ("NO_HTTPS", 2, 4),
            ("WEBSITE_NOT_MOBILE_FRIENDLY", 2, 3),
            ("NO_CALL_TO_ACTION", 1, 3),
            ("NO_CONTACT_EMAIL", 2, 3),
            ("HEAVY_PAGE", 0, 3),
            ("SLOW_WEBSITE", 1, 2),
        ]
    );
    assert_eq!(m.failed(FindingKey::WebsiteNotMobileFriendly).percent, 66.7);
    assert_eq!(m.failed(FindingKey::NoBooking), Share::default());
}

#[test]
fn signals_scores_and_cities_are_counted_over_the_leads() {
    let s = fixtures::stats();
    assert_eq!(
        named(&s.signals),
        [
            ("NEEDS_WEB_AUDIT", 4, 10),
            ("LOW_GOOGLE_RATING", 3, 10),
            ("MISSING_WEBSITE", 2, 10),
            ("WEAK_WEB_PRESENCE", 2, 10),
        ]
    );
    assert_eq!(
        buckets(&s.scores.buckets),
        [
            ("0", 2),
            ("1–24", 2),
            ("25–49", 4),
            ("50–74", 1),
            ("75–100", 1)
        ]
    );
    assert_eq!(s.scores.mean, Some(32.0));
    assert_eq!(s.scores.median, Some(35.0));
    assert_eq!(s.cities.known, share(9, 10));
    // "austin" joins "Austin", named as first written.
    assert_eq!(
        named(&s.cities.top),
        [
            ("Austin", 6, 10),
            ("Round Rock", 2, 10),
            ("Pflugerville", 1, 10)
        ]
    );
}

#[test]
fn the_market_size_follows_from_the_funnel_and_the_services() {
    let m = fixtures::stats().market_size;
    // 12 found × 8/10 qualifying = 9.6 → 10; cheapest low $1,200 (reviews), dearest high
    // $12,000 (SEO).
    assert_eq!(m.businesses_found, 12);
    assert_eq!(m.qualifying_share, share(8, 10));
    assert_eq!(m.qualifying_businesses, 10);
    assert_eq!((m.per_client_low, m.per_client_high), (1_200, 12_000));
    assert_eq!((m.annual_low, m.annual_high), (12_000, 120_000));
    assert_eq!(m.services.len(), 3);
    assert!(
        m.assumptions
            .iter()
            .any(|a| a.contains("10 × $1,200 to 10 × $12,000 = $12,000–$120,000"))
    );
}

#[test]
fn no_data_gives_a_valid_report_of_zeros() {
    let s = fixtures::empty_stats();
    assert_eq!(s.funnel.businesses_found, 0);
    assert_eq!(s.funnel.qualified, Share::default());
    assert_eq!(s.ratings.mean, None);
    assert_eq!(s.ratings.median, None);
    assert_eq!(s.ratings.reviews_median, None);
    assert!(
        s.ratings
            .buckets
            .iter()
            .all(|b| b.share == Share::default())
    );
    assert_eq!(s.web_maturity.sites_checked, 0);
    assert!(s.web_maturity.failed_checks.is_empty());
    assert!(s.signals.is_empty());
    assert!(s.cities.top.is_empty());
    assert_eq!(s.market_size.annual_high, 0);
    // Serialises without NaN (serde_json would write `null` for one; there is none).
    let json = serde_json::to_string(&s).unwrap();
    assert!(!json.contains("NaN"));
    let back: MarketStats = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn leads_with_nothing_known_count_as_unknown() {
    let leads: Vec<_> = (0..3)
        .map(|_| fixtures::lead(None, None, None, None, 0, &[]))
        .collect();
    let s = compute(&MarketInputs {
        vertical: "plumber",
        geography: "Leeds",
        places_fetched: Some(2),
        opportunities: &leads,
        audits: &[],
        services: &[],
    });
    // More leads than places reported: the leads are what was found.
    assert_eq!(s.funnel.businesses_found, 3);
    assert_eq!(s.funnel.leads, share(3, 3));
    assert_eq!(s.funnel.qualified, share(0, 3));
    assert_eq!(s.ratings.rated, share(0, 3));
    assert_eq!(s.ratings.under_4, Share::default());
    assert_eq!(buckets(&s.ratings.buckets).last(), Some(&("unknown", 3)));
    assert_eq!(s.web_presence.no_website, share(3, 3));
    assert_eq!(s.cities.known, share(0, 3));
    assert_eq!(s.scores.mean, Some(0.0));
    assert_eq!(s.market_size.qualifying_businesses, 0);
}

#[test]
fn audits_without_a_website_or_with_garbage_findings_do_not_break_the_figures() {
    let leads = vec![fixtures::lead(None, None, None, None, 50, &[])];
    let mut odd = fixtures::audit(
        &leads[0],
        PhaseStatus::Skipped,
        None,
        serde_json::json!("not a list"),
        1,
    );
    odd.phases.clear();
    let s = compute(&MarketInputs {
        vertical: "",
        geography: "",
        places_fetched: None,
        opportunities: &leads,
        audits: &[odd],
        services: &[],
    });
    assert_eq!(s.web_maturity.audited_leads, 1);
    assert_eq!(s.web_maturity.sites_checked, 0);
    assert_eq!(s.web_maturity.https, Share::default());
}
