//! A strict JSON Schema rewritten as Gemini's `responseSchema`: the OpenAPI 3.0 subset that
//! every Gemini model (2.0 Flash included) accepts.
//!
//! `$ref`s are inlined (the subset has none; recursion stops at [`MAX_DEPTH`]), `type:
//! [T, "null"]` and `anyOf: [T, null]` become `type: T, nullable: true`, type names are
//! upper-case as in Google's own samples, `const` becomes a one-value `enum`,
//! `additionalProperties` is dropped and `propertyOrdering` keeps the declared field order
//! (Gemini otherwise answers in alphabetical order).

use serde_json::{Map, Value, json};

use super::schema::resolve;

/// Nesting beyond which a (recursive) schema is cut to a string.
pub const MAX_DEPTH: usize = 24;

/// `strict` as a Gemini `responseSchema`.
pub fn to_openapi(strict: &Value) -> Value {
    let defs = strict
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    convert(strict, &defs, 0)
}

fn convert(node: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(map) = node.as_object() else {
        return json!({"type": "STRING"});
    };
    if depth > MAX_DEPTH {
        return json!({"type": "STRING", "description": "(nested too deeply)"});
    }
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let mut out = resolve(reference, defs)
            .map(|target| convert(target, defs, depth + 1))
            .unwrap_or_else(|| json!({"type": "STRING"}));
        if let Some(description) = map.get("description") {
            out["description"] = description.clone();
        }
        return out;
    }
    if let Some(variants) = map.get("anyOf").and_then(Value::as_array) {
        let nullable = variants.iter().any(is_null_schema);
        let rest: Vec<&Value> = variants.iter().filter(|v| !is_null_schema(v)).collect();
        let mut out = match rest.as_slice() {
            [only] => convert(only, defs, depth + 1),
            _ => {
                json!({ "anyOf": rest.iter().map(|v| convert(v, defs, depth + 1)).collect::<Vec<_>>() })
            }
        };
        if nullable {
            out["nullable"] = json!(true);
        }
        if let Some(description) = map.get("description") {
            out["description"] = description.clone();
        }
        return out;
    }
    let mut out = Map::new();
    let (types, nullable) = types_of(map);
    match types.as_slice() {
        [] => {}
        [only] => {
            out.insert("type".into(), json!(only.to_uppercase()));
        }
        many => {
            let mut branch = map.clone();
            let anyof: Vec<Value> = many
                .iter()
                .map(|t| {
                    branch.insert("type".into(), json!(t));
                    convert(&Value::Object(branch.clone()), defs, depth + 1)
                })
                .collect();
            out.insert("anyOf".into(), Value::Array(anyof));
        }
    }
    if nullable {
        out.insert("nullable".into(), json!(true));
    }
    if let Some(description) = map.get("description") {
        out.insert("description".into(), description.clone());
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        let values: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
        out.insert("enum".into(), Value::Array(values));
    } else if let Some(value) = map.get("const") {
        out.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Object(props)) = map.get("properties")
        && types.len() <= 1
    {
        let converted: Map<String, Value> = props
            .iter()
            .map(|(k, v)| (k.clone(), convert(v, defs, depth + 1)))
            .collect();
        if !converted.is_empty() {
            let order: Vec<Value> = map
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            out.insert("properties".into(), Value::Object(converted));
            out.insert("required".into(), Value::Array(order.clone()));
            out.insert("propertyOrdering".into(), Value::Array(order));
        }
    }
    if let Some(items) = map.get("items")
        && types.len() <= 1
    {
        out.insert("items".into(), convert(items, defs, depth + 1));
    }
    Value::Object(out)
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("null"))
}

/// The non-null types a node declares, and whether null is allowed.
fn types_of(map: &Map<String, Value>) -> (Vec<String>, bool) {
    let declared: Vec<String> = match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let nullable = declared.iter().any(|t| t == "null")
        || map
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|vs| vs.iter().any(Value::is_null));
    (
        declared.into_iter().filter(|t| t != "null").collect(),
        nullable,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_inlined_and_nulls_become_nullable() {
        let strict = json!({
            "type": "object",
            "properties": {
                "owner": {"anyOf": [{"$ref": "#/$defs/Person"}, {"type": "null"}]},
                "site": {"type": ["string", "null"], "description": "Home page"},
                "tier": {"type": "string", "enum": ["low", "high"]},
                "kind": {"type": "string", "const": "clinic"}
            },
            "required": ["site", "owner", "tier", "kind"],
            "additionalProperties": false,
            "$defs": {"Person": {"type": "object", "properties": {"name": {"type": "string"}},
                "required": ["name"], "additionalProperties": false}}
        });
        let gemini = to_openapi(&strict);
        assert_eq!(gemini["type"], "OBJECT");
        assert_eq!(
            gemini["propertyOrdering"],
            json!(["site", "owner", "tier", "kind"])
        );
        assert_eq!(
            gemini["properties"]["owner"],
            json!({"type": "OBJECT", "nullable": true, "properties": {"name": {"type": "STRING"}},
                   "required": ["name"], "propertyOrdering": ["name"]})
        );
        assert_eq!(
            gemini["properties"]["site"],
            json!({"type": "STRING", "nullable": true, "description": "Home page"})
        );
        assert_eq!(gemini["properties"]["kind"]["enum"], json!(["clinic"]));
        assert!(!gemini.to_string().contains("additionalProperties"));
        assert!(!gemini.to_string().contains("$ref"));
    }

    #[test]
    fn recursive_schemas_are_cut_rather_than_looping() {
        let strict = json!({
            "type": "object",
            "properties": {"child": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
            "required": ["child"], "additionalProperties": false,
            "$defs": {"Node": {"type": "object", "properties": {"child": {"anyOf": [
                {"$ref": "#/$defs/Node"}, {"type": "null"}]}}, "required": ["child"],
                "additionalProperties": false}}
        });
        let text = to_openapi(&strict).to_string();
        assert!(text.contains("nested too deeply"));
    }
}
