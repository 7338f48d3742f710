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
pub(crate) mod plan;
pub(crate) mod rows;
pub(crate) mod spec;
pub(crate) mod starter;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;

use self::plan::{GenPlan, PlanError, PlanOptions};
pub use self::spec::{Spec, SpecError};
pub use crate::db::ChecksChoice;
use crate::db::{Capabilities, Db, DbError, FkChecks, Remedy};
use crate::graph::{self, DependencyGraph, GraphError};
use crate::schema::{self, IntrospectOptions, Schema, Table};
use crate::value::Row;
use crate::write::{Cleaned, Load, WriteError, describe_blockers};

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
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            scale: 1.0,
            batch_size: 5_000,
            checks: ChecksChoice::Auto,
            clean_flagged: false,
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

/// Why generation failed. Nothing was written in any case: the transaction is rolled back.
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
}

impl GenerateError {
    /// The advice this error carries, if any.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            GenerateError::NoKeyForDeferred { remedy, .. } => Some(*remedy),
            GenerateError::Database(e) => e.remedy(),
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
    let Prepared {
        schema,
        checks,
        mut load,
        plan,
        deleted,
    } = prepare(db, spec, options, observer.as_ref()).await?;
    let mut summaries = Vec::with_capacity(plan.tables.len());
    for t in 0..plan.tables.len() {
        let summary = write_table(&mut load, &plan, t, options.batch_size, &observer).await?;
        summaries.push(summary);
    }
    tracing::info!(elapsed = ?started.elapsed(), "rows written; finishing");
    let finishing = Instant::now();
    finish(
        load,
        &schema,
        &plan,
        checks,
        options.batch_size,
        observer.as_ref(),
    )
    .await?;

    let rows = summaries.iter().map(|s| s.rows).sum();
    let seconds = started.elapsed().as_secs_f64();
    Ok(Summary {
        tables: summaries,
        rows,
        seconds,
        rows_per_second: rate(rows, seconds),
        fk_checks: match checks {
            FkChecks::Fixtura => "fixtura",
            FkChecks::Server => "server",
        },
        finishing_seconds: finishing.elapsed().as_secs_f64(),
        seed: spec.seed,
        deleted,
    })
}

/// What `prepare` leaves for the writing: the open transaction and the plan to fill it by.
struct Prepared {
    schema: Schema,
    checks: FkChecks,
    load: Load,
    plan: Arc<GenPlan>,
    /// Flagged rows deleted first.
    deleted: u64,
}

/// Reads the schema, settles who checks foreign keys, opens the transaction, deletes the
/// flagged rows first when asked, and plans the rows.
async fn prepare(
    db: &Db,
    spec: &Spec,
    options: &GenerateOptions,
    observer: &dyn Observer,
) -> Result<Prepared, GenerateError> {
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

    let mut load = Load::begin(db, checks).await?;
    let deleted = if options.clean_flagged {
        clean(&mut load, &schema, &order, spec, checks, observer).await?
    } else {
        0
    };
    // Keys are assigned past the current maximum, read after cleaning: the same rows
    // whatever flagged rows were there before.
    let plan_options = PlanOptions {
        scale: options.scale,
        server_checks: checks == FkChecks::Server,
    };
    let plan = plan::plan(spec, &schema, &order, plan_options, &mut load).await?;
    check_written_cycles(&order, &plan)?;
    Ok(Prepared {
        schema,
        checks,
        load,
        plan: Arc::new(plan),
        deleted,
    })
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
