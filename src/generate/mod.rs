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

pub mod fakes;
pub mod generator;
pub mod infer;
pub mod plan;
pub mod rows;
pub mod shared;
pub mod spec;
pub mod starter;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;

use self::plan::{GenPlan, PlanError, PlanOptions};
use self::spec::{Spec, SpecError};
use crate::db::Db;
use crate::graph::{Capabilities, DependencyGraph, GraphError};
use crate::schema::{self, IntrospectOptions, Table};
use crate::value::Row;
use crate::write::{Cleaned, describe_blockers};
use crate::write::{FkChecks, Load};

/// Batches in flight between the generator thread and the writer: memory stays bounded by
/// `(CHANNEL_DEPTH + 2) × batch size` rows whatever the row count.
const CHANNEL_DEPTH: usize = 4;

/// Who checks foreign keys, as asked on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksChoice {
    /// fixtura's set-wise checks where the session may switch the server's off, else the server's.
    #[default]
    Auto,
    Fixtura,
    Server,
}

/// Options that are not in the spec.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Multiplies every `rows = N`.
    pub scale: f64,
    /// Rows per batch; never changes the rows made.
    pub batch_size: usize,
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
    pub tables: Vec<TableSummary>,
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
    /// `fixtura` (session switch + set-wise checks) or `server`.
    pub fk_checks: &'static str,
    /// Time spent on deferred-key updates, foreign-key checks and sequences.
    pub finishing_seconds: f64,
    pub seed: u64,
    /// Flagged rows deleted first (`clean_flagged`).
    pub deleted: u64,
}

/// One table's share.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
    /// Whether the rows carry the flag column.
    pub flagged: bool,
}

/// Why generation failed. Nothing was written in any case: the transaction is rolled back.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("{0}")]
    Checks(String),
    #[error(
        "cannot delete the flagged rows before generating: unflagged rows reference them, and \
         deleting would orphan them (nothing was written): {0}; flag those rows too, or unflag \
         the rows they reference"
    )]
    Blocked(String),
    #[error(transparent)]
    Database(#[from] crate::Error),
}

impl From<PlanError> for GenerateError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Spec(e) => GenerateError::Spec(e),
            PlanError::Database(e) => GenerateError::Database(e),
        }
    }
}

/// Generates `spec` into `db`, in one transaction.
pub async fn generate(
    db: &Db,
    spec: &Spec,
    options: &GenerateOptions,
    observer: Arc<dyn Observer>,
) -> Result<Summary, GenerateError> {
    let started = Instant::now();
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: spec.flag.clone(),
        },
    )
    .await?;
    let capabilities = schema::capabilities(db).await?;
    let checks = match options.checks {
        ChecksChoice::Auto if capabilities.session_switch => FkChecks::Fixtura,
        ChecksChoice::Auto | ChecksChoice::Server => FkChecks::Server,
        ChecksChoice::Fixtura if capabilities.session_switch => FkChecks::Fixtura,
        ChecksChoice::Fixtura => {
            return Err(GenerateError::Checks(
                "this role may not switch foreign-key checks off (session_replication_role needs a superuser \
                 or GRANT SET ON PARAMETER): use --fk-checks server"
                    .into(),
            ));
        }
    };
    let order = DependencyGraph::new(&schema).plan(Capabilities {
        session_switch: checks == FkChecks::Fixtura,
    });

    let mut load = Load::begin(db, checks).await?;
    let mut deleted = 0;
    if options.clean_flagged {
        observer.step("deleting flagged rows");
        let flagged: Vec<_> = order
            .insert_order
            .iter()
            .filter(|n| schema.table(n).is_some_and(|t| t.flag_column.is_some()))
            .cloned()
            .collect();
        match load
            .clean_flagged(&schema, &order, &flagged, &spec.flag, checks)
            .await?
        {
            Cleaned::Deleted(n) => deleted = n,
            Cleaned::Blocked(blockers) => {
                return Err(GenerateError::Blocked(describe_blockers(
                    &blockers, &schema,
                )));
            }
        }
    }
    // Keys are assigned past the current maximum, read after cleaning: the same rows
    // whatever flagged rows were there before.
    let plan_options = PlanOptions {
        scale: options.scale,
        server_checks: checks == FkChecks::Server,
    };
    let plan = plan::plan(spec, &schema, &order, plan_options, &mut load).await?;
    // Only cycles among the tables written matter; an unrelated corner of the schema may
    // hold a cycle nothing could load.
    for cycle in &order.cycles {
        if !cycle.unbreakable.is_empty()
            && cycle
                .tables
                .iter()
                .any(|n| plan.tables.iter().any(|t| &t.table.name == n))
        {
            let only = crate::graph::Plan {
                cycles: vec![cycle.clone()],
                ..order.clone()
            };
            only.ensure_feasible()?;
        }
    }
    let plan = Arc::new(plan);

    let mut summaries = Vec::with_capacity(plan.tables.len());
    for t in 0..plan.tables.len() {
        let table_plan = &plan.tables[t];
        let columns: Vec<String> = table_plan.columns.iter().map(|c| c.name.clone()).collect();
        tracing::info!(table = %table_plan.display, rows = table_plan.rows, columns = columns.len(), "writing");
        observer.table_started(&table_plan.display, table_plan.rows);
        let table_started = Instant::now();
        let (sender, mut receiver) = mpsc::channel::<Vec<Row>>(CHANNEL_DEPTH);
        let producer = {
            let plan = Arc::clone(&plan);
            let batch = options.batch_size.max(1) as u64;
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
        };
        let name = table_plan.display.clone();
        let observer_ref = Arc::clone(&observer);
        let mut on_rows = move |n: u64| observer_ref.rows_written(&name, n);
        let written = load
            .write(&table_plan.table, &columns, &mut receiver, &mut on_rows)
            .await;
        drop(receiver);
        let _ = producer.await;
        let written = written?;
        let seconds = table_started.elapsed().as_secs_f64();
        observer.table_finished(&table_plan.display, written, seconds);
        summaries.push(TableSummary {
            table: table_plan.display.clone(),
            rows: written,
            seconds,
            rows_per_second: rate(written, seconds),
            flagged: table_plan.table.flag_column.is_some(),
        });
    }

    tracing::info!(elapsed = ?started.elapsed(), "rows written; finishing");
    let finishing = Instant::now();
    update_deferred_keys(&mut load, &plan, options.batch_size, observer.as_ref()).await?;
    let written: Vec<_> = plan.tables.iter().map(|t| t.table.name.clone()).collect();
    if checks == FkChecks::Fixtura {
        observer.step("checking foreign keys");
        load.check_foreign_keys(&schema, &written).await?;
    }
    observer.step("moving sequences past the new keys");
    let tables: Vec<&Table> = plan.tables.iter().map(|t| &t.table).collect();
    load.reset_sequences(&tables).await?;
    observer.step("committing");
    load.commit().await?;

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
            return Err(GenerateError::Checks(format!(
                "{} has no primary key, so its cycle-breaking keys cannot be filled in afterwards: \
                 use --fk-checks fixtura or make the constraint DEFERRABLE",
                table.display
            )));
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
    async fn max_integer(&mut self, table: &Table, column: &str) -> crate::Result<Option<i64>> {
        Load::max_integer(self, table, column).await
    }

    async fn existing_keys(
        &mut self,
        table: &Table,
        columns: &[String],
        limit: u64,
    ) -> crate::Result<Vec<Row>> {
        Load::existing_keys(self, table, columns, limit).await
    }
}
