//! The embedder a process uses for persona mapping, picked once on first use (DESIGN §4):
//! the OpenAI-compatible `/embeddings` API when configured → the local all-MiniLM-L6-v2 model
//! (from `LEADFORGE_EMBEDDINGS_MODEL_DIR`, else the data directory's cache, else downloaded
//! once from the hub) → feature hashing. Vectors of different embedders are never compared:
//! each stored vector carries its model, and a vector of another model is recomputed.
//!
//! Loading the model is deferred until an embedding job needs it, so commands that never
//! embed (`runs show`, `doctor`) never read 90 MB or touch the network.

use std::sync::Arc;
use std::time::Duration;

use providers::embeddings::hashing::fnv1a;
use providers::embeddings::{Embedder, HashingEmbedder};
use providers::usage::UsageSink;
use tokio::sync::OnceCell;
use tracing::{info, warn};

use crate::config::{EmbeddingSettings, EmbeddingsMode};

/// Dimensions of the feature-hashing fallback (the same as all-MiniLM-L6-v2's).
const HASHING_DIMENSIONS: usize = 384;

/// How long one file of the one-time model download may take before hashing takes over.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// The embedder in use and, when it is a fallback, why.
#[derive(Clone)]
pub struct Selected {
    /// The embedder.
    pub embedder: Arc<dyn Embedder>,
    /// Why a better embedder could not be used (shown once per run as an event).
    pub fallback_reason: Option<String>,
}

impl std::fmt::Debug for Selected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selected")
            .field("embedder", &self.embedder.name())
            .field("model", &self.embedder.model())
            .field("fallback_reason", &self.fallback_reason)
            .finish()
    }
}

/// The process's embedder, selected lazily.
pub struct Embeddings {
    settings: EmbeddingSettings,
    api: Option<Arc<dyn Embedder>>,
    selected: OnceCell<Result<Selected, String>>,
}

impl std::fmt::Debug for Embeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embeddings")
            .field("mode", &self.settings.mode)
            .field("api", &self.api.as_ref().map(|e| e.name()))
            .field("selected", &self.selected.get())
            .finish()
    }
}

impl Embeddings {
    /// `api` is the configured `/embeddings` client, if any.
    pub fn new(settings: EmbeddingSettings, api: Option<Arc<dyn Embedder>>) -> Self {
        Self {
            settings,
            api,
            selected: OnceCell::new(),
        }
    }

    /// The embedder to use, chosen on the first call.
    pub async fn get(&self) -> anyhow::Result<Selected> {
        self.selected
            .get_or_init(|| self.select())
            .await
            .clone()
            .map_err(anyhow::Error::msg)
    }

    async fn select(&self) -> Result<Selected, String> {
        let hashing = |reason: String| Selected {
            embedder: Arc::new(HashingEmbedder::new(HASHING_DIMENSIONS)),
            fallback_reason: Some(reason),
        };
        let settings = &self.settings;
        match settings.mode {
            EmbeddingsMode::Hashing => {
                return Ok(Selected {
                    embedder: Arc::new(HashingEmbedder::new(HASHING_DIMENSIONS)),
                    fallback_reason: None,
                });
            }
            EmbeddingsMode::Auto => {
                if let Some(api) = &self.api {
                    return Ok(Selected {
                        embedder: api.clone(),
                        fallback_reason: None,
                    });
                }
            }
            EmbeddingsMode::Local => {}
        }
        match load_local(settings).await {
            Ok(local) => {
                info!(model = local.model(), "local embedding model loaded");
                Ok(Selected {
                    embedder: local,
                    fallback_reason: None,
                })
            }
            Err(e) => {
                warn!(error = %e, "local embedding model unavailable; using feature hashing");
                Ok(hashing(format!(
                    "the local embedding model is unavailable ({e}); persona mapping uses \
                     feature hashing, which matches words rather than meaning"
                )))
            }
        }
    }
}

async fn load_local(settings: &EmbeddingSettings) -> anyhow::Result<Arc<dyn Embedder>> {
    let mut options = embed_local::ModelOptions::new(settings.data_dir.clone());
    options.model_dir.clone_from(&settings.model_dir);
    options.hub_base_url = settings
        .hub_base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    options.download_timeout = DOWNLOAD_TIMEOUT;
    let dir = embed_local::locate_or_fetch(&options).await?;
    let model = tokio::task::spawn_blocking(move || embed_local::LocalMiniLm::load(&dir)).await??;
    Ok(Arc::new(model))
}

/// The stable hash of an embedded text, stored next to its vector so the vector is
/// recomputed only when the text changes.
pub fn text_hash(text: &str) -> String {
    format!("{:016x}", fnv1a(&[text.as_bytes()]))
}

/// Embeds `texts` with `selected`, in order.
pub async fn embed(
    selected: &Selected,
    texts: &[String],
    usage: &dyn UsageSink,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let vectors = selected.embedder.embed(texts, usage).await?;
    anyhow::ensure!(
        vectors.len() == texts.len(),
        "the embedder returned {} vectors for {} texts",
        vectors.len(),
        texts.len()
    );
    Ok(vectors)
}
