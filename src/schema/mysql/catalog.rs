//! The MySQL/MariaDB catalog queries: one per `information_schema` table for the whole
//! database, grouped by table here. Each returns plain rows or model pieces; what a
//! column's text means is `columns.rs`'s to say.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::mysql::MySqlPool;

use super::Flavor;
use super::columns::{classify, generated, json_valid_column, normalise_default};
use crate::db::DbError;
use crate::schema::Result;
use crate::schema::{Column, Deferrable, FkAction, ForeignKey, Identity, QualifiedName};

/// Every relation of the database: (name, TABLE_TYPE).
pub(super) async fn read_relations(
    pool: &MySqlPool,
    database: &str,
) -> Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR)
         FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = ?
         ORDER BY TABLE_NAME",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading tables", e))
}

/// One row of information_schema.COLUMNS, as read.
type ColumnRow = (
    String,         // TABLE_NAME
    String,         // COLUMN_NAME
    String,         // COLUMN_TYPE
    Option<String>, // DATA_TYPE
    String,         // IS_NULLABLE
    Option<String>, // COLUMN_DEFAULT
    Option<String>, // EXTRA
    Option<i64>,    // CHARACTER_MAXIMUM_LENGTH
    Option<i64>,    // NUMERIC_PRECISION
    Option<i64>,    // NUMERIC_SCALE
    Option<String>, // GENERATION_EXPRESSION
);

/// Every column of every relation, by table name, in ordinal order.
pub(super) async fn read_columns(
    pool: &MySqlPool,
    database: &str,
    flavor: Flavor,
) -> Result<BTreeMap<String, Vec<Column>>> {
    let rows: Vec<ColumnRow> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR),
                CAST(DATA_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR), CAST(COLUMN_DEFAULT AS CHAR),
                CAST(EXTRA AS CHAR), CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED),
                CAST(NUMERIC_PRECISION AS SIGNED), CAST(NUMERIC_SCALE AS SIGNED),
                CAST(GENERATION_EXPRESSION AS CHAR)
         FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = ?
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading columns", e))?;

    let mut columns: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in rows {
        let (
            table,
            name,
            type_name,
            data_type,
            is_nullable,
            default,
            extra,
            char_length,
            precision,
            scale,
            expression,
        ) = row;
        let data_type = data_type.unwrap_or_default().to_ascii_lowercase();
        let extra = extra.unwrap_or_default().to_ascii_uppercase();
        let column_type = classify(
            &table,
            &name,
            &type_name,
            &data_type,
            char_length,
            precision,
            scale,
        );
        let default = normalise_default(flavor, default.as_deref(), &extra, &column_type);
        let identity = extra
            .contains("AUTO_INCREMENT")
            .then_some(Identity::AutoIncrement);
        let generated = generated(&extra, expression.as_deref());
        columns.entry(table).or_default().push(Column {
            name,
            type_name,
            column_type,
            nullable: is_nullable.eq_ignore_ascii_case("YES"),
            default,
            identity,
            generated,
            sequence: None,
        });
    }
    Ok(columns)
}

/// MariaDB's JSON columns: (table, lower-cased column) for every `CHECK (json_valid(col))`.
/// MySQL 8 has a native `json` type, and its CHECK_CONSTRAINTS (8.0.16+) names no table,
/// so there is nothing to read there.
pub(super) async fn read_json_checks(
    pool: &MySqlPool,
    database: &str,
    flavor: Flavor,
) -> Result<BTreeSet<(String, String)>> {
    if flavor != Flavor::MariaDb {
        return Ok(BTreeSet::new());
    }
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR)
         FROM information_schema.CHECK_CONSTRAINTS
         WHERE CONSTRAINT_SCHEMA = ?",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading check constraints", e))?;
    Ok(rows
        .into_iter()
        .filter_map(|(table, clause)| {
            let column = json_valid_column(clause.as_deref()?)?;
            Some((table, column.to_lowercase()))
        })
        .collect())
}

