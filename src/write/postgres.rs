//! PostgreSQL: rows go in with `COPY ... FROM STDIN`, one `COPY` per write, each batch
//! encoded into one buffer and sent as it fills: in binary format (`copy_binary.rs`) when
//! every column written is a built-in type fixtura encodes totally, else in text format
//! (`copy_text.rs`). The binary format spares the server parsing every timestamp, date and
//! UUID from text, the larger part of a load's server time. A value the binary encoder
//! cannot carry exactly (see `copy_binary.rs`) ends the binary `COPY` there: the rows
//! already sent stay (same transaction), and the rest of the write goes in a text `COPY`.
//!
//! Foreign keys: `SET LOCAL session_replication_role = replica` switches this
//! transaction's foreign-key triggers off (PostgreSQL manual, "Client Connection Defaults",
//! `session_replication_role`: triggers that are not `ENABLE REPLICA`/`ALWAYS`, which
//! includes the RI triggers, do not fire), and the keys are then checked set-wise; or the
//! server checks them, deferrable ones at commit (`SET CONSTRAINTS ALL DEFERRED`). `LOCAL`
//! settings end with the transaction, so nothing outlives a failure.

use std::collections::HashMap;

use sqlx::postgres::{PgConnection, PgCopyIn, PgPool};
use sqlx::{AssertSqlSafe, Postgres};
use tokio::sync::mpsc::Receiver;

use super::Result;
use super::copy_binary::{self, Server};
use super::dialect::{Dialect, Truncate};
use super::target::{self, Target, TempUpdate, UpdatePlan};
use super::{FkChecks, WriteCounts, copy_text};
use crate::db::Backend;
use crate::db::DbError;
use crate::db::session::Conn;
use crate::db::wire::{self, TableWire, Wire};
use crate::schema::{ColumnType, Identity, QualifiedName, Table};
use crate::value::Row;

const PG: Backend = Backend::Postgres;

/// COPY data is sent whenever this much is buffered (and at the end of each batch), so a
/// huge batch does not make a huge buffer.
const SEND_AT: usize = 1 << 20;

pub(super) const DIALECT: Dialect = Dialect {
    backend: PG,
    as_text: |c| format!("{c}::text"),
    // Keys are read as text (bytea as bytes) and parsed by type: sqlx sets the session's
    // DateStyle to ISO and TimeZone to UTC, so the text is unambiguous.
    keys_as_text: true,
    // A boolean flag: `IS TRUE` / `IS NOT TRUE`, so NULL counts as not flagged.
    flag_is_set: |c| format!("{c} IS TRUE"),
    flag_is_unset: |c| format!("{c} IS NOT TRUE"),
    max_integer: |table, column| {
        format!(
            "SELECT max({})::int8 FROM {}",
            PG.quote_ident(&column.name),
            PG.quote_table(&table.name)
        )
    },
    // One `TRUNCATE` of every table, never `CASCADE`: a table outside the list that
    // references one of them would fail it, so the caller deletes instead then. `LOCK TABLE`
    // first takes the lock `TRUNCATE` would (ACCESS EXCLUSIVE), so the rows counted in
    // between are the rows it removes (manual, "LOCK", "TRUNCATE").
    truncate: Some(Truncate {
        lock: |tables| format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", table_list(tables)),
        empty: |tables| format!("TRUNCATE {}", table_list(tables)),
    }),
};

fn table_list(tables: &[&Table]) -> String {
    let names: Vec<String> = tables.iter().map(|t| PG.quote_table(&t.name)).collect();
    names.join(", ")
}

/// A connection in a transaction.
pub(super) struct Session {
    pub(super) conn: Conn<Postgres>,
    /// Whether writes may use the binary format ([`wire::binary_enabled`]).
    binary: bool,
    /// The wire types of each table written so far (temporary tables share their target's).
    wires: HashMap<QualifiedName, TableWire>,
}

