//! Outreach drafts for `READY` leads: a short call script and a first e-mail written only from
//! the lead's grounded dossier (its talking points and gaps, each with its source page) and the
//! agency's approved claims (the seed's "AI call script").
//!
//! The model names the talking points, gaps and claims it used, and grounding then holds the
//! text to them: unknown ids are removed, a sentence stating a number or percentage that none
//! of the used material states — or linking to a page the audit did not read — is dropped, the
//! e-mail is cut to [`MAX_EMAIL_WORDS`] and its subject kept plain. When too little is left,
//! the deterministic rules draft is used instead; it is built from the same material and
//! passes the same checks unchanged.

use std::collections::HashSet;

use domain::OpportunityId;
use providers::llm::chain::RULES;
use providers::llm::{LlmRequest, ModelTier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{AgencyProfile, Dossier, Opportunity};
use tracing::{debug, instrument};

use crate::Services;
use crate::ai::{AiContext, CallScope};

mod ground;
mod rules;
mod text;

pub use ground::{Grounded, ground};
pub use rules::rules;
use text::{is_domain, is_link, link_key, numbers, sentences, strip_bracket_ids, trim_punct};

/// Most words a first e-mail's body may have.
pub const MAX_EMAIL_WORDS: usize = 160;
/// Most characters an e-mail subject may have.
pub const MAX_SUBJECT_CHARS: usize = 80;

/// What to say on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CallScript {
    /// Greets, checks it is the business, says who is calling.
    pub opener: String,
    /// Why you are calling: what the audit noticed.
    pub reason_for_call: String,
    /// A few short lines, each from a talking point.
    pub talking_points: Vec<String>,
    /// One open question about the business's goals.
    pub question: String,
    /// Asks for the next step (a short meeting).
    pub close: String,
}

/// A first e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct EmailDraft {
    /// Short and plain.
    pub subject: String,
    /// A few short paragraphs, signed by the agency.
    pub body: String,
}

/// The draft as the model (or the rules) writes it, before grounding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct OutreachAnswer {
    /// Ids (`tp-1`, …) of the audit's talking points used.
    pub talking_point_ids: Vec<String>,
    /// Ids (`gap-1`, …) of the audit's gaps used.
    pub gap_ids: Vec<String>,
    /// Ids of the agency's approved claims used.
    pub claim_ids: Vec<String>,
    /// The call script.
    pub call_script: CallScript,
    /// The first e-mail.
    pub email: EmailDraft,
}

/// A grounded call script and first e-mail for one lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutreachDraft {
    /// The call script.
    pub call_script: CallScript,
    /// The first e-mail.
    pub email: EmailDraft,
    /// The dossier talking points used, as `tp-N` (N = 1-based position in the dossier).
    pub talking_point_ids: Vec<String>,
    /// The dossier gaps used, as `gap-N`.
    pub gap_ids: Vec<String>,
    /// The approved claims the draft rests on.
    pub cited_claim_ids: Vec<String>,
    /// The audited pages behind the used talking points and gaps, and any the text links to.
    pub sources: Vec<String>,
    /// Who wrote it (`openai`, …, `rules`).
    pub provider: String,
    /// The model (`rules` for the rules draft).
    pub model: String,
    /// Sentences of the model's draft dropped by grounding.
    pub dropped_sentences: u32,
    /// Ids in the model's draft that named nothing known, removed.
    pub dropped_references: u32,
    /// Why the model's draft was replaced by the rules draft, when it was.
    pub note: Option<String>,
}

/// Why no draft can be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutreachError {
    /// The dossier is another lead's.
    #[error("the dossier {dossier} is about lead {dossier_lead}, not lead {lead}")]
    DossierMismatch {
        /// The dossier.
        dossier: String,
        /// Its lead.
        dossier_lead: OpportunityId,
        /// The lead asked for.
        lead: OpportunityId,
    },
    /// Neither a gap nor a talking point resting on a still-approved claim.
    #[error(
        "lead {lead} has nothing to speak from: its dossier has no gaps and no talking point \
         resting on a claim the agency approves"
    )]
    NothingToSay {
        /// The lead.
        lead: OpportunityId,
    },
}

/// A dossier talking point as outreach may use it.
#[derive(Debug, Clone)]
struct Point {
    id: String,
    text: String,
    claim_id: String,
    source_url: Option<String>,
}

/// A dossier gap as outreach may use it.
#[derive(Debug, Clone)]
struct Gap {
    id: String,
    key: String,
    value: String,
    source_url: Option<String>,
}

/// What a draft may be written from: the lead's listing basics, the dossier's talking points
/// (only those resting on a claim the agency still approves) and gaps, and the claims.
#[derive(Debug, Clone)]
pub struct Material<'a> {
    agency: &'a AgencyProfile,
    lead: &'a Opportunity,
    points: Vec<Point>,
    gaps: Vec<Gap>,
    /// Link keys (see [`link_key`]) of the audited pages and the lead's listed website.
    links: HashSet<String>,
    /// Those pages as the dossier names them, by key.
    pages: Vec<(String, String)>,
}

