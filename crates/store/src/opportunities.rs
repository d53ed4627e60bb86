//! `client_opportunities`: the leads, one row per (agency, place), plus `run_leads`, which
//! records the runs that sourced each one.

use std::fmt::Write as _;

use domain::{AgencyId, LeadStatus, OpportunityId, RunId};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, from_json, to_json};
use crate::personas::Embedding;
use crate::{Store, now_ms};

/// A triaged lead to upsert, in storable form (also what `filter_rank` hands `persist_leads`
/// through the blob store).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LeadUpsert {
    /// Provider place id (unique per agency).
    pub place_id: String,
    /// Provider that sourced it.
    pub source: String,
    /// Name.
    pub name: String,
    /// Canonical registrable domain.
    pub domain: Option<String>,
    /// Website URL.
    pub website: Option<String>,
    /// E.164 phone.
    pub phone: String,
    /// Address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Rating.
    pub rating: Option<f64>,
    /// Review count.
    pub reviews_count: Option<u32>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// Provider categories.
    pub categories: Vec<String>,
    /// `qualificationScore`.
    pub score: u8,
    /// Signal names.
    pub signals: Vec<String>,
    /// Rank within the run (1 = best).
    pub rank: u32,
}

/// A stored opportunity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opportunity {
    /// Id.
    pub id: OpportunityId,
    /// Owning agency.
    pub agency_id: AgencyId,
    /// `leadGenFlowId`: the run that last sourced it.
    pub lead_gen_flow_id: Option<String>,
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Phone (E.164).
    pub phone: Option<String>,
    /// Best contact e-mail.
    pub email: Option<String>,
    /// Every e-mail found.
    pub emails: Vec<String>,
    /// Place id.
    pub place_id: String,
    /// Address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Rating.
    pub rating: Option<f64>,
    /// Review count.
    pub reviews_count: Option<u32>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// Categories.
    pub categories: Vec<String>,
    /// Source provider.
    pub source: String,
    /// `fit_reason`.
    pub fit_reason: Option<String>,
    /// Lifecycle status.
    pub status: String,
    /// `meeting_time`, epoch ms.
    pub meeting_time: Option<i64>,
    /// `targetVertical`.
    pub target_vertical: String,
    /// `targetGeography`.
    pub target_geography: String,
    /// `qualificationScore`.
    pub qualification_score: u8,
    /// Signals.
    pub signals: Vec<String>,
    /// Mapped persona.
    pub persona_id: Option<String>,
    /// Persona similarity.
    pub persona_score: Option<f64>,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Updated, epoch ms.
    pub updated_at: i64,
}

/// An opportunity as one run ranked it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunLead {
    /// Rank in that run (1 = best).
    pub rank: u32,
    /// The opportunity.
    pub opportunity: Opportunity,
}

/// A lead's business vector and the persona it maps to.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadMapping {
    /// The lead.
    pub id: OpportunityId,
    /// Its business embedding, when computed.
    pub embedding: Option<Embedding>,
    /// Mapped business persona.
    pub persona_id: Option<String>,
    /// Cosine similarity to it.
    pub persona_score: Option<f64>,
    /// `embedding` or `heuristic`.
    pub persona_method: Option<String>,
}

/// Repository of opportunities.
#[derive(Debug, Clone, Copy)]
pub struct Opportunities<'a>(pub(crate) &'a Store);

impl Store {
    /// The opportunities repository.
    pub fn opportunities(&self) -> Opportunities<'_> {
        Opportunities(self)
    }
}

const COLUMNS: usize = 22;
/// Rows per INSERT: well under SQLite's and Postgres' bind-parameter limits.
const CHUNK: usize = 200;

