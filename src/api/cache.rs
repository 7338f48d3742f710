//! The CI cache: `ensure`, the key it caches under, and `gc`.

use std::path::Path;
use std::sync::Arc;

use crate::cache::gc::{GcOptions, GcReport};
use crate::cache::{self, EnsureOptions, EnsureSummary, KeyReport};
use crate::db::Db;
use crate::error::Result;
use crate::progress::Observer;

/// Restores the snapshot cached for the spec (keyed by spec, seed, scale, schema and
/// versions), or generates the data and caches it; with `options.isolate`, into a copy of
/// the worker's own. Safe when many processes run it at once.
pub async fn ensure(options: &EnsureOptions, observer: Arc<dyn Observer>) -> Result<EnsureSummary> {
    Ok(cache::ensure(options, observer).await?)
}

/// The key `ensure` caches the spec at `spec` under, against the database `db`, and what
/// it was computed from. `seed` overrides the spec's; `name` the snapshot's name before
/// its key (default: the spec file's stem).
pub async fn cache_key(
    db: &Db,
    spec: &Path,
    seed: Option<u64>,
    scale: f64,
    name: Option<&str>,
) -> Result<KeyReport> {
    Ok(cache::key_for(db, spec, seed, scale, name).await?.0)
}

/// Drops the worker copies, templates and cached snapshots no longer wanted; never one in
/// use, and never anything fixtura did not make.
pub async fn gc(options: &GcOptions) -> Result<GcReport> {
    Ok(cache::gc::gc(options).await?)
}
