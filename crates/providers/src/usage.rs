//! Usage logging: one [`UsageRecord`] per external call (cache hits included), priced by a
//! [`PriceTable`].
//!
//! Clients do not own a sink: the caller passes `&dyn UsageSink` with every call, so the
//! pipeline can hand in a sink bound to the run and agency it is working for, while one set of
//! provider clients serves every run.

use std::collections::HashMap;
use std::time::Instant;

use tokio::sync::Mutex;

use crate::error::ProviderError;

/// One external call, as written to `api_usage_logs`.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRecord {
    /// Provider name (`serper`, `google_places`, `nominatim`, …).
    pub provider: String,
    /// What was done: `places.search`, `places.details`, `geo.resolve`, `geo.subareas`.
    pub operation: String,
    /// Model name, for LLM calls.
    pub model: Option<String>,
    /// Input tokens, for LLM calls.
    pub tokens_in: u64,
    /// Output tokens, for LLM calls.
    pub tokens_out: u64,
    /// What the call cost, in US dollars.
    pub cost_usd: f64,
    /// Wall time of the call, retries included.
    pub latency_ms: u64,
    /// `ok`, `error`, `rate_limited` or `cache_hit`.
    pub status: String,
    /// Final HTTP status, when a response came.
    pub http_status: Option<u16>,
}

/// Where usage records go.
#[async_trait::async_trait]
pub trait UsageSink: Send + Sync {
    /// Stores one record. Failing to store must not fail the call that was made.
    async fn record(&self, rec: UsageRecord);
}

/// A sink that drops every record.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoUsage;

#[async_trait::async_trait]
impl UsageSink for NoUsage {
    async fn record(&self, _rec: UsageRecord) {}
}

/// A sink that keeps records in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryUsage {
    records: Mutex<Vec<UsageRecord>>,
}

impl MemoryUsage {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything recorded so far, in order.
    pub async fn records(&self) -> Vec<UsageRecord> {
        self.records.lock().await.clone()
    }
}

#[async_trait::async_trait]
impl UsageSink for MemoryUsage {
    async fn record(&self, rec: UsageRecord) {
        self.records.lock().await.push(rec);
    }
}

/// Price in US dollars of one successful call, per (provider, operation).
///
/// Defaults (list prices at the time of writing; failed calls are not billed):
///
/// | provider | operation | USD | why |
/// |---|---|---|---|
/// | `serper` | `places.search` | 0.001 | ~$1 per 1,000 queries on the entry plan |
/// | `google_places` | `places.search` | 0.035 | Text Search Enterprise SKU (contact fields) |
/// | `google_places_legacy` | `places.search` | 0.032 | legacy Text Search |
/// | `google_places_legacy` | `places.details` | 0.020 | Place Details with contact data |
/// | `nominatim`, `overpass` | any | 0 | free public services |
/// | `firecrawl` | `page.scrape` | 0.00083 | one credit per page; $83 per 100,000 credits (Standard plan) |
/// | `serper` | `web.search` | 0.001 | one credit per query of up to 10 results, as for places |
/// | `google_cse` | `web.search` | 0.005 | $5 per 1,000 queries past the free 100 a day |
///
/// LLM and embedding calls are priced per model and token instead ([`PriceTable::token_cost`]),
/// in US dollars per million tokens, input / output (list prices, standard tier, no cache
/// discount). A dated snapshot such as `gpt-5-mini-2025-08-07` is priced as `gpt-5-mini`;
/// unknown and local models (Ollama, vLLM) cost nothing.
///
/// | model | in | out |
/// |---|---|---|
/// | `gpt-5` | 1.25 | 10.00 |
/// | `gpt-5-mini` | 0.25 | 2.00 |
/// | `gpt-5-nano` | 0.05 | 0.40 |
/// | `gpt-4.1` / `-mini` / `-nano` | 2.00 / 0.40 / 0.10 | 8.00 / 1.60 / 0.40 |
/// | `gpt-4o` / `gpt-4o-mini` | 2.50 / 0.15 | 10.00 / 0.60 |
/// | `gemini-2.0-flash` / `-lite` | 0.10 / 0.075 | 0.40 / 0.30 |
/// | `gemini-2.5-flash` / `gemini-2.5-pro` | 0.30 / 1.25 | 2.50 / 10.00 |
/// | `deepseek-chat`, `deepseek-reasoner` | 0.28 | 0.42 |
/// | `text-embedding-3-small` / `-large` / `ada-002` | 0.02 / 0.13 / 0.10 | 0 |
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    prices: HashMap<(String, String), f64>,
    models: HashMap<String, ModelPrice>,
}

