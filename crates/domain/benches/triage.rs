//! Triage of a large synthetic campaign: dedupe, phone filter, signals, score and rank over
//! 100,000 places, the scale of a big multi-city run.
//!
//! Places are generated deterministically by a tiny LCG (no `rand` dependency) so every run
//! measures the same input: a mix of valid, invalid and missing US phones in the formats
//! listings use; real, social and missing websites with about 10% repeated domains and a few
//! repeated place ids; and spread-out ratings and review counts.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use domain::{PlaceSource, RawPlace, Suppression, TriageRules, triage};

const PLACES: usize = 100_000;

/// Knuth's MMIX LCG; the high bits are the usable ones.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Uniform-enough integer in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const AREA_CODES: [u32; 10] = [512, 212, 415, 312, 617, 206, 303, 404, 305, 702];
const SOCIAL: [&str; 5] = [
    "https://www.facebook.com/",
    "instagram.com/",
    "https://www.yelp.com/biz/",
    "https://linktr.ee/",
    "m.facebook.com/",
];
const SUFFIXES: [&str; 4] = [".com", ".co.uk", ".net", ".com.au"];

fn phone(rng: &mut Lcg) -> Option<String> {
    let area = AREA_CODES[rng.below(AREA_CODES.len() as u64) as usize];
    let exchange = 200 + rng.below(800);
    let line = rng.below(10_000);
    Some(match rng.below(100) {
        0..=19 => format!("({area}) {exchange}-{line:04}"),
        20..=39 => format!("{area}-{exchange}-{line:04}"),
        40..=54 => format!("+1 {area} {exchange} {line:04}"),
        55..=64 => format!("1.{area}.{exchange}.{line:04}"),
        65..=74 => format!("{area}{exchange}{line:04}"),
        75..=79 => "555-0000".to_owned(),
        80..=83 => format!("{line}"),
        84..=86 => "call us".to_owned(),
        _ => return None,
    })
}

fn website(rng: &mut Lcg, i: usize) -> Option<String> {
    let suffix = SUFFIXES[rng.below(SUFFIXES.len() as u64) as usize];
    match rng.below(100) {
        0..=29 => Some(format!("https://www.business{i}{suffix}/")),
        30..=39 => Some(format!("business{i}{suffix}/contact")),
        // About 10% repeat the domain of an earlier place, written differently.
        40..=49 if i > 0 => {
            let earlier = rng.below(i as u64);
            Some(format!("http://shop.business{earlier}{suffix}"))
        }
        50..=69 => {
            let social = SOCIAL[rng.below(SOCIAL.len() as u64) as usize];
            Some(format!("{social}business{i}"))
        }
        70..=71 => Some("not a website".to_owned()),
        _ => None,
    }
}

fn places() -> Vec<RawPlace> {
    let mut rng = Lcg(0x5eed);
    (0..PLACES)
        .map(|i| {
            // About 2% of listings repeat an earlier place id (providers' pages overlap).
            let id = if i > 0 && rng.below(50) == 0 {
                rng.below(i as u64) as usize
            } else {
                i
            };
            let rating = (rng.below(10) > 0).then(|| 1.0 + rng.below(41) as f64 / 10.0);
            let reviews = (rng.below(10) > 0).then(|| rng.below(500) as u32);
            RawPlace {
                place_id: format!("ChIJ{id:012}"),
                source: PlaceSource::GooglePlaces,
                name: format!("Business {}", rng.below(PLACES as u64)),
                address: Some(format!("{} Main St", rng.below(9_999))),
                city: Some("Austin".to_owned()),
                phone: phone(&mut rng),
                website: website(&mut rng, i),
                rating,
                reviews_count: reviews,
                latitude: Some(30.0 + rng.below(1_000) as f64 / 1_000.0),
                longitude: Some(-97.0 - rng.below(1_000) as f64 / 1_000.0),
                categories: vec!["plumber".to_owned()],
            }
        })
        .collect()
}

fn bench_triage(c: &mut Criterion) {
    let input = places();
    let rules = TriageRules::default();
    let suppression = Suppression::default();
    c.bench_function("triage 100k places", |b| {
        b.iter_batched(
            || input.clone(),
            |places| black_box(triage(places, &rules, &suppression)),
            BatchSize::LargeInput,
        );
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_triage
}
criterion_main!(benches);
