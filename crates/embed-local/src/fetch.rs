//! Finding the model files: a directory the user named, else the cache under the data
//! directory, else a download from the Hugging Face hub into that cache.
//!
//! A download never leaves a file that looks complete but is not: each file is written to a
//! temporary name beside its final one, checked, synced and renamed into place, and only the
//! missing files are fetched, so an interrupted download resumes file by file. The connect
//! timeout is short because an offline machine must fall through to feature hashing quickly.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::error::LoadError;
use crate::model::MODEL_NAME;

/// The three files the model needs.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// The public Hugging Face hub (`HF_ENDPOINT` overrides it by convention).
pub const DEFAULT_HUB_BASE_URL: &str = "https://huggingface.co";
/// The model's repository on the hub.
pub const HUB_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// Where to look for the model and where to fetch it from.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// A directory holding the three files (`LEADFORGE_EMBEDDINGS_MODEL_DIR`); when set it is
    /// the only place looked at, and nothing is downloaded.
    pub model_dir: Option<PathBuf>,
    /// The app's data directory; the cache is `{data_dir}/models/all-MiniLM-L6-v2/`.
    pub data_dir: PathBuf,
    /// The hub's base URL, without a trailing slash (`HF_ENDPOINT`, or a mirror).
    pub hub_base_url: String,
    /// How long to wait for a connection: a few seconds, so offline machines give up fast.
    pub connect_timeout: Duration,
    /// How long one file's download may take in all (the weights are ~90 MB).
    pub download_timeout: Duration,
}

impl ModelOptions {
    /// Defaults: no user directory, the public hub, 3 s to connect, 10 min per file.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            model_dir: None,
            data_dir,
            hub_base_url: DEFAULT_HUB_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(3),
            download_timeout: Duration::from_secs(600),
        }
    }

    /// `{data_dir}/models/all-MiniLM-L6-v2`.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("models").join(MODEL_NAME)
    }

    /// Where `file` is downloaded from.
    pub fn file_url(&self, file: &str) -> String {
        format!(
            "{}/{HUB_REPO}/resolve/main/{file}",
            self.hub_base_url.trim_end_matches('/')
        )
    }
}

/// The files of [`MODEL_FILES`] that `dir` lacks (all of them when `dir` does not exist).
pub fn missing_files(dir: &Path) -> Vec<&'static str> {
    MODEL_FILES
        .into_iter()
        .filter(|f| !dir.join(f).is_file())
        .collect()
}

/// The directory holding the model: `opts.model_dir` when set (an error if it lacks a file),
/// else the cache when complete, else the cache after downloading the missing files.
#[tracing::instrument(skip_all, fields(model.cache = %opts.cache_dir().display()))]
pub async fn locate_or_fetch(opts: &ModelOptions) -> Result<PathBuf, LoadError> {
    if let Some(dir) = &opts.model_dir {
        let missing = missing_files(dir);
        if !missing.is_empty() {
            return Err(LoadError::IncompleteDir {
                dir: dir.clone(),
                missing,
            });
        }
        return Ok(dir.clone());
    }

    let cache = opts.cache_dir();
    let missing = missing_files(&cache);
    if missing.is_empty() {
        return Ok(cache);
    }
    tokio::fs::create_dir_all(&cache)
        .await
        .map_err(|source| LoadError::Cache {
            path: cache.clone(),
            source,
        })?;
    let client = reqwest::Client::builder()
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.download_timeout)
        .build()
        .map_err(|e| LoadError::Download {
            url: opts.file_url(missing[0]),
            message: chain(&e),
        })?;
    for file in missing {
        download(&client, &opts.file_url(file), file, &cache).await?;
    }
    Ok(cache)
}

