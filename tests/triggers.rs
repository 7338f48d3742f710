//! Triggers and tables without transactions, on real servers: a restore or a generation
//! never reports success with rows other than those asked for, and never says "nothing was
//! written" when rows stayed. The schemas are `tests/fixtures/realworld/*_triggers.sql` and
//! `mysql_myisam.sql`.

mod common;

use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

/// A fixture of `tests/fixtures/realworld/`.
fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/realworld/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn triggers_fixture(backend: Backend) -> String {
    fixture(match backend {
        Backend::Postgres => "postgres_triggers.sql",
        Backend::MySql => "mysql_triggers.sql",
        Backend::Sqlite => "sqlite_triggers.sql",
    })
}

/// The film-rental tables, with their triggers or without.
async fn film_rental(backend: Backend, triggers: bool) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    let sql = triggers_fixture(backend);
    let sql = if triggers {
        sql.as_str()
    } else {
        sql.split("\n-- @triggers\n").next().unwrap()
    };
    db.execute(sql).await;
    Some(db)
}

/// A source without triggers, two flagged films and rentals in it, snapshotted as `films`
/// into `store`.
async fn snapshot_of_films(backend: Backend, store: &std::path::Path) -> Option<TestDb> {
    let source = film_rental(backend, false).await?;
    source
        .execute(
            "INSERT INTO film (film_id, title, created_at, is_test_data) VALUES
                 (1, 'Alien', '2024-05-01 10:00:00', true), (2, 'Brazil', '2024-05-02 10:00:00', true);
             INSERT INTO rental (rental_id, film_id, customer, is_test_data) VALUES
                 (1, 1, 'ann', true), (2, 2, 'bob', true);",
        )
        .await;
    ok(fixtura(&source, store, &["snapshot", "create", "films"]));
    Some(source)
}

fn text(backend: Backend) -> &'static str {
    if backend == Backend::MySql {
        "CHAR"
    } else {
        "TEXT"
    }
}

/// Every film as text: id, title, created_at.
async fn films(db: &TestDb) -> Vec<Vec<Option<String>>> {
    let t = text(db.backend);
    db.text_rows(&format!(
        "SELECT CAST(film_id AS {t}), title, CAST(created_at AS {t}) FROM film ORDER BY film_id"
    ))
    .await
}

async fn count(db: &TestDb, table: &str) -> u64 {
    let t = text(db.backend);
    db.count(&format!("SELECT CAST(count(*) AS {t}) FROM {table}"))
        .await
}

const SPEC: &str = "seed = 7\n[tables.film]\nrows = 3\n[tables.rental]\nrows = 4\n";

