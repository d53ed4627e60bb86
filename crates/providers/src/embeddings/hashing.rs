//! A local embedder that needs no model and no network: feature hashing.
//!
//! Text is lowercased and split into words (stop words dropped); each word contributes
//! itself and the character trigrams of `<word>`, so `dental` and `dentist` share
//! `<de`, `den`, `ent`. Every feature is hashed with 64-bit FNV-1a — fixed, unlike std's
//! randomly seeded hasher, so vectors are the same in every process and release — into one of
//! `dimensions` buckets with a sign from the hash's top bit (which keeps collisions from
//! piling up), and the vector is L2-normalised. Weaker than a neural model, but deterministic,
//! instant and good enough to rank personas by shared vocabulary.

use async_trait::async_trait;

use super::{Embedder, l2_normalize};
use crate::error::ProviderError;
use crate::usage::UsageSink;

/// The default vector length, the same as MiniLM's so storage does not care which is used.
pub const DEFAULT_DIMENSIONS: usize = 384;

const WORD_WEIGHT: f32 = 1.0;
const TRIGRAM_WEIGHT: f32 = 0.5;

/// Words too common to say anything about a business or a persona.
const STOP_WORDS: [&str; 24] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "our", "that", "the", "their", "to", "we", "with", "you",
];

/// The feature-hashing embedder.
#[derive(Debug, Clone)]
pub struct HashingEmbedder {
    dimensions: usize,
    model: String,
}

impl Default for HashingEmbedder {
    fn default() -> Self {
        Self::new(DEFAULT_DIMENSIONS)
    }
}

impl HashingEmbedder {
    /// An embedder producing `dimensions`-long vectors (at least 1).
    pub fn new(dimensions: usize) -> Self {
        let dimensions = dimensions.max(1);
        Self {
            dimensions,
            model: format!("feature-hash-v1-{dimensions}"),
        }
    }

    /// The vector of one text.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0.0_f32; self.dimensions];
        let lowered = text.to_lowercase();
        for word in lowered
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
        {
            self.add(&mut vector, b'w', word.as_bytes(), WORD_WEIGHT);
            let padded: Vec<char> = std::iter::once('<')
                .chain(word.chars())
                .chain(std::iter::once('>'))
                .collect();
            let mut buf = String::new();
            for gram in padded.windows(3) {
                buf.clear();
                buf.extend(gram);
                self.add(&mut vector, b't', buf.as_bytes(), TRIGRAM_WEIGHT);
            }
        }
        l2_normalize(&mut vector);
        vector
    }

    fn add(&self, vector: &mut [f32], kind: u8, feature: &[u8], weight: f32) {
        let hash = fnv1a(&[&[kind], feature]);
        let bucket = (hash % self.dimensions as u64) as usize;
        let sign = if hash >> 63 == 1 { -1.0 } else { 1.0 };
        vector[bucket] += sign * weight;
    }
}

/// 64-bit FNV-1a over the concatenation of `parts`.
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET_BASIS;
    for byte in parts.iter().flat_map(|p| p.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn name(&self) -> &'static str {
        "local_hashing"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(
        &self,
        texts: &[String],
        _usage: &dyn UsageSink,
    ) -> Result<Vec<Vec<f32>>, ProviderError> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embeddings::cosine;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"foo"]), 0xdcb2_7518_fed9_d577);
        assert_eq!(fnv1a(&[b"fo", b"o"]), fnv1a(&[b"foo"]));
    }

    #[test]
    fn vectors_are_deterministic_unit_length_and_sized() {
        let embedder = HashingEmbedder::default();
        let a = embedder.embed_one("Owner of a family dental practice");
        assert_eq!(a.len(), 384);
        assert_eq!(
            a,
            HashingEmbedder::new(384).embed_one("Owner of a family dental practice")
        );
        let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(embedder.embed_one("  the of  "), vec![0.0; 384]);
        assert_eq!(embedder.model(), "feature-hash-v1-384");
    }

    #[test]
    fn related_texts_score_higher_than_unrelated_ones() {
        let embedder = HashingEmbedder::default();
        let owner = embedder.embed_one("Owner of a family dental practice");
        let dentist = embedder.embed_one("Dentist clinic owner");
        let trucking = embedder.embed_one("Quarterly tax filing for trucking companies");
        assert!(cosine(&owner, &dentist) > cosine(&owner, &trucking) + 0.1);
        assert!(cosine(&owner, &owner) > 0.999);
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        let embedder = HashingEmbedder::new(64);
        assert_eq!(
            embedder.embed_one("Dental, Practice!"),
            embedder.embed_one("dental practice")
        );
    }
}
