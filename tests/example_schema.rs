//! The example schema under `schema/` (the care-office dataset of the report fixtura was
//! built for) applies cleanly on every backend, introspects to the model the demo relies on,
//! and orders its tables parents first with no cycle to break; and the dataset its spec makes,
//! taken through the `TestDb` library API, has the shape of the report.

mod common;

use std::path::Path;

use common::TestDb;
use fixtura::schema::{ColumnType, FkAction, QualifiedName, Table};
use fixtura::{Capabilities, DependencyGraph, IntrospectOptions, Schema};

/// The six tables of the report, in the order its restore inserted them.
const TABLES: [&str; 6] = [
    "staffs",
    "offices",
    "office_staffs",
    "welfare_recipients",
    "office_welfare_recipients",
    "support_plan_cycles",
];

/// Pairs (parent, child): the parent must be inserted before the child.
const PARENTS_FIRST: [(&str, &str); 8] = [
    ("staffs", "offices"),
    ("staffs", "office_staffs"),
    ("offices", "office_staffs"),
    ("offices", "office_welfare_recipients"),
    ("welfare_recipients", "office_welfare_recipients"),
    ("offices", "support_plan_cycles"),
    ("welfare_recipients", "support_plan_cycles"),
    ("staffs", "support_plan_cycles"),
];

/// Applies `schema/<file>` to `db` and introspects the result.
async fn apply_and_introspect(db: &TestDb, file: &str) -> Schema {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(file);
    let sql = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    db.execute(&sql).await;
    let conn = db.connect().await;
    let schema = fixtura::introspect(&conn, &IntrospectOptions::default())
        .await
        .unwrap_or_else(|err| panic!("introspect {file}: {err}"));
    conn.close().await;
    schema
}

fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema
        .resolve(name)
        .unwrap_or_else(|| panic!("table {name} missing from the introspected schema"))
}

fn has_unique(table: &Table, columns: &[&str]) -> bool {
    table.unique.iter().any(|key| key.columns == columns)
}

/// Asserts that `child.columns` references `parent` with the given delete action.
fn assert_references(
    schema: &Schema,
    child: &str,
    columns: &[&str],
    parent: &str,
    on_delete: FkAction,
) {
    let parent_name = table(schema, parent).name.clone();
    let fk = table(schema, child)
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == columns)
        .unwrap_or_else(|| panic!("{child}{columns:?} has no foreign key"));
    assert_eq!(
        fk.referenced_table, parent_name,
        "{child}{columns:?} references {parent}"
    );
    assert_eq!(
        fk.referenced_columns,
        ["id"],
        "{child}{columns:?} references {parent}.id"
    );
    assert_eq!(fk.on_delete, on_delete, "{child}{columns:?} ON DELETE");
}

