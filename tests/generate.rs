//! `fixtura generate` through the binary on all three backends: the example dataset and the
//! zoo (cycles, composite keys, enums, arrays, identity and generated columns). Keys are
//! checked by anti-join queries written here, not by trusting the database; determinism by
//! content checksums computed here.

#[macro_use]
mod common;

use assert_cmd::Command;
use common::TestDb;
use fixtura::Backend;

fn file(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    }
}

fn path(relative: &str) -> String {
    if relative.starts_with('/') {
        relative.to_string()
    } else {
        format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"))
    }
}

/// A fresh database holding `schema` (a DDL file, relative to the crate).
async fn database(backend: Backend, schema: &str) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(&std::fs::read_to_string(path(schema)).expect("schema file"))
        .await;
    Some(db)
}

async fn welfare(backend: Backend) -> Option<TestDb> {
    database(backend, &format!("schema/welfare.{}.sql", file(backend))).await
}

async fn zoo(backend: Backend) -> Option<TestDb> {
    database(
        backend,
        &format!("tests/fixtures/zoo/{}.sql", file(backend)),
    )
    .await
}

/// Runs `fixtura generate ARGS` against `db`.
fn run(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .args(["--db", &db.url, "generate"])
        .args(args)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("run fixtura")
}

/// Runs generate, asserting success, and returns the JSON summary.
fn generate(db: &TestDb, spec: &str, args: &[&str]) -> serde_json::Value {
    let spec = path(spec);
    let mut all = vec!["--spec", &spec, "--json"];
    all.extend_from_slice(args);
    let output = run(db, &all);
    assert!(
        output.status.success(),
        "generate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON summary")
}

fn rows_of(summary: &serde_json::Value, table: &str) -> u64 {
    summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == table)
        .unwrap_or_else(|| panic!("{table} in {summary}"))["rows"]
        .as_u64()
        .unwrap()
}

/// Every table's row count, as the database sees it.
async fn counts(db: &TestDb) -> Vec<(String, u64)> {
    let schema = db.schema().await;
    let mut out = Vec::new();
    for t in &schema.tables {
        let sql = format!(
            "SELECT CAST(count(*) AS CHAR(20)) FROM {}",
            db.backend.quote_table(&t.name)
        );
        let sql = if db.backend == Backend::Postgres {
            sql.replace("CHAR(20)", "text")
        } else {
            sql
        };
        out.push((t.name.name.clone(), db.count(&sql).await));
    }
    out
}

/// Asserts every row of every flagged table carries the flag.
async fn assert_all_flagged(db: &TestDb) {
    let schema = db.schema().await;
    for t in schema.tables.iter().filter(|t| t.flag_column.is_some()) {
        let flag = db.backend.quote_ident(t.flag_column.as_deref().unwrap());
        let sql = format!(
            "SELECT CAST(count(*) AS CHAR(20)) FROM {} WHERE NOT ({flag} = {})",
            db.backend.quote_table(&t.name),
            if db.backend == Backend::Postgres {
                "true"
            } else {
                "1"
            }
        );
        let sql = if db.backend == Backend::Postgres {
            sql.replace("CHAR(20)", "text")
        } else {
            sql
        };
        assert_eq!(db.count(&sql).await, 0, "unflagged rows in {}", t.name);
    }
}

/// Asserts no primary or unique key holds a duplicate.
async fn assert_keys_unique(db: &TestDb) {
    let schema = db.schema().await;
    for t in &schema.tables {
        for key in t.primary_key.iter().chain(&t.unique) {
            let cols: Vec<String> = key
                .columns
                .iter()
                .map(|c| db.backend.quote_ident(c))
                .collect();
            let sql = format!(
                "SELECT CAST(count(*) AS CHAR(20)) FROM (SELECT 1 AS one FROM {} GROUP BY {} HAVING count(*) > 1) d",
                db.backend.quote_table(&t.name),
                cols.join(", ")
            );
            let sql = if db.backend == Backend::Postgres {
                sql.replace("CHAR(20)", "text")
            } else {
                sql
            };
            assert_eq!(
                db.count(&sql).await,
                0,
                "duplicates in {} ({})",
                t.name,
                key.name
            );
        }
    }
}

