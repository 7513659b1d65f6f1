//! The library's error type.

use std::path::PathBuf;

/// Errors surfaced by the engine. Messages name the file and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A filesystem operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing ("cannot read", "cannot create"...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The catalog database failed.
    #[error("catalog {path}: {source}")]
    Catalog {
        /// The catalog file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// Another process is writing to this data directory.
    #[error(
        "data dir {path} is in use by another Lookalike process{pid}; wait for it to finish or stop it"
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
        /// " (PID n)" when known.
        pid: String,
    },
    /// A photo could not be decoded.
    #[error(transparent)]
    Decode(#[from] crate::core::image_io::DecodeError),
    /// An embedder failed.
    #[error(transparent)]
    Embed(#[from] crate::core::embed::error::EmbedError),
    /// The index is unusable for this request.
    #[error("{0}")]
    Index(String),
    /// A model could not be found or fetched.
    #[error(transparent)]
    Model(#[from] crate::core::models::ModelError),
    /// The operation was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
    /// Anything else, with a message for a person.
    #[error("{0}")]
    Other(String),
}

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wrap an I/O error with the action and path it concerns.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
