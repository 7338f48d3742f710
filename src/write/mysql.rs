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

use sqlx::mysql::{MySqlArguments, MySqlPool};
use sqlx::{Arguments, MySql};
use tokio::sync::mpsc::Receiver;

use super::Result;
use super::dialect::Dialect;
use super::insert::{self, InsertStatements};
use super::target::{Target, TempUpdate, UpdatePlan, identifying_key};
use super::{FkChecks, WriteCounts, WriteError};
use crate::db::Backend;
use crate::db::session::Conn;
use crate::schema::{Column, ColumnType, Table};
use crate::value::{Row, Value};

const MYSQL: Backend = Backend::MySql;

/// The most placeholders one prepared statement may have.
const MAX_PLACEHOLDERS: usize = 65_535;

/// Room left in each packet for the `COM_STMT_EXECUTE` header, statement id, flags and
/// anything the estimate misses.
const PACKET_SLACK: usize = 1024;

pub(super) const DIALECT: Dialect = Dialect {
    backend: MYSQL,
    as_text: |c| format!("CAST({c} AS CHAR)"),
    // Keys are read as text (binary columns as bytes) and parsed by type; sqlx sets the
    // session's time zone to UTC, so TIMESTAMP text is UTC.
    keys_as_text: true,
    // A flag column is `BOOLEAN`, which is `TINYINT(1)`: any non-zero value is true.
    flag_is_set: |c| format!("{c} <> 0"),
    flag_is_unset: |c| format!("({c} = 0 OR {c} IS NULL)"),
    max_integer: |table, column| {
        format!(
            "SELECT CAST(max({}) AS SIGNED) FROM {}",
            MYSQL.quote_ident(&column.name),
            MYSQL.quote_table(&table.name)
        )
    },
    // `TRUNCATE` is DDL, which would commit the load's transaction implicitly ("Statements
    // That Cause an Implicit Commit" in the manual).
    truncate: None,
};

/// A connection in a transaction.
pub(super) struct Session {
    pub(super) conn: Conn<MySql>,
    /// The server's `max_allowed_packet`, in bytes.
    max_packet: usize,
    /// Whether `FOREIGN_KEY_CHECKS` is 0 and must be set back before commit.
    checks_off: bool,
}

impl Session {
    pub(super) async fn begin(pool: &MySqlPool, checks: FkChecks) -> Result<Session> {
        let mut conn = Conn::acquire(pool).await?;
        let max_packet = conn
            .fetch_int(
                "SELECT CAST(@@max_allowed_packet AS SIGNED)".into(),
                "reading max_allowed_packet",
            )
            .await?;
        let checks_off = checks == FkChecks::Fixtura;
        if checks_off {
            conn.execute(
                "SET FOREIGN_KEY_CHECKS = 0",
                "switching foreign-key checks off for the load",
            )
            .await?;
        }
        conn.execute("START TRANSACTION", "beginning the load's transaction")
            .await?;
        Ok(Session {
            conn,
            max_packet: max_packet
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(1024),
            checks_off,
        })
    }

    /// Multi-row `INSERT ... ON DUPLICATE KEY UPDATE k = k`: a row whose key exists is
    /// left as it is, any other error still fails. (`INSERT IGNORE` would turn NOT NULL
    /// and conversion errors into warnings too.) sqlx asks for `CLIENT_FOUND_ROWS`, so the
    /// affected-rows count cannot tell a skipped row from an inserted one: the table's rows
    /// are counted before and after instead.
    pub(super) async fn write_missing(
        &mut self,
        table: &Table,
        target: &Target<'_>,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<WriteCounts> {
        let Some(key) = identifying_key(table) else {
            // Nothing can collide: a plain write.
            let done = self.insert(target, "", batches, on_rows).await?;
            return Ok(WriteCounts {
                inserted: done.rows,
                skipped: 0,
            });
        };
        // A generated column cannot be assigned, even to itself.
        let kept = key
            .columns
            .iter()
            .find(|c| table.column(c).is_some_and(|c| c.generated.is_none()))
            .unwrap_or(&target.columns[0].name);
        let kept = MYSQL.quote_ident(kept);
        let what = format!("counting the rows of {}", target.name);
        let count = format!("SELECT count(*) FROM {}", target.sql_name);
        let before = self.conn.fetch_int(count.clone(), &what).await?;
        let suffix = format!(" ON DUPLICATE KEY UPDATE {kept} = {kept}");
        let done = self.insert(target, &suffix, batches, on_rows).await?;
        let after = self.conn.fetch_int(count, &what).await?;
        let inserted = u64::try_from(after.unwrap_or(0) - before.unwrap_or(0)).unwrap_or(0);
        Ok(WriteCounts {
            inserted,
            skipped: done.rows.saturating_sub(inserted),
        })
    }

