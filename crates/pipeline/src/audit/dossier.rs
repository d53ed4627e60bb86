//! `generate_dossier`: the evidence-grounded dossier of one lead (DESIGN §5).
//!
//! The prompt carries the places listing, the lead's signals, the deterministic site findings
//! and the scraped pages' text loaded back from the blob store, cut to a token budget shared
//! fairly between pages. The model's answer is then held to its evidence: a gap or talking
//! point citing a page that was not scraped, or a claim the agency has not approved, is
//! dropped and counted. The rules provider writes the same structure from the findings alone.

use std::collections::{BTreeMap, HashSet};

use crawler::checks::Finding;
use domain::Signal;
use providers::llm::{LlmRequest, ModelTier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{
    ApprovedClaim, DossierGap, DossierSource, NewDossier, NewEvent, Opportunity, TalkingPoint,
};
use url::Url;

use super::{StepCtx, StepDone};
use crate::phases::finalize_rank;
use crate::worker::JobError;

/// Most gaps and talking points a dossier keeps.
const MAX_GAPS: usize = 12;
const MAX_TALKING_POINTS: usize = 6;

/// A gap as the model writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GapDraft {
    /// A site-check or signal name (e.g. `NO_CALL_TO_ACTION`) or a short label.
    pub key: String,
    /// What was found, concretely.
    pub value: String,
    /// The scraped page that shows it (copied exactly), or null for facts from the listing.
    pub source_url: Option<String>,
}

/// A talking point as the model writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PointDraft {
    /// What to say.
    pub text: String,
    /// The id of the approved claim it rests on.
    pub approved_claim_id: String,
    /// The scraped page it refers to, or null.
    pub source_url: Option<String>,
}

/// A source as the model writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SourceDraft {
    /// A scraped page's URL.
    pub url: String,
    /// Its title.
    pub title: Option<String>,
}

/// The dossier as the model (or the rules) writes it, before grounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DossierDraft {
    /// Two or three sentences on the business and its most important gaps.
    pub summary: String,
    /// The weaknesses found, each with its evidence page.
    pub identified_gaps: Vec<GapDraft>,
    /// What to say on the call, each backed by an approved claim.
    pub talking_points: Vec<PointDraft>,
    /// The pages used.
    pub sources: Vec<SourceDraft>,
}

/// A scraped page's text as the prompt uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageText {
    /// The page's URL (after redirects).
    pub url: String,
    /// Its title.
    pub title: Option<String>,
    /// Its main content as Markdown.
    pub markdown: String,
}

/// Everything a dossier is written from.
#[derive(Debug, Clone)]
pub struct DossierInput<'a> {
    /// The lead as listed.
    pub lead: &'a Opportunity,
    /// What the agency sells.
    pub services: &'a [String],
    /// The claims the agency may make.
    pub claims: &'a [ApprovedClaim],
    /// Site-level findings.
    pub findings: &'a [Finding],
    /// Scraped pages, homepage first.
    pub pages: &'a [PageText],
    /// Tokens of page text the prompt may carry.
    pub page_token_budget: usize,
}

/// A built prompt and what it weighs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The text.
    pub text: String,
    /// Its estimated size in tokens.
    pub tokens: usize,
    /// What sending every scraped page whole (with the same header) would have weighed.
    pub all_markdown_tokens: usize,
}

