//! The repositories against every backend the environment offers (SQLite always, Postgres
//! when `LEADFORGE_TEST_POSTGRES_URL` is set), each test on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{lead, stores};
use domain::{Phase, PhaseStatus, WorkflowStatus};
use store::{NewEvent, NewRun, Store, SuppressionKind, UsageRow};

async fn new_run(store: &Store) -> (store::Agency, store::User, store::Run) {
    let (user, agency) = store.users().ensure_default().await.unwrap();
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.id.clone(),
            num_leads: 10,
            target_vertical: "dentist".into(),
            target_geography: "Austin, TX".into(),
            params: serde_json::json!({}),
            phases: vec![
                (Phase::Source, true),
                (Phase::FilterRank, true),
                (Phase::Personas, false),
            ],
        })
        .await
        .unwrap();
    (agency, user, run)
}

#[tokio::test]
async fn migrations_are_idempotent_and_the_default_agency_is_created_once() {
    for (db, store) in stores().await {
        assert_eq!(store.migrate().await.unwrap(), 0, "{:?}", db.backend);
        let (u1, a1) = store.users().ensure_default().await.unwrap();
        let (u2, a2) = store.users().ensure_default().await.unwrap();
        assert_eq!((u1.id, a1.id), (u2.id, a2.id));
    }
}

#[tokio::test]
async fn a_run_keeps_its_phases_progress_and_last_event() {
    for (db, store) in stores().await {
        let (agency, _, run) = new_run(&store).await;
        assert_eq!(run.workflow_status, WorkflowStatus::Queued);
        assert_eq!(run.phases.len(), 3);
        assert_eq!(run.phases[2].status, PhaseStatus::Skipped);

        let runs = store.runs();
        runs.set_status(&run.id, WorkflowStatus::Running, None)
            .await
            .unwrap();
        runs.set_phase_status(&run.id, Phase::Source, PhaseStatus::Running, None)
            .await
            .unwrap();
        runs.set_phase_counts(&run.id, Phase::Source, 5, 10)
            .await
            .unwrap();
        runs.set_phase_status(&run.id, Phase::Source, PhaseStatus::Complete, None)
            .await
            .unwrap();
        store
            .events()
            .append(
                &run.id,
                &agency.id,
                NewEvent::info(Some(Phase::Source), "k", "Fetched 10 places"),
            )
            .await
            .unwrap();

        let got = runs.get(&run.id).await.unwrap().unwrap();
        assert_eq!(
            got.workflow_status,
            WorkflowStatus::Running,
            "{:?}",
            db.backend
        );
        assert!(got.started_at.is_some());
        assert_eq!(got.phases[0].status, PhaseStatus::Complete);
        assert!(got.phases[0].started_at.is_some() && got.phases[0].finished_at.is_some());
        assert_eq!(got.last_event.as_deref(), Some("Fetched 10 places"));
        assert!(
            got.progress > 0.0 && got.progress < 100.0,
            "progress {}",
            got.progress
        );

        runs.set_status(&run.id, WorkflowStatus::Failed, Some("boom"))
            .await
            .unwrap();
        let got = runs.get(&run.id).await.unwrap().unwrap();
        assert_eq!(got.error.as_deref(), Some("boom"));
        assert!(got.finished_at.is_some());
        let events = store.events().list(&run.id, None, 10).await.unwrap();
        assert_eq!(events.len(), 1);
    }
}

#[tokio::test]
async fn upserting_the_same_leads_twice_duplicates_nothing_and_keeps_worked_status() {
    for (db, store) in stores().await {
        let (agency, user, run) = new_run(&store).await;
        let leads: Vec<_> = (0..450)
            .map(|i| lead(&format!("p{i}"), 50, i + 1))
            .collect();
        let opps = store.opportunities();
        opps.upsert_for_run(&agency.id, &run.id, "dentist", "Austin, TX", &leads)
            .await
            .unwrap();
        let first = opps.list_for_run(&agency.id, &run.id).await.unwrap();
        assert_eq!(first.len(), 450, "{:?}", db.backend);
        let worked = first[3].opportunity.id.clone();
        opps.set_status(&agency.id, &worked, "CONTACTED")
            .await
            .unwrap();

        // A second run sources the same places with new scores.
        let run2 = store
            .runs()
            .create(&NewRun {
                agency_id: agency.id.clone(),
                user_id: user.id.clone(),
                num_leads: 10,
                target_vertical: "dentist".into(),
                target_geography: "Austin, TX".into(),
                params: serde_json::json!({}),
                phases: vec![],
            })
            .await
            .unwrap();
        let rescored: Vec<_> = (0..450)
            .map(|i| lead(&format!("p{i}"), 80, i + 1))
            .collect();
        opps.upsert_for_run(&agency.id, &run2.id, "dentist", "Austin, TX", &rescored)
            .await
            .unwrap();
        opps.upsert_for_run(&agency.id, &run2.id, "dentist", "Austin, TX", &rescored)
            .await
            .unwrap();

        assert_eq!(opps.count(&agency.id).await.unwrap(), 450);
        let again = opps.get(&agency.id, &worked).await.unwrap().unwrap();
        assert_eq!(again.status, "CONTACTED");
        assert_eq!(again.qualification_score, 80);
        assert_eq!(again.lead_gen_flow_id.as_deref(), Some(run2.id.as_str()));
        // Both runs still list their leads.
        assert_eq!(
            opps.list_for_run(&agency.id, &run.id).await.unwrap().len(),
            450
        );
        assert_eq!(
            opps.list_for_run(&agency.id, &run2.id).await.unwrap().len(),
            450
        );
    }
}

