//! Checking foreign keys set-wise, with one query over all rows rather than row by row:
//!
//! - violations: an anti-join finds the child rows with no parent: the key's columns all
//!   set (MATCH SIMPLE, the default on every backend: a row with any NULL key column
//!   references nothing and passes), and no parent row with equal values;
//! - before flagged rows are deleted: a semi-join finds the unflagged child rows that
//!   reference a flagged parent, which the deletion would orphan.
//!
//! The queries have the same shape on every backend; quoting, the cast to text and the
//! test of a flag come from the backend's [`Dialect`]. A sample query (`LIMIT 1`) runs
//! first, so a check that passes costs one join; only rows that fail it are counted.

use super::dialect::Dialect;
use super::{Result, WriteError};
use crate::db::session::{Conn, Driver};
use crate::schema::{ForeignKey, Schema, Table};

/// The two queries of a check: one failing row's key columns, each as text, and how many
/// rows fail.
pub(super) struct Probe {
    pub sample: String,
    pub count: String,
    /// Columns the sample selects.
    pub width: usize,
}

impl Probe {
    /// `from` is the `FROM ... WHERE ...` of the failing rows, the child aliased `c`;
    /// `key` the child's columns the sample shows.
    fn new(dialect: &Dialect, key: &[String], from: String) -> Probe {
        let columns: Vec<String> = key
            .iter()
            .map(|c| (dialect.as_text)(&format!("c.{}", dialect.backend.quote_ident(c))))
            .collect();
        Probe {
            sample: format!("SELECT {} {from} LIMIT 1", columns.join(", ")),
            count: format!("SELECT count(*) {from}"),
            width: key.len(),
        }
    }
}

/// Runs the probe's sample query on `conn` and, only when it finds a row, its count: a
/// check that passes costs one query. `None` when nothing was found, else the count and
/// the sample's values (`None` for NULL).
pub(super) async fn run<DB: Driver>(
    conn: &mut Conn<DB>,
    probe: Probe,
    what: &str,
) -> Result<Option<(i64, Vec<Option<String>>)>> {
    let Some(row) = conn.fetch_optional(probe.sample, what).await? else {
        return Ok(None);
    };
    let values = (0..probe.width)
        .map(|i| DB::text(&row, i).unwrap_or_else(|_| Some("?".into())))
        .collect();
    let count = conn.fetch_int(probe.count, what).await?.unwrap_or(0);
    Ok(Some((count, values)))
}

/// `p.r = c.f AND ...`: the parent row (`p`) a child row (`c`) references through `fk`.
fn parent_matches(dialect: &Dialect, fk: &ForeignKey) -> String {
    let q = |ident: &str| dialect.backend.quote_ident(ident);
    let matches: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.referenced_columns)
        .map(|(c, p)| format!("p.{} = c.{}", q(p), q(c)))
        .collect();
    matches.join(" AND ")
}

/// The rows of `child` that break `fk`, sampled by the key's own columns.
pub(super) fn violations(dialect: &Dialect, child: &Table, fk: &ForeignKey) -> Probe {
    let backend = dialect.backend;
    let set: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", backend.quote_ident(c)))
        .collect();
    let from = format!(
        "FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
        backend.quote_table(&child.name),
        set.join(" AND "),
        backend.quote_table(&fk.referenced_table),
        parent_matches(dialect, fk)
    );
    Probe::new(dialect, &fk.columns, from)
}

/// The rows of `child` whose `flag` is not set that reference, through `fk`, a parent row
/// whose `flag` is set; sampled by `key`.
/// With `child_flagged` false every referencing row counts: its rows are not cleaned (the
/// table has no flag column, or is not part of the snapshot), so none may point at a
/// flagged row that will be.
pub(super) fn referencing_flagged(
    dialect: &Dialect,
    child: &Table,
    fk: &ForeignKey,
    key: &[String],
    flag: &str,
    child_flagged: bool,
) -> Probe {
    let backend = dialect.backend;
    let flag = backend.quote_ident(flag);
    let from = format!(
        "FROM {} c WHERE {} AND EXISTS (SELECT 1 FROM {} p WHERE {} AND {})",
        backend.quote_table(&child.name),
        if child_flagged {
            (dialect.flag_is_unset)(&format!("c.{flag}"))
        } else {
            "1 = 1".to_string()
        },
        backend.quote_table(&fk.referenced_table),
        (dialect.flag_is_set)(&format!("p.{flag}")),
        parent_matches(dialect, fk)
    );
    Probe::new(dialect, key, from)
}

