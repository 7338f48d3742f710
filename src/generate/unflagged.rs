//! Tables the spec writes that have no flag column: their generated rows carry no mark, so
//! they can be told from the rows already there only when there were none. What a caller
//! asks of them ([`Unflagged`]) is checked in the transaction, after the plan and before a
//! row is written; when it does not hold, the error gives the `ALTER TABLE` statements that
//! add the flag column, in the backend's syntax.

use super::GenerateError;
use super::plan::GenPlan;
use crate::db::Backend;
use crate::schema::{Schema, Table};
use crate::write::Load;

/// What generation asks of the tables it writes that have no flag column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unflagged {
    /// Nothing: their rows are added to those already there (`fixtura generate`).
    #[default]
    Any,
    /// Empty before generating, so that afterwards their rows are exactly the generated
    /// ones (`ensure` into a copy, which is thrown away afterwards).
    Empty,
    /// Empty, with a primary or unique key (restoring the rows again later recognises those
    /// already there by it) and no foreign key to a table with the flag column (the next
    /// run deletes that table's flagged rows, which these rows would hold in place): `ensure`
    /// into the database itself, run again and again.
    Replaceable,
}

/// Checks `rule` against every table of the plan without the flag column `flag`; refuses
/// with the statements that add the flag column to each of them.
pub(super) async fn check(
    load: &mut Load,
    schema: &Schema,
    plan: &GenPlan,
    flag: &str,
    rule: Unflagged,
) -> Result<(), GenerateError> {
    if rule == Unflagged::Any {
        return Ok(());
    }
    let unflagged: Vec<&Table> = plan
        .tables
        .iter()
        .map(|t| &t.table)
        .filter(|t| t.flag_column.is_none())
        .collect();
    let mut problems = Vec::new();
    for table in &unflagged {
        let display = schema.display_name(&table.name);
        if !load.is_empty(table).await? {
            problems.push(format!("{display} already holds rows"));
        }
        if rule == Unflagged::Replaceable {
            problems.extend(replaceable_problems(schema, table, &display));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(GenerateError::Unflagged {
        flag: flag.to_string(),
        problems,
        statements: unflagged
            .iter()
            .map(|t| add_flag_column(schema, t, flag))
            .collect(),
    })
}

/// Why rows generated into `table` could not be restored again over themselves.
fn replaceable_problems(schema: &Schema, table: &Table, display: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if table.primary_key.is_none() && table.unique.is_empty() {
        problems.push(format!("{display} has no primary or unique key"));
    }
    for fk in &table.foreign_keys {
        if schema
            .table(&fk.referenced_table)
            .is_some_and(|parent| parent.flag_column.is_some())
        {
            problems.push(format!(
                "{display} references {}, whose flagged rows are replaced each time",
                schema.display_name(&fk.referenced_table)
            ));
        }
    }
    problems
}

/// `ALTER TABLE … ADD COLUMN flag boolean NOT NULL DEFAULT false` for `table`, named as in
/// its own database (unqualified in the default schema, so it fits the database the user
/// runs it on, not a copy of it).
fn add_flag_column(schema: &Schema, table: &Table, flag: &str) -> String {
    let backend: Backend = schema.backend;
    let name = if table.name.schema == schema.default_schema {
        backend.quote_ident(&table.name.name)
    } else {
        backend.quote_table(&table.name)
    };
    format!(
        "ALTER TABLE {name} ADD COLUMN {} boolean NOT NULL DEFAULT false;",
        backend.quote_ident(flag)
    )
}
