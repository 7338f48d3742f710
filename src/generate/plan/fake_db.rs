//! A database in memory for the planner's tests: schemas built in code, a [`Lookup`] that
//! answers from rows the test gives it, and [`plan_text`] to plan a spec's text against
//! them — so every planning rule is tested without a server, as the trait intends.

use std::collections::HashMap;

use super::{GenPlan, Lookup, PlanOptions, plan};
use crate::db::Backend;
use crate::generate::spec::Spec;
use crate::graph::{Capabilities, DependencyGraph};
use crate::schema::{
    Column, ColumnType, Deferrable, FkAction, ForeignKey, Generated, Key, QualifiedName, Schema,
    Table, TableKind,
};
use crate::value::{Row, Value};
use crate::write::WriteError;

/// What the database holds before planning: the largest integer per `table.column`, and
/// the existing key rows per table.
#[derive(Default)]
pub(super) struct FakeDb {
    pub max: HashMap<String, i64>,
    pub keys: HashMap<String, Vec<Row>>,
}

impl FakeDb {
    /// A database whose `table` already holds these keys.
    pub(super) fn with_keys(mut self, table: &str, keys: Vec<Row>) -> Self {
        self.keys.insert(table.into(), keys);
        self
    }

    /// A database whose `table.column` already goes up to `max`.
    pub(super) fn with_max(mut self, column: &str, max: i64) -> Self {
        self.max.insert(column.into(), max);
        self
    }
}

impl Lookup for FakeDb {
    async fn max_integer(
        &mut self,
        table: &Table,
        column: &str,
    ) -> Result<Option<i64>, WriteError> {
        Ok(self
            .max
            .get(&format!("{}.{column}", table.name.name))
            .copied())
    }

    async fn existing_keys(
        &mut self,
        table: &Table,
        _: &[String],
        limit: u64,
    ) -> Result<Vec<Row>, WriteError> {
        let keys = self.keys.get(&table.name.name).cloned().unwrap_or_default();
        Ok(keys.into_iter().take(limit as usize).collect())
    }
}

/// Plans `spec` (the text of `spec.toml`) on `schema` with nothing in the database, at scale
/// 1, fixtura checking the keys. The error is the message a user sees.
pub(super) fn plan_text(schema: &Schema, spec: &str) -> Result<GenPlan, String> {
    plan_with(schema, spec, &mut FakeDb::default(), 1.0, false)
}

/// Plans `spec` on `schema` against `db`, at `scale`; `server_checks` as `--fk-checks server`.
pub(super) fn plan_with(
    schema: &Schema,
    spec: &str,
    db: &mut FakeDb,
    scale: f64,
    server_checks: bool,
) -> Result<GenPlan, String> {
    let spec = Spec::from_text("spec.toml", spec).map_err(|e| e.to_string())?;
    let order = DependencyGraph::new(schema).plan(Capabilities {
        session_switch: !server_checks,
    });
    let options = PlanOptions {
        scale,
        server_checks,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("BUG: a test runtime");
    runtime
        .block_on(plan(&spec, schema, &order, options, db))
        .map_err(|e| e.to_string())
}

/// Every row of every table of `plan`, by table name.
pub(super) fn rows_of(plan: &GenPlan) -> HashMap<String, Vec<Row>> {
    (0..plan.tables.len())
        .map(|t| {
            let rows = plan.rows(t, 0, plan.tables[t].rows);
            (plan.tables[t].display.clone(), rows)
        })
        .collect()
}

/// The values of `column` in `rows` of table `table` of `plan`.
pub(super) fn column_of(
    plan: &GenPlan,
    rows: &HashMap<String, Vec<Row>>,
    table: &str,
    column: &str,
) -> Vec<Value> {
    let t = plan
        .tables
        .iter()
        .find(|t| t.display == table)
        .unwrap_or_else(|| panic!("no table {table} in the plan"));
    let c = t
        .columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or_else(|| panic!("no column {table}.{column} in the plan"));
    rows[table].iter().map(|r| r[c].clone()).collect()
}

/// A NOT NULL integer column.
pub(super) fn int(name: &str) -> Column {
    typed(
        name,
        "integer",
        ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        },
    )
}

/// A NOT NULL `varchar(n)` column.
pub(super) fn text(name: &str, n: u32) -> Column {
    typed(
        name,
        &format!("varchar({n})"),
        ColumnType::Text {
            max_length: Some(n),
            fixed: false,
        },
    )
}

