//! Main-content extraction judged on real pages.
//!
//! - `html_pages/trafilatura`: human-annotated segments that must appear in the main text
//!   (`with`) and boilerplate that must not (`without`), from trafilatura's evaluation set.
//! - `html_pages/readability`: Mozilla Readability's expected article for each source page;
//!   we measure how much of the expected text we keep and how much we add.
//!
//! Every page's result is printed (`cargo test --test markdown_extraction -- --nocapture`).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crawler::markdown::page_content;
use crawler::page::ParsedPage;
use serde_json::Value;
use url::Url;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Text without Markdown syntax: link destinations, emphasis, heading and quote markers,
/// table pipes and escapes go; whitespace is collapsed; case is folded.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        rest = after.find(')').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    let mut stripped = String::with_capacity(out.len());
    for line in out.lines() {
        let line = line.trim_start().trim_start_matches(['#', '>', ' ']);
        for c in line.chars() {
            match c {
                '*' | '_' | '\\' | '`' | '[' | ']' => {}
                '|' => stripped.push(' '),
                _ => stripped.push(c),
            }
        }
        stripped.push('\n');
    }
    stripped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 1.0;
    }
    f64::from(u32::try_from(part).unwrap_or(u32::MAX))
        / f64::from(u32::try_from(whole).unwrap_or(u32::MAX))
}

fn page_url(raw: Option<&str>) -> Url {
    raw.and_then(|u| Url::parse(u.trim()).ok())
        .unwrap_or_else(|| Url::parse("https://fixture.example/").unwrap_or_else(|e| panic!("{e}")))
}

#[test]
#[expect(
    clippy::print_stderr,
    reason = "the report table is part of the test output"
)]
fn trafilatura_main_text_is_in_and_boilerplate_is_out() {
    let pages = json(&fixtures().join("html_pages/trafilatura/pages.json"));
    let pages = pages["pages"].as_array().cloned().unwrap_or_default();
    assert_eq!(pages.len(), 19);
    let (mut with_found, mut with_total, mut without_absent, mut without_total) = (0, 0, 0, 0);
    let mut report = format!(
        "{:<42} {:>6} {:>9} {:>6}\n",
        "page", "with", "without", "words"
    );
    for page in &pages {
        let file = page["file"].as_str().unwrap_or_default();
        let html = read(&fixtures().join(file));
        let parsed = ParsedPage::parse(&page_url(page["original_url"].as_str()), &html);
        let content = page_content(&parsed);
        let text = plain(&content.markdown);
        let gold = &page["trafilatura_gold"];
        let segments = |key: &str| -> Vec<String> {
            gold[key]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(plain).collect())
                .unwrap_or_default()
        };
        let with = segments("with");
        let without = segments("without");
        let found = with.iter().filter(|s| text.contains(s.as_str())).count();
        let absent = without
            .iter()
            .filter(|s| !text.contains(s.as_str()))
            .count();
        with_found += found;
        with_total += with.len();
        without_absent += absent;
        without_total += without.len();
        let name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        report.push_str(&format!(
            "{name:<42} {found:>3}/{:<2} {absent:>6}/{:<2} {:>6}\n",
            with.len(),
            without.len(),
            content.word_count
        ));
    }
    let recall = ratio(with_found, with_total);
    let boilerplate_out = ratio(without_absent, without_total);
    report.push_str(&format!(
        "with found: {with_found}/{with_total} = {recall:.3}; without absent: {without_absent}/{without_total} = {boilerplate_out:.3}\n"
    ));
    eprintln!("{report}");
    // Measured: 53/54 main-text segments found, 44/54 boilerplate segments left out.
    assert!(recall >= 0.95, "{report}");
    assert!(boilerplate_out >= 0.80, "{report}");
}

