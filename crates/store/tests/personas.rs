//! Personas, decision makers, embeddings, market research and outreach drafts, against every
//! backend the environment offers (SQLite always, Postgres when
//! `LEADFORGE_TEST_POSTGRES_URL` is set), each test on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{lead, stores};
use serde_json::json;
use store::{
    Agency, Embedding, NewDecisionMaker, NewDraft, NewPersona, NewRun, Opportunity, PersonaKind,
    Run, Store,
};

async fn fixture(store: &Store) -> (Agency, Run, Vec<Opportunity>) {
    let (user, agency) = store.users().ensure_default().await.unwrap();
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.id.clone(),
            num_leads: 10,
            target_vertical: "dentist".into(),
            target_geography: "Austin, TX".into(),
            params: json!({}),
            phases: vec![],
        })
        .await
        .unwrap();
    let opps = store.opportunities();
    opps.upsert_for_run(
        &agency.id,
        &run.id,
        "dentist",
        "Austin, TX",
        &[lead("a", 80, 1), lead("b", 60, 2)],
    )
    .await
    .unwrap();
    let leads = opps
        .list_for_run(&agency.id, &run.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.opportunity)
        .collect();
    (agency, run, leads)
}

fn persona(name: &str) -> NewPersona {
    NewPersona {
        name: name.into(),
        data: json!({ "name": name, "pains": ["no website"] }),
    }
}

fn embedding(seed: f32, hash: &str) -> Embedding {
    Embedding {
        vector: (0..384)
            .map(|i| seed * (i as f32 - 191.5) / 384.0)
            .collect(),
        model: "all-MiniLM-L6-v2".into(),
        text_hash: hash.into(),
    }
}

