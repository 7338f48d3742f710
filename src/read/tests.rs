//! The read side against real databases: `Read::rows` streams a table in batches of at
//! most the batch size, through a filter that may name columns as `t.…`, refuses unknown
//! columns, runs statements inside its one read transaction, and sees one moment. Each test
//! reads the type zoo (`tests/fixtures/types/`) in a database of its own; the zoo and the
//! batch reader are shared with the snapshot's round-trip tests (`crate::snapshot::tests`),
//! which read, encode and write it back.

use tokio::sync::mpsc;

use crate::db::{Backend, Db};
use crate::read::Read;
use crate::schema::Table;
use crate::test_support::TestDb;
use crate::value::Row;

per_backend!(
    rows_arrive_in_batches_of_at_most_the_batch_size,
    execute_and_scalar_run_inside_the_read_transaction,
    unknown_columns_are_refused_naming_table_and_column,
);

mod postgres_and_mysql {
    #[tokio::test]
    async fn a_read_sees_one_moment_postgres() {
        super::a_read_sees_one_moment(crate::db::Backend::Postgres).await
    }
    #[tokio::test]
    async fn a_read_sees_one_moment_mysql() {
        super::a_read_sees_one_moment(crate::db::Backend::MySql).await
    }
}

fn fixture(backend: Backend) -> String {
    let file = match backend {
        Backend::Postgres => "postgres.sql",
        Backend::MySql => "mysql.sql",
        Backend::Sqlite => "sqlite.sql",
    };
    let path = format!("{}/tests/fixtures/types/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// A database holding the type zoo, or `None` (skip) when the server is down.
pub(crate) async fn zoo(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(&fixture(backend)).await;
    Some(db)
}

/// The number of rows in the zoo, counted by the server (as text: `TestDb::count` reads text).
pub(crate) async fn rows_in(db: &TestDb) -> u64 {
    let as_text = match db.backend {
        Backend::Postgres => "text",
        Backend::MySql => "CHAR",
        Backend::Sqlite => "TEXT",
    };
    db.count(&format!(
        "SELECT CAST(count(*) AS {as_text}) FROM zoo_types"
    ))
    .await
}

pub(crate) fn zoo_table(schema: &crate::schema::Schema) -> Table {
    schema
        .resolve("zoo_types")
        .expect("zoo_types is in the schema")
        .clone()
}

/// Reads `columns` of `table` (rows matching `filter`) in one read transaction; returns
/// the batches as they arrived.
pub(crate) async fn read_batches(
    db: &Db,
    table: &Table,
    columns: &[String],
    filter: Option<&str>,
    batch: usize,
) -> Vec<Vec<Row>> {
    let mut read = Read::begin(db).await.expect("begin the read");
    assert_eq!(read.backend(), db.backend());
    let (sender, mut receiver) = mpsc::channel(2);
    let producer = async {
        let count = read.rows(table, columns, filter, batch, &sender).await;
        drop(sender);
        count
    };
    let consumer = async {
        let mut batches = Vec::new();
        while let Some(batch) = receiver.recv().await {
            batches.push(batch);
        }
        batches
    };
    let (count, batches) = tokio::join!(producer, consumer);
    let count = count.expect("read the rows");
    assert_eq!(count, batches.iter().map(|b| b.len() as u64).sum::<u64>());
    read.finish().await.expect("finish the read");
    batches
}

async fn rows_arrive_in_batches_of_at_most_the_batch_size(backend: Backend) {
    let Some(source) = zoo(backend).await else {
        return;
    };
    let table = zoo_table(&source.schema().await);
    let columns = vec!["id".to_string()];
    let db = source.connect().await;
    let sizes = |batches: Vec<Vec<Row>>| batches.iter().map(Vec::len).collect::<Vec<_>>();
    let total = rows_in(&source).await as usize;
    assert_eq!(
        sizes(read_batches(&db, &table, &columns, None, 2).await),
        [vec![2; total / 2], vec![1; total % 2]].concat()
    );
    assert_eq!(
        sizes(read_batches(&db, &table, &columns, None, 1000).await),
        [total]
    );
    // No rows, no batch.
    assert!(
        read_batches(&db, &table, &columns, Some("1 = 0"), 10)
            .await
            .is_empty()
    );
    db.close().await;
}

async fn execute_and_scalar_run_inside_the_read_transaction(backend: Backend) {
    let Some(source) = zoo(backend).await else {
        return;
    };
    let table = zoo_table(&source.schema().await);
    let db = source.connect().await;
    let mut read = Read::begin(&db).await.expect("begin");
    let created = read
        .execute("CREATE TEMPORARY TABLE picked AS SELECT id FROM zoo_types WHERE id > 1")
        .await
        .expect("create a temporary table");
    assert!(created == 0 || created == rows_in(&source).await - 1);
    let picked = read
        .scalar("SELECT count(*) FROM picked")
        .await
        .expect("count");
    assert_eq!(picked as u64, rows_in(&source).await - 1);
    // The temporary table can steer the rows read.
    let (sender, mut receiver) = mpsc::channel(8);
    let count = read
        .rows(
            &table,
            &["id".to_string()],
            Some("EXISTS (SELECT 1 FROM picked p WHERE p.id = t.id)"),
            100,
            &sender,
        )
        .await
        .expect("rows");
    drop(sender);
    assert_eq!(count, picked as u64);
    assert!(receiver.recv().await.is_some());
    read.finish().await.expect("finish");
    // Rolled back, or gone with the session: a new read does not see it.
    let mut again = Read::begin(&db).await.expect("begin again");
    assert!(again.scalar("SELECT count(*) FROM picked").await.is_err());
    // A failed step leaves the read unusable, but finishing still works.
    assert!(again.scalar("SELECT 1").await.is_err());
    again.finish().await.expect("finish after a failure");
    db.close().await;
}

async fn unknown_columns_are_refused_naming_table_and_column(backend: Backend) {
    let Some(source) = zoo(backend).await else {
        return;
    };
    let table = zoo_table(&source.schema().await);
    let db = source.connect().await;
    let mut read = Read::begin(&db).await.expect("begin");
    let (sender, _receiver) = mpsc::channel(1);
    let err = read
        .rows(&table, &["emial".to_string()], None, 10, &sender)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("no column \"emial\""), "{err}");
    assert!(err.to_string().contains("zoo_types"), "{err}");
    read.finish().await.expect("finish");
    db.close().await;
}

/// Rows committed by another connection after the read began are not seen by it.
async fn a_read_sees_one_moment(backend: Backend) {
    let Some(source) = zoo(backend).await else {
        return;
    };
    let db = source.connect().await;
    let mut read = Read::begin(&db).await.expect("begin");
    let before = read
        .scalar("SELECT count(*) FROM zoo_types")
        .await
        .expect("count");
    source
        .execute("INSERT INTO zoo_types (id) VALUES (100)")
        .await;
    let during = read
        .scalar("SELECT count(*) FROM zoo_types")
        .await
        .expect("count again");
    assert_eq!(during, before);
    read.finish().await.expect("finish");
    assert_eq!(rows_in(&source).await, before as u64 + 1);
    db.close().await;
}