/// Primary and unique keys: table → key name → columns in key order.
pub(super) async fn read_keys(
    pool: &MySqlPool,
    database: &str,
) -> Result<BTreeMap<String, BTreeMap<String, Vec<String>>>> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR)
         FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading keys", e))?;

    // A functional key part (MySQL 8.0.13+) has no column: such a key says nothing about
    // uniqueness of plain columns, so it is left out whole.
    let mut keys: BTreeMap<String, BTreeMap<String, Option<Vec<String>>>> = BTreeMap::new();
    for (table, index, column) in rows {
        let key = keys
            .entry(table)
            .or_default()
            .entry(index)
            .or_insert_with(|| Some(Vec::new()));
        match (key.as_mut(), column) {
            (Some(columns), Some(column)) => columns.push(column),
            _ => *key = None,
        }
    }
    Ok(keys
        .into_iter()
        .map(|(table, indexes)| {
            let indexes = indexes
                .into_iter()
                .filter_map(|(name, columns)| Some((name, columns?)))
                .collect();
            (table, indexes)
        })
        .collect())
}

/// One row of REFERENTIAL_CONSTRAINTS joined to KEY_COLUMN_USAGE: one key column.
type ForeignKeyRow = (
    String,         // TABLE_NAME
    String,         // CONSTRAINT_NAME
    String,         // COLUMN_NAME
    Option<String>, // REFERENCED_TABLE_SCHEMA
    String,         // REFERENCED_TABLE_NAME
    Option<String>, // REFERENCED_COLUMN_NAME
    String,         // UPDATE_RULE
    String,         // DELETE_RULE
);

/// Foreign keys: table → constraint name → key, columns paired in key order.
pub(super) async fn read_foreign_keys(
    pool: &MySqlPool,
    database: &str,
) -> Result<BTreeMap<String, BTreeMap<String, ForeignKey>>> {
    // Both sides are filtered on the schema so that each catalog only opens this database's
    // tables (the information_schema optimisation of both servers keys on it).
    let rows: Vec<ForeignKeyRow> = sqlx::query_as(
        "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR),
                CAST(k.COLUMN_NAME AS CHAR),
                CAST(COALESCE(k.REFERENCED_TABLE_SCHEMA, r.UNIQUE_CONSTRAINT_SCHEMA) AS CHAR),
                CAST(r.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR),
                CAST(r.UPDATE_RULE AS CHAR), CAST(r.DELETE_RULE AS CHAR)
         FROM information_schema.REFERENTIAL_CONSTRAINTS r
         JOIN information_schema.KEY_COLUMN_USAGE k
           ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA
          AND k.TABLE_NAME = r.TABLE_NAME
          AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME
         WHERE r.CONSTRAINT_SCHEMA = ? AND k.TABLE_SCHEMA = ?
           AND k.REFERENCED_TABLE_NAME IS NOT NULL
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
    )
    .bind(database)
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading foreign keys", e))?;

    let mut foreign_keys: BTreeMap<String, BTreeMap<String, ForeignKey>> = BTreeMap::new();
    for (table, name, column, ref_schema, ref_table, ref_column, on_update, on_delete) in rows {
        let key = foreign_keys
            .entry(table)
            .or_default()
            .entry(name.clone())
            .or_insert_with(|| ForeignKey {
                name,
                columns: Vec::new(),
                referenced_table: QualifiedName::new(
                    ref_schema.unwrap_or_else(|| database.to_string()),
                    ref_table,
                ),
                referenced_columns: Vec::new(),
                on_delete: FkAction::from_sql(&on_delete),
                on_update: FkAction::from_sql(&on_update),
                // MySQL and MariaDB check foreign keys per statement: nothing is deferrable.
                deferrable: Deferrable::NotDeferrable,
                partitions: Vec::new(),
            });
        key.columns.push(column);
        key.referenced_columns.push(ref_column.unwrap_or_default());
    }
    Ok(foreign_keys)
}
