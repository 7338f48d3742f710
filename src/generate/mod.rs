//! Generation: a declarative spec becomes deterministic rows with valid foreign keys,
//! streamed in bounded batches to the bulk writer, all in one transaction.
//!
//! ```text
//! spec.toml ─► spec::Spec ─► plan::plan (schema, graph order, existing keys)
//!                                  │
//!        per table, in insert order ▼
//!   blocking thread: GenPlan::rows(batch) ──bounded channel──► write::Load::write (COPY / INSERT)
//!                                  │
//!   deferred keys: bulk UPDATE ─► FK anti-joins (when checks are ours) ─► sequences ─► COMMIT
//! ```
//!
//! `generate` runs it in steps: `prepare` (schema, who checks keys, the transaction,
//! cleaning the flagged rows when asked, the plan), `write_table` for each table, and
//! `finish` (deferred keys, foreign-key checks, sequences, commit).

pub(crate) mod fakes;
pub(crate) mod generator;
pub(crate) mod infer;
mod locate;
pub(crate) mod plan;
pub(crate) mod rows;
pub(crate) mod spec;
pub(crate) mod starter;
mod unflagged;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;

use self::plan::{GenPlan, PlanError, PlanOptions};
pub use self::spec::{Spec, SpecError};
pub use self::unflagged::Unflagged;
pub use crate::db::ChecksChoice;
use crate::db::{Capabilities, Db, DbError, FkChecks, Remedy};
use crate::graph::{self, DependencyGraph, GraphError};
use crate::schema::TriggerEvent;
use crate::schema::{self, IntrospectOptions, Schema, Table};
use crate::value::Row;
use crate::write::{
    Allow, Cleaned, Job, Load, Touched, WriteError, Writes, check_writes, describe_blockers,
    without_rollback_claims,
};
pub use crate::write::{TableTriggers, WriteNotes};

/// Batches in flight between the generator thread and the writer: memory stays bounded by
/// `(CHANNEL_DEPTH + 2) × batch size` rows whatever the row count.
const CHANNEL_DEPTH: usize = 4;

/// Options that are not in the spec.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Multiplies every `rows = N`.
    pub scale: f64,
    /// Rows per batch; never changes the rows made.
    pub batch_size: usize,
    /// Who checks foreign keys.
    pub checks: ChecksChoice,
    /// Delete the flagged rows of every table first, in the same transaction (never an
    /// unflagged row: rows that stay and reference flagged ones stop it), so the flagged
    /// rows afterwards are exactly the generated ones. What `fixtura ensure` does before
    /// snapshotting.
    pub clean_flagged: bool,
    /// Write even where triggers fire on the rows written (MySQL/MariaDB and SQLite, which
    /// cannot switch them off; PostgreSQL when the server checks keys or a trigger is
    /// `ENABLE ALWAYS`): the rows may then differ from the spec's, and the summary's notes
    /// name the triggers. Without it, such a generation is refused before writing.
    pub allow_triggers: bool,
    /// Write tables whose engine has no transactions (MySQL/MariaDB MyISAM, Aria, MEMORY,
    /// ...): a failure then leaves the rows written to them, and says so. Without it, such
    /// a generation is refused before writing.
    pub allow_non_transactional: bool,
    /// What the tables the spec writes that have no flag column must be like before
    /// generating (their generated rows carry no mark): checked before a row is written.
    pub unflagged: Unflagged,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            scale: 1.0,
            batch_size: 5_000,
            checks: ChecksChoice::Auto,
            clean_flagged: false,
            allow_triggers: false,
            allow_non_transactional: false,
            unflagged: Unflagged::Any,
        }
    }
}

pub use crate::progress::{Observer, Quiet};

