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

use std::collections::{BTreeMap, BTreeSet};

use sqlx::mysql::MySqlPool;

use super::{
    Column, ColumnType, Deferrable, FkAction, ForeignKey, Generated, Identity, Key, QualifiedName,
    Schema, SkippedRelation, Table, TableKind,
};
use crate::db::Backend;
use crate::error::{Error, Result};

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
    let (database, server_version): (Option<String>, String) =
        sqlx::query_as("SELECT CAST(DATABASE() AS CHAR), CAST(VERSION() AS CHAR)")
            .fetch_one(pool)
            .await
            .map_err(|e| Error::query("reading the server version", e))?;
    let database = database.ok_or_else(|| {
        Error::Unsupported(
            "no database selected: name one in the URL, e.g. mysql://root@127.0.0.1:3306/test"
                .to_string(),
        )
    })?;
    let flavor = Flavor::from_version(&server_version);

    let (relations, mut columns, json_columns, mut keys, mut foreign_keys) = tokio::try_join!(
        read_relations(pool, &database),
        read_columns(pool, &database, flavor),
        read_json_checks(pool, &database, flavor),
        read_keys(pool, &database),
        read_foreign_keys(pool, &database),
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
        for column in &mut table_columns {
            if json_columns.contains(&(name.clone(), column.name.to_lowercase()))
                && matches!(column.column_type, ColumnType::Text { .. })
            {
                column.column_type = ColumnType::Json;
            }
        }
        let mut table_keys = keys.remove(&name).unwrap_or_default();
        let primary_key = table_keys.remove("PRIMARY").map(|columns| Key {
            name: "PRIMARY".to_string(),
            columns,
        });
        // BTreeMap iteration yields the keys and foreign keys sorted by name.
        let unique = table_keys
            .into_iter()
            .map(|(name, columns)| Key { name, columns })
            .collect();
        let table_foreign_keys = foreign_keys
            .remove(&name)
            .unwrap_or_default()
            .into_values()
            .collect();
        tables.push(Table {
            name: qualified,
            kind: TableKind::Table,
            columns: table_columns,
            primary_key,
            unique,
            foreign_keys: table_foreign_keys,
            flag_column: None,
        });
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

/// Why a relation that is not a base table is never written.
fn skip_reason(table_type: &str) -> String {
    match table_type {
        "VIEW" | "SYSTEM VIEW" => "view".to_string(),
        "SEQUENCE" => "sequence".to_string(),
        "TEMPORARY" => "temporary table".to_string(),
        other => other.to_ascii_lowercase(),
    }
}

/// Every relation of the database: (name, TABLE_TYPE).
async fn read_relations(pool: &MySqlPool, database: &str) -> Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR)
         FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = ?
         ORDER BY TABLE_NAME",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| Error::query("reading tables", e))
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
async fn read_columns(
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
    .map_err(|e| Error::query("reading columns", e))?;

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
        });
    }
    Ok(columns)
}

/// A generated column, from EXTRA (`VIRTUAL GENERATED`, `STORED GENERATED`; MariaDB before
/// 10.2 said `PERSISTENT`). MySQL's `DEFAULT_GENERATED` marks an expression default, not a
/// generated column, so the words are matched whole.
fn generated(extra: &str, expression: Option<&str>) -> Option<Generated> {
    let stored = if extra.contains("STORED GENERATED") || extra.contains("PERSISTENT GENERATED") {
        true
    } else if extra.contains("VIRTUAL GENERATED") {
        false
    } else {
        return None;
    };
    Some(Generated {
        stored,
        expression: expression.unwrap_or_default().to_string(),
    })
}

/// The default as a SQL expression, or `None` when the column has none (or `DEFAULT NULL`).
fn normalise_default(
    flavor: Flavor,
    default: Option<&str>,
    extra: &str,
    column_type: &ColumnType,
) -> Option<String> {
    let default = default?;
    match flavor {
        // MariaDB quotes every literal, so an unquoted NULL is the NULL default.
        Flavor::MariaDb if default.eq_ignore_ascii_case("NULL") => None,
        Flavor::MariaDb => Some(default.to_string()),
        // MySQL 8 reports `DEFAULT NULL` as SQL NULL, expressions marked DEFAULT_GENERATED,
        // and literals bare: quote the non-numeric ones so both servers read alike.
        Flavor::MySql if extra.contains("DEFAULT_GENERATED") => Some(default.to_string()),
        Flavor::MySql => match column_type {
            ColumnType::Boolean
            | ColumnType::Integer { .. }
            | ColumnType::Float { .. }
            | ColumnType::Decimal { .. } => Some(default.to_string()),
            // `bit` defaults already come as `b'101'`.
            ColumnType::Other { name } if name == "bit" => Some(default.to_string()),
            _ => Some(format!("'{}'", default.replace('\'', "''"))),
        },
    }
}

