//! The read side of snapshots: rows streamed out of a database as
//! [`Value`](crate::value::Value)s, losslessly, inside one consistent read transaction.
//!
//! - PostgreSQL: `COPY (SELECT ...) TO STDOUT` (sqlx `copy_out_raw`) in binary format
//!   (`copy_binary.rs`; columns of types it does not decode come through their output
//!   function) or text (`copy_text.rs`), typed by each column's
//!   [`ColumnType`](crate::schema::ColumnType) into the same values either way, in a
//!   `REPEATABLE READ` transaction with the output settings fixed (ISO dates, UTC, hex
//!   bytea, shortest exact floats);
//! - MySQL/MariaDB: a streamed `SELECT` in `START TRANSACTION WITH CONSISTENT SNAPSHOT`,
//!   integers, floats and bytes read with sqlx's typed getters, everything else as the
//!   server's text (`CAST(... AS CHAR)`), so no digit or odd date is lost;
//! - SQLite: a streamed `SELECT` in `BEGIN`, each cell read by its storage class (INTEGER,
//!   REAL, TEXT, BLOB), not by the declared type, so its dynamic typing survives.
//!
//! For PostgreSQL in binary format, [`Read::binary_rows`] and [`Read::copy_raw`] give the
//! raw `COPY` data instead, decoded where it is consumed ([`BinaryRows::feed`]) into
//! borrowed [`Cell`]s: snapshot creation writes JSON from them on its writer thread without
//! building a row of values. Both routes decode every field the same way.
//!
//! A [`Read`] owns one connection taken out of the pool. [`Read::finish`] rolls back
//! (nothing was written but temporary tables); dropped without it, or after a failed step,
//! the connection is closed instead of going back to the pool half-way through a COPY or
//! with a transaction open. Each backend's SQL lives in its own file.

#[cfg(feature = "postgres")]
mod copy_binary;
#[cfg(feature = "postgres")]
mod copy_text;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod pg_text;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "_sqlite")]
mod sqlite;

use std::io;

use tokio::sync::mpsc::Sender;

use crate::db::{Backend, Db, DbError, QualifiedName};
use crate::schema::{Column, Table};
use crate::value::Row;

#[cfg(feature = "postgres")]
pub(crate) use copy_binary::Cell;
#[cfg(feature = "postgres")]
use copy_binary::{Decoder, Tuples};

/// What a step of a read returns.
pub(crate) type Result<T, E = ReadError> = std::result::Result<T, E>;

/// What can go wrong reading rows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A statement failed, or a value could not be decoded.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A column asked for is not in the table.
    #[error("table {table} has no column \"{column}\"")]
    UnknownColumn {
        /// The table.
        table: QualifiedName,
        /// The column asked for.
        column: String,
    },
    /// A read that names no column.
    #[error("a read of {table} names no column")]
    NoColumns {
        /// The table.
        table: QualifiedName,
    },
    /// A step was tried after an earlier one failed.
    #[error("the read was abandoned after an earlier error")]
    Abandoned,
}

/// What a backend needs to stream one table's rows.
pub(super) struct Select<'a> {
    pub table: &'a Table,
    pub columns: Vec<&'a Column>,
    pub filter: Option<&'a str>,
    pub batch: usize,
}

impl Select<'_> {
    /// `SELECT <expressions> FROM <table> t [WHERE (<filter>)]`.
    pub(super) fn sql(&self, backend: Backend, expressions: &[String]) -> String {
        let mut sql = format!(
            "SELECT {} FROM {} t",
            expressions.join(", "),
            backend.quote_table(&self.table.name)
        );
        if let Some(filter) = self.filter {
            sql.push_str(" WHERE (");
            sql.push_str(filter);
            sql.push(')');
        }
        sql
    }

    /// `t.<column>`, quoted.
    pub(super) fn column_ref(backend: Backend, column: &Column) -> String {
        format!("t.{}", backend.quote_ident(&column.name))
    }

    /// What to say when reading fails.
    pub(super) fn what(&self) -> String {
        format!("reading rows of {}", self.table.name)
    }

    /// A value that cannot be read as its column's type (`None`: no one column is at fault).
    pub(super) fn decode_error(
        &self,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> ReadError {
        let what = match column {
            Some(column) => format!("reading column \"{column}\" of {}", self.table.name),
            None => self.what(),
        };
        DbError::query(what, sqlx::Error::Decode(message.into().into())).into()
    }
}

