//! The bulk writer: rows into tables at the speed of each backend's own bulk path, all in
//! one transaction on one connection.
//!
//! - PostgreSQL: `COPY ... FROM STDIN` in text format (sqlx `copy_in_raw`);
//! - MySQL/MariaDB: multi-row `INSERT`, each statement sized to `max_allowed_packet` and
//!   the 65,535 placeholder limit;
//! - SQLite: prepared multi-row `INSERT` within its variable limit.
//!
//! A [`Load`] owns a connection taken out of the pool, and runs `BEGIN` ... `COMMIT` on it
//! itself: dropped without [`Load::commit`] (an error, Ctrl-C), the connection is closed
//! and the server rolls everything back, session settings included.

use tokio::sync::mpsc::Receiver;

use crate::db::{Backend, Db};
use crate::error::Result;
use crate::schema::{QualifiedName, Schema, Table};
use crate::value::Row;

/// Who checks foreign keys during a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkChecks {
    /// The session switch is on (`session_replication_role = replica`,
    /// `FOREIGN_KEY_CHECKS = 0`, `PRAGMA defer_foreign_keys = ON`): rows are written in
    /// any order with their final keys, and [`Load::check_foreign_keys`] verifies every key
    /// set-wise before commit.
    Fixtura,
    /// The server checks keys as usual; deferrable constraints are deferred to commit
    /// (`SET CONSTRAINTS ALL DEFERRED`).
    Server,
}

/// One transaction writing rows.
pub struct Load {
    backend: Backend,
}

impl Load {
    /// Takes a connection from `db`, begins the transaction and sets up `checks`.
    pub async fn begin(db: &Db, checks: FkChecks) -> Result<Load> {
        let _ = (db, checks);
        todo!()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Writes every batch received (until the channel closes) into `columns` of `table`
    /// (values in that order); calls `on_rows` with each batch's row count. Returns the
    /// number of rows written.
    pub async fn write(
        &mut self,
        table: &Table,
        columns: &[String],
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        let _ = (table, columns, batches, on_rows);
        todo!()
    }

    /// Sets `set_columns` on the rows whose `key_columns` match: each row holds the key
    /// values first, then the new values. Done in bulk (a temporary table and one joined
    /// `UPDATE`), not row by row.
    pub async fn update(
        &mut self,
        table: &Table,
        key_columns: &[String],
        set_columns: &[String],
        rows: Vec<Row>,
    ) -> Result<u64> {
        let _ = (table, key_columns, set_columns, rows);
        todo!()
    }

    /// Checks every foreign key declared on `tables` with one anti-join each; fails naming
    /// the table, the constraint, how many rows break it and one offending key.
    pub async fn check_foreign_keys(
        &mut self,
        schema: &Schema,
        tables: &[QualifiedName],
    ) -> Result<()> {
        let _ = (schema, tables);
        todo!()
    }

    /// Moves sequences, identities and `sqlite_sequence` past the largest key now in
    /// `tables`, so the next row inserted with a default key does not collide.
    pub async fn reset_sequences(&mut self, tables: &[&Table]) -> Result<()> {
        let _ = tables;
        todo!()
    }

    /// The largest value of an integer column, `None` when the table is empty.
    pub async fn max_integer(&mut self, table: &Table, column: &str) -> Result<Option<i64>> {
        let _ = (table, column);
        todo!()
    }

    /// Up to `limit` existing values of `columns` of `table`, ordered by them (so sampling
    /// them is deterministic), decoded into [`crate::value::Value`]s by the columns' types.
    pub async fn existing_keys(
        &mut self,
        table: &Table,
        columns: &[String],
        limit: u64,
    ) -> Result<Vec<Row>> {
        let _ = (table, columns, limit);
        todo!()
    }

    /// Commits.
    pub async fn commit(self) -> Result<()> {
        todo!()
    }
}
