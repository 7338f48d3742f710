//! PostgreSQL: rows go in with `COPY ... FROM STDIN` in text format, one `COPY` per write,
//! each batch encoded into one buffer (`copy_text.rs`) and sent as it fills.
//!
//! Foreign keys: `SET LOCAL session_replication_role = replica` switches this
//! transaction's foreign-key triggers off (PostgreSQL manual, "Client Connection Defaults",
//! `session_replication_role`: triggers that are not `ENABLE REPLICA`/`ALWAYS`, which
//! includes the RI triggers, do not fire), and the keys are then checked set-wise; or the
//! server checks them, deferrable ones at commit (`SET CONSTRAINTS ALL DEFERRED`). `LOCAL`
//! settings end with the transaction, so nothing outlives a failure.

use sqlx::postgres::{PgConnection, PgCopyIn, PgPool};
use sqlx::{AssertSqlSafe, Postgres};
use tokio::sync::mpsc::Receiver;

use super::dialect::Dialect;
use super::session::Conn;
use super::target::{self, Target, TempUpdate, UpdatePlan};
use super::{FkChecks, WriteCounts, copy_text};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::schema::{Identity, Table};
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
    // references one of them makes it fail rather than be emptied too.
    truncate: |tables| {
        let names: Vec<String> = tables.iter().map(|t| PG.quote_table(&t.name)).collect();
        vec![format!("TRUNCATE {}", names.join(", "))]
    },
};

/// A connection in a transaction.
pub(super) struct Session {
    pub(super) conn: Conn<Postgres>,
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
        Ok(Session { conn })
    }

    pub(super) async fn write(
        &mut self,
        target: &Target<'_>,
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        let statement = format!(
            "COPY {} ({}) FROM STDIN",
            target.sql_name,
            target.column_list(PG)
        );
        copy_in(self.conn.get(), &statement, target, batches, on_rows).await
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

    /// `setval` on the sequence behind every identity and serial column, to the column's
    /// largest value — never backwards.
    pub(super) async fn reset_sequences(&mut self, tables: &[&Table]) -> Result<()> {
        for table in tables {
            for column in &table.columns {
                if !matches!(
                    column.identity,
                    Some(Identity::Always | Identity::ByDefault | Identity::Serial)
                ) {
                    continue;
                }
                // pg_get_serial_sequence parses its first argument as SQL (so it gets the
                // quoted name) and takes the column name literally (manual, "System
                // Information Functions"). Ascending sequences only; never below MINVALUE, and
                // never below where the sequence already is: setval is not transactional, so
                // lowering it in a transaction that then fails would leave it behind keys that
                // are still there.
                let sql = format!(
                    "SELECT setval(s.seq, GREATEST(COALESCE(x.m, ps.seqmin), ps.seqmin, \
                     COALESCE(pg_sequence_last_value(s.seq), ps.seqmin)), \
                     (x.m IS NOT NULL AND x.m >= ps.seqmin) OR pg_sequence_last_value(s.seq) IS NOT NULL) \
                     FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) AS s \
                     JOIN pg_catalog.pg_sequence ps ON ps.seqrelid = s.seq \
                     CROSS JOIN (SELECT max({})::int8 AS m FROM {}) AS x \
                     WHERE ps.seqincrement > 0",
                    PG.quote_ident(&column.name),
                    PG.quote_table(&table.name)
                );
                sqlx::query(AssertSqlSafe(sql))
                    .persistent(false)
                    .bind(PG.quote_table(&table.name))
                    .bind(&column.name)
                    .execute(self.conn.get())
                    .await
                    .map_err(|e| {
                        Error::query(
                            format!("resetting the sequence of {}.{}", table.name, column.name),
                            e,
                        )
                    })?;
            }
        }
        Ok(())
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        self.conn.commit().await
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

/// Runs one `COPY ... FROM STDIN` fed by every batch of `batches`.
async fn copy_in(
    conn: &mut PgConnection,
    statement: &str,
    target: &Target<'_>,
    batches: &mut Receiver<Vec<Row>>,
    on_rows: &mut (dyn FnMut(u64) + Send),
) -> Result<u64> {
    let what = || format!("copying rows into {}", target.name);
    let mut copy = conn
        .copy_in_raw(statement)
        .await
        .map_err(|e| Error::query(what(), e))?;
    match send_batches(&mut copy, target, batches, on_rows).await {
        Ok(()) => copy.finish().await.map_err(|e| Error::query(what(), e)),
        Err(err) => {
            // A PgCopyIn must be finished or aborted; the load fails either way.
            let _ = copy.abort(err.to_string()).await;
            Err(err)
        }
    }
}

async fn send_batches(
    copy: &mut PgCopyIn<&mut PgConnection>,
    target: &Target<'_>,
    batches: &mut Receiver<Vec<Row>>,
    on_rows: &mut (dyn FnMut(u64) + Send),
) -> Result<()> {
    let what = || format!("copying rows into {}", target.name);
    let mut buffer = Vec::with_capacity(SEND_AT + (SEND_AT >> 3));
    let mut scratch = String::new();
    while let Some(batch) = batches.recv().await {
        target.check_width(&batch)?;
        for row in &batch {
            copy_text::encode_row(row, &mut buffer, &mut scratch);
            if buffer.len() >= SEND_AT {
                copy.send(buffer.as_slice())
                    .await
                    .map_err(|e| Error::query(what(), e))?;
                buffer.clear();
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.as_slice())
                .await
                .map_err(|e| Error::query(what(), e))?;
            buffer.clear();
        }
        on_rows(batch.len() as u64);
    }
    Ok(())
}
