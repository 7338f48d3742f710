//! `fixtura cache-key`: the key `ensure` caches a spec's data under, for CI cache steps.

use std::path::PathBuf;

use super::GlobalArgs;

/// What a cache key is made of, as `ensure` and `cache-key` take it.
#[derive(Debug, clap::Args)]
pub struct KeyedArgs {
    /// The spec file (TOML)
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// Override the spec's seed
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Multiply every `rows = N` by this factor
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub scale: f64,
    /// The snapshot name before the key [default: the spec file's stem]
    #[arg(long)]
    pub name: Option<String>,
}

/// Print the cache key of a spec against the database's schema
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  fixtura cache-key --spec schema/welfare.toml
  fixtura cache-key --spec schema/welfare.toml --short      # the 16 digits names carry

The key is blake3 over the spec (as data: whitespace, comments and key order do not count),
the seed, the scale, the database's schema fingerprint, the backend and its major version,
the snapshot format, the RNG and the fixtura version. Use it as an exact cache key, with no
fallback (restore-keys) keys: a partial hit would restore data for another schema or spec.")]
pub struct Args {
    #[command(flatten)]
    keyed: KeyedArgs,
    /// Print the first 16 hex digits only
    #[arg(long, conflicts_with = "json")]
    short: bool,
    /// Print the key and what it was computed from as JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let db = fixtura::connect(global.db_url()?).await?;
    let k = &args.keyed;
    let report = fixtura::cache_key(&db, &k.spec, k.seed, k.scale, k.name.as_deref()).await;
    db.close().await;
    let report = report?;
    let out = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else if args.short {
        format!("{}\n", report.key.short())
    } else {
        format!("{}\n", report.key.full())
    };
    super::print(&out)
}
