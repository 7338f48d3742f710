//! Unit tests of the dependency graph: orders, cycles, and the choice of breaks.

use super::breaks::{Bill, add};
use super::*;
use crate::schema::{Column, ColumnType, Deferrable, FkAction, Key, TableKind};

const NO_SWITCH: Capabilities = Capabilities {
    session_switch: false,
};
const SWITCH: Capabilities = Capabilities {
    session_switch: true,
};

// ---- a small schema builder ------------------------------------------------------

/// A table under construction: `table("employees").nullable_reference("manager_id",
/// "employees")`. Every table has a NOT NULL `id`; foreign keys are named
/// `<table>_<column>_fkey` unless renamed with `named`.
struct TableSpec(Table);

fn table(name: &str) -> TableSpec {
    let name = QualifiedName::parse(name, "public");
    TableSpec(Table {
        primary_key: Some(Key {
            name: format!("{}_pkey", name.name),
            columns: vec!["id".to_string()],
        }),
        name,
        kind: TableKind::Table,
        columns: vec![column("id", false)],
        unique: Vec::new(),
        foreign_keys: Vec::new(),
        flag_column: None,
    })
}

fn column(name: &str, nullable: bool) -> Column {
    Column {
        name: name.to_string(),
        type_name: "integer".to_string(),
        column_type: ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        },
        nullable,
        default: None,
        identity: None,
        generated: None,
    }
}

impl TableSpec {
    /// A NOT NULL, not deferrable key.
    fn references(self, column: &str, parent: &str) -> Self {
        self.composite_reference(&[(column, false)], parent)
    }

    fn nullable_reference(self, column: &str, parent: &str) -> Self {
        self.composite_reference(&[(column, true)], parent)
    }

    /// A key over several columns, each `(name, nullable)`.
    fn composite_reference(mut self, columns: &[(&str, bool)], parent: &str) -> Self {
        for &(name, nullable) in columns {
            if self.0.column(name).is_none() {
                self.0.columns.push(super::tests::column(name, nullable));
            }
        }
        let names: Vec<String> = columns.iter().map(|(c, _)| c.to_string()).collect();
        self.0.foreign_keys.push(ForeignKey {
            name: format!("{}_{}_fkey", self.0.name.name, names.join("_")),
            referenced_columns: names.iter().map(|_| "id".to_string()).collect(),
            columns: names,
            referenced_table: QualifiedName::parse(parent, "public"),
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
        });
        self
    }

    /// Makes the last key `DEFERRABLE INITIALLY IMMEDIATE`.
    fn deferrable(self) -> Self {
        self.deferrable_as(Deferrable::InitiallyImmediate)
    }

    fn deferrable_as(mut self, deferrable: Deferrable) -> Self {
        self.last_key().deferrable = deferrable;
        self
    }

    /// Renames the last key.
    fn named(mut self, constraint: &str) -> Self {
        self.last_key().name = constraint.to_string();
        self
    }

    fn last_key(&mut self) -> &mut ForeignKey {
        self.0
            .foreign_keys
            .last_mut()
            .expect("BUG: the test declares a key first")
    }
}

fn schema(tables: impl IntoIterator<Item = TableSpec>) -> Schema {
    schema_on(Backend::Postgres, tables)
}

fn schema_on(backend: Backend, tables: impl IntoIterator<Item = TableSpec>) -> Schema {
    Schema {
        backend,
        server_version: "test".to_string(),
        default_schema: "public".to_string(),
        tables: tables.into_iter().map(|t| t.0).collect(),
        skipped: Vec::new(),
    }
}

// ---- planning, with the properties every plan must have ---------------------------

fn plan(schema: &Schema) -> Plan {
    plan_with(schema, NO_SWITCH)
}

/// Plans `schema` and checks what must hold for every plan, so every test checks it.
fn plan_with(schema: &Schema, capabilities: Capabilities) -> Plan {
    let plan = DependencyGraph::new(schema).plan(capabilities);
    assert_parents_first(schema, &plan);
    assert_cycles_are_consistent(schema, &plan);
    assert_every_break_is_needed(schema, &plan);
    assert_same_plan_whatever_the_listing_order(schema, capabilities, &plan);
    if capabilities.session_switch {
        assert_eq!(
            plan.ensure_feasible(),
            Ok(()),
            "a session switch breaks anything"
        );
    }
    plan
}

