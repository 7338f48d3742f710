//! A statement the server refuses, through the binary and the library, on every backend:
//! the error line names the table, the constraint and what the server said of the row (the
//! DETAIL on PostgreSQL: `Key (code)=(100) already exists`, `Failing row contains (…)`),
//! `generate` names the spec line that made the failing column, and no line ever carries
//! the server's C source position (`at line 2090`). Each test then checks the database:
//! nothing was written.

#[macro_use]
mod common;

use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

/// Offices with a unique code, staff pointing at them; every row flaggable.
fn ddl(backend: Backend, check: bool) -> String {
    let (flag, check) = match (backend, check) {
        (Backend::Sqlite, c) => ("INTEGER NOT NULL DEFAULT 0", c),
        (_, c) => ("boolean NOT NULL DEFAULT false", c),
    };
    let check = if check {
        ", CONSTRAINT offices_code_check CHECK (code < 1000)"
    } else {
        ""
    };
    format!(
        "CREATE TABLE offices (id integer PRIMARY KEY, code integer NOT NULL, is_test_data {flag}, \
           CONSTRAINT offices_code_key UNIQUE (code){check});
         CREATE TABLE staffs (id integer PRIMARY KEY, office_id integer NOT NULL, is_test_data {flag}, \
           CONSTRAINT staffs_office_id_fkey FOREIGN KEY (office_id) REFERENCES offices (id));"
    )
}

async fn database(backend: Backend, check: bool) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(&ddl(backend, check)).await;
    Some(db)
}

/// The rows of `table`.
async fn rows(db: &TestDb, table: &str) -> u64 {
    let count = match db.backend {
        Backend::Postgres => "count(*)::text",
        _ => "CAST(count(*) AS CHAR(20))",
    };
    db.count(&format!("SELECT {count} FROM {table}")).await
}

/// The one error line of a failed command, checked never to carry a server source line.
fn server_refused(output: std::process::Output, expected: &[&str]) -> String {
    let line = refused(output, expected);
    assert!(
        !line.contains("at line"),
        "the server's source line: {line}"
    );
    assert!(!line.contains("error returned from database"), "{line}");
    line
}

/// A spec whose one row collides with a row already there: the line names the constraint,
/// the key (PostgreSQL's DETAIL; MySQL and SQLite say it in the message) and the spec line
/// of the column's generator; nothing is written.
async fn a_key_collision_names_the_constraint_the_key_and_the_spec_line(backend: Backend) {
    let Some(db) = database(backend, false).await else {
        return;
    };
    db.execute("INSERT INTO offices (id, code) VALUES (1, 100)")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        "seed = 1\n[tables.offices]\nrows = 1\ncolumns.code = { const = 100 }\n",
    )
    .unwrap();
    let spec_line = format!("{}:4, tables.offices.columns.code", spec.display());
    let server: &[&str] = match backend {
        Backend::Postgres => &[
            "duplicate key value violates unique constraint \"offices_code_key\"",
            "table public.offices",
            "Key (code)=(100) already exists",
        ],
        Backend::MySql => &["Duplicate entry '100' for key 'offices_code_key'"],
        Backend::Sqlite => &["UNIQUE constraint failed: offices.code"],
    };
    let mut expected = vec!["offices", spec_line.as_str(), "nothing was written"];
    expected.extend_from_slice(server);
    server_refused(
        fixtura(
            &db,
            dir.path(),
            &["generate", "--spec", spec.to_str().unwrap()],
        ),
        &expected,
    );
    assert_eq!(rows(&db, "offices").await, 1);
}

/// A snapshot whose row breaks a CHECK of the database it is restored into: the line names
/// the table, the constraint and (PostgreSQL) the failing row; nothing is written.
async fn a_check_broken_by_a_restore_names_the_constraint_and_the_row(backend: Backend) {
    let (Some(source), Some(target)) = (
        database(backend, false).await,
        database(backend, true).await,
    ) else {
        return;
    };
    source
        .execute("INSERT INTO offices (id, code, is_test_data) VALUES (7, 5000, true)")
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&source, store.path(), &["snapshot", "create", "s"]));
    let server: &[&str] = match backend {
        Backend::Postgres => &[
            "violates check constraint \"offices_code_check\"",
            "table public.offices",
            "Failing row contains (7, 5000, t)",
        ],
        Backend::MySql => &["CONSTRAINT `offices_code_check` failed for", "`offices`"],
        Backend::Sqlite => &["CHECK constraint failed: offices_code_check"],
    };
    let mut expected = vec!["offices"];
    expected.extend_from_slice(server);
    server_refused(
        fixtura(&target, store.path(), &["snapshot", "restore", "s"]),
        &expected,
    );
    assert_eq!(rows(&target, "offices").await, 0);
}

