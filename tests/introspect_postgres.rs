//! PostgreSQL introspection of the zoo schema (tests/fixtures/zoo), against the real server.

mod common;

use common::TestDb;
use fixtura::graph::BreakStrategy;
use fixtura::schema::{
    ColumnType, Deferrable, FkAction, Identity, QualifiedName, Schema, Table, TableKind,
};
use fixtura::{Capabilities, DependencyGraph, IntrospectOptions};

const ZOO: &str = include_str!("fixtures/zoo/postgres.sql");

async fn zoo() -> Option<(TestDb, Schema)> {
    let db = TestDb::postgres().await?;
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
async fn introspection_finds_tables_partitions_views_and_other_schemas() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    assert_eq!(schema.default_schema, "public");
    assert_eq!(
        names(&schema),
        [
            "crm.contacts",
            "audit_log",
            "departments",
            "employees",
            "events",
            "order",
            "players",
            "samples",
            "shipments",
            "team_members",
            "teams",
            "warehouses",
        ]
    );
    assert_eq!(table(&schema, "events").kind, TableKind::Partitioned);
    let skipped: Vec<(String, &str)> = schema
        .skipped
        .iter()
        .map(|s| (schema.display_name(&s.name), s.reason.as_str()))
        .collect();
    assert!(
        skipped.contains(&("active_employees".to_string(), "view")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(n, r)| n == "events_2025" && r.starts_with("partition of public.events")),
        "{skipped:?}"
    );
    for t in &schema.tables {
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
}

#[tokio::test]
async fn introspection_reads_columns_types_defaults_identity_and_generated() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    let shipments = table(&schema, "shipments");
    let id = shipments.column("id").expect("shipments.id");
    assert_eq!(id.identity, Some(Identity::Always));
    let total = shipments.column("total_cents").expect("total_cents");
    let generated = total.generated.as_ref().expect("total_cents is generated");
    assert!(generated.stored);
    assert!(
        generated.expression.contains("unit_cents"),
        "{}",
        generated.expression
    );
    assert!(total.default.is_none());
    assert_eq!(
        shipments.writable_columns().count(),
        shipments.columns.len() - 1
    );

    assert_eq!(
        table(&schema, "departments").column("id").unwrap().identity,
        Some(Identity::ByDefault)
    );
    let employees = table(&schema, "employees");
    assert_eq!(
        employees.column("id").unwrap().identity,
        Some(Identity::Serial)
    );
    assert_eq!(
        employees.column("hired_on").unwrap().default.as_deref(),
        Some("CURRENT_DATE")
    );
    assert!(employees.column("manager_id").unwrap().nullable);
    assert!(!employees.column("department_id").unwrap().nullable);

    let samples = table(&schema, "samples");
    let kind = |c: &str| {
        samples
            .column(c)
            .unwrap_or_else(|| panic!("samples.{c}"))
            .column_type
            .clone()
    };
    let mood = ColumnType::Enum {
        name: Some("mood".into()),
        labels: vec!["happy".into(), "sad".into(), "it's complicated".into()],
    };
    assert_eq!(kind("mood"), mood);
    assert_eq!(
        kind("moods"),
        ColumnType::Array {
            element: Box::new(mood)
        }
    );
    assert_eq!(
        kind("tags"),
        ColumnType::Array {
            element: Box::new(ColumnType::Text {
                max_length: None,
                fixed: false
            })
        }
    );
    assert_eq!(
        kind("scores"),
        ColumnType::Array {
            element: Box::new(ColumnType::Integer {
                bytes: 4,
                unsigned: false
            })
        }
    );
    assert_eq!(kind("doc"), ColumnType::Jsonb);
    assert_eq!(kind("raw"), ColumnType::Json);
    assert_eq!(kind("blob"), ColumnType::Binary { max_length: None });
    assert_eq!(
        kind("amount"),
        ColumnType::Decimal {
            precision: Some(12),
            scale: Some(2)
        }
    );
    assert_eq!(
        kind("exact"),
        ColumnType::Decimal {
            precision: None,
            scale: None
        }
    );
    assert_eq!(kind("id"), ColumnType::Uuid);
    assert_eq!(
        kind("seen_at"),
        ColumnType::Timestamp {
            with_time_zone: true
        }
    );
    assert_eq!(
        kind("local_at"),
        ColumnType::Timestamp {
            with_time_zone: false
        }
    );
    assert_eq!(kind("span"), ColumnType::Interval);
    assert_eq!(kind("addr"), ColumnType::Inet);
    assert_eq!(
        kind("label"),
        ColumnType::Text {
            max_length: Some(40),
            fixed: false
        }
    );
    assert_eq!(
        kind("code"),
        ColumnType::Text {
            max_length: Some(3),
            fixed: true
        }
    );
    assert_eq!(kind("flag"), ColumnType::Boolean);
    assert_eq!(
        kind("big"),
        ColumnType::Integer {
            bytes: 8,
            unsigned: false
        }
    );
    assert_eq!(kind("ratio"), ColumnType::Float { bytes: 8 });
    assert_eq!(kind("small"), ColumnType::Float { bytes: 4 });
    assert_eq!(
        kind("tiny"),
        ColumnType::Integer {
            bytes: 2,
            unsigned: false
        }
    );
    assert_eq!(
        samples.column("id").unwrap().default.as_deref(),
        Some("gen_random_uuid()")
    );
    assert_eq!(
        samples.column("label").unwrap().type_name,
        "character varying(40)"
    );

    let order = table(&schema, "order");
    assert_eq!(order.name, QualifiedName::new("public", "order"));
    assert!(
        order.column("First Name").is_some(),
        "column with a space keeps its exact name"
    );
}

