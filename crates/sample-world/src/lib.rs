//! Sample world: a deterministic fictional world of local businesses, served on loopback by real
//! HTTP servers that speak the real provider formats — Serper `/places`, Google Places API (New)
//! `places:searchText`, the legacy Places text search and details, Nominatim, Overpass, an
//! OpenAI-compatible API and Firecrawl's `/v1/scrape` — plus the businesses' own websites (over
//! HTTP and, with the world's own CA, HTTPS), so `leadforge demo`, tests and benchmarks run
//! offline.
//!
//! For benchmarks the world can be made to behave like the real services: a
//! [`LatencyProfile`] delays each class of call by a deterministic draw, [`FaultPlans`] make a
//! share of each provider's calls fail the ways real providers fail, and every call is logged
//! as a [`CallRecord`] ([`RunningWorld::calls`]); see [`conditions`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use sample_world::{SampleWorld, WorldConfig};
//! let world = SampleWorld::start(WorldConfig::default()).await?;
//! for (name, value) in world.env() {
//!     // hand these to the Leadforge configuration
//! #   let _ = (name, value);
//! }
//! world.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod agency_site;
pub mod api;
pub mod calls;
mod catalog;
pub mod conditions;
pub mod faults;
mod filler;
pub mod geography;
pub mod latency;
mod listing;
pub mod llm_fill;
mod rng;
mod search;
pub mod server;
pub mod sites;
mod spec;
pub mod stats;
mod subjects;
mod tls;
mod token;
pub mod vertical;
pub mod world;

pub use calls::{CLIENT_CLOSED, CallLog, CallRecord};
pub use faults::{
    Fault, FaultHandle, FaultKind, FaultPlan, FaultPlans, FaultProvider, RateLimitBurst,
};
pub use geography::{BBox, Geography, Neighbourhood};
pub use latency::{Distribution, LatencyProfile, ServiceClass};
pub use server::{AppState, RunningWorld, SampleWorld};
pub use spec::SpecError;
pub use stats::{RequestStats, endpoint};
pub use vertical::Vertical;
pub use world::{
    Business, EmailStyle, ExtraFiller, HUGE_PAGE_BYTES, OsmElement, OsmKind, Robots, SLOW_PAGE,
    STALLED_PAGE, SiteProfile, SitemapStyle, World, WorldConfig,
};

/// The API key every provider of the sample world accepts.
pub const SAMPLE_KEY: &str = "sample-world-key";
