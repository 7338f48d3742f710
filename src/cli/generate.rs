//! `fixtura generate`: make a spec's rows and bulk-load them in one transaction.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::ValueEnum;
use fixtura::ChecksChoice;
use fixtura::error::{GenerateError, WriteError};
use fixtura::generate::Spec;
use fixtura::generate::{GenerateOptions, Summary, Unflagged};

use super::GlobalArgs;
use super::progress::Bars;

/// Generate the rows a spec describes and bulk-load them, all in one transaction
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura --db sqlite://demo.db generate --spec schema/welfare.toml
  fixtura generate --spec schema/welfare.toml --scale 30 --json
  fixtura generate --spec spec.toml --fk-checks server   # let the server check every key
  fixtura generate --spec spec.toml --allow-triggers     # MySQL/SQLite: let triggers fire

The same spec and seed give the same rows, whatever --batch-size or backend. A failure or
Ctrl-C rolls everything back: the database is left as it was. Before writing, generate names
the triggers on the tables it fills (and refuses those that would fire, unless
--allow-triggers) and refuses tables without transactions (MyISAM, ...) unless
--allow-non-transactional, after which a failure leaves the rows written to them.")]
pub struct Args {
    /// The spec file (TOML)
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Multiply every `rows = N` by this factor
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    scale: f64,
    /// Override the spec's seed
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Rows per batch sent to the database (never changes the rows)
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    batch_size: usize,
    /// Who checks foreign keys: fixtura (session switch + one anti-join per key before
    /// commit), the server, or auto (fixtura where the role allows)
    #[arg(long, value_enum, default_value_t = Checks::Auto)]
    fk_checks: Checks,
    #[command(flatten)]
    allow: super::AllowArgs,
    /// Print the summary as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Checks {
    Auto,
    Fixtura,
    Server,
}

impl From<Checks> for ChecksChoice {
    fn from(checks: Checks) -> ChecksChoice {
        match checks {
            Checks::Auto => ChecksChoice::Auto,
            Checks::Fixtura => ChecksChoice::Fixtura,
            Checks::Server => ChecksChoice::Server,
        }
    }
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    if !(args.scale > 0.0 && args.scale.is_finite()) {
        anyhow::bail!("--scale must be a positive number, not {}", args.scale);
    }
    let mut spec = Spec::load(&args.spec)?;
    if let Some(seed) = args.seed {
        spec.seed = seed;
    }
    let db = fixtura::connect(global.db_url()?).await?;
    let options = GenerateOptions {
        scale: args.scale,
        batch_size: args.batch_size,
        checks: args.fk_checks.into(),
        clean_flagged: false,
        allow_triggers: args.allow.allow_triggers,
        allow_non_transactional: args.allow.allow_non_transactional,
        unflagged: Unflagged::Any,
    };
    let observer = Arc::new(Bars::new(!args.json && std::io::stderr().is_terminal()));
    let work = fixtura::generate(&db, &spec, &options, observer.clone());
    let summary = tokio::select! {
        result = work => match result {
            Ok(summary) => summary,
            // A spec error names its file and line already, a refusal before writing says
            // nothing was written, and a failure after writing tables without transactions
            // says what stays.
            Err(e @ (fixtura::Error::Spec(_)
                | fixtura::Error::Write(
                    WriteError::TriggersWouldFire { .. } | WriteError::NonTransactional { .. },
                )
                | fixtura::Error::Generate(GenerateError::NotRolledBack { .. }))) => {
                return Err(e.into())
            }
            Err(e) => return Err(anyhow::Error::new(e).context("rolled back, nothing was written")),
        },
        _ = tokio::signal::ctrl_c() => anyhow::bail!(args.allow.interrupted()),
    };
    observer.clear();
    db.close().await;
    let output = if args.json {
        serde_json::to_string_pretty(&summary)? + "\n"
    } else {
        render(&summary)
    };
    super::print(&output)
}

/// The summary table: table, rows, seconds, rows/s.
fn render(summary: &Summary) -> String {
    let mut rows: Vec<[String; 4]> = summary
        .tables
        .iter()
        .map(|t| {
            [
                t.table.clone(),
                t.rows.to_string(),
                format!("{:.3}", t.seconds),
                format!("{:.0}", t.rows_per_second),
            ]
        })
        .collect();
    rows.push([
        "total".into(),
        summary.rows.to_string(),
        format!("{:.3}", summary.seconds),
        format!("{:.0}", summary.rows_per_second),
    ]);
    let mut out = super::summary_table(["TABLE", "ROWS", "SECONDS", "ROWS/S"], rows);
    out.push_str(&format!(
        "seed {}; foreign keys checked by {} ({:.3} s for keys, sequences and commit)\n",
        summary.seed, summary.fk_checks, summary.finishing_seconds
    ));
    out.push_str(&super::note_lines(&summary.notes));
    out
}
