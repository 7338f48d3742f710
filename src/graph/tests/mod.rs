//! Unit tests of the dependency graph: orders, cycles, and the choice of breaks.
//!
//! This file holds what every test shares — a small schema builder, planning with the
//! checks every plan must pass, and readers of plans; the tests are by topic in the files
//! below.

mod composite_keys;
mod cycle_breaks;
mod orders;
mod overlapping_cycles;
mod self_references;
mod unbreakable;
mod whole_plan;

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
        triggers: Vec::new(),
        engine: None,
        transactional: true,
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
        sequence: None,
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
            partitions: Vec::new(),
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
            plan.check_cycles(),
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