/// What a generation did.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Each table written, in insert order.
    pub tables: Vec<TableSummary>,
    /// Rows written in all.
    pub rows: u64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Rows per second over the whole run.
    pub rows_per_second: f64,
    /// `fixtura` (session switch + set-wise checks) or `server`.
    pub fk_checks: &'static str,
    /// Time spent on deferred-key updates, foreign-key checks and sequences.
    pub finishing_seconds: f64,
    /// The seed the rows were made with.
    pub seed: u64,
    /// Flagged rows deleted first (`clean_flagged`).
    pub deleted: u64,
    /// Triggers that fired or stayed silent, tables without transactions written.
    pub notes: WriteNotes,
}

/// One table's share.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    /// The table, as shown to a person.
    pub table: String,
    /// Rows written.
    pub rows: u64,
    /// Seconds writing it.
    pub seconds: f64,
    /// Rows per second.
    pub rows_per_second: f64,
    /// Whether the rows carry the flag column.
    pub flagged: bool,
}

/// Why generation failed. Nothing was written in any case — the transaction is rolled
/// back — except the rows already written to tables without transactions, which only a
/// caller who set `allow_non_transactional` writes: [`GenerateError::NotRolledBack`] names them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The spec is wrong, or does not fit the schema.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A foreign-key cycle among the tables written cannot be broken.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// Deleting the flagged rows first would orphan unflagged rows.
    #[error(
        "cannot delete the flagged rows before generating: unflagged rows reference them, and \
         deleting would orphan them (nothing was written): {0}; flag those rows too, or unflag \
         the rows they reference"
    )]
    Blocked(String),
    /// Tables the spec writes have no flag column and are not as [`Unflagged`] asked.
    #[error(
        "tables the spec writes have no flag column \"{flag}\", so their generated rows could \
         not be told from the others: {}; nothing was written. Add the flag column: {}",
        problems.join("; "),
        statements.join(" ")
    )]
    Unflagged {
        /// The flag column looked for.
        flag: String,
        /// What is wrong, table by table.
        problems: Vec<String>,
        /// The statements that add the flag column to every table the spec writes that
        /// lacks it, in the backend's syntax, each ending with `;`.
        statements: Vec<String>,
    },
    /// A cycle broken at a nullable key, with the server checking keys, in a table without
    /// a primary key to fill the key in by afterwards.
    #[error(
        "{table} has no primary key, so its cycle-breaking keys cannot be filled in afterwards: {remedy}"
    )]
    NoKeyForDeferred {
        /// The table, as shown to a person.
        table: String,
        /// What to do instead.
        remedy: Remedy,
    },
    /// A statement failed (introspection, the session's checks).
    #[error(transparent)]
    Database(#[from] DbError),
    /// Writing the rows failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The load failed after writing tables without transactions (accepted with
    /// `allow_non_transactional`): their rows stay, everything else was rolled back.
    #[error(
        "{failure}; the rows already written to {staying} (no transactions) stay, everything \
         else was rolled back"
    )]
    NotRolledBack {
        /// The failure, in words.
        failure: String,
        /// The tables whose rows stay.
        staying: String,
        /// The failure.
        error: Box<GenerateError>,
    },
}

impl GenerateError {
    /// The advice this error carries, if any.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            GenerateError::NoKeyForDeferred { remedy, .. } => Some(*remedy),
            GenerateError::Database(e) => e.remedy(),
            GenerateError::Write(e) => e.remedy(),
            GenerateError::NotRolledBack { error, .. } => error.remedy(),
            _ => None,
        }
    }
}

impl From<PlanError> for GenerateError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Spec(e) => GenerateError::Spec(e),
            PlanError::Write(e) => GenerateError::Write(e),
        }
    }
}

