#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;
use crate::research::fixtures;

#[test]
fn amounts_are_compact_on_the_command_line() {
    assert_eq!(compact_money(0), "$0");
    assert_eq!(compact_money(950), "$950");
    assert_eq!(compact_money(12_000), "$12k");
    assert_eq!(compact_money(119_600), "$120k");
    assert_eq!(compact_money(1_250_000), "$1.3M");
}

#[test]
fn the_summary_line_carries_the_headline_figures() {
    let agency = fixtures::agency();
    let stats = fixtures::stats();
    let prose = rules(&stats, &agency);
    let research = assemble(stats, &agency, &prose, "rules", "rules");
    assert_eq!(
        summary_line(&research),
        "Market: 12 dentists in Austin, TX · 80% qualify · 50% rated under 4.0 · 67% of audited \
         sites not mobile-friendly · est. $12k–$120k/yr addressable (assumptions in JSON)"
    );
    assert_eq!(research.dropped_sentences, 0);
    assert!(research.sections_from_rules.is_empty());
}

#[test]
fn a_correct_figure_stays_and_an_invented_one_goes() {
    let agency = fixtures::agency();
    let stats = fixtures::stats();
    let answer = MarketProse {
        executive_summary: "50% of the 8 rated dentists are under 4.0. 73% of them are unhappy \
                            with their website."
            .into(),
        competitor_landscape: "Austin leads with 6 of the 10 practices.".into(),
        trends: vec!["Since 2019 prices rose.".into(), "40% lack a site.".into()],
        opportunities: Vec::new(),
        risks: (0..12).map(|_| "The sample is small.".to_owned()).collect(),
        recommended_positioning: "Quote \"websites live in 14 days\".".into(),
    };
    let fallback = rules(&stats, &agency);
    let research = assemble(stats, &agency, &answer, "openai", "gpt-5");
    let p = &research.prose;
    assert_eq!(
        p.executive_summary,
        "50% of the 8 rated dentists are under 4.0."
    );
    assert_eq!(p.competitor_landscape, answer.competitor_landscape);
    assert_eq!(p.trends, ["40% lack a site."]);
    // Left empty by the model: the rules' section.
    assert_eq!(p.opportunities, fallback.opportunities);
    assert_eq!(p.risks.len(), MAX_ITEMS);
    assert_eq!(p.recommended_positioning, answer.recommended_positioning);
    assert_eq!(research.dropped_sentences, 2);
    assert_eq!(research.sections_from_rules, ["opportunities"]);
    assert_eq!(
        (research.provider.as_str(), research.model.as_str()),
        ("openai", "gpt-5")
    );
}

#[test]
fn a_wholly_invented_summary_is_replaced_by_the_rules_one() {
    let agency = fixtures::agency();
    let stats = fixtures::stats();
    let answer = MarketProse {
        executive_summary: "The market grew 31% last year.".into(),
        ..rules(&stats, &agency)
    };
    let fallback = rules(&stats, &agency);
    let research = assemble(stats, &agency, &answer, "gemini", "gemini-2.0-flash");
    assert_eq!(research.prose, fallback);
    assert_eq!(research.dropped_sentences, 1);
    assert_eq!(research.sections_from_rules, ["executiveSummary"]);
}

#[test]
fn the_prompt_gives_the_figures_as_facts_and_the_agency_as_it_is() {
    let agency = fixtures::agency();
    let stats = fixtures::stats();
    let text = prompt(&stats, &agency, "dentist", "Austin, TX");
    for part in [
        "Agency: Pixel & Co",
        "Services: Web design, Local SEO, Review management",
        "- [fast-sites] Mobile-friendly, secure (https) websites live in 14 days",
        "Market: \"dentist\" businesses in \"Austin, TX\"",
        "FACTS",
        "\"under4\"",
        "\"assumptions\"",
        "Use only numbers from FACTS.",
    ] {
        assert!(text.contains(part), "{part:?} missing");
    }
    let bare = prompt(&stats, &AgencyProfile::default(), " ", " ");
    assert!(bare.contains("Agency: the agency\nServices: marketing\n"));
    assert!(bare.contains("- none\n"));
}

#[test]
fn the_stored_report_reads_back_whole() {
    let agency = fixtures::agency();
    let stats = fixtures::stats();
    let prose = rules(&stats, &agency);
    let research = assemble(stats, &agency, &prose, "rules", "rules");
    let json = serde_json::to_value(&research).unwrap();
    assert_eq!(json["stats"]["funnel"]["qualified"]["count"], 8);
    assert_eq!(json["stats"]["funnel"]["qualified"]["percent"], 80.0);
    assert_eq!(json["stats"]["signals"][0]["name"], "NEEDS_WEB_AUDIT");
    assert_eq!(json["stats"]["marketSize"]["annualHigh"], 120_000);
    assert_eq!(
        json["prose"]["executiveSummary"],
        research.prose.executive_summary
    );
    let back: MarketResearch = serde_json::from_value(json).unwrap();
    assert_eq!(back, research);
}
