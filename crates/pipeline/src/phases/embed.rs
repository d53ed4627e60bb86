//! The embedding jobs of seed 002 and persona mapping.
//!
//! - `compute_bp_embeddings` / `compute_dm_persona_embeddings`: the run's personas, children of
//!   the `personas` phase.
//! - `compute_business_embeddings` / `compute_dm_embeddings`: a batch of the run's leads or
//!   decision makers, children of `persona_mapping`; each, in the transaction that completes
//!   it, enqueues the `persona_mapping` job for its batch, which maps the batch and counts
//!   toward the phase.
//!
//! A vector is stored with its model and the hash of its text and recomputed only when
//! either changes. Mapping: a business takes its best persona by cosine; a decision maker its
//! top two, and when they are within ε = 0.03 the LLM decides between them; without vectors
//! the title (or signal) heuristics decide.

use domain::persona_match::{
    Decision, MatchMethod, PersonaIndex, TieEpsilon, UnitVec, heuristic_persona,
};
use domain::{OpportunityId, Phase, RunId};
use providers::llm::{LlmRequest, ModelTier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{Embedding, JobKind, NewEvent, PersonaKind, Run, StoredPersona};
use tracing::warn;

use crate::adapters::RunUsage;
use crate::ai::{AiContext, CallScope};
use crate::embeddings::{self, Selected, text_hash};
use crate::services::Services;
use crate::worker::{JobCtx, JobError};
use crate::workflow;

macro_rules! embed_job {
    ($(#[$doc:meta])* $name:ident = $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            /// The run.
            pub run_id: RunId,
            /// The rows to embed (ids); empty = all of the run's.
            #[serde(default)]
            pub ids: Vec<String>,
        }

        impl JobKind for $name {
            const NAME: &'static str = $kind;
            const PRIORITY: i32 = 6;
            const MAX_ATTEMPTS: u32 = 5;
        }
    };
}

embed_job!(
    /// Embeds the run's business personas (a child of `personas`).
    ComputeBpEmbeddings = "compute_bp_embeddings"
);
embed_job!(
    /// Embeds the run's decision-maker personas (a child of `personas`).
    ComputeDmPersonaEmbeddings = "compute_dm_persona_embeddings"
);
embed_job!(
    /// Embeds a batch of the run's leads, then queues their mapping.
    ComputeBusinessEmbeddings = "compute_business_embeddings"
);
embed_job!(
    /// Embeds a batch of the run's decision makers, then queues their mapping.
    ComputeDmEmbeddings = "compute_dm_embeddings"
);

/// What a [`MapPersonas`] job maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapTarget {
    /// Leads to business personas.
    Businesses,
    /// Decision makers to decision-maker personas.
    DecisionMakers,
}

/// Maps a batch of leads or decision makers to personas (seed 002's `persona_mapping` job; a
/// child of the `persona_mapping` phase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapPersonas {
    /// The run.
    pub run_id: RunId,
    /// Leads or decision makers.
    pub target: MapTarget,
    /// Their ids.
    pub ids: Vec<String>,
}

impl JobKind for MapPersonas {
    const NAME: &'static str = "persona_mapping";
    const PRIORITY: i32 = 7;
    const MAX_ATTEMPTS: u32 = 5;
}

/// Rows per embedding batch.
pub(crate) const BATCH: usize = 25;

/// Appends the run's `embeddings_fallback` event (once) when the embedder in use is a
/// fallback; a `local`-mode failure fails the phase.
pub(crate) async fn note_fallback(svc: &Services, run: &Run, phase: Phase) -> anyhow::Result<()> {
    let selected = svc.embeddings.get().await?;
    if let Some(reason) = &selected.fallback_reason
        && !svc
            .store
            .events()
            .has_kind(&run.id, "embeddings_fallback")
            .await?
    {
        svc.store
            .events()
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::warn(Some(phase), "embeddings_fallback", reason.clone()),
            )
            .await?;
    }
    Ok(())
}

fn usage(svc: &Services, run: &Run) -> RunUsage {
    RunUsage {
        store: svc.store.clone(),
        run_id: Some(run.id.to_string()),
        agency_id: run.agency_id.to_string(),
        user_id: run.user_id.to_string(),
        opportunity_id: None,
    }
}