/// Fetches `url` into `dir/file` through a temporary file.
async fn download(
    client: &reqwest::Client,
    url: &str,
    file: &'static str,
    dir: &Path,
) -> Result<(), LoadError> {
    tracing::info!(model.url = %url, "downloading model file");
    let failed = |e: reqwest::Error| LoadError::Download {
        url: url.to_owned(),
        message: chain(&e),
    };
    let mut response = client.get(url).send().await.map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        return Err(LoadError::DownloadStatus {
            url: url.to_owned(),
            status: status.as_u16(),
        });
    }

    let final_path = dir.join(file);
    // Unique per process and per call, so concurrent downloads never share a temporary file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp_path = dir.join(format!(".{file}.{}-{n}.part", std::process::id()));
    let cache_err = |path: &Path| {
        let path = path.to_owned();
        move |source| LoadError::Cache { path, source }
    };
    let result = async {
        let mut out = tokio::fs::File::create(&temp_path)
            .await
            .map_err(cache_err(&temp_path))?;
        // The first bytes are kept to check the file's kind before it is put in place.
        let mut head = Vec::new();
        let mut total = 0_usize;
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if head.len() < HEAD_BYTES {
                let take = (HEAD_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            total += chunk.len();
            out.write_all(&chunk).await.map_err(cache_err(&temp_path))?;
        }
        out.sync_all().await.map_err(cache_err(&temp_path))?;
        drop(out);
        check_kind(file, &head, total, &temp_path)
            .await
            .map_err(|message| LoadError::DownloadInvalid {
                url: url.to_owned(),
                file,
                message,
            })?;
        tokio::fs::rename(&temp_path, &final_path)
            .await
            .map_err(cache_err(&final_path))?;
        tracing::info!(
            model.file = file,
            model.bytes = total,
            "model file downloaded"
        );
        Ok(())
    }
    .await;
    if result.is_err() {
        // Best effort: a stray `.part` file is never mistaken for the real one.
        let _ = tokio::fs::remove_file(&temp_path).await;
    }
    result
}

/// Bytes of each download kept for [`check_kind`].
const HEAD_BYTES: usize = 16;

/// Whether a downloaded file is plausibly what its name says: JSON for the two `.json` files,
/// a safetensors header for the weights. Catches an HTML error or login page served with 200.
async fn check_kind(file: &str, head: &[u8], total: usize, path: &Path) -> Result<(), String> {
    if file.ends_with(".json") {
        let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
        return serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(|_| ())
            .map_err(|e| format!("not JSON: {e}"));
    }
    // safetensors: an 8-byte little-endian header length, then a JSON header.
    let header_len = head
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| format!("only {total} bytes"))?;
    let fits = usize::try_from(header_len).is_ok_and(|n| n.saturating_add(8) <= total);
    if !fits || head.get(8) != Some(&b'{') {
        return Err("no safetensors header".to_owned());
    }
    Ok(())
}

/// An error and its causes on one line (`connection refused`, `timed out`, …).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_hub_layout_whatever_the_trailing_slash() {
        let mut opts = ModelOptions::new(PathBuf::from("/data"));
        assert_eq!(
            opts.file_url("config.json"),
            "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/config.json"
        );
        opts.hub_base_url = "http://mirror.local/hf/".into();
        assert_eq!(
            opts.file_url("model.safetensors"),
            "http://mirror.local/hf/sentence-transformers/all-MiniLM-L6-v2/resolve/main/model.safetensors"
        );
        assert_eq!(
            opts.cache_dir(),
            PathBuf::from("/data/models/all-MiniLM-L6-v2")
        );
    }

    #[tokio::test]
    async fn an_incomplete_user_directory_is_an_error_and_is_not_filled() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.json"), "{}").expect("write");
        let mut opts = ModelOptions::new(dir.path().join("data"));
        opts.model_dir = Some(dir.path().to_owned());
        opts.hub_base_url = "http://127.0.0.1:9".into();
        let err = locate_or_fetch(&opts).await.expect_err("incomplete");
        match err {
            LoadError::IncompleteDir { missing, .. } => {
                assert_eq!(missing, ["tokenizer.json", "model.safetensors"]);
            }
            other => panic!("unexpected error: {other}"),
        }
        assert!(!dir.path().join("tokenizer.json").exists());
        assert!(!dir.path().join("data").exists());
    }

    #[tokio::test]
    async fn safetensors_check_rejects_html_and_truncated_files() {
        let path = Path::new("/nonexistent");
        let kind = |head: &'static [u8], total| check_kind("model.safetensors", head, total, path);
        assert!(kind(b"<!DOCTYPE html><html>", 5000).await.is_err());
        assert!(kind(b"abc", 3).await.is_err());
        let good: &'static [u8] = b"\x64\0\0\0\0\0\0\0{\"a\":1}";
        assert!(kind(good, 5000).await.is_ok());
        assert!(kind(good, 50).await.is_err(), "header longer than the file");
    }
}
