//! `fixtura gc`: drop the copies, templates and cached snapshots no longer wanted.

use std::time::Duration;

use fixtura::cache::{GcOptions, Identity};
use fixtura::inspect::text::aligned;
use fixtura::schema::DEFAULT_FLAG;
use fixtura::snapshot::Store;

use super::GlobalArgs;

/// Drop stale worker copies and templates, old cached snapshots and leftovers
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura gc --dry-run                         # what would go
  fixtura gc --older-than 6h --keep 1
  fixtura gc --this-run                        # at the end of a CI job: its workers' copies
  fixtura gc --run-id 20251130a                # the copies of run 20251130a

Goes: worker copies and templates whose key no snapshot in the store has (stale), or older
than --older-than; scratch copies left by killed processes (older than --older-than);
snapshots made by `ensure` beyond the --keep newest of each spec, seed, scale and backend;
temporary directories whose writer is gone (killed mid-write). Never a database, file or
snapshot fixtura did not make, and never one in use (a session on it, a process reading
it). Keys are stale only against a store that has snapshots. Without a database (--db or
DATABASE_URL) only the store is collected.")]
pub struct Args {
    /// Copies and templates older than this go (90s, 30m, 24h, 7d)
    #[arg(long, default_value = "24h", value_parser = parse_duration, value_name = "AGE")]
    older_than: std::time::Duration,
    /// Cached snapshots kept per spec, seed, scale and backend (the newest)
    #[arg(long, default_value_t = 2, value_name = "N")]
    keep: usize,
    /// Drop every worker copy of this run, whatever its age
    #[arg(long, value_name = "ID")]
    run_id: Option<String>,
    /// Drop every worker copy of the run `ensure --isolate` would belong to here (the run id
    /// it derives from FIXTURA_RUN_ID or the CI system's job ids)
    #[arg(long, conflicts_with = "run_id")]
    this_run: bool,
    /// The flag column (MySQL copies are opened with it)
    #[arg(long, default_value = DEFAULT_FLAG, value_name = "COLUMN")]
    flag: String,
    /// Only list what would go
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let options = GcOptions {
        url: global.db.clone().filter(|u| !u.trim().is_empty()),
        store: Store::new(global.store()),
        flag: args.flag.clone(),
        older_than: args.older_than,
        keep: args.keep,
        run: if args.this_run {
            Some(Identity::new(None, None).run().to_string())
        } else {
            args.run_id.clone()
        },
        dry_run: args.dry_run,
    };
    let report = fixtura::gc(&options).await?;
    if args.json {
        return super::print(&(serde_json::to_string_pretty(&report)? + "\n"));
    }
    let mut out = String::new();
    if !report.collected.is_empty() {
        let mut rows = vec![["KIND", "NAME", "WHY"].map(String::from).to_vec()];
        for c in &report.collected {
            rows.push(vec![c.kind.to_string(), c.name.clone(), c.reason.clone()]);
        }
        out.push_str(&aligned(&rows, &[false, false, false], ""));
    }
    out.push_str(&format!(
        "{} {} item{}; {} kept\n",
        if report.dry_run {
            "would drop"
        } else {
            "dropped"
        },
        report.collected.len(),
        if report.collected.len() == 1 { "" } else { "s" },
        report.kept
    ));
    super::print(&out)
}

/// Reads a duration like `90s`, `30m`, `24h`, `7d` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let invalid = || format!("\"{text}\" is not a duration like 90s, 30m, 24h or 7d");
    let n: u64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(invalid()),
    };
    n.checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(
            parse_duration("99999999999999999d").is_err(),
            "too long is an error, not a wrap"
        );
    }
}