/// Four characters a token, the usual estimate for English text.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// Builds the dossier prompt, the pages cut to [`DossierInput::page_token_budget`].
pub fn build_prompt(input: &DossierInput<'_>) -> Prompt {
    let header = header(input);
    let budget_chars = input.page_token_budget.saturating_mul(4);
    let lengths: Vec<usize> = input
        .pages
        .iter()
        .map(|p| p.markdown.chars().count())
        .collect();
    let shares = fair_shares(&lengths, budget_chars);
    let mut pages = String::new();
    let mut whole = String::new();
    for (i, (page, share)) in input.pages.iter().zip(shares).enumerate() {
        let head = format!(
            "\n### Page {}: {} — {}\n",
            i + 1,
            page.url,
            page.title.as_deref().unwrap_or("untitled")
        );
        pages.push_str(&head);
        pages.push_str(&cut(&page.markdown, share));
        whole.push_str(&head);
        whole.push_str(&page.markdown);
    }
    let footer = FOOTER;
    let text = format!("{header}{pages}\n{footer}");
    let all = format!("{header}{whole}\n{footer}");
    Prompt {
        tokens: estimate_tokens(&text),
        all_markdown_tokens: estimate_tokens(&all),
        text,
    }
}

fn header(input: &DossierInput<'_>) -> String {
    let lead = input.lead;
    let mut out = String::new();
    out.push_str(&format!(
        "Agency services: {}\n\nApproved claims (cite by id; make no other claim):\n",
        if input.services.is_empty() {
            "marketing".to_owned()
        } else {
            input.services.join(", ")
        }
    ));
    if input.claims.is_empty() {
        out.push_str("- none\n");
    }
    for c in input.claims {
        out.push_str(&format!("- [{}] {}\n", c.id, c.text));
    }
    let rating = match (lead.rating, lead.reviews_count) {
        (Some(r), Some(n)) => format!("{r:.1} stars from {n} reviews"),
        (Some(r), None) => format!("{r:.1} stars"),
        _ => "no rating".into(),
    };
    out.push_str(&format!(
        "\nLead (Google listing):\n- Name: {}\n- Category: {}\n- Address: {}\n- Phone: {}\n- \
         Website: {}\n- Rating: {rating}\n- Signals: {}\n",
        lead.name,
        if lead.categories.is_empty() {
            lead.target_vertical.clone()
        } else {
            lead.categories.join(", ")
        },
        lead.address.as_deref().unwrap_or("unknown"),
        lead.phone.as_deref().unwrap_or("none"),
        lead.website.as_deref().unwrap_or("none"),
        if lead.signals.is_empty() {
            "none".to_owned()
        } else {
            lead.signals.join(", ")
        }
    ));
    out.push_str("\nSite checks (deterministic):\n");
    if input.findings.is_empty() {
        out.push_str("- none (no page could be read)\n");
    }
    for f in input.findings {
        out.push_str(&format!(
            "- {} {}: {} | evidence: {} | source_url: {}\n",
            f.key.as_str(),
            if f.passed { "passed" } else { "FAILED" },
            f.value,
            f.evidence,
            f.source_url
        ));
    }
    out.push_str("\nScraped pages:\n");
    if input.pages.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// The instructions after the material.
const FOOTER: &str = "Write the dossier. summary: two or three sentences on the business and its \
     most important gaps. identified_gaps: the failed checks and listing problems that matter \
     to this agency, key = the check or signal name, source_url = the exact URL of a scraped \
     page above that shows it (null only for listing facts such as the rating). \
     talking_points: what to say on a call, each resting on one approved claim id above, with \
     the scraped page it refers to. sources: the scraped pages you used. Use only the facts \
     above.";

/// Splits `budget` characters between pages of `lengths` so that short pages keep all their
/// text and long ones share what is left equally (water-filling).
pub fn fair_shares(lengths: &[usize], budget: usize) -> Vec<usize> {
    let mut shares = vec![0; lengths.len()];
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let mut left = budget;
    for (taken, &i) in order.iter().enumerate() {
        let pages_left = lengths.len() - taken;
        let fair = left / pages_left;
        shares[i] = lengths[i].min(fair);
        left -= shares[i];
    }
    shares
}

/// `text` cut to at most `max` characters, at a line or word break when one is near.
fn cut(text: &str, max: usize) -> String {
    const MARK: &str = "\n[…]";
    if text.chars().count() <= max {
        return text.to_owned();
    }
    // Room for the mark, so the result keeps to `max`.
    let Some(room) = max.checked_sub(MARK.chars().count()) else {
        return text.chars().take(max).collect();
    };
    let end = text.char_indices().nth(room).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let floor = head.len() * 3 / 4;
    let at = head
        .rfind('\n')
        .filter(|&i| i >= floor)
        .or_else(|| head.rfind(' ').filter(|&i| i >= floor))
        .unwrap_or(head.len());
    format!("{}{MARK}", head[..at].trim_end())
}

/// Words that tie a gap to an approved claim.
fn topic_words(key: &str) -> &'static [&'static str] {
    match key {
        "NO_HTTPS" => &["https", "secure", "security", "ssl"],
        "WEBSITE_NOT_MOBILE_FRIENDLY" => &["mobile", "responsive", "phone", "smartphone"],
        "NO_CALL_TO_ACTION" => &["call-to-action", "cta", "conversion", "convert", "action"],
        "NO_BOOKING" => &["booking", "book", "appointment", "schedul", "online"],
        "NO_CONTACT_FORM" => &["form", "contact", "enquir", "inquir", "lead"],
        "NO_CLICK_TO_CALL" => &["call", "click-to-call", "tap", "phone"],
        "NO_CONTACT_EMAIL" => &["email", "e-mail", "contact"],
        "MISSING_TITLE"
        | "TITLE_LENGTH"
        | "MISSING_META_DESCRIPTION"
        | "META_DESCRIPTION_LENGTH"
        | "MISSING_OR_MULTIPLE_H1" => &["seo", "search", "google", "rank"],
        "NO_LOCAL_BUSINESS_SCHEMA" => &["local", "seo", "search", "schema", "maps"],
        "STALE_COPYRIGHT" => &["outdated", "redesign", "refresh", "modern", "update"],
        "HEAVY_PAGE" | "SLOW_WEBSITE" => &["speed", "fast", "performance", "load", "slow"],
        "MISSING_WEBSITE" | "WEAK_WEB_PRESENCE" => {
            &["website", "site", "web", "build", "presence", "online"]
        }
        "LOW_GOOGLE_RATING" => &["review", "reputation", "rating", "google", "star"],
        _ => &[],
    }
}

