//! Snapshots: the flagged test rows of a database, captured to zstd-compressed JSON Lines
//! (one file per table, described by a checksummed manifest), and restored losslessly in
//! foreign-key order in one transaction.

pub mod codec;
pub mod create;
pub mod manifest;
pub mod restore;
pub mod store;

pub use self::create::{CreateOptions, CreateSummary, create};
pub use self::manifest::{FORMAT_VERSION, Manifest};
pub use self::restore::{Clean, RestoreOptions, RestoreSummary, restore};
pub use self::store::{Store, StoreError};

/// Why a snapshot could not be made or restored. Restore checks everything it can before
/// writing, and writes in one transaction: in every case the database is as it was.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Database(#[from] crate::Error),
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
    #[error("{0}")]
    Selection(String),
    #[error("the database's schema differs from the snapshot's, nothing was written: {0}")]
    Drift(String),
    #[error("{0}")]
    Unsafe(String),
    #[error(
        "cannot clean the flagged rows: unflagged rows reference them, and deleting would orphan them \
         (nothing was written): {0}; flag those rows too, or restore with --clean truncate or --clean none"
    )]
    Blocked(String),
    #[error("a snapshot value cannot be restored: {0}")]
    Codec(String),
    #[error(
        "{0}; nothing was written: the database's rows do not match those the snapshot was made \
         with (restore into the database it was made from, or one with the same reference data)"
    )]
    Collision(String),
}
