//! Personas (seed 002): `business_personas` and `decision_maker_personas`, one set per run
//! (positions 0…n), each row with its generated content as JSON and its embedding.
//!
//! Vectors are stored as little-endian `f32` bytes with the model that made them and a hash
//! of the text they were made from ([`Embedding`]); the embedding jobs skip a row whose hash
//! and model already match.

use domain::{AgencyId, RunId};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::error::{StoreError, from_json, to_json};
use crate::{Store, now_ms};

/// A stored vector with the model that made it and the hash of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// The vector.
    pub vector: Vec<f32>,
    /// `embedding_model`.
    pub model: String,
    /// Hash of the text the vector was computed from.
    pub text_hash: String,
}

impl Embedding {
    /// The vector as stored: little-endian `f32`s.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.vector.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    /// Decodes stored bytes; `None` when the length is not a whole number of `f32`s.
    pub fn vector_from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
        if !bytes.len().is_multiple_of(4) {
            return None;
        }
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    /// Whether this vector is current for `model` and a text hashing to `text_hash`.
    pub fn is_current(&self, model: &str, text_hash: &str) -> bool {
        self.model == model && self.text_hash == text_hash && !self.vector.is_empty()
    }

    /// Reads the `embedding`, `embedding_model` and `embedding_hash` columns of a row; a
    /// missing or undecodable vector is `None` (it is simply recomputed).
    pub(crate) fn from_row(row: &AnyRow) -> Result<Option<Self>, StoreError> {
        let bytes: Option<Vec<u8>> = row.try_get("embedding")?;
        let model: Option<String> = row.try_get("embedding_model")?;
        let hash: Option<String> = row.try_get("embedding_hash")?;
        Ok(match (bytes, model, hash) {
            (Some(bytes), Some(model), Some(text_hash)) => {
                Self::vector_from_bytes(&bytes).map(|vector| Self {
                    vector,
                    model,
                    text_hash,
                })
            }
            _ => None,
        })
    }
}

/// Which persona table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonaKind {
    /// `business_personas`.
    Business,
    /// `decision_maker_personas`.
    DecisionMaker,
}

impl PersonaKind {
    fn table(self) -> &'static str {
        match self {
            Self::Business => "business_personas",
            Self::DecisionMaker => "decision_maker_personas",
        }
    }

    /// `business` or `decision_maker`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Business => "business",
            Self::DecisionMaker => "decision_maker",
        }
    }
}

/// A persona to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPersona {
    /// Its name (unique within the set).
    pub name: String,
    /// The generated persona as JSON.
    pub data: Value,
}

/// A stored persona.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPersona {
    /// Id.
    pub id: String,
    /// Business or decision maker.
    pub kind: PersonaKind,
    /// Agency.
    pub agency_id: AgencyId,
    /// The run that generated it.
    pub run_id: Option<RunId>,
    /// Position in its set.
    pub position: u32,
    /// Name.
    pub name: String,
    /// The persona as JSON.
    pub data: Value,
    /// Who wrote it (`openai`, `rules`, …).
    pub provider: String,
    /// Its vector, when computed.
    pub embedding: Option<Embedding>,
}

/// Repository of personas.
#[derive(Debug, Clone, Copy)]
pub struct Personas<'a>(pub(crate) &'a Store);

impl Store {
    /// The personas repository.
    pub fn personas(&self) -> Personas<'_> {
        Personas(self)
    }
}

impl Personas<'_> {
    /// Stores a run's set of `kind` personas, inside `conn`: position `i` is upserted (its
    /// vector stays until the text hash says otherwise) and positions past the new set are
    /// removed, so a retried phase leaves exactly one set.
    pub async fn replace_for_run_in(
        &self,
        conn: &mut AnyConnection,
        kind: PersonaKind,
        agency: &AgencyId,
        run: &RunId,
        provider: &str,
        personas: &[NewPersona],
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let table = kind.table();
        for (position, p) in personas.iter().enumerate() {
            let sql = format!(
                "INSERT INTO {table} (id, agency_id, lead_gen_flow_id, position, name, data, \
                 provider, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                 ON CONFLICT (lead_gen_flow_id, position) DO UPDATE SET name = excluded.name, \
                 data = excluded.data, provider = excluded.provider, \
                 updated_at = excluded.updated_at"
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(agency.as_str())
                .bind(run.as_str())
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(&p.name)
                .bind(to_json(&p.data))
                .bind(provider)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
        let sql = format!(
            "DELETE FROM {table} WHERE lead_gen_flow_id = $1 AND agency_id = $2 AND position >= $3"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(run.as_str())
            .bind(agency.as_str())
            .bind(i64::try_from(personas.len()).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// A run's `kind` personas, in order.
    pub async fn for_run(
        &self,
        kind: PersonaKind,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<StoredPersona>, StoreError> {
        let sql = format!(
            "SELECT * FROM {} WHERE lead_gen_flow_id = $1 AND agency_id = $2 ORDER BY position",
            kind.table()
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(run.as_str())
            .bind(agency.as_str())
            .fetch_all(&self.0.pool)
            .await?;
        rows.iter().map(|r| persona_from_row(kind, r)).collect()
    }

    /// The agency's most recent set of `kind` personas (from its latest run that made one):
    /// what a run with the `personas` phase switched off maps to.
    pub async fn latest_for_agency(
        &self,
        kind: PersonaKind,
        agency: &AgencyId,
    ) -> Result<Vec<StoredPersona>, StoreError> {
        let table = kind.table();
        let sql = format!(
            "SELECT * FROM {table} WHERE agency_id = $1 AND lead_gen_flow_id = \
             (SELECT lead_gen_flow_id FROM {table} WHERE agency_id = $1 \
              ORDER BY created_at DESC, id DESC LIMIT 1) ORDER BY position"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(agency.as_str())
            .fetch_all(&self.0.pool)
            .await?;
        rows.iter().map(|r| persona_from_row(kind, r)).collect()
    }

    /// Stores a persona's vector.
    pub async fn set_embedding(
        &self,
        kind: PersonaKind,
        agency: &AgencyId,
        id: &str,
        embedding: &Embedding,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET embedding = $3, embedding_model = $4, embedding_hash = $5, \
             updated_at = $6 WHERE id = $1 AND agency_id = $2",
            kind.table()
        );
        sqlx::query(AssertSqlSafe(sql))
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
}

fn persona_from_row(kind: PersonaKind, row: &AnyRow) -> Result<StoredPersona, StoreError> {
    let table = kind.table();
    Ok(StoredPersona {
        id: row.try_get("id")?,
        kind,
        agency_id: AgencyId::parse(&row.try_get::<String, _>("agency_id")?)
            .map_err(|e| StoreError::corrupt(table, e))?,
        run_id: row
            .try_get::<Option<String>, _>("lead_gen_flow_id")?
            .map(|s| RunId::parse(&s))
            .transpose()
            .map_err(|e| StoreError::corrupt(table, e))?,
        position: u32::try_from(row.try_get::<i64, _>("position")?).unwrap_or(0),
        name: row.try_get("name")?,
        data: from_json(table, &row.try_get::<String, _>("data")?)?,
        provider: row.try_get("provider")?,
        embedding: Embedding::from_row(row)?,
    })
}
