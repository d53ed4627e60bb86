//! The phases of a campaign run (`lead_gen_flow.phases`), their weights, and run progress.
//!
//! Progress = Σ weight × fraction ÷ Σ weight over the phases that are not skipped (DESIGN §3),
//! so switching optional phases off does not leave a run stuck below 100%. Fan-out phases
//! (`scrape_content`, `generate_dossier`, …) report `done`/`total` across leads, so progress
//! moves while lead A is audited and lead B is still being scraped.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A name that is not a known phase, phase status or workflow status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhaseParseError {
    /// Unknown phase name.
    #[error("unknown phase {0:?}")]
    Phase(String),
    /// Unknown phase status.
    #[error(
        "unknown phase status {0:?}; expected pending, running, complete, error, skipped or cancelled"
    )]
    PhaseStatus(String),
    /// Unknown workflow status.
    #[error(
        "unknown workflow status {0:?}; expected queued, running, completed, failed or cancelled"
    )]
    WorkflowStatus(String),
    /// Unknown audit phase.
    #[error(
        "unknown audit phase {0:?}; expected map_urls, filter_urls, scrape_content or generate_dossier"
    )]
    AuditPhase(String),
    /// Unknown audit status.
    #[error("unknown audit status {0:?}; expected queued, running, error or completed")]
    AuditStatus(String),
}

/// Implements `ALL`, `as_str`, `parse`, `Display` and `FromStr` for a unit enum whose stable
/// names are listed once, next to the variants.
macro_rules! named_enum {
    ($ty:ident, $err:ident, [$($variant:ident => $name:literal),+ $(,)?]) => {
        impl $ty {
            /// Every value, in order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The stable name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// Parses a stable name.
            pub fn parse(name: &str) -> Result<Self, PhaseParseError> {
                match name {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(PhaseParseError::$err(name.to_owned())),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = PhaseParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

/// A phase of a campaign run, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Business and decision-maker personas (optional).
    Personas,
    /// Places search, pagination, dedupe, snapshot.
    Source,
    /// Phone filter, signals, score, rank.
    FilterRank,
    /// Upsert into `client_opportunities`.
    PersistLeads,
    /// Per-lead site mapping and scraping (fan-out).
    ScrapeContent,
    /// Per-lead dossiers (fan-out).
    GenerateDossier,
    /// Decision makers via web search (optional, fan-out).
    DmEnrichment,
    /// Leads and decision makers to personas (optional).
    PersonaMapping,
    /// Market research from the run's own numbers (optional).
    MarketResearch,
    /// Audit findings replace `NEEDS_WEB_AUDIT`, rescore, final ranking.
    FinalizeRank,
}

named_enum!(Phase, Phase, [
    Personas => "personas",
    Source => "source",
    FilterRank => "filter_rank",
    PersistLeads => "persist_leads",
    ScrapeContent => "scrape_content",
    GenerateDossier => "generate_dossier",
    DmEnrichment => "dm_enrichment",
    PersonaMapping => "persona_mapping",
    MarketResearch => "market_research",
    FinalizeRank => "finalize_rank",
]);

impl Phase {
    /// Share of a full run's work, out of 100 over all phases. Sourcing and the per-lead
    /// scraping and dossier phases are where the time goes (network and LLM calls).
    pub fn weight(self) -> u32 {
        match self {
            Phase::Personas => 5,
            Phase::Source => 15,
            Phase::FilterRank => 5,
            Phase::PersistLeads => 5,
            Phase::ScrapeContent => 25,
            Phase::GenerateDossier => 20,
            Phase::DmEnrichment => 10,
            Phase::PersonaMapping => 5,
            Phase::MarketResearch => 5,
            Phase::FinalizeRank => 5,
        }
    }

    /// Whether a run may switch the phase off (the Leadora stages).
    pub fn is_optional(self) -> bool {
        matches!(
            self,
            Phase::Personas | Phase::DmEnrichment | Phase::PersonaMapping | Phase::MarketResearch
        )
    }
}

/// Where a phase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhaseStatus {
    /// Not started.
    Pending,
    /// Under way.
    Running,
    /// Finished successfully.
    Complete,
    /// Failed.
    Error,
    /// Switched off for this run.
    Skipped,
    /// Stopped because the run was cancelled.
    Cancelled,
}

named_enum!(PhaseStatus, PhaseStatus, [
    Pending => "pending",
    Running => "running",
    Complete => "complete",
    Error => "error",
    Skipped => "skipped",
    Cancelled => "cancelled",
]);

impl PhaseStatus {
    /// Whether the phase will not change any more.
    pub fn is_finished(self) -> bool {
        !matches!(self, PhaseStatus::Pending | PhaseStatus::Running)
    }
}

/// One entry of `lead_gen_flow.phases`. Field names are the stored JSON names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseState {
    /// Which phase.
    pub name: Phase,
    /// Its status.
    pub status: PhaseStatus,
    /// When it started, epoch milliseconds.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// When it finished, epoch milliseconds.
    #[serde(default)]
    pub finished_at: Option<i64>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Items finished (fan-out phases).
    #[serde(default)]
    pub done: u64,
    /// Items to do (fan-out phases); 0 when not counted.
    #[serde(default)]
    pub total: u64,
}

impl PhaseState {
    /// A phase not yet started.
    pub fn pending(name: Phase) -> Self {
        Self {
            name,
            status: PhaseStatus::Pending,
            started_at: None,
            finished_at: None,
            error: None,
            done: 0,
            total: 0,
        }
    }

    /// How much of the phase is done, 0.0–1.0: all of it once complete; `done/total` while
    /// running or after stopping early (error, cancelled) when counted; otherwise nothing.
    pub fn fraction(&self) -> f64 {
        match self.status {
            PhaseStatus::Complete => 1.0,
            PhaseStatus::Running | PhaseStatus::Error | PhaseStatus::Cancelled
                if self.total > 0 =>
            {
                (self.done as f64 / self.total as f64).min(1.0)
            }
            _ => 0.0,
        }
    }
}

/// Run progress in percent, 0.0–100.0, over the phases that are not skipped. No phases at all
/// is 0%; only skipped phases is 100% (nothing is left to do).
pub fn progress(phases: &[PhaseState]) -> f64 {
    if phases.is_empty() {
        return 0.0;
    }
    let (weighted, total) = phases
        .iter()
        .filter(|p| p.status != PhaseStatus::Skipped)
        .fold((0.0, 0.0), |(weighted, total), p| {
            let w = f64::from(p.name.weight());
            (weighted + w * p.fraction(), total + w)
        });
    if total == 0.0 {
        return 100.0;
    }
    (weighted / total * 100.0).clamp(0.0, 100.0)
}

/// Status of a whole run (`lead_gen_flow.workflowStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowStatus {
    /// Created, no worker has picked it up.
    Queued,
    /// Under way.
    Running,
    /// All phases finished.
    Completed,
    /// A phase failed for good.
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

named_enum!(WorkflowStatus, WorkflowStatus, [
    Queued => "queued",
    Running => "running",
    Completed => "completed",
    Failed => "failed",
    Cancelled => "cancelled",
]);

impl WorkflowStatus {
    /// Whether the run is over (completed, failed or cancelled).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            WorkflowStatus::Completed | WorkflowStatus::Failed | WorkflowStatus::Cancelled
        )
    }
}

