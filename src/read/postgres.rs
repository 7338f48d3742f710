//! PostgreSQL: rows come out with `COPY (SELECT ...) TO STDOUT` (sqlx `copy_out_raw`),
//! inside a `REPEATABLE READ` transaction, so every table of a snapshot sees the same
//! moment ("Transaction Isolation" in the manual).
//!
//! COPY's text format is each type's own output function, the text `pg_dump` relies on to
//! restore exactly; `copy_text.rs` parses it. The binary format (`copy_binary.rs`, the
//! default) spares the server printing and fixtura parsing every timestamp, UUID and
//! number: built-in types come in their binary form and are decoded into the values the
//! text would give; every other column is selected through its output function, so it
//! arrives as the very text a text `COPY` prints. `FIXTURA_PG_COPY=text` reads in text.
//! The `SET LOCAL`s fix every setting that output depends on, for this transaction only
//! ("Client Connection Defaults": `DateStyle`, `TimeZone`, `IntervalStyle`,
//! `extra_float_digits`, `bytea_output`), and keep the row order of a table's scan the
//! same whatever the format or moment: no parallel workers (whose interleaving depends on
//! the plan, which wrapping a column in a function can change) and no synchronized scans
//! (which start a big table's scan wherever another scan is; "Resource Consumption",
//! "Previous PostgreSQL Versions"). Two snapshots of the same rows are then byte-identical.

use futures_util::TryStreamExt as _;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{AssertSqlSafe, Postgres, Row as _};
use tokio::sync::mpsc::Sender;

use super::Result;
use super::copy_binary::{self, Decoder, Tuples};
use super::copy_text::{self, LineError, Lines};
use super::{Batches, Select, not_an_integer};
use crate::db::Backend;
use crate::db::DbError;
use crate::db::session::Conn;
use crate::db::wire;
use crate::schema::ColumnType;
use crate::value::Row;

const PG: Backend = Backend::Postgres;

/// The settings COPY's output is parsed with.
const SETTINGS: &str = "SET LOCAL DateStyle = 'ISO, YMD'; \
     SET LOCAL TimeZone = 'UTC'; \
     SET LOCAL IntervalStyle = 'postgres'; \
     SET LOCAL extra_float_digits = 3; \
     SET LOCAL bytea_output = 'hex'; \
     SET LOCAL max_parallel_workers_per_gather = 0; \
     SET LOCAL synchronize_seqscans = off";

/// Raw binary COPY data is sent on in buffers of about this size.
pub(super) const RAW_BUFFER: usize = 1 << 20;

async fn send_raw(sender: &Sender<Vec<u8>>, buffer: Vec<u8>, what: &str) -> Result<()> {
    Ok(sender.send(buffer).await.map_err(|_| {
        DbError::query(
            what,
            sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the receiver of the rows stopped before the table was read",
            )),
        )
    })?)
}

/// A connection in a read transaction.
pub(super) struct Session {
    /// Dropped unfinished, the connection leaves the pool and closes: the server rolls back
    /// (and, on MySQL, drops the session's temporary tables).
    conn: Conn<Postgres>,
    /// Whether tables are read in binary ([`wire::binary_enabled`]).
    binary: bool,
}

impl Session {
    pub(super) async fn begin(pool: &PgPool) -> Result<Session> {
        let mut session = Session {
            conn: Conn::acquire(pool).await?,
            binary: wire::binary_enabled(),
        };
        session
            .run(
                "BEGIN ISOLATION LEVEL REPEATABLE READ",
                "beginning the read transaction",
            )
            .await?;
        session
            .run(SETTINGS, "fixing the output settings of the read")
            .await?;
        Ok(session)
    }

    fn conn(&mut self) -> &mut PgConnection {
        self.conn.get()
    }

    async fn run(&mut self, sql: &str, what: &str) -> Result<u64> {
        Ok(self
            .conn
            .execute(AssertSqlSafe(sql.to_string()), what)
            .await?)
    }

    pub(super) async fn rows(
        &mut self,
        select: &Select<'_>,
        sender: &Sender<Vec<Row>>,
    ) -> Result<u64> {
        if self.binary {
            self.rows_binary(select, sender).await
        } else {
            self.rows_text(select, sender).await
        }
    }

    /// `COPY (SELECT ...) TO STDOUT (FORMAT binary)` for `select`, each column either
    /// itself (decoded from its binary form) or through its output function (typed from
    /// that text); and each column's decoder. `None` when the catalogs do not list a
    /// column the schema has (a concurrent `ALTER`) or the role may not call an output
    /// function: read as text then.
    pub(super) async fn binary_copy(
        &mut self,
        select: &Select<'_>,
    ) -> Result<Option<(String, Vec<(Decoder, ColumnType)>)>> {
        if !self.binary {
            return Ok(None);
        }
        let table = wire::table_wire(self.conn(), &select.table.name).await?;
        let mut expressions = Vec::with_capacity(select.columns.len());
        let mut columns = Vec::with_capacity(select.columns.len());
        for column in &select.columns {
            let Some(found) = table.column(&column.name) else {
                return Ok(None);
            };
            let decoder = Decoder::for_column(found.wire.as_ref(), &column.column_type);
            let reference = Select::column_ref(PG, column);
            expressions.push(match (&decoder, &found.output) {
                (Decoder::Native(_), _) => reference,
                (Decoder::Output, Some(output)) => format!("{output}({reference})"),
                // An output function this role may not call: the table is read as text.
                (Decoder::Output, None) => return Ok(None),
            });
            columns.push((decoder, column.column_type.clone()));
        }
        let statement = format!(
            "COPY ({}) TO STDOUT (FORMAT binary)",
            select.sql(PG, &expressions)
        );
        Ok(Some((statement, columns)))
    }