/// The text a persona row is embedded from, read back from the stored JSON (the name when
/// the JSON is of an older shape). A business persona is embedded whole (what the business
/// is, lacks and wants, comparable with a lead's text); a decision-maker persona by its role,
/// name and typical titles only, because a person is known by a title: a long description
/// full of the vertical's words would pull every title of that vertical toward whichever
/// persona repeats them most.
pub(crate) fn persona_text(p: &StoredPersona) -> String {
    let text = match p.kind {
        PersonaKind::Business => {
            serde_json::from_value::<crate::personas::BusinessPersona>(p.data.clone())
                .map(|x| x.embedding_text())
        }
        PersonaKind::DecisionMaker => {
            serde_json::from_value::<crate::personas::DecisionMakerPersona>(p.data.clone())
                .map(|x| x.heuristic_text())
        }
    };
    text.unwrap_or_else(|_| p.name.clone())
}

/// The words a title is compared with when vectors are missing.
pub(crate) fn persona_heuristic_text(p: &StoredPersona) -> String {
    match p.kind {
        PersonaKind::DecisionMaker => {
            serde_json::from_value::<crate::personas::DecisionMakerPersona>(p.data.clone())
                .map(|x| x.heuristic_text())
                .unwrap_or_else(|_| p.name.clone())
        }
        PersonaKind::Business => persona_text(p),
    }
}

/// Makes sure every persona of `personas` has a current vector for `selected`, computing and
/// storing the missing or stale ones. Returns the personas with their vectors.
pub(crate) async fn ensure_persona_vectors(
    svc: &Services,
    run: &Run,
    selected: &Selected,
    mut personas: Vec<StoredPersona>,
) -> anyhow::Result<Vec<StoredPersona>> {
    let model = selected.embedder.model().to_owned();
    let stale: Vec<(usize, String)> = personas
        .iter()
        .enumerate()
        .map(|(i, p)| (i, persona_text(p)))
        .filter(|(i, text)| {
            personas[*i]
                .embedding
                .as_ref()
                .is_none_or(|e| !e.is_current(&model, &text_hash(text)))
        })
        .collect();
    if stale.is_empty() {
        return Ok(personas);
    }
    let texts: Vec<String> = stale.iter().map(|(_, t)| t.clone()).collect();
    let vectors = embeddings::embed(selected, &texts, &usage(svc, run)).await?;
    for ((i, text), vector) in stale.into_iter().zip(vectors) {
        let embedding = Embedding {
            vector,
            model: model.clone(),
            text_hash: text_hash(&text),
        };
        let p = &mut personas[i];
        svc.store
            .personas()
            .set_embedding(p.kind, &run.agency_id, &p.id, &embedding)
            .await?;
        p.embedding = Some(embedding);
    }
    Ok(personas)
}

/// The personas a run maps to: its own set, or — when it generated none (`--no-personas`
/// on an earlier design, or a retried run) — the agency's latest.
pub(crate) async fn personas_for(
    svc: &Services,
    run: &Run,
    kind: PersonaKind,
) -> anyhow::Result<Vec<StoredPersona>> {
    let repo = svc.store.personas();
    let own = repo.for_run(kind, &run.agency_id, &run.id).await?;
    if !own.is_empty() {
        return Ok(own);
    }
    Ok(repo.latest_for_agency(kind, &run.agency_id).await?)
}

/// Completes a child of `phase` (or, with `None`, just the job), in one transaction.
async fn commit_child(
    svc: &Services,
    ctx: &JobCtx,
    run: &Run,
    phase: Option<Phase>,
    then: Option<(MapPersonas, String)>,
) -> Result<(), JobError> {
    let mut tx = svc.store.pool().begin().await?;
    if let Some((job, key)) = then {
        svc.store
            .jobs()
            .enqueue_in_tx(&mut tx, &job, workflow::child_options(run, key))
            .await?;
    }
    if let Some(phase) = phase {
        workflow::child_finished(svc, &mut tx, &run.id, phase).await?;
    }
    workflow::commit_job(svc, ctx, tx, &run.id).await?;
    Ok(())
}

