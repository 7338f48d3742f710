//! Isolation: every test worker gets its own copy of the fixture data.
//!
//! - PostgreSQL: the data lives once in a *template database* per snapshot (restored into a
//!   copy of the target database, then marked `IS_TEMPLATE` and closed to connections), and
//!   each worker gets `CREATE DATABASE … TEMPLATE` of it — a file-level copy on the server,
//!   milliseconds for a test dataset (manual, "Template Databases").
//! - SQLite: the template is a checkpointed, single-file copy of the target with the data,
//!   and each worker gets a copy of that file.
//! - MySQL/MariaDB (no templates): each worker gets a fresh database with the target's
//!   tables and unflagged rows, filled from the snapshot.
//!
//! Names carry the cache key (or snapshot id), a hash of the source database, the run id
//! and the worker id, so two CI jobs on one server never collide; every database fixtura
//! makes carries a marker (a database comment on PostgreSQL and MariaDB, the name pattern
//! on MySQL and SQLite) so `fixtura gc` never touches one it did not make.
//!
//! This file is the [`Server`] each backend's copies are made on (`postgres.rs`,
//! `mysql.rs`, `sqlite.rs`), matched once per operation, and the template build they
//! share; `names.rs` names the copies and reads the names back, `marker.rs` is the mark
//! every copy carries.

mod marker;
#[cfg(feature = "mysql")]
mod mysql;
mod names;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "_sqlite")]
mod sqlite;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

pub(crate) use self::marker::{Kind, Marker};
pub use self::names::Identity;
pub(crate) use self::names::{Made, name_part, snapshot_template_id, source_tag};
// For the backends' rooms below, which name their copies.
use self::names::{ID_PART, clone_name, scratch_name, scratch_tag, template_name};
use super::CacheError;

use crate::progress::Observer;
use crate::snapshot::{self, Clean, RestoreOptions, Store};

/// A copy being filled: a database (or file) of its own, with its URL.
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    pub name: String,
    pub url: String,
}

/// A worker's copy.
#[derive(Debug, Clone, Serialize)]
pub struct Isolated {
    /// The database name (or SQLite file path).
    pub database: String,
    /// Its URL: what the worker connects to.
    pub url: String,
    /// Whether this call had to build the template (PostgreSQL, SQLite).
    pub built_template: bool,
    /// Seconds spent building the template (0 when it was there).
    pub template_seconds: f64,
    /// Seconds spent making the worker's copy from the template (or, on MySQL, from the
    /// snapshot).
    pub copy_seconds: f64,
}

/// The server (or directory) copies are made on, through an administrative connection.
pub(crate) enum Server {
    #[cfg(feature = "postgres")]
    Postgres(postgres::Admin),
    #[cfg(feature = "mysql")]
    MySql(mysql::Admin),
    #[cfg(feature = "_sqlite")]
    Sqlite(sqlite::Files),
}

