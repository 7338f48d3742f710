//! `snapshot create`: the flagged rows of every table with the flag column (and, with
//! `--with-parents`, every row they reference, transitively) — or with `--all` every row
//! of every table — streamed out inside one consistent read transaction, each table to its
//! own zstd JSON Lines file, published atomically with a checksummed manifest.
//!
//! [`create`] reads top to bottom as its steps: the seed rows (the flag, narrowed by
//! `--where`), grown to their parents (`parents.rs`), each table written in insert order
//! (`table_file.rs`: reader and writer on their own threads), the manifest sealed and the
//! staging directory published.

mod parents;
mod table_file;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::SnapshotError;
use super::manifest::{
    self, ColumnEntry, FORMAT_VERSION, Filter, Manifest, Selection, Source, TableEntry,
};
use super::store::Store;
use crate::db::{Backend, Capabilities, Db, QualifiedName, Remedy};
use crate::graph::DependencyGraph;
use crate::progress::Observer;
use crate::read::Read;
use crate::schema::{self, IntrospectOptions, Schema, Table};

/// What to capture.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The snapshot's name (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// A description for `snapshot list` and `show`.
    pub description: Option<String>,
    /// The column that marks the rows to capture.
    pub flag: String,
    /// `--where TABLE:SQL`: only rows of TABLE matching SQL (besides the flag).
    pub filters: Vec<Filter>,
    /// Capture the rows the selected rows reference too, transitively.
    pub with_parents: bool,
    /// Recorded in the manifest when the snapshot is a cached `ensure` result.
    pub cache: Option<manifest::CacheEntry>,
    /// Capture every row of every table, whether or not it has the flag column: the whole
    /// database. Takes no `filters` and no `with_parents` (every parent is there). Restored
    /// with [`Clean::Truncate`](super::Clean::Truncate), or into empty tables.
    pub all: bool,
}

/// What a snapshot creation did.
#[derive(Debug, Clone, Serialize)]
pub struct CreateSummary {
    /// The snapshot.
    pub name: String,
    /// Its directory.
    pub path: String,
    /// Each table captured, in insert order.
    pub tables: Vec<TableSummary>,
    /// Rows captured in all.
    pub rows: u64,
    /// Compressed bytes written in all.
    pub bytes: u64,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// One table's share.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    /// The table, as shown to a person.
    pub table: String,
    /// Rows captured.
    pub rows: u64,
    /// Compressed bytes of its file.
    pub bytes: u64,
    /// Seconds capturing it.
    pub seconds: f64,
}

/// Captures a snapshot of `db` into `store`.
pub(crate) async fn create(
    db: &Db,
    store: &Store,
    options: &CreateOptions,
    observer: Arc<dyn Observer>,
) -> Result<CreateSummary, SnapshotError> {
    create_with_whole(db, store, options, &[], observer).await
}

/// Captures a snapshot of `db` into `store`, with every row of the tables named in `whole`
/// besides (they have no flag column: `ensure` generated into them while they were empty).
pub(crate) async fn create_with_whole(
    db: &Db,
    store: &Store,
    options: &CreateOptions,
    whole: &[String],
    observer: Arc<dyn Observer>,
) -> Result<CreateSummary, SnapshotError> {
    let started = Instant::now();
    Store::check_name(&options.name)?;
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: options.flag.clone(),
        },
    )
    .await?;
    let order = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: true,
    });
    let backend = db.backend();
    let seeds = if options.all {
        every_row(&schema, options)?
    } else {
        seed_rows(&schema, options, whole, backend)?
    };

    let mut read = Read::begin(db).await?;
    let selection = if options.with_parents {
        observer.step("following foreign keys to the rows the flagged rows reference");
        parents::closure(&mut read, &schema, &seeds).await?
    } else {
        seeds
            .iter()
            .map(|(t, p)| (t.name.clone(), p.clone()))
            .collect()
    };

    let staging = store.stage(&options.name)?;
    let mut entries = Vec::new();
    let mut summaries = Vec::new();
    for name in &order.insert_order {
        let Some((_, predicate)) = selection.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let (entry, summary) = capture_table(
            &mut read,
            &schema,
            name,
            predicate,
            &staging.dir,
            observer.as_ref(),
        )
        .await?;
        entries.push(entry);
        summaries.push(summary);
    }
    read.finish().await?;

    let mut manifest = manifest_of(options, whole, &schema, backend, entries);
    manifest.seal();
    observer.step("publishing");
    let path = staging.publish(&manifest)?;
    Ok(CreateSummary {
        name: manifest.name,
        path: path.display().to_string(),
        tables: summaries,
        rows: manifest.rows,
        bytes: manifest.bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every row of every table (`all`); refuses filters and parents, which mean nothing then.
fn every_row<'s>(
    schema: &'s Schema,
    options: &CreateOptions,
) -> Result<Vec<(&'s Table, String)>, SnapshotError> {
    if !options.filters.is_empty() || options.with_parents {
        return Err(SnapshotError::Selection(
            "a snapshot of every table takes every row: it takes no `where` filter and no parents"
                .into(),
        ));
    }
    Ok(schema
        .tables
        .iter()
        .map(|t| (t, EVERY_ROW.into()))
        .collect())
}

/// The predicate that picks every row.
const EVERY_ROW: &str = "1 = 1";

/// The seed rows: each table with the flag column or a `--where` filter, with the predicate
/// (alias `t`) that picks its flagged rows, narrowed by its filters; every row of the
/// tables in `whole`. Refuses a filter on an unknown table, a filter on a table a restore
/// could not recognise rows of, and a schema where nothing has the flag column.
fn seed_rows<'s>(
    schema: &'s Schema,
    options: &CreateOptions,
    whole: &[String],
    backend: Backend,
) -> Result<Vec<(&'s Table, String)>, SnapshotError> {
    let mut seeds: Vec<(&Table, String)> = Vec::new();
    for filter in &options.filters {
        if schema.resolve(&filter.table).is_none() {
            return Err(SnapshotError::Selection(format!(
                "a `where` filter names unknown table \"{}\"",
                filter.table
            )));
        }
    }
    for name in whole {
        let table = schema.resolve(name).ok_or_else(|| {
            SnapshotError::Selection(format!("no table \"{name}\" to capture whole"))
        })?;
        seeds.push((table, EVERY_ROW.into()));
    }
    for table in &schema.tables {
        if seeds.iter().any(|(t, _)| t.name == table.name) {
            continue;
        }
        let filters: Vec<&str> = options
            .filters
            .iter()
            .filter(|f| {
                schema
                    .resolve(&f.table)
                    .is_some_and(|t| t.name == table.name)
            })
            .map(|f| f.sql.as_str())
            .collect();
        let flag = table
            .flag_column
            .as_deref()
            .map(|f| flag_predicate(backend, "t", f));
        if flag.is_none() && filters.is_empty() {
            continue;
        }
        // Cleaning never removes rows of a table without the flag column, so a restore
        // keeps those already there, recognised by their key: without one it would add
        // them again each time.
        if flag.is_none() && key_of(table).is_none() {
            let display = schema.display_name(&table.name);
            return Err(SnapshotError::Selection(format!(
                "a `where` filter names table {display}, which has no flag column \"{}\" and no primary or unique key: \
                 a restore could not tell its rows from those already there and would add them again each time; \
                 give {display} the flag column or a primary key, or leave it out",
                options.flag
            )));
        }
        let mut parts: Vec<String> = flag.into_iter().collect();
        parts.extend(filters.iter().map(|f| format!("({f})")));
        seeds.push((table, parts.join(" AND ")));
    }
    if seeds.is_empty() {
        return Err(SnapshotError::NoFlagColumn {
            flag: options.flag.clone(),
            remedy: Remedy::NameFlagColumn,
        });
    }
    Ok(seeds)
}

