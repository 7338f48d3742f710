//! MySQL/MariaDB: rows go in with multi-row `INSERT ... VALUES (?, ?), (?, ?)` prepared
//! statements, as many rows per statement as the protocol allows.
//!
//! Two limits bound a statement. A prepared statement has at most 65,535 placeholders (the
//! parameter count is a 2-byte field of `COM_STMT_PREPARE_OK`, MySQL client/server
//! protocol). And each packet the client sends, the `COM_STMT_EXECUTE` carrying every
//! bound value included, must fit in the server's `max_allowed_packet` ("Replication and
//! max_allowed_packet", "Packet Too Large" in the MySQL manual), read once per load; each
//! row's size in the binary protocol is estimated from its values. Full-size statements
//! share one SQL text, so the connection's statement cache prepares it once.
//!
//! Foreign keys: `SET FOREIGN_KEY_CHECKS = 0` is a session variable ("Foreign Key Checks"
//! in the manual) and is set back to 1 before `COMMIT`; a load that fails closes its
//! connection, so the setting never reaches another user of the pool.

use std::io;

use sqlx::mysql::{MySqlArguments, MySqlConnection, MySqlPool};
use sqlx::pool::PoolConnection;
use sqlx::{Arguments, AssertSqlSafe, MySql, Row as _, SqlSafeStr};
use tokio::sync::mpsc::Receiver;

use super::insert::{self, InsertStatements};
use super::keys::KeyKind;
use super::{FkChecks, Target, UpdatePlan, WriteError, existing_keys_sql, fk_check};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::schema::{Column, ColumnType, ForeignKey, Table};
use crate::value::{Row, Value};

const MYSQL: Backend = Backend::MySql;

/// The most placeholders one prepared statement may have.
const MAX_PLACEHOLDERS: usize = 65_535;

/// Room left in each packet for the `COM_STMT_EXECUTE` header, statement id, flags and
/// anything the estimate misses.
const PACKET_SLACK: usize = 1024;

/// A connection in a transaction.
pub(super) struct Session {
    /// `None` only once committed.
    conn: Option<PoolConnection<MySql>>,
    /// The server's `max_allowed_packet`, in bytes.
    max_packet: usize,
    /// Whether `FOREIGN_KEY_CHECKS` is 0 and must be set back before commit.
    checks_off: bool,
}

impl Drop for Session {
    /// Not committed: the connection leaves the pool and closes, and the server rolls the
    /// transaction back and forgets the session's settings.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl Session {
    pub(super) async fn begin(pool: &MySqlPool, checks: FkChecks) -> Result<Session> {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| Error::query("taking a connection for the load", e))?;
        let mut session = Session {
            conn: Some(conn),
            max_packet: 0,
            checks_off: false,
        };
        let max_packet: i64 = sqlx::query_scalar("SELECT CAST(@@max_allowed_packet AS SIGNED)")
            .fetch_one(session.conn())
            .await
            .map_err(|e| Error::query("reading max_allowed_packet", e))?;
        session.max_packet = usize::try_from(max_packet).unwrap_or(1024);
        if checks == FkChecks::Fixtura {
            session
                .execute(
                    "SET FOREIGN_KEY_CHECKS = 0",
                    "switching foreign-key checks off for the load",
                )
                .await?;
            session.checks_off = true;
        }
        session
            .execute("START TRANSACTION", "beginning the load's transaction")
            .await?;
        Ok(session)
    }

    fn conn(&mut self) -> &mut MySqlConnection {
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
        let budget = self.max_packet.saturating_sub(PACKET_SLACK).max(1);
        // The rows whose placeholders fit one statement, and whose SQL text fits a packet.
        let probe = InsertStatements::new(&target.sql_name, &target.quoted_columns(MYSQL), 1);
        let by_text = budget.saturating_sub(probe.prefix_len()) / probe.row_text_len();
        let full_rows = (MAX_PLACEHOLDERS / width).min(by_text).max(1);
        let mut statements =
            InsertStatements::new(&target.sql_name, &target.quoted_columns(MYSQL), full_rows);
        let what = || format!("inserting rows into {}", target.name);
        let mut written = 0u64;
        while let Some(batch) = batches.recv().await {
            target.check_width(&batch)?;
            let count = batch.len() as u64;
            let sizes = insert::cut(
                batch.iter().map(|row| row_cost(row)),
                statements.full_rows(),
                budget,
            )
            .map_err(|(_, bytes)| WriteError::RowTooLarge {
                table: target.name.clone(),
                bytes,
                max_allowed_packet: self.max_packet,
            })?;
            let mut rows = batch.into_iter();
            let sizes: Vec<usize> = sizes
                .into_iter()
                .flat_map(|n| statements.split(n))
                .collect();
            for size in sizes {
                let mut arguments = MySqlArguments::default();
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

    /// A temporary table of keys and new values, then one `UPDATE ... JOIN`. Temporary
    /// tables are the one DDL that does not commit the transaction implicitly ("Statements
    /// That Cause an Implicit Commit" in the manual).
    pub(super) async fn update(&mut self, plan: &UpdatePlan<'_>, rows: Vec<Row>) -> Result<u64> {
        let target = &plan.target;
        let temp = format!(
            "{}.{}",
            MYSQL.quote_ident(&target.name.schema),
            MYSQL.quote_ident(&plan.temp_name)
        );
        let what = format!("updating {} in bulk", target.name);
        self.execute(
            AssertSqlSafe(format!(
                "CREATE TEMPORARY TABLE {temp} AS SELECT {} FROM {} LIMIT 0",
                target.column_list(MYSQL),
                target.sql_name
            )),
            &what,
        )
        .await?;
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
        let q = |c: &&Column| MYSQL.quote_ident(&c.name);
        let sets: Vec<String> = plan
            .set_columns()
            .iter()
            .map(|c| format!("t.{} = u.{}", q(c), q(c)))
            .collect();
        let matches: Vec<String> = plan
            .key_columns()
            .iter()
            .map(|c| format!("t.{} = u.{}", q(c), q(c)))
            .collect();
        // sqlx asks for CLIENT_FOUND_ROWS, so this counts matched rows, changed or not.
        let updated = self
            .execute(
                AssertSqlSafe(format!(
                    "UPDATE {} AS t JOIN {temp} AS u ON {} SET {}",
                    target.sql_name,
                    matches.join(" AND "),
                    sets.join(", ")
                )),
                &what,
            )
            .await?;
        self.execute(AssertSqlSafe(format!("DROP TEMPORARY TABLE {temp}")), &what)
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
        let sample = fk_check::sample_sql(MYSQL, child, fk, |c| format!("CAST({c} AS CHAR)"));
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
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(fk_check::count_sql(MYSQL, child, fk)))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?;
        Ok(Some((count, values)))
    }

    pub(super) async fn max_integer(
        &mut self,
        table: &Table,
        column: &Column,
    ) -> Result<Option<i64>> {
        let sql = format!(
            "SELECT CAST(max({}) AS SIGNED) FROM {}",
            MYSQL.quote_ident(&column.name),
            MYSQL.quote_table(&table.name)
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

    /// Keys are read as text (binary columns as bytes) and parsed by type; sqlx sets the
    /// session's time zone to UTC, so TIMESTAMP text is UTC.
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
        let sql = existing_keys_sql(MYSQL, target, limit, |column, q| {
            match KeyKind::of(&column.column_type) {
                KeyKind::Bytes => q,
                _ => format!("CAST({q} AS CHAR)"),
            }
        });
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
                    .map(|(i, kind)| {
                        let value = match kind {
                            KeyKind::Bytes => row
                                .try_get::<Option<Vec<u8>>, _>(i)
                                .map(|v| v.map_or(Value::Null, Value::Bytes)),
                            _ => row
                                .try_get::<Option<String>, _>(i)
                                .map(|v| v.map_or(Value::Null, |text| kind.parse(text))),
                        };
                        value.map_err(|e| Error::query(&what, e))
                    })
                    .collect()
            })
            .collect()
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        if self.checks_off {
            self.execute(
                "SET FOREIGN_KEY_CHECKS = 1",
                "switching foreign-key checks back on",
            )
            .await?;
        }
        self.execute("COMMIT", "committing the load").await?;
        // Committed and settings restored: the connection may go back to the pool.
        drop(self.conn.take());
        Ok(())
    }
}

