//! The Leadora stages of a run (seed 002) against the sample world: personas, decision makers
//! from LinkedIn-like search results and the leads' own team pages, embeddings and persona
//! mapping, market research built on the run's numbers, and outreach drafts for READY leads —
//! and the switches that turn them off.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod audit_support;

use std::collections::{HashMap, HashSet};

use audit_support::{agency_with_claims, ended_run, phase, services, workers, world};
use domain::{Phase, PhaseStatus, WorkflowStatus};
use pipeline::research::MarketResearch;
use pipeline::{CampaignRequest, Stages, run_document, start_run};
use store::PersonaKind;
use store::testing::TestDb;

async fn run_with(
    svc: &pipeline::Services,
    agency: &store::Agency,
    user: &domain::UserId,
    stages: Stages,
) -> store::Run {
    let run = start_run(
        &svc.store,
        CampaignRequest {
            agency_id: agency.id.clone(),
            user_id: user.clone(),
            vertical: "dentist".into(),
            geography: "Austin, TX".into(),
            num_leads: 12,
            audit_leads: Some(4),
            stages,
        },
    )
    .await
    .expect("the run starts");
    ended_run(&svc.store, &run.id).await
}

#[tokio::test]
async fn a_run_with_every_stage_ends_with_personas_people_mapping_research_and_drafts() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(
            &db,
            &world,
            &[("LINKEDIN_MAX_EMPLOYEES_PER_COMPANY", Some("3"))],
        )
        .await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let pool = workers(&svc, 4);
        let run = run_with(&svc, &agency, &user, Stages::ALL).await;
        pool.shutdown().await;
        assert_eq!(run.workflow_status, WorkflowStatus::Completed, "{run:?}");
        for p in [
            Phase::Personas,
            Phase::DmEnrichment,
            Phase::PersonaMapping,
            Phase::MarketResearch,
        ] {
            let state = phase(&run, p);
            assert_eq!(state.status, PhaseStatus::Complete, "{state:?}");
            assert_eq!(state.done, state.total, "{state:?}");
        }

        // Personas: both kinds, with vectors of one model.
        let personas = svc.store.personas();
        let business = personas
            .for_run(PersonaKind::Business, &agency.id, &run.id)
            .await
            .unwrap();
        let deciders = personas
            .for_run(PersonaKind::DecisionMaker, &agency.id, &run.id)
            .await
            .unwrap();
        assert!(business.len() >= 2 && deciders.len() >= 2);
        let models: HashSet<String> = business
            .iter()
            .chain(&deciders)
            .map(|p| {
                p.embedding
                    .as_ref()
                    .expect("every persona is embedded")
                    .model
                    .clone()
            })
            .collect();
        assert_eq!(models.len(), 1, "{models:?}");
        let model = models.into_iter().next().unwrap();

        // Leads: each mapped to one of the run's business personas, by its vector.
        let business_ids: HashSet<&str> = business.iter().map(|p| p.id.as_str()).collect();
        let mappings = svc
            .store
            .opportunities()
            .mappings_for_run(&agency.id, &run.id)
            .await
            .unwrap();
        assert_eq!(mappings.len(), 12);
        for m in &mappings {
            assert_eq!(
                m.embedding.as_ref().map(|e| e.model.as_str()),
                Some(model.as_str())
            );
            assert!(
                business_ids.contains(m.persona_id.as_deref().unwrap()),
                "{m:?}"
            );
            assert_eq!(m.persona_method.as_deref(), Some("embedding"));
            let score = m.persona_score.unwrap();
            assert!((-1.0..=1.0).contains(&score));
        }

        // Decision makers: people at the business only, no one twice, at most 3 per lead,
        // some named on the businesses' own team pages.
        let leads: HashMap<String, store::Opportunity> = svc
            .store
            .opportunities()
            .list_for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.opportunity.id.to_string(), l.opportunity))
            .collect();
        let people = svc
            .store
            .decision_makers()
            .for_run(&agency.id, &run.id)
            .await
            .unwrap();
        assert!(!people.is_empty());
        let mut per_lead: HashMap<String, Vec<&store::DecisionMaker>> = HashMap::new();
        for p in &people {
            per_lead
                .entry(p.opportunity_id.to_string())
                .or_default()
                .push(p);
        }
        let decider_ids: HashSet<&str> = deciders.iter().map(|p| p.id.as_str()).collect();
        for (lead_id, found) in &per_lead {
            let lead = &leads[lead_id];
            assert!(found.len() <= 3, "{}: {found:?}", lead.name);
            let names: HashSet<String> = found
                .iter()
                .map(|p| domain::people::name_key(&p.name))
                .collect();
            assert_eq!(names.len(), found.len(), "someone twice at {}", lead.name);
            for p in found {
                if let Some(company) = &p.company {
                    assert!(
                        company.eq_ignore_ascii_case(&lead.name),
                        "{} is at {company}, not {}",
                        p.name,
                        lead.name
                    );
                }
                if p.source.contains("linkedin_search") {
                    let url = p.profile_url.as_deref().unwrap();
                    assert!(url.starts_with("https://linkedin.com/in/"), "{url}");
                }
                assert!(
                    decider_ids.contains(p.persona_id.as_deref().unwrap()),
                    "{p:?}"
                );
                assert!(matches!(
                    p.persona_method.as_deref(),
                    Some("embedding" | "embedding_llm_tiebreak")
                ));
            }
        }
        let from_site: Vec<_> = people
            .iter()
            .filter(|p| p.source.contains("website"))
            .collect();
        assert!(!from_site.is_empty(), "no one was found on a team page");
        for p in &from_site {
            let lead = &leads[p.opportunity_id.as_str()];
            let site = lead.domain.as_deref().unwrap();
            assert!(p.source_url.as_deref().unwrap().contains(site), "{p:?}");
        }
        // Every tie went to the LLM once (one usage row per tie-break).
        let ties = people
            .iter()
            .filter(|p| p.persona_method.as_deref() == Some("embedding_llm_tiebreak"))
            .count();
        let (tiebreaks,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM api_usage_logs WHERE run_id = $1 AND operation = 'persona_tiebreak'",
        )
        .bind(run.id.as_str())
        .fetch_one(svc.store.pool())
        .await
        .unwrap();
        assert_eq!(usize::try_from(tiebreaks).unwrap(), ties);

        // Market research: the figures are the run's own.
        let research = svc
            .store
            .reports()
            .research_for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .expect("the report is stored");
        let report: MarketResearch = serde_json::from_value(research.report).unwrap();
        assert_eq!(report.stats.funnel.leads.count, 12);
        assert_eq!(
            report.stats.funnel.businesses_found,
            u64::from(run.num_leads_fetched.unwrap())
        );
        assert!(!report.prose.executive_summary.is_empty());

        // Outreach: a draft for every READY lead with something to say, none for the others.
        let drafts = svc
            .store
            .reports()
            .drafts_for_run(&agency.id, &run.id)
            .await
            .unwrap();
        assert!(!drafts.is_empty());
        for d in &drafts {
            assert_eq!(leads[d.opportunity_id.as_str()].status, "READY");
        }

        // The run's JSON document carries all of it.
        let doc = run_document(&svc.store, &agency.id, &run).await.unwrap();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            json["personas"]["business"].as_array().unwrap().len(),
            business.len()
        );
        assert!(json["market_research"]["stats"].is_object());
        let with_people = json["opportunities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| !o["decision_makers"].as_array().unwrap().is_empty())
            .count();
        assert_eq!(with_people, per_lead.len());
        assert!(
            json["opportunities"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["persona"]["id"].is_string() && o["persona"]["method"].is_string())
        );

        // The timeline says what each stage did.
        let kinds: HashSet<String> = svc
            .store
            .events()
            .list(&run.id, None, 1_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        for kind in [
            "personas_generated",
            "decision_makers_found",
            "personas_mapped",
            "market_research_written",
        ] {
            assert!(kinds.contains(kind), "no {kind} event in {kinds:?}");
        }
    }
    world.shutdown().await;
}

