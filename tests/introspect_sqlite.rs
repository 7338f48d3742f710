//! SQLite introspection against a real database file: the zoo (`tests/fixtures/zoo/sqlite.sql`)
//! and the SQLite-only shapes (virtual tables, odd names, keys without column lists).

mod common;

use common::TestDb;
use fixtura::graph::BreakStrategy;
use fixtura::schema::{
    ColumnType, Deferrable, FkAction, Generated, Identity, QualifiedName, Schema, Table,
};

const ZOO: &str = include_str!("fixtures/zoo/sqlite.sql");

/// Creates `sql` in a fresh SQLite file and introspects it; the file lives as long as the
/// returned `TestDb`.
async fn introspect(sql: &str) -> (TestDb, Schema) {
    let db = TestDb::sqlite();
    db.execute(sql).await;
    let conn = db.connect().await;
    let schema = fixtura::introspect(&conn, &fixtura::IntrospectOptions::default())
        .await
        .expect("introspect");
    conn.close().await;
    (db, schema)
}

fn table<'s>(schema: &'s Schema, name: &str) -> &'s Table {
    schema
        .resolve(name)
        .unwrap_or_else(|| panic!("table {name} missing from {:?}", names(schema)))
}

fn names(schema: &Schema) -> Vec<&str> {
    schema.tables.iter().map(|t| t.name.name.as_str()).collect()
}

fn main_table(name: &str) -> QualifiedName {
    QualifiedName::new("main", name)
}

#[tokio::test]
async fn zoo_tables_are_read_and_the_view_is_skipped() {
    let (_db, schema) = introspect(ZOO).await;
    assert_eq!(schema.backend, fixtura::Backend::Sqlite);
    assert_eq!(schema.default_schema, "main");
    assert!(
        schema.server_version.starts_with("3."),
        "{}",
        schema.server_version
    );
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
    assert!(schema.tables.iter().all(|t| t.name.schema == "main"));
    assert_eq!(schema.skipped.len(), 1, "{:?}", schema.skipped);
    assert_eq!(schema.skipped[0].name, main_table("active_employees"));
    assert_eq!(schema.skipped[0].reason, "view");
}

