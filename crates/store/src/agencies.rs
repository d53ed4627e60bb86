//! `agencies` (the seeds' `agency_profile`): what an agency sells and which leads it wants.

use std::collections::BTreeMap;

use domain::AgencyId;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, from_json, to_json};
use crate::{Store, now_ms};

/// A claim the agency may make in outreach ("We build sites that load in under 2 s"), with a
/// stable id that talking points cite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedClaim {
    /// Stable id, cited by talking points.
    pub id: String,
    /// The claim as the agency words it.
    pub text: String,
    /// Where the claim comes from (the agency's own site), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
}

/// The editable part of an agency: what a TOML file or the settings page provides.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyProfile {
    /// Agency name.
    pub name: String,
    /// The agency's own website.
    #[serde(default)]
    pub website: Option<String>,
    /// What it sells.
    #[serde(default)]
    pub services: Vec<String>,
    /// Default vertical for campaigns (`targetVertical`).
    #[serde(default, alias = "targetVertical")]
    pub target_vertical: Option<String>,
    /// Default geography for campaigns (`targetGeography`).
    #[serde(default, alias = "targetGeography")]
    pub target_geography: Option<String>,
    /// Signals the agency can fix (`leadQualificationCriteria`), e.g. `MISSING_WEBSITE`.
    #[serde(default, alias = "leadQualificationCriteria")]
    pub lead_qualification_criteria: Vec<String>,
    /// Claims it may make.
    #[serde(default)]
    pub approved_claims: Vec<ApprovedClaim>,
    /// Overrides of the default signal weights, by signal name.
    #[serde(default)]
    pub scoring_weights: BTreeMap<String, u32>,
}

/// A stored agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agency {
    /// Id.
    pub id: AgencyId,
    /// Profile.
    #[serde(flatten)]
    pub profile: AgencyProfile,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Last updated, epoch ms.
    pub updated_at: i64,
}

/// Repository of agencies.
#[derive(Debug, Clone, Copy)]
pub struct Agencies<'a>(pub(crate) &'a Store);

impl Store {
    /// The agencies repository.
    pub fn agencies(&self) -> Agencies<'_> {
        Agencies(self)
    }
}

const COLUMNS: &str = "id, name, website, services, target_vertical, target_geography, \
     lead_qualification_criteria, approved_claims, scoring_weights, created_at, updated_at";

impl Agencies<'_> {
    /// Creates an agency.
    pub async fn create(&self, profile: &AgencyProfile) -> Result<Agency, StoreError> {
        let id = AgencyId::new();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO agencies (id, name, website, services, target_vertical, \
             target_geography, lead_qualification_criteria, approved_claims, scoring_weights, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(id.as_str())
        .bind(&profile.name)
        .bind(profile.website.as_deref())
        .bind(to_json(&profile.services))
        .bind(profile.target_vertical.as_deref())
        .bind(profile.target_geography.as_deref())
        .bind(to_json(&profile.lead_qualification_criteria))
        .bind(to_json(&profile.approved_claims))
        .bind(to_json(&profile.scoring_weights))
        .bind(now)
        .execute(&self.0.pool)
        .await?;
        Ok(Agency {
            id,
            profile: profile.clone(),
            created_at: now,
            updated_at: now,
        })
    }

    /// Replaces an agency's profile.
    pub async fn update(&self, id: &AgencyId, profile: &AgencyProfile) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE agencies SET name = $2, website = $3, services = $4, target_vertical = $5, \
             target_geography = $6, lead_qualification_criteria = $7, approved_claims = $8, \
             scoring_weights = $9, updated_at = $10 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(&profile.name)
        .bind(profile.website.as_deref())
        .bind(to_json(&profile.services))
        .bind(profile.target_vertical.as_deref())
        .bind(profile.target_geography.as_deref())
        .bind(to_json(&profile.lead_qualification_criteria))
        .bind(to_json(&profile.approved_claims))
        .bind(to_json(&profile.scoring_weights))
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "agency",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// One agency by id.
    pub async fn get(&self, id: &AgencyId) -> Result<Option<Agency>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM agencies WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        row.map(|r| decode(&r)).transpose()
    }

    /// The user's agency named `profile.name`, updated to `profile`; created (with the user as
    /// owner) when the user has none of that name.
    pub async fn upsert_by_name_for_user(
        &self,
        user: &domain::UserId,
        profile: &AgencyProfile,
    ) -> Result<Agency, StoreError> {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT a.id FROM agencies a JOIN memberships m ON m.agency_id = a.id \
             WHERE m.user_id = $1 AND a.name = $2 ORDER BY a.created_at, a.id LIMIT 1",
        )
        .bind(user.as_str())
        .bind(&profile.name)
        .fetch_optional(&self.0.pool)
        .await?;
        let id = match existing {
            Some(id) => {
                let id = AgencyId::parse(&id).map_err(|e| StoreError::corrupt("agencies.id", e))?;
                self.update(&id, profile).await?;
                id
            }
            None => {
                let agency = self.create(profile).await?;
                self.0
                    .users()
                    .add_membership(user, &agency.id, "owner")
                    .await?;
                agency.id
            }
        };
        self.get(&id).await?.ok_or_else(|| StoreError::NotFound {
            what: "agency",
            id: id.to_string(),
        })
    }

    /// The oldest agency a user belongs to: the CLI's default agency.
    pub async fn first_for_user(
        &self,
        user: &domain::UserId,
    ) -> Result<Option<Agency>, StoreError> {
        let sql = format!(
            "SELECT {} FROM agencies a JOIN memberships m ON m.agency_id = a.id \
             WHERE m.user_id = $1 ORDER BY a.created_at, a.id LIMIT 1",
            COLUMNS
                .split(", ")
                .map(|c| format!("a.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        row.map(|r| decode(&r)).transpose()
    }
}

fn decode(row: &AnyRow) -> Result<Agency, StoreError> {
    let id: String = row.try_get("id")?;
    Ok(Agency {
        id: AgencyId::parse(&id).map_err(|e| StoreError::corrupt("agencies.id", e))?,
        profile: AgencyProfile {
            name: row.try_get("name")?,
            website: row.try_get("website")?,
            services: from_json("agencies.services", &row.try_get::<String, _>("services")?)?,
            target_vertical: row.try_get("target_vertical")?,
            target_geography: row.try_get("target_geography")?,
            lead_qualification_criteria: from_json(
                "agencies.lead_qualification_criteria",
                &row.try_get::<String, _>("lead_qualification_criteria")?,
            )?,
            approved_claims: from_json(
                "agencies.approved_claims",
                &row.try_get::<String, _>("approved_claims")?,
            )?,
            scoring_weights: from_json(
                "agencies.scoring_weights",
                &row.try_get::<String, _>("scoring_weights")?,
            )?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