#[tokio::test]
async fn another_agency_cannot_read_a_lead_or_a_run() {
    for (_db, store) in stores().await {
        let (agency, _, run) = new_run(&store).await;
        store
            .opportunities()
            .upsert_for_run(
                &agency.id,
                &run.id,
                "dentist",
                "Austin",
                &[lead("x", 10, 1)],
            )
            .await
            .unwrap();
        let other = store
            .agencies()
            .create(&store::AgencyProfile::default_agency())
            .await
            .unwrap();
        let id = store
            .opportunities()
            .list_for_run(&agency.id, &run.id)
            .await
            .unwrap()[0]
            .opportunity
            .id
            .clone();
        assert!(
            store
                .opportunities()
                .get(&other.id, &id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .opportunities()
                .list_for_run(&other.id, &run.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .runs()
                .get_for_agency(&other.id, &run.id)
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn the_cache_expires_and_purges() {
    for (_db, store) in stores().await {
        let cache = store.cache();
        cache
            .put("k1", "serper", "{\"a\":1}", 60_000)
            .await
            .unwrap();
        cache.put("k2", "serper", "old", -1).await.unwrap();
        assert_eq!(cache.get("k1").await.unwrap().as_deref(), Some("{\"a\":1}"));
        assert_eq!(cache.get("k2").await.unwrap(), None);
        assert_eq!(cache.purge_expired().await.unwrap(), 1);
        cache.put("k1", "serper", "new", 60_000).await.unwrap();
        assert_eq!(cache.get("k1").await.unwrap().as_deref(), Some("new"));
    }
}

#[tokio::test]
async fn usage_totals_add_up_per_run_without_cache_hits() {
    for (_db, store) in stores().await {
        let (agency, _, run) = new_run(&store).await;
        let row = |status: &str, cost: f64| UsageRow {
            provider: "serper".into(),
            operation: "places.search".into(),
            tokens_in: 10,
            tokens_out: 5,
            cost_usd: cost,
            status: status.into(),
            run_id: Some(run.id.to_string()),
            agency_id: Some(agency.id.to_string()),
            ..UsageRow::default()
        };
        store.usage().record(&row("ok", 0.001)).await.unwrap();
        store.usage().record(&row("ok", 0.002)).await.unwrap();
        store.usage().record(&row("cache_hit", 0.0)).await.unwrap();
        let t = store.usage().run_totals(run.id.as_str()).await.unwrap();
        assert_eq!((t.calls, t.tokens), (2, 30));
        assert!((t.cost - 0.003).abs() < 1e-9);
        assert_eq!(
            store.usage().for_run(run.id.as_str()).await.unwrap().len(),
            3
        );
    }
}

#[tokio::test]
async fn suppression_entries_are_unique_per_agency() {
    for (_db, store) in stores().await {
        let (agency, _, _) = new_run(&store).await;
        let s = store.suppression();
        s.add(
            &agency.id,
            SuppressionKind::Domain,
            "example.com",
            Some("client"),
        )
        .await
        .unwrap();
        s.add(&agency.id, SuppressionKind::Domain, "example.com", None)
            .await
            .unwrap();
        s.add(&agency.id, SuppressionKind::Phone, "+15125550100", None)
            .await
            .unwrap();
        assert_eq!(s.list(&agency.id).await.unwrap().len(), 2);
        assert!(
            s.remove(&agency.id, SuppressionKind::Phone, "+15125550100")
                .await
                .unwrap()
        );
        assert_eq!(s.list(&agency.id).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_database_in_an_unwritable_place_fails_with_a_clear_error() {
    let err = Store::open("sqlite:///proc/leadforge-cannot-write-here/x.db")
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("cannot"), "{msg}");
}
