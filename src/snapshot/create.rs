//! `snapshot create`: the flagged rows of every table with the flag column (and, with
//! `--with-parents`, every row they reference, transitively) streamed out inside one
//! consistent read transaction, each table to its own zstd JSON Lines file, published
//! atomically with a checksummed manifest.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;

use super::SnapshotError;
use super::codec::JsonLines;
use super::manifest::{
    self, ColumnEntry, FORMAT_VERSION, Filter, Manifest, Selection, Source, TableEntry,
};
use super::store::{Store, TableWriter};
use crate::db::{Backend, Db};
use crate::graph::{Capabilities, DependencyGraph};
use crate::progress::Observer;
use crate::read::{BinaryRows, RawCopy, Read};
use crate::schema::{self, IntrospectOptions, Schema, Table};
use crate::value::Row;

/// Rows per batch between the reader and the file writer.
const BATCH: usize = 5_000;

/// What to capture.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub name: String,
    pub description: Option<String>,
    pub flag: String,
    /// `--where TABLE:SQL`: only rows of TABLE matching SQL (besides the flag).
    pub filters: Vec<Filter>,
    pub with_parents: bool,
    /// Recorded in the manifest when the snapshot is a cached `ensure` result.
    pub cache: Option<manifest::CacheEntry>,
}

