//! Deep audits: `audit_jobs` (one per audited lead, with its steps and `analysisThread`),
//! `audit_scraped_pages` (one row per page, upserted by `(auditJobId, url)`, the Markdown in
//! the blob store behind `content_ref`) and `audit_dossier` (compact: no page content).
//!
//! Findings, contacts and the site map are stored as JSON the pipeline writes and reads; the
//! store keeps them opaque so it does not depend on the crawler.

use domain::{AgencyId, AuditPhase, AuditStatus, OpportunityId, PhaseStatus, RunId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{StoreError, from_json, to_json};
use crate::{Store, now_ms};

/// One step of an audit as stored in `audit_jobs.phases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPhaseState {
    /// Which step.
    pub name: AuditPhase,
    /// Its status (`pending`, `running`, `complete`, `error`, `skipped`).
    pub status: PhaseStatus,
    /// When it started, epoch ms.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// When it finished, epoch ms.
    #[serde(default)]
    pub finished_at: Option<i64>,
    /// Why it failed, or what went wrong without stopping it.
    #[serde(default)]
    pub error: Option<String>,
}

/// What creating an audit needs.
#[derive(Debug, Clone)]
pub struct NewAudit {
    /// Owning agency.
    pub agency_id: AgencyId,
    /// The lead.
    pub opportunity_id: OpportunityId,
    /// The run that selected it; `None` for an audit started by hand.
    pub run_id: Option<RunId>,
    /// Whose context the audit's AI calls fall back to.
    pub user_id: UserId,
    /// The website to audit; `None` when the lead has none (the site steps are skipped).
    pub target_url: Option<String>,
    /// The lead's status before the audit, restored if the audit gives up.
    pub lead_status_before: String,
}

/// A stored audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditJob {
    /// Id.
    pub id: String,
    /// Owning agency.
    pub agency_id: AgencyId,
    /// The lead.
    pub opportunity_id: OpportunityId,
    /// `leadGenFlowId`.
    pub lead_gen_flow_id: Option<RunId>,
    /// Whose context the AI calls fall back to.
    pub user_id: String,
    /// `targetUrl`.
    pub target_url: Option<String>,
    /// Status.
    pub status: AuditStatus,
    /// The steps.
    pub phases: Vec<AuditPhaseState>,
    /// `analysisThread`.
    pub analysis_thread: Option<String>,
    /// `dossierId`.
    pub dossier_id: Option<String>,
    /// The lead's status when the audit began.
    pub lead_status_before: String,
    /// What `map_urls` found (counts and problems, no page content).
    pub site_map: Option<serde_json::Value>,
    /// The pages `filter_urls` picked, in scrape order.
    pub selected_pages: serde_json::Value,
    /// Site-level findings after `scrape_content`.
    pub findings: serde_json::Value,
    /// Why it failed.
    pub error: Option<String>,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Ended, epoch ms.
    pub finished_at: Option<i64>,
}

impl AuditJob {
    /// The state of one step.
    pub fn phase(&self, name: AuditPhase) -> Option<&AuditPhaseState> {
        self.phases.iter().find(|p| p.name == name)
    }

    /// Whether `name` has finished (complete, skipped or failed).
    pub fn phase_finished(&self, name: AuditPhase) -> bool {
        self.phase(name).is_some_and(|p| p.status.is_finished())
    }
}

/// One scraped page (or a page that could not be scraped, with its error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScrapedPage {
    /// The URL as selected.
    pub url: String,
    /// Selection order (the homepage first).
    pub position: u32,
    /// Where it ended up after redirects.
    pub final_url: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// `httpStatus`.
    pub http_status: Option<u16>,
    /// `contentRef` of the Markdown blob.
    pub content_ref: Option<String>,
    /// Words of main content.
    pub word_count: Option<u64>,
    /// HTML size.
    pub byte_size: Option<u64>,
    /// `crawler` or `firecrawl`.
    pub fetched_via: Option<String>,
    /// The page's site checks (JSON the pipeline writes).
    pub findings: serde_json::Value,
    /// E-mails and phones found (JSON the pipeline writes).
    pub contacts: serde_json::Value,
    /// Why the page could not be scraped.
    pub error: Option<String>,
}

impl ScrapedPage {
    /// Whether the page's content was stored.
    pub fn is_scraped(&self) -> bool {
        self.content_ref.is_some() && self.error.is_none()
    }
}

/// A weakness found, with the page that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierGap {
    /// A signal or finding name (`NO_CALL_TO_ACTION`) or a short label.
    pub key: String,
    /// What was found.
    pub value: String,
    /// The scraped page that shows it; `None` for facts from the places listing.
    pub source_url: Option<String>,
}

