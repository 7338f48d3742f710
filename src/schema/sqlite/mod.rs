//! SQLite introspection: the schema `main` into the backend-neutral model.
//!
//! Relations come from `sqlite_schema` joined to `pragma_table_list` (which tells virtual
//! and shadow tables apart); columns, indexes and foreign keys from the PRAGMA table-valued
//! functions (<https://www.sqlite.org/pragma.html#pragfunc>), each called with the table name
//! as a bound parameter and the schema pinned to `main` so a `temp` table of the same name
//! cannot shadow it. What no PRAGMA reports (generated expressions, `DEFERRABLE INITIALLY
//! DEFERRED`, constraint names, `AUTOINCREMENT`, enum-like `CHECK`s) is read from the stored
//! `CREATE TABLE` text by [`super::sqlite_ddl`].
//!
//! This file lists the relations and says which are skipped; `table.rs` reads one table's
//! columns and keys, `foreign_keys.rs` its foreign keys (and points them at their parents
//! once every table is read), `types.rs` classifies a declared type.

mod foreign_keys;
mod table;
mod types;

use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, SqliteConnection};

use super::Result;
use super::{QualifiedName, Schema, SkippedRelation};
use crate::db::Backend;
use crate::db::DbError;

/// The only schema read; `temp` and attached databases are not.
const SCHEMA: &str = "main";

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &SqlitePool) -> Result<Schema> {
    // One read transaction, so every PRAGMA sees the same schema.
    let mut tx = pool
        .begin()
        .await
        .map_err(|e| DbError::query("starting a read transaction", e))?;
    let server_version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::query("reading the SQLite version", e))?;

    let listed = read_relations(&mut tx).await?;
    let virtual_tables: Vec<&str> = listed
        .iter()
        .filter(|r| r.is_virtual())
        .map(|r| r.name.as_str())
        .collect();

    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for relation in &listed {
        let name = QualifiedName::new(SCHEMA, relation.name.clone());
        match skip_reason(relation, &virtual_tables) {
            Some(reason) => skipped.push(SkippedRelation { name, reason }),
            None => tables.push(table::read_table(&mut tx, name, &relation.sql).await?),
        }
    }
    foreign_keys::resolve_references(&mut tables);
    tx.rollback()
        .await
        .map_err(|e| DbError::query("ending the read transaction", e))?;

    Ok(Schema {
        backend: Backend::Sqlite,
        server_version,
        default_schema: SCHEMA.to_string(),
        tables,
        skipped,
    })
}

/// Every table and view of `main` but SQLite's own, by name.
async fn read_relations(conn: &mut SqliteConnection) -> Result<Vec<Relation>> {
    let relations = sqlx::query(
        "SELECT s.type, s.name, s.sql, l.type AS kind \
         FROM sqlite_schema AS s \
         LEFT JOIN pragma_table_list AS l ON l.schema = 'main' AND l.name = s.name \
         WHERE s.type IN ('table', 'view') AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY s.name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| DbError::query("listing tables", e))?;
    let what = || "listing tables".to_string();
    let mut listed = Vec::new();
    for row in &relations {
        let relation = Relation {
            kind: get::<String>(row, "type", what)?,
            name: get(row, "name", what)?,
            sql: get::<Option<String>>(row, "sql", what)?.unwrap_or_default(),
            list_kind: get(row, "kind", what)?,
        };
        listed.push(relation);
    }
    Ok(listed)
}

/// Why a relation is never written, or `None` for a base table; `virtual_tables` names
/// the virtual tables, whose shadow tables are theirs.
fn skip_reason(relation: &Relation, virtual_tables: &[&str]) -> Option<String> {
    if relation.kind == "view" {
        Some("view".to_string())
    } else if relation.is_virtual() {
        Some("virtual table".to_string())
    } else if relation.list_kind.as_deref() == Some("shadow") {
        // A virtual table's storage (`docs_data` of `docs`): written only through it.
        let owner = virtual_tables
            .iter()
            .filter(|v| relation.name.starts_with(&format!("{v}_")))
            .max_by_key(|v| v.len());
        Some(match owner {
            Some(owner) => format!("shadow table of virtual table {SCHEMA}.{owner}"),
            None => "shadow table of a virtual table".to_string(),
        })
    } else {
        None
    }
}

/// A row of `sqlite_schema`, with `pragma_table_list`'s view of it.
struct Relation {
    /// `table` or `view`.
    kind: String,
    name: String,
    /// The `CREATE` statement as written, lightly normalised by SQLite (`IF NOT EXISTS`
    /// and `TEMP` dropped; <https://www.sqlite.org/schematab.html>).
    sql: String,
    /// `table`, `virtual` or `shadow` (SQLite 3.37+).
    list_kind: Option<String>,
}

impl Relation {
    fn is_virtual(&self) -> bool {
        const VIRTUAL: &str = "CREATE VIRTUAL TABLE";
        self.list_kind.as_deref() == Some("virtual")
            || self
                .sql
                .get(..VIRTUAL.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(VIRTUAL))
    }
}

/// Reads one column of a catalog row, naming the step on failure.
fn get<T>(row: &SqliteRow, column: &str, what: impl Fn() -> String) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(|e| DbError::query(what(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_tables_are_recognised_by_their_statement_too() {
        let relation = |sql: &str| Relation {
            kind: "table".into(),
            name: "docs".into(),
            sql: sql.into(),
            list_kind: None,
        };
        assert!(relation("CREATE VIRTUAL TABLE docs USING fts5(body)").is_virtual());
        assert!(!relation("CREATE TABLE docs (body TEXT)").is_virtual());
    }
}
