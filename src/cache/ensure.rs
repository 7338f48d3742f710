//! `ensure`: the flow. Locks are taken in one order only — the target's fill lock, then the
//! snapshot's build lock (exclusive), then its read lock (shared) — so processes never wait
//! on each other in a circle.
//!
//! - Without isolation (the data goes into the target), the whole of it runs under the
//!   target's *fill* lock: two processes filling one database (even for different specs)
//!   take turns, so neither snapshots the other's rows.
//! - A miss takes the snapshot's *build* lock, looks again (another process may have built
//!   it meanwhile), and only then deletes a damaged snapshot and builds.
//! - Reading a snapshot (a restore, a template build, a MySQL copy) holds its *read* lock,
//!   shared with other readers, so `gc` or a rebuild never deletes it under them.

use std::sync::Arc;
use std::time::Instant;

use super::isolate::{Identity, Server};
use super::{CacheError, EnsureOptions, EnsureSummary, KeyReport, KeyedSpec, lock};
use crate::db::{self, Db, Remedy};
use crate::generate::spec::Spec;
use crate::generate::{self, GenerateOptions, Unflagged};
use crate::progress::Observer;
use crate::snapshot::manifest::CacheEntry;
use crate::snapshot::{self, Clean, CreateOptions, RestoreOptions, StoreError};

/// Restores the cached snapshot for the spec, or generates and caches it; with
/// `isolate`, into a copy of the worker's own.
pub(crate) async fn ensure(
    options: &EnsureOptions,
    observer: Arc<dyn Observer>,
) -> Result<EnsureSummary, CacheError> {
    let started = Instant::now();
    let keyed = KeyedSpec::read(
        &options.spec,
        options.seed,
        options.scale,
        options.name.as_deref(),
    )?;
    let (report, target, server) = key_and_connect(options, &keyed).await?;
    let mut run = Run::new(options, &report, &keyed.spec, observer);
    let result = match (&options.isolate, server) {
        (Some(identity), Some(mut server)) => {
            // The target is only copied from here on: no session of ours may stay on it
            // (PostgreSQL copies a database only while nobody is connected to it).
            target.close().await;
            let isolated = run.isolated_on(&mut server, identity).await;
            server.close().await;
            isolated
        }
        _ => {
            let filled = run.fill(&target).await;
            target.close().await;
            filled
        }
    };
    result?;
    let mut summary = run.summary;
    summary.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        snapshot = %summary.snapshot,
        hit = summary.hit,
        lock_wait = summary.lock_wait_seconds,
        seconds = summary.seconds,
        copy = ?summary.isolated.as_ref().map(|i| db::redact(&i.url)),
        "ensured"
    );
    Ok(summary)
}

/// The key of the spec against the target's schema, the target's connection, and with
/// isolation the copies' server. On failure nothing stays open.
async fn key_and_connect(
    options: &EnsureOptions,
    keyed: &KeyedSpec,
) -> Result<(KeyReport, Db, Option<Server>), CacheError> {
    let key_of_target = async {
        let target = db::connect(&options.url).await?;
        match keyed.key(&target).await {
            Ok(report) => Ok((report, target)),
            Err(e) => {
                target.close().await;
                Err(e)
            }
        }
    };
    // With isolation the copies' server connection is opened while the key is computed:
    // every worker of a test run pays this path.
    match &options.isolate {
        None => {
            let (report, target) = key_of_target.await?;
            Ok((report, target, None))
        }
        Some(_) => {
            let (keyed, server) =
                tokio::join!(key_of_target, Server::open(&options.url, &keyed.spec.flag));
            let (keyed, server) = match (keyed, server) {
                (Ok(k), Ok(server)) => (k, server),
                (Err(e), Ok(server)) => {
                    server.close().await;
                    return Err(e);
                }
                (Ok((_, target)), Err(e)) => {
                    target.close().await;
                    return Err(e);
                }
                (Err(e), Err(_)) => return Err(e),
            };
            Ok((keyed.0, keyed.1, Some(server)))
        }
    }
}

/// One `ensure`, as it goes.
struct Run<'a> {
    options: &'a EnsureOptions,
    report: &'a KeyReport,
    spec: &'a Spec,
    cache: CacheEntry,
    observer: Arc<dyn Observer>,
    summary: EnsureSummary,
}

impl<'a> Run<'a> {
    /// A run that has done nothing yet, for the snapshot `report` names.
    fn new(
        options: &'a EnsureOptions,
        report: &'a KeyReport,
        spec: &'a Spec,
        observer: Arc<dyn Observer>,
    ) -> Run<'a> {
        Run {
            options,
            cache: CacheEntry {
                key: report.key.full().to_string(),
                name: report
                    .snapshot
                    .strip_suffix(&format!("-{}", report.key.short()))
                    .unwrap_or(&report.snapshot)
                    .to_string(),
                spec: options.spec.display().to_string(),
                seed: spec.seed,
                scale: options.scale,
            },
            report,
            spec,
            observer,
            summary: EnsureSummary {
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
            },
        }
    }
}

