//! A small hand-counted market for the tests: ten dentists in and around Austin (twelve places
//! found), six of them audited. The expected figures are worked out in `stats_tests.rs`.

use crawler::checks::FindingKey;
use domain::{AgencyId, AuditPhase, AuditStatus, OpportunityId, PhaseStatus};
use store::{AgencyProfile, ApprovedClaim, AuditJob, AuditPhaseState, Opportunity};

use super::stats::{MarketInputs, MarketStats, compute};

/// Places the search returned.
pub const FOUND: u64 = 12;

/// A lead as listed.
pub fn lead(
    rating: Option<f64>,
    reviews: Option<u32>,
    website: Option<&str>,
    city: Option<&str>,
    score: u8,
    signals: &[&str],
) -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        agency_id: AgencyId::new(),
        lead_gen_flow_id: None,
        name: "Dental practice".into(),
        domain: None,
        website: website.map(str::to_owned),
        phone: Some("+15125550100".into()),
        email: None,
        emails: Vec::new(),
        place_id: OpportunityId::new().to_string(),
        address: None,
        city: city.map(str::to_owned),
        rating,
        reviews_count: reviews,
        latitude: None,
        longitude: None,
        categories: vec!["Dentist".into()],
        source: "serper".into(),
        fit_reason: None,
        status: "SOURCED".into(),
        meeting_time: None,
        target_vertical: "dentist".into(),
        target_geography: "Austin, TX".into(),
        qualification_score: score,
        signals: signals.iter().map(|s| (*s).to_owned()).collect(),
        persona_id: None,
        persona_score: None,
        created_at: 0,
        updated_at: 0,
    }
}

/// The ten leads.
pub fn leads() -> Vec<Opportunity> {
    let audit = "NEEDS_WEB_AUDIT";
    let low = "LOW_GOOGLE_RATING";
    vec![
        lead(
            Some(4.8),
            Some(120),
            Some("https://a-dental.com"),
            Some("Austin"),
            15,
            &[audit],
        ),
        lead(
            Some(3.2),
            Some(40),
            None,
            Some("Austin"),
            80,
            &["MISSING_WEBSITE", low],
        ),
        lead(
            Some(4.2),
            Some(10),
            Some("https://facebook.com/smiles"),
            Some("Round Rock"),
            35,
            &["WEAK_WEB_PRESENCE"],
        ),
        lead(
            Some(2.5),
            Some(8),
            Some("http://d-dental.com"),
            Some("Austin"),
            45,
            &[low, audit],
        ),
        lead(None, None, None, None, 50, &["MISSING_WEBSITE"]),
        lead(
            Some(3.9),
            Some(30),
            Some("https://f-dental.com"),
            Some("austin"),
            45,
            &[low, audit],
        ),
        lead(
            Some(4.5),
            Some(200),
            Some("https://g-dental.com"),
            Some("Round Rock"),
            15,
            &[audit],
        ),
        lead(
            Some(3.6),
            Some(3),
            Some("https://h-dental.com"),
            Some("Pflugerville"),
            0,
            &[],
        ),
        lead(
            Some(4.0),
            Some(60),
            Some("https://instagram.com/i.dental"),
            Some("Austin"),
            35,
            &["WEAK_WEB_PRESENCE"],
        ),
        // An impossible rating counts as unknown.
        lead(
            Some(7.0),
            Some(0),
            Some("https://j-dental.com"),
            Some("Austin"),
            0,
            &[],
        ),
    ]
}

/// One site finding as the audit stores it.
pub fn finding(key: FindingKey, passed: bool) -> serde_json::Value {
    serde_json::json!({
        "key": key.as_str(),
        "passed": passed,
        "value": if passed { "fine" } else { "problem" },
        "source_url": "https://example.com/",
        "evidence": "…",
    })
}