/// Handles `compute_bp_embeddings` and `compute_dm_persona_embeddings`.
pub(crate) async fn handle_personas(
    svc: &Services,
    ctx: &JobCtx,
    run_id: &RunId,
    kind: PersonaKind,
) -> Result<(), JobError> {
    let Some(run) = workflow::live_run(svc, ctx, run_id).await? else {
        return Ok(());
    };
    let selected = svc.embeddings.get().await.map_err(JobError::Fatal)?;
    let personas = svc
        .store
        .personas()
        .for_run(kind, &run.agency_id, &run.id)
        .await?;
    ensure_persona_vectors(svc, &run, &selected, personas).await?;
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    commit_child(svc, ctx, &run, Some(Phase::Personas), None).await
}

/// The text a lead is embedded from: what it is and what it lacks, in words comparable with
/// a business persona's (size, web maturity, pains), plus its dossier's summary.
pub(crate) fn business_text(lead: &store::Opportunity, summary: Option<&str>) -> String {
    let mut out = format!("{}.", lead.name.trim());
    if !lead.categories.is_empty() {
        out.push_str(&format!(" {}.", lead.categories.join(", ")));
    } else {
        out.push_str(&format!(" {}.", lead.target_vertical));
    }
    if let Some(city) = &lead.city {
        out.push_str(&format!(" Located in {city}."));
    }
    match (lead.rating, lead.reviews_count) {
        (Some(r), Some(n)) => out.push_str(&format!(" Rated {r:.1} from {n} reviews.")),
        (Some(r), None) => out.push_str(&format!(" Rated {r:.1}.")),
        _ => {}
    }
    let gaps: Vec<String> = lead
        .signals
        .iter()
        .filter_map(|s| domain::Signal::parse(s).ok())
        .map(|s| s.as_str().to_lowercase().replace('_', " "))
        .collect();
    if !gaps.is_empty() {
        out.push_str(&format!(" Gaps: {}.", gaps.join("; ")));
    }
    if let Some(summary) = summary.filter(|s| !s.trim().is_empty()) {
        out.push(' ');
        out.push_str(summary.trim());
    }
    out
}

/// The text a decision maker is embedded from: the title, which is what says which persona a
/// person is (their name and company would only add noise shared by everyone at the lead).
pub(crate) fn person_text(dm: &store::DecisionMaker) -> String {
    dm.title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("Staff member")
        .to_owned()
}

/// Handles `compute_business_embeddings`: embeds the batch's leads, then queues their mapping.
pub(crate) async fn handle_businesses(
    svc: &Services,
    ctx: &JobCtx,
    job: ComputeBusinessEmbeddings,
) -> Result<(), JobError> {
    let Some(run) = workflow::live_run(svc, ctx, &job.run_id).await? else {
        return Ok(());
    };
    let selected = svc.embeddings.get().await.map_err(JobError::Fatal)?;
    let model = selected.embedder.model().to_owned();
    let opps = svc.store.opportunities();
    let current = opps.mappings_for_run(&run.agency_id, &run.id).await?;
    let dossiers = svc
        .store
        .audits()
        .dossiers_for_run(&run.agency_id, &run.id)
        .await?;
    let leads = opps.list_for_run(&run.agency_id, &run.id).await?;
    let mut todo: Vec<(OpportunityId, String)> = Vec::new();
    for lead in leads
        .iter()
        .map(|l| &l.opportunity)
        .filter(|l| job.ids.iter().any(|id| id == l.id.as_str()))
    {
        let id = lead.id.clone();
        let summary = dossiers
            .iter()
            .find(|d| d.opportunity_id == id)
            .map(|d| d.summary.as_str());
        let text = business_text(lead, summary);
        let fresh = current
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| m.embedding.as_ref())
            .is_some_and(|e| e.is_current(&model, &text_hash(&text)));
        if !fresh {
            todo.push((id, text));
        }
    }
    if !todo.is_empty() {
        let texts: Vec<String> = todo.iter().map(|(_, t)| t.clone()).collect();
        let vectors = embeddings::embed(&selected, &texts, &usage(svc, &run)).await?;
        for ((id, text), vector) in todo.into_iter().zip(vectors) {
            let embedding = Embedding {
                vector,
                model: model.clone(),
                text_hash: text_hash(&text),
            };
            opps.set_embedding(&run.agency_id, &id, &embedding).await?;
        }
    }
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    let key = format!("run:{}:map:{}", run.id, ctx.job_id);
    let next = MapPersonas {
        run_id: run.id.clone(),
        target: MapTarget::Businesses,
        ids: job.ids,
    };
    commit_child(svc, ctx, &run, None, Some((next, key))).await
}

