//! `snapshot restore`: checksums and schema drift checked first; then, in one transaction,
//! the flagged rows cleaned (never an unflagged one), every table's rows inserted in
//! foreign-key order through the bulk writer, the keys checked, sequences moved past the
//! restored keys. Any failure, or Ctrl-C, leaves the database exactly as it was.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;

use super::SnapshotError;
use super::codec;
use super::manifest::{Manifest, TableEntry};
use super::store::{Store, TableReader};
use crate::db::{Backend, Db};
use crate::generate::ChecksChoice;
use crate::graph::{BreakStrategy, Capabilities, DependencyGraph};
use crate::progress::Observer;
use crate::schema::{self, ColumnType, IntrospectOptions, QualifiedName, Schema, Table};
use crate::value::{Row, Value};
use crate::write::{Cleaned, FkChecks, Load, StagedUpdate, describe_blockers};

const BATCH: usize = 5_000;

/// What to do with the rows already there before inserting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clean {
    /// Delete the flagged rows of the snapshot's tables (never an unflagged one).
    #[default]
    Flagged,
    /// Empty the snapshot's tables.
    Truncate,
    /// Leave everything; rows are added.
    None,
}

/// How to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    pub name: String,
    pub clean: Clean,
    /// Clean even a database whose name does not look like a test database.
    pub allow_any_db: bool,
    pub checks: ChecksChoice,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    pub name: String,
    pub tables: Vec<TableSummary>,
    pub rows: u64,
    /// Rows removed by cleaning.
    pub deleted: u64,
    /// Compatible schema differences that were handled.
    pub drift: Vec<String>,
    pub fk_checks: &'static str,
    pub seconds: f64,
}

/// One table's share.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    /// Rows already present, left as they were: parents captured by `--with-parents`, rows
    /// of a table without the flag column.
    pub skipped: u64,
    pub seconds: f64,
}

