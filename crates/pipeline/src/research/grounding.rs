//! Holding prose to the figures: every number a sentence states (integer, decimal, percentage,
//! `$120k`) must be one of the report's numbers — the statistics, the stated assumptions, the
//! agency's own services and claims — or a rounding of one to the precision the sentence
//! writes (`45%` for 44.6%, `4.2` for 4.23, `$120k` for $119,600). A sentence with any other
//! number is dropped and counted.

use serde_json::Value;

use super::share::round_to;

/// Slack for comparing decimals that went through text.
const EPSILON: f64 = 1e-6;

/// A number as a sentence writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stated {
    /// Its value (`120000` for `$120k`, `45` for `45%`).
    pub value: f64,
    /// The decimal places of its last written digit (`0` for `45`, `1` for `4.2`, `-3` for
    /// `120k`).
    pub places: i32,
    /// Whether it may be a rounding of a true figure: a percentage, a decimal or a number
    /// with a magnitude word. A plain integer must match exactly.
    pub rounded: bool,
}

/// The numbers prose may state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowedNumbers(Vec<f64>);

impl AllowedNumbers {
    /// Every number in `facts` (JSON numbers, and numbers written inside its strings) and in
    /// `texts`.
    pub fn from_facts<'a>(facts: &Value, texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut all = Vec::new();
        collect(facts, &mut all);
        for text in texts {
            all.extend(numbers_in(text).into_iter().map(|n| n.value));
        }
        all.retain(|n| n.is_finite());
        all.sort_by(f64::total_cmp);
        all.dedup();
        Self(all)
    }

    /// Whether `n` is one of the numbers, or a rounding of one to `n`'s precision.
    pub fn admits(&self, n: &Stated) -> bool {
        self.0
            .iter()
            .any(|&a| close(a, n.value) || (n.rounded && close(round_to(a, n.places), n.value)))
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= EPSILON * a.abs().max(b.abs()).max(1.0)
}

fn collect(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Number(n) => out.extend(n.as_f64()),
        Value::String(s) => out.extend(numbers_in(s).into_iter().map(|n| n.value)),
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect(i, out)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Words after a number that scale it.
const MAGNITUDES: &[(&str, i32)] = &[
    ("thousand", 3),
    ("million", 6),
    ("billion", 9),
    ("bn", 9),
    ("k", 3),
    ("m", 6),
];

/// The numbers written in `text`. Digits inside a word (`H1`, `B2B`, `utf8`) are not numbers;
/// signs are ignored (`3–3.5` is two numbers, not `-3.5`).
pub fn numbers_in(text: &str) -> Vec<Stated> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
            // Digits inside a word: skip the rest of the word.
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            continue;
        }
        let mut digits = String::new();
        let mut decimals: i32 = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                digits.push(c);
                if digits.contains('.') {
                    decimals += 1;
                }
                i += 1;
            } else if c == ',' && !digits.contains('.') && group_follows(&chars, i + 1) {
                i += 1;
            } else if c == '.'
                && !digits.contains('.')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                digits.push('.');
                i += 1;
            } else {
                break;
            }
        }
        let Ok(mut value) = digits.parse::<f64>() else {
            continue;
        };
        let mut places = decimals;
        let mut rounded = decimals > 0;
        let (suffix, used) = suffix(&chars, i);
        match suffix {
            Suffix::Percent => rounded = true,
            Suffix::Scale(zeros) => {
                value *= 10f64.powi(zeros);
                places -= zeros;
                rounded = true;
            }
            Suffix::None => {}
        }
        i += used;
        out.push(Stated {
            value,
            places,
            rounded,
        });
    }
    out
}

/// Whether three digits and then no fourth follow `at` (a thousands group).
fn group_follows(chars: &[char], at: usize) -> bool {
    (0..3).all(|k| chars.get(at + k).is_some_and(char::is_ascii_digit))
        && !chars.get(at + 3).is_some_and(char::is_ascii_digit)
}

enum Suffix {
    None,
    Percent,
    /// Times ten to this power.
    Scale(i32),
}

/// What follows a number at `at`, and how many characters it takes.
fn suffix(chars: &[char], at: usize) -> (Suffix, usize) {
    let space = usize::from(chars.get(at) == Some(&' '));
    if chars.get(at + space) == Some(&'%') {
        return (Suffix::Percent, space + 1);
    }
    let word: String = chars[(at + space).min(chars.len())..]
        .iter()
        .take_while(|c| c.is_alphabetic())
        .collect();
    let lower = word.to_lowercase();
    if lower == "percent" || lower == "pct" {
        return (Suffix::Percent, space + word.chars().count());
    }
    for (name, zeros) in MAGNITUDES {
        // A one-letter scale must touch the number (`120k`, not `120 m` of road).
        if lower == *name && (name.len() > 1 || space == 0) {
            return (Suffix::Scale(*zeros), space + word.chars().count());
        }
    }
    (Suffix::None, 0)
}

/// `text` cut into sentences, each with its trailing whitespace: a sentence ends at `.`, `!`
/// or `?` followed by whitespace (so `4.5` does not end one), or at a line break.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        let ends =
            c == '\n' || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace));
        if ends {
            // Take the whitespace after the end along.
            let mut end = i + c.len_utf8();
            while let Some(&(j, w)) = chars.peek() {
                if !w.is_whitespace() {
                    break;
                }
                end = j + w.len_utf8();
                chars.next();
            }
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// `text` without the sentences that state a number `allowed` does not admit, and how many
/// were dropped.
pub fn ground_text(text: &str, allowed: &AllowedNumbers) -> (String, u32) {
    let mut kept = String::new();
    let mut dropped = 0;
    for sentence in sentences(text) {
        if numbers_in(sentence).iter().all(|n| allowed.admits(n)) {
            kept.push_str(sentence);
        } else {
            dropped += 1;
        }
    }
    (kept.trim().to_owned(), dropped)
}

#[cfg(test)]
#[path = "grounding_tests.rs"]
mod tests;
