//! The sample world's language model: deterministic, schema-valid answers built from the
//! prompt itself, and hashed embeddings. It is a stand-in that speaks the real formats, not a
//! model: strings come from the prompt's own lines, URLs, bracketed ids and list items, so a
//! grounded answer (a `source_url` that was in the prompt, an `approved_claim_id` that was
//! offered) comes back grounded.
//!
//! Only the user's part of a request is material (see [`crate::api::openai`]): the system
//! prompt says how to write, not what about. Long text fields take whole prompt lines; short
//! label fields (`name`, `role`, `title`, …) and list items are composed in [`labels`] from the
//! prompt's target (`Target vertical:`, `Target geography:`) and list items, so they read like
//! labels rather than copied lines.

mod labels;
mod personas;

use serde_json::{Map, Value, json};

/// What the prompt offers to fill strings with.
#[derive(Debug, Default)]
pub struct PromptMaterial {
    lines: Vec<String>,
    urls: Vec<String>,
    ids: Vec<String>,
    /// Short list items, in prompt order: `- KEY: words` gives `words`, `- words` gives
    /// `words`, `Key: a, b, c` gives `a`, `b` and `c`; ids, links and asides removed.
    items: Vec<String>,
    /// The items of `- KEY: words` lines: the problems, facts and gaps a prompt lists.
    problems: Vec<String>,
    /// The other items: `Key: a, b, c` lists (services) and plain bullets (claims).
    offers: Vec<String>,
    /// The `Target vertical:` value, e.g. "dentist".
    vertical: Option<String>,
    /// The `Target geography:` value, e.g. "Austin, TX".
    geography: Option<String>,
}

impl PromptMaterial {
    /// Collects sentences, URLs, `[bracketed-ids]`, list items and the target from the prompt
    /// text.
    pub fn from_prompt(text: &str) -> Self {
        let mut m = Self::default();
        for raw in text.lines() {
            let trimmed = raw.trim();
            let bullet = ["- ", "* ", "• "].iter().any(|b| trimmed.starts_with(b));
            let line = trimmed.trim_start_matches(['-', '*', '#', ' ']).trim();
            for word in line.split_whitespace() {
                let w = word.trim_matches(|c: char| "()<>,;\"'".contains(c));
                if is_link(w) && !m.urls.iter().any(|u| u == w) {
                    m.urls.push(w.trim_end_matches(['.', ')']).to_owned());
                }
            }
            m.collect_ids(line);
            if bullet {
                m.collect_bullet(line.trim_start_matches(['•', ' ']));
            } else {
                m.collect_fact(line);
            }
            if line.split_whitespace().count() >= 4 {
                m.lines.push(line.chars().take(220).collect());
            }
        }
        m
    }

    fn collect_ids(&mut self, line: &str) {
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
                && !self.ids.iter().any(|x| x == id)
            {
                self.ids.push(id.to_owned());
            }
            rest = &rest[open + close..];
        }
    }

    /// `- KEY: words` (a problem or fact) or `- words`.
    fn collect_bullet(&mut self, line: &str) {
        match key_value(line) {
            Some((_, value)) => {
                if let Some(item) = clean_item(value) {
                    push_new(&mut self.problems, &item);
                    push_new(&mut self.items, &item);
                }
            }
            None => {
                if let Some(item) = clean_item(line) {
                    push_new(&mut self.offers, &item);
                    push_new(&mut self.items, &item);
                }
            }
        }
    }

    /// `Target vertical: x`, `Target geography: y`, or `Key: a, b, c`.
    fn collect_fact(&mut self, line: &str) {
        let Some((key, value)) = key_value(line) else {
            return;
        };
        let value = value.trim().trim_end_matches('.');
        match key.to_ascii_lowercase().as_str() {
            "target vertical" | "vertical" => self.vertical = clean_item(value),
            "target geography" | "geography" => {
                self.geography = clean_item(value).filter(|g| g != "not specified");
            }
            _ => {
                let parts: Vec<Option<String>> = value.split(", ").map(clean_item).collect();
                let listed = parts.len() >= 2
                    && parts.iter().all(|p| {
                        p.as_ref().is_some_and(|p| {
                            p.chars().count() > 2 && p.split_whitespace().count() <= 6
                        })
                    });
                if listed {
                    for part in parts.into_iter().flatten() {
                        push_new(&mut self.offers, &part);
                        push_new(&mut self.items, &part);
                    }
                }
            }
        }
    }
}

fn is_link(word: &str) -> bool {
    word.starts_with("http://") || word.starts_with("https://")
}

