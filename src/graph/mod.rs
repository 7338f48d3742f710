//! The foreign-key dependency graph: insert order, delete order, and how each cycle is broken.
//!
//! Tables are nodes and foreign keys are edges from the referenced (parent) table to the
//! referencing (child) table, one edge per key, in a petgraph `DiGraph`. Keys whose
//! referenced table is not in the schema are listed as dangling and impose no order.
//! Strongly connected components (Tarjan) of more than one table, and tables referencing
//! themselves, are the cycles. Inside each cycle fixtura chooses which foreign keys to
//! "break" — satisfy later rather than by ordering — preferring, in this order:
//!
//! 1. a self-reference: rows of the table are ordered parents first (or the column is
//!    filled in a second pass); these are always broken;
//! 2. a foreign key whose columns are all nullable: insert NULL, then `UPDATE` once the
//!    whole component is in;
//! 3. a deferrable constraint: `SET CONSTRAINTS ... DEFERRED`, checked by the server at
//!    commit;
//! 4. the backend's session-scoped switch (`session_replication_role = replica`,
//!    `FOREIGN_KEY_CHECKS = 0`, `PRAGMA defer_foreign_keys`), with fixtura checking the
//!    keys itself before commit;
//!
//! and otherwise reports the cycle as unbreakable, naming the constraint to make
//! deferrable. The set of keys broken in a component is the cheapest one found: one key of
//! a dearer kind costs more than any number of cheaper ones, and among equal costs fewer
//! keys win. A greedy pass (break the cheapest key of a shortest cycle, repeat, then give
//! back the breaks that turn out needless) gives a first answer, and a bounded branch and
//! bound improves on it; ties always go to the smaller child table, then constraint name,
//! so the same schema always gets the same plan. Tables are then ordered by Kahn's
//! algorithm over the remaining keys, the smallest name first among the ready ones.
//!
//! This module is pure: it needs no database.

use std::collections::{BTreeSet, HashMap};

use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use self::breaks::{Arc, Component, Price};
pub use crate::db::Capabilities;
use crate::db::{Backend, QualifiedName};
use crate::schema::{ForeignKey, Schema, Table};

/// A cycle that nothing can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// A cycle whose keys are NOT NULL and not deferrable, with no session switch.
    #[error(
        "foreign-key cycle {cycle} cannot be broken: constraint \"{constraint}\" on {table} is NOT NULL \
         and not deferrable, and this session cannot switch foreign-key checks off; \
         make it DEFERRABLE (ALTER TABLE ... ALTER CONSTRAINT \"{constraint}\" DEFERRABLE) \
         or let one of its columns accept NULL"
    )]
    UnbreakableCycle {
        /// The cycle, e.g. `a → b → a`.
        cycle: String,
        /// The constraint to make deferrable.
        constraint: String,
        /// The table it is declared on.
        table: String,
    },
}

/// One foreign key, named so a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FkRef {
    /// The referencing (child) table.
    pub table: QualifiedName,
    /// The constraint name.
    pub constraint: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// The table it references.
    pub referenced_table: QualifiedName,
}

/// How a foreign key inside a cycle is satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakStrategy {
    /// A table referencing itself: parent rows first, or a second pass for the column.
    SelfReference,
    /// Insert NULL, then UPDATE once every table of the cycle is in.
    NullThenUpdate,
    /// `SET CONSTRAINTS ... DEFERRED`: the server checks the key at commit.
    Deferred,
    /// The session-scoped switch; fixtura checks the key itself before commit.
    SessionSwitch,
}

/// A foreign key the plan breaks, with how and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleBreak {
    /// The key.
    pub foreign_key: FkRef,
    /// How it is satisfied.
    pub strategy: BreakStrategy,
    /// One sentence for a person, e.g. "staffs.office_id accepts NULL: insert NULL, then
    /// UPDATE after offices is loaded".
    pub reason: String,
}

/// A strongly connected component of more than one table, or a table referencing itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cycle {
    /// Member tables, sorted by name.
    pub tables: Vec<QualifiedName>,
    /// The foreign keys broken to make the component acyclic, in a deterministic order.
    pub breaks: Vec<CycleBreak>,
    /// Foreign keys that must be broken but cannot be (NOT NULL, not deferrable, no
    /// session switch). Empty when the cycle is handled.
    pub unbreakable: Vec<FkRef>,
}

