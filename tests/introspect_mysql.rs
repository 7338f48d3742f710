//! MySQL/MariaDB introspection of the zoo schema (tests/fixtures/zoo), against the real server.

mod common;

use common::TestDb;
use fixtura::graph::BreakStrategy;
use fixtura::schema::{
    ColumnType, Deferrable, FkAction, Identity, QualifiedName, Schema, Table, TableKind,
};
use fixtura::{Backend, Capabilities, DependencyGraph, IntrospectOptions};

const ZOO: &str = include_str!("fixtures/zoo/mysql.sql");

async fn zoo() -> Option<(TestDb, Schema)> {
    let db = TestDb::mysql().await?;
    db.execute(ZOO).await;
    let conn = db.connect().await;
    let schema = fixtura::introspect(&conn, &IntrospectOptions::default())
        .await
        .expect("introspect");
    conn.close().await;
    Some((db, schema))
}

fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema
        .resolve(name)
        .unwrap_or_else(|| panic!("table {name} not found in {:?}", names(schema)))
}

fn names(schema: &Schema) -> Vec<String> {
    schema
        .tables
        .iter()
        .map(|t| schema.display_name(&t.name))
        .collect()
}

#[tokio::test]
async fn introspection_finds_base_tables_and_skips_the_view() {
    let Some((db, schema)) = zoo().await else {
        return;
    };
    assert_eq!(schema.backend, Backend::MySql);
    assert_eq!(schema.default_schema, db.name);
    assert!(!schema.server_version.is_empty());
    assert_eq!(
        names(&schema),
        [
            "audit_log",
            "departments",
            "employees",
            "order",
            "players",
            "samples",
            "shipments",
            "team_members",
            "teams",
            "warehouses",
        ]
    );
    for t in &schema.tables {
        assert_eq!(
            t.name.schema, db.name,
            "{} lives in the current database",
            t.name
        );
        assert_eq!(t.kind, TableKind::Table);
        let expected = if t.name.name == "audit_log" {
            None
        } else {
            Some("is_test_data")
        };
        assert_eq!(
            t.flag_column.as_deref(),
            expected,
            "flag column of {}",
            t.name
        );
    }
    let skipped: Vec<(String, &str)> = schema
        .skipped
        .iter()
        .map(|s| (schema.display_name(&s.name), s.reason.as_str()))
        .collect();
    assert_eq!(skipped, [("active_employees".to_string(), "view")]);
}

