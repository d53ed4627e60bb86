//! Sign-in state: password hashes on `users`, `sessions` and `api_tokens`.
//!
//! Hashing lives with the caller (argon2 for passwords, SHA-256 for session ids and API
//! tokens); this module only stores and looks up the hashes, always with the agency the
//! session or token acts for.

use domain::{AgencyId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::{Store, User, Users, now_ms};

/// Who a session or token acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The agency every query is scoped to.
    pub agency_id: AgencyId,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Who.
    pub principal: Principal,
    /// The session's CSRF token (sent back in forms and `X-CSRF-Token`).
    pub csrf_token: String,
    /// Expires, epoch ms.
    pub expires_at: i64,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenInfo {
    /// Id.
    pub id: String,
    /// Name given when issued.
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    /// Issued, epoch ms.
    pub created_at: i64,
    /// Last used, epoch ms.
    pub last_used_at: Option<i64>,
    /// Revoked, epoch ms.
    pub revoked_at: Option<i64>,
}

/// Repository of sessions and API tokens.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a>(pub(crate) &'a Store);

impl Store {
    /// The sessions and API tokens repository.
    pub fn auth(&self) -> Auth<'_> {
        Auth(self)
    }
}

fn principal(r: &sqlx::any::AnyRow) -> Result<Principal, StoreError> {
    let user: String = r.try_get("user_id")?;
    let agency: String = r.try_get("agency_id")?;
    Ok(Principal {
        user_id: UserId::parse(&user).map_err(|e| StoreError::corrupt("user_id", e))?,
        agency_id: AgencyId::parse(&agency).map_err(|e| StoreError::corrupt("agency_id", e))?,
    })
}

impl Users<'_> {
    /// Sets a user's password hash (a PHC string).
    pub async fn set_password_hash(&self, user: &UserId, hash: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.as_str())
            .execute(&self.0.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "user",
                id: user.to_string(),
            });
        }
        Ok(())
    }

    /// A user and their password hash, by e-mail (case-insensitive).
    pub async fn credentials(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, name, created_at, password_hash FROM users WHERE lower(email) = lower($1)",
        )
        .bind(email)
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| {
            let id: String = r.try_get("id")?;
            Ok((
                User {
                    id: UserId::parse(&id).map_err(|e| StoreError::corrupt("users.id", e))?,
                    email: r.try_get("email")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                },
                r.try_get("password_hash")?,
            ))
        })
        .transpose()
    }

    /// A user by id.
    pub async fn get(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT id, email, name, created_at FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.0.pool)
            .await?;
        row.map(|r| {
            Ok(User {
                id: id.clone(),
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }
}

impl Auth<'_> {
    /// Stores a new session under the hash of its id.
    pub async fn create_session(
        &self,
        id_hash: &str,
        who: &Principal,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, agency_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(who.user_id.as_str())
        .bind(who.agency_id.as_str())
        .bind(csrf_token)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// The unexpired session with this id hash.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, agency_id, csrf_token, expires_at FROM sessions \
             WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now_ms())
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRow {
                principal: principal(&r)?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.0.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user (after a password reset).
    pub async fn delete_sessions_of(&self, user: &UserId) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.as_str())
            .execute(&self.0.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes expired sessions.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.0.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Stores a new API token under its hash; returns its id.
    pub async fn create_token(
        &self,
        who: &Principal,
        name: &str,
        token_hash: &str,
        prefix: &str,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, agency_id, name, token_hash, prefix, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(who.user_id.as_str())
        .bind(who.agency_id.as_str())
        .bind(name)
        .bind(token_hash)
        .bind(prefix)
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(id)
    }

    /// Who an unrevoked token with this hash acts as; records its use.
    pub async fn token(&self, token_hash: &str) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, agency_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.0.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get("id")?;
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(&id)
            .execute(&self.0.pool)
            .await?;
        principal(&row).map(Some)
    }

    /// A user's tokens, newest first.
    pub async fn tokens_of(&self, user: &UserId) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenInfo {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes one of a user's tokens; false when there is no such live token.
    pub async fn revoke_token(&self, user: &UserId, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .bind(user.as_str())
        .execute(&self.0.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
