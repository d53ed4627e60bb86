//! Persisting 10,000 leads (one run's upsert) on SQLite, and on Postgres when
//! `LEADFORGE_TEST_POSTGRES_URL` names a server. Each iteration upserts into a fresh agency, so
//! every row is an insert; a second group measures the re-run path (every row a conflict
//! update).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use domain::Phase;
use store::testing::TestDb;
use store::{AgencyProfile, LeadUpsert, NewRun, Store};

const LEADS: usize = 10_000;

fn leads() -> Vec<LeadUpsert> {
    (0..LEADS)
        .map(|i| LeadUpsert {
            place_id: format!("ChIJbench{i:08}"),
            source: "serper".into(),
            name: format!("Bench Dental {i}"),
            domain: Some(format!("bench-dental-{i}.com")),
            website: Some(format!("https://bench-dental-{i}.com/")),
            phone: format!("+1512555{:04}", i % 10_000),
            address: Some(format!("{i} Congress Ave, Austin, TX")),
            city: Some("Austin".into()),
            rating: Some(3.5 + (i % 15) as f64 / 10.0),
            reviews_count: Some((i % 300) as u32),
            latitude: Some(30.26),
            longitude: Some(-97.74),
            categories: vec!["dentist".into()],
            score: (i % 100) as u8,
            signals: vec!["NEEDS_WEB_AUDIT".into(), "LOW_GOOGLE_RATING".into()],
            rank: i as u32 + 1,
        })
        .collect()
}

async fn fresh_run(store: &Store) -> (domain::AgencyId, domain::RunId) {
    let (user, _) = store.users().ensure_default().await.unwrap();
    let agency = store
        .agencies()
        .create(&AgencyProfile::default_agency())
        .await
        .unwrap();
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.id,
            num_leads: 200,
            target_vertical: "dentist".into(),
            target_geography: "Austin, TX".into(),
            params: serde_json::json!({}),
            phases: vec![(Phase::PersistLeads, true)],
        })
        .await
        .unwrap();
    (agency.id, run.id)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let leads = leads();
    let dbs = rt.block_on(TestDb::all());
    let mut group = c.benchmark_group("persist_10k_leads");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for db in &dbs {
        let store = rt.block_on(db.open()).unwrap();
        let name = format!("{:?}", db.backend).to_lowercase();
        group.bench_function(format!("{name}/insert"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let (agency, run) = fresh_run(&store).await;
                        let start = Instant::now();
                        store
                            .opportunities()
                            .upsert_for_run(&agency, &run, "dentist", "Austin, TX", &leads)
                            .await
                            .unwrap();
                        total += start.elapsed();
                    }
                    total
                })
            });
        });
        let (agency, run) = rt.block_on(fresh_run(&store));
        rt.block_on(
            store
                .opportunities()
                .upsert_for_run(&agency, &run, "d", "g", &leads),
        )
        .unwrap();
        group.bench_function(format!("{name}/rerun_update"), |b| {
            b.iter(|| {
                rt.block_on(
                    store
                        .opportunities()
                        .upsert_for_run(&agency, &run, "d", "g", &leads),
                )
                .unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
