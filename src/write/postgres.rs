//! PostgreSQL: rows go in with `COPY ... FROM STDIN` in text format, one `COPY` per write,
//! each batch encoded into one buffer (`copy_text.rs`) and sent as it fills.
//!
//! Foreign keys: `SET LOCAL session_replication_role = replica` switches this
//! transaction's foreign-key triggers off (PostgreSQL manual, "Client Connection Defaults",
//! `session_replication_role`: triggers that are not `ENABLE REPLICA`/`ALWAYS`, which
//! includes the RI triggers, do not fire), and the keys are then checked set-wise; or the
//! server checks them, deferrable ones at commit (`SET CONSTRAINTS ALL DEFERRED`). `LOCAL`
//! settings end with the transaction, so nothing outlives a failure.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgCopyIn, PgPool};
use sqlx::{AssertSqlSafe, Postgres, Row as _, SqlSafeStr};
use tokio::sync::mpsc::Receiver;

use super::keys::KeyKind;
use super::{FkChecks, Target, UpdatePlan, copy_text, existing_keys_sql, fk_check};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::schema::{Column, ForeignKey, Identity, Table};
use crate::value::{Row, Value};

const PG: Backend = Backend::Postgres;

/// COPY data is sent whenever this much is buffered (and at the end of each batch), so a
/// huge batch does not make a huge buffer.
const SEND_AT: usize = 1 << 20;

/// A connection in a transaction.
pub(super) struct Session {
    /// `None` only once committed.
    conn: Option<PoolConnection<Postgres>>,
}

impl Drop for Session {
    /// Not committed: the connection leaves the pool and closes, and the server rolls the
    /// transaction back. It must not go back to the pool with the transaction open.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl Session {
    pub(super) async fn begin(pool: &PgPool, checks: FkChecks) -> Result<Session> {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| Error::query("taking a connection for the load", e))?;
        let mut session = Session { conn: Some(conn) };
        session
            .execute("BEGIN", "beginning the load's transaction")
            .await?;
        // Test data need not survive a crash of the server: commit without waiting for
        // the WAL flush ("Asynchronous Commit" in the manual).
        session
            .execute(
                "SET LOCAL synchronous_commit = off",
                "setting synchronous_commit",
            )
            .await?;
        match checks {
            FkChecks::Fixtura => {
                session
                    .execute(
                        "SET LOCAL session_replication_role = replica",
                        "switching foreign-key triggers off for the load (session_replication_role = replica)",
                    )
                    .await?
            }
            FkChecks::Server => {
                session
                    .execute(
                        "SET CONSTRAINTS ALL DEFERRED",
                        "deferring deferrable constraints",
                    )
                    .await?
            }
        };
        Ok(session)
    }

    fn conn(&mut self) -> &mut PgConnection {
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
        let statement = format!(
            "COPY {} ({}) FROM STDIN",
            target.sql_name,
            target.column_list(PG)
        );
        copy_in(self.conn(), &statement, target, batches, on_rows).await
    }

    /// A temporary table of keys and new values, filled by COPY, then one joined UPDATE.
    pub(super) async fn update(&mut self, plan: &UpdatePlan<'_>, rows: Vec<Row>) -> Result<u64> {
        let target = &plan.target;
        let temp = PG.quote_ident(&plan.temp_name);
        let what = format!("updating {} in bulk", target.name);
        // CREATE TABLE AS ... WITH NO DATA: the same column types, no constraints.
        self.execute(
            AssertSqlSafe(format!(
                "CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
                target.column_list(PG),
                target.sql_name
            )),
            &what,
        )
        .await?;
        let temp = format!("pg_temp.{temp}");
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        sender
            .try_send(rows)
            .expect("BUG: a new channel has room for one batch");
        drop(sender);
        let statement = format!("COPY {temp} ({}) FROM STDIN", target.column_list(PG));
        copy_in(self.conn(), &statement, target, &mut receiver, &mut |_| {}).await?;
        let q = |c: &&Column| PG.quote_ident(&c.name);
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
        let sample = fk_check::sample_sql(PG, child, fk, |c| format!("{c}::text"));
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
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(fk_check::count_sql(PG, child, fk)))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| Error::query(&what, e))?;
        Ok(Some((count, values)))
    }

    /// `setval` on the sequence behind every identity and serial column, to the column's
    /// largest value (or back to the start when the table is empty).
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
                // Information Functions"). Ascending sequences only; never below MINVALUE.
                let sql = format!(
                    "SELECT setval(s.seq, GREATEST(x.m, ps.seqmin), x.m IS NOT NULL AND x.m >= ps.seqmin) \
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
                    .execute(self.conn())
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

    pub(super) async fn max_integer(
        &mut self,
        table: &Table,
        column: &Column,
    ) -> Result<Option<i64>> {
        let sql = format!(
            "SELECT max({})::int8 FROM {}",
            PG.quote_ident(&column.name),
            PG.quote_table(&table.name)
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

    /// Keys are read as text (bytea as bytes) and parsed by type: sqlx sets the session's
    /// DateStyle to ISO and TimeZone to UTC, so the text is unambiguous.
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
        let sql = existing_keys_sql(PG, target, limit, |column, q| {
            match KeyKind::of(&column.column_type) {
                KeyKind::Bytes => q,
                _ => format!("{q}::text"),
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
        self.execute("COMMIT", "committing the load").await?;
        // Committed: the connection is clean again and may go back to the pool.
        drop(self.conn.take());
        Ok(())
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