/// Handles `compute_dm_embeddings`: embeds the batch's decision makers, then queues their
/// mapping.
pub(crate) async fn handle_people(
    svc: &Services,
    ctx: &JobCtx,
    job: ComputeDmEmbeddings,
) -> Result<(), JobError> {
    let Some(run) = workflow::live_run(svc, ctx, &job.run_id).await? else {
        return Ok(());
    };
    let selected = svc.embeddings.get().await.map_err(JobError::Fatal)?;
    let model = selected.embedder.model().to_owned();
    let dms = svc.store.decision_makers();
    let people = dms.by_ids(&run.agency_id, &job.ids).await?;
    let todo: Vec<(&store::DecisionMaker, String)> = people
        .iter()
        .map(|p| (p, person_text(p)))
        .filter(|(p, text)| {
            p.embedding
                .as_ref()
                .is_none_or(|e| !e.is_current(&model, &text_hash(text)))
        })
        .collect();
    if !todo.is_empty() {
        let texts: Vec<String> = todo.iter().map(|(_, t)| t.clone()).collect();
        let vectors = embeddings::embed(&selected, &texts, &usage(svc, &run)).await?;
        for ((p, text), vector) in todo.into_iter().zip(vectors) {
            let embedding = Embedding {
                vector,
                model: model.clone(),
                text_hash: text_hash(&text),
            };
            dms.set_embedding(&run.agency_id, &p.id, &embedding).await?;
        }
    }
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    let key = format!("run:{}:map:{}", run.id, ctx.job_id);
    let next = MapPersonas {
        run_id: run.id.clone(),
        target: MapTarget::DecisionMakers,
        ids: job.ids,
    };
    commit_child(svc, ctx, &run, None, Some((next, key))).await
}

/// The LLM's pick between two close personas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TieBreak {
    /// The id of the persona that fits better: one of the two offered.
    pub persona_id: String,
    /// One sentence on why.
    pub reason: String,
}

/// A persona decision ready to store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mapped {
    pub persona_id: Option<String>,
    pub score: Option<f64>,
    pub method: MatchMethod,
}

/// Decides a decision maker's persona: top-2 by cosine, the LLM between them when within ε,
/// the title heuristic without vectors.
pub(crate) async fn decide_person(
    svc: &Services,
    scope: &CallScope,
    dm: &store::DecisionMaker,
    personas: &[StoredPersona],
    index: &PersonaIndex<String>,
    model: &str,
) -> Mapped {
    decide_person_with(dm, personas, index, model, |first, second| async move {
        tie_break(svc, scope, dm, personas, &first, &second).await
    })
    .await
}

/// [`decide_person`] with the tie-break as a parameter: `tie(first, second)` answers the id
/// of the persona it picks (anything but `second` keeps `first`).
pub(crate) async fn decide_person_with<F, Fut>(
    dm: &store::DecisionMaker,
    personas: &[StoredPersona],
    index: &PersonaIndex<String>,
    model: &str,
    tie: F,
) -> Mapped
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = String>,
{
    let heuristic = || {
        let texts: Vec<(String, String)> = personas
            .iter()
            .map(|p| (p.id.clone(), persona_heuristic_text(p)))
            .collect();
        let refs: Vec<(String, &str)> = texts
            .iter()
            .map(|(id, t)| (id.clone(), t.as_str()))
            .collect();
        let title = dm.title.as_deref().unwrap_or(&dm.name);
        match heuristic_persona(title, &refs) {
            Some(m) => Mapped {
                persona_id: Some(m.persona),
                score: Some(f64::from(m.score)),
                method: MatchMethod::Heuristic,
            },
            None => Mapped {
                persona_id: None,
                score: None,
                method: MatchMethod::Heuristic,
            },
        }
    };
    let vector = dm
        .embedding
        .as_ref()
        .filter(|e| e.model == model)
        .and_then(|e| UnitVec::from_slice(&e.vector).ok());
    let Some(vector) = vector else {
        return heuristic();
    };
    match index.decide(&vector, TieEpsilon::default()) {
        Decision::NoVectors => heuristic(),
        Decision::Clear(m) => Mapped {
            persona_id: Some(m.persona),
            score: Some(f64::from(m.score)),
            method: m.method,
        },
        Decision::Tie { first, second } => {
            let pick = tie(first.persona.clone(), second.persona.clone()).await;
            let chosen = if pick == second.persona {
                second
            } else {
                first
            };
            Mapped {
                persona_id: Some(chosen.persona.clone()),
                score: Some(f64::from(chosen.score)),
                method: MatchMethod::EmbeddingLlmTiebreak,
            }
        }
    }
}