/// Generates `spec` into `db`, in one transaction.
pub(crate) async fn generate(
    db: &Db,
    spec: &Spec,
    options: &GenerateOptions,
    observer: Arc<dyn Observer>,
) -> Result<Summary, GenerateError> {
    let started = Instant::now();
    let settled = settle(db, spec, options, observer.as_ref()).await?;
    let load = Load::begin(db, settled.checks).await?;
    let touched = load.touched();
    let result = run(load, &settled, spec, options, &observer).await;
    let done = result.map_err(|e| not_rolled_back(e, &touched, &settled.schema))?;

    let rows = done.tables.iter().map(|s| s.rows).sum();
    let seconds = started.elapsed().as_secs_f64();
    Ok(Summary {
        tables: done.tables,
        rows,
        seconds,
        rows_per_second: rate(rows, seconds),
        fk_checks: match settled.checks {
            FkChecks::Fixtura => "fixtura",
            FkChecks::Server => "server",
        },
        finishing_seconds: done.finishing_seconds,
        seed: spec.seed,
        deleted: done.deleted,
        notes: settled.notes,
    })
}

/// What is settled before the transaction opens: the schema, who checks keys, the order,
/// and what the writes will set off (refused here, before anything is written).
struct Settled {
    schema: Schema,
    checks: FkChecks,
    order: graph::Plan,
    notes: WriteNotes,
}

/// What the transaction did.
struct Done {
    tables: Vec<TableSummary>,
    deleted: u64,
    finishing_seconds: f64,
}

/// Reads the schema, settles who checks foreign keys and the order, and checks what the
/// writes will set off: triggers that fire, tables without transactions.
async fn settle(
    db: &Db,
    spec: &Spec,
    options: &GenerateOptions,
    observer: &dyn Observer,
) -> Result<Settled, GenerateError> {
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: spec.flag.clone(),
        },
    )
    .await?;
    let capabilities = crate::db::capabilities(db).await?;
    let checks = options.checks.resolve(capabilities)?;
    let order = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: checks == FkChecks::Fixtura,
    });
    let allow = Allow {
        triggers: options.allow_triggers,
        non_transactional: options.allow_non_transactional,
    };
    let notes = check_writes(
        &schema,
        &writes(&schema, spec, &order, checks, options.clean_flagged),
        checks,
        Job::Generate,
        allow,
    )?;
    for line in notes.lines() {
        observer.note(&line);
    }
    Ok(Settled {
        schema,
        checks,
        order,
        notes,
    })
}

/// The tables a generation writes and the statements it runs on each: the spec's tables
/// are inserted into, and with `clean` every flagged table is deleted from first.
fn writes<'s>(
    schema: &'s Schema,
    spec: &Spec,
    order: &graph::Plan,
    checks: FkChecks,
    clean: bool,
) -> Writes<'s> {
    let mut writes = Writes::default();
    for table in spec.tables.iter().filter_map(|t| schema.resolve(&t.name)) {
        writes.add(table, TriggerEvent::Insert);
        writes.add_deferred_updates(table, order, checks);
    }
    if clean {
        for table in schema.tables.iter().filter(|t| t.flag_column.is_some()) {
            writes.add(table, TriggerEvent::Delete);
            writes.add_deferred_updates(table, order, checks);
        }
    }
    writes
}

/// The transaction: cleaning when asked, the plan, every table, then the finish.
async fn run(
    mut load: Load,
    settled: &Settled,
    spec: &Spec,
    options: &GenerateOptions,
    observer: &Arc<dyn Observer>,
) -> Result<Done, GenerateError> {
    let Settled {
        schema,
        checks,
        order,
        ..
    } = settled;
    let deleted = if options.clean_flagged {
        clean(&mut load, schema, order, spec, *checks, observer.as_ref()).await?
    } else {
        0
    };
    // Keys are assigned past the current maximum, read after cleaning: the same rows
    // whatever flagged rows were there before.
    let plan_options = PlanOptions {
        scale: options.scale,
        server_checks: *checks == FkChecks::Server,
    };
    let plan = plan::plan(spec, schema, order, plan_options, &mut load).await?;
    check_written_cycles(order, &plan)?;
    unflagged::check(&mut load, schema, &plan, &spec.flag, options.unflagged).await?;
    let plan = Arc::new(plan);
    let mut tables = Vec::with_capacity(plan.tables.len());
    for t in 0..plan.tables.len() {
        let written = write_table(&mut load, &plan, t, options.batch_size, observer)
            .await
            .map_err(|e| locate::locate(e, spec, schema, &plan.tables[t]))?;
        tables.push(written);
    }
    tracing::info!("rows written; finishing");
    let finishing = Instant::now();
    let batch_size = options.batch_size;
    finish(load, schema, &plan, *checks, batch_size, observer.as_ref())
        .await
        .map_err(|e| locate::locate_named(e, spec, schema, &plan))?;
    Ok(Done {
        tables,
        deleted,
        finishing_seconds: finishing.elapsed().as_secs_f64(),
    })
}

