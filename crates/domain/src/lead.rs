//! The lead lifecycle (`client_opportunities.status`).
//!
//! The pipeline moves a lead `SOURCED → SCRAPING → DATA_READY → AUDITING → READY` (skipping
//! `SCRAPING` when there is no website). Users then work it: `CONTACTED`, `MEETING_BOOKED`,
//! `WON`, `LOST`, `DISQUALIFIED`. Once worked, a lead belongs to the user: a re-run of the
//! campaign must never move it back into the pipeline.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown lead status {0:?}; expected one of SOURCED, SCRAPING, DATA_READY, AUDITING, READY, \
     CONTACTED, MEETING_BOOKED, WON, LOST, DISQUALIFIED"
)]
pub struct LeadStatusError(pub String);

/// Where a lead stands. The string forms are stable (stored and shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadStatus {
    /// Triaged and saved; nothing fetched yet.
    Sourced,
    /// Its website is being mapped and scraped.
    Scraping,
    /// Pages (or, without a website, the listing alone) are ready for the dossier.
    DataReady,
    /// The dossier is being written.
    Auditing,
    /// Researched and ready to contact.
    Ready,
    /// A user reached out.
    Contacted,
    /// A meeting is booked (`meeting_time` set).
    MeetingBooked,
    /// Became a client.
    Won,
    /// Said no.
    Lost,
    /// Not a fit, by a user's judgement.
    Disqualified,
}

impl LeadStatus {
    /// Every status, lifecycle order.
    pub const ALL: [LeadStatus; 10] = [
        LeadStatus::Sourced,
        LeadStatus::Scraping,
        LeadStatus::DataReady,
        LeadStatus::Auditing,
        LeadStatus::Ready,
        LeadStatus::Contacted,
        LeadStatus::MeetingBooked,
        LeadStatus::Won,
        LeadStatus::Lost,
        LeadStatus::Disqualified,
    ];

    /// The stable name, e.g. `DATA_READY`.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Sourced => "SOURCED",
            LeadStatus::Scraping => "SCRAPING",
            LeadStatus::DataReady => "DATA_READY",
            LeadStatus::Auditing => "AUDITING",
            LeadStatus::Ready => "READY",
            LeadStatus::Contacted => "CONTACTED",
            LeadStatus::MeetingBooked => "MEETING_BOOKED",
            LeadStatus::Won => "WON",
            LeadStatus::Lost => "LOST",
            LeadStatus::Disqualified => "DISQUALIFIED",
        }
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Result<Self, LeadStatusError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| LeadStatusError(name.to_owned()))
    }

    /// Whether a user has worked the lead; such statuses are never reset by the pipeline.
    pub fn is_worked(self) -> bool {
        matches!(
            self,
            LeadStatus::Contacted
                | LeadStatus::MeetingBooked
                | LeadStatus::Won
                | LeadStatus::Lost
                | LeadStatus::Disqualified
        )
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LeadStatus {
    type Err = LeadStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whether a lead may move from `from` to `to`.
///
/// - Staying put is allowed, so idempotent jobs can re-apply the status they set.
/// - Pipeline steps go forward one at a time; `SOURCED → DATA_READY` skips scraping when there
///   is no website. A failed step may hand the lead back for a retry (`SCRAPING → SOURCED`,
///   `AUDITING → DATA_READY`).
/// - A user may mark any lead worked at any time, and correct one worked status to another.
/// - Nothing leaves a worked status for a pipeline status.
pub fn can_transition(from: LeadStatus, to: LeadStatus) -> bool {
    use LeadStatus::*;
    if from == to || to.is_worked() {
        return true;
    }
    matches!(
        (from, to),
        (Sourced, Scraping)
            | (Sourced, DataReady)
            | (Scraping, DataReady)
            | (DataReady, Auditing)
            | (Auditing, Ready)
            | (Scraping, Sourced)
            | (Auditing, DataReady)
            // A lead audited again (a later run, `leadforge audit`) starts over.
            | (Ready, Scraping)
            | (Ready, DataReady)
            // A failed audit puts the lead back where it was before.
            | (Scraping | DataReady | Auditing, Sourced | Ready)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::LeadStatus::*;
    use super::*;

    #[test]
    fn statuses_round_trip_through_stable_names_and_serde() {
        for status in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(status.as_str()), Ok(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{status}\""));
            assert_eq!(serde_json::from_str::<LeadStatus>(&json).unwrap(), status);
        }
        assert_eq!(
            LeadStatus::parse("ready"),
            Err(LeadStatusError("ready".into()))
        );
    }

    #[test]
    fn worked_statuses_are_the_user_owned_ones() {
        let worked: Vec<_> = LeadStatus::ALL
            .into_iter()
            .filter(|s| s.is_worked())
            .collect();
        assert_eq!(worked, [Contacted, MeetingBooked, Won, Lost, Disqualified]);
    }

    #[test]
    fn the_pipeline_moves_forward_one_step_at_a_time() {
        for (from, to) in [
            (Sourced, Scraping),
            (Scraping, DataReady),
            (DataReady, Auditing),
            (Auditing, Ready),
        ] {
            assert!(can_transition(from, to), "{from} → {to}");
        }
        assert!(
            can_transition(Scraping, Sourced),
            "a failed scrape is retried"
        );
        assert!(
            can_transition(Auditing, DataReady),
            "a failed dossier is retried"
        );
        assert!(!can_transition(DataReady, Scraping));
        assert!(!can_transition(Ready, Auditing));
        assert!(
            can_transition(Sourced, DataReady),
            "no website: skip scraping"
        );
        assert!(!can_transition(Sourced, Ready));
        assert!(!can_transition(Scraping, Auditing));
        assert!(!can_transition(Ready, Sourced));
    }

    #[test]
    fn users_can_work_any_lead_and_worked_leads_never_return_to_the_pipeline() {
        for from in LeadStatus::ALL {
            assert!(can_transition(from, Contacted), "{from} → CONTACTED");
            assert!(can_transition(from, Disqualified), "{from} → DISQUALIFIED");
        }
        for from in LeadStatus::ALL.into_iter().filter(|s| s.is_worked()) {
            for to in LeadStatus::ALL.into_iter().filter(|s| !s.is_worked()) {
                assert!(!can_transition(from, to), "{from} → {to}");
            }
        }
        assert!(can_transition(Won, Won), "re-applying a status is a no-op");
    }
}
