//! The foreign-key dependency graph: insert order, delete order, and how each cycle is broken.
//!
//! Tables are nodes and foreign keys are edges from the referenced (parent) table to the
//! referencing (child) table, in a petgraph `DiGraph`. Strongly connected components
//! (Tarjan) are the cycles. Inside each cycle fixtura chooses which foreign keys to
//! "break" — satisfy later rather than by ordering — preferring, in this order:
//!
//! 1. a self-reference: rows of the table are ordered parents first (or the column is
//!    filled in a second pass);
//! 2. a foreign key whose columns are all nullable: insert NULL, then `UPDATE` once the
//!    whole component is in;
//! 3. a deferrable constraint: `SET CONSTRAINTS ... DEFERRED`, checked by the server at
//!    commit;
//! 4. the backend's session-scoped switch (`session_replication_role = replica`,
//!    `FOREIGN_KEY_CHECKS = 0`, `PRAGMA defer_foreign_keys`), with fixtura checking the
//!    keys itself before commit;
//!
//! and otherwise reports the cycle as unbreakable, naming the constraint to make
//! deferrable. This module is pure: it needs no database.

use serde::Serialize;

use crate::schema::{QualifiedName, Schema};

/// What the target session may do, which decides whether strategy 4 is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The session may switch foreign-key checks off for itself (PostgreSQL: superuser or
    /// `SET` privilege on `session_replication_role`; always on MySQL and SQLite).
    pub session_switch: bool,
}

/// A cycle that nothing can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error(
        "foreign-key cycle {cycle} cannot be broken: constraint \"{constraint}\" on {table} is NOT NULL \
         and not deferrable, and this session cannot switch foreign-key checks off; \
         make it DEFERRABLE (ALTER TABLE ... ALTER CONSTRAINT \"{constraint}\" DEFERRABLE) \
         or let one of its columns accept NULL"
    )]
    UnbreakableCycle {
        /// The cycle, e.g. `a → b → a`.
        cycle: String,
        constraint: String,
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
    pub columns: Vec<String>,
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
    pub foreign_key: FkRef,
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
    pub fn ensure_feasible(&self) -> Result<(), GraphError> {
        todo!()
    }

    /// The break chosen for a foreign key, if the plan breaks it.
    pub fn break_for(&self, table: &QualifiedName, constraint: &str) -> Option<&CycleBreak> {
        let _ = (table, constraint);
        todo!()
    }
}

/// The foreign-key graph of a schema.
pub struct DependencyGraph<'a> {
    schema: &'a Schema,
}

impl<'a> DependencyGraph<'a> {
    /// Builds the graph of every table in `schema`.
    pub fn new(schema: &'a Schema) -> Self {
        DependencyGraph { schema }
    }

    /// Computes insert and delete order, the cycles and how each is broken.
    pub fn plan(&self, capabilities: Capabilities) -> Plan {
        let _ = (self.schema, capabilities);
        todo!()
    }
}