fn kept(plan: &Plan, table: &Table, fk: &ForeignKey) -> bool {
    fk.referenced_table != table.name
        && plan.break_for(&table.name, &fk.name).is_none()
        && !is_unbreakable(plan, &table.name, &fk.name)
}

fn is_unbreakable(plan: &Plan, table: &QualifiedName, constraint: &str) -> bool {
    plan.cycles
        .iter()
        .flat_map(|c| &c.unbreakable)
        .any(|fk| &fk.table == table && fk.constraint == constraint)
}

/// Every table once; every kept key's parent before its child; deletes reversed.
fn assert_parents_first(schema: &Schema, plan: &Plan) {
    let position = |name: &QualifiedName| plan.insert_order.iter().position(|n| n == name);
    assert_eq!(plan.insert_order.len(), schema.tables.len());
    for table in &schema.tables {
        let child = position(&table.name).expect("every table is in the insert order");
        for fk in &table.foreign_keys {
            if !kept(plan, table, fk) {
                continue;
            }
            if let Some(parent) = position(&fk.referenced_table) {
                assert!(
                    parent < child,
                    "{} via {} must follow {} in {:?}",
                    table.name,
                    fk.name,
                    fk.referenced_table,
                    plan.insert_order
                );
            }
        }
    }
    let mut reversed = plan.insert_order.clone();
    reversed.reverse();
    assert_eq!(plan.delete_order, reversed);
}

/// Dangling keys are exactly those to unknown tables; breaks belong to their cycle;
/// tables and cycles are sorted; `break_for` finds every break.
fn assert_cycles_are_consistent(schema: &Schema, plan: &Plan) {
    let mut dangling: Vec<FkRef> = schema
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| fk_ref(t, fk)))
        .filter(|fk| schema.table(&fk.referenced_table).is_none())
        .collect();
    dangling.sort_by(|a, b| fk_ref_key(a).cmp(&fk_ref_key(b)));
    assert_eq!(plan.dangling, dangling);
    for cycle in &plan.cycles {
        assert!(cycle.tables.is_sorted());
        let keys = cycle.breaks.iter().map(|b| &b.foreign_key);
        for fk in keys.chain(&cycle.unbreakable) {
            assert!(cycle.tables.contains(&fk.table));
            assert!(cycle.tables.contains(&fk.referenced_table));
        }
        for b in &cycle.breaks {
            assert_eq!(
                plan.break_for(&b.foreign_key.table, &b.foreign_key.constraint),
                Some(b)
            );
            assert_eq!(
                b.strategy == BreakStrategy::SelfReference,
                b.foreign_key.table == b.foreign_key.referenced_table
            );
        }
    }
    assert!(
        plan.cycles
            .windows(2)
            .all(|w| w[0].tables[0] < w[1].tables[0])
    );
}

/// Giving back any one broken key (other than a self-reference) recreates a cycle.
fn assert_every_break_is_needed(schema: &Schema, plan: &Plan) {
    for cycle in &plan.cycles {
        let keys = cycle.breaks.iter().map(|b| &b.foreign_key);
        for given_back in keys.chain(&cycle.unbreakable) {
            if given_back.table == given_back.referenced_table {
                continue;
            }
            let edges = kept_edges(schema, |table, fk| {
                kept(plan, table, fk)
                    || (table.name == given_back.table && fk.name == given_back.constraint)
            });
            assert!(
                !acyclic(schema, &edges),
                "{} is broken but nothing needs it broken",
                given_back.constraint
            );
        }
    }
}

fn assert_same_plan_whatever_the_listing_order(
    schema: &Schema,
    capabilities: Capabilities,
    plan: &Plan,
) {
    let mut shuffled = schema.clone();
    shuffled.tables.reverse();
    for table in &mut shuffled.tables {
        table.foreign_keys.reverse();
    }
    let middle = shuffled.tables.len() / 2;
    shuffled.tables.rotate_left(middle);
    assert_eq!(&DependencyGraph::new(&shuffled).plan(capabilities), plan);
}

/// Edges (parent, child) between tables of the schema, self-references left out.
fn kept_edges(schema: &Schema, keep: impl Fn(&Table, &ForeignKey) -> bool) -> Vec<(usize, usize)> {
    let index = |name: &QualifiedName| schema.tables.iter().position(|t| &t.name == name);
    let mut edges = Vec::new();
    for (child, table) in schema.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            if let Some(parent) = index(&fk.referenced_table)
                && parent != child
                && keep(table, fk)
            {
                edges.push((parent, child));
            }
        }
    }
    edges
}

