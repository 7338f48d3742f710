//! `fixtura snapshot` through the binary on all three backends: create → damage → restore
//! gives back exactly the rows there were; parents come along with `--with-parents`;
//! drift, damaged files and unsafe targets are refused before anything is written.

#[macro_use]
mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

fn file(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    }
}

fn path(relative: &str) -> String {
    format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"))
}

/// The zoo schema with the zoo spec's rows in it.
async fn zoo(backend: Backend, generate: bool) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(
        &std::fs::read_to_string(path(&format!("tests/fixtures/zoo/{}.sql", file(backend))))
            .unwrap(),
    )
    .await;
    if generate {
        let out = fixtura(
            &db,
            Path::new("."),
            &["generate", "--spec", &path("tests/fixtures/zoo/spec.toml")],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some(db)
}

const TABLES: &[&str] = &[
    "teams",
    "players",
    "departments",
    "employees",
    "warehouses",
    "shipments",
    "team_members",
    "samples",
    "order",
];

async fn a_damaged_database_is_restored_exactly(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    // Rows that are not test data: never touched.
    db.execute("INSERT INTO warehouses (region, code, city, is_test_data) VALUES ('zz', 9999, 'Real city', false)").await;
    let store = tempfile::tempdir().unwrap();
    let before = db.state().await;
    ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "create", "zoo", "--description", "the zoo"],
    ));

    // Damage the flagged rows: delete some, change some, add some.
    db.execute("DELETE FROM team_members WHERE id <= 10").await;
    db.execute("UPDATE employees SET email = 'changed@example.com' WHERE id = 3")
        .await;
    db.execute("UPDATE samples SET is_test_data = is_test_data")
        .await;
    db.execute("INSERT INTO warehouses (region, code, city, is_test_data) VALUES ('xx', 5000, 'Added', true)").await;
    assert_ne!(db.state().await, before);

    let summary = ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "restore", "zoo", "--json"],
    ));
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert!(summary["rows"].as_u64().unwrap() > 300, "{summary}");
    assert_eq!(
        db.state().await,
        before,
        "every table is back as it was, unflagged rows included"
    );
    assert_eq!(db.orphans(&db.schema().await).await, vec![]);
    // Sequences were moved past the restored keys: a default key does not collide.
    db.execute("INSERT INTO shipments (region, warehouse_code, qty, unit_cents) SELECT region, code, 1, 1 FROM warehouses LIMIT 1").await;

    // The table files are readable JSON Lines with `zstd -dc`.
    let dir = store.path().join("zoo");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["description"], "the zoo");
    let tables: Vec<&str> = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["display_name"].as_str().unwrap())
        .collect();
    for t in TABLES {
        assert!(tables.contains(t), "{t} in {tables:?}");
    }
    assert!(
        !tables.contains(&"audit_log"),
        "a table without the flag column is not captured"
    );
}

async fn a_snapshot_with_parents_restores_into_an_empty_schema(backend: Backend) {
    let Some(source) = zoo(backend, true).await else {
        return;
    };
    // Departments become "system" rows: unflagged, referenced by flagged employees (and
    // referencing none themselves, or cleaning would have to refuse: see below).
    source
        .execute("UPDATE departments SET is_test_data = false, head_id = NULL")
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &source,
        store.path(),
        &["snapshot", "create", "closure", "--with-parents"],
    ));
    let Some(target) = zoo(backend, false).await else {
        return;
    };
    ok(fixtura(
        &target,
        store.path(),
        &["snapshot", "restore", "closure"],
    ));
    for table in ["departments", "employees", "teams", "players", "shipments"] {
        assert_eq!(
            source.table_checksum(table).await,
            target.table_checksum(table).await,
            "{table}"
        );
    }
    assert_eq!(target.orphans(&target.schema().await).await, vec![]);
    // Restoring again over itself: parents already there are left as they are.
    ok(fixtura(
        &target,
        store.path(),
        &["snapshot", "restore", "closure"],
    ));
    assert_eq!(
        source.table_checksum("departments").await,
        target.table_checksum("departments").await
    );
}

