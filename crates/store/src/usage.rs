//! `api_usage_logs`: one row per external call, with tokens, cost and latency.

use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::{Store, now_ms};

/// One external call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageRow {
    /// Provider (`serper`, `openai`, …).
    pub provider: String,
    /// Operation (`places.search`, …).
    pub operation: String,
    /// Model, for LLM calls.
    pub model: Option<String>,
    /// Input tokens.
    pub tokens_in: u64,
    /// Output tokens.
    pub tokens_out: u64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Latency.
    pub latency_ms: u64,
    /// `ok`, `error`, `rate_limited`, `cache_hit`.
    pub status: String,
    /// HTTP status, when there was one.
    pub http_status: Option<u16>,
    /// Run it belongs to.
    pub run_id: Option<String>,
    /// Agency it belongs to.
    pub agency_id: Option<String>,
    /// User it is attributed to.
    pub user_id: Option<String>,
    /// Lead it was for.
    pub opportunity_id: Option<String>,
}

/// Usage added up.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct UsageTotals {
    /// Calls.
    pub calls: u64,
    /// Tokens in + out.
    pub tokens: u64,
    /// Dollars.
    pub cost: f64,
}

/// Repository of usage rows.
#[derive(Debug, Clone, Copy)]
pub struct UsageRepo<'a>(pub(crate) &'a Store);

impl Store {
    /// The usage repository.
    pub fn usage(&self) -> UsageRepo<'_> {
        UsageRepo(self)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl UsageRepo<'_> {
    /// Records one call.
    pub async fn record(&self, row: &UsageRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_usage_logs (id, created_at, provider, operation, model, tokens_in, \
             tokens_out, cost_usd, latency_ms, status, http_status, run_id, agency_id, user_id, \
             opportunity_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(now_ms())
        .bind(&row.provider)
        .bind(&row.operation)
        .bind(row.model.as_deref())
        .bind(to_i64(row.tokens_in))
        .bind(to_i64(row.tokens_out))
        .bind(row.cost_usd)
        .bind(to_i64(row.latency_ms))
        .bind(&row.status)
        .bind(row.http_status.map(i64::from))
        .bind(row.run_id.as_deref())
        .bind(row.agency_id.as_deref())
        .bind(row.user_id.as_deref())
        .bind(row.opportunity_id.as_deref())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// Totals for a run (cache hits are not calls).
    pub async fn run_totals(&self, run_id: &str) -> Result<UsageTotals, StoreError> {
        self.totals("run_id", run_id).await
    }

    /// Totals for one lead (the calls made for it, in any run).
    pub async fn lead_totals(&self, opportunity_id: &str) -> Result<UsageTotals, StoreError> {
        self.totals("opportunity_id", opportunity_id).await
    }

    /// Calls, tokens and cost of the rows whose `column` is `value` (`column` is one of our
    /// own static column names, never input).
    async fn totals(&self, column: &'static str, value: &str) -> Result<UsageTotals, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) AS calls, CAST(COALESCE(SUM(tokens_in + tokens_out), 0) AS BIGINT) \
             AS tokens, CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) AS cost \
             FROM api_usage_logs WHERE {column} = $1 AND status <> 'cache_hit'"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_one(&self.0.pool)
            .await?;
        Ok(UsageTotals {
            calls: u64::try_from(row.try_get::<i64, _>("calls")?).unwrap_or(0),
            tokens: u64::try_from(row.try_get::<i64, _>("tokens")?).unwrap_or(0),
            cost: row.try_get("cost")?,
        })
    }

    /// Every row of a run, oldest first.
    pub async fn for_run(&self, run_id: &str) -> Result<Vec<UsageRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, operation, model, tokens_in, tokens_out, cost_usd, latency_ms, \
             status, http_status, run_id, agency_id, user_id, opportunity_id \
             FROM api_usage_logs WHERE run_id = $1 ORDER BY id",
        )
        .bind(run_id)
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UsageRow {
                    provider: r.try_get("provider")?,
                    operation: r.try_get("operation")?,
                    model: r.try_get("model")?,
                    tokens_in: u64::try_from(r.try_get::<i64, _>("tokens_in")?).unwrap_or(0),
                    tokens_out: u64::try_from(r.try_get::<i64, _>("tokens_out")?).unwrap_or(0),
                    cost_usd: r.try_get("cost_usd")?,
                    latency_ms: u64::try_from(r.try_get::<i64, _>("latency_ms")?).unwrap_or(0),
                    status: r.try_get("status")?,
                    http_status: r
                        .try_get::<Option<i64>, _>("http_status")?
                        .and_then(|n| u16::try_from(n).ok()),
                    run_id: r.try_get("run_id")?,
                    agency_id: r.try_get("agency_id")?,
                    user_id: r.try_get("user_id")?,
                    opportunity_id: r.try_get("opportunity_id")?,
                })
            })
            .collect()
    }
}
