//! The JSON document `leadforge run --json` prints (DESIGN §7), which other programs read.

use domain::AgencyId;
use serde::Serialize;
use store::{Run, RunLead, Store, StoreError, UsageTotals};

/// `{ "run": …, "opportunities": [ … ], "personas": …, "market_research": … }`.
#[derive(Debug, Clone, Serialize)]
pub struct RunDocument {
    /// The run.
    pub run: RunSummary,
    /// Its leads, ranked by score.
    pub opportunities: Vec<OpportunityDoc>,
    /// The personas the run's leads and decision makers were mapped to.
    pub personas: PersonasDoc,
    /// The run's market research (`null` when the stage was off or has not run).
    pub market_research: Option<serde_json::Value>,
}

/// The run's personas.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonasDoc {
    /// Business personas.
    pub business: Vec<PersonaDoc>,
    /// Decision-maker personas.
    pub decision_makers: Vec<PersonaDoc>,
}

/// One persona: its id (what leads and people point at), name and content.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaDoc {
    pub id: String,
    pub name: String,
    /// Who wrote it (`openai`, …, `rules`).
    pub provider: String,
    /// The persona as generated (description, goals, pains, …).
    #[serde(flatten)]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The model of its embedding, when computed.
    pub embedding_model: Option<String>,
}

/// The persona a lead or person maps to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonaRef {
    pub id: String,
    pub name: Option<String>,
    /// Cosine similarity (or the heuristic's word share).
    pub score: Option<f64>,
    /// `embedding`, `embedding_llm_tiebreak` or `heuristic`.
    pub method: Option<String>,
}

/// A decision maker as other programs read it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionMakerDoc {
    pub name: String,
    pub title: Option<String>,
    pub company: Option<String>,
    pub profile_url: Option<String>,
    pub location: Option<String>,
    /// `linkedin_search`, `website` or both.
    pub source: String,
    pub source_url: Option<String>,
    pub persona: Option<PersonaRef>,
}

/// The run part.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Id.
    pub id: String,
    /// `workflowStatus`.
    pub workflow_status: String,
    /// Phases.
    pub phases: Vec<domain::PhaseState>,
    /// `numLeadsFetched`.
    pub num_leads_fetched: Option<u32>,
    /// Progress 0–100.
    pub progress: f64,
    /// Calls, tokens, cost.
    pub usage: UsageTotals,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// Which places provider answered.
    pub places_provider: Option<String>,
    /// `lastEvent`.
    pub last_event: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The run's deep audits.
    pub audits: AuditSummary,
}

/// What the run's deep audits did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditSummary {
    /// Leads selected for an audit.
    pub selected: u32,
    /// Audits that wrote their dossier.
    pub completed: u32,
    /// Audits that gave up.
    pub failed: u32,
    /// Audited leads with a contact e-mail.
    pub emails_found: u32,
    /// Gaps and talking points dropped by grounding.
    pub dropped_items: u32,
    /// Average dossier prompt, in tokens.
    pub avg_prompt_tokens: u64,
    /// Average prompt had every scraped page been sent whole, in tokens.
    pub avg_full_prompt_tokens: u64,
}

/// One opportunity, with the exact field names of DESIGN §7.
#[derive(Debug, Clone, Serialize)]
pub struct OpportunityDoc {
    pub id: String,
    pub rank: u32,
    pub name: String,
    pub place_id: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub emails: Vec<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub rating: Option<f64>,
    pub reviews_count: Option<u32>,
    pub status: String,
    pub signals: Vec<String>,
    #[serde(rename = "qualificationScore")]
    pub qualification_score: u8,
    pub fit_reason: Option<String>,
    /// The best contact e-mail found on the lead's website.
    pub email: Option<String>,
    /// The dossier of the lead's deep audit in this run, when it was audited.
    pub dossier: Option<DossierDoc>,
    /// The people who decide, most senior first.
    pub decision_makers: Vec<DecisionMakerDoc>,
    /// The business persona the lead maps to.
    pub persona: Option<PersonaRef>,
    /// The call script and first e-mail of a READY lead.
    pub outreach: Option<serde_json::Value>,
}

/// A dossier as other programs read it (no page content: sources point at the pages).
#[derive(Debug, Clone, Serialize)]
pub struct DossierDoc {
    pub summary: String,
    pub identified_gaps: Vec<store::DossierGap>,
    pub talking_points: Vec<store::TalkingPoint>,
    pub sources: Vec<store::DossierSource>,
}

