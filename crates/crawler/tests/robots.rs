//! robots.txt matching against Google's reference test suite (`robots_test.cc`, 142 cases
//! converted to JSON in the shared fixtures), evaluated with each case's own user agent.
#![allow(clippy::unwrap_used, reason = "tests")]

use crawler::robots::RobotsTxt;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Suite {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    test: String,
    line: u32,
    robotstxt: String,
    user_agent: String,
    url: String,
    allowed: bool,
}

fn suite() -> Suite {
    let path = format!(
        "{}/../../../shared/fixtures/robots/robots_test_cases.derived.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_reference_case_gets_googles_answer() {
    let suite = suite();
    assert_eq!(suite.cases.len(), 142);
    let failures: Vec<String> = suite
        .cases
        .iter()
        .filter(|case| {
            RobotsTxt::parse(case.robotstxt.as_bytes()).is_allowed(&case.user_agent, &case.url)
                != case.allowed
        })
        .map(|case| {
            format!(
                "{} (robots_test.cc:{}): {:?} for {:?} should be allowed={}",
                case.test, case.line, case.url, case.user_agent, case.allowed
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn our_agent_obeys_its_own_group_over_the_global_one() {
    let txt = RobotsTxt::parse(
        b"User-agent: *\nDisallow: /\n\nUser-agent: LeadforgeBot\nDisallow: /private/\n",
    );
    assert!(txt.is_allowed("LeadforgeBot", "https://acme-dental.com/services"));
    assert!(!txt.is_allowed("LeadforgeBot", "https://acme-dental.com/private/x"));
    assert!(!txt.is_allowed("OtherBot", "https://acme-dental.com/services"));
}
