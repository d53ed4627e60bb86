//! What the web's usage page reads beyond the core repositories: usage and cost per lead
//! across one agency.

use domain::AgencyId;
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::usage::UsageRepo;

/// Calls, tokens and cost spent on one lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadUsage {
    /// The lead.
    pub opportunity_id: String,
    /// Its name.
    pub name: String,
    /// Calls.
    pub calls: u64,
    /// Tokens in and out.
    pub tokens: u64,
    /// Cost, USD.
    pub cost: f64,
}

fn count(row: &sqlx::any::AnyRow, col: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<i64, _>(col)?).unwrap_or(0))
}

impl UsageRepo<'_> {
    /// The agency's `limit` most expensive leads.
    pub async fn by_lead(
        &self,
        agency: &AgencyId,
        limit: u32,
    ) -> Result<Vec<LeadUsage>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.opportunity_id AS opportunity_id, o.name AS name, COUNT(*) AS calls, \
             CAST(COALESCE(SUM(u.tokens_in + u.tokens_out), 0) AS BIGINT) AS tokens, \
             CAST(COALESCE(SUM(u.cost_usd), 0) AS DOUBLE PRECISION) AS cost \
             FROM api_usage_logs u JOIN client_opportunities o ON o.id = u.opportunity_id \
             WHERE o.agency_id = $1 AND u.status <> 'cache_hit' \
             GROUP BY u.opportunity_id, o.name ORDER BY cost DESC, name LIMIT $2",
        )
        .bind(agency.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LeadUsage {
                    opportunity_id: r.try_get("opportunity_id")?,
                    name: r.try_get("name")?,
                    calls: count(r, "calls")?,
                    tokens: count(r, "tokens")?,
                    cost: r.try_get("cost")?,
                })
            })
            .collect()
    }
}
