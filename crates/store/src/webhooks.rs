//! `webhooks` (one per agency: where run notifications go and the secret that signs them) and
//! `webhook_deliveries` (one row per run and event, with what its attempts got).
//!
//! The secret is stored as is, because signing needs it, but it leaves this module only
//! through [`Webhooks::target`], as a [`Secret`]: every view meant to be shown
//! ([`WebhookInfo`]) says only whether one is set. An empty secret means "not set".

use domain::{AgencyId, RunId, Secret};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::error::StoreError;
use crate::{Store, now_ms};

/// An agency's webhook as it may be shown: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookInfo {
    /// Where notifications are POSTed.
    pub url: String,
    /// Whether deliveries are signed.
    pub secret_set: bool,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Last changed, epoch ms.
    pub updated_at: i64,
}

/// What a delivery needs: the URL and the signing secret (`None` when unsigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// Where to POST.
    pub url: String,
    /// The signing secret, when set.
    pub secret: Option<Secret>,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet answered with a 2xx; attempts may remain.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed.
    Failed,
    /// The webhook was removed before the delivery got through.
    Cancelled,
}

impl DeliveryStatus {
    /// Stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            other => {
                return Err(StoreError::corrupt(
                    "webhook_deliveries.status",
                    format!("unknown status {other:?}"),
                ));
            }
        })
    }
}

/// One notification of one run, over all its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// Id (sent as `X-Leadforge-Delivery`).
    pub id: String,
    /// The agency.
    pub agency_id: AgencyId,
    /// The run it is about.
    pub run_id: RunId,
    /// `run.completed`, `run.failed` or `run.cancelled`.
    pub event: String,
    /// Where it was (last) sent.
    pub url: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The HTTP status of the last answer, if there was one.
    pub last_status_code: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Created, epoch ms.
    pub created_at: i64,
    /// When a 2xx came back, epoch ms.
    pub delivered_at: Option<i64>,
}

/// Repository of webhooks and their deliveries.
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a>(pub(crate) &'a Store);

impl Store {
    /// The webhooks repository.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks(self)
    }
}

const DELIVERY_COLUMNS: &str = "id, agency_id, run_id, event, url, status, attempts, \
     last_status_code, last_error, created_at, delivered_at";

