//! The one error of the library: every public entry point returns [`Error`].
//!
//! Each area below keeps its own error enum, next to the code that raises it
//! ([`ConnectError`] and [`DbError`] at the bottom, then [`GraphError`], [`ReadError`],
//! [`WriteError`], [`InspectError`], [`SpecError`], [`GenerateError`], [`SnapshotError`],
//! [`StoreError`], [`CacheError`]). This file is at the top of the house: it rolls them up,
//! and nothing below imports it. An area error that merely carries another area's error
//! (a generation that failed on a statement) is unwrapped on the way in, so a failed
//! statement is always [`Error::Database`], whatever was running.
//!
//! Messages are lowercase, name the object they are about and, where the caller can act,
//! say what to do in the library's terms ([`Error::remedy`] names the advice, so the
//! command line can say it in terms of its flags). A source error is carried behind
//! `#[source]`, never repeated in the text, so `{err:#}` prints each cause once.

pub use crate::cache::CacheError;
pub use crate::db::{ConnectError, DbError, Remedy, ServerError};
pub use crate::generate::GenerateError;
pub use crate::generate::spec::SpecError;
pub use crate::graph::GraphError;
pub use crate::inspect::InspectError;
pub use crate::read::ReadError;
pub use crate::snapshot::{SnapshotError, StoreError};
pub use crate::write::WriteError;

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in fixtura's library, by the area it went wrong in.
///
/// Match on [`Error::kind`] for what kind of failure it was; match on the variants for the
/// area's own details.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection could be made: a missing or malformed URL, a server down, refused
    /// credentials, a missing database or SQLite file.
    #[error(transparent)]
    Connect(ConnectError),
    /// A statement failed, or the database holds something fixtura cannot model.
    #[error(transparent)]
    Database(DbError),
    /// A foreign-key cycle that nothing can break.
    #[error(transparent)]
    Graph(GraphError),
    /// Reading rows failed.
    #[error(transparent)]
    Read(ReadError),
    /// Writing rows failed: a foreign key violated, a row too large for the server.
    #[error(transparent)]
    Write(WriteError),
    /// The inspect report could not be made.
    #[error(transparent)]
    Inspect(InspectError),
    /// The spec is wrong: where, and what.
    #[error(transparent)]
    Spec(SpecError),
    /// Generation refused to run.
    #[error(transparent)]
    Generate(GenerateError),
    /// A snapshot could not be made or restored.
    #[error(transparent)]
    Snapshot(SnapshotError),
    /// The snapshot store, or a snapshot in it.
    #[error(transparent)]
    Store(StoreError),
    /// The CI cache: keys, locks, worker copies.
    #[error(transparent)]
    Cache(CacheError),
    /// A [`TestDb`](crate::TestDb) that cannot be handed out as asked.
    #[error("{0}")]
    TestDb(String),
}

/// What kind of failure an [`Error`] is, whichever area raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No connection: the URL, the server, the credentials, the database.
    Connection,
    /// The server refused a statement.
    Database,
    /// The schema, the server or the role has something fixtura cannot handle (an
    /// unbreakable cycle, a row over the server's packet limit, a newer snapshot format, a
    /// role that may not switch foreign-key checks off when asked to).
    Unsupported,
    /// The spec is wrong.
    Spec,
    /// fixtura's own check found rows violating a foreign key; nothing was committed.
    ForeignKey,
    /// The database's schema differs from the snapshot's.
    Drift,
    /// Refused, to protect data: a database whose name does not look like a test database,
    /// cleaning that would orphan rows, rows that collide with the snapshot's.
    Refused,
    /// A snapshot, table, column or schema that does not exist.
    NotFound,
    /// A snapshot that already exists.
    AlreadyExists,
    /// A damaged snapshot: checksums, manifest or values that do not hold.
    Corrupt,
    /// The file system: the store, a lock, a temporary file.
    Io,
    /// An option or argument that cannot work as given.
    InvalidInput,
    /// A worker's copy could not be made or dropped.
    Isolation,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Connect(_) => ErrorKind::Connection,
            Error::Database(e) => db_kind(e),
            Error::Graph(_) => ErrorKind::Unsupported,
            Error::Read(e) => read_kind(e),
            Error::Write(e) => write_kind(e),
            Error::Inspect(e) => match e {
                InspectError::Database(e) => db_kind(e),
                InspectError::NotFound { .. } => ErrorKind::NotFound,
            },
            Error::Spec(_) => ErrorKind::Spec,
            Error::Generate(e) => generate_kind(e),
            Error::Snapshot(e) => snapshot_kind(e),
            Error::Store(e) => store_kind(e),
            Error::Cache(e) => cache_kind(e),
            Error::TestDb(_) => ErrorKind::InvalidInput,
        }
    }

    /// The advice this error carries, if any: what the caller can do about it, said in the
    /// library's terms by the message ([`Remedy::advice`]).
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::Connect(e) => e.remedy(),
            Error::Database(e) => e.remedy(),
            Error::Write(e) => e.remedy(),
            Error::Generate(e) => e.remedy(),
            Error::Snapshot(e) => e.remedy(),
            Error::Cache(e) => e.remedy(),
            Error::Store(StoreError::Exists { .. }) => Some(Remedy::DeleteSnapshot),
            _ => None,
        }
    }
}

