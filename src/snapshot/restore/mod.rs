//! `snapshot restore`: checksums and schema drift checked first; then, in one transaction,
//! the flagged rows cleaned (never an unflagged one), every table's rows inserted in
//! foreign-key order through the bulk writer, the keys checked, sequences moved past the
//! restored keys. Any failure, or Ctrl-C, leaves the database exactly as it was.
//!
//! [`restore`] reads top to bottom as its steps: verify (checksums, drift in `drift.rs`,
//! the safety rule in `safety.rs`), plan (who checks keys, insert order, cycles), clean,
//! load each table (`load.rs`, fed by the table-file reader thread of `reader.rs`), then
//! finish (the deferred keys' second pass, key checks, sequences, commit).

mod drift;
mod load;
mod reader;
mod safety;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

pub(crate) use self::drift::check_drift;
use self::load::{Deferred, TableLoad};
pub(crate) use self::safety::looks_like_test_database;
use super::SnapshotError;
use super::manifest::{Manifest, TableEntry};
use super::store::Store;
use crate::db::{Capabilities, ChecksChoice, Db, FkChecks, QualifiedName, Remedy};
use crate::graph::{self, DependencyGraph};
use crate::progress::Observer;
use crate::schema::{self, IntrospectOptions, Schema, Table, TriggerEvent};
use crate::write::{
    Allow, Cleaned, Job, Load, Touched, WriteNotes, Writes, check_writes, describe_blockers,
    without_rollback_claims,
};

/// What to do with the rows already there before inserting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clean {
    /// Delete the flagged rows of the snapshot's tables (never an unflagged one). A snapshot
    /// of every row of its tables (`all`) deletes nothing: its tables must be empty.
    #[default]
    Flagged,
    /// Empty the snapshot's tables (the summary counts the rows removed); refused, before
    /// anything is written, when rows of a table outside the snapshot reference them.
    Truncate,
    /// Leave everything; rows are added.
    None,
}

/// How to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// The snapshot to restore.
    pub name: String,
    /// What to remove first.
    pub clean: Clean,
    /// Clean even a database whose name does not look like a test database.
    pub allow_any_db: bool,
    /// Who checks foreign keys.
    pub checks: ChecksChoice,
    /// Restore even where triggers fire on the rows written (MySQL/MariaDB and SQLite,
    /// which cannot switch them off; PostgreSQL when the server checks keys or a trigger is
    /// `ENABLE ALWAYS`): the rows may then differ from the snapshot's, and the summary's
    /// notes name the triggers per table. Without it, such a restore is refused before
    /// writing.
    pub allow_triggers: bool,
    /// Write tables whose engine has no transactions (MySQL/MariaDB MyISAM, Aria, MEMORY,
    /// ...): a failure then leaves the rows written to them, and says so. Without it, such
    /// a restore is refused before writing.
    pub allow_non_transactional: bool,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    /// The snapshot.
    pub name: String,
    /// Each table restored, in insert order.
    pub tables: Vec<TableSummary>,
    /// Rows restored in all.
    pub rows: u64,
    /// Rows removed by cleaning.
    pub deleted: u64,
    /// Compatible schema differences that were handled.
    pub drift: Vec<String>,
    /// `fixtura` (session switch + set-wise checks) or `server`.
    pub fk_checks: &'static str,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Triggers that fired or stayed silent, tables without transactions written.
    pub notes: WriteNotes,
}

/// One table's share.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    /// The table, as shown to a person.
    pub table: String,
    /// Rows inserted.
    pub rows: u64,
    /// Rows already present, left as they were: parents captured by `--with-parents`, rows
    /// of a table without the flag column.
    pub skipped: u64,
    /// Seconds restoring it.
    pub seconds: f64,
}

/// Restores snapshot `options.name` from `store` into `db`.
pub(crate) async fn restore(
    db: &Db,
    store: &Store,
    options: &RestoreOptions,
    observer: Arc<dyn Observer>,
) -> Result<RestoreSummary, SnapshotError> {
    let started = Instant::now();
    let (manifest, schema, drift) = verify(db, store, options, observer.as_ref()).await?;
    let plan = RestorePlan::new(db, options, &manifest, &schema).await?;
    for line in plan.notes.lines() {
        observer.note(&line);
    }

    let load = Load::begin(db, plan.checks).await?;
    let touched = load.touched();
    let tables = TableLoad {
        store,
        manifest: &manifest,
        schema: &schema,
        order: &plan.order,
        checks: plan.checks,
        clean: options.clean,
        backend: db.backend(),
        observer: &observer,
    };
    let result = write(load, &tables, &plan).await;
    let (summaries, deleted) = result.map_err(|e| not_rolled_back(e, &touched, &schema))?;

    Ok(RestoreSummary {
        name: manifest.name.clone(),
        rows: summaries.iter().map(|s| s.rows).sum(),
        tables: summaries,
        deleted,
        drift,
        fk_checks: if plan.checks == FkChecks::Fixtura {
            "fixtura"
        } else {
            "server"
        },
        seconds: started.elapsed().as_secs_f64(),
        notes: plan.notes,
    })
}

