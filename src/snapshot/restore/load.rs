//! Loading one table of a snapshot inside the restore's transaction: the keys of a cycle
//! broken at a nullable key staged first (with the server checking keys, they are written
//! NULL and set by a second pass once every table is in), then the rows through the bulk
//! writer, fed by the table-file reader thread; then, where rows already there were left
//! alone, a check that no flagged row was lost to an unflagged one holding its key.

use std::sync::Arc;
use std::time::Instant;

use super::reader::spawn_reader;
use super::{Clean, TableSummary};
use crate::db::{Backend, FkChecks, Remedy};
use crate::graph::{self, BreakStrategy};
use crate::progress::Observer;
use crate::schema::{Schema, Table};
use crate::snapshot::SnapshotError;
use crate::snapshot::manifest::{Manifest, TableEntry};
use crate::snapshot::store::Store;
use crate::write::{Load, StagedUpdate};

/// What loading any table of one restore needs, fixed for the whole restore.
pub(super) struct TableLoad<'a> {
    pub store: &'a Store,
    pub manifest: &'a Manifest,
    pub schema: &'a Schema,
    pub order: &'a graph::Plan,
    pub checks: FkChecks,
    pub clean: Clean,
    pub backend: Backend,
    pub observer: &'a Arc<dyn Observer>,
}

/// A table's deferred keys, staged for the second pass, with the table's display name.
pub(super) type Deferred<'t> = (String, StagedUpdate<'t>);

impl TableLoad<'_> {
    /// Loads `table` from the snapshot's `entry`: its summary, and its deferred keys when
    /// it has any.
    pub(super) async fn load<'t>(
        &self,
        load: &mut Load,
        table: &'t Table,
        entry: &TableEntry,
    ) -> Result<(TableSummary, Option<Deferred<'t>>), SnapshotError> {
        let display = self.schema.display_name(&table.name);
        // Rows that may already be there are left as they are: parents captured by
        // `--with-parents`, and rows of a table without the flag column (taken by
        // `--where`, or whole by `ensure`), which cleaning never removes. A snapshot of
        // every table goes into emptied (or empty) tables: a row already there is an error.
        let keep_existing = !self.manifest.selection.all
            && (self.manifest.selection.with_parents || entry.flag_column.is_none());
        let nulls = self.deferred_columns(table, entry);
        let deferred = if nulls.is_empty() {
            None
        } else {
            let staged = self
                .stage_deferred(load, table, entry, &display, &nulls, keep_existing)
                .await?;
            Some((display.clone(), staged))
        };
        let table_started = Instant::now();
        self.observer.table_started(&display, entry.rows);
        let (rows, skipped, flagged) = self
            .write_rows(load, table, entry, &display, nulls, keep_existing)
            .await?;
        // Rows already there are left as they are only when they are what the snapshot
        // holds (parents, rows without the flag); a flagged row left out because an
        // unflagged row holds its key would be lost without a word.
        if let (true, Some(flag), Clean::Flagged | Clean::Truncate) =
            (keep_existing, &entry.flag_column, self.clean)
        {
            check_collisions(load, table, flag, flagged, &display).await?;
        }
        let seconds = table_started.elapsed().as_secs_f64();
        self.observer.table_finished(&display, rows, seconds);
        let summary = TableSummary {
            table: display,
            rows,
            skipped,
            seconds,
        };
        Ok((summary, deferred))
    }

    /// Keys written NULL now and set once every table is in (server checks only). A
    /// column the snapshot does not hold (added since) is left to the database.
    fn deferred_columns(&self, table: &Table, entry: &TableEntry) -> Vec<String> {
        if self.checks != FkChecks::Server {
            return Vec::new();
        }
        table
            .foreign_keys
            .iter()
            .filter(|fk| {
                self.order
                    .break_for(&table.name, &fk.name)
                    .is_some_and(|b| b.strategy == BreakStrategy::NullThenUpdate)
            })
            .flat_map(|fk| fk.columns.clone())
            .filter(|c| entry.columns.iter().any(|e| &e.name == c))
            .collect()
    }

    /// Stages the values of the deferred key columns `nulls`, found by the table's primary
    /// key, for the second pass.
    async fn stage_deferred<'t>(
        &self,
        load: &mut Load,
        table: &'t Table,
        entry: &TableEntry,
        display: &str,
        nulls: &[String],
        keep_existing: bool,
    ) -> Result<StagedUpdate<'t>, SnapshotError> {
        // Staged before the rows go in, so the rows already there can be left out:
        // the second pass sets keys only on rows this restore inserts.
        self.observer
            .step(&format!("staging the deferred keys of {display}"));
        let key = update_key(table, entry, display)?;
        let wanted: Vec<String> = key.iter().chain(nulls).cloned().collect();
        let (mut receiver, reader) = spawn_reader(
            self.store,
            self.manifest,
            entry,
            self.backend,
            Vec::new(),
            Some(wanted),
        );
        let staged = load.stage_update(table, &key, nulls, &mut receiver).await;
        drop(receiver);
        let read = reader.await.map_err(reader_failed)?;
        let mut staged = staged?;
        read?;
        if keep_existing {
            load.spare_existing(&mut staged).await?;
        }
        Ok(staged)
    }

    /// Inserts the table's rows, `nulls` written NULL; with `keep_existing`, rows whose key
    /// is already there are left out. Returns the rows inserted, the rows left out, and how
    /// many rows of the file had the flag set.
    async fn write_rows(
        &self,
        load: &mut Load,
        table: &Table,
        entry: &TableEntry,
        display: &str,
        nulls: Vec<String>,
        keep_existing: bool,
    ) -> Result<(u64, u64, u64), SnapshotError> {
        let columns: Vec<String> = entry.columns.iter().map(|c| c.name.clone()).collect();
        let (mut rows_in, reader) =
            spawn_reader(self.store, self.manifest, entry, self.backend, nulls, None);
        let observer_ref = Arc::clone(self.observer);
        let name = display.to_string();
        let mut on_rows = move |n: u64| observer_ref.rows_written(&name, n);
        let written = if keep_existing {
            load.write_missing(table, &columns, &mut rows_in, &mut on_rows)
                .await
                .map(|c| (c.inserted, c.skipped))
        } else {
            load.write(table, &columns, &mut rows_in, &mut on_rows)
                .await
                .map(|n| (n, 0))
        };
        // Close the channel before waiting for the reader: after a failed write nothing
        // drains it, and the reader would wait forever to send its next batch.
        drop(rows_in);
        let read = reader.await.map_err(reader_failed)?;
        let (rows, skipped) = written?;
        let flagged = read?;
        Ok((rows, skipped, flagged))
    }
}

