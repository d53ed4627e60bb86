//! [`LocalMiniLm`]: the tokenizer and the BERT encoder of `all-MiniLM-L6-v2`, loaded from a
//! directory and run on the CPU in f32.
//!
//! Texts are tokenized with the model's own `tokenizer.json` (lower-casing BERT word pieces),
//! cut to [`MAX_TOKENS`] word pieces including `[CLS]` and `[SEP]`, sorted by length so that a
//! batch pads little, run through the encoder in batches of [`DEFAULT_BATCH_SIZE`], mean-pooled
//! over the attention mask and L2-normalised, exactly as sentence-transformers' `encode` does.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use providers::ProviderError;
use providers::embeddings::{Embedder, l2_normalize};
use providers::usage::UsageSink;
use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::error::{EmbedError, LoadError};

/// Provider name, as stored in usage rows and next to vectors.
pub const NAME: &str = "local_minilm";
/// The model name stored with each vector.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// Length of every vector.
pub const DIMENSIONS: usize = 384;
/// Word pieces read per text, `[CLS]` and `[SEP]` included: the model's `max_seq_length`.
pub const MAX_TOKENS: usize = 256;
/// Texts run through the encoder at once.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Bytes of a text handed to the tokenizer. 256 word pieces never need more than a few
/// kilobytes of real text; the cap keeps a scraped multi-megabyte page from costing seconds of
/// normalisation before truncation throws almost all of it away.
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// all-MiniLM-L6-v2 on the CPU. Cheap to clone: the weights are shared.
#[derive(Clone)]
pub struct LocalMiniLm {
    inner: Arc<Inner>,
    batch_size: usize,
}

