//! Persona mapping's pure core: cosine similarity, a business's best persona, a decision
//! maker's top two personas with the ε tie rule, and a title-keyword heuristic for when
//! embeddings are missing.
//!
//! The LLM tie-break itself is the caller's: a [`Decision::Tie`] says *that* the model should
//! decide, and [`Match::llm_tiebreak`] records that it did. Keeping the rule here makes the
//! ε boundary testable with plain vectors.
//!
//! Personas are `(key, vector)` pairs with any key type (a persona id in practice). Personas
//! whose vector cannot be compared with the one being mapped (empty, all zeros, non-finite or
//! of another dimension) are skipped rather than failing the whole mapping: a persona still
//! waiting for its embedding must not stop the others from matching. Ties in score go to the
//! persona that comes first, so callers should pass personas in a stable order (by id).

use serde::{Deserialize, Serialize};

/// The seed's ε: a decision maker's top two personas this close go to the LLM.
pub const DEFAULT_TIE_EPSILON: f32 = 0.03;

/// Why two vectors have no similarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SimilarityError {
    /// The vectors have different lengths (usually: different embedding models).
    #[error("vectors have different dimensions ({left} and {right})")]
    DimensionMismatch {
        /// Length of the first vector.
        left: usize,
        /// Length of the second vector.
        right: usize,
    },
    /// A vector is empty or all zeros, so it has no direction.
    #[error("a vector is empty or all zeros")]
    ZeroVector,
    /// A vector holds a NaN or an infinity (or its squared norm overflows `f32`).
    #[error("a vector holds a NaN or an infinite value")]
    NonFinite,
}

/// Cosine similarity of two vectors of any length, in `-1.0..=1.0`.
///
/// One pass over both slices, no allocation. Never NaN: inputs that would give one are errors.
pub fn cosine(a: &[f32], b: &[f32]) -> Result<f32, SimilarityError> {
    same_dims(a, b)?;
    let (ab, aa, bb) = dot_and_norms(a, b);
    if !(ab.is_finite() && aa.is_finite() && bb.is_finite()) {
        return Err(SimilarityError::NonFinite);
    }
    if aa == 0.0 || bb == 0.0 {
        return Err(SimilarityError::ZeroVector);
    }
    let cos = ab / (aa.sqrt() * bb.sqrt());
    // The product of two tiny norms can underflow to zero even when neither is zero.
    if cos.is_finite() {
        Ok(cos.clamp(-1.0, 1.0))
    } else {
        Err(SimilarityError::ZeroVector)
    }
}

/// Dot product: the cosine when both vectors are already unit length (see [`UnitVec`]).
pub fn dot(a: &[f32], b: &[f32]) -> Result<f32, SimilarityError> {
    same_dims(a, b)?;
    let d = dot_kernel(a, b);
    if d.is_finite() {
        Ok(d)
    } else {
        Err(SimilarityError::NonFinite)
    }
}

/// A vector known to be unit length, so similarity with another is one dot product.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitVec(Vec<f32>);

impl UnitVec {
    /// Normalises `v` in place; fails on empty, zero or non-finite vectors.
    pub fn new(mut v: Vec<f32>) -> Result<Self, SimilarityError> {
        let squared = dot_kernel(&v, &v);
        if !squared.is_finite() {
            return Err(SimilarityError::NonFinite);
        }
        let inverse = 1.0 / squared.sqrt();
        if squared == 0.0 || !inverse.is_finite() {
            return Err(SimilarityError::ZeroVector);
        }
        v.iter_mut().for_each(|x| *x *= inverse);
        Ok(Self(v))
    }

    /// Copies and normalises a slice.
    pub fn from_slice(v: &[f32]) -> Result<Self, SimilarityError> {
        Self::new(v.to_vec())
    }

    /// The components.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Number of dimensions (never zero).
    pub fn dims(&self) -> usize {
        self.0.len()
    }

    /// Cosine similarity with another unit vector, clamped to `-1.0..=1.0`.
    pub fn cosine(&self, other: &UnitVec) -> Result<f32, SimilarityError> {
        same_dims(&self.0, &other.0)?;
        Ok(dot_kernel(&self.0, &other.0).clamp(-1.0, 1.0))
    }
}

/// How a persona was chosen; stored with the mapping and shown in the run's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    /// Best cosine similarity, clear of the runner-up.
    Embedding,
    /// The top two were within ε and the LLM picked one (set by the caller).
    EmbeddingLlmTiebreak,
    /// Keyword overlap between a title and persona text; no vectors were available.
    Heuristic,
}

impl MatchMethod {
    /// The stored name: `embedding`, `embedding_llm_tiebreak` or `heuristic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Embedding => "embedding",
            Self::EmbeddingLlmTiebreak => "embedding_llm_tiebreak",
            Self::Heuristic => "heuristic",
        }
    }
}

/// A persona chosen for a business or a decision maker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match<K> {
    /// The persona's key.
    pub persona: K,
    /// Cosine similarity (`-1..=1`) for embedding methods, overlap (`0..=1`) for the heuristic.
    pub score: f32,
    /// How it was chosen.
    pub method: MatchMethod,
}