fn claim_matches(claim: &str, key: &str) -> usize {
    let claim = claim.to_lowercase();
    let words: Vec<&str> = claim
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    topic_words(key)
        .iter()
        .filter(|t| words.iter().any(|w| w.starts_with(*t)))
        .count()
}

/// Listing facts a gap may state without a page.
fn is_listing_key(key: &str) -> bool {
    [
        Signal::MissingWebsite,
        Signal::WeakWebPresence,
        Signal::LowGoogleRating,
    ]
    .iter()
    .any(|s| s.as_str() == key)
}

/// The deterministic dossier: failed findings and listing signals as gaps, each matched to
/// the approved claim that speaks to it.
pub fn rules(input: &DossierInput<'_>) -> DossierDraft {
    let lead = input.lead;
    let mut gaps: Vec<GapDraft> = Vec::new();
    for s in lead.signals.iter().map(String::as_str) {
        let value = match s {
            "MISSING_WEBSITE" => "no website on the Google listing".to_owned(),
            "WEAK_WEB_PRESENCE" => format!(
                "the listing's website is a social or directory page ({})",
                lead.website.as_deref().unwrap_or("unknown")
            ),
            "LOW_GOOGLE_RATING" => match (lead.rating, lead.reviews_count) {
                (Some(r), Some(n)) => format!("{r:.1} stars from {n} Google reviews"),
                _ => "a low Google rating".to_owned(),
            },
            _ => continue,
        };
        gaps.push(GapDraft {
            key: s.to_owned(),
            value,
            source_url: None,
        });
    }
    for f in input.findings.iter().filter(|f| !f.passed) {
        gaps.push(GapDraft {
            key: f.key.as_str().to_owned(),
            value: f.value.clone(),
            source_url: Some(f.source_url.clone()),
        });
    }
    let mut used: HashSet<&str> = HashSet::new();
    let mut points = Vec::new();
    for gap in &gaps {
        let best = input
            .claims
            .iter()
            .filter(|c| !used.contains(c.id.as_str()))
            .map(|c| (claim_matches(&c.text, &gap.key), c))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n);
        if let Some((_, claim)) = best {
            used.insert(claim.id.as_str());
            points.push(PointDraft {
                text: format!(
                    "{} — {}: {}.",
                    claim.text.trim_end_matches('.'),
                    label(&gap.key),
                    gap.value
                ),
                approved_claim_id: claim.id.clone(),
                source_url: gap.source_url.clone(),
            });
        }
        if points.len() >= 3 {
            break;
        }
    }
    // The cap `ground` holds every dossier to: listing facts first, then findings in check
    // order.
    gaps.truncate(MAX_GAPS);
    let summary = summary(input, &gaps);
    DossierDraft {
        summary,
        identified_gaps: gaps,
        talking_points: points,
        sources: input
            .pages
            .iter()
            .map(|p| SourceDraft {
                url: p.url.clone(),
                title: p.title.clone(),
            })
            .collect(),
    }
}

