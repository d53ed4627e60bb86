#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::HashSet;

use domain::persona_match::heuristic_persona;
use store::ApprovedClaim;

use super::*;

fn agency() -> AgencyProfile {
    AgencyProfile {
        name: "Bright Local".into(),
        services: vec![
            "Web design".into(),
            "Local SEO".into(),
            "Review management".into(),
        ],
        lead_qualification_criteria: vec!["MISSING_WEBSITE".into(), "LOW_GOOGLE_RATING".into()],
        approved_claims: vec![ApprovedClaim {
            id: "fast-sites".into(),
            text: "Mobile-friendly websites live in 14 days".into(),
            source_url: None,
        }],
        ..AgencyProfile::default()
    }
}

const VERTICALS: [&str; 7] = [
    "dentist",
    "Dentists",
    "personal injury lawyer",
    "plumbers",
    "chiropractor",
    "coffee shops",
    "",
];

fn names<'a>(names: impl Iterator<Item = &'a str>) -> HashSet<String> {
    names.map(str::to_lowercase).collect()
}

#[test]
fn the_rules_give_three_of_each_kind_with_distinct_names_and_full_lists() {
    for vertical in VERTICALS {
        let set = rules(&agency(), vertical, "Austin, TX");
        assert!(set.business.len() >= 3, "{vertical}: {set:#?}");
        assert!(set.decision_makers.len() >= 3, "{vertical}: {set:#?}");
        let b = names(set.business.iter().map(|p| p.name.as_str()));
        let d = names(set.decision_makers.iter().map(|p| p.name.as_str()));
        assert_eq!(b.len(), set.business.len(), "{vertical}");
        assert_eq!(d.len(), set.decision_makers.len(), "{vertical}");
        for p in &set.business {
            for list in [
                &p.goals,
                &p.pains,
                &p.buying_triggers,
                &p.objections,
                &p.how_to_reach,
            ] {
                assert!(!list.is_empty() && list.len() <= MAX_LIST_ITEMS, "{p:#?}");
            }
            assert!(!p.description.is_empty() && !p.firmographics.locations.is_empty());
        }
        for p in &set.decision_makers {
            assert!(!p.titles.is_empty() && !p.role.is_empty(), "{p:#?}");
            for list in [
                &p.goals,
                &p.pains,
                &p.buying_triggers,
                &p.objections,
                &p.how_to_reach,
            ] {
                assert!(!list.is_empty() && list.len() <= MAX_LIST_ITEMS, "{p:#?}");
            }
        }
        // Already in shape: validation changes nothing.
        let (again, repairs) = set.clone().validated(&set);
        assert_eq!(again, set, "{vertical}");
        assert!(!repairs.changed());
        assert_eq!(
            set,
            rules(&agency(), vertical, "Austin, TX"),
            "deterministic"
        );
    }
}

#[test]
fn the_rules_word_personas_for_the_vertical_and_the_agencys_offer() {
    let set = rules(&agency(), "dentists", "Austin, TX");
    assert_eq!(
        set.business[0].name,
        "Established independent dental practice"
    );
    assert_eq!(set.business[2].name, "Multi-location dental group");
    assert_eq!(
        set.business[0].firmographics.locations,
        "Single location in Austin, TX"
    );
    let owner = &set.decision_makers[0];
    assert_eq!(owner.role, "Practice owner");
    for t in ["Practice Owner", "Lead Dentist", "DDS"] {
        assert!(
            owner.titles.iter().any(|x| x == t),
            "{t} in {:?}",
            owner.titles
        );
    }
    assert_eq!(set.decision_makers[1].name, "Office / practice manager");
    // Pains come from the agency's criteria, goals from its services, openings from claims.
    let growing = &set.business[1];
    assert!(
        growing.pains[0].contains("No website"),
        "{:?}",
        growing.pains
    );
    assert!(
        set.business[0]
            .pains
            .iter()
            .any(|p| p.contains("Google rating"))
    );
    assert!(
        !set.business
            .iter()
            .flat_map(|p| &p.pains)
            .any(|p| p.contains("Not secure"))
    );
    assert!(growing.goals.iter().any(|g| g.contains("dentist near me")));
    assert!(growing.goals.iter().any(|g| g.contains("Google reviews")));
    assert!(growing.how_to_reach.iter().any(|r| r.contains("14 days")));

    let lawyer = rules(&agency(), "lawyer", "");
    assert!(
        lawyer.decision_makers[0]
            .titles
            .contains(&"Managing Partner".to_owned())
    );
    assert_eq!(
        lawyer.business[0].firmographics.locations,
        "Single location"
    );
    let plumber = rules(&agency(), "plumber", "Leeds");
    let titles = &plumber.decision_makers[0].titles;
    assert!(titles.contains(&"Owner".to_owned()) && titles.contains(&"Master Plumber".to_owned()));
    assert_eq!(plumber.business[1].name, "New or growing plumber business");
    let shops = rules(&AgencyProfile::default(), "coffee shops", "Leeds");
    assert_eq!(
        shops.business[0].name,
        "Established independent coffee shop business"
    );
    assert_eq!(shops.decision_makers[0].role, "Business owner");
    // No criteria named: every signal counts, so pains are never empty.
    assert!(shops.business.iter().all(|p| p.pains.len() >= 2));
}

