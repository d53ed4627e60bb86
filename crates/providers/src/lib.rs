//! Clients for the external services Leadforge uses, each behind a trait.
//!
//! Every client shares the same plumbing: [`http::HttpClient`] (timeouts, retries honouring
//! `Retry-After`), [`cache::ResponseCache`] for cacheable answers and [`usage::UsageSink`] for
//! one usage row per external call, priced by [`usage::PriceTable`].
//!
//! - [`places`]: Serper, Google Places (New and legacy) and OpenStreetMap, chained by
//!   [`places::chain::PlacesChain`] with pagination and geography splitting.
//! - [`llm`]: OpenAI (Responses), Gemini, DeepSeek and OpenAI-compatible servers, chained by
//!   [`llm::LlmChain`] with strict structured outputs, one repair per provider and a rules
//!   fallback; per-provider rate limits in [`llm::RateLimiter`].
//! - [`embeddings`]: an OpenAI-compatible `/embeddings` client and a local feature-hashing
//!   embedder, with cosine similarity and top-k.
//! - [`firecrawl`]: Firecrawl `/v1/scrape`, for pages the built-in crawler cannot render.
//! - [`search`]: web search, Serper `/search` then Google Custom Search, chained by
//!   [`search::SearchChain`], which answers empty rather than failing.

pub mod cache;
pub mod embeddings;
pub mod error;
pub mod firecrawl;
pub mod http;
pub mod llm;
pub mod places;
pub mod search;
pub mod usage;

pub use error::ProviderError;