/// Acyclic by repeatedly removing tables with no incoming edge, independent of the
/// module's own code.
fn acyclic(schema: &Schema, edges: &[(usize, usize)]) -> bool {
    let mut left: Vec<bool> = vec![true; schema.tables.len()];
    loop {
        let free =
            (0..left.len()).find(|&n| left[n] && !edges.iter().any(|&(p, c)| c == n && left[p]));
        match free {
            Some(n) => left[n] = false,
            None => return !left.contains(&true),
        }
    }
}

// ---- reading plans -----------------------------------------------------------------

fn names(tables: &[QualifiedName]) -> Vec<String> {
    tables.iter().map(|t| t.name.clone()).collect()
}

/// Every break of the plan as `(constraint, strategy)`, in plan order.
fn breaks(plan: &Plan) -> Vec<(String, BreakStrategy)> {
    plan.cycles
        .iter()
        .flat_map(|c| &c.breaks)
        .map(|b| (b.foreign_key.constraint.clone(), b.strategy))
        .collect()
}

fn unbreakable(plan: &Plan) -> Vec<String> {
    plan.cycles
        .iter()
        .flat_map(|c| &c.unbreakable)
        .map(|fk| fk.constraint.clone())
        .collect()
}

fn reason<'p>(plan: &'p Plan, constraint: &str) -> &'p str {
    &plan
        .cycles
        .iter()
        .flat_map(|c| &c.breaks)
        .find(|b| b.foreign_key.constraint == constraint)
        .unwrap_or_else(|| panic!("{constraint} is not broken"))
        .reason
}

fn pairs(list: &[(&str, BreakStrategy)]) -> Vec<(String, BreakStrategy)> {
    list.iter().map(|&(c, s)| (c.to_string(), s)).collect()
}

use BreakStrategy::{Deferred, NullThenUpdate, SelfReference, SessionSwitch};

// ---- orders without cycles ---------------------------------------------------------

#[test]
fn an_empty_schema_has_an_empty_plan() {
    let plan = plan(&schema([]));
    assert!(plan.insert_order.is_empty() && plan.cycles.is_empty());
    assert_eq!(plan.ensure_feasible(), Ok(()));
}

#[test]
fn a_chain_is_inserted_parents_first_and_deleted_children_first() {
    let s = schema([
        table("a_lines").references("order_id", "b_orders"),
        table("b_orders").references("customer_id", "c_customers"),
        table("c_customers"),
    ]);
    let plan = plan(&s);
    assert_eq!(
        names(&plan.insert_order),
        ["c_customers", "b_orders", "a_lines"]
    );
    assert_eq!(
        names(&plan.delete_order),
        ["a_lines", "b_orders", "c_customers"]
    );
    assert!(plan.cycles.is_empty());
}

#[test]
fn a_diamond_puts_the_shared_child_after_both_parents() {
    let s = schema([
        table("top"),
        table("left").references("top_id", "top"),
        table("right").references("top_id", "top"),
        table("bottom")
            .references("left_id", "left")
            .references("right_id", "right"),
    ]);
    assert_eq!(
        names(&plan(&s).insert_order),
        ["top", "left", "right", "bottom"]
    );
}

#[test]
fn disconnected_tables_are_ordered_by_name() {
    let s = schema([table("zebra"), table("apple"), table("mango")]);
    assert_eq!(names(&plan(&s).insert_order), ["apple", "mango", "zebra"]);
}

#[test]
fn the_smallest_named_ready_table_always_goes_next() {
    // `b` is ready at once but `a` only after `z`: the order interleaves by name.
    let s = schema([table("z"), table("a").references("z_id", "z"), table("b")]);
    assert_eq!(names(&plan(&s).insert_order), ["b", "z", "a"]);
}

#[test]
fn the_order_does_not_depend_on_the_order_tables_are_listed() {
    let tables = || {
        vec![
            table("orders").references("customer_id", "customers"),
            table("customers"),
            table("items")
                .references("order_id", "orders")
                .references("product_id", "products"),
            table("products"),
            table("audit"),
        ]
    };
    let expected = ["audit", "customers", "orders", "products", "items"];
    for rotation in 0..5 {
        let mut listed = tables();
        listed.rotate_left(rotation);
        assert_eq!(names(&plan(&schema(listed)).insert_order), expected);
        let mut listed = tables();
        listed.reverse();
        listed.rotate_left(rotation);
        assert_eq!(names(&plan(&schema(listed)).insert_order), expected);
    }
}

