//! MySQL and MariaDB introspection, from `information_schema`.
//!
//! One query per catalog (tables, columns, keys, foreign keys, and on MariaDB the check
//! constraints behind its JSON alias), grouped by table in Rust, so the cost does not grow
//! with the number of tables. Every text column is `CAST(... AS CHAR)`: MySQL 8 reports
//! several catalog columns as `varbinary`/`longtext`, which would otherwise not decode as
//! strings; every number is `CAST(... AS SIGNED)` for the same reason. Columns are read by
//! position, since MySQL 8 upper-cases the names of catalog columns.
//!
//! The two servers differ in a few places, handled by [`Flavor`]:
//!
//! - MariaDB's `JSON` is an alias of `LONGTEXT` with a `CHECK (json_valid(col))` constraint
//!   (<https://mariadb.com/kb/en/json-data-type/>); MySQL 8 has a native `json` type.
//! - MariaDB (since 10.2.7) quotes literal defaults and reports `DEFAULT NULL` as the text
//!   `NULL`; MySQL 8 reports literals unquoted and marks expressions `DEFAULT_GENERATED`
//!   (<https://mariadb.com/kb/en/information-schema-columns-table/>,
//!   <https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html>).
//!   Both are normalised to MariaDB's form: a SQL expression, `None` for no default.
//!
//! This file asks the server who it is and assembles the tables; `catalog.rs` holds the
//! queries, `columns.rs` reads what the catalogs' text says of a column (its type, its
//! default, whether it is generated).

mod catalog;
mod columns;

use std::collections::{BTreeMap, BTreeSet};

use sqlx::mysql::MySqlPool;

use super::Result;
use super::{
    Column, ColumnType, ForeignKey, Key, QualifiedName, Schema, SkippedRelation, Table, TableKind,
};
use crate::db::Backend;
use crate::db::DbError;

/// Which server speaks the MySQL protocol: their catalogs differ in detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    MySql,
    MariaDb,
}

impl Flavor {
    /// MariaDB puts its name in `VERSION()` (`10.11.6-MariaDB-0+deb12u1`); MySQL never does.
    fn from_version(version: &str) -> Flavor {
        if version.to_ascii_lowercase().contains("mariadb") {
            Flavor::MariaDb
        } else {
            Flavor::MySql
        }
    }
}

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &MySqlPool) -> Result<Schema> {
    let (database, server_version) = database_and_version(pool).await?;
    let flavor = Flavor::from_version(&server_version);

    let (relations, mut columns, json_columns, mut keys, mut foreign_keys) = tokio::try_join!(
        catalog::read_relations(pool, &database),
        catalog::read_columns(pool, &database, flavor),
        catalog::read_json_checks(pool, &database, flavor),
        catalog::read_keys(pool, &database),
        catalog::read_foreign_keys(pool, &database),
    )?;

    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for (name, table_type) in relations {
        let qualified = QualifiedName::new(database.as_str(), name.as_str());
        match table_type.as_str() {
            // MariaDB reports system-versioned tables apart; they are written like any other
            // (their period columns are hidden from information_schema).
            "BASE TABLE" | "SYSTEM VERSIONED" => {}
            other => {
                skipped.push(SkippedRelation {
                    name: qualified,
                    reason: skip_reason(other),
                });
                continue;
            }
        }
        let mut table_columns = columns.remove(&name).unwrap_or_default();
        mark_json_columns(&name, &mut table_columns, &json_columns);
        tables.push(table(
            qualified,
            table_columns,
            keys.remove(&name).unwrap_or_default(),
            foreign_keys.remove(&name).unwrap_or_default(),
        ));
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    skipped.sort_by(|a, b| a.name.cmp(&b.name));

    Ok(Schema {
        backend: Backend::MySql,
        server_version,
        default_schema: database,
        tables,
        skipped,
    })
}

/// The database the connection uses, and the server's version string.
async fn database_and_version(pool: &MySqlPool) -> Result<(String, String)> {
    let (database, server_version): (Option<String>, String) =
        sqlx::query_as("SELECT CAST(DATABASE() AS CHAR), CAST(VERSION() AS CHAR)")
            .fetch_one(pool)
            .await
            .map_err(|e| DbError::query("reading the server version", e))?;
    let database = database.ok_or_else(|| {
        DbError::Unsupported(
            "no database selected: name one in the URL, e.g. mysql://root@127.0.0.1:3306/test"
                .to_string(),
        )
    })?;
    Ok((database, server_version))
}

/// MariaDB's JSON is `LONGTEXT` with a `json_valid` check: such text columns of `table`
/// become [`ColumnType::Json`].
fn mark_json_columns(
    table: &str,
    columns: &mut [Column],
    json_columns: &BTreeSet<(String, String)>,
) {
    for column in columns {
        if json_columns.contains(&(table.to_string(), column.name.to_lowercase()))
            && matches!(column.column_type, ColumnType::Text { .. })
        {
            column.column_type = ColumnType::Json;
        }
    }
}

/// A base table from its columns, its unique keys (by name, `PRIMARY` among them) and its
/// foreign keys (by name).
fn table(
    name: QualifiedName,
    columns: Vec<Column>,
    mut keys: BTreeMap<String, Vec<String>>,
    foreign_keys: BTreeMap<String, ForeignKey>,
) -> Table {
    let primary_key = keys.remove("PRIMARY").map(|columns| Key {
        name: "PRIMARY".to_string(),
        columns,
    });
    // BTreeMap iteration yields the keys and foreign keys sorted by name.
    let unique = keys
        .into_iter()
        .map(|(name, columns)| Key { name, columns })
        .collect();
    Table {
        name,
        kind: TableKind::Table,
        columns,
        primary_key,
        unique,
        foreign_keys: foreign_keys.into_values().collect(),
        flag_column: None,
        triggers: Vec::new(),
        engine: None,
        transactional: true,
    }
}

/// Why a relation that is not a base table is never written.
fn skip_reason(table_type: &str) -> String {
    match table_type {
        "VIEW" | "SYSTEM VIEW" => "view".to_string(),
        "SEQUENCE" => "sequence".to_string(),
        "TEMPORARY" => "temporary table".to_string(),
        other => other.to_ascii_lowercase(),
    }
}
