//! A schema with no flag column at all (`tests/fixtures/noflag/`: identity and serial keys,
//! a natural text key, composite keys, a nullable foreign key), on all three backends:
//! `init` leaves the flag out and its spec generates unedited; `ensure` (isolated or not)
//! captures exactly the generated rows, or stops before generating with the `ALTER TABLE`
//! statements to run; `snapshot create --all` round-trips every row. Every claim is checked
//! in the databases afterwards.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

const TABLES: [&str; 6] = [
    "author",
    "publisher",
    "book",
    "review",
    "shelf",
    "book_shelf",
];

/// Rows per table in the starter spec.
const ROWS: u64 = 20;

/// A fresh database with the no-flag schema.
async fn noflag(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    let file = match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    };
    let path = format!(
        "{}/tests/fixtures/noflag/{file}.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    db.execute(&std::fs::read_to_string(path).unwrap()).await;
    Some(db)
}

/// `fixtura init --rows 20 --out DIR/spec.toml` against `db`: the spec's path.
fn init(db: &TestDb, dir: &Path) -> PathBuf {
    let spec = dir.join("spec.toml");
    ok(fixtura(
        db,
        dir,
        &[
            "init",
            "--rows",
            &ROWS.to_string(),
            "--out",
            spec.to_str().unwrap(),
        ],
    ));
    spec
}

/// Every table's row count and full-row checksum in the database at `url`.
async fn state(backend: Backend, url: &str) -> Vec<(String, u64, String)> {
    TestDb::attach(backend, url, url).state().await
}

/// A `--json` summary, and the copy's URL when one was printed last.
fn summary(stdout: &str) -> (serde_json::Value, String) {
    if let Ok(value) = serde_json::from_str(stdout) {
        return (value, String::new());
    }
    let (json, last) = stdout.trim_end().rsplit_once('\n').unwrap();
    (serde_json::from_str(json).unwrap(), last.to_string())
}

/// `ensure --spec SPEC --json`, isolated for `worker` when given.
fn ensure(db: &TestDb, store: &Path, spec: &Path, worker: Option<&str>) -> Output {
    let mut args = vec!["ensure", "--spec", spec.to_str().unwrap(), "--json"];
    if let Some(worker) = worker {
        args.extend(["--isolate", "--worker", worker, "--run-id", "noflag"]);
    }
    fixtura(db, store, &args)
}

/// The snapshots published in the store.
fn published(store: &Path) -> Vec<String> {
    std::fs::read_dir(store)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().join("manifest.json").exists())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// What `gc --dry-run` would drop: every copy, template and scratch database fixtura left.
fn leftovers(db: &TestDb, store: &Path) -> Vec<serde_json::Value> {
    let out = ok(fixtura(
        db,
        store,
        &[
            "gc",
            "--dry-run",
            "--json",
            "--older-than",
            "0s",
            "--keep",
            "100",
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    report["collected"].as_array().unwrap().clone()
}

/// Drops every copy fixtura made of the database when dropped (declared after it).
struct Cleanup<'a>(&'a TestDb, &'a Path);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = fixtura(self.0, self.1, &["gc", "--older-than", "0s", "--keep", "0"]);
    }
}

/// How many rows `SELECT count(*) FROM {from}` finds (`from` may carry a WHERE).
async fn count(db: &TestDb, from: &str) -> u64 {
    let sql = match db.backend {
        Backend::Postgres => format!("SELECT count(*)::text FROM {from}"),
        Backend::MySql => format!("SELECT CAST(count(*) AS CHAR) FROM {from}"),
        Backend::Sqlite => format!("SELECT CAST(count(*) AS TEXT) FROM {from}"),
    };
    db.count(&sql).await
}

/// `ALTER TABLE t ADD COLUMN is_test_data …;` as the backend quotes it.
fn add_flag(backend: Backend, table: &str) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {} boolean NOT NULL DEFAULT false;",
        backend.quote_ident(table),
        backend.quote_ident("is_test_data")
    )
}

/// Inserts a row with the database's own keys into a copy: its sequences are past the keys.
async fn insert_with_default_keys(backend: Backend, url: &str) {
    let db = TestDb::attach(backend, url, url);
    db.execute("INSERT INTO author (name) VALUES ('Added afterwards')")
        .await;
    db.execute("INSERT INTO shelf (label) VALUES ('Added afterwards')")
        .await;
    assert_eq!(count(&db, "author").await, ROWS + 1);
    assert_eq!(count(&db, "shelf").await, ROWS + 1);
}

