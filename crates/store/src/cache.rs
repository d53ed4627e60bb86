//! `response_cache`: provider answers worth keeping for a while, keyed by provider and
//! normalised request.

use sqlx::Row;

use crate::error::StoreError;
use crate::{Store, now_ms};

/// Repository of cached responses.
#[derive(Debug, Clone, Copy)]
pub struct CacheRepo<'a>(pub(crate) &'a Store);

impl Store {
    /// The response cache repository.
    pub fn cache(&self) -> CacheRepo<'_> {
        CacheRepo(self)
    }
}

impl CacheRepo<'_> {
    /// The cached body for `key`, unless it expired.
    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT body FROM response_cache WHERE key = $1 AND expires_at > $2")
            .bind(key)
            .bind(now_ms())
            .fetch_optional(&self.0.pool)
            .await?;
        Ok(row.map(|r| r.try_get("body")).transpose()?)
    }

    /// Stores `body` under `key` until `ttl_ms` from now (replacing an older entry).
    pub async fn put(
        &self,
        key: &str,
        source: &str,
        body: &str,
        ttl_ms: i64,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO response_cache (key, source, body, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET source = excluded.source, \
             body = excluded.body, created_at = excluded.created_at, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(source)
        .bind(body)
        .bind(now)
        .bind(now.saturating_add(ttl_ms))
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// Deletes expired entries; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM response_cache WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.0.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
