//! The suppression list: domains, phones and place ids that must never enter a run
//! (do-not-contact requests, existing clients, competitors).

use domain::AgencyId;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::StoreError;
use crate::{Store, now_ms};

/// What a suppression entry matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// A registrable domain.
    Domain,
    /// An E.164 phone.
    Phone,
    /// A provider place id.
    PlaceId,
}

impl SuppressionKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Domain => "domain",
            Self::Phone => "phone",
            Self::PlaceId => "place_id",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "domain" => Self::Domain,
            "phone" => Self::Phone,
            "place_id" => Self::PlaceId,
            _ => return None,
        })
    }
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionEntry {
    /// Id.
    pub id: String,
    /// What it matches.
    pub kind: SuppressionKind,
    /// The normalised value (canonical domain, E.164 phone, place id).
    pub value: String,
    /// Why.
    pub reason: Option<String>,
    /// Created, epoch ms.
    pub created_at: i64,
}

/// Repository of the suppression list.
#[derive(Debug, Clone, Copy)]
pub struct Suppression<'a>(pub(crate) &'a Store);

impl Store {
    /// The suppression list repository.
    pub fn suppression(&self) -> Suppression<'_> {
        Suppression(self)
    }
}

impl Suppression<'_> {
    /// Adds an entry (idempotent). The caller normalises `value` first.
    pub async fn add(
        &self,
        agency: &AgencyId,
        kind: SuppressionKind,
        value: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO suppression_list (id, agency_id, kind, value, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agency_id, kind, value) DO NOTHING",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(agency.as_str())
        .bind(kind.as_str())
        .bind(value)
        .bind(reason)
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// Removes an entry; true if there was one.
    pub async fn remove(
        &self,
        agency: &AgencyId,
        kind: SuppressionKind,
        value: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM suppression_list WHERE agency_id = $1 AND kind = $2 AND value = $3",
        )
        .bind(agency.as_str())
        .bind(kind.as_str())
        .bind(value)
        .execute(&self.0.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The agency's whole list.
    pub async fn list(&self, agency: &AgencyId) -> Result<Vec<SuppressionEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, value, reason, created_at FROM suppression_list \
             WHERE agency_id = $1 ORDER BY created_at, id",
        )
        .bind(agency.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(SuppressionEntry {
                    id: r.try_get("id")?,
                    kind: SuppressionKind::parse(&kind)
                        .ok_or_else(|| StoreError::corrupt("suppression_list.kind", &kind))?,
                    value: r.try_get("value")?,
                    reason: r.try_get("reason")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}