#[tokio::test]
async fn sample_columns_keep_their_types_nullability_and_defaults() {
    let (_db, schema) = introspect(ZOO).await;
    let samples = table(&schema, "samples");
    let column = |name: &str| {
        samples
            .column(name)
            .unwrap_or_else(|| panic!("samples.{name} missing"))
    };
    let kind = |name: &str| column(name).column_type.clone();

    assert_eq!(
        kind("mood"),
        ColumnType::Enum {
            name: None,
            labels: vec!["happy".into(), "sad".into(), "it's complicated".into()],
        }
    );
    assert_eq!(column("mood").type_name, "TEXT");
    assert_eq!(column("mood").default.as_deref(), Some("'happy'"));
    assert_eq!(kind("tags"), ColumnType::Json);
    assert_eq!(kind("doc"), ColumnType::Jsonb);
    assert_eq!(kind("raw"), ColumnType::Binary { max_length: None });
    assert_eq!(
        kind("price"),
        ColumnType::Decimal {
            precision: Some(12),
            scale: Some(2)
        }
    );
    assert_eq!(column("price").type_name, "DECIMAL(12,2)");
    assert_eq!(kind("external_id"), ColumnType::Uuid);
    assert_eq!(
        kind("recorded_at"),
        ColumnType::Timestamp {
            with_time_zone: false
        }
    );
    assert_eq!(
        column("recorded_at").default.as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    assert_eq!(
        kind("seen_at"),
        ColumnType::Timestamp {
            with_time_zone: true
        }
    );
    assert_eq!(kind("born_on"), ColumnType::Date);
    assert_eq!(
        kind("nickname"),
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
    assert_eq!(kind("active"), ColumnType::Boolean);
    assert_eq!(column("active").default.as_deref(), Some("true"));
    assert_eq!(
        kind("big"),
        ColumnType::Integer {
            bytes: 8,
            unsigned: false
        }
    );
    assert_eq!(kind("ratio"), ColumnType::Float { bytes: 8 });
    assert_eq!(kind("anything"), ColumnType::Other { name: "".into() });
    assert_eq!(column("anything").type_name, "");

    assert!(!column("mood").nullable);
    assert!(!column("price").nullable);
    assert!(column("tags").nullable);
    assert!(column("anything").nullable);
    assert_eq!(column("tags").default, None);
    assert_eq!(
        samples
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .first(),
        Some(&"id"),
        "columns in their declared order"
    );
}

#[tokio::test]
async fn rowid_keys_are_identities_and_generated_columns_keep_their_expressions() {
    let (_db, schema) = introspect(ZOO).await;
    let shipments = table(&schema, "shipments");
    let id = shipments.column("id").unwrap();
    assert_eq!(
        id.identity,
        Some(Identity::RowId {
            autoincrement: true
        })
    );
    assert!(!id.nullable, "a rowid is never NULL");
    assert_eq!(
        table(&schema, "teams").column("id").unwrap().identity,
        Some(Identity::RowId {
            autoincrement: false
        })
    );
    assert_eq!(
        table(&schema, "warehouses")
            .column("region")
            .unwrap()
            .identity,
        None
    );

    assert_eq!(
        shipments.column("total_cents").unwrap().generated,
        Some(Generated {
            stored: true,
            expression: "qty * unit_cents".into()
        })
    );
    assert_eq!(
        shipments.column("label").unwrap().generated,
        Some(Generated {
            stored: false,
            expression: "region || '/' || warehouse_code".into()
        })
    );
    let writable: Vec<&str> = shipments
        .writable_columns()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        writable,
        [
            "id",
            "region",
            "warehouse_code",
            "qty",
            "unit_cents",
            "is_test_data"
        ]
    );
}

#[tokio::test]
async fn composite_keys_keep_their_column_order() {
    let (_db, schema) = introspect(ZOO).await;
    let warehouses = table(&schema, "warehouses");
    let pk = warehouses
        .primary_key
        .as_ref()
        .expect("warehouses has a key");
    assert_eq!(pk.name, "warehouses_pkey");
    assert_eq!(pk.columns, ["region", "code"]);

    let shipments = table(&schema, "shipments");
    assert_eq!(shipments.foreign_keys.len(), 1);
    let fk = &shipments.foreign_keys[0];
    assert_eq!(fk.name, "shipments_region_warehouse_code_fkey");
    assert_eq!(fk.columns, ["region", "warehouse_code"]);
    assert_eq!(fk.referenced_table, main_table("warehouses"));
    assert_eq!(fk.referenced_columns, ["region", "code"]);
    assert_eq!(fk.on_delete, FkAction::Cascade);
    assert_eq!(fk.on_update, FkAction::NoAction);
    assert_eq!(fk.deferrable, Deferrable::NotDeferrable);

    let members = table(&schema, "team_members");
    assert_eq!(members.unique.len(), 1, "{:?}", members.unique);
    assert_eq!(members.unique[0].columns, ["team_id", "employee_id"]);
    assert!(
        members.unique[0]
            .name
            .starts_with("sqlite_autoindex_team_members")
    );
    let fk_names: Vec<&str> = members
        .foreign_keys
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        fk_names,
        ["team_members_employee_id_fkey", "team_members_team_id_fkey"]
    );
    assert_eq!(members.foreign_keys[1].on_delete, FkAction::Cascade);

    let employees = table(&schema, "employees");
    assert_eq!(employees.unique.len(), 1);
    assert_eq!(employees.unique[0].columns, ["email"]);
    assert!(table(&schema, "audit_log").primary_key.is_none());
}

#[tokio::test]
async fn only_initially_deferred_keys_are_deferrable() {
    let (_db, schema) = introspect(ZOO).await;
    let teams_fk = &table(&schema, "teams").foreign_keys;
    assert_eq!(teams_fk.len(), 1);
    assert_eq!(teams_fk[0].name, "teams_captain_id_fkey");
    assert_eq!(teams_fk[0].referenced_table, main_table("players"));
    assert_eq!(teams_fk[0].deferrable, Deferrable::InitiallyDeferred);
    assert!(
        !table(&schema, "teams")
            .column("captain_id")
            .unwrap()
            .nullable
    );

    let players_fk = &table(&schema, "players").foreign_keys;
    assert_eq!(players_fk.len(), 1);
    assert_eq!(players_fk[0].name, "players_team_id_fkey");
    assert_eq!(players_fk[0].deferrable, Deferrable::InitiallyDeferred);

    for fk in &table(&schema, "employees").foreign_keys {
        assert_eq!(fk.deferrable, Deferrable::NotDeferrable, "{}", fk.name);
    }
    let head = &table(&schema, "departments").foreign_keys[0];
    assert_eq!(head.columns, ["head_id"]);
    assert!(head.is_nullable_in(table(&schema, "departments")));
}

#[tokio::test]
async fn reserved_words_and_spaces_survive_in_names() {
    let (_db, schema) = introspect(ZOO).await;
    let order = table(&schema, "order");
    assert_eq!(order.name, main_table("order"));
    let first = order.column("First Name").expect("\"First Name\" column");
    assert_eq!(first.type_name, "VARCHAR(80)");
    assert!(!first.nullable);
    assert_eq!(order.foreign_keys.len(), 1);
    assert_eq!(order.foreign_keys[0].name, "order_customer_id_fkey");
    assert_eq!(
        order.foreign_keys[0].referenced_table,
        main_table("employees")
    );
    assert_eq!(order.primary_key.as_ref().unwrap().name, "order_pkey");
}