/// A finding or signal name in words (`NO_CALL_TO_ACTION` → "no call to action").
fn label(key: &str) -> String {
    key.to_lowercase().replace('_', " ")
}

fn summary(input: &DossierInput<'_>, gaps: &[GapDraft]) -> String {
    let lead = input.lead;
    let place = lead
        .city
        .as_deref()
        .map_or(String::new(), |c| format!(" in {c}"));
    let site = if input.pages.is_empty() {
        match lead.website.as_deref() {
            None => "It has no website.".to_owned(),
            Some(_) => "Its website could not be read.".to_owned(),
        }
    } else {
        format!(
            "{} page(s) of its website were read; {} of {} site checks failed.",
            input.pages.len(),
            input.findings.iter().filter(|f| !f.passed).count(),
            input.findings.len()
        )
    };
    let top: Vec<String> = gaps.iter().take(3).map(|g| label(&g.key)).collect();
    let gaps = if top.is_empty() {
        "No gap the agency targets was found.".to_owned()
    } else {
        format!("Main gaps: {}.", top.join(", "))
    };
    format!(
        "{} is a {}{place}. {site} {gaps}",
        lead.name,
        lead.target_vertical.to_lowercase()
    )
}

/// URLs compared the way pages are named: no fragment, no trailing slash on a path.
fn url_key(raw: &str) -> Option<String> {
    let mut u = Url::parse(raw.trim()).ok()?;
    u.set_fragment(None);
    let path = u.path().trim_end_matches('/').to_owned();
    u.set_path(if path.is_empty() { "/" } else { &path });
    Some(u.to_string())
}

/// A dossier held to its evidence, with what was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grounded {
    /// Gaps kept.
    pub gaps: Vec<DossierGap>,
    /// Talking points kept.
    pub talking_points: Vec<TalkingPoint>,
    /// Sources kept.
    pub sources: Vec<DossierSource>,
    /// Gaps dropped.
    pub dropped_gaps: u32,
    /// Talking points dropped.
    pub dropped_talking_points: u32,
}

/// What an item's `source_url` points at.
enum Cited {
    /// No URL.
    Nothing,
    /// A scraped page, by its stored URL.
    Page(String),
    /// A URL that was not scraped.
    Unscraped,
}