/// What every backend's edition must introspect to.
fn assert_welfare_model(schema: &Schema) {
    assert_eq!(
        schema.tables.len(),
        TABLES.len(),
        "exactly the six tables: {:?}",
        schema.tables
    );
    for name in TABLES {
        let table = table(schema, name);
        assert_eq!(
            table.flag_column.as_deref(),
            Some("is_test_data"),
            "{name} has the flag column"
        );
        let flag = table.column("is_test_data").expect("flag column");
        assert_eq!(
            flag.column_type,
            ColumnType::Boolean,
            "{name}.is_test_data is boolean"
        );
        assert!(!flag.nullable, "{name}.is_test_data is NOT NULL");
        let pk = table
            .primary_key
            .as_ref()
            .unwrap_or_else(|| panic!("{name} has a primary key"));
        assert_eq!(pk.columns, ["id"], "{name} is keyed by id");
    }

    let staffs = table(schema, "staffs");
    assert!(
        staffs.columns.len() >= 20,
        "staffs is the rich model: {} columns",
        staffs.columns.len()
    );
    let preferences = staffs
        .column("notification_preferences")
        .expect("staffs.notification_preferences");
    assert!(
        matches!(
            preferences.column_type,
            ColumnType::Json | ColumnType::Jsonb
        ),
        "notification_preferences is JSON, got {:?} ({})",
        preferences.column_type,
        preferences.type_name
    );
    assert!(
        has_unique(staffs, &["email"]),
        "staffs.email is unique: {:?}",
        staffs.unique
    );

    let office_staffs = table(schema, "office_staffs");
    assert!(
        has_unique(office_staffs, &["staff_id", "office_id"]),
        "office_staffs has UNIQUE (staff_id, office_id): {:?}",
        office_staffs.unique
    );
    let recipient_links = table(schema, "office_welfare_recipients");
    assert!(
        has_unique(recipient_links, &["welfare_recipient_id", "office_id"]),
        "office_welfare_recipients has UNIQUE (welfare_recipient_id, office_id): {:?}",
        recipient_links.unique
    );

    let created_by_action = table(schema, "offices")
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == ["created_by"])
        .map(|fk| fk.on_delete);
    // A plain REFERENCES: reported as NO ACTION or RESTRICT, depending on the backend.
    assert!(
        matches!(
            created_by_action,
            Some(FkAction::NoAction | FkAction::Restrict)
        ),
        "offices.created_by references staffs without a cascade: {created_by_action:?}"
    );
    assert_references(
        schema,
        "offices",
        &["created_by"],
        "staffs",
        created_by_action.expect("checked"),
    );
    assert_references(
        schema,
        "office_staffs",
        &["staff_id"],
        "staffs",
        FkAction::Cascade,
    );
    assert_references(
        schema,
        "office_staffs",
        &["office_id"],
        "offices",
        FkAction::Cascade,
    );
    assert_references(
        schema,
        "office_welfare_recipients",
        &["welfare_recipient_id"],
        "welfare_recipients",
        FkAction::Cascade,
    );
    assert_references(
        schema,
        "office_welfare_recipients",
        &["office_id"],
        "offices",
        FkAction::Cascade,
    );
    assert_references(
        schema,
        "support_plan_cycles",
        &["welfare_recipient_id"],
        "welfare_recipients",
        FkAction::Cascade,
    );
    assert_references(
        schema,
        "support_plan_cycles",
        &["office_id"],
        "offices",
        FkAction::Cascade,
    );
}

/// The insert order puts staffs before offices before the links, with nothing to break.
fn assert_insert_order(schema: &Schema) {
    let plan = DependencyGraph::new(schema).plan(Capabilities {
        session_switch: true,
    });
    common::assert_parents_first(schema, &plan);
    assert!(
        plan.cycles.is_empty(),
        "the welfare schema has no cycles: {:?}",
        plan.cycles
    );
    assert!(
        plan.dangling.is_empty(),
        "every foreign key stays inside the schema: {:?}",
        plan.dangling
    );
    plan.ensure_feasible().expect("an acyclic plan is feasible");

    let position = |name: &str| {
        let qualified: &QualifiedName = &table(schema, name).name;
        plan.insert_order
            .iter()
            .position(|n| n == qualified)
            .unwrap_or_else(|| panic!("{name} missing from insert order"))
    };
    for (parent, child) in PARENTS_FIRST {
        assert!(
            position(parent) < position(child),
            "{parent} is inserted before {child}: {:?}",
            plan.insert_order
        );
    }
}

#[tokio::test]
async fn postgres_welfare_schema_introspects_and_orders_staffs_first() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let schema = apply_and_introspect(&db, "welfare.postgres.sql").await;
    assert_welfare_model(&schema);

    let staffs = table(&schema, "staffs");
    assert_eq!(
        staffs.column("id").expect("staffs.id").column_type,
        ColumnType::Uuid
    );
    assert_eq!(
        staffs
            .column("notification_preferences")
            .expect("preferences")
            .column_type,
        ColumnType::Jsonb
    );
    assert_eq!(
        staffs.column("role").expect("staffs.role").column_type,
        ColumnType::Enum {
            name: Some("staff_role".to_string()),
            labels: vec![
                "owner".to_string(),
                "manager".to_string(),
                "employee".to_string()
            ],
        }
    );
    assert_insert_order(&schema);
}