/// A NOT NULL `date` column.
pub(super) fn date(name: &str) -> Column {
    typed(name, "date", ColumnType::Date)
}

/// A NOT NULL boolean column.
pub(super) fn boolean(name: &str) -> Column {
    typed(name, "boolean", ColumnType::Boolean)
}

/// A NOT NULL column of any type.
pub(super) fn typed(name: &str, type_name: &str, column_type: ColumnType) -> Column {
    Column {
        name: name.into(),
        type_name: type_name.into(),
        column_type,
        nullable: false,
        default: None,
        identity: None,
        generated: None,
        sequence: None,
    }
}

/// `column`, accepting NULL.
pub(super) fn nullable(column: Column) -> Column {
    Column {
        nullable: true,
        ..column
    }
}

/// `column`, computed by the database.
pub(super) fn generated(column: Column) -> Column {
    Column {
        generated: Some(Generated {
            stored: true,
            expression: "lower(email)".into(),
        }),
        ..column
    }
}

/// A table of the `public` schema, built key by key.
pub(super) struct TableDef(Table);

pub(super) fn table(name: &str, columns: Vec<Column>) -> TableDef {
    TableDef(Table {
        name: QualifiedName::new("public", name),
        kind: TableKind::Table,
        columns,
        primary_key: None,
        unique: vec![],
        foreign_keys: vec![],
        flag_column: None,
        triggers: Vec::new(),
        engine: None,
        transactional: true,
    })
}

impl TableDef {
    pub(super) fn primary_key(mut self, columns: &[&str]) -> Self {
        self.0.primary_key = Some(key(&format!("{}_pkey", self.0.name.name), columns));
        self
    }

