use super::*;

const BUSINESS: &str = "Bright Smile Dental";

fn people(markdown: &str, url: &str) -> Vec<(String, Option<String>)> {
    people_on_page(markdown, url, BUSINESS)
        .into_iter()
        .map(|p| (p.name, p.title))
        .collect()
}

fn person(name: &str, title: Option<&str>) -> (String, Option<String>) {
    (name.to_owned(), title.map(str::to_owned))
}

#[test]
fn team_cards_name_people_with_their_titles() {
    let markdown = "# About Bright Smile Dental\n\nWe are an independent practice.\n\n## Meet the team\n\n### Dr. Jane Doe\n\nOwner & Lead Dentist\n\n### Sarah Nguyen\n\nPractice Manager\n\n### Tom Reed\n\nTom keeps the front desk running and knows every patient by name.\n";
    assert_eq!(
        people(markdown, "https://brightsmile.com/about"),
        [
            person("Jane Doe", Some("Owner & Lead Dentist")),
            person("Sarah Nguyen", Some("Practice Manager")),
            person("Tom Reed", None),
        ]
    );
}

#[test]
fn emphasised_names_and_name_title_lines_are_read() {
    let markdown = "## Our Team\n\n**Jane Doe**, Practice Manager\n\n**Tom Reed** – Office Manager\n\n- Mia Kim, Owner\n- Dr. Leah Ward, DDS — Founder\n- [Ben Price](/team/ben-price) | Associate Dentist\n\n**Owen Ellis**\n\nDental Hygienist\n";
    assert_eq!(
        people(markdown, "https://brightsmile.com/"),
        [
            person("Jane Doe", Some("Practice Manager")),
            person("Tom Reed", Some("Office Manager")),
            person("Mia Kim", Some("Owner")),
            person("Leah Ward", Some("Founder")),
            person("Ben Price", Some("Associate Dentist")),
            person("Owen Ellis", Some("Dental Hygienist")),
        ]
    );
}

#[test]
fn founders_and_owners_named_in_prose_are_found_anywhere() {
    for (sentence, name, title) in [
        (
            "Founded by Jane Doe in 1998, we have cared for Austin smiles for decades.",
            "Jane Doe",
            "Founder",
        ),
        (
            "Founded in 1998 by Dr. Jane Doe, we are a locally owned practice.",
            "Jane Doe",
            "Founder",
        ),
        (
            "Our owner Tom Reed answers the phone himself.",
            "Tom Reed",
            "Owner",
        ),
        (
            "The practice is owned and operated by Mia Kim.",
            "Mia Kim",
            "Owner",
        ),
        (
            "In 2005 Dr. Leah Ward founded the practice.",
            "Leah Ward",
            "Founder",
        ),
    ] {
        let markdown = format!("# Welcome\n\n{sentence}\n");
        assert_eq!(
            people(&markdown, "https://brightsmile.com/"),
            [person(name, Some(title))],
            "{sentence}"
        );
    }
}

#[test]
fn a_team_listing_title_beats_the_prose_one() {
    let markdown = "# About us\n\nFounded in 1998 by Dr. Jane Doe.\n\n## Meet the team\n\n### Jane Doe\n\nOwner & Lead Dentist\n";
    assert_eq!(
        people(markdown, "https://brightsmile.com/about"),
        [person("Jane Doe", Some("Owner & Lead Dentist"))]
    );
}

#[test]
fn a_whole_about_page_counts_as_a_team_section() {
    let markdown = "# Our practice\n\n### Jane Doe\n\nOwner\n";
    assert_eq!(
        people(markdown, "https://brightsmile.com/about-us"),
        [person("Jane Doe", Some("Owner"))]
    );
    assert_eq!(people(markdown, "https://brightsmile.com/services"), []);
}

#[test]
fn listings_outside_team_sections_are_ignored() {
    let markdown = "# Bright Smile Dental\n\n## Reviews\n\n### Jane Doe\n\nOwner\n\nTom Reed – Office Manager\n";
    assert_eq!(people(markdown, "https://brightsmile.com/"), []);
}

#[test]
fn services_testimonials_nav_and_addresses_are_not_people() {
    let markdown = "- [Home](/)\n- [About](/about)\n- [Meet The Team](/team)\n\n# About Bright Smile Dental\n\n## Our Services\n\n- Teeth Whitening\n- Dental Implants – from $2,000\n- Emergency Appointments – Same-day care\n\n### Teeth Whitening\n\nIn-chair whitening with visible results.\n\n### Modern Equipment\n\nWe use the latest digital X-rays.\n\n## What our patients say\n\n> Professional and friendly. — Sarah M.\n\n> Jane Doe, Owner, was wonderful\n\n— Sarah M.\n\nSarah Miller, Patient\n\n## Visit us\n\n612 Congress Ave, Austin, TX 78701\n\nCongress Avenue – Suite 200\n\n### Bright Smile Dental\n\nFamily dentist\n\n© 2025 Bright Smile Dental. All rights reserved.\n";
    assert_eq!(people(markdown, "https://brightsmile.com/about"), []);
}

#[test]
fn the_business_itself_is_not_a_person() {
    let markdown = "## Meet the team\n\n### Maria Lopez\n\nOwner & Stylist\n";
    assert_eq!(
        people_on_page(markdown, "/about", "Maria Lopez"),
        Vec::<PagePerson>::new()
    );
    assert_eq!(people_on_page(markdown, "/about", "Salon Lopez").len(), 1);
}

#[test]
fn a_meet_heading_can_name_the_person() {
    let markdown =
        "## Meet Dr. Jane Doe\n\nFounder & Lead Dentist\n\nShe opened the practice in 1998.\n";
    assert_eq!(
        people(markdown, "https://brightsmile.com/"),
        [person("Jane Doe", Some("Founder & Lead Dentist"))]
    );
}

#[test]
fn markdown_escapes_and_hard_breaks_are_read_through() {
    let markdown = "## Staff\n\n**Jane Doe**, Practice Manager  \nCall her on 555\\-0134\n\n\\- Tom Reed, Office Manager\n";
    let found = people(markdown, "https://brightsmile.com/");
    assert!(
        found.contains(&person("Jane Doe", Some("Practice Manager"))),
        "{found:?}"
    );
}