per_backend!(
    init_leaves_the_flag_out_and_its_spec_generates_unedited,
    isolated_ensure_gives_every_worker_exactly_the_generated_rows,
    ensure_into_the_database_fills_it_then_restores_only_what_is_missing,
    ensure_stops_before_generating_over_rows_it_cannot_tell_apart_and_the_ddl_it_gives_works,
    ensure_into_the_database_refuses_tables_it_could_not_restore_over_but_a_copy_works,
    snapshot_all_round_trips_every_row_into_a_fresh_database,
);

async fn init_leaves_the_flag_out_and_its_spec_generates_unedited(backend: Backend) {
    let Some(db) = noflag(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = init(&db, dir.path());
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(!text.lines().any(|l| l.starts_with("flag")), "{text}");
    assert!(
        text.contains("# No table has the flag column \"is_test_data\""),
        "{text}"
    );

    let (summary, _) = summary(&ok(fixtura(
        &db,
        dir.path(),
        &["generate", "--spec", spec.to_str().unwrap(), "--json"],
    )));
    assert_eq!(summary["rows"], ROWS * TABLES.len() as u64, "{summary}");
    for table in TABLES {
        assert_eq!(count(&db, table).await, ROWS, "{table}");
    }
    assert_eq!(db.orphans(&db.schema().await).await, vec![]);

    // A column named on purpose stays named (a spec without the line looks for the
    // default), with the same warning.
    let named = ok(fixtura(&db, dir.path(), &["init", "--flag", "marked"]));
    assert!(
        named.contains("# No table has the flag column \"marked\"")
            && named.contains("\nflag = \"marked\"\n"),
        "{named}"
    );
    // Once a table has the column, the spec names it.
    db.execute(&add_flag(backend, "author")).await;
    let again = ok(fixtura(&db, dir.path(), &["init"]));
    assert!(again.contains("\nflag = \"is_test_data\"\n"), "{again}");
}

async fn isolated_ensure_gives_every_worker_exactly_the_generated_rows(backend: Backend) {
    let (Some(target), Some(reference)) = (noflag(backend).await, noflag(backend).await) else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let _cleanup = Cleanup(&target, store.path());
    let spec = init(&target, store.path());
    ok(fixtura(
        &reference,
        store.path(),
        &["generate", "--spec", spec.to_str().unwrap()],
    ));
    let expected = state(backend, &reference.url).await;
    assert!(expected.iter().all(|(_, rows, _)| *rows == ROWS));
    let empty = state(backend, &target.url).await;

    let (first, copy1) = summary(&ok(ensure(&target, store.path(), &spec, Some("w1"))));
    assert_eq!(first["hit"], false, "{first}");
    assert!(
        first["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("captured whole, having no flag column \"is_test_data\""),
        "{first}"
    );
    let (second, copy2) = summary(&ok(ensure(&target, store.path(), &spec, Some("w2"))));
    assert_eq!(second["hit"], true, "{second}");
    assert_eq!(
        state(backend, &copy1).await,
        expected,
        "first worker's copy"
    );
    assert_eq!(
        state(backend, &copy2).await,
        expected,
        "second worker's copy"
    );
    assert_eq!(
        state(backend, &target.url).await,
        empty,
        "the target is left alone"
    );

    // A copy restored from the snapshot (not cloned from the generating copy) holds the same.
    let snapshot = first["snapshot"].as_str().unwrap();
    let out = ok(fixtura(
        &target,
        store.path(),
        &[
            "snapshot",
            "restore",
            snapshot,
            "--isolate",
            "--worker",
            "w3",
            "--run-id",
            "noflag",
        ],
    ));
    let copy3 = out.trim_end().lines().last().unwrap().to_string();
    assert_eq!(
        state(backend, &copy3).await,
        expected,
        "a copy from the snapshot"
    );
    insert_with_default_keys(backend, &copy1).await;
    insert_with_default_keys(backend, &copy3).await;
}

async fn ensure_into_the_database_fills_it_then_restores_only_what_is_missing(backend: Backend) {
    let (Some(target), Some(reference)) = (noflag(backend).await, noflag(backend).await) else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let spec = init(&target, store.path());
    ok(fixtura(
        &reference,
        store.path(),
        &["generate", "--spec", spec.to_str().unwrap()],
    ));
    let expected = state(backend, &reference.url).await;

    let (miss, _) = summary(&ok(ensure(&target, store.path(), &spec, None)));
    assert_eq!(miss["hit"], false, "{miss}");
    assert_eq!(miss["rows"], ROWS * TABLES.len() as u64, "{miss}");
    assert_eq!(state(backend, &target.url).await, expected);

    // A hit finds the rows there: it keeps them and says so.
    let (hit, _) = summary(&ok(ensure(&target, store.path(), &spec, None)));
    assert_eq!(hit["hit"], true, "{hit}");
    let notes = hit["notes"].to_string();
    assert!(
        notes.contains("were kept as they are") && notes.contains("author (20)"),
        "{hit}"
    );
    assert_eq!(state(backend, &target.url).await, expected, "nothing added");

    // Rows a test deleted come back; nothing else changes.
    target.execute("DELETE FROM review").await;
    target.execute("DELETE FROM book_shelf").await;
    ok(ensure(&target, store.path(), &spec, None));
    assert_eq!(state(backend, &target.url).await, expected);
}

async fn ensure_stops_before_generating_over_rows_it_cannot_tell_apart_and_the_ddl_it_gives_works(
    backend: Backend,
) {
    let Some(target) = noflag(backend).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let _cleanup = Cleanup(&target, store.path());
    let spec = init(&target, store.path());
    target
        .execute("INSERT INTO author (name) VALUES ('Kept')")
        .await;
    let before = state(backend, &target.url).await;
    let statements: Vec<String> = TABLES.iter().map(|t| add_flag(backend, t)).collect();
    let mut expected = vec!["author already holds rows", "nothing was written"];
    expected.extend(statements.iter().map(String::as_str));

    for worker in [Some("w1"), None] {
        let line = refused(ensure(&target, store.path(), &spec, worker), &expected);
        assert!(!line.contains("at line"), "{line}");
        assert_eq!(state(backend, &target.url).await, before, "{worker:?}");
        assert_eq!(published(store.path()), Vec::<String>::new(), "{worker:?}");
        assert_eq!(
            leftovers(&target, store.path()),
            Vec::<serde_json::Value>::new(),
            "{worker:?}"
        );
    }

    // The statements the message gives, run as given, let ensure work.
    let line = refused(ensure(&target, store.path(), &spec, None), &[]);
    let ddl = line.split("Add the flag column: ").nth(1).unwrap().trim();
    assert_eq!(ddl, statements.join(" "));
    target.execute(ddl).await;
    ok(ensure(&target, store.path(), &spec, None));
    for table in TABLES {
        let flagged = count(&target, &format!("{table} WHERE is_test_data = true")).await;
        assert_eq!(flagged, ROWS, "{table}");
    }
    let kept = count(
        &target,
        "author WHERE name = 'Kept' AND is_test_data = false",
    )
    .await;
    assert_eq!(kept, 1, "the row that was there stays, unflagged");
    assert_eq!(target.orphans(&target.schema().await).await, vec![]);
}

async fn ensure_into_the_database_refuses_tables_it_could_not_restore_over_but_a_copy_works(
    backend: Backend,
) {
    let (Some(target), Some(reference)) = (noflag(backend).await, noflag(backend).await) else {
        return;
    };
    // A table without a key, and a flag column on the table every book references.
    let extra = format!(
        "CREATE TABLE loan_note (book_id integer NOT NULL REFERENCES book (id), note text); {}",
        add_flag(backend, "author")
    );
    let extra = match backend {
        Backend::MySql => extra.replace(
            "book_id integer NOT NULL REFERENCES book (id)",
            "book_id int NOT NULL, FOREIGN KEY (book_id) REFERENCES book (id)",
        ),
        _ => extra,
    };
    target.execute(&extra).await;
    reference.execute(&extra).await;
    let store = tempfile::tempdir().unwrap();
    let _cleanup = Cleanup(&target, store.path());
    let spec = init(&target, store.path());
    assert!(
        std::fs::read_to_string(&spec)
            .unwrap()
            .contains("\nflag = \"is_test_data\"\n")
    );
    ok(fixtura(
        &reference,
        store.path(),
        &["generate", "--spec", spec.to_str().unwrap()],
    ));
    let expected = state(backend, &reference.url).await;
    let empty = state(backend, &target.url).await;

    let statements: Vec<String> = [
        "book_shelf",
        "book",
        "loan_note",
        "publisher",
        "review",
        "shelf",
    ]
    .iter()
    .map(|t| add_flag(backend, t))
    .collect();
    let line = refused(
        ensure(&target, store.path(), &spec, None),
        &[
            "loan_note has no primary or unique key",
            "book references author, whose flagged rows are replaced each time",
            "nothing was written",
        ],
    );
    for statement in &statements {
        assert!(line.contains(statement.as_str()), "{statement} in {line}");
    }
    assert!(!line.contains(&add_flag(backend, "author")), "{line}");
    assert_eq!(state(backend, &target.url).await, empty);
    assert_eq!(published(store.path()), Vec::<String>::new());

    let (_, copy) = summary(&ok(ensure(&target, store.path(), &spec, Some("w1"))));
    assert_eq!(state(backend, &copy).await, expected);
    assert_eq!(state(backend, &target.url).await, empty);
}

async fn snapshot_all_round_trips_every_row_into_a_fresh_database(backend: Backend) {
    let (Some(source), Some(fresh)) = (noflag(backend).await, noflag(backend).await) else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let _cleanup = Cleanup(&source, store.path());
    let spec = init(&source, store.path());
    ok(fixtura(
        &source,
        store.path(),
        &["generate", "--spec", spec.to_str().unwrap()],
    ));
    let expected = state(backend, &source.url).await;

    let (created, _) = summary(&ok(fixtura(
        &source,
        store.path(),
        &["snapshot", "create", "everything", "--all", "--json"],
    )));
    assert_eq!(created["rows"], ROWS * TABLES.len() as u64, "{created}");
    let show = ok(fixtura(
        &source,
        store.path(),
        &["snapshot", "show", "everything"],
    ));
    assert!(
        show.contains("selection: every row of every table"),
        "{show}"
    );

    // Into empty tables, the default cleaning has nothing to do.
    ok(fixtura(
        &fresh,
        store.path(),
        &["snapshot", "restore", "everything"],
    ));
    assert_eq!(state(backend, &fresh.url).await, expected);
    // Into tables that hold rows it refuses, naming the way out; nothing is written.
    refused(
        fixtura(&fresh, store.path(), &["snapshot", "restore", "everything"]),
        &[
            "snapshot \"everything\" holds every row of its tables",
            "author, publisher, book",
            "nothing was written",
            "restore with --clean truncate",
        ],
    );
    let failed = fixtura(
        &fresh,
        store.path(),
        &["snapshot", "restore", "everything", "--clean", "none"],
    );
    assert!(!failed.status.success());
    assert_eq!(state(backend, &fresh.url).await, expected);
    ok(fixtura(
        &fresh,
        store.path(),
        &["snapshot", "restore", "everything", "--clean", "truncate"],
    ));
    assert_eq!(state(backend, &fresh.url).await, expected);
    insert_with_default_keys(backend, &fresh.url).await;

    // A copy of the source (which holds rows) holds exactly the snapshot.
    let out = ok(fixtura(
        &source,
        store.path(),
        &[
            "snapshot",
            "restore",
            "everything",
            "--isolate",
            "--worker",
            "all1",
            "--run-id",
            "noflag",
        ],
    ));
    let copy = out.trim_end().lines().last().unwrap().to_string();
    assert_eq!(state(backend, &copy).await, expected);

    for conflicting in [
        &["--where", "author:1 = 1"][..],
        &["--with-parents"],
        &["--flag", "other"],
    ] {
        let mut args = vec!["snapshot", "create", "x", "--all"];
        args.extend_from_slice(conflicting);
        let out = fixtura(&source, store.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{conflicting:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cannot be used with"),
            "{conflicting:?}"
        );
    }
    library_all(&source, store.path()).await;
}

/// The library's `CreateOptions::all`: every row, and no filters or parents with it.
async fn library_all(source: &TestDb, store: &Path) {
    let db = source.connect().await;
    let store = fixtura::snapshot::Store::new(store);
    let mut options = fixtura::snapshot::CreateOptions {
        name: "from-the-library".into(),
        description: None,
        flag: "is_test_data".into(),
        filters: Vec::new(),
        with_parents: false,
        cache: None,
        all: true,
    };
    let created = store
        .create(&db, &options, std::sync::Arc::new(fixtura::Quiet))
        .await
        .unwrap();
    assert_eq!(created.rows, ROWS * TABLES.len() as u64);
    assert!(store.manifest("from-the-library").unwrap().selection.all);
    options.name = "refused".into();
    options.with_parents = true;
    let refused = store
        .create(&db, &options, std::sync::Arc::new(fixtura::Quiet))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("no parents"), "{refused}");
    db.close().await;
}
