//! Persona mapping at campaign scale: 100,000 decision makers, each a normalised 384-dimension
//! vector (all-MiniLM-L6-v2's size), against 10 personas, with the ε = 0.03 tie rule, on one
//! core.
//!
//! Vectors come from a tiny LCG (no `rand` dependency) so every run measures the same input.
//! Throughput is reported as elements, i.e. decision makers per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::persona_match::{Decision, PersonaIndex, TieEpsilon, UnitVec, decide_persona};

const DECISION_MAKERS: usize = 100_000;
const PERSONAS: usize = 10;
const DIMS: usize = 384;

/// Knuth's MMIX LCG; the high bits are the usable ones.
struct Lcg(u64);

impl Lcg {
    /// Roughly uniform in `-1.0..1.0`.
    fn next_f32(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

fn unit_vectors(rng: &mut Lcg, n: usize) -> Vec<UnitVec> {
    (0..n)
        .filter_map(|_| UnitVec::new((0..DIMS).map(|_| rng.next_f32()).collect()).ok())
        .collect()
}

fn bench_persona_match(c: &mut Criterion) {
    let mut rng = Lcg(0x5eed_0002);
    let personas = unit_vectors(&mut rng, PERSONAS);
    let dms = unit_vectors(&mut rng, DECISION_MAKERS);
    let keyed: Vec<(usize, &[f32])> = personas.iter().map(UnitVec::as_slice).enumerate().collect();
    let index = PersonaIndex::new(keyed.iter().copied());
    let epsilon = TieEpsilon::default();

    let mut group = c.benchmark_group("persona mapping");
    group.throughput(Throughput::Elements(dms.len() as u64));
    group.bench_function("100k DMs x 10 personas, pre-normalised (dot)", |b| {
        b.iter(|| {
            let mut ties = 0usize;
            for dm in &dms {
                if let Decision::Tie { .. } = index.decide(black_box(dm), epsilon) {
                    ties += 1;
                }
            }
            black_box(ties)
        });
    });
    group.bench_function("100k DMs x 10 personas, raw slices (cosine)", |b| {
        b.iter(|| {
            let mut ties = 0usize;
            for dm in &dms {
                if let Decision::Tie { .. } =
                    decide_persona(black_box(dm.as_slice()), &keyed, epsilon)
                {
                    ties += 1;
                }
            }
            black_box(ties)
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_persona_match
}
criterion_main!(benches);
