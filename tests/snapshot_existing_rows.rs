//! `fixtura snapshot restore` around rows that are already there and columns that are new,
//! through the binary on all three backends: existing parents captured by `--with-parents`
//! stay exactly as they are, also when the server checks keys and a cycle is loaded
//! NULL-then-UPDATE; a nullable foreign key added since the snapshot is filled by the
//! database; rows of a table without the flag column (taken by `--where`) are kept, not
//! added twice.

#[macro_use]
mod common;

use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

/// A query's rows, each as `a|b|c` (NULL as `NULL`); write casts as `CAST(x AS CHAR(20))`,
/// and order by qualified columns (PostgreSQL orders by an output column of the same name,
/// here text, before an input column).
async fn rows(db: &TestDb, sql: &str) -> Vec<String> {
    let sql = if db.backend == Backend::Postgres {
        sql.replace("CHAR(20)", "text")
    } else {
        sql.to_string()
    };
    db.text_rows(&sql)
        .await
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

async fn departments(db: &TestDb) -> Vec<String> {
    rows(
        db,
        "SELECT CAST(id AS CHAR(20)), name, CAST(head_id AS CHAR(20)) FROM departments d ORDER BY d.id",
    )
    .await
}

async fn employees(db: &TestDb) -> Vec<String> {
    rows(
        db,
        "SELECT CAST(id AS CHAR(20)), CAST(department_id AS CHAR(20)), name FROM employees e ORDER BY e.id",
    )
    .await
}

/// Departments and employees referencing each other: `departments.head_id` is nullable, so
/// with the server checking keys the cycle is loaded NULL-then-UPDATE.
async fn company(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    let ddl = match backend {
        Backend::Sqlite => {
            "CREATE TABLE departments (id integer PRIMARY KEY, name varchar(40) NOT NULL, \
               head_id integer REFERENCES employees (id), is_test_data boolean NOT NULL DEFAULT false);
             CREATE TABLE employees (id integer PRIMARY KEY, \
               department_id integer NOT NULL REFERENCES departments (id), name varchar(40) NOT NULL, \
               is_test_data boolean NOT NULL DEFAULT false);"
        }
        Backend::Postgres | Backend::MySql => {
            "CREATE TABLE departments (id integer PRIMARY KEY, name varchar(40) NOT NULL, \
               head_id integer, is_test_data boolean NOT NULL DEFAULT false);
             CREATE TABLE employees (id integer PRIMARY KEY, department_id integer NOT NULL, \
               name varchar(40) NOT NULL, is_test_data boolean NOT NULL DEFAULT false, \
               CONSTRAINT employees_department_id_fkey FOREIGN KEY (department_id) REFERENCES departments (id));
             ALTER TABLE departments ADD CONSTRAINT departments_head_id_fkey \
               FOREIGN KEY (head_id) REFERENCES employees (id);"
        }
    };
    db.execute(ddl).await;
    Some(db)
}

/// Restoring a `--with-parents` snapshot over existing parents leaves them exactly as they
/// are, whoever checks the keys: with the server checking, the cycle's second pass (the
/// `UPDATE` of `head_id`) must not reach a row the restore did not insert.
async fn existing_parents_are_left_as_they_are_when_the_server_checks_keys(backend: Backend) {
    let Some(source) = company(backend).await else {
        return;
    };
    // Two real departments with real heads; flagged employees in them; a flagged
    // department headed by a flagged employee.
    source
        .execute(
            "INSERT INTO departments (id, name, head_id, is_test_data) VALUES (1, 'Real', NULL, false), (3, 'Other', NULL, false);
             INSERT INTO employees (id, department_id, name, is_test_data) VALUES
               (5, 1, 'Ann', false), (7, 3, 'Bob', false), (10, 1, 'Test A', true), (11, 3, 'Test B', true);
             UPDATE departments SET head_id = 5 WHERE id = 1;
             UPDATE departments SET head_id = 7 WHERE id = 3;
             INSERT INTO departments (id, name, head_id, is_test_data) VALUES (2, 'Test', 10, true);",
        )
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &source,
        store.path(),
        &["snapshot", "create", "company", "--with-parents"],
    ));

    for checks in ["server", "auto"] {
        let Some(target) = company(backend).await else {
            return;
        };
        // The same departments exist in the target, headed differently: department 1 by
        // someone else, department 3 by nobody.
        target
            .execute(
                "INSERT INTO departments (id, name, head_id, is_test_data) VALUES (1, 'Real', NULL, false), (3, 'Other', NULL, false);
                 INSERT INTO employees (id, department_id, name, is_test_data) VALUES
                   (5, 1, 'Ann', false), (6, 1, 'Cid', false), (7, 3, 'Bob', false);
                 UPDATE departments SET head_id = 6 WHERE id = 1;",
            )
            .await;
        let expected_departments = ["1|Real|6", "2|Test|10", "3|Other|NULL"];
        let expected_employees = [
            "5|1|Ann",
            "6|1|Cid",
            "7|3|Bob",
            "10|1|Test A",
            "11|3|Test B",
        ];
        for round in 1..=2 {
            let out = ok(fixtura(
                &target,
                store.path(),
                &[
                    "snapshot",
                    "restore",
                    "company",
                    "--fk-checks",
                    checks,
                    "--json",
                ],
            ));
            let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
            let kept = |table: &str| {
                summary["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["table"] == table)
                    .unwrap()["skipped"]
                    .as_u64()
                    .unwrap()
            };
            assert_eq!(
                kept("departments"),
                2,
                "--fk-checks {checks}, round {round}"
            );
            assert_eq!(kept("employees"), 2, "--fk-checks {checks}, round {round}");
            assert_eq!(
                departments(&target).await,
                expected_departments,
                "--fk-checks {checks}, round {round}: existing departments keep their heads"
            );
            assert_eq!(
                employees(&target).await,
                expected_employees,
                "--fk-checks {checks}, round {round}"
            );
            assert_eq!(target.orphans(&target.schema().await).await, vec![]);
        }
    }
}