impl Webhooks<'_> {
    /// Sets the agency's webhook. `secret: None` keeps the current secret (none for a new
    /// webhook); `Some("")` removes it. The caller validates the URL.
    pub async fn set(
        &self,
        agency: &AgencyId,
        url: &str,
        secret: Option<&str>,
    ) -> Result<WebhookInfo, StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO webhooks (agency_id, url, secret, created_at, updated_at) \
             VALUES ($1, $2, COALESCE($3, ''), $4, $4) \
             ON CONFLICT (agency_id) DO UPDATE SET url = $2, \
             secret = COALESCE($3, webhooks.secret), updated_at = $4",
        )
        .bind(agency.as_str())
        .bind(url)
        .bind(secret)
        .bind(now)
        .execute(&self.0.pool)
        .await?;
        self.get(agency).await?.ok_or_else(|| StoreError::NotFound {
            what: "webhook",
            id: agency.to_string(),
        })
    }

    /// The agency's webhook, without its secret.
    pub async fn get(&self, agency: &AgencyId) -> Result<Option<WebhookInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT url, secret, created_at, updated_at FROM webhooks WHERE agency_id = $1",
        )
        .bind(agency.as_str())
        .fetch_optional(&self.0.pool)
        .await?;
        row.map(|r| {
            Ok(WebhookInfo {
                url: r.try_get("url")?,
                secret_set: !r.try_get::<String, _>("secret")?.is_empty(),
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    /// Removes the agency's webhook; false when there was none. Deliveries stay as a record.
    pub async fn delete(&self, agency: &AgencyId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM webhooks WHERE agency_id = $1")
            .bind(agency.as_str())
            .execute(&self.0.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The URL and secret a delivery signs and sends with. Only for delivering: never show
    /// what it returns.
    pub async fn target(&self, agency: &AgencyId) -> Result<Option<WebhookTarget>, StoreError> {
        let mut conn = self.0.pool.acquire().await?;
        target_in(&mut conn, agency).await
    }

    /// [`Webhooks::target`] inside `tx`.
    pub async fn target_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        agency: &AgencyId,
    ) -> Result<Option<WebhookTarget>, StoreError> {
        target_in(tx, agency).await
    }

    /// The agency's signing secret, when one is set. Only for signing.
    pub async fn secret_for(&self, agency: &AgencyId) -> Result<Option<Secret>, StoreError> {
        Ok(self.target(agency).await?.and_then(|t| t.secret))
    }

    /// Creates the pending delivery of `event` for `run`, inside `tx`; idempotent per run and
    /// event: a second call returns the first delivery's id.
    pub async fn create_delivery_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        agency: &AgencyId,
        run: &RunId,
        event: &str,
        url: &str,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (id, agency_id, run_id, event, url, status, attempts, \
             created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6) \
             ON CONFLICT (run_id, event) DO NOTHING RETURNING id",
        )
        .bind(&id)
        .bind(agency.as_str())
        .bind(run.as_str())
        .bind(event)
        .bind(url)
        .bind(now_ms())
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = inserted {
            return Ok(row.try_get("id")?);
        }
        let row = sqlx::query("SELECT id FROM webhook_deliveries WHERE run_id = $1 AND event = $2")
            .bind(run.as_str())
            .bind(event)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.try_get("id")?)
    }

    /// One delivery by id (unscoped: for the job that sends it).
    pub async fn delivery(&self, id: &str) -> Result<Option<WebhookDelivery>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.0.pool)
        .await?;
        row.as_ref().map(decode_delivery).transpose()
    }

    /// The deliveries of one run of `agency`, oldest first.
    pub async fn deliveries_for_run(
        &self,
        agency: &AgencyId,
        run: &RunId,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
             WHERE agency_id = $1 AND run_id = $2 ORDER BY created_at, id"
        )))
        .bind(agency.as_str())
        .bind(run.as_str())
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_delivery).collect()
    }

    /// The agency's latest deliveries, newest first.
    pub async fn list_for_agency(
        &self,
        agency: &AgencyId,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE agency_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        )))
        .bind(agency.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.0.pool)
        .await?;
        rows.iter().map(decode_delivery).collect()
    }

    /// Records one failed attempt (it stays pending: the queue retries it).
    pub async fn record_failure(
        &self,
        id: &str,
        url: &str,
        status_code: Option<u16>,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, url = $2, \
             last_status_code = $3, last_error = $4 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(url)
        .bind(status_code.map(i64::from))
        .bind(error)
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }

    /// Records the attempt that got a 2xx, inside `tx` (with the job's completion).
    pub async fn mark_delivered_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        id: &str,
        url: &str,
        status_code: u16,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, url = $2, status = 'delivered', \
             last_status_code = $3, last_error = NULL, delivered_at = $4 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(url)
        .bind(i64::from(status_code))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Ends a pending delivery as `failed` (out of attempts) or `cancelled` (no webhook any
    /// more), keeping why.
    pub async fn finish_undelivered(
        &self,
        id: &str,
        status: DeliveryStatus,
        error: &str,
    ) -> Result<(), StoreError> {
        if !matches!(status, DeliveryStatus::Failed | DeliveryStatus::Cancelled) {
            return Err(StoreError::Invalid(format!(
                "a delivery cannot end as {}",
                status.as_str()
            )));
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, last_error = $3 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(error)
        .execute(&self.0.pool)
        .await?;
        Ok(())
    }
}

async fn target_in(
    conn: &mut AnyConnection,
    agency: &AgencyId,
) -> Result<Option<WebhookTarget>, StoreError> {
    let row = sqlx::query("SELECT url, secret FROM webhooks WHERE agency_id = $1")
        .bind(agency.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        let secret: String = r.try_get("secret")?;
        Ok(WebhookTarget {
            url: r.try_get("url")?,
            secret: (!secret.is_empty()).then(|| Secret::new(secret)),
        })
    })
    .transpose()
}

fn decode_delivery(r: &AnyRow) -> Result<WebhookDelivery, StoreError> {
    let agency: String = r.try_get("agency_id")?;
    let run: String = r.try_get("run_id")?;
    let status: String = r.try_get("status")?;
    Ok(WebhookDelivery {
        id: r.try_get("id")?,
        agency_id: AgencyId::parse(&agency)
            .map_err(|e| StoreError::corrupt("webhook_deliveries.agency_id", e))?,
        run_id: RunId::parse(&run)
            .map_err(|e| StoreError::corrupt("webhook_deliveries.run_id", e))?,
        event: r.try_get("event")?,
        url: r.try_get("url")?,
        status: DeliveryStatus::parse(&status)?,
        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
        last_status_code: r
            .try_get::<Option<i64>, _>("last_status_code")?
            .and_then(|c| u16::try_from(c).ok()),
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}
