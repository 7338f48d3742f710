//! One table's selected rows into its table file, on two threads: the rows are received on
//! the async task that owns the read, and encoded, compressed and written on a blocking
//! thread, joined by a bounded channel so memory stays flat however large the table.
//!
//! On PostgreSQL the rows arrive as raw binary `COPY` data, decoded on the writer thread
//! straight into JSON lines ([`JsonLines`]); elsewhere they arrive as values.

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::read::Read;
#[cfg(feature = "postgres")]
use crate::read::{BinaryRows, RawCopy};
use crate::schema::{ColumnType, Table};
use crate::snapshot::SnapshotError;
#[cfg(feature = "postgres")]
use crate::snapshot::codec::JsonLines;
use crate::snapshot::store::TableWriter;
use crate::value::Row;

/// Rows per batch between the reader and the file writer.
const BATCH: usize = 5_000;

/// What writing one table file gave: rows, bytes, checksum.
pub(super) type Written = (u64, u64, String);

/// Writes the rows of `names` of `table` matching `predicate` to the table file `path`, as
/// raw binary `COPY` data where the read offers it, else as values.
pub(super) async fn write(
    read: &mut Read,
    table: &Table,
    names: &[String],
    predicate: &str,
    path: PathBuf,
    types: Vec<ColumnType>,
) -> Result<Written, SnapshotError> {
    #[cfg(feature = "postgres")]
    if let Some((copy, decoder)) = read.binary_rows(table, names, Some(predicate)).await? {
        return write_binary(read, copy, decoder, path, types).await;
    }
    write_values(read, table, names, predicate, path, types).await
}

fn writer_failed(e: tokio::task::JoinError) -> SnapshotError {
    SnapshotError::Selection(format!("writer thread failed: {e}"))
}

/// Rows read as values on this task, written as JSON on a blocking thread.
async fn write_values(
    read: &mut Read,
    table: &Table,
    names: &[String],
    predicate: &str,
    path: PathBuf,
    types: Vec<ColumnType>,
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

#[cfg(feature = "postgres")]
/// PostgreSQL's raw binary `COPY` data received on this task, decoded and written as JSON
/// on a blocking thread (compressed on zstd's own): the receiving task does little more
/// than the network.
async fn write_binary(
    read: &mut Read,
    copy: RawCopy,
    mut decoder: BinaryRows,
    path: PathBuf,
    types: Vec<ColumnType>,
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