#[tokio::test]
async fn a_retried_persona_phase_leaves_exactly_one_set_and_keeps_current_vectors() {
    for (db, store) in stores().await {
        let (agency, run, _) = fixture(&store).await;
        let personas = store.personas();
        let mut tx = store.pool().begin().await.unwrap();
        personas
            .replace_for_run_in(
                &mut tx,
                PersonaKind::Business,
                &agency.id,
                &run.id,
                "rules",
                &[
                    persona("Established practice"),
                    persona("New practice"),
                    persona("Group"),
                ],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let first = personas
            .for_run(PersonaKind::Business, &agency.id, &run.id)
            .await
            .unwrap();
        assert_eq!(first.len(), 3, "{:?}", db.backend);
        let vector = embedding(1.0, "h1");
        personas
            .set_embedding(PersonaKind::Business, &agency.id, &first[0].id, &vector)
            .await
            .unwrap();

        // The retry writes two personas: the third row goes, the first keeps its id and vector.
        let mut tx = store.pool().begin().await.unwrap();
        personas
            .replace_for_run_in(
                &mut tx,
                PersonaKind::Business,
                &agency.id,
                &run.id,
                "openai",
                &[persona("Established practice"), persona("Growing practice")],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let again = personas
            .for_run(PersonaKind::Business, &agency.id, &run.id)
            .await
            .unwrap();
        let names: Vec<&str> = again.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Established practice", "Growing practice"]);
        assert_eq!(again[0].id, first[0].id);
        assert_eq!(again[0].provider, "openai");
        let stored = again[0].embedding.clone().expect("vector kept");
        assert_eq!(stored, vector, "{:?}: bytes round-trip exactly", db.backend);
        assert!(stored.is_current("all-MiniLM-L6-v2", "h1"));
        assert!(!stored.is_current("all-MiniLM-L6-v2", "h2"));
        assert!(!stored.is_current("text-embedding-3-small", "h1"));

        // Decision-maker personas are a separate set; the latest set is the agency's.
        assert!(
            personas
                .for_run(PersonaKind::DecisionMaker, &agency.id, &run.id)
                .await
                .unwrap()
                .is_empty()
        );
        let latest = personas
            .latest_for_agency(PersonaKind::Business, &agency.id)
            .await
            .unwrap();
        assert_eq!(latest.len(), 2);
    }
}

#[tokio::test]
async fn a_person_found_twice_is_one_row_with_both_sources() {
    for (db, store) in stores().await {
        let (agency, run, leads) = fixture(&store).await;
        let dms = store.decision_makers();
        let from_search = NewDecisionMaker {
            opportunity_id: leads[0].id.clone(),
            run_id: Some(run.id.clone()),
            person_key: "https://linkedin.com/in/jane-doe".into(),
            name: "Jane Doe".into(),
            title: Some("Owner".into()),
            company: Some("Business a".into()),
            profile_url: Some("https://linkedin.com/in/jane-doe".into()),
            location: None,
            source: "linkedin_search".into(),
            source_url: None,
            seniority: 3,
        };
        let from_site = NewDecisionMaker {
            source: "website".into(),
            source_url: Some("https://a.com/about".into()),
            location: Some("Austin".into()),
            title: Some("Founder".into()),
            ..from_search.clone()
        };
        let staff = NewDecisionMaker {
            person_key: "name:sam lee".into(),
            name: "Sam Lee".into(),
            title: Some("Office Manager".into()),
            profile_url: None,
            source: "website".into(),
            seniority: 2,
            ..from_search.clone()
        };
        let mut tx = store.pool().begin().await.unwrap();
        for p in [&from_search, &from_site, &from_search, &staff] {
            dms.upsert_in(&mut tx, &agency.id, p).await.unwrap();
        }
        tx.commit().await.unwrap();
        let found = dms.for_run(&agency.id, &run.id).await.unwrap();
        assert_eq!(found.len(), 2, "{:?}", db.backend);
        let jane = &found[0];
        assert_eq!(jane.name, "Jane Doe");
        assert_eq!(jane.source, "linkedin_search+website");
        assert_eq!(
            jane.title.as_deref(),
            Some("Owner"),
            "the first title stays"
        );
        assert_eq!(jane.location.as_deref(), Some("Austin"), "gaps are filled");
        assert_eq!(jane.source_url.as_deref(), Some("https://a.com/about"));
        assert_eq!(found[1].name, "Sam Lee");
        // A batch reads only its own people; unknown ids and other agencies' are skipped.
        let batch = dms
            .by_ids(&agency.id, &[found[1].id.clone(), "nobody".into()])
            .await
            .unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0], found[1]);
        let other = domain::AgencyId::new();
        assert!(
            dms.by_ids(&other, &[found[0].id.clone()])
                .await
                .unwrap()
                .is_empty()
        );
        assert!(dms.by_ids(&agency.id, &[]).await.unwrap().is_empty());

        let vector = embedding(0.5, "dm");
        dms.set_embedding(&agency.id, &jane.id, &vector)
            .await
            .unwrap();
        let mut tx = store.pool().begin().await.unwrap();
        dms.set_persona_in(
            &mut tx,
            &agency.id,
            &jane.id,
            Some("p1"),
            Some(0.71),
            "embedding",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let jane = dms
            .for_opportunity(&agency.id, &leads[0].id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(jane.embedding, Some(vector));
        assert_eq!(jane.persona_id.as_deref(), Some("p1"));
        assert_eq!(jane.persona_method.as_deref(), Some("embedding"));
        assert!((jane.persona_score.unwrap() - 0.71).abs() < 1e-9);
        assert!(
            dms.for_opportunity(&agency.id, &leads[1].id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn lead_vectors_and_personas_are_stored_per_lead() {
    for (db, store) in stores().await {
        let (agency, run, leads) = fixture(&store).await;
        let opps = store.opportunities();
        let before = opps.mappings_for_run(&agency.id, &run.id).await.unwrap();
        assert_eq!(before.len(), 2, "{:?}", db.backend);
        assert!(
            before
                .iter()
                .all(|m| m.embedding.is_none() && m.persona_id.is_none())
        );

        let vector = embedding(2.0, "biz");
        opps.set_embedding(&agency.id, &leads[1].id, &vector)
            .await
            .unwrap();
        let mut tx = store.pool().begin().await.unwrap();
        opps.set_persona_in(
            &mut tx,
            &agency.id,
            &leads[1].id,
            Some("bp"),
            Some(0.5),
            "embedding",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let after = opps.mappings_for_run(&agency.id, &run.id).await.unwrap();
        assert_eq!(after[1].id, leads[1].id);
        assert_eq!(after[1].embedding, Some(vector));
        assert_eq!(after[1].persona_method.as_deref(), Some("embedding"));
        assert!(after[0].embedding.is_none());
        let lead = opps.get(&agency.id, &leads[1].id).await.unwrap().unwrap();
        assert_eq!(lead.persona_id.as_deref(), Some("bp"));
    }
}

#[tokio::test]
async fn research_and_drafts_are_replaced_not_duplicated() {
    for (db, store) in stores().await {
        let (agency, run, leads) = fixture(&store).await;
        let reports = store.reports();
        assert!(
            reports
                .research_for_run(&agency.id, &run.id)
                .await
                .unwrap()
                .is_none()
        );
        reports
            .save_research(&agency.id, &run.id, &json!({"v": 1}), "rules")
            .await
            .unwrap();
        reports
            .save_research(&agency.id, &run.id, &json!({"v": 2}), "openai")
            .await
            .unwrap();
        let research = reports
            .research_for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (research.report["v"].as_i64(), research.provider.as_str()),
            (Some(2), "openai")
        );

        let first = json!({"email": {"subject": "one"}});
        let second = json!({"email": {"subject": "two"}});
        for (draft, provider) in [(&first, "rules"), (&second, "openai")] {
            reports
                .save_draft(
                    &agency.id,
                    &NewDraft {
                        opportunity_id: &leads[0].id,
                        run_id: Some(&run.id),
                        dossier_id: Some("d1"),
                        draft,
                        provider,
                    },
                )
                .await
                .unwrap();
        }
        let drafts = reports.drafts_for_run(&agency.id, &run.id).await.unwrap();
        assert_eq!(drafts.len(), 1, "{:?}", db.backend);
        assert_eq!(drafts[0].draft, second);
        assert_eq!(drafts[0].run_id.as_ref(), Some(&run.id));
        let one = reports
            .draft_for(&agency.id, &leads[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.provider, "openai");
        assert!(
            reports
                .draft_for(&agency.id, &leads[1].id)
                .await
                .unwrap()
                .is_none()
        );
    }
}
