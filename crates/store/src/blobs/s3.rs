//! `BLOB_STORE_URL=s3://bucket[/prefix]`: Amazon S3, or an S3-compatible server (MinIO, moto)
//! named by `AWS_ENDPOINT_URL`, configured from the standard `AWS_*` variables.
//!
//! Keys live under the prefix, so several deployments (or test runs) can share a bucket.
//! Requests are path-style (`<endpoint>/<bucket>/<key>`), which every S3-compatible server
//! understands. Credentials never reach a description, a `Debug` or an error: S3 error bodies
//! can echo the signed request (session token included), so only their `<Code>` and
//! `<Message>` are kept, and the configured secrets are scrubbed from any text as well.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientConfigKey, ClientOptions, ObjectStore, RetryConfig};

use super::{BlobError, is_clean_key};

/// Time allowed to open a connection to S3.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one whole request, body included (a scraped page or a places snapshot is
/// at most a few MiB).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Retries for throttling, 5xx and dropped connections: a few, quickly, and never past a
/// minute, so a job fails (and is retried by the queue) instead of hanging.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: 4,
        retry_timeout: Duration::from_secs(60),
    }
}

/// An opened S3 store.
pub(super) struct Opened {
    pub store: Arc<dyn ObjectStore>,
    pub bucket: String,
    pub description: String,
    pub secrets: Secrets,
}

/// Opens `s3://bucket[/prefix]` with the `AWS_*` entries of `vars`.
pub(super) fn open<K, V>(
    url: &str,
    vars: impl IntoIterator<Item = (K, V)>,
) -> Result<Opened, BlobError>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let Location { bucket, prefix } = parse(url)?;
    let mut builder = AmazonS3Builder::new()
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(CONNECT_TIMEOUT)
                .with_timeout(REQUEST_TIMEOUT),
        )
        .with_retry(retry())
        .with_virtual_hosted_style_request(false);
    let mut secrets = Secrets::default();
    for (k, v) in vars {
        let (k, v) = (k.as_ref(), v.as_ref());
        // An exported-but-empty variable means "unset" (an empty session token would be sent).
        if !k.starts_with("AWS_") || v.is_empty() {
            continue;
        }
        if matches!(k, "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN") {
            secrets.add(v);
        }
        if let Ok(key) = k.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
            builder = builder.with_config(key, v);
        }
    }
    let region = builder
        .get_config_value(&AmazonS3ConfigKey::Region)
        .ok_or_else(|| {
            BlobError::BadUrl(format!(
                "s3://{bucket} needs a region: set AWS_REGION (or AWS_DEFAULT_REGION)"
            ))
        })?;
    let endpoint = builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
    let shown_endpoint = match endpoint {
        Some(e) => {
            let allow_http = builder
                .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
                .is_some_and(|v| is_truthy(&v));
            checked_endpoint(&e, allow_http)?
        }
        None => format!("https://s3.{region}.amazonaws.com"),
    };
    let s3 = builder
        .with_bucket_name(&bucket)
        .build()
        .map_err(|e| BlobError::BadUrl(secrets.scrub(&format!("S3 configuration: {e}"))))?;
    let (store, shown_url): (Arc<dyn ObjectStore>, String) = if prefix.is_empty() {
        (Arc::new(s3), format!("s3://{bucket}"))
    } else {
        (
            Arc::new(PrefixStore::new(s3, prefix.as_str())),
            format!("s3://{bucket}/{prefix}"),
        )
    };
    Ok(Opened {
        store,
        description: format!("{shown_url} at {shown_endpoint} ({region})"),
        bucket,
        secrets,
    })
}

/// What an `s3://` URL names.
#[derive(Debug, PartialEq, Eq)]
struct Location {
    bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    prefix: String,
}

