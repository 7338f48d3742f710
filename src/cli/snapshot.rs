//! `fixtura snapshot`: create, restore, list, show, verify and delete snapshots.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use fixtura::cache::Identity;
use fixtura::inspect::text::aligned;
use fixtura::schema::DEFAULT_FLAG;
use fixtura::snapshot::Filter;
use fixtura::snapshot::{Clean, CreateOptions, RestoreOptions, Store};

use super::GlobalArgs;
use super::progress::Bars;

/// Capture the flagged test rows to zstd JSON, and restore them losslessly
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Create(CreateArgs),
    Restore(RestoreArgs),
    List(ListArgs),
    Show(NameArgs),
    Verify(NameArgs),
    Delete(NameArgs),
}

/// Capture the flagged rows of every table with the flag column (or, with --all, every row)
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura snapshot create seed-004 --description \"100 offices\"
  fixtura snapshot create minimal --where 'offices:name LIKE ''A%''' --with-parents
  fixtura snapshot create everything --all

With --all every row of every table is captured, flag column or not; restore it into an
empty database, or with --clean truncate (which empties the snapshot's tables first).")]
struct CreateArgs {
    /// The snapshot's name (letters, digits, '.', '_', '-')
    name: String,
    #[arg(long)]
    description: Option<String>,
    /// The column that marks test rows
    #[arg(long, default_value = DEFAULT_FLAG, value_name = "COLUMN")]
    flag: String,
    /// Only rows of TABLE matching SQL (repeatable), e.g. `offices:id < 100`; on a table
    /// without the flag column, its matching rows (restore keeps those already there)
    #[arg(long = "where", value_name = "TABLE:SQL")]
    wheres: Vec<String>,
    /// Add every row the selected rows reference, transitively, so the snapshot restores
    /// into an empty schema
    #[arg(long)]
    with_parents: bool,
    /// Capture every row of every table, whether or not it has the flag column
    #[arg(long, conflicts_with_all = ["flag", "wheres", "with_parents"])]
    all: bool,
    /// Print the summary as JSON
    #[arg(long)]
    json: bool,
}

/// Restore a snapshot in one transaction
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura snapshot restore seed-004
  fixtura snapshot restore seed-004 --clean truncate
  DATABASE_URL=postgres://ci@db/app_test fixtura snapshot restore nightly --json

Checksums and the schema are checked before anything is written. Cleaning (the default:
delete the flagged rows) refuses a database whose name does not look like a test database
unless --allow-any-db is given. Triggers that would fire on the rows written (MySQL/MariaDB
and SQLite cannot switch them off) and tables without transactions (MyISAM, ...) are refused
before writing, unless --allow-triggers / --allow-non-transactional; on MySQL --isolate
restores into a copy without triggers.")]
struct RestoreArgs {
    name: String,
    /// What to remove first: the flagged rows, everything in the snapshot's tables, or nothing
    #[arg(long, value_enum, default_value_t = CleanArg::Flagged)]
    clean: CleanArg,
    /// Clean even a database whose name does not look like a test database
    #[arg(long)]
    allow_any_db: bool,
    /// Who checks foreign keys (see `fixtura generate --help`)
    #[arg(long, value_enum, default_value_t = super::generate::Checks::Auto)]
    fk_checks: super::generate::Checks,
    /// Restore into a copy of this worker's own (the database is left alone) and print its
    /// URL as the last line: on PostgreSQL a clone of a template database, on SQLite a copy
    /// of a template file, on MySQL a fresh database
    #[arg(long, conflicts_with_all = ["clean", "allow_any_db"])]
    isolate: bool,
    /// The worker id (with --isolate; default from NEXTEST_TEST_GLOBAL_SLOT,
    /// PYTEST_XDIST_WORKER, JEST_WORKER_ID, else the process id)
    #[arg(long, requires = "isolate", value_name = "ID")]
    worker: Option<String>,
    /// The run id (with --isolate; default from FIXTURA_RUN_ID or the CI system's job ids)
    #[arg(long, requires = "isolate", value_name = "ID")]
    run_id: Option<String>,
    #[command(flatten)]
    allow: super::AllowArgs,
    /// Print the summary as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CleanArg {
    Flagged,
    Truncate,
    None,
}

/// List the snapshots in the store
#[derive(Debug, clap::Args)]
struct ListArgs {
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct NameArgs {
    name: String,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let store = Store::new(global.store());
    match &args.command {
        Command::Create(a) => create(global, &store, a).await,
        Command::Restore(a) => restore(global, &store, a).await,
        Command::List(a) => list(&store, a),
        Command::Show(a) => show(&store, &a.name),
        Command::Verify(a) => {
            let manifest = store.manifest(&a.name)?;
            store.verify(&manifest)?;
            super::print(&format!(
                "snapshot \"{}\" is intact: manifest and {} table files match their checksums\n",
                manifest.name,
                manifest.tables.len()
            ))
        }
        Command::Delete(a) => {
            store.delete(&a.name)?;
            eprintln!("deleted snapshot \"{}\"", a.name);
            Ok(())
        }
    }
}

async fn create(global: &GlobalArgs, store: &Store, args: &CreateArgs) -> anyhow::Result<()> {
    let mut filters = Vec::new();
    for w in &args.wheres {
        let (table, sql) = w
            .split_once(':')
            .filter(|(t, s)| !t.is_empty() && !s.trim().is_empty())
            .with_context(|| format!("--where \"{w}\" is not TABLE:SQL"))?;
        filters.push(Filter {
            table: table.to_string(),
            sql: sql.to_string(),
        });
    }
    let db = fixtura::connect(global.db_url()?).await?;
    let options = CreateOptions {
        name: args.name.clone(),
        description: args.description.clone(),
        flag: args.flag.clone(),
        filters,
        with_parents: args.with_parents,
        cache: None,
        all: args.all,
    };
    let bars = Arc::new(Bars::new(!args.json && std::io::stderr().is_terminal()));
    let summary = tokio::select! {
        result = store.create(&db, &options, bars.clone()) => result?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted: no snapshot was published"),
    };
    bars.clear();
    db.close().await;
    if args.json {
        return super::print(&(serde_json::to_string_pretty(&summary)? + "\n"));
    }
    let mut rows: Vec<[String; 4]> = summary
        .tables
        .iter()
        .map(|t| {
            [
                t.table.clone(),
                t.rows.to_string(),
                t.bytes.to_string(),
                format!("{:.3}", t.seconds),
            ]
        })
        .collect();
    rows.push([
        "total".into(),
        summary.rows.to_string(),
        summary.bytes.to_string(),
        format!("{:.3}", summary.seconds),
    ]);
    let mut out = super::summary_table(["TABLE", "ROWS", "BYTES", "SECONDS"], rows);
    out.push_str(&format!(
        "snapshot \"{}\" written to {}\n",
        summary.name, summary.path
    ));
    super::print(&out)
}

async fn restore(global: &GlobalArgs, store: &Store, args: &RestoreArgs) -> anyhow::Result<()> {
    if args.isolate {
        return restore_isolated(global, store, args).await;
    }
    let db = fixtura::connect(global.db_url()?).await?;
    let options = RestoreOptions {
        name: args.name.clone(),
        clean: match args.clean {
            CleanArg::Flagged => Clean::Flagged,
            CleanArg::Truncate => Clean::Truncate,
            CleanArg::None => Clean::None,
        },
        allow_any_db: args.allow_any_db,
        checks: args.fk_checks.into(),
        allow_triggers: args.allow.allow_triggers,
        allow_non_transactional: args.allow.allow_non_transactional,
    };
    let bars = Arc::new(Bars::new(!args.json && std::io::stderr().is_terminal()));
    let summary = tokio::select! {
        result = store.restore(&db, &options, bars.clone()) => result?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!(args.allow.interrupted()),
    };
    bars.clear();
    db.close().await;
    if args.json {
        return super::print(&(serde_json::to_string_pretty(&summary)? + "\n"));
    }
    let mut rows: Vec<[String; 4]> = summary
        .tables
        .iter()
        .map(|t| {
            [
                t.table.clone(),
                t.rows.to_string(),
                t.skipped.to_string(),
                format!("{:.3}", t.seconds),
            ]
        })
        .collect();
    rows.push([
        "total".into(),
        summary.rows.to_string(),
        String::new(),
        format!("{:.3}", summary.seconds),
    ]);
    let mut out = super::summary_table(["TABLE", "ROWS", "KEPT", "SECONDS"], rows);
    for note in &summary.drift {
        out.push_str(&format!("schema drift handled: {note}\n"));
    }
    out.push_str(&format!(
        "restored \"{}\": {} rows removed first; foreign keys checked by {}\n",
        summary.name, summary.deleted, summary.fk_checks
    ));
    out.push_str(&super::note_lines(&summary.notes));
    super::print(&out)
}

/// `restore --isolate`: the worker's own copy, its URL last.
async fn restore_isolated(
    global: &GlobalArgs,
    store: &Store,
    args: &RestoreArgs,
) -> anyhow::Result<()> {
    let url = global.db_url()?;
    let identity = Identity::new(args.run_id.as_deref(), args.worker.as_deref());
    let bars = Arc::new(Bars::new(!args.json && std::io::stderr().is_terminal()));
    let allow_triggers = args.allow.allow_triggers;
    let work = store.restore_isolated(url, &args.name, &identity, allow_triggers, bars.clone());
    let (isolated, manifest) = tokio::select! {
        result = work => result?,
        _ = tokio::signal::ctrl_c() => {
            anyhow::bail!("interrupted: no copy was handed out (a half-made one is left for `fixtura gc`)")
        }
    };
    bars.clear();
    let out = if args.json {
        format!(
            "{}\n{}\n",
            serde_json::to_string_pretty(&isolated)?,
            isolated.url
        )
    } else {
        let template = if isolated.built_template {
            format!("template built in {:.3} s, ", isolated.template_seconds)
        } else {
            String::new()
        };
        format!(
            "restored \"{}\" ({} rows) into a copy of its own: {template}copied in {:.3} s\n{}\n",
            manifest.name, manifest.rows, isolated.copy_seconds, isolated.url
        )
    };
    super::print(&out)
}

fn list(store: &Store, args: &ListArgs) -> anyhow::Result<()> {
    let snapshots = store.list()?;
    if args.json {
        let list: Vec<serde_json::Value> = snapshots
            .iter()
            .map(|(name, m)| match m {
                Ok(m) => serde_json::json!({
                    "name": name, "created_at": m.created_at, "rows": m.rows, "bytes": m.bytes,
                    "backend": m.source.backend, "description": m.description,
                }),
                Err(e) => serde_json::json!({ "name": name, "error": e.to_string() }),
            })
            .collect();
        return super::print(&(serde_json::to_string_pretty(&list)? + "\n"));
    }
    if snapshots.is_empty() {
        eprintln!("no snapshots in {}", store.dir.display());
        return Ok(());
    }
    let mut rows = vec![
        ["NAME", "CREATED", "ROWS", "SIZE", "BACKEND"]
            .map(String::from)
            .to_vec(),
    ];
    for (name, m) in &snapshots {
        rows.push(match m {
            Ok(m) => vec![
                name.clone(),
                m.created_at.clone(),
                m.rows.to_string(),
                human_bytes(m.bytes),
                m.source.backend.to_string(),
            ],
            Err(e) => vec![
                name.clone(),
                format!("damaged: {e}"),
                String::new(),
                String::new(),
                String::new(),
            ],
        });
    }
    super::print(&aligned(&rows, &[false, false, true, true, false], ""))
}

fn show(store: &Store, name: &str) -> anyhow::Result<()> {
    let m = store.manifest(name)?;
    let mut out = format!(
        "snapshot \"{}\"{}\n  created {} by fixtura {} from {} {}\n  selection: {}\n  schema fingerprint {}\n\n",
        m.name,
        m.description
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default(),
        m.created_at,
        m.tool_version,
        m.source.backend,
        m.source.server_version,
        selection(&m.selection),
        m.schema_fingerprint,
    );
    if let Some(cache) = &m.cache {
        out.insert_str(
            out.len() - 1,
            &format!(
                "  cached by `ensure` for {} (seed {}, scale {}), key {}\n",
                cache.spec, cache.seed, cache.scale, cache.key
            ),
        );
    }
    let mut rows = vec![
        ["#", "TABLE", "ROWS", "SIZE", "COLUMNS", "FILE"]
            .map(String::from)
            .to_vec(),
    ];
    for (i, t) in m.tables.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            t.display_name.clone(),
            t.rows.to_string(),
            human_bytes(t.bytes),
            t.columns.len().to_string(),
            t.file.clone(),
        ]);
    }
    out.push_str(&aligned(
        &rows,
        &[true, false, true, true, true, false],
        "  ",
    ));
    out.push_str(&format!(
        "\n  {} rows, {} compressed, in insert order\n",
        m.rows,
        human_bytes(m.bytes)
    ));
    super::print(&out)
}

/// Which rows a snapshot holds, in a line.
fn selection(s: &fixtura::snapshot::Selection) -> String {
    if s.all {
        return "every row of every table".into();
    }
    let mut line = format!("flag \"{}\"", s.flag);
    if s.with_parents {
        line.push_str(", with parents");
    }
    for f in &s.filters {
        line.push_str(&format!(", where {}: {}", f.table, f.sql));
    }
    if !s.whole.is_empty() {
        line.push_str(&format!(", every row of {}", s.whole.join(", ")));
    }
    line
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