#[tokio::test]
async fn switched_off_stages_are_skipped_and_cost_nothing() {
    let world = world().await;
    let db = TestDb::sqlite();
    let svc = services(&db, &world, &[]).await;
    let (user, agency) = agency_with_claims(&svc.store).await;
    let searches_before = world.requests(sample_world::endpoint::SERPER_SEARCH);
    let pool = workers(&svc, 4);
    let run = run_with(&svc, &agency, &user, Stages::NONE).await;
    pool.shutdown().await;
    assert_eq!(run.workflow_status, WorkflowStatus::Completed);
    for p in [
        Phase::Personas,
        Phase::DmEnrichment,
        Phase::PersonaMapping,
        Phase::MarketResearch,
    ] {
        assert_eq!(phase(&run, p).status, PhaseStatus::Skipped);
    }
    assert_eq!(
        world.requests(sample_world::endpoint::SERPER_SEARCH),
        searches_before,
        "no web search was made"
    );
    assert!(
        svc.store
            .decision_makers()
            .for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        svc.store
            .reports()
            .research_for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .is_none()
    );
    let doc = run_document(&svc.store, &agency.id, &run).await.unwrap();
    assert!(doc.market_research.is_none());
    assert!(doc.opportunities.iter().all(|o| o.persona.is_none()));

    // Only market research off: people are found, no report is written.
    let pool = workers(&svc, 4);
    let run = run_with(
        &svc,
        &agency,
        &user,
        Stages {
            market_research: false,
            ..Stages::ALL
        },
    )
    .await;
    pool.shutdown().await;
    assert_eq!(run.workflow_status, WorkflowStatus::Completed);
    assert_eq!(
        phase(&run, Phase::MarketResearch).status,
        PhaseStatus::Skipped
    );
    assert_eq!(
        phase(&run, Phase::DmEnrichment).status,
        PhaseStatus::Complete
    );
    assert!(
        !svc.store
            .decision_makers()
            .for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .is_empty()
    );
    world.shutdown().await;
}