/// What a snapshot creation did.
#[derive(Debug, Clone, Serialize)]
pub struct CreateSummary {
    pub name: String,
    pub path: String,
    pub tables: Vec<TableSummary>,
    pub rows: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// One table's share.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// Captures a snapshot of `db` into `store`.
pub async fn create(
    db: &Db,
    store: &Store,
    options: &CreateOptions,
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

    // The seed rows: flagged rows, narrowed by --where.
    let mut seeds: Vec<(&Table, String)> = Vec::new();
    for filter in &options.filters {
        if schema.resolve(&filter.table).is_none() {
            return Err(SnapshotError::Selection(format!(
                "--where names unknown table \"{}\"",
                filter.table
            )));
        }
    }
    for table in &schema.tables {
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
                "--where names table {display}, which has no flag column \"{}\" and no primary or unique key: \
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
        return Err(SnapshotError::Selection(format!(
            "no table has the flag column \"{}\": nothing to capture (--flag names another column)",
            options.flag
        )));
    }

    let mut read = Read::begin(db).await?;
    let selection = if options.with_parents {
        observer.step("following foreign keys to the rows the flagged rows reference");
        closure(&mut read, &schema, &seeds).await?
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
        let path = staging.dir.join(&file);
        let types: Vec<_> = columns.iter().map(|c| c.column_type.clone()).collect();
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let (rows, bytes, checksum) = match read.binary_rows(table, &names, Some(predicate)).await?
        {
            Some((copy, decoder)) => write_binary(&mut read, copy, decoder, path, types).await?,
            None => write_values(&mut read, table, &names, predicate, path, types).await?,
        };
        let seconds = table_started.elapsed().as_secs_f64();
        observer.rows_written(&display, rows);
        observer.table_finished(&display, rows, seconds);
        summaries.push(TableSummary {
            table: display.clone(),
            rows,
            bytes,
            seconds,
        });
        entries.push(TableEntry {
            name: name.clone(),
            display_name: display,
            columns,
            flag_column: table.flag_column.clone(),
            rows,
            file,
            bytes,
            checksum,
        });
    }
    read.finish().await?;

    let tables: Vec<&Table> = entries
        .iter()
        .filter_map(|e| schema.table(&e.name))
        .collect();
    let mut manifest = Manifest {
        format_version: FORMAT_VERSION,
        name: options.name.clone(),
        description: options.description.clone(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        source: Source {
            backend,
            server_version: schema.server_version.clone(),
        },
        schema_fingerprint: manifest::fingerprint(&schema, &tables),
        selection: Selection {
            flag: options.flag.clone(),
            with_parents: options.with_parents,
            filters: options.filters.clone(),
        },
        cache: options.cache.clone(),
        rows: entries.iter().map(|e| e.rows).sum(),
        bytes: entries.iter().map(|e| e.bytes).sum(),
        tables: entries,
        checksum: String::new(),
    };
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

/// What writing one table file gave: rows, bytes, checksum.
type Written = (u64, u64, String);

fn writer_failed(e: tokio::task::JoinError) -> SnapshotError {
    SnapshotError::Selection(format!("writer thread failed: {e}"))
}

/// Rows read as values on this task, written as JSON on a blocking thread.
async fn write_values(
    read: &mut Read,
    table: &Table,
    names: &[String],
    predicate: &str,
    path: std::path::PathBuf,
    types: Vec<crate::schema::ColumnType>,
) -> Result<Written, SnapshotError> {
    let (sender, mut receiver) = mpsc::channel::<Vec<Row>>(4);
    let writer = tokio::task::spawn_blocking(move || -> Result<Written, SnapshotError> {
        let mut writer = TableWriter::create(&path)?;
        let mut rows = 0u64;
        while let Some(batch) = receiver.blocking_recv() {
            for row in batch {
                writer.write_values(&row, &types)?;
                rows += 1;
            }
        }
        let (bytes, checksum) = writer.finish()?;
        Ok((rows, bytes, checksum))
    });
    let read_result = read
        .rows(table, names, Some(predicate), BATCH, &sender)
        .await;
    drop(sender);
    let written = writer.await.map_err(writer_failed)?;
    read_result?;
    written
}

/// PostgreSQL's raw binary `COPY` data received on this task, decoded and written as JSON
/// on a blocking thread (compressed on zstd's own): the receiving task does little more
/// than the network.
async fn write_binary(
    read: &mut Read,
    copy: RawCopy,
    mut decoder: BinaryRows,
    path: std::path::PathBuf,
    types: Vec<crate::schema::ColumnType>,
) -> Result<Written, SnapshotError> {
    let (sender, mut receiver) = mpsc::channel::<Vec<u8>>(4);
    let writer = tokio::task::spawn_blocking(move || {
        let mut writer = TableWriter::create(&path)?;
        let mut rows = 0u64;
        while let Some(data) = receiver.blocking_recv() {
            rows += writer.write_lines(|out| {
                let mut lines = JsonLines {
                    out,
                    types: &types,
                    rows: 0,
                };
                decoder.feed(&data, &mut lines).map(|()| lines.rows)
            })??;
        }
        // Incomplete data is the read's failure when the read failed.
        let complete = decoder.finish();
        let (bytes, checksum) = writer.finish()?;
        Ok::<_, SnapshotError>(((rows, bytes, checksum), complete))
    });
    let read_result = read.copy_raw(copy, &sender).await;
    drop(sender);
    // A writer that failed (a value it cannot decode, a full disk) stopped the read.
    let (written, complete) = writer.await.map_err(writer_failed)??;
    read_result?;
    complete?;
    Ok(written)
}

/// `alias.flag` is true, spelled for the backend.
pub fn flag_predicate(backend: Backend, alias: &str, flag: &str) -> String {
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

/// Grows the seed rows to every row they reference, transitively (cycles included), with
/// one temporary key table per keyed table, filled until a whole pass adds nothing.
/// Returns each selected table with the predicate (alias `t`) that picks its rows.
async fn closure(
    read: &mut Read,
    schema: &Schema,
    seeds: &[(&Table, String)],
) -> Result<Vec<(crate::schema::QualifiedName, String)>, SnapshotError> {
    let backend = read.backend();
    let q = |s: &str| backend.quote_ident(s);
    // A temporary key table per keyed table reachable from a seed.
    let keyed: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| key_of(t).is_some())
        .collect();
    let temp = |i: usize| format!("fixtura_sel_{i}");
    let index = |t: &Table| keyed.iter().position(|k| k.name == t.name);
    for (i, table) in keyed.iter().enumerate() {
        let key = key_of(table).expect("BUG: keyed");
        let cols: Vec<String> = key.iter().map(|c| format!("t.{}", q(c))).collect();
        let seed = seeds
            .iter()
            .find(|(t, _)| t.name == table.name)
            .map_or("1 = 0", |(_, p)| p.as_str());
        let source = backend.quote_table(&table.name);
        let create = match backend {
            Backend::MySql => format!(
                "CREATE TEMPORARY TABLE {} (PRIMARY KEY ({})) SELECT DISTINCT {} FROM {source} t WHERE {seed}",
                temp(i),
                key.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                cols.join(", ")
            ),
            _ => format!(
                "CREATE TEMPORARY TABLE {} AS SELECT DISTINCT {} FROM {source} t WHERE {seed}",
                temp(i),
                cols.join(", ")
            ),
        };
        read.execute(&create).await?;
        if backend != Backend::MySql {
            let unique = format!(
                "CREATE UNIQUE INDEX {}_key ON {} ({})",
                temp(i),
                temp(i),
                key.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
            );
            read.execute(&unique).await?;
        }
    }
    // The rows of `table` selected so far, as a predicate over alias `t`.
    let selected = |table: &Table| -> String {
        match (index(table), key_of(table)) {
            (Some(i), Some(key)) => {
                let on: Vec<String> = key
                    .iter()
                    .map(|c| format!("s.{} = t.{}", q(c), q(c)))
                    .collect();
                format!(
                    "EXISTS (SELECT 1 FROM {} s WHERE {})",
                    temp(i),
                    on.join(" AND ")
                )
            }
            _ => seeds
                .iter()
                .find(|(t, _)| t.name == table.name)
                .map_or("1 = 0".to_string(), |(_, p)| p.clone()),
        }
    };
    let mut passes = 0;
    loop {
        passes += 1;
        let mut added = 0;
        for child in &schema.tables {
            for fk in &child.foreign_keys {
                let Some(parent) = schema.table(&fk.referenced_table) else {
                    continue;
                };
                let (Some(p), Some(key)) = (index(parent), key_of(parent)) else {
                    continue;
                };
                let on: Vec<String> = fk
                    .columns
                    .iter()
                    .zip(&fk.referenced_columns)
                    .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
                    .collect();
                let cols: Vec<String> = key.iter().map(|c| format!("p.{}", q(c))).collect();
                // Through a scratch table: MySQL cannot read a temporary table twice in one
                // statement (a self-reference would).
                // The child's selected rows come from a subquery over alias `t`, so user
                // filters with unqualified column names stay unambiguous.
                read.execute(&format!(
                    "CREATE TEMPORARY TABLE fixtura_scratch AS SELECT DISTINCT {} FROM {} p \
                     JOIN (SELECT * FROM {} t WHERE {}) c ON {}",
                    cols.join(", "),
                    backend.quote_table(&parent.name),
                    backend.quote_table(&child.name),
                    selected(child),
                    on.join(" AND "),
                ))
                .await?;
                let insert = match backend {
                    Backend::Postgres => format!(
                        "INSERT INTO {} SELECT * FROM fixtura_scratch ON CONFLICT DO NOTHING",
                        temp(p)
                    ),
                    Backend::MySql => format!(
                        "INSERT IGNORE INTO {} SELECT * FROM fixtura_scratch",
                        temp(p)
                    ),
                    Backend::Sqlite => format!(
                        "INSERT OR IGNORE INTO {} SELECT * FROM fixtura_scratch",
                        temp(p)
                    ),
                };
                added += read.execute(&insert).await?;
                // DROP TEMPORARY: a plain DROP TABLE commits implicitly on MySQL, which would
                // end the consistent read.
                let drop = if backend == Backend::MySql {
                    "DROP TEMPORARY TABLE fixtura_scratch"
                } else {
                    "DROP TABLE fixtura_scratch"
                };
                read.execute(drop).await?;
            }
        }
        if added == 0 {
            break;
        }
        if passes > 100_000 {
            return Err(SnapshotError::Selection(
                "following foreign keys did not settle after 100,000 passes".into(),
            ));
        }
    }
    // Every table with selected rows.
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for table in &schema.tables {
        let predicate = selected(table);
        let count = read
            .scalar(&format!(
                "SELECT count(*) FROM {} t WHERE {predicate}",
                backend.quote_table(&table.name)
            ))
            .await?;
        let seeded = seeds.iter().any(|(t, _)| t.name == table.name);
        if (count > 0 || seeded) && seen.insert(table.name.clone()) {
            out.push((table.name.clone(), predicate));
        }
    }
    Ok(out)
}