/// Enforces grounding: every `source_url` must be a scraped page (given as `pages`, URLs as
/// scraped and after redirects); a gap without one must be a listing fact; every talking
/// point must rest on one of `claims`. Sources are the scraped pages cited or named.
pub fn ground(draft: &DossierDraft, pages: &[PageText], claims: &[ApprovedClaim]) -> Grounded {
    let known: BTreeMap<String, &PageText> = pages
        .iter()
        .filter_map(|p| Some((url_key(&p.url)?, p)))
        .collect();
    let page_of = |raw: &str| url_key(raw).and_then(|k| known.get(&k).copied());
    let cited = |raw: Option<&str>| match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Cited::Nothing,
        Some(url) => page_of(url).map_or(Cited::Unscraped, |p| Cited::Page(p.url.clone())),
    };
    let claim_ids: HashSet<&str> = claims.iter().map(|c| c.id.as_str()).collect();
    let mut out = Grounded {
        gaps: Vec::new(),
        talking_points: Vec::new(),
        sources: Vec::new(),
        dropped_gaps: 0,
        dropped_talking_points: 0,
    };
    let mut seen = HashSet::new();
    for gap in &draft.identified_gaps {
        let key = gap.key.trim();
        let value = gap.value.trim();
        let source = match cited(gap.source_url.as_deref()) {
            Cited::Page(url) => Some(url),
            Cited::Nothing if is_listing_key(key) => None,
            Cited::Nothing | Cited::Unscraped => {
                out.dropped_gaps += 1;
                continue;
            }
        };
        if key.is_empty() || value.is_empty() || out.gaps.len() >= MAX_GAPS {
            out.dropped_gaps += 1;
            continue;
        }
        if !seen.insert((key.to_owned(), source.clone())) {
            continue;
        }
        out.gaps.push(DossierGap {
            key: key.to_owned(),
            value: value.to_owned(),
            source_url: source,
        });
    }
    for point in &draft.talking_points {
        let text = point.text.trim();
        let source = match cited(point.source_url.as_deref()) {
            Cited::Page(url) => Some(url),
            Cited::Nothing => None,
            Cited::Unscraped => {
                out.dropped_talking_points += 1;
                continue;
            }
        };
        if text.is_empty()
            || !claim_ids.contains(point.approved_claim_id.trim())
            || out.talking_points.len() >= MAX_TALKING_POINTS
        {
            out.dropped_talking_points += 1;
            continue;
        }
        if out
            .talking_points
            .iter()
            .any(|t| t.text == text && t.approved_claim_id == point.approved_claim_id.trim())
        {
            continue;
        }
        out.talking_points.push(TalkingPoint {
            text: text.to_owned(),
            approved_claim_id: point.approved_claim_id.trim().to_owned(),
            source_url: source,
        });
    }
    let mut cited: Vec<&PageText> = draft
        .sources
        .iter()
        .filter_map(|s| page_of(&s.url))
        .chain(
            out.gaps
                .iter()
                .filter_map(|g| g.source_url.as_deref().and_then(page_of)),
        )
        .chain(
            out.talking_points
                .iter()
                .filter_map(|t| t.source_url.as_deref().and_then(page_of)),
        )
        .collect();
    if cited.is_empty() {
        cited = pages.iter().collect();
    }
    let mut seen = HashSet::new();
    for page in cited {
        if seen.insert(page.url.as_str()) {
            out.sources.push(DossierSource {
                url: page.url.clone(),
                title: page.title.clone(),
            });
        }
    }
    out
}