    /// The data of a binary `COPY ... TO STDOUT`, as it comes, gathered into buffers of
    /// about [`RAW_BUFFER`] bytes sent to `sender`.
    pub(super) async fn copy_raw(
        &mut self,
        statement: &str,
        what: &str,
        sender: &Sender<Vec<u8>>,
    ) -> Result<()> {
        let mut stream = self
            .conn()
            .copy_out_raw(statement)
            .await
            .map_err(|e| DbError::query(what, e))?;
        let mut buffer = Vec::with_capacity(RAW_BUFFER + (RAW_BUFFER >> 3));
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|e| DbError::query(what, e))?
        {
            buffer.extend_from_slice(&chunk);
            if buffer.len() >= RAW_BUFFER {
                let full = std::mem::replace(
                    &mut buffer,
                    Vec::with_capacity(RAW_BUFFER + (RAW_BUFFER >> 3)),
                );
                send_raw(sender, full, what).await?;
            }
        }
        if !buffer.is_empty() {
            send_raw(sender, buffer, what).await?;
        }
        Ok(())
    }

    async fn rows_binary(&mut self, select: &Select<'_>, sender: &Sender<Vec<Row>>) -> Result<u64> {
        let Some((statement, columns)) = self.binary_copy(select).await? else {
            return self.rows_text(select, sender).await;
        };
        let framing = Framing::Binary {
            tuples: Tuples::default(),
            columns,
        };
        self.stream_rows(select, sender, &statement, framing).await
    }

    /// `COPY (SELECT ...) TO STDOUT` in text format, each field typed by its column.
    async fn rows_text(&mut self, select: &Select<'_>, sender: &Sender<Vec<Row>>) -> Result<u64> {
        let expressions: Vec<String> = select
            .columns
            .iter()
            .map(|c| Select::column_ref(PG, c))
            .collect();
        let statement = format!("COPY ({}) TO STDOUT", select.sql(PG, &expressions));
        let framing = Framing::Text {
            lines: Lines::default(),
            types: select.columns.iter().map(|c| &c.column_type).collect(),
        };
        self.stream_rows(select, sender, &statement, framing).await
    }

    /// Runs the COPY `statement` and sends its rows, cut and decoded by `framing`, in
    /// batches to `sender`; returns how many.
    async fn stream_rows(
        &mut self,
        select: &Select<'_>,
        sender: &Sender<Vec<Row>>,
        statement: &str,
        mut framing: Framing<'_>,
    ) -> Result<u64> {
        let what = select.what();
        let mut stream = self
            .conn()
            .copy_out_raw(statement)
            .await
            .map_err(|e| DbError::query(&what, e))?;
        let mut batches = Batches::new(select, sender);
        // Rows completed by one chunk (PostgreSQL sends about one row per CopyData message).
        let mut decoded: Vec<Row> = Vec::new();
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|e| DbError::query(&what, e))?
        {
            framing
                .feed(&chunk, &mut decoded)
                .map_err(|(column, message)| {
                    let name = column.map(|i| select.columns[i].name.as_str());
                    select.decode_error(name, message)
                })?;
            for row in decoded.drain(..) {
                batches.push(row).await?;
            }
        }
        if let Some(message) = framing.unfinished() {
            return Err(select.decode_error(None, message));
        }
        batches.finish().await
    }

    pub(super) async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.run(sql, &format!("running in the read transaction: {sql}"))
            .await
    }

    pub(super) async fn scalar(&mut self, sql: &str) -> Result<i64> {
        let row = sqlx::query(AssertSqlSafe(sql.to_string()))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| DbError::query(format!("running in the read transaction: {sql}"), e))?;
        row.try_get::<i64, _>(0)
            .or_else(|_| row.try_get::<i32, _>(0).map(i64::from))
            .or_else(|_| row.try_get::<i16, _>(0).map(i64::from))
            .map_err(|e| not_an_integer(sql, e))
    }

    pub(super) async fn finish(mut self) -> Result<()> {
        self.run("ROLLBACK", "ending the read transaction").await?;
        // Rolled back, settings gone with it: the connection may go back to the pool.
        self.conn.release();
        Ok(())
    }
}

/// How a COPY's stream of chunks becomes rows: text lines typed by their columns, or binary
/// tuples decoded by their columns' decoders.
enum Framing<'a> {
    Text {
        lines: Lines,
        types: Vec<&'a ColumnType>,
    },
    Binary {
        tuples: Tuples,
        columns: Vec<(Decoder, ColumnType)>,
    },
}

impl Framing<'_> {
    /// Appends to `rows` every row `chunk` completes.
    fn feed(&mut self, chunk: &[u8], rows: &mut Vec<Row>) -> Result<(), LineError> {
        match self {
            Framing::Text { lines, types } => lines.feed(chunk, |line| {
                rows.push(copy_text::decode_line(line, types)?);
                Ok(())
            }),
            Framing::Binary { tuples, columns } => tuples.feed(
                chunk,
                |tuple| {
                    rows.push(copy_binary::decode_tuple(tuple, columns)?);
                    Ok(())
                },
                |message| (None, message.to_string()),
            ),
        }
    }

    /// Why the stream ended too early, if it did.
    fn unfinished(&self) -> Option<&'static str> {
        match self {
            Framing::Text { lines, .. } if lines.has_partial_line() => {
                Some("the COPY data ended in the middle of a row")
            }
            Framing::Binary { tuples, .. } if !tuples.is_complete() => {
                Some("the binary COPY data ended before its trailer")
            }
            _ => None,
        }
    }
}
