//! Agency onboarding (`leadforge agency onboard`): the agency's own website is crawled with
//! the audit's crawler and its profile proposed — name, services, target verticals and
//! geographies, lead qualification criteria (signal names) and approved claims, each claim
//! with the page that states it — for the user to edit and save.
//!
//! Up to [`MAX_PAGES`] pages are read (services, industries, case studies, about and contact
//! before anything else), each fetched and parsed once. The language model writes the
//! proposal in the user's context; without one, rules write it from the pages alone. Either
//! way the proposal is then grounded: a claim citing a page that was not read, or stating a
//! number its page does not, is dropped, as is a criterion that is not a signal.

mod crawl;
mod draft;
mod pick;
mod places;
mod profile;
mod rules;
mod text;
mod vocabulary;

use providers::llm::{LlmRequest, ModelTier};
use serde::{Deserialize, Serialize};
use store::{AgencyProfile, ApprovedClaim};

use crate::ai::{AiContext, CallScope};
use crate::services::Services;

pub use crawl::{MAX_PAGES, PageRead, SitePage};
pub use draft::{ClaimDraft, Grounded, ProposalDraft, ground};
pub use pick::PageRole;
pub use profile::{ProfileError, parse_profile, proposal_toml, validate_profile};

/// Why no proposal could be made.
#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// The input is not a website that can be crawled.
    #[error("{input:?} is not a website that can be onboarded: {reason}")]
    InvalidWebsite {
        /// The input as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The crawler refused the site (a private address, a refused scheme).
    #[error("refused to crawl {url}: {reason}")]
    Refused {
        /// The site.
        url: String,
        /// Why.
        reason: String,
    },
    /// No page of the site could be read.
    #[error("could not read any page of {url}: {reason}")]
    Unreachable {
        /// The site.
        url: String,
        /// The first failure.
        reason: String,
    },
    /// Something went wrong on our side.
    #[error("{0}")]
    Internal(String),
}

/// A proposed agency profile, with what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The website crawled (after redirects).
    pub website: String,
    /// The agency's name.
    pub name: String,
    /// What it sells.
    pub services: Vec<String>,
    /// The verticals it serves; the first is the profile's default.
    pub target_verticals: Vec<String>,
    /// The geographies it serves; the first is the profile's default.
    pub target_geographies: Vec<String>,
    /// Signal names its services answer.
    pub lead_qualification_criteria: Vec<String>,
    /// Claims it may make, each with the page that states it.
    pub approved_claims: Vec<ApprovedClaim>,
    /// E-mail addresses found on its pages.
    pub contact_emails: Vec<String>,
    /// Every page tried, read or not.
    pub pages: Vec<PageRead>,
    /// Who wrote the proposal: an LLM provider, or `rules`.
    pub provider: String,
    /// The model, as the provider reported it (`rules` for the rules).
    pub model: String,
    /// Claims the writer proposed that grounding dropped.
    pub dropped_claims: u32,
    /// Criteria the writer proposed that are not signals.
    pub dropped_criteria: u32,
}

impl Proposal {
    /// The proposal as an agency profile: the first vertical and geography become the
    /// defaults (`targetVertical`, `targetGeography`).
    pub fn profile(&self) -> AgencyProfile {
        AgencyProfile {
            name: self.name.clone(),
            website: Some(self.website.clone()),
            services: self.services.clone(),
            target_vertical: self.target_verticals.first().cloned(),
            target_geography: self.target_geographies.first().cloned(),
            lead_qualification_criteria: self.lead_qualification_criteria.clone(),
            approved_claims: self.approved_claims.clone(),
            scoring_weights: Default::default(),
        }
    }

    /// [`Proposal::profile`], consuming the proposal.
    pub fn into_profile(self) -> AgencyProfile {
        self.profile()
    }
}

const SYSTEM: &str = "You set up a marketing agency's profile in a lead-generation tool from \
     the agency's own website. Use only what the pages say; never invent services, places, \
     numbers or URLs.";

/// Crawls `website` and proposes the agency's profile. LLM calls are made in the user's
/// context (`scope.user_id`) and attributed to `scope.agency_id`.
#[tracing::instrument(skip_all, fields(agency.website = %website.trim()))]
pub async fn propose(
    svc: &Services,
    scope: &CallScope,
    website: &str,
) -> Result<Proposal, OnboardingError> {
    let site = crawl::read_site(svc, scope, website).await?;
    let prompt = draft::prompt(&site.start, &site.pages, svc.audit.page_token_budget);
    tracing::debug!(
        pages = site.pages.len(),
        prompt.tokens = draft::prompt_tokens(&prompt),
        "onboarding prompt built"
    );
    let req = LlmRequest::new("agency_onboarding", prompt)
        .with_system(SYSTEM)
        .with_tier(ModelTier::Primary)
        .with_max_output_tokens(2_000);
    let (start, pages) = (site.start.clone(), site.pages.clone());
    let answer = svc
        .ai
        .structured(
            scope,
            &AiContext::User(scope.user_id.clone()),
            req,
            move |_| rules::draft(&start, &pages),
        )
        .await;
    let grounded = ground(&answer.value, &site.pages);
    let name = if grounded.name.is_empty() {
        rules::draft(&site.start, &site.pages).name
    } else {
        grounded.name
    };
    let mut contact_emails: Vec<String> = Vec::new();
    for email in site.pages.iter().flat_map(|p| &p.emails) {
        if !contact_emails.contains(email) {
            contact_emails.push(email.clone());
        }
    }
    let proposal = Proposal {
        website: site.start.to_string(),
        name,
        services: grounded.services,
        target_verticals: grounded.target_verticals,
        target_geographies: grounded.target_geographies,
        lead_qualification_criteria: grounded.lead_qualification_criteria,
        approved_claims: grounded.approved_claims,
        contact_emails,
        pages: site.tried,
        provider: answer.provider.to_owned(),
        model: answer.model,
        dropped_claims: grounded.dropped_claims,
        dropped_criteria: grounded.dropped_criteria,
    };
    tracing::info!(
        provider = %proposal.provider,
        pages = site.pages.len(),
        claims = proposal.approved_claims.len(),
        dropped.claims = proposal.dropped_claims,
        dropped.criteria = proposal.dropped_criteria,
        "agency profile proposed"
    );
    Ok(proposal)
}

#[cfg(test)]
mod tests;
