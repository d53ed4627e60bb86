//! Page processing throughput on one core: every real fixture page (19 trafilatura pages, 16
//! Readability sources; 4.0 MB) parsed once and read for contacts, site checks and main-content
//! Markdown — MB/s is criterion's throughput line. The stages are also timed alone.
#![allow(clippy::unwrap_used, reason = "benchmark setup")]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use crawler::checks::{CheckContext, check_page};
use crawler::contacts::Contacts;
use crawler::markdown::page_content;
use crawler::page::{ParsedPage, analyze};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::CountryCode;
use url::Url;

fn fixture_pages() -> Vec<(Url, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/html_pages");
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(root.join("trafilatura"))
        .unwrap()
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "html") {
            files.push(entry.path());
        }
    }
    for entry in std::fs::read_dir(root.join("readability"))
        .unwrap()
        .flatten()
    {
        let source = entry.path().join("source.html");
        if source.exists() {
            files.push(source);
        }
    }
    files.sort();
    let url = Url::parse("https://www.example-business.com/services/").unwrap();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (url.clone(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

fn processing(c: &mut Criterion) {
    let pages = fixture_pages();
    assert_eq!(pages.len(), 35);
    let bytes: usize = pages.iter().map(|(_, html)| html.len()).sum();
    let context = CheckContext::new(2026);
    let country = Some(CountryCode::DE);

    let mut group = c.benchmark_group("page");
    group.throughput(Throughput::Bytes(u64::try_from(bytes).unwrap()));
    group.sample_size(20);
    group.bench_function("full_35_fixture_pages", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(analyze(url, black_box(html), country, &context));
            }
        });
    });
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(ParsedPage::parse(url, black_box(html)));
            }
        });
    });
    let parsed: Vec<ParsedPage> = pages.iter().map(|(u, h)| ParsedPage::parse(u, h)).collect();
    group.bench_function("contacts_and_checks_only", |b| {
        b.iter(|| {
            for page in &parsed {
                let contacts = Contacts::extract(page, country);
                black_box(check_page(page, &contacts, &context));
            }
        });
    });
    group.bench_function("markdown_only", |b| {
        b.iter(|| {
            for page in &parsed {
                black_box(page_content(page));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, processing);
criterion_main!(benches);