impl<K> Match<K> {
    /// The same match, recorded as the LLM's pick between two close personas.
    pub fn llm_tiebreak(self) -> Self {
        Self {
            method: MatchMethod::EmbeddingLlmTiebreak,
            ..self
        }
    }
}

/// The outcome of mapping a decision maker by embedding.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<K> {
    /// The best persona leads the runner-up by more than ε (or is the only one).
    Clear(Match<K>),
    /// The top two are within ε of each other: the caller asks the LLM to choose.
    Tie {
        /// The higher-scoring persona (the earlier one on equal scores).
        first: Match<K>,
        /// The runner-up.
        second: Match<K>,
    },
    /// The decision maker has no usable vector, or no persona has a comparable one: the
    /// caller falls back to [`heuristic_persona`].
    NoVectors,
}

/// The ε below which a decision maker's top two personas are a tie; finite and `>= 0`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct TieEpsilon(f32);

/// A tie ε that is negative, NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("the persona tie epsilon must be a finite number >= 0, got {0}")]
pub struct TieEpsilonError(pub f32);

impl TieEpsilon {
    /// Checks `epsilon`: finite and not negative.
    pub fn new(epsilon: f32) -> Result<Self, TieEpsilonError> {
        if epsilon.is_finite() && epsilon >= 0.0 {
            Ok(Self(epsilon))
        } else {
            Err(TieEpsilonError(epsilon))
        }
    }

    /// The value.
    pub fn get(self) -> f32 {
        self.0
    }

    /// Whether scores `first >= second` are a tie. Inclusive: a gap of exactly ε is a tie,
    /// because the seed sends the top two to the LLM when they are "within ε".
    pub fn is_tie(self, first: f32, second: f32) -> bool {
        first - second <= self.0
    }
}

impl Default for TieEpsilon {
    fn default() -> Self {
        Self(DEFAULT_TIE_EPSILON)
    }
}

/// The persona most similar to `vector` by cosine, or `None` when nothing is comparable.
pub fn best_persona<K: Clone>(vector: &[f32], personas: &[(K, &[f32])]) -> Option<Match<K>> {
    let top = TopTwo::of(personas.iter().map(|(_, p)| cosine(vector, p).ok()));
    top.first
        .map(|(i, score)| embedding_match(&personas[i].0, score))
}

/// A decision maker's persona by cosine: clear winner, tie within `epsilon`, or no vectors.
pub fn decide_persona<K: Clone>(
    vector: &[f32],
    personas: &[(K, &[f32])],
    epsilon: TieEpsilon,
) -> Decision<K> {
    let top = TopTwo::of(personas.iter().map(|(_, p)| cosine(vector, p).ok()));
    top.decision(|i| &personas[i].0, epsilon)
}

/// Personas normalised once, for mapping many vectors: each comparison is one dot product.
#[derive(Debug, Clone)]
pub struct PersonaIndex<K> {
    personas: Vec<(K, UnitVec)>,
}

impl<K: Clone> PersonaIndex<K> {
    /// Keeps the personas whose vectors can be normalised, in the given order.
    pub fn new<'a>(personas: impl IntoIterator<Item = (K, &'a [f32])>) -> Self {
        let personas = personas
            .into_iter()
            .filter_map(|(key, v)| UnitVec::from_slice(v).ok().map(|u| (key, u)))
            .collect();
        Self { personas }
    }

    /// Number of personas with a usable vector.
    pub fn len(&self) -> usize {
        self.personas.len()
    }

    /// Whether no persona has a usable vector.
    pub fn is_empty(&self) -> bool {
        self.personas.is_empty()
    }

    /// The best persona for a unit vector (a business's).
    pub fn best(&self, vector: &UnitVec) -> Option<Match<K>> {
        self.top_two(vector)
            .first
            .map(|(i, score)| embedding_match(&self.personas[i].0, score))
    }

    /// A decision maker's persona for a unit vector, with the ε tie rule.
    pub fn decide(&self, vector: &UnitVec, epsilon: TieEpsilon) -> Decision<K> {
        self.top_two(vector)
            .decision(|i| &self.personas[i].0, epsilon)
    }

    fn top_two(&self, vector: &UnitVec) -> TopTwo {
        TopTwo::of(self.personas.iter().map(|(_, p)| vector.cosine(p).ok()))
    }
}

/// Best and second-best `(index, score)` of a stream of optional scores, without allocating.
#[derive(Debug, Default)]
struct TopTwo {
    first: Option<(usize, f32)>,
    second: Option<(usize, f32)>,
}

impl TopTwo {
    fn of(scores: impl Iterator<Item = Option<f32>>) -> Self {
        let mut top = Self::default();
        for (i, score) in scores.enumerate() {
            let Some(score) = score else { continue };
            // Strict comparisons: on equal scores the earlier persona keeps its place.
            match top.first {
                Some((_, best)) if score <= best => {
                    if top.second.is_none_or(|(_, s)| score > s) {
                        top.second = Some((i, score));
                    }
                }
                _ => {
                    top.second = top.first;
                    top.first = Some((i, score));
                }
            }
        }
        top
    }

