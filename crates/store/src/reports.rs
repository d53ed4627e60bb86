//! Documents the pipeline writes and programs read back whole: a run's `market_research`
//! report and a lead's `outreach_drafts` (call script and first e-mail). The store keeps them
//! as opaque JSON; their shape belongs to the pipeline.

use domain::{AgencyId, OpportunityId, RunId};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, from_json, to_json};
use crate::{Store, now_ms};

/// A run's stored market research.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResearch {
    /// The report as JSON.
    pub report: Value,
    /// Who wrote the prose (`openai`, `rules`, …).
    pub provider: String,
    /// Written, epoch ms.
    pub created_at: i64,
}

/// A lead's stored outreach draft.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDraft {
    /// Id.
    pub id: String,
    /// The lead.
    pub opportunity_id: OpportunityId,
    /// The run it was written in, if any.
    pub run_id: Option<RunId>,
    /// The dossier it was built from.
    pub dossier_id: Option<String>,
    /// The draft as JSON.
    pub draft: Value,
    /// Who wrote it.
    pub provider: String,
    /// Last written, epoch ms.
    pub updated_at: i64,
}

/// A draft to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDraft<'a> {
    /// The lead.
    pub opportunity_id: &'a OpportunityId,
    /// The run, if any.
    pub run_id: Option<&'a RunId>,
    /// The dossier it was built from.
    pub dossier_id: Option<&'a str>,
    /// The draft.
    pub draft: &'a Value,
    /// Who wrote it.
    pub provider: &'a str,
}

/// Repository of reports.
#[derive(Debug, Clone, Copy)]
pub struct Reports<'a>(pub(crate) &'a Store);

impl Store {
    /// Market research and outreach drafts.
    pub fn reports(&self) -> Reports<'_> {
        Reports(self)
    }
}

impl Reports<'_> {
    /// Stores (or replaces) a run's market research.
    pub async fn save_research(
        &self,
        agency: &AgencyId,
        run: &RunId,
        report: &Value,
        provider: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO market_research (id, agency_id, lead_gen_flow_id, report, provider, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (lead_gen_flow_id) \
             DO UPDATE SET report = excluded.report, provider = excluded.provider, \
             created_at = excluded.created_at",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(agency.as_str())
        .bind(run.as_str())
        .bind(to_json(report))
        .bind(provider)
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// A run's market research.
    pub async fn research_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Option<StoredResearch>, StoreError> {
        let row = sqlx::query(
            "SELECT report, provider, created_at FROM market_research \
             WHERE lead_gen_flow_id = $1 AND agency_id = $2",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| {
            Ok(StoredResearch {
                report: from_json("market_research.report", &r.try_get::<String, _>("report")?)?,
                provider: r.try_get("provider")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Stores (or regenerates) a lead's outreach draft: one per lead, the newest wins.
    pub async fn save_draft(
        &self,
        agency: &AgencyId,
        new: &NewDraft<'_>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO outreach_drafts (id, agency_id, opportunity_id, lead_gen_flow_id, \
             dossier_id, draft, provider, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (opportunity_id) \
             DO UPDATE SET lead_gen_flow_id = COALESCE(excluded.lead_gen_flow_id, \
             outreach_drafts.lead_gen_flow_id), dossier_id = excluded.dossier_id, \
             draft = excluded.draft, provider = excluded.provider, \
             updated_at = excluded.updated_at",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(agency.as_str())
        .bind(new.opportunity_id.as_str())
        .bind(new.run_id.map(RunId::as_str))
        .bind(new.dossier_id)
        .bind(to_json(new.draft))
        .bind(new.provider)
        .bind(now)
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// A lead's outreach draft.
    pub async fn draft_for(
        &self,
        agency: &AgencyId,
        opportunity: &OpportunityId,
    ) -> Result<Option<StoredDraft>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM outreach_drafts WHERE opportunity_id = $1 AND agency_id = $2",
        )
        .bind(opportunity.as_str())
        .bind(agency.as_str())
        .fetch_optional(&self.0.pool)
        .await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    /// The outreach drafts of a run's leads.
    pub async fn drafts_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<StoredDraft>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.* FROM outreach_drafts d JOIN run_leads rl \
             ON rl.opportunity_id = d.opportunity_id AND rl.run_id = $1 \
             WHERE d.agency_id = $2 ORDER BY rl.rank",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(draft_from_row).collect()
    }
}

fn draft_from_row(row: &AnyRow) -> Result<StoredDraft, StoreError> {
    const WHAT: &str = "outreach_drafts";
    Ok(StoredDraft {
        id: row.try_get("id")?,
        opportunity_id: OpportunityId::parse(&row.try_get::<String, _>("opportunity_id")?)
            .map_err(|e| StoreError::corrupt(WHAT, e))?,
        run_id: row
            .try_get::<Option<String>, _>("lead_gen_flow_id")?
            .map(|s| RunId::parse(&s))
            .transpose()
            .map_err(|e| StoreError::corrupt(WHAT, e))?,
        dossier_id: row.try_get("dossier_id")?,
        draft: from_json("outreach_drafts.draft", &row.try_get::<String, _>("draft")?)?,
        provider: row.try_get("provider")?,
        updated_at: row.try_get("updated_at")?,
    })
}