/// The transaction: clean, load every table, finish; the tables' summaries and the rows
/// cleaning removed.
async fn write(
    mut load: Load,
    tables: &TableLoad<'_>,
    plan: &RestorePlan<'_>,
) -> Result<(Vec<TableSummary>, u64), SnapshotError> {
    let (manifest, schema) = (tables.manifest, tables.schema);
    let observer = tables.observer.as_ref();
    let deleted = clean(&mut load, tables.clean, manifest, schema, plan, observer).await?;
    let mut summaries = Vec::new();
    let mut deferred: Vec<Deferred> = Vec::new();
    for &table in &plan.tables {
        let entry =
            entry_of(manifest, schema, &table.name).expect("BUG: tables come from the manifest");
        let (summary, staged) = tables.load(&mut load, table, entry).await?;
        deferred.extend(staged);
        summaries.push(summary);
    }
    finish(load, schema, plan, deferred, observer).await?;
    Ok((summaries, deleted))
}

/// `error`, said truthfully: when the load had written tables without transactions, their
/// rows stay whatever the rollback undid.
fn not_rolled_back(error: SnapshotError, touched: &Touched, schema: &Schema) -> SnapshotError {
    let staying = touched.staying(schema);
    if staying.is_empty() {
        return error;
    }
    SnapshotError::NotRolledBack {
        failure: without_rollback_claims(&error.to_string()),
        staying: staying.join(", "),
        error: Box::new(error),
    }
}

/// Everything checked before a restore writes: the manifest and its files' checksums, the
/// live schema against the snapshot's (the compatible differences come back as notes), and
/// whether this database may be cleaned.
async fn verify(
    db: &Db,
    store: &Store,
    options: &RestoreOptions,
    observer: &dyn Observer,
) -> Result<(Manifest, Schema, Vec<String>), SnapshotError> {
    let manifest = store.read_manifest(&options.name)?;
    observer.step("verifying checksums");
    store.verify_files(&manifest)?;
    let flag = manifest.selection.flag.clone();
    let schema = schema::introspect(db, &IntrospectOptions { flag }).await?;
    let drift = check_drift(&manifest, &schema)?;
    safety::refuse_unsafe_clean(db, options).await?;
    Ok((manifest, schema, drift))
}

/// What a restore will do, decided before anything is written.
struct RestorePlan<'s> {
    /// Who checks foreign keys: the server, or fixtura before commit.
    checks: FkChecks,
    /// Insert and delete order, and how each cycle is broken under those checks.
    order: graph::Plan,
    /// The snapshot's tables, in insert order.
    names: Vec<QualifiedName>,
    /// The same, as the live schema has them.
    tables: Vec<&'s Table>,
    /// What the writes set off, accepted or silent.
    notes: WriteNotes,
}

impl<'s> RestorePlan<'s> {
    /// Chooses who checks keys, orders the snapshot's tables, and refuses a cycle among
    /// them that cannot be broken.
    async fn new(
        db: &Db,
        options: &RestoreOptions,
        manifest: &Manifest,
        schema: &'s Schema,
    ) -> Result<RestorePlan<'s>, SnapshotError> {
        let capabilities = crate::db::capabilities(db).await?;
        let checks = options.checks.resolve(capabilities)?;
        let order = DependencyGraph::new(schema).plan(Capabilities {
            session_switch: checks == FkChecks::Fixtura,
        });
        let names: Vec<QualifiedName> = order
            .insert_order
            .iter()
            .filter(|n| entry_of(manifest, schema, n).is_some())
            .cloned()
            .collect();
        for cycle in &order.cycles {
            if !cycle.unbreakable.is_empty() && cycle.tables.iter().any(|t| names.contains(t)) {
                let only = graph::Plan {
                    cycles: vec![cycle.clone()],
                    ..order.clone()
                };
                only.check_cycles()?;
            }
        }
        let tables: Vec<&Table> = names.iter().filter_map(|n| schema.table(n)).collect();
        let writes = writes(&tables, &order, checks, options.clean, manifest);
        let allow = Allow {
            triggers: options.allow_triggers,
            non_transactional: options.allow_non_transactional,
        };
        let notes = check_writes(schema, &writes, checks, Job::Restore, allow)?;
        Ok(RestorePlan {
            checks,
            order,
            names,
            tables,
            notes,
        })
    }
}

