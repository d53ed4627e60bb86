//! Starting a campaign: validating what the user asked for and creating the queued run.

use domain::{AgencyId, Phase, UserId};
use store::StoreError;

/// The most leads one run may ask for.
pub const MAX_LEADS: u32 = 1000;

/// What a user asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRequest {
    /// Agency the run belongs to.
    pub agency_id: AgencyId,
    /// Who starts it.
    pub user_id: UserId,
    /// `targetVertical`.
    pub vertical: String,
    /// `targetGeography`.
    pub geography: String,
    /// `numLeads`, 1–1,000.
    pub num_leads: u32,
    /// Leads with `NEEDS_WEB_AUDIT` to deep-audit (the top N), 0–1,000; `None` = the configured
    /// `LEADFORGE_AUDIT_LEADS`.
    pub audit_leads: Option<u32>,
    /// The optional stages this run goes through.
    pub stages: Stages,
}

/// The optional (Leadora) stages of a run, all on unless switched off (`--no-personas`,
/// `--no-decision-makers`, `--no-market-research`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stages {
    /// `personas`, and `persona_mapping` with it.
    pub personas: bool,
    /// `dm_enrichment`.
    pub decision_makers: bool,
    /// `market_research`.
    pub market_research: bool,
}

impl Default for Stages {
    fn default() -> Self {
        Self::ALL
    }
}

impl Stages {
    /// Every stage on.
    pub const ALL: Self = Self {
        personas: true,
        decision_makers: true,
        market_research: true,
    };
    /// Every optional stage off: the core pipeline only.
    pub const NONE: Self = Self {
        personas: false,
        decision_makers: false,
        market_research: false,
    };
}

/// A request that cannot become a run, or a store failure while creating it.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    /// `numLeads` out of range.
    #[error("number of leads must be between 1 and {MAX_LEADS}, got {0}")]
    LeadsOutOfRange(u64),
    /// Empty or absurd vertical.
    #[error("vertical must not be empty")]
    EmptyVertical,
    /// Empty geography.
    #[error("geography must not be empty")]
    EmptyGeography,
    /// The number of leads to audit is out of range.
    #[error("number of leads to audit must be between 0 and {MAX_LEADS}, got {0}")]
    AuditLeadsOutOfRange(u64),
    /// A text field is too long to be a real query.
    #[error("{field} is too long ({len} characters, at most 200)")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CampaignRequest {
    /// Checks the request and normalises whitespace.
    pub fn validate(mut self) -> Result<Self, CampaignError> {
        if !(1..=MAX_LEADS).contains(&self.num_leads) {
            return Err(CampaignError::LeadsOutOfRange(u64::from(self.num_leads)));
        }
        if let Some(n) = self.audit_leads.filter(|n| *n > MAX_LEADS) {
            return Err(CampaignError::AuditLeadsOutOfRange(u64::from(n)));
        }
        self.vertical = collapse_ws(&self.vertical);
        self.geography = collapse_ws(&self.geography);
        if self.vertical.is_empty() {
            return Err(CampaignError::EmptyVertical);
        }
        if self.geography.is_empty() {
            return Err(CampaignError::EmptyGeography);
        }
        for (field, v) in [("vertical", &self.vertical), ("geography", &self.geography)] {
            let len = v.chars().count();
            if len > 200 {
                return Err(CampaignError::TooLong { field, len });
            }
        }
        Ok(self)
    }

    /// The phases a run with every stage on goes through, in order (DESIGN §3).
    pub fn phases() -> Vec<(Phase, bool)> {
        Self::phases_for(Stages::ALL)
    }

    /// The phases a run goes through, in order, with whether each is enabled: `personas` →
    /// `source` → `filter_rank` → `persist_leads` → `scrape_content` → `generate_dossier` →
    /// `dm_enrichment` → `persona_mapping` → `market_research` → `finalize_rank`. Persona
    /// mapping runs with the personas it maps to.
    pub fn phases_for(stages: Stages) -> Vec<(Phase, bool)> {
        vec![
            (Phase::Personas, stages.personas),
            (Phase::Source, true),
            (Phase::FilterRank, true),
            (Phase::PersistLeads, true),
            (Phase::ScrapeContent, true),
            (Phase::GenerateDossier, true),
            (Phase::DmEnrichment, stages.decision_makers),
            (Phase::PersonaMapping, stages.personas),
            (Phase::MarketResearch, stages.market_research),
            (Phase::FinalizeRank, true),
        ]
    }
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(v: &str, g: &str, n: u32) -> CampaignRequest {
        CampaignRequest {
            agency_id: AgencyId::new(),
            user_id: UserId::new(),
            vertical: v.into(),
            geography: g.into(),
            num_leads: n,
            audit_leads: None,
            stages: Stages::ALL,
        }
    }

    #[test]
    fn lead_counts_outside_1_to_200_are_refused() {
        assert!(matches!(
            req("dentist", "Austin", 0).validate(),
            Err(CampaignError::LeadsOutOfRange(0))
        ));
        assert!(matches!(
            req("dentist", "Austin", 100_000).validate(),
            Err(CampaignError::LeadsOutOfRange(100_000))
        ));
        assert!(req("dentist", "Austin", 200).validate().is_ok());
    }

    #[test]
    fn blank_vertical_or_geography_is_refused_and_whitespace_collapsed() {
        assert!(matches!(
            req("  ", "Austin", 5).validate(),
            Err(CampaignError::EmptyVertical)
        ));
        assert!(matches!(
            req("dentist", "", 5).validate(),
            Err(CampaignError::EmptyGeography)
        ));
        let ok = req("  family   dentist ", " Austin,  TX ", 5)
            .validate()
            .expect("valid");
        assert_eq!(
            (ok.vertical.as_str(), ok.geography.as_str()),
            ("family dentist", "Austin, TX")
        );
    }
}