// The matches below name every variant: inside the crate `#[non_exhaustive]` does not
// apply, so a new variant is a compile error here until its kind is chosen.

fn db_kind(e: &DbError) -> ErrorKind {
    match e {
        DbError::Query { .. } => ErrorKind::Database,
        DbError::Unsupported(_) | DbError::NoSessionSwitch { .. } => ErrorKind::Unsupported,
    }
}

fn read_kind(e: &ReadError) -> ErrorKind {
    match e {
        ReadError::Database(e) => db_kind(e),
        ReadError::UnknownColumn { .. } => ErrorKind::NotFound,
        ReadError::NoColumns { .. } => ErrorKind::InvalidInput,
        ReadError::Abandoned => ErrorKind::Database,
    }
}

fn write_kind(e: &WriteError) -> ErrorKind {
    match e {
        WriteError::Database(e) => db_kind(e),
        WriteError::ForeignKeyViolation { .. } => ErrorKind::ForeignKey,
        WriteError::UnknownTable { .. } | WriteError::UnknownColumn { .. } => ErrorKind::NotFound,
        WriteError::RowTooLarge { .. } => ErrorKind::Unsupported,
        WriteError::GeneratedColumn { .. }
        | WriteError::NoColumns { .. }
        | WriteError::RowWidth { .. } => ErrorKind::InvalidInput,
        WriteError::Abandoned => ErrorKind::Database,
        WriteError::TriggersWouldFire { .. } | WriteError::NonTransactional { .. } => {
            ErrorKind::Refused
        }
    }
}

fn generate_kind(e: &GenerateError) -> ErrorKind {
    match e {
        GenerateError::Spec(_) => ErrorKind::Spec,
        GenerateError::Graph(_) | GenerateError::NoKeyForDeferred { .. } => ErrorKind::Unsupported,
        GenerateError::Blocked(_) | GenerateError::Unflagged { .. } => ErrorKind::Refused,
        GenerateError::Database(e) => db_kind(e),
        GenerateError::Write(e) => write_kind(e),
        GenerateError::NotRolledBack { error, .. } => generate_kind(error),
    }
}

fn snapshot_kind(e: &SnapshotError) -> ErrorKind {
    match e {
        SnapshotError::Store(e) => store_kind(e),
        SnapshotError::Database(e) => db_kind(e),
        SnapshotError::Read(e) => read_kind(e),
        SnapshotError::Write(e) => write_kind(e),
        SnapshotError::Graph(_) | SnapshotError::NoKeyForDeferred { .. } => ErrorKind::Unsupported,
        SnapshotError::Selection(_) => ErrorKind::InvalidInput,
        SnapshotError::NoFlagColumn { .. } => ErrorKind::NotFound,
        SnapshotError::Drift(_) => ErrorKind::Drift,
        SnapshotError::Unsafe { .. }
        | SnapshotError::Blocked { .. }
        | SnapshotError::NotEmpty { .. }
        | SnapshotError::TruncateBlocked { .. }
        | SnapshotError::Collision(_) => ErrorKind::Refused,
        SnapshotError::Codec { .. } => ErrorKind::Corrupt,
        SnapshotError::NotRolledBack { error, .. } => snapshot_kind(error),
    }
}

fn store_kind(e: &StoreError) -> ErrorKind {
    match e {
        StoreError::BadName(_) => ErrorKind::InvalidInput,
        StoreError::NotFound { .. } => ErrorKind::NotFound,
        StoreError::Exists { .. } => ErrorKind::AlreadyExists,
        StoreError::BadManifest { .. } | StoreError::Damaged { .. } => ErrorKind::Corrupt,
        StoreError::Version { .. } => ErrorKind::Unsupported,
        StoreError::Io { .. } => ErrorKind::Io,
    }
}

