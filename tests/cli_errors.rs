//! Bad URLs, unreachable servers, refused credentials and missing databases, through the
//! binary: one readable line on stderr, a non-zero status, no panic, and never the password.

mod common;

use assert_cmd::Command;
use common::TestDb;
use fixtura::Backend;

/// Runs `fixtura --db URL inspect` and returns its stderr, asserting the error contract.
fn inspect_fails(url: &str) -> String {
    let output = Command::cargo_bin("fixtura")
        .expect("binary")
        .env_remove("DATABASE_URL")
        .args(["--db", url, "inspect"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run fixtura");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !output.status.success(),
        "must fail for {url}; stderr: {stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout for a failure: {:?}",
        output.stdout
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret"),
        "the password must never be echoed: {stderr}"
    );
    stderr
}

#[test]
fn an_unknown_scheme_is_named_with_the_supported_ones() {
    let err = inspect_fails("oracle://scott:s3cret@db.example/orcl");
    assert!(
        err.contains("unsupported database URL \"oracle://scott:***@db.example/orcl\""),
        "{err}"
    );
    assert!(
        err.contains("postgres://") && err.contains("sqlite://"),
        "{err}"
    );
}

#[test]
fn an_unreachable_postgres_server_says_so_with_the_masked_url() {
    let err = inspect_fails("postgres://postgres:s3cret@127.0.0.1:1/test");
    assert!(
        err.contains("cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/test"),
        "{err}"
    );
    assert!(err.contains("is the server running"), "{err}");
}

#[test]
fn an_unreachable_mysql_server_says_so() {
    let err = inspect_fails("mariadb://root:s3cret@127.0.0.1:1/test");
    assert!(
        err.contains("cannot reach MySQL/MariaDB at mariadb://root:***@127.0.0.1:1/test"),
        "{err}"
    );
}

#[test]
fn a_missing_sqlite_file_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.db");
    let err = inspect_fails(&format!("sqlite://{}", path.display()));
    assert!(
        err.contains("SQLite file") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!path.exists(), "inspect must not create the file");
}

#[test]
fn no_url_at_all_says_how_to_give_one() {
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .arg("inspect")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("pass --db URL or set DATABASE_URL"),
        "{stderr}"
    );
}

#[tokio::test]
async fn postgres_refusing_a_user_is_an_auth_error() {
    if TestDb::new(Backend::Postgres).await.is_none() {
        return;
    }
    let err = inspect_fails("postgres://fixtura_no_such_role:s3cret@127.0.0.1:5432/test");
    assert!(
        err.contains("refused the credentials of user \"fixtura_no_such_role\""),
        "{err}"
    );
}

#[tokio::test]
async fn mysql_refusing_a_password_is_an_auth_error() {
    if TestDb::new(Backend::MySql).await.is_none() {
        return;
    }
    let err = inspect_fails("mysql://root:s3cret@127.0.0.1:3306/test");
    assert!(
        err.contains("refused the credentials of user \"root\""),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_postgres_database_is_named() {
    if TestDb::new(Backend::Postgres).await.is_none() {
        return;
    }
    let err = inspect_fails("postgres://postgres:s3cret@127.0.0.1:5432/fixtura_no_such_db");
    assert!(
        err.contains("database \"fixtura_no_such_db\" does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_mysql_database_is_named() {
    if TestDb::new(Backend::MySql).await.is_none() {
        return;
    }
    let err = inspect_fails("mysql://root@127.0.0.1:3306/fixtura_no_such_db");
    assert!(
        err.contains("database \"fixtura_no_such_db\" does not exist"),
        "{err}"
    );
}

#[test]
fn the_db_flag_works_after_the_command_too() {
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .args(["inspect", "--db", "oracle://x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("unsupported database URL"));
}
