#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use serde_json::json;

use super::*;

#[test]
fn answers_fill_every_required_field_and_reuse_the_prompts_urls_and_ids() {
    let prompt = "Pages:\n- https://acme.example/about About us page here\nClaims:\n- [fast-sites] We build sites in 14 days";
    let m = PromptMaterial::from_prompt(prompt);
    let schema = json!({
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "talking_points": {"type": "array", "items": {"$ref": "#/$defs/Tp"}},
            "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 10},
            "kind": {"type": "string", "enum": ["a", "b"]}
        },
        "required": ["summary", "talking_points", "score", "kind"],
        "additionalProperties": false,
        "$defs": {"Tp": {"type": "object", "properties": {
            "text": {"type": "string"}, "approved_claim_id": {"type": "string"}, "source_url": {"type": "string"}
        }}}
    });
    let v = instance(&schema, &m);
    assert!(v["summary"].is_string());
    let tp = &v["talking_points"][0];
    assert_eq!(tp["approved_claim_id"], "fast-sites");
    assert_eq!(tp["source_url"], "https://acme.example/about");
    assert!(v["score"].as_i64().is_some_and(|s| (0..=10).contains(&s)));
    assert!(["a", "b"].contains(&v["kind"].as_str().unwrap_or("")));
    assert_eq!(instance(&schema, &m), v, "deterministic");
}

/// The personas prompt as `pipeline::personas::build_prompt` writes it (user part only).
const PERSONAS_PROMPT: &str = "Agency: Demo Agency (sample world)
Services: Websites for local businesses, Local SEO, Review management
Problems the agency fixes (lead qualification criteria):
- MISSING_WEBSITE: no website
- WEAK_WEB_PRESENCE: only a social or directory page instead of a website
- LOW_GOOGLE_RATING: Google rating under 4 stars
- NO_HTTPS: website not served securely (no https)
Claims the agency may make:
- We launch mobile-friendly websites in 14 days

Target vertical: dentist
Target geography: Austin, TX

Write the personas for this campaign. business: 3 to 5 distinct kinds of business in the \
target vertical and geography. Every persona has a short unique name; every list holds 2 to 6 \
short items.";

fn persona_schema() -> Value {
    let list = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "type": "object",
        "properties": {
            "business": {"type": "array", "items": {"$ref": "#/$defs/BusinessPersona"}},
            "decision_makers": {"type": "array", "items": {"$ref": "#/$defs/DecisionMakerPersona"}}
        },
        "$defs": {
            "BusinessPersona": {"type": "object", "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "firmographics": {"$ref": "#/$defs/Firmographics"},
                "goals": list, "pains": list, "buying_triggers": list, "objections": list,
                "how_to_reach": list
            }},
            "Firmographics": {"type": "object", "properties": {
                "business_size": {"type": "string"}, "employee_range": {"type": "string"},
                "revenue_range": {"type": "string"}, "locations": {"type": "string"},
                "web_maturity": {"type": "string"}
            }},
            "DecisionMakerPersona": {"type": "object", "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "role": {"type": "string"}, "seniority": {"type": "string"},
                "titles": list, "goals": list, "pains": list, "buying_triggers": list,
                "objections": list, "how_to_reach": list
            }}
        }
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

#[test]
fn persona_names_are_short_distinct_and_composed_from_the_target() {
    let v = instance(
        &persona_schema(),
        &PromptMaterial::from_prompt(PERSONAS_PROMPT),
    );
    for kind in ["business", "decision_makers"] {
        let names: Vec<String> = v[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names.len(), 3);
        let distinct: std::collections::HashSet<String> =
            names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        for n in &names {
            assert!((2..=6).contains(&words(n)), "{n:?}");
            assert!(!n.contains(':') && !n.contains('['), "{n:?}");
        }
    }
    assert_eq!(v["business"][0]["name"], "Independent dentist practice");
    assert_eq!(v["business"][1]["name"], "Growing dentist practice");
    assert_eq!(v["decision_makers"][0]["name"], "Dentist practice owner");
    assert_eq!(v["decision_makers"][1]["name"], "Office manager");
    let f = &v["business"][0]["firmographics"];
    assert_eq!(f["locations"], "Single location in Austin, TX");
    for key in [
        "business_size",
        "employee_range",
        "revenue_range",
        "web_maturity",
    ] {
        let s = f[key].as_str().unwrap();
        assert!((1..=6).contains(&words(s)), "{key}: {s:?}");
    }
    assert_eq!(
        instance(
            &persona_schema(),
            &PromptMaterial::from_prompt(PERSONAS_PROMPT)
        ),
        v,
        "deterministic"
    );
}

