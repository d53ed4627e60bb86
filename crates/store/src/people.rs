//! `decision_makers`: the people found for a lead (LinkedIn-like search results and the
//! business's own team/about pages), one row per person per lead — keyed by the canonical
//! profile URL, or `name:{normalised name}` for someone named only on the site — with the
//! persona they map to and their embedding.

use domain::{AgencyId, OpportunityId, RunId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::personas::Embedding;
use crate::{Store, now_ms};

/// A person to store for a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecisionMaker {
    /// The lead.
    pub opportunity_id: OpportunityId,
    /// The run that found them.
    pub run_id: Option<RunId>,
    /// Canonical profile URL, or `name:{normalised name}`.
    pub person_key: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Company as the source names it.
    pub company: Option<String>,
    /// LinkedIn-like profile URL.
    pub profile_url: Option<String>,
    /// Location as the source gives it.
    pub location: Option<String>,
    /// `linkedin_search` or `website`.
    pub source: String,
    /// The page that named them (the search result or the team page).
    pub source_url: Option<String>,
    /// Seniority rank (higher = more senior).
    pub seniority: u8,
}

/// A stored decision maker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionMaker {
    /// Id.
    pub id: String,
    /// Agency.
    #[serde(skip)]
    pub agency_id: AgencyId,
    /// The lead.
    pub opportunity_id: OpportunityId,
    /// The run that found them.
    #[serde(skip)]
    pub run_id: Option<RunId>,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Company as the source names it.
    pub company: Option<String>,
    /// Profile URL.
    pub profile_url: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// `linkedin_search`, `website` or `linkedin_search+website`.
    pub source: String,
    /// The page that named them.
    pub source_url: Option<String>,
    /// Seniority rank.
    pub seniority: u8,
    /// Mapped decision-maker persona.
    pub persona_id: Option<String>,
    /// Cosine similarity to it (absent for heuristic matches).
    pub persona_score: Option<f64>,
    /// `embedding`, `embedding_llm_tiebreak` or `heuristic`.
    pub persona_method: Option<String>,
    /// The vector, when computed.
    #[serde(skip)]
    pub embedding: Option<Embedding>,
}

/// Repository of decision makers.
#[derive(Debug, Clone, Copy)]
pub struct DecisionMakers<'a>(pub(crate) &'a Store);

impl Store {
    /// The decision makers repository.
    pub fn decision_makers(&self) -> DecisionMakers<'_> {
        DecisionMakers(self)
    }
}

