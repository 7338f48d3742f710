//! The table-file reader of a restore: a blocking thread that decompresses one table file,
//! decodes every cell for its column's type and the target backend
//! ([`crate::snapshot::codec::from_json`]) and sends the rows in batches down a bounded
//! channel to the bulk writer, counting the flagged rows as it goes. A cell that does not
//! fit stops it with an error naming snapshot, table, column and row.
//!
//! It is the hot path of a restore (every cell of the snapshot passes through it once), so
//! the loop adds nothing per cell beyond the decode itself: the columns to read, their
//! types and the flag's position are worked out once, before the thread starts.

use tokio::sync::mpsc;

use crate::db::Backend;
use crate::schema::ColumnType;
use crate::snapshot::SnapshotError;
use crate::snapshot::codec;
use crate::snapshot::manifest::{Manifest, TableEntry};
use crate::snapshot::store::{Store, StoreError, TableReader};
use crate::value::{Row, Value};

/// Rows per batch between the reader and the bulk writer.
const BATCH: usize = 5_000;

/// The rows, and the reader, which ends with how many rows it sent had the flag set.
pub(super) type Reader = (
    mpsc::Receiver<Vec<Row>>,
    tokio::task::JoinHandle<Result<u64, SnapshotError>>,
);

/// Decodes a table file on a blocking thread into batches of rows: every column, with
/// `nulls` written as NULL; or, with `only`, just those columns in that order.
pub(super) fn spawn_reader(
    store: &Store,
    manifest: &Manifest,
    entry: &TableEntry,
    backend: Backend,
    nulls: Vec<String>,
    only: Option<Vec<String>>,
) -> Reader {
    let path = store.path(&manifest.name).join(&entry.file);
    let columns = columns_to_read(entry, &nulls, only.as_deref());
    let snapshot = manifest.name.clone();
    let table = entry.display_name.clone();
    let names: Vec<String> = entry.columns.iter().map(|c| c.name.clone()).collect();
    let flag = entry
        .flag_column
        .as_ref()
        .and_then(|f| entry.columns.iter().position(|c| &c.name == f));
    let (sender, receiver) = mpsc::channel::<Vec<Row>>(4);
    let handle = tokio::task::spawn_blocking(move || -> Result<u64, SnapshotError> {
        let mut reader = TableReader::open(&path)?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut flagged = 0;
        let mut number = 0;
        while let Some(row) = reader.next_row()? {
            number += 1;
            if is_flagged(&row, flag) {
                flagged += 1;
            }
            let mut values = Vec::with_capacity(columns.len());
            for (i, ty, null) in &columns {
                let json = row.get(*i).ok_or_else(|| {
                    SnapshotError::Store(StoreError::Damaged {
                        name: snapshot.clone(),
                        problem: format!("a row of {} is shorter than its columns", path.display()),
                    })
                })?;
                values.push(if *null {
                    Value::Null
                } else {
                    codec::from_json(json, ty, backend).map_err(|source| SnapshotError::Codec {
                        snapshot: snapshot.clone(),
                        table: table.clone(),
                        column: names[*i].clone(),
                        row: number,
                        source: Box::new(source),
                    })?
                });
            }
            batch.push(values);
            if batch.len() == BATCH && sender.blocking_send(std::mem::take(&mut batch)).is_err() {
                return Ok(flagged); // the writer stopped: its error is reported
            }
        }
        if !batch.is_empty() {
            let _ = sender.blocking_send(batch);
        }
        Ok(flagged)
    });
    (receiver, handle)
}

/// Each column to read, in the order the writer takes them: its position in the file's
/// rows, its type, and whether to write NULL instead (`nulls`). With `only`, just those
/// columns in that order, none NULL.
fn columns_to_read(
    entry: &TableEntry,
    nulls: &[String],
    only: Option<&[String]>,
) -> Vec<(usize, ColumnType, bool)> {
    match only {
        Some(names) => names
            .iter()
            .filter_map(|n| entry.columns.iter().position(|c| &c.name == n))
            .map(|i| (i, entry.columns[i].column_type.clone(), false))
            .collect(),
        None => entry
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.column_type.clone(), nulls.contains(&c.name)))
            .collect(),
    }
}

/// Whether the flag cell (at `flag`, if the table has one) is set, as the servers read a
/// flag: true, or a number other than 0.
#[inline]
fn is_flagged(row: &[serde_json::Value], flag: Option<usize>) -> bool {
    flag.and_then(|i| row.get(i)).is_some_and(|v| match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    })
}
