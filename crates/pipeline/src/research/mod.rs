//! `market_research`: a market report on the run's vertical and geography, built on numbers
//! computed from the run's own data.
//!
//! [`compute`] turns the run's leads and audits into [`MarketStats`] — pure arithmetic, each
//! share with its count and total. [`write`] asks the LLM for the words ([`MarketProse`]) with
//! those statistics as the only facts, then holds the answer to them: a sentence stating a
//! number that is not in the statistics or their stated assumptions is dropped and counted,
//! and a section left empty is written by the rules, which also answer when no LLM does.

mod estimate;
#[cfg(test)]
mod fixtures;
mod grounding;
mod pains;
mod prose;
mod share;
mod stats;

use providers::llm::{LlmRequest, ModelTier};
use serde::{Deserialize, Serialize};
use store::AgencyProfile;
use tracing::instrument;

use crate::ai::{AiContext, CallScope};
use crate::services::Services;

pub use estimate::{MarketSize, ServiceValue};
pub use grounding::{AllowedNumbers, Stated, ground_text, numbers_in, sentences};
pub use prose::{MarketProse, rules};
pub use share::{Bucket, Named, Share};
pub use stats::{
    Cities, Funnel, MarketInputs, MarketStats, Ratings, Scores, WebMaturity, WebPresenceShares,
    compute,
};

/// Items a list section keeps.
const MAX_ITEMS: usize = 8;

/// The market report as stored in `market_research` and printed in the run's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketResearch {
    /// The figures, computed from the run's data.
    pub stats: MarketStats,
    /// The words, held to the figures.
    pub prose: MarketProse,
    /// Who wrote the words (`openai`, …, `rules`).
    pub provider: String,
    /// The model (`rules` for the fallback).
    pub model: String,
    /// Sentences dropped for stating a number the figures do not hold.
    pub dropped_sentences: u32,
    /// Sections the rules wrote because the model's were empty or entirely dropped.
    pub sections_from_rules: Vec<String>,
}

/// The numbers the prose may state: the statistics (with their assumptions) and what the
/// agency itself says (its name, services and approved claims).
pub fn allowed_numbers(stats: &MarketStats, agency: &AgencyProfile) -> AllowedNumbers {
    let facts = serde_json::to_value(stats).unwrap_or(serde_json::Value::Null);
    let texts = std::iter::once(agency.name.as_str())
        .chain(agency.services.iter().map(String::as_str))
        .chain(agency.approved_claims.iter().map(|c| c.text.as_str()));
    AllowedNumbers::from_facts(&facts, texts)
}

/// The model's words held to the figures: sentences with unknown numbers dropped, lists cut
/// to [`MAX_ITEMS`], and any section left empty taken from the rules.
pub fn assemble(
    stats: MarketStats,
    agency: &AgencyProfile,
    answer: &MarketProse,
    provider: &str,
    model: &str,
) -> MarketResearch {
    let allowed = allowed_numbers(&stats, agency);
    let fallback = rules(&stats, agency);
    let mut dropped = 0;
    let mut from_rules = Vec::new();
    let mut text = |name: &str, theirs: &str, ours: &str| {
        let (kept, n) = ground_text(theirs, &allowed);
        dropped += n;
        if kept.is_empty() && !ours.is_empty() {
            from_rules.push(name.to_owned());
            return ours.to_owned();
        }
        kept
    };
    let executive_summary = text(
        "executiveSummary",
        &answer.executive_summary,
        &fallback.executive_summary,
    );
    let competitor_landscape = text(
        "competitorLandscape",
        &answer.competitor_landscape,
        &fallback.competitor_landscape,
    );
    let recommended_positioning = text(
        "recommendedPositioning",
        &answer.recommended_positioning,
        &fallback.recommended_positioning,
    );
    let mut list = |name: &str, theirs: &[String], ours: &[String]| {
        let mut kept = Vec::new();
        for item in theirs {
            let (item, n) = ground_text(item, &allowed);
            dropped += n;
            if !item.is_empty() && kept.len() < MAX_ITEMS {
                kept.push(item);
            }
        }
        if kept.is_empty() && !ours.is_empty() {
            from_rules.push(name.to_owned());
            return ours.to_vec();
        }
        kept
    };
    let trends = list("trends", &answer.trends, &fallback.trends);
    let opportunities = list(
        "opportunities",
        &answer.opportunities,
        &fallback.opportunities,
    );
    let risks = list("risks", &answer.risks, &fallback.risks);
    MarketResearch {
        stats,
        prose: MarketProse {
            executive_summary,
            competitor_landscape,
            trends,
            opportunities,
            risks,
            recommended_positioning,
        },
        provider: provider.to_owned(),
        model: model.to_owned(),
        dropped_sentences: dropped,
        sections_from_rules: from_rules,
    }
}

const SYSTEM: &str = "You are a market analyst writing a short market report for a local \
     marketing agency. The only numbers you may write are those in FACTS (a percentage may be \
     rounded to a whole number). Never invent, estimate, extrapolate or calculate a number — no \
     sums, differences, years or outside statistics. Any sentence with another number is \
     deleted.";

