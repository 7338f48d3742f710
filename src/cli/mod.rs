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
    pub fn db_url(&self) -> Result<&str, fixtura::Error> {
        self.db
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .ok_or(fixtura::error::ConnectError::NoUrl.into())
    }

    /// The snapshot store directory.
    pub fn store(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| PathBuf::from("snapshots"))
    }
}

/// What a writing command accepts that it otherwise refuses before writing.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct AllowArgs {
    /// Write even where triggers fire on the rows written (MySQL/MariaDB and SQLite cannot
    /// switch them off; PostgreSQL with --fk-checks server or ENABLE ALWAYS): they may
    /// change the rows or write other tables; the summary names them per table
    #[arg(long)]
    pub allow_triggers: bool,
    /// Write tables whose storage engine has no transactions (MyISAM, Aria, MEMORY, ...):
    /// a failure then leaves the rows written to them, and says which
    #[arg(long)]
    pub allow_non_transactional: bool,
}

impl AllowArgs {
    /// What Ctrl-C left, truthfully: with tables without transactions allowed, their rows
    /// already written stay.
    pub fn interrupted(&self) -> &'static str {
        if self.allow_non_transactional {
            "interrupted: the transaction was rolled back, but rows already written to tables \
             without transactions (named in the note above, if any) stay"
        } else {
            "interrupted: the transaction was rolled back, nothing was written"
        }
    }
}

/// The notes of a load (triggers fired or silent, tables without transactions), one line
/// each, for a summary printed to a person.
pub fn note_lines(notes: &fixtura::generate::WriteNotes) -> String {
    notes
        .lines()
        .iter()
        .map(|line| format!("note: {line}\n"))
        .collect()
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

/// `RUST_LOG` controls tracing to standard error; quiet by default (sqlx's notes on slow
/// statements included: a bulk load is made of slow statements, and the error line must be
/// the only line a failure prints).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error"));
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
/// says (sqlx's database errors repeat their message as their source); advice the library
/// gives in its own terms is said in terms of this command line's flags.
fn one_line(err: &anyhow::Error) -> String {
    let line = causes(err);
    let Some(error) = err.chain().find_map(|e| e.downcast_ref::<fixtura::Error>()) else {
        return line;
    };
    match error
        .remedy()
        .and_then(|r| Some((r.advice(), flag_advice(r, error)?)))
    {
        Some((library, cli)) => line.replace(library, &cli),
        None => line,
    }
}

/// The advice of a [`Remedy`](fixtura::Remedy), in terms of this command line (`error`
/// gives what the advice names, a snapshot say).
fn flag_advice(remedy: fixtura::Remedy, error: &fixtura::Error) -> Option<String> {
    use fixtura::Remedy;
    Some(match remedy {
        Remedy::GiveDatabaseUrl => {
            "pass --db URL or set DATABASE_URL (e.g. sqlite://fixtura.db)".to_string()
        }
        Remedy::CreateSqliteFile => {
            "check the path, or create it with `fixtura exec --create FILE.sql`".to_string()
        }
        Remedy::ServerChecks => "use --fk-checks server".to_string(),
        Remedy::FixturaChecks => "use --fk-checks fixtura".to_string(),
        Remedy::FixturaChecksOrDeferrable => {
            "use --fk-checks fixtura or make the constraint DEFERRABLE".to_string()
        }
        Remedy::AllowAnyDbOrCleanNone => {
            "pass --allow-any-db if you mean it, or --clean none".to_string()
        }
        Remedy::AllowAnyDbOrIsolate => {
            "pass --allow-any-db if you mean it, or --isolate".to_string()
        }
        Remedy::FlagOrCleanOtherwise => {
            "flag those rows too, or restore with --clean truncate or --clean none".to_string()
        }
        Remedy::CaptureOrCleanOtherwise => "delete those rows, or capture their tables in the \
            snapshot too (snapshot create --where TABLE:SQL), or restore with --clean flagged or \
            --clean none"
            .to_string(),
        Remedy::NameFlagColumn => "pass --flag COLUMN to name another column".to_string(),
        Remedy::AllowTriggers => "pass --allow-triggers to write anyway and accept what the \
             triggers do (the summary lists them), or drop the triggers first"
            .to_string(),
        Remedy::AllowTriggersOrIsolate => "pass --allow-triggers to write anyway and accept what \
             the triggers do (the summary lists them), or restore with --isolate into a copy of \
             its own, which has no triggers"
            .to_string(),
        Remedy::AllowTriggersOrFixturaChecks => "use --fk-checks fixtura (where the role may set \
             session_replication_role), which keeps user triggers silent, or pass --allow-triggers \
             to write anyway and accept what they do"
            .to_string(),
        Remedy::AllowNonTransactional => "pass --allow-non-transactional to write them anyway (a \
             failure then leaves the rows written to them, and says so)"
            .to_string(),
        Remedy::DeleteSnapshot => {
            let name = match error {
                fixtura::Error::Store(fixtura::error::StoreError::Exists { name, .. }) => {
                    name.as_str()
                }
                _ => "NAME",
            };
            format!("delete it first (fixtura snapshot delete {name}), or choose another name")
        }
        Remedy::TruncateOrEmptyDatabase => {
            "restore with --clean truncate to empty those tables first, or into an empty database"
                .to_string()
        }
        _ => return None,
    })
}

fn causes(err: &anyhow::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_remedy_has_its_command_line_wording() {
        let error = fixtura::Error::TestDb("any".into());
        for remedy in fixtura::Remedy::ALL {
            let cli = flag_advice(*remedy, &error)
                .unwrap_or_else(|| panic!("{remedy:?} has no command-line wording"));
            assert_ne!(cli, remedy.advice(), "{remedy:?}");
            assert!(
                cli.contains("--") || cli.contains("fixtura "),
                "{remedy:?}: {cli}"
            );
        }
    }

    #[test]
    fn the_library_advice_is_swapped_for_the_flags() {
        let error = fixtura::Error::Store(fixtura::error::StoreError::Exists {
            name: "nightly".into(),
            store: "snapshots".into(),
        });
        let line = one_line(&anyhow::Error::new(error));
        assert_eq!(
            line,
            "snapshot \"nightly\" already exists in snapshots: delete it first \
             (fixtura snapshot delete nightly), or choose another name"
        );
    }
}
