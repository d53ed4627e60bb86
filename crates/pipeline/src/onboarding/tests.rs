#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use domain::Signal;
use url::Url;

use super::crawl::SitePage;
use super::draft::{ClaimDraft, ProposalDraft, ground, places};
use super::pick::{PageRole, role_of};
use super::rules::{self, is_claim};
use super::text;
use super::vocabulary;

fn page(url: &str, role: PageRole, title: &str, markdown: &str) -> SitePage {
    SitePage {
        url: url.to_owned(),
        requested: None,
        role,
        title: Some(title.to_owned()),
        site_name: None,
        markdown: markdown.to_owned(),
        emails: Vec::new(),
    }
}

fn site() -> Vec<SitePage> {
    vec![
        page(
            "https://acme-web.co.uk/",
            PageRole::Home,
            "Acme Web – Websites for trades",
            "# Websites that win work\n\nWe build sites for electricians and plumbers. Proudly \
             serving Leeds, Bradford and York.\n\n## What we do\n\n- Website design\n- Reviews",
        ),
        page(
            "https://acme-web.co.uk/what-we-do",
            PageRole::Services,
            "What we do",
            "# What we do\n\n- [Website design](https://acme-web.co.uk/what-we-do#web)\n- \
             Online booking systems\n- Review generation\n\nAll sites are fully responsive.",
        ),
        page(
            "https://acme-web.co.uk/our-work",
            PageRole::Results,
            "Our work",
            "# Our work\n\nWe have launched 75+ websites for trades. One electrician saw 3x more \
             enquiries. Call us on 0113 496 0000 today.\n\nOffice: 1 Park Row, Leeds LS1 5AB, UK",
        ),
    ]
}

#[test]
fn markdown_reads_as_blocks_of_plain_text_under_their_sections() {
    let blocks = text::blocks(
        "# Title\n\n## Our \\*best\\* work\n\n- [Web](https://x.test/web) design\n1. SEO\n\
         Some **bold** text ![logo](https://x.test/l.png)",
    );
    let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Title",
            "Our *best* work",
            "Web design",
            "SEO",
            "Some bold text"
        ]
    );
    assert_eq!(blocks[2].kind, text::BlockKind::Item);
    assert_eq!(blocks[3].section, "Our *best* work");
    assert_eq!(blocks[0].section, "");
}

#[test]
fn sentences_split_at_full_stops_but_not_inside_numbers() {
    assert_eq!(
        text::sentences("We went from 3.8 to 4.7 stars. Then 40+ more! Done"),
        ["We went from 3.8 to 4.7 stars.", "Then 40+ more!", "Done"]
    );
}

#[test]
fn free_text_needs_map_to_signals() {
    assert_eq!(
        vocabulary::signals_for("websites that aren't mobile friendly"),
        [Signal::WebsiteNotMobileFriendly]
    );
    assert_eq!(
        vocabulary::signals_for("Reviews management"),
        [Signal::LowGoogleRating]
    );
    let web = vocabulary::signals_for("Web design");
    assert!(web.contains(&Signal::MissingWebsite), "{web:?}");
    assert!(vocabulary::signals_for("Seoul tours").is_empty());
    assert_eq!(vocabulary::vertical_of("Dental practices"), Some("dentist"));
    assert_eq!(
        vocabulary::vertical_of("Roofing contractors"),
        Some("roofer")
    );
    assert_eq!(vocabulary::vertical_of("Where we work"), None);
}

#[test]
fn every_signal_is_described_for_the_prompt() {
    for signal in Signal::ALL {
        assert!(!vocabulary::describe(signal).is_empty());
    }
}

#[test]
fn ids_are_short_slugs() {
    assert_eq!(
        text::slug("We rebuilt 40+ dentist websites since 2019!"),
        "rebuilt-40-dentist-websites-2019"
    );
    assert_eq!(text::slug("We are in it"), "we-are-in-it");
    assert!(text::slug(&"word ".repeat(30)).len() <= 40);
    assert_eq!(text::slug("!!!"), "claim");
}

#[test]
fn claims_are_concrete_sentences_without_contact_details() {
    assert!(is_claim("We rebuilt 40+ dentist websites since 2019."));
    assert!(is_claim(
        "Clients see an average 32% more calls in 90 days."
    ));
    assert!(is_claim("Went from 3.8 to 4.7 stars on Google."));
    assert!(is_claim("We guarantee a reply within one business day."));
    assert!(!is_claim("We started in Austin in 2014 and moved in 2021."));
    assert!(!is_claim("Call us on 0113 496 0000 for 5 minutes."));
    assert!(!is_claim("Email hello@acme.test within 2 days."));
    assert!(!is_claim("40+"));
}

