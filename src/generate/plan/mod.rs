//! Resolving a spec against the live schema: row counts, where every written column's
//! values come from, how each foreign key picks its parent rows, and how every primary and
//! unique key is kept free of duplicates. Everything is decided here, before a row is made,
//! so a spec that cannot work fails before anything is written.
//!
//! [`plan`] runs the steps in order, each in a room of its own:
//!
//! | step | room |
//! |---|---|
//! | the spec's tables, found and put in insert order | `tables.rs` |
//! | row counts: `rows` × `--scale`, `per` groups | `counts.rs` |
//! | per table, in insert order, on a `builder.rs`: | `table.rs` |
//! | · one pick per foreign key | `foreign_keys.rs` |
//! | · each column's source, checked against its type | `columns.rs`, `column_types.rs` |
//! | · keys sharing columns: who leads, who follows | `shared.rs` |
//! | · primary and unique keys kept duplicate-free | `uniqueness.rs` |
//! | planned parents' key columns, once every table's columns exist | `foreign_keys.rs`, `counts.rs` |
//! | followers' parents grouped by shared values, leaders' candidates | `shared_groups.rs` |
//!
//! What they produce is the data of `model.rs`; the row engine (`rows.rs`) reads only
//! that, and the steps use the engine to draw per-parent counts and compute parent keys.
//! What the caller provides and gets back besides the plan — the database's answers
//! (`lookup.rs`), the error (`error.rs`) — are leaves like the model, so every import
//! points one way: this driver → `table.rs` → the steps → `builder.rs` and `rows.rs` →
//! `model.rs`.

mod builder;
mod column_types;
mod columns;
mod counts;
mod error;
#[cfg(test)]
mod fake_db;
mod foreign_keys;
mod lookup;
pub(super) mod model;
mod shared;
mod shared_groups;
mod table;
mod tables;
mod uniqueness;

pub(crate) use self::error::PlanError;
pub(crate) use self::lookup::Lookup;
pub(crate) use self::model::{GenPlan, TablePlan};
use self::table::Inputs;
use super::spec::Spec;
use crate::graph::Plan;
use crate::schema::Schema;

/// Options of a plan that are not in the spec.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlanOptions {
    /// Multiplies every `rows = N` (not per-parent counts).
    pub scale: f64,
    /// Keys are checked by the server (no session switch): cycles broken at nullable keys
    /// are filled by UPDATE afterwards.
    pub server_checks: bool,
}

/// Builds the plan for `spec` on `schema`, ordered by `order`.
pub(crate) async fn plan(
    spec: &Spec,
    schema: &Schema,
    order: &Plan,
    options: PlanOptions,
    lookup: &mut impl Lookup,
) -> Result<GenPlan, PlanError> {
    let resolved = tables::resolve(spec, schema, order)?;
    // Counts come first, for every table: a child's picks and keys need its parents' counts.
    let counts::Counts { rows, groups } =
        counts::count(spec, schema, &resolved, options.scale, lookup).await?;
    let inputs = Inputs {
        spec,
        schema,
        order,
        server_checks: options.server_checks,
        resolved: &resolved,
        rows: &rows,
    };
    let mut tables = Vec::with_capacity(rows.len());
    for (k, group) in groups.into_iter().enumerate() {
        tables.push(table::plan_table(&inputs, k, group, lookup).await?);
    }
    // A parent's key columns are known only once its own columns are planned; a parent in
    // a cycle may be planned after its child.
    foreign_keys::find_parent_columns(&mut tables, &resolved, spec)?;
    counts::find_group_columns(&mut tables);
    let mut plan = GenPlan {
        locale: spec.locale,
        tables,
    };
    // Parent keys can be computed now (parents first): group the followers' parents.
    shared_groups::group_all(&mut plan, &resolved, spec)?;
    Ok(plan)
}
