//! Leadforge's business rules, free of I/O: the newtypes every other crate trades in
//! (places, phones, domains, ids, secrets), lead signals and scoring, dedupe, the campaign's
//! phases and progress, and the lead lifecycle.
//!
//! Nothing here is async and nothing here touches the network, the disk or a clock that is not
//! passed in: every rule can be tested with plain values.

pub mod calendar;
pub mod dedupe;
pub mod geo;
mod geo_tables;
pub mod ids;
pub mod lead;
pub mod people;
pub mod persona_match;
pub mod phase;
pub mod phone;
mod phone_valid;
pub mod place;
pub mod scoring;
pub mod secret;
pub mod signal;
pub mod social;
pub mod triage;
pub mod web;

pub use calendar::year_from_epoch_ms;
pub use dedupe::{Deduper, dedupe_key_domain, dedupe_places};
pub use geo::infer_country;
pub use ids::{AgencyId, IdError, JobId, OpportunityId, RunId, UserId};
pub use lead::{LeadStatus, LeadStatusError, can_transition};
pub use phase::{
    AuditPhase, AuditStatus, Phase, PhaseParseError, PhaseState, PhaseStatus, WorkflowStatus,
    progress,
};
pub use phone::{CountryCode, PhoneE164, PhoneError};
pub use place::{PlaceSource, RawPlace};
pub use scoring::{
    WebPresence, Weights, apply_audit_findings, detect_signals, detect_signals_for, score,
};
pub use secret::Secret;
pub use signal::{Criteria, Signal, SignalError};
pub use triage::{Lead, Suppression, TriageOutcome, TriageRules, rank, triage};
pub use web::{Domain, DomainError, is_social_or_listing, normalize_website};
