#![allow(clippy::unwrap_used, reason = "tests")]
#![allow(dead_code, reason = "the types exist for their schemas")]

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::*;

/// A lead dossier.
#[derive(Deserialize, JsonSchema)]
struct Dossier {
    /// One paragraph.
    summary: String,
    gaps: Vec<Gap>,
    score: u32,
    website: Option<String>,
    owner: Option<Person>,
    tier: Tier,
    maybe_tier: Option<Tier>,
    #[serde(default)]
    tags: Vec<String>,
    channel: Channel,
    pair: (u8, String),
    extra: HashMap<String, u8>,
    #[serde(flatten)]
    audit: Audit,
}

#[derive(Deserialize, JsonSchema)]
struct Gap {
    key: String,
    severity: Option<u8>,
}

#[derive(Deserialize, JsonSchema)]
struct Person {
    name: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Tier {
    Low,
    High,
}

#[derive(Deserialize, JsonSchema)]
enum Channel {
    /// By e-mail.
    Email,
    /// By phone.
    Phone,
}

#[derive(Deserialize, JsonSchema)]
struct Audit {
    audited_pages: u32,
}

/// What OpenAI's strict mode accepts, as its documentation states it; returns every breach.
pub(crate) fn openai_strict_breaches(schema: &Value) -> Vec<String> {
    let mut breaches = Vec::new();
    if schema.get("type") != Some(&json!("object")) || schema.get("anyOf").is_some() {
        breaches.push("root must be a plain object".to_owned());
    }
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    check_node(schema, &defs, "#", true, &mut breaches);
    for (name, def) in &defs {
        check_node(def, &defs, &format!("#/$defs/{name}"), false, &mut breaches);
    }
    breaches
}

fn check_node(
    node: &Value,
    defs: &Map<String, Value>,
    at: &str,
    root: bool,
    out: &mut Vec<String>,
) {
    let Some(map) = node.as_object() else {
        out.push(format!("{at}: not an object schema"));
        return;
    };
    for key in map.keys() {
        let allowed = KEPT.contains(&key.as_str()) || (root && key == "$defs");
        if !allowed {
            out.push(format!("{at}: keyword `{key}` not supported"));
        }
    }
    if let Some(reference) = map.get("$ref").and_then(Value::as_str)
        && resolve(reference, defs).is_none()
    {
        out.push(format!("{at}: dangling $ref {reference}"));
    }
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        let required: Vec<&str> = map["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for key in props.keys() {
            if !required.contains(&key.as_str()) {
                out.push(format!("{at}: property {key} not required"));
            }
        }
        if map.get("additionalProperties") != Some(&Value::Bool(false)) {
            out.push(format!("{at}: additionalProperties must be false"));
        }
        for (key, prop) in props {
            check_node(prop, defs, &format!("{at}/properties/{key}"), false, out);
        }
    }
    if let Some(items) = map.get("items") {
        check_node(items, defs, &format!("{at}/items"), false, out);
    }
    for (i, variant) in map
        .get("anyOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        check_node(variant, defs, &format!("{at}/anyOf/{i}"), false, out);
    }
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .unwrap()
}

fn good_dossier() -> Value {
    json!({
        "summary": "A dental practice.", "gaps": [{"key": "no_https", "severity": null}],
        "score": 7, "website": null, "owner": {"name": "Ann"}, "tier": "high",
        "maybe_tier": null, "tags": [], "channel": "Email", "pair": [1, "x"], "extra": {},
        "audited_pages": 4
    })
}

#[test]
fn a_schemars_schema_becomes_openai_strict() {
    let schema = strict_schema::<Dossier>();
    assert_eq!(openai_strict_breaches(&schema), Vec::<String>::new());
    assert!(!is_wrapped(&schema));
    let text = schema.to_string();
    for gone in [
        "format",
        "minimum",
        "default",
        "$schema",
        "oneOf",
        "prefixItems",
    ] {
        assert!(
            !text.contains(&format!("\"{gone}\"")),
            "{gone} left in {text}"
        );
    }
}

#[test]
fn optional_fields_are_required_but_nullable() {
    let schema = strict_schema::<Dossier>();
    let props = &schema["properties"];
    assert_eq!(props["website"]["type"], json!(["string", "null"]));
    assert_eq!(
        props["owner"]["anyOf"],
        json!([{"$ref": "#/$defs/Person"}, {"type": "null"}])
    );
    assert_eq!(
        props["maybe_tier"]["anyOf"][1],
        json!({"type": "null"}),
        "optional enums stay nullable"
    );
    assert_eq!(
        schema["$defs"]["Gap"]["required"],
        json!(["key", "severity"])
    );
    // A defaulted list is required and not nullable: null would not deserialize.
    assert_eq!(
        props["tags"],
        json!({"type": "array", "items": {"type": "string"}})
    );
}

#[test]
fn tuples_maps_documented_enums_and_flattened_structs_have_strict_forms() {
    let schema = strict_schema::<Dossier>();
    let props = &schema["properties"];
    assert_eq!(
        props["pair"]["items"]["anyOf"],
        json!([{"type": "integer"}, {"type": "string"}])
    );
    assert_eq!(
        props["extra"],
        json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false})
    );
    assert_eq!(
        schema["$defs"]["Channel"]["anyOf"][0],
        json!({"description": "By e-mail.", "type": "string", "const": "Email"})
    );
    assert_eq!(props["audited_pages"]["type"], "integer");
}

#[test]
fn the_strict_schema_accepts_a_full_answer_and_rejects_gaps_and_extras() {
    let validator = validator(&strict_schema::<Dossier>());
    let good = good_dossier();
    assert!(validator.is_valid(&good));
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("website");
    assert!(!validator.is_valid(&missing));
    let mut extra = good.clone();
    extra["invented"] = json!(true);
    assert!(!validator.is_valid(&extra));
    let mut wrong_enum = good;
    wrong_enum["tier"] = json!("medium");
    assert!(!validator.is_valid(&wrong_enum));
}

#[test]
fn a_list_root_is_wrapped_in_an_object() {
    let schema = strict_schema::<Vec<Gap>>();
    assert!(is_wrapped(&schema));
    assert_eq!(openai_strict_breaches(&schema), Vec::<String>::new());
    assert_eq!(schema["properties"]["value"]["type"], "array");
    assert!(validator(&schema).is_valid(&json!({"value": [{"key": "k", "severity": 2}]})));
    assert!(is_wrapped(&strict_schema::<Tier>()));
}

#[test]
fn a_hand_written_schema_is_made_strict_too() {
    let schema = make_strict(json!({
        "type": "object",
        "properties": {"a": {"type": "string", "minLength": 3}, "b": {"type": "object",
            "properties": {"c": {"type": "number"}}}},
        "required": ["a"]
    }));
    assert_eq!(openai_strict_breaches(&schema), Vec::<String>::new());
    assert_eq!(schema["required"], json!(["a", "b"]));
}

#[test]
fn schema_names_are_sanitised() {
    assert_eq!(schema_name::<Dossier>(), "Dossier");
    assert_eq!(schema_name::<Vec<Gap>>(), "Array_of_Gap");
    assert_eq!(sanitize_name("a b/c"), "a_b_c");
    assert_eq!(sanitize_name(""), "output");
    assert_eq!(sanitize_name(&"x".repeat(100)).len(), 64);
}
