//! Snapshots: the flagged test rows of a database, captured to zstd-compressed JSON Lines
//! (one file per table, described by a checksummed manifest), and restored losslessly in
//! foreign-key order in one transaction.

pub(crate) mod codec;
pub(crate) mod create;
pub(crate) mod manifest;
pub(crate) mod restore;
pub(crate) mod store;

pub use self::codec::CodecError;
pub use self::create::{CreateOptions, CreateSummary, TableSummary as CreatedTable};
pub(crate) use self::create::{create, create_with_whole};
pub use self::manifest::{
    CacheEntry, ColumnEntry, FORMAT_VERSION, Filter, Manifest, Selection, Source, TableEntry,
};
pub(crate) use self::restore::restore;
pub use self::restore::{Clean, RestoreOptions, RestoreSummary, TableSummary as RestoredTable};
pub use self::store::{Store, StoreError};
use crate::db::{DbError, Remedy};
use crate::graph::GraphError;
use crate::read::ReadError;
use crate::write::WriteError;

/// Why a snapshot could not be made or restored. Restore checks everything it can before
/// writing, and writes in one transaction: in every case the database is as it was, except
/// for rows already written to tables without transactions, which only a caller who set
/// `allow_non_transactional` writes ([`SnapshotError::NotRolledBack`] names them).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The store, or a snapshot in it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// Reading rows failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Writing rows failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A foreign-key cycle among the snapshot's tables cannot be broken.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// What to capture or restore is not possible as asked.
    #[error("{0}")]
    Selection(String),
    /// No table has the flag column.
    #[error("no table has the flag column \"{flag}\": nothing to capture; {remedy}")]
    NoFlagColumn {
        /// The flag column looked for.
        flag: String,
        /// What to do.
        remedy: Remedy,
    },
    /// The database's schema differs from the snapshot's in a way that could lose data.
    #[error("the database's schema differs from the snapshot's, nothing was written: {0}")]
    Drift(String),
    /// Refused for safety: the database's name does not look like a test database.
    #[error(
        "refusing to clean database \"{database}\": its name does not look like a test database \
         (it should contain a word like test, dev, ci, local, tmp or fixture); {remedy}"
    )]
    Unsafe {
        /// The database's name.
        database: String,
        /// What to do.
        remedy: Remedy,
    },
    /// Cleaning the flagged rows would orphan unflagged rows.
    #[error(
        "cannot clean the flagged rows: unflagged rows reference them, and deleting would orphan them \
         (nothing was written): {blockers}; {remedy}"
    )]
    Blocked {
        /// The rows in the way, described.
        blockers: String,
        /// What to do.
        remedy: Remedy,
    },
    /// Emptying the snapshot's tables would orphan rows of tables outside it.
    #[error(
        "cannot empty the snapshot's tables: rows of tables outside the snapshot reference them, \
         and emptying would orphan them (nothing was written): {blockers}; {remedy}"
    )]
    TruncateBlocked {
        /// The rows in the way, described.
        blockers: String,
        /// What to do.
        remedy: Remedy,
    },
    /// A value in a table file does not fit its column.
    #[error(
        "snapshot \"{snapshot}\": row {row} of {table}, column \"{column}\", cannot be restored: {source}"
    )]
    Codec {
        /// The snapshot.
        snapshot: String,
        /// The table, as shown to a person.
        table: String,
        /// The column.
        column: String,
        /// The row's number in the table file, from 1.
        row: u64,
        /// What is wrong with the value.
        #[source]
        source: Box<codec::CodecError>,
    },
    /// A snapshot of every row of its tables, restored cleaning only flagged rows into
    /// tables that hold rows.
    #[error(
        "snapshot \"{snapshot}\" holds every row of its tables, and cleaning the flagged rows \
         would leave the rows already in {} (nothing was written); {remedy}",
        tables.join(", ")
    )]
    NotEmpty {
        /// The snapshot.
        snapshot: String,
        /// The tables that hold rows, as shown to a person.
        tables: Vec<String>,
        /// What to do.
        remedy: Remedy,
    },
    /// Rows already in the database hold the keys of flagged rows being restored.
    #[error(
        "{0}; nothing was written: the database's rows do not match those the snapshot was made \
         with (restore into the database it was made from, or one with the same reference data)"
    )]
    Collision(String),
    /// The restore failed after writing tables without transactions (accepted with
    /// `allow_non_transactional`): their rows stay, everything else was rolled back.
    #[error(
        "{failure}; the rows already written to {staying} (no transactions) stay, everything \
         else was rolled back"
    )]
    NotRolledBack {
        /// The failure, in words.
        failure: String,
        /// The tables whose rows stay.
        staying: String,
        /// The failure.
        error: Box<SnapshotError>,
    },
    /// A cycle broken at a nullable key, with the server checking keys, cannot be filled in
    /// afterwards: the table has no primary key, or the snapshot lacks one of its columns.
    #[error(
        "{problem}, so the cycle-breaking keys of {table} cannot be filled in afterwards: {remedy}"
    )]
    NoKeyForDeferred {
        /// The table, as shown to a person.
        table: String,
        /// What is missing.
        problem: String,
        /// What to do instead.
        remedy: Remedy,
    },
}

impl SnapshotError {
    /// The advice this error carries, if any.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            SnapshotError::Database(e) => e.remedy(),
            SnapshotError::Write(e) => e.remedy(),
            SnapshotError::NotRolledBack { error, .. } => error.remedy(),
            SnapshotError::NoFlagColumn { remedy, .. }
            | SnapshotError::Unsafe { remedy, .. }
            | SnapshotError::Blocked { remedy, .. }
            | SnapshotError::NotEmpty { remedy, .. }
            | SnapshotError::TruncateBlocked { remedy, .. }
            | SnapshotError::NoKeyForDeferred { remedy, .. } => Some(*remedy),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