/// Asks the LLM which of two personas fits a decision maker; the title heuristic between the
/// two answers when no model does, and anything but one of the two ids keeps the first.
async fn tie_break(
    svc: &Services,
    scope: &CallScope,
    dm: &store::DecisionMaker,
    personas: &[StoredPersona],
    first: &str,
    second: &str,
) -> String {
    let describe = |id: &str| {
        personas
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("[{id}] {}: {}", p.name, persona_text(p)))
            .unwrap_or_default()
    };
    let prompt = format!(
        "Decision maker: {} — {}{}\n\nWhich persona fits this person better? Answer with its \
         id.\n\n{}\n\n{}",
        dm.name,
        dm.title.as_deref().unwrap_or("title unknown"),
        dm.company
            .as_deref()
            .map(|c| format!(" at {c}"))
            .unwrap_or_default(),
        describe(first),
        describe(second),
    );
    let req = LlmRequest::new("persona_tiebreak", prompt)
        .with_system(
            "You map people to buyer personas for a marketing agency. Pick exactly one of the \
             two persona ids offered.",
        )
        .with_tier(ModelTier::UltraLight)
        .with_max_output_tokens(200);
    let pair: Vec<StoredPersona> = personas
        .iter()
        .filter(|p| p.id == first || p.id == second)
        .cloned()
        .collect();
    let title = dm.title.clone().unwrap_or_default();
    let first_owned = first.to_owned();
    let answer = svc
        .ai
        .structured(
            scope,
            &AiContext::User(scope.user_id.clone()),
            req,
            move |_| {
                let texts: Vec<(String, String)> = pair
                    .iter()
                    .map(|p| (p.id.clone(), persona_heuristic_text(p)))
                    .collect();
                let refs: Vec<(String, &str)> = texts
                    .iter()
                    .map(|(id, t)| (id.clone(), t.as_str()))
                    .collect();
                TieBreak {
                    persona_id: heuristic_persona(&title, &refs).map_or(first_owned, |m| m.persona),
                    reason: "the title's words match this persona's role".into(),
                }
            },
        )
        .await;
    let id = answer.value.persona_id.trim().trim_matches(['[', ']']);
    if id == second {
        second.to_owned()
    } else {
        first.to_owned()
    }
}

/// Decides a lead's business persona: the best cosine, the signal heuristic without vectors.
pub(crate) fn decide_business(
    lead_text: &str,
    vector: Option<&Embedding>,
    personas: &[StoredPersona],
    index: &PersonaIndex<String>,
    model: &str,
) -> Mapped {
    let vector = vector
        .filter(|e| e.model == model)
        .and_then(|e| UnitVec::from_slice(&e.vector).ok());
    if let Some(m) = vector.and_then(|v| index.best(&v)) {
        return Mapped {
            persona_id: Some(m.persona),
            score: Some(f64::from(m.score)),
            method: m.method,
        };
    }
    let texts: Vec<(String, String)> = personas
        .iter()
        .map(|p| (p.id.clone(), persona_text(p)))
        .collect();
    let refs: Vec<(String, &str)> = texts
        .iter()
        .map(|(id, t)| (id.clone(), t.as_str()))
        .collect();
    match heuristic_persona(lead_text, &refs) {
        Some(m) => Mapped {
            persona_id: Some(m.persona),
            score: Some(f64::from(m.score)),
            method: MatchMethod::Heuristic,
        },
        None => Mapped {
            persona_id: personas.first().map(|p| p.id.clone()),
            score: None,
            method: MatchMethod::Heuristic,
        },
    }
}

/// Builds the cosine index of personas whose vectors are of `model`.
pub(crate) fn index_of(personas: &[StoredPersona], model: &str) -> PersonaIndex<String> {
    PersonaIndex::new(personas.iter().filter_map(|p| {
        p.embedding
            .as_ref()
            .filter(|e| e.model == model)
            .map(|e| (p.id.clone(), e.vector.as_slice()))
    }))
}