impl Session {
    pub(super) async fn begin(pool: &PgPool, checks: FkChecks) -> Result<Session> {
        let mut conn = Conn::acquire(pool).await?;
        conn.execute("BEGIN", "beginning the load's transaction")
            .await?;
        // Test data need not survive a crash of the server: commit without waiting for
        // the WAL flush ("Asynchronous Commit" in the manual).
        conn.execute(
            "SET LOCAL synchronous_commit = off",
            "setting synchronous_commit",
        )
        .await?;
        match checks {
            FkChecks::Fixtura => {
                conn.execute(
                    "SET LOCAL session_replication_role = replica",
                    "switching foreign-key triggers off for the load (session_replication_role = replica)",
                )
                .await?
            }
            FkChecks::Server => {
                conn.execute(
                    "SET CONSTRAINTS ALL DEFERRED",
                    "deferring deferrable constraints",
                )
                .await?
            }
        };
        Ok(Session {
            conn,
            binary: wire::binary_enabled(),
            wires: HashMap::new(),
        })
    }

    pub(super) async fn write(
        &mut self,
        target: &Target<'_>,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        let format = self.format(target).await?;
        copy_in(self.conn.get(), target, format, batches, on_rows).await
    }

    /// Binary when every column written has a wire type, else text.
    async fn format(&mut self, target: &Target<'_>) -> Result<Format> {
        if !self.binary {
            return Ok(Format::Text);
        }
        if !self.wires.contains_key(target.name) {
            let found = wire::table_wire(self.conn.get(), target.name).await?;
            self.wires.insert(target.name.clone(), found);
        }
        let table = &self.wires[target.name];
        let wires: Option<Vec<Wire>> = target
            .columns
            .iter()
            .map(|c| table.column(&c.name).and_then(|w| w.wire.clone()))
            .collect();
        Ok(match wires {
            Some(wires) => Format::Binary {
                wires,
                server: Server {
                    numeric_infinity: table.server_version >= 140_000,
                },
            },
            None => Format::Text,
        })
    }

