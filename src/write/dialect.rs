//! How a backend spells the few pieces of SQL that the shared builders (`fk_check.rs`,
//! `flagged.rs`, `target.rs`) leave open. Each backend defines its one [`Dialect`] in its
//! own file, next to the rest of its SQL.

use crate::db::Backend;
use crate::schema::{Column, Table};

pub(super) struct Dialect {
    pub backend: Backend,
    /// A value as text (`c::text`, `CAST(c AS CHAR)`), for messages and for keys read back.
    pub as_text: fn(&str) -> String,
    /// Whether existing keys are selected as text (all but binary columns) and parsed, or
    /// read as stored.
    pub keys_as_text: bool,
    /// The test for a flagged row, given the qualified, quoted flag column.
    pub flag_is_set: fn(&str) -> String,
    /// The test for a row that is not flagged: false or NULL.
    pub flag_is_unset: fn(&str) -> String,
    /// `SELECT` of the largest integer in a column, as one 64-bit integer (NULL when none).
    pub max_integer: fn(&Table, &Column) -> String,
    /// A `TRUNCATE` that stays in the transaction (PostgreSQL); `None`: `DELETE FROM` each
    /// table, which reports the rows it removed.
    pub truncate: Option<Truncate>,
}

/// How a backend empties tables at once, and counts what that removes first.
pub(super) struct Truncate {
    /// Locks the tables against every other session, so the rows counted next are the
    /// rows emptied (`TRUNCATE` itself reports none).
    pub lock: fn(&[&Table]) -> String,
    /// Empties them all in one statement.
    pub empty: fn(&[&Table]) -> String,
}