/// Handles a `persona_mapping` job: maps its batch and counts toward the phase.
pub(crate) async fn handle_mapping(
    svc: &Services,
    ctx: &JobCtx,
    job: MapPersonas,
) -> Result<(), JobError> {
    let Some(run) = workflow::live_run(svc, ctx, &job.run_id).await? else {
        return Ok(());
    };
    let selected = svc.embeddings.get().await.map_err(JobError::Fatal)?;
    let model = selected.embedder.model().to_owned();
    let scope = CallScope {
        run_id: Some(run.id.clone()),
        agency_id: run.agency_id.clone(),
        user_id: run.user_id.clone(),
        opportunity_id: None,
    };
    let mut decisions: Vec<(String, Mapped)> = Vec::new();
    match job.target {
        MapTarget::Businesses => {
            let personas = personas_for(svc, &run, PersonaKind::Business).await?;
            let personas = ensure_persona_vectors(svc, &run, &selected, personas).await?;
            let index = index_of(&personas, &model);
            let mappings = svc
                .store
                .opportunities()
                .mappings_for_run(&run.agency_id, &run.id)
                .await?;
            let leads = svc
                .store
                .opportunities()
                .list_for_run(&run.agency_id, &run.id)
                .await?;
            for id in &job.ids {
                let Some(m) = mappings.iter().find(|m| m.id.as_str() == id) else {
                    continue;
                };
                let Some(lead) = leads.iter().find(|l| l.opportunity.id == m.id) else {
                    continue;
                };
                let text = business_text(&lead.opportunity, None);
                let mapped =
                    decide_business(&text, m.embedding.as_ref(), &personas, &index, &model);
                decisions.push((id.clone(), mapped));
            }
        }
        MapTarget::DecisionMakers => {
            let personas = personas_for(svc, &run, PersonaKind::DecisionMaker).await?;
            let personas = ensure_persona_vectors(svc, &run, &selected, personas).await?;
            let index = index_of(&personas, &model);
            let mut people = svc
                .store
                .decision_makers()
                .by_ids(&run.agency_id, &job.ids)
                .await?;
            // The batch's order, so decisions (and their events) come out the same every run.
            people.sort_by_key(|p| job.ids.iter().position(|id| *id == p.id));
            if ctx.cancel_requested() {
                return Err(JobError::Cancelled);
            }
            // The batch's tie-breaks go to the LLM together (its limiter bounds how many are in
            // flight): one person's tie-break never waits for another's.
            let (personas, index, model) = (&personas, &index, &model);
            let mapped = futures::future::join_all(people.iter().map(|dm| {
                let scope = CallScope {
                    opportunity_id: Some(dm.opportunity_id.clone()),
                    ..scope.clone()
                };
                async move {
                    let mapped = decide_person(svc, &scope, dm, personas, index, model).await;
                    (dm.id.clone(), mapped)
                }
            }))
            .await;
            decisions.extend(mapped);
        }
    }
    if ctx.cancel_requested() {
        return Err(JobError::Cancelled);
    }
    let ties = decisions
        .iter()
        .filter(|(_, m)| m.method == MatchMethod::EmbeddingLlmTiebreak)
        .count();
    let mut tx = svc.store.pool().begin().await?;
    for (id, m) in &decisions {
        match job.target {
            MapTarget::Businesses => {
                let Ok(id) = OpportunityId::parse(id) else {
                    continue;
                };
                svc.store
                    .opportunities()
                    .set_persona_in(
                        &mut tx,
                        &run.agency_id,
                        &id,
                        m.persona_id.as_deref(),
                        m.score,
                        m.method.as_str(),
                    )
                    .await?;
            }
            MapTarget::DecisionMakers => {
                svc.store
                    .decision_makers()
                    .set_persona_in(
                        &mut tx,
                        &run.agency_id,
                        id,
                        m.persona_id.as_deref(),
                        m.score,
                        m.method.as_str(),
                    )
                    .await?;
            }
        }
    }
    workflow::child_finished(svc, &mut tx, &run.id, Phase::PersonaMapping).await?;
    if workflow::commit_job(svc, ctx, tx, &run.id).await? {
        let what = match job.target {
            MapTarget::Businesses => "lead(s)",
            MapTarget::DecisionMakers => "decision maker(s)",
        };
        let message = format!(
            "Mapped {} {what} to personas ({ties} tie(s) decided by the LLM)",
            decisions.len()
        );
        if let Err(e) = svc
            .store
            .events()
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::info(Some(Phase::PersonaMapping), "personas_mapped", message),
            )
            .await
        {
            warn!(error = %e, "could not record the mapping event");
        }
    }
    Ok(())
}