impl Server {
    /// Opens the target `url`'s server for making copies; `flag` names the column whose
    /// rows a fresh copy leaves out (the snapshot brings them).
    pub(crate) async fn open(url: &str, flag: &str) -> Result<Server, CacheError> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        #[cfg(not(feature = "mysql"))]
        let _ = flag; // only a MySQL copy is filled without the flagged rows
        Ok(match scheme.as_str() {
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => Server::Postgres(postgres::Admin::open(url).await?),
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => Server::MySql(mysql::Admin::open(url, flag).await?),
            #[cfg(feature = "_sqlite")]
            "sqlite" => Server::Sqlite(sqlite::Files::open(url)?),
            _ => return Err(crate::db::refusal(url).into()),
        })
    }

    /// A copy of the target (its tables and unflagged rows; on PostgreSQL and SQLite all of
    /// it), under a unique scratch name, to fill.
    pub(crate) async fn scratch(&mut self, id: &str) -> Result<Scratch, CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.scratch(id).await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.scratch(id).await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.scratch(id).await,
        }
    }

    /// Drops a scratch copy.
    pub(crate) async fn discard(&mut self, scratch: &Scratch) -> Result<(), CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.drop_database(&scratch.name).await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.drop_database(&scratch.name).await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.remove(&scratch.name),
        }
    }

    /// Makes a filled scratch copy the template for `id` (PostgreSQL, SQLite), or drops it
    /// when a template is already there (another process won) or the backend has none.
    #[cfg_attr(
        not(any(feature = "postgres", feature = "_sqlite")),
        allow(unused_variables) // MySQL has no templates
    )]
    pub(crate) async fn promote(&mut self, scratch: &Scratch, id: &str) -> Result<(), CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.promote(scratch, id).await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.drop_database(&scratch.name).await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.promote(scratch, id).await,
        }
    }

    /// A worker's copy of snapshot `snapshot` of `store`, whose data is identified by `id`:
    /// on PostgreSQL and SQLite cloned from the template (built first from a scratch copy
    /// and the snapshot when missing), on MySQL a fresh database filled from the snapshot.
    /// An earlier copy of the same run and worker is replaced.
    pub(crate) async fn isolate(
        &mut self,
        store: &Store,
        snapshot: &str,
        id: &str,
        identity: &Identity,
        allow_triggers: bool,
        observer: Arc<dyn Observer>,
    ) -> Result<Isolated, CacheError> {
        match self {
            #[cfg(feature = "mysql")]
            Server::MySql(a) => {
                let started = Instant::now();
                let (database, url) = a.fresh_copy(id, identity).await?;
                if let Err(e) = fill(&url, store, snapshot, allow_triggers, observer).await {
                    let _ = a.drop_database(&database).await;
                    return Err(e);
                }
                Ok(Isolated {
                    database,
                    url,
                    built_template: false,
                    template_seconds: 0.0,
                    copy_seconds: started.elapsed().as_secs_f64(),
                })
            }
            #[cfg(any(feature = "postgres", feature = "_sqlite"))]
            #[allow(unreachable_patterns)] // a build with MySQL alone
            _ => {
                self.clone_from_template(store, snapshot, id, identity, allow_triggers, observer)
                    .await
            }
        }
    }

    /// A worker's copy cloned from the template for `id` (PostgreSQL, SQLite), built first
    /// when missing.
    #[cfg(any(feature = "postgres", feature = "_sqlite"))]
    async fn clone_from_template(
        &mut self,
        store: &Store,
        snapshot: &str,
        id: &str,
        identity: &Identity,
        allow_triggers: bool,
        observer: Arc<dyn Observer>,
    ) -> Result<Isolated, CacheError> {
        let started = Instant::now();
        let built = self
            .ensure_template(store, snapshot, id, allow_triggers, observer.clone())
            .await?;
        let template_seconds = if built {
            started.elapsed().as_secs_f64()
        } else {
            0.0
        };
        let copying = Instant::now();
        observer.step("copying the template for this worker");
        let (database, url) = match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.clone_template(id, identity).await?,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.clone_template(id, identity).await?,
            #[allow(unreachable_patterns)]
            _ => unreachable!("BUG: MySQL copies are never cloned from a template"),
        };
        Ok(Isolated {
            database,
            url,
            built_template: built,
            template_seconds,
            copy_seconds: copying.elapsed().as_secs_f64(),
        })
    }

    /// Builds the template for `id` from a scratch copy and the snapshot, unless it is
    /// there; one builder at a time per template (a PostgreSQL advisory lock, a file lock
    /// beside a SQLite template). Returns whether this call built it.
    #[cfg(any(feature = "postgres", feature = "_sqlite"))]
    async fn ensure_template(
        &mut self,
        store: &Store,
        snapshot: &str,
        id: &str,
        allow_triggers: bool,
        observer: Arc<dyn Observer>,
    ) -> Result<bool, CacheError> {
        if self.template_exists(id).await? {
            return Ok(false);
        }
        let _lock = match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => TemplateLock::Postgres(a.lock_template(id).await?),
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => TemplateLock::File(f.lock_template(id).await?),
            #[cfg(feature = "mysql")]
            Server::MySql(_) => unreachable!("BUG: MySQL copies are never made from a template"),
        };
        let built = async {
            if self.template_exists(id).await? {
                return Ok(false);
            }
            observer.step("building the template: restoring the snapshot into a copy");
            let scratch = self.scratch(id).await?;
            let filled = match fill(&scratch.url, store, snapshot, allow_triggers, observer).await {
                Ok(()) => self.promote(&scratch, id).await,
                Err(e) => Err(e),
            };
            if filled.is_err() {
                let _ = self.discard(&scratch).await;
            }
            filled.map(|()| true)
        }
        .await;
        #[cfg(feature = "_sqlite")]
        if built.is_err()
            && let Server::Sqlite(f) = &*self
        {
            f.remove_lock(id);
        }
        #[cfg(feature = "postgres")]
        #[allow(irrefutable_let_patterns)] // a build with PostgreSQL alone
        if let (TemplateLock::Postgres(lock), Server::Postgres(a)) = (_lock, &mut *self) {
            a.unlock_template(lock).await?;
        }
        built
    }

    /// Whether the template for `id` exists (always false on MySQL).
    #[cfg_attr(
        not(any(feature = "postgres", feature = "_sqlite")),
        allow(unused_variables) // MySQL has no templates
    )]
    pub(crate) async fn template_exists(&mut self, id: &str) -> Result<bool, CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.template_exists(id).await,
            #[cfg(feature = "mysql")]
            Server::MySql(_) => Ok(false),
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => Ok(f.template_exists(id)),
        }
    }

    /// Every database (or file) fixtura made on this server (in this directory).
    pub(crate) async fn made_by_fixtura(&mut self) -> Result<Vec<Made>, CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.list().await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.list().await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.list(),
        }
    }

    /// Drops one of them, unless it is in use (someone is connected to it): `false` then.
    /// Never forces sessions out, unlike [`Server::drop_copy`].
    pub(crate) async fn collect(&mut self, made: &Made) -> Result<bool, CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.drop_unused(&made.name).await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.drop_unused(&made.name).await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.remove(&made.name).map(|()| true),
        }
    }

    /// Drops the copy named `name` (a database, or a SQLite file's path), closing any session
    /// still on it; refuses anything fixtura did not make.
    pub(crate) async fn drop_copy(&mut self, name: &str) -> Result<(), CacheError> {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.drop_database(name).await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.drop_database(name).await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.remove(name),
        }
    }

    /// The tag of the target database, as the names of its copies carry it.
    pub(crate) fn source_tag(&self) -> String {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => source_tag(a.source()),
            #[cfg(feature = "mysql")]
            Server::MySql(a) => source_tag(a.source()),
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(f) => f.source(),
        }
    }

    pub(crate) async fn close(self) {
        match self {
            #[cfg(feature = "postgres")]
            Server::Postgres(a) => a.close().await,
            #[cfg(feature = "mysql")]
            Server::MySql(a) => a.close().await,
            #[cfg(feature = "_sqlite")]
            Server::Sqlite(_) => {}
        }
    }
}