#[tokio::test]
async fn introspection_reads_columns_types_defaults_identity_and_generated() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    let shipments = table(&schema, "shipments");
    let id = shipments.column("id").expect("shipments.id");
    assert_eq!(id.identity, Some(Identity::AutoIncrement));
    assert!(!id.nullable);
    let total = shipments.column("total_cents").expect("total_cents");
    let generated = total.generated.as_ref().expect("total_cents is generated");
    assert!(generated.stored);
    assert!(
        generated.expression.contains("unit_cents"),
        "{}",
        generated.expression
    );
    assert!(total.default.is_none());
    let label = shipments.column("label").expect("label");
    let generated = label.generated.as_ref().expect("label is generated");
    assert!(!generated.stored, "label is virtual");
    assert!(
        generated.expression.contains("warehouse_code"),
        "{}",
        generated.expression
    );
    assert_eq!(
        shipments.writable_columns().count(),
        shipments.columns.len() - 2
    );
    let names: Vec<&str> = shipments.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "warehouse_code",
            "region",
            "qty",
            "unit_cents",
            "total_cents",
            "label",
            "is_test_data"
        ],
        "columns in ordinal order"
    );

    let employees = table(&schema, "employees");
    assert_eq!(
        employees.column("id").unwrap().identity,
        Some(Identity::AutoIncrement)
    );
    assert_eq!(employees.column("email").unwrap().identity, None);
    assert_eq!(employees.column("email").unwrap().default, None);
    let hired_on = employees.column("hired_on").unwrap().default.as_deref();
    assert!(
        hired_on.is_some_and(|d| d.to_ascii_lowercase().contains("curdate")
            || d.to_ascii_lowercase().contains("current_date")),
        "{hired_on:?}"
    );
    assert!(employees.column("manager_id").unwrap().nullable);
    assert!(!employees.column("department_id").unwrap().nullable);
    // A nullable column without a default, and one with an explicit DEFAULT NULL, both
    // read as having no default (MariaDB reports the latter as the text "NULL").
    assert_eq!(employees.column("manager_id").unwrap().default, None);

    let samples = table(&schema, "samples");
    let column = |c: &str| samples.column(c).unwrap_or_else(|| panic!("samples.{c}"));
    let kind = |c: &str| column(c).column_type.clone();
    assert_eq!(
        kind("mood"),
        ColumnType::Enum {
            name: None,
            labels: vec!["happy".into(), "sad".into(), "it's complicated".into()],
        }
    );
    assert_eq!(column("mood").default.as_deref(), Some("'happy'"));
    assert_eq!(kind("doc"), ColumnType::Json, "JSON on MySQL and MariaDB");
    assert_eq!(
        kind("blob"),
        ColumnType::Binary {
            max_length: Some(65535)
        }
    );
    assert_eq!(
        kind("amount"),
        ColumnType::Decimal {
            precision: Some(12),
            scale: Some(2)
        }
    );
    assert_eq!(
        kind("id"),
        ColumnType::Text {
            max_length: Some(36),
            fixed: true
        }
    );
    let naive = ColumnType::Timestamp {
        with_time_zone: false,
    };
    assert_eq!(kind("seen_at"), naive);
    assert_eq!(column("seen_at").type_name, "datetime(6)");
    assert_eq!(kind("stamped_at"), naive);
    assert_eq!(column("stamped_at").default, None);
    assert!(column("stamped_at").nullable);
    assert_eq!(kind("born_on"), ColumnType::Date);
    assert_eq!(
        kind("starts_at"),
        ColumnType::Time {
            with_time_zone: false
        }
    );
    assert_eq!(
        kind("label"),
        ColumnType::Text {
            max_length: Some(40),
            fixed: false
        }
    );
    assert_eq!(column("label").type_name, "varchar(40)");
    assert_eq!(column("label").default.as_deref(), Some("'none'"));
    assert_eq!(
        kind("code"),
        ColumnType::Text {
            max_length: Some(3),
            fixed: true
        }
    );
    assert_eq!(kind("flag"), ColumnType::Boolean);
    assert!(column("flag").nullable);
    assert_eq!(column("flag").default, None);
    assert_eq!(
        kind("big"),
        ColumnType::Integer {
            bytes: 8,
            unsigned: false
        }
    );
    assert_eq!(
        kind("counter"),
        ColumnType::Integer {
            bytes: 4,
            unsigned: true
        }
    );
    assert_eq!(column("counter").default.as_deref(), Some("0"));
    assert_eq!(kind("ratio"), ColumnType::Float { bytes: 8 });
    assert_eq!(kind("small"), ColumnType::Float { bytes: 4 });
    assert_eq!(
        kind("tiny"),
        ColumnType::Integer {
            bytes: 2,
            unsigned: false
        }
    );
    assert_eq!(kind("tags"), ColumnType::Other { name: "set".into() });
    let flag = column("is_test_data");
    assert_eq!(flag.column_type, ColumnType::Boolean);
    assert!(!flag.nullable);
    assert_eq!(flag.default.as_deref(), Some("0"));

    let message = table(&schema, "audit_log").column("message").unwrap();
    assert!(
        matches!(
            message.column_type,
            ColumnType::Text {
                max_length: Some(_),
                fixed: false
            }
        ),
        "{:?}",
        message.column_type
    );

    let order = table(&schema, "order");
    assert_eq!(order.name.name, "order");
    let first_name = order
        .column("First Name")
        .expect("column with a space keeps its exact name");
    assert!(!first_name.nullable);
}

