//! SQLite: rows go in with prepared multi-row `INSERT ... VALUES (?, ?), (?, ?)`
//! statements inside one `BEGIN IMMEDIATE` transaction.
//!
//! A statement holds at most 32,766 bound variables (`SQLITE_MAX_VARIABLE_NUMBER`, the
//! default since SQLite 3.32.0, "Limits In SQLite" item 9; the bundled SQLite is newer)
//! and, here, at most 500 rows: past that, longer statements only cost preparation time.
//! Full-size statements share one SQL text, so the connection's statement cache prepares
//! it once.
//!
//! Values are stored as SQLite keeps them: booleans as 0/1, UUIDs, dates and times as ISO
//! text (points in time as RFC 3339), JSON and arrays as JSON text.
//!
//! Foreign keys: `PRAGMA defer_foreign_keys = ON` postpones every key check to `COMMIT`
//! for this transaction only (it switches itself off at the end of each transaction,
//! "PRAGMA defer_foreign_keys"); otherwise SQLite checks immediate keys at the end of each
//! statement and deferred ones at commit.

use sqlx::sqlite::{SqliteArguments, SqlitePool};
use sqlx::{Arguments, AssertSqlSafe, Row as _, Sqlite, TypeInfo, ValueRef};
use tokio::sync::mpsc::Receiver;

use super::Result;
use super::dialect::Dialect;
use super::insert::{self, InsertStatements, scalar_text};
use super::keys::KeyKind;
use super::target::{Target, TempUpdate, UpdatePlan};
use super::{FkChecks, WriteCounts};
use crate::db::Backend;
use crate::db::DbError;
use crate::db::session::Conn;
use crate::schema::{Column, ColumnType, Identity, Table};
use crate::value::{Row, Value};

const SQLITE: Backend = Backend::Sqlite;

/// `SQLITE_MAX_VARIABLE_NUMBER` of SQLite 3.32.0 and later.
const MAX_VARIABLES: usize = 32_766;

/// Rows per statement, at most.
const MAX_ROWS: usize = 500;

pub(super) const DIALECT: Dialect = Dialect {
    backend: SQLITE,
    as_text: |c| format!("CAST({c} AS TEXT)"),
    // Keys are read as stored, by their storage class (SQLite types values, not columns):
    // see `decode`.
    keys_as_text: false,
    // A flag column holds a boolean as 0/1 (SQLite has no boolean type, "Datatypes In
    // SQLite"): any non-zero value is true.
    flag_is_set: |c| format!("{c} <> 0"),
    flag_is_unset: |c| format!("({c} = 0 OR {c} IS NULL)"),
    // The largest integer in the column (SQLite lets other values share it; they are
    // skipped).
    max_integer: |table, column| {
        let q = SQLITE.quote_ident(&column.name);
        format!(
            "SELECT max({q}) FROM {} WHERE typeof({q}) = 'integer'",
            SQLITE.quote_table(&table.name)
        )
    },
    // SQLite has no `TRUNCATE`; a `DELETE` without `WHERE` is its truncate optimisation
    // ("DELETE" in the docs).
    truncate: None,
};

/// A connection in a transaction.
pub(super) struct Session {
    pub(super) conn: Conn<Sqlite>,
}

impl Session {
    pub(super) async fn begin(pool: &SqlitePool, checks: FkChecks) -> Result<Session> {
        let mut conn = Conn::acquire(pool).await?;
        // IMMEDIATE takes the write lock now, so the load cannot fail half-way for a lock
        // another connection took first ("BEGIN TRANSACTION" in the SQLite docs).
        conn.execute("BEGIN IMMEDIATE", "beginning the load's transaction")
            .await?;
        if checks == FkChecks::Fixtura {
            conn.execute(
                "PRAGMA defer_foreign_keys = ON",
                "deferring foreign-key checks to commit",
            )
            .await?;
        }
        Ok(Session { conn })
    }

    /// Multi-row `INSERT ... ON CONFLICT DO NOTHING` (the upsert clause, "UPSERT" in the
    /// docs), which skips only uniqueness conflicts; `INSERT OR IGNORE` would also skip
    /// rows that break NOT NULL or CHECK constraints. `changes()` counts only the rows
    /// inserted.
    pub(super) async fn write_missing(
        &mut self,
        target: &Target<'_>,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<WriteCounts> {
        let done = self
            .insert(target, " ON CONFLICT DO NOTHING", batches, on_rows)
            .await?;
        Ok(WriteCounts {
            inserted: done.affected,
            skipped: done.rows.saturating_sub(done.affected),
        })
    }