fn tokens(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for token in text.split_whitespace() {
        let token: String = token.chars().filter(|c| c.is_alphanumeric()).collect();
        if !token.is_empty() {
            *counts.entry(token).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
#[expect(
    clippy::print_stderr,
    reason = "the report table is part of the test output"
)]
fn readability_articles_are_recovered() {
    let dir = fixtures().join("html_pages/readability");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .filter(|e| e.path().join("source.html").exists())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names.len(), 16);
    let mut report = format!("{:<28} {:>7} {:>9}\n", "page", "recall", "precision");
    let (mut recall_sum, mut precision_sum) = (0.0, 0.0);
    for name in &names {
        let source = read(&dir.join(name).join("source.html"));
        let expected = read(&dir.join(name).join("expected.html"));
        let url = Url::parse("http://fakehost/test/page.html").unwrap_or_else(|e| panic!("{e}"));
        let ours = page_content(&ParsedPage::parse(&url, &source));
        let expected_text = ParsedPage::parse(&url, &expected)
            .visible_text()
            .to_lowercase();
        let (want, got) = (tokens(&expected_text), tokens(&plain(&ours.markdown)));
        let common: usize = want
            .iter()
            .map(|(t, n)| (*n).min(got.get(t).copied().unwrap_or(0)))
            .sum();
        let recall = ratio(common, want.values().sum());
        let precision = ratio(common, got.values().sum());
        recall_sum += recall;
        precision_sum += precision;
        report.push_str(&format!("{name:<28} {recall:>7.3} {precision:>9.3}\n"));
    }
    let n = f64::from(u32::try_from(names.len()).unwrap_or(1));
    let (recall, precision) = (recall_sum / n, precision_sum / n);
    report.push_str(&format!("{:<28} {recall:>7.3} {precision:>9.3}\n", "MEAN"));
    eprintln!("{report}");
    // Measured: recall 1.00, precision 0.98 (Readability is the same algorithm).
    assert!(recall >= 0.97, "{report}");
    assert!(precision >= 0.95, "{report}");
}

const BUSINESS_HOME: &str = r#"<!doctype html><html><head><title>Austin Plumbing Co.</title></head><body>
<div id="cookie-consent">We use cookies. <button>Accept all</button></div>
<header><a href="/">Austin Plumbing</a><nav><a href="/services">Services</a><a href="/about">About</a>
<a href="/contact">Contact</a></nav></header>
<section class="hero"><h1>Fast, friendly plumbers in Austin</h1>
<p>Licensed master plumbers serving Travis County since 1998. Same-day service, upfront pricing.</p>
<a class="btn" href="/quote">Get a free quote</a></section>
<section class="services"><h2>What we fix</h2>
<div class="card"><h3>Water heaters</h3><p>Repair and replacement of tank and tankless heaters.</p></div>
<div class="card"><h3>Drains</h3><p>Clogged sinks, showers and main lines cleared with cameras and jetting.</p></div>
<div class="card"><h3>Leaks</h3><p>Slab leak detection and repiping without tearing up your floors.</p></div>
</section>
<aside><h4>Latest posts</h4><a href="/blog/1">Five signs of a slab leak</a></aside>
<form action="/newsletter"><input type="email" name="email"><button>Sign up</button></form>
<footer><p>© 2026 Austin Plumbing Co. · 100 Congress Ave · Privacy</p></footer>
</body></html>"#;

#[test]
fn short_business_pages_are_read_whole_without_their_furniture() {
    let page = ParsedPage::parse(
        &page_url(Some("https://austinplumbing.example.com/")),
        BUSINESS_HOME,
    );
    let content = page_content(&page);
    let text = plain(&content.markdown);
    for wanted in [
        "fast, friendly plumbers in austin",
        "same-day service, upfront pricing",
        "get a free quote",
        "water heaters",
        "clogged sinks",
        "slab leak detection",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} missing from:\n{}",
            content.markdown
        );
    }
    for unwanted in [
        "we use cookies",
        "accept all",
        "latest posts",
        "sign up",
        "congress ave",
        "privacy",
    ] {
        assert!(
            !text.contains(unwanted),
            "{unwanted:?} kept in:\n{}",
            content.markdown
        );
    }
    assert_eq!(content.title.as_deref(), Some("Austin Plumbing Co."));
    assert!(
        content
            .markdown
            .contains("[Get a free quote](https://austinplumbing.example.com/quote)")
    );
    assert!(content.word_count >= 40, "{}", content.word_count);
}
