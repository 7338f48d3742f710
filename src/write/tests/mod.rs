//! The bulk writer against real databases (a database of each test's own, through
//! `crate::test_support`), by topic: `writing` (rows stream in through a bounded channel and
//! read back exactly, a dropped or failed load leaves nothing behind), `keys` (foreign keys
//! checked set-wise, deferrable cycles, back-references filled in bulk, sequences moved
//! past loaded keys, existing keys read back typed) and `restore` (what a snapshot restore
//! needs: rows that already exist are skipped, flagged rows are deleted unless unflagged
//! rows reference them, tables emptied). This file holds what they share.

mod keys;
mod restore;
mod writing;

use sqlx::AssertSqlSafe;
use tokio::sync::mpsc;

use crate::db::{Backend, Db};
use crate::schema::{Schema, Table};
use crate::test_support::TestDb;
use crate::value::Row;
use crate::write::{Load, WriteCounts, WriteError};

#[test]
fn the_foreign_key_error_reads_as_a_sentence() {
    let err = WriteError::ForeignKeyViolation {
        table: "offices".into(),
        constraint: "offices_created_by_fkey".into(),
        count: 3,
        example: "(created_by)=(42)".into(),
        referenced: "staffs (id)".into(),
    };
    assert_eq!(
        err.to_string(),
        "foreign key \"offices_created_by_fkey\" on offices is violated by 3 rows, e.g. (created_by)=(42) has no match in staffs (id)"
    );
}

/// A fresh database holding the DDL of its backend, its pool and its introspected schema.
async fn setup(
    backend: Backend,
    pg: &str,
    mysql: &str,
    sqlite: &str,
) -> Option<(TestDb, Db, Schema)> {
    let db = TestDb::new(backend).await?;
    db.execute(match backend {
        Backend::Postgres => pg,
        Backend::MySql => mysql,
        Backend::Sqlite => sqlite,
    })
    .await;
    let pool = db.connect().await;
    let schema = crate::schema::introspect(&pool, &crate::schema::IntrospectOptions::default())
        .await
        .expect("introspect");
    Some((db, pool, schema))
}

fn table<'s>(schema: &'s Schema, name: &str) -> &'s Table {
    schema
        .resolve(name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

/// Sends `rows` in batches of `batch` through a bounded channel from another task while
/// the load writes them; returns the rows written and each progress report.
async fn write_rows(
    load: &mut Load,
    table: &Table,
    columns: &[&str],
    rows: Vec<Row>,
    batch: usize,
) -> crate::write::Result<(u64, Vec<u64>)> {
    stream_rows(load, table, columns, rows, batch, false)
        .await
        .map(|(counts, progress)| (counts.inserted, progress))
}

/// Like [`write_rows`], through [`Load::write_missing`].
async fn write_missing_rows(
    load: &mut Load,
    table: &Table,
    columns: &[&str],
    rows: Vec<Row>,
    batch: usize,
) -> crate::write::Result<(WriteCounts, Vec<u64>)> {
    stream_rows(load, table, columns, rows, batch, true).await
}

async fn stream_rows(
    load: &mut Load,
    table: &Table,
    columns: &[&str],
    rows: Vec<Row>,
    batch: usize,
    only_missing: bool,
) -> crate::write::Result<(WriteCounts, Vec<u64>)> {
    let (mut receiver, producer) = send_in_batches(rows, batch);
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let mut progress = Vec::new();
    let mut on_rows = |n| progress.push(n);
    let counts = if only_missing {
        load.write_missing(table, &columns, &mut receiver, &mut on_rows)
            .await
    } else {
        load.write(table, &columns, &mut receiver, &mut on_rows)
            .await
            .map(|inserted| WriteCounts {
                inserted,
                skipped: 0,
            })
    };
    drop(receiver);
    producer.await.expect("producer task");
    counts.map(|counts| (counts, progress))
}

/// A bounded channel fed `rows`, `batch` at a time, by another task.
fn send_in_batches(
    rows: Vec<Row>,
    batch: usize,
) -> (mpsc::Receiver<Vec<Row>>, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(2);
    let producer = tokio::spawn(async move {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Row> = rows.by_ref().take(batch).collect();
            if sender.send(chunk).await.is_err() {
                break;
            }
        }
    });
    (receiver, producer)
}

/// Runs one query on the pool and returns the first column of the first row as i64.
async fn scalar(db: &Db, sql: &str) -> i64 {
    let text = AssertSqlSafe(sql.to_string());
    match db {
        Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(text).fetch_one(pool).await,
        Db::MySql(pool) => sqlx::query_scalar::<_, i64>(text).fetch_one(pool).await,
        Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>(text).fetch_one(pool).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn db_execute(db: &Db, sql: &str) {
    let sql = AssertSqlSafe(sql.to_string());
    match db {
        Db::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        Db::MySql(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        Db::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
    }
    .expect("statement");
}
