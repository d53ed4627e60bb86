use super::*;

const LINK: &str = "https://www.linkedin.com/in/jane-doe-1a2b3c4d";

fn parse(title: &str, snippet: &str) -> ProfileCandidate {
    parse_profile(SearchHit {
        title,
        link: LINK,
        snippet,
    })
    .unwrap_or_else(|| panic!("{title} is a profile"))
}

fn facts(c: &ProfileCandidate) -> (&str, Option<&str>, Option<&str>, Option<&str>) {
    (
        c.name.as_str(),
        c.title.as_deref(),
        c.company.as_deref(),
        c.location.as_deref(),
    )
}

#[test]
fn name_title_and_company_titles_are_read() {
    let c = parse("Jane Doe - Owner - Bright Smile Dental | LinkedIn", "");
    assert_eq!(
        facts(&c),
        ("Jane Doe", Some("Owner"), Some("Bright Smile Dental"), None)
    );
    assert_eq!(
        c.profile_url.as_str(),
        "https://linkedin.com/in/jane-doe-1a2b3c4d"
    );
}

#[test]
fn title_at_company_titles_are_read() {
    let c = parse(
        "Jane Doe – Practice Manager at Bright Smile Dental | LinkedIn",
        "",
    );
    assert_eq!(
        facts(&c),
        (
            "Jane Doe",
            Some("Practice Manager"),
            Some("Bright Smile Dental"),
            None
        )
    );
}

#[test]
fn a_company_that_contains_at_is_not_split() {
    let c = parse("Jane Doe - Smiles at Zilker | LinkedIn", "");
    assert_eq!(c.title, None);
    assert_eq!(c.company.as_deref(), Some("Smiles at Zilker"));
}

#[test]
fn name_only_and_name_company_titles_are_read() {
    let c = parse("Jane Doe | LinkedIn", "");
    assert_eq!(facts(&c), ("Jane Doe", None, None, None));
    let c = parse("Jane Doe - Bright Smile Dental | LinkedIn", "");
    assert_eq!(
        facts(&c),
        ("Jane Doe", None, Some("Bright Smile Dental"), None)
    );
    let c = parse("Jane Doe - Owner | LinkedIn", "");
    assert_eq!(facts(&c), ("Jane Doe", Some("Owner"), None, None));
}

#[test]
fn credentials_and_honorifics_leave_the_name() {
    let c = parse(
        "Dr. Jane Doe, DDS - Founder & Lead Dentist - Bright Smile Dental | LinkedIn",
        "",
    );
    assert_eq!(c.name, "Jane Doe");
    assert_eq!(c.title.as_deref(), Some("Founder & Lead Dentist"));
    let c = parse("Jane Doe, Owner - Bright Smile Dental | LinkedIn", "");
    assert_eq!(
        facts(&c),
        ("Jane Doe", Some("Owner"), Some("Bright Smile Dental"), None)
    );
}

#[test]
fn a_title_cut_short_loses_its_last_part() {
    let c = parse("Jane Doe - Owner - Bright Smile Den...", "");
    assert_eq!(facts(&c), ("Jane Doe", Some("Owner"), None, None));
}

#[test]
fn byline_snippets_give_location_title_and_company() {
    let c = parse(
        "Jane Doe | LinkedIn",
        "Austin, Texas, United States · Owner · Bright Smile Dental",
    );
    assert_eq!(
        facts(&c),
        (
            "Jane Doe",
            Some("Owner"),
            Some("Bright Smile Dental"),
            Some("Austin, Texas, United States")
        )
    );
}

#[test]
fn labelled_snippets_give_company_and_location() {
    let c = parse(
        "Jane Doe | LinkedIn",
        "Experience: Bright Smile Dental · Education: University of Texas · Location: Austin · 500+ connections on LinkedIn. View Jane Doe's profile on LinkedIn, a professional community of 1 billion members.",
    );
    assert_eq!(
        facts(&c),
        (
            "Jane Doe",
            None,
            Some("Bright Smile Dental"),
            Some("Austin")
        )
    );
}

#[test]
fn the_sample_worlds_snippet_is_read() {
    let c = parse(
        "Jane Doe - Owner - Bright Smile Dental Supply Co. | LinkedIn",
        "Owner at Bright Smile Dental Supply Co.. Experience: Bright Smile Dental Supply Co. · Location: Dallas, Texas, United States · 212+ connections on LinkedIn. View Jane Doe's profile on LinkedIn, a professional community of 1 billion members.",
    );
    assert_eq!(
        facts(&c),
        (
            "Jane Doe",
            Some("Owner"),
            Some("Bright Smile Dental Supply Co."),
            Some("Dallas, Texas, United States")
        )
    );
}

#[test]
fn a_sentence_snippet_gives_title_and_company() {
    let c = parse(
        "Jane Doe | LinkedIn",
        "Office Manager at Bright Smile Dental. Jane has run the front desk since 2015.",
    );
    assert_eq!(c.title.as_deref(), Some("Office Manager"));
    assert_eq!(c.company.as_deref(), Some("Bright Smile Dental"));
}

#[test]
fn the_title_wins_over_the_snippet() {
    let c = parse(
        "Jane Doe - Owner - Bright Smile Dental | LinkedIn",
        "Experience: Some Other Place · Location: St. Louis, Missouri",
    );
    assert_eq!(c.company.as_deref(), Some("Bright Smile Dental"));
    assert_eq!(c.location.as_deref(), Some("St. Louis, Missouri"));
}

#[test]
fn free_text_snippets_say_nothing() {
    let c = parse(
        "Jane Doe | LinkedIn",
        "Experienced dentist with a demonstrated history of working in the medical practice industry. Skilled in Dentistry.",
    );
    assert_eq!(facts(&c), ("Jane Doe", None, None, None));
}

#[test]
fn only_member_profiles_are_people() {
    for link in [
        "https://www.linkedin.com/company/bright-smile-dental",
        "https://www.linkedin.com/posts/jane-doe_teeth-activity-1",
        "https://www.linkedin.com/pub/dir/Jane/Doe",
        "https://www.linkedin.com/jobs/view/dental-hygienist-at-bright-smile-dental-1",
        "https://www.brightsmile.com/team/jane-doe",
    ] {
        let hit = SearchHit {
            title: "Jane Doe - Owner - Bright Smile Dental | LinkedIn",
            link,
            snippet: "",
        };
        assert_eq!(parse_profile(hit), None, "{link}");
    }
}

#[test]
fn a_profile_without_a_readable_name_is_skipped() {
    for title in [
        "LinkedIn",
        "Jane D. - Owner | LinkedIn",
        "500+ Jane Doe profiles",
    ] {
        let hit = SearchHit {
            title,
            link: LINK,
            snippet: "",
        };
        assert_eq!(parse_profile(hit), None, "{title}");
    }
}

#[test]
fn lower_case_names_are_capitalised() {
    let c = parse("jane doe - Owner - Bright Smile Dental | LinkedIn", "");
    assert_eq!(c.name, "Jane Doe");
}
