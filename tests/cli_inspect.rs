//! `fixtura inspect` through the binary, on the zoo schema of each backend: the report names
//! both cycles and how each is broken, DOT renders with Graphviz, JSON is parseable.

#[macro_use]
mod common;

use std::io::Write;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use common::TestDb;
use fixtura::Backend;

async fn zoo(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    let file = match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    };
    let path = format!(
        "{}/tests/fixtures/zoo/{file}.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    db.execute(&std::fs::read_to_string(&path).expect("zoo schema"))
        .await;
    Some(db)
}

/// Runs `fixtura inspect ARGS` against `db`, asserting success; returns stdout.
fn inspect(db: &TestDb, args: &[&str]) -> String {
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .env("DATABASE_URL", &db.url)
        .arg("inspect")
        .args(args)
        .output()
        .expect("run fixtura");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "inspect {args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("utf-8 output")
}

async fn report_names_both_cycles_and_their_plans(backend: Backend) {
    let Some(db) = zoo(backend).await else { return };
    let text = inspect(&db, &[]);
    assert!(text.contains("Cycles (2)"), "{text}");
    assert!(
        text.contains("departments → employees → departments"),
        "{text}"
    );
    assert!(text.contains("players → teams → players"), "{text}");
    assert!(text.contains("by inserting NULL, then UPDATE"), "{text}");
    assert!(text.contains("departments.head_id accepts NULL"), "{text}");
    assert!(text.contains("by ordering rows (self-reference)"), "{text}");
    let teams_players = match backend {
        // MySQL has no deferrable constraints: the session switch it is.
        Backend::MySql => "the session switch",
        Backend::Postgres | Backend::Sqlite => "by deferring the constraint to commit",
    };
    assert!(text.contains(teams_players), "{text}");
    assert!(text.contains("Insert order (delete in reverse)"), "{text}");
    // The flag column is reported per table, and audit_log has none.
    let audit = text
        .lines()
        .find(|l| l.trim_start().starts_with("audit_log"))
        .expect("audit_log row");
    assert!(audit.contains("no flag"), "{audit}");
    // Insert order: warehouses before shipments.
    let position = |t: &str| {
        text.lines()
            .position(|l| l.trim_end().ends_with(&format!(". {t}")))
            .expect(t)
    };
    assert!(position("warehouses") < position("shipments"), "{text}");
}

async fn row_counts_include_flagged_rows(backend: Backend) {
    let Some(db) = zoo(backend).await else { return };
    db.execute(
        "INSERT INTO warehouses (region, code, city, is_test_data) VALUES ('eu', 1, 'Lyon', true), ('eu', 2, 'Oslo', false)",
    )
    .await;
    let json = inspect(&db, &["--format", "json", "--table", "warehouses"]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let tables = report["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 1, "the --table filter keeps one table");
    assert_eq!(tables[0]["display_name"], "warehouses");
    assert_eq!(tables[0]["rows"], 2);
    assert_eq!(tables[0]["flagged_rows"], 1);
    assert_eq!(
        tables[0]["primary_key"]["columns"],
        serde_json::json!(["region", "code"])
    );
    assert_eq!(report["format_version"], 1);
}

async fn json_report_has_the_whole_plan(backend: Backend) {
    let Some(db) = zoo(backend).await else { return };
    let report: serde_json::Value =
        serde_json::from_str(&inspect(&db, &["--format", "json"])).expect("JSON");
    let order: Vec<&str> = report["insert_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(
        order.contains(&"order") && order.contains(&"samples"),
        "{order:?}"
    );
    assert_eq!(report["cycles"].as_array().unwrap().len(), 2);
    let delete: Vec<&str> = report["delete_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(delete, order.iter().rev().copied().collect::<Vec<_>>());
    let strategies: Vec<&str> = report["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["breaks"].as_array().unwrap())
        .map(|b| b["strategy"].as_str().unwrap())
        .collect();
    assert!(
        strategies.contains(&"null_then_update") && strategies.contains(&"self_reference"),
        "{strategies:?}"
    );
}

async fn dot_output_renders_with_graphviz(backend: Backend) {
    let Some(db) = zoo(backend).await else { return };
    let dot = inspect(&db, &["--format", "dot"]);
    assert!(dot.starts_with("digraph fixtura {"), "{dot}");
    assert!(
        dot.contains("style=dashed"),
        "broken keys are drawn dashed: {dot}"
    );
    let Ok(mut child) = StdCommand::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "Graphviz `dot` is not installed: CI=true, so this test fails instead of skipping"
            );
        }
        eprintln!(
            "\n!!!!! SKIPPED: Graphviz `dot` is not installed; apt-get install graphviz !!!!!\n"
        );
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot rejected the graph: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = String::from_utf8_lossy(&output.stdout);
    assert!(svg.contains("<svg") && svg.contains("departments"), "{svg}");
}

async fn an_unknown_table_filter_is_one_clear_error(backend: Backend) {
    let Some(db) = zoo(backend).await else { return };
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .args(["--db", &db.url, "inspect", "--table", "ordres"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.starts_with("error: table \"ordres\" not found; the database has: "),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

per_backend!(
    report_names_both_cycles_and_their_plans,
    row_counts_include_flagged_rows,
    json_report_has_the_whole_plan,
    dot_output_renders_with_graphviz,
    an_unknown_table_filter_is_one_clear_error,
);
