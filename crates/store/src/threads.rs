//! `agent_threads` and `thread_messages`: the conversations AI calls run in (seed 000's
//! per-audit `analysisThread`).

use domain::{AgencyId, RunId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::{Store, now_ms};

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
    /// Its size in tokens (estimated when the provider did not say).
    pub tokens: u64,
}

/// A stored thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thread {
    /// Id.
    pub id: String,
    /// Owning agency.
    pub agency_id: String,
    /// The user the thread's calls are attributed to.
    pub user_id: String,
    /// The run it belongs to, if any.
    pub run_id: Option<String>,
    /// What it is for (`audit`, `onboarding`, …).
    pub purpose: String,
}

/// Repository of threads.
#[derive(Debug, Clone, Copy)]
pub struct Threads<'a>(pub(crate) &'a Store);

impl Store {
    /// The agent threads repository.
    pub fn threads(&self) -> Threads<'_> {
        Threads(self)
    }
}

impl Threads<'_> {
    /// Creates a thread and returns its id.
    pub async fn create(
        &self,
        agency: &AgencyId,
        user: &UserId,
        run: Option<&RunId>,
        purpose: &str,
    ) -> Result<String, StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        self.create_in(&mut conn, agency, user, run, purpose).await
    }

    /// Creates a thread on `conn` (e.g. inside the transaction that creates its audit).
    pub async fn create_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        agency: &AgencyId,
        user: &UserId,
        run: Option<&RunId>,
        purpose: &str,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO agent_threads (id, agency_id, user_id, run_id, purpose, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(agency.as_str())
        .bind(user.as_str())
        .bind(run.map(RunId::as_str))
        .bind(purpose)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(id)
    }

    /// A thread by id.
    pub async fn get(&self, id: &str) -> Result<Option<Thread>, StoreError> {
        let row = sqlx::query(
            "SELECT id, agency_id, user_id, run_id, purpose FROM agent_threads WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| {
            Ok(Thread {
                id: r.try_get("id")?,
                agency_id: r.try_get("agency_id")?,
                user_id: r.try_get("user_id")?,
                run_id: r.try_get("run_id")?,
                purpose: r.try_get("purpose")?,
            })
        })
        .transpose()
    }

    /// Appends a message.
    pub async fn append(&self, thread: &str, msg: &ThreadMessage) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO thread_messages (id, thread_id, role, content, tokens, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(thread)
        .bind(&msg.role)
        .bind(&msg.content)
        .bind(i64::try_from(msg.tokens).unwrap_or(i64::MAX))
        .bind(now_ms())
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// The newest messages of a thread whose tokens fit `budget`, oldest first.
    pub async fn recent(
        &self,
        thread: &str,
        budget: u64,
    ) -> Result<Vec<ThreadMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT role, content, tokens FROM thread_messages WHERE thread_id = $1 \
             ORDER BY id DESC LIMIT 200",
        )
        .bind(thread)
        .fetch_all(&self.0.pool)
        .await?;
        let mut out = Vec::new();
        let mut used = 0_u64;
        for r in rows {
            let tokens = u64::try_from(r.try_get::<i64, _>("tokens")?).unwrap_or(0);
            if used + tokens > budget {
                break;
            }
            used += tokens;
            out.push(ThreadMessage {
                role: r.try_get("role")?,
                content: r.try_get("content")?,
                tokens,
            });
        }
        out.reverse();
        Ok(out)
    }
}
