//! Fresh, isolated databases for tests: a temp SQLite file, or a new Postgres database on the
//! server named by `LEADFORGE_TEST_POSTGRES_URL` (set by `.ci/run`). Every test gets its own
//! database, so tests never share mutable state.

use sqlx::Executor;

use crate::{Backend, Store, StoreError};

/// The variable naming a Postgres server for tests, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_ENV: &str = "LEADFORGE_TEST_POSTGRES_URL";

/// A throwaway database; the SQLite file is deleted and the Postgres database dropped on drop
/// (best effort).
#[derive(Debug)]
pub struct TestDb {
    /// The URL of the fresh database.
    pub url: String,
    /// Its backend.
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh SQLite database in a temp directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temp dir for a test database");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self {
            url,
            backend: Backend::Sqlite,
            _dir: Some(dir),
        }
    }

    /// A fresh Postgres database, or `None` when `LEADFORGE_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<Self> {
        let admin = std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty())?;
        let name = format!("lf_test_{}", uuid::Uuid::now_v7().simple());
        let store = Store::connect(&admin)
            .await
            .expect("connect to the test Postgres server");
        store
            .pool
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create a test database");
        store.close().await;
        let (base, _) = admin
            .rsplit_once('/')
            .expect("postgres URL with a database path");
        Some(Self {
            url: format!("{base}/{name}"),
            backend: Backend::Postgres,
            _dir: None,
        })
    }

    /// Every backend the environment offers: SQLite always, Postgres when configured.
    pub async fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        if let Some(pg) = Self::postgres().await {
            dbs.push(pg);
        }
        dbs
    }

    /// Opens and migrates the database.
    pub async fn open(&self) -> Result<Store, StoreError> {
        Store::open(&self.url).await
    }
}