impl<'a> Material<'a> {
    /// Collects the material, or refuses when the dossier gives nothing to speak from.
    pub fn new(
        agency: &'a AgencyProfile,
        lead: &'a Opportunity,
        dossier: &Dossier,
    ) -> Result<Self, OutreachError> {
        if dossier.opportunity_id != lead.id {
            return Err(OutreachError::DossierMismatch {
                dossier: dossier.id.clone(),
                dossier_lead: dossier.opportunity_id.clone(),
                lead: lead.id.clone(),
            });
        }
        let cited = dossier
            .identified_gaps
            .iter()
            .filter_map(|g| g.source_url.as_deref())
            .chain(
                dossier
                    .talking_points
                    .iter()
                    .filter_map(|t| t.source_url.as_deref()),
            );
        let mut pages: Vec<(String, String)> = Vec::new();
        for url in dossier.sources.iter().map(|s| s.url.as_str()).chain(cited) {
            if let Some(key) = link_key(url)
                && !pages.iter().any(|(k, _)| *k == key)
            {
                pages.push((key, url.to_owned()));
            }
        }
        let mut links: HashSet<String> = pages.iter().map(|(k, _)| k.clone()).collect();
        links.extend(lead.website.as_deref().and_then(link_key));
        let mut m = Self {
            agency,
            lead,
            points: Vec::new(),
            gaps: Vec::new(),
            links,
            pages,
        };
        let approved: HashSet<&str> = agency
            .approved_claims
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        // The dossier's own text is held to the same link rule as the draft: a sentence
        // linking to a page nobody read is not offered.
        let no_numbers = Allowed::default();
        for (i, t) in dossier.talking_points.iter().enumerate() {
            let text = m.clean(&t.text, &no_numbers, false).0;
            if approved.contains(t.approved_claim_id.trim()) && !text.is_empty() {
                m.points.push(Point {
                    id: format!("tp-{}", i + 1),
                    text,
                    claim_id: t.approved_claim_id.trim().to_owned(),
                    source_url: t.source_url.clone(),
                });
            }
        }
        for (i, g) in dossier.identified_gaps.iter().enumerate() {
            let value = m.clean(&g.value, &no_numbers, false).0;
            if !value.is_empty() {
                m.gaps.push(Gap {
                    id: format!("gap-{}", i + 1),
                    key: g.key.trim().to_owned(),
                    value,
                    source_url: g.source_url.clone(),
                });
            }
        }
        if m.points.is_empty() && m.gaps.is_empty() {
            return Err(OutreachError::NothingToSay {
                lead: lead.id.clone(),
            });
        }
        Ok(m)
    }

    fn agency_name(&self) -> &str {
        match self.agency.name.trim() {
            "" => "our agency",
            name => name,
        }
    }

    /// The lead's rating as the listing states it, e.g. "4.2 stars from 37 reviews".
    fn rating(&self) -> Option<String> {
        match (self.lead.rating, self.lead.reviews_count) {
            (Some(r), Some(n)) => Some(format!("{r:.1} stars from {n} reviews")),
            (Some(r), None) => Some(format!("{r:.1} stars")),
            _ => None,
        }
    }

    /// Numbers any draft may state: the listing's and the names'.
    fn listing_numbers(&self) -> Allowed {
        let mut a = Allowed::default();
        a.add(&self.lead.name);
        a.add(self.lead.city.as_deref().unwrap_or(""));
        a.add(&self.agency.name);
        a.add(&self.rating().unwrap_or_default());
        if let Some(r) = self.lead.rating {
            a.add(&format!("{r}"));
        }
        a
    }

    /// `text` without its sentences that state a number not `allowed` or link anywhere the
    /// audit did not read (numbers checked only when `check_numbers`), `[id]` annotations
    /// removed; and the count of sentences dropped.
    fn clean(&self, text: &str, allowed: &Allowed, check_numbers: bool) -> (String, u32) {
        let text = strip_bracket_ids(text);
        let mut kept = Vec::new();
        let mut dropped = 0;
        for s in sentences(&text) {
            let numbers_ok = !check_numbers || numbers(s).iter().all(|n| allowed.has(n));
            if numbers_ok && self.links_ok(s) {
                kept.push(s);
            } else {
                dropped += 1;
            }
        }
        (kept.join(" "), dropped)
    }

    fn links_ok(&self, sentence: &str) -> bool {
        let emails: Vec<String> = self
            .lead
            .email
            .iter()
            .chain(&self.lead.emails)
            .map(|e| e.to_lowercase())
            .collect();
        sentence.split_whitespace().all(|word| {
            let w = trim_punct(word);
            if w.contains('@') {
                return !is_domain(w.rsplit('@').next().unwrap_or(""))
                    || emails.contains(&w.to_lowercase());
            }
            !is_link(w) || link_key(w).is_some_and(|k| self.links.contains(&k))
        })
    }
}

