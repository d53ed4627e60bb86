//! The `personas` generator end to end: with no model configured the rules write the set;
//! with the sample world's model, or a model that answers badly, the set that comes back is
//! held to shape.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::{BTreeMap, HashSet};

use pipeline::ai::CallScope;
use pipeline::personas::{self, MAX_LIST_ITEMS, MAX_PERSONAS, MIN_PERSONAS, PersonaSet};
use pipeline::{Config, Services};
use sample_world::{SampleWorld, WorldConfig, endpoint};
use store::AgencyProfile;
use store::testing::TestDb;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Services on `db` with exactly `vars` besides the database and blob store.
async fn services(db: &TestDb, vars: impl IntoIterator<Item = (String, String)>) -> Services {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut all: BTreeMap<String, String> = vars.into_iter().collect();
    all.insert("DATABASE_URL".into(), db.url.clone());
    all.insert(
        "BLOB_STORE_URL".into(),
        dir.join("blobs").display().to_string(),
    );
    Services::open(&Config::from_vars(&all).unwrap())
        .await
        .unwrap()
}

/// The default user's agency and a scope outside any run.
async fn agency(svc: &Services) -> (CallScope, AgencyProfile) {
    let (user, agency) = svc.store.users().ensure_default().await.unwrap();
    let scope = CallScope {
        run_id: None,
        agency_id: agency.id,
        user_id: user.id,
        opportunity_id: None,
    };
    (scope, agency.profile)
}

/// Everything validation promises about a set.
fn assert_in_shape(set: &PersonaSet) {
    let kinds = [
        (
            "business",
            set.business
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "decision makers",
            set.decision_makers
                .iter()
                .map(|p| p.name.as_str())
                .collect(),
        ),
    ];
    for (kind, names) in kinds {
        assert!(
            (MIN_PERSONAS..=MAX_PERSONAS).contains(&names.len()),
            "{kind}: {names:?}"
        );
        let unique: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(unique.len(), names.len(), "{kind}: {names:?}");
        assert!(
            names
                .iter()
                .all(|n| !n.trim().is_empty() && n.chars().count() <= 80),
            "{kind}: {names:?}"
        );
    }
    let lists = set
        .business
        .iter()
        .flat_map(|p| {
            [
                &p.goals,
                &p.pains,
                &p.buying_triggers,
                &p.objections,
                &p.how_to_reach,
            ]
        })
        .chain(set.decision_makers.iter().flat_map(|p| {
            [
                &p.titles,
                &p.goals,
                &p.pains,
                &p.buying_triggers,
                &p.objections,
                &p.how_to_reach,
            ]
        }));
    for list in lists {
        assert!(list.len() <= MAX_LIST_ITEMS, "{list:?}");
        assert!(
            list.iter()
                .all(|s| !s.trim().is_empty() && s.chars().count() <= 200),
            "{list:?}"
        );
    }
    for p in &set.decision_makers {
        assert!(!p.titles.is_empty() && !p.role.is_empty(), "{p:#?}");
        assert!(p.description.chars().count() <= 600);
    }
}

#[tokio::test]
async fn with_no_model_configured_the_rules_write_the_personas() {
    let db = TestDb::sqlite();
    let svc = services(&db, []).await;
    let (scope, profile) = agency(&svc).await;

    let got = personas::generate(&svc, &scope, &profile, "dentists", "Austin, TX").await;

    assert_eq!((got.provider, got.model.as_str()), ("rules", "rules"));
    assert_eq!(got.set, personas::rules(&profile, "dentists", "Austin, TX"));
    assert!(!got.repairs.changed());
    assert_in_shape(&got.set);
}

#[tokio::test]
async fn the_sample_worlds_model_writes_a_set_that_is_held_to_shape() {
    let world = SampleWorld::start(WorldConfig::default()).await.unwrap();
    for db in TestDb::all().await {
        let svc = services(&db, world.env()).await;
        let (scope, profile) = agency(&svc).await;
        let asked =
            || world.requests(endpoint::OPENAI_RESPONSES) + world.requests(endpoint::OPENAI_CHAT);
        let before = asked();

        let got = personas::generate(&svc, &scope, &profile, "dentist", "Austin, TX").await;

        assert_ne!(got.provider, "rules", "{got:#?}");
        assert!(asked() > before, "the world's model was asked");
        assert_in_shape(&got.set);
        let again = personas::generate(&svc, &scope, &profile, "dentist", "Austin, TX").await;
        assert_eq!(again.set, got.set, "the same prompt gives the same set");
    }
}

/// A Chat Completions answer whose content is `content`.
fn chat_answer(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "local",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": content, "refusal": null } }],
        "usage": { "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15 }
    }))
}

fn business(name: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "description": "A dental practice.",
        "firmographics": {
            "business_size": "Small", "employee_range": "5-20", "revenue_range": "$1M",
            "locations": "Austin", "web_maturity": "Dated"
        },
        "goals": ["More patients", "", "more patients"],
        "pains": ["Old website"],
        "buying_triggers": [],
        "objections": ["Price"],
        "how_to_reach": ["Phone"]
    })
}

fn decision_maker(name: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name, "description": "Decides.", "role": "", "seniority": "Owner",
        "titles": [], "goals": ["Growth"], "pains": ["Time"], "buying_triggers": ["Slow month"],
        "objections": ["Price"], "how_to_reach": ["Phone"]
    })
}

#[tokio::test]
async fn a_thin_or_bloated_answer_is_topped_up_from_the_rules_and_cut_to_size() {
    let server = MockServer::start().await;
    let dms: Vec<_> = ["Owner", "owner", "A", "B", "C", "D", "E", "F"]
        .into_iter()
        .map(decision_maker)
        .collect();
    let answer =
        serde_json::json!({ "business": [business("Solo dentist")], "decision_makers": dms });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(chat_answer(&answer.to_string()))
        .mount(&server)
        .await;
    let db = TestDb::sqlite();
    let svc = services(
        &db,
        [("OPENAI_BASE_URL".to_owned(), format!("{}/v1", server.uri()))],
    )
    .await;
    let (scope, profile) = agency(&svc).await;

    let got = personas::generate(&svc, &scope, &profile, "dentist", "Austin, TX").await;

    assert_ne!(got.provider, "rules", "{got:#?}");
    assert_in_shape(&got.set);
    let rules = personas::rules(&profile, "dentist", "Austin, TX");
    let business: Vec<&str> = got.set.business.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        business,
        [
            "Solo dentist",
            rules.business[0].name.as_str(),
            rules.business[1].name.as_str()
        ]
    );
    assert_eq!(got.set.business[0].goals, ["More patients"]);
    let dms: Vec<&str> = got
        .set
        .decision_makers
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(dms, ["Owner", "A", "B", "C", "D"]);
    assert_eq!(got.set.decision_makers[0].titles, ["Owner"]);
    assert_eq!(got.repairs.topped_up, 2);
    assert_eq!(
        got.repairs.dropped, 3,
        "a repeated name and two beyond the cap"
    );
}
