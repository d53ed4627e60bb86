//! Bad input of every kind gives one clear error line and a non-zero exit, and nothing already
//! stored is lost.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Harness, error_line, stderr};
use sample_world::{Fault, FaultProvider};
use store::testing::TestDb;

const ALL_PROVIDERS: [FaultProvider; 5] = [
    FaultProvider::Serper,
    FaultProvider::GooglePlaces,
    FaultProvider::GoogleLegacy,
    FaultProvider::Nominatim,
    FaultProvider::Overpass,
];

/// A harness whose database already holds one completed campaign.
async fn with_history() -> (Harness, u64) {
    let h = Harness::new(TestDb::sqlite()).await;
    let (out, _) = h.run_json("dentist", "Austin, TX", 10).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let store = h.store().await;
    let (_, agency) = store.users().ensure_default().await.unwrap();
    let n = store.opportunities().count(&agency.id).await.unwrap();
    (h, n)
}

async fn assert_history_intact(h: &Harness, before: u64) {
    let store = h.store().await;
    let (_, agency) = store.users().ensure_default().await.unwrap();
    assert_eq!(
        store.opportunities().count(&agency.id).await.unwrap(),
        before
    );
}

#[tokio::test]
async fn out_of_range_lead_counts_and_empty_fields_are_refused_before_any_work() {
    let (h, before) = with_history().await;
    let calls = h.world.requests(sample_world::endpoint::SERPER_PLACES);
    for (args, needle) in [
        (
            vec![
                "--vertical",
                "dentist",
                "--geo",
                "Austin, TX",
                "--leads",
                "0",
            ],
            "--leads must be between 1 and 1000, got 0",
        ),
        (
            vec![
                "--vertical",
                "dentist",
                "--geo",
                "Austin, TX",
                "--leads",
                "100000",
            ],
            "got 100000",
        ),
        (
            vec!["--vertical", "", "--geo", "Austin, TX"],
            "--vertical must not be empty",
        ),
        (
            vec!["--vertical", "dentist", "--geo", "   "],
            "--geo must not be empty",
        ),
    ] {
        let mut full = vec!["run"];
        full.extend(args);
        let out = h.leadforge(&full).await;
        assert!(!out.status.success());
        let line = error_line(&out);
        assert!(line.contains(needle), "{line}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        h.world.requests(sample_world::endpoint::SERPER_PLACES),
        calls,
        "no provider was called"
    );
    assert_history_intact(&h, before).await;
}

#[tokio::test]
async fn a_geography_nobody_can_resolve_fails_the_run_with_its_name() {
    let (h, before) = with_history().await;
    let out = h
        .leadforge(&["run", "--vertical", "dentist", "--geo", "Xyzzyville Qwerty"])
        .await;
    assert!(!out.status.success());
    let line = error_line(&out);
    assert!(
        line.contains("Xyzzyville Qwerty") && line.contains("could not be resolved"),
        "{line}"
    );
    assert_history_intact(&h, before).await;
}

#[tokio::test]
async fn provider_failures_everywhere_fail_the_run_naming_each_provider() {
    for fault in [
        Fault::ServerError,
        Fault::Malformed,
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        Fault::Unauthorized,
    ] {
        let (h, before) = with_history().await;
        for p in ALL_PROVIDERS {
            h.world.faults.set(p, fault);
        }
        // A new campaign (not cached) so every provider is really asked.
        let out = h
            .leadforge(&["run", "--vertical", "roofer", "--geo", "Manchester, UK"])
            .await;
        assert!(!out.status.success(), "{fault:?}");
        let line = error_line(&out);
        for name in ["serper", "google_places", "google_places_legacy", "osm"] {
            assert!(line.contains(name), "{fault:?}: {line}");
        }
        assert!(
            !line.contains("sample-world-key"),
            "keys never reach errors: {line}"
        );
        assert_history_intact(&h, before).await;

        // The failed run is recorded as failed, with the phase error.
        let store = h.store().await;
        let (_, agency) = store.users().ensure_default().await.unwrap();
        let runs = store.runs().list(&agency.id, 1).await.unwrap();
        assert_eq!(runs[0].workflow_status, domain::WorkflowStatus::Failed);
        let source = runs[0]
            .phases
            .iter()
            .find(|p| p.name == domain::Phase::Source)
            .unwrap();
        assert!(source.error.is_some(), "{source:?}");
    }
}

#[tokio::test]
async fn a_failing_first_provider_hands_over_and_the_run_records_who_answered() {
    let h = Harness::new(TestDb::sqlite()).await;
    h.world
        .faults
        .set(FaultProvider::Serper, Fault::ServerError);
    let (out, doc) = h.run_json("dentist", "Austin, TX", 10).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(doc["run"]["placesProvider"], "google_places");
    assert_eq!(doc["opportunities"].as_array().unwrap().len(), 10);
    let store = h.store().await;
    let run: domain::RunId = doc["run"]["id"].as_str().unwrap().parse().unwrap();
    let events = store.events().list(&run, None, 50).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "provider_failed" && e.message.contains("serper"))
    );
}

#[tokio::test]
async fn an_unwritable_database_is_one_clear_error() {
    let mut h = Harness::new(TestDb::sqlite()).await;
    h.db.url = "sqlite:///proc/leadforge-no-such-dir/leadforge.db".into();
    let out = h
        .leadforge(&["run", "--vertical", "dentist", "--geo", "Austin, TX"])
        .await;
    assert!(!out.status.success());
    let line = error_line(&out);
    assert!(line.contains("cannot"), "{line}");
}

#[tokio::test]
async fn malformed_configuration_names_the_variable() {
    let mut h = Harness::new(TestDb::sqlite()).await;
    h.extra_env
        .push(("LEADFORGE_BIND".into(), "not-an-address".into()));
    let out = h
        .leadforge(&["run", "--vertical", "dentist", "--geo", "Austin, TX"])
        .await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("LEADFORGE_BIND"),
        "{}",
        stderr(&out)
    );
}
