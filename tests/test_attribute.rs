//! `#[fixtura::test]` on all three backends, as a user writes it: each test gets the
//! spec's rows in a copy of its own (a PostgreSQL, MariaDB or SQLite pool, or
//! `fixtura::Db`), made from a source database handed over as a guard; once a passing test
//! is over its copy is gone and the source was never written. A test that returns `Err` or
//! panics keeps its copy (checked through the same code the attribute writes).

mod common;

use common::{WelfareSource, count};
use fixtura::Backend;

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/welfare.toml");

/// The source of a test's copy, which checks what the test left once it is over (it is
/// dropped after the copy is closed): no copy of it remains, and its own tables are as
/// empty as they were — the test's rows were in the copy.
struct Checked(WelfareSource);

/// The welfare schema on `backend`'s server, or `None` when the server is down (skipped,
/// loudly; under `CI=true` the test fails instead).
async fn source(backend: Backend) -> Option<Checked> {
    WelfareSource::new(backend).await.map(Checked)
}

impl AsRef<str> for Checked {
    fn as_ref(&self) -> &str {
        self.0.as_ref()
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // the test failed: its copy is kept (WelfareSource still cleans up)
        }
        let source = &self.0;
        let (copies, offices) = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    fixtura::__private::block_on(async {
                        let db = source.db.connect().await;
                        let report = fixtura::inspect(&db, &Default::default()).await;
                        db.close().await;
                        let offices = report
                            .expect("inspect the source")
                            .tables
                            .iter()
                            .find(|t| t.display_name == "offices")
                            .and_then(|t| t.rows);
                        (source.copies().await, offices)
                    })
                })
                .join()
                .expect("look at the source")
        });
        assert_eq!(
            copies,
            Vec::<String>::new(),
            "a passing test's copy is dropped"
        );
        assert_eq!(offices, Some(0), "the source is never written");
    }
}

#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = match source(Backend::Postgres).await {
        Some(source) => source,
        None => return Ok(()),
    },
    store = tempfile::tempdir().unwrap(),
)]
async fn a_postgres_test_gets_the_specs_rows_in_a_copy_of_its_own(
    pool: sqlx::PgPool,
) -> fixtura::Result<()> {
    assert_eq!(count(&pool, "SELECT count(*) FROM offices").await, 100);
    assert_eq!(count(&pool, "SELECT count(*) FROM staffs").await, 1001);
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        name.starts_with("fixtura_w_"),
        "a copy, not the source: {name}"
    );
    Ok(())
}

#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = match source(Backend::MySql).await {
        Some(source) => source,
        None => return Ok(()),
    },
    store = tempfile::tempdir().unwrap(),
)]
async fn a_mysql_test_gets_the_specs_rows_in_a_copy_of_its_own(
    pool: sqlx::MySqlPool,
) -> fixtura::Result<()> {
    assert_eq!(count(&pool, "SELECT count(*) FROM offices").await, 100);
    assert_eq!(count(&pool, "SELECT count(*) FROM staffs").await, 1001);
    let name: String = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        name.starts_with("fixtura_w_"),
        "a copy, not the source: {name}"
    );
    Ok(())
}

/// A test that returns nothing: `()` always passes, so its copy is always dropped.
#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = source(Backend::Sqlite).await.expect("SQLite needs no server"),
    store = tempfile::tempdir().unwrap(),
    seed = 42,
)]
async fn a_sqlite_test_gets_the_specs_rows_in_a_copy_of_its_own(pool: sqlx::SqlitePool) {
    assert_eq!(count(&pool, "SELECT count(*) FROM offices").await, 100);
    assert_eq!(count(&pool, "SELECT count(*) FROM staffs").await, 1001);
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        file.contains(".fixtura-w-"),
        "a copy, not the source: {file}"
    );
}

#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = match source(Backend::Postgres).await {
        Some(source) => source,
        None => return Ok(()),
    },
    store = tempfile::tempdir().unwrap(),
)]
async fn a_test_taking_fixtura_db_works_on_whatever_backend_it_gets(
    db: fixtura::Db,
) -> fixtura::Result<()> {
    let report = fixtura::inspect(&db, &Default::default()).await?;
    let rows = |table: &str| {
        report
            .tables
            .iter()
            .find(|t| t.display_name == table)
            .and_then(|t| t.rows)
    };
    assert_eq!((rows("offices"), rows("staffs")), (Some(100), Some(1001)));
    Ok(())
}