    /// COPY into a temporary table of the target's columns, then one
    /// `INSERT ... SELECT ... ON CONFLICT DO NOTHING` ("ON CONFLICT Clause" in the manual):
    /// COPY itself has no way to skip a row.
    pub(super) async fn write_missing(
        &mut self,
        target: &Target<'_>,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<WriteCounts> {
        let what = format!("inserting the missing rows of {}", target.name);
        let (create, temp) = temp_table(target, &target::temp_name("load"));
        self.conn.execute(AssertSqlSafe(create), &what).await?;
        let copied = self
            .write(&target.retargeted(temp.clone()), batches, on_rows)
            .await?;
        // COPY writes identity columns as given; INSERT needs to be told to
        // (GENERATED ALWAYS refuses explicit values otherwise).
        let overriding = if target
            .columns
            .iter()
            .any(|c| c.identity == Some(Identity::Always))
        {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        let columns = target.column_list(PG);
        let insert = format!(
            "INSERT INTO {} ({columns}){overriding} SELECT {columns} FROM {temp} ON CONFLICT DO NOTHING",
            target.sql_name
        );
        let inserted = self.conn.execute(AssertSqlSafe(insert), &what).await?;
        self.conn
            .execute(AssertSqlSafe(format!("DROP TABLE {temp}")), &what)
            .await?;
        Ok(WriteCounts {
            inserted,
            skipped: copied.saturating_sub(inserted),
        })
    }

    /// `setval` on the sequence behind every column that has one (identity, serial, or a
    /// default of `nextval()` on a free-standing sequence), to the column's largest value —
    /// never backwards. A sequence several columns share ends past the largest of them all.
    pub(super) async fn reset_sequences(&mut self, tables: &[&Table]) -> Result<()> {
        for table in tables {
            for column in &table.columns {
                // A text column whose default is built from nextval() has no largest key
                // to move the sequence past.
                let (Some(sequence), ColumnType::Integer { .. }) =
                    (&column.sequence, &column.column_type)
                else {
                    continue;
                };
                // Ascending sequences only; never below MINVALUE, and never below where the
                // sequence already is: setval is not transactional, so lowering it in a
                // transaction that then fails would leave it behind keys that are still
                // there (and another column fed by the same sequence may be further on).
                let sql = format!(
                    "SELECT setval(s.seq, GREATEST(COALESCE(x.m, ps.seqmin), ps.seqmin, \
                     COALESCE(pg_sequence_last_value(s.seq), ps.seqmin)), \
                     (x.m IS NOT NULL AND x.m >= ps.seqmin) OR pg_sequence_last_value(s.seq) IS NOT NULL) \
                     FROM (SELECT $1::regclass AS seq) AS s \
                     JOIN pg_catalog.pg_sequence ps ON ps.seqrelid = s.seq \
                     CROSS JOIN (SELECT max({})::int8 AS m FROM {}) AS x \
                     WHERE ps.seqincrement > 0",
                    PG.quote_ident(&column.name),
                    PG.quote_table(&table.name)
                );
                sqlx::query(AssertSqlSafe(sql))
                    .persistent(false)
                    .bind(PG.quote_table(sequence))
                    .execute(self.conn.get())
                    .await
                    .map_err(|e| {
                        DbError::query(
                            format!(
                                "moving the sequence {sequence} past the keys of {}.{}",
                                table.name, column.name
                            ),
                            e,
                        )
                    })?;
            }
        }
        Ok(())
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        Ok(self.conn.commit().await?)
    }
}

/// A temporary table with the target's columns and their types, no constraints
/// (`CREATE TABLE AS ... WITH NO DATA`), dropped at commit at the latest; and its name.
fn temp_table(target: &Target<'_>, name: &str) -> (String, String) {
    let create = format!(
        "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
        PG.quote_ident(name),
        target.column_list(PG),
        target.sql_name
    );
    (create, format!("pg_temp.{}", PG.quote_ident(name)))
}

/// A temporary table of keys and new values, filled by COPY, then one joined `UPDATE`.
pub(super) fn update_sql(plan: &UpdatePlan<'_>) -> TempUpdate {
    let (create, temp) = temp_table(&plan.target, &plan.temp_name);
    TempUpdate {
        create,
        spare: format!(
            "DELETE FROM {temp} AS u USING {} AS t WHERE {}",
            plan.target.sql_name,
            plan.matches(PG)
        ),
        update: format!(
            "UPDATE {} AS t SET {} FROM {temp} AS u WHERE {}",
            plan.target.sql_name,
            plan.assignments(PG, ""),
            plan.matches(PG)
        ),
        drop: format!("DROP TABLE {temp}"),
        temp,
    }
}

/// How rows are sent.
enum Format {
    Binary { wires: Vec<Wire>, server: Server },
    Text,
}

/// How a `COPY` ended.
enum Sent {
    /// Every batch was sent.
    All,
    /// A value the binary encoder cannot carry: `batch` is not sent from row `from` on.
    Switch { batch: Vec<Row>, from: usize },
}

/// Runs `COPY ... FROM STDIN` fed by every batch of `batches`: one binary `COPY` then,
/// if a value needs it, one text `COPY` for the rest; or one text `COPY`.
async fn copy_in(
    conn: &mut PgConnection,
    target: &Target<'_>,
    format: Format,
    batches: &mut Receiver<Vec<Row>>,
    on_rows: &mut (dyn FnMut(u64) + Send),
) -> Result<u64> {
    let what = || format!("copying rows into {}", target.name);
    let columns = target.column_list(PG);
    let mut copied = 0;
    let mut resume = None;
    if let Format::Binary { wires, server } = &format {
        let statement = format!(
            "COPY {} ({columns}) FROM STDIN (FORMAT binary)",
            target.sql_name
        );
        let wires: Vec<&Wire> = wires.iter().collect();
        let mut copy = conn
            .copy_in_raw(&statement)
            .await
            .map_err(|e| DbError::query(what(), e))?;
        let sent = send_binary(&mut copy, target, &wires, *server, batches, on_rows).await;
        copied += finish(copy, sent.as_ref().map(|_| ()), what).await?;
        match sent? {
            Sent::All => return Ok(copied),
            Sent::Switch { batch, from } => {
                tracing::debug!(table = %target.name, "a value needs the text format: the rest of the rows go as text");
                resume = Some((batch, from));
            }
        }
    }
    let statement = format!("COPY {} ({columns}) FROM STDIN", target.sql_name);
    let mut copy = conn
        .copy_in_raw(&statement)
        .await
        .map_err(|e| DbError::query(what(), e))?;
    let sent = send_text(&mut copy, target, resume, batches, on_rows).await;
    copied += finish(copy, sent.as_ref().map(|_| ()), what).await?;
    sent?;
    Ok(copied)
}

/// Finishes a `COPY` whose data was sent, or aborts it after `sent` failed.
async fn finish(
    copy: PgCopyIn<&mut PgConnection>,
    sent: Result<(), &super::WriteError>,
    what: impl Fn() -> String,
) -> Result<u64> {
    match sent {
        Ok(()) => Ok(copy.finish().await.map_err(|e| DbError::query(what(), e))?),
        Err(err) => {
            // A PgCopyIn must be finished or aborted; the load fails either way.
            let _ = copy.abort(err.to_string()).await;
            Ok(0)
        }
    }
}

async fn send(
    copy: &mut PgCopyIn<&mut PgConnection>,
    target: &Target<'_>,
    buffer: &mut Vec<u8>,
) -> Result<()> {
    copy.send(buffer.as_slice())
        .await
        .map_err(|e| DbError::query(format!("copying rows into {}", target.name), e))?;
    buffer.clear();
    Ok(())
}

/// The binary header, every row, the trailer; or, at a value that needs the text format,
/// the rows before it and the trailer, and where to resume.
async fn send_binary(
    copy: &mut PgCopyIn<&mut PgConnection>,
    target: &Target<'_>,
    wires: &[&Wire],
    server: Server,
    batches: &mut Receiver<Vec<Row>>,
    on_rows: &mut (dyn FnMut(u64) + Send),
) -> Result<Sent> {
    let mut buffer = Vec::with_capacity(SEND_AT + (SEND_AT >> 3));
    let mut scratch = String::new();
    buffer.extend_from_slice(wire::HEADER);
    while let Some(batch) = batches.recv().await {
        target.check_width(&batch)?;
        for (i, row) in batch.iter().enumerate() {
            let start = buffer.len();
            if copy_binary::encode_row(row, wires, server, &mut buffer, &mut scratch).is_err() {
                buffer.truncate(start);
                buffer.extend_from_slice(&wire::TRAILER);
                send(copy, target, &mut buffer).await?;
                return Ok(Sent::Switch { batch, from: i });
            }
            if buffer.len() >= SEND_AT {
                send(copy, target, &mut buffer).await?;
            }
        }
        if !buffer.is_empty() {
            send(copy, target, &mut buffer).await?;
        }
        on_rows(batch.len() as u64);
    }
    buffer.extend_from_slice(&wire::TRAILER);
    send(copy, target, &mut buffer).await?;
    Ok(Sent::All)
}

/// Every row in text format, starting with the rest of a batch the binary `COPY` left.
async fn send_text(
    copy: &mut PgCopyIn<&mut PgConnection>,
    target: &Target<'_>,
    mut resume: Option<(Vec<Row>, usize)>,
    batches: &mut Receiver<Vec<Row>>,
    on_rows: &mut (dyn FnMut(u64) + Send),
) -> Result<()> {
    let mut buffer = Vec::with_capacity(SEND_AT + (SEND_AT >> 3));
    let mut scratch = String::new();
    loop {
        let (batch, from) = match resume.take() {
            Some(part) => part,
            None => match batches.recv().await {
                Some(batch) => (batch, 0),
                None => return Ok(()),
            },
        };
        target.check_width(&batch)?;
        for row in &batch[from..] {
            copy_text::encode_row(row, &mut buffer, &mut scratch);
            if buffer.len() >= SEND_AT {
                send(copy, target, &mut buffer).await?;
            }
        }
        if !buffer.is_empty() {
            send(copy, target, &mut buffer).await?;
        }
        on_rows(batch.len() as u64);
    }
}
