//! `fixtura init`: write a starter spec for a live schema.

use std::path::PathBuf;

use anyhow::Context;
use fixtura::schema::DEFAULT_FLAG;

use super::GlobalArgs;

/// Write a starter spec for the database's schema, every inferred generator spelled out
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura --db postgres://postgres@127.0.0.1/app init > fixtura.toml
  fixtura init --out fixtura.toml --rows 1000")]
pub struct Args {
    /// Write the spec here instead of standard output (refuses to overwrite)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Rows for every table (edit them afterwards)
    #[arg(long, default_value_t = 100, value_name = "N")]
    rows: u64,
    /// The seed to write
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The flag column (the spec names it only when a table has it)
    #[arg(long, default_value = DEFAULT_FLAG, value_name = "COLUMN")]
    flag: String,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let db = fixtura::connect(global.db_url()?).await?;
    let starter = fixtura::starter_spec(&db, args.rows, args.seed, &args.flag).await;
    db.close().await;
    let starter = starter?;
    let spec = &starter.text;
    match &args.out {
        None => super::print(spec),
        Some(path) => {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(spec.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} ({} tables)", path.display(), starter.tables);
            Ok(())
        }
    }
}