/// A step of a lead's deep audit (`audit_jobs.phases`), in order (seed 001 phase 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditPhase {
    /// Candidate pages from robots.txt, sitemaps and homepage links.
    MapUrls,
    /// The pages most useful for an audit (LLM in the audit's thread, keyword fallback).
    FilterUrls,
    /// Fetch, main content to Markdown in the blob store, site checks, contacts.
    ScrapeContent,
    /// The evidence-grounded dossier.
    GenerateDossier,
}

named_enum!(AuditPhase, AuditPhase, [
    MapUrls => "map_urls",
    FilterUrls => "filter_urls",
    ScrapeContent => "scrape_content",
    GenerateDossier => "generate_dossier",
]);

impl AuditPhase {
    /// The step after this one.
    pub fn next(self) -> Option<AuditPhase> {
        match self {
            AuditPhase::MapUrls => Some(AuditPhase::FilterUrls),
            AuditPhase::FilterUrls => Some(AuditPhase::ScrapeContent),
            AuditPhase::ScrapeContent => Some(AuditPhase::GenerateDossier),
            AuditPhase::GenerateDossier => None,
        }
    }

    /// Whether the step reads the website (skipped for a lead without one).
    pub fn needs_website(self) -> bool {
        self != AuditPhase::GenerateDossier
    }
}

/// Where an audit stands (`audit_jobs.status`, the seed's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// Created, no step started.
    Queued,
    /// A step is under way.
    Running,
    /// Gave up; the lead keeps what it had.
    Error,
    /// The dossier is written.
    Completed,
}

named_enum!(AuditStatus, AuditStatus, [
    Queued => "queued",
    Running => "running",
    Error => "error",
    Completed => "completed",
]);

impl AuditStatus {
    /// Whether the audit will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, AuditStatus::Error | AuditStatus::Completed)
    }
}

#[cfg(test)]
#[path = "phase_tests.rs"]
mod tests;