#[tokio::test]
async fn introspection_reads_primary_unique_and_foreign_keys() {
    let Some((db, schema)) = zoo().await else {
        return;
    };
    let warehouses = table(&schema, "warehouses");
    let pk = warehouses.primary_key.as_ref().expect("warehouses PK");
    assert_eq!(
        pk.columns,
        ["region", "code"],
        "key order, not column order"
    );
    assert!(warehouses.unique.is_empty());

    let shipments = table(&schema, "shipments");
    let [fk] = shipments.foreign_keys.as_slice() else {
        panic!("one FK on shipments: {:?}", shipments.foreign_keys)
    };
    assert_eq!(fk.name, "shipments_warehouse_fkey");
    assert_eq!(fk.columns, ["region", "warehouse_code"]);
    assert_eq!(fk.referenced_columns, ["region", "code"]);
    assert_eq!(fk.referenced_table, warehouses.name);
    assert_eq!(fk.on_delete, FkAction::Cascade);
    // Unspecified: MariaDB reports RESTRICT, MySQL 8 NO ACTION (the same thing in InnoDB).
    assert!(
        matches!(fk.on_update, FkAction::Restrict | FkAction::NoAction),
        "{:?}",
        fk.on_update
    );
    assert_eq!(fk.deferrable, Deferrable::NotDeferrable);

    let links = table(&schema, "team_members");
    assert_eq!(links.primary_key.as_ref().unwrap().columns, ["id"]);
    let [unique] = links.unique.as_slice() else {
        panic!("one unique key on team_members: {:?}", links.unique)
    };
    assert_eq!(unique.name, "team_members_team_employee_key");
    assert_eq!(unique.columns, ["team_id", "employee_id"]);
    let fk_names: Vec<&str> = links.foreign_keys.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        fk_names,
        ["team_members_employee_id_fkey", "team_members_team_id_fkey"],
        "sorted by name"
    );
    assert!(
        links
            .foreign_keys
            .iter()
            .all(|f| f.on_delete == FkAction::Cascade)
    );

    let employees = table(&schema, "employees");
    let unique: Vec<(&str, Vec<String>)> = employees
        .unique
        .iter()
        .map(|k| (k.name.as_str(), k.columns.clone()))
        .collect();
    assert_eq!(unique, [("employees_email_key", vec!["email".to_string()])]);
    let manager = employees
        .foreign_keys
        .iter()
        .find(|f| f.name == "employees_manager_id_fkey")
        .expect("self-reference");
    assert_eq!(manager.columns, ["manager_id"]);
    assert_eq!(manager.referenced_table, employees.name);
    assert_eq!(manager.on_delete, FkAction::SetNull);

    let teams = table(&schema, "teams");
    let [captain] = teams.foreign_keys.as_slice() else {
        panic!("one FK on teams: {:?}", teams.foreign_keys)
    };
    assert_eq!(captain.name, "teams_captain_id_fkey");
    assert_eq!(
        captain.referenced_table,
        QualifiedName::new(db.name.as_str(), "players")
    );
    assert_eq!(captain.deferrable, Deferrable::NotDeferrable);
    assert!(!captain.is_nullable_in(teams));

    let audit_log = table(&schema, "audit_log");
    assert!(audit_log.primary_key.is_none());
    assert!(audit_log.unique.is_empty());

    let order = table(&schema, "order");
    let [customer] = order.foreign_keys.as_slice() else {
        panic!("one FK on order: {:?}", order.foreign_keys)
    };
    assert_eq!(customer.referenced_table, employees.name);
    assert_eq!(customer.referenced_columns, ["id"]);
}

#[tokio::test]
async fn plan_orders_parents_first_and_breaks_the_not_null_cycle_with_the_session_switch() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    let plan = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: true,
    });
    common::assert_parents_first(&schema, &plan);
    plan.ensure_feasible()
        .expect("with the session switch every cycle of the zoo can be broken");

    let teams = table(&schema, "teams").name.clone();
    let players = table(&schema, "players").name.clone();
    let departments = table(&schema, "departments").name.clone();
    let employees = table(&schema, "employees").name.clone();

    // MySQL cannot defer a check: the NOT NULL cycle needs FOREIGN_KEY_CHECKS = 0.
    let cycle = plan
        .cycles
        .iter()
        .find(|c| c.tables == [players.clone(), teams.clone()])
        .expect("teams/players");
    assert_eq!(cycle.breaks.len(), 1, "one broken key suffices: {cycle:?}");
    assert_eq!(cycle.breaks[0].strategy, BreakStrategy::SessionSwitch);
    assert!(cycle.unbreakable.is_empty());

    let cycle = plan
        .cycles
        .iter()
        .find(|c| c.tables == [departments.clone(), employees.clone()])
        .expect("departments/employees");
    let head = plan
        .break_for(&departments, "departments_head_id_fkey")
        .expect("head_id broken");
    assert_eq!(head.strategy, BreakStrategy::NullThenUpdate);
    let manager = plan
        .break_for(&employees, "employees_manager_id_fkey")
        .expect("self-reference");
    assert_eq!(manager.strategy, BreakStrategy::SelfReference);
    assert_eq!(cycle.breaks.len(), 2, "{cycle:?}");
    assert!(
        plan.break_for(&employees, "employees_department_id_fkey")
            .is_none()
    );
    assert_eq!(plan.cycles.len(), 2, "{:?}", plan.cycles);
    assert!(plan.dangling.is_empty(), "{:?}", plan.dangling);
}

#[tokio::test]
async fn without_the_session_switch_the_not_null_cycle_is_unbreakable() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    let plan = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: false,
    });
    let err = plan
        .ensure_feasible()
        .expect_err("a NOT NULL cycle MySQL cannot defer");
    let text = err.to_string();
    assert!(
        ["teams_captain_id_fkey", "players_team_id_fkey"]
            .iter()
            .any(|name| text.contains(&format!("\"{name}\""))),
        "the error names a constraint of the teams/players cycle: {text}"
    );
    // The nullable cycle is still handled without the switch.
    let departments = table(&schema, "departments").name.clone();
    assert_eq!(
        plan.break_for(&departments, "departments_head_id_fkey")
            .map(|b| b.strategy),
        Some(BreakStrategy::NullThenUpdate)
    );
}
