//! Text embeddings for persona mapping: an OpenAI-compatible `/embeddings` client and a
//! local, offline feature-hashing embedder, behind one trait, plus [`cosine`] and [`top_k`].
//!
//! Vectors from different embedders (or models, or dimensions) are not comparable, so there
//! is no per-call fallback between them: a run picks one embedder up front (the configured
//! API, else [`hashing::HashingEmbedder`]) and stores [`Embedder::model`] next to each vector.

use async_trait::async_trait;

use crate::error::ProviderError;
use crate::usage::UsageSink;

pub mod hashing;
pub mod openai;

pub use hashing::HashingEmbedder;
pub use openai::{OpenAiEmbedder, OpenAiEmbeddingsConfig};

/// Turns texts into vectors.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// Stable provider name (`openai`, `local_hashing`).
    fn name(&self) -> &'static str;

    /// The model, stored with each vector so that only like is compared with like.
    fn model(&self) -> &str;

    /// Length of every vector.
    fn dimensions(&self) -> usize;

    /// One vector per text, in order. Empty texts get a zero vector.
    async fn embed(
        &self,
        texts: &[String],
        usage: &dyn UsageSink,
    ) -> Result<Vec<Vec<f32>>, ProviderError>;
}

/// Cosine similarity in `[-1, 1]`; zero when either vector is zero or their lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut norm_a, mut norm_b) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    if norm_a == 0.0 || norm_b == 0.0 {
        return 0.0;
    }
    (dot / (norm_a.sqrt() * norm_b.sqrt())) as f32
}

/// The `k` candidates most similar to `query`, best first, as `(index, score)`; equal scores
/// keep the candidates' order.
pub fn top_k<'a, I>(query: &[f32], candidates: I, k: usize) -> Vec<(usize, f32)>
where
    I: IntoIterator<Item = &'a [f32]>,
{
    let mut scored: Vec<(usize, f32)> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i, cosine(query, c)))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(k);
    scored
}

/// Scales `v` to unit length in place (a zero vector stays zero).
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x = (f64::from(*x) / norm) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_parallel_orthogonal_and_degenerate_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
        assert!((cosine(&[1.0, 0.0], &[-1.0, 0.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn top_k_ranks_best_first_and_keeps_order_on_ties() {
        let candidates: Vec<Vec<f32>> = vec![
            vec![0.0, 1.0],
            vec![1.0, 0.0],
            vec![1.0, 0.0],
            vec![1.0, 1.0],
        ];
        let ranked = top_k(&[1.0, 0.0], candidates.iter().map(Vec::as_slice), 3);
        let order: Vec<usize> = ranked.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [1, 2, 3]);
        assert!(top_k(&[1.0], std::iter::empty(), 5).is_empty());
    }

    #[test]
    fn normalising_gives_unit_length_and_leaves_zero_alone() {
        let mut v = vec![3.0, 4.0];
        l2_normalize(&mut v);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        let mut zero = vec![0.0; 3];
        l2_normalize(&mut zero);
        assert_eq!(zero, vec![0.0; 3]);
    }
}
