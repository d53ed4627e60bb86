//! Signal detection rules and scoring arithmetic.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn only(names: &[&str]) -> Criteria {
    Criteria::from_names(names).unwrap()
}

#[test]
fn a_listing_without_website_is_missing_website() {
    let all = Criteria::all();
    assert_eq!(
        detect_signals(None, None, None, &all),
        vec![Signal::MissingWebsite]
    );
    assert_eq!(
        detect_signals(Some("  "), None, None, &all),
        vec![Signal::MissingWebsite]
    );
}

#[test]
fn an_unusable_website_counts_as_missing() {
    let all = Criteria::all();
    for raw in [
        "not a website",
        "mailto:joe@example.com",
        "http://10.1.2.3/",
        "localhost",
    ] {
        assert_eq!(
            detect_signals(Some(raw), None, None, &all),
            vec![Signal::MissingWebsite],
            "{raw}"
        );
    }
}

#[test]
fn a_social_link_is_weak_web_presence_and_never_needs_an_audit() {
    let all = Criteria::all();
    assert_eq!(
        detect_signals(Some("https://facebook.com/joes"), None, None, &all),
        vec![Signal::WeakWebPresence]
    );
}

#[test]
fn a_real_website_needs_an_audit_only_when_the_agency_sells_audit_fixes() {
    let site = Some("https://joesplumbing.com");
    assert_eq!(
        detect_signals(site, None, None, &Criteria::all()),
        vec![Signal::NeedsWebAudit]
    );
    assert_eq!(
        detect_signals(site, None, None, &only(&["NO_HTTPS"])),
        vec![Signal::NeedsWebAudit]
    );
    assert!(detect_signals(site, None, None, &only(&["MISSING_WEBSITE"])).is_empty());
}

#[test]
fn low_rating_needs_rating_below_four_and_more_than_five_reviews() {
    let all = Criteria::all();
    let low = |rating, reviews| {
        detect_signals(None, rating, reviews, &all).contains(&Signal::LowGoogleRating)
    };
    assert!(low(Some(3.9), Some(6)));
    assert!(low(Some(1.0), Some(500)));
    assert!(!low(Some(4.0), Some(100)), "4.0 is not below 4.0");
    assert!(!low(Some(3.9), Some(5)), "5 reviews is not more than 5");
    assert!(!low(None, Some(100)));
    assert!(!low(Some(2.0), None));
    assert!(!low(Some(f64::NAN), Some(100)));
}

#[test]
fn signals_come_out_in_a_stable_order() {
    assert_eq!(
        detect_signals(
            Some("yelp.com/biz/joes"),
            Some(3.0),
            Some(40),
            &Criteria::all()
        ),
        vec![Signal::WeakWebPresence, Signal::LowGoogleRating]
    );
    assert_eq!(
        detect_signals(Some("joes.com"), Some(3.0), Some(40), &Criteria::all()),
        vec![Signal::LowGoogleRating, Signal::NeedsWebAudit]
    );
}

#[test]
fn score_sums_default_weights_of_wanted_signals() {
    let weights = Weights::default();
    let all = Criteria::all();
    assert_eq!(score(&[Signal::MissingWebsite], &all, &weights), 50);
    assert_eq!(
        score(
            &[Signal::WeakWebPresence, Signal::LowGoogleRating],
            &all,
            &weights
        ),
        65
    );
    assert_eq!(score(&[Signal::NeedsWebAudit], &all, &weights), 15);
    assert_eq!(score(&[], &all, &weights), 0);
}

#[test]
fn score_is_clamped_to_one_hundred() {
    let weights = Weights::with_overrides(&[("MISSING_WEBSITE".to_owned(), 90)].into()).unwrap();
    let signals = [Signal::MissingWebsite, Signal::LowGoogleRating];
    assert_eq!(score(&signals, &Criteria::all(), &weights), 100);
    let mut huge = Weights::default();
    huge.set(Signal::MissingWebsite, u32::MAX);
    assert_eq!(score(&signals, &Criteria::all(), &huge), 100);
}

#[test]
fn unwanted_signals_and_repeats_do_not_score() {
    let weights = Weights::default();
    let criteria = only(&["MISSING_WEBSITE"]);
    let signals = [
        Signal::MissingWebsite,
        Signal::LowGoogleRating,
        Signal::MissingWebsite,
    ];
    assert_eq!(score(&signals, &criteria, &weights), 50);
    assert_eq!(score(&[Signal::LowGoogleRating], &criteria, &weights), 0);
}

#[test]
fn weight_overrides_replace_defaults_and_reject_unknown_names() {
    let overrides = [
        ("LOW_GOOGLE_RATING".to_owned(), 5),
        ("NO_HTTPS".to_owned(), 40),
    ]
    .into();
    let weights = Weights::with_overrides(&overrides).unwrap();
    assert_eq!(weights.get(Signal::LowGoogleRating), 5);
    assert_eq!(weights.get(Signal::NoHttps), 40);
    assert_eq!(weights.get(Signal::MissingWebsite), 50);

    let bad = [
        ("MISSING_WEBSITE".to_owned(), 1),
        ("NO_WEBSITE".to_owned(), 60),
    ]
    .into();
    assert_eq!(
        Weights::with_overrides(&bad),
        Err(SignalError::Unknown("NO_WEBSITE".into()))
    );
    let mut unchanged = Weights::default();
    assert!(unchanged.apply_overrides(&bad).is_err());
    assert_eq!(
        unchanged,
        Weights::default(),
        "a failed override changes nothing"
    );
}

#[test]
fn default_weights_give_every_signal_points() {
    let weights = Weights::default();
    assert!(weights.iter().all(|(_, points)| points > 0));
    assert_eq!(weights.iter().count(), Signal::ALL.len());
    assert!(weights.get(Signal::WebsiteNotMobileFriendly) > weights.get(Signal::NeedsWebAudit));
}

#[test]
fn audit_findings_replace_the_needs_web_audit_placeholder() {
    let before = [Signal::LowGoogleRating, Signal::NeedsWebAudit];
    let findings = [
        Signal::NoHttps,
        Signal::MissingWebsite,
        Signal::NoHttps,
        Signal::NoBooking,
    ];
    assert_eq!(
        apply_audit_findings(&before, &findings),
        vec![Signal::LowGoogleRating, Signal::NoHttps, Signal::NoBooking]
    );
    assert_eq!(
        apply_audit_findings(&before, &[]),
        vec![Signal::LowGoogleRating]
    );
}

#[test]
fn web_presence_classifies_listing_websites() {
    assert_eq!(WebPresence::of(None), WebPresence::Missing);
    assert_eq!(WebPresence::of(Some("garbage here")), WebPresence::Missing);
    assert_eq!(
        WebPresence::of(Some("linktr.ee/joes")),
        WebPresence::SocialOrListing
    );
    assert_eq!(WebPresence::of(Some("joes.co.uk")), WebPresence::Website);
}