#[test]
fn decision_makers_get_job_titles_and_every_list_short_distinct_items() {
    let v = instance(
        &persona_schema(),
        &PromptMaterial::from_prompt(PERSONAS_PROMPT),
    );
    let owner = &v["decision_makers"][0];
    assert_eq!(
        strings(&owner["titles"]),
        ["Owner", "Practice Owner", "Founder"]
    );
    assert_eq!(owner["role"], "Practice owner");
    assert_eq!(owner["seniority"], "Owner / executive");
    let manager = strings(&v["decision_makers"][1]["titles"]);
    assert!(
        manager.contains(&"Office Manager".to_owned()),
        "{manager:?}"
    );
    let persons = v["decision_makers"].as_array().unwrap();
    let kinds = v["business"].as_array().unwrap();
    for p in persons.iter().chain(kinds) {
        for key in [
            "goals",
            "pains",
            "buying_triggers",
            "objections",
            "how_to_reach",
        ] {
            let list = strings(&p[key]);
            let distinct: std::collections::HashSet<&String> = list.iter().collect();
            assert_eq!(distinct.len(), list.len(), "{key}: {list:?}");
            for item in &list {
                assert!(words(item) <= 14, "{key}: {item:?}");
                assert!(
                    !item.contains('_') && !item.contains(':'),
                    "{key}: {item:?}"
                );
            }
        }
    }
    // The `- SIGNAL: words` lines give the pains their words.
    let pains = strings(&kinds[0]["pains"]);
    assert!(pains.iter().all(|p| {
        [
            "No website",
            "Only a social or directory page instead of a website",
            "Google rating under 4 stars",
            "Website not served securely",
        ]
        .contains(&p.as_str())
    }));
}

#[test]
fn no_string_is_taken_from_outside_the_material_given() {
    // What the API hands over is the user's text only; the system prompt is not material.
    let system = "You are a B2B marketing strategist. You write concise, concrete buyer personas.";
    let v = instance(
        &persona_schema(),
        &PromptMaterial::from_prompt(PERSONAS_PROMPT),
    );
    let text = v.to_string();
    assert!(
        !text.contains("strategist") && !text.contains(system),
        "{text}"
    );
    assert!(!text.contains("Demo Agency (sample world)"), "{text}");
}

#[test]
fn labels_without_a_target_are_short_phrases_of_the_prompts_items() {
    let prompt = "Lead (Google listing):\n- Name: Acme Dental\n- City: Austin\n\
                  Talking points (cite by id):\n- [tp-1] Your site loads slowly on phones (claim: [fast-sites]; source: https://acme.example/)";
    let m = PromptMaterial::from_prompt(prompt);
    let schema = json!({"type": "object", "properties": {
        "subject": {"type": "string"}, "talking_point_ids": {"type": "array", "items": {"type": "string"}}
    }});
    let v = instance(&schema, &m);
    let subject = v["subject"].as_str().unwrap();
    assert!((1..=6).contains(&words(subject)), "{subject:?}");
    assert!(
        !subject.contains("tp-1") && !subject.contains("http"),
        "{subject:?}"
    );
}

#[test]
fn embeddings_are_normalised_and_closer_for_closer_texts() {
    let a = embedding("family dental practice owner", 64);
    let b = embedding("dental practice owner", 64);
    let c = embedding("roofing contractor storm repair", 64);
    let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
    assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
    assert!(dot(&a, &b) > dot(&a, &c));
}