/// Numbers a text may state.
#[derive(Debug, Default)]
struct Allowed(HashSet<String>);

impl Allowed {
    fn add(&mut self, text: &str) {
        self.0.extend(numbers(text));
    }

    fn has(&self, n: &str) -> bool {
        self.0.contains(n)
    }
}

/// The prompt: the lead's listing basics, the dossier's talking points and gaps with their ids
/// and sources, and the approved claims with theirs.
pub fn build_prompt(m: &Material<'_>) -> String {
    let lead = m.lead;
    let mut out = format!(
        "Lead (Google listing):\n- Name: {}\n- City: {}\n- Rating: {}\n",
        lead.name,
        lead.city.as_deref().unwrap_or("unknown"),
        m.rating().unwrap_or_else(|| "no rating".to_owned())
    );
    out.push_str("\nTalking points from the audit (cite by id):\n");
    if m.points.is_empty() {
        out.push_str("- none\n");
    }
    for p in &m.points {
        out.push_str(&format!(
            "- [{}] {} (claim: [{}]; source: {})\n",
            p.id,
            p.text,
            p.claim_id,
            p.source_url.as_deref().unwrap_or("the Google listing")
        ));
    }
    out.push_str("\nGaps found by the audit (cite by id):\n");
    if m.gaps.is_empty() {
        out.push_str("- none\n");
    }
    for g in &m.gaps {
        out.push_str(&format!(
            "- [{}] {}: {} (source: {})\n",
            g.id,
            g.key,
            g.value,
            g.source_url.as_deref().unwrap_or("the Google listing")
        ));
    }
    out.push_str(&format!(
        "\nApproved claims of {} (cite by id; make no other claim):\n",
        m.agency_name()
    ));
    if m.agency.approved_claims.is_empty() {
        out.push_str("- none\n");
    }
    for c in &m.agency.approved_claims {
        out.push_str(&format!("- [{}] {}\n", c.id, c.text));
    }
    out.push('\n');
    out.push_str(&FOOTER.replace("{agency}", m.agency_name()));
    out
}

/// The instructions after the material. No digits: any the model copies would be invented.
const FOOTER: &str = "Write a short phone call script and a first e-mail to this business from \
     {agency}. talking_point_ids, gap_ids and claim_ids: the ids above that you used. \
     call_script: opener (greet, check it is the business, say who is calling), \
     reason_for_call (what the audit noticed), talking_points (a few short lines, each from a \
     talking point above), question (one open question about their goals), close (ask for a \
     short meeting). email: subject (short and plain, no capitals shouting), body (a few short \
     paragraphs, well under a hundred and fifty words, signed by {agency}). Use only the facts \
     above: no other numbers, percentages, prices, names or links.";

/// The system instructions.
const SYSTEM: &str = "You write short, friendly, factual cold-outreach drafts for a marketing \
     agency. Every statement about the business comes from the audit's talking points or gaps, \
     every promise from the agency's approved claims. Never invent facts, numbers or links.";

/// Writes the outreach draft for `lead` from its `dossier`: the model's draft held to its
/// material, or the rules draft when no model is configured or too little of its draft holds.
#[instrument(skip_all, fields(opportunity.id = %lead.id))]
pub async fn draft(
    svc: &Services,
    scope: &CallScope,
    ctx: &AiContext,
    agency: &AgencyProfile,
    lead: &Opportunity,
    dossier: &Dossier,
) -> Result<OutreachDraft, OutreachError> {
    let m = Material::new(agency, lead, dossier)?;
    let req = LlmRequest::new("draft_outreach", build_prompt(&m))
        .with_system(SYSTEM)
        .with_tier(ModelTier::Primary)
        .with_max_output_tokens(1_000);
    let answer = svc.ai.structured(scope, ctx, req, |_| rules(&m)).await;
    let out = settle(&m, &answer.value, answer.provider, &answer.model);
    debug!(
        provider = %out.provider,
        dropped.sentences = out.dropped_sentences,
        dropped.references = out.dropped_references,
        "outreach drafted"
    );
    Ok(out)
}

/// `answer` (by `provider`/`model`) grounded; the rules draft instead when it is unusable
/// (empty e-mail or script, or nothing of the dossier cited).
pub fn settle(
    m: &Material<'_>,
    answer: &OutreachAnswer,
    provider: &str,
    model: &str,
) -> OutreachDraft {
    let g = ground(answer, m);
    match g.problem {
        None => g.into_draft(m, provider, model, None),
        Some(why) => {
            let mut out = ground(&rules(m), m).into_draft(m, RULES, RULES, Some(why));
            out.dropped_sentences = g.dropped_sentences;
            out.dropped_references = g.dropped_references;
            out
        }
    }
}
