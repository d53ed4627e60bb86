//! The AI layer as runs use it: thread context versus user context, attribution, and the
//! `CAN_SPEND` budget — against wiremock servers speaking the real OpenAI formats.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;

use pipeline::ai::{AiContext, CallScope};
use pipeline::{CampaignRequest, Config, Services, start_run};
use providers::llm::LlmRequest;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::testing::TestDb;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
struct Verdict {
    verdict: String,
}

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
    let run = start_run(
        &svc.store,
        CampaignRequest {
            agency_id: agency.id.clone(),
            user_id: user.id.clone(),
            vertical: "dentist".into(),
            geography: "Austin, TX".into(),
            num_leads: 5,
            audit_leads: None,
            stages: pipeline::Stages::ALL,
        },
    )
    .await
    .unwrap();
    CallScope {
        run_id: Some(run.id),
        agency_id: agency.id,
        user_id: user.id,
        opportunity_id: None,
    }
}

fn chat_answer(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "local",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": content, "refusal": null } }],
        "usage": { "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15 }
    }))
}

#[tokio::test]
async fn a_second_call_in_a_thread_sees_the_first_calls_messages() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(chat_answer(r#"{"verdict":"first answer"}"#))
        .mount(&server)
        .await;
    let db = TestDb::sqlite();
    let svc = services(&db, &[("OPENAI_BASE_URL", format!("{}/v1", server.uri()))]).await;
    let scope = scope(&svc).await;
    let thread = svc
        .store
        .threads()
        .create(
            &scope.agency_id,
            &scope.user_id,
            scope.run_id.as_ref(),
            "audit",
        )
        .await
        .unwrap();
    let ctx = AiContext::Thread(thread.clone());
    let rules = |_: &LlmRequest| Verdict {
        verdict: "rules".into(),
    };

    let first = svc
        .ai
        .structured(
            &scope,
            &ctx,
            LlmRequest::new("t", "Which pages matter?"),
            rules,
        )
        .await;
    assert_eq!(first.value.verdict, "first answer");
    let _ = svc
        .ai
        .structured(
            &scope,
            &ctx,
            LlmRequest::new("t", "Now write the dossier."),
            rules,
        )
        .await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let second: serde_json::Value = serde_json::from_slice(&requests[1].body).unwrap();
    let contents: Vec<&str> = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(contents.contains(&"Which pages matter?"), "{contents:?}");
    assert!(
        contents.iter().any(|c| c.contains("first answer")),
        "{contents:?}"
    );
    assert_eq!(contents.last(), Some(&"Now write the dossier."));
    // The thread now holds both exchanges.
    assert_eq!(
        svc.store
            .threads()
            .recent(&thread, 100_000)
            .await
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn calls_are_attributed_to_the_threads_user_or_else_the_callers_user() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(chat_answer(r#"{"verdict":"ok"}"#))
        .mount(&server)
        .await;
    let db = TestDb::sqlite();
    let svc = services(&db, &[("OPENAI_BASE_URL", format!("{}/v1", server.uri()))]).await;
    let scope = scope(&svc).await;
    let colleague = svc
        .store
        .users()
        .create("colleague@agency.test", None)
        .await
        .unwrap();
    let thread = svc
        .store
        .threads()
        .create(&scope.agency_id, &colleague.id, None, "onboarding")
        .await
        .unwrap();
    let rules = |_: &LlmRequest| Verdict {
        verdict: "rules".into(),
    };

    svc.ai
        .structured(
            &scope,
            &AiContext::User(scope.user_id.clone()),
            LlmRequest::new("a", "x"),
            rules,
        )
        .await;
    svc.ai
        .structured(
            &scope,
            &AiContext::Thread(thread),
            LlmRequest::new("b", "y"),
            rules,
        )
        .await;

    let rows = svc
        .store
        .usage()
        .for_run(scope.run_id.as_ref().expect("a run").as_str())
        .await
        .unwrap();
    let by_op = |op: &str| {
        rows.iter()
            .find(|r| r.operation == op)
            .unwrap()
            .user_id
            .clone()
    };
    assert_eq!(by_op("a"), Some(scope.user_id.to_string()));
    assert_eq!(by_op("b"), Some(colleague.id.to_string()));
}

#[tokio::test]
async fn once_the_budget_is_spent_paid_calls_stop_the_rules_answer_and_an_event_says_so() {
    let server = MockServer::start().await;
    for db in TestDb::all().await {
        server.reset().await;
        let answer = serde_json::json!({
            "id": "resp_1", "object": "response", "created_at": 1, "status": "completed", "model": "gpt-5",
            "output": [{ "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                         "content": [{ "type": "output_text", "text": "{\"verdict\":\"paid\"}", "annotations": [] }] }],
            "usage": { "input_tokens": 100_000, "output_tokens": 100_000, "total_tokens": 200_000 }
        });
        Mock::given(method("POST"))
            .and(path("/v1/responses"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .mount(&server)
            .await;
        let svc = services(
            &db,
            &[
                ("OPENAI_API_KEY", "sk-test-budget".into()),
                ("OPENAI_RESPONSES_BASE_URL", server.uri()),
                ("CAN_SPEND", "0.50".into()),
            ],
        )
        .await;
        let scope = scope(&svc).await;
        let ctx = AiContext::User(scope.user_id.clone());
        let rules = |_: &LlmRequest| Verdict {
            verdict: "rules".into(),
        };

        let first = svc
            .ai
            .structured(&scope, &ctx, LlmRequest::new("v", "q1"), rules)
            .await;
        assert_eq!(
            (first.provider, first.value.verdict.as_str()),
            ("openai", "paid")
        );
        let spent = svc
            .store
            .usage()
            .run_totals(scope.run_id.as_ref().expect("a run").as_str())
            .await
            .unwrap()
            .cost;
        assert!(
            spent > 0.5,
            "gpt-5 at 100k tokens each way costs more than the budget: {spent}"
        );

        for q in ["q2", "q3"] {
            let next = svc
                .ai
                .structured(&scope, &ctx, LlmRequest::new("v", q), rules)
                .await;
            assert_eq!(
                (next.provider, next.value.verdict.as_str()),
                ("rules", "rules"),
                "{db:?}"
            );
        }
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "no paid call after the budget"
        );
        let events = svc
            .store
            .events()
            .list(scope.run_id.as_ref().expect("a run"), None, 100)
            .await
            .unwrap();
        assert_eq!(
            events.iter().filter(|e| e.kind == "budget_spent").count(),
            1,
            "said once"
        );
    }
}
