//! `fixtura exec`: run SQL script files against the database, in one transaction.
//!
//! Used to lay down an example schema (`make demo`) or a test schema without a separate
//! client; `--create` makes a missing SQLite file.

use std::path::PathBuf;

use anyhow::Context;
use fixtura::ConnectOptions;

use super::GlobalArgs;

/// Run SQL script files against the database, all in one transaction.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura --db sqlite://demo.db exec --create schema/sqlite.sql
  fixtura --db postgres://postgres@127.0.0.1/app exec schema/postgres.sql")]
pub struct Args {
    /// SQL files to run, in order
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Create the SQLite file when it does not exist
    #[arg(long)]
    create: bool,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let mut scripts = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let sql = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        scripts.push((file, sql));
    }
    let db = fixtura::connect_with(
        global.db_url()?,
        ConnectOptions {
            create_sqlite_file: args.create,
        },
    )
    .await?;
    for (file, sql) in &scripts {
        db.execute_script(sql)
            .await
            .with_context(|| format!("{} failed", file.display()))?;
    }
    db.close().await;
    Ok(())
}