impl DecisionMakers<'_> {
    /// Stores a person for a lead, inside `conn`. A person already known for that lead keeps
    /// their row (and mapping); what the new source adds fills gaps, and the sources merge.
    pub async fn upsert_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        person: &NewDecisionMaker,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO decision_makers (id, agency_id, opportunity_id, lead_gen_flow_id, \
             person_key, name, title, company, profile_url, location, source, source_url, \
             seniority, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
             ON CONFLICT (opportunity_id, person_key) DO UPDATE SET \
             title = COALESCE(decision_makers.title, excluded.title), \
             company = COALESCE(decision_makers.company, excluded.company), \
             profile_url = COALESCE(decision_makers.profile_url, excluded.profile_url), \
             location = COALESCE(decision_makers.location, excluded.location), \
             source_url = COALESCE(decision_makers.source_url, excluded.source_url), \
             seniority = CASE WHEN excluded.seniority > decision_makers.seniority \
               THEN excluded.seniority ELSE decision_makers.seniority END, \
             source = CASE WHEN decision_makers.source = excluded.source \
               OR decision_makers.source LIKE '%' || excluded.source || '%' \
               THEN decision_makers.source \
               ELSE decision_makers.source || '+' || excluded.source END, \
             updated_at = excluded.updated_at",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(agency.as_str())
        .bind(person.opportunity_id.as_str())
        .bind(person.run_id.as_ref().map(RunId::as_str))
        .bind(&person.person_key)
        .bind(&person.name)
        .bind(person.title.as_deref())
        .bind(person.company.as_deref())
        .bind(person.profile_url.as_deref())
        .bind(person.location.as_deref())
        .bind(&person.source)
        .bind(person.source_url.as_deref())
        .bind(i64::from(person.seniority))
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Everyone found for the leads of a run, most senior first within each lead.
    pub async fn for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<DecisionMaker>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.* FROM decision_makers d JOIN run_leads rl \
             ON rl.opportunity_id = d.opportunity_id AND rl.run_id = $1 \
             WHERE d.agency_id = $2 ORDER BY rl.rank, d.seniority DESC, d.name",
        )
        .bind(run.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The decision makers of `ids` in the agency (unknown ids are skipped), in no particular
    /// order: what one batch of a run works on, without loading the whole run.
    pub async fn by_ids(
        &self,
        agency: &AgencyId,
        ids: &[String],
    ) -> Result<Vec<DecisionMaker>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        // Bounded statements: SQLite allows 32,766 parameters, Postgres 65,535.
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT * FROM decision_makers WHERE agency_id = $1 AND id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            let rows = query.fetch_all(&self.0.pool).await?;
            for row in &rows {
                out.push(from_row(row)?);
            }
        }
        Ok(out)
    }

    /// Everyone found for one lead, most senior first.
    pub async fn for_opportunity(
        &self,
        agency: &AgencyId,
        opportunity: &OpportunityId,
    ) -> Result<Vec<DecisionMaker>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM decision_makers WHERE opportunity_id = $1 AND agency_id = $2 \
             ORDER BY seniority DESC, name",
        )
        .bind(opportunity.as_str())
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Stores a person's vector.
    pub async fn set_embedding(
        &self,
        agency: &AgencyId,
        id: &str,
        embedding: &Embedding,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE decision_makers SET embedding = $3, embedding_model = $4, \
             embedding_hash = $5, updated_at = $6 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(agency.as_str())
        .bind(embedding.to_bytes())
        .bind(&embedding.model)
        .bind(&embedding.text_hash)
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// Records the persona a person maps to, inside `conn`.
    pub async fn set_persona_in(
        &self,
        conn: &mut AnyConnection,
        agency: &AgencyId,
        id: &str,
        persona_id: Option<&str>,
        score: Option<f64>,
        method: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE decision_makers SET persona_id = $3, persona_score = $4, \
             persona_method = $5, updated_at = $6 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(agency.as_str())
        .bind(persona_id)
        .bind(score)
        .bind(method)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

fn from_row(row: &AnyRow) -> Result<DecisionMaker, StoreError> {
    const WHAT: &str = "decision_makers";
    Ok(DecisionMaker {
        id: row.try_get("id")?,
        agency_id: AgencyId::parse(&row.try_get::<String, _>("agency_id")?)
            .map_err(|e| StoreError::corrupt(WHAT, e))?,
        opportunity_id: OpportunityId::parse(&row.try_get::<String, _>("opportunity_id")?)
            .map_err(|e| StoreError::corrupt(WHAT, e))?,
        run_id: row
            .try_get::<Option<String>, _>("lead_gen_flow_id")?
            .map(|s| RunId::parse(&s))
            .transpose()
            .map_err(|e| StoreError::corrupt(WHAT, e))?,
        name: row.try_get("name")?,
        title: row.try_get("title")?,
        company: row.try_get("company")?,
        profile_url: row.try_get("profile_url")?,
        location: row.try_get("location")?,
        source: row.try_get("source")?,
        source_url: row.try_get("source_url")?,
        seniority: u8::try_from(row.try_get::<i64, _>("seniority")?).unwrap_or(0),
        persona_id: row.try_get("persona_id")?,
        persona_score: row.try_get("persona_score")?,
        persona_method: row.try_get("persona_method")?,
        embedding: Embedding::from_row(row)?,
    })
}
