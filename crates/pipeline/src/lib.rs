//! The Leadforge campaign workflow: a run (`lead_gen_flow`) goes through its phases —
//! `source` → `filter_rank` → `persist_leads` → the per-lead deep audits (`scrape_content`,
//! `generate_dossier`) → `finalize_rank` — each a durable job on the queue and an
//! idempotent step that reads what the previous one stored (the database and the blob store)
//! and writes its own results under deterministic keys, so a step can be retried or resumed
//! after a crash without duplicating anything.

mod adapters;
pub mod ai;
pub mod audit;
pub mod campaign;
pub mod config;
pub mod doctor;
pub mod embeddings;
pub mod export;
pub mod jobs;
pub mod onboarding;
pub mod output;
pub mod outreach;
pub mod personas;
mod phases;
pub mod research;
pub mod services;
pub mod webhooks;
pub mod worker;
pub mod workflow;

pub use campaign::{CampaignError, CampaignRequest, MAX_LEADS, Stages};
pub use config::{Config, ConfigError, LogFormat};
pub use output::{RunDocument, run_document};
pub use phases::finalize_rank::write_outreach;
pub use services::Services;
pub use worker::{WorkerOptions, WorkerPool};
pub use workflow::{CancelOutcome, cancel_run, start_run, wait_for_run};
