//! Offline semantic embeddings: sentence-transformers' `all-MiniLM-L6-v2` run on the CPU with
//! candle, behind [`providers::embeddings::Embedder`].
//!
//! # Where it sits
//!
//! A run picks one embedder up front, best first:
//!
//! 1. the OpenAI-compatible `/embeddings` API, when `OPENAI_EMBEDDINGS_MODEL` and a key or base
//!    URL are configured ([`providers::embeddings::OpenAiEmbedder`]);
//! 2. this crate's [`LocalMiniLm`], when its model files can be found or fetched
//!    ([`locate_or_fetch`]);
//! 3. feature hashing ([`providers::embeddings::HashingEmbedder`]), which always works.
//!
//! Vectors from different embedders are not comparable, so the choice is made once per run and
//! [`Embedder::model`](providers::embeddings::Embedder::model) is stored with every vector.
//!
//! # Order of use
//!
//! ```no_run
//! # async fn demo() -> Result<(), embed_local::LoadError> {
//! use embed_local::{LocalMiniLm, ModelOptions, locate_or_fetch};
//!
//! let mut opts = ModelOptions::new("./leadforge-data".into());
//! opts.model_dir = None; // or LEADFORGE_EMBEDDINGS_MODEL_DIR
//! let dir = locate_or_fetch(&opts).await?; // the user's dir, the cache, or a download
//! let model = LocalMiniLm::load(&dir)?; // ~0.3 s, ~90 MB of weights
//! # let _ = model;
//! # Ok(())
//! # }
//! ```
//!
//! This crate reads no environment variable itself: the caller fills [`ModelOptions`] from
//! its config (`LEADFORGE_EMBEDDINGS_MODEL_DIR` for `model_dir`, `HF_ENDPOINT` for
//! `hub_base_url`). A machine without the files and without the hub falls through within the
//! connect timeout (3 s by default).
//!
//! The model reads at most [`MAX_TOKENS`] word pieces per text (the model's `max_seq_length`),
//! mean-pools the last hidden state over the attention mask and L2-normalises the result, as
//! sentence-transformers does, giving [`DIMENSIONS`]-long unit vectors.

mod error;
mod fetch;
mod model;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use error::{EmbedError, LoadError};
pub use fetch::{
    DEFAULT_HUB_BASE_URL, HUB_REPO, MODEL_FILES, ModelOptions, locate_or_fetch, missing_files,
};
pub use model::{DEFAULT_BATCH_SIZE, DIMENSIONS, LocalMiniLm, MAX_TOKENS, MODEL_NAME, NAME};