async fn the_example_dataset_is_generated_with_every_key_valid(backend: Backend) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let summary = generate(&db, "schema/welfare.toml", &[]);
    assert_eq!(summary["rows"], 32_102, "{summary}");
    let expected = [
        ("staffs", 1001),
        ("offices", 100),
        ("office_staffs", 1001),
        ("welfare_recipients", 10_000),
        ("office_welfare_recipients", 10_000),
        ("support_plan_cycles", 10_000),
    ];
    for (table, rows) in expected {
        assert_eq!(rows_of(&summary, table), rows, "{table}");
    }
    let mut in_db = counts(&db).await;
    in_db.sort();
    let mut expected: Vec<(String, u64)> =
        expected.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    expected.sort();
    assert_eq!(in_db, expected);
    assert_eq!(db.orphans(&db.schema().await).await, vec![]);
    assert_all_flagged(&db).await;
    assert_keys_unique(&db).await;
}

async fn the_zoo_is_generated_with_cycles_composite_keys_and_every_type(backend: Backend) {
    let Some(db) = zoo(backend).await else { return };
    let summary = generate(&db, "tests/fixtures/zoo/spec.toml", &[]);
    for (table, rows) in [
        ("teams", 20),
        ("players", 80),
        ("departments", 5),
        ("employees", 60),
        ("samples", 30),
    ] {
        assert_eq!(rows_of(&summary, table), rows, "{table}");
    }
    let shipments = rows_of(&summary, "shipments");
    assert!(
        (50..=150).contains(&shipments),
        "5..15 per warehouse: {shipments}"
    );
    let schema = db.schema().await;
    assert_eq!(db.orphans(&schema).await, vec![]);
    assert_all_flagged(&db).await;
    assert_keys_unique(&db).await;
    // Both ends of each cycle are filled, not left NULL.
    let filled = db
        .count("SELECT CAST(count(*) AS CHAR(20)) FROM departments WHERE head_id IS NOT NULL")
        .await;
    assert_eq!(filled, 5, "every department has its head");
    let managed = db
        .count("SELECT CAST(count(*) AS CHAR(20)) FROM employees WHERE manager_id IS NOT NULL")
        .await;
    assert!(
        managed > 0 && managed < 60,
        "a self-reference with roots: {managed}"
    );
    // Sequences moved past the new keys: a default key does not collide.
    let insert = match backend {
        Backend::Postgres => {
            "INSERT INTO shipments (region, warehouse_code, qty, unit_cents) SELECT region, code, 1, 1 FROM warehouses LIMIT 1"
        }
        _ => {
            "INSERT INTO shipments (region, warehouse_code, qty, unit_cents) SELECT region, code, 1, 1 FROM warehouses LIMIT 1"
        }
    };
    db.execute(insert).await;
}

async fn the_same_seed_gives_the_same_rows_whatever_the_batch_size(backend: Backend) {
    let (Some(a), Some(b)) = (zoo(backend).await, zoo(backend).await) else {
        return;
    };
    generate(&a, "tests/fixtures/zoo/spec.toml", &["--batch-size", "7"]);
    generate(
        &b,
        "tests/fixtures/zoo/spec.toml",
        &["--batch-size", "5000"],
    );
    let schema = a.schema().await;
    for t in &schema.tables {
        let name = schema.display_name(&t.name);
        let (rows, sum) = a.table_checksum(&name).await;
        assert_eq!(
            (rows, sum.clone()),
            b.table_checksum(&name).await,
            "table {name}"
        );
        let pg_only = ["crm.contacts", "events"].contains(&name.as_str());
        assert!(rows > 0 || pg_only, "{name} was generated");
    }
    // And a different seed gives different rows.
    let Some(c) = zoo(backend).await else { return };
    generate(&c, "tests/fixtures/zoo/spec.toml", &["--seed", "8"]);
    assert_ne!(
        a.table_checksum("employees").await,
        c.table_checksum("employees").await
    );
}

/// Runs a bad spec and asserts the error names file and line, and nothing was written.
async fn assert_refused(backend: Backend, spec: &str, expected: &[&str]) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("bad.toml");
    std::fs::write(&spec_path, spec).unwrap();
    let output = run(&db, &["--spec", spec_path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "must fail: {spec}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for part in expected {
        assert!(stderr.contains(part), "{part:?} not in: {stderr}");
    }
    for (table, rows) in counts(&db).await {
        assert_eq!(rows, 0, "{table} was written to");
    }
}

