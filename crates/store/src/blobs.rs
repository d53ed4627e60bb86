//! The blob store: large content (places snapshots, scraped pages) lives here and rows carry
//! only a `contentRef`.

use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

/// A reference to stored content: the object's key inside the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentRef(String);

impl ContentRef {
    /// Wraps a stored reference, refusing anything that is not a clean relative key.
    pub fn parse(s: &str) -> Result<Self, BlobError> {
        let ok = !s.is_empty()
            && !s.starts_with('/')
            && s.split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(BlobError::BadRef(s.to_owned()))
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ContentRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What can go wrong with blobs.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// `BLOB_STORE_URL` is not usable.
    #[error("BLOB_STORE_URL is not usable: {0}")]
    BadUrl(String),
    /// A content reference is malformed.
    #[error("malformed contentRef {0:?}")]
    BadRef(String),
    /// No blob under that reference.
    #[error("no stored content at {0}")]
    NotFound(String),
    /// The backing store failed.
    #[error("blob store error: {0}")]
    Store(String),
}

/// Content-addressed-ish storage for large values, over `object_store`.
#[derive(Debug, Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl BlobStore {
    /// Opens the store named by `BLOB_STORE_URL`: a directory path or `file:///abs/path`
    /// (created if missing), or `memory://` (tests).
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        if url == "memory://" || url == "memory:" {
            return Ok(Self {
                inner: Arc::new(InMemory::new()),
                description: "memory".into(),
            });
        }
        let path = if let Some(rest) = url.strip_prefix("file://") {
            rest.to_owned()
        } else if url.contains("://") {
            return Err(BlobError::BadUrl(format!(
                "unsupported scheme in {:?} (use a directory path, file:///path or memory://)",
                url.split("://").next().unwrap_or("")
            )));
        } else {
            url.to_owned()
        };
        if path.is_empty() {
            return Err(BlobError::BadUrl("empty path".into()));
        }
        std::fs::create_dir_all(&path)
            .map_err(|e| BlobError::BadUrl(format!("cannot create {path}: {e}")))?;
        let fs = LocalFileSystem::new_with_prefix(&path)
            .map_err(|e| BlobError::BadUrl(format!("{path}: {e}")))?;
        Ok(Self {
            inner: Arc::new(fs),
            description: path,
        })
    }

    /// Where blobs go, for `doctor` and logs.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stores `bytes` under `key` (overwriting: writers use deterministic keys, so a retried
    /// job rewrites the same object instead of leaking a new one).
    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> Result<ContentRef, BlobError> {
        let r = ContentRef::parse(key)?;
        self.inner
            .put(&ObjectPath::from(key), PutPayload::from_bytes(bytes.into()))
            .await
            .map_err(|e| BlobError::Store(e.to_string()))?;
        Ok(r)
    }

    /// Reads a blob.
    pub async fn get(&self, r: &ContentRef) -> Result<Bytes, BlobError> {
        let res = self.inner.get(&ObjectPath::from(r.as_str())).await;
        match res {
            Ok(got) => got
                .bytes()
                .await
                .map_err(|e| BlobError::Store(e.to_string())),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::NotFound(r.to_string())),
            Err(e) => Err(BlobError::Store(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_refs_refuse_traversal_and_absolute_paths() {
        assert!(ContentRef::parse("runs/abc/places.json").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "a b", "a/./b"] {
            assert!(ContentRef::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[tokio::test]
    async fn blobs_round_trip_on_disk_and_missing_ones_say_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = BlobStore::from_url(dir.path().to_str().expect("utf8")).expect("open");
        let r = store
            .put("runs/r1/places.json", "[1,2]")
            .await
            .expect("put");
        assert_eq!(store.get(&r).await.expect("get"), Bytes::from("[1,2]"));
        let missing = ContentRef::parse("runs/r2/places.json").expect("ref");
        assert!(matches!(
            store.get(&missing).await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(matches!(
            BlobStore::from_url("ftp://x/y"),
            Err(BlobError::BadUrl(_))
        ));
    }
}