    /// Every batch as statements within the variable and row limits, each ending with
    /// `suffix`.
    pub(super) async fn insert(
        &mut self,
        target: &Target<'_>,
        suffix: &str,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<insert::Inserted> {
        let full_rows = (MAX_VARIABLES / target.columns.len()).min(MAX_ROWS);
        let mut statements =
            InsertStatements::new(&target.sql_name, &target.quoted_columns(SQLITE), suffix)
                .with_full_rows(full_rows);
        insert::insert_batches(
            &mut self.conn,
            target,
            &mut statements,
            batches,
            on_rows,
            |statements, batch| Ok(statements.split(batch.len())),
            bind,
        )
        .await
    }

    /// For `AUTOINCREMENT` tables, moves `sqlite_sequence` up to the largest rowid. (SQLite
    /// already does so when a row is inserted with an explicit rowid; this covers rows that
    /// came in any other way.) Other rowid tables pick `max(rowid) + 1` by themselves
    /// ("SQLite Autoincrement").
    pub(super) async fn reset_sequences(&mut self, tables: &[&Table]) -> Result<()> {
        for table in tables {
            let Some(column) = table.columns.iter().find(|c| {
                c.identity
                    == Some(Identity::RowId {
                        autoincrement: true,
                    })
            }) else {
                continue;
            };
            let sequence = format!("{}.sqlite_sequence", SQLITE.quote_ident(&table.name.schema));
            let max = format!(
                "(SELECT max({}) FROM {})",
                SQLITE.quote_ident(&column.name),
                SQLITE.quote_table(&table.name)
            );
            let what = format!("resetting sqlite_sequence for {}", table.name);
            for sql in [
                format!("UPDATE {sequence} SET seq = max(seq, coalesce({max}, 0)) WHERE name = ?1"),
                format!(
                    "INSERT INTO {sequence} (name, seq) SELECT ?1, {max} \
                     WHERE {max} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {sequence} WHERE name = ?1)"
                ),
            ] {
                sqlx::query(AssertSqlSafe(sql))
                    .persistent(false)
                    .bind(&table.name.name)
                    .execute(self.conn.get())
                    .await
                    .map_err(|e| DbError::query(&what, e))?;
            }
        }
        Ok(())
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        Ok(self.conn.commit().await?)
    }
}

/// A temporary table of keys and new values, then one `UPDATE ... FROM` (SQLite 3.33 and
/// later, "UPDATE FROM" in the docs).
pub(super) fn update_sql(plan: &UpdatePlan<'_>) -> TempUpdate {
    let target = &plan.target;
    let name = SQLITE.quote_ident(&plan.temp_name);
    let temp = format!("temp.{name}");
    TempUpdate {
        create: format!(
            "CREATE TEMP TABLE {name} AS SELECT {} FROM {} LIMIT 0",
            target.column_list(SQLITE),
            target.sql_name
        ),
        spare: format!(
            "DELETE FROM {temp} AS u WHERE EXISTS (SELECT 1 FROM {} AS t WHERE {})",
            target.sql_name,
            plan.matches(SQLITE)
        ),
        update: format!(
            "UPDATE {} AS t SET {} FROM {temp} AS u WHERE {}",
            target.sql_name,
            plan.assignments(SQLITE, ""),
            plan.matches(SQLITE)
        ),
        drop: format!("DROP TABLE {temp}"),
        temp,
    }
}

/// A key value by its storage class, text parsed by the column's kind.
pub(super) fn decode(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    kind: KeyKind,
) -> sqlx::Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let storage = raw.type_info().name().to_string();
    Ok(match (storage.as_str(), kind) {
        ("INTEGER", KeyKind::Bool) => Value::Bool(row.try_get_unchecked::<i64, _>(i)? != 0),
        ("INTEGER", _) => Value::Int(row.try_get_unchecked(i)?),
        ("REAL", _) => Value::Float(row.try_get_unchecked(i)?),
        ("BLOB", KeyKind::Uuid) => {
            let bytes: Vec<u8> = row.try_get_unchecked(i)?;
            match uuid::Uuid::from_slice(&bytes) {
                Ok(u) => Value::Uuid(u),
                Err(_) => Value::Bytes(bytes),
            }
        }
        ("BLOB", _) => Value::Bytes(row.try_get_unchecked(i)?),
        _ => kind.parse(row.try_get_unchecked(i)?),
    })
}

/// Binds one value as SQLite stores it.
fn bind(
    arguments: &mut SqliteArguments,
    value: Value,
    column: &Column,
) -> Result<(), sqlx::error::BoxDynError> {
    let a = arguments;
    match value {
        Value::Null => Arguments::add(a, None::<i64>),
        Value::Bool(b) => Arguments::add(a, i64::from(b)),
        Value::Int(i) => Arguments::add(a, i),
        // SQLite has no NaN: it stores NULL for one ("Floating Point Numbers").
        Value::Float(f) => Arguments::add(a, f),
        Value::Decimal(s) | Value::Text(s) => Arguments::add(a, s),
        Value::Bytes(bytes) => Arguments::add(a, bytes),
        // A UUID in a BLOB column is its 16 bytes; anywhere else, its text.
        Value::Uuid(u) => match column.column_type {
            ColumnType::Binary { .. } => Arguments::add(a, u.as_bytes().to_vec()),
            _ => Arguments::add(a, u.hyphenated().to_string()),
        },
        value @ (Value::Json(_) | Value::Array(_)) => Arguments::add(a, insert::json_text(&value)),
        other => Arguments::add(a, scalar_text(&other)),
    }
}
