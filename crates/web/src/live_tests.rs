//! The hub against a real (SQLite) store: order, resyncs, the end of a run, stopping.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use domain::{AgencyId, Phase};
use store::testing::TestDb;
use store::{NewEvent, NewRun};

use super::*;

const WAIT: Duration = Duration::from_secs(10);

async fn fixture() -> (TestDb, Store, AgencyId, RunId) {
    let db = TestDb::sqlite();
    let store = db.open().await.unwrap();
    let (user, agency) = store.users().ensure_default().await.unwrap();
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.id,
            num_leads: 5,
            target_vertical: "dentist".into(),
            target_geography: "Austin, TX".into(),
            params: serde_json::json!({}),
            phases: vec![(Phase::Source, true), (Phase::PersistLeads, true)],
        })
        .await
        .unwrap();
    (db, store, agency.id, run.id)
}

fn hub(store: &Store) -> Hub {
    Hub::new(store.clone(), Duration::from_millis(10))
}

async fn append(store: &Store, agency: &AgencyId, run: &RunId, message: &str) {
    store
        .events()
        .append(run, agency, NewEvent::info(None, "test", message))
        .await
        .unwrap();
}

async fn next(sub: &mut Subscription) -> Option<Arc<LiveMessage>> {
    tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a message in time")
}

/// The next event's message, skipping snapshots and lead markers.
async fn next_event(sub: &mut Subscription) -> String {
    loop {
        if let LiveMessage::Event(e) = next(sub).await.expect("an open channel").as_ref() {
            return e.message.clone();
        }
    }
}

async fn until(mut cond: impl FnMut() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the condition in time");
}

#[test]
fn uuid7_ids_give_their_time_and_rewind_behind_it() {
    let id = "0190a1b2-c3d4-7abc-8def-0123456789ab";
    assert_eq!(uuid7_ms(id), Some(0x0190_a1b2_c3d4));
    let cursor = rewind(id);
    assert_eq!(
        uuid7_ms(&format!("{cursor}-7000-8000-000000000000")),
        Some(0x0190_a1b2_c3d4 - 5_000)
    );
    assert!(
        cursor.as_str() < id,
        "the cursor sorts before the id it rewinds from"
    );
    let older = "0190a1b1-0000-7000-8000-000000000000";
    assert!(
        older < cursor.as_str(),
        "ids older than the window sort before it"
    );
    assert_eq!(rewind("not-a-uuid"), "not-a-uuid");
    assert_eq!(uuid7_ms("0190a1b2xc3d4"), None);
}

#[tokio::test]
async fn new_events_arrive_once_and_in_order_after_the_history() {
    let (_db, store, agency, run) = fixture().await;
    append(&store, &agency, &run, "before").await;
    let hub = hub(&store);
    let mut sub = hub.watch(&run).await;
    assert_eq!(hub.watched(), 1);
    let state = sub.current().expect("the poller read the run");
    assert_eq!(state.run.last_event.as_deref(), Some("before"));
    for m in ["one", "two", "three"] {
        append(&store, &agency, &run, m).await;
    }
    assert_eq!(next_event(&mut sub).await, "one", "history is not re-sent");
    assert_eq!(next_event(&mut sub).await, "two");
    assert_eq!(next_event(&mut sub).await, "three");

    let mut second = hub.watch(&run).await;
    assert_eq!(hub.watched(), 1, "one poller per run");
    append(&store, &agency, &run, "four").await;
    assert_eq!(next_event(&mut sub).await, "four");
    assert_eq!(next_event(&mut second).await, "four");
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_gets_a_resync_with_the_current_state() {
    let (_db, store, agency, run) = fixture().await;
    let hub = hub(&store).with_capacity(2);
    let mut sub = hub.watch(&run).await;
    for i in 0..6 {
        append(&store, &agency, &run, &format!("e{i}")).await;
    }
    until(|| {
        sub.current()
            .is_some_and(|s| s.run.last_event.as_deref() == Some("e5"))
    })
    .await;
    match next(&mut sub).await.expect("open").as_ref() {
        LiveMessage::Resync(state) => {
            assert_eq!(state.run.last_event.as_deref(), Some("e5"));
            assert_eq!(state.run.workflow_status, "queued");
        }
        other => panic!("expected a resync, got {other:?}"),
    }
}

#[tokio::test]
async fn an_ended_run_sends_its_last_events_then_its_final_snapshot_and_closes() {
    let (_db, store, agency, run) = fixture().await;
    let hub = hub(&store);
    let mut sub = hub.watch(&run).await;
    store
        .runs()
        .set_status(&run, WorkflowStatus::Completed, None)
        .await
        .unwrap();
    // The pipeline says so after the status changed.
    append(&store, &agency, &run, "Run completed").await;
    let mut seen = Vec::new();
    while let Some(msg) = next(&mut sub).await {
        seen.push(msg);
    }
    let last = seen.last().expect("messages");
    match last.as_ref() {
        LiveMessage::Run(snap) => {
            assert_eq!(snap.workflow_status, "completed");
            assert!(snap.is_terminal());
        }
        other => panic!("the last message is the final snapshot, not {other:?}"),
    }
    assert!(
        seen.iter()
            .any(|m| matches!(m.as_ref(), LiveMessage::Event(e) if e.message == "Run completed")),
        "the event written after the status arrives before the end"
    );
    let runs = seen
        .iter()
        .filter(|m| matches!(m.as_ref(), LiveMessage::Run(_)))
        .count();
    assert_eq!(runs, 1, "no non-final snapshot of an ended run");
    assert_eq!(hub.watched(), 0);
}

#[tokio::test]
async fn the_poller_stops_when_nobody_listens_and_a_new_subscriber_restarts_it() {
    let (_db, store, agency, run) = fixture().await;
    let hub = hub(&store);
    let sub = hub.watch(&run).await;
    drop(sub);
    until(|| hub.watched() == 0).await;
    let mut sub = hub.watch(&run).await;
    assert_eq!(hub.watched(), 1);
    append(&store, &agency, &run, "again").await;
    assert_eq!(next_event(&mut sub).await, "again");
}

#[tokio::test]
async fn lead_changes_are_announced() {
    let (_db, store, agency, run) = fixture().await;
    let hub = hub(&store);
    let mut sub = hub.watch(&run).await;
    assert_eq!(sub.current().expect("ready").leads.count, 0);
    let lead = store::LeadUpsert {
        place_id: "p1".into(),
        source: "serper".into(),
        name: "Smile Dental".into(),
        domain: None,
        website: None,
        phone: "+15125550100".into(),
        address: None,
        city: None,
        rating: None,
        reviews_count: None,
        latitude: None,
        longitude: None,
        categories: vec![],
        score: 50,
        signals: vec!["MISSING_WEBSITE".into()],
        rank: 1,
    };
    store
        .opportunities()
        .upsert_for_run(&agency, &run, "dentist", "Austin, TX", &[lead])
        .await
        .unwrap();
    loop {
        if let LiveMessage::Leads(l) = next(&mut sub).await.expect("open").as_ref() {
            assert_eq!(l.count, 1);
            assert!(l.updated_at > 0);
            break;
        }
    }
}

#[tokio::test]
async fn a_run_that_does_not_exist_closes_at_once() {
    let (_db, store, _agency, _run) = fixture().await;
    let hub = hub(&store);
    let mut sub = hub.watch(&RunId::new()).await;
    assert!(next(&mut sub).await.is_none());
    assert_eq!(hub.watched(), 0);
}