/// Classifies a column by DATA_TYPE (lower case), with COLUMN_TYPE for what it leaves out.
fn classify(
    table: &str,
    column: &str,
    column_type: &str,
    data_type: &str,
    char_length: Option<i64>,
    precision: Option<i64>,
    scale: Option<i64>,
) -> ColumnType {
    let full = column_type.to_ascii_lowercase();
    let unsigned = full.contains("unsigned");
    let length = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
    let integer = |bytes| ColumnType::Integer { bytes, unsigned };
    match data_type {
        // `BOOL` is `tinyint(1)`; MySQL 8.0.19+ drops every other integer display width
        // but keeps this one for exactly that reason.
        "tinyint" if full.starts_with("tinyint(1)") => ColumnType::Boolean,
        "tinyint" => integer(1),
        "smallint" => integer(2),
        "mediumint" => integer(3),
        "int" | "integer" => integer(4),
        "bigint" => integer(8),
        "float" => ColumnType::Float { bytes: 4 },
        "double" | "real" | "double precision" => ColumnType::Float { bytes: 8 },
        "decimal" | "numeric" | "dec" | "fixed" => ColumnType::Decimal {
            precision: length(precision),
            scale: length(scale),
        },
        "char" => ColumnType::Text {
            max_length: length(char_length),
            fixed: true,
        },
        "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => ColumnType::Text {
            max_length: length(char_length),
            fixed: false,
        },
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            ColumnType::Binary {
                max_length: length(char_length),
            }
        }
        "date" => ColumnType::Date,
        "time" => ColumnType::Time {
            with_time_zone: false,
        },
        // TIMESTAMP is stored as UTC but converted from and to the session time zone: its
        // values carry no zone, so both read as a timestamp without time zone.
        "datetime" | "timestamp" => ColumnType::Timestamp {
            with_time_zone: false,
        },
        "json" => ColumnType::Json,
        // MariaDB 10.7+ and 10.10+ native types.
        "uuid" => ColumnType::Uuid,
        "inet4" | "inet6" => ColumnType::Inet,
        "enum" => match enum_labels(column_type) {
            Some(labels) => ColumnType::Enum { name: None, labels },
            None => {
                tracing::warn!(
                    "column {table}.{column}: cannot read the labels of {column_type}; treating it as an unknown type"
                );
                ColumnType::Other {
                    name: "enum".to_string(),
                }
            }
        },
        other => ColumnType::Other {
            name: other.to_string(),
        },
    }
}

/// The labels of `enum('a','b')`, as COLUMN_TYPE spells them: single-quoted SQL strings
/// with `''` for a quote (and, on MariaDB, `\\` for a backslash), so a label may hold
/// commas and parentheses. `None` when the text is not of that shape.
fn enum_labels(column_type: &str) -> Option<Vec<String>> {
    let open = column_type.find('(')?;
    if !column_type[..open].trim().eq_ignore_ascii_case("enum") {
        return None;
    }
    let mut chars = column_type[open + 1..].chars().peekable();
    let mut labels = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if labels.is_empty() && chars.next_if_eq(&')').is_some() {
            break;
        }
        if chars.next()? != '\'' {
            return None;
        }
        let mut label = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.next_if_eq(&'\'').is_some() => label.push('\''),
                '\'' => break,
                // A backslash escapes a quote or a backslash; any other pair is kept as
                // written, since MySQL does not escape backslashes in COLUMN_TYPE.
                '\\' => match chars.next_if(|c| *c == '\\' || *c == '\'') {
                    Some(escaped) => label.push(escaped),
                    None => label.push('\\'),
                },
                c => label.push(c),
            }
        }
        labels.push(label);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next()? {
            ',' => continue,
            ')' => break,
            _ => return None,
        }
    }
    chars.all(char::is_whitespace).then_some(labels)
}

/// MariaDB's JSON columns: (table, lower-cased column) for every `CHECK (json_valid(col))`.
/// MySQL 8 has a native `json` type, and its CHECK_CONSTRAINTS (8.0.16+) names no table,
/// so there is nothing to read there.
async fn read_json_checks(
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
    .map_err(|e| Error::query("reading check constraints", e))?;
    Ok(rows
        .into_iter()
        .filter_map(|(table, clause)| {
            let column = json_valid_column(clause.as_deref()?)?;
            Some((table, column.to_lowercase()))
        })
        .collect())
}