impl Opportunities<'_> {
    /// Upserts a run's leads by `(agency_id, place_id)` and records them in `run_leads`, in one
    /// transaction. New rows start `SOURCED`; existing rows get fresh places data, score and
    /// signals, and move to this run, but keep their id, status, e-mails, fit reason and
    /// meeting time — a lead already worked is never reset. Idempotent.
    pub async fn upsert_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
        vertical: &str,
        geography: &str,
        leads: &[LeadUpsert],
    ) -> Result<usize, StoreError> {
        let now = now_ms();
        let mut tx = self.0.pool.begin().await?;
        for chunk in leads.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO client_opportunities (id, agency_id, lead_gen_flow_id, name, domain, \
                 website, phone, place_id, address, city, rating, reviews_count, latitude, \
                 longitude, categories, source, status, target_vertical, target_geography, \
                 qualification_score, signals, created_at, updated_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * COLUMNS;
                let _ = write!(
                    sql,
                    "{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, \
                     ${}, 'SOURCED', ${}, ${}, ${}, ${}, ${}, ${})",
                    if i == 0 { "" } else { ", " },
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11,
                    b + 12,
                    b + 13,
                    b + 14,
                    b + 15,
                    b + 16,
                    b + 17,
                    b + 18,
                    b + 19,
                    b + 20,
                    b + 21,
                    b + 22
                );
            }
            sql.push_str(
                " ON CONFLICT (agency_id, place_id) DO UPDATE SET \
                 lead_gen_flow_id = excluded.lead_gen_flow_id, name = excluded.name, \
                 domain = excluded.domain, website = excluded.website, phone = excluded.phone, \
                 address = excluded.address, city = excluded.city, rating = excluded.rating, \
                 reviews_count = excluded.reviews_count, latitude = excluded.latitude, \
                 longitude = excluded.longitude, categories = excluded.categories, \
                 source = excluded.source, target_vertical = excluded.target_vertical, \
                 target_geography = excluded.target_geography, \
                 qualification_score = excluded.qualification_score, \
                 signals = excluded.signals, updated_at = excluded.updated_at \
                 RETURNING id, place_id",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for lead in chunk {
                query = query
                    .bind(OpportunityId::new().to_string())
                    .bind(agency.as_str())
                    .bind(run.as_str())
                    .bind(&lead.name)
                    .bind(lead.domain.as_deref())
                    .bind(lead.website.as_deref())
                    .bind(&lead.phone)
                    .bind(&lead.place_id)
                    .bind(lead.address.as_deref())
                    .bind(lead.city.as_deref())
                    .bind(lead.rating)
                    .bind(lead.reviews_count.map(i64::from))
                    .bind(lead.latitude)
                    .bind(lead.longitude)
                    .bind(to_json(&lead.categories))
                    .bind(&lead.source)
                    .bind(vertical)
                    .bind(geography)
                    .bind(i64::from(lead.score))
                    .bind(to_json(&lead.signals))
                    .bind(now)
                    .bind(now);
            }
            let rows = query.fetch_all(&mut *tx).await?;
            let ids: std::collections::HashMap<String, String> = rows
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>("place_id")?,
                        r.try_get::<String, _>("id")?,
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?;

            let mut sql = String::from(
                "INSERT INTO run_leads (run_id, opportunity_id, agency_id, rank, \
                 qualification_score) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 5;
                let _ = write!(
                    sql,
                    "{}(${}, ${}, ${}, ${}, ${})",
                    if i == 0 { "" } else { ", " },
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                );
            }
            sql.push_str(
                " ON CONFLICT (run_id, opportunity_id) DO UPDATE SET rank = excluded.rank, \
                 qualification_score = excluded.qualification_score",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for lead in chunk {
                let id = ids.get(&lead.place_id).ok_or_else(|| {
                    StoreError::corrupt("client_opportunities", "upsert returned no id for a place")
                })?;
                query = query
                    .bind(run.as_str())
                    .bind(id.as_str())
                    .bind(agency.as_str())
                    .bind(i64::from(lead.rank))
                    .bind(i64::from(lead.score));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(leads.len())
    }

    /// The leads a run sourced, by rank.
    pub async fn list_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<RunLead>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.*, rl.rank AS run_rank FROM run_leads rl \
             JOIN client_opportunities o ON o.id = rl.opportunity_id \
             WHERE rl.run_id = $1 AND rl.agency_id = $2 ORDER BY rl.rank",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RunLead {
                    rank: u32::try_from(r.try_get::<i64, _>("run_rank")?).unwrap_or(0),
                    opportunity: decode(r)?,
                })
            })
            .collect()
    }

    /// One opportunity, only if it belongs to `agency`.
    pub async fn get(
        &self,
        agency: &AgencyId,
        id: &OpportunityId,
    ) -> Result<Option<Opportunity>, StoreError> {
        let row =
            sqlx::query("SELECT * FROM client_opportunities WHERE id = $1 AND agency_id = $2")
                .bind(id.as_str())
                .bind(agency.as_str())
                .fetch_optional(&self.0.pool)
                .await?;
        row.map(|r| decode(&r)).transpose()
    }

    /// One opportunity of any agency (the operator's command line, which acts for every
    /// agency on its database).
    pub async fn get_any(&self, id: &OpportunityId) -> Result<Option<Opportunity>, StoreError> {
        let row = sqlx::query("SELECT * FROM client_opportunities WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        row.map(|r| decode(&r)).transpose()
    }

    /// Sets a lead's status (a user marking it `CONTACTED`, the audit moving it along).
    pub async fn set_status(
        &self,
        agency: &AgencyId,
        id: &OpportunityId,
        status: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE client_opportunities SET status = $3, updated_at = $4 \
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(status)
        .bind(now_ms())
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

    /// Sets a lead's `fit_reason` inside a transaction.
    pub async fn set_fit_reason_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        id: &OpportunityId,
        fit_reason: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE client_opportunities SET fit_reason = $3, updated_at = $4 \
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(fit_reason)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Records the business persona a lead maps to, on `conn`.
    pub async fn set_persona_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        id: &OpportunityId,
        persona_id: Option<&str>,
        score: Option<f64>,
        method: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE client_opportunities SET persona_id = $3, persona_score = $4, \
             persona_method = $5, updated_at = $6 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(persona_id)
        .bind(score)
        .bind(method)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Stores a lead's business embedding.
    pub async fn set_embedding(
        &self,
        agency: &AgencyId,
        id: &OpportunityId,
        embedding: &Embedding,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE client_opportunities SET embedding = $3, embedding_model = $4, \
             embedding_hash = $5 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(embedding.to_bytes())
        .bind(&embedding.model)
        .bind(&embedding.text_hash)
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// The persona mapping state of a run's leads, in rank order: vector and mapped persona.
    pub async fn mappings_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<LeadMapping>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.id, o.embedding, o.embedding_model, o.embedding_hash, o.persona_id, \
             o.persona_score, o.persona_method FROM run_leads rl \
             JOIN client_opportunities o ON o.id = rl.opportunity_id \
             WHERE rl.run_id = $1 AND rl.agency_id = $2 ORDER BY rl.rank",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LeadMapping {
                    id: OpportunityId::parse(&row.try_get::<String, _>("id")?)
                        .map_err(|e| StoreError::corrupt("client_opportunities.id", e))?,
                    embedding: Embedding::from_row(row)?,
                    persona_id: row.try_get("persona_id")?,
                    persona_score: row.try_get("persona_score")?,
                    persona_method: row.try_get("persona_method")?,
                })
            })
            .collect()
    }

    /// Moves a lead along its lifecycle, on `conn`: only from a status that may go to `to`
    /// (see [`domain::can_transition`]) and never away from a status a user set (`CONTACTED`,
    /// `WON`, …). Returns whether the status changed.
    pub async fn advance_status_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        id: &OpportunityId,
        to: LeadStatus,
    ) -> Result<bool, StoreError> {
        let from: Vec<&str> = LeadStatus::ALL
            .iter()
            .filter(|f| !f.is_worked() && **f != to && domain::can_transition(**f, to))
            .map(|f| f.as_str())
            .collect();
        if from.is_empty() {
            return Ok(false);
        }
        let list = (0..from.len())
            .map(|i| format!("${}", i + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE client_opportunities SET status = $3, updated_at = $4 \
             WHERE id = $1 AND agency_id = $2 AND status IN ({list})"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .bind(agency.as_str())
            .bind(to.as_str())
            .bind(now_ms());
        for f in from {
            query = query.bind(f);
        }
        Ok(query.execute(&mut *conn).await?.rows_affected() > 0)
    }

    /// Records the e-mails an audit found, on `conn`: `emails` is merged into the lead's list
    /// (best first) and `best` becomes the contact e-mail when there is one.
    pub async fn set_emails_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        id: &OpportunityId,
        best: Option<&str>,
        emails: &[String],
    ) -> Result<(), StoreError> {
        let current: Option<String> = sqlx::query_scalar(
            "SELECT emails FROM client_opportunities WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let Some(current) = current else {
            return Err(StoreError::NotFound {
                what: "opportunity",
                id: id.to_string(),
            });
        };
        let mut merged: Vec<String> = Vec::with_capacity(emails.len());
        for e in emails.iter().cloned().chain(from_json::<Vec<String>>(
            "client_opportunities.emails",
            &current,
        )?) {
            if !merged.contains(&e) {
                merged.push(e);
            }
        }
        sqlx::query(
            "UPDATE client_opportunities SET email = COALESCE($3, email), emails = $4, \
             updated_at = $5 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(best)
        .bind(to_json(&merged))
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Sets a lead's signals and score (`finalize_rank` after an audit), on `conn`, and its
    /// score in `run` when given.
    pub async fn set_signals_and_score_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        id: &OpportunityId,
        run: Option<&RunId>,
        signals: &[String],
        score: u8,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE client_opportunities SET signals = $3, qualification_score = $4, \
             updated_at = $5 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id.as_str())
        .bind(agency.as_str())
        .bind(to_json(&signals))
        .bind(i64::from(score))
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        if let Some(run) = run {
            sqlx::query(
                "UPDATE run_leads SET qualification_score = $3 \
                 WHERE run_id = $1 AND opportunity_id = $2 AND agency_id = $4",
            )
            .bind(run.as_str())
            .bind(id.as_str())
            .bind(i64::from(score))
            .bind(agency.as_str())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// The final ranking of a run, on `conn`: ranks follow the (rescored) score, highest
    /// first, ties keeping their earlier order.
    pub async fn rerank_run_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<(), StoreError> {
        let rows = sqlx::query(
            "SELECT opportunity_id, rank, qualification_score FROM run_leads \
             WHERE run_id = $1 AND agency_id = $2",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&mut *conn)
        .await?;
        let mut leads = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("opportunity_id")?,
                    r.try_get::<i64, _>("rank")?,
                    r.try_get::<i64, _>("qualification_score")?,
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        leads.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
        for (i, (id, old, _)) in leads.iter().enumerate() {
            let rank = i64::try_from(i + 1).unwrap_or(i64::MAX);
            if rank != *old {
                sqlx::query(
                    "UPDATE run_leads SET rank = $3 WHERE run_id = $1 AND opportunity_id = $2",
                )
                .bind(run.as_str())
                .bind(id)
                .bind(rank)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }

    /// How many opportunities the agency has.
    pub async fn count(&self, agency: &AgencyId) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM client_opportunities WHERE agency_id = $1")
                .bind(agency.as_str())
                .fetch_one(&self.0.pool)
                .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

pub(crate) fn decode(row: &AnyRow) -> Result<Opportunity, StoreError> {
    let id: String = row.try_get("id")?;
    let agency: String = row.try_get("agency_id")?;
    Ok(Opportunity {
        id: OpportunityId::parse(&id)
            .map_err(|e| StoreError::corrupt("client_opportunities.id", e))?,
        agency_id: AgencyId::parse(&agency)
            .map_err(|e| StoreError::corrupt("client_opportunities.agency_id", e))?,
        lead_gen_flow_id: row.try_get("lead_gen_flow_id")?,
        name: row.try_get("name")?,
        domain: row.try_get("domain")?,
        website: row.try_get("website")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        emails: from_json(
            "client_opportunities.emails",
            &row.try_get::<String, _>("emails")?,
        )?,
        place_id: row.try_get("place_id")?,
        address: row.try_get("address")?,
        city: row.try_get("city")?,
        rating: row.try_get("rating")?,
        reviews_count: row
            .try_get::<Option<i64>, _>("reviews_count")?
            .and_then(|n| u32::try_from(n).ok()),
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        categories: from_json(
            "client_opportunities.categories",
            &row.try_get::<String, _>("categories")?,
        )?,
        source: row.try_get("source")?,
        fit_reason: row.try_get("fit_reason")?,
        status: row.try_get("status")?,
        meeting_time: row.try_get("meeting_time")?,
        target_vertical: row.try_get("target_vertical")?,
        target_geography: row.try_get("target_geography")?,
        qualification_score: u8::try_from(row.try_get::<i64, _>("qualification_score")?)
            .unwrap_or(0),
        signals: from_json(
            "client_opportunities.signals",
            &row.try_get::<String, _>("signals")?,
        )?,
        persona_id: row.try_get("persona_id")?,
        persona_score: row.try_get("persona_score")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
