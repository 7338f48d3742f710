//! The CI cache: `ensure` restores the snapshot cached for (spec, seed, scale, schema,
//! versions), or generates the data and caches it; with isolation, every worker gets its own
//! copy. Safe when many processes (or CI jobs sharing a store) run it at once.
//!
//! ```text
//! key = blake3(spec, seed, scale, schema fingerprint, backend + major, format, rng, tool)
//! snapshot "<name>-<key16>" in the store?
//!   yes (hit) ──────────────────────────────────────────────► restore / copy for the worker
//!   no  (miss) ─► file lock ─► still no? ─► generate (after deleting flagged rows)
//!                                          ─► snapshot create --with-parents ─► publish
//! ```
//!
//! Publication is atomic (temporary directory, fsync, rename: `snapshot::store`), so a
//! reader never sees half a snapshot, and a process killed at any moment leaves the store
//! usable: its lock dies with it, its temporary directory is ignored (and removed by
//! `fixtura gc`).

mod ensure;
pub mod gc;
pub mod isolate;
pub mod key;
pub mod lock;
pub mod testdb;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use self::ensure::ensure;
pub use self::isolate::{Identity, Isolated};
pub use self::key::{CacheKey, KeyInputs, cache_key};
use crate::db::Db;
use crate::generate::spec::{Spec, SpecError};
use crate::generate::{ChecksChoice, GenerateError};
use crate::schema::{self, IntrospectOptions};
use crate::snapshot::manifest;
use crate::snapshot::{SnapshotError, Store, StoreError};

/// Why `ensure`, `cache-key` or `gc` failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Connect(#[from] crate::db::ConnectError),
    #[error(transparent)]
    Database(#[from] crate::Error),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("{file}: {source}")]
    Key {
        file: String,
        #[source]
        source: key::KeyError,
    },
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Isolation(String),
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Unsafe(String),
    #[error("{0}")]
    Invalid(String),
}

/// What to ensure.
#[derive(Debug, Clone)]
pub struct EnsureOptions {
    /// The target database.
    pub url: String,
    pub store: Store,
    pub spec: PathBuf,
    /// Overrides the spec's seed.
    pub seed: Option<u64>,
    pub scale: f64,
    /// The snapshot's name before its key (default: the spec file's stem).
    pub name: Option<String>,
    /// Give this worker its own copy instead of filling the target.
    pub isolate: Option<Identity>,
    pub checks: ChecksChoice,
    /// Fill (and so clean) even a target whose name does not look like a test database.
    pub allow_any_db: bool,
}

/// What `ensure` did, with its timings (seconds).
#[derive(Debug, Clone, Serialize)]
pub struct EnsureSummary {
    /// The full cache key.
    pub key: String,
    /// The snapshot used (or made).
    pub snapshot: String,
    /// Whether the snapshot was in the store (no generation).
    pub hit: bool,
    /// Rows in the snapshot.
    pub rows: u64,
    /// Time waiting for another process's lock.
    pub lock_wait_seconds: f64,
    pub generate_seconds: f64,
    pub snapshot_seconds: f64,
    /// Restoring into the target (without isolation).
    pub restore_seconds: f64,
    /// Building the template (isolation, PostgreSQL and SQLite).
    pub template_seconds: f64,
    /// Making the worker's copy (isolation).
    pub clone_seconds: f64,
    pub seconds: f64,
    /// The worker's copy, with isolation.
    pub isolated: Option<Isolated>,
    /// Things worth knowing (a damaged cached snapshot replaced, ...).
    pub notes: Vec<String>,
}

/// The key of a spec against a live database, and what it was computed from.
#[derive(Debug, Clone, Serialize)]
pub struct KeyReport {
    pub key: CacheKey,
    /// `<name>-<key16>`: the snapshot `ensure` uses.
    pub snapshot: String,
    pub seed: u64,
    pub scale: f64,
    pub schema_fingerprint: String,
    pub backend: crate::Backend,
    pub server_major_version: String,
}

/// Computes the cache key of `spec_path` (with `seed`, `scale`) against the database `db`.
pub async fn key_for(
    db: &Db,
    spec_path: &Path,
    seed: Option<u64>,
    scale: f64,
    name: Option<&str>,
) -> Result<(KeyReport, Spec), CacheError> {
    let spec = KeyedSpec::read(spec_path, seed, scale, name)?;
    let report = spec.key(db).await?;
    Ok((report, spec.spec))
}

/// A spec read for keying: its text (what the key covers), parsed (with `--seed` applied),
/// and the options besides.
struct KeyedSpec {
    path: PathBuf,
    text: String,
    spec: Spec,
    scale: f64,
    name: Option<String>,
}

impl KeyedSpec {
    fn read(
        path: &Path,
        seed: Option<u64>,
        scale: f64,
        name: Option<&str>,
    ) -> Result<KeyedSpec, CacheError> {
        let text = Spec::read(path)?;
        let mut spec = Spec::parse(&path.display().to_string(), &text)?;
        if let Some(seed) = seed {
            spec.seed = seed;
        }
        if !(scale > 0.0 && scale.is_finite()) {
            return Err(CacheError::Invalid(format!(
                "the scale must be a positive number, not {scale}"
            )));
        }
        Ok(KeyedSpec {
            path: path.to_path_buf(),
            text,
            spec,
            scale,
            name: name.map(str::to_string),
        })
    }

    /// The key against the schema of `db`.
    async fn key(&self, db: &Db) -> Result<KeyReport, CacheError> {
        let (fingerprint, schema) = schema_and_fingerprint(db, &self.spec.flag).await?;
        let key = cache_key(&KeyInputs {
            spec: &self.text,
            seed: self.spec.seed,
            scale: self.scale,
            schema_fingerprint: &fingerprint,
            backend: db.backend(),
            server_version: &schema.server_version,
        })
        .map_err(|source| CacheError::Key {
            file: self.path.display().to_string(),
            source,
        })?;
        let prefix = match &self.name {
            Some(name) => name.clone(),
            None => default_name(&self.path),
        };
        let snapshot = format!("{prefix}-{}", key.short());
        Store::check_name(&snapshot)?;
        tracing::debug!(%key, %snapshot, seed = self.spec.seed, scale = self.scale, "cache key");
        Ok(KeyReport {
            snapshot,
            seed: self.spec.seed,
            scale: self.scale,
            schema_fingerprint: fingerprint,
            backend: db.backend(),
            server_major_version: key::major_version(db.backend(), &schema.server_version),
            key,
        })
    }
}

/// The fingerprint of the whole schema of `db` (every table), as cache keys and template
/// ids take it.
pub async fn schema_fingerprint(db: &Db, flag: &str) -> Result<String, CacheError> {
    Ok(schema_and_fingerprint(db, flag).await?.0)
}

async fn schema_and_fingerprint(
    db: &Db,
    flag: &str,
) -> Result<(String, schema::Schema), CacheError> {
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: flag.to_string(),
        },
    )
    .await?;
    let tables: Vec<&schema::Table> = schema.tables.iter().collect();
    Ok((manifest::fingerprint(&schema, &tables), schema))
}

/// The spec file's stem, in the characters a snapshot name may hold.
fn default_name(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_string();
    if clean.is_empty() {
        "fixtures".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_come_from_the_spec_file_stem() {
        assert_eq!(default_name(Path::new("schema/welfare.toml")), "welfare");
        assert_eq!(default_name(Path::new("a b/my spec.toml")), "my_spec");
        assert_eq!(default_name(Path::new("")), "fixtures");
    }
}