async fn drift_that_loses_nothing_is_handled_and_the_rest_is_refused(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "create", "before"],
    ));
    db.execute("ALTER TABLE teams ADD COLUMN motto varchar(80)")
        .await;
    let out = ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "restore", "before"],
    ));
    assert!(out.contains("teams.motto is new"), "{out}");

    ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "create", "with-name"],
    ));
    db.execute("ALTER TABLE teams DROP COLUMN name").await;
    let before_drop = db.state().await;
    refused(
        fixtura(&db, store.path(), &["snapshot", "restore", "with-name"]),
        &["teams.name was dropped", "nothing was written"],
    );
    assert_eq!(db.state().await, before_drop);
}

async fn damaged_snapshots_are_rejected_before_anything_is_written(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&db, store.path(), &["snapshot", "create", "good"]));
    db.execute("DELETE FROM team_members").await;
    let before = db.state().await;
    let dir = store.path().join("good");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let employees = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["display_name"] == "employees")
        .unwrap()["file"]
        .as_str()
        .unwrap()
        .to_string();
    let copy = |name: &str| {
        let to = store.path().join(name);
        std::fs::create_dir(&to).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
        let manifest = std::fs::read_to_string(to.join("manifest.json")).unwrap();
        std::fs::write(
            to.join("manifest.json"),
            manifest.replace("\"name\": \"good\"", &format!("\"name\": \"{name}\"")),
        )
        .unwrap();
        to
    };
    // A flipped byte.
    let corrupted = copy("corrupted");
    let mut bytes = std::fs::read(corrupted.join(&employees)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(corrupted.join(&employees), bytes).unwrap();
    // A cut-off file.
    let truncated = copy("truncated");
    let bytes = std::fs::read(truncated.join(&employees)).unwrap();
    std::fs::write(truncated.join(&employees), &bytes[..bytes.len() / 2]).unwrap();
    // A manifest edited by hand.
    let tampered = copy("tampered");
    let text = std::fs::read_to_string(tampered.join("manifest.json")).unwrap();
    std::fs::write(
        tampered.join("manifest.json"),
        text.replacen("\"rows\": ", "\"rows\": 1", 1),
    )
    .unwrap();

    for (name, expected) in [
        ("corrupted", "does not match its checksum"),
        ("truncated", "truncated or replaced"),
        ("tampered", "manifest.json"),
    ] {
        let stderr = refused(
            fixtura(&db, store.path(), &["snapshot", "restore", name]),
            &[name],
        );
        assert!(
            stderr.contains(expected) || stderr.contains("does not match"),
            "{stderr}"
        );
        assert_eq!(db.state().await, before, "{name}: nothing written");
        let verify = fixtura(&db, store.path(), &["snapshot", "verify", name]);
        assert!(!verify.status.success(), "verify must fail on {name}");
    }
    assert!(ok(fixtura(&db, store.path(), &["snapshot", "verify", "good"])).contains("intact"));
}

async fn cleaning_never_deletes_unflagged_rows(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&db, store.path(), &["snapshot", "create", "s"]));
    // An unflagged row referencing a flagged one.
    db.execute("UPDATE employees SET is_test_data = false WHERE id = 7")
        .await;
    let before = db.state().await;
    refused(
        fixtura(&db, store.path(), &["snapshot", "restore", "s"]),
        &["unflagged rows reference them", "employees"],
    );
    assert_eq!(db.state().await, before);
}

