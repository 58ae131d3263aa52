//! Errors of the server library, matched on by the HTTP layer to choose a
//! status and a sentence for the person reading it.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// A named thing does not exist. The message is a whole sentence.
    #[error("No {what} with id {id}.")]
    NotFound { what: &'static str, id: i64 },
    /// Input that cannot be used; `field` names the parameter or JSON pointer.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The signed-in agent may not do this; the message says who may.
    #[error("{0}")]
    Forbidden(String),
    /// The request clashes with the record's state (already decided, a
    /// lifecycle step that is not allowed, a request still in flight).
    #[error("{0}")]
    Conflict(String),
    /// An update named a version that is no longer current. `current` is
    /// the record as it is now.
    #[error("{message}")]
    Stale {
        message: String,
        current: Box<serde_json::Value>,
    },
    /// Stored data that does not decode: a bug or a damaged database.
    #[error("{0}")]
    Corrupt(String),
    /// The operation is not built for this storage backend.
    #[error("{0}")]
    Unsupported(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