async fn bad_specs_are_refused_with_file_line_and_nothing_written(backend: Backend) {
    assert_refused(
        backend,
        "seed = 1\n[tables.staffs]\nrows = 3\n[tables.stafs]\nrows = 2\n",
        &["bad.toml:4: tables.stafs: unknown table \"stafs\"; did you mean \"staffs\"?"],
    )
    .await;
    assert_refused(
        backend,
        "[tables.staffs]\nrows = 3\ncolumns.emial = { fake = \"safe_email\" }\n",
        &["bad.toml:3: tables.staffs.columns.emial: unknown column \"emial\" in table staffs; did you mean \"email\"?"],
    )
    .await;
    assert_refused(
        backend,
        "[tables.staffs]\nrows = 3\ncolumns.failed_login_attempts = { date = { from = \"2020-01-01\", to = \"2021-01-01\" } }\n",
        &["bad.toml:3: tables.staffs.columns.failed_login_attempts: `date` cannot fill column of type"],
    )
    .await;
    assert_refused(
        backend,
        "[tables.staffs]\nrows = 10\n[tables.offices]\nrows = 3\n[tables.office_staffs]\nper = { table = \"staffs\", count = 5 }\n",
        &["bad.toml:5: tables.office_staffs: unique key", "cannot hold 5 rows per parent: the other side has only 3 rows"],
    )
    .await;
    assert_refused(
        backend,
        "[tables.office_staffs]\nrows = 10\n",
        &[
            "bad.toml:1: tables.office_staffs: office_staffs needs rows of",
            "has no rows and is not in the spec",
        ],
    )
    .await;
}

