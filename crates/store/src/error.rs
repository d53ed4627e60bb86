//! The store's error type.

/// What can go wrong in the store. Messages name the problem without leaking credentials
/// (database URLs are never included).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one we can use.
    #[error("DATABASE_URL is not usable: {0}")]
    BadUrl(String),
    /// Could not open or create the database.
    #[error("cannot open the database: {0}")]
    Open(String),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(String),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// A stored value could not be decoded (e.g. a JSON column written by a newer version).
    #[error("corrupt stored value in {what}: {message}")]
    Corrupt {
        /// Which table/column.
        what: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A value handed to the store is not one it accepts (the caller should have checked).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A row that must exist does not.
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of row.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            what,
            message: err.to_string(),
        }
    }

    /// True when the error is SQLite's "database is locked/busy" or a connection problem that
    /// a retry may cure.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Query(sqlx::Error::Database(db)) => {
                let msg = db.message();
                msg.contains("database is locked") || msg.contains("busy")
            }
            Self::Query(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed,
            ) => true,
            _ => false,
        }
    }
}

/// Decodes a JSON text column, naming the column on failure.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(what, e))
}

/// Encodes a value for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types to a string cannot fail (no maps with non-string
    // keys, no custom serialisers that error).
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}
