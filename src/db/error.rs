//! What goes wrong at the bottom of the house: a statement the server refused, something
//! the database holds that fixtura cannot model, and the advice an error may carry.
//!
//! A refused statement is worded from the server's own fields ([`ServerError`]), not by
//! sqlx's `Display`: that one drops PostgreSQL's DETAIL (`Key (code)=(100) already
//! exists`) and appends the line of the server's C source that raised the error
//! (`… at line 2090`), which says nothing to a user.

use super::ServerError;

/// What a user can do about an error, where fixtura knows.
///
/// A message of the library says it in the library's terms (an option, an enum variant);
/// the command line says it in terms of its flags. Both come from the same variant:
/// [`Remedy::advice`] is the library's wording, and the `fixtura` binary swaps in its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Remedy {
    /// No database was named.
    GiveDatabaseUrl,
    /// A SQLite file does not exist.
    CreateSqliteFile,
    /// The role may not switch foreign-key checks off: let the server check them.
    ServerChecks,
    /// Only fixtura's own checks can load a cycle here.
    FixturaChecks,
    /// Only fixtura's own checks, or a deferrable constraint, can load a cycle here.
    FixturaChecksOrDeferrable,
    /// Cleaning a database whose name does not look like a test database.
    AllowAnyDbOrCleanNone,
    /// Filling a database whose name does not look like a test database.
    AllowAnyDbOrIsolate,
    /// Cleaning the flagged rows would orphan unflagged rows.
    FlagOrCleanOtherwise,
    /// Emptying the snapshot's tables would orphan rows of tables outside it.
    CaptureOrCleanOtherwise,
    /// No table has the flag column looked for.
    NameFlagColumn,
    /// A snapshot of that name is already in the store.
    DeleteSnapshot,
    /// Triggers would fire on the rows written.
    AllowTriggers,
    /// Triggers would fire on a MySQL/MariaDB restore: a copy of its own has none.
    AllowTriggersOrIsolate,
    /// Triggers would fire on PostgreSQL because the server checks the keys.
    AllowTriggersOrFixturaChecks,
    /// Tables whose engine cannot roll back would be written.
    AllowNonTransactional,
    /// A snapshot of every row of its tables meets tables that hold rows.
    TruncateOrEmptyDatabase,
}

impl Remedy {
    /// Every remedy there is: what a caller that words advice its own way (the command
    /// line) goes through to be sure it has a wording for each.
    pub const ALL: &'static [Remedy] = &[
        Remedy::GiveDatabaseUrl,
        Remedy::CreateSqliteFile,
        Remedy::ServerChecks,
        Remedy::FixturaChecks,
        Remedy::FixturaChecksOrDeferrable,
        Remedy::AllowAnyDbOrCleanNone,
        Remedy::AllowAnyDbOrIsolate,
        Remedy::FlagOrCleanOtherwise,
        Remedy::CaptureOrCleanOtherwise,
        Remedy::NameFlagColumn,
        Remedy::DeleteSnapshot,
        Remedy::AllowTriggers,
        Remedy::AllowTriggersOrIsolate,
        Remedy::AllowTriggersOrFixturaChecks,
        Remedy::AllowNonTransactional,
        Remedy::TruncateOrEmptyDatabase,
    ];

    /// The advice in the library's terms.
    pub fn advice(self) -> &'static str {
        match self {
            Remedy::GiveDatabaseUrl => {
                "pass a database URL (e.g. sqlite://fixtura.db) or set DATABASE_URL"
            }
            Remedy::CreateSqliteFile => {
                "check the path, or connect with ConnectOptions { create_sqlite_file: true }"
            }
            Remedy::ServerChecks => "let the server check them (ChecksChoice::Server or Auto)",
            Remedy::FixturaChecks => "let fixtura check them (ChecksChoice::Fixtura or Auto)",
            Remedy::FixturaChecksOrDeferrable => {
                "let fixtura check them (ChecksChoice::Fixtura or Auto) or make the constraint DEFERRABLE"
            }
            Remedy::AllowAnyDbOrCleanNone => {
                "set allow_any_db if you mean it, or restore with Clean::None"
            }
            Remedy::AllowAnyDbOrIsolate => {
                "set allow_any_db if you mean it, or give the worker a copy of its own (isolate)"
            }
            Remedy::FlagOrCleanOtherwise => {
                "flag those rows too, or restore with Clean::Truncate or Clean::None"
            }
            Remedy::CaptureOrCleanOtherwise => {
                "delete those rows, or capture their tables in the snapshot too (a filter on \
                 each), or restore with Clean::Flagged or Clean::None"
            }
            Remedy::NameFlagColumn => "name the column that marks test rows (the flag option)",
            Remedy::DeleteSnapshot => "delete it first (Store::delete), or choose another name",
            Remedy::AllowTriggers => {
                "set allow_triggers to write anyway and accept what the triggers do (the summary \
                 lists them), or drop the triggers first"
            }
            Remedy::AllowTriggersOrIsolate => {
                "set allow_triggers to write anyway and accept what the triggers do (the summary \
                 lists them), or restore into a copy of its own (Store::restore_isolated), which \
                 has no triggers"
            }
            Remedy::AllowTriggersOrFixturaChecks => {
                "let fixtura check the keys (ChecksChoice::Fixtura or Auto, where the role may \
                 set session_replication_role), which keeps user triggers silent, or set \
                 allow_triggers to write anyway and accept what they do"
            }
            Remedy::AllowNonTransactional => {
                "set allow_non_transactional to write them anyway (a failure then leaves the rows \
                 written to them, and says so)"
            }
            Remedy::TruncateOrEmptyDatabase => {
                "restore with Clean::Truncate to empty those tables first, or into an empty database"
            }
        }
    }
}

