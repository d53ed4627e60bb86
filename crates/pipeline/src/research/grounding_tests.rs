#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;

fn values(text: &str) -> Vec<f64> {
    numbers_in(text).iter().map(|n| n.value).collect()
}

fn allowed(facts: Value) -> AllowedNumbers {
    AllowedNumbers::from_facts(&facts, [])
}

#[test]
fn numbers_are_read_in_every_written_form() {
    assert_eq!(values("45% of 20 dentists"), [45.0, 20.0]);
    assert_eq!(values("a mean of 4.25 stars."), [4.25]);
    assert_eq!(values("$12,000–$120,000 a year"), [12_000.0, 120_000.0]);
    assert_eq!(values("$120k to $1.2m"), [120_000.0, 1_200_000.0]);
    assert_eq!(values("2 million and 3 thousand"), [2e6, 3e3]);
    assert_eq!(values("rated 3–3.5"), [3.0, 3.5]);
    assert_eq!(values("45 percent, 12 %"), [45.0, 12.0]);
    // A list is not a thousands group.
    assert_eq!(values("1,2 and 3,45"), [1.0, 2.0, 3.0, 45.0]);
    let pct = numbers_in("45%")[0];
    assert!(pct.rounded && pct.places == 0);
    let k = numbers_in("$120k")[0];
    assert_eq!((k.places, k.rounded), (-3, true));
    let plain = numbers_in("20 dentists")[0];
    assert!(!plain.rounded);
}

#[test]
fn digits_inside_words_are_not_numbers() {
    assert!(values("one H1, a B2B lead, MISSING_OR_MULTIPLE_H1, utf8").is_empty());
    assert!(values("no numbers here").is_empty());
    assert_eq!(values("5 km"), [5.0]);
}

#[test]
fn sentences_end_at_stops_followed_by_space_and_at_line_breaks() {
    assert_eq!(
        sentences("Rated 4.5 stars. Next one! Is it? tail"),
        ["Rated 4.5 stars. ", "Next one! ", "Is it? ", "tail"]
    );
    assert_eq!(sentences("- one\n- two"), ["- one\n", "- two"]);
    assert!(sentences("").is_empty());
    assert_eq!(sentences("Ends here."), ["Ends here."]);
}

#[test]
fn an_invented_percentage_drops_its_sentence_and_a_true_one_stays() {
    let facts = allowed(serde_json::json!({ "count": 9, "of": 20, "percent": 45.0 }));
    let (kept, dropped) = ground_text(
        "45% of the 20 dentists have no website. 73% of them want one. Most are in Austin.",
        &facts,
    );
    assert_eq!(
        kept,
        "45% of the 20 dentists have no website. Most are in Austin."
    );
    assert_eq!(dropped, 1);
}

#[test]
fn percentages_and_decimals_may_be_rounded_but_integers_must_match() {
    let facts = allowed(serde_json::json!({
        "percent": 44.6, "mean": 4.23, "count": 7, "annual": 119_600
    }));
    let ok = |text: &str| ground_text(text, &facts).1 == 0;
    assert!(ok("About 45% of them."));
    assert!(ok("About 44.6% of them."));
    assert!(ok("A mean of 4.2 stars."));
    assert!(ok("Worth $120k a year."));
    assert!(ok("Seven, or 7, of them."));
    assert!(!ok("About 44% of them."));
    assert!(!ok("A mean of 4.3 stars."));
    // A plain integer is not a rounding of a decimal.
    assert!(!ok("4 stars on average."));
    assert!(!ok("8 of them."));
    assert!(!ok("Since 2019."));
}

#[test]
fn numbers_in_strings_of_the_facts_and_in_extra_texts_are_allowed() {
    let facts = AllowedNumbers::from_facts(
        &serde_json::json!({ "label": "3.5–4", "assumptions": ["$250–$1,000 monthly"] }),
        ["Websites live in 14 days"],
    );
    let (kept, dropped) = ground_text(
        "Ratings of 3.5 to 4 are common. A $250 to $1,000 retainer. Live in 14 days. In 30 days.",
        &facts,
    );
    assert_eq!(dropped, 1);
    assert!(!kept.contains("30"), "{kept}");
}
