//! The command line: global flags, the command list, and the one place errors are printed.
//!
//! Each command lives in its own file with its `Args` and `run`; this file only parses
//! and dispatches. The library never sees a clap type.

mod cache_key;
mod ensure;
mod exec;
mod gc;
mod generate;
mod init;
mod inspect;
mod progress;
mod snapshot;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Test data for relational databases: generate, snapshot, restore, cache.
#[derive(Debug, Parser)]
#[command(
    name = "fixtura",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Examples:
  fixtura --db sqlite://demo.db inspect
  fixtura --db postgres://postgres@127.0.0.1/app inspect --format dot | dot -Tsvg > graph.svg
  DATABASE_URL=mysql://root@127.0.0.1/app fixtura inspect --format json")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes, before or after the command name.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Database URL: postgres://, mysql://, mariadb://, sqlite://PATH or sqlite::memory:
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub db: Option<String>,
    /// Directory that holds snapshots [default: $FIXTURA_STORE, else ./snapshots]
    #[arg(long, global = true, env = "FIXTURA_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
}

impl GlobalArgs {
    /// The database URL, or the error that says how to give one.
    pub fn db_url(&self) -> Result<&str, fixtura::error::ConnectError> {
        self.db
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .ok_or(fixtura::error::ConnectError::NoUrl)
    }

    /// The snapshot store directory.
    pub fn store(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| PathBuf::from("snapshots"))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Inspect(inspect::Args),
    Init(init::Args),
    Generate(generate::Args),
    Snapshot(snapshot::Args),
    Ensure(ensure::Args),
    CacheKey(cache_key::Args),
    Gc(gc::Args),
    Exec(exec::Args),
}

/// Runs the command line and returns the process exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return 1;
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Inspect(args) => inspect::run(&cli.global, args).await,
            Command::Init(args) => init::run(&cli.global, args).await,
            Command::Generate(args) => generate::run(&cli.global, args).await,
            Command::Snapshot(args) => snapshot::run(&cli.global, args).await,
            Command::Ensure(args) => ensure::run(&cli.global, args).await,
            Command::CacheKey(args) => cache_key::run(&cli.global, args).await,
            Command::Gc(args) => gc::run(&cli.global, args).await,
            Command::Exec(args) => exec::run(&cli.global, args).await,
        }
    });
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            1
        }
    }
}

/// `RUST_LOG` controls tracing to standard error; quiet by default.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Writes command output to standard output; a closed pipe (`| head`) is not an error.
pub fn print(output: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The error and its causes on one line, skipping a cause whose text its parent already
/// says (sqlx's database errors repeat their message as their source).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(text.as_str()) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}

/// A command's summary: a header, a row per table, the total last; numbers right-aligned.
pub fn summary_table(header: [&str; 4], rows: Vec<[String; 4]>) -> String {
    let mut all = vec![header.map(String::from).to_vec()];
    all.extend(rows.into_iter().map(|r| r.to_vec()));
    fixtura::inspect::text::aligned(&all, &[false, true, true, true], "")
}
