//! Checking a foreign key set-wise: one anti-join finds the child rows with no parent.
//!
//! The query has the same shape on every backend (only quoting and the cast to text
//! differ, and each backend passes its own): the key's columns all set (MATCH SIMPLE, the
//! default on every backend: a row with any NULL key column references nothing and
//! passes), and no parent row with equal values. A sample query (`LIMIT 1`) runs first, so
//! a key that holds costs one anti-join; only a broken one is counted.

use crate::db::Backend;
use crate::schema::{ForeignKey, Schema, Table};

use super::WriteError;

/// The anti-join's `FROM ... WHERE ...`, with the child aliased `c`.
fn anti_join(backend: Backend, child: &Table, fk: &ForeignKey) -> String {
    let q = |ident: &str| backend.quote_ident(ident);
    let set: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", q(c)))
        .collect();
    let matches: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.referenced_columns)
        .map(|(c, p)| format!("p.{} = c.{}", q(p), q(c)))
        .collect();
    format!(
        "FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
        backend.quote_table(&child.name),
        set.join(" AND "),
        backend.quote_table(&fk.referenced_table),
        matches.join(" AND ")
    )
}

/// Selects one offending row's key columns, each as text by `as_text`.
pub(super) fn sample_sql(
    backend: Backend,
    child: &Table,
    fk: &ForeignKey,
    as_text: fn(&str) -> String,
) -> String {
    let columns: Vec<String> = fk
        .columns
        .iter()
        .map(|c| as_text(&format!("c.{}", backend.quote_ident(c))))
        .collect();
    format!(
        "SELECT {} {} LIMIT 1",
        columns.join(", "),
        anti_join(backend, child, fk)
    )
}

/// Counts the offending rows.
pub(super) fn count_sql(backend: Backend, child: &Table, fk: &ForeignKey) -> String {
    format!("SELECT count(*) {}", anti_join(backend, child, fk))
}

/// The error for a broken key, with one offending row's values (`None` for NULL).
pub(super) fn violation(
    schema: &Schema,
    child: &Table,
    fk: &ForeignKey,
    count: i64,
    sample: &[Option<String>],
) -> WriteError {
    let values: Vec<&str> = sample
        .iter()
        .map(|v| v.as_deref().unwrap_or("NULL"))
        .collect();
    WriteError::ForeignKeyViolation {
        table: schema.display_name(&child.name),
        constraint: fk.name.clone(),
        count: u64::try_from(count).unwrap_or(0),
        example: format!("({})=({})", fk.columns.join(", "), values.join(", ")),
        referenced: format!(
            "{} ({})",
            schema.display_name(&fk.referenced_table),
            fk.referenced_columns.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Deferrable, FkAction, QualifiedName, TableKind};

    fn offices() -> (Table, ForeignKey) {
        let fk = ForeignKey {
            name: "offices_created_by_fkey".into(),
            columns: vec!["created_by".into()],
            referenced_table: QualifiedName::new("public", "staffs"),
            referenced_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
        };
        let table = Table {
            name: QualifiedName::new("public", "offices"),
            kind: TableKind::Table,
            columns: vec![],
            primary_key: None,
            unique: vec![],
            foreign_keys: vec![fk.clone()],
            flag_column: None,
        };
        (table, fk)
    }

    #[test]
    fn the_sample_query_is_an_anti_join_that_skips_null_keys() {
        let (table, fk) = offices();
        let sql = sample_sql(Backend::Postgres, &table, &fk, |c| format!("{c}::text"));
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
}
