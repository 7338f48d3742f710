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

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool};
use sqlx::{Arguments, AssertSqlSafe, Row as _, SqlSafeStr, Sqlite, TypeInfo, ValueRef};
use tokio::sync::mpsc::Receiver;

use super::insert::{self, InsertStatements};
use super::keys::KeyKind;
use super::{FkChecks, Target, UpdatePlan, existing_keys_sql, fk_check, scalar_text};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::schema::{Column, ColumnType, ForeignKey, Identity, Table};
use crate::value::{Row, Value};

const SQLITE: Backend = Backend::Sqlite;

/// `SQLITE_MAX_VARIABLE_NUMBER` of SQLite 3.32.0 and later.
const MAX_VARIABLES: usize = 32_766;

/// Rows per statement, at most.
const MAX_ROWS: usize = 500;

/// A connection in a transaction.
pub(super) struct Session {
    /// `None` only once committed.
    conn: Option<PoolConnection<Sqlite>>,
}

impl Drop for Session {
    /// Not committed: the connection leaves the pool and closes, which rolls the
    /// transaction back.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl Session {
    pub(super) async fn begin(pool: &SqlitePool, checks: FkChecks) -> Result<Session> {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| Error::query("taking a connection for the load", e))?;
        let mut session = Session { conn: Some(conn) };
        // IMMEDIATE takes the write lock now, so the load cannot fail half-way for a lock
        // another connection took first ("BEGIN TRANSACTION" in the SQLite docs).
        session
            .execute("BEGIN IMMEDIATE", "beginning the load's transaction")
            .await?;
        if checks == FkChecks::Fixtura {
            session
                .execute(
                    "PRAGMA defer_foreign_keys = ON",
                    "deferring foreign-key checks to commit",
                )
                .await?;
        }
        Ok(session)
    }

    fn conn(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_deref_mut()
            .expect("BUG: a session is used only until it commits")
    }

    async fn execute(&mut self, sql: impl SqlSafeStr, what: &str) -> Result<u64> {
        sqlx::raw_sql(sql)
            .execute(self.conn())
            .await
            .map(|done| done.rows_affected())
            .map_err(|e| Error::query(what, e))
    }

    pub(super) async fn write(
        &mut self,
        target: &Target<'_>,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        let width = target.columns.len();
        let full_rows = (MAX_VARIABLES / width).min(MAX_ROWS);
        let mut statements =
            InsertStatements::new(&target.sql_name, &target.quoted_columns(SQLITE), full_rows);
        let what = || format!("inserting rows into {}", target.name);
        let mut written = 0u64;
        while let Some(batch) = batches.recv().await {
            target.check_width(&batch)?;
            let count = batch.len() as u64;
            let mut rows = batch.into_iter();
            for size in statements.split(count as usize) {
                let mut arguments = SqliteArguments::default();
                arguments.reserve(size * width, 0);
                for row in rows.by_ref().take(size) {
                    for (value, column) in row.into_iter().zip(&target.columns) {
                        bind(&mut arguments, value, column)
                            .map_err(|e| Error::query(what(), sqlx::Error::Encode(e)))?;
                    }
                }
                sqlx::query_with(AssertSqlSafe(statements.sql(size)), arguments)
                    .persistent(target.cache_statements)
                    .execute(self.conn())
                    .await
                    .map_err(|e| Error::query(what(), e))?;
            }
            written += count;
            on_rows(count);
        }
        Ok(written)
    }

    /// A temporary table of keys and new values, then one `UPDATE ... FROM` (SQLite 3.33
    /// and later, "UPDATE FROM" in the docs).
    pub(super) async fn update(&mut self, plan: &UpdatePlan<'_>, rows: Vec<Row>) -> Result<u64> {
        let target = &plan.target;
        let name = SQLITE.quote_ident(&plan.temp_name);
        let what = format!("updating {} in bulk", target.name);
        self.execute(
            AssertSqlSafe(format!(
                "CREATE TEMP TABLE {name} AS SELECT {} FROM {} LIMIT 0",
                target.column_list(SQLITE),
                target.sql_name
            )),
            &what,
        )
        .await?;
        let temp = format!("temp.{name}");
        let into_temp = Target {
            name: target.name,
            sql_name: temp.clone(),
            columns: target.columns.clone(),
            cache_statements: false,
        };
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        sender
            .try_send(rows)
            .expect("BUG: a new channel has room for one batch");
        drop(sender);
        self.write(&into_temp, &mut receiver, &mut |_| {}).await?;
        let q = |c: &&Column| SQLITE.quote_ident(&c.name);
        let sets: Vec<String> = plan
            .set_columns()
            .iter()
            .map(|c| format!("{} = u.{}", q(c), q(c)))
            .collect();
        let matches: Vec<String> = plan
            .key_columns()
            .iter()
            .map(|c| format!("t.{} = u.{}", q(c), q(c)))
            .collect();
        let updated = self
            .execute(
                AssertSqlSafe(format!(
                    "UPDATE {} AS t SET {} FROM {temp} AS u WHERE {}",
                    target.sql_name,
                    sets.join(", "),
                    matches.join(" AND ")
                )),
                &what,
            )
            .await?;
        self.execute(AssertSqlSafe(format!("DROP TABLE {temp}")), &what)
            .await?;
        Ok(updated)
    }

    /// How many rows break `fk`, with one of them, or `None` when it holds.
    pub(super) async fn violations(
        &mut self,
        child: &Table,
        fk: &ForeignKey,
    ) -> Result<Option<(i64, Vec<Option<String>>)>> {
        let what = format!("checking foreign key \"{}\" on {}", fk.name, child.name);
        let sample = fk_check::sample_sql(SQLITE, child, fk, |c| format!("CAST({c} AS TEXT)"));
        let Some(row) = sqlx::query(AssertSqlSafe(sample))
            .persistent(false)
            .fetch_optional(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?
        else {
            return Ok(None);
        };
        let values = (0..fk.columns.len())
            .map(|i| {
                row.try_get::<Option<String>, _>(i)
                    .unwrap_or_else(|_| Some("?".into()))
            })
            .collect();
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(fk_check::count_sql(SQLITE, child, fk)))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?;
        Ok(Some((count, values)))
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
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE {sequence} SET seq = max(seq, coalesce({max}, 0)) WHERE name = ?1"
            )))
            .persistent(false)
            .bind(&table.name.name)
            .execute(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?;
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {sequence} (name, seq) SELECT ?1, {max} \
                 WHERE {max} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {sequence} WHERE name = ?1)"
            )))
            .persistent(false)
            .bind(&table.name.name)
            .execute(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?;
        }
        Ok(())
    }

    /// The largest integer in the column (SQLite lets other values share it; they are
    /// skipped).
    pub(super) async fn max_integer(
        &mut self,
        table: &Table,
        column: &Column,
    ) -> Result<Option<i64>> {
        let q = SQLITE.quote_ident(&column.name);
        let sql = format!(
            "SELECT max({q}) FROM {} WHERE typeof({q}) = 'integer'",
            SQLITE.quote_table(&table.name)
        );
        sqlx::query_scalar(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| {
                Error::query(
                    format!("reading the largest {} of {}", column.name, table.name),
                    e,
                )
            })
    }

    /// Keys as stored, read by their storage class (SQLite types values, not columns):
    /// integers, reals and blobs directly, text parsed by the column's type.
    pub(super) async fn existing_keys(
        &mut self,
        target: &Target<'_>,
        limit: u64,
    ) -> Result<Vec<Row>> {
        let kinds: Vec<KeyKind> = target
            .columns
            .iter()
            .map(|c| KeyKind::of(&c.column_type))
            .collect();
        let sql = existing_keys_sql(SQLITE, target, limit, |_, q| q);
        let what = format!("reading existing keys of {}", target.name);
        let rows = sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_all(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?;
        rows.iter()
            .map(|row| {
                kinds
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| decode(row, i, *kind).map_err(|e| Error::query(&what, e)))
                    .collect()
            })
            .collect()
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        // A COMMIT refused for a deferred foreign key leaves the transaction open; the
        // session is then dropped, which closes the connection and rolls back.
        self.execute("COMMIT", "committing the load").await?;
        drop(self.conn.take());
        Ok(())
    }
}

fn decode(row: &sqlx::sqlite::SqliteRow, i: usize, kind: KeyKind) -> sqlx::Result<Value> {
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