/// `error`, said truthfully: when the load had written tables without transactions, their
/// rows stay whatever the rollback undid.
fn not_rolled_back(error: GenerateError, touched: &Touched, schema: &Schema) -> GenerateError {
    let staying = touched.staying(schema);
    if staying.is_empty() {
        return error;
    }
    GenerateError::NotRolledBack {
        failure: without_rollback_claims(&error.to_string()),
        staying: staying.join(", "),
        error: Box::new(error),
    }
}

/// Deletes the flagged rows of every table, in the open transaction; how many went.
async fn clean(
    load: &mut Load,
    schema: &Schema,
    order: &graph::Plan,
    spec: &Spec,
    checks: FkChecks,
    observer: &dyn Observer,
) -> Result<u64, GenerateError> {
    observer.step("deleting flagged rows");
    let flagged: Vec<_> = order
        .insert_order
        .iter()
        .filter(|n| schema.table(n).is_some_and(|t| t.flag_column.is_some()))
        .cloned()
        .collect();
    match load
        .clean_flagged(schema, order, &flagged, &spec.flag, checks)
        .await?
    {
        Cleaned::Deleted(n) => Ok(n),
        Cleaned::Blocked(blockers) => {
            Err(GenerateError::Blocked(describe_blockers(&blockers, schema)))
        }
    }
}

/// Refuses a cycle that cannot be broken, if it joins tables the plan writes. Only those
/// matter: an unrelated corner of the schema may hold a cycle nothing could load.
fn check_written_cycles(order: &graph::Plan, plan: &GenPlan) -> Result<(), GraphError> {
    for cycle in &order.cycles {
        if !cycle.unbreakable.is_empty()
            && cycle
                .tables
                .iter()
                .any(|n| plan.tables.iter().any(|t| &t.table.name == n))
        {
            let only = graph::Plan {
                cycles: vec![cycle.clone()],
                ..order.clone()
            };
            only.check_cycles()?;
        }
    }
    Ok(())
}

/// Writes table `t` of the plan: rows made on a blocking thread flow through a bounded
/// channel into the writer, so memory stays bounded whatever the row count.
async fn write_table(
    load: &mut Load,
    plan: &Arc<GenPlan>,
    t: usize,
    batch_size: usize,
    observer: &Arc<dyn Observer>,
) -> Result<TableSummary, GenerateError> {
    let table_plan = &plan.tables[t];
    let columns: Vec<String> = table_plan.columns.iter().map(|c| c.name.clone()).collect();
    tracing::info!(table = %table_plan.display, rows = table_plan.rows, columns = columns.len(), "writing");
    observer.table_started(&table_plan.display, table_plan.rows);
    let table_started = Instant::now();
    let (sender, mut receiver) = mpsc::channel::<Vec<Row>>(CHANNEL_DEPTH);
    let producer = produce(Arc::clone(plan), t, batch_size, sender);
    let name = table_plan.display.clone();
    let observer_ref = Arc::clone(observer);
    let mut on_rows = move |n: u64| observer_ref.rows_written(&name, n);
    let written = load
        .write(&table_plan.table, &columns, &mut receiver, &mut on_rows)
        .await;
    // Closing the channel first stops a producer the writer gave up on.
    drop(receiver);
    let _ = producer.await;
    let written = written?;
    let seconds = table_started.elapsed().as_secs_f64();
    observer.table_finished(&table_plan.display, written, seconds);
    Ok(TableSummary {
        table: table_plan.display.clone(),
        rows: written,
        seconds,
        rows_per_second: rate(written, seconds),
        flagged: table_plan.table.flag_column.is_some(),
    })
}