fn write_spec(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn restore_refuses_triggers_that_fire_before_writing_anything(backend: Backend) {
    let store = tempfile::tempdir().unwrap();
    let Some(_source) = snapshot_of_films(backend, store.path()).await else {
        return;
    };
    let Some(target) = film_rental(backend, true).await else {
        return;
    };
    let line = refused(
        fixtura(&target, store.path(), &["snapshot", "restore", "films"]),
        &[
            "rental (rental_logged AFTER INSERT)",
            "nothing was written",
            "--allow-triggers",
        ],
    );
    if backend == Backend::MySql {
        assert!(
            line.contains("--isolate"),
            "a MySQL copy has no triggers: {line}"
        );
        assert!(line.contains("film (film_created BEFORE INSERT)"), "{line}");
    } else {
        assert!(line.contains("film (film_created AFTER INSERT)"), "{line}");
    }
    assert_eq!(count(&target, "film").await, 0);
    assert_eq!(count(&target, "rental").await, 0);
    assert_eq!(count(&target, "rental_audit").await, 0);
}

async fn restore_with_allow_triggers_writes_and_reports_them_per_table(backend: Backend) {
    let store = tempfile::tempdir().unwrap();
    let Some(_source) = snapshot_of_films(backend, store.path()).await else {
        return;
    };
    let Some(target) = film_rental(backend, true).await else {
        return;
    };
    let out = ok(fixtura(
        &target,
        store.path(),
        &["snapshot", "restore", "films", "--allow-triggers"],
    ));
    assert!(
        out.contains("note: triggers fired on the rows written")
            && out.contains("film (film_created ")
            && out.contains("rental (rental_logged AFTER INSERT)"),
        "{out}"
    );
    // What the summary warned of: the triggers rewrote created_at and wrote the audit.
    let created: Vec<Option<String>> = films(&target)
        .await
        .into_iter()
        .map(|r| r[2].clone())
        .collect();
    assert!(
        created
            .iter()
            .all(|c| c.as_deref().is_some_and(|c| c.starts_with("2000-01-01"))),
        "{created:?}"
    );
    assert_eq!(count(&target, "rental_audit").await, 2);
    let json = ok(fixtura(
        &target,
        store.path(),
        &["snapshot", "restore", "films", "--allow-triggers", "--json"],
    ));
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fired = &summary["notes"]["triggers_fired"];
    assert_eq!(fired[0]["table"], "film", "{summary}");
    assert_eq!(fired[1]["table"], "rental", "{summary}");
}

async fn generate_refuses_triggers_that_fire_before_writing_anything(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = film_rental(backend, true).await else {
        return;
    };
    let spec = write_spec(dir.path(), SPEC);
    refused(
        fixtura(&db, dir.path(), &["generate", "--spec", &spec]),
        &[
            "film_created",
            "rental_logged",
            "nothing was written",
            "--allow-triggers",
        ],
    );
    assert_eq!(count(&db, "film").await, 0);
    assert_eq!(count(&db, "rental").await, 0);
    assert_eq!(count(&db, "rental_audit").await, 0);
}

async fn generate_with_allow_triggers_reports_them_before_and_after_writing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = film_rental(backend, true).await else {
        return;
    };
    let spec = write_spec(dir.path(), SPEC);
    let output = fixtura(
        &db,
        dir.path(),
        &["generate", "--spec", &spec, "--allow-triggers"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let out = ok(output);
    for said in [&stderr, &out] {
        assert!(
            said.contains("note: triggers fired on the rows written")
                && said.contains("film_created")
                && said.contains("rental_logged"),
            "{said}"
        );
    }
    assert_eq!(count(&db, "film").await, 3);
    assert_eq!(
        count(&db, "rental_audit").await,
        4,
        "the AFTER INSERT trigger wrote"
    );
    let created: Vec<Option<String>> = films(&db).await.into_iter().map(|r| r[2].clone()).collect();
    assert!(
        created
            .iter()
            .all(|c| c.as_deref().is_some_and(|c| c.starts_with("2000-01-01"))),
        "{created:?}"
    );
}

/// A DELETE trigger matters only to a restore that deletes: `--clean truncate` empties the
/// tables with DELETE on MySQL and SQLite, `--clean none` deletes nothing.
async fn a_delete_trigger_stops_only_a_restore_that_deletes(backend: Backend) {
    let store = tempfile::tempdir().unwrap();
    let Some(source) = snapshot_of_films(backend, store.path()).await else {
        return;
    };
    let Some(target) = film_rental(backend, false).await else {
        return;
    };
    target
        .execute(if backend == Backend::MySql {
            "CREATE TRIGGER rental_gone AFTER DELETE ON rental FOR EACH ROW \
             INSERT INTO rental_audit (rental_id, action) VALUES (OLD.rental_id, 'delete')"
        } else {
            "CREATE TRIGGER rental_gone AFTER DELETE ON rental BEGIN \
             INSERT INTO rental_audit (rental_id, action) VALUES (OLD.rental_id, 'delete'); END"
        })
        .await;
    let args = ["snapshot", "restore", "films", "--clean", "truncate"];
    refused(
        fixtura(&target, store.path(), &args),
        &["rental (rental_gone AFTER DELETE)", "nothing was written"],
    );
    ok(fixtura(
        &target,
        store.path(),
        &["snapshot", "restore", "films", "--clean", "none"],
    ));
    assert_eq!(films(&target).await, films(&source).await);
    assert_eq!(count(&target, "rental_audit").await, 0);
}

async fn inspect_lists_triggers_in_text_and_json(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = film_rental(backend, true).await else {
        return;
    };
    let out = ok(fixtura(&db, dir.path(), &["inspect"]));
    assert!(
        out.contains("trigger     rental_logged AFTER INSERT  [for each row]"),
        "{out}"
    );
    assert!(out.contains("trigger     film_created "), "{out}");
    let json = ok(fixtura(&db, dir.path(), &["inspect", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let table = |name: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["display_name"] == name)
            .unwrap()
            .clone()
    };
    let rental = table("rental");
    assert_eq!(rental["triggers"][0]["name"], "rental_logged", "{rental}");
    assert_eq!(rental["triggers"][0]["timing"], "after");
    assert_eq!(
        rental["triggers"][0]["events"],
        serde_json::json!(["insert"])
    );
    assert_eq!(rental["triggers"][0]["for_each_row"], true);
    assert_eq!(rental["triggers"][0]["enabled"], "enabled");
    assert!(
        rental["triggers"][0]["action"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("rental_"),
        "{rental}"
    );
    let film = table("film");
    let names: Vec<&str> = film["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let expected: &[&str] = if backend == Backend::Postgres {
        &["film_created", "film_fulltext"]
    } else {
        &["film_created"]
    };
    assert_eq!(names, expected);
    assert_eq!(table("rental_audit")["triggers"], serde_json::json!([]));
    assert_eq!(film["transactional"], true);
}

mod mysql {
    use super::*;
    #[tokio::test]
    async fn a_delete_trigger_stops_only_a_restore_that_deletes() {
        super::a_delete_trigger_stops_only_a_restore_that_deletes(Backend::MySql).await
    }
    #[tokio::test]
    async fn restore_refuses_triggers_that_fire_before_writing_anything() {
        super::restore_refuses_triggers_that_fire_before_writing_anything(Backend::MySql).await
    }
    #[tokio::test]
    async fn restore_with_allow_triggers_writes_and_reports_them_per_table() {
        super::restore_with_allow_triggers_writes_and_reports_them_per_table(Backend::MySql).await
    }
    #[tokio::test]
    async fn generate_refuses_triggers_that_fire_before_writing_anything() {
        super::generate_refuses_triggers_that_fire_before_writing_anything(Backend::MySql).await
    }
    #[tokio::test]
    async fn generate_with_allow_triggers_reports_them_before_and_after_writing() {
        super::generate_with_allow_triggers_reports_them_before_and_after_writing(Backend::MySql)
            .await
    }
    #[tokio::test]
    async fn inspect_lists_triggers_in_text_and_json() {
        super::inspect_lists_triggers_in_text_and_json(Backend::MySql).await
    }
}

/// The way out a MySQL refusal names: a copy of its own has the tables without their
/// triggers, so the restored rows are the snapshot's.
#[tokio::test]
async fn a_mysql_restore_into_a_copy_of_its_own_meets_no_trigger() {
    use sqlx::{AssertSqlSafe, Connection};
    let store = tempfile::tempdir().unwrap();
    let Some(source) = snapshot_of_films(Backend::MySql, store.path()).await else {
        return;
    };
    let Some(target) = film_rental(Backend::MySql, true).await else {
        return;
    };
    let args = [
        "snapshot",
        "restore",
        "films",
        "--isolate",
        "--worker",
        "t1",
    ];
    let out = ok(fixtura(&target, store.path(), &args));
    let url = out.trim_end().lines().last().unwrap().to_string();
    let database = url.rsplit('/').next().unwrap().to_string();
    let copy = TestDb::attach(Backend::MySql, &url, &database);
    let (copied, source_films) = (films(&copy).await, films(&source).await);
    let audit = count(&copy, "rental_audit").await;
    let mut conn = sqlx::MySqlConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE `{database}`")))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(copied, source_films, "the snapshot's rows, untouched");
    assert_eq!(audit, 0);
    assert_eq!(
        count(&target, "film").await,
        0,
        "the database itself is left alone"
    );
}

mod sqlite {
    use super::*;
    #[tokio::test]
    async fn a_delete_trigger_stops_only_a_restore_that_deletes() {
        super::a_delete_trigger_stops_only_a_restore_that_deletes(Backend::Sqlite).await
    }
    #[tokio::test]
    async fn restore_refuses_triggers_that_fire_before_writing_anything() {
        super::restore_refuses_triggers_that_fire_before_writing_anything(Backend::Sqlite).await
    }
    #[tokio::test]
    async fn restore_with_allow_triggers_writes_and_reports_them_per_table() {
        super::restore_with_allow_triggers_writes_and_reports_them_per_table(Backend::Sqlite).await
    }
    #[tokio::test]
    async fn generate_refuses_triggers_that_fire_before_writing_anything() {
        super::generate_refuses_triggers_that_fire_before_writing_anything(Backend::Sqlite).await
    }
    #[tokio::test]
    async fn generate_with_allow_triggers_reports_them_before_and_after_writing() {
        super::generate_with_allow_triggers_reports_them_before_and_after_writing(Backend::Sqlite)
            .await
    }
    #[tokio::test]
    async fn inspect_lists_triggers_in_text_and_json() {
        super::inspect_lists_triggers_in_text_and_json(Backend::Sqlite).await
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn inspect_lists_triggers_in_text_and_json() {
        super::inspect_lists_triggers_in_text_and_json(Backend::Postgres).await
    }

    /// With session_replication_role = replica no user trigger fires: the rows are the
    /// snapshot's, and the summary names the silent triggers and the column they keep.
    #[tokio::test]
    async fn restore_says_which_triggers_did_not_fire() {
        let store = tempfile::tempdir().unwrap();
        let Some(source) = snapshot_of_films(Backend::Postgres, store.path()).await else {
            return;
        };
        let Some(target) = film_rental(Backend::Postgres, true).await else {
            return;
        };
        let out = ok(fixtura(
            &target,
            store.path(),
            &["snapshot", "restore", "films"],
        ));
        assert!(
            out.contains(
                "note: triggers did not fire (session_replication_role = replica): \
                 film (film_created BEFORE INSERT, film_fulltext BEFORE INSERT OR UPDATE); \
                 rental (rental_logged AFTER INSERT)"
            ),
            "{out}"
        );
        assert!(out.contains("left as written: film.fulltext"), "{out}");
        assert_eq!(films(&target).await, films(&source).await);
        assert_eq!(count(&target, "rental_audit").await, 0);
    }

    /// With the server checking keys the session stays `origin`, where triggers fire: the
    /// same refusal as MySQL's, before anything is written.
    #[tokio::test]
    async fn restore_with_server_checks_refuses_triggers_that_fire() {
        let store = tempfile::tempdir().unwrap();
        let Some(_source) = snapshot_of_films(Backend::Postgres, store.path()).await else {
            return;
        };
        let Some(target) = film_rental(Backend::Postgres, true).await else {
            return;
        };
        let args = ["snapshot", "restore", "films", "--fk-checks", "server"];
        refused(
            fixtura(&target, store.path(), &args),
            &[
                "film (film_created BEFORE INSERT, film_fulltext BEFORE INSERT OR UPDATE)",
                "rental (rental_logged AFTER INSERT)",
                "session_replication_role = origin",
                "nothing was written",
                "use --fk-checks fixtura",
            ],
        );
        assert_eq!(count(&target, "film").await, 0);
        let mut allowed = args.to_vec();
        allowed.push("--allow-triggers");
        let out = ok(fixtura(&target, store.path(), &allowed));
        assert!(
            out.contains("note: triggers fired on the rows written"),
            "{out}"
        );
        assert_eq!(count(&target, "rental_audit").await, 2);
    }

    /// Before writing, generate says which triggers will not fire.
    #[tokio::test]
    async fn generate_says_which_triggers_will_not_fire() {
        let dir = tempfile::tempdir().unwrap();
        let Some(db) = film_rental(Backend::Postgres, true).await else {
            return;
        };
        let spec = write_spec(dir.path(), SPEC);
        let output = fixtura(&db, dir.path(), &["generate", "--spec", &spec]);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        let out = ok(output);
        for said in [&stderr, &out] {
            assert!(
                said.contains("note: triggers did not fire (session_replication_role = replica)")
                    && said.contains("rental (rental_logged AFTER INSERT)"),
                "{said}"
            );
        }
        assert_eq!(count(&db, "rental_audit").await, 0);
        assert_eq!(
            count(&db, "film WHERE created_at = '2000-01-01'").await,
            0,
            "film_created did not fire"
        );
    }
}