struct Inner {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

impl fmt::Debug for LocalMiniLm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalMiniLm")
            .field("model", &MODEL_NAME)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

impl LocalMiniLm {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`. Reads ~90 MB
    /// and blocks for a few hundred milliseconds: from async code, call it in
    /// `spawn_blocking`.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let device = Device::Cpu;

        let (config_path, config_bytes) = read(dir, "config.json")?;
        let config: Config =
            serde_json::from_slice(&config_bytes).map_err(|e| LoadError::Malformed {
                file: "config.json",
                path: config_path.clone(),
                message: e.to_string(),
            })?;
        if config.hidden_size != DIMENSIONS {
            return Err(LoadError::Malformed {
                file: "config.json",
                path: config_path,
                message: format!(
                    "hidden_size is {}, not {DIMENSIONS}: not all-MiniLM-L6-v2",
                    config.hidden_size
                ),
            });
        }

        let (tokenizer_path, tokenizer_bytes) = read(dir, "tokenizer.json")?;
        let malformed_tokenizer = |message: String| LoadError::Malformed {
            file: "tokenizer.json",
            path: tokenizer_path.clone(),
            message,
        };
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| malformed_tokenizer(e.to_string()))?;
        // The file pads every text to 128 and cuts there; sentence-transformers reads 256 and
        // pads per batch, which `embed_batch` does itself.
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| malformed_tokenizer(e.to_string()))?;
        tokenizer.with_padding(None);

        let (weights_path, weights_bytes) = read(dir, "model.safetensors")?;
        let malformed_weights = |message: String| LoadError::Malformed {
            file: "model.safetensors",
            path: weights_path.clone(),
            message,
        };
        let tensors = candle_core::safetensors::load_buffer(&weights_bytes, &device)
            .map_err(|e| malformed_weights(e.to_string()))?;
        drop(weights_bytes);
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(vb, &config).map_err(|e| malformed_weights(e.to_string()))?;

        tracing::debug!(model.dir = %dir.display(), "all-MiniLM-L6-v2 loaded");
        Ok(Self {
            inner: Arc::new(Inner {
                model,
                tokenizer,
                device,
            }),
            batch_size: DEFAULT_BATCH_SIZE,
        })
    }

    /// The same model, running `batch_size` texts (at least 1) through the encoder at once.
    #[must_use]
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// One unit vector per text, in order, computed on the calling thread; texts without any
    /// word piece (empty, blank, control characters only) get a zero vector. Blocks for a
    /// while: from async code use [`Embedder::embed`], which runs this on the blocking pool.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut vectors = vec![vec![0.0_f32; DIMENSIONS]; texts.len()];
        let inputs: Vec<(usize, &str)> = texts
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(i, t)| (i, clip(t, MAX_INPUT_BYTES)))
            .collect();
        if inputs.is_empty() {
            return Ok(vectors);
        }
        let encodings = self
            .inner
            .tokenizer
            .encode_batch_fast(inputs.iter().map(|(_, t)| *t).collect(), true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;

        // Longest first, so each batch pads to a length close to its own texts'.
        let mut work: Vec<(usize, Encoding)> = inputs
            .iter()
            .map(|(i, _)| *i)
            .zip(encodings)
            .filter(|(_, enc)| enc.get_special_tokens_mask().contains(&0))
            .collect();
        work.sort_by_key(|(_, enc)| std::cmp::Reverse(enc.len()));

        for batch in work.chunks(self.batch_size) {
            let pooled = self.embed_batch(batch)?;
            for ((index, _), vector) in batch.iter().zip(pooled) {
                vectors[*index] = vector;
            }
        }
        Ok(vectors)
    }

    /// Mean-pooled, normalised vectors of a batch of non-empty encodings.
    fn embed_batch(&self, batch: &[(usize, Encoding)]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let rows = batch.len();
        let width = batch.iter().map(|(_, e)| e.len()).max().unwrap_or(0);
        let mut ids = vec![0_u32; rows * width];
        let mut type_ids = vec![0_u32; rows * width];
        let mut mask = vec![0_u32; rows * width];
        for (row, (_, enc)) in batch.iter().enumerate() {
            let start = row * width;
            let len = enc.len();
            ids[start..start + len].copy_from_slice(enc.get_ids());
            type_ids[start..start + len].copy_from_slice(enc.get_type_ids());
            mask[start..start + len].copy_from_slice(enc.get_attention_mask());
        }

        let device = &self.inner.device;
        let ids = Tensor::from_vec(ids, (rows, width), device)?;
        let type_ids = Tensor::from_vec(type_ids, (rows, width), device)?;
        let mask = Tensor::from_vec(mask, (rows, width), device)?;
        let hidden = self.inner.model.forward(&ids, &type_ids, Some(&mask))?;

        // sentence-transformers' mean pooling: padding contributes nothing, and the divisor is
        // clamped away from zero.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9_f32, f32::MAX)?;
        let mut pooled: Vec<Vec<f32>> = summed.broadcast_div(&counts)?.to_vec2()?;
        for vector in &mut pooled {
            l2_normalize(vector);
        }
        Ok(pooled)
    }
}

#[async_trait]
impl Embedder for LocalMiniLm {
    fn name(&self) -> &'static str {
        NAME
    }

    fn model(&self) -> &str {
        MODEL_NAME
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    /// Runs [`LocalMiniLm::embed_blocking`] on the blocking pool, one batch at a time, so that
    /// a caller that gives up stops the work at the next batch.
    async fn embed(
        &self,
        texts: &[String],
        _usage: &dyn UsageSink,
    ) -> Result<Vec<Vec<f32>>, ProviderError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.batch_size) {
            let model = self.clone();
            let chunk = chunk.to_vec();
            let batch = tokio::task::spawn_blocking(move || model.embed_blocking(&chunk))
                .await
                .map_err(|e| EmbedError::Task(e.to_string()))??;
            vectors.extend(batch);
        }
        Ok(vectors)
    }
}

/// Reads `dir/file`, telling a missing file from an unreadable one.
fn read(dir: &Path, file: &'static str) -> Result<(std::path::PathBuf, Vec<u8>), LoadError> {
    let path = dir.join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Ok((path, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(LoadError::MissingFile { file, path })
        }
        Err(source) => Err(LoadError::Read { file, path, source }),
    }
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_short_texts_and_cuts_at_a_char_boundary() {
        assert_eq!(clip("dentist", 100), "dentist");
        assert_eq!(clip("café", 4), "caf");
        assert_eq!(clip("🥐🥐", 5), "🥐");
        assert_eq!(clip("", 0), "");
    }

    #[test]
    fn loading_from_an_empty_directory_names_the_missing_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = LocalMiniLm::load(dir.path()).expect_err("no files");
        match err {
            LoadError::MissingFile { file, path } => {
                assert_eq!(file, "config.json");
                assert_eq!(path, dir.path().join("config.json"));
            }
            other => panic!("unexpected error: {other}"),
        }
    }

    #[test]
    fn a_malformed_config_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.json"), "{ not json").expect("write");
        let err = LocalMiniLm::load(dir.path()).expect_err("bad config");
        let message = err.to_string();
        assert!(message.contains("config.json"), "{message}");
        assert!(message.contains("is malformed"), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
    }
}