/// An audit of `lead` whose `scrape_content` step ended in `scrape`.
pub fn audit(
    lead: &Opportunity,
    scrape: PhaseStatus,
    note: Option<&str>,
    findings: serde_json::Value,
    updated_at: i64,
) -> AuditJob {
    AuditJob {
        id: OpportunityId::new().to_string(),
        agency_id: lead.agency_id.clone(),
        opportunity_id: lead.id.clone(),
        lead_gen_flow_id: None,
        user_id: "user".into(),
        target_url: lead.website.clone(),
        status: if scrape == PhaseStatus::Error {
            AuditStatus::Error
        } else {
            AuditStatus::Completed
        },
        phases: vec![AuditPhaseState {
            name: AuditPhase::ScrapeContent,
            status: scrape,
            started_at: None,
            finished_at: None,
            error: note.map(str::to_owned),
        }],
        analysis_thread: None,
        dossier_id: None,
        lead_status_before: "SOURCED".into(),
        site_map: None,
        selected_pages: serde_json::json!([]),
        findings,
        error: None,
        created_at: 0,
        updated_at,
        finished_at: None,
    }
}

/// Audits of leads 1, 4, 6, 7, 8 and 10 (and an older failed one of lead 1).
pub fn audits(leads: &[Opportunity]) -> Vec<AuditJob> {
    use FindingKey::*;
    let done = PhaseStatus::Complete;
    let f = finding;
    vec![
        audit(
            &leads[0],
            PhaseStatus::Error,
            Some("timed out"),
            serde_json::json!([]),
            1,
        ),
        audit(
            &leads[0],
            done,
            None,
            serde_json::json!([
                f(NoHttps, true),
                f(WebsiteNotMobileFriendly, true),
                f(NoCallToAction, true),
                f(NoContactEmail, true),
                f(SlowWebsite, true),
                f(HeavyPage, true)
            ]),
            2,
        ),
        audit(
            &leads[3],
            done,
            None,
            serde_json::json!([
                f(NoHttps, false),
                f(WebsiteNotMobileFriendly, false),
                f(NoCallToAction, false),
                f(NoContactEmail, false),
                f(SlowWebsite, false),
                f(HeavyPage, true)
            ]),
            2,
        ),
        audit(
            &leads[5],
            done,
            None,
            serde_json::json!([
                f(NoHttps, true),
                f(WebsiteNotMobileFriendly, false),
                f(NoCallToAction, true),
                f(NoContactEmail, false),
                f(HeavyPage, true)
            ]),
            2,
        ),
        audit(
            &leads[6],
            done,
            Some(
                "1 of 1 page(s) could not be scraped; first: the page needs JavaScript to show \
                 its content (set FIRECRAWL_API_KEY to render it)",
            ),
            serde_json::json!([]),
            2,
        ),
        audit(
            &leads[7],
            PhaseStatus::Running,
            None,
            serde_json::json!(null),
            2,
        ),
        // Damaged findings: the readable entry counts, the rest is skipped.
        audit(
            &leads[9],
            done,
            None,
            serde_json::json!([f(NoHttps, false), { "bogus": 1 }, "text"]),
            2,
        ),
    ]
}

/// The agency of the tests.
pub fn agency() -> AgencyProfile {
    AgencyProfile {
        name: "Pixel & Co".into(),
        services: vec![
            "Web design".into(),
            "Local SEO".into(),
            "Review management".into(),
        ],
        approved_claims: vec![
            ApprovedClaim {
                id: "fast-sites".into(),
                text: "Mobile-friendly, secure (https) websites live in 14 days".into(),
                source_url: None,
            },
            ApprovedClaim {
                id: "reviews".into(),
                text: "We grow your Google reviews and rating".into(),
                source_url: None,
            },
        ],
        ..AgencyProfile::default()
    }
}

/// The statistics of the hand-counted market.
pub fn stats() -> MarketStats {
    let leads = leads();
    let audits = audits(&leads);
    let agency = agency();
    compute(&MarketInputs {
        vertical: "dentist",
        geography: "Austin, TX",
        places_fetched: Some(FOUND),
        opportunities: &leads,
        audits: &audits,
        services: &agency.services,
    })
}

/// The statistics of nothing at all.
pub fn empty_stats() -> MarketStats {
    compute(&MarketInputs {
        vertical: "dentist",
        geography: "Austin, TX",
        places_fetched: None,
        opportunities: &[],
        audits: &[],
        services: &[],
    })
}
