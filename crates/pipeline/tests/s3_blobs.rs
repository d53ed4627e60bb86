//! A campaign with `BLOB_STORE_URL=s3://…` (DESIGN §1's scale-out blob store): the places
//! snapshot and the scraped pages land in the bucket under the URL's prefix, read back through
//! the run's store, and `doctor` shows the bucket without credentials. Runs when
//! `LEADFORGE_TEST_S3_URL` names a bucket (`.ci/run` starts moto with `.ci/start-s3.sh`, which
//! also exports the `AWS_*` variables the store reads); skipped, saying so, otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod audit_support;

use audit_support::*;
use domain::WorkflowStatus;
use store::testing::TestDb;
use store::{BlobStore, ContentRef, ScrapedPage};

const S3_ENV: &str = "LEADFORGE_TEST_S3_URL";

#[expect(clippy::print_stderr, reason = "a skipped story is said out loud")]
fn s3_base() -> Option<String> {
    let url = std::env::var(S3_ENV).ok().filter(|s| !s.is_empty());
    if url.is_none() {
        eprintln!("{S3_ENV} is not set: skipped (eval \"$(bash .ci/start-s3.sh)\" to run it)");
    }
    url
}

#[tokio::test]
async fn a_campaign_keeps_its_places_snapshot_and_scraped_pages_in_the_bucket() {
    let Some(base) = s3_base() else { return };
    let (bucket_url, _) = base
        .strip_prefix("s3://")
        .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
        .expect("an s3:// URL");
    let bucket_url = format!("s3://{bucket_url}");
    let url = format!(
        "{}/{}",
        base.trim_end_matches('/'),
        uuid::Uuid::now_v7().simple()
    );
    // The run's keys, as any S3 client sees them: under the URL's prefix.
    let in_bucket = |key: &str| {
        let prefix = url.strip_prefix(&bucket_url).unwrap().trim_matches('/');
        ContentRef::parse(&format!("{prefix}/{key}")).unwrap()
    };
    let root = BlobStore::from_url(&bucket_url).expect("the bucket's root");

    let world = world().await;
    let db = TestDb::sqlite();
    let vars = vars(&db, &world, &[("BLOB_STORE_URL", Some(url.as_str()))]);
    let svc = services_from(&vars).await;
    assert_eq!(svc.blobs.backend(), "s3", "{}", svc.blobs.description());
    let (user, agency) = agency_with_claims(&svc.store).await;
    let started = campaign(
        &svc.store,
        &agency,
        &user,
        ("roofer", "Manchester, UK"),
        6,
        3,
    )
    .await;
    let pool = workers(&svc, 4);
    let run = ended_run(&svc.store, &started.id).await;
    pool.shutdown().await;
    assert_eq!(
        run.workflow_status,
        WorkflowStatus::Completed,
        "{:?}",
        run.phases
    );

    let snapshot = run
        .places_snapshot
        .clone()
        .expect("source stored a snapshot");
    assert_eq!(snapshot, format!("runs/{}/places.json", run.id));
    let bytes = svc
        .blobs
        .get(&ContentRef::parse(&snapshot).unwrap())
        .await
        .expect("the snapshot reads back");
    let places: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert!(
        places["places"].as_array().is_some_and(|p| !p.is_empty()),
        "{places}"
    );
    assert_eq!(
        root.get(&in_bucket(&snapshot))
            .await
            .expect("in the bucket"),
        bytes
    );

    let audits = svc
        .store
        .audits()
        .for_run(&agency.id, &run.id)
        .await
        .unwrap();
    // At most three: the leads that survive filtering and have a site to audit.
    assert!((1..=3).contains(&audits.len()), "{audits:?}");
    let mut scraped = 0;
    for audit in &audits {
        let pages = svc
            .store
            .audits()
            .pages(&agency.id, &audit.id)
            .await
            .unwrap();
        for page in pages.iter().filter(|p| ScrapedPage::is_scraped(p)) {
            let text = markdown(&svc, page).await;
            assert!(!text.trim().is_empty(), "{} stored empty", page.url);
            let key = page.content_ref.as_deref().unwrap();
            assert_eq!(
                root.get(&in_bucket(key)).await.expect("in the bucket"),
                text.as_bytes(),
                "{key}"
            );
            scraped += 1;
        }
    }
    assert!(scraped > 0, "no audit scraped a page: {audits:?}");
    // Nothing went to the local default.
    assert!(
        !std::path::Path::new("leadforge-data/blobs/runs")
            .join(run.id.as_str())
            .exists()
    );

    let config = pipeline::Config::from_vars(&vars).expect("config");
    let checks = pipeline::doctor::run(&config).await;
    let blobs = checks
        .iter()
        .find(|c| c.chain == "blobs")
        .expect("doctor checks the blob store");
    assert_eq!(blobs.status, "ok", "{blobs:?}");
    assert!(
        blobs.endpoint.starts_with(&format!("{url} at http")),
        "{blobs:?}"
    );
    let key_id = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default();
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default();
    let shown = format!("{checks:?}");
    for s in [key_id, secret].iter().filter(|s| s.len() >= 8) {
        assert!(!shown.contains(s.as_str()), "a credential in {shown}");
    }
}