    /// Every batch as statements of as many rows as fit both limits, each ending with
    /// `suffix`.
    pub(super) async fn insert(
        &mut self,
        target: &Target<'_>,
        suffix: &str,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<insert::Inserted> {
        let width = target.columns.len();
        let max_packet = self.max_packet;
        let budget = max_packet.saturating_sub(PACKET_SLACK).max(1);
        // The rows whose placeholders fit one statement, and whose SQL text fits a packet.
        let statements =
            InsertStatements::new(&target.sql_name, &target.quoted_columns(MYSQL), suffix);
        let full_rows = (MAX_PLACEHOLDERS / width).min(statements.rows_within(budget));
        let mut statements = statements.with_full_rows(full_rows);
        // Rows by their size in the packet, then each part in statements of cached sizes.
        let sizes = |statements: &InsertStatements, batch: &[Row]| {
            let parts = insert::cut(
                batch.iter().map(|row| row_cost(row)),
                statements.full_rows(),
                budget,
            )
            .map_err(|(_, bytes)| WriteError::RowTooLarge {
                table: target.name.clone(),
                bytes,
                max_allowed_packet: max_packet,
            })?;
            Ok(parts
                .into_iter()
                .flat_map(|n| statements.split(n))
                .collect())
        };
        insert::insert_batches(
            &mut self.conn,
            target,
            &mut statements,
            batches,
            on_rows,
            sizes,
            bind,
        )
        .await
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        if self.checks_off {
            self.conn
                .execute(
                    "SET FOREIGN_KEY_CHECKS = 1",
                    "switching foreign-key checks back on",
                )
                .await?;
        }
        // Committed and settings restored: the connection may go back to the pool.
        Ok(self.conn.commit().await?)
    }
}

/// A temporary table of keys and new values, then one `UPDATE ... JOIN`. Temporary tables
/// are the one DDL that does not commit the transaction implicitly ("Statements That Cause
/// an Implicit Commit" in the manual). sqlx asks for CLIENT_FOUND_ROWS, so the `UPDATE`
/// counts matched rows, changed or not.
pub(super) fn update_sql(plan: &UpdatePlan<'_>) -> TempUpdate {
    let target = &plan.target;
    let temp = format!(
        "{}.{}",
        MYSQL.quote_ident(&target.name.schema),
        MYSQL.quote_ident(&plan.temp_name)
    );
    TempUpdate {
        create: format!(
            "CREATE TEMPORARY TABLE {temp} AS SELECT {} FROM {} LIMIT 0",
            target.column_list(MYSQL),
            target.sql_name
        ),
        // The multi-table form: older MySQL and MariaDB take no alias in a single-table DELETE.
        spare: format!(
            "DELETE u FROM {temp} AS u JOIN {} AS t ON {}",
            target.sql_name,
            plan.matches(MYSQL)
        ),
        update: format!(
            "UPDATE {} AS t JOIN {temp} AS u ON {} SET {}",
            target.sql_name,
            plan.matches(MYSQL),
            plan.assignments(MYSQL, "t.")
        ),
        drop: format!("DROP TEMPORARY TABLE {temp}"),
        temp,
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
