//! One table's plan, step by step: the order the steps run in on a [`TableBuilder`]
//! (`builder.rs`), each step in its own room (`foreign_keys.rs`, `columns.rs`,
//! `uniqueness.rs`, `shared.rs`), and the keys a cycle defers to an UPDATE.

use super::builder::TableBuilder;
use super::error::PlanError;
use super::lookup::Lookup;
use super::model::{Group, TablePlan};
use super::shared;
use super::tables::Resolved;
use crate::generate::spec::Spec;
use crate::graph::{BreakStrategy, Plan};
use crate::schema::Schema;

/// What every table's plan is built from.
pub(super) struct Inputs<'a> {
    pub spec: &'a Spec,
    pub schema: &'a Schema,
    pub order: &'a Plan,
    /// `--fk-checks server`: cycles broken at a nullable key are filled by UPDATE.
    pub server_checks: bool,
    pub resolved: &'a Resolved<'a>,
    /// Every table's row count, by position in `resolved`.
    pub rows: &'a [u64],
}

/// Plans table `own` of `inputs.resolved`, whose `per` group (if any) is `group`.
pub(super) async fn plan_table(
    inputs: &Inputs<'_>,
    own: usize,
    group: Option<Group>,
    lookup: &mut impl Lookup,
) -> Result<TablePlan, PlanError> {
    let (table_spec, table) = inputs.resolved.tables[own];
    let mut builder = TableBuilder {
        spec: inputs.spec,
        schema: inputs.schema,
        table,
        table_spec,
        key: format!("tables.{}", table_spec.name),
        own,
        index: &inputs.resolved.index,
        counts: inputs.rows,
        rows: inputs.rows[own],
        group: group.as_ref(),
        columns: Vec::new(),
        picks: Vec::new(),
    };
    builder.check_named_columns()?;
    // Picks first: a column of a foreign key is sourced from its pick.
    builder.foreign_keys(lookup).await?;
    builder.columns(lookup).await?;
    // Keys sharing columns are linked before uniqueness, which must see who writes them,
    // and checked after it, since uniqueness may change how a follower picks.
    builder.share_columns()?;
    builder.uniqueness()?;
    builder.check_shared()?;
    let deferred = builder.deferred(inputs.order, inputs.server_checks);
    let TableBuilder {
        columns,
        picks,
        rows,
        ..
    } = builder;
    let display = inputs.schema.display_name(&table.name);
    Ok(TablePlan {
        table: table.clone(),
        display,
        rows,
        group,
        columns,
        picks,
        deferred,
    })
}

impl TableBuilder<'_> {
    /// Links the foreign keys that share columns (`shared.rs`): one leads and writes them,
    /// the others pick parents that agree.
    fn share_columns(&mut self) -> Result<(), PlanError> {
        let table_spec = self.table_spec;
        let null_of = |column: &str| {
            table_spec
                .columns
                .iter()
                .find(|c| c.name == column)
                .map_or(0.0, |c| c.null)
        };
        shared::link(self.table, &mut self.picks, &mut self.columns, null_of)
            .map_err(|message| self.refuse(message))
    }

    /// Refuses keys sharing columns whose uniqueness rule cannot be kept.
    fn check_shared(&self) -> Result<(), PlanError> {
        shared::check_modes(self.table, &self.picks).map_err(|message| self.refuse(message))
    }

    /// Picks to write NULL first and fill by UPDATE: cycles broken at a nullable key while
    /// the server checks every key.
    fn deferred(&self, order: &Plan, server_checks: bool) -> Vec<usize> {
        if !server_checks {
            return Vec::new();
        }
        self.picks
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                order
                    .break_for(&self.table.name, &p.constraint)
                    .is_some_and(|b| b.strategy == BreakStrategy::NullThenUpdate)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;
    use crate::value::Value;

    #[test]
    fn a_cycle_broken_at_a_nullable_key_is_filled_afterwards_when_the_server_checks_keys() {
        let spec = "[tables.players]\nrows = 4\n[tables.teams]\nrows = 2\n";
        let plan = plan_with(&league(), spec, &mut FakeDb::default(), 1.0, true).expect("plans");
        let order: Vec<(&str, &[usize])> = plan
            .tables
            .iter()
            .map(|t| (t.display.as_str(), t.deferred.as_slice()))
            .collect();
        assert_eq!(order, [("players", &[0][..]), ("teams", &[][..])]);
        let first_pass = plan.rows(0, 0, 4);
        assert!(
            first_pass.iter().all(|r| r[1] == Value::Null),
            "{first_pass:?}"
        );
        let later = plan.deferred_rows(0, 0, 4);
        assert!(
            later.iter().all(|r| matches!(r[1], Value::Int(1..=2))),
            "{later:?}"
        );
        // With fixtura checking the keys, nothing waits.
        let plan = plan_text(&league(), spec).expect("plans");
        assert!(plan.tables.iter().all(|t| t.deferred.is_empty()));
    }
}