/// The tables a restore writes and the statements it runs on each: every table of the
/// snapshot is inserted into; cleaning deletes from the flagged ones, or empties them all.
fn writes<'s>(
    tables: &[&'s Table],
    order: &graph::Plan,
    checks: FkChecks,
    clean: Clean,
    manifest: &Manifest,
) -> Writes<'s> {
    let mut writes = Writes::default();
    for &table in tables {
        writes.add(table, TriggerEvent::Insert);
        writes.add_deferred_updates(table, order, checks);
        match clean {
            Clean::Flagged if table.column(&manifest.selection.flag).is_some() => {
                writes.add(table, TriggerEvent::Delete);
            }
            Clean::Truncate => writes.add(table, TriggerEvent::Truncate),
            _ => {}
        }
    }
    writes
}

/// The manifest table that live table `name` restores: the one whose display name resolves
/// to it (the same rule `check_drift` used), so a snapshot of MySQL database `a` restores
/// into `b`.
fn entry_of<'m>(
    manifest: &'m Manifest,
    schema: &Schema,
    name: &QualifiedName,
) -> Option<&'m TableEntry> {
    let display = schema.display_name(name);
    manifest.tables.iter().find(|t| {
        t.display_name == display && schema.resolve(&display).is_some_and(|r| &r.name == name)
    })
}

/// Cleans as asked before inserting; returns how many rows were deleted.
async fn clean(
    load: &mut Load,
    clean: Clean,
    manifest: &Manifest,
    schema: &Schema,
    plan: &RestorePlan<'_>,
    observer: &dyn Observer,
) -> Result<u64, SnapshotError> {
    let mut deleted = 0;
    match clean {
        Clean::None => {}
        Clean::Truncate => {
            observer.step("emptying the snapshot's tables");
            let reversed: Vec<&Table> = plan.tables.iter().rev().copied().collect();
            match load.empty(schema, &reversed).await? {
                Cleaned::Deleted(n) => deleted = n,
                Cleaned::Blocked(blockers) => {
                    return Err(SnapshotError::TruncateBlocked {
                        blockers: describe_blockers(&blockers, schema),
                        remedy: Remedy::CaptureOrCleanOtherwise,
                    });
                }
            }
        }
        Clean::Flagged if manifest.selection.all => {
            observer.step("checking that the snapshot's tables are empty");
            refuse_rows_there(load, manifest, schema, plan).await?;
        }
        Clean::Flagged => {
            observer.step("deleting flagged rows");
            match load
                .clean_flagged(
                    schema,
                    &plan.order,
                    &plan.names,
                    &manifest.selection.flag,
                    plan.checks,
                )
                .await?
            {
                Cleaned::Deleted(n) => deleted = n,
                Cleaned::Blocked(blockers) => {
                    return Err(SnapshotError::Blocked {
                        blockers: describe_blockers(&blockers, schema),
                        remedy: Remedy::FlagOrCleanOtherwise,
                    });
                }
            }
        }
    }
    Ok(deleted)
}

/// Refuses a snapshot of every row of its tables when some of them hold rows: deleting
/// only the flagged ones would leave the others to collide with the snapshot's.
async fn refuse_rows_there(
    load: &mut Load,
    manifest: &Manifest,
    schema: &Schema,
    plan: &RestorePlan<'_>,
) -> Result<(), SnapshotError> {
    let mut holding = Vec::new();
    for table in &plan.tables {
        if !load.is_empty(table).await? {
            holding.push(schema.display_name(&table.name));
        }
    }
    if holding.is_empty() {
        return Ok(());
    }
    Err(SnapshotError::NotEmpty {
        snapshot: manifest.name.clone(),
        tables: holding,
        remedy: Remedy::TruncateOrEmptyDatabase,
    })
}

/// The end of the transaction: the keys written NULL set on the rows this restore
/// inserted (the second pass), every key checked when fixtura checks them, sequences moved
/// past the restored keys, commit.
async fn finish(
    mut load: Load,
    schema: &Schema,
    plan: &RestorePlan<'_>,
    deferred: Vec<Deferred<'_>>,
    observer: &dyn Observer,
) -> Result<(), SnapshotError> {
    for (display, staged) in deferred {
        observer.step(&format!("filling the deferred keys of {display}"));
        load.apply_update(staged).await?;
    }
    if plan.checks == FkChecks::Fixtura {
        observer.step("checking foreign keys");
        load.check_foreign_keys(schema, &checked_tables(schema, &plan.names))
            .await?;
    }
    observer.step("moving sequences past the restored keys");
    load.reset_sequences(&plan.tables).await?;
    observer.step("committing");
    load.commit().await?;
    Ok(())
}

/// The tables whose keys fixtura checks: the restored tables, and every table pointing into
/// them — with checks off, cleaning or truncating must not have orphaned a row anywhere.
fn checked_tables(schema: &Schema, names: &[QualifiedName]) -> Vec<QualifiedName> {
    let mut checked = names.to_vec();
    for t in &schema.tables {
        if !checked.contains(&t.name)
            && t.foreign_keys
                .iter()
                .any(|fk| names.contains(&fk.referenced_table))
        {
            checked.push(t.name.clone());
        }
    }
    checked
}