#[tokio::test]
async fn mysql_welfare_schema_introspects_and_orders_staffs_first() {
    let Some(db) = TestDb::mysql().await else {
        return;
    };
    let schema = apply_and_introspect(&db, "welfare.mysql.sql").await;
    assert_welfare_model(&schema);

    let role = &table(&schema, "staffs")
        .column("role")
        .expect("staffs.role")
        .column_type;
    assert!(
        matches!(role, ColumnType::Enum { labels, .. } if labels == &["owner", "manager", "employee"]),
        "staffs.role is the inline ENUM, got {role:?}"
    );
    assert_insert_order(&schema);
}

#[tokio::test]
async fn sqlite_welfare_schema_introspects_and_orders_staffs_first() {
    let db = TestDb::sqlite();
    let schema = apply_and_introspect(&db, "welfare.sqlite.sql").await;
    assert_welfare_model(&schema);
    assert_insert_order(&schema);
}

/// The seed-004 dataset as the story tells it — 100 offices, 1,001 staff, 1,001 office-staff
/// links, 10,000 recipients, each with one office link and one plan cycle — read from a copy
/// of its own that the `TestDb` library API gives this test.
async fn the_cached_dataset_has_the_shape_of_the_report(backend: fixtura::Backend) {
    let Some(base) = TestDb::new(backend).await else {
        return;
    };
    let file = match backend {
        fixtura::Backend::Postgres => "welfare.postgres.sql",
        fixtura::Backend::MySql => "welfare.mysql.sql",
        fixtura::Backend::Sqlite => "welfare.sqlite.sql",
    };
    apply_and_introspect(&base, file).await;
    let store = tempfile::tempdir().unwrap();
    let db = fixtura::TestDb::builder(format!(
        "{}/schema/welfare.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .database_url(&base.url)
    .store(store.path())
    .ensure()
    .await
    .unwrap();
    let copy = TestDb::attach(backend, db.url(), db.database());
    let count = |sql: &str| {
        let sql = match backend {
            fixtura::Backend::Postgres => format!("SELECT ({sql})::text"),
            fixtura::Backend::MySql => format!("SELECT CAST(({sql}) AS CHAR)"),
            fixtura::Backend::Sqlite => format!("SELECT CAST(({sql}) AS TEXT)"),
        };
        let copy = &copy;
        async move { copy.count(&sql).await }
    };
    for (table, rows) in [
        ("offices", 100),
        ("staffs", 1001),
        ("office_staffs", 1001),
        ("welfare_recipients", 10_000),
        ("office_welfare_recipients", 10_000),
        ("support_plan_cycles", 10_000),
    ] {
        assert_eq!(
            count(&format!("SELECT count(*) FROM {table}")).await,
            rows,
            "{table}"
        );
    }
    let unlinked = "SELECT count(*) FROM welfare_recipients r WHERE NOT EXISTS \
                    (SELECT 1 FROM support_plan_cycles c WHERE c.welfare_recipient_id = r.id)";
    assert_eq!(count(unlinked).await, 0, "every recipient has a plan cycle");
    assert_eq!(copy.orphans(&copy.schema().await).await, vec![]);
    // The database the copy came from holds none of it.
    let base_rows = TestDb::attach(backend, &base.url, &base.name);
    let offices = match backend {
        fixtura::Backend::Postgres => "SELECT count(*)::text FROM offices",
        fixtura::Backend::MySql => "SELECT CAST(count(*) AS CHAR) FROM offices",
        fixtura::Backend::Sqlite => "SELECT CAST(count(*) AS TEXT) FROM offices",
    };
    assert_eq!(base_rows.count(offices).await, 0);
    db.close().await.unwrap();
    let gc = std::process::Command::new(assert_cmd::cargo::cargo_bin("fixtura"))
        .args(["--db", &base.url, "--store", store.path().to_str().unwrap()])
        .args(["gc", "--older-than", "0s", "--keep", "0"])
        .output()
        .unwrap();
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
}

#[tokio::test]
async fn postgres_cached_dataset_has_the_shape_of_the_report() {
    the_cached_dataset_has_the_shape_of_the_report(fixtura::Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_cached_dataset_has_the_shape_of_the_report() {
    the_cached_dataset_has_the_shape_of_the_report(fixtura::Backend::MySql).await;
}

#[tokio::test]
async fn sqlite_cached_dataset_has_the_shape_of_the_report() {
    the_cached_dataset_has_the_shape_of_the_report(fixtura::Backend::Sqlite).await;
}
