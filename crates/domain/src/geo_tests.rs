//! Geography → country, on the forms campaign geographies are written in.

use super::*;

fn country(geography: &str) -> Option<&'static str> {
    infer_country(geography).map(|c| match c.as_str() {
        // Leak-free 'static names for assertions.
        "US" => "US",
        "GB" => "GB",
        "DE" => "DE",
        "CA" => "CA",
        "AU" => "AU",
        "IE" => "IE",
        "FR" => "FR",
        "NL" => "NL",
        "PR" => "PR",
        "AT" => "AT",
        _ => "other",
    })
}

#[test]
fn us_cities_with_state_codes_names_and_zips_are_american() {
    for geo in [
        "Austin, TX",
        "Austin, Texas",
        "austin, tx",
        "Austin TX",
        "Brooklyn, NY 11201",
        "Brooklyn NY 11201",
        "90210",
        "90210-1234",
        "Washington, D.C.",
        "Los Angeles, CA",
        "Charleston, West Virginia",
        "Seattle, WA, USA",
        "Boston, U.S.A.",
        "New York City",
        "Albuquerque, New Mexico",
    ] {
        assert_eq!(country(geo), Some("US"), "{geo}");
    }
}

#[test]
fn uk_nations_and_the_uk_are_british() {
    for geo in [
        "Manchester, UK",
        "London, England",
        "Glasgow, Scotland",
        "Cardiff, Wales",
        "Belfast, Northern Ireland",
        "Leeds, United Kingdom",
        "London SW1A 1AA",
        "Oxford, U.K.",
    ] {
        assert_eq!(country(geo), Some("GB"), "{geo}");
    }
}

#[test]
fn country_names_in_english_and_native_spellings_are_recognised() {
    let cases = [
        ("Berlin, Germany", "DE"),
        ("München, Deutschland", "DE"),
        ("10115 Berlin", "DE"),
        ("Toronto, ON, Canada", "CA"),
        ("Halifax, Nova Scotia", "CA"),
        ("Toronto, ON M5V 2T6", "CA"),
        ("Dublin, Ireland", "IE"),
        ("Cork, Éire", "IE"),
        ("Sydney, Australia", "AU"),
        ("Sydney NSW 2000", "AU"),
        ("Newcastle, New South Wales", "AU"),
        ("Paris, France", "FR"),
        ("Utrecht, Nederland", "NL"),
        ("Wien, Österreich", "AT"),
        ("San Juan, Puerto Rico", "PR"),
    ];
    for (geo, expected) in cases {
        assert_eq!(country(geo), Some(expected), "{geo}");
    }
}

#[test]
fn ambiguous_codes_are_settled_by_a_known_city_or_their_usual_meaning() {
    assert_eq!(country("Berlin, DE"), Some("DE"));
    assert_eq!(country("Wilmington, DE"), Some("US"));
    assert_eq!(country("Amsterdam, NL"), Some("NL"));
    assert_eq!(country("St. John's, NL"), Some("CA"));
    assert_eq!(country("Darwin, NT"), Some("AU"));
    assert_eq!(country("Yellowknife, NT"), None);
}

#[test]
fn a_region_beats_a_foreign_sounding_city() {
    assert_eq!(country("London, Ontario"), Some("CA"));
    assert_eq!(country("Paris, TX"), Some("US"));
    assert_eq!(country("Dublin, OH"), Some("US"));
    assert_eq!(country("Melbourne, FL"), Some("US"));
    assert_eq!(country("Victoria, BC"), Some("CA"));
}

#[test]
fn a_well_known_city_alone_is_enough() {
    assert_eq!(country("London"), Some("GB"));
    assert_eq!(country("toronto"), Some("CA"));
}

#[test]
fn unknown_or_empty_geographies_give_no_answer() {
    for geo in [
        "",
        "  ",
        "Springfield",
        "downtown",
        "near me",
        "12345 Somewhere",
        "Atlantis, XY",
    ] {
        assert_eq!(country(geo), None, "{geo:?}");
    }
}

#[test]
fn lower_case_words_are_not_read_as_state_codes() {
    // "in" and "me" are Indiana and Maine only when written as codes.
    assert_eq!(country("plumbers in Springfield"), None);
    assert_eq!(country("Springfield, IN"), Some("US"));
    assert_eq!(country("Springfield IN"), Some("US"));
}
