//! `market_research` as a run uses it: the rules write the report when no LLM is configured,
//! and an LLM's report is held to the figures — against a wiremock server speaking the
//! OpenAI-compatible chat format.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;

use domain::{AgencyId, OpportunityId};
use pipeline::ai::CallScope;
use pipeline::research::{
    MarketInputs, MarketProse, MarketResearch, MarketStats, compute, rules, summary_line, write,
};
use pipeline::{Config, Services};
use store::testing::TestDb;
use store::{AgencyProfile, ApprovedClaim, Opportunity};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn services(db: &TestDb, vars: &[(&str, String)]) -> Services {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut all = BTreeMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        (
            "BLOB_STORE_URL".to_owned(),
            dir.join("blobs").display().to_string(),
        ),
    ]);
    for (k, v) in vars {
        all.insert((*k).to_owned(), v.clone());
    }
    Services::open(&Config::from_vars(&all).unwrap())
        .await
        .unwrap()
}

async fn scope(svc: &Services) -> CallScope {
    let (user, agency) = svc.store.users().ensure_default().await.unwrap();
    CallScope {
        run_id: None,
        agency_id: agency.id,
        user_id: user.id,
        opportunity_id: None,
    }
}

fn lead(rating: Option<f64>, website: Option<&str>, score: u8, signals: &[&str]) -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        agency_id: AgencyId::new(),
        lead_gen_flow_id: None,
        name: "Practice".into(),
        domain: None,
        website: website.map(str::to_owned),
        phone: Some("+15125550100".into()),
        email: None,
        emails: Vec::new(),
        place_id: OpportunityId::new().to_string(),
        address: None,
        city: Some("Austin".into()),
        rating,
        reviews_count: Some(20),
        latitude: None,
        longitude: None,
        categories: Vec::new(),
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

fn agency() -> AgencyProfile {
    AgencyProfile {
        name: "Pixel & Co".into(),
        services: vec!["Web design".into(), "Review management".into()],
        approved_claims: vec![ApprovedClaim {
            id: "reviews".into(),
            text: "We grow your Google reviews and rating".into(),
            source_url: None,
        }],
        ..AgencyProfile::default()
    }
}

/// Twenty dentists: 9 rated 3.5 (45% under 4.0), 11 rated 4.6; 8 without a website.
fn stats(agency: &AgencyProfile) -> MarketStats {
    let mut leads = Vec::new();
    for i in 0..20 {
        let rating = if i < 9 { 3.5 } else { 4.6 };
        let (website, signals): (Option<&str>, &[&str]) = if i % 5 < 2 {
            (None, &["MISSING_WEBSITE"])
        } else {
            (Some("https://practice.example"), &[])
        };
        let score = if website.is_none() { 50 } else { 0 };
        leads.push(lead(Some(rating), website, score, signals));
    }
    compute(&MarketInputs {
        vertical: "dentist",
        geography: "Austin, TX",
        places_fetched: Some(20),
        opportunities: &leads,
        audits: &[],
        services: &agency.services,
    })
}

fn chat_answer(prose: &serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "local-model",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": prose.to_string(),
                                   "refusal": null } }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150 }
    }))
}

fn is_send<T: Send>(_: &T) {}

#[tokio::test]
async fn without_an_llm_the_rules_write_the_whole_report() {
    let db = TestDb::sqlite();
    let svc = services(&db, &[]).await;
    let scope = scope(&svc).await;
    let agency = agency();
    let stats = stats(&agency);
    let call = write(
        &svc,
        &scope,
        &agency,
        "dentist",
        "Austin, TX",
        stats.clone(),
    );
    // Job handlers run it on a multi-threaded runtime.
    is_send(&call);
    let research = call.await;

    assert_eq!(research.provider, "rules");
    assert_eq!(research.dropped_sentences, 0);
    assert!(research.sections_from_rules.is_empty());
    assert_eq!(research.prose, rules(&stats, &agency));
    assert!(
        research
            .prose
            .executive_summary
            .contains("45% of the 20 rated ones are under 4.0"),
        "{}",
        research.prose.executive_summary
    );
    assert_eq!(
        summary_line(&research),
        "Market: 20 dentists in Austin, TX · 40% qualify · 45% rated under 4.0 · est. \
         $10k–$64k/yr addressable (assumptions in JSON)"
    );
    // What the lead stores and prints reads back whole.
    let json = serde_json::to_value(&research).unwrap();
    assert_eq!(json["stats"]["ratings"]["under4"]["count"], 9);
    assert_eq!(json["droppedSentences"], 0);
    let back: MarketResearch = serde_json::from_value(json).unwrap();
    assert_eq!(back, research);
}