/// Something to say on the call, backed by one of the agency's approved claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TalkingPoint {
    /// The point.
    pub text: String,
    /// Id of the agency's approved claim it rests on.
    pub approved_claim_id: String,
    /// The scraped page it refers to.
    pub source_url: Option<String>,
}

/// A page the dossier drew on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierSource {
    /// URL.
    pub url: String,
    /// Title.
    pub title: Option<String>,
}

/// What saving a dossier needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDossier {
    /// Summary.
    pub summary: String,
    /// `identified_gaps`.
    pub identified_gaps: Vec<DossierGap>,
    /// `talking_points`.
    pub talking_points: Vec<TalkingPoint>,
    /// `sources`.
    pub sources: Vec<DossierSource>,
    /// Who wrote it (`openai`, …, `rules`).
    pub provider: String,
    /// Model.
    pub model: Option<String>,
    /// Gaps dropped by grounding.
    pub dropped_gaps: u32,
    /// Talking points dropped by grounding.
    pub dropped_talking_points: u32,
    /// Estimated prompt size.
    pub prompt_tokens: u64,
    /// What the prompt would have weighed with every scraped page whole.
    pub full_prompt_tokens: u64,
}

/// A stored dossier (`audit_dossier`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dossier {
    /// Id.
    pub id: String,
    /// The lead.
    pub opportunity_id: OpportunityId,
    /// The audit that wrote it.
    pub audit_job_id: String,
    /// Summary.
    pub summary: String,
    /// `identified_gaps`.
    #[serde(rename = "identified_gaps")]
    pub identified_gaps: Vec<DossierGap>,
    /// `talking_points`.
    #[serde(rename = "talking_points")]
    pub talking_points: Vec<TalkingPoint>,
    /// `sources`.
    pub sources: Vec<DossierSource>,
    /// Who wrote it.
    pub provider: String,
    /// Model.
    pub model: Option<String>,
    /// Gaps dropped by grounding.
    pub dropped_gaps: u32,
    /// Talking points dropped by grounding.
    pub dropped_talking_points: u32,
    /// Estimated prompt size.
    pub prompt_tokens: u64,
    /// What the prompt would have weighed with every scraped page whole.
    pub full_prompt_tokens: u64,
    /// Written, epoch ms.
    pub created_at: i64,
}

/// The audits repository.
#[derive(Debug, Clone, Copy)]
pub struct Audits<'a>(pub(crate) &'a Store);

impl Store {
    /// The audits repository.
    pub fn audits(&self) -> Audits<'_> {
        Audits(self)
    }
}

fn initial_phases(has_website: bool) -> Vec<AuditPhaseState> {
    AuditPhase::ALL
        .iter()
        .map(|&name| AuditPhaseState {
            name,
            status: if name.needs_website() && !has_website {
                PhaseStatus::Skipped
            } else {
                PhaseStatus::Pending
            },
            started_at: None,
            finished_at: None,
            error: None,
        })
        .collect()
}