/// Restores snapshot `options.name` from `store` into `db`.
pub async fn restore(
    db: &Db,
    store: &Store,
    options: &RestoreOptions,
    observer: Arc<dyn Observer>,
) -> Result<RestoreSummary, SnapshotError> {
    let started = Instant::now();
    let manifest = store.manifest(&options.name)?;
    observer.step("verifying checksums");
    store.verify(&manifest)?;
    let flag = manifest.selection.flag.clone();
    let schema = schema::introspect(db, &IntrospectOptions { flag: flag.clone() }).await?;
    let drift = check_drift(&manifest, &schema)?;
    if options.clean != Clean::None && !options.allow_any_db {
        let name = crate::db::database_name(db).await?;
        if !looks_like_test_database(&name) {
            return Err(SnapshotError::Unsafe(format!(
                "refusing to clean database \"{name}\": its name does not look like a test database \
                 (it should contain a word like test, dev, ci, local, tmp or fixture); \
                 pass --allow-any-db if you mean it, or --clean none"
            )));
        }
    }
    let capabilities = schema::capabilities(db).await?;
    let checks = match options.checks {
        ChecksChoice::Auto if capabilities.session_switch => FkChecks::Fixtura,
        ChecksChoice::Fixtura if capabilities.session_switch => FkChecks::Fixtura,
        ChecksChoice::Fixtura => {
            return Err(SnapshotError::Selection(
                "this role may not switch foreign-key checks off: use --fk-checks server".into(),
            ));
        }
        _ => FkChecks::Server,
    };
    let order = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: checks == FkChecks::Fixtura,
    });
    // Each manifest table maps to the one live table its display name resolves to (the same
    // rule `check_drift` used), so a snapshot of MySQL database `a` restores into `b`.
    let entry_of = |name: &QualifiedName| {
        let display = schema.display_name(name);
        manifest.tables.iter().find(|t| {
            t.display_name == display && schema.resolve(&display).is_some_and(|r| &r.name == name)
        })
    };
    let names: Vec<QualifiedName> = order
        .insert_order
        .iter()
        .filter(|n| entry_of(n).is_some())
        .cloned()
        .collect();
    for cycle in &order.cycles {
        if !cycle.unbreakable.is_empty() && cycle.tables.iter().any(|t| names.contains(t)) {
            let only = crate::graph::Plan {
                cycles: vec![cycle.clone()],
                ..order.clone()
            };
            only.ensure_feasible()?;
        }
    }
    let tables: Vec<&Table> = names.iter().filter_map(|n| schema.table(n)).collect();

    let mut load = Load::begin(db, checks).await?;
    let mut deleted = 0;
    match options.clean {
        Clean::None => {}
        Clean::Truncate => {
            observer.step("emptying the snapshot's tables");
            let reversed: Vec<&Table> = tables.iter().rev().copied().collect();
            load.truncate(&reversed).await?;
        }
        Clean::Flagged => {
            observer.step("deleting flagged rows");
            match load
                .clean_flagged(&schema, &order, &names, &flag, checks)
                .await?
            {
                Cleaned::Deleted(n) => deleted = n,
                Cleaned::Blocked(blockers) => {
                    return Err(SnapshotError::Blocked(describe_blockers(
                        &blockers, &schema,
                    )));
                }
            }
        }
    }

    let mut summaries = Vec::new();
    let mut deferred: Vec<(String, StagedUpdate)> = Vec::new();
    for table in &tables {
        let entry = entry_of(&table.name).expect("BUG: tables come from the manifest");
        let display = schema.display_name(&table.name);
        // Rows that may already be there are left as they are: parents captured by
        // `--with-parents`, and rows of a table without the flag column (taken by
        // `--where`), which cleaning never removes.
        let keep_existing = manifest.selection.with_parents || entry.flag_column.is_none();
        // Keys written NULL now and set once every table is in (server checks only). A
        // column the snapshot does not hold (added since) is left to the database.
        let nulls: Vec<String> = if checks == FkChecks::Server {
            table
                .foreign_keys
                .iter()
                .filter(|fk| {
                    order
                        .break_for(&table.name, &fk.name)
                        .is_some_and(|b| b.strategy == BreakStrategy::NullThenUpdate)
                })
                .flat_map(|fk| fk.columns.clone())
                .filter(|c| entry.columns.iter().any(|e| &e.name == c))
                .collect()
        } else {
            Vec::new()
        };
        if !nulls.is_empty() {
            // Staged before the rows go in, so the rows already there can be left out:
            // the second pass sets keys only on rows this restore inserts.
            observer.step(&format!("staging the deferred keys of {display}"));
            let key = update_key(table, entry, &display)?;
            let wanted: Vec<String> = key.iter().chain(&nulls).cloned().collect();
            let (mut receiver, reader) = spawn_reader(
                store,
                &manifest,
                entry,
                db.backend(),
                Vec::new(),
                Some(wanted),
            );
            let staged = load.stage_update(table, &key, &nulls, &mut receiver).await;
            drop(receiver);
            let read = reader
                .await
                .map_err(|e| SnapshotError::Selection(format!("reader thread failed: {e}")))?;
            let mut staged = staged?;
            read?;
            if keep_existing {
                load.spare_existing(&mut staged).await?;
            }
            deferred.push((display.clone(), staged));
        }
        let table_started = Instant::now();
        observer.table_started(&display, entry.rows);
        let columns: Vec<String> = entry.columns.iter().map(|c| c.name.clone()).collect();
        let (mut rows_in, reader) =
            spawn_reader(store, &manifest, entry, db.backend(), nulls, None);
        let observer_ref = Arc::clone(&observer);
        let name = display.clone();
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
        let read = reader
            .await
            .map_err(|e| SnapshotError::Selection(format!("reader thread failed: {e}")))?;
        let (rows, skipped) = written?;
        let flagged = read?;
        // Rows already there are left as they are only when they are what the snapshot
        // holds (parents, rows without the flag); a flagged row left out because an
        // unflagged row holds its key would be lost without a word.
        if let (true, Some(flag), Clean::Flagged | Clean::Truncate) =
            (keep_existing, &entry.flag_column, options.clean)
        {
            let restored = load.count_flagged(table, flag).await?;
            if restored < flagged {
                return Err(SnapshotError::Collision(format!(
                    "{} flagged row{} of {display} could not be restored: rows already in the database \
                     (not flagged) hold the same primary or unique key",
                    flagged - restored,
                    if flagged - restored == 1 { "" } else { "s" }
                )));
            }
        }
        let seconds = table_started.elapsed().as_secs_f64();
        observer.table_finished(&display, rows, seconds);
        summaries.push(TableSummary {
            table: display,
            rows,
            skipped,
            seconds,
        });
    }

    // Second pass: the keys written NULL, on the rows this restore inserted.
    for (display, staged) in deferred {
        observer.step(&format!("filling the deferred keys of {display}"));
        load.apply_update(staged).await?;
    }

    if checks == FkChecks::Fixtura {
        observer.step("checking foreign keys");
        // The restored tables' keys, and the keys of every table pointing into them: with
        // checks off, cleaning or truncating must not have orphaned a row anywhere.
        let mut checked = names.clone();
        for t in &schema.tables {
            if !checked.contains(&t.name)
                && t.foreign_keys
                    .iter()
                    .any(|fk| names.contains(&fk.referenced_table))
            {
                checked.push(t.name.clone());
            }
        }
        load.check_foreign_keys(&schema, &checked).await?;
    }
    observer.step("moving sequences past the restored keys");
    load.reset_sequences(&tables).await?;
    observer.step("committing");
    load.commit().await?;
    Ok(RestoreSummary {
        name: manifest.name.clone(),
        rows: summaries.iter().map(|s| s.rows).sum(),
        tables: summaries,
        deleted,
        drift,
        fk_checks: if checks == FkChecks::Fixtura {
            "fixtura"
        } else {
            "server"
        },
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The key the second pass finds a row by: the table's primary key, every column of which
/// the snapshot must hold.
fn update_key(
    table: &Table,
    entry: &TableEntry,
    display: &str,
) -> Result<Vec<String>, SnapshotError> {
    let key = table.primary_key.as_ref().map(|k| k.columns.clone()).ok_or_else(|| {
        SnapshotError::Selection(format!(
            "{display} has no primary key, so its cycle-breaking keys cannot be filled in afterwards: \
             use --fk-checks fixtura or make the constraint DEFERRABLE"
        ))
    })?;
    if let Some(missing) = key
        .iter()
        .find(|k| !entry.columns.iter().any(|c| &c.name == *k))
    {
        return Err(SnapshotError::Selection(format!(
            "{display}.{missing} is part of the primary key but not in the snapshot, so the \
             cycle-breaking keys of {display} cannot be filled in afterwards: use --fk-checks fixtura"
        )));
    }
    Ok(key)
}

/// The rows, and the reader, which ends with how many rows it sent had the flag set.
type Reader = (
    mpsc::Receiver<Vec<Row>>,
    tokio::task::JoinHandle<Result<u64, SnapshotError>>,
);

/// Decodes a table file on a blocking thread into batches of rows: every column, with
/// `nulls` written as NULL; or, with `only`, just those columns in that order.
fn spawn_reader(
    store: &Store,
    manifest: &Manifest,
    entry: &TableEntry,
    backend: Backend,
    nulls: Vec<String>,
    only: Option<Vec<String>>,
) -> Reader {
    let path = store.path(&manifest.name).join(&entry.file);
    let columns: Vec<(usize, ColumnType, bool)> = match &only {
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
    };
    let snapshot = manifest.name.clone();
    let flag = entry
        .flag_column
        .as_ref()
        .and_then(|f| entry.columns.iter().position(|c| &c.name == f));
    let (sender, receiver) = mpsc::channel::<Vec<Row>>(4);
    let handle = tokio::task::spawn_blocking(move || -> Result<u64, SnapshotError> {
        let mut reader = TableReader::open(&path)?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut flagged = 0;
        while let Some(row) = reader.next_row()? {
            // As the servers read a flag: true, or a number other than 0.
            if flag.and_then(|i| row.get(i)).is_some_and(|v| match v {
                serde_json::Value::Bool(b) => *b,
                serde_json::Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
                _ => false,
            }) {
                flagged += 1;
            }
            let mut values = Vec::with_capacity(columns.len());
            for (i, ty, null) in &columns {
                let json = row.get(*i).ok_or_else(|| {
                    SnapshotError::Store(super::store::StoreError::Damaged {
                        name: snapshot.clone(),
                        problem: format!("a row of {} is shorter than its columns", path.display()),
                    })
                })?;
                values.push(if *null {
                    Value::Null
                } else {
                    codec::from_json(json, ty, backend)
                        .map_err(|e| SnapshotError::Codec(e.to_string()))?
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

/// Compares the snapshot's tables with the live schema. Differences that cannot lose data
/// (a new column the database can fill itself, a wider type) come back as notes; anything
/// else is an error listing every difference.
pub fn check_drift(manifest: &Manifest, schema: &Schema) -> Result<Vec<String>, SnapshotError> {
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    for entry in &manifest.tables {
        let Some(table) = schema.resolve(&entry.display_name) else {
            problems.push(format!("table {} is missing", entry.display_name));
            continue;
        };
        for column in &entry.columns {
            match table.column(&column.name) {
                None => problems.push(format!(
                    "{}.{} was dropped",
                    entry.display_name, column.name
                )),
                Some(now) if now.generated.is_some() => problems.push(format!(
                    "{}.{} is now a generated column, so its stored values cannot be written",
                    entry.display_name, column.name
                )),
                Some(now) if !widens(&column.column_type, &now.column_type) => {
                    problems.push(format!(
                        "{}.{} changed type from {} to {}",
                        entry.display_name, column.name, column.type_name, now.type_name
                    ))
                }
                Some(now) if now.type_name != column.type_name => notes.push(format!(
                    "{}.{} widened from {} to {}",
                    entry.display_name, column.name, column.type_name, now.type_name
                )),
                Some(_) => {}
            }
        }
        for now in &table.columns {
            if entry.columns.iter().any(|c| c.name == now.name) || now.generated.is_some() {
                continue;
            }
            if now.nullable || now.default.is_some() || now.identity.is_some() {
                notes.push(format!(
                    "{}.{} is new: the database fills it",
                    entry.display_name, now.name
                ));
            } else {
                problems.push(format!(
                    "{}.{} is new, NOT NULL and has no default: the snapshot has no values for it",
                    entry.display_name, now.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(notes)
    } else {
        Err(SnapshotError::Drift(problems.join("; ")))
    }
}

/// Whether every value of type `old` fits type `new` unchanged.
fn widens(old: &ColumnType, new: &ColumnType) -> bool {
    use ColumnType as T;
    match (old, new) {
        _ if old == new => true,
        (
            T::Integer {
                bytes: a,
                unsigned: ua,
            },
            T::Integer {
                bytes: b,
                unsigned: ub,
            },
        ) => (ua == ub && b >= a) || (!ub && *ua && b > a),
        (T::Integer { .. }, T::Decimal { .. }) => true,
        (T::Float { bytes: a }, T::Float { bytes: b }) => b >= a,
        (
            T::Text { max_length: a, .. },
            T::Text {
                max_length: b,
                fixed: false,
            },
        ) => match (a, b) {
            (_, None) => true,
            (Some(a), Some(b)) => b >= a,
            (None, Some(_)) => false,
        },
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => match (p1, p2) {
            (_, None) => true,
            (Some(p1), Some(p2)) => s2 >= s1 && p2 - s2.unwrap_or(0) >= p1 - s1.unwrap_or(0),
            (None, Some(_)) => false,
        },
        (T::Enum { labels: a, .. }, T::Enum { labels: b, .. }) => a.iter().all(|l| b.contains(l)),
        (
            T::Enum { .. },
            T::Text {
                max_length: None, ..
            },
        ) => true,
        (T::Json, T::Jsonb)
        | (
            T::Timestamp {
                with_time_zone: false,
            },
            T::Timestamp { .. },
        ) => true,
        (T::Binary { max_length: a }, T::Binary { max_length: b }) => {
            b.is_none() || (a.is_some() && b >= a)
        }
        _ => false,
    }
}

/// Whether a database name looks like one meant for tests: one of its words (split at
/// anything but letters and digits) is test, tests, testing, dev, development, ci, local,
/// tmp, temp, scratch, sandbox, fixture(s), fixtura, demo, e2e or qa; or it is an in-memory
/// SQLite database. This is the rule destructive cleaning checks (README: "Safety").
pub fn looks_like_test_database(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "test",
        "tests",
        "testing",
        "dev",
        "development",
        "ci",
        "local",
        "tmp",
        "temp",
        "scratch",
        "sandbox",
        "fixture",
        "fixtures",
        "fixtura",
        "demo",
        "e2e",
        "qa",
    ];
    if name.is_empty() || name.contains(":memory:") {
        return true;
    }
    // For a file, its name without directories decides.
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    base.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            WORDS.contains(&word)
                || WORDS.iter().any(|w| {
                    word.starts_with(w) && word[w.len()..].chars().all(|c| c.is_ascii_digit())
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_looking_names_are_recognised_and_others_are_not() {
        for yes in [
            "test",
            "app_test",
            "test-app",
            "myapp_dev",
            "ci_42",
            "fixtura_test_1_2_3",
            "/tmp/x/demo.db",
            "tests",
            "test2",
            "sqlite::memory:",
        ] {
            assert!(looks_like_test_database(yes), "{yes}");
        }
        for no in [
            "production",
            "app",
            "attest",
            "contest_results",
            "devices",
            "/srv/data/app.db",
        ] {
            assert!(!looks_like_test_database(no), "{no}");
        }
    }

    #[test]
    fn widening_is_allowed_and_narrowing_is_not() {
        use ColumnType as T;
        let int = |bytes| T::Integer {
            bytes,
            unsigned: false,
        };
        let text = |n| T::Text {
            max_length: n,
            fixed: false,
        };
        assert!(widens(&int(4), &int(8)));
        assert!(!widens(&int(8), &int(4)));
        assert!(widens(&text(Some(40)), &text(Some(80))));
        assert!(widens(&text(Some(40)), &text(None)));
        assert!(!widens(&text(Some(80)), &text(Some(40))));
        assert!(!widens(&text(None), &int(8)));
    }
}
