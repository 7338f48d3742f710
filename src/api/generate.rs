//! Generating: the spec, the rows it describes, and the starter spec `fixtura init` writes.

use std::path::Path;
use std::sync::Arc;

use crate::db::{self, Db};
use crate::error::Result;
use crate::generate::spec::Spec;
use crate::generate::{self, GenerateOptions, Summary, starter};
use crate::graph::DependencyGraph;
use crate::progress::Observer;
use crate::schema::{self, IntrospectOptions};

impl Spec {
    /// Reads and parses the spec file at `path`.
    pub fn load(path: &Path) -> Result<Spec> {
        Ok(Spec::from_file(path)?)
    }

    /// Parses spec `text`; `file` names it in messages.
    pub fn parse(file: &str, text: &str) -> Result<Spec> {
        Ok(Spec::from_text(file, text)?)
    }
}

/// Generates the rows `spec` describes into `db`, in one transaction: a failure leaves the
/// database as it was (but for the rows written to tables without transactions, when
/// `allow_non_transactional` accepted them: the error names them). `observer` hears of the
/// progress, and of the triggers and tables without transactions before writing.
pub async fn generate(
    db: &Db,
    spec: &Spec,
    options: &GenerateOptions,
    observer: Arc<dyn Observer>,
) -> Result<Summary> {
    Ok(generate::generate(db, spec, options, observer).await?)
}

/// A starter spec for a live schema.
#[derive(Debug, Clone)]
pub struct StarterSpec {
    /// The spec, as TOML: every table in insert order, every inferred generator spelled out.
    pub text: String,
    /// How many tables it names.
    pub tables: usize,
}

/// Writes a starter spec for the schema of `db`: `rows` rows per table, `seed`, and the
/// flag column `flag` when a table has it (a comment says so when none does).
pub async fn starter_spec(db: &Db, rows: u64, seed: u64, flag: &str) -> Result<StarterSpec> {
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: flag.to_string(),
        },
    )
    .await?;
    let capabilities = db::capabilities(db).await?;
    let order = DependencyGraph::new(&schema).plan(capabilities);
    Ok(StarterSpec {
        text: starter::starter_spec(&schema, &order, rows, seed, flag),
        tables: schema.tables.len(),
    })
}
