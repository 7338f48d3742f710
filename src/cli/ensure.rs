//! `fixtura ensure`: restore the cached snapshot for a spec, or generate and cache it; with
//! `--isolate`, into a copy of this worker's own, whose URL is the last line printed.

use std::io::IsTerminal;
use std::sync::Arc;

use fixtura::cache::{EnsureOptions, EnsureSummary, Identity};
use fixtura::snapshot::Store;

use super::GlobalArgs;
use super::progress::Bars;

/// Restore the spec's cached data, or generate and cache it (safe with many processes at once)
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura ensure --spec schema/welfare.toml
  export DATABASE_URL=$(fixtura ensure --spec schema/welfare.toml --isolate | tail -1)
  fixtura ensure --spec schema/welfare.toml --isolate --worker 3 --json

The snapshot is <name>-<key16> in the store (see `fixtura cache-key`). On a miss one process
generates (after deleting the database's flagged rows) and caches it; processes started at
the same time wait for it on a file lock, then restore. Without --isolate the data is
restored into the database itself (its flagged rows replaced; the name must look like a test
database unless --allow-any-db). With --isolate the database is left alone and each worker
gets a copy of its own: on PostgreSQL a clone of a template database, on SQLite a copy of a
template file, on MySQL a fresh database filled from the snapshot. The worker id defaults
from NEXTEST_TEST_GLOBAL_SLOT, PYTEST_XDIST_WORKER or JEST_WORKER_ID, else the process id;
the run id from FIXTURA_RUN_ID or the CI system's job ids.")]
pub struct Args {
    #[command(flatten)]
    keyed: super::cache_key::KeyedArgs,
    /// Give this worker a copy of its own and print its URL as the last line
    #[arg(long)]
    isolate: bool,
    /// The worker id (with --isolate)
    #[arg(long, requires = "isolate", value_name = "ID")]
    worker: Option<String>,
    /// The run id (with --isolate), so two CI jobs on one server never share a copy
    #[arg(long, requires = "isolate", value_name = "ID")]
    run_id: Option<String>,
    /// Who checks foreign keys (see `fixtura generate --help`)
    #[arg(long, value_enum, default_value_t = super::generate::Checks::Auto)]
    fk_checks: super::generate::Checks,
    /// Fill the database even if its name does not look like a test database
    #[arg(long, conflicts_with = "isolate")]
    allow_any_db: bool,
    #[command(flatten)]
    allow: super::AllowArgs,
    /// Print the summary as JSON (the copy's URL is still the last line: `.isolated.url`)
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let options = EnsureOptions {
        url: global.db_url()?.to_string(),
        store: Store::new(global.store()),
        spec: args.keyed.spec.clone(),
        seed: args.keyed.seed,
        scale: args.keyed.scale,
        name: args.keyed.name.clone(),
        isolate: args
            .isolate
            .then(|| Identity::new(args.run_id.as_deref(), args.worker.as_deref())),
        checks: args.fk_checks.into(),
        allow_any_db: args.allow_any_db,
        allow_triggers: args.allow.allow_triggers,
        allow_non_transactional: args.allow.allow_non_transactional,
    };
    let bars = Arc::new(Bars::new(!args.json && std::io::stderr().is_terminal()));
    let summary = tokio::select! {
        result = fixtura::ensure(&options, bars.clone()) => result?,
        _ = tokio::signal::ctrl_c() => {
            if args.allow.allow_non_transactional && !args.isolate {
                anyhow::bail!(
                    "interrupted: a load in progress was rolled back, but rows it already wrote \
                     to tables without transactions (named in the note above, if any) stay; run \
                     ensure again"
                )
            }
            anyhow::bail!(
                "interrupted: a load in progress was rolled back; run ensure again \
                 (a half-made copy is left for `fixtura gc`)"
            )
        }
    };
    bars.clear();
    let out = if args.json {
        let mut json = serde_json::to_string_pretty(&summary)? + "\n";
        if let Some(isolated) = &summary.isolated {
            json.push_str(&isolated.url);
            json.push('\n');
        }
        json
    } else {
        render(&summary)
    };
    super::print(&out)
}

/// What happened, then the steps that took time, then (isolated) the copy's URL last.
fn render(s: &EnsureSummary) -> String {
    let mut out = format!(
        "{} for snapshot \"{}\" ({} rows), key {}\n",
        if s.hit { "cache hit" } else { "cache miss" },
        s.snapshot,
        s.rows,
        &s.key[..16]
    );
    let steps = [
        ("waited for the lock", s.lock_wait_seconds),
        ("generated", s.generate_seconds),
        ("cached as a snapshot", s.snapshot_seconds),
        ("restored into the database", s.restore_seconds),
        ("built the template", s.template_seconds),
        ("copied for this worker", s.clone_seconds),
    ];
    for (what, seconds) in steps {
        if seconds > 0.0005 {
            out.push_str(&format!("  {what:<28} {seconds:>8.3} s\n"));
        }
    }
    out.push_str(&format!("  {:<28} {:>8.3} s\n", "total", s.seconds));
    for note in &s.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if let Some(isolated) = &s.isolated {
        out.push_str(&isolated.url);
        out.push('\n');
    }
    out
}
