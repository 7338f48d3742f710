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
//! Tables the spec writes that have no flag column are generated into only while they are
//! empty (and, without isolation, only when a later restore can recognise their rows by a
//! key and they reference no flagged table), then captured whole: see
//! `generate::Unflagged`. Otherwise the miss stops before generating, with the `ALTER
//! TABLE` statements that add the flag column.
//!
//! Publication is atomic (temporary directory, fsync, rename: `snapshot::store`), so a
//! reader never sees half a snapshot, and a process killed at any moment leaves the store
//! usable: its lock dies with it, its temporary directory is ignored (and removed by
//! `fixtura gc`).

mod ensure;
pub(crate) mod gc;
pub(crate) mod isolate;
pub(crate) mod key;
pub(crate) mod lock;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub(crate) use self::ensure::ensure;
pub use self::gc::{Collected, GcOptions, GcReport};
pub use self::isolate::{Identity, Isolated};
pub use self::key::{CacheKey, KeyError};
pub(crate) use self::key::{KeyInputs, cache_key};
pub use self::lock::LockError;
use crate::db::{Db, DbError, Remedy};
use crate::generate::spec::{Spec, SpecError};
use crate::generate::{ChecksChoice, GenerateError};
use crate::schema::{self, IntrospectOptions};
use crate::snapshot::manifest;
use crate::snapshot::{SnapshotError, Store, StoreError};

/// Why `ensure`, `cache-key` or `gc` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The target or the copies' server cannot be reached.
    #[error(transparent)]
    Connect(#[from] crate::db::ConnectError),
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The spec is wrong.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The spec cannot be read for its key.
    #[error("{file}: {source}")]
    Key {
        /// The spec file.
        file: String,
        /// Why.
        #[source]
        source: key::KeyError,
    },
    /// A lock in the store could not be taken.
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    /// Generating the data failed.
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// Making or restoring the snapshot failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The store, or a snapshot in it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A worker's copy could not be made or dropped.
    #[error("{0}")]
    Isolation(String),
    /// A file or directory of the store.
    #[error("{action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Refused for safety: filling a database whose name does not look like a test database.
    #[error(
        "refusing to fill database \"{database}\": ensure deletes its flagged rows first, and \
         its name does not look like a test database (it should contain a word like test, \
         dev, ci, local, tmp or fixture); {remedy}"
    )]
    Unsafe {
        /// The database's name.
        database: String,
        /// What to do.
        remedy: Remedy,
    },
    /// An option or argument that cannot work.
    #[error("{0}")]
    Invalid(String),
}

impl CacheError {
    /// The advice this error carries, if any.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            CacheError::Connect(e) => e.remedy(),
            CacheError::Database(e) => e.remedy(),
            CacheError::Generate(e) => e.remedy(),
            CacheError::Snapshot(e) => e.remedy(),
            CacheError::Unsafe { remedy, .. } => Some(*remedy),
            _ => None,
        }
    }
}

/// What to ensure.
#[derive(Debug, Clone)]
pub struct EnsureOptions {
    /// The target database.
    pub url: String,
    /// The snapshot store.
    pub store: Store,
    /// The spec file.
    pub spec: PathBuf,
    /// Overrides the spec's seed.
    pub seed: Option<u64>,
    /// Multiplies the spec's `rows = N` counts.
    pub scale: f64,
    /// The snapshot's name before its key (default: the spec file's stem).
    pub name: Option<String>,
    /// Give this worker its own copy instead of filling the target.
    pub isolate: Option<Identity>,
    /// Who checks foreign keys when the data is generated or restored.
    pub checks: ChecksChoice,
    /// Fill (and so clean) even a target whose name does not look like a test database.
    pub allow_any_db: bool,
    /// Generate and restore even where triggers fire on the rows written (see
    /// `GenerateOptions::allow_triggers`).
    pub allow_triggers: bool,
    /// Write the target's tables without transactions (see
    /// `GenerateOptions::allow_non_transactional`); a worker's own copy may always be
    /// written, since a copy that fails is dropped.
    pub allow_non_transactional: bool,
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
    /// Generating the data (a miss).
    pub generate_seconds: f64,
    /// Snapshotting the generated data (a miss).
    pub snapshot_seconds: f64,
    /// Restoring into the target (without isolation).
    pub restore_seconds: f64,
    /// Building the template (isolation, PostgreSQL and SQLite).
    pub template_seconds: f64,
    /// Making the worker's copy (isolation).
    pub clone_seconds: f64,
    /// All of it.
    pub seconds: f64,
    /// The worker's copy, with isolation.
    pub isolated: Option<Isolated>,
    /// Things worth knowing (a damaged cached snapshot replaced, ...).
    pub notes: Vec<String>,
}

/// The key of a spec against a live database, and what it was computed from.
#[derive(Debug, Clone, Serialize)]
pub struct KeyReport {
    /// The key.
    pub key: CacheKey,
    /// `<name>-<key16>`: the snapshot `ensure` uses.
    pub snapshot: String,
    /// The seed in effect (the spec's, or the one given).
    pub seed: u64,
    /// The scale.
    pub scale: f64,
    /// The hash of the target's schema the key covers.
    pub schema_fingerprint: String,
    /// The target's backend.
    pub backend: crate::db::Backend,
    /// The server's major version (`15`, `10.11`, `3`).
    pub server_major_version: String,
}

/// Computes the cache key of `spec_path` (with `seed`, `scale`) against the database `db`.
pub(crate) async fn key_for(
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

/// Restores snapshot `name` of `store` into a copy of its own for the worker `identity`,
/// made on the server of the database at `url` (whose schema the copy takes): the
/// `snapshot restore --isolate` of the command line.
pub(crate) async fn restore_isolated(
    url: &str,
    store: &Store,
    name: &str,
    identity: &Identity,
    allow_triggers: bool,
    observer: std::sync::Arc<dyn crate::progress::Observer>,
) -> Result<(Isolated, manifest::Manifest), CacheError> {
    let manifest = store.read_manifest(name)?;
    let db = crate::db::connect(url).await?;
    let fingerprint = schema_fingerprint(&db, &manifest.selection.flag).await;
    db.close().await;
    let id = isolate::snapshot_template_id(&manifest, &fingerprint?);
    let mut server = isolate::Server::open(url, &manifest.selection.flag).await?;
    let result = server
        .isolate(store, name, &id, identity, allow_triggers, observer)
        .await;
    server.close().await;
    Ok((result?, manifest))
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
        let text = Spec::read_text(path)?;
        let mut spec = Spec::from_text(&path.display().to_string(), &text)?;
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
pub(crate) async fn schema_fingerprint(db: &Db, flag: &str) -> Result<String, CacheError> {
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
