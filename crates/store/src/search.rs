//! The opportunities list as the web shows it: filtered by run, vertical, geography, status and
//! signal, sorted and paged, always within one agency.

use std::fmt::Write as _;

use domain::{AgencyId, RunId};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::opportunities::{Opportunities, Opportunity, decode};

/// What to sort the list by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpportunitySort {
    /// `qualificationScore` (the default), best first; ties by name.
    #[default]
    Score,
    /// The run's rank (only with a run filter; otherwise by score).
    Rank,
    /// Name.
    Name,
    /// Google rating.
    Rating,
    /// Review count.
    Reviews,
    /// Last update.
    Updated,
}

impl OpportunitySort {
    /// Parses `score`, `rank`, `name`, `rating`, `reviews` or `updated`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "score" => Self::Score,
            "rank" => Self::Rank,
            "name" => Self::Name,
            "rating" => Self::Rating,
            "reviews" => Self::Reviews,
            "updated" => Self::Updated,
            _ => return None,
        })
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Score => "score",
            Self::Rank => "rank",
            Self::Name => "name",
            Self::Rating => "rating",
            Self::Reviews => "reviews",
            Self::Updated => "updated",
        }
    }

    /// The natural direction: best first for numbers, A–Z for names, 1 first for ranks.
    pub fn default_descending(self) -> bool {
        !matches!(self, Self::Name | Self::Rank)
    }
}

/// Filters, sort and page of the opportunities list. Values are matched exactly; the caller
/// validates them (a signal filter must be a signal name: `[A-Z0-9_]+`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpportunityQuery {
    /// Only the leads this run sourced (with its rank).
    pub run: Option<RunId>,
    /// `target_vertical`.
    pub vertical: Option<String>,
    /// `target_geography`.
    pub geography: Option<String>,
    /// Lifecycle status.
    pub status: Option<String>,
    /// Leads carrying this signal.
    pub signal: Option<String>,
    /// Leads with at least this score.
    pub min_score: Option<u8>,
    /// Sort key.
    pub sort: OpportunitySort,
    /// Descending.
    pub descending: bool,
    /// Page size, 1–500.
    pub limit: u32,
    /// Rows to skip.
    pub offset: u64,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpportunityPage {
    /// Rows matching the filters, on every page.
    pub total: u64,
    /// This page, each with its rank in the filtered run (when a run is given).
    pub items: Vec<(Option<u32>, Opportunity)>,
}

/// A (vertical, geography) pair the agency has run, with its run count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignKey {
    /// `targetVertical`.
    pub vertical: String,
    /// `targetGeography`.
    pub geography: String,
    /// Runs with this pair.
    pub runs: u64,
}