#[tokio::test]
async fn the_local_model_maps_people_by_meaning_and_a_missing_model_falls_back_with_an_event() {
    let world = world().await;
    let db = TestDb::sqlite();
    let model_dir = embed_local::test_support::workspace_test_model_dir();
    let model_dir = model_dir.display().to_string();
    // No language model: the rules write the personas (an owner and a manager persona among
    // them), so what is tested is the embedder, not a fake model's prose.
    let svc = services(
        &db,
        &world,
        &[
            ("OPENAI_API_KEY", None),
            ("OPENAI_BASE_URL", None),
            ("LEADFORGE_EMBEDDINGS", Some("local")),
            ("LEADFORGE_EMBEDDINGS_MODEL_DIR", Some(&model_dir)),
        ],
    )
    .await;
    let (user, agency) = agency_with_claims(&svc.store).await;
    let pool = workers(&svc, 4);
    let run = run_with(&svc, &agency, &user, Stages::ALL).await;
    pool.shutdown().await;
    assert_eq!(run.workflow_status, WorkflowStatus::Completed);
    let deciders = svc
        .store
        .personas()
        .for_run(PersonaKind::DecisionMaker, &agency.id, &run.id)
        .await
        .unwrap();
    assert!(
        deciders
            .iter()
            .all(|p| p.embedding.as_ref().unwrap().model == "all-MiniLM-L6-v2")
    );
    let name_of = |id: &str| {
        deciders
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap()
    };
    let people = svc
        .store
        .decision_makers()
        .for_run(&agency.id, &run.id)
        .await
        .unwrap();
    let owners: Vec<_> = people
        .iter()
        .filter(|p| p.title.as_deref().is_some_and(|t| t.contains("Owner")))
        .collect();
    assert!(!owners.is_empty());
    for p in &owners {
        assert_eq!(
            name_of(p.persona_id.as_deref().unwrap()),
            "Owner-operator",
            "{} ({:?}) by {:?}",
            p.name,
            p.title,
            p.persona_method
        );
    }
    assert!(
        !svc.store
            .events()
            .has_kind(&run.id, "embeddings_fallback")
            .await
            .unwrap()
    );

    // A model directory without the model: hashing takes over and the run says so.
    let empty = tempfile::tempdir().unwrap();
    let svc = services(
        &db,
        &world,
        &[
            ("LEADFORGE_EMBEDDINGS", Some("local")),
            (
                "LEADFORGE_EMBEDDINGS_MODEL_DIR",
                Some(&empty.path().display().to_string()),
            ),
        ],
    )
    .await;
    let pool = workers(&svc, 4);
    let run = run_with(&svc, &agency, &user, Stages::ALL).await;
    pool.shutdown().await;
    assert_eq!(run.workflow_status, WorkflowStatus::Completed);
    assert!(
        svc.store
            .events()
            .has_kind(&run.id, "embeddings_fallback")
            .await
            .unwrap()
    );
    let mappings = svc
        .store
        .opportunities()
        .mappings_for_run(&agency.id, &run.id)
        .await
        .unwrap();
    assert!(mappings.iter().all(|m| m.persona_id.is_some()));
    world.shutdown().await;
}

#[tokio::test]
async fn past_the_budget_no_search_is_paid_for_and_people_come_from_the_sites_alone() {
    let world = world().await;
    let db = TestDb::sqlite();
    let svc = services(&db, &world, &[("CAN_SPEND", Some("0"))]).await;
    let (user, agency) = agency_with_claims(&svc.store).await;
    let searches_before = world.requests(sample_world::endpoint::SERPER_SEARCH);
    let pool = workers(&svc, 4);
    let run = run_with(&svc, &agency, &user, Stages::ALL).await;
    pool.shutdown().await;
    assert_eq!(run.workflow_status, WorkflowStatus::Completed);
    assert_eq!(
        world.requests(sample_world::endpoint::SERPER_SEARCH),
        searches_before,
        "no paid web search past the budget"
    );
    let people = svc
        .store
        .decision_makers()
        .for_run(&agency.id, &run.id)
        .await
        .unwrap();
    assert!(!people.is_empty(), "the audited sites still name people");
    assert!(people.iter().all(|p| p.source == "website"), "{people:?}");
    assert!(
        svc.store
            .events()
            .has_kind(&run.id, "budget_spent")
            .await
            .unwrap()
    );
    world.shutdown().await;
}
