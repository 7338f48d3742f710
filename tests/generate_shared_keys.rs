//! `fixtura generate` through the binary on all three backends, for composite foreign keys
//! that share a column — multi-tenant keys, `(tenant_id, project_id)` next to `(tenant_id,
//! assignee_id)`: the parents are picked consistently, so every key holds; the rows stay a
//! pure function of the spec; shapes fixtura cannot coordinate are refused before anything
//! is written, naming the keys.

#[macro_use]
mod common;

use assert_cmd::Command;
use common::TestDb;
use fixtura::Backend;

/// Tenants; projects and users keyed within their tenant; tasks and memberships referencing
/// both through keys that share `tenant_id`.
const SCHEMA: &str = "
CREATE TABLE tenants (
    id integer PRIMARY KEY,
    name varchar(40) NOT NULL,
    is_test_data boolean NOT NULL DEFAULT false
);
CREATE TABLE projects (
    tenant_id integer NOT NULL,
    id integer NOT NULL,
    name varchar(40) NOT NULL,
    is_test_data boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT projects_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE TABLE users (
    tenant_id integer NOT NULL,
    id integer NOT NULL,
    email varchar(80) NOT NULL,
    is_test_data boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE TABLE tasks (
    id integer PRIMARY KEY,
    tenant_id integer NOT NULL,
    project_id integer NOT NULL,
    assignee_id integer,
    title varchar(80) NOT NULL,
    is_test_data boolean NOT NULL DEFAULT false,
    CONSTRAINT tasks_project_fkey FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id),
    CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id)
);
CREATE TABLE memberships (
    tenant_id integer NOT NULL,
    project_id integer NOT NULL,
    user_id integer NOT NULL,
    is_test_data boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, project_id, user_id),
    CONSTRAINT memberships_project_fkey FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id),
    CONSTRAINT memberships_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
";

const SPEC: &str = r#"
seed = 11
locale = "en"

[tables.tenants]
rows = 6

[tables.projects]
rows = 40

[tables.users]
rows = 25

[tables.tasks]
rows = 300
columns.assignee_id = { null = 0.1 }

[tables.memberships]
per = { table = "projects", count = "1..2" }
"#;

async fn tenants(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(SCHEMA).await;
    Some(db)
}

fn write_spec(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("spec.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs `fixtura generate --spec SPEC ARGS` against `db`.
fn generate(db: &TestDb, spec: &str, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .args(["--db", &db.url, "generate", "--spec", spec])
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run fixtura")
}

fn ok(output: std::process::Output) {
    assert!(
        output.status.success(),
        "generate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn count(db: &TestDb, sql: &str) -> u64 {
    let sql = if db.backend == Backend::Postgres {
        sql.replace("CHAR(20)", "text")
    } else {
        sql.to_string()
    };
    db.count(&sql).await
}

async fn generated_keys_agree_on_the_tenant(db: &TestDb) {
    assert_eq!(db.orphans(&db.schema().await).await, vec![]);
    assert_eq!(
        count(db, "SELECT CAST(count(*) AS CHAR(20)) FROM tasks").await,
        300
    );
    // Every assigned task's project and assignee are in the task's tenant (what the keys
    // say, checked here by joins of our own).
    let assigned = count(
        db,
        "SELECT CAST(count(*) AS CHAR(20)) FROM tasks t \
         JOIN projects p ON p.tenant_id = t.tenant_id AND p.id = t.project_id \
         JOIN users u ON u.tenant_id = t.tenant_id AND u.id = t.assignee_id",
    )
    .await;
    let unassigned = count(
        db,
        "SELECT CAST(count(*) AS CHAR(20)) FROM tasks WHERE assignee_id IS NULL",
    )
    .await;
    assert_eq!(assigned + unassigned, 300);
    assert!(
        (1..100).contains(&unassigned),
        "about a tenth unassigned: {unassigned}"
    );
    // The tasks spread over tenants and people, not one corner.
    assert!(
        count(
            db,
            "SELECT CAST(count(DISTINCT tenant_id) AS CHAR(20)) FROM tasks"
        )
        .await
            > 2
    );
    assert!(
        count(
            db,
            "SELECT CAST(count(*) AS CHAR(20)) FROM (SELECT DISTINCT tenant_id, assignee_id FROM tasks) d"
        )
        .await
            > 10
    );
    // One to two memberships per project, no duplicate, each in the project's tenant.
    let memberships = count(db, "SELECT CAST(count(*) AS CHAR(20)) FROM memberships").await;
    assert!((40..=80).contains(&memberships), "{memberships}");
}

/// Composite keys sharing `tenant_id` are filled from parents of the same tenant, whoever
/// checks the keys; the rows are the same whatever the batch size and the checks.
async fn keys_that_share_a_tenant_column_pick_parents_of_the_same_tenant(backend: Backend) {
    let (Some(a), Some(b)) = (tenants(backend).await, tenants(backend).await) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(&dir, SPEC);
    ok(generate(&a, &spec, &["--batch-size", "7"]));
    generated_keys_agree_on_the_tenant(&a).await;
    ok(generate(&b, &spec, &["--fk-checks", "server"]));
    generated_keys_agree_on_the_tenant(&b).await;
    for table in ["tenants", "projects", "users", "tasks", "memberships"] {
        assert_eq!(
            a.table_checksum(table).await,
            b.table_checksum(table).await,
            "{table}"
        );
    }
}

/// A unique key over two foreign keys that share a column cannot be walked as a product of
/// the parents: refused before anything is written, naming the keys.
async fn a_unique_key_over_keys_sharing_a_column_is_refused_naming_them(backend: Backend) {
    let Some(db) = tenants(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        &dir,
        "[tables.tenants]\nrows = 2\n[tables.projects]\nrows = 4\n[tables.users]\nrows = 4\n\
         [tables.memberships]\nrows = 6\n",
    );
    let output = generate(&db, &spec, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "must fail");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for part in [
        "spec.toml:",
        "tables.memberships",
        "memberships_project_fkey",
        "memberships_user_fkey",
        "tenant_id",
    ] {
        assert!(stderr.contains(part), "{part:?} not in: {stderr}");
    }
    for table in ["tenants", "projects", "users", "memberships"] {
        assert_eq!(
            count(
                &db,
                &format!("SELECT CAST(count(*) AS CHAR(20)) FROM {table}")
            )
            .await,
            0,
            "{table} was written to"
        );
    }
}

per_backend!(
    keys_that_share_a_tenant_column_pick_parents_of_the_same_tenant,
    a_unique_key_over_keys_sharing_a_column_is_refused_naming_them,
);
