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

pub mod gc;
pub mod isolate;
pub mod key;
pub mod lock;
pub mod testdb;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

pub use self::isolate::{Identity, Isolated};
pub use self::key::{CacheKey, KeyInputs, cache_key};
use crate::db::{self, Db};
use crate::generate::spec::{Spec, SpecError};
use crate::generate::{self, ChecksChoice, GenerateError, GenerateOptions};
use crate::progress::Observer;
use crate::schema::{self, IntrospectOptions};
use crate::snapshot::manifest::{self, CacheEntry};
use crate::snapshot::{
    self, Clean, CreateOptions, RestoreOptions, SnapshotError, Store, StoreError,
};

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
    let file = spec_path.display().to_string();
    let text = Spec::read(spec_path)?;
    let mut spec = Spec::parse(&file, &text)?;
    if let Some(seed) = seed {
        spec.seed = seed;
    }
    if !(scale > 0.0 && scale.is_finite()) {
        return Err(CacheError::Isolation(format!(
            "the scale must be a positive number, not {scale}"
        )));
    }
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: spec.flag.clone(),
        },
    )
    .await?;
    let tables: Vec<&schema::Table> = schema.tables.iter().collect();
    let fingerprint = manifest::fingerprint(&schema, &tables);
    let key = cache_key(&KeyInputs {
        spec: &text,
        seed: spec.seed,
        scale,
        schema_fingerprint: &fingerprint,
        backend: db.backend(),
        server_version: &schema.server_version,
    })
    .map_err(|source| CacheError::Key {
        file: file.clone(),
        source,
    })?;
    let prefix = match name {
        Some(name) => name.to_string(),
        None => default_name(spec_path),
    };
    let snapshot = format!("{prefix}-{}", key.short());
    Store::check_name(&snapshot)?;
    tracing::debug!(%key, %snapshot, seed = spec.seed, scale, "cache key");
    Ok((
        KeyReport {
            snapshot,
            seed: spec.seed,
            scale,
            schema_fingerprint: fingerprint,
            backend: db.backend(),
            server_major_version: key::major_version(db.backend(), &schema.server_version),
            key,
        },
        spec,
    ))
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

/// Restores the cached snapshot for the spec, or generates and caches it; with
/// `isolate`, into a copy of the worker's own.
pub async fn ensure(
    options: &EnsureOptions,
    observer: Arc<dyn Observer>,
) -> Result<EnsureSummary, CacheError> {
    let started = Instant::now();
    let target = db::connect(&options.url).await?;
    let keyed = key_for(
        &target,
        &options.spec,
        options.seed,
        options.scale,
        options.name.as_deref(),
    )
    .await;
    let (report, spec) = match keyed {
        Ok(k) => k,
        Err(e) => {
            target.close().await;
            return Err(e);
        }
    };
    let mut summary = EnsureSummary {
        key: report.key.full().to_string(),
        snapshot: report.snapshot.clone(),
        hit: false,
        rows: 0,
        lock_wait_seconds: 0.0,
        generate_seconds: 0.0,
        snapshot_seconds: 0.0,
        restore_seconds: 0.0,
        template_seconds: 0.0,
        clone_seconds: 0.0,
        seconds: 0.0,
        isolated: None,
        notes: Vec::new(),
    };
    let cache = CacheEntry {
        key: report.key.full().to_string(),
        name: report
            .snapshot
            .strip_suffix(&format!("-{}", report.key.short()))
            .unwrap_or(&report.snapshot)
            .to_string(),
        spec: options.spec.display().to_string(),
        seed: spec.seed,
        scale: options.scale,
    };
    let build = Build {
        options,
        spec: &spec,
        cache,
        observer: observer.clone(),
    };

    match &options.isolate {
        None => {
            // Filling one database is one process at a time: the whole of it under the lock.
            if !options.allow_any_db {
                let name = db::database_name(&target).await?;
                if !snapshot::restore::looks_like_test_database(&name) {
                    target.close().await;
                    return Err(CacheError::Unsafe(format!(
                        "refusing to fill database \"{name}\": ensure deletes its flagged rows first, and \
                         its name does not look like a test database (it should contain a word like test, \
                         dev, ci, local, tmp or fixture); pass --allow-any-db if you mean it, or --isolate"
                    )));
                }
            }
            let (_lock, waited) = lock::lock(&options.store.dir, &report.snapshot).await?;
            summary.lock_wait_seconds = waited.as_secs_f64();
            let result = if cached(&options.store, &report.snapshot, &mut summary.notes)? {
                summary.hit = true;
                observer.step("cache hit: restoring the snapshot");
                let restoring = Instant::now();
                let restored = snapshot::restore(
                    &target,
                    &options.store,
                    &RestoreOptions {
                        name: report.snapshot.clone(),
                        clean: Clean::Flagged,
                        allow_any_db: true, // checked above
                        checks: options.checks,
                    },
                    observer.clone(),
                )
                .await;
                summary.restore_seconds = restoring.elapsed().as_secs_f64();
                restored.map(|_| ()).map_err(CacheError::from)
            } else {
                build
                    .generate_into(&target, &report.snapshot, &mut summary)
                    .await
            };
            target.close().await;
            result?;
        }
        Some(identity) => {
            target.close().await;
            let mut server = isolate::Server::open(&options.url, &spec.flag).await?;
            let result = async {
                if cached(&options.store, &report.snapshot, &mut summary.notes)? {
                    summary.hit = true;
                } else {
                    let (_lock, waited) = lock::lock(&options.store.dir, &report.snapshot).await?;
                    summary.lock_wait_seconds = waited.as_secs_f64();
                    if cached(&options.store, &report.snapshot, &mut summary.notes)? {
                        summary.hit = true;
                    } else {
                        build
                            .generate_into_scratch(&mut server, &report, &mut summary)
                            .await?;
                    }
                }
                let isolated = server
                    .isolate(
                        &options.store,
                        &report.snapshot,
                        report.key.short(),
                        identity,
                        observer.clone(),
                    )
                    .await?;
                summary.template_seconds = isolated.template_seconds;
                summary.clone_seconds = isolated.copy_seconds;
                summary.isolated = Some(isolated);
                Ok::<(), CacheError>(())
            }
            .await;
            server.close().await;
            result?;
        }
    }
    if summary.rows == 0 {
        summary.rows = options.store.manifest(&report.snapshot)?.rows;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        snapshot = %summary.snapshot,
        hit = summary.hit,
        lock_wait = summary.lock_wait_seconds,
        seconds = summary.seconds,
        copy = ?summary.isolated.as_ref().map(|i| crate::db::redact(&i.url)),
        "ensured"
    );
    Ok(summary)
}

