//! The library's error type: one enum per area, rolled into [`Error`].
//!
//! Messages are lowercase, name the object they are about and, where the user can act,
//! say what to do. A source error is carried behind `#[source]`, never repeated in the
//! text, so `{err:#}` prints each cause once.

pub use crate::db::ConnectError;
pub use crate::graph::GraphError;

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in fixtura's library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Write(#[from] crate::write::WriteError),
    /// A statement failed; `what` says which step was running.
    #[error("{what}")]
    Query {
        what: String,
        #[source]
        source: sqlx::Error,
    },
    /// The database holds something fixtura cannot model.
    #[error("{0}")]
    Unsupported(String),
}

impl Error {
    /// Wraps a failed statement with what fixtura was doing at the time.
    pub fn query(what: impl Into<String>, source: sqlx::Error) -> Error {
        Error::Query {
            what: what.into(),
            source,
        }
    }
}