    pub(super) fn unique(mut self, name: &str, columns: &[&str]) -> Self {
        self.0.unique.push(key(name, columns));
        self.0.unique.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// A foreign key `name (columns) REFERENCES referenced (referenced_columns)`; kept sorted
    /// by name, as introspection gives them.
    pub(super) fn foreign_key(
        mut self,
        name: &str,
        columns: &[&str],
        referenced: &str,
        referenced_columns: &[&str],
    ) -> Self {
        self.0.foreign_keys.push(ForeignKey {
            name: name.into(),
            columns: strings(columns),
            referenced_table: QualifiedName::new("public", referenced),
            referenced_columns: strings(referenced_columns),
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
            partitions: Vec::new(),
        });
        self.0.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    pub(super) fn flag(mut self, column: &str) -> Self {
        self.0.flag_column = Some(column.into());
        self
    }

    pub(super) fn done(self) -> Table {
        self.0
    }
}

/// A PostgreSQL schema of `public` tables, sorted by name as introspection gives them.
pub(super) fn schema(mut tables: Vec<Table>) -> Schema {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Schema {
        backend: Backend::Postgres,
        server_version: String::new(),
        default_schema: "public".into(),
        tables,
        skipped: vec![],
    }
}

fn key(name: &str, columns: &[&str]) -> Key {
    Key {
        name: name.into(),
        columns: strings(columns),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|c| c.to_string()).collect()
}

/// A small shop: countries the specs never generate; customers with a flag column, a
/// generated column and an optional country; their orders, and order lines numbered within
/// an order; tags with two unique keys and the link table `customer_tags`; employees who
/// report to employees; coupons with a unique date.
pub(super) fn shop() -> Schema {
    let countries = table("countries", vec![text("code", 2)]).primary_key(&["code"]);
    let tags = table("tags", vec![int("id"), text("label", 30), int("rank")])
        .primary_key(&["id"])
        .unique("tags_label_key", &["label"])
        .unique("tags_rank_key", &["rank"]);
    let customer_tags = table("customer_tags", vec![int("customer_id"), int("tag_id")])
        .primary_key(&["customer_id", "tag_id"])
        .foreign_key(
            "customer_tags_customer_id_fkey",
            &["customer_id"],
            "customers",
            &["id"],
        )
        .foreign_key("customer_tags_tag_id_fkey", &["tag_id"], "tags", &["id"]);
    let employees = table("employees", vec![int("id"), nullable(int("manager_id"))])
        .primary_key(&["id"])
        .foreign_key(
            "employees_manager_id_fkey",
            &["manager_id"],
            "employees",
            &["id"],
        );
    let coupons = table("coupons", vec![int("id"), date("valid_on")])
        .primary_key(&["id"])
        .unique("coupons_valid_on_key", &["valid_on"]);
    let mut tables = customers_and_orders();
    tables.extend([countries, tags, customer_tags, employees, coupons].map(TableDef::done));
    schema(tables)
}

/// The shop's customers, orders and order lines.
fn customers_and_orders() -> Vec<Table> {
    let customers = vec![
        int("id"),
        text("email", 80),
        nullable(text("name", 60)),
        generated(text("email_domain", 80)),
        nullable(text("country_code", 2)),
        boolean("is_test_data"),
    ];
    let orders = vec![
        int("id"),
        int("customer_id"),
        date("placed_on"),
        nullable(text("note", 200)),
    ];
    vec![
        table("customers", customers)
            .primary_key(&["id"])
            .foreign_key(
                "customers_country_code_fkey",
                &["country_code"],
                "countries",
                &["code"],
            )
            .flag("is_test_data")
            .done(),
        table("orders", orders)
            .primary_key(&["id"])
            .foreign_key(
                "orders_customer_id_fkey",
                &["customer_id"],
                "customers",
                &["id"],
            )
            .done(),
        table(
            "order_lines",
            vec![int("order_id"), int("line_no"), int("qty")],
        )
        .primary_key(&["order_id", "line_no"])
        .foreign_key(
            "order_lines_order_id_fkey",
            &["order_id"],
            "orders",
            &["id"],
        )
        .done(),
    ]
}

/// Teams and players in a cycle: every team has a captain (NOT NULL), a player's team may
/// be NULL — so the cycle is broken at `players.team_id` and players are loaded first.
pub(super) fn league() -> Schema {
    schema(vec![
        table("teams", vec![int("id"), int("captain_id")])
            .primary_key(&["id"])
            .foreign_key("teams_captain_id_fkey", &["captain_id"], "players", &["id"])
            .done(),
        table("players", vec![int("id"), nullable(int("team_id"))])
            .primary_key(&["id"])
            .foreign_key("players_team_id_fkey", &["team_id"], "teams", &["id"])
            .done(),
    ])
}

/// Multi-tenant keys: projects and users keyed within their tenant; tasks (the assignee
/// optional) and memberships referencing both through keys that share `tenant_id`.
pub(super) fn tenancy() -> Schema {
    let tenant = |t: TableDef, name: &str| t.foreign_key(name, &["tenant_id"], "tenants", &["id"]);
    schema(vec![
        table("tenants", vec![int("id")])
            .primary_key(&["id"])
            .done(),
        tenant(
            table("projects", vec![int("tenant_id"), int("id")]).primary_key(&["tenant_id", "id"]),
            "projects_tenant_fkey",
        )
        .done(),
        tenant(
            table("users", vec![int("tenant_id"), int("id")]).primary_key(&["tenant_id", "id"]),
            "users_tenant_fkey",
        )
        .done(),
        table(
            "tasks",
            vec![
                int("id"),
                int("tenant_id"),
                int("project_id"),
                nullable(int("assignee_id")),
            ],
        )
        .primary_key(&["id"])
        .foreign_key(
            "tasks_assignee_fkey",
            &["tenant_id", "assignee_id"],
            "users",
            &["tenant_id", "id"],
        )
        .foreign_key(
            "tasks_project_fkey",
            &["tenant_id", "project_id"],
            "projects",
            &["tenant_id", "id"],
        )
        .done(),
        table(
            "memberships",
            vec![int("tenant_id"), int("project_id"), int("user_id")],
        )
        .primary_key(&["tenant_id", "project_id", "user_id"])
        .foreign_key(
            "memberships_project_fkey",
            &["tenant_id", "project_id"],
            "projects",
            &["tenant_id", "id"],
        )
        .foreign_key(
            "memberships_user_fkey",
            &["tenant_id", "user_id"],
            "users",
            &["tenant_id", "id"],
        )
        .done(),
    ])
}

/// [`tenancy`] with `tables` added.
pub(super) fn tenancy_with(tables: Vec<Table>) -> Schema {
    let mut all = tenancy().tables;
    all.extend(tables);
    schema(all)
}

/// The message `spec` is refused with on `schema`; a plan made instead fails the test.
pub(super) fn refused(schema: &Schema, spec: &str) -> String {
    match plan_text(schema, spec) {
        Ok(_) => panic!("planned, but should have been refused:\n{spec}"),
        Err(message) => message,
    }
}

/// Integer values, as a test compares them.
pub(super) fn ints(values: &[Value]) -> Vec<i64> {
    values
        .iter()
        .map(|v| match v {
            Value::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        })
        .collect()
}