/// Whether the store holds an intact snapshot `name`. A damaged one (an interrupted copy of
/// a CI cache, an edited file) is deleted, with a note, so it is made again.
fn cached(store: &Store, name: &str, notes: &mut Vec<String>) -> Result<bool, CacheError> {
    let damage = match store.manifest(name) {
        Ok(manifest) => match store.verify(&manifest) {
            Ok(()) => return Ok(true),
            Err(e) => e,
        },
        Err(StoreError::NotFound { .. }) => return Ok(false),
        Err(StoreError::Io {
            source,
            path,
            action,
        }) => {
            return Err(StoreError::Io {
                action,
                path,
                source,
            }
            .into());
        }
        Err(e) => e,
    };
    notes.push(format!("replaced a damaged cached snapshot: {damage}"));
    match store.delete(name) {
        Ok(()) | Err(StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Making the cached snapshot on a miss.
struct Build<'a> {
    options: &'a EnsureOptions,
    spec: &'a Spec,
    cache: CacheEntry,
    observer: Arc<dyn Observer>,
}

impl Build<'_> {
    /// Generates into `db` (after deleting its flagged rows), then snapshots its flagged rows
    /// with the rows they reference.
    async fn generate_into(
        &self,
        db: &Db,
        snapshot: &str,
        summary: &mut EnsureSummary,
    ) -> Result<(), CacheError> {
        self.observer.step("cache miss: generating the spec's rows");
        let generating = Instant::now();
        let generated = generate::generate(
            db,
            self.spec,
            &GenerateOptions {
                scale: self.options.scale,
                checks: self.options.checks,
                clean_flagged: true,
                ..GenerateOptions::default()
            },
            self.observer.clone(),
        )
        .await?;
        summary.generate_seconds = generating.elapsed().as_secs_f64();
        summary.rows = generated.rows;
        self.observer.step("caching the rows as a snapshot");
        let snapshotting = Instant::now();
        let created = snapshot::create(
            db,
            &self.options.store,
            &CreateOptions {
                name: snapshot.to_string(),
                description: Some(format!(
                    "fixtura ensure: {} (seed {}, scale {})",
                    self.cache.spec, self.cache.seed, self.cache.scale
                )),
                flag: self.spec.flag.clone(),
                filters: Vec::new(),
                with_parents: true,
                cache: Some(self.cache.clone()),
            },
            self.observer.clone(),
        )
        .await?;
        summary.snapshot_seconds = snapshotting.elapsed().as_secs_f64();
        summary.rows = created.rows;
        Ok(())
    }

    /// The miss path with isolation: generate into a scratch copy of the target, snapshot
    /// it, then keep the copy as the template (or drop it where there are none).
    async fn generate_into_scratch(
        &self,
        server: &mut isolate::Server,
        report: &KeyReport,
        summary: &mut EnsureSummary,
    ) -> Result<(), CacheError> {
        let scratch = server.scratch(report.key.short()).await?;
        let built = async {
            let db = db::connect(&scratch.url).await?;
            let result = self.generate_into(&db, &report.snapshot, summary).await;
            db.close().await;
            result
        }
        .await;
        match built {
            Ok(()) => server.promote(&scratch, report.key.short()).await,
            Err(e) => {
                let _ = server.discard(&scratch).await;
                Err(e)
            }
        }
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
