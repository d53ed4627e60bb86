//! JSON Schemas from Rust types, made acceptable to OpenAI's strict structured outputs.
//!
//! schemars 1.x writes 2020-12 schemas that strict mode rejects: `Option` fields are left out
//! of `required`, `format`/`minimum`/`default` are emitted, documented enums become `oneOf`.
//! [`make_strict`] rewrites any schema into the subset strict mode accepts:
//!
//! - every object lists all its properties in `required` and has `additionalProperties:
//!   false` (maps therefore cannot be expressed: use a list of pairs);
//! - nullability comes from the type: `Option<T>` is already `type: [T, "null"]` or
//!   `anyOf: [T, {type: null}]` in schemars' output and stays so; a non-`Option` field with
//!   `#[serde(default)]` becomes required without null (as openai-python does), because a
//!   `null` there would not deserialize;
//! - only `type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`,
//!   `anyOf`, `$ref`, `$defs` and `description` survive; `oneOf` becomes `anyOf`, a one-branch
//!   `allOf` is merged, tuples (`prefixItems`) become arrays of `anyOf` their item types;
//! - `$ref`s stay `#/$defs/...` references with the definitions at the root;
//! - a root that is not a plain object (a list, an enum) is wrapped as `{"value": …}`:
//!   [`is_wrapped`] says so, and [`crate::llm::chain`] unwraps answers transparently.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// Keywords strict mode accepts (plus `$defs`, handled at the root).
const KEPT: [&str; 10] = [
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "anyOf",
    "$ref",
    "description",
];

/// The property a non-object root is wrapped in.
pub const WRAPPER_PROPERTY: &str = "value";

/// `T`'s schema in OpenAI strict form (see the module docs).
pub fn strict_schema<T: JsonSchema>() -> Value {
    let schema = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<T>();
    make_strict(schema.to_value())
}

/// A name for `T`'s schema as OpenAI accepts it: `[A-Za-z0-9_-]{1,64}`.
pub fn schema_name<T: JsonSchema>() -> String {
    sanitize_name(&T::schema_name())
}

/// `name` with every character outside `[A-Za-z0-9_-]` replaced, cut to 64 characters.
pub fn sanitize_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if clean.is_empty() {
        "output".to_owned()
    } else {
        clean
    }
}

/// Rewrites any JSON Schema into OpenAI's strict subset (see the module docs).
pub fn make_strict(schema: Value) -> Value {
    let Value::Object(mut root) = schema else {
        return wrap(Value::Object(Map::new()), Map::new());
    };
    let mut defs = match root.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    if let Some(Value::Object(legacy)) = root.remove("definitions") {
        defs.extend(legacy);
    }
    let lookup = defs.clone();
    for def in defs.values_mut() {
        strictify(def, &lookup);
    }
    let mut body = Value::Object(root);
    strictify(&mut body, &lookup);
    if is_plain_object(&body) {
        if let Value::Object(map) = &mut body
            && !defs.is_empty()
        {
            map.insert("$defs".into(), Value::Object(defs));
        }
        body
    } else {
        wrap(body, defs)
    }
}

/// Whether a strict schema wraps a non-object root in `{"value": …}`.
pub fn is_wrapped(schema: &Value) -> bool {
    schema.get("description").and_then(Value::as_str) == Some(WRAPPED_NOTE)
        && schema.get("required") == Some(&json!([WRAPPER_PROPERTY]))
}

const WRAPPED_NOTE: &str = "The answer, in `value`.";

fn wrap(inner: Value, defs: Map<String, Value>) -> Value {
    let mut wrapper = json!({
        "type": "object",
        "description": WRAPPED_NOTE,
        "properties": { WRAPPER_PROPERTY: inner },
        "required": [WRAPPER_PROPERTY],
        "additionalProperties": false,
    });
    if !defs.is_empty() {
        wrapper["$defs"] = Value::Object(defs);
    }
    wrapper
}