/// Refuses the restore when fewer of the table's rows are flagged now than the `flagged`
/// rows of its file: rows already in the database hold their keys.
async fn check_collisions(
    load: &mut Load,
    table: &Table,
    flag: &str,
    flagged: u64,
    display: &str,
) -> Result<(), SnapshotError> {
    let restored = load.count_flagged(table, flag).await?;
    if restored < flagged {
        return Err(SnapshotError::Collision(format!(
            "{} flagged row{} of {display} could not be restored: rows already in the database \
             (not flagged) hold the same primary or unique key",
            flagged - restored,
            if flagged - restored == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// The key the second pass finds a row by: the table's primary key, every column of which
/// the snapshot must hold.
fn update_key(
    table: &Table,
    entry: &TableEntry,
    display: &str,
) -> Result<Vec<String>, SnapshotError> {
    let key = table
        .primary_key
        .as_ref()
        .map(|k| k.columns.clone())
        .ok_or_else(|| SnapshotError::NoKeyForDeferred {
            table: display.to_string(),
            problem: format!("{display} has no primary key"),
            remedy: Remedy::FixturaChecksOrDeferrable,
        })?;
    if let Some(missing) = key
        .iter()
        .find(|k| !entry.columns.iter().any(|c| &c.name == *k))
    {
        return Err(SnapshotError::NoKeyForDeferred {
            table: display.to_string(),
            problem: format!(
                "{display}.{missing} is part of the primary key but not in the snapshot"
            ),
            remedy: Remedy::FixturaChecks,
        });
    }
    Ok(key)
}

fn reader_failed(e: tokio::task::JoinError) -> SnapshotError {
    SnapshotError::Selection(format!("reader thread failed: {e}"))
}
