//! `leadforge doctor` against the sample world: every configured provider answers, a refused
//! key is reported, and no secret is ever printed.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Harness, stderr};
use store::testing::TestDb;

#[tokio::test]
async fn doctor_checks_every_configured_provider_without_printing_secrets() {
    let mut h = Harness::new(TestDb::sqlite()).await;
    let out = h.leadforge(&["doctor", "--json"]).await;
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let status = |p: &str| {
        checks
            .iter()
            .find(|c| c["provider"] == p)
            .map(|c| c["status"].as_str().unwrap().to_owned())
    };
    for p in [
        "sqlite",
        "object_store",
        "serper",
        "google_places",
        "google_places_legacy",
        "nominatim",
        "overpass",
        "openai_compatible",
        "rules",
        "local_hashing",
    ] {
        assert_eq!(status(p).as_deref(), Some("ok"), "{p}: {checks:?}");
    }
    // The local embedding model is reported without being loaded or downloaded.
    assert!(
        matches!(
            status("local_minilm").as_deref(),
            Some("ok" | "not downloaded")
        ),
        "{checks:?}"
    );

    // A wrong LLM key is reported as refused, by name, and never shown.
    h.extra_env
        .push(("OPENAI_API_KEY".into(), "sk-wrong-secret-123".into()));
    let out = h.leadforge(&["doctor"]).await;
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(
        text.contains("openai_compatible") && text.contains("rejected"),
        "{text}"
    );
    assert!(
        !text.contains("sk-wrong-secret-123") && !text.contains("sample-world-key"),
        "{text}"
    );
}