impl Run<'_> {
    fn snapshot(&self) -> &str {
        &self.report.snapshot
    }

    fn store_dir(&self) -> &std::path::Path {
        &self.options.store.dir
    }

    /// The data into the target itself.
    async fn fill(&mut self, target: &Db) -> Result<(), CacheError> {
        if !self.options.allow_any_db {
            let name = target.database_name().await?;
            if !snapshot::restore::looks_like_test_database(&name) {
                return Err(CacheError::Unsafe {
                    database: name,
                    remedy: Remedy::AllowAnyDbOrIsolate,
                });
            }
        }
        let fill = format!("fill-{}", target_tag(&self.options.url));
        let (_fill, waited) = lock::lock(self.store_dir(), &fill).await?;
        self.summary.lock_wait_seconds += waited.as_secs_f64();
        if !self.intact(true)? {
            let (_build, waited) = lock::lock(self.store_dir(), self.snapshot()).await?;
            self.summary.lock_wait_seconds += waited.as_secs_f64();
            if !self.intact(true)? {
                // Built into the target itself: the data is there once the snapshot is.
                self.discard_damaged()?;
                // Run again and again on this database: what it generates into tables
                // without the flag column must be restorable over itself.
                return self
                    .generate_and_cache(target, Unflagged::Replaceable)
                    .await;
            }
        }
        self.summary.hit = true;
        self.observer.step("cache hit: restoring the snapshot");
        let (_read, _) = lock::lock_shared(self.store_dir(), self.snapshot()).await?;
        let restoring = Instant::now();
        let restored = snapshot::restore(
            target,
            &self.options.store,
            &RestoreOptions {
                name: self.snapshot().to_string(),
                clean: Clean::Flagged,
                allow_any_db: true, // checked above
                checks: self.options.checks,
                allow_triggers: self.options.allow_triggers,
                allow_non_transactional: self.options.allow_non_transactional,
            },
            self.observer.clone(),
        )
        .await?;
        self.summary.notes.extend(restored.notes.lines());
        self.summary.restore_seconds = restoring.elapsed().as_secs_f64();
        self.note_kept_whole(&restored)?;
        Ok(())
    }

    /// Says so when a restore into the target left rows of tables without the flag column
    /// as they were: nothing can clean those, so rows a test changed stay changed.
    fn note_kept_whole(&mut self, restored: &snapshot::RestoreSummary) -> Result<(), CacheError> {
        let whole = self
            .options
            .store
            .read_manifest(self.snapshot())?
            .selection
            .whole;
        let kept: Vec<String> = restored
            .tables
            .iter()
            .filter(|t| t.skipped > 0 && whole.contains(&t.table))
            .map(|t| format!("{} ({})", t.table, t.skipped))
            .collect();
        if !kept.is_empty() {
            self.summary.notes.push(format!(
                "rows already in tables without the flag column \"{}\" were kept as they are, \
                 and only the missing ones restored: {}; an isolated copy holds exactly the \
                 snapshot",
                self.spec.flag,
                kept.join(", ")
            ));
        }
        Ok(())
    }

    /// The data into a copy of the worker's own.
    async fn isolated_on(
        &mut self,
        server: &mut Server,
        identity: &Identity,
    ) -> Result<(), CacheError> {
        let id = self.report.key.short().to_string();
        // The snapshot's files are read (so checked first) only to build a template, or on
        // MySQL, for every copy.
        let reads_files = !server.template_exists(&id).await?;
        if self.intact(reads_files)? {
            self.summary.hit = true;
        } else {
            let (_build, waited) = lock::lock(self.store_dir(), self.snapshot()).await?;
            self.summary.lock_wait_seconds += waited.as_secs_f64();
            if self.intact(true)? {
                self.summary.hit = true;
            } else {
                self.discard_damaged()?;
                self.generate_into_scratch(server).await?;
            }
        }
        let (_read, _) = lock::lock_shared(self.store_dir(), self.snapshot()).await?;
        let isolated = server
            .isolate(
                &self.options.store,
                self.snapshot(),
                &id,
                identity,
                self.options.allow_triggers,
                self.observer.clone(),
            )
            .await?;
        self.summary.template_seconds = isolated.template_seconds;
        self.summary.clone_seconds = isolated.copy_seconds;
        self.summary.isolated = Some(isolated);
        Ok(())
    }

    /// Whether the store holds snapshot `name` whole (with `verify`, every file matching its
    /// checksum). A damaged one counts as missing, with a note; it is deleted under the
    /// build lock, before it is made again.
    fn intact(&mut self, verify: bool) -> Result<bool, CacheError> {
        let store = &self.options.store;
        let damage = match store.read_manifest(self.snapshot()) {
            Ok(manifest) => {
                self.summary.rows = manifest.rows;
                if !verify {
                    return Ok(true);
                }
                match store.verify_files(&manifest) {
                    Ok(()) => return Ok(true),
                    Err(e) => e,
                }
            }
            Err(StoreError::NotFound { .. }) => return Ok(false),
            Err(e @ StoreError::Io { .. }) => return Err(e.into()),
            Err(e) => e,
        };
        let note = format!("replaced a damaged cached snapshot: {damage}");
        if !self.summary.notes.contains(&note) {
            self.summary.notes.push(note);
        }
        Ok(false)
    }

    /// Deletes what is left of a damaged snapshot (the build lock is held).
    fn discard_damaged(&self) -> Result<(), CacheError> {
        match self.options.store.remove(self.snapshot()) {
            Ok(()) | Err(StoreError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The miss: generates into `db` (after deleting its flagged rows), then snapshots its
    /// flagged rows with the rows they reference. The tables written that have no flag
    /// column must be as `unflagged` says (empty, at least) before a row is written; they
    /// are then captured whole, since every row in them is a generated one. A scratch copy
    /// (`Unflagged::Empty`), dropped when this fails, may have its tables without
    /// transactions written.
    async fn generate_and_cache(
        &mut self,
        db: &Db,
        unflagged: Unflagged,
    ) -> Result<(), CacheError> {
        let scratch = unflagged == Unflagged::Empty;
        self.observer.step("cache miss: generating the spec's rows");
        let generating = Instant::now();
        let generated = generate::generate(
            db,
            self.spec,
            &GenerateOptions {
                scale: self.options.scale,
                checks: self.options.checks,
                clean_flagged: true,
                allow_triggers: self.options.allow_triggers,
                allow_non_transactional: scratch || self.options.allow_non_transactional,
                unflagged,
                ..GenerateOptions::default()
            },
            self.observer.clone(),
        )
        .await?;
        self.summary.generate_seconds = generating.elapsed().as_secs_f64();
        self.summary.rows = generated.rows;
        self.summary.notes.extend(generated.notes.lines());
        let whole: Vec<String> = generated
            .tables
            .iter()
            .filter(|t| !t.flagged)
            .map(|t| t.table.clone())
            .collect();
        if !whole.is_empty() {
            self.summary.notes.push(format!(
                "captured whole, having no flag column \"{}\" (they were empty before \
                 generating): {}",
                self.spec.flag,
                whole.join(", ")
            ));
        }
        self.observer.step("caching the rows as a snapshot");
        let snapshotting = Instant::now();
        let created = snapshot::create_with_whole(
            db,
            &self.options.store,
            &CreateOptions {
                name: self.snapshot().to_string(),
                description: Some(format!(
                    "fixtura ensure: {} (seed {}, scale {})",
                    self.cache.spec, self.cache.seed, self.cache.scale
                )),
                flag: self.spec.flag.clone(),
                filters: Vec::new(),
                with_parents: true,
                cache: Some(self.cache.clone()),
                all: false,
            },
            &whole,
            self.observer.clone(),
        )
        .await?;
        self.summary.snapshot_seconds = snapshotting.elapsed().as_secs_f64();
        self.summary.rows = created.rows;
        Ok(())
    }

    /// The miss with isolation: generate into a scratch copy of the target, snapshot it,
    /// then keep the copy as the template (or drop it where there are none).
    async fn generate_into_scratch(&mut self, server: &mut Server) -> Result<(), CacheError> {
        let id = self.report.key.short().to_string();
        let scratch = server.scratch(&id).await?;
        let built = async {
            let db = db::connect(&scratch.url).await?;
            // The copy is thrown away once snapshotted: its tables without the flag
            // column need only be empty.
            let result = self.generate_and_cache(&db, Unflagged::Empty).await;
            db.close().await;
            result
        }
        .await;
        let promoted = match built {
            Ok(()) => server.promote(&scratch, &id).await,
            Err(e) => Err(e),
        };
        if promoted.is_err() {
            let _ = server.discard(&scratch).await;
        }
        promoted
    }
}

/// A name for the target database that every process filling it computes alike: for a
/// server its scheme, host, port and database (not the user, password or options); for
/// SQLite the file's canonical path. Hashed: it names a lock file.
fn target_tag(url: &str) -> String {
    let identity = match db::sqlite_path(url) {
        Some(path) if url.starts_with("sqlite:") => std::fs::canonicalize(&path)
            .unwrap_or(path)
            .display()
            .to_string(),
        _ => match url::Url::parse(url) {
            Ok(parsed) => format!(
                "{}://{}:{}{}",
                parsed.scheme(),
                parsed.host_str().unwrap_or_default(),
                parsed.port().unwrap_or_default(),
                parsed.path()
            ),
            Err(_) => db::redact(url),
        },
    };
    blake3::hash(identity.as_bytes()).to_hex()[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_database_has_one_fill_lock_whoever_connects() {
        assert_eq!(
            target_tag("postgres://a:secret@db:5432/app_test"),
            target_tag("postgres://b@db:5432/app_test?sslmode=disable")
        );
        assert_ne!(
            target_tag("postgres://a@db:5432/app_test"),
            target_tag("postgres://a@db:5432/other_test")
        );
        assert_ne!(
            target_tag("postgres://a@db:5432/app_test"),
            target_tag("postgres://a@db2:5432/app_test")
        );
    }
}