/// The order in which to write and delete tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Every table, parents before children once the broken edges are set aside;
    /// ties broken by name so the order is stable.
    pub insert_order: Vec<QualifiedName>,
    /// `insert_order` reversed.
    pub delete_order: Vec<QualifiedName>,
    /// Cycles, ordered by their first table's name.
    pub cycles: Vec<Cycle>,
    /// Foreign keys whose referenced table is not part of the schema (another database,
    /// or a relation fixtura skips); they impose no order.
    pub dangling: Vec<FkRef>,
}

impl Plan {
    /// Fails on the first unbreakable cycle.
    ///
    /// The cycle is written in the direction the keys point (`a → b` reads "a references
    /// b"). A plan keeps only the keys it breaks, not every key of a cycle, so a cycle of
    /// more than two tables shows its ends and elides the tables in between.
    pub(crate) fn check_cycles(&self) -> Result<(), GraphError> {
        let Some((cycle, fk)) = self
            .cycles
            .iter()
            .find_map(|cycle| cycle.unbreakable.first().map(|fk| (cycle, fk)))
        else {
            return Ok(());
        };
        let child = self.display_name(&fk.table);
        let parent = self.display_name(&fk.referenced_table);
        let path = if cycle.tables.len() <= 2 {
            format!("{child} → {parent} → {child}")
        } else {
            format!("{child} → {parent} → … → {child}")
        };
        Err(GraphError::UnbreakableCycle {
            cycle: path,
            constraint: fk.constraint.clone(),
            table: child,
        })
    }

    /// The break chosen for a foreign key, if the plan breaks it.
    pub fn break_for(&self, table: &QualifiedName, constraint: &str) -> Option<&CycleBreak> {
        self.cycles
            .iter()
            .flat_map(|cycle| &cycle.breaks)
            .find(|b| &b.foreign_key.table == table && b.foreign_key.constraint == constraint)
    }

    /// A plan does not carry its schema's default schema, so a table is named without its
    /// schema when every table of the plan lives in that one schema, and qualified otherwise.
    fn display_name(&self, name: &QualifiedName) -> String {
        if self.insert_order.iter().all(|t| t.schema == name.schema) {
            name.name.clone()
        } else {
            name.to_string()
        }
    }
}

/// The foreign-key graph of a schema.
pub struct DependencyGraph<'a> {
    schema: &'a Schema,
    /// Node `i` is `schema.tables[i]`; one edge per foreign key, parent → child.
    graph: DiGraph<(), FkEdge>,
    /// Foreign keys whose referenced table is not in the schema, sorted.
    dangling: Vec<FkRef>,
}

/// An edge's foreign key: `schema.tables[table].foreign_keys[fk]`.
#[derive(Debug, Clone, Copy)]
struct FkEdge {
    table: usize,
    fk: usize,
}

impl<'a> DependencyGraph<'a> {
    /// Builds the graph of every table in `schema`.
    pub fn new(schema: &'a Schema) -> Self {
        let mut graph = DiGraph::with_capacity(schema.tables.len(), 0);
        let mut by_name = HashMap::new();
        for table in &schema.tables {
            let node = graph.add_node(());
            by_name.entry(&table.name).or_insert(node);
        }
        let mut dangling = Vec::new();
        for (index, table) in schema.tables.iter().enumerate() {
            for (fk_index, fk) in table.foreign_keys.iter().enumerate() {
                match by_name.get(&fk.referenced_table) {
                    Some(&parent) => {
                        let edge = FkEdge {
                            table: index,
                            fk: fk_index,
                        };
                        graph.add_edge(parent, NodeIndex::new(index), edge);
                    }
                    None => dangling.push(fk_ref(table, fk)),
                }
            }
        }
        dangling.sort_by(|a, b| fk_ref_key(a).cmp(&fk_ref_key(b)));
        DependencyGraph {
            schema,
            graph,
            dangling,
        }
    }

    /// Computes insert and delete order, the cycles and how each is broken.
    pub fn plan(&self, capabilities: Capabilities) -> Plan {
        let mut removed = vec![false; self.graph.edge_count()];
        let mut cycles: Vec<Cycle> = tarjan_scc(&self.graph)
            .into_iter()
            .filter_map(|scc| self.break_component(scc, capabilities, &mut removed))
            .collect();
        // Components are disjoint, so comparing the sorted member lists orders cycles by
        // their first table.
        cycles.sort_by(|a, b| a.tables.cmp(&b.tables));
        let insert_order = self.insert_order(&removed);
        let mut delete_order = insert_order.clone();
        delete_order.reverse();
        Plan {
            insert_order,
            delete_order,
            cycles,
            dangling: self.dangling.clone(),
        }
    }