async fn list_show_and_delete_manage_the_store(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&db, store.path(), &["snapshot", "create", "first"]));
    ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "create", "second"],
    ));
    refused(
        fixtura(&db, store.path(), &["snapshot", "create", "first"]),
        &["already exists"],
    );
    let list = ok(fixtura(&db, store.path(), &["snapshot", "list"]));
    assert!(
        list.contains("first") && list.contains("second") && list.contains(&backend.to_string()),
        "{list}"
    );
    let show = ok(fixtura(&db, store.path(), &["snapshot", "show", "first"]));
    assert!(
        show.contains("employees") && show.contains("insert order"),
        "{show}"
    );
    ok(fixtura(&db, store.path(), &["snapshot", "delete", "first"]));
    let list = ok(fixtura(&db, store.path(), &["snapshot", "list"]));
    assert!(!list.contains("first"), "{list}");
    refused(
        fixtura(&db, store.path(), &["snapshot", "restore", "first"]),
        &["no snapshot \"first\""],
    );
}

/// The type zoo (tests/fixtures/types: every type the backend has, every nasty value) goes
/// through create → damage → restore unchanged, unflagged rows untouched.
async fn every_type_and_nasty_value_survives_a_snapshot_round_trip(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.execute(
        &std::fs::read_to_string(path(&format!("tests/fixtures/types/{}.sql", file(backend))))
            .unwrap(),
    )
    .await;
    let flag_true = if backend == Backend::Postgres {
        "true"
    } else {
        "1"
    };
    let flag_false = if backend == Backend::Postgres {
        "false"
    } else {
        "0"
    };
    db.execute(&format!("UPDATE zoo_types SET is_test_data = {flag_true}"))
        .await;
    db.execute(&format!(
        "UPDATE zoo_types SET is_test_data = {flag_false} WHERE id = 1"
    ))
    .await;
    let before = db.table_checksum("zoo_types").await;
    assert!(before.0 >= 3, "the fixture has rows: {before:?}");
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&db, store.path(), &["snapshot", "create", "types"]));
    // Damage: delete a flagged row, change another, add a flagged one.
    db.execute("DELETE FROM zoo_types WHERE id = 2").await;
    db.execute(&format!(
        "UPDATE zoo_types SET is_test_data = {flag_true} WHERE id = 3"
    ))
    .await;
    db.execute(&format!(
        "INSERT INTO zoo_types (id, is_test_data) VALUES (424242, {flag_true})"
    ))
    .await;
    assert_ne!(db.table_checksum("zoo_types").await, before);
    ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "restore", "types"],
    ));
    assert_eq!(
        db.table_checksum("zoo_types").await,
        before,
        "every value back exactly, row 1 untouched"
    );
}

/// A table without the flag column (so never cleaned) pointing at a flagged row blocks
/// cleaning too: deleting the row would orphan it.
async fn rows_outside_the_snapshot_block_cleaning_too(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&db, store.path(), &["snapshot", "create", "s"]));
    let id = if backend == Backend::Sqlite {
        "INTEGER PRIMARY KEY"
    } else {
        "integer PRIMARY KEY"
    };
    let employee = if backend == Backend::Sqlite {
        "INTEGER"
    } else {
        "bigint"
    };
    db.execute(&format!(
        "CREATE TABLE notes (id {id}, employee_id {employee} NOT NULL REFERENCES employees (id))"
    ))
    .await;
    db.execute("INSERT INTO notes (id, employee_id) VALUES (1, 7)")
        .await;
    let before = db.state().await;
    refused(
        fixtura(&db, store.path(), &["snapshot", "restore", "s"]),
        &["unflagged rows reference them", "notes"],
    );
    assert_eq!(db.state().await, before);
}

per_backend!(
    a_damaged_database_is_restored_exactly,
    a_snapshot_with_parents_restores_into_an_empty_schema,
    drift_that_loses_nothing_is_handled_and_the_rest_is_refused,
    damaged_snapshots_are_rejected_before_anything_is_written,
    cleaning_never_deletes_unflagged_rows,
    list_show_and_delete_manage_the_store,
    every_type_and_nasty_value_survives_a_snapshot_round_trip,
    rows_outside_the_snapshot_block_cleaning_too,
);

