//! The store behind the providers' hooks: their response cache and usage sink, attributed to a
//! run and agency.

use std::time::Duration;

use async_trait::async_trait;
use providers::cache::ResponseCache;
use providers::usage::{UsageRecord, UsageSink};
use store::{Store, UsageRow};
use tracing::warn;

/// `response_cache` as the providers' cache. A failing cache never fails a call: the answer
/// is fetched again.
#[derive(Debug, Clone)]
pub(crate) struct StoreCache(pub Store);

#[async_trait]
impl ResponseCache for StoreCache {
    async fn get(&self, key: &str) -> Option<String> {
        match self.0.cache().get(key).await {
            Ok(v) => v,
            Err(e) => {
                warn!(error = %e, "response cache read failed");
                None
            }
        }
    }

    async fn put(&self, key: &str, source: &str, body: &str, ttl: Duration) {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        if let Err(e) = self.0.cache().put(key, source, body, ttl_ms).await {
            warn!(error = %e, "response cache write failed");
        }
    }
}

/// `api_usage_logs` as the providers' usage sink, for one run.
#[derive(Debug, Clone)]
pub(crate) struct RunUsage {
    pub store: Store,
    pub run_id: Option<String>,
    pub agency_id: String,
    pub user_id: String,
    pub opportunity_id: Option<String>,
}

#[async_trait]
impl UsageSink for RunUsage {
    async fn record(&self, rec: UsageRecord) {
        let row = UsageRow {
            provider: rec.provider,
            operation: rec.operation,
            model: rec.model,
            tokens_in: rec.tokens_in,
            tokens_out: rec.tokens_out,
            cost_usd: rec.cost_usd,
            latency_ms: rec.latency_ms,
            status: rec.status,
            http_status: rec.http_status,
            run_id: self.run_id.clone(),
            agency_id: Some(self.agency_id.clone()),
            user_id: Some(self.user_id.clone()),
            opportunity_id: self.opportunity_id.clone(),
        };
        if let Err(e) = self.store.usage().record(&row).await {
            warn!(error = %e, "usage log write failed");
        }
    }
}
