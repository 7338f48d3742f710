//! The `inspect` report: tables with row counts, keys, cycles and how each is broken, and
//! the insert order, as one serializable value rendered as text ([`text`]), Graphviz DOT
//! ([`dot`]) or JSON (serde; the shape is documented in `docs/INSPECT-JSON.md`).

pub mod dot;
pub mod text;

use serde::Serialize;

use crate::db::{Backend, Capabilities, Db, DbError, QualifiedName};
use crate::graph::{Cycle, FkRef, Plan};
use crate::schema::{Key, Schema, SkippedRelation, Table};

type Result<T, E = InspectError> = std::result::Result<T, E>;

/// Why the report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A schema or table filter that matches nothing.
    #[error("{what} \"{value}\" not found; the database has: {known}")]
    NotFound {
        /// `schema` or `table`.
        what: &'static str,
        /// The name asked for.
        value: String,
        /// The tables there are, or "no tables".
        known: String,
    },
}

/// Version of the JSON shape; bumped on any change that could break a reader.
pub const FORMAT_VERSION: u32 = 1;

/// Which tables to report, and how much to read.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// The column that marks test rows.
    pub flag: String,
    /// Only tables in these schemas (empty: all).
    pub schemas: Vec<String>,
    /// Only these tables, as written by the user (`orders`, `crm.contacts`) (empty: all).
    pub tables: Vec<String>,
    /// Count rows (exact `count(*)`, flagged rows too).
    pub count_rows: bool,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            flag: crate::schema::DEFAULT_FLAG.to_string(),
            schemas: Vec::new(),
            tables: Vec::new(),
            count_rows: true,
        }
    }
}

/// Everything `fixtura inspect` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The backend.
    pub backend: Backend,
    /// The server's version string.
    pub server_version: String,
    /// The schema unqualified names resolve to.
    pub default_schema: String,
    /// The flag column looked for.
    pub flag: String,
    /// Whether this session may switch foreign-key checks off for itself.
    pub session_switch: bool,
    /// The tables reported.
    pub tables: Vec<TableReport>,
    /// Relations that are never written (views, partitions).
    pub skipped: Vec<SkippedRelation>,
    /// Cycles that involve at least one reported table.
    pub cycles: Vec<Cycle>,
    /// The insert order, restricted to the reported tables.
    pub insert_order: Vec<QualifiedName>,
    /// The order to delete in: the insert order reversed.
    pub delete_order: Vec<QualifiedName>,
    /// Foreign keys whose referenced table is not among those reported.
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
    /// The table, as introspected.
    pub table: Table,
}

impl TableReport {
    /// Keys other than the primary key, for display.
    pub fn unique_keys(&self) -> &[Key] {
        &self.table.unique
    }
}

/// Error for a schema or table filter that matches nothing.
fn unknown_filter(what: &'static str, value: &str, schema: &Schema) -> InspectError {
    let known: Vec<String> = schema
        .tables
        .iter()
        .map(|t| schema.display_name(&t.name))
        .collect();
    InspectError::NotFound {
        what,
        value: value.to_string(),
        known: if known.is_empty() {
            "no tables".to_string()
        } else {
            known.join(", ")
        },
    }
}

/// Builds the report for `schema` as planned by `plan`.
pub(crate) async fn report(
    db: &Db,
    schema: &Schema,
    plan: &Plan,
    capabilities: Capabilities,
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
        flag: options.flag.clone(),
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
        #[cfg(feature = "postgres")]
        Db::Postgres(pool) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.0))
                .fetch_one(pool)
                .await
        }
        #[cfg(feature = "mysql")]
        Db::MySql(pool) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.0))
                .fetch_one(pool)
                .await
        }
        #[cfg(feature = "_sqlite")]
        Db::Sqlite(pool) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.0))
                .fetch_one(pool)
                .await
        }
    }
    .map_err(|e| DbError::query(what(), e))?;
    Ok((Some(rows as u64), flagged.map(|n| n as u64)))
}