impl Audits<'_> {
    /// Creates an audit with its `analysisThread`, on `conn` (inside the transaction that
    /// enqueues its first step). For a run, an audit of the same lead that already exists is
    /// returned instead (`created: false`), so a retried fan-out makes nothing twice.
    pub async fn create_in(
        &self,
        conn: &mut AnyConnection,
        new: &NewAudit,
    ) -> Result<(AuditJob, bool), StoreError> {
        if let Some(run) = &new.run_id {
            let existing = sqlx::query(
                "SELECT * FROM audit_jobs WHERE lead_gen_flow_id = $1 AND opportunity_id = $2 \
                 AND agency_id = $3",
            )
            .bind(run.as_str())
            .bind(new.opportunity_id.as_str())
            .bind(new.agency_id.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(row) = existing {
                return Ok((decode_audit(&row)?, false));
            }
        }
        let thread = self
            .0
            .threads()
            .create_in(
                conn,
                &new.agency_id,
                &new.user_id,
                new.run_id.as_ref(),
                &format!("audit of {}", new.opportunity_id),
            )
            .await?;
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO audit_jobs (id, agency_id, opportunity_id, lead_gen_flow_id, user_id, \
             target_url, status, phases, analysis_thread, lead_status_before, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, $10) \
             RETURNING *",
        )
        .bind(&id)
        .bind(new.agency_id.as_str())
        .bind(new.opportunity_id.as_str())
        .bind(new.run_id.as_ref().map(RunId::as_str))
        .bind(new.user_id.as_str())
        .bind(new.target_url.as_deref())
        .bind(to_json(&initial_phases(new.target_url.is_some())))
        .bind(&thread)
        .bind(&new.lead_status_before)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        Ok((decode_audit(&row)?, true))
    }

    /// An audit of `agency`.
    pub async fn get(&self, agency: &AgencyId, id: &str) -> Result<Option<AuditJob>, StoreError> {
        let row = sqlx::query("SELECT * FROM audit_jobs WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(agency.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        row.map(|r| decode_audit(&r)).transpose()
    }

    /// The audits a run made, oldest first.
    pub async fn for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<AuditJob>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM audit_jobs WHERE lead_gen_flow_id = $1 AND agency_id = $2 \
             ORDER BY created_at, id",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_audit).collect()
    }

    /// A lead's audits, newest first.
    pub async fn for_opportunity(
        &self,
        agency: &AgencyId,
        opportunity: &OpportunityId,
    ) -> Result<Vec<AuditJob>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM audit_jobs WHERE opportunity_id = $1 AND agency_id = $2 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(opportunity.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_audit).collect()
    }

    /// Sets one step's status (and the audit's: `running` once a step runs), on `conn`.
    /// `note` is recorded as the step's error (a failure, or what went wrong without stopping
    /// it).
    pub async fn set_phase_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        phase: AuditPhase,
        status: PhaseStatus,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        let row =
            sqlx::query("SELECT phases, status FROM audit_jobs WHERE id = $1 AND agency_id = $2")
                .bind(id)
                .bind(agency.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "audit",
                    id: id.to_owned(),
                })?;
        let mut phases: Vec<AuditPhaseState> =
            from_json("audit_jobs.phases", &row.try_get::<String, _>("phases")?)?;
        let now = now_ms();
        if let Some(p) = phases.iter_mut().find(|p| p.name == phase) {
            p.status = status;
            if status == PhaseStatus::Running && p.started_at.is_none() {
                p.started_at = Some(now);
            }
            if status.is_finished() {
                p.finished_at = Some(now);
            }
            if let Some(note) = note {
                p.error = Some(note.to_owned());
            }
        }
        let current: String = row.try_get("status")?;
        let audit_status = if current == AuditStatus::Queued.as_str() {
            AuditStatus::Running.as_str()
        } else {
            current.as_str()
        };
        sqlx::query(
            "UPDATE audit_jobs SET phases = $3, status = $4, updated_at = $5 \
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(agency.as_str())
        .bind(to_json(&phases))
        .bind(audit_status)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Ends the audit (`completed` or `error`), on `conn`, unless it has already ended.
    /// Returns whether this call ended it.
    pub async fn finish_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        status: AuditStatus,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE audit_jobs SET status = $3, error = COALESCE($4, error), updated_at = $5, \
             finished_at = $5 WHERE id = $1 AND agency_id = $2 \
             AND status IN ('queued', 'running')",
        )
        .bind(id)
        .bind(agency.as_str())
        .bind(status.as_str())
        .bind(error)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Locks a live audit for a step's results, on `conn` (the transaction's first write, so
    /// a concurrent cancel waits for it or wins before it). Returns false when the audit has
    /// already ended: the step's results must then be thrown away.
    pub async fn hold_live_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE audit_jobs SET updated_at = $3 WHERE id = $1 AND agency_id = $2 \
             AND status IN ('queued', 'running')",
        )
        .bind(id)
        .bind(agency.as_str())
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records what `map_urls` found, on `conn`.
    pub async fn set_site_map_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        site_map: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.set_json_in(conn, agency, id, "site_map", site_map)
            .await
    }

    /// Records the pages `filter_urls` picked, on `conn`.
    pub async fn set_selected_pages_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        pages: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.set_json_in(conn, agency, id, "selected_pages", pages)
            .await
    }

    /// Records the site-level findings, on `conn`.
    pub async fn set_findings_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        findings: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.set_json_in(conn, agency, id, "findings", findings)
            .await
    }

    async fn set_json_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        column: &'static str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE audit_jobs SET {column} = $3, updated_at = $4 WHERE id = $1 AND agency_id = $2"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(agency.as_str())
            .bind(to_json(value))
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Upserts a page by `(auditJobId, url)`: a page scraped again replaces its row.
    pub async fn upsert_page(
        &self,
        audit: &AuditJob,
        page: &ScrapedPage,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO audit_scraped_pages (id, audit_job_id, opportunity_id, agency_id, url, \
             position, final_url, title, http_status, content_ref, word_count, byte_size, \
             fetched_via, findings, contacts, error, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) \
             ON CONFLICT (audit_job_id, url) DO UPDATE SET position = excluded.position, \
             final_url = excluded.final_url, title = excluded.title, \
             http_status = excluded.http_status, content_ref = excluded.content_ref, \
             word_count = excluded.word_count, byte_size = excluded.byte_size, \
             fetched_via = excluded.fetched_via, findings = excluded.findings, \
             contacts = excluded.contacts, error = excluded.error, updated_at = excluded.updated_at",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&audit.id)
        .bind(audit.opportunity_id.as_str())
        .bind(audit.agency_id.as_str())
        .bind(&page.url)
        .bind(i64::from(page.position))
        .bind(page.final_url.as_deref())
        .bind(page.title.as_deref())
        .bind(page.http_status.map(i64::from))
        .bind(page.content_ref.as_deref())
        .bind(page.word_count.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
        .bind(page.byte_size.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
        .bind(page.fetched_via.as_deref())
        .bind(to_json(&page.findings))
        .bind(to_json(&page.contacts))
        .bind(page.error.as_deref())
        .bind(now)
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// An audit's pages, in selection order.
    pub async fn pages(
        &self,
        agency: &AgencyId,
        audit_id: &str,
    ) -> Result<Vec<ScrapedPage>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM audit_scraped_pages WHERE audit_job_id = $1 AND agency_id = $2 \
             ORDER BY position, url",
        )
        .bind(audit_id)
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_page).collect()
    }

    /// Saves the audit's dossier (replacing one a retried step wrote) and links it from the
    /// audit, on `conn`. Returns the dossier id.
    pub async fn save_dossier_in(
        &self,
        conn: &mut AnyConnection,
        audit: &AuditJob,
        dossier: &NewDossier,
    ) -> Result<String, StoreError> {
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO audit_dossier (id, agency_id, opportunity_id, audit_job_id, summary, \
             identified_gaps, talking_points, sources, provider, model, dropped_gaps, \
             dropped_talking_points, prompt_tokens, full_prompt_tokens, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (audit_job_id) DO UPDATE SET summary = excluded.summary, \
             identified_gaps = excluded.identified_gaps, talking_points = excluded.talking_points, \
             sources = excluded.sources, provider = excluded.provider, model = excluded.model, \
             dropped_gaps = excluded.dropped_gaps, \
             dropped_talking_points = excluded.dropped_talking_points, \
             prompt_tokens = excluded.prompt_tokens, \
             full_prompt_tokens = excluded.full_prompt_tokens RETURNING id",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(audit.agency_id.as_str())
        .bind(audit.opportunity_id.as_str())
        .bind(&audit.id)
        .bind(&dossier.summary)
        .bind(to_json(&dossier.identified_gaps))
        .bind(to_json(&dossier.talking_points))
        .bind(to_json(&dossier.sources))
        .bind(&dossier.provider)
        .bind(dossier.model.as_deref())
        .bind(i64::from(dossier.dropped_gaps))
        .bind(i64::from(dossier.dropped_talking_points))
        .bind(i64::try_from(dossier.prompt_tokens).unwrap_or(i64::MAX))
        .bind(i64::try_from(dossier.full_prompt_tokens).unwrap_or(i64::MAX))
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        let id: String = row.try_get("id")?;
        sqlx::query(
            "UPDATE audit_jobs SET dossier_id = $3, updated_at = $4 WHERE id = $1 AND agency_id = $2",
        )
        .bind(&audit.id)
        .bind(audit.agency_id.as_str())
        .bind(&id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(id)
    }

    /// The dossier an audit wrote.
    pub async fn dossier_for_audit(
        &self,
        agency: &AgencyId,
        audit_id: &str,
    ) -> Result<Option<Dossier>, StoreError> {
        let row =
            sqlx::query("SELECT * FROM audit_dossier WHERE audit_job_id = $1 AND agency_id = $2")
                .bind(audit_id)
                .bind(agency.as_str())
                .fetch_optional(&self.0.pool)
                .await?;
        row.map(|r| decode_dossier(&r)).transpose()
    }

    /// The dossiers of a run's audits, in one query.
    pub async fn dossiers_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<Dossier>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.* FROM audit_dossier d JOIN audit_jobs a ON a.id = d.audit_job_id \
             WHERE a.lead_gen_flow_id = $1 AND a.agency_id = $2 AND d.agency_id = $2 \
             ORDER BY d.created_at, d.id",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_dossier).collect()
    }

    /// A lead's newest dossier.
    pub async fn latest_dossier(
        &self,
        agency: &AgencyId,
        opportunity: &OpportunityId,
    ) -> Result<Option<Dossier>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM audit_dossier WHERE opportunity_id = $1 AND agency_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(opportunity.as_str())
        .bind(agency.as_str())
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| decode_dossier(&r)).transpose()
    }
}

