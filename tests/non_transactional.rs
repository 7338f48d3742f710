//! Tables without transactions (MySQL/MariaDB MyISAM, Aria, MEMORY, ...) on a real MariaDB:
//! refused before anything is written unless the user accepts them, and then a failure
//! says exactly which rows stay — never "nothing was written". The schema is
//! `tests/fixtures/realworld/mysql_myisam.sql`.

mod common;

use common::{TestDb, fixtura, ok, refused};

fn myisam_fixture() -> String {
    let path = format!(
        "{}/tests/fixtures/realworld/mysql_myisam.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `page_hits` (MyISAM) and `visits` (InnoDB, whose CHECK refuses positive durations).
async fn hits_and_visits() -> Option<TestDb> {
    let db = TestDb::mysql().await?;
    db.execute(&myisam_fixture()).await;
    Some(db)
}

async fn count(db: &TestDb, table: &str) -> u64 {
    db.count(&format!("SELECT CAST(count(*) AS CHAR) FROM {table}"))
        .await
}

fn write_spec(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const HITS: &str = "seed = 3\n[tables.page_hits]\nrows = 5\n";

/// Five hits, then three visits whose durations break `visits_duration_negative`: the load
/// fails on `visits`, after `page_hits` is written.
const HITS_THEN_BAD_VISITS: &str = "seed = 3\n[tables.page_hits]\nrows = 5\n\
     [tables.visits]\nrows = 3\ncolumns.duration = { int = { min = 1, max = 9 } }\n";

#[tokio::test]
async fn generate_refuses_a_myisam_table_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = hits_and_visits().await else {
        return;
    };
    let spec = write_spec(dir.path(), HITS);
    refused(
        fixtura(&db, dir.path(), &["generate", "--spec", &spec]),
        &[
            "refusing to write page_hits (MyISAM)",
            "nothing was written",
            "ALTER TABLE `page_hits` ENGINE = InnoDB",
            "--allow-non-transactional",
        ],
    );
    assert_eq!(count(&db, "page_hits").await, 0);
}

#[tokio::test]
async fn generate_with_the_opt_in_writes_and_says_what_a_failure_would_leave() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = hits_and_visits().await else {
        return;
    };
    let spec = write_spec(dir.path(), HITS);
    let args = ["generate", "--spec", &spec, "--allow-non-transactional"];
    let output = fixtura(&db, dir.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let out = ok(output);
    let said = "page_hits without transactions: rows written to it stay if the load fails";
    assert!(stderr.contains(said), "before writing: {stderr}");
    assert!(out.contains(said), "in the summary: {out}");
    assert_eq!(count(&db, "page_hits").await, 5);
}

#[tokio::test]
async fn a_failure_after_a_myisam_write_says_which_rows_stay() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = hits_and_visits().await else {
        return;
    };
    let spec = write_spec(dir.path(), HITS_THEN_BAD_VISITS);
    let args = ["generate", "--spec", &spec, "--allow-non-transactional"];
    let output = fixtura(&db, dir.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(!output.status.success(), "the CHECK must fail the load");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        error.contains("the rows already written to page_hits (no transactions) stay"),
        "{error}"
    );
    assert!(!stderr.contains("nothing was written"), "{stderr}");
    // What the message says is what the database holds.
    assert_eq!(count(&db, "page_hits").await, 5, "the MyISAM rows stayed");
    assert_eq!(
        count(&db, "visits").await,
        0,
        "the InnoDB rows were rolled back"
    );
}

#[tokio::test]
async fn without_a_myisam_write_a_failure_still_says_nothing_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = hits_and_visits().await else {
        return;
    };
    let spec = "seed = 3\n[tables.visits]\nrows = 3\n\
                columns.duration = { int = { min = 1, max = 9 } }\n";
    let spec = write_spec(dir.path(), spec);
    refused(
        fixtura(&db, dir.path(), &["generate", "--spec", &spec]),
        &["rolled back, nothing was written"],
    );
    assert_eq!(count(&db, "visits").await, 0);
}

/// A source whose `visits` has no CHECK, holding flagged hits and visits the target's
/// CHECK refuses, snapshotted as `traffic`.
async fn traffic_snapshot(store: &std::path::Path) -> Option<TestDb> {
    let source = TestDb::mysql().await?;
    let without_check = myisam_fixture().replace(
        ",\n  CONSTRAINT visits_duration_negative CHECK (duration < 0)",
        "",
    );
    assert_ne!(without_check, myisam_fixture());
    source.execute(&without_check).await;
    source
        .execute(
            "INSERT INTO page_hits (id, page, is_test_data) VALUES (1, '/a', true), (2, '/b', true);
             INSERT INTO visits (id, duration, is_test_data) VALUES (1, 5, true);",
        )
        .await;
    ok(fixtura(&source, store, &["snapshot", "create", "traffic"]));
    Some(source)
}

#[tokio::test]
async fn restore_refuses_a_myisam_table_before_writing_and_with_the_opt_in_says_what_stays() {
    let store = tempfile::tempdir().unwrap();
    let Some(_source) = traffic_snapshot(store.path()).await else {
        return;
    };
    let Some(target) = hits_and_visits().await else {
        return;
    };
    refused(
        fixtura(&target, store.path(), &["snapshot", "restore", "traffic"]),
        &[
            "refusing to write page_hits (MyISAM)",
            "nothing was written",
        ],
    );
    assert_eq!(count(&target, "page_hits").await, 0);

    // Accepted: the visit breaks the target's CHECK after the hits are in.
    let args = [
        "snapshot",
        "restore",
        "traffic",
        "--allow-non-transactional",
    ];
    let output = fixtura(&target, store.path(), &args);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        stderr.contains("the rows already written to page_hits (no transactions) stay"),
        "{stderr}"
    );
    assert!(!stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(count(&target, "page_hits").await, 2);
    assert_eq!(count(&target, "visits").await, 0);
}

#[tokio::test]
async fn inspect_shows_a_table_without_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = hits_and_visits().await else {
        return;
    };
    let out = ok(fixtura(&db, dir.path(), &["inspect"]));
    assert!(out.contains("engine      MyISAM (no transactions"), "{out}");
    let json = ok(fixtura(&db, dir.path(), &["inspect", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let tables = report["tables"].as_array().unwrap();
    let hits = tables
        .iter()
        .find(|t| t["display_name"] == "page_hits")
        .unwrap();
    let visits = tables
        .iter()
        .find(|t| t["display_name"] == "visits")
        .unwrap();
    assert_eq!(hits["engine"], "MyISAM");
    assert_eq!(hits["transactional"], false);
    assert_eq!(visits["engine"], "InnoDB");
    assert_eq!(visits["transactional"], true);
}