    /// Plans one strongly connected component, marking the edges it breaks in `removed`.
    /// Returns `None` for a single table that does not reference itself.
    fn break_component(
        &self,
        mut members: Vec<NodeIndex>,
        capabilities: Capabilities,
        removed: &mut [bool],
    ) -> Option<Cycle> {
        members.sort_by(|a, b| self.table_name(*a).cmp(self.table_name(*b)).then(a.cmp(b)));
        let local: HashMap<NodeIndex, usize> = members
            .iter()
            .enumerate()
            .map(|(i, &node)| (node, i))
            .collect();

        let mut self_references = Vec::new();
        let mut inner = Vec::new();
        for (from, &node) in members.iter().enumerate() {
            for edge in self.graph.edges_directed(node, Direction::Outgoing) {
                if edge.target() == node {
                    self_references.push(edge.id());
                } else if let Some(&to) = local.get(&edge.target()) {
                    inner.push((edge.id(), from, to));
                }
            }
        }
        if members.len() < 2 && self_references.is_empty() {
            return None;
        }

        // Sorting the candidates by child table then constraint makes every later tie
        // (equal prices, equal bills) fall the same way whatever order the schema lists.
        inner.sort_by(|a, b| self.edge_key(a.0).cmp(&self.edge_key(b.0)));
        let strategies: Vec<Option<BreakStrategy>> = inner
            .iter()
            .map(|&(id, _, _)| self.strategy(id, capabilities))
            .collect();
        let arcs = inner
            .iter()
            .zip(&strategies)
            .map(|(&(_, from, to), &strategy)| Arc {
                from,
                to,
                price: Price::of(strategy),
            })
            .collect();
        let component = Component::new(members.len(), arcs);

        let mut breaks = Vec::new();
        let mut unbreakable = Vec::new();
        for id in self_references {
            removed[id.index()] = true;
            breaks.push(self.cycle_break(id, BreakStrategy::SelfReference));
        }
        for arc in component.choose_breaks() {
            let id = inner[arc].0;
            removed[id.index()] = true;
            match strategies[arc] {
                Some(strategy) => breaks.push(self.cycle_break(id, strategy)),
                None => unbreakable.push(self.edge_fk_ref(id)),
            }
        }
        breaks.sort_by(|a, b| fk_ref_key(&a.foreign_key).cmp(&fk_ref_key(&b.foreign_key)));
        unbreakable.sort_by(|a, b| fk_ref_key(a).cmp(&fk_ref_key(b)));
        Some(Cycle {
            tables: members
                .iter()
                .map(|&n| self.table_name(n).clone())
                .collect(),
            breaks,
            unbreakable,
        })
    }

    /// Kahn's algorithm over the edges that are kept (neither broken nor self-references),
    /// always taking the smallest-named ready table so the order is stable.
    fn insert_order(&self, removed: &[bool]) -> Vec<QualifiedName> {
        let kept = |source: NodeIndex, target: NodeIndex, id: EdgeIndex| {
            source != target && !removed[id.index()]
        };
        let mut waiting = vec![0usize; self.graph.node_count()];
        for edge in self.graph.edge_references() {
            if kept(edge.source(), edge.target(), edge.id()) {
                waiting[edge.target().index()] += 1;
            }
        }
        let mut ready: BTreeSet<(&QualifiedName, usize)> = (0..waiting.len())
            .filter(|&i| waiting[i] == 0)
            .map(|i| (&self.schema.tables[i].name, i))
            .collect();
        let mut order = Vec::with_capacity(waiting.len());
        while let Some((name, index)) = ready.pop_first() {
            order.push(name.clone());
            for edge in self.graph.edges(NodeIndex::new(index)) {
                if kept(edge.source(), edge.target(), edge.id()) {
                    let child = edge.target().index();
                    waiting[child] -= 1;
                    if waiting[child] == 0 {
                        ready.insert((&self.schema.tables[child].name, child));
                    }
                }
            }
        }
        assert_eq!(
            order.len(),
            waiting.len(),
            "BUG: the edges left after breaking every cycle must be acyclic"
        );
        order
    }

    /// How a foreign key between two tables of a cycle can be broken, if at all.
    fn strategy(&self, id: EdgeIndex, capabilities: Capabilities) -> Option<BreakStrategy> {
        let (table, fk) = self.edge_fk(id);
        if fk.is_nullable_in(table) {
            Some(BreakStrategy::NullThenUpdate)
        } else if fk.deferrable.is_deferrable() {
            Some(BreakStrategy::Deferred)
        } else if capabilities.session_switch {
            Some(BreakStrategy::SessionSwitch)
        } else {
            None
        }
    }