/// What a model charges, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPrice {
    /// Per million input (prompt) tokens.
    pub input_per_million: f64,
    /// Per million output tokens, reasoning tokens included.
    pub output_per_million: f64,
}

impl ModelPrice {
    /// A price per million input and output tokens.
    pub const fn new(input_per_million: f64, output_per_million: f64) -> Self {
        Self {
            input_per_million,
            output_per_million,
        }
    }
}

const MODEL_PRICES: [(&str, f64, f64); 19] = [
    ("gpt-5", 1.25, 10.0),
    ("gpt-5-mini", 0.25, 2.0),
    ("gpt-5-nano", 0.05, 0.40),
    ("gpt-4.1", 2.0, 8.0),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("gpt-4o", 2.50, 10.0),
    ("gpt-4o-mini", 0.15, 0.60),
    ("gemini-2.0-flash", 0.10, 0.40),
    ("gemini-2.0-flash-lite", 0.075, 0.30),
    ("gemini-2.5-flash", 0.30, 2.50),
    ("gemini-2.5-pro", 1.25, 10.0),
    ("deepseek-chat", 0.28, 0.42),
    ("deepseek-reasoner", 0.28, 0.42),
    ("text-embedding-3-small", 0.02, 0.0),
    ("text-embedding-3-large", 0.13, 0.0),
    ("text-embedding-ada-002", 0.10, 0.0),
    ("gemini-embedding-001", 0.15, 0.0),
    ("mistral-embed", 0.10, 0.0),
];

impl Default for PriceTable {
    fn default() -> Self {
        let defaults = [
            ("serper", "places.search", 0.001),
            ("google_places", "places.search", 0.035),
            ("google_places_legacy", "places.search", 0.032),
            ("google_places_legacy", "places.details", 0.020),
            ("nominatim", "geo.resolve", 0.0),
            ("overpass", "geo.subareas", 0.0),
            ("overpass", "places.search", 0.0),
            ("firecrawl", "page.scrape", 0.00083),
            ("serper", "web.search", 0.001),
            ("google_cse", "web.search", 0.005),
        ];
        Self {
            prices: defaults
                .into_iter()
                .map(|(p, o, usd)| ((p.to_owned(), o.to_owned()), usd))
                .collect(),
            models: MODEL_PRICES
                .into_iter()
                .map(|(m, i, o)| (m.to_owned(), ModelPrice::new(i, o)))
                .collect(),
        }
    }
}

impl PriceTable {
    /// The defaults with some prices replaced or added, keyed by (provider, operation).
    pub fn with_overrides(overrides: HashMap<(String, String), f64>) -> Self {
        let mut table = Self::default();
        table.prices.extend(overrides);
        table
    }

    /// The price of one successful call; zero for anything unknown.
    pub fn cost(&self, provider: &str, operation: &str) -> f64 {
        self.prices
            .get(&(provider.to_owned(), operation.to_owned()))
            .copied()
            .unwrap_or(0.0)
    }

    /// This table with `model` priced at `price` (replacing any default).
    pub fn with_model_price(mut self, model: impl Into<String>, price: ModelPrice) -> Self {
        self.models.insert(model.into(), price);
        self
    }