fn push_new(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x.eq_ignore_ascii_case(item)) {
        list.push(item.to_owned());
    }
}

/// `Key: value` with a key of one to three words (so a sentence with a colon is not one).
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(": ")?;
    let key = key.trim();
    let words = key.split_whitespace().count();
    ((1..=3).contains(&words) && !key.contains("://") && !value.trim().is_empty())
        .then_some((key, value.trim()))
}

/// `text` as a list item: `[ids]`, `(asides)`, links and e-mail addresses removed; `None`
/// when nothing worded is left, when it is a placeholder, or when it is too long to be an
/// item (a sentence stays a line).
fn clean_item(text: &str) -> Option<String> {
    let (mut square, mut round) = (0_u32, 0_u32);
    let mut kept = String::new();
    for c in text.chars() {
        match c {
            '[' => square += 1,
            ']' => square = square.saturating_sub(1),
            '(' => round += 1,
            ')' => round = round.saturating_sub(1),
            _ if square == 0 && round == 0 => kept.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = kept
        .split_whitespace()
        .filter(|w| !is_link(w) && !w.contains('@'))
        .collect();
    let item = words
        .join(" ")
        .trim_matches(|c: char| c.is_whitespace() || ",;:.—–-".contains(c))
        .to_owned();
    let worded = item.chars().any(char::is_alphabetic);
    (worded && words.len() <= 14 && !item.eq_ignore_ascii_case("none")).then_some(item)
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
        frames: Vec::new(),
    };
    filler.fill(schema, "root", 0)
}

/// Lists whose items are sentences (a report's trends, risks, …): they take prompt lines.
const SENTENCE_LISTS: [&str; 5] = [
    "trends",
    "opportunities",
    "risks",
    "assumptions",
    "sentences",
];

/// One step on the way from the answer's root to the value being filled: a property, or an
/// element of the array named `name`.
struct Frame {
    name: String,
    index: Option<usize>,
}

struct Filler<'a> {
    defs: Value,
    material: &'a PromptMaterial,
    counter: usize,
    frames: Vec<Frame>,
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
                        let value = self.within(k, None, |f| f.fill(v, k, depth + 1));
                        out.insert(k.clone(), value);
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
                Value::Array(
                    (0..n)
                        .map(|i| {
                            let i = usize::try_from(i).unwrap_or(usize::MAX);
                            self.within(name, Some(i), |f| f.fill(&items, name, depth + 1))
                        })
                        .collect(),
                )
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

    /// `fill` run one frame deeper.
    fn within(
        &mut self,
        name: &str,
        index: Option<usize>,
        fill: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        self.frames.push(Frame {
            name: name.to_owned(),
            index,
        });
        let value = fill(self);
        self.frames.pop();
        value
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

    /// Where the string being filled stands (see [`labels::Spot`]).
    fn spot<'n>(&self, field: &'n str) -> labels::Spot<'n> {
        let item = self
            .frames
            .last()
            .filter(|f| f.name.eq_ignore_ascii_case(field))
            .and_then(|f| f.index);
        let enclosing = if item.is_some() {
            &self.frames[..self.frames.len() - 1]
        } else {
            &self.frames[..]
        };
        labels::Spot {
            field,
            item,
            element: enclosing.iter().rev().find_map(|f| f.index),
            person: self.frames.iter().any(|f| labels::names_people(&f.name)),
            counter: self.counter,
        }
    }

    fn string(&mut self, name: &str) -> String {
        self.counter += 1;
        let n = self.counter;
        let lower = name.to_ascii_lowercase();
        let pick = |v: &[String]| v.get(n % v.len().max(1)).cloned();
        if (lower.ends_with("url") || lower.ends_with("urls") || lower == "source")
            && let Some(u) = pick(&self.material.urls)
        {
            return u;
        }
        if (lower.ends_with("_id") || lower == "id")
            && let Some(id) = pick(&self.material.ids)
        {
            return id;
        }
        let spot = self.spot(&lower);
        let composed = match spot.item {
            // A list of ids that are not offered, or of sentences: lines, as before.
            Some(_) if lower.ends_with("_ids") || SENTENCE_LISTS.contains(&lower.as_str()) => None,
            Some(_) => labels::list_item(self.material, &spot),
            None if labels::is_label(&lower) => labels::label(self.material, &spot),
            None if lower == "description" => labels::description(self.material, &spot),
            None => None,
        };
        composed
            .or_else(|| pick(&self.material.lines))
            .unwrap_or_else(|| format!("{} {n}", name.replace('_', " ")))
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
mod tests;