impl Opportunities<'_> {
    /// One page of the agency's opportunities.
    pub async fn search(
        &self,
        agency: &AgencyId,
        q: &OpportunityQuery,
    ) -> Result<OpportunityPage, StoreError> {
        if let Some(signal) = &q.signal
            && (signal.is_empty()
                || !signal
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
        {
            return Err(StoreError::Invalid(format!(
                "not a signal name: {signal:?}"
            )));
        }
        let mut from = String::from("client_opportunities o");
        let mut filter = String::from(" WHERE o.agency_id = $1");
        let mut binds: Vec<String> = vec![agency.as_str().to_owned()];
        let mut n = 1;
        let mut push = |sql: &mut String, clause: &str, value: String| {
            n += 1;
            let _ = write!(sql, " AND {}", clause.replace("{}", &format!("${n}")));
            binds.push(value);
        };
        if let Some(run) = &q.run {
            // A run's leads are read from the run first (a few hundred rows), not by walking
            // the agency's whole list in score order and probing each against the run: SQLite
            // keeps the left side of a CROSS JOIN as the outer loop; Postgres plans it as the
            // inner join it is.
            from = String::from("run_leads rl CROSS JOIN client_opportunities o");
            filter.push_str(" AND o.id = rl.opportunity_id");
            push(&mut filter, "rl.run_id = {}", run.as_str().to_owned());
        }
        if let Some(v) = &q.vertical {
            push(&mut filter, "o.target_vertical = {}", v.clone());
        }
        if let Some(g) = &q.geography {
            push(&mut filter, "o.target_geography = {}", g.clone());
        }
        if let Some(s) = &q.status {
            push(&mut filter, "o.status = {}", s.clone());
        }
        if let Some(s) = &q.signal {
            push(&mut filter, "o.signals LIKE {}", format!("%\"{s}\"%"));
        }
        let min_score = q.min_score.map(i64::from);
        if min_score.is_some() {
            let _ = write!(filter, " AND o.qualification_score >= ${}", n + 1);
        }
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match (q.sort, q.run.is_some()) {
            (OpportunitySort::Rank, true) => format!("rl.rank {dir}"),
            (OpportunitySort::Score | OpportunitySort::Rank, _) => {
                format!("o.qualification_score {dir}, o.name ASC")
            }
            (OpportunitySort::Name, _) => format!("lower(o.name) {dir}"),
            (OpportunitySort::Rating, _) => {
                format!("COALESCE(o.rating, -1) {dir}, o.name ASC")
            }
            (OpportunitySort::Reviews, _) => {
                format!("COALESCE(o.reviews_count, -1) {dir}, o.name ASC")
            }
            (OpportunitySort::Updated, _) => format!("o.updated_at {dir}"),
        };
        let rank_col = if q.run.is_some() {
            "rl.rank AS run_rank"
        } else {
            "NULL AS run_rank"
        };

        // Within one run (hundreds of rows) the page and the total come from one pass with a
        // window count; over the agency's whole list the page is read off the score index and
        // counted apart, which is cheaper than visiting every row for the window.
        let windowed = q.run.is_some();
        let count_col = if windowed {
            ", COUNT(*) OVER () AS total_rows"
        } else {
            ""
        };
        let limit = i64::from(q.limit.clamp(1, 500));
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let next = n + 1 + usize::from(min_score.is_some());
        let list_sql = format!(
            "SELECT o.*, {rank_col}{count_col} FROM {from}{filter} ORDER BY {order}, o.id ASC LIMIT ${} OFFSET ${}",
            next,
            next + 1
        );
        let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql));
        for b in &binds {
            list = list.bind(b.clone());
        }
        if let Some(m) = min_score {
            list = list.bind(m);
        }
        let rows = list
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.0.pool)
            .await?;
        let total = match rows.first() {
            Some(r) if windowed => r.try_get::<i64, _>("total_rows")?,
            _ => {
                let count_sql = format!("SELECT COUNT(*) FROM {from}{filter}");
                let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
                for b in &binds {
                    count = count.bind(b.clone());
                }
                if let Some(m) = min_score {
                    count = count.bind(m);
                }
                count.fetch_one(&self.0.pool).await?
            }
        };
        let items = rows
            .iter()
            .map(|r| {
                let rank = r
                    .try_get::<Option<i64>, _>("run_rank")?
                    .and_then(|v| u32::try_from(v).ok());
                Ok((rank, decode(r)?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(OpportunityPage {
            total: u64::try_from(total).unwrap_or(0),
            items,
        })
    }

    /// The (vertical, geography) pairs the agency has run, most runs first: the campaign
    /// filters of the UI.
    pub async fn campaigns(&self, agency: &AgencyId) -> Result<Vec<CampaignKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT target_vertical, target_geography, COUNT(*) AS runs FROM lead_gen_flow \
             WHERE agency_id = $1 GROUP BY target_vertical, target_geography \
             ORDER BY runs DESC, target_vertical, target_geography",
        )
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CampaignKey {
                    vertical: r.try_get("target_vertical")?,
                    geography: r.try_get("target_geography")?,
                    runs: u64::try_from(r.try_get::<i64, _>("runs")?).unwrap_or(0),
                })
            })
            .collect()
    }
}

impl Opportunities<'_> {
    /// How many leads a run has and the newest `updated_at` among them: what a live view
    /// compares to know the table changed.
    pub async fn run_change_marker(&self, run: &RunId) -> Result<(u64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(MAX(o.updated_at), 0) AS at FROM run_leads rl \
             JOIN client_opportunities o ON o.id = rl.opportunity_id WHERE rl.run_id = $1",
        )
        .bind(run.as_str())
        .fetch_one(&self.0.pool)
        .await?;
        Ok((
            u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0),
            row.try_get::<i64, _>("at")?,
        ))
    }
}

impl Opportunities<'_> {
    /// Sets (or clears) a lead's `meeting_time`; not found unless the lead is the agency's.
    pub async fn set_meeting_time(
        &self,
        agency: &AgencyId,
        id: &domain::OpportunityId,
        meeting_time: Option<i64>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE client_opportunities SET meeting_time = $3, updated_at = $4 \
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(meeting_time)
        .bind(crate::now_ms())
        .execute(&self.0.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "opportunity",
                id: id.to_string(),
            });
        }
        Ok(())
    }
}