/// A nullable foreign key added to a cycle after the snapshot was taken: the snapshot has no
/// values for it, so the restore leaves it to the database (NULL) and reports the drift,
/// also when the server checks keys and the cycle is loaded NULL-then-UPDATE.
async fn a_foreign_key_added_since_the_snapshot_is_left_null_when_the_server_checks_keys(
    backend: Backend,
) {
    let Some(db) = company(backend).await else {
        return;
    };
    db.execute(
        "INSERT INTO departments (id, name, head_id, is_test_data) VALUES (1, 'Real', NULL, false), (2, 'Test', NULL, true);
         INSERT INTO employees (id, department_id, name, is_test_data) VALUES
           (5, 1, 'Ann', false), (10, 2, 'Test A', true), (11, 2, 'Test B', true);
         UPDATE departments SET head_id = 5 WHERE id = 1;
         UPDATE departments SET head_id = 11 WHERE id = 2;",
    )
    .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &db,
        store.path(),
        &["snapshot", "create", "before"],
    ));
    let add = match backend {
        Backend::MySql => {
            "ALTER TABLE departments ADD COLUMN deputy_id integer, \
             ADD CONSTRAINT departments_deputy_id_fkey FOREIGN KEY (deputy_id) REFERENCES employees (id)"
        }
        Backend::Postgres | Backend::Sqlite => {
            "ALTER TABLE departments ADD COLUMN deputy_id integer REFERENCES employees (id)"
        }
    };
    db.execute(add).await;
    // Damage the flagged rows, and give the real department a deputy.
    db.execute(
        "UPDATE departments SET head_id = NULL WHERE id = 2;
         DELETE FROM employees WHERE id = 11;
         UPDATE departments SET deputy_id = 5 WHERE id = 1;",
    )
    .await;
    for checks in ["server", "auto"] {
        let out = ok(fixtura(
            &db,
            store.path(),
            &["snapshot", "restore", "before", "--fk-checks", checks],
        ));
        assert!(
            out.contains("departments.deputy_id is new"),
            "--fk-checks {checks}: {out}"
        );
        assert_eq!(
            rows(
                &db,
                "SELECT CAST(id AS CHAR(20)), CAST(head_id AS CHAR(20)), CAST(deputy_id AS CHAR(20)) \
                 FROM departments d ORDER BY d.id"
            )
            .await,
            ["1|5|5", "2|11|NULL"],
            "--fk-checks {checks}"
        );
        assert_eq!(
            employees(&db).await,
            ["5|1|Ann", "10|2|Test A", "11|2|Test B"],
            "--fk-checks {checks}"
        );
        assert_eq!(db.orphans(&db.schema().await).await, vec![]);
    }
}

