//! The `personas` phase's generator: the business personas a campaign sells to and the
//! decision-maker personas who buy, written by the LLM as one structured answer (seed 002's
//! "Business Personas, DM Personas") from the agency's profile, vertical and geography.
//!
//! Whatever writes the set — a provider or the [`rules`] fallback — it goes through
//! [`PersonaSet::validated`] before anyone sees it, so the rest of the pipeline can count on
//! two to five personas of each kind with distinct names, no empty list items and bounded
//! text. Decision-maker personas carry typical job titles so that persona mapping's title
//! heuristic ([`domain::persona_match::heuristic_persona`]) has words to meet when a decision
//! maker has no embedding; [`DecisionMakerPersona::heuristic_text`] is the text to give it.

mod rules;
mod validate;
mod vertical;

use providers::llm::{LlmRequest, ModelTier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::AgencyProfile;
use tracing::instrument;

use crate::Services;
use crate::ai::{AiContext, CallScope};

pub use rules::rules;
pub use validate::{MAX_LIST_ITEMS, MAX_PERSONAS, MIN_PERSONAS, Repairs, TOP_UP_TO};

use validate::clip;

/// A kind of business the agency sells to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BusinessPersona {
    /// A short, distinctive name, e.g. "Established independent dental practice".
    pub name: String,
    /// Two or three sentences on who these businesses are.
    pub description: String,
    /// Size, reach and web maturity.
    pub firmographics: Firmographics,
    /// What the business wants to achieve.
    pub goals: Vec<String>,
    /// What hurts today, in the business's own terms.
    pub pains: Vec<String>,
    /// Events that make the business ready to buy.
    pub buying_triggers: Vec<String>,
    /// Why it might say no.
    pub objections: Vec<String>,
    /// Channels and openings that reach it.
    pub how_to_reach: Vec<String>,
}

/// The firmographics of a business persona, each a short phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Firmographics {
    /// Size in words, e.g. "Small (owner plus a team)".
    pub business_size: String,
    /// Typical head count, e.g. "5–20".
    pub employee_range: String,
    /// Typical yearly revenue, e.g. "$500k–$3M".
    pub revenue_range: String,
    /// Where and how many sites, e.g. "Single location in Austin, TX".
    pub locations: String,
    /// How far along online, e.g. "Dated website, no online booking".
    pub web_maturity: String,
}

/// A kind of person who decides on buying the agency's services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DecisionMakerPersona {
    /// A short, distinctive name, e.g. "Owner-operator".
    pub name: String,
    /// Two or three sentences on who this person is.
    pub description: String,
    /// The job title family, e.g. "Practice owner".
    pub role: String,
    /// Seniority, e.g. "Owner / executive".
    pub seniority: String,
    /// Typical job titles as they appear on LinkedIn, e.g. "Practice Owner", "Lead Dentist".
    pub titles: Vec<String>,
    /// What the person wants.
    pub goals: Vec<String>,
    /// What frustrates the person.
    pub pains: Vec<String>,
    /// Events that make the person ready to buy.
    pub buying_triggers: Vec<String>,
    /// Why the person might say no.
    pub objections: Vec<String>,
    /// Channels and openings that reach the person.
    pub how_to_reach: Vec<String>,
}

/// The personas of a campaign: 3–5 of each kind (never fewer than [`MIN_PERSONAS`] once
/// validated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PersonaSet {
    /// The kinds of business to sell to.
    pub business: Vec<BusinessPersona>,
    /// The people who decide.
    pub decision_makers: Vec<DecisionMakerPersona>,
}

impl BusinessPersona {
    /// What the persona *is*, compact and stable: the text its embedding is computed from and
    /// compared by to notice a change. Objections and channels are left out: they say how to
    /// sell, not which businesses belong to the persona, and would only blur the match.
    pub fn embedding_text(&self) -> String {
        let f = &self.firmographics;
        let mut out = sentence(&self.name);
        push_sentence(&mut out, &self.description);
        let facts: Vec<String> = [
            ("size", &f.business_size),
            ("employees", &f.employee_range),
            ("revenue", &f.revenue_range),
            ("locations", &f.locations),
            ("web", &f.web_maturity),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k} {}", v.trim()))
        .collect();
        push_list(&mut out, "Firmographics", &facts);
        push_list(&mut out, "Goals", &self.goals);
        push_list(&mut out, "Pains", &self.pains);
        push_list(&mut out, "Triggers", &self.buying_triggers);
        out
    }
}

impl DecisionMakerPersona {
    /// What the persona *is*, compact and stable: role, seniority and titles first (a
    /// decision maker's own text is mostly a title), then description, goals and pains.
    pub fn embedding_text(&self) -> String {
        let mut out = sentence(&format!(
            "{} ({}): {}",
            self.role.trim(),
            self.seniority.trim(),
            self.name.trim()
        ));
        push_list(&mut out, "Titles", &self.titles);
        push_sentence(&mut out, &self.description);
        push_list(&mut out, "Goals", &self.goals);
        push_list(&mut out, "Pains", &self.pains);
        push_list(&mut out, "Triggers", &self.buying_triggers);
        out
    }

    /// The text a decision maker's title is compared with by
    /// [`domain::persona_match::heuristic_persona`]: role, name and typical titles only, so
    /// the words that say *who* the person is are not outweighed by a description.
    pub fn heuristic_text(&self) -> String {
        let mut out = format!("{}. {}.", self.role.trim(), self.name.trim());
        if !self.titles.is_empty() {
            out.push(' ');
            out.push_str(&self.titles.join(", "));
        }
        out
    }
}

