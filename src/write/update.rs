//! The bulk `UPDATE`: keys and new values written into a temporary table through the bulk
//! path, then one joined `UPDATE` — never a statement per row.
//!
//! Either at once ([`Load::update`]), or staged now and applied later
//! ([`Load::stage_update`], [`Load::apply_update`]): a restore stages the keys it will fill
//! in afterwards before it inserts a table's rows, so it can first leave out the rows
//! already in the table ([`Load::spare_existing`]), which it does not insert and so must
//! not update either. Each backend spells the statements in its own file (`update_sql`).

use tokio::sync::mpsc::Receiver;

use super::Result;
#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "postgres")]
use super::postgres;
#[cfg(feature = "_sqlite")]
use super::sqlite;
use super::target::{self, Target, TempUpdate, UpdatePlan};
use super::{Load, Session, WriteError};
use crate::schema::Table;
use crate::value::Row;

/// An update whose rows are in a temporary table, waiting for [`Load::apply_update`].
/// Dropped unapplied, its temporary table goes with the load's transaction or connection.
pub(crate) struct StagedUpdate<'a> {
    table: &'a Table,
    plan: UpdatePlan<'a>,
    statements: TempUpdate,
}

impl Load {
    /// Sets `set_columns` on the rows whose `key_columns` match: each row holds the key
    /// values first, then the new values. Done in bulk (a temporary table and one joined
    /// `UPDATE`), not row by row.
    pub(crate) async fn update(
        &mut self,
        table: &Table,
        key_columns: &[String],
        set_columns: &[String],
        rows: Vec<Row>,
    ) -> Result<u64> {
        self.ensure_usable()?;
        let plan = self.update_plan(table, key_columns, set_columns)?;
        plan.target.check_width(&rows)?;
        if rows.is_empty() || set_columns.is_empty() {
            return Ok(0);
        }
        self.touched.record(table);
        let result = async {
            let staged = self
                .stage(table, plan, &mut target::one_batch(rows))
                .await?;
            self.apply(staged).await
        }
        .await;
        self.track(result)
    }

    /// Writes every batch received (each row: the key values, then the new values of
    /// `set_columns`) into a temporary table, to be applied by [`Load::apply_update`].
    pub(crate) async fn stage_update<'a>(
        &mut self,
        table: &'a Table,
        key_columns: &[String],
        set_columns: &[String],
        batches: &mut Receiver<Vec<Row>>,
    ) -> Result<StagedUpdate<'a>> {
        self.ensure_usable()?;
        let plan = self.update_plan(table, key_columns, set_columns)?;
        let result = self.stage(table, plan, batches).await;
        self.track(result)
    }

    /// Leaves out of `staged` the rows whose key is in the table now; returns how many. Run
    /// before inserting rows that may already be there, it keeps the update to the rows the
    /// load inserts.
    pub(crate) async fn spare_existing(&mut self, staged: &mut StagedUpdate<'_>) -> Result<u64> {
        self.ensure_usable()?;
        let what = format!(
            "leaving rows already in {} out of an update",
            staged.plan.target.name
        );
        let result = self.run(staged.statements.spare.clone(), &what).await;
        if let Ok(spared) = result {
            staged.plan.rows = staged.plan.rows.saturating_sub(spared);
        }
        self.track(result)
    }

    /// Runs the staged `UPDATE` and drops its temporary table; returns the rows it matched.
    pub(crate) async fn apply_update(&mut self, staged: StagedUpdate<'_>) -> Result<u64> {
        self.ensure_usable()?;
        self.touched.record(staged.table);
        let result = self.apply(staged).await;
        self.track(result)
    }

    /// The columns of an update checked against the table, and its statements' names.
    fn update_plan<'a>(
        &self,
        table: &'a Table,
        key_columns: &[String],
        set_columns: &[String],
    ) -> Result<UpdatePlan<'a>, WriteError> {
        if key_columns.is_empty() {
            return Err(WriteError::NoColumns {
                table: table.name.clone(),
                what: "an update",
            });
        }
        let target = Target::new(
            self.backend,
            table,
            key_columns.iter().chain(set_columns),
            "an update",
        )?;
        Ok(UpdatePlan {
            target,
            keys: key_columns.len(),
            temp_name: target::temp_name("update"),
            rows: 0,
        })
    }

    /// Creates the temporary table and writes every batch into it.
    async fn stage<'a>(
        &mut self,
        table: &'a Table,
        mut plan: UpdatePlan<'a>,
        batches: &mut Receiver<Vec<Row>>,
    ) -> Result<StagedUpdate<'a>> {
        let statements = match &self.session {
            #[cfg(feature = "postgres")]
            Session::Postgres(_) => postgres::update_sql(&plan),
            #[cfg(feature = "mysql")]
            Session::MySql(_) => mysql::update_sql(&plan),
            #[cfg(feature = "_sqlite")]
            Session::Sqlite(_) => sqlite::update_sql(&plan),
        };
        let what = format!("updating {} in bulk", plan.target.name);
        self.run(statements.create.clone(), &what).await?;
        let into_temp = plan.target.retargeted(statements.temp.clone());
        plan.rows = self.write_target(&into_temp, batches, &mut |_| {}).await?;
        Ok(StagedUpdate {
            table,
            plan,
            statements,
        })
    }

    /// Runs the `UPDATE`, drops the temporary table.
    async fn apply(&mut self, staged: StagedUpdate<'_>) -> Result<u64> {
        let what = format!("updating {} in bulk", staged.plan.target.name);
        let updated = self.run(staged.statements.update, &what).await?;
        self.run(staged.statements.drop, &what).await?;
        Ok(updated)
    }
}
