//! Why the model could not be found, fetched or loaded, and why a batch could not be embedded.
//!
//! Every message names the file and the path (or the URL) involved, so that a user can fix it
//! without reading the code. There is no secret anywhere in this crate's URLs.

use std::path::PathBuf;

use providers::ProviderError;

/// The model could not be located, downloaded or loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A model file is not where it should be.
    #[error("model file {file} not found at {}", path.display())]
    MissingFile {
        /// `config.json`, `tokenizer.json` or `model.safetensors`.
        file: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A model file exists but could not be read.
    #[error("cannot read model file {file} at {}: {source}", path.display())]
    Read {
        /// The file's name.
        file: &'static str,
        /// Its path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model file was read but is not what the model needs.
    #[error("model file {file} at {} is malformed: {message}", path.display())]
    Malformed {
        /// The file's name.
        file: &'static str,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A directory the user named lacks some model files; it is never downloaded into.
    #[error(
        "model directory {} is incomplete (missing {}); put config.json, tokenizer.json and \
         model.safetensors there or unset it",
        dir.display(),
        missing.join(", ")
    )]
    IncompleteDir {
        /// The directory.
        dir: PathBuf,
        /// The files it lacks.
        missing: Vec<&'static str>,
    },
    /// A download did not complete: unreachable host, timeout, broken connection.
    #[error("downloading {url} failed: {message}")]
    Download {
        /// What was fetched.
        url: String,
        /// Why it failed, with its causes.
        message: String,
    },
    /// The hub answered a download with an error status.
    #[error("downloading {url} failed: HTTP {status}")]
    DownloadStatus {
        /// What was fetched.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The hub answered with something that is not the expected file (a login page, say).
    #[error("downloading {url} gave something that is not a valid {file}: {message}")]
    DownloadInvalid {
        /// What was fetched.
        url: String,
        /// The file's name.
        file: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The model cache could not be written.
    #[error("cannot write the model cache at {}: {source}", path.display())]
    Cache {
        /// The path being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A batch of texts could not be embedded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmbedError {
    /// The tokenizer refused the input.
    #[error("tokenizing failed: {0}")]
    Tokenize(String),
    /// The model failed while running (a shape or an index out of range, say).
    #[error("model inference failed: {0}")]
    Inference(String),
    /// The blocking task running the model did not finish (it panicked or was cancelled).
    #[error("embedding task did not finish: {0}")]
    Task(String),
}

impl From<EmbedError> for ProviderError {
    fn from(err: EmbedError) -> Self {
        let status = match &err {
            EmbedError::Tokenize(_) => "tokenize_failed",
            EmbedError::Inference(_) => "inference_failed",
            EmbedError::Task(_) => "task_failed",
        };
        ProviderError::Upstream {
            provider: crate::NAME,
            status: status.to_owned(),
            message: err.to_string(),
        }
    }
}

impl From<candle_core::Error> for EmbedError {
    fn from(err: candle_core::Error) -> Self {
        Self::Inference(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_path() {
        let err = LoadError::MissingFile {
            file: "tokenizer.json",
            path: PathBuf::from("/models/x/tokenizer.json"),
        };
        assert_eq!(
            err.to_string(),
            "model file tokenizer.json not found at /models/x/tokenizer.json"
        );
        let err = LoadError::IncompleteDir {
            dir: PathBuf::from("/m"),
            missing: vec!["config.json", "model.safetensors"],
        };
        assert!(
            err.to_string()
                .contains("/m is incomplete (missing config.json, model.safetensors)")
        );
    }

    #[test]
    fn embed_errors_become_non_retryable_provider_errors() {
        let err: ProviderError = EmbedError::Inference("shape mismatch".into()).into();
        assert_eq!(
            err.to_string(),
            "local_minilm: inference_failed: model inference failed: shape mismatch"
        );
        assert!(!err.is_retryable());
    }
}