/// With the server checking keys, cycles go through the plan: deferred constraints and
/// NULL-then-UPDATE. The rows come out exactly as with fixtura's own checks.
async fn server_checks_load_cycles_through_the_plan_with_the_same_rows(backend: Backend) {
    let (Some(ours), Some(server)) = (zoo(backend).await, zoo(backend).await) else {
        return;
    };
    generate(
        &ours,
        "tests/fixtures/zoo/spec.toml",
        &["--fk-checks", "fixtura"],
    );
    let spec = path("tests/fixtures/zoo/spec.toml");
    let output = run(
        &server,
        &["--spec", &spec, "--fk-checks", "server", "--json"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    if backend == Backend::MySql {
        // MySQL has no deferrable constraints: the NOT NULL teams/players cycle needs the
        // session switch, and says so before writing anything.
        assert!(!output.status.success());
        assert!(
            stderr.contains("foreign-key cycle") && stderr.contains("cannot be broken"),
            "{stderr}"
        );
        assert!(stderr.contains("DEFERRABLE"), "{stderr}");
        for (table, rows) in counts(&server).await {
            assert_eq!(rows, 0, "{table} was written to");
        }
        return;
    }
    assert!(output.status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["fk_checks"], "server");
    assert_eq!(server.orphans(&server.schema().await).await, vec![]);
    for table in [
        "teams",
        "players",
        "departments",
        "employees",
        "shipments",
        "team_members",
        "samples",
        "order",
    ] {
        assert_eq!(
            ours.table_checksum(table).await,
            server.table_checksum(table).await,
            "table {table}"
        );
    }
}

/// A failure in the last table rolls back the tables written before it.
async fn a_failure_midway_leaves_the_database_as_it_was(backend: Backend) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let spec = std::fs::read_to_string(path("schema/welfare.toml"))
        .unwrap()
        .replace(
            "columns.cycle_number = { const = 1 }",
            "columns.cycle_number = { const = 0 }",
        );
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("violates-a-check.toml");
    std::fs::write(&spec_path, spec).unwrap();
    let output = run(&db, &["--spec", spec_path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.starts_with("error: rolled back, nothing was written: "),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for (table, rows) in counts(&db).await {
        assert_eq!(rows, 0, "{table} kept rows of a failed run");
    }
}

/// `fixtura init` writes a spec that generates as it stands.
async fn the_starter_spec_from_init_generates(backend: Backend) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("starter.toml");
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .args([
            "--db",
            &db.url,
            "init",
            "--rows",
            "25",
            "--out",
            spec.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(
        text.contains("[tables.staffs]")
            && text.contains("columns.email = { fake = \"safe_email\" }"),
        "{text}"
    );
    assert!(
        text.contains("# created_by: foreign key → staffs (id)"),
        "{text}"
    );
    // The starter cannot know the CHECK constraints; fill those two as a user would.
    let text = text
        .replace(
            "columns.office_type = ",
            "columns.office_type = { one_of = [\"type_A_office\"] }\n#",
        )
        .replace(
            "columns.gender = ",
            "columns.gender = { one_of = [\"female\"] }\n#",
        )
        .replace(
            "columns.cycle_number = ",
            "columns.cycle_number = { const = 1 }\n#",
        );
    std::fs::write(&spec, text).unwrap();
    let summary = generate(&db, spec.to_str().unwrap(), &[]);
    assert_eq!(summary["rows"], 150, "{summary}");
    // init refuses to overwrite.
    let again = Command::cargo_bin("fixtura")
        .unwrap()
        .args(["--db", &db.url, "init", "--out", spec.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
}

per_backend!(
    the_example_dataset_is_generated_with_every_key_valid,
    the_zoo_is_generated_with_cycles_composite_keys_and_every_type,
    the_same_seed_gives_the_same_rows_whatever_the_batch_size,
    bad_specs_are_refused_with_file_line_and_nothing_written,
    server_checks_load_cycles_through_the_plan_with_the_same_rows,
    a_failure_midway_leaves_the_database_as_it_was,
    the_starter_spec_from_init_generates,
);

/// Ctrl-C in the middle of a load rolls everything back.
async fn interrupted(backend: Backend) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let spec = path("schema/welfare.toml");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fixtura"))
        .args([
            "--db", &db.url, "generate", "--spec", &spec, "--scale", "100",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn fixtura");
    // Let it get well into writing rows.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "an interrupted run must fail: {stderr}"
    );
    assert!(
        stderr.contains("interrupted: the transaction was rolled back, nothing was written"),
        "{stderr}"
    );
    for (table, rows) in counts(&db).await {
        assert_eq!(rows, 0, "{table} kept rows of an interrupted run");
    }
}

#[tokio::test]
async fn ctrl_c_during_a_postgres_load_leaves_the_database_as_it_was() {
    interrupted(Backend::Postgres).await;
}

#[tokio::test]
async fn ctrl_c_during_a_sqlite_load_leaves_the_database_as_it_was() {
    interrupted(Backend::Sqlite).await;
}

/// A schema-qualified table whose parent is not in the spec: its keys are sampled from the
/// rows already there.
#[tokio::test]
async fn parents_outside_the_spec_are_sampled_from_existing_rows() {
    let Some(db) = zoo(Backend::Postgres).await else {
        return;
    };
    generate(&db, "tests/fixtures/zoo/spec.toml", &[]);
    let summary = generate(&db, "tests/fixtures/zoo/spec.postgres.toml", &[]);
    assert_eq!(rows_of(&summary, "crm.contacts"), 15);
    assert_eq!(rows_of(&summary, "events"), 40);
    assert_eq!(db.orphans(&db.schema().await).await, vec![]);
    let distinct = db
        .count("SELECT count(DISTINCT employee_id)::text FROM crm.contacts")
        .await;
    assert!(
        distinct > 1,
        "contacts spread over the existing employees: {distinct}"
    );
    // Rows routed through the partitioned parent land in its partitions.
    assert_eq!(
        db.count("SELECT count(*)::text FROM events_2025").await
            + db.count("SELECT count(*)::text FROM events_2026").await,
        40
    );
}

/// The same spec and seed give the same data on every backend: the same e-mail addresses,
/// and the same staff linked to the same offices.
#[tokio::test]
async fn the_same_spec_gives_the_same_rows_on_every_backend() {
    // Sorted here, not by ORDER BY: the servers' collations differ.
    async fn sorted(db: &TestDb, sql: &str) -> Vec<Vec<Option<String>>> {
        let mut rows = db.text_rows(sql).await;
        rows.sort();
        rows
    }
    let mut results = Vec::new();
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        let Some(db) = welfare(backend).await else {
            continue;
        };
        generate(&db, "schema/welfare.toml", &[]);
        let emails = sorted(&db, "SELECT email FROM staffs").await;
        let links = sorted(
            &db,
            "SELECT s.email, o.name FROM office_staffs l JOIN staffs s ON s.id = l.staff_id \
             JOIN offices o ON o.id = l.office_id",
        )
        .await;
        let recipients = sorted(
            &db,
            "SELECT last_name, first_name, gender FROM welfare_recipients",
        )
        .await;
        results.push((backend, [emails, links, recipients]));
    }
    for pair in results.windows(2) {
        let ((a, left), (b, right)) = (&pair[0], &pair[1]);
        assert_eq!(left[0].len(), 1001);
        for (what, (l, r)) in ["staff e-mails", "office links", "recipients"]
            .iter()
            .zip(left.iter().zip(right))
        {
            let differ = l.iter().zip(r).filter(|(x, y)| x != y).count();
            let first = l.iter().zip(r).find(|(x, y)| x != y);
            assert!(
                l.len() == r.len() && differ == 0,
                "{what}: {differ} rows differ between {a} and {b}, e.g. {first:?}"
            );
        }
    }
}