/// Rows whose parent is missing, restored with the server checking keys: the line names
/// the child table, the foreign key and (PostgreSQL) the missing key; nothing is written.
async fn a_missing_parent_names_the_foreign_key_and_the_key(backend: Backend) {
    let (Some(source), Some(target)) = (
        database(backend, false).await,
        database(backend, false).await,
    ) else {
        return;
    };
    source
        .execute(
            "INSERT INTO offices (id, code) VALUES (3, 30);
             INSERT INTO staffs (id, office_id, is_test_data) VALUES (1, 3, true);",
        )
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&source, store.path(), &["snapshot", "create", "s"]));
    let server: &[&str] = match backend {
        Backend::Postgres => &[
            "violates foreign key constraint \"staffs_office_id_fkey\"",
            "table public.staffs",
            "Key (office_id)=(3) is not present in table \"offices\"",
        ],
        Backend::MySql => &["a foreign key constraint fails", "`staffs_office_id_fkey`"],
        Backend::Sqlite => &["FOREIGN KEY constraint failed"],
    };
    let mut expected = vec!["staffs"];
    expected.extend_from_slice(server);
    server_refused(
        fixtura(
            &target,
            store.path(),
            &["snapshot", "restore", "s", "--fk-checks", "server"],
        ),
        &expected,
    );
    assert_eq!(rows(&target, "staffs").await, 0);
}

per_backend!(
    a_key_collision_names_the_constraint_the_key_and_the_spec_line,
    a_check_broken_by_a_restore_names_the_constraint_and_the_row,
    a_missing_parent_names_the_foreign_key_and_the_key,
);

/// The library's error: its chain (what `{err:#}` prints, and the binary's line) says the
/// server's message, table and DETAIL once, never its source line; the server's error is
/// at hand for matching on its code.
#[tokio::test]
async fn the_librarys_error_says_what_the_server_said() {
    let Some(db) = database(Backend::Postgres, false).await else {
        return;
    };
    db.execute("INSERT INTO offices (id, code) VALUES (1, 100)")
        .await;
    let spec = fixtura::generate::Spec::parse(
        "spec.toml",
        "seed = 1\n[tables.offices]\nrows = 1\ncolumns.code = { const = 100 }\n",
    )
    .unwrap();
    let pool = db.connect().await;
    let err = fixtura::generate(
        &pool,
        &spec,
        &Default::default(),
        std::sync::Arc::new(fixtura::Quiet),
    )
    .await
    .unwrap_err();
    pool.close().await;
    assert_eq!(err.kind(), fixtura::ErrorKind::Database);
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    assert_eq!(
        chain,
        [
            "copying rows into public.offices (column \"code\" made by spec.toml:4, \
             tables.offices.columns.code)",
            "duplicate key value violates unique constraint \"offices_code_key\" \
             (table public.offices): Key (code)=(100) already exists."
        ]
    );
    let fixtura::Error::Database(db_err) = &err else {
        panic!("{err:?}");
    };
    let server = db_err.server().expect("the server's error");
    assert_eq!(server.code().as_deref(), Some("23505"));
    assert_eq!(server.table().as_deref(), Some("public.offices"));
    assert_eq!(server.constraint().as_deref(), Some("offices_code_key"));
    assert_eq!(server.columns(), ["code"]);
    assert!(
        matches!(server.sqlx(), sqlx::Error::Database(_)),
        "the driver's error is at hand"
    );
    assert_eq!(rows(&db, "offices").await, 1);
}

/// `ensure` fails the same way (it generates), and leaves no copy behind.
#[tokio::test]
async fn ensure_says_what_the_server_said() {
    let Some(db) = database(Backend::Postgres, false).await else {
        return;
    };
    db.execute("INSERT INTO offices (id, code) VALUES (1, 100)")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        "seed = 1\n[tables.offices]\nrows = 1\ncolumns.code = { const = 100 }\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    server_refused(
        fixtura(&db, &store, &["ensure", "--spec", spec.to_str().unwrap()]),
        &[
            "Key (code)=(100) already exists",
            "offices_code_key",
            "spec.toml:4, tables.offices.columns.code",
        ],
    );
    assert_eq!(rows(&db, "offices").await, 1);
}