/// The children of the `persona_mapping` phase: embedding batches of the run's leads and
/// decision makers (each queues its mapping). Empty when there is no persona to map to.
pub(crate) async fn mapping_children(
    svc: &Services,
    run: &Run,
) -> anyhow::Result<(
    Vec<(ComputeBusinessEmbeddings, String)>,
    Vec<(ComputeDmEmbeddings, String)>,
)> {
    let business = personas_for(svc, run, PersonaKind::Business).await?;
    let people = personas_for(svc, run, PersonaKind::DecisionMaker).await?;
    let mut leads_jobs = Vec::new();
    let mut dm_jobs = Vec::new();
    if !business.is_empty() {
        let leads = svc
            .store
            .opportunities()
            .mappings_for_run(&run.agency_id, &run.id)
            .await?;
        let ids: Vec<String> = leads.iter().map(|m| m.id.to_string()).collect();
        for (i, chunk) in ids.chunks(BATCH).enumerate() {
            leads_jobs.push((
                ComputeBusinessEmbeddings {
                    run_id: run.id.clone(),
                    ids: chunk.to_vec(),
                },
                format!("run:{}:embed:biz:{i}", run.id),
            ));
        }
    }
    if !people.is_empty() {
        let dms = svc
            .store
            .decision_makers()
            .for_run(&run.agency_id, &run.id)
            .await?;
        let ids: Vec<String> = dms.iter().map(|d| d.id.clone()).collect();
        for (i, chunk) in ids.chunks(BATCH).enumerate() {
            dm_jobs.push((
                ComputeDmEmbeddings {
                    run_id: run.id.clone(),
                    ids: chunk.to_vec(),
                },
                format!("run:{}:embed:dm:{i}", run.id),
            ));
        }
    }
    if business.is_empty() && people.is_empty() {
        svc.store
            .events()
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::warn(
                    Some(Phase::PersonaMapping),
                    "no_personas",
                    "No personas to map to: the agency has none yet",
                ),
            )
            .await?;
    }
    Ok((leads_jobs, dm_jobs))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn persona(
        id: &str,
        kind: PersonaKind,
        data: serde_json::Value,
        vector: Option<Vec<f32>>,
    ) -> StoredPersona {
        StoredPersona {
            id: id.into(),
            kind,
            agency_id: domain::AgencyId::new(),
            run_id: None,
            position: 0,
            name: data["name"].as_str().unwrap_or(id).into(),
            data,
            provider: "rules".into(),
            embedding: vector.map(|v| Embedding {
                vector: v,
                model: "m".into(),
                text_hash: "h".into(),
            }),
        }
    }

    #[test]
    fn a_business_takes_the_closest_persona_and_the_heuristic_without_vectors() {
        let personas = vec![
            persona(
                "no-site",
                PersonaKind::Business,
                serde_json::json!({"name": "Offline practice", "pains": ["missing website"]}),
                Some(vec![1.0, 0.0]),
            ),
            persona(
                "low-rating",
                PersonaKind::Business,
                serde_json::json!({"name": "Struggling reputation", "pains": ["low google rating"]}),
                Some(vec![0.0, 1.0]),
            ),
        ];
        let index = index_of(&personas, "m");
        let close_to_second = Embedding {
            vector: vec![0.2, 0.9],
            model: "m".into(),
            text_hash: "x".into(),
        };
        let m = decide_business("x", Some(&close_to_second), &personas, &index, "m");
        assert_eq!(m.persona_id.as_deref(), Some("low-rating"));
        assert_eq!(m.method, MatchMethod::Embedding);
        assert!(m.score.unwrap() > 0.9);

        // A vector of another model is never compared: the words decide.
        let other_model = Embedding {
            model: "other".into(),
            ..close_to_second
        };
        let m = decide_business(
            "Smile Co. Gaps: missing website.",
            Some(&other_model),
            &personas,
            &index,
            "m",
        );
        assert_eq!(m.persona_id.as_deref(), Some("no-site"));
        assert_eq!(m.method, MatchMethod::Heuristic);
    }

    fn person(vector: Option<Vec<f32>>, title: &str) -> store::DecisionMaker {
        store::DecisionMaker {
            id: "d".into(),
            agency_id: domain::AgencyId::new(),
            opportunity_id: OpportunityId::new(),
            run_id: None,
            name: "Jane Doe".into(),
            title: Some(title.into()),
            company: None,
            profile_url: None,
            location: None,
            source: "linkedin_search".into(),
            source_url: None,
            seniority: 0,
            persona_id: None,
            persona_score: None,
            persona_method: None,
            embedding: vector.map(|v| Embedding {
                vector: v,
                model: "m".into(),
                text_hash: "h".into(),
            }),
        }
    }

    fn deciders() -> Vec<StoredPersona> {
        let owner = serde_json::json!({"name": "Owner-operator", "role": "Practice owner",
            "titles": ["Owner", "Founder"]});
        let manager = serde_json::json!({"name": "Office manager", "role": "Office manager",
            "titles": ["Office Manager", "Practice Manager"]});
        vec![
            persona(
                "owner",
                PersonaKind::DecisionMaker,
                owner,
                Some(vec![1.0, 0.0, 0.0]),
            ),
            persona(
                "manager",
                PersonaKind::DecisionMaker,
                manager,
                Some(vec![0.0, 1.0, 0.0]),
            ),
        ]
    }

    #[tokio::test]
    async fn close_top_two_go_to_the_tie_break_and_clear_winners_do_not() {
        let personas = deciders();
        let index = index_of(&personas, "m");
        // Equidistant from both: a tie, and the tie-break's pick wins.
        let tied = person(Some(vec![0.7, 0.7, 0.1]), "Partner");
        let asked = std::cell::Cell::new(0);
        let m = decide_person_with(&tied, &personas, &index, "m", |first, second| {
            asked.set(asked.get() + 1);
            assert_eq!((first.as_str(), second.as_str()), ("owner", "manager"));
            async move { second }
        })
        .await;
        assert_eq!(asked.get(), 1);
        assert_eq!(m.persona_id.as_deref(), Some("manager"));
        assert_eq!(m.method, MatchMethod::EmbeddingLlmTiebreak);
        // An answer that is neither keeps the first.
        let m = decide_person_with(&tied, &personas, &index, "m", |_, _| async {
            "somebody-else".to_owned()
        })
        .await;
        assert_eq!(m.persona_id.as_deref(), Some("owner"));

        // 0.03 apart or more: the best is taken, nobody is asked.
        let clear = person(Some(vec![0.9, 0.3, 0.0]), "Partner");
        let m = decide_person_with(&clear, &personas, &index, "m", |_, _| async {
            unreachable!("no tie-break for a clear winner")
        })
        .await;
        assert_eq!(m.persona_id.as_deref(), Some("owner"));
        assert_eq!(m.method, MatchMethod::Embedding);

        // No vector (or another model's): the title's words decide.
        let untitled_vector = person(None, "Practice Manager");
        let m = decide_person_with(&untitled_vector, &personas, &index, "m", |_, _| async {
            unreachable!("no tie-break without vectors")
        })
        .await;
        assert_eq!(m.persona_id.as_deref(), Some("manager"));
        assert_eq!(m.method, MatchMethod::Heuristic);
    }

    #[test]
    fn texts_say_what_a_lead_and_a_person_are() {
        let dm = store::DecisionMaker {
            id: "d".into(),
            agency_id: domain::AgencyId::new(),
            opportunity_id: OpportunityId::new(),
            run_id: None,
            name: "Jane Doe".into(),
            title: Some("Practice Owner".into()),
            company: Some("Bright Smile Dental".into()),
            profile_url: None,
            location: None,
            source: "website".into(),
            source_url: None,
            seniority: 3,
            persona_id: None,
            persona_score: None,
            persona_method: None,
            embedding: None,
        };
        assert_eq!(person_text(&dm), "Practice Owner");
        let untitled = store::DecisionMaker {
            title: Some("  ".into()),
            ..dm.clone()
        };
        assert_eq!(person_text(&untitled), "Staff member");
        let text = text_hash(&person_text(&dm));
        assert_eq!(text.len(), 16);
        assert_eq!(text, text_hash("Practice Owner"));
        assert_ne!(text, text_hash("Office Manager"));
    }
}