/// The persona the title heuristic picks for `title` among `set`'s decision makers.
fn mapped(set: &PersonaSet, title: &str, text: impl Fn(&DecisionMakerPersona) -> String) -> String {
    let texts: Vec<(String, String)> = set
        .decision_makers
        .iter()
        .map(|p| (p.name.clone(), text(p)))
        .collect();
    let personas: Vec<(String, &str)> =
        texts.iter().map(|(n, t)| (n.clone(), t.as_str())).collect();
    heuristic_persona(title, &personas)
        .map(|m| m.persona)
        .unwrap_or_default()
}

#[test]
fn the_title_heuristic_maps_rules_titles_to_their_own_persona() {
    for vertical in VERTICALS {
        let set = rules(&agency(), vertical, "Austin, TX");
        let [owner, manager, marketing] = [0, 1, 2].map(|i| set.decision_makers[i].name.clone());
        let cases = [
            ("Owner", &owner),
            ("Office Manager", &manager),
            ("Marketing Director", &marketing),
        ];
        for (title, want) in cases {
            assert_eq!(
                &mapped(&set, title, DecisionMakerPersona::heuristic_text),
                want,
                "{vertical}: {title}"
            );
            // Callers that compare role, name and description get the same answer.
            let long =
                |p: &DecisionMakerPersona| format!("{} {} {}", p.role, p.name, p.description);
            assert_eq!(
                &mapped(&set, title, long),
                want,
                "{vertical}: {title} (long text)"
            );
        }
        for p in &set.decision_makers {
            for title in &p.titles {
                assert_eq!(
                    mapped(&set, title, DecisionMakerPersona::heuristic_text),
                    p.name,
                    "{vertical}: {title}"
                );
            }
        }
    }
}

fn business(name: &str) -> BusinessPersona {
    BusinessPersona {
        name: name.into(),
        ..rules(&agency(), "dentist", "Austin").business[0].clone()
    }
}

fn dm(name: &str) -> DecisionMakerPersona {
    DecisionMakerPersona {
        name: name.into(),
        ..rules(&agency(), "dentist", "Austin").decision_makers[0].clone()
    }
}

#[test]
fn validation_drops_duplicate_and_nameless_personas_and_caps_the_count() {
    let fallback = rules(&agency(), "dentist", "Austin");
    let raw = PersonaSet {
        business: [
            "Alpha", "alpha ", " ", "Beta", "Gamma", "Delta", "Epsilon", "Zeta",
        ]
        .map(business)
        .to_vec(),
        decision_makers: ["Boss", "BOSS", "Manager"].map(dm).to_vec(),
    };
    let (set, repairs) = raw.validated(&fallback);
    let b: Vec<&str> = set.business.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(b, ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]);
    let d: Vec<&str> = set
        .decision_makers
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(d, ["Boss", "Manager"], "two is enough: no top-up");
    assert_eq!(
        repairs,
        Repairs {
            dropped: 4,
            topped_up: 0
        }
    );
}

#[test]
fn validation_tops_a_thin_kind_up_from_the_rules_without_repeating_a_name() {
    let fallback = rules(&agency(), "dentist", "Austin");
    let taken = fallback.decision_makers[0].name.to_uppercase();
    let raw = PersonaSet {
        business: Vec::new(),
        decision_makers: vec![dm(&taken)],
    };
    let (set, repairs) = raw.validated(&fallback);
    assert_eq!(set.business, fallback.business);
    let d: Vec<&str> = set
        .decision_makers
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        d,
        [
            taken.as_str(),
            &fallback.decision_makers[1].name,
            &fallback.decision_makers[2].name
        ]
    );
    assert_eq!(
        repairs,
        Repairs {
            dropped: 0,
            topped_up: 5
        }
    );
}