/// Builds the document for a run of `agency`.
pub async fn run_document(
    store: &Store,
    agency: &AgencyId,
    run: &Run,
) -> Result<RunDocument, StoreError> {
    let usage = store.usage().run_totals(run.id.as_str()).await?;
    let leads = store.opportunities().list_for_run(agency, &run.id).await?;
    let mut summary = AuditSummary::default();
    let emails: std::collections::HashSet<&str> = leads
        .iter()
        .filter(|l| l.opportunity.email.is_some())
        .map(|l| l.opportunity.id.as_str())
        .collect();
    for audit in store.audits().for_run(agency, &run.id).await? {
        summary.selected += 1;
        match audit.status {
            domain::AuditStatus::Completed => summary.completed += 1,
            domain::AuditStatus::Error => summary.failed += 1,
            _ => {}
        }
        if emails.contains(audit.opportunity_id.as_str()) {
            summary.emails_found += 1;
        }
    }
    let (mut prompt, mut full) = (0_u64, 0_u64);
    let mut dossiers = std::collections::HashMap::new();
    for d in store.audits().dossiers_for_run(agency, &run.id).await? {
        summary.dropped_items += d.dropped_gaps + d.dropped_talking_points;
        prompt += d.prompt_tokens;
        full += d.full_prompt_tokens;
        dossiers.insert(
            d.opportunity_id.to_string(),
            DossierDoc {
                summary: d.summary,
                identified_gaps: d.identified_gaps,
                talking_points: d.talking_points,
                sources: d.sources,
            },
        );
    }
    let personas_repo = store.personas();
    let mut personas = PersonasDoc::default();
    let mut names = std::collections::HashMap::new();
    for (kind, out) in [
        (store::PersonaKind::Business, &mut personas.business),
        (
            store::PersonaKind::DecisionMaker,
            &mut personas.decision_makers,
        ),
    ] {
        let mut set = personas_repo.for_run(kind, agency, &run.id).await?;
        if set.is_empty() {
            // A run without its own personas maps to the agency's latest.
            set = personas_repo.latest_for_agency(kind, agency).await?;
        }
        for p in set {
            names.insert(p.id.clone(), p.name.clone());
            out.push(PersonaDoc {
                id: p.id,
                name: p.name,
                provider: p.provider,
                data: match p.data {
                    serde_json::Value::Object(mut map) => {
                        map.remove("name");
                        map
                    }
                    _ => serde_json::Map::new(),
                },
                embedding_model: p.embedding.map(|e| e.model),
            });
        }
    }
    let persona_ref = |id: Option<String>, score: Option<f64>, method: Option<String>| {
        id.map(|id| PersonaRef {
            name: names.get(&id).cloned(),
            id,
            score,
            method,
        })
    };
    let mut people: std::collections::HashMap<String, Vec<DecisionMakerDoc>> =
        std::collections::HashMap::new();
    for d in store.decision_makers().for_run(agency, &run.id).await? {
        people
            .entry(d.opportunity_id.to_string())
            .or_default()
            .push(DecisionMakerDoc {
                persona: persona_ref(d.persona_id, d.persona_score, d.persona_method),
                name: d.name,
                title: d.title,
                company: d.company,
                profile_url: d.profile_url,
                location: d.location,
                source: d.source,
                source_url: d.source_url,
            });
    }
    let mut methods = std::collections::HashMap::new();
    for m in store
        .opportunities()
        .mappings_for_run(agency, &run.id)
        .await?
    {
        methods.insert(m.id.to_string(), m.persona_method);
    }
    let mut drafts = std::collections::HashMap::new();
    for d in store.reports().drafts_for_run(agency, &run.id).await? {
        drafts.insert(d.opportunity_id.to_string(), d.draft);
    }
    let market_research = store
        .reports()
        .research_for_run(agency, &run.id)
        .await?
        .map(|r| r.report);
    let written = u64::try_from(dossiers.len()).unwrap_or(0);
    summary.avg_prompt_tokens = prompt.checked_div(written).unwrap_or(0);
    summary.avg_full_prompt_tokens = full.checked_div(written).unwrap_or(0);
    Ok(RunDocument {
        run: RunSummary {
            id: run.id.to_string(),
            workflow_status: run.workflow_status.as_str().to_owned(),
            phases: run.phases.clone(),
            num_leads_fetched: run.num_leads_fetched,
            progress: run.progress,
            usage,
            target_vertical: run.target_vertical.clone(),
            target_geography: run.target_geography.clone(),
            places_provider: run.places_provider.clone(),
            last_event: run.last_event.clone(),
            error: run.error.clone(),
            audits: summary,
        },
        opportunities: leads
            .into_iter()
            .map(|l| {
                let id = l.opportunity.id.to_string();
                let extra = Extra {
                    dossier: dossiers.remove(&id),
                    decision_makers: people.remove(&id).unwrap_or_default(),
                    persona: persona_ref(
                        l.opportunity.persona_id.clone(),
                        l.opportunity.persona_score,
                        methods.remove(&id).flatten(),
                    ),
                    outreach: drafts.remove(&id),
                };
                opportunity_doc(l, extra)
            })
            .collect(),
        personas,
        market_research,
    })
}

/// What a lead's document carries besides its own row.
struct Extra {
    dossier: Option<DossierDoc>,
    decision_makers: Vec<DecisionMakerDoc>,
    persona: Option<PersonaRef>,
    outreach: Option<serde_json::Value>,
}

fn opportunity_doc(lead: RunLead, extra: Extra) -> OpportunityDoc {
    let o = lead.opportunity;
    OpportunityDoc {
        id: o.id.to_string(),
        rank: lead.rank,
        name: o.name,
        place_id: o.place_id,
        domain: o.domain,
        website: o.website,
        phone: o.phone,
        emails: o.emails,
        email: o.email,
        address: o.address,
        city: o.city,
        rating: o.rating,
        reviews_count: o.reviews_count,
        status: o.status,
        signals: o.signals,
        qualification_score: o.qualification_score,
        fit_reason: o.fit_reason,
        dossier: extra.dossier,
        decision_makers: extra.decision_makers,
        persona: extra.persona,
        outreach: extra.outreach,
    }
}
