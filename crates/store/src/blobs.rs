//! The blob store: large content (places snapshots, scraped pages) lives here and rows carry
//! only a `contentRef`.
//!
//! `BLOB_STORE_URL` picks the backend: a directory (the embedded default), `memory://` for
//! tests, or `s3://bucket[/prefix]` for scale-out (`blobs/s3.rs`). Keys and errors behave the same
//! on each, so callers never ask which one they have.

mod s3;

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
        if is_clean_key(s) {
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

/// Relative, `/`-separated, ASCII letters, digits and `-_.` only, no empty, `.` or `..`
/// segment: the same object name on a disk, in S3 and in a URL.
fn is_clean_key(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && s.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

/// What can go wrong with blobs. No variant ever carries a credential.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// `BLOB_STORE_URL` (or the S3 settings beside it) is not usable.
    #[error("BLOB_STORE_URL is not usable: {0}")]
    BadUrl(String),
    /// A content reference is malformed.
    #[error("malformed contentRef {0:?}")]
    BadRef(String),
    /// No blob under that reference.
    #[error("no stored content at {0}")]
    NotFound(String),
    /// The S3 bucket `BLOB_STORE_URL` names does not exist.
    #[error("S3 bucket {0:?} does not exist (create it, or fix BLOB_STORE_URL)")]
    NoBucket(String),
    /// The store refused the credentials or the operation.
    #[error(
        "the blob store refused access: {0} (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, \
         AWS_SESSION_TOKEN and the bucket's policy)"
    )]
    Denied(String),
    /// The backing store failed.
    #[error("blob store error: {0}")]
    Store(String),
}

/// Which backend a store is on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Backend {
    Memory,
    Fs,
    S3 { bucket: String },
}

/// Content-addressed-ish storage for large values, over `object_store`.
///
/// `Debug` shows only [`BlobStore::description`]: the S3 client inside holds credentials.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    backend: Backend,
    description: String,
    secrets: Arc<s3::Secrets>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("backend", &self.backend())
            .field("at", &self.description)
            .finish_non_exhaustive()
    }
}

impl BlobStore {
    /// Opens the store named by `BLOB_STORE_URL`: a directory path or `file:///abs/path`
    /// (created if missing), `memory://` (tests), or `s3://bucket[/prefix]` configured from the
    /// process's `AWS_*` variables (see [`BlobStore::from_url_with_env`]).
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        let aws = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("AWS_"));
        Self::from_url_with_env(url, aws)
    }

    /// [`BlobStore::from_url`] with the `AWS_*` variables given instead of read from the
    /// process: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`
    /// or `AWS_DEFAULT_REGION` (required for S3), `AWS_ENDPOINT_URL` / `AWS_ENDPOINT` /
    /// `AWS_ENDPOINT_URL_S3` for S3-compatible servers (addressed path-style), `AWS_ALLOW_HTTP`
    /// for an `http://` endpoint, and the other keys `object_store` knows. Other URLs ignore
    /// them.
    pub fn from_url_with_env<K, V>(
        url: &str,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, BlobError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        if url == "memory://" || url == "memory:" {
            return Ok(Self::new(
                Arc::new(InMemory::new()),
                Backend::Memory,
                "memory".into(),
                s3::Secrets::default(),
            ));
        }
        if url.starts_with("s3://") {
            let opened = s3::open(url, vars)?;
            return Ok(Self::new(
                opened.store,
                Backend::S3 {
                    bucket: opened.bucket,
                },
                opened.description,
                opened.secrets,
            ));
        }
        let path = if let Some(rest) = url.strip_prefix("file://") {
            rest.to_owned()
        } else if url.contains("://") {
            return Err(BlobError::BadUrl(format!(
                "unsupported scheme in {:?} (use a directory path, file:///path, s3://bucket/prefix \
                 or memory://)",
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
        Ok(Self::new(
            Arc::new(fs),
            Backend::Fs,
            path,
            s3::Secrets::default(),
        ))
    }

    fn new(
        inner: Arc<dyn ObjectStore>,
        backend: Backend,
        description: String,
        secrets: s3::Secrets,
    ) -> Self {
        Self {
            inner,
            backend,
            description,
            secrets: Arc::new(secrets),
        }
    }

    /// Where blobs go, for `doctor` and logs: a directory, `memory`, or
    /// `s3://bucket/prefix at <endpoint> (<region>)`. Never a credential.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// `fs`, `s3` or `memory`.
    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Memory => "memory",
            Backend::Fs => "fs",
            Backend::S3 { .. } => "s3",
        }
    }

    /// Stores `bytes` under `key` (overwriting: writers use deterministic keys, so a retried
    /// job rewrites the same object instead of leaking a new one).
    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> Result<ContentRef, BlobError> {
        let r = ContentRef::parse(key)?;
        self.inner
            .put(&ObjectPath::from(key), PutPayload::from_bytes(bytes.into()))
            .await
            .map_err(|e| self.error(Op::Put, &r, &e))?;
        Ok(r)
    }

    /// Reads a blob.
    pub async fn get(&self, r: &ContentRef) -> Result<Bytes, BlobError> {
        let got = self
            .inner
            .get(&ObjectPath::from(r.as_str()))
            .await
            .map_err(|e| self.error(Op::Get, r, &e))?;
        got.bytes().await.map_err(|e| self.error(Op::Get, r, &e))
    }

    /// One error for every backend: a missing object is [`BlobError::NotFound`] whatever
    /// answered, S3's own error codes become their variants, and the text is stripped of
    /// response bodies and known secrets.
    fn error(&self, op: Op, r: &ContentRef, e: &object_store::Error) -> BlobError {
        let text = self.secrets.scrub(&e.to_string());
        let s3 = s3::ErrorBody::find(&text);
        let code = s3.as_ref().map(|b| b.code.as_str());
        let said = || format!("{} {r}: {}", op.name(), s3::summary(&text, s3.as_ref()));
        match (e, code) {
            (_, Some("NoSuchBucket")) => BlobError::NoBucket(match &self.backend {
                Backend::S3 { bucket } => bucket.clone(),
                Backend::Memory | Backend::Fs => String::new(),
            }),
            (object_store::Error::NotFound { .. }, _) if op == Op::Get => {
                BlobError::NotFound(r.to_string())
            }
            // A 404 to a write is no missing key: something other than S3 answered.
            (object_store::Error::NotFound { .. }, _) => {
                BlobError::Store(format!("{} (is the S3 endpoint right?)", said()))
            }
            (
                object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. },
                _,
            ) => BlobError::Denied(said()),
            (_, Some(c)) if s3::is_denial(c) => BlobError::Denied(said()),
            _ => BlobError::Store(said()),
        }
    }
}

/// What a failed call was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Get,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::Put => "put",
            Self::Get => "get",
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
        assert_eq!(store.backend(), "fs");
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
