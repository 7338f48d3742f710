//! `snapshot restore --clean truncate` through the binary on every backend: the summary and
//! `--json` count the rows the emptying removed (counted in the restore's transaction), and
//! rows of a table outside the snapshot that reference the snapshot's tables stop it before
//! anything is written, named with their foreign key — with fixtura or the server checking
//! keys. Each test reads the database afterwards.

#[macro_use]
mod common;

use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

fn ddl(backend: Backend) -> String {
    let flag = match backend {
        Backend::Sqlite => "INTEGER NOT NULL DEFAULT 0",
        _ => "boolean NOT NULL DEFAULT false",
    };
    format!(
        "CREATE TABLE offices (id integer PRIMARY KEY, is_test_data {flag});
         CREATE TABLE staffs (id integer PRIMARY KEY, office_id integer NOT NULL, \
           is_test_data {flag}, CONSTRAINT staffs_office_fk FOREIGN KEY (office_id) REFERENCES offices (id));
         INSERT INTO offices (id) VALUES (1);
         INSERT INTO offices (id, is_test_data) VALUES (2, {t}), (3, {t});
         INSERT INTO staffs (id, office_id, is_test_data) VALUES (1, 2, {t});
         INSERT INTO staffs (id, office_id) VALUES (2, 1);",
        t = if backend == Backend::Sqlite { "1" } else { "true" }
    )
}

/// The ids of `table`, in order.
async fn ids(db: &TestDb, table: &str) -> Vec<String> {
    let cast = match db.backend {
        Backend::Postgres => "id::text",
        Backend::MySql => "CAST(id AS CHAR)",
        Backend::Sqlite => "CAST(id AS TEXT)",
    };
    db.text_rows(&format!("SELECT {cast} FROM {table} ORDER BY id"))
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect()
}

async fn snapshotted(backend: Backend) -> Option<(TestDb, tempfile::TempDir)> {
    let db = TestDb::new(backend).await?;
    db.execute(&ddl(backend)).await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(&db, store.path(), &["snapshot", "create", "s"]));
    Some((db, store))
}

/// Everything in the snapshot's tables goes, and the count says how much: 4 offices and
/// 2 staff before, whoever checks the keys.
async fn truncate_counts_the_rows_it_removed(backend: Backend) {
    for checks in ["fixtura", "server"] {
        let Some((db, store)) = snapshotted(backend).await else {
            return;
        };
        db.execute("INSERT INTO offices (id) VALUES (4)").await;
        let restore = [
            "snapshot",
            "restore",
            "s",
            "--clean",
            "truncate",
            "--fk-checks",
            checks,
        ];
        let json = ok(fixtura(
            &db,
            store.path(),
            &[&restore[..], &["--json"]].concat(),
        ));
        let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(summary["deleted"], 6, "{checks}: {summary}");
        assert_eq!(summary["rows"], 3, "{checks}: {summary}");
        assert_eq!(ids(&db, "offices").await, ["2", "3"], "{checks}");
        assert_eq!(ids(&db, "staffs").await, ["1"], "{checks}");

        let text = ok(fixtura(&db, store.path(), &restore));
        assert!(
            text.contains("restored \"s\": 3 rows removed first"),
            "{checks}: {text}"
        );
        assert_eq!(ids(&db, "offices").await, ["2", "3"], "{checks}");
    }
}

/// A table outside the snapshot whose rows reference the snapshot's tables: named, with its
/// foreign key and a row, and nothing written. Without such rows (the table and its key
/// still there) the truncate goes ahead and leaves the table alone.
async fn truncate_names_the_table_outside_the_snapshot_in_its_way(backend: Backend) {
    for checks in ["fixtura", "server"] {
        let Some((db, store)) = snapshotted(backend).await else {
            return;
        };
        db.execute(
            "CREATE TABLE notes (id integer PRIMARY KEY, office_id integer, \
               CONSTRAINT notes_office_fk FOREIGN KEY (office_id) REFERENCES offices (id));
             INSERT INTO notes (id, office_id) VALUES (7, 1), (8, NULL);",
        )
        .await;
        let restore = [
            "snapshot",
            "restore",
            "s",
            "--clean",
            "truncate",
            "--fk-checks",
            checks,
        ];
        refused(
            fixtura(&db, store.path(), &restore),
            &[
                "cannot empty the snapshot's tables",
                "1 row of notes (e.g. (id)=(7)) via \"notes_office_fk\"",
                "nothing was written",
                "--clean flagged or --clean none",
            ],
        );
        assert_eq!(ids(&db, "offices").await, ["1", "2", "3"], "{checks}");
        assert_eq!(ids(&db, "staffs").await, ["1", "2"], "{checks}");
        assert_eq!(ids(&db, "notes").await, ["7", "8"], "{checks}");

        db.execute("DELETE FROM notes WHERE id = 7").await;
        let json = ok(fixtura(
            &db,
            store.path(),
            &[&restore[..], &["--json"]].concat(),
        ));
        let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(summary["deleted"], 5, "{checks}: {summary}");
        assert_eq!(ids(&db, "offices").await, ["2", "3"], "{checks}");
        assert_eq!(ids(&db, "notes").await, ["8"], "{checks}");
    }
}

per_backend!(
    truncate_counts_the_rows_it_removed,
    truncate_names_the_table_outside_the_snapshot_in_its_way,
);