/// Makes table `t`'s rows in batches of `batch_size` on a blocking thread (generating is
/// CPU work, kept off the async workers) and sends them to the writer.
fn produce(
    plan: Arc<GenPlan>,
    t: usize,
    batch_size: usize,
    sender: mpsc::Sender<Vec<Row>>,
) -> tokio::task::JoinHandle<()> {
    let batch = batch_size.max(1) as u64;
    tokio::task::spawn_blocking(move || {
        let rows = plan.tables[t].rows;
        let mut start = 0;
        while start < rows {
            let end = (start + batch).min(rows);
            if sender.blocking_send(plan.rows(t, start, end)).is_err() {
                return; // the writer stopped: its error is reported
            }
            start = end;
        }
    })
}

/// Fills the deferred keys, checks the foreign keys when fixtura is the one checking them,
/// moves the sequences past the new keys, and commits.
async fn finish(
    mut load: Load,
    schema: &Schema,
    plan: &GenPlan,
    checks: FkChecks,
    batch_size: usize,
    observer: &dyn Observer,
) -> Result<(), GenerateError> {
    update_deferred_keys(&mut load, plan, batch_size, observer).await?;
    let written: Vec<_> = plan.tables.iter().map(|t| t.table.name.clone()).collect();
    if checks == FkChecks::Fixtura {
        observer.step("checking foreign keys");
        load.check_foreign_keys(schema, &written).await?;
    }
    observer.step("moving sequences past the new keys");
    let tables: Vec<&Table> = plan.tables.iter().map(|t| &t.table).collect();
    load.reset_sequences(&tables).await?;
    observer.step("committing");
    load.commit().await?;
    Ok(())
}

/// Fills the keys written NULL in the first pass (cycles broken at a nullable key while the
/// server checks keys), in bulk.
async fn update_deferred_keys(
    load: &mut Load,
    plan: &GenPlan,
    batch_size: usize,
    observer: &dyn Observer,
) -> Result<(), GenerateError> {
    for (t, table) in plan.tables.iter().enumerate() {
        if table.deferred.is_empty() {
            continue;
        }
        observer.step(&format!("filling the deferred keys of {}", table.display));
        let key: Vec<String> = plan
            .key_columns(t)
            .iter()
            .map(|&c| table.columns[c].name.clone())
            .collect();
        if key.is_empty() {
            return Err(GenerateError::NoKeyForDeferred {
                table: table.display.clone(),
                remedy: Remedy::FixturaChecksOrDeferrable,
            });
        }
        let set: Vec<String> = plan
            .deferred_columns(t)
            .iter()
            .map(|&c| table.columns[c].name.clone())
            .collect();
        let batch = (batch_size.max(1) as u64) * 10;
        let mut start = 0;
        while start < table.rows {
            let end = (start + batch).min(table.rows);
            load.update(&table.table, &key, &set, plan.deferred_rows(t, start, end))
                .await?;
            start = end;
        }
    }
    Ok(())
}

fn rate(rows: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        rows as f64 / seconds
    } else {
        0.0
    }
}

impl plan::Lookup for Load {
    async fn max_integer(
        &mut self,
        table: &Table,
        column: &str,
    ) -> Result<Option<i64>, WriteError> {
        Load::max_integer(self, table, column).await
    }

    async fn existing_keys(
        &mut self,
        table: &Table,
        columns: &[String],
        limit: u64,
    ) -> Result<Vec<Row>, WriteError> {
        Load::existing_keys(self, table, columns, limit).await
    }
}