/// The lock one template builder holds while it builds (released when dropped, or by
/// [`Server::ensure_template`] for PostgreSQL's advisory lock).
#[cfg(any(feature = "postgres", feature = "_sqlite"))]
enum TemplateLock {
    #[cfg(feature = "postgres")]
    Postgres(postgres::TemplateLock),
    #[cfg(feature = "_sqlite")]
    File(#[allow(dead_code)] crate::cache::lock::StoreLock),
}

/// Restores `snapshot` into the copy at `url`, cleaning its flagged rows first; a snapshot
/// of every row of its tables empties them first instead, so the copy holds those tables
/// exactly as the snapshot does (the copy is fixtura's own: the target is left alone). With
/// `allow_triggers`, even where triggers fire (the copy of a SQLite file keeps its
/// triggers; a MySQL copy has none). Tables without transactions may be written: a copy
/// that fails is dropped, so what a failure leaves in it is never seen.
async fn fill(
    url: &str,
    store: &Store,
    snapshot: &str,
    allow_triggers: bool,
    observer: Arc<dyn Observer>,
) -> Result<(), CacheError> {
    let clean = if store.read_manifest(snapshot)?.selection.all {
        Clean::Truncate
    } else {
        Clean::Flagged
    };
    let db = crate::db::connect(url).await?;
    let result = snapshot::restore(
        &db,
        store,
        &RestoreOptions {
            name: snapshot.to_string(),
            clean,
            // A copy fixtura made for itself.
            allow_any_db: true,
            checks: Default::default(),
            allow_triggers,
            allow_non_transactional: true,
        },
        observer,
    )
    .await;
    db.close().await;
    result.map(|_| ()).map_err(Into::into)
}

/// `url` with its database (path) replaced by `database`.
fn with_database(url: &str, database: &str) -> Result<String, CacheError> {
    let mut parsed = url::Url::parse(url).map_err(|e| {
        CacheError::Isolation(format!(
            "cannot read database URL {}: {e}",
            crate::db::redact(url)
        ))
    })?;
    parsed.set_path(&format!("/{database}"));
    Ok(parsed.to_string())
}