impl std::fmt::Display for Remedy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.advice())
    }
}

/// A statement failed, or the database holds something fixtura cannot handle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// A statement failed; `what` says which step was running.
    #[error("{what}")]
    Query {
        /// The step, e.g. "reading the columns of public.offices".
        what: String,
        /// The server's (or the driver's) error.
        #[source]
        source: ServerError,
    },
    /// The database holds something fixtura cannot model.
    #[error("{0}")]
    Unsupported(String),
    /// fixtura's own foreign-key checks were asked for, and this role may not switch the
    /// server's off.
    #[error(
        "this role may not switch foreign-key checks off (session_replication_role needs a superuser \
         or GRANT SET ON PARAMETER): {remedy}"
    )]
    NoSessionSwitch {
        /// What to do instead.
        remedy: Remedy,
    },
}

impl DbError {
    /// Wraps a failed statement with what fixtura was doing at the time.
    pub(crate) fn query(what: impl Into<String>, source: sqlx::Error) -> DbError {
        DbError::Query {
            what: what.into(),
            source: ServerError(source),
        }
    }

    /// The server's error, when a statement failed.
    pub fn server(&self) -> Option<&ServerError> {
        match self {
            DbError::Query { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The same error, its step followed by `note` (where the failing value came from).
    pub(crate) fn with_note(self, note: &str) -> DbError {
        match self {
            DbError::Query { what, source } => DbError::Query {
                what: format!("{what} ({note})"),
                source,
            },
            other => other,
        }
    }

    /// The advice this error carries, if any.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            DbError::NoSessionSwitch { remedy } => Some(*remedy),
            DbError::Query { .. } | DbError::Unsupported(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_advice_never_names_a_command_line_flag() {
        for remedy in Remedy::ALL {
            assert!(!remedy.advice().contains("--"), "{remedy:?}: {remedy}");
            assert!(
                !remedy.advice().contains("`fixtura"),
                "no command: {remedy}"
            );
        }
    }

    #[test]
    fn every_remedy_is_listed_once() {
        // Exhaustive: a new variant does not compile until it is given a place here, and
        // then this test fails until it is in `ALL`.
        fn place(remedy: Remedy) -> usize {
            match remedy {
                Remedy::GiveDatabaseUrl => 0,
                Remedy::CreateSqliteFile => 1,
                Remedy::ServerChecks => 2,
                Remedy::FixturaChecks => 3,
                Remedy::FixturaChecksOrDeferrable => 4,
                Remedy::AllowAnyDbOrCleanNone => 5,
                Remedy::AllowAnyDbOrIsolate => 6,
                Remedy::FlagOrCleanOtherwise => 7,
                Remedy::CaptureOrCleanOtherwise => 8,
                Remedy::NameFlagColumn => 9,
                Remedy::DeleteSnapshot => 10,
                Remedy::AllowTriggers => 11,
                Remedy::AllowTriggersOrIsolate => 12,
                Remedy::AllowTriggersOrFixturaChecks => 13,
                Remedy::AllowNonTransactional => 14,
                Remedy::TruncateOrEmptyDatabase => 15,
            }
        }
        let places: Vec<usize> = Remedy::ALL.iter().map(|r| place(*r)).collect();
        assert_eq!(places, (0..=15).collect::<Vec<_>>());
    }
}
