//! Triage counts, suppression and ranking.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::place::PlaceSource;

fn place(id: &str, phone: Option<&str>, website: Option<&str>) -> RawPlace {
    RawPlace {
        place_id: id.to_owned(),
        source: PlaceSource::Serper,
        name: format!("Business {id}"),
        address: None,
        city: None,
        phone: phone.map(str::to_owned),
        website: website.map(str::to_owned),
        rating: None,
        reviews_count: None,
        latitude: None,
        longitude: None,
        categories: Vec::new(),
    }
}

fn rated(mut p: RawPlace, name: &str, rating: Option<f64>, reviews: Option<u32>) -> RawPlace {
    p.name = name.to_owned();
    p.rating = rating;
    p.reviews_count = reviews;
    p
}

fn ids(outcome: &TriageOutcome) -> Vec<&str> {
    outcome
        .leads
        .iter()
        .map(|l| l.place.place_id.as_str())
        .collect()
}

const PHONE: &str = "(512) 555-0100";

fn phone(n: u32) -> String {
    format!("(512) 555-{:04}", 100 + n)
}

#[test]
fn triage_counts_duplicates_invalid_phones_and_suppressed_places() {
    let p2 = phone(2);
    let p3 = phone(3);
    let p5 = phone(5);
    let places = vec![
        place("a", Some(PHONE), Some("https://joes.com")),
        place("a", Some(&p2), None), // repeated id
        place("b", Some(&p3), Some("www.joes.com/contact")), // repeated domain
        place("c", None, None),      // no phone
        place("d", Some("555-0000"), None), // invalid phone
        place("e", Some(&p5), Some("https://suppressed.com")), // suppressed domain
        place("f", Some(&phone(6)), None), // suppressed phone
        place("g", Some(&phone(7)), None), // suppressed place id
        place("h", Some(&phone(8)), Some("facebook.com/h")),
    ];
    let suppression = Suppression {
        domains: [Domain::from_url("suppressed.com").unwrap()].into(),
        phones: [PhoneE164::parse(&phone(6), CountryCode::US).unwrap()].into(),
        place_ids: ["g".to_owned()].into(),
    };
    let outcome = triage(places, &TriageRules::default(), &suppression);
    assert_eq!(outcome.discarded_duplicate, 2);
    assert_eq!(outcome.discarded_invalid_phone, 2);
    assert_eq!(outcome.discarded_suppressed, 3);
    assert_eq!(ids(&outcome), ["h", "a"]);
}

#[test]
fn leads_carry_parsed_phone_domain_website_signals_and_score() {
    let outcome = triage(
        vec![
            place("site", Some(PHONE), Some("WWW.Joes.co.uk/About#team")),
            place(
                "social",
                Some("+1 512 555 0101"),
                Some("https://m.facebook.com/janes"),
            ),
            place("none", Some("512.555.0102"), None),
        ],
        &TriageRules::default(),
        &Suppression::default(),
    );
    let by_id = |id: &str| {
        outcome
            .leads
            .iter()
            .find(|l| l.place.place_id == id)
            .unwrap()
    };

    let site = by_id("site");
    assert_eq!(site.phone.as_str(), "+15125550100");
    assert_eq!(site.domain.as_ref().map(Domain::as_str), Some("joes.co.uk"));
    assert_eq!(site.website.as_deref(), Some("http://www.joes.co.uk/About"));
    assert_eq!(site.signals, [Signal::NeedsWebAudit]);
    assert_eq!(site.score, 15);

    let social = by_id("social");
    assert_eq!(
        social.domain, None,
        "facebook.com is not the business's domain"
    );
    assert_eq!(
        social.website.as_deref(),
        Some("https://m.facebook.com/janes")
    );
    assert_eq!(social.signals, [Signal::WeakWebPresence]);
    assert_eq!(social.score, 35);

    let none = by_id("none");
    assert_eq!((none.domain.clone(), none.website.clone()), (None, None));
    assert_eq!(none.signals, [Signal::MissingWebsite]);
    assert_eq!(none.score, 50);
}

