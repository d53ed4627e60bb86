//! The blob store's round trip on every backend the environment offers: a directory always, and
//! S3 when `LEADFORGE_TEST_S3_URL` names a bucket (`.ci/run` starts a moto server with
//! `.ci/start-s3.sh` and exports it with the `AWS_*` variables). Each test writes under its own
//! directory or its own prefix, so tests never see each other's objects.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use bytes::Bytes;
use futures::future::join_all;
use store::{BlobError, BlobStore, ContentRef};

/// The variable naming the test bucket and a prefix, e.g. `s3://leadforge-test/ci`.
const S3_ENV: &str = "LEADFORGE_TEST_S3_URL";

/// The S3 base URL, or `None` with a note saying the S3 half is skipped.
#[expect(clippy::print_stderr, reason = "a skipped backend is said out loud")]
fn s3_base() -> Option<String> {
    let url = std::env::var(S3_ENV).ok().filter(|s| !s.is_empty());
    if url.is_none() {
        eprintln!("{S3_ENV} is not set: S3 skipped (eval \"$(bash .ci/start-s3.sh)\" to run it)");
    }
    url
}

/// A fresh prefix under the S3 base URL.
fn fresh_s3_url(base: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        uuid::Uuid::now_v7().simple()
    )
}

/// The bucket's root: `s3://bucket` of `s3://bucket/prefix`.
fn bucket_root(base: &str) -> String {
    let rest = base.strip_prefix("s3://").expect("an s3:// URL");
    format!("s3://{}", rest.split('/').next().unwrap_or_default())
}

/// A fresh store on every backend the environment offers (the temp dir lives as long as it).
struct Backends {
    stores: Vec<BlobStore>,
    _dir: tempfile::TempDir,
}

fn backends() -> Backends {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut stores = vec![
        BlobStore::from_url(dir.path().join("blobs").to_str().expect("utf-8")).expect("fs store"),
    ];
    if let Some(base) = s3_base() {
        stores.push(BlobStore::from_url(&fresh_s3_url(&base)).expect("S3 store"));
    }
    Backends { stores, _dir: dir }
}

fn key(s: &str) -> ContentRef {
    ContentRef::parse(s).expect("a clean key")
}

#[tokio::test]
async fn bytes_round_trip_and_a_second_put_replaces_the_first() {
    for store in backends().stores {
        let all_bytes: Vec<u8> = (0..=255).collect();
        let r = store
            .put("runs/r1/places.json", all_bytes.clone())
            .await
            .expect("put");
        assert_eq!(r.as_str(), "runs/r1/places.json");
        assert_eq!(store.get(&r).await.expect("get"), Bytes::from(all_bytes));

        store
            .put("runs/r1/places.json", "second")
            .await
            .expect("overwrite");
        assert_eq!(
            store.get(&r).await.expect("get"),
            Bytes::from("second"),
            "{}",
            store.description()
        );
        let empty = store.put("runs/r1/empty", "").await.expect("put empty");
        assert!(store.get(&empty).await.expect("get empty").is_empty());
    }
}

#[tokio::test]
async fn a_missing_key_is_not_found_naming_the_key() {
    for store in backends().stores {
        store.put("runs/r1/places.json", "[]").await.expect("put");
        let e = store
            .get(&key("runs/r2/places.json"))
            .await
            .expect_err("nothing stored there");
        assert!(
            matches!(&e, BlobError::NotFound(k) if k == "runs/r2/places.json"),
            "{}: {e:?}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn a_five_mib_blob_round_trips_intact() {
    for store in backends().stores {
        let big: Vec<u8> = (0..5 * 1024 * 1024_u32)
            .map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0))
            .collect();
        let r = store
            .put("audits/a1/pages/000.md", big.clone())
            .await
            .expect("put");
        let got = store.get(&r).await.expect("get");
        assert_eq!(got.len(), big.len(), "{}", store.backend());
        assert!(got == big, "{}: content differs", store.backend());
    }
}

#[tokio::test]
async fn keys_with_spaces_or_unicode_are_refused_alike_and_clean_punctuation_is_kept() {
    for store in backends().stores {
        for bad in [
            "pages/a b.md",
            "pages/ünïcode.md",
            "pages/日本語.md",
            "pages/tab\t.md",
            "../escape",
        ] {
            let e = store.put(bad, "x").await.expect_err("refused");
            assert!(
                matches!(&e, BlobError::BadRef(k) if k == bad),
                "{}: {bad:?} gave {e:?}",
                store.backend()
            );
        }
        let r = store
            .put("A-z_0.9/x.y-z_W.md", "kept")
            .await
            .expect("every allowed character");
        assert_eq!(store.get(&r).await.expect("get"), Bytes::from("kept"));
    }
}

#[tokio::test]
async fn fifty_concurrent_puts_all_land() {
    for store in backends().stores {
        let puts = (0..50).map(|i| {
            let store = store.clone();
            async move {
                store
                    .put(&format!("runs/r1/pages/{i:03}.md"), format!("page {i}"))
                    .await
            }
        });
        let refs: Vec<ContentRef> = join_all(puts)
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .expect("every put");
        let gets = refs.iter().map(|r| store.get(r));
        for (i, got) in join_all(gets).await.into_iter().enumerate() {
            assert_eq!(
                got.expect("get"),
                Bytes::from(format!("page {i}")),
                "{}",
                store.backend()
            );
        }
    }
}

#[tokio::test]
async fn stores_on_different_prefixes_of_one_bucket_do_not_see_each_other() {
    let Some(base) = s3_base() else { return };
    let run = fresh_s3_url(&base);
    let a = BlobStore::from_url(&format!("{run}/a")).expect("store a");
    let b = BlobStore::from_url(&format!("{run}/b/")).expect("store b");
    assert_ne!(a.description(), b.description());

    let r = a.put("runs/r1/places.json", "from a").await.expect("put a");
    assert!(
        matches!(b.get(&r).await, Err(BlobError::NotFound(_))),
        "b sees a's object"
    );
    b.put("runs/r1/places.json", "from b").await.expect("put b");
    assert_eq!(a.get(&r).await.expect("a"), Bytes::from("from a"));
    assert_eq!(b.get(&r).await.expect("b"), Bytes::from("from b"));

    // Under the prefix in the bucket itself, where any other S3 client would find it.
    let root = BlobStore::from_url(&bucket_root(&base)).expect("the bucket's root");
    let run_prefix = run
        .strip_prefix(&bucket_root(&base))
        .expect("under the root");
    let full = key(&format!(
        "{}/a/runs/r1/places.json",
        run_prefix.trim_start_matches('/')
    ));
    assert_eq!(root.get(&full).await.expect("root"), Bytes::from("from a"));
}

#[tokio::test]
async fn a_missing_bucket_is_named_in_the_error() {
    let Some(base) = s3_base() else { return };
    let bucket = format!("leadforge-missing-{}", uuid::Uuid::now_v7().simple());
    let store = BlobStore::from_url(&format!("s3://{bucket}/ci")).expect("open");
    let e = store
        .put("runs/r1/places.json", "[]")
        .await
        .expect_err("no such bucket");
    assert!(
        matches!(&e, BlobError::NoBucket(b) if *b == bucket),
        "{e:?}"
    );
    assert!(e.to_string().contains(&bucket), "{e}");
    let e = store
        .get(&key("runs/r1/places.json"))
        .await
        .expect_err("no such bucket");
    assert!(matches!(&e, BlobError::NoBucket(_)), "{e:?}");
    drop(base);
}
