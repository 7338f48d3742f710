//! `fixtura inspect`: tables, keys, cycles and how each is broken, and the insert order.

use clap::ValueEnum;
use fixtura::inspect::{self, InspectOptions};
use fixtura::schema::DEFAULT_FLAG;

use super::GlobalArgs;

/// Report the schema: tables and row counts, keys, foreign-key cycles and how each will be
/// broken, and the insert order
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura --db sqlite://demo.db inspect
  fixtura inspect --table staffs --table offices --columns
  fixtura inspect --format dot | dot -Tsvg > schema.svg
  fixtura inspect --format json --no-counts | jq '.insert_order'")]
pub struct Args {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only tables in this schema (repeatable)
    #[arg(long = "schema", value_name = "SCHEMA")]
    schemas: Vec<String>,
    /// Only this table, `name` or `schema.name` (repeatable)
    #[arg(long = "table", value_name = "TABLE")]
    tables: Vec<String>,
    /// The column that marks test rows
    #[arg(long, default_value = DEFAULT_FLAG, value_name = "COLUMN")]
    flag: String,
    /// List every column with its type (text format)
    #[arg(long)]
    columns: bool,
    /// Skip counting rows (faster on big tables)
    #[arg(long)]
    no_counts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A report for a person
    Text,
    /// Graphviz DOT: cycles highlighted, broken keys dashed
    Dot,
    /// The report as JSON (see docs/INSPECT-JSON.md)
    Json,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let db = fixtura::connect(global.db_url()?).await?;
    let options = InspectOptions {
        flag: args.flag.clone(),
        schemas: args.schemas.clone(),
        tables: args.tables.clone(),
        count_rows: !args.no_counts,
    };
    let report = fixtura::inspect(&db, &options).await;
    db.close().await;
    let report = report?;
    let output = match args.format {
        Format::Text => inspect::text::render(&report, args.columns),
        Format::Dot => inspect::dot::render(&report),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    super::print(&output)
}