/// The prompt: the agency, the market, and the statistics as facts.
pub fn prompt(
    stats: &MarketStats,
    agency: &AgencyProfile,
    vertical: &str,
    geography: &str,
) -> String {
    let mut out = format!(
        "Agency: {}\nServices: {}\nApproved claims (the only claims you may make for the agency, \
         quoted as written):\n",
        if agency.name.trim().is_empty() {
            "the agency"
        } else {
            agency.name.trim()
        },
        if agency.services.is_empty() {
            "marketing".to_owned()
        } else {
            agency.services.join(", ")
        }
    );
    if agency.approved_claims.is_empty() {
        out.push_str("- none\n");
    }
    for c in &agency.approved_claims {
        out.push_str(&format!("- [{}] {}\n", c.id, c.text));
    }
    let facts = serde_json::to_string_pretty(stats).unwrap_or_default();
    out.push_str(&format!(
        "\nMarket: \"{}\" businesses in \"{}\".\n\nFACTS, computed from this run's own data. \
         Each share is {{count, of, percent}}: count out of of. marketSize.assumptions states \
         how the estimate was made.\n{facts}\n\n",
        vertical.trim(),
        geography.trim()
    ));
    out.push_str(
        "Write the report:\n\
         - executiveSummary: three to five sentences on the market and the agency's chance in it, \
         citing the key figures.\n\
         - competitorLandscape: a paragraph on how the businesses compare (ratings, reviews, web \
         presence, where they are).\n\
         - trends: up to five sentences, each a pattern in the figures.\n\
         - opportunities: one sentence per agency service on the problem it fixes here, with its \
         share, and one on the estimated market, described as resting on the stated \
         assumptions.\n\
         - risks: up to five sentences on what could make the figures or the plan wrong (sample \
         size, assumed deal values, what was not audited).\n\
         - recommendedPositioning: how the agency should present itself to this market, using \
         its services and, if any fit, its approved claims quoted exactly.\n\
         Use only numbers from FACTS.",
    );
    out
}

/// The market report: the LLM's words held to `stats`, or the rules' when no LLM answers.
#[instrument(skip_all, fields(run.id = ?scope.run_id.as_ref().map(|r| r.to_string())))]
pub async fn write(
    svc: &Services,
    scope: &CallScope,
    agency: &AgencyProfile,
    vertical: &str,
    geography: &str,
    stats: MarketStats,
) -> MarketResearch {
    let req = LlmRequest::new(
        "market_research",
        prompt(&stats, agency, vertical, geography),
    )
    .with_system(SYSTEM)
    .with_tier(ModelTier::Primary)
    .with_max_output_tokens(2_000);
    let answer = svc
        .ai
        .structured::<MarketProse, _>(scope, &AiContext::User(scope.user_id.clone()), req, |_| {
            rules(&stats, agency)
        })
        .await;
    assemble(stats, agency, &answer.value, answer.provider, &answer.model)
}

/// An amount as the CLI shows it: `$950`, `$120k`, `$1.2M`.
fn compact_money(n: u64) -> String {
    match n {
        0..1_000 => format!("${n}"),
        1_000..1_000_000 => format!("${}k", (n + 500) / 1_000),
        _ => {
            let tenths = (n + 50_000) / 100_000;
            format!("${}.{}M", tenths / 10, tenths % 10)
        }
    }
}

/// One line for the CLI: "Market: 20 dentists in Austin, TX · 45% qualify · 45% rated under
/// 4.0 · 60% of audited sites not mobile-friendly · est. $36k–$216k/yr addressable
/// (assumptions in JSON)".
pub fn summary_line(research: &MarketResearch) -> String {
    let s = &research.stats;
    let pl = prose::plural(&s.vertical);
    let geo = if s.geography.is_empty() {
        "the area searched"
    } else {
        s.geography.as_str()
    };
    if s.funnel.leads.count == 0 {
        return format!("Market: no {pl} found in {geo} to analyse");
    }
    let mut parts = vec![
        format!("Market: {} {pl} in {geo}", s.funnel.businesses_found),
        format!("{}% qualify", s.funnel.qualified.whole_percent()),
    ];
    if s.ratings.under_4.is_known() {
        parts.push(format!(
            "{}% rated under 4.0",
            s.ratings.under_4.whole_percent()
        ));
    }
    let mobile = s
        .web_maturity
        .failed(crawler::checks::FindingKey::WebsiteNotMobileFriendly);
    if mobile.is_known() {
        parts.push(format!(
            "{}% of audited sites not mobile-friendly",
            mobile.whole_percent()
        ));
    }
    let m = &s.market_size;
    parts.push(format!(
        "est. {}–{}/yr addressable (assumptions in JSON)",
        compact_money(m.annual_low),
        compact_money(m.annual_high)
    ));
    parts.join(" · ")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