#[tokio::test]
async fn every_table_but_audit_log_has_the_flag_column() {
    let (_db, schema) = introspect(ZOO).await;
    for t in &schema.tables {
        let expected = (t.name.name != "audit_log").then(|| "is_test_data".to_string());
        assert_eq!(t.flag_column, expected, "{}", t.name);
    }
}

#[tokio::test]
async fn the_zoo_plan_loads_parents_first_and_breaks_each_cycle() {
    let (_db, schema) = introspect(ZOO).await;
    let plan = fixtura::DependencyGraph::new(&schema).plan(fixtura::Capabilities {
        session_switch: true,
    });
    common::assert_parents_first(&schema, &plan);
    plan.ensure_feasible()
        .expect("every zoo cycle can be broken");

    let strategy = |table: &str, constraint: &str| {
        plan.break_for(&main_table(table), constraint)
            .map(|b| b.strategy)
    };
    // Both NOT NULL and both deferred: deferral breaks the cycle (either key would do).
    let teams = strategy("teams", "teams_captain_id_fkey");
    let players = strategy("players", "players_team_id_fkey");
    assert!(
        teams == Some(BreakStrategy::Deferred) || players == Some(BreakStrategy::Deferred),
        "teams/players: {teams:?} {players:?}"
    );
    assert!(![teams, players].contains(&Some(BreakStrategy::SessionSwitch)));
    assert_eq!(
        strategy("departments", "departments_head_id_fkey"),
        Some(BreakStrategy::NullThenUpdate)
    );
    assert_eq!(strategy("employees", "employees_department_id_fkey"), None);
    assert_eq!(
        strategy("employees", "employees_manager_id_fkey"),
        Some(BreakStrategy::SelfReference)
    );
    assert!(plan.dangling.is_empty(), "{:?}", plan.dangling);
}

#[tokio::test]
async fn virtual_tables_and_their_shadow_tables_are_skipped() {
    let (_db, schema) = introspect(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
         CREATE VIRTUAL TABLE notes_fts USING fts5(body, content = 'notes');",
    )
    .await;
    assert_eq!(names(&schema), ["notes"]);
    let reason = |name: &str| {
        schema
            .skipped
            .iter()
            .find(|s| s.name == main_table(name))
            .map(|s| s.reason.as_str())
    };
    assert_eq!(reason("notes_fts"), Some("virtual table"));
    assert_eq!(
        reason("notes_fts_data"),
        Some("shadow table of virtual table main.notes_fts")
    );
    assert!(schema.skipped.len() > 2, "{:?}", schema.skipped);
}

#[tokio::test]
async fn odd_names_constraint_names_and_implicit_parent_keys_are_read() {
    let (_db, schema) = introspect(
        r#"
        CREATE TABLE [we"ird Parent] (
            "key" TEXT NOT NULL,
            `n` INTEGER NOT NULL,
            PRIMARY KEY ("key", n)
        );
        CREATE TABLE 'child''s' (
            id INTEGER PRIMARY KEY DESC,  -- DESC: not a rowid alias
            k TEXT, n INTEGER, alt TEXT, note TEXT,
            CONSTRAINT "child parent" FOREIGN KEY (k, n) REFERENCES [WE"IRD PARENT]
                ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED
        );
        CREATE UNIQUE INDEX child_alt ON 'child''s' (alt);
        CREATE UNIQUE INDEX child_note_partial ON 'child''s' (note) WHERE note IS NOT NULL;
        CREATE UNIQUE INDEX child_note_lower ON 'child''s' (lower(note));
        "#,
    )
    .await;
    assert_eq!(names(&schema), ["child's", "we\"ird Parent"]);
    let parent = table(&schema, "we\"ird Parent");
    assert_eq!(parent.primary_key.as_ref().unwrap().columns, ["key", "n"]);
    assert_eq!(parent.column("n").unwrap().identity, None);

    let child = table(&schema, "child's");
    let id = child.column("id").unwrap();
    assert_eq!(
        id.identity, None,
        "INTEGER PRIMARY KEY DESC is no rowid alias"
    );
    assert!(!id.nullable);
    let fk = &child.foreign_keys[0];
    assert_eq!(fk.name, "child parent");
    assert_eq!(fk.columns, ["k", "n"]);
    assert_eq!(fk.referenced_table, main_table("we\"ird Parent"));
    assert_eq!(
        fk.referenced_columns,
        ["key", "n"],
        "no column list: the parent's primary key"
    );
    assert_eq!(fk.on_update, FkAction::Cascade);
    assert_eq!(fk.on_delete, FkAction::SetNull);
    assert_eq!(fk.deferrable, Deferrable::InitiallyDeferred);
    let unique: Vec<&str> = child.unique.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        unique,
        ["child_alt"],
        "partial and expression indexes are no keys"
    );
}