    fn cycle_break(&self, id: EdgeIndex, strategy: BreakStrategy) -> CycleBreak {
        let (table, fk) = self.edge_fk(id);
        CycleBreak {
            foreign_key: fk_ref(table, fk),
            strategy,
            reason: self.reason(table, fk, strategy),
        }
    }

    /// One sentence saying why and how the key is satisfied.
    fn reason(&self, table: &Table, fk: &ForeignKey, strategy: BreakStrategy) -> String {
        let name = self.schema.display_name(&table.name);
        let parent = self.schema.display_name(&fk.referenced_table);
        let composite = fk.columns.len() > 1;
        let columns = if composite {
            format!("{name}.({})", fk.columns.join(", "))
        } else {
            format!("{name}.{}", fk.columns.join(""))
        };
        let (accepts_null, not_null, the_column) = if composite {
            ("accept NULL", "has a NOT NULL column", "the columns are")
        } else {
            ("accepts NULL", "is NOT NULL", "the column is")
        };
        match strategy {
            BreakStrategy::SelfReference if fk.is_nullable_in(table) => format!(
                "{columns} references {name} itself and {accepts_null}: rows are ordered \
                 parents first, or {the_column} filled in a second pass"
            ),
            BreakStrategy::SelfReference if fk.deferrable.is_deferrable() => format!(
                "{columns} references {name} itself and {not_null} but the key is deferrable: \
                 rows are ordered parents first and the check is deferred to commit"
            ),
            BreakStrategy::SelfReference => format!(
                "{columns} references {name} itself and {not_null}: rows must be ordered \
                 parents first, and root rows reference themselves"
            ),
            BreakStrategy::NullThenUpdate => {
                format!(
                    "{columns} {accepts_null}: insert NULL, then UPDATE once {parent} is loaded"
                )
            }
            BreakStrategy::Deferred => {
                // PostgreSQL defers DEFERRABLE INITIALLY IMMEDIATE keys with SET CONSTRAINTS
                // (https://www.postgresql.org/docs/current/sql-set-constraints.html).
                let how = match self.schema.backend {
                    Backend::Postgres => " (SET CONSTRAINTS ... DEFERRED)",
                    Backend::MySql | Backend::Sqlite => "",
                };
                format!(
                    "{columns} {not_null} but the key is deferrable: its check is deferred to \
                     commit{how}, after {parent} is loaded"
                )
            }
            BreakStrategy::SessionSwitch => match self.schema.backend {
                // https://www.sqlite.org/pragma.html#pragma_defer_foreign_keys
                Backend::Sqlite => format!(
                    "{columns} {not_null} and the key is not deferrable: the check is deferred \
                     for this session (PRAGMA defer_foreign_keys = ON), and SQLite itself \
                     checks deferred keys at commit"
                ),
                Backend::Postgres | Backend::MySql => {
                    let switch = match self.schema.backend {
                        Backend::Postgres => "session_replication_role = replica",
                        _ => "FOREIGN_KEY_CHECKS = 0",
                    };
                    format!(
                        "{columns} {not_null} and the key is not deferrable: foreign-key checks \
                         are switched off for this session ({switch}), and fixtura checks the \
                         key itself before commit"
                    )
                }
            },
        }
    }

    fn table_name(&self, node: NodeIndex) -> &QualifiedName {
        &self.schema.tables[node.index()].name
    }

    fn edge_fk(&self, id: EdgeIndex) -> (&Table, &ForeignKey) {
        let edge = self.graph[id];
        let table = &self.schema.tables[edge.table];
        (table, &table.foreign_keys[edge.fk])
    }

    fn edge_fk_ref(&self, id: EdgeIndex) -> FkRef {
        let (table, fk) = self.edge_fk(id);
        fk_ref(table, fk)
    }

    /// Child table, then constraint name; the edge index only separates duplicate names.
    fn edge_key(&self, id: EdgeIndex) -> (&QualifiedName, &str, EdgeIndex) {
        let (table, fk) = self.edge_fk(id);
        (&table.name, &fk.name, id)
    }
}

fn fk_ref(table: &Table, fk: &ForeignKey) -> FkRef {
    FkRef {
        table: table.name.clone(),
        constraint: fk.name.clone(),
        columns: fk.columns.clone(),
        referenced_table: fk.referenced_table.clone(),
    }
}

fn fk_ref_key(fk: &FkRef) -> (&QualifiedName, &str) {
    (&fk.table, &fk.constraint)
}

mod breaks;
#[cfg(test)]
mod tests;
