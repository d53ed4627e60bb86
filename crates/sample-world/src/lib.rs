//! Sample world: a deterministic fictional world of local businesses, served on loopback by real
//! HTTP servers that speak the real provider formats — Serper `/places`, Google Places API (New)
//! `places:searchText`, the legacy Places text search and details, Nominatim, Overpass, an
//! OpenAI-compatible API and Firecrawl's `/v1/scrape` — plus the businesses' own websites (over
//! HTTP and, with the world's own CA, HTTPS), so `leadforge demo`, tests and benchmarks run
//! offline.
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
mod catalog;
pub mod faults;
mod filler;
pub mod geography;
mod listing;
pub mod llm_fill;
mod rng;
mod search;
pub mod server;
pub mod sites;
pub mod stats;
mod tls;
mod token;
pub mod vertical;
pub mod world;

pub use faults::{Fault, FaultHandle, FaultProvider};
pub use geography::{BBox, Geography, Neighbourhood};
pub use server::{AppState, RunningWorld, SampleWorld};
pub use stats::{RequestStats, endpoint};
pub use vertical::Vertical;
pub use world::{
    Business, EmailStyle, HUGE_PAGE_BYTES, OsmElement, OsmKind, Robots, SLOW_PAGE, STALLED_PAGE,
    SiteProfile, SitemapStyle, World, WorldConfig,
};

/// The API key every provider of the sample world accepts.
pub const SAMPLE_KEY: &str = "sample-world-key";
