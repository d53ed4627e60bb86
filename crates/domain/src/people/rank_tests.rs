use super::*;
use crate::people::{ProfileUrl, SearchHit, parse_profile};

#[test]
fn owners_outrank_managers_who_outrank_staff() {
    for title in [
        "Owner",
        "Co-Owner",
        "Practice Owner",
        "Founder & Lead Dentist",
        "Co-Founder",
        "CEO",
        "Founder & CEO",
        "Chief Executive Officer",
        "President",
        "Managing Partner",
        "Managing Director",
        "Principal",
        "Proprietor",
        "Owner & Master Plumber",
    ] {
        assert_eq!(seniority(title), SENIORITY_OWNER, "{title}");
    }
    for title in [
        "Director",
        "Director of Operations",
        "Practice Manager",
        "Office Manager",
        "General Manager",
        "Operations Manager",
        "Salon Manager",
        "Partner",
        "Vice President",
        "VP of Sales",
        "Head of Operations",
        "Chief Operating Officer",
    ] {
        assert_eq!(seniority(title), SENIORITY_MANAGER, "{title}");
    }
    for title in [
        "Service Manager",
        "Front Desk Manager",
        "Lead Plumber",
        "Crew Lead",
        "Senior Stylist",
        "Assistant Manager",
        "Head Stylist",
    ] {
        assert_eq!(seniority(title), SENIORITY_LEAD, "{title}");
    }
    for title in [
        "",
        "Dental Hygienist",
        "Associate Attorney",
        "Paralegal",
        "Treatment Coordinator",
        "Executive Assistant to the CEO",
        "Assistant to the Owner",
        "Former Owner",
        "Dental Assistant",
    ] {
        assert_eq!(seniority(title), SENIORITY_STAFF, "{title}");
    }
}

fn person(name: &str, title: Option<&str>, link: &str) -> ProfileCandidate {
    ProfileCandidate {
        name: name.to_owned(),
        title: title.map(str::to_owned),
        company: Some("Bright Smile Dental".to_owned()),
        profile_url: ProfileUrl::parse(link).expect("a profile"),
        location: None,
        source_text: String::new(),
    }
}

#[test]
fn the_same_profile_url_in_two_spellings_is_one_person_with_the_richer_record() {
    let bare = parse_profile(SearchHit {
        title: "Jane Doe - Bright Smile Dental | LinkedIn",
        link: "https://www.linkedin.com/in/jane-doe-1a2b3c4d/",
        snippet: "",
    })
    .expect("a profile");
    let rich = parse_profile(SearchHit {
        title: "Jane Doe - Owner - Bright Smile Dental | LinkedIn",
        link: "https://uk.linkedin.com/in/Jane-Doe-1a2b3c4d",
        snippet: "Location: Manchester, England, United Kingdom",
    })
    .expect("a profile");
    let people = dedupe_profiles([bare, rich]);
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].title.as_deref(), Some("Owner"));
    assert_eq!(
        people[0].location.as_deref(),
        Some("Manchester, England, United Kingdom")
    );
}

#[test]
fn one_name_under_handles_that_differ_only_in_spelling_is_one_person() {
    let people = dedupe_profiles([
        person("Jane Doe", None, "linkedin.com/in/janedoe"),
        person(
            "Dr. Jane Doe",
            Some("Owner"),
            "linkedin.com/in/jane-doe-1a2b3c4d",
        ),
    ]);
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].title.as_deref(), Some("Owner"));
}

#[test]
fn gaps_in_the_richer_record_are_filled_from_the_other() {
    let mut located = person("Jane Doe", None, "linkedin.com/in/jane-doe");
    located.location = Some("Austin".to_owned());
    let titled = person(
        "Jane Doe",
        Some("Practice Owner"),
        "linkedin.com/in/jane-doe/",
    );
    let people = dedupe_profiles([located, titled]);
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].title.as_deref(), Some("Practice Owner"));
    assert_eq!(people[0].location.as_deref(), Some("Austin"));
}

#[test]
fn different_people_stay_apart() {
    let people = dedupe_profiles([
        person("Jane Doe", None, "linkedin.com/in/jane-doe-1"),
        person("Sarah Nguyen", None, "linkedin.com/in/sarah-nguyen-2"),
        // Same name, unrelated handle: another Jane Doe.
        person("Jane Doe", None, "linkedin.com/in/jdoe-dental"),
    ]);
    assert_eq!(people.len(), 3);
}

#[test]
fn ranking_puts_owners_first_keeps_search_order_and_caps() {
    let mut people = vec![
        person("Ann Lee", Some("Dental Hygienist"), "linkedin.com/in/a"),
        person("Ben Kim", Some("Office Manager"), "linkedin.com/in/b"),
        person("Cai Ortiz", Some("Owner"), "linkedin.com/in/c"),
        person("Dan Webb", Some("Practice Manager"), "linkedin.com/in/d"),
        person("Eve Shaw", None, "linkedin.com/in/e"),
    ];
    rank_decision_makers(&mut people, 3);
    let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Cai Ortiz", "Ben Kim", "Dan Webb"]);
}
