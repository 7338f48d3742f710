//! The `inspect` report: tables with row counts, keys, cycles and how each is broken, and
//! the insert order, as one serializable value rendered as text ([`text`]), Graphviz DOT
//! ([`dot`]) or JSON (serde; the shape is documented in `docs/INSPECT-JSON.md`).

pub mod dot;
pub mod text;

use serde::Serialize;

use crate::db::{Backend, Db};
use crate::error::{Error, Result};
use crate::graph::{Capabilities, Cycle, FkRef, Plan};
use crate::schema::{Key, QualifiedName, Schema, SkippedRelation, Table};

/// Version of the JSON shape; bumped on any change that could break a reader.
pub const FORMAT_VERSION: u32 = 1;

/// Which tables to report, and how much to read.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Only tables in these schemas (empty: all).
    pub schemas: Vec<String>,
    /// Only these tables, as written by the user (`orders`, `crm.contacts`) (empty: all).
    pub tables: Vec<String>,
    /// Count rows (exact `count(*)`, flagged rows too).
    pub count_rows: bool,
}

/// Everything `fixtura inspect` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format_version: u32,
    pub backend: Backend,
    pub server_version: String,
    pub default_schema: String,
    /// The flag column looked for.
    pub flag: String,
    /// Whether this session may switch foreign-key checks off for itself.
    pub session_switch: bool,
    pub tables: Vec<TableReport>,
    pub skipped: Vec<SkippedRelation>,
    /// Cycles that involve at least one reported table.
    pub cycles: Vec<Cycle>,
    /// The insert order, restricted to the reported tables.
    pub insert_order: Vec<QualifiedName>,
    pub delete_order: Vec<QualifiedName>,
    pub dangling: Vec<FkRef>,
}

/// One table with its row counts.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// The name as shown to a person (unqualified in the default schema).
    pub display_name: String,
    /// Rows in the table, when counted.
    pub rows: Option<u64>,
    /// Rows whose flag column is true, when counted and the table has the flag column.
    pub flagged_rows: Option<u64>,
    #[serde(flatten)]
    pub table: Table,
}

impl TableReport {
    /// Keys other than the primary key, for display.
    pub fn unique_keys(&self) -> &[Key] {
        &self.table.unique
    }
}

/// Error for a `--table`/`--schema` filter that matches nothing.
fn unknown_filter(what: &str, value: &str, schema: &Schema) -> Error {
    let known: Vec<String> = schema
        .tables
        .iter()
        .map(|t| schema.display_name(&t.name))
        .collect();
    Error::Unsupported(format!(
        "{what} \"{value}\" not found; the database has: {}",
        if known.is_empty() {
            "no tables".to_string()
        } else {
            known.join(", ")
        }
    ))
}

/// Builds the report for `schema` as planned by `plan`.
pub async fn report(
    db: &Db,
    schema: &Schema,
    plan: &Plan,
    capabilities: Capabilities,
    flag: &str,
    options: &InspectOptions,
) -> Result<Report> {
    for s in &options.schemas {
        if !schema.tables.iter().any(|t| &t.name.schema == s) {
            return Err(unknown_filter("schema", s, schema));
        }
    }
    let mut wanted = Vec::new();
    for written in &options.tables {
        let table = schema
            .resolve(written)
            .ok_or_else(|| unknown_filter("table", written, schema))?;
        wanted.push(table.name.clone());
    }
    let included = |name: &QualifiedName| {
        (options.schemas.is_empty() || options.schemas.contains(&name.schema))
            && (wanted.is_empty() || wanted.contains(name))
    };

    let mut tables = Vec::new();
    for table in schema.tables.iter().filter(|t| included(&t.name)) {
        let (rows, flagged_rows) = if options.count_rows {
            count_rows(db, table).await?
        } else {
            (None, None)
        };
        tables.push(TableReport {
            display_name: schema.display_name(&table.name),
            rows,
            flagged_rows,
            table: table.clone(),
        });
    }
    Ok(Report {
        format_version: FORMAT_VERSION,
        backend: schema.backend,
        server_version: schema.server_version.clone(),
        default_schema: schema.default_schema.clone(),
        flag: flag.to_string(),
        session_switch: capabilities.session_switch,
        tables,
        skipped: schema
            .skipped
            .iter()
            .filter(|s| included(&s.name))
            .cloned()
            .collect(),
        cycles: plan
            .cycles
            .iter()
            .filter(|c| c.tables.iter().any(&included))
            .cloned()
            .collect(),
        insert_order: plan
            .insert_order
            .iter()
            .filter(|n| included(n))
            .cloned()
            .collect(),
        delete_order: plan
            .delete_order
            .iter()
            .filter(|n| included(n))
            .cloned()
            .collect(),
        dangling: plan
            .dangling
            .iter()
            .filter(|f| included(&f.table))
            .cloned()
            .collect(),
    })
}

/// Counts a table's rows, and its flagged rows when it has the flag column.
async fn count_rows(db: &Db, table: &Table) -> Result<(Option<u64>, Option<u64>)> {
    let backend = db.backend();
    let name = backend.quote_table(&table.name);
    let flagged = match &table.flag_column {
        Some(flag) => {
            let flag = backend.quote_ident(flag);
            match backend {
                Backend::Postgres => format!("count(*) FILTER (WHERE {flag})"),
                Backend::MySql => format!("CAST(COALESCE(SUM({flag} <> 0), 0) AS SIGNED)"),
                Backend::Sqlite => format!("coalesce(sum({flag} <> 0), 0)"),
            }
        }
        None => "NULL".to_string(),
    };
    let cast = if backend == Backend::Postgres {
        "::int8"
    } else {
        ""
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT count(*){cast}, ({flagged}){cast} FROM {name}"
    ));
    let what = || format!("counting rows of {}", table.name);
    let (rows, flagged): (i64, Option<i64>) = match db {
        Db::Postgres(pool) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.0))
                .fetch_one(pool)
                .await
        }
        Db::MySql(pool) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.0))
                .fetch_one(pool)
                .await
        }
        Db::Sqlite(pool) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.0))
                .fetch_one(pool)
                .await
        }
    }
    .map_err(|e| Error::query(what(), e))?;
    Ok((Some(rows as u64), flagged.map(|n| n as u64)))
}
