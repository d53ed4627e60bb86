//! Leadforge storage: one sqlx pool over SQLite or Postgres (the URL picks the backend), the
//! migrations, one repository module per aggregate, and the blob store.
//!
//! Everything goes through sqlx's Any driver with portable SQL (`$1` placeholders, epoch-ms
//! integers for time, text for ids and JSON). The few statements that must differ between
//! backends are switched on [`Backend`] in one place each.

mod agencies;
mod audits;
mod auth;
mod blobs;
mod cache;
mod db;
mod error;
mod events;
mod jobs;
mod opportunities;
mod people;
mod personas;
mod reports;
mod runs;
mod search;
mod suppression;
mod threads;
mod time;
mod usage;
mod usage_report;
mod users;
mod webhooks;

pub use agencies::{Agencies, Agency, AgencyProfile, ApprovedClaim};
pub use audits::{
    AuditJob, AuditPhaseState, Audits, Dossier, DossierGap, DossierSource, NewAudit, NewDossier,
    ScrapedPage, TalkingPoint,
};
pub use auth::{ApiTokenInfo, Auth, Principal, SessionRow};
pub use blobs::{BlobError, BlobStore, ContentRef};
pub use cache::CacheRepo;
pub use db::{Backend, Store};
pub use error::StoreError;
pub use events::{EventLevel, Events, NewEvent, RunEvent};
pub use jobs::{
    BackoffPolicy, CancelReport, ClaimedJob, EnqueueOptions, FailOutcome, Heartbeat, JobCounts,
    JobFilter, JobKind, JobRow, JobStatus, JobWaiter, Jobs, ReapReport, Wake, backoff_delay,
};
pub use opportunities::{LeadMapping, LeadUpsert, Opportunities, Opportunity, RunLead};
pub use people::{DecisionMaker, DecisionMakers, NewDecisionMaker};
pub use personas::{Embedding, NewPersona, PersonaKind, Personas, StoredPersona};
pub use reports::{NewDraft, Reports, StoredDraft, StoredResearch};
pub use runs::{NewRun, Run, Runs};
pub use search::{
    CampaignKey, OpportunityPage, OpportunityQuery, OpportunitySort, PageOwner, ProviderUsage,
};
pub use suppression::{Suppression, SuppressionEntry, SuppressionKind};
pub use threads::{Thread, ThreadMessage, Threads};
pub use time::now_ms;
pub use usage::{UsageRepo, UsageRow, UsageTotals};
pub use usage_report::LeadUsage;
pub use users::{DEFAULT_USER_EMAIL, User, Users};
pub use webhooks::{DeliveryStatus, WebhookDelivery, WebhookInfo, WebhookTarget, Webhooks};

#[cfg(feature = "test-support")]
pub mod testing;