    fn decision<'k, K: Clone + 'k>(
        self,
        key: impl Fn(usize) -> &'k K,
        epsilon: TieEpsilon,
    ) -> Decision<K> {
        match (self.first, self.second) {
            (None, _) => Decision::NoVectors,
            (Some((i, a)), Some((j, b))) if epsilon.is_tie(a, b) => Decision::Tie {
                first: embedding_match(key(i), a),
                second: embedding_match(key(j), b),
            },
            (Some((i, a)), _) => Decision::Clear(embedding_match(key(i), a)),
        }
    }
}

fn embedding_match<K: Clone>(key: &K, score: f32) -> Match<K> {
    Match {
        persona: key.clone(),
        score,
        method: MatchMethod::Embedding,
    }
}

/// The persona whose text (role, name and description, concatenated by the caller) shares
/// the most words with a decision maker's title.
///
/// Words are compared case-insensitively by their first [`STEM_CHARS`] characters, so
/// "Manager" meets "management" and "Owner" meets "owner-operator" (and, accepted as the
/// price of simplicity, "Office" meets "officer"). The score is the share of the title's
/// words found, in `0..=1`; equal scores go to the persona whose text is denser in those
/// words (a role line over a long description), then to the earlier persona. `None` when
/// the title has no usable words or no persona shares any.
pub fn heuristic_persona<K: Clone>(title: &str, personas: &[(K, &str)]) -> Option<Match<K>> {
    let wanted = stems(title);
    if wanted.is_empty() {
        return None;
    }
    let mut best: Option<(usize, usize, usize)> = None; // (index, matched, persona words)
    for (i, (_, text)) in personas.iter().enumerate() {
        let have = stems(text);
        let matched = wanted
            .iter()
            .filter(|w| have.binary_search(w).is_ok())
            .count();
        if matched == 0 {
            continue;
        }
        // matched / have.len() > m / n  <=>  matched * n > m * have.len(), exactly.
        let better = best
            .is_none_or(|(_, m, n)| matched > m || (matched == m && matched * n > m * have.len()));
        if better {
            best = Some((i, matched, have.len()));
        }
    }
    best.map(|(i, matched, _)| Match {
        persona: personas[i].0.clone(),
        score: matched as f32 / wanted.len() as f32,
        method: MatchMethod::Heuristic,
    })
}

/// Characters a word is cut to before comparison: the crude stemmer.
pub const STEM_CHARS: usize = 5;

/// Words that say nothing about a role.
const STOPWORDS: [&str; 11] = [
    "a", "an", "and", "at", "co", "for", "in", "of", "on", "the", "to",
];

/// Title abbreviations spelled out so they meet persona text.
const ABBREVIATIONS: [(&str, &str); 8] = [
    ("ceo", "chief executive"),
    ("cfo", "chief financial"),
    ("coo", "chief operating"),
    ("cto", "chief technology"),
    ("cmo", "chief marketing"),
    ("vp", "vice president"),
    ("gm", "general manager"),
    ("dds", "dentist"),
];

/// Sorted, deduplicated stems of `text`.
fn stems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if STOPWORDS.contains(&word.as_str()) {
            continue;
        }
        match ABBREVIATIONS.iter().find(|(short, _)| *short == word) {
            Some((_, long)) => out.extend(long.split(' ').map(stem)),
            None => out.push(stem(&word)),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn stem(word: &str) -> String {
    word.chars().take(STEM_CHARS).collect()
}

fn same_dims(a: &[f32], b: &[f32]) -> Result<(), SimilarityError> {
    if a.len() == b.len() {
        Ok(())
    } else {
        Err(SimilarityError::DimensionMismatch {
            left: a.len(),
            right: b.len(),
        })
    }
}

/// Independent accumulators per lane let the compiler vectorise the loops below.
const LANES: usize = 8;

fn dot_kernel(a: &[f32], b: &[f32]) -> f32 {
    let (xs, x_tail) = a.as_chunks::<LANES>();
    let (ys, y_tail) = b.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (x, y) in xs.iter().zip(ys) {
        for lane in 0..LANES {
            acc[lane] += x[lane] * y[lane];
        }
    }
    let tail: f32 = x_tail.iter().zip(y_tail).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// `(a·b, a·a, b·b)` in one pass.
fn dot_and_norms(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
    let (xs, x_tail) = a.as_chunks::<LANES>();
    let (ys, y_tail) = b.as_chunks::<LANES>();
    let (mut ab, mut aa, mut bb) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    for (x, y) in xs.iter().zip(ys) {
        for lane in 0..LANES {
            ab[lane] += x[lane] * y[lane];
            aa[lane] += x[lane] * x[lane];
            bb[lane] += y[lane] * y[lane];
        }
    }
    let (mut tab, mut taa, mut tbb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in x_tail.iter().zip(y_tail) {
        tab += x * y;
        taa += x * x;
        tbb += y * y;
    }
    (
        ab.iter().sum::<f32>() + tab,
        aa.iter().sum::<f32>() + taa,
        bb.iter().sum::<f32>() + tbb,
    )
}

#[cfg(test)]
#[path = "persona_match_tests.rs"]
mod tests;
