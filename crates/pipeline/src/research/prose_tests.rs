#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;
use crate::research::fixtures;
use crate::research::grounding::ground_text;

/// Every sentence of every section.
fn all_text(p: &MarketProse) -> Vec<&str> {
    [
        &p.executive_summary,
        &p.competitor_landscape,
        &p.recommended_positioning,
    ]
    .into_iter()
    .chain(&p.trends)
    .chain(&p.opportunities)
    .chain(&p.risks)
    .map(String::as_str)
    .collect()
}

#[test]
fn verticals_are_made_plural() {
    assert_eq!(plural("dentist"), "dentists");
    assert_eq!(plural("dentists"), "dentists");
    assert_eq!(plural("bakery"), "bakeries");
    assert_eq!(plural("Pharmacy"), "Pharmacies");
    assert_eq!(plural("subway"), "subways");
    assert_eq!(plural("church"), "churches");
    assert_eq!(plural("plumbing"), "plumbing businesses");
    assert_eq!(plural("fitness"), "fitness businesses");
    assert_eq!(plural("  "), "businesses");
}

#[test]
fn the_rules_report_states_the_key_figures() {
    let stats = fixtures::stats();
    let p = rules(&stats, &fixtures::agency());
    let summary = &p.executive_summary;
    for figure in [
        "found 12 dentists in Austin, TX",
        "10 were analysed",
        "8 of them (80%)",
        "Pixel & Co",
        "40% have no website of their own (2 list none, 2 only a social or listing page)",
        "median Google rating is 4.0 stars",
        "50% of the 8 rated ones are under 4.0",
        "Among the audited websites, 2 of 3 checked (67%) are not mobile-friendly and 2 of 3 \
         checked (67%) show no contact e-mail.",
        "$12,000–$120,000 a year",
        "estimated 10 qualifying businesses",
    ] {
        assert!(
            summary.contains(figure),
            "{figure:?} missing from {summary}"
        );
    }
    let landscape = &p.competitor_landscape;
    for figure in [
        "mean of 3.8",
        "20% of all 10 are rated 4.5 or higher",
        "30 Google reviews (471",
        "60% run a website of their own",
        "Austin (6), Round Rock (2), Pflugerville (1)",
    ] {
        assert!(
            landscape.contains(figure),
            "{figure:?} missing from {landscape}"
        );
    }
    assert!(
        p.trends
            .iter()
            .any(|t| t.contains("30% of the 10 dentists have a low Google rating"))
    );
    assert!(p.trends.iter().any(|t| t.contains("need JavaScript")));
}

#[test]
fn the_rules_speak_to_each_service_of_the_agency() {
    let p = rules(&fixtures::stats(), &fixtures::agency());
    assert_eq!(
        &p.opportunities[..3],
        [
            "Web design: 67% of the 3 audited websites are not mobile-friendly.",
            // No search check ran on these sites: the qualified share speaks for it.
            "Local SEO: 8 of the 10 dentists (80%) show at least one problem the agency fixes.",
            "Review management: 50% of the 8 rated dentists are rated under 4.0 on Google.",
        ]
    );
    // The most widespread problem a service fixes leads, backed by the claim on that topic.
    assert!(
        p.recommended_positioning
            .starts_with("Lead with Web design for dentists in Austin, TX: 67% of the 3"),
        "{}",
        p.recommended_positioning
    );
    assert!(
        p.recommended_positioning
            .contains("\"Mobile-friendly, secure (https) websites live in 14 days\"")
    );
}

#[test]
fn the_rules_report_passes_its_own_grounding() {
    let agency = fixtures::agency();
    for stats in [fixtures::stats(), fixtures::empty_stats()] {
        let allowed = crate::research::allowed_numbers(&stats, &agency);
        let p = rules(&stats, &agency);
        for text in all_text(&p) {
            let (kept, dropped) = ground_text(text, &allowed);
            assert_eq!(dropped, 0, "dropped from {text:?}");
            assert_eq!(kept, text.trim());
        }
    }
}

#[test]
fn with_no_leads_the_rules_say_there_is_nothing_to_report() {
    let p = rules(&fixtures::empty_stats(), &AgencyProfile::default());
    assert!(p.executive_summary.contains("no business to analyse"));
    assert!(p.trends.is_empty() && p.opportunities.is_empty());
    assert!(!p.risks.is_empty());
    assert!(!p.recommended_positioning.is_empty());
}

#[test]
fn an_agency_without_services_or_claims_still_gets_a_position() {
    let p = rules(&fixtures::stats(), &AgencyProfile::default());
    assert!(
        p.recommended_positioning
            .starts_with("Open with the most common problem of dentists in Austin, TX: 67%"),
        "{}",
        p.recommended_positioning
    );
    assert!(p.executive_summary.contains("the agency fixes"));
    assert!(p.opportunities[0].starts_with("The most common problem: 67%"));
}