/// The rows of `child` that reference, through `fk`, a row of its parent table (which is
/// about to be emptied); sampled by `key`.
pub(super) fn referencing(
    dialect: &Dialect,
    child: &Table,
    fk: &ForeignKey,
    key: &[String],
) -> Probe {
    let backend = dialect.backend;
    let from = format!(
        "FROM {} c WHERE EXISTS (SELECT 1 FROM {} p WHERE {})",
        backend.quote_table(&child.name),
        backend.quote_table(&fk.referenced_table),
        parent_matches(dialect, fk)
    );
    Probe::new(dialect, key, from)
}

/// The error for a broken key, with one offending row's values (`None` for NULL).
pub(super) fn violation(
    schema: &Schema,
    child: &Table,
    fk: &ForeignKey,
    count: i64,
    sample: &[Option<String>],
) -> WriteError {
    WriteError::ForeignKeyViolation {
        table: schema.display_name(&child.name),
        constraint: fk.name.clone(),
        count: u64::try_from(count).unwrap_or(0),
        example: key_text(&fk.columns, sample),
        referenced: format!(
            "{} ({})",
            schema.display_name(&fk.referenced_table),
            fk.referenced_columns.join(", ")
        ),
    }
}

/// A key as messages show it: `(id)=(42)`, NULL for a missing value.
pub(super) fn key_text(columns: &[String], values: &[Option<String>]) -> String {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.as_deref().unwrap_or("NULL"))
        .collect();
    format!("({})=({})", columns.join(", "), values.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Backend;
    use crate::schema::{Deferrable, FkAction, QualifiedName, TableKind};
    use crate::write::postgres;

    fn offices() -> (Table, ForeignKey) {
        let fk = ForeignKey {
            name: "offices_created_by_fkey".into(),
            columns: vec!["created_by".into()],
            referenced_table: QualifiedName::new("public", "staffs"),
            referenced_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
            partitions: Vec::new(),
        };
        let table = Table {
            name: QualifiedName::new("public", "offices"),
            kind: TableKind::Table,
            columns: vec![],
            primary_key: None,
            unique: vec![],
            foreign_keys: vec![fk.clone()],
            flag_column: None,
            triggers: Vec::new(),
            engine: None,
            transactional: true,
        };
        (table, fk)
    }

    #[test]
    fn the_sample_query_is_an_anti_join_that_skips_null_keys() {
        let (table, fk) = offices();
        let sql = violations(&postgres::DIALECT, &table, &fk).sample;
        assert_eq!(
            sql,
            "SELECT c.\"created_by\"::text FROM \"public\".\"offices\" c \
             WHERE c.\"created_by\" IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM \"public\".\"staffs\" p WHERE p.\"id\" = c.\"created_by\") LIMIT 1"
        );
    }

    #[test]
    fn the_message_names_the_constraint_the_count_and_an_example() {
        let (table, fk) = offices();
        let schema = Schema {
            backend: Backend::Postgres,
            server_version: String::new(),
            default_schema: "public".into(),
            tables: vec![table.clone()],
            skipped: vec![],
        };
        let err = violation(&schema, &table, &fk, 3, &[Some("42".into())]);
        assert_eq!(
            err.to_string(),
            "foreign key \"offices_created_by_fkey\" on offices is violated by 3 rows, \
             e.g. (created_by)=(42) has no match in staffs (id)"
        );
        let err = violation(&schema, &table, &fk, 1, &[Some("7".into())]);
        assert!(err.to_string().contains("by 1 row,"), "{err}");
    }

    #[test]
    fn keys_read_as_column_value_pairs() {
        let columns = ["a".to_string(), "b".to_string()];
        assert_eq!(
            key_text(&columns, &[Some("1".into()), None]),
            "(a, b)=(1, NULL)"
        );
    }

    #[test]
    fn referencing_rows_are_unflagged_children_of_flagged_parents() {
        let (table, fk) = offices();
        let probe = referencing_flagged(
            &postgres::DIALECT,
            &table,
            &fk,
            &["id".into()],
            "is_test_data",
            true,
        );
        let from = "FROM \"public\".\"offices\" c WHERE c.\"is_test_data\" IS NOT TRUE AND EXISTS \
             (SELECT 1 FROM \"public\".\"staffs\" p WHERE p.\"is_test_data\" IS TRUE \
             AND p.\"id\" = c.\"created_by\")";
        assert_eq!(
            probe.sample,
            format!("SELECT c.\"id\"::text {from} LIMIT 1")
        );
        assert_eq!(probe.count, format!("SELECT count(*) {from}"));
        assert_eq!(probe.width, 1);
    }
}
