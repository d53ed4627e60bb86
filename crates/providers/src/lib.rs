//! Clients for the external services Leadforge uses, each behind a trait.
//!
//! Every client shares the same plumbing: [`http::HttpClient`] (timeouts, retries honouring
//! `Retry-After`), [`cache::ResponseCache`] for cacheable answers and [`usage::UsageSink`] for
//! one usage row per external call, priced by [`usage::PriceTable`].
//!
//! - [`places`]: Serper, Google Places (New and legacy) and OpenStreetMap, chained by
//!   [`places::chain::PlacesChain`] with pagination and geography splitting.

pub mod cache;
pub mod error;
pub mod http;
pub mod places;
pub mod usage;

pub use error::ProviderError;
