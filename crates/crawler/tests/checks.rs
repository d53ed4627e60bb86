//! Site checks on hand-written pages with known answers, on the real fixture pages, and
//! aggregated over a site.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crawler::checks::{
    CheckContext, Finding, FindingKey, MAX_EVIDENCE_CHARS, SiteChecks, check_page,
};
use crawler::contacts::Contacts;
use crawler::page::ParsedPage;
use domain::{CountryCode, Signal};
use serde_json::Value;
use url::Url;

const NOW: i32 = 2026;

fn url(raw: &str) -> Url {
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

fn run(page_url: &str, html: &str, context: &CheckContext) -> Vec<Finding> {
    let page = ParsedPage::parse(&url(page_url), html);
    let contacts = Contacts::extract(&page, Some(CountryCode::US));
    check_page(&page, &contacts, context)
}

fn find(findings: &[Finding], key: FindingKey) -> &Finding {
    findings
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no {key} finding in {findings:#?}"))
}

fn assert_well_formed(findings: &[Finding]) {
    for f in findings {
        assert!(!f.value.is_empty(), "{f:?}");
        assert!(!f.evidence.is_empty(), "{f:?}");
        assert!(f.evidence.chars().count() <= MAX_EVIDENCE_CHARS, "{f:?}");
        assert!(f.source_url.starts_with("http"), "{f:?}");
    }
}

const GOOD: &str = r#"<!doctype html><html lang="en"><head>
<title>Smile Dental – Family Dentist in Austin, TX</title>
<meta name="description" content="Gentle family and cosmetic dentistry in downtown Austin. Same-day emergency appointments, evening hours.">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Smile"},
 {"@type":"Dentist","name":"Smile Dental","telephone":"+1-512-555-0123"}]}</script>
</head><body>
<header><a href="tel:+15125550123" class="btn">Call (512) 555-0123</a>
<a class="btn" href="https://calendly.com/smile-dental/cleaning">Book an appointment</a></header>
<h1>Family dentistry in Austin</h1>
<p>Questions? <a href="mailto:hello@smile-dental.com">hello@smile-dental.com</a></p>
<form action="/contact" method="post"><input name="name"><input type="email" name="email">
<textarea name="message"></textarea><button>Send</button></form>
<footer>© 2018–2026 Smile Dental PLLC</footer>
</body></html>"#;