/// Writes the rows of table `name` that `predicate` picks to its file in `dir`: its
/// manifest entry and its line of the summary.
async fn capture_table(
    read: &mut Read,
    schema: &Schema,
    name: &QualifiedName,
    predicate: &str,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<(TableEntry, TableSummary), SnapshotError> {
    let table = schema
        .table(name)
        .expect("BUG: selected tables come from the schema");
    let display = schema.display_name(name);
    let table_started = Instant::now();
    observer.table_started(&display, 0);
    let columns: Vec<ColumnEntry> = table
        .writable_columns()
        .map(|c| ColumnEntry {
            name: c.name.clone(),
            type_name: c.type_name.clone(),
            column_type: c.column_type.clone(),
            nullable: c.nullable,
        })
        .collect();
    let file = manifest::file_name(name);
    let path = dir.join(&file);
    let types: Vec<_> = columns.iter().map(|c| c.column_type.clone()).collect();
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let (rows, bytes, checksum) =
        table_file::write(read, table, &names, predicate, path, types).await?;
    let seconds = table_started.elapsed().as_secs_f64();
    observer.rows_written(&display, rows);
    observer.table_finished(&display, rows, seconds);
    let summary = TableSummary {
        table: display.clone(),
        rows,
        bytes,
        seconds,
    };
    let entry = TableEntry {
        name: name.clone(),
        display_name: display,
        columns,
        flag_column: table.flag_column.clone(),
        rows,
        file,
        bytes,
        checksum,
    };
    Ok((entry, summary))
}

/// The manifest of the tables written, unsealed: stamped now, fingerprinting the schema of
/// just those tables.
fn manifest_of(
    options: &CreateOptions,
    whole: &[String],
    schema: &Schema,
    backend: Backend,
    entries: Vec<TableEntry>,
) -> Manifest {
    let tables: Vec<&Table> = entries
        .iter()
        .filter_map(|e| schema.table(&e.name))
        .collect();
    Manifest {
        format_version: FORMAT_VERSION,
        name: options.name.clone(),
        description: options.description.clone(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        source: Source {
            backend,
            server_version: schema.server_version.clone(),
        },
        schema_fingerprint: manifest::fingerprint(schema, &tables),
        selection: Selection {
            flag: options.flag.clone(),
            with_parents: options.with_parents,
            filters: options.filters.clone(),
            all: options.all,
            whole: whole.to_vec(),
        },
        cache: options.cache.clone(),
        rows: entries.iter().map(|e| e.rows).sum(),
        bytes: entries.iter().map(|e| e.bytes).sum(),
        tables: entries,
        checksum: String::new(),
    }
}

/// `alias.flag` is true, spelled for the backend.
pub(crate) fn flag_predicate(backend: Backend, alias: &str, flag: &str) -> String {
    let column = format!("{alias}.{}", backend.quote_ident(flag));
    match backend {
        Backend::Postgres => format!("{column} IS TRUE"),
        Backend::MySql | Backend::Sqlite => format!("({column} IS NOT NULL AND {column} <> 0)"),
    }
}

/// The key a table's rows are identified by: primary key, else first unique key.
fn key_of(table: &Table) -> Option<&Vec<String>> {
    table
        .primary_key
        .as_ref()
        .or(table.unique.first())
        .map(|k| &k.columns)
}
