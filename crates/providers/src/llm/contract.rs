//! An output contract: the strict schema sent with a request, its compiled validator, and
//! the check every answer goes through before it is believed.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::OutputSchema;
use super::schema::{WRAPPER_PROPERTY, is_wrapped, make_strict, schema_name, strict_schema};

/// Errors beyond this many are summarised in a repair prompt: the model needs the gist.
const MAX_REPORTED_ERRORS: usize = 3;

/// A strict schema and its validator.
pub struct Contract {
    name: String,
    schema: Value,
    wrapped: bool,
    validator: jsonschema::Validator,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("name", &self.name)
            .field("wrapped", &self.wrapped)
            .finish_non_exhaustive()
    }
}

impl Contract {
    /// `T`'s contract, built once per type and process.
    pub fn of<T: JsonSchema + 'static>() -> Result<Arc<Self>, String> {
        static CACHE: OnceLock<Mutex<HashMap<TypeId, Arc<Contract>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Mutex::default);
        let key = TypeId::of::<T>();
        if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(Arc::clone(found));
        }
        let built = Arc::new(Self::from_strict(schema_name::<T>(), strict_schema::<T>())?);
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::clone(&built));
        Ok(built)
    }

    /// A contract for a hand-written schema, made strict first.
    pub fn new(name: &str, schema: Value) -> Result<Self, String> {
        Self::from_strict(super::schema::sanitize_name(name), make_strict(schema))
    }

    fn from_strict(name: String, schema: Value) -> Result<Self, String> {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .map_err(|e| format!("schema {name} does not compile: {e}"))?;
        Ok(Self {
            wrapped: is_wrapped(&schema),
            name,
            schema,
            validator,
        })
    }

    /// The schema's name as sent to providers.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The strict schema.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// What to put in [`super::LlmRequest::schema`].
    pub fn output_schema(&self) -> OutputSchema {
        OutputSchema {
            name: self.name.clone(),
            schema: self.schema.clone(),
        }
    }

    /// Parses an answer's text (tolerating a Markdown code fence around it), validates it
    /// against the schema and deserializes it. `Err` says what was wrong, for a repair
    /// prompt.
    pub fn check<T: DeserializeOwned>(&self, text: &str) -> Result<T, String> {
        let json = extract_json(text);
        if json.is_empty() {
            return Err("the answer was empty".to_owned());
        }
        let value: Value =
            serde_json::from_str(json).map_err(|e| format!("the answer is not valid JSON: {e}"))?;
        self.check_value(value)
    }

    /// [`Contract::check`] for an already parsed value (e.g. a rules answer, which is never
    /// wrapped).
    pub fn check_value<T: DeserializeOwned>(&self, value: Value) -> Result<T, String> {
        let value = if self.wrapped && value.get(WRAPPER_PROPERTY).is_none() {
            serde_json::json!({ WRAPPER_PROPERTY: value })
        } else {
            value
        };
        let errors: Vec<String> = self
            .validator
            .iter_errors(&value)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_owned() } else { at };
                format!("at {at}: {e}")
            })
            .collect();
        if !errors.is_empty() {
            let mut reason = format!(
                "the answer does not match the schema: {}",
                errors[..errors.len().min(MAX_REPORTED_ERRORS)].join("; ")
            );
            if errors.len() > MAX_REPORTED_ERRORS {
                reason.push_str(&format!(
                    " (and {} more)",
                    errors.len() - MAX_REPORTED_ERRORS
                ));
            }
            return Err(reason);
        }
        let value = match value {
            Value::Object(mut map) if self.wrapped => {
                map.remove(WRAPPER_PROPERTY).unwrap_or(Value::Null)
            }
            other => other,
        };
        serde_json::from_value(value).map_err(|e| format!("the answer does not fit the type: {e}"))
    }
}

/// The JSON inside an answer: trimmed, without a surrounding ```` ```json ```` fence (which
/// JSON-mode servers and smaller local models add).
pub fn extract_json(text: &str) -> &str {
    let trimmed = text.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Location {
        city: String,
        temperature: f64,
        units: Units,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Units {
        C,
        F,
    }

    #[test]
    fn a_valid_answer_is_deserialized_and_a_fenced_one_too() {
        let contract = Contract::of::<Location>().unwrap();
        let parsed: Location = contract
            .check(r#"{"city":"San Francisco","temperature":65,"units":"f"}"#)
            .unwrap();
        assert_eq!(parsed.units, Units::F);
        let fenced = "```json\n{\"city\":\"SF\",\"temperature\":63.0,\"units\":\"f\"}\n```";
        assert_eq!(contract.check::<Location>(fenced).unwrap().city, "SF");
    }

    #[test]
    fn invalid_answers_say_what_is_wrong() {
        let contract = Contract::of::<Location>().unwrap();
        let truncated = contract.check::<Location>("{\"").unwrap_err();
        assert!(
            truncated.starts_with("the answer is not valid JSON"),
            "{truncated}"
        );
        let wrong = contract
            .check::<Location>(r#"{"city":"SF","temperature":"warm","units":"k"}"#)
            .unwrap_err();
        assert!(wrong.contains("at /temperature"), "{wrong}");
        assert!(wrong.contains("at /units"), "{wrong}");
        assert_eq!(
            contract.check::<Location>("  ").unwrap_err(),
            "the answer was empty"
        );
    }

    #[test]
    fn wrapped_contracts_unwrap_answers_and_accept_bare_rules_values() {
        let contract = Contract::of::<Vec<String>>().unwrap();
        assert_eq!(
            contract.check::<Vec<String>>(r#"{"value":["a"]}"#).unwrap(),
            vec!["a".to_owned()]
        );
        assert_eq!(
            contract
                .check_value::<Vec<String>>(serde_json::json!(["b"]))
                .unwrap(),
            vec!["b".to_owned()]
        );
    }

    #[test]
    fn contracts_are_built_once_per_type() {
        let a = Contract::of::<Location>().unwrap();
        let b = Contract::of::<Location>().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