#[test]
fn a_well_built_business_page_passes_every_check() {
    let context = CheckContext::new(NOW).with_response_time(Duration::from_millis(420));
    let findings = run("https://www.smile-dental.com/", GOOD, &context);
    assert_well_formed(&findings);
    assert_eq!(findings.len(), FindingKey::ALL.len());
    let failed: Vec<&Finding> = findings.iter().filter(|f| !f.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");

    let viewport = find(&findings, FindingKey::WebsiteNotMobileFriendly);
    assert_eq!(
        viewport.evidence,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    );
    let booking = find(&findings, FindingKey::NoBooking);
    assert_eq!(booking.value, "booking link to calendly.com");
    assert!(
        booking
            .evidence
            .contains("https://calendly.com/smile-dental/cleaning")
    );
    assert!(
        find(&findings, FindingKey::NoClickToCall)
            .evidence
            .starts_with(r#"<a href="tel:+15125550123""#)
    );
    assert_eq!(
        find(&findings, FindingKey::NoContactEmail).value,
        "e-mail hello@smile-dental.com"
    );
    assert_eq!(
        find(&findings, FindingKey::StaleCopyright).value,
        "copyright 2026"
    );
    assert_eq!(
        find(&findings, FindingKey::NoLocalBusinessSchema).value,
        "schema.org Dentist (JSON-LD)"
    );
    assert_eq!(
        find(&findings, FindingKey::NoCallToAction).value,
        "call to action \"Book an appointment\""
    );
    assert!(findings.iter().all(|f| f.failed_signal().is_none()));
}

#[test]
fn a_neglected_page_fails_with_evidence_of_what_is_missing() {
    let padding = "x".repeat(3_200_000);
    let html = format!(
        r#"<html><head><meta name="description" content=""><meta name="viewport" content="width=1024">
        <script type="application/ld+json">{{"@type":"Organization","name":"Joe"}}</script></head>
        <body><h1>Joe's Plumbing</h1><h1>Welcome</h1><p>Serving Austin since 1998. Call 512 555 0100.</p>
        <form action="/subscribe"><input type="email" name="newsletter-email"><input type="submit" value="Subscribe"></form>
        <a href="/about">About</a><p>Copyright (c) 2015 Joe's Plumbing</p><!-- {padding} --></body></html>"#
    );
    let context = CheckContext::new(NOW).with_response_time(Duration::from_millis(5_300));
    let findings = run("http://joesplumbing.example.com/", &html, &context);
    assert_well_formed(&findings);
    let failed: Vec<FindingKey> = findings
        .iter()
        .filter(|f| !f.passed)
        .map(|f| f.key)
        .collect();
    assert_eq!(
        failed,
        [
            FindingKey::NoHttps,
            FindingKey::WebsiteNotMobileFriendly,
            FindingKey::NoClickToCall,
            FindingKey::NoBooking,
            FindingKey::NoContactForm,
            FindingKey::NoCallToAction,
            FindingKey::NoContactEmail,
            FindingKey::MissingTitle,
            FindingKey::MissingMetaDescription,
            FindingKey::MissingOrMultipleH1,
            FindingKey::StaleCopyright,
            FindingKey::NoLocalBusinessSchema,
            FindingKey::HeavyPage,
            FindingKey::SlowWebsite,
        ]
    );
    assert_eq!(
        find(&findings, FindingKey::NoHttps).evidence,
        "http://joesplumbing.example.com/"
    );
    assert_eq!(
        find(&findings, FindingKey::WebsiteNotMobileFriendly).value,
        "viewport without width=device-width (width=1024)"
    );
    assert_eq!(
        find(&findings, FindingKey::MissingOrMultipleH1).value,
        "2 <h1> headings"
    );
    let copyright = find(&findings, FindingKey::StaleCopyright);
    assert_eq!(copyright.value, "copyright 2015, 11 years old");
    assert_eq!(copyright.evidence, "Copyright (c) 2015 Joe's Plumbing");
    assert_eq!(
        find(&findings, FindingKey::MissingMetaDescription).evidence,
        "<meta name=\"description\"> is present but empty"
    );
    assert!(
        find(&findings, FindingKey::NoLocalBusinessSchema)
            .evidence
            .contains("Organization")
    );
    assert_eq!(
        find(&findings, FindingKey::HeavyPage).value,
        "HTML is 3.2 MB"
    );
    assert_eq!(
        find(&findings, FindingKey::SlowWebsite).value,
        "responded in 5.3 s"
    );

    let signals: Vec<Signal> = findings.iter().filter_map(Finding::failed_signal).collect();
    assert!(signals.contains(&Signal::NoHttps) && signals.contains(&Signal::HeavyPage));
    let confirmed = domain::apply_audit_findings(&[Signal::NeedsWebAudit], &signals);
    assert!(!confirmed.contains(&Signal::NeedsWebAudit));
    assert_eq!(confirmed.len(), signals.len());
}

#[test]
fn copyright_notices_are_judged_by_their_newest_year() {
    let cases = [
        (
            "<p>© 2015–2019 Firma GmbH</p>",
            false,
            "copyright 2019, 7 years old",
        ),
        (
            "<p>Photo © 2009 Getty Images</p><footer>© 2025 Smile</footer>",
            true,
            "copyright 2025",
        ),
        (
            "<footer>&copy; Smile Dental 2024. All rights reserved.</footer>",
            true,
            "copyright 2024",
        ),
        (
            "<footer>(c) 2023</footer>",
            false,
            "copyright 2023, 3 years old",
        ),
        (
            "<footer>© <script>document.write(new Date().getFullYear())</script> Smile</footer>",
            true,
            "no copyright year",
        ),
        ("<footer>© 2031 typo</footer>", true, "no copyright year"),
    ];
    for (html, passed, value) in cases {
        let findings = run("https://x.example.com/", html, &CheckContext::new(NOW));
        let finding = find(&findings, FindingKey::StaleCopyright);
        assert_eq!(
            (finding.passed, finding.value.as_str()),
            (passed, value),
            "{html}"
        );
    }
}

#[test]
fn booking_and_calls_to_action_are_read_from_many_kinds_of_markup() {
    let cases = [
        (
            r#"<iframe src="https://app.acuityscheduling.com/schedule.php?owner=1"></iframe>"#,
            true,
            "acuityscheduling.com booking widget",
        ),
        (
            r#"<a href="/termine">Termin online vereinbaren</a>"#,
            true,
            "booking action \"Termin online vereinbaren\" (termin)",
        ),
        (
            r#"<button>Reserve a table</button>"#,
            true,
            "booking action \"Reserve a table\" (reserve)",
        ),
        (
            r#"<a href="https://facebook.com/x">Follow us on Facebook</a>"#,
            false,
            "no booking link, button or widget",
        ),
        (
            r#"<a href="/ebook">Download our e-book</a>"#,
            false,
            "no booking link, button or widget",
        ),
    ];
    for (html, passed, value) in cases {
        let findings = run("https://x.example.com/", html, &CheckContext::new(NOW));
        let booking = find(&findings, FindingKey::NoBooking);
        assert_eq!(
            (booking.passed, booking.value.as_str()),
            (passed, value),
            "{html}"
        );
    }
    let cta = |html: &str| {
        find(
            &run("https://x.example.com/", html, &CheckContext::new(NOW)),
            FindingKey::NoCallToAction,
        )
        .passed
    };
    assert!(cta(
        r#"<a class="button" href="/quote">Get a FREE quote</a>"#
    ));
    assert!(cta(r#"<input type="submit" value="Angebot anfordern">"#));
    assert!(cta(r#"<a href="tel:+4930123456">Jetzt anrufen</a>"#));
    assert!(!cta(
        r#"<a href="/contact">Contact</a> <a href="/">Home</a>"#
    ));
}

#[test]
fn contact_forms_are_told_from_search_and_newsletter_forms() {
    let form = |html: &str| {
        find(
            &run("https://x.example.com/", html, &CheckContext::new(NOW)),
            FindingKey::NoContactForm,
        )
        .passed
    };
    assert!(form(
        r#"<form><input name="your-name"><input type="email" name="your-email"><textarea name="your-message"></textarea></form>"#
    ));
    assert!(form(
        r#"<form><input name="name"><input type="tel" name="phone"><select name="service"></select></form>"#
    ));
    assert!(!form(
        r#"<form role="search"><input name="q"><textarea></textarea></form>"#
    ));
    assert!(!form(
        r#"<form><input type="email" name="email"><input type="checkbox" name="consent"><button>Subscribe</button></form>"#
    ));
}

#[test]
fn site_findings_take_the_best_page_or_the_worst_or_the_home_page() {
    let context = CheckContext::new(NOW);
    let home = run(
        "https://smile-dental.com/",
        r#"<head><title>Smile Dental in Austin</title><meta name="viewport" content="width=device-width"></head><h1>Smile</h1>"#,
        &context,
    );
    let contact = run(
        "https://smile-dental.com/contact",
        r#"<head><title>Contact</title></head><a href="tel:+15125550123">Call</a> <a href="mailto:hi@smile-dental.com">hi@smile-dental.com</a>"#,
        &context,
    );
    let site = SiteChecks::aggregate(&[home, contact]);
    assert_well_formed(&site);
    let email = find(&site, FindingKey::NoContactEmail);
    assert!(email.passed);
    assert_eq!(email.source_url, "https://smile-dental.com/contact");
    let viewport = find(&site, FindingKey::WebsiteNotMobileFriendly);
    assert!(!viewport.passed);
    assert_eq!(viewport.source_url, "https://smile-dental.com/contact");
    let title = find(&site, FindingKey::MissingTitle);
    assert_eq!(title.value, "title \"Smile Dental in Austin\"");
    let booking = find(&site, FindingKey::NoBooking);
    assert_eq!(
        booking.value,
        "no booking link, button or widget (none of 2 pages)"
    );
    assert_eq!(
        site.iter()
            .filter(|f| f.key == FindingKey::NoBooking)
            .count(),
        1
    );
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

#[test]
#[expect(
    clippy::print_stderr,
    reason = "the report table is part of the test output"
)]
fn real_pages_give_well_formed_deterministic_findings() {
    let path = fixtures().join("html_pages/trafilatura/pages.json");
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap_or_default()).unwrap_or_default();
    let pages = pages["pages"].as_array().cloned().unwrap_or_default();
    assert_eq!(pages.len(), 19);
    let mut report = String::new();
    let mut viewport_disagreements = Vec::new();
    for page in &pages {
        let file = page["file"].as_str().unwrap_or_default();
        let html = fs::read_to_string(fixtures().join(file)).unwrap_or_default();
        let raw_url = page["original_url"]
            .as_str()
            .unwrap_or("https://fixture.example/")
            .trim();
        let page_url = Url::parse(raw_url)
            .map_or_else(|_| "https://fixture.example/".to_owned(), String::from);
        let findings = run(&page_url, &html, &CheckContext::new(NOW));
        assert_eq!(
            findings,
            run(&page_url, &html, &CheckContext::new(NOW)),
            "not deterministic: {file}"
        );
        assert_well_formed(&findings);
        let failed: Vec<&str> = findings
            .iter()
            .filter(|f| !f.passed)
            .map(|f| f.key.as_str())
            .collect();
        let name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        report.push_str(&format!("{name:<42} fails: {}\n", failed.join(" ")));
        // The collector's viewport flag is a plain regex over the markup; ours must agree.
        let has_viewport = page["auto_signals"]["viewport"].as_bool().unwrap_or(false);
        let viewport = find(&findings, FindingKey::WebsiteNotMobileFriendly);
        if has_viewport != viewport.evidence.contains("viewport\" content") {
            viewport_disagreements.push(name.to_owned());
        }
    }
    eprintln!("{report}");
    assert!(
        viewport_disagreements.is_empty(),
        "{viewport_disagreements:?}"
    );
}