#[tokio::test]
async fn an_llm_sentence_with_an_invented_number_is_dropped_and_counted() {
    let server = MockServer::start().await;
    let prose = MarketProse {
        executive_summary: "Austin has 20 dentists. 45% of the rated ones are under 4.0. \
                            73% of them plan to redesign their site this year."
            .into(),
        competitor_landscape: "Spending grew 12% in 2024.".into(),
        trends: vec![
            "40% list no website.".into(),
            "Most will buy within 90 days.".into(),
        ],
        opportunities: vec!["Web design: 8 of the 20 dentists have no website.".into()],
        risks: vec!["The sample is small.".into()],
        recommended_positioning: "Lead with web design; \"We grow your Google reviews and \
                                  rating\"."
            .into(),
    };
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(chat_answer(&serde_json::to_value(&prose).unwrap()))
        .mount(&server)
        .await;
    let db = TestDb::sqlite();
    let svc = services(&db, &[("OPENAI_BASE_URL", format!("{}/v1", server.uri()))]).await;
    let scope = scope(&svc).await;
    let agency = agency();
    let stats = stats(&agency);
    let research = write(
        &svc,
        &scope,
        &agency,
        "dentist",
        "Austin, TX",
        stats.clone(),
    )
    .await;

    assert_ne!(research.provider, "rules");
    assert_eq!(research.model, "local-model");
    assert_eq!(
        research.prose.executive_summary,
        "Austin has 20 dentists. 45% of the rated ones are under 4.0."
    );
    // "73%", "12%", "2024" and "90" are not in the figures: three sentences, and the
    // landscape, emptied, is the rules'.
    assert_eq!(research.dropped_sentences, 3);
    assert_eq!(research.prose.trends, ["40% list no website."]);
    assert_eq!(
        research.prose.competitor_landscape,
        rules(&stats, &agency).competitor_landscape
    );
    assert_eq!(research.sections_from_rules, ["competitorLandscape"]);
    assert_eq!(research.prose.risks, ["The sample is small."]);

    // The prompt gave the figures as facts and forbade other numbers.
    let requests = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    let text = body["messages"].to_string();
    assert!(text.contains("FACTS"), "{text}");
    assert!(text.contains("Never invent"), "{text}");
    assert!(text.contains("\\\"under4\\\""), "{text}");
    assert!(
        text.contains("We grow your Google reviews and rating"),
        "{text}"
    );
}

#[tokio::test]
async fn an_empty_run_gets_a_valid_report() {
    let db = TestDb::sqlite();
    let svc = services(&db, &[]).await;
    let scope = scope(&svc).await;
    let agency = agency();
    let stats = compute(&MarketInputs {
        vertical: "dentist",
        geography: "Austin, TX",
        places_fetched: Some(0),
        opportunities: &[],
        audits: &[],
        services: &agency.services,
    });
    let research = write(&svc, &scope, &agency, "dentist", "Austin, TX", stats).await;
    assert_eq!(research.provider, "rules");
    assert_eq!(research.stats.funnel.businesses_found, 0);
    assert_eq!(
        summary_line(&research),
        "Market: no dentists found in Austin, TX to analyse"
    );
    let json = serde_json::to_string(&research).unwrap();
    assert!(!json.contains("NaN"));
}