#[cfg(feature = "postgres")]
/// Receives the cells of raw binary rows ([`BinaryRows::feed`]).
pub(crate) trait CellSink {
    /// Field `column` of the current row.
    fn cell(&mut self, column: usize, cell: Cell<'_>);
    /// The current row is complete.
    fn end_row(&mut self);
}

#[cfg(feature = "postgres")]
/// Decodes the raw binary `COPY` data of one table (from [`Read::copy_raw`]), buffer by
/// buffer; a row may span buffers.
pub(crate) struct BinaryRows {
    table: QualifiedName,
    names: Vec<String>,
    columns: Vec<(Decoder, crate::schema::ColumnType)>,
    tuples: Tuples,
}

#[cfg(feature = "postgres")]
impl BinaryRows {
    /// Feeds one buffer: `sink` hears every cell of every row it completes.
    pub(crate) fn feed(&mut self, data: &[u8], sink: &mut impl CellSink) -> Result<()> {
        let columns = &self.columns;
        self.tuples
            .feed(
                data,
                |tuple| {
                    copy_binary::visit_tuple(tuple, columns, |i, cell| sink.cell(i, cell))?;
                    sink.end_row();
                    Ok(())
                },
                |message| (None, message.to_string()),
            )
            .map_err(|(column, message)| self.decode_error(column, message))
    }

    /// Fails unless the data ended where it should.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.tuples.is_complete() {
            Ok(())
        } else {
            Err(self.decode_error(None, "the binary COPY data ended before its trailer".into()))
        }
    }

    fn decode_error(&self, column: Option<usize>, message: String) -> ReadError {
        let what = match column.and_then(|i| self.names.get(i)) {
            Some(column) => format!("reading column \"{column}\" of {}", self.table),
            None => format!("reading rows of {}", self.table),
        };
        DbError::query(what, sqlx::Error::Decode(message.into())).into()
    }
}

#[cfg(feature = "postgres")]
/// A binary `COPY` statement waiting to run ([`Read::copy_raw`]).
pub(crate) struct RawCopy {
    statement: String,
    what: String,
}

/// Gathers rows into batches of at most `size` and sends each full one.
pub(super) struct Batches<'a> {
    sender: &'a Sender<Vec<Row>>,
    table: &'a QualifiedName,
    size: usize,
    rows: Vec<Row>,
    count: u64,
}

impl<'a> Batches<'a> {
    pub(super) fn new(select: &Select<'a>, sender: &'a Sender<Vec<Row>>) -> Batches<'a> {
        Batches {
            sender,
            table: &select.table.name,
            size: select.batch,
            rows: Vec::with_capacity(select.batch.min(1024)),
            count: 0,
        }
    }

    pub(super) async fn push(&mut self, row: Row) -> Result<()> {
        self.rows.push(row);
        self.count += 1;
        if self.rows.len() >= self.size {
            self.send().await?;
        }
        Ok(())
    }

    /// Sends the last, partial batch; returns the number of rows read.
    pub(super) async fn finish(mut self) -> Result<u64> {
        self.send().await?;
        Ok(self.count)
    }

    async fn send(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.rows, Vec::with_capacity(self.size.min(1024)));
        Ok(self.sender.send(batch).await.map_err(|_| {
            DbError::query(
                format!("reading rows of {}", self.table),
                sqlx::Error::Io(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the receiver of the rows stopped before the table was read",
                )),
            )
        })?)
    }
}

/// The open transaction, per backend.
enum Session {
    #[cfg(feature = "postgres")]
    Postgres(postgres::Session),
    #[cfg(feature = "mysql")]
    MySql(mysql::Session),
    #[cfg(feature = "_sqlite")]
    Sqlite(sqlite::Session),
}

/// One connection taken from the pool, in a read transaction.
pub(crate) struct Read {
    backend: Backend,
    session: Session,
    /// Set when a step failed: the connection may be mid-stream, so it is closed at the end.
    failed: bool,
}