fn opt_json(
    what: &'static str,
    text: Option<String>,
) -> Result<Option<serde_json::Value>, StoreError> {
    text.map(|t| from_json(what, &t)).transpose()
}

fn decode_audit(row: &AnyRow) -> Result<AuditJob, StoreError> {
    let agency: String = row.try_get("agency_id")?;
    let opportunity: String = row.try_get("opportunity_id")?;
    let status: String = row.try_get("status")?;
    Ok(AuditJob {
        id: row.try_get("id")?,
        agency_id: AgencyId::parse(&agency)
            .map_err(|e| StoreError::corrupt("audit_jobs.agency_id", e))?,
        opportunity_id: OpportunityId::parse(&opportunity)
            .map_err(|e| StoreError::corrupt("audit_jobs.opportunity_id", e))?,
        lead_gen_flow_id: row
            .try_get::<Option<String>, _>("lead_gen_flow_id")?
            .map(|r| RunId::parse(&r))
            .transpose()
            .map_err(|e| StoreError::corrupt("audit_jobs.lead_gen_flow_id", e))?,
        user_id: row.try_get("user_id")?,
        target_url: row.try_get("target_url")?,
        status: AuditStatus::parse(&status)
            .map_err(|e| StoreError::corrupt("audit_jobs.status", e))?,
        phases: from_json("audit_jobs.phases", &row.try_get::<String, _>("phases")?)?,
        analysis_thread: row.try_get("analysis_thread")?,
        dossier_id: row.try_get("dossier_id")?,
        lead_status_before: row.try_get("lead_status_before")?,
        site_map: opt_json("audit_jobs.site_map", row.try_get("site_map")?)?,
        selected_pages: from_json(
            "audit_jobs.selected_pages",
            &row.try_get::<String, _>("selected_pages")?,
        )?,
        findings: from_json(
            "audit_jobs.findings",
            &row.try_get::<String, _>("findings")?,
        )?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

fn to_u64(v: Option<i64>) -> Option<u64> {
    v.and_then(|n| u64::try_from(n).ok())
}

fn decode_page(row: &AnyRow) -> Result<ScrapedPage, StoreError> {
    Ok(ScrapedPage {
        url: row.try_get("url")?,
        position: u32::try_from(row.try_get::<i64, _>("position")?).unwrap_or(u32::MAX),
        final_url: row.try_get("final_url")?,
        title: row.try_get("title")?,
        http_status: row
            .try_get::<Option<i64>, _>("http_status")?
            .and_then(|n| u16::try_from(n).ok()),
        content_ref: row.try_get("content_ref")?,
        word_count: to_u64(row.try_get("word_count")?),
        byte_size: to_u64(row.try_get("byte_size")?),
        fetched_via: row.try_get("fetched_via")?,
        findings: from_json(
            "audit_scraped_pages.findings",
            &row.try_get::<String, _>("findings")?,
        )?,
        contacts: from_json(
            "audit_scraped_pages.contacts",
            &row.try_get::<String, _>("contacts")?,
        )?,
        error: row.try_get("error")?,
    })
}

fn decode_dossier(row: &AnyRow) -> Result<Dossier, StoreError> {
    let opportunity: String = row.try_get("opportunity_id")?;
    let count = |c: &str| -> Result<u32, StoreError> {
        Ok(u32::try_from(row.try_get::<i64, _>(c)?).unwrap_or(0))
    };
    Ok(Dossier {
        id: row.try_get("id")?,
        opportunity_id: OpportunityId::parse(&opportunity)
            .map_err(|e| StoreError::corrupt("audit_dossier.opportunity_id", e))?,
        audit_job_id: row.try_get("audit_job_id")?,
        summary: row.try_get("summary")?,
        identified_gaps: from_json(
            "audit_dossier.identified_gaps",
            &row.try_get::<String, _>("identified_gaps")?,
        )?,
        talking_points: from_json(
            "audit_dossier.talking_points",
            &row.try_get::<String, _>("talking_points")?,
        )?,
        sources: from_json(
            "audit_dossier.sources",
            &row.try_get::<String, _>("sources")?,
        )?,
        provider: row.try_get("provider")?,
        model: row.try_get("model")?,
        dropped_gaps: count("dropped_gaps")?,
        dropped_talking_points: count("dropped_talking_points")?,
        prompt_tokens: to_u64(row.try_get("prompt_tokens")?).unwrap_or(0),
        full_prompt_tokens: to_u64(row.try_get("full_prompt_tokens")?).unwrap_or(0),
        created_at: row.try_get("created_at")?,
    })
}