#[test]
fn social_pages_of_different_businesses_are_all_kept() {
    let places = (0..5)
        .map(|i| {
            place(
                &format!("p{i}"),
                Some(&phone(i)),
                Some(&format!("facebook.com/biz{i}")),
            )
        })
        .collect();
    let outcome = triage(places, &TriageRules::default(), &Suppression::default());
    assert_eq!(outcome.leads.len(), 5);
    assert_eq!(outcome.discarded_duplicate, 0);
}

#[test]
fn the_default_country_reads_national_numbers() {
    let rules = TriageRules {
        default_country: CountryCode::GB,
        ..TriageRules::default()
    };
    let places = vec![
        place("london", Some("020 7946 0958"), None),
        place("austin", Some(PHONE), None),
        place("intl", Some("+1 512 555 0199"), None),
    ];
    let outcome = triage(places, &rules, &Suppression::default());
    assert_eq!(
        outcome.discarded_invalid_phone, 1,
        "a US national number is not British"
    );
    let phones: Vec<_> = outcome.leads.iter().map(|l| l.phone.as_str()).collect();
    assert!(phones.contains(&"+442079460958"));
    assert!(phones.contains(&"+15125550199"));
}

#[test]
fn leads_rank_by_score_then_reviews_then_rating_then_name() {
    let places = vec![
        rated(
            place("1", Some(&phone(1)), Some("a.com")),
            "Zed",
            Some(4.5),
            Some(10),
        ),
        rated(place("2", Some(&phone(2)), None), "Low", Some(4.5), Some(3)),
        rated(
            place("3", Some(&phone(3)), None),
            "Many",
            Some(4.5),
            Some(90),
        ),
        rated(
            place("4", Some(&phone(4)), None),
            "better",
            Some(4.8),
            Some(3),
        ),
        rated(
            place("5", Some(&phone(5)), None),
            "Alpha",
            Some(4.5),
            Some(3),
        ),
        rated(place("6", Some(&phone(6)), None), "unrated", None, Some(3)),
        rated(
            place("7", Some(&phone(7)), None),
            "Beta",
            Some(3.0),
            Some(6),
        ),
    ];
    let outcome = triage(places, &TriageRules::default(), &Suppression::default());
    let names: Vec<_> = outcome
        .leads
        .iter()
        .map(|l| l.place.name.as_str())
        .collect();
    // Beta: 50 + 30 = 80. Then the 50s: Many (90 reviews), the three with 3 reviews by rating
    // (better 4.8, then Alpha/Low at 4.5 by name), unrated last. Zed (15) has a website.
    assert_eq!(
        names,
        ["Beta", "Many", "better", "Alpha", "Low", "unrated", "Zed"]
    );
    let scores: Vec<_> = outcome.leads.iter().map(|l| l.score).collect();
    assert_eq!(scores, [80, 50, 50, 50, 50, 50, 15]);
}

#[test]
fn ranking_is_deterministic_whatever_the_input_order() {
    let make = |order: &[u32]| {
        order
            .iter()
            .map(|&i| {
                rated(
                    place(&format!("{i}"), Some(&phone(i)), None),
                    "Same",
                    Some(4.0),
                    Some(1),
                )
            })
            .collect::<Vec<_>>()
    };
    let forward = triage(
        make(&[1, 2, 3, 4]),
        &TriageRules::default(),
        &Suppression::default(),
    );
    let backward = triage(
        make(&[4, 3, 2, 1]),
        &TriageRules::default(),
        &Suppression::default(),
    );
    assert_eq!(ids(&forward), ["1", "2", "3", "4"]);
    assert_eq!(forward, backward);
}

#[test]
fn unwanted_signals_leave_leads_unscored_but_still_flagged() {
    let rules = TriageRules {
        criteria: Criteria::from_names(["LOW_GOOGLE_RATING"]).unwrap(),
        ..TriageRules::default()
    };
    let outcome = triage(
        vec![place("x", Some(PHONE), None)],
        &rules,
        &Suppression::default(),
    );
    assert_eq!(outcome.leads[0].signals, [Signal::MissingWebsite]);
    assert_eq!(outcome.leads[0].score, 0);
}

#[test]
fn empty_input_gives_an_empty_outcome() {
    let outcome = triage(Vec::new(), &TriageRules::default(), &Suppression::default());
    assert_eq!(outcome, TriageOutcome::default());
}