impl Read {
    /// A consistent read transaction: PostgreSQL `BEGIN ISOLATION LEVEL REPEATABLE READ`
    /// (plus `SET LOCAL DateStyle = 'ISO, YMD'`, `TimeZone = 'UTC'`,
    /// `IntervalStyle = 'postgres'`, `extra_float_digits = 3`, `bytea_output = 'hex'`);
    /// MySQL `START TRANSACTION WITH CONSISTENT SNAPSHOT` (and `SET time_zone = '+00:00'`
    /// for the session); SQLite `BEGIN`.
    pub(crate) async fn begin(db: &Db) -> Result<Read> {
        let session = match db {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => Session::Postgres(postgres::Session::begin(pool).await?),
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => Session::MySql(mysql::Session::begin(pool).await?),
            #[cfg(feature = "_sqlite")]
            Db::Sqlite(pool) => Session::Sqlite(sqlite::Session::begin(pool).await?),
        };
        Ok(Read {
            backend: db.backend(),
            session,
            failed: false,
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// Streams the rows of `columns` of `table` (aliased `t` in the SELECT, so `filter` — a
    /// SQL boolean expression — may say `t.col`) matching `filter` (None: all rows), in
    /// batches of at most `batch` rows sent to `sender`; returns the number of rows read.
    /// Never holds more than one batch (plus the backend's fetch buffer) in memory.
    pub(crate) async fn rows(
        &mut self,
        table: &Table,
        columns: &[String],
        filter: Option<&str>,
        batch: usize,
        sender: &Sender<Vec<Row>>,
    ) -> Result<u64> {
        self.ensure_usable()?;
        let columns = select_columns(table, columns)?;
        let select = Select {
            table,
            columns,
            filter,
            batch: batch.max(1),
        };
        let result = match &mut self.session {
            #[cfg(feature = "postgres")]
            Session::Postgres(s) => s.rows(&select, sender).await,
            #[cfg(feature = "mysql")]
            Session::MySql(s) => s.rows(&select, sender).await,
            #[cfg(feature = "_sqlite")]
            Session::Sqlite(s) => s.rows(&select, sender).await,
        };
        self.track(result)
    }

    #[cfg(feature = "postgres")]
    /// On PostgreSQL with the binary format: the rows [`Read::rows`] would stream, as a
    /// binary `COPY` to run with [`Read::copy_raw`] and the decoder of its data. `None`
    /// elsewhere, or when a table is read as text.
    pub(crate) async fn binary_rows(
        &mut self,
        table: &Table,
        columns: &[String],
        filter: Option<&str>,
    ) -> Result<Option<(RawCopy, BinaryRows)>> {
        self.ensure_usable()?;
        #[allow(irrefutable_let_patterns)] // a build with PostgreSQL alone
        let Session::Postgres(session) = &mut self.session else {
            return Ok(None);
        };
        let select = Select {
            table,
            columns: select_columns(table, columns)?,
            filter,
            batch: 1,
        };
        let result = session.binary_copy(&select).await;
        let Some((statement, decoders)) = self.track(result)? else {
            return Ok(None);
        };
        Ok(Some((
            RawCopy {
                statement,
                what: select.what(),
            },
            BinaryRows {
                table: table.name.clone(),
                names: columns.to_vec(),
                columns: decoders,
                tuples: Tuples::default(),
            },
        )))
    }

    #[cfg(feature = "postgres")]
    /// Runs `copy`, sending its data in buffers of about 1 MiB to `sender` (decode them with
    /// the [`BinaryRows`] that came with it).
    pub(crate) async fn copy_raw(&mut self, copy: RawCopy, sender: &Sender<Vec<u8>>) -> Result<()> {
        self.ensure_usable()?;
        #[allow(irrefutable_let_patterns)] // a build with PostgreSQL alone
        let Session::Postgres(session) = &mut self.session else {
            return Err(
                DbError::Unsupported("raw COPY data exists only on PostgreSQL".into()).into(),
            );
        };
        let result = session.copy_raw(&copy.statement, &copy.what, sender).await;
        self.track(result)
    }

    /// Runs one statement (e.g. creating and filling a temporary table) inside the
    /// transaction; returns rows affected.
    pub(crate) async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.ensure_usable()?;
        let result = match &mut self.session {
            #[cfg(feature = "postgres")]
            Session::Postgres(s) => s.execute(sql).await,
            #[cfg(feature = "mysql")]
            Session::MySql(s) => s.execute(sql).await,
            #[cfg(feature = "_sqlite")]
            Session::Sqlite(s) => s.execute(sql).await,
        };
        self.track(result)
    }

    /// A single integer (e.g. a count).
    pub(crate) async fn scalar(&mut self, sql: &str) -> Result<i64> {
        self.ensure_usable()?;
        let result = match &mut self.session {
            #[cfg(feature = "postgres")]
            Session::Postgres(s) => s.scalar(sql).await,
            #[cfg(feature = "mysql")]
            Session::MySql(s) => s.scalar(sql).await,
            #[cfg(feature = "_sqlite")]
            Session::Sqlite(s) => s.scalar(sql).await,
        };
        self.track(result)
    }

    /// Ends the transaction (rolls back: nothing was written but temporary tables). After a
    /// failed step the connection is closed instead, which rolls back as well.
    pub(crate) async fn finish(self) -> Result<()> {
        if self.failed {
            // Dropping the session closes its connection.
            return Ok(());
        }
        match self.session {
            #[cfg(feature = "postgres")]
            Session::Postgres(s) => s.finish().await,
            #[cfg(feature = "mysql")]
            Session::MySql(s) => s.finish().await,
            #[cfg(feature = "_sqlite")]
            Session::Sqlite(s) => s.finish().await,
        }
    }

    fn track<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn ensure_usable(&self) -> Result<()> {
        if self.failed {
            return Err(ReadError::Abandoned);
        }
        Ok(())
    }
}

/// The columns named, checked against the table.
fn select_columns<'a>(table: &'a Table, columns: &[String]) -> Result<Vec<&'a Column>> {
    let found = columns
        .iter()
        .map(|name| {
            table.column(name).ok_or_else(|| ReadError::UnknownColumn {
                table: table.name.clone(),
                column: name.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if found.is_empty() {
        return Err(ReadError::NoColumns {
            table: table.name.clone(),
        });
    }
    Ok(found)
}

/// A statement's single value that is not an integer.
pub(super) fn not_an_integer(sql: &str, source: sqlx::Error) -> ReadError {
    DbError::query(format!("reading an integer from: {sql}"), source).into()
}

#[cfg(test)]
pub(crate) mod tests;