    /// The price of `model`: an exact entry, else the longest entry that `model` extends
    /// with a `-` suffix (`gpt-5-mini-2025-08-07` → `gpt-5-mini`), else none.
    pub fn model_price(&self, model: &str) -> Option<ModelPrice> {
        let model = model.strip_prefix("models/").unwrap_or(model);
        if let Some(price) = self.models.get(model) {
            return Some(*price);
        }
        self.models
            .iter()
            .filter(|(name, _)| {
                model
                    .strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(name, _)| name.len())
            .map(|(_, price)| *price)
    }

    /// What `tokens_in` input and `tokens_out` output tokens of `model` cost, in US dollars;
    /// zero for models without a price.
    pub fn token_cost(&self, model: &str, tokens_in: u64, tokens_out: u64) -> f64 {
        self.model_price(model).map_or(0.0, |p| {
            (tokens_in as f64 * p.input_per_million + tokens_out as f64 * p.output_per_million)
                / 1_000_000.0
        })
    }
}

/// Times one external call and records it when it ends.
#[derive(Debug)]
pub(crate) struct CallMeter {
    provider: &'static str,
    operation: &'static str,
    started: Instant,
}

impl CallMeter {
    /// Starts timing a call.
    pub(crate) fn start(provider: &'static str, operation: &'static str) -> Self {
        Self {
            provider,
            operation,
            started: Instant::now(),
        }
    }

    /// Records the call's outcome: billed at the table's price when it succeeded.
    pub(crate) async fn finish<T>(
        self,
        usage: &dyn UsageSink,
        prices: &PriceTable,
        http_status: Option<u16>,
        result: &Result<T, ProviderError>,
    ) {
        let (status, cost_usd) = match result {
            Ok(_) => ("ok", prices.cost(self.provider, self.operation)),
            Err(ProviderError::RateLimited { .. }) => ("rate_limited", 0.0),
            Err(_) => ("error", 0.0),
        };
        usage
            .record(UsageRecord {
                provider: self.provider.to_owned(),
                operation: self.operation.to_owned(),
                model: None,
                tokens_in: 0,
                tokens_out: 0,
                cost_usd,
                latency_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
                status: status.to_owned(),
                http_status,
            })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_price_paid_providers_and_leave_osm_free() {
        let prices = PriceTable::default();
        assert_eq!(prices.cost("serper", "places.search"), 0.001);
        assert_eq!(prices.cost("google_places_legacy", "places.details"), 0.020);
        assert_eq!(prices.cost("nominatim", "geo.resolve"), 0.0);
        assert_eq!(prices.cost("unknown", "x"), 0.0);
    }

    #[test]
    fn overrides_replace_defaults_and_keep_the_rest() {
        let prices = PriceTable::with_overrides(HashMap::from([(
            ("serper".to_owned(), "places.search".to_owned()),
            0.0003,
        )]));
        assert_eq!(prices.cost("serper", "places.search"), 0.0003);
        assert_eq!(prices.cost("google_places", "places.search"), 0.035);
    }

    #[test]
    fn tokens_are_priced_per_model_and_million() {
        let prices = PriceTable::default();
        let cost = prices.token_cost("gpt-5-mini", 1_000_000, 500_000);
        assert!((cost - 1.25).abs() < 1e-9, "{cost}");
        assert_eq!(
            prices.model_price("gpt-5-mini-2025-08-07"),
            prices.model_price("gpt-5-mini")
        );
        assert_eq!(
            prices.model_price("models/gemini-2.0-flash"),
            Some(ModelPrice::new(0.10, 0.40))
        );
        assert_eq!(prices.model_price("gpt-5.4-pro"), None);
        assert_eq!(prices.token_cost("llama3.1:8b", 10_000, 10_000), 0.0);
        let custom = prices.with_model_price("llama3.1:8b", ModelPrice::new(1.0, 1.0));
        assert!((custom.token_cost("llama3.1:8b", 1_000_000, 0) - 1.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn meter_bills_success_only() {
        let sink = MemoryUsage::new();
        let prices = PriceTable::default();
        let ok: Result<(), ProviderError> = Ok(());
        CallMeter::start("serper", "places.search")
            .finish(&sink, &prices, Some(200), &ok)
            .await;
        let limited: Result<(), ProviderError> = Err(ProviderError::RateLimited {
            provider: "serper",
            retry_after: None,
        });
        CallMeter::start("serper", "places.search")
            .finish(&sink, &prices, Some(429), &limited)
            .await;
        let records = sink.records().await;
        assert_eq!(records[0].status, "ok");
        assert_eq!(records[0].cost_usd, 0.001);
        assert_eq!(records[1].status, "rate_limited");
        assert_eq!(records[1].cost_usd, 0.0);
        assert_eq!(records[1].http_status, Some(429));
    }
}