/// Cleaning refuses a database whose name does not look like a test database.
#[tokio::test]
async fn cleaning_refuses_a_database_that_does_not_look_like_a_test_database() {
    let source = TestDb::sqlite();
    source
        .execute(&std::fs::read_to_string(path("tests/fixtures/zoo/sqlite.sql")).unwrap())
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&source, store.path(), &["snapshot", "create", "s"]));
    let dir = tempfile::tempdir().unwrap();
    let production = dir.path().join("production.db");
    std::fs::copy(&source.name, &production).unwrap();
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .args([
            "--db",
            &format!("sqlite://{}", production.display()),
            "--store",
            store.path().to_str().unwrap(),
        ])
        .args(["snapshot", "restore", "s"])
        .output()
        .unwrap();
    refused(
        output,
        &[
            "refusing to clean database",
            "production.db",
            "--allow-any-db",
        ],
    );
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .args([
            "--db",
            &format!("sqlite://{}", production.display()),
            "--store",
            store.path().to_str().unwrap(),
        ])
        .args(["snapshot", "restore", "s", "--allow-any-db"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The library refuses the same way, in its own terms: the advice names the option, never
/// a command-line flag, and the error's kind and remedy say what it is.
#[tokio::test]
async fn the_library_refusal_speaks_in_library_terms() {
    let source = TestDb::sqlite();
    source
        .execute(&std::fs::read_to_string(path("tests/fixtures/zoo/sqlite.sql")).unwrap())
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&source, store.path(), &["snapshot", "create", "s"]));
    let dir = tempfile::tempdir().unwrap();
    let production = dir.path().join("production.db");
    std::fs::copy(&source.name, &production).unwrap();
    let db = fixtura::connect(&format!("sqlite://{}", production.display()))
        .await
        .unwrap();
    let store = fixtura::snapshot::Store::new(store.path());
    let options = fixtura::snapshot::RestoreOptions {
        name: "s".into(),
        clean: fixtura::snapshot::Clean::Flagged,
        allow_any_db: false,
        checks: fixtura::ChecksChoice::Auto,
        ..Default::default()
    };
    let err = store
        .restore(&db, &options, std::sync::Arc::new(fixtura::Quiet))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), fixtura::ErrorKind::Refused, "{text}");
    assert_eq!(err.remedy(), Some(fixtura::Remedy::AllowAnyDbOrCleanNone));
    assert!(text.contains("production.db"), "{text}");
    assert!(
        text.contains("set allow_any_db") && text.contains("Clean::None"),
        "{text}"
    );
    assert!(
        !text.contains("--"),
        "no command-line flags in a library message: {text}"
    );
    let missing = store.manifest("nope").unwrap_err();
    assert_eq!(missing.kind(), fixtura::ErrorKind::NotFound, "{missing}");
}

/// A restore killed with SIGKILL in the middle leaves the database as it was.
#[tokio::test]
async fn a_restore_killed_midway_leaves_the_database_as_it_was() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    db.execute(&std::fs::read_to_string(path("schema/welfare.postgres.sql")).unwrap())
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &db,
        store.path(),
        &[
            "generate",
            "--spec",
            &path("schema/welfare.toml"),
            "--scale",
            "4",
        ],
    ));
    ok(fixtura(&db, store.path(), &["snapshot", "create", "big"]));
    db.execute("DELETE FROM support_plan_cycles WHERE cycle_number = 1 AND office_id IN (SELECT id FROM offices LIMIT 10)").await;
    let before = db.state().await;
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fixtura"))
        .args([
            "--db",
            &db.url,
            "--store",
            store.path().to_str().unwrap(),
            "snapshot",
            "restore",
            "big",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it only once the server shows it writing rows (a COPY into one of the tables).
    let sql = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND query LIKE 'COPY %FROM STDIN%'",
        db.name
    );
    let mut writing = false;
    for _ in 0..600 {
        if db.count(&sql).await > 0 {
            writing = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(writing, "the restore never started writing");
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    let _ = child.wait_with_output();
    // The server notices the dead connection and rolls back.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(db.state().await, before);
}