/// Countries (no flag column, so `--clean flagged` never removes them) and flagged
/// customers in them.
async fn shop(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(
        "CREATE TABLE countries (code char(2) PRIMARY KEY, name varchar(40) NOT NULL);
         CREATE TABLE customers (id integer PRIMARY KEY, country_code char(2) NOT NULL, \
           name varchar(40) NOT NULL, is_test_data boolean NOT NULL DEFAULT false, \
           CONSTRAINT customers_country_code_fkey FOREIGN KEY (country_code) REFERENCES countries (code));
         CREATE TABLE audit (message varchar(80) NOT NULL);",
    )
    .await;
    Some(db)
}

/// Rows `--where` takes from a table without the flag column are never cleaned, so restore
/// treats them like `--with-parents` parents: a row whose key is already there is left as
/// it is. Restoring twice neither duplicates them nor trips on their keys.
async fn rows_of_a_table_without_the_flag_column_are_kept_not_added_twice(backend: Backend) {
    let Some(source) = shop(backend).await else {
        return;
    };
    source
        .execute(
            "INSERT INTO countries (code, name) VALUES ('jp', 'Japan'), ('fr', 'France'), ('de', 'Germany');
             INSERT INTO customers (id, country_code, name, is_test_data) VALUES
               (1, 'jp', 'Test Jun', true), (2, 'fr', 'Test Luc', true), (3, 'de', 'Real Ute', false);",
        )
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &source,
        store.path(),
        &[
            "snapshot",
            "create",
            "shop",
            "--where",
            "countries:code <> 'de'",
        ],
    ));
    let Some(target) = shop(backend).await else {
        return;
    };
    // Japan is already there, under another name.
    target
        .execute("INSERT INTO countries (code, name) VALUES ('jp', 'Nippon')")
        .await;
    for round in 1..=3 {
        ok(fixtura(
            &target,
            store.path(),
            &["snapshot", "restore", "shop"],
        ));
        assert_eq!(
            rows(&target, "SELECT code, name FROM countries ORDER BY code").await,
            ["fr|France", "jp|Nippon"],
            "round {round}"
        );
        assert_eq!(
            rows(
                &target,
                "SELECT CAST(id AS CHAR(20)), country_code, name FROM customers c ORDER BY c.id"
            )
            .await,
            ["1|jp|Test Jun", "2|fr|Test Luc"],
            "round {round}"
        );
    }

    // A table with neither the flag column nor a key cannot tell its rows from those
    // already there: refused when the snapshot is made, nothing published.
    refused(
        fixtura(
            &source,
            store.path(),
            &["snapshot", "create", "audit", "--where", "audit:1 = 1"],
        ),
        &["audit", "no flag column", "no primary or unique key"],
    );
    assert!(!store.path().join("audit").exists());
}

/// A flagged row of a `--with-parents` snapshot is never quietly left out: when a row of
/// the target that is not test data holds its key, the restore stops, naming the table, and
/// writes nothing.
async fn a_flagged_row_whose_key_is_taken_stops_the_restore(backend: Backend) {
    let Some(source) = company(backend).await else {
        return;
    };
    source
        .execute(
            "INSERT INTO departments (id, name, head_id, is_test_data) VALUES (1, 'Real', NULL, false);
             INSERT INTO employees (id, department_id, name, is_test_data) VALUES
               (10, 1, 'Test A', true), (11, 1, 'Test B', true);",
        )
        .await;
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &source,
        store.path(),
        &["snapshot", "create", "company", "--with-parents"],
    ));
    let Some(target) = company(backend).await else {
        return;
    };
    // The target's own employee 11 is real data.
    target
        .execute(
            "INSERT INTO departments (id, name, head_id, is_test_data) VALUES (1, 'Real', NULL, false);
             INSERT INTO employees (id, department_id, name, is_test_data) VALUES (11, 1, 'Real Ed', false);",
        )
        .await;
    let before = employees(&target).await;
    refused(
        fixtura(&target, store.path(), &["snapshot", "restore", "company"]),
        &[
            "1 flagged row of employees could not be restored",
            "nothing was written",
        ],
    );
    assert_eq!(employees(&target).await, before);
}

per_backend!(
    a_flagged_row_whose_key_is_taken_stops_the_restore,
    existing_parents_are_left_as_they_are_when_the_server_checks_keys,
    a_foreign_key_added_since_the_snapshot_is_left_null_when_the_server_checks_keys,
    rows_of_a_table_without_the_flag_column_are_kept_not_added_twice,
);