#[test]
fn tables_of_other_schemas_are_ordered_by_schema_then_name() {
    let s = schema([
        table("public.b"),
        table("crm.z"),
        table("crm.a").references("b_id", "b"),
    ]);
    let order: Vec<String> = plan(&s)
        .insert_order
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(order, ["crm.z", "public.b", "crm.a"]);
}

#[test]
fn dangling_keys_are_listed_and_impose_no_order() {
    let s = schema([
        table("a")
            .references("user_id", "auth.users")
            .references("b_id", "b"),
        table("b").nullable_reference("ghost_id", "ghosts"),
    ]);
    let plan = plan(&s);
    assert_eq!(names(&plan.insert_order), ["b", "a"]);
    let dangling: Vec<(&str, String)> = plan
        .dangling
        .iter()
        .map(|fk| (fk.constraint.as_str(), fk.referenced_table.to_string()))
        .collect();
    assert_eq!(
        dangling,
        [
            ("a_user_id_fkey", "auth.users".to_string()),
            ("b_ghost_id_fkey", "public.ghosts".to_string())
        ]
    );
    assert!(plan.cycles.is_empty());
}

#[test]
fn keys_outside_any_cycle_are_never_broken_even_when_nullable() {
    let s = schema([table("a"), table("b").nullable_reference("a_id", "a")]);
    let plan = plan(&s);
    assert!(plan.cycles.is_empty());
    assert_eq!(
        plan.break_for(&QualifiedName::new("public", "b"), "b_a_id_fkey"),
        None
    );
}

// ---- self-references --------------------------------------------------------------

#[test]
fn a_nullable_self_reference_is_a_cycle_of_one_table_ordered_by_rows() {
    let s = schema([table("employees").nullable_reference("manager_id", "employees")]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["employees"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[("employees_manager_id_fkey", SelfReference)])
    );
    assert_eq!(
        reason(&plan, "employees_manager_id_fkey"),
        "employees.manager_id references employees itself and accepts NULL: rows are \
         ordered parents first, or the column is filled in a second pass"
    );
    assert_eq!(names(&plan.insert_order), ["employees"]);
    assert_eq!(plan.ensure_feasible(), Ok(()));
}

#[test]
fn a_not_null_self_reference_says_root_rows_reference_themselves() {
    let s = schema([table("nodes").references("parent_id", "nodes")]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("nodes_parent_id_fkey", SelfReference)])
    );
    assert_eq!(
        reason(&plan, "nodes_parent_id_fkey"),
        "nodes.parent_id references nodes itself and is NOT NULL: rows must be ordered \
         parents first, and root rows reference themselves"
    );
    assert!(unbreakable(&plan).is_empty());
    assert_eq!(plan.ensure_feasible(), Ok(()));
}

#[test]
fn a_deferrable_not_null_self_reference_is_deferred_to_commit() {
    let s = schema([table("nodes").references("parent_id", "nodes").deferrable()]);
    let plan = plan(&s);
    assert_eq!(
        reason(&plan, "nodes_parent_id_fkey"),
        "nodes.parent_id references nodes itself and is NOT NULL but the key is \
         deferrable: rows are ordered parents first and the check is deferred to commit"
    );
}

#[test]
fn a_self_reference_stays_a_self_reference_when_the_session_may_switch_checks_off() {
    let s = schema([table("nodes").references("parent_id", "nodes")]);
    assert_eq!(
        breaks(&plan_with(&s, SWITCH)),
        pairs(&[("nodes_parent_id_fkey", SelfReference)])
    );
}

