//! Embeddings per second of all-MiniLM-L6-v2 on one core, for short persona and business
//! texts, one at a time and in batches of 32.
//!
//! ```sh
//! RAYON_NUM_THREADS=1 cargo bench -p leadforge-embed-local --bench embed
//! ```
//!
//! Criterion prints `thrpt` in elements per second: texts embedded per second. Every
//! measurement runs inside a one-thread rayon pool (candle's matrix products and the
//! tokenizer both run on rayon), so it stays on one core even without `RAYON_NUM_THREADS=1`;
//! the variable also keeps candle from splitting work it would then run serially. The model
//! comes from `LEADFORGE_EMBEDDINGS_MODEL_DIR` or `.ci/fetch-model.sh`, as for the tests.
#![allow(clippy::unwrap_used, reason = "benchmark setup")]

#[path = "../src/test_support.rs"]
mod test_support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use embed_local::LocalMiniLm;

/// Short texts of the kind persona mapping embeds: personas, business summaries, job titles.
const TEXTS: [&str; 8] = [
    "Owner of a family dental practice",
    "Dentist clinic owner with two locations in Austin",
    "Office manager at a small orthodontics practice, handles vendor purchasing",
    "Family-owned HVAC contractor offering 24/7 emergency repairs and duct cleaning",
    "Marketing director at a mid-size B2B software company",
    "Independent accountant specialising in quarterly tax filing for trucking companies",
    "Boutique bakery and café known for sourdough and seasonal pastries",
    "Head of procurement at a regional logistics firm",
];

fn texts(n: usize) -> Vec<String> {
    TEXTS
        .iter()
        .cycle()
        .take(n)
        .map(|t| (*t).to_owned())
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = test_support::workspace_test_model_dir();
    let model = LocalMiniLm::load(&dir).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();

    let mut group = c.benchmark_group("minilm_one_core");
    for batch in [1_usize, 32] {
        let input = texts(batch);
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(format!("short_texts_batch_{batch}"), |b| {
            b.iter(|| pool.install(|| model.embed_blocking(black_box(&input)).unwrap()));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
