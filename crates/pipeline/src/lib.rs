//! The Leadforge campaign workflow: a run (`lead_gen_flow`) goes through its phases —
//! `source` → `filter_rank` → `persist_leads` — each an idempotent step that reads what the
//! previous one stored (the database and the blob store) and writes its own results under
//! deterministic keys, so a step can be retried or resumed without duplicating anything.

mod adapters;
pub mod campaign;
pub mod config;
pub mod output;
mod phases;
pub mod runner;
pub mod services;

pub use campaign::{CampaignError, CampaignRequest, MAX_LEADS};
pub use config::{Config, ConfigError, LogFormat};
pub use output::{RunDocument, run_document};
pub use runner::{RunOutcome, execute_run};
pub use services::Services;