/// The column of a check clause that is exactly `json_valid(`col`)`.
fn json_valid_column(clause: &str) -> Option<String> {
    let mut clause = clause.trim();
    while let Some(inner) = clause.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        clause = inner.trim();
    }
    let (function, rest) = clause.split_once('(')?;
    if !function.trim().eq_ignore_ascii_case("json_valid") {
        return None;
    }
    let argument = rest.strip_suffix(')')?.trim();
    match argument.strip_prefix('`').and_then(|a| a.strip_suffix('`')) {
        Some(quoted) => Some(quoted.replace("``", "`")),
        None if !argument.is_empty()
            && argument
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$') =>
        {
            Some(argument.to_string())
        }
        None => None,
    }
}

/// Primary and unique keys: table → key name → columns in key order.
async fn read_keys(
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
    .map_err(|e| Error::query("reading keys", e))?;

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
async fn read_foreign_keys(
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
    .map_err(|e| Error::query("reading foreign keys", e))?;

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
            });
        key.columns.push(column);
        key.referenced_columns.push(ref_column.unwrap_or_default());
    }
    Ok(foreign_keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(column_type: &str) -> Option<Vec<String>> {
        enum_labels(column_type)
    }

    #[test]
    fn enum_labels_keep_quotes_commas_and_parentheses() {
        assert_eq!(
            labels("enum('happy','sad','it''s complicated')").unwrap(),
            ["happy", "sad", "it's complicated"]
        );
        assert_eq!(
            labels("enum('a,b','(c)', 'd')").unwrap(),
            ["a,b", "(c)", "d"]
        );
        assert_eq!(labels("enum('')").unwrap(), [""]);
    }

    #[test]
    fn enum_labels_read_backslashes_escaped_or_not() {
        assert_eq!(labels(r"enum('x\\y','q\'')").unwrap(), [r"x\y", "q'"]);
        assert_eq!(labels(r"enum('x\y')").unwrap(), [r"x\y"]);
    }

    #[test]
    fn malformed_enum_types_are_refused() {
        assert_eq!(labels("enum('a'"), None);
        assert_eq!(labels("enum(a)"), None);
        assert_eq!(labels("set('a')"), None);
        assert_eq!(labels("enum('a') x"), None);
    }

    #[test]
    fn json_valid_checks_name_their_column() {
        assert_eq!(
            json_valid_column("json_valid(`doc`)").as_deref(),
            Some("doc")
        );
        assert_eq!(
            json_valid_column("(JSON_VALID(`a``b`))").as_deref(),
            Some("a`b")
        );
        assert_eq!(json_valid_column("json_valid(doc)").as_deref(), Some("doc"));
        assert_eq!(json_valid_column("json_valid(`doc`) and `x` > 0"), None);
        assert_eq!(json_valid_column("`k` > 0"), None);
    }

    #[test]
    fn defaults_read_alike_on_both_servers() {
        let text = ColumnType::Text {
            max_length: Some(10),
            fixed: false,
        };
        let int = ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        };
        let maria = |d| normalise_default(Flavor::MariaDb, d, "", &text);
        assert_eq!(maria(None), None);
        assert_eq!(maria(Some("NULL")), None);
        assert_eq!(maria(Some("'it''s'")).as_deref(), Some("'it''s'"));
        let mysql = |d, extra, ty| normalise_default(Flavor::MySql, d, extra, ty);
        assert_eq!(mysql(None, "", &text), None);
        assert_eq!(mysql(Some("it's"), "", &text).as_deref(), Some("'it''s'"));
        assert_eq!(mysql(Some("NULL"), "", &text).as_deref(), Some("'NULL'"));
        assert_eq!(mysql(Some("0"), "", &int).as_deref(), Some("0"));
        assert_eq!(
            mysql(Some("CURRENT_TIMESTAMP"), "DEFAULT_GENERATED", &text).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
    }

    #[test]
    fn generated_columns_are_told_from_expression_defaults() {
        assert_eq!(generated("DEFAULT_GENERATED", Some("")), None);
        assert_eq!(
            generated("VIRTUAL GENERATED", Some("`a` + 1")),
            Some(Generated {
                stored: false,
                expression: "`a` + 1".to_string()
            })
        );
        assert!(generated("STORED GENERATED", Some("x")).is_some_and(|g| g.stored));
    }

    #[test]
    fn types_classify_by_data_type_and_column_type() {
        let class = |full: &str, data: &str| classify("t", "c", full, data, None, None, None);
        assert_eq!(class("tinyint(1)", "tinyint"), ColumnType::Boolean);
        assert_eq!(
            class("int(10) unsigned", "int"),
            ColumnType::Integer {
                bytes: 4,
                unsigned: true
            }
        );
        assert_eq!(
            class("mediumint", "mediumint"),
            ColumnType::Integer {
                bytes: 3,
                unsigned: false
            }
        );
        assert_eq!(
            class("year(4)", "year"),
            ColumnType::Other {
                name: "year".to_string()
            }
        );
    }
}