fn cache_kind(e: &CacheError) -> ErrorKind {
    match e {
        CacheError::Connect(_) => ErrorKind::Connection,
        CacheError::Database(e) => db_kind(e),
        CacheError::Spec(_) => ErrorKind::Spec,
        CacheError::Key { .. } => ErrorKind::Spec,
        CacheError::Lock(_) | CacheError::Io { .. } => ErrorKind::Io,
        CacheError::Generate(e) => generate_kind(e),
        CacheError::Snapshot(e) => snapshot_kind(e),
        CacheError::Store(e) => store_kind(e),
        CacheError::Isolation(_) => ErrorKind::Isolation,
        CacheError::Unsafe { .. } => ErrorKind::Refused,
        CacheError::Invalid(_) => ErrorKind::InvalidInput,
    }
}

impl From<ConnectError> for Error {
    fn from(e: ConnectError) -> Self {
        Error::Connect(e)
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        Error::Database(e)
    }
}

/// A statement of the caller's own: `sqlx::query(…).execute(pool).await?` in a test that
/// returns `fixtura::Result`.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(DbError::query("running a statement", e))
    }
}

impl From<GraphError> for Error {
    fn from(e: GraphError) -> Self {
        Error::Graph(e)
    }
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Spec(e)
    }
}

impl From<ReadError> for Error {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Database(e) => Error::Database(e),
            e => Error::Read(e),
        }
    }
}

impl From<WriteError> for Error {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Database(e) => Error::Database(e),
            e => Error::Write(e),
        }
    }
}

impl From<InspectError> for Error {
    fn from(e: InspectError) -> Self {
        match e {
            InspectError::Database(e) => Error::Database(e),
            e => Error::Inspect(e),
        }
    }
}

impl From<GenerateError> for Error {
    fn from(e: GenerateError) -> Self {
        match e {
            GenerateError::Spec(e) => e.into(),
            GenerateError::Graph(e) => e.into(),
            GenerateError::Database(e) => e.into(),
            GenerateError::Write(e) => e.into(),
            e => Error::Generate(e),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<SnapshotError> for Error {
    fn from(e: SnapshotError) -> Self {
        match e {
            SnapshotError::Store(e) => e.into(),
            SnapshotError::Database(e) => e.into(),
            SnapshotError::Read(e) => e.into(),
            SnapshotError::Write(e) => e.into(),
            SnapshotError::Graph(e) => e.into(),
            e => Error::Snapshot(e),
        }
    }
}

impl From<CacheError> for Error {
    fn from(e: CacheError) -> Self {
        match e {
            CacheError::Connect(e) => e.into(),
            CacheError::Database(e) => e.into(),
            CacheError::Spec(e) => e.into(),
            CacheError::Generate(e) => e.into(),
            CacheError::Snapshot(e) => e.into(),
            CacheError::Store(e) => e.into(),
            e => Error::Cache(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_statement_is_a_database_error_whatever_was_running() {
        let statement = || DbError::query("reading rows", sqlx::Error::RowNotFound);
        let from_write: Error = WriteError::Database(statement()).into();
        let from_snapshot: Error = SnapshotError::Write(WriteError::Database(statement())).into();
        let from_cache: Error =
            CacheError::Snapshot(SnapshotError::Read(ReadError::Database(statement()))).into();
        for err in [from_write, from_snapshot, from_cache] {
            assert!(
                matches!(err, Error::Database(DbError::Query { .. })),
                "{err:?}"
            );
            assert_eq!(err.kind(), ErrorKind::Database);
        }
    }

    #[test]
    fn the_advice_of_a_nested_error_is_found() {
        let err: Error = CacheError::Generate(GenerateError::Database(DbError::NoSessionSwitch {
            remedy: Remedy::ServerChecks,
        }))
        .into();
        assert_eq!(err.remedy(), Some(Remedy::ServerChecks));
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(
            err.to_string().ends_with(Remedy::ServerChecks.advice()),
            "{err}"
        );
    }

    #[test]
    fn a_callers_own_sqlx_error_is_a_database_error() {
        fn test_body() -> Result<()> {
            Err(sqlx::Error::RowNotFound)?;
            Ok(())
        }
        let err = test_body().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
        assert!(
            std::error::Error::source(&err).is_some(),
            "the sqlx error is the source"
        );
    }

    #[test]
    fn an_error_is_small_enough_to_return_by_value() {
        // clippy's `result_large_err` bound: every `Result` of the API carries one.
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn a_missing_snapshot_is_not_found() {
        let err: Error = StoreError::NotFound {
            name: "nightly".into(),
            store: "snapshots".into(),
        }
        .into();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.to_string(), "no snapshot \"nightly\" in snapshots");
    }
}
