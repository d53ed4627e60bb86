//! The deterministic site checks on an arbitrary page fetched from a fixed URL: one page's
//! findings and the site-wide aggregate of them.

#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use crawler::checks::{
    CheckContext, Finding, FindingKey, MAX_EVIDENCE_CHARS, SiteChecks, check_page,
};
use crawler::contacts::Contacts;
use crawler::page::ParsedPage;
use domain::CountryCode;
use libfuzzer_sys::fuzz_target;
use url::Url;

static PAGE_URL: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://www.example-handwerk.de/").expect("constant URL"));

/// What every finding promises, whatever the page.
fn check_finding(finding: &Finding) {
    assert!(
        finding.evidence.chars().count() <= MAX_EVIDENCE_CHARS,
        "evidence longer than documented: {finding:?}"
    );
    assert_eq!(FindingKey::parse(finding.key.as_str()), Some(finding.key));
    let _ = finding.failed_signal();
}

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let page = ParsedPage::parse(&PAGE_URL, &html);
    let contacts = Contacts::extract(&page, Some(CountryCode::DE));
    // The response time varies with the input so both sides of the speed check are reached.
    let elapsed = Duration::from_millis(u64::try_from(data.len() % 6_000).unwrap_or(0));
    let context = CheckContext::new(2026).with_response_time(elapsed);
    let findings = check_page(&page, &contacts, &context);
    findings.iter().for_each(check_finding);
    let site = SiteChecks::aggregate(&[findings.clone(), findings]);
    site.iter().for_each(check_finding);
});
