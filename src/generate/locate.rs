//! Where a value the server refused came from: the spec entry of the column the server
//! names (`Key (code)=(100) already exists` → `columns.code` at `spec.toml:4`), so the
//! message of a failed generation points at the line to change.

use super::GenerateError;
use super::plan::{GenPlan, TablePlan};
use super::spec::{Spec, TableSpec};
use crate::db::{DbError, ServerError};
use crate::schema::{Schema, Table};
use crate::write::WriteError;

/// `err`, when the server refused a row of `table`, with the spec entry that made the
/// failing column (or the table's section, when the column has none or the server names no
/// column) added to what was running.
pub(super) fn locate(
    err: GenerateError,
    spec: &Spec,
    schema: &Schema,
    table: &TablePlan,
) -> GenerateError {
    let note = |db: &DbError| {
        let server = db.server().filter(|s| s.code().is_some())?;
        let table_spec = spec.tables.iter().find(|t| {
            schema
                .resolve(&t.name)
                .is_some_and(|r| r.name == table.table.name)
        })?;
        Some(spec_note(
            spec,
            table_spec,
            &failing_columns(server, &table.table),
        ))
    };
    match err {
        GenerateError::Write(WriteError::Database(db)) => match note(&db) {
            Some(note) => GenerateError::Write(WriteError::Database(db.with_note(&note))),
            None => GenerateError::Write(WriteError::Database(db)),
        },
        GenerateError::Database(db) => match note(&db) {
            Some(note) => GenerateError::Database(db.with_note(&note)),
            None => GenerateError::Database(db),
        },
        other => other,
    }
}

/// `err`, when the server refused a row of a table it names (PostgreSQL, at the deferred
/// keys' update or at commit), located as [`locate`] does.
pub(super) fn locate_named(
    err: GenerateError,
    spec: &Spec,
    schema: &Schema,
    plan: &GenPlan,
) -> GenerateError {
    let named = match &err {
        GenerateError::Write(WriteError::Database(db)) | GenerateError::Database(db) => {
            db.server().and_then(ServerError::table)
        }
        _ => None,
    };
    match named.and_then(|n| plan.tables.iter().find(|t| t.table.name.to_string() == n)) {
        Some(table) => locate(err, spec, schema, table),
        None => err,
    }
}

/// The columns of `table` the server's error is about: those it names, else those of the
/// key or constraint it names (MySQL names a unique key, not its columns).
fn failing_columns(server: &ServerError, table: &Table) -> Vec<String> {
    let named: Vec<String> = server
        .columns()
        .into_iter()
        .filter(|c| table.column(c).is_some())
        .collect();
    if !named.is_empty() {
        return named;
    }
    let Some(constraint) = server.constraint() else {
        return Vec::new();
    };
    let mut keys = table.primary_key.iter().chain(&table.unique);
    if let Some(key) = keys.find(|k| k.name == constraint) {
        return key.columns.clone();
    }
    table
        .foreign_keys
        .iter()
        .find(|fk| fk.name == constraint)
        .map(|fk| fk.columns.clone())
        .unwrap_or_default()
}

/// `column "code" made by spec.toml:4, tables.offices.columns.code`, or the table's section
/// when no failing column has an entry.
fn spec_note(spec: &Spec, table: &TableSpec, columns: &[String]) -> String {
    let entry = columns
        .iter()
        .find_map(|c| table.columns.iter().find(|e| &e.name == c));
    if let Some(entry) = entry {
        return format!(
            "column \"{}\" made by {}:{}, tables.{}.columns.{}",
            entry.name, spec.file, entry.line, table.name, entry.name
        );
    }
    let section = format!("{}:{}, tables.{}", spec.file, table.line, table.name);
    match columns {
        [] => format!("rows made by {section}"),
        [column] => format!("column \"{column}\" has no entry in the spec; table at {section}"),
        _ => format!(
            "columns \"{}\" have no entry in the spec; table at {section}",
            columns.join("\", \"")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        let text = "seed = 1\n[tables.offices]\nrows = 3\ncolumns.code = { const = 100 }\n";
        Spec::from_text("spec.toml", text).expect("a valid spec")
    }

    #[test]
    fn a_column_with_an_entry_is_pointed_at_by_its_line() {
        let spec = spec();
        assert_eq!(
            spec_note(&spec, &spec.tables[0], &["code".into()]),
            "column \"code\" made by spec.toml:4, tables.offices.columns.code"
        );
    }

    #[test]
    fn a_column_without_an_entry_points_at_its_table() {
        let spec = spec();
        assert_eq!(
            spec_note(&spec, &spec.tables[0], &["name".into()]),
            "column \"name\" has no entry in the spec; table at spec.toml:2, tables.offices"
        );
        assert_eq!(
            spec_note(&spec, &spec.tables[0], &[]),
            "rows made by spec.toml:2, tables.offices"
        );
    }
}