/// The step.
pub(crate) async fn generate(step: &StepCtx<'_>) -> Result<StepDone, JobError> {
    let svc = step.svc;
    let audit = step.audit;
    let agency = svc
        .store
        .agencies()
        .get(&audit.agency_id)
        .await?
        .ok_or_else(|| JobError::fatal(anyhow::anyhow!("the audit's agency is gone")))?;
    let findings: Vec<Finding> = serde_json::from_value(audit.findings.clone()).unwrap_or_default();
    let mut pages = Vec::new();
    for row in svc
        .store
        .audits()
        .pages(&audit.agency_id, &audit.id)
        .await?
        .into_iter()
        .filter(store::ScrapedPage::is_scraped)
    {
        let Some(r) = row.content_ref.as_deref() else {
            continue;
        };
        let r = store::ContentRef::parse(r)?;
        let bytes = svc.blobs.get(&r).await?;
        pages.push(PageText {
            url: row.final_url.clone().unwrap_or(row.url.clone()),
            title: row.title.clone(),
            markdown: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    let input = DossierInput {
        lead: step.lead,
        services: &agency.profile.services,
        claims: &agency.profile.approved_claims,
        findings: &findings,
        pages: &pages,
        page_token_budget: svc.audit.page_token_budget,
    };
    let prompt = build_prompt(&input);
    let req = LlmRequest::new("generate_dossier", prompt.text.clone())
        .with_system(
            "You write short, factual sales dossiers on local businesses for a marketing agency. \
             Every gap cites the scraped page that shows it; every talking point rests on one \
             of the agency's approved claims. Never invent facts, numbers or URLs.",
        )
        .with_tier(ModelTier::Primary)
        .with_max_output_tokens(1_500);
    let rules_input = input.clone();
    let answer = svc
        .ai
        .structured(&step.scope(), &step.ai_context(), req, |_| {
            rules(&rules_input)
        })
        .await;
    let grounded = ground(&answer.value, &pages, &agency.profile.approved_claims);
    let summary = {
        let s = answer.value.summary.trim();
        if s.is_empty() {
            rules(&input).summary
        } else {
            s.chars().take(1_200).collect()
        }
    };
    let dossier = NewDossier {
        summary,
        identified_gaps: grounded.gaps,
        talking_points: grounded.talking_points,
        sources: grounded.sources,
        provider: answer.provider.to_string(),
        model: Some(answer.model.clone()),
        dropped_gaps: grounded.dropped_gaps,
        dropped_talking_points: grounded.dropped_talking_points,
        prompt_tokens: u64::try_from(prompt.tokens).unwrap_or(u64::MAX),
        full_prompt_tokens: u64::try_from(prompt.all_markdown_tokens).unwrap_or(u64::MAX),
    };
    let dropped = dossier.dropped_gaps + dossier.dropped_talking_points;
    let message = format!(
        "Dossier for {}: {} gap(s), {} talking point(s) by {}{}",
        step.lead.name,
        dossier.identified_gaps.len(),
        dossier.talking_points.len(),
        dossier.provider,
        if dropped > 0 {
            format!(
                "; dropped {} gap(s) and {} talking point(s) without a scraped source or approved claim",
                dossier.dropped_gaps, dossier.dropped_talking_points
            )
        } else {
            String::new()
        }
    );
    let data = serde_json::json!({
        "auditId": audit.id,
        "opportunityId": step.lead.id,
        "provider": dossier.provider,
        "gaps": dossier.identified_gaps.len(),
        "talkingPoints": dossier.talking_points.len(),
        "droppedGaps": dossier.dropped_gaps,
        "droppedTalkingPoints": dossier.dropped_talking_points,
        "promptTokens": prompt.tokens,
        "allMarkdownTokens": prompt.all_markdown_tokens,
        "pages": pages.len(),
    });
    let event = if dropped > 0 {
        NewEvent::warn(
            Some(domain::Phase::GenerateDossier),
            "dossier_written",
            message,
        )
    } else {
        NewEvent::info(
            Some(domain::Phase::GenerateDossier),
            "dossier_written",
            message,
        )
    }
    .with_data(data);
    let finalized = if step.run.is_none() {
        // Outside a run there is no `finalize_rank`: the audit finalizes its lead itself.
        Some(
            finalize_rank::finalize(
                svc,
                &step.scope(),
                &crate::ai::AiContext::User(step.scope().user_id),
                &agency,
                step.lead,
                Some((&findings, &dossier.summary)),
            )
            .await?,
        )
    } else {
        None
    };
    Ok(StepDone {
        dossier: Some(dossier),
        finalized,
        event: Some(event),
        ..StepDone::default()
    })
}

#[cfg(test)]
#[path = "dossier_tests.rs"]
mod tests;