/// Binds one value as the type MySQL expects for it.
fn bind(
    arguments: &mut MySqlArguments,
    value: Value,
    column: &Column,
) -> Result<(), sqlx::error::BoxDynError> {
    let a = arguments;
    match value {
        Value::Null => Arguments::add(a, None::<String>),
        Value::Bool(b) => Arguments::add(a, b),
        Value::Int(i) => Arguments::add(a, i),
        Value::Float(f) => Arguments::add(a, f),
        Value::Decimal(s) | Value::Text(s) => Arguments::add(a, s),
        Value::Bytes(bytes) => Arguments::add(a, bytes),
        // A UUID kept in BINARY(16) is its 16 bytes; anywhere else, its text.
        Value::Uuid(u) => match column.column_type {
            ColumnType::Binary { .. } => Arguments::add(a, u.as_bytes().to_vec()),
            _ => Arguments::add(a, u.hyphenated().to_string()),
        },
        Value::Date(d) => Arguments::add(a, d),
        Value::Time(t) => Arguments::add(a, t),
        Value::Timestamp(t) => Arguments::add(a, t),
        // sqlx sets the session's time_zone to +00:00, so naive UTC is the instant.
        Value::TimestampTz(t) => Arguments::add(a, t.naive_utc()),
        value @ (Value::Json(_) | Value::Array(_)) => Arguments::add(a, insert::json_text(&value)),
    }
}

/// An estimate, from above, of a row's bytes in a `COM_STMT_EXECUTE` packet: two bytes of
/// type and a bit of NULL bitmap per parameter, then each value in its binary encoding
/// (strings with a length prefix of up to 9 bytes).
fn row_cost(row: &[Value]) -> usize {
    let values: usize = row.iter().map(value_cost).sum();
    2 * row.len() + row.len().div_ceil(8) + values
}

fn value_cost(value: &Value) -> usize {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Float(_) => 8,
        Value::Decimal(s) | Value::Text(s) => s.len() + 9,
        Value::Bytes(b) => b.len() + 9,
        Value::Uuid(_) => 36 + 9,
        Value::Date(_) => 5,
        Value::Time(_) => 13,
        Value::Timestamp(_) | Value::TimestampTz(_) => 12,
        Value::Json(j) => json_len(j) + 9,
        Value::Array(_) => json_len(&insert::to_json(value)) + 9,
    }
}

/// The length of a JSON value's compact text, without building it.
fn json_len(json: &serde_json::Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, json);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_cost_counts_text_by_length_and_json_by_its_compact_text() {
        let json = serde_json::json!({"a": [1, 2]});
        assert_eq!(json_len(&json), json.to_string().len());
        let row = vec![Value::Int(1), Value::Text("héllo".into()), Value::Null];
        assert_eq!(row_cost(&row), 6 + 1 + 8 + (6 + 9));
    }
}