fn sentence(text: &str) -> String {
    let t = text.trim().trim_end_matches('.');
    if t.is_empty() {
        String::new()
    } else {
        format!("{t}.")
    }
}

fn push_sentence(out: &mut String, text: &str) {
    let s = sentence(text);
    if !s.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&s);
    }
}

fn push_list(out: &mut String, label: &str, items: &[String]) {
    let items: Vec<&str> = items
        .iter()
        .map(|s| s.trim().trim_end_matches('.'))
        .filter(|s| !s.is_empty())
        .collect();
    if !items.is_empty() {
        push_sentence(out, &format!("{label}: {}", items.join("; ")));
    }
}

/// A validated persona set and who wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The personas, validated.
    pub set: PersonaSet,
    /// The provider that answered (`"rules"` for the deterministic fallback).
    pub provider: &'static str,
    /// The model as the provider reported it (`"rules"` for the fallback).
    pub model: String,
    /// What validation changed in the answer.
    pub repairs: Repairs,
}

/// Writes the campaign's personas: one structured call in the user's context, answered by the
/// first configured provider whose answer checks out or else by [`rules`], then validated
/// (and topped up from the rules when a kind has fewer than [`MIN_PERSONAS`]). Never fails.
#[instrument(skip_all, fields(agency.id = %scope.agency_id, campaign.vertical = %vertical))]
pub async fn generate(
    svc: &Services,
    scope: &CallScope,
    agency: &AgencyProfile,
    vertical: &str,
    geography: &str,
) -> Generated {
    let (vertical, geography) = target(agency, vertical, geography);
    let fallback = rules(agency, &vertical, &geography);
    let req = LlmRequest::new(
        "generate_personas",
        build_prompt(agency, &vertical, &geography),
    )
    .with_system(SYSTEM)
    .with_tier(ModelTier::Light)
    .with_max_output_tokens(4_000);
    let rules_set = fallback.clone();
    let answer = svc
        .ai
        .structured::<PersonaSet, _>(scope, &AiContext::User(scope.user_id.clone()), req, |_| {
            rules_set
        })
        .await;
    let (set, repairs) = answer.value.validated(&fallback);
    if repairs.changed() {
        tracing::info!(
            llm.provider = answer.provider,
            personas.dropped = repairs.dropped,
            personas.topped_up = repairs.topped_up,
            "persona answer repaired"
        );
    }
    Generated {
        set,
        provider: answer.provider,
        model: answer.model,
        repairs,
    }
}

/// The campaign's vertical and geography, falling back to the agency's defaults, then to
/// neutral words, so neither prompt nor rules ever work from an empty string.
fn target(agency: &AgencyProfile, vertical: &str, geography: &str) -> (String, String) {
    let pick = |given: &str, default: Option<&String>, neutral: &str| {
        let given = given.trim();
        if !given.is_empty() {
            return clip(given, 80);
        }
        default
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
            .map_or_else(|| neutral.to_owned(), |d| clip(d, 80))
    };
    (
        pick(vertical, agency.target_vertical.as_ref(), "local business"),
        pick(geography, agency.target_geography.as_ref(), ""),
    )
}

/// The persona prompt: the agency's offer (services, the signals it fixes, its approved
/// claims), then the target, then the instructions.
pub fn build_prompt(agency: &AgencyProfile, vertical: &str, geography: &str) -> String {
    let mut out = format!("Agency: {}\n", nonempty(&agency.name, "a marketing agency"));
    let services: Vec<&str> = agency
        .services
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    out.push_str(&format!(
        "Services: {}\n",
        if services.is_empty() {
            "web design and local marketing".to_owned()
        } else {
            services.join(", ")
        }
    ));
    out.push_str("Problems the agency fixes (lead qualification criteria):\n");
    let criteria = rules::wanted_signals(agency);
    for s in &criteria {
        out.push_str(&format!(
            "- {}: {}\n",
            s.as_str(),
            vertical::signal_words(*s)
        ));
    }
    out.push_str("Claims the agency may make:\n");
    if agency.approved_claims.is_empty() {
        out.push_str("- none\n");
    }
    for c in &agency.approved_claims {
        out.push_str(&format!("- {}\n", c.text.trim()));
    }
    out.push_str(&format!(
        "\nTarget vertical: {vertical}\nTarget geography: {}\n\n",
        nonempty(geography, "not specified")
    ));
    out.push_str(INSTRUCTIONS);
    out
}

fn nonempty<'a>(text: &'a str, otherwise: &'a str) -> &'a str {
    let t = text.trim();
    if t.is_empty() { otherwise } else { t }
}

/// Who the model is asked to be.
const SYSTEM: &str = "You are a B2B marketing strategist. You write concise, concrete buyer \
     personas for an agency that sells to local businesses. Be specific to the vertical and \
     the geography; never invent statistics about a named business.";

/// What the model is asked to write.
const INSTRUCTIONS: &str = "Write the personas for this campaign. business: 3 to 5 distinct \
     kinds of business in the target vertical and geography that would buy these services \
     (for example by size, maturity or number of locations), each with firmographics and with \
     pains tied to the problems the agency fixes. decision_makers: 3 to 5 distinct kinds of \
     person who decide on buying at such businesses; role is the job title family, titles \
     are 2 to 5 typical job titles as written on LinkedIn. Every persona has a short unique \
     name; every list holds 2 to 6 short items.";

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
