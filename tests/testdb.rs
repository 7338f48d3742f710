//! `fixtura::TestDb` as a user writes it in a test returning `fixtura::Result<()>`: `?` on
//! every fixtura call, the pool as the test's own type, fixtura's `Db` for a script, and
//! `close` last. One body for all three backends, with no `match` on the backend: the type
//! says which pool the test wants.

mod common;

use common::{WelfareSource, count};
use fixtura::{Backend, TestDb};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/welfare.toml");

/// The test: ensure the data, use the copy through the backend's own pool, close it.
async fn a_test_gets_the_specs_rows_and_closes_its_copy<DB>(backend: Backend) -> fixtura::Result<()>
where
    DB: sqlx::Database,
    sqlx::Pool<DB>: fixtura::Pool,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let Some(source) = WelfareSource::new(backend).await else {
        return Ok(()); // the server is down: skipped, loudly
    };
    let store = tempfile::tempdir().unwrap();

    let db = TestDb::builder(SPEC)
        .database_url(source.as_ref())
        .store(store.path())
        .ensure()
        .await?;
    let pool = db.pool::<sqlx::Pool<DB>>()?;
    assert_eq!(count(&pool, "SELECT count(*) FROM offices").await, 100);
    assert_eq!(count(&pool, "SELECT count(*) FROM staffs").await, 1001);

    // The copy is the test's to change, whatever the backend.
    db.db()
        .execute_script("DELETE FROM support_plan_cycles")
        .await?;
    assert_eq!(
        count(&pool, "SELECT count(*) FROM support_plan_cycles").await,
        0
    );
    assert!(count(&pool, "SELECT count(*) FROM welfare_recipients").await > 0);
    assert_eq!(
        source.copies().await.len(),
        1,
        "{} is the test's copy",
        db.url()
    );

    // A second test's copy is its own: the first one's change is not there.
    let other = TestDb::builder(SPEC)
        .database_url(source.as_ref())
        .store(store.path())
        .ensure()
        .await?;
    assert!(other.summary().hit, "the second copy comes from the cache");
    let other_pool = other.pool::<sqlx::Pool<DB>>()?;
    assert_eq!(
        count(&other_pool, "SELECT count(*) FROM support_plan_cycles").await,
        10_000
    );

    // Closing drops each copy; the source was never written.
    db.close().await?;
    other.close().await?;
    assert_eq!(source.copies().await, Vec::<String>::new());
    let source_db = fixtura::connect(source.as_ref()).await?;
    let source_pool = <sqlx::Pool<DB> as fixtura::Pool>::from_db(&source_db)
        .expect("the source is on the backend the test asked for");
    assert_eq!(count(&source_pool, "SELECT count(*) FROM offices").await, 0);
    source_db.close().await;
    Ok(())
}

#[tokio::test]
async fn a_postgres_test_gets_the_specs_rows_and_closes_its_copy() -> fixtura::Result<()> {
    a_test_gets_the_specs_rows_and_closes_its_copy::<sqlx::Postgres>(Backend::Postgres).await
}

#[tokio::test]
async fn a_mysql_test_gets_the_specs_rows_and_closes_its_copy() -> fixtura::Result<()> {
    a_test_gets_the_specs_rows_and_closes_its_copy::<sqlx::MySql>(Backend::MySql).await
}

#[tokio::test]
async fn a_sqlite_test_gets_the_specs_rows_and_closes_its_copy() -> fixtura::Result<()> {
    a_test_gets_the_specs_rows_and_closes_its_copy::<sqlx::Sqlite>(Backend::Sqlite).await
}