#[tokio::test]
async fn introspection_reads_primary_unique_and_foreign_keys() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    let warehouses = table(&schema, "warehouses");
    assert_eq!(
        warehouses.primary_key.as_ref().unwrap().columns,
        ["region", "code"]
    );

    let shipments = table(&schema, "shipments");
    let [fk] = shipments.foreign_keys.as_slice() else {
        panic!("one FK on shipments")
    };
    assert_eq!(fk.columns, ["region", "warehouse_code"]);
    assert_eq!(fk.referenced_columns, ["region", "code"]);
    assert_eq!(fk.referenced_table, warehouses.name);
    assert_eq!(fk.on_delete, FkAction::Cascade);
    assert_eq!(fk.deferrable, Deferrable::NotDeferrable);

    let links = table(&schema, "team_members");
    assert_eq!(links.unique.len(), 1);
    assert_eq!(links.unique[0].columns, ["team_id", "employee_id"]);
    assert_eq!(links.unique[0].name, "team_members_team_employee_key");

    // A unique index that backs no constraint counts too.
    let employees = table(&schema, "employees");
    assert!(
        employees
            .unique
            .iter()
            .any(|k| k.name == "employees_email_key" && k.columns == ["email"])
    );
    let manager = employees
        .foreign_keys
        .iter()
        .find(|f| f.columns == ["manager_id"])
        .expect("self-reference");
    assert_eq!(manager.referenced_table, employees.name);
    assert_eq!(manager.on_delete, FkAction::SetNull);

    let teams = table(&schema, "teams");
    assert_eq!(
        teams.foreign_keys[0].deferrable,
        Deferrable::InitiallyDeferred
    );
    assert!(table(&schema, "audit_log").primary_key.is_none());

    let contacts = schema
        .table(&QualifiedName::new("crm", "contacts"))
        .expect("crm.contacts");
    assert_eq!(
        contacts.foreign_keys[0].referenced_table,
        QualifiedName::new("public", "employees")
    );

    // The partitioned parent's FK is read once, not once per partition.
    let events = table(&schema, "events");
    assert_eq!(events.foreign_keys.len(), 1);
    assert_eq!(
        events.primary_key.as_ref().unwrap().columns,
        ["id", "happened_on"]
    );
}

#[tokio::test]
async fn plan_orders_parents_first_and_breaks_each_cycle_the_cheapest_way() {
    let Some((_db, schema)) = zoo().await else {
        return;
    };
    let plan = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: false,
    });
    common::assert_parents_first(&schema, &plan);
    plan.ensure_feasible()
        .expect("every cycle of the zoo can be broken");

    let teams = table(&schema, "teams").name.clone();
    let players = table(&schema, "players").name.clone();
    let departments = table(&schema, "departments").name.clone();
    let employees = table(&schema, "employees").name.clone();

    let cycle = plan
        .cycles
        .iter()
        .find(|c| c.tables == [players.clone(), teams.clone()])
        .expect("teams/players");
    assert_eq!(
        cycle.breaks.len(),
        1,
        "one deferred key suffices: {cycle:?}"
    );
    assert_eq!(cycle.breaks[0].strategy, BreakStrategy::Deferred);

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
    assert_eq!(plan.cycles.len(), 2);
}
