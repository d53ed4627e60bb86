//! JavaScript-only shells: the mount-point-and-bundle pages Create React App, client-only
//! Next.js, Vue and Angular ship are flagged; no real page of the fixture corpus is.

use std::fs;
use std::path::{Path, PathBuf};

use crawler::checks::CheckContext;
use crawler::page::{ParsedPage, analyze};
use url::Url;

fn url(raw: &str) -> Url {
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

fn is_shell(html: &str) -> bool {
    ParsedPage::parse(&url("https://shell-dental.example/"), html).looks_like_js_shell()
}

/// The `index.html` `react-scripts build` writes.
const CRA: &str = r##"<!doctype html><html lang="en"><head><meta charset="utf-8"/>
<link rel="icon" href="/favicon.ico"/><meta name="viewport" content="width=device-width,initial-scale=1"/>
<meta name="theme-color" content="#000000"/><meta name="description" content="Web site created using create-react-app"/>
<link rel="manifest" href="/manifest.json"/><title>Shell Dental</title>
<script defer="defer" src="/static/js/main.8f2e1c3a.js"></script>
<link href="/static/css/main.073c9b0a.css" rel="stylesheet"></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>"##;

/// A client-only (`next export`, no data at build time) Next.js page.
const NEXT: &str = r#"<!DOCTYPE html><html><head><meta charSet="utf-8"/>
<meta name="viewport" content="width=device-width"/><title>Shell Dental</title>
<noscript data-n-css=""></noscript>
<script defer="" nomodule="" src="/_next/static/chunks/polyfills-c67a75d1b6f99dc8.js"></script>
<script src="/_next/static/chunks/webpack-59c5c889f52620d6.js" defer=""></script>
<script src="/_next/static/chunks/framework-2c79e2a64abdb08b.js" defer=""></script>
<script src="/_next/static/chunks/pages/index-8a1f0e3b2c4d5e6f.js" defer=""></script></head>
<body><div id="__next"></div>
<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/","query":{},"buildId":"x9Yk2","nextExport":true,"autoExport":true,"isFallback":false,"scriptLoader":[]}</script>
</body></html>"#;

/// The `index.html` the Vue CLI builds.
const VUE_CLI: &str = r#"<!DOCTYPE html><html lang=""><head><meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge"><meta name="viewport" content="width=device-width,initial-scale=1.0">
<link rel="icon" href="/favicon.ico"><title>shell-dental</title>
<script defer="defer" src="/js/chunk-vendors.2a4f6c1e.js"></script><script defer="defer" src="/js/app.5b7d9e0f.js"></script>
<link href="/css/app.4c1a2b3d.css" rel="stylesheet"></head>
<body><noscript><strong>We're sorry but shell-dental doesn't work properly without JavaScript enabled. Please enable it to continue.</strong></noscript>
<div id="app"></div></body></html>"#;

/// Vite's Vue template: no `<noscript>`, a module script, a "Loading…" placeholder.
const VITE_VUE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" /><title>Shell Dental</title>
<script type="module" crossorigin src="/assets/index-Bx3k9Qz1.js"></script></head>
<body><div id="app"><div class="spinner">Loading…</div></div></body></html>"#;

/// Angular CLI's `index.html`.
const ANGULAR: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ShellDental</title>
<base href="/"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><app-root></app-root>
<script src="runtime.3f1e.js" type="module"></script><script src="main.9c2d.js" type="module"></script></body></html>"#;

/// A hand-rolled bundle on an unnamed element: only the `<noscript>` gives it away.
const NOSCRIPT_ONLY: &str = r#"<html><head><title>Shell Dental</title></head><body>
<noscript><p>This site requires <b>JavaScript</b>.</p></noscript>
<div class="loader">Loading, please wait…</div><script src="/bundle.js"></script></body></html>"#;

#[test]
fn framework_shells_are_flagged() {
    for (name, html) in [
        ("create-react-app", CRA),
        ("next", NEXT),
        ("vue-cli", VUE_CLI),
        ("vite-vue", VITE_VUE),
        ("angular", ANGULAR),
        ("noscript only", NOSCRIPT_ONLY),
    ] {
        assert!(is_shell(html), "{name} is not flagged");
    }
}

#[test]
fn server_rendered_and_short_static_pages_are_not_shells() {
    let ssr = r#"<html><head><title>Shell Dental</title><script src="/app.js"></script></head><body>
<noscript>Please enable JavaScript for the booking widget.</noscript>
<div id="root"><header><a href="tel:+15125550142">Call (512) 555-0142</a></header>
<h1>Gentle family dentistry in Austin</h1>
<p>Shell Dental has cared for families in downtown Austin since 2004. We offer cleanings,
fillings, crowns, implants and same-day emergency appointments, with evening hours on
weekdays and Saturday mornings. New patients are always welcome, and most insurance plans
are accepted at our Congress Avenue office.</p></div></body></html>"#;
    assert!(!is_shell(ssr), "a rendered page with an app root");

    let coming_soon = r#"<html><head><title>Shell Dental</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
<script>window.dataLayer=window.dataLayer||[];</script></head>
<body><noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-XXXX"></iframe></noscript>
<h1>Coming soon</h1><p>Shell Dental opens in March. Call (512) 555-0142.</p></body></html>"#;
    assert!(!is_shell(coming_soon), "a short static page with analytics");

    let empty_static =
        "<html><head><title>Shell Dental</title></head><body><div id=\"app\"></div></body></html>";
    assert!(!is_shell(empty_static), "an empty page without scripts");
}

#[test]
fn the_report_carries_the_flag() {
    let context = CheckContext::new(2026);
    let shell = analyze(&url("https://shell-dental.example/"), CRA, None, &context);
    assert!(shell.js_shell);
    let page = analyze(
        &url("https://shell-dental.example/"),
        "<html><body><h1>Shell Dental</h1><p>Gentle dentistry.</p></body></html>",
        None,
        &context,
    );
    assert!(!page.js_shell);
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/html_pages")
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .flat_map(|path| {
            if path.is_dir() {
                vec![path.join("source.html")]
            } else {
                vec![path]
            }
        })
        .filter(|path| path.extension().is_some_and(|e| e == "html") && path.exists())
        .collect();
    files.sort();
    files
}

#[test]
fn no_real_page_of_the_fixture_corpus_is_flagged() {
    let readability = html_files(&fixtures().join("readability"));
    let trafilatura = html_files(&fixtures().join("trafilatura"));
    assert_eq!((readability.len(), trafilatura.len()), (16, 19));
    let flagged: Vec<String> = readability
        .iter()
        .chain(&trafilatura)
        .filter(|path| {
            let html = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            is_shell(&String::from_utf8_lossy(&html))
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(flagged.is_empty(), "flagged as shells: {flagged:?}");
}