fn parse(url: &str) -> Result<Location, BlobError> {
    let bad = |why: String| Err(BlobError::BadUrl(why));
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // Checked before anything echoes the URL: it may be carrying a key.
    if bucket.contains('@') {
        return bad(
            "an s3:// URL takes no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                .into(),
        );
    }
    if rest.contains(['?', '#']) {
        return bad(format!(
            "{url:?}: an s3:// URL takes no query or fragment (S3 settings are AWS_* variables)"
        ));
    }
    if bucket.is_empty() {
        return bad(format!(
            "{url:?} names no bucket: use s3://bucket or s3://bucket/prefix"
        ));
    }
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !bucket_ok {
        return bad(format!(
            "{bucket:?} is not an S3 bucket name (3 to 63 lowercase letters, digits, '.' or '-')"
        ));
    }
    let prefix = prefix.trim_matches('/');
    if !prefix.is_empty() && !is_clean_key(prefix) {
        return bad(format!(
            "prefix {prefix:?} in {url:?}: use letters, digits and '-', '_', '.' between '/'"
        ));
    }
    Ok(Location {
        bucket: bucket.to_owned(),
        prefix: prefix.to_owned(),
    })
}

/// The endpoint as shown, after refusing what cannot work or would leak.
fn checked_endpoint(endpoint: &str, allow_http: bool) -> Result<String, BlobError> {
    const NAMES: &str = "AWS_ENDPOINT_URL (or AWS_ENDPOINT, AWS_ENDPOINT_URL_S3)";
    let Ok(u) = url::Url::parse(endpoint) else {
        return Err(BlobError::BadUrl(format!("{NAMES} is not a URL")));
    };
    if !u.username().is_empty() || u.password().is_some() {
        return Err(BlobError::BadUrl(format!(
            "{NAMES} carries credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead"
        )));
    }
    let shown = endpoint.trim_end_matches('/').to_owned();
    match u.scheme() {
        "https" => Ok(shown),
        "http" if allow_http => Ok(shown),
        "http" => Err(BlobError::BadUrl(format!(
            "the S3 endpoint {shown} is plain http: set AWS_ALLOW_HTTP=true to allow it"
        ))),
        other => Err(BlobError::BadUrl(format!(
            "{NAMES} has scheme {other:?}: use https:// (or http:// with AWS_ALLOW_HTTP=true)"
        ))),
    }
}

/// `object_store`'s reading of a boolean setting.
fn is_truthy(v: &str) -> bool {
    ["true", "1", "on", "yes", "y"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
}

/// The configured secret values, to scrub from any text that leaves the store.
#[derive(Default)]
pub(super) struct Secrets(Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

impl Secrets {
    /// Remembers `secret`; values too short to be real keys (moto's `test`) are not
    /// scrubbed, or a bucket called `leadforge-test` would read as `leadforge-******`.
    fn add(&mut self, secret: &str) {
        if secret.len() >= 8 {
            self.0.push(secret.to_owned());
        }
    }

    /// `text` with every known secret replaced by `******`.
    pub(super) fn scrub(&self, text: &str) -> String {
        self.0
            .iter()
            .fold(text.to_owned(), |t, s| t.replace(s.as_str(), "******"))
    }
}

/// The `<Code>` and `<Message>` of an S3 XML error body.
#[derive(Debug)]
pub(super) struct ErrorBody {
    pub code: String,
    pub message: Option<String>,
}

impl ErrorBody {
    /// The error body inside an `object_store` error's text, if it carries one.
    pub(super) fn find(text: &str) -> Option<Self> {
        Some(Self {
            code: element(text, "Code")?,
            message: element(text, "Message"),
        })
    }
}

fn element(text: &str, name: &str) -> Option<String> {
    let (_, after) = text.split_once(&format!("<{name}>"))?;
    let (value, _) = after.split_once(&format!("</{name}>"))?;
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

/// S3 error codes meaning "not allowed" (bad or expired credentials, or a policy).
pub(super) fn is_denial(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied"
            | "AllAccessDisabled"
            | "ExpiredToken"
            | "InvalidAccessKeyId"
            | "InvalidToken"
            | "SignatureDoesNotMatch"
            | "TokenRefreshRequired"
    )
}

/// An `object_store` error's text without the response body (anything from the first `<`),
/// followed by the body's code and message when it had them.
pub(super) fn summary(text: &str, body: Option<&ErrorBody>) -> String {
    let head = text
        .split('<')
        .next()
        .unwrap_or_default()
        .trim_end()
        .trim_end_matches(':');
    match body {
        Some(ErrorBody {
            code,
            message: Some(m),
        }) => format!("{head}: {code}: {m}"),
        Some(ErrorBody {
            code,
            message: None,
        }) => format!("{head}: {code}"),
        None => head.to_owned(),
    }
}

#[cfg(test)]
mod tests;