#[test]
fn every_self_reference_of_a_table_is_broken_and_listed_by_constraint_name() {
    let s = schema([table("people")
        .nullable_reference("father_id", "people")
        .named("z_father")
        .references("mother_id", "people")
        .named("a_mother")]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(
        breaks(&plan),
        pairs(&[("a_mother", SelfReference), ("z_father", SelfReference)])
    );
}

#[test]
fn a_self_reference_inside_a_larger_cycle_is_one_cycle_with_both_breaks() {
    let s = schema([
        table("a")
            .nullable_reference("parent_id", "a")
            .references("b_id", "b"),
        table("b").nullable_reference("a_id", "a"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["a", "b"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[
            ("a_parent_id_fkey", SelfReference),
            ("b_a_id_fkey", NullThenUpdate)
        ])
    );
    assert_eq!(names(&plan.insert_order), ["b", "a"]);
}

// ---- cycles between tables --------------------------------------------------------

#[test]
fn a_two_table_cycle_is_broken_at_its_nullable_key_only() {
    let s = schema([
        table("departments").nullable_reference("head_id", "employees"),
        table("employees").references("department_id", "departments"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["departments", "employees"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[("departments_head_id_fkey", NullThenUpdate)])
    );
    assert_eq!(
        reason(&plan, "departments_head_id_fkey"),
        "departments.head_id accepts NULL: insert NULL, then UPDATE once employees is loaded"
    );
    assert_eq!(names(&plan.insert_order), ["departments", "employees"]);
}

#[test]
fn a_cycle_of_nullable_keys_is_broken_once_at_the_smallest_child_table() {
    let s = schema([
        table("b").nullable_reference("a_id", "a"),
        table("a").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("a_b_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["a", "b"]);
}

#[test]
fn in_a_ring_of_equally_cheap_keys_the_smallest_child_table_is_broken() {
    let s = schema([
        table("c").nullable_reference("b_id", "b"),
        table("a").nullable_reference("c_id", "c"),
        table("b").nullable_reference("a_id", "a"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("a_c_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["a", "b", "c"]);
}

#[test]
fn a_three_table_cycle_with_one_nullable_key_breaks_only_that_key() {
    let s = schema([
        table("a").references("c_id", "c"),
        table("b").references("a_id", "a"),
        table("c").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("c_b_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["c", "a", "b"]);
    assert_eq!(names(&plan.cycles[0].tables), ["a", "b", "c"]);
}

#[test]
fn a_cycle_without_nullable_keys_uses_the_deferrable_constraint() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a").deferrable(),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("b_a_id_fkey", Deferred)]));
    assert_eq!(
        reason(&plan, "b_a_id_fkey"),
        "b.a_id is NOT NULL but the key is deferrable: its check is deferred to commit \
         (SET CONSTRAINTS ... DEFERRED), after a is loaded"
    );
    assert_eq!(plan.ensure_feasible(), Ok(()));
}

#[test]
fn an_initially_deferred_key_is_deferrable_too() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b")
            .references("a_id", "a")
            .deferrable_as(Deferrable::InitiallyDeferred),
    ]);
    assert_eq!(breaks(&plan(&s)), pairs(&[("b_a_id_fkey", Deferred)]));
}

#[test]
fn a_nullable_key_is_preferred_to_a_deferrable_one() {
    let s = schema([
        table("a").references("b_id", "b").deferrable(),
        table("b").nullable_reference("a_id", "a"),
    ]);
    assert_eq!(
        breaks(&plan_with(&s, SWITCH)),
        pairs(&[("b_a_id_fkey", NullThenUpdate)])
    );
}

#[test]
fn a_deferrable_key_is_preferred_to_the_session_switch() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a").deferrable(),
    ]);
    assert_eq!(
        breaks(&plan_with(&s, SWITCH)),
        pairs(&[("b_a_id_fkey", Deferred)])
    );
}

#[test]
fn a_not_null_cycle_uses_the_session_switch_when_the_session_may() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a"),
    ]);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(breaks(&plan), pairs(&[("a_b_id_fkey", SessionSwitch)]));
    assert!(unbreakable(&plan).is_empty());
    assert_eq!(
        reason(&plan, "a_b_id_fkey"),
        "a.b_id is NOT NULL and the key is not deferrable: foreign-key checks are switched \
         off for this session (session_replication_role = replica), and fixtura checks the \
         key itself before commit"
    );
}

#[test]
fn the_session_switch_reason_names_each_backends_switch() {
    let tables = || {
        [
            table("a").references("b_id", "b"),
            table("b").references("a_id", "a"),
        ]
    };
    let mysql = plan_with(&schema_on(Backend::MySql, tables()), SWITCH);
    assert_eq!(
        reason(&mysql, "a_b_id_fkey"),
        "a.b_id is NOT NULL and the key is not deferrable: foreign-key checks are switched \
         off for this session (FOREIGN_KEY_CHECKS = 0), and fixtura checks the key itself \
         before commit"
    );
    let sqlite = plan_with(&schema_on(Backend::Sqlite, tables()), SWITCH);
    assert_eq!(
        reason(&sqlite, "a_b_id_fkey"),
        "a.b_id is NOT NULL and the key is not deferrable: the check is deferred for this \
         session (PRAGMA defer_foreign_keys = ON), and SQLite itself checks deferred keys \
         at commit"
    );
}

#[test]
fn a_not_null_cycle_without_the_session_switch_is_unbreakable_and_named_in_the_error() {
    let s = schema([
        table("orders").references("invoice_id", "invoices"),
        table("invoices").references("order_id", "orders"),
    ]);
    let plan = plan(&s);
    assert!(breaks(&plan).is_empty());
    assert_eq!(unbreakable(&plan), ["invoices_order_id_fkey"]);
    // Planning carries on past the unbreakable key, so the order is still complete.
    assert_eq!(names(&plan.insert_order), ["invoices", "orders"]);
    let error = plan
        .ensure_feasible()
        .expect_err("the cycle cannot be broken");
    assert_eq!(
        error,
        GraphError::UnbreakableCycle {
            cycle: "invoices → orders → invoices".to_string(),
            constraint: "invoices_order_id_fkey".to_string(),
            table: "invoices".to_string(),
        }
    );
    assert_eq!(
        error.to_string(),
        "foreign-key cycle invoices → orders → invoices cannot be broken: constraint \
         \"invoices_order_id_fkey\" on invoices is NOT NULL and not deferrable, and this \
         session cannot switch foreign-key checks off; make it DEFERRABLE (ALTER TABLE ... \
         ALTER CONSTRAINT \"invoices_order_id_fkey\" DEFERRABLE) or let one of its columns \
         accept NULL"
    );
}

#[test]
fn an_unbreakable_cycle_of_three_tables_shows_its_ends() {
    let s = schema([
        table("a").references("c_id", "c"),
        table("b").references("a_id", "a"),
        table("c").references("b_id", "b"),
    ]);
    let error = plan(&s)
        .ensure_feasible()
        .expect_err("the cycle cannot be broken");
    let GraphError::UnbreakableCycle {
        cycle,
        constraint,
        table,
    } = error;
    assert_eq!(
        (cycle.as_str(), constraint.as_str(), table.as_str()),
        ("a → c → … → a", "a_c_id_fkey", "a")
    );
}

#[test]
fn the_error_qualifies_tables_when_the_plan_spans_several_schemas() {
    let s = schema([
        table("crm.a").references("b_id", "b"),
        table("b").references("a_id", "crm.a"),
    ]);
    let error = plan(&s)
        .ensure_feasible()
        .expect_err("the cycle cannot be broken");
    let GraphError::UnbreakableCycle { cycle, table, .. } = error;
    assert_eq!(
        (cycle.as_str(), table.as_str()),
        ("crm.a → public.b → crm.a", "crm.a")
    );
}

#[test]
fn reasons_name_tables_of_other_schemas_qualified() {
    let s = schema([
        table("crm.accounts").nullable_reference("owner_id", "users"),
        table("users").references("account_id", "crm.accounts"),
    ]);
    assert_eq!(
        reason(&plan(&s), "accounts_owner_id_fkey"),
        "crm.accounts.owner_id accepts NULL: insert NULL, then UPDATE once users is loaded"
    );
}

#[test]
fn only_the_unbreakable_part_of_a_component_is_reported_unbreakable() {
    // a ⇄ b is NOT NULL both ways; b ⇄ c closes at a nullable key.
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a").references("c_id", "c"),
        table("c").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(breaks(&plan), pairs(&[("c_b_id_fkey", NullThenUpdate)]));
    assert_eq!(unbreakable(&plan), ["a_b_id_fkey"]);
    assert_eq!(
        plan.break_for(&QualifiedName::new("public", "a"), "a_b_id_fkey"),
        None
    );
}

#[test]
fn ensure_feasible_reports_the_first_cycle_in_order() {
    let s = schema([
        table("y").references("z_id", "z"),
        table("z").references("y_id", "y"),
        table("m").references("n_id", "n"),
        table("n").references("m_id", "m"),
    ]);
    let GraphError::UnbreakableCycle { constraint, .. } = plan(&s)
        .ensure_feasible()
        .expect_err("both cycles are unbreakable");
    assert_eq!(constraint, "m_n_id_fkey");
}

#[test]
fn two_cycles_sharing_a_table_are_one_cycle_broken_twice() {
    let s = schema([
        table("a").references("hub_id", "hub"),
        table("hub")
            .nullable_reference("a_id", "a")
            .nullable_reference("c_id", "c"),
        table("c").references("hub_id", "hub"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["a", "c", "hub"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[
            ("hub_a_id_fkey", NullThenUpdate),
            ("hub_c_id_fkey", NullThenUpdate)
        ])
    );
    assert_eq!(names(&plan.insert_order), ["hub", "a", "c"]);
}

#[test]
fn separate_cycles_are_listed_by_their_first_table() {
    let s = schema([
        table("y").nullable_reference("z_id", "z"),
        table("z").references("y_id", "y"),
        table("m").nullable_reference("m_id", "m"),
        table("b").nullable_reference("c_id", "c"),
        table("c").references("b_id", "b"),
    ]);
    let plan = plan(&s);
    let firsts: Vec<&str> = plan
        .cycles
        .iter()
        .map(|c| c.tables[0].name.as_str())
        .collect();
    assert_eq!(firsts, ["b", "m", "y"]);
}

#[test]
fn a_key_on_two_cycles_is_broken_once_for_both() {
    // a ⇄ b and a → b → c → a both run through `b.a_id`; `c.b_id` is nullable too,
    // but breaking it as well would be needless.
    let s = schema([
        table("a").references("b_id", "b").references("c_id", "c"),
        table("b").nullable_reference("a_id", "a"),
        table("c").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("b_a_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["b", "c", "a"]);
}

#[test]
fn parallel_keys_to_the_same_parent_are_each_kept_in_order() {
    let s = schema([
        table("shipments")
            .references("from_id", "depots")
            .references("to_id", "depots"),
        table("depots").nullable_reference("last_shipment_id", "shipments"),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("depots_last_shipment_id_fkey", NullThenUpdate)])
    );
    assert_eq!(names(&plan.insert_order), ["depots", "shipments"]);
}

#[test]
fn parallel_nullable_keys_are_both_broken_when_the_way_back_is_not_null() {
    let s = schema([
        table("a")
            .nullable_reference("first_b", "b")
            .nullable_reference("second_b", "b"),
        table("b").references("a_id", "a"),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[
            ("a_first_b_fkey", NullThenUpdate),
            ("a_second_b_fkey", NullThenUpdate)
        ])
    );
    assert_eq!(names(&plan.insert_order), ["a", "b"]);
}

#[test]
fn one_break_on_the_way_back_beats_a_cheap_and_a_dear_break_on_parallel_keys() {
    // Greedy would break `a.billing_b` (nullable) and then `a.shipping_b` (switch);
    // breaking `b.a_id` alone (switch) costs one switch and nothing else.
    let s = schema([
        table("a")
            .nullable_reference("billing_b", "b")
            .references("shipping_b", "b"),
        table("b").references("z_a_id", "a"),
    ]);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(breaks(&plan), pairs(&[("b_z_a_id_fkey", SessionSwitch)]));
}

#[test]
fn a_composite_key_with_a_not_null_column_is_not_nullable() {
    let s = schema([
        table("lines").composite_reference(&[("tenant_id", false), ("order_id", true)], "orders"),
        table("orders")
            .references("first_line_id", "lines")
            .deferrable(),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("orders_first_line_id_fkey", Deferred)])
    );
}

#[test]
fn a_composite_key_whose_columns_all_accept_null_is_nullable() {
    let s = schema([
        table("lines").composite_reference(&[("tenant_id", true), ("order_id", true)], "orders"),
        table("orders")
            .references("first_line_id", "lines")
            .deferrable(),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("lines_tenant_id_order_id_fkey", NullThenUpdate)])
    );
    assert_eq!(
        reason(&plan, "lines_tenant_id_order_id_fkey"),
        "lines.(tenant_id, order_id) accept NULL: insert NULL, then UPDATE once orders is loaded"
    );
}

#[test]
fn a_composite_not_null_key_says_it_has_a_not_null_column() {
    let s = schema([
        table("lines").composite_reference(&[("tenant_id", false), ("order_id", true)], "orders"),
        table("orders").references("first_line_id", "lines"),
    ]);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(
        reason(&plan, "lines_tenant_id_order_id_fkey"),
        "lines.(tenant_id, order_id) has a NOT NULL column and the key is not deferrable: \
         foreign-key checks are switched off for this session \
         (session_replication_role = replica), and fixtura checks the key itself before commit"
    );
}

#[test]
fn a_key_naming_a_missing_column_is_not_nullable() {
    let mut s = schema([
        table("a").nullable_reference("b_id", "b"),
        table("b").references("a_id", "a"),
    ]);
    s.tables[0].columns.retain(|c| c.name != "b_id");
    let plan = plan(&s);
    assert_eq!(unbreakable(&plan), ["a_b_id_fkey"]);
}

// ---- the plan as a whole ----------------------------------------------------------

#[test]
fn the_plan_serializes_strategies_in_snake_case() {
    let s = schema([
        table("a").nullable_reference("b_id", "b"),
        table("b").references("a_id", "a"),
    ]);
    let json = serde_json::to_value(plan(&s)).expect("a plan serializes");
    assert_eq!(
        json["cycles"][0]["breaks"][0]["strategy"],
        "null_then_update"
    );
    assert_eq!(json["insert_order"][0]["name"], "a");
}

/// A small deterministic generator, so the property test needs no extra crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The least bill over every subset of keys whose removal leaves the schema acyclic.
fn cheapest_possible_bill(schema: &Schema, capabilities: Capabilities) -> Bill {
    let mut keys = Vec::new();
    for (child, table) in schema.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            let parent = schema
                .tables
                .iter()
                .position(|t| t.name == fk.referenced_table)
                .expect("the generator makes no dangling keys");
            if parent != child {
                let price = if fk.is_nullable_in(table) {
                    Price::NullThenUpdate
                } else if fk.deferrable.is_deferrable() {
                    Price::Deferred
                } else if capabilities.session_switch {
                    Price::SessionSwitch
                } else {
                    Price::Unbreakable
                };
                keys.push((parent, child, price));
            }
        }
    }
    (0u32..1 << keys.len())
        .filter_map(|mask| {
            let edges: Vec<(usize, usize)> = keys
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) == 0)
                .map(|(_, &(p, c, _))| (p, c))
                .collect();
            acyclic(schema, &edges).then(|| {
                keys.iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .fold([0; 4], |bill, (_, &(_, _, price))| add(bill, price))
            })
        })
        .min()
        .expect("breaking every key leaves the schema acyclic")
}

fn bill_of(plan: &Plan) -> Bill {
    let mut bill = [0; 4];
    for cycle in &plan.cycles {
        for b in &cycle.breaks {
            if b.strategy != SelfReference {
                bill = add(bill, Price::of(Some(b.strategy)));
            }
        }
        for _ in &cycle.unbreakable {
            bill = add(bill, Price::of(None));
        }
    }
    bill
}

#[test]
fn random_schemas_get_valid_plans_that_break_the_cheapest_possible_keys() {
    let mut random = Lcg(0x5eed);
    for _ in 0..600 {
        let tables = 2 + random.below(5) as usize;
        let mut specs = Vec::new();
        // At most 11 keys between distinct tables, so the brute force stays small.
        let mut keys = 0;
        for i in 0..tables {
            let mut spec = table(&format!("t{i}"));
            for k in 0..1 + random.below(3) {
                let parent = random.below(tables as u64) as usize;
                if parent != i && keys == 11 {
                    continue;
                }
                keys += usize::from(parent != i);
                let column = format!("k{k}_t{parent}");
                let parent = format!("t{parent}");
                spec = match random.below(4) {
                    0 => spec.nullable_reference(&column, &parent),
                    1 => spec.references(&column, &parent).deferrable(),
                    2 => spec.composite_reference(&[(&column, true), ("id", false)], &parent),
                    _ => spec.references(&column, &parent),
                };
            }
            specs.push(spec);
        }
        let s = schema(specs);
        for capabilities in [NO_SWITCH, SWITCH] {
            let plan = plan_with(&s, capabilities);
            assert_eq!(
                bill_of(&plan),
                cheapest_possible_bill(&s, capabilities),
                "{plan:#?}"
            );
            assert_eq!(
                plan.ensure_feasible().is_ok(),
                unbreakable(&plan).is_empty()
            );
        }
    }
}

#[test]
fn a_large_component_is_planned_quickly_and_completely() {
    // A ring of 120 tables with chords: far beyond the exact search, still planned.
    let n = 120;
    let specs = (0..n).map(|i| {
        let spec =
            table(&format!("t{i:03}")).references("next_id", &format!("t{:03}", (i + 1) % n));
        if i % 7 == 0 {
            spec.nullable_reference("chord_id", &format!("t{:03}", (i + 40) % n))
        } else {
            spec
        }
    });
    let s = schema(specs);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(plan.insert_order.len(), n);
}
