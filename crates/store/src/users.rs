//! `users` and `memberships`: who signs in, and which agency they work for.

use domain::{AgencyId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::{Agency, AgencyProfile, Store, now_ms};

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Sign-in e-mail (unique).
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Created, epoch ms.
    pub created_at: i64,
}

/// Repository of users and memberships.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a>(pub(crate) &'a Store);

impl Store {
    /// The users repository.
    pub fn users(&self) -> Users<'_> {
        Users(self)
    }
}

/// The e-mail of the user created on first start.
pub const DEFAULT_USER_EMAIL: &str = "owner@leadforge.local";

impl Users<'_> {
    /// Creates a user (no password yet).
    pub async fn create(&self, email: &str, name: Option<&str>) -> Result<User, StoreError> {
        let id = UserId::new();
        let now = now_ms();
        sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.as_str())
            .bind(email)
            .bind(name)
            .bind(now)
            .execute(&self.0.pool)
            .await?;
        Ok(User {
            id,
            email: email.to_owned(),
            name: name.map(str::to_owned),
            created_at: now,
        })
    }

    /// A user by e-mail.
    pub async fn by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT id, email, name, created_at FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.0.pool)
            .await?;
        row.map(|r| {
            let id: String = r.try_get("id")?;
            Ok(User {
                id: UserId::parse(&id).map_err(|e| StoreError::corrupt("users.id", e))?,
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Makes `user` a member of `agency` with `role` (idempotent).
    pub async fn add_membership(
        &self,
        user: &UserId,
        agency: &AgencyId,
        role: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO memberships (user_id, agency_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, agency_id) DO NOTHING",
        )
        .bind(user.as_str())
        .bind(agency.as_str())
        .bind(role)
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// The default user and their agency, created on first start. Safe to call from several
    /// processes at once: a racing creator's unique-key conflict is resolved by reading back.
    pub async fn ensure_default(&self) -> Result<(User, Agency), StoreError> {
        let user = match self.by_email(DEFAULT_USER_EMAIL).await? {
            Some(u) => u,
            None => match self.create(DEFAULT_USER_EMAIL, Some("Owner")).await {
                Ok(u) => u,
                Err(_) => self.by_email(DEFAULT_USER_EMAIL).await?.ok_or_else(|| {
                    StoreError::NotFound {
                        what: "user",
                        id: DEFAULT_USER_EMAIL.into(),
                    }
                })?,
            },
        };
        if let Some(agency) = self.0.agencies().first_for_user(&user.id).await? {
            return Ok((user, agency));
        }
        let agency = self
            .0
            .agencies()
            .create(&AgencyProfile::default_agency())
            .await?;
        self.add_membership(&user.id, &agency.id, "owner").await?;
        // Another process may have created one first: the oldest wins for everyone.
        let agency = self
            .0
            .agencies()
            .first_for_user(&user.id)
            .await?
            .unwrap_or(agency);
        Ok((user, agency))
    }
}

impl AgencyProfile {
    /// The profile of the agency created on first start: wants every signal, no claims yet.
    pub fn default_agency() -> Self {
        Self {
            name: "My Agency".into(),
            services: vec![
                "Web design".into(),
                "Local SEO".into(),
                "Reputation management".into(),
            ],
            lead_qualification_criteria: [
                "MISSING_WEBSITE",
                "WEAK_WEB_PRESENCE",
                "LOW_GOOGLE_RATING",
                "WEBSITE_NOT_MOBILE_FRIENDLY",
                "NO_CALL_TO_ACTION",
                "NO_HTTPS",
                "NO_CONTACT_EMAIL",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            ..Self::default()
        }
    }
}