fn is_plain_object(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("object")) && schema.get("anyOf").is_none()
}

fn strictify(node: &mut Value, defs: &Map<String, Value>) {
    let Value::Object(map) = node else {
        // `true` (anything) has no strict form; a string is the most useful stand-in.
        if *node == Value::Bool(true) {
            *node = json!({"type": "string"});
        }
        return;
    };
    merge_all_of(map, defs);
    if let Some(one_of) = map.remove("oneOf") {
        map.entry("anyOf").or_insert(one_of);
    }
    if let Some(Value::Array(tuple)) = map.remove("prefixItems")
        && !map.contains_key("items")
    {
        let mut variants: Vec<Value> = Vec::new();
        for item in tuple {
            if !variants.contains(&item) {
                variants.push(item);
            }
        }
        let items = match variants.len() {
            1 => variants.remove(0),
            _ => json!({ "anyOf": variants }),
        };
        map.insert("items".into(), items);
    }
    map.retain(|key, _| KEPT.contains(&key.as_str()));
    if map.contains_key("$ref") {
        map.retain(|key, _| key == "$ref" || key == "description");
        return;
    }
    if is_object_type(map) {
        let mut properties = match map.remove("properties") {
            Some(Value::Object(p)) => p,
            _ => Map::new(),
        };
        for property in properties.values_mut() {
            strictify(property, defs);
        }
        let mut required: Vec<Value> = match map.remove("required") {
            Some(Value::Array(r)) => r,
            _ => Vec::new(),
        };
        required.retain(|r| r.as_str().is_some_and(|k| properties.contains_key(k)));
        for key in properties.keys() {
            if !required.iter().any(|r| r.as_str() == Some(key)) {
                required.push(Value::String(key.clone()));
            }
        }
        map.insert("properties".into(), Value::Object(properties));
        map.insert("required".into(), Value::Array(required));
        map.insert("additionalProperties".into(), Value::Bool(false));
    } else {
        map.remove("properties");
        map.remove("required");
        map.remove("additionalProperties");
    }
    if let Some(items) = map.get_mut("items") {
        strictify(items, defs);
    }
    if let Some(Value::Array(variants)) = map.get_mut("anyOf") {
        for variant in variants {
            strictify(variant, defs);
        }
    }
}

fn is_object_type(map: &Map<String, Value>) -> bool {
    match map.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
        _ => map.contains_key("properties"),
    }
}

/// Folds `allOf` branches (inline objects, or `$ref`s to objects) into `map`: schemars
/// emits them for flattened structs.
fn merge_all_of(map: &mut Map<String, Value>, defs: &Map<String, Value>) {
    let Some(Value::Array(branches)) = map.remove("allOf") else {
        return;
    };
    if branches.len() == 1 && map.get("type").is_none() && map.get("properties").is_none() {
        if let Some(Value::Object(only)) = branches.into_iter().next() {
            for (key, value) in only {
                map.entry(key).or_insert(value);
            }
        }
        return;
    }
    for branch in branches {
        let resolved = match branch.get("$ref").and_then(Value::as_str) {
            Some(reference) => resolve(reference, defs).cloned().unwrap_or(Value::Null),
            None => branch,
        };
        let Value::Object(branch) = resolved else {
            continue;
        };
        if let Some(Value::Object(props)) = branch.get("properties") {
            let target = map
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(target) = target {
                target.extend(props.clone());
            }
        }
        if let Some(Value::Array(req)) = branch.get("required") {
            let target = map
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(target) = target {
                target.extend(req.iter().cloned());
            }
        }
        map.entry("type").or_insert_with(|| json!("object"));
    }
}

/// The definition a local `#/$defs/Name` (or `#/definitions/Name`) reference points at.
pub fn resolve<'a>(reference: &str, defs: &'a Map<String, Value>) -> Option<&'a Value> {
    let name = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    defs.get(name)
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
