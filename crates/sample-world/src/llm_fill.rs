//! The sample world's language model: deterministic, schema-valid answers built from the
//! prompt itself, and hashed embeddings. It is a stand-in that speaks the real formats, not a
//! model: strings come from the prompt's own lines, URLs and bracketed ids, so a grounded
//! answer (a `source_url` that was in the prompt, an `approved_claim_id` that was offered)
//! comes back grounded.

use serde_json::{Map, Value, json};

/// What the prompt offers to fill strings with.
#[derive(Debug, Default)]
pub struct PromptMaterial {
    lines: Vec<String>,
    urls: Vec<String>,
    ids: Vec<String>,
}

impl PromptMaterial {
    /// Collects sentences, URLs and `[bracketed-ids]` from the prompt text.
    pub fn from_prompt(text: &str) -> Self {
        let mut m = Self::default();
        for raw in text.lines() {
            let line = raw.trim().trim_start_matches(['-', '*', '#', ' ']).trim();
            for word in line.split_whitespace() {
                let w = word.trim_matches(|c: char| "()<>,;\"'".contains(c));
                if (w.starts_with("http://") || w.starts_with("https://"))
                    && !m.urls.iter().any(|u| u == w)
                {
                    m.urls.push(w.trim_end_matches(['.', ')']).to_owned());
                }
            }
            let mut rest = line;
            while let Some(open) = rest.find('[') {
                let Some(close) = rest[open..].find(']') else {
                    break;
                };
                let id = &rest[open + 1..open + close];
                if !id.is_empty()
                    && id.len() <= 64
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && !m.ids.iter().any(|x| x == id)
                {
                    m.ids.push(id.to_owned());
                }
                rest = &rest[open + close..];
            }
            if line.split_whitespace().count() >= 4 {
                m.lines.push(line.chars().take(220).collect());
            }
        }
        m
    }
}

/// A deterministic instance of `schema` (JSON Schema as OpenAI strict mode uses it).
pub fn instance(schema: &Value, material: &PromptMaterial) -> Value {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut filler = Filler {
        defs,
        material,
        counter: 0,
    };
    filler.fill(schema, "root", 0)
}

struct Filler<'a> {
    defs: Value,
    material: &'a PromptMaterial,
    counter: usize,
}

impl Filler<'_> {
    fn fill(&mut self, schema: &Value, name: &str, depth: usize) -> Value {
        if depth > 12 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let key = r.rsplit('/').next().unwrap_or("");
            let target = self.defs.get(key).cloned().unwrap_or(Value::Null);
            return self.fill(&target, name, depth + 1);
        }
        for alt in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(alt).and_then(Value::as_array) {
                let pick = options
                    .iter()
                    .find(|o| o.get("type") != Some(&json!("null")))
                    .or(options.first());
                return pick.map_or(Value::Null, |o| self.fill(o, name, depth + 1));
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            self.counter += 1;
            return values
                .get(self.counter % values.len().max(1))
                .cloned()
                .unwrap_or(Value::Null);
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_owned(),
            _ if schema.get("properties").is_some() => "object".into(),
            _ => "string".into(),
        };
        match ty.as_str() {
            "object" => {
                let mut out = Map::new();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (k, v) in props {
                        out.insert(k.clone(), self.fill(v, k, depth + 1));
                    }
                }
                Value::Object(out)
            }
            "array" => {
                let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let max = schema.get("maxItems").and_then(Value::as_u64).unwrap_or(3);
                let n = 3_u64.clamp(min, max.max(min));
                let items = schema
                    .get("items")
                    .cloned()
                    .unwrap_or(json!({"type": "string"}));
                Value::Array((0..n).map(|_| self.fill(&items, name, depth + 1)).collect())
            }
            "integer" => json!(self.number(schema).round() as i64),
            "number" => json!(self.number(schema)),
            "boolean" => {
                self.counter += 1;
                json!(self.counter.is_multiple_of(2))
            }
            "null" => Value::Null,
            _ => json!(self.string(name)),
        }
    }

    fn number(&mut self, schema: &Value) -> f64 {
        self.counter += 1;
        let lo = schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
        let hi = schema
            .get("maximum")
            .and_then(Value::as_f64)
            .unwrap_or(lo + 100.0);
        lo + (hi - lo) * ((self.counter * 37 % 100) as f64 / 100.0)
    }

    fn string(&mut self, name: &str) -> String {
        self.counter += 1;
        let n = self.counter;
        let lower = name.to_ascii_lowercase();
        let pick = |v: &[String]| v.get(n % v.len().max(1)).cloned();
        if (lower.ends_with("url") || lower == "source")
            && let Some(u) = pick(&self.material.urls)
        {
            return u;
        }
        if (lower.ends_with("_id") || lower == "id")
            && let Some(id) = pick(&self.material.ids)
        {
            return id;
        }
        pick(&self.material.lines).unwrap_or_else(|| format!("{} {n}", name.replace('_', " ")))
    }
}

/// A deterministic, L2-normalised embedding of `text` in `dims` dimensions (feature hashing of
/// words), so similar texts land near each other.
pub fn embedding(text: &str, dims: usize) -> Vec<f32> {
    let dims = dims.max(1);
    let mut v = vec![0.0_f32; dims];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let h = fnv1a(&word.to_lowercase());
        let idx = usize::try_from(h % dims as u64).unwrap_or(0);
        v[idx] += if h & (1 << 63) == 0 { 1.0 } else { -1.0 };
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut v {
            *x /= norm;
        }
    }
    v
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A rough token count (four characters a token), as usage reports need.
pub fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4).max(1)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn embeddings_are_normalised_and_closer_for_closer_texts() {
        let a = embedding("family dental practice owner", 64);
        let b = embedding("dental practice owner", 64);
        let c = embedding("roofing contractor storm repair", 64);
        let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
        assert!(dot(&a, &b) > dot(&a, &c));
    }
}