impl crate::Audits<'_> {
    /// The scraped page of the agency that stored `content_ref`, with its lead and audit; `None`
    /// when no page of the agency has it (the content of another agency stays out of reach).
    pub async fn page_by_content_ref(
        &self,
        agency: &AgencyId,
        content_ref: &str,
    ) -> Result<Option<PageOwner>, StoreError> {
        let row = sqlx::query(
            "SELECT id, opportunity_id, audit_job_id, url, title FROM audit_scraped_pages \
             WHERE content_ref = $1 AND agency_id = $2 ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(content_ref)
        .bind(agency.as_str())
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| page_owner(&r)).transpose()
    }

    /// One scraped page of the agency by its id.
    pub async fn page_by_id(
        &self,
        agency: &AgencyId,
        id: &str,
    ) -> Result<Option<(PageOwner, Option<String>)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, opportunity_id, audit_job_id, url, title, content_ref FROM audit_scraped_pages \
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(agency.as_str())
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| Ok((page_owner(&r)?, r.try_get("content_ref")?)))
            .transpose()
    }

    /// The ids of an audit's pages by URL (the page list the UI links to).
    pub async fn page_ids(
        &self,
        agency: &AgencyId,
        audit_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, url FROM audit_scraped_pages WHERE audit_job_id = $1 AND agency_id = $2 \
             ORDER BY position, url",
        )
        .bind(audit_id)
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("url")?)))
            .collect()
    }
}

/// Which lead and audit a stored page belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageOwner {
    /// Page id.
    pub id: String,
    /// The lead.
    pub opportunity_id: String,
    /// The audit.
    pub audit_job_id: String,
    /// The page's URL.
    pub url: String,
    /// Its title.
    pub title: Option<String>,
}

fn page_owner(r: &sqlx::any::AnyRow) -> Result<PageOwner, StoreError> {
    Ok(PageOwner {
        id: r.try_get("id")?,
        opportunity_id: r.try_get("opportunity_id")?,
        audit_job_id: r.try_get("audit_job_id")?,
        url: r.try_get("url")?,
        title: r.try_get("title")?,
    })
}

impl crate::Suppression<'_> {
    /// Removes the agency's entry with this id; false when it has none.
    pub async fn remove_by_id(&self, agency: &AgencyId, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM suppression_list WHERE agency_id = $1 AND id = $2")
            .bind(agency.as_str())
            .bind(id)
            .execute(&self.0.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// An agency's usage of one provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderUsage {
    /// Provider.
    pub provider: String,
    /// Calls (cache hits excluded).
    pub calls: u64,
    /// Cache hits.
    pub cache_hits: u64,
    /// Tokens in and out.
    pub tokens: u64,
    /// Dollars.
    pub cost: f64,
}

impl crate::UsageRepo<'_> {
    /// The agency's usage per provider since `since` (epoch ms), most expensive first.
    pub async fn by_provider_for_agency(
        &self,
        agency: &AgencyId,
        since: i64,
    ) -> Result<Vec<ProviderUsage>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, \
             CAST(SUM(CASE WHEN status <> 'cache_hit' THEN 1 ELSE 0 END) AS BIGINT) AS calls, \
             CAST(SUM(CASE WHEN status = 'cache_hit' THEN 1 ELSE 0 END) AS BIGINT) AS hits, \
             CAST(COALESCE(SUM(CASE WHEN status <> 'cache_hit' THEN tokens_in + tokens_out ELSE 0 END), 0) AS BIGINT) AS tokens, \
             CAST(COALESCE(SUM(CASE WHEN status <> 'cache_hit' THEN cost_usd ELSE 0 END), 0) AS DOUBLE PRECISION) AS cost \
             FROM api_usage_logs WHERE agency_id = $1 AND created_at >= $2 \
             GROUP BY provider ORDER BY cost DESC, provider",
        )
        .bind(agency.as_str())
        .bind(since)
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProviderUsage {
                    provider: r.try_get("provider")?,
                    calls: u64::try_from(r.try_get::<i64, _>("calls")?).unwrap_or(0),
                    cache_hits: u64::try_from(r.try_get::<i64, _>("hits")?).unwrap_or(0),
                    tokens: u64::try_from(r.try_get::<i64, _>("tokens")?).unwrap_or(0),
                    cost: r.try_get("cost")?,
                })
            })
            .collect()
    }
}