#[test]
fn pages_get_roles_from_their_paths_and_link_texts() {
    let role = |u: &str, t: Option<&str>| role_of(&Url::parse(u).unwrap(), t).map(|(r, _)| r);
    assert_eq!(
        role("https://a.test/services", None),
        Some(PageRole::Services)
    );
    assert_eq!(
        role("https://a.test/who-we-serve", None),
        Some(PageRole::Industries)
    );
    assert_eq!(
        role("https://a.test/case-studies", None),
        Some(PageRole::Results)
    );
    assert_eq!(
        role("https://a.test/p/17", Some("About the team")),
        Some(PageRole::About)
    );
    assert_eq!(role("https://a.test/blog/our-services", None), None);
    assert_eq!(role("https://a.test/privacy-policy", None), None);
}

#[test]
fn the_rules_propose_a_profile_from_the_pages_alone() {
    let pages = site();
    let start = Url::parse("https://acme-web.co.uk/").unwrap();
    let d = rules::draft(&start, &pages);
    assert_eq!(d.name, "Acme Web");
    assert_eq!(
        d.services,
        [
            "Website design",
            "Online booking systems",
            "Review generation"
        ]
    );
    assert_eq!(d.target_verticals, ["electrician", "plumber"]);
    assert_eq!(d.target_geographies, ["Leeds, UK", "Bradford", "York"]);
    for s in [
        "MISSING_WEBSITE",
        "NO_BOOKING",
        "LOW_GOOGLE_RATING",
        "WEBSITE_NOT_MOBILE_FRIENDLY",
    ] {
        assert!(
            d.lead_qualification_criteria.iter().any(|c| c == s),
            "{s}: {d:?}"
        );
    }
    let texts: Vec<&str> = d.approved_claims.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "We have launched 75+ websites for trades.",
            "One electrician saw 3x more enquiries."
        ]
    );
    assert!(
        d.approved_claims
            .iter()
            .all(|c| c.source_url == "https://acme-web.co.uk/our-work")
    );
    let g = ground(&d, &pages);
    assert_eq!(g.approved_claims.len(), 2);
    assert_eq!(g.dropped_claims, 0);
}

#[test]
fn grounding_drops_what_the_pages_do_not_support() {
    let pages = site();
    let claim = |id: &str, text: &str, url: &str| ClaimDraft {
        id: id.to_owned(),
        text: text.to_owned(),
        source_url: url.to_owned(),
    };
    let d = ProposalDraft {
        name: "  Acme   Web ".into(),
        services: vec![
            "Web design".into(),
            "web design".into(),
            " ".into(),
            "x".repeat(200),
        ],
        target_verticals: vec!["Electricians".into(), "Med spas".into()],
        target_geographies: vec!["Leeds".into(), "Leeds, UK".into(), "York".into()],
        lead_qualification_criteria: vec![
            "MISSING_WEBSITE".into(),
            "no_https".into(),
            "sites that are not mobile friendly".into(),
            "BAD_VIBES".into(),
        ],
        approved_claims: vec![
            claim(
                "launched",
                "We have launched 75+ websites for trades.",
                "https://acme-web.co.uk/our-work/",
            ),
            claim(
                "launched",
                "One electrician saw 3x more enquiries.",
                "https://acme-web.co.uk/our-work#x",
            ),
            claim(
                "",
                "We launched 500 websites.",
                "https://acme-web.co.uk/our-work",
            ),
            claim(
                "blog",
                "We have launched 75+ websites for trades, says the blog.",
                "https://acme-web.co.uk/blog/post",
            ),
            claim(
                "dup",
                "we have launched 75+ websites for trades.",
                "https://acme-web.co.uk/our-work",
            ),
            claim("empty", "  ", "https://acme-web.co.uk/our-work"),
        ],
    };
    let g = ground(&d, &pages);
    assert_eq!(g.name, "Acme Web");
    assert_eq!(g.services, ["Web design"]);
    assert_eq!(g.target_verticals, ["electrician", "med spas"]);
    assert_eq!(g.target_geographies, ["Leeds, UK", "York"]);
    assert_eq!(
        g.lead_qualification_criteria,
        ["MISSING_WEBSITE", "WEBSITE_NOT_MOBILE_FRIENDLY", "NO_HTTPS"]
    );
    assert_eq!(g.dropped_criteria, 1);
    let ids: Vec<&str> = g.approved_claims.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["launched", "launched-2"]);
    assert!(
        g.approved_claims
            .iter()
            .all(|c| c.source_url.as_deref() == Some("https://acme-web.co.uk/our-work"))
    );
    // 500 is not on the page, the blog was not read, the blank claim says nothing.
    assert_eq!(g.dropped_claims, 3);
}

#[test]
fn vaguer_places_give_way_to_precise_ones() {
    let got = places(
        [
            "Austin",
            "Round Rock",
            "Austin, TX",
            "austin",
            "Manchester, UK",
            "Manchester",
        ]
        .map(str::to_owned),
        8,
    );
    assert_eq!(got, ["Austin, TX", "Round Rock", "Manchester, UK"]);
}