#[test]
fn validation_cleans_lists_and_cuts_long_text() {
    let fallback = rules(&agency(), "dentist", "Austin");
    let mut p = dm("  Front   desk\nlead ");
    p.role = String::new();
    p.titles = vec![" ".into(), String::new()];
    p.goals = ["a", "", "  ", "A", "b", "c", "d", "e", "f", "g"]
        .map(String::from)
        .to_vec();
    p.description = "word ".repeat(400);
    let mut b = business("Big");
    b.pains = vec!["x".repeat(1_000)];
    let raw = PersonaSet {
        business: vec![b, business("Small")],
        decision_makers: vec![p, dm("Other")],
    };
    let (set, _) = raw.validated(&fallback);
    let p = &set.decision_makers[0];
    assert_eq!(p.name, "Front desk lead");
    assert_eq!(p.goals, ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(
        p.role, "Front desk lead",
        "a persona without role or titles is known by its name"
    );
    assert_eq!(p.titles, ["Front desk lead"]);
    assert!(p.description.chars().count() <= 600 && p.description.ends_with('…'));
    assert!(!p.description.contains("  "));
    let pain = &set.business[0].pains[0];
    assert!(pain.chars().count() <= 200 && pain.ends_with('…'), "{pain}");
}

#[test]
fn clip_keeps_short_text_and_cuts_long_text_at_a_word() {
    assert_eq!(clip("  a \n b  ", 10), "a b");
    assert_eq!(
        clip("alpha beta gamma delta epsilon", 20),
        "alpha beta gamma…"
    );
    assert_eq!(clip("abcdefghij", 5), "abcd…", "no word break near the end");
    assert_eq!(clip("ééééé", 3), "éé…");
    assert_eq!(clip("abc", 0), "");
}

#[test]
fn embedding_texts_are_compact_and_change_with_what_the_persona_is() {
    let set = rules(&agency(), "dentist", "Austin, TX");
    let b = &set.business[0];
    let text = b.embedding_text();
    assert!(text.starts_with("Established independent dental practice. An independent"));
    assert!(text.contains("Firmographics: size Small"), "{text}");
    assert!(
        !text.contains("Open with"),
        "how to reach is not what the persona is"
    );
    let mut changed = b.clone();
    changed.pains.push("Parking".into());
    assert_ne!(changed.embedding_text(), text);

    let d = &set.decision_makers[0];
    let text = d.embedding_text();
    assert!(text.starts_with("Practice owner (Owner / executive): Owner-operator. Titles: Practice Owner; Lead Dentist; DDS"), "{text}");
    assert_eq!(
        d.heuristic_text(),
        "Practice owner. Owner-operator. Practice Owner, Lead Dentist, DDS, Owner"
    );
}

#[test]
fn the_prompt_carries_the_offer_and_the_target() {
    let prompt = build_prompt(&agency(), "dentist", "Austin, TX");
    for part in [
        "Agency: Bright Local",
        "Services: Web design, Local SEO, Review management",
        "- MISSING_WEBSITE: no website",
        "- LOW_GOOGLE_RATING:",
        "Mobile-friendly websites live in 14 days",
        "Target vertical: dentist",
        "Target geography: Austin, TX",
    ] {
        assert!(prompt.contains(part), "{part} missing from:\n{prompt}");
    }
    assert!(!prompt.contains("NO_HTTPS"));
}

#[test]
fn the_target_falls_back_to_the_agencys_defaults() {
    let mut a = agency();
    a.target_vertical = Some("roofers".into());
    a.target_geography = Some("Denver, CO".into());
    assert_eq!(target(&a, " ", ""), ("roofers".into(), "Denver, CO".into()));
    assert_eq!(
        target(&a, "dentist", "Austin"),
        ("dentist".into(), "Austin".into())
    );
    assert_eq!(
        target(&agency(), "", ""),
        ("local business".into(), String::new())
    );
}

#[test]
fn the_persona_set_schema_is_accepted_by_strict_structured_outputs() {
    let schema = providers::llm::strict_schema::<PersonaSet>();
    let text = schema.to_string();
    assert!(text.contains("\"additionalProperties\":false"), "{text}");
    let contract = providers::llm::contract::Contract::of::<PersonaSet>().unwrap();
    // The rules' own answer passes the contract the providers' answers are held to.
    let set = rules(&agency(), "dentist", "Austin");
    let back: PersonaSet = contract
        .check_value(serde_json::to_value(&set).unwrap())
        .unwrap();
    assert_eq!(back, set);
}

#[test]
fn verticals_are_recognised_by_word_not_by_any_substring() {
    let label = |v: &str| vertical::Vertical::of(v).label;
    assert_eq!(label("Dentists"), "dental practice");
    assert_eq!(label("pediatric dentistry"), "dental practice");
    assert_eq!(
        label("car accident lawyers"),
        "law firm",
        "accident is no dentist"
    );
    assert_eq!(label("Family Law"), "law firm");
    assert_eq!(label("lawn care"), "lawn care business", "lawn is no law");
    assert_eq!(label("HVAC companies"), "hvac company");
    assert_eq!(label("glass repair"), "glass repair business");
    assert_eq!(label("bakeries"), "bakery business");
    let lawn = rules(&agency(), "lawn care", "Leeds");
    assert!(
        lawn.decision_makers[0]
            .titles
            .contains(&"Landscape Contractor".to_owned())
    );
}

#[test]
fn each_service_becomes_a_goal_matched_by_word() {
    let mut a = agency();
    a.services = vec![
        "Lead generation".into(),
        "Google Ads".into(),
        "E-mail newsletters".into(),
    ];
    let goals = &rules(&a, "dentist", "Austin").business[0].goals;
    assert!(
        goals.contains(&"Get Lead generation done well without running it themselves".to_owned()),
        "{goals:?}"
    );
    assert!(goals.iter().any(|g| g.contains("paid search")), "{goals:?}");
    assert!(
        goals.iter().any(|g| g.contains("regular e-mails")),
        "{goals:?}"
    );
}