/// Without a parameter the test still gets (and, passing, drops) a copy of its own; the
/// seed and scale reach the spec.
#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = source(Backend::Sqlite).await.expect("SQLite needs no server"),
    store = tempfile::tempdir().unwrap(),
    seed = 7,
    scale = 0.05,
)]
async fn a_test_without_a_pool_gets_a_copy_too() {}

/// `#[should_panic]` reaches the test, and a panic is the test's failure, not fixtura's.
#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = source(Backend::Sqlite).await.expect("SQLite needs no server"),
    store = tempfile::tempdir().unwrap(),
    scale = 0.05,
)]
#[should_panic(expected = "the test's own assertion")]
async fn a_panicking_test_fails(pool: sqlx::SqlitePool) {
    let offices = count(&pool, "SELECT count(*) FROM offices").await;
    assert_eq!(offices, 0, "the test's own assertion");
}

/// A pool of another backend than the copy's is fixtura's error, and fails the test.
#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = source(Backend::Sqlite).await.expect("SQLite needs no server"),
    store = tempfile::tempdir().unwrap(),
    scale = 0.05,
)]
#[should_panic(expected = "the test database is SQLite, not PostgreSQL")]
async fn a_test_asking_for_the_wrong_pool_fails(_pool: sqlx::PgPool) {}

/// A copy that cannot be made fails the test, with what to do.
#[fixtura::test(
    spec = "schema/welfare.toml",
    database_url = "sqlite:///nonexistent/fixtura/app_test.db",
    store = tempfile::tempdir().unwrap(),
)]
#[should_panic(expected = "fixtura: cannot make the test's database")]
async fn a_test_whose_database_cannot_be_copied_fails(_pool: sqlx::SqlitePool) {}

/// Runs what `#[fixtura::test]` writes for a test that returns `Err`, then for one that
/// panics, and checks each kept its copy (`fixtura gc` drops them; here, the source's drop);
/// then for `#[should_panic]` tests, whose panic is a pass.
fn a_failing_test_keeps_its_copy(backend: Backend) {
    let Some(source) = fixtura::__private::block_on(WelfareSource::new(backend)) else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let builder = || {
        fixtura::TestDb::builder(SPEC)
            .database_url(source.as_ref())
            .store(store.path())
            .scale(0.05)
    };

    // The test functions, as the attribute passes them on.
    async fn returns_err(db: fixtura::Db) -> Result<(), &'static str> {
        db.execute_script("DELETE FROM support_plan_cycles")
            .await
            .unwrap();
        Err("the test's own error")
    }
    async fn panics(_: fixtura::Db) {
        panic!("the test's own panic");
    }

    let outcome = fixtura::__private::block_on(fixtura::__private::run(
        builder(),
        returns_err,
        fixtura::__private::outcome(),
    ));
    assert_eq!(
        outcome,
        Err("the test's own error"),
        "the Err is the test's"
    );
    let kept = fixtura::__private::block_on(source.copies());
    assert_eq!(kept.len(), 1, "returned Err: its copy is kept, {kept:?}");

    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fixtura::__private::block_on(fixtura::__private::run(
            builder(),
            panics,
            fixtura::__private::outcome(),
        ))
    }));
    assert!(panicked.is_err());
    let kept = fixtura::__private::block_on(source.copies());
    assert_eq!(kept.len(), 2, "panicked: its copy is kept too, {kept:?}");

    // `#[should_panic]` the other way round: the panic passes the test, so its copy goes;
    // a test that returns instead fails, and keeps its copy.
    async fn returns(_: fixtura::Db) {}
    let passed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fixtura::__private::block_on(fixtura::__private::run(
            builder(),
            panics,
            fixtura::__private::outcome().expecting_panic(),
        ))
    }));
    assert!(passed.is_err(), "the panic reaches the test harness");
    let kept = fixtura::__private::block_on(source.copies());
    assert_eq!(
        kept.len(),
        2,
        "a should_panic test that panicked drops its copy, {kept:?}"
    );
    fixtura::__private::block_on(fixtura::__private::run(
        builder(),
        returns,
        fixtura::__private::outcome().expecting_panic(),
    ));
    let kept = fixtura::__private::block_on(source.copies());
    assert_eq!(
        kept.len(),
        3,
        "a should_panic test that returned keeps its copy, {kept:?}"
    );
}

#[test]
fn a_failing_postgres_test_keeps_its_copy() {
    a_failing_test_keeps_its_copy(Backend::Postgres);
}

#[test]
fn a_failing_mysql_test_keeps_its_copy() {
    a_failing_test_keeps_its_copy(Backend::MySql);
}

#[test]
fn a_failing_sqlite_test_keeps_its_copy() {
    a_failing_test_keeps_its_copy(Backend::Sqlite);
}
