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

mod mysql;
mod postgres;
mod sqlite;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::CacheError;
use crate::db::Backend;
use crate::progress::Observer;
use crate::snapshot::{self, Clean, RestoreOptions, Store};

/// The longest part a run or worker id keeps in a name; longer ones are hashed.
const ID_PART: usize = 10;

/// Who is asking for a copy: the CI run and the worker within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub run: String,
    pub worker: String,
}

impl Identity {
    /// The given ids, else the usual environment: the worker from
    /// `NEXTEST_TEST_GLOBAL_SLOT`, `PYTEST_XDIST_WORKER` or `JEST_WORKER_ID`, else the
    /// process id; the run from `FIXTURA_RUN_ID`, else the CI system's job ids (GitHub
    /// Actions, GitLab, Buildkite, Jenkins, CircleCI), else nextest's run id, else the parent
    /// process id (so repeated calls from one test runner reuse their copy, and two runners
    /// never share one).
    pub fn new(run: Option<&str>, worker: Option<&str>) -> Identity {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let worker = worker
            .map(str::to_string)
            .or_else(|| env("NEXTEST_TEST_GLOBAL_SLOT"))
            .or_else(|| env("PYTEST_XDIST_WORKER"))
            .or_else(|| env("JEST_WORKER_ID"))
            .unwrap_or_else(|| format!("p{}", std::process::id()));
        let run = run
            .map(str::to_string)
            .or_else(|| env("FIXTURA_RUN_ID"))
            .or_else(|| {
                const CI_IDS: [&str; 10] = [
                    "GITHUB_RUN_ID",
                    "GITHUB_RUN_ATTEMPT",
                    "GITHUB_JOB",
                    "RUNNER_NAME",
                    "CI_JOB_ID",
                    "BUILDKITE_JOB_ID",
                    "BUILD_TAG",
                    "EXECUTOR_NUMBER",
                    "CIRCLE_WORKFLOW_JOB_ID",
                    "CIRCLE_NODE_INDEX",
                ];
                let found: Vec<String> = CI_IDS
                    .iter()
                    .filter_map(|name| env(name).map(|v| format!("{name}={v}")))
                    .collect();
                (!found.is_empty()).then(|| found.join("\n"))
            });
        let run = run
            .or_else(|| env("NEXTEST_RUN_ID"))
            .unwrap_or_else(parent_process);
        Identity {
            run: name_part(&run),
            worker: name_part(&worker),
        }
    }
}

/// The parent process's id, where the platform tells it (else this process's).
fn parent_process() -> String {
    #[cfg(unix)]
    let id = std::os::unix::process::parent_id();
    #[cfg(not(unix))]
    let id = std::process::id();
    format!("p{id}")
}

/// An id as a name part: lower-case letters and digits, at most [`ID_PART`] of them; an
/// id that does not fit is replaced by a hash of it, so different ids stay different.
pub fn name_part(id: &str) -> String {
    let clean: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if !clean.is_empty() && clean.len() <= ID_PART && clean == id {
        clean
    } else {
        blake3::hash(id.as_bytes()).to_hex()[..ID_PART].to_string()
    }
}

/// Six hex digits naming the source database, so two databases with the same schema and
/// spec (and so the same key) never share a template.
pub fn source_tag(source: &str) -> String {
    blake3::hash(source.as_bytes()).to_hex()[..6].to_string()
}

/// A hex-digit tag for a scratch copy: unique per process and moment.
fn scratch_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    blake3::hash(format!("{}-{nanos}", std::process::id()).as_bytes()).to_hex()[..8].to_string()
}

/// What a database (or file) fixtura made is, recorded with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Holds the data once; workers are copied from it.
    Template,
    /// One worker's copy.
    Clone,
    /// Being built (a copy of the target, being filled); promoted to a template or dropped.
    Scratch,
}

/// The marker a fixtura-made database carries (a database comment `fixtura {json}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Marker {
    pub kind: Kind,
    /// The cache key's first 16 hex digits (or a snapshot's id).
    pub id: String,
    /// The database it was copied from.
    pub source: String,
    /// RFC 3339.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
}

const MARKER_PREFIX: &str = "fixtura ";

impl Marker {
    fn new(kind: Kind, id: &str, source: &str, identity: Option<&Identity>) -> Marker {
        Marker {
            kind,
            id: id.to_string(),
            source: source.to_string(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            run: identity.map(|i| i.run.clone()),
            worker: identity.map(|i| i.worker.clone()),
        }
    }

    /// The comment text.
    pub fn comment(&self) -> String {
        format!(
            "{MARKER_PREFIX}{}",
            serde_json::to_string(self).expect("BUG: a marker always serializes")
        )
    }

    /// Reads a comment; `None` when it is not a fixtura marker.
    pub fn parse(comment: &str) -> Option<Marker> {
        serde_json::from_str(comment.strip_prefix(MARKER_PREFIX)?).ok()
    }

    /// How long ago it was made.
    pub fn age(&self) -> Option<Duration> {
        let created = chrono::DateTime::parse_from_rfc3339(&self.created_at).ok()?;
        (chrono::Utc::now() - created.with_timezone(&chrono::Utc))
            .to_std()
            .ok()
    }
}

/// A copy being filled: a database (or file) of its own, with its URL.
#[derive(Debug, Clone)]
pub struct Scratch {
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
pub enum Server {
    Postgres(postgres::Admin),
    MySql(mysql::Admin),
    Sqlite(sqlite::Files),
}

impl Server {
    /// Opens the target `url`'s server for making copies; `flag` names the column whose
    /// rows a fresh copy leaves out (the snapshot brings them).
    pub async fn open(url: &str, flag: &str) -> Result<Server, CacheError> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Ok(match scheme.as_str() {
            "postgres" | "postgresql" => Server::Postgres(postgres::Admin::open(url).await?),
            "mysql" | "mariadb" => Server::MySql(mysql::Admin::open(url, flag).await?),
            "sqlite" => Server::Sqlite(sqlite::Files::open(url)?),
            _ => {
                return Err(crate::db::ConnectError::UnsupportedScheme {
                    url: crate::db::redact(url),
                }
                .into());
            }
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Server::Postgres(_) => Backend::Postgres,
            Server::MySql(_) => Backend::MySql,
            Server::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// A copy of the target (its tables and unflagged rows; on PostgreSQL and SQLite all of
    /// it), under a unique scratch name, to fill.
    pub async fn scratch(&mut self, id: &str) -> Result<Scratch, CacheError> {
        match self {
            Server::Postgres(a) => a.scratch(id).await,
            Server::MySql(a) => a.scratch(id).await,
            Server::Sqlite(f) => f.scratch(id).await,
        }
    }

    /// Drops a scratch copy.
    pub async fn discard(&mut self, scratch: &Scratch) -> Result<(), CacheError> {
        match self {
            Server::Postgres(a) => a.drop_database(&scratch.name).await,
            Server::MySql(a) => a.drop_database(&scratch.name).await,
            Server::Sqlite(f) => f.remove(&scratch.name),
        }
    }

    /// Makes a filled scratch copy the template for `id` (PostgreSQL, SQLite), or drops it
    /// when a template is already there (another process won) or the backend has none.
    pub async fn promote(&mut self, scratch: &Scratch, id: &str) -> Result<(), CacheError> {
        match self {
            Server::Postgres(a) => a.promote(scratch, id).await,
            Server::MySql(a) => a.drop_database(&scratch.name).await,
            Server::Sqlite(f) => f.promote(scratch, id).await,
        }
    }

    /// A worker's copy of snapshot `snapshot` of `store`, whose data is identified by `id`:
    /// on PostgreSQL and SQLite cloned from the template (built first from a scratch copy
    /// and the snapshot when missing), on MySQL a fresh database filled from the snapshot.
    /// An earlier copy of the same run and worker is replaced.
    pub async fn isolate(
        &mut self,
        store: &Store,
        snapshot: &str,
        id: &str,
        identity: &Identity,
        observer: Arc<dyn Observer>,
    ) -> Result<Isolated, CacheError> {
        match self {
            Server::Postgres(_) | Server::Sqlite(_) => {
                let started = Instant::now();
                let built = self
                    .ensure_template(store, snapshot, id, observer.clone())
                    .await?;
                let template_seconds = if built {
                    started.elapsed().as_secs_f64()
                } else {
                    0.0
                };
                let copying = Instant::now();
                observer.step("copying the template for this worker");
                let (database, url) = match self {
                    Server::Postgres(a) => a.clone_template(id, identity).await?,
                    Server::Sqlite(f) => f.clone_template(id, identity).await?,
                    Server::MySql(_) => unreachable!("BUG: matched above"),
                };
                Ok(Isolated {
                    database,
                    url,
                    built_template: built,
                    template_seconds,
                    copy_seconds: copying.elapsed().as_secs_f64(),
                })
            }
            Server::MySql(a) => {
                let started = Instant::now();
                let (database, url) = a.fresh_copy(id, identity).await?;
                if let Err(e) = fill(&url, store, snapshot, observer).await {
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
        }
    }

    /// Builds the template for `id` from a scratch copy and the snapshot, unless it is
    /// there; one builder at a time per template (a PostgreSQL advisory lock, a file lock
    /// beside a SQLite template). Returns whether this call built it.
    async fn ensure_template(
        &mut self,
        store: &Store,
        snapshot: &str,
        id: &str,
        observer: Arc<dyn Observer>,
    ) -> Result<bool, CacheError> {
        if self.template_exists(id).await? {
            return Ok(false);
        }
        let (pg_lock, _file_lock) = match self {
            Server::Postgres(a) => (Some(a.lock_template(id).await?), None),
            Server::Sqlite(f) => (None, Some(f.lock_template(id).await?)),
            Server::MySql(_) => (None, None),
        };
        let built = async {
            if self.template_exists(id).await? {
                return Ok(false);
            }
            observer.step("building the template: restoring the snapshot into a copy");
            let scratch = self.scratch(id).await?;
            let filled = match fill(&scratch.url, store, snapshot, observer).await {
                Ok(()) => self.promote(&scratch, id).await,
                Err(e) => Err(e),
            };
            if filled.is_err() {
                let _ = self.discard(&scratch).await;
            }
            filled.map(|()| true)
        }
        .await;
        if let (Some(lock), Server::Postgres(a)) = (pg_lock, &mut *self) {
            a.unlock_template(lock).await?;
        }
        built
    }

    /// Whether the template for `id` exists (always false on MySQL).
    pub async fn template_exists(&mut self, id: &str) -> Result<bool, CacheError> {
        match self {
            Server::Postgres(a) => a.template_exists(id).await,
            Server::MySql(_) => Ok(false),
            Server::Sqlite(f) => Ok(f.template_exists(id)),
        }
    }

    /// Every database (or file) fixtura made on this server (in this directory).
    pub async fn made_by_fixtura(&mut self) -> Result<Vec<Made>, CacheError> {
        match self {
            Server::Postgres(a) => a.list().await,
            Server::MySql(a) => a.list().await,
            Server::Sqlite(f) => f.list(),
        }
    }

    /// Drops one of them, unless it is in use (someone is connected to it): `false` then.
    /// Never forces sessions out, unlike [`Server::drop_copy`].
    pub async fn collect(&mut self, made: &Made) -> Result<bool, CacheError> {
        match self {
            Server::Postgres(a) => a.drop_unused(&made.name).await,
            Server::MySql(a) => a.drop_unused(&made.name).await,
            Server::Sqlite(f) => f.remove(&made.name).map(|()| true),
        }
    }

    /// Drops the copy named `name` (a database, or a SQLite file's path), closing any session
    /// still on it; refuses anything fixtura did not make.
    pub async fn drop_copy(&mut self, name: &str) -> Result<(), CacheError> {
        match self {
            Server::Postgres(a) => a.drop_database(name).await,
            Server::MySql(a) => a.drop_database(name).await,
            Server::Sqlite(f) => f.remove(name),
        }
    }

    /// The tag of the target database, as the names of its copies carry it.
    pub fn source_tag(&self) -> String {
        match self {
            Server::Postgres(a) => source_tag(a.source()),
            Server::MySql(a) => source_tag(a.source()),
            Server::Sqlite(f) => f.source(),
        }
    }

    pub async fn close(self) {
        match self {
            Server::Postgres(a) => a.close().await,
            Server::MySql(a) => a.close().await,
            Server::Sqlite(_) => {}
        }
    }
}

/// A database (or file) fixtura made, as found on the server.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    pub name: String,
    pub kind: Kind,
    /// The cache key's first 16 hex digits (or the snapshot's id).
    pub id: String,
    /// The tag of the database it was copied from.
    pub source: String,
    /// How long ago it was made, when known.
    #[serde(skip)]
    pub age: Option<Duration>,
    pub run: Option<String>,
}

impl Made {
    /// Reads a database name of fixtura's exact shape (`fixtura_t_<id>_<source>`,
    /// `fixtura_w_<id>_<source>_<run>_<worker>`, `fixtura_s_<id>_<source>_<tag>`), with its
    /// marker where the server keeps one; `None` for any other name, or a marker that
    /// disagrees with the name.
    pub fn from_name(name: &str, marker: Option<&Marker>) -> Option<Made> {
        let rest = name.strip_prefix("fixtura_")?;
        let parts: Vec<&str> = rest.split('_').collect();
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        let id_part = |s: &str| {
            !s.is_empty() && s.len() <= ID_PART && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        let (kind, run) = match parts.as_slice() {
            ["t", id, source] if hex(id, 16) && hex(source, 6) => (Kind::Template, None),
            ["w", id, source, run, worker]
                if hex(id, 16) && hex(source, 6) && id_part(run) && id_part(worker) =>
            {
                (Kind::Clone, Some(run.to_string()))
            }
            ["s", id, source, tag] if hex(id, 16) && hex(source, 6) && hex(tag, 8) => {
                (Kind::Scratch, None)
            }
            _ => return None,
        };
        let id = parts[1].to_string();
        if let Some(marker) = marker
            && marker.id != id
        {
            return None;
        }
        Some(Made {
            name: name.to_string(),
            // A scratch database is renamed into a template once marked as one.
            kind: marker.map_or(kind, |m| m.kind),
            id,
            source: parts[2].to_string(),
            age: marker.and_then(Marker::age),
            run,
        })
    }
}

/// The id of the copies `snapshot restore --isolate` makes of `manifest` for a target whose
/// schema has `fingerprint`: a template holds the target's tables as well as the snapshot's
/// rows, so a migrated target gets a template of its own.
pub fn snapshot_template_id(manifest: &crate::snapshot::Manifest, fingerprint: &str) -> String {
    let id = blake3::hash(format!("{}\u{0}{fingerprint}", manifest.checksum).as_bytes());
    id.to_hex()[..16].to_string()
}

/// The template database of `id` copied from `source`.
fn template_name(id: &str, source: &str) -> String {
    format!("fixtura_t_{id}_{}", source_tag(source))
}

/// A worker's database.
fn clone_name(id: &str, source: &str, identity: &Identity) -> String {
    format!(
        "fixtura_w_{id}_{}_{}_{}",
        source_tag(source),
        identity.run,
        identity.worker
    )
}

/// A scratch database, unique to this process and moment.
fn scratch_name(id: &str, source: &str) -> String {
    format!("fixtura_s_{id}_{}_{}", source_tag(source), scratch_tag())
}

/// Restores `snapshot` into the copy at `url` (cleaning its flagged rows first).
async fn fill(
    url: &str,
    store: &Store,
    snapshot: &str,
    observer: Arc<dyn Observer>,
) -> Result<(), CacheError> {
    let db = crate::db::connect(url).await?;
    let result = snapshot::restore(
        &db,
        store,
        &RestoreOptions {
            name: snapshot.to_string(),
            clean: Clean::Flagged,
            // A copy fixtura made for itself.
            allow_any_db: true,
            checks: Default::default(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_short_lowercase_name_parts_and_long_ones_are_hashed() {
        assert_eq!(name_part("3"), "3");
        assert_eq!(name_part("gw12"), "gw12");
        let long = name_part("0f7c2c9e-1d2b-4b7e-9a4e-5c2f8f9a1b2c");
        assert_eq!(long.len(), ID_PART);
        assert!(long.chars().all(|c| c.is_ascii_hexdigit()));
        // Cleaning never merges two ids: "A" and "a" differ, so one of them is hashed.
        assert_ne!(name_part("A"), name_part("a"));
        assert_ne!(name_part("a-1"), name_part("a1"));
    }

    #[test]
    fn a_given_worker_and_run_win_over_the_environment() {
        let identity = Identity::new(Some("run7"), Some("w3"));
        assert_eq!(identity.run, "run7");
        assert_eq!(identity.worker, "w3");
    }

    #[test]
    fn names_stay_within_63_bytes_and_read_back() {
        let identity = Identity::new(Some("0f7c2c9e-1d2b-4b7e-9a4e-5c2f8f9a1b2c"), Some("12"));
        let id = "0123456789abcdef";
        let source = "a_rather_long_application_database_name_for_tests";
        for name in [
            template_name(id, source),
            clone_name(id, source, &identity),
            scratch_name(id, source),
        ] {
            assert!(name.len() <= 63, "{name}");
            let made = Made::from_name(&name, None).unwrap();
            assert_eq!(made.id, id);
            assert_eq!(made.source, source_tag(source));
        }
        let clone = Made::from_name(&clone_name(id, source, &identity), None).unwrap();
        assert_eq!(clone.kind, Kind::Clone);
        assert_eq!(clone.run.as_deref(), Some(identity.run.as_str()));
    }

    #[test]
    fn only_names_of_fixturas_exact_shape_are_taken_for_its_own() {
        for not_ours in [
            "fixtura",
            "fixtura_prod",
            "fixtura_w_0123456789abcdef",
            "fixtura_w_0123456789abcdeg_a1b2c3_r_1",
            "fixtura_t_0123456789abcdef_a1b2c3_x",
            "fixtura_w_0123456789abcdef_a1b2c3_run7_3_extra",
            "app_fixtura_w_0123456789abcdef_a1b2c3_r_1",
        ] {
            assert!(Made::from_name(not_ours, None).is_none(), "{not_ours}");
        }
        let marker = Marker::new(Kind::Template, "ffffffffffffffff", "x", None);
        assert!(
            Made::from_name("fixtura_t_0123456789abcdef_a1b2c3", Some(&marker)).is_none(),
            "a marker for another id is not this database's"
        );
    }

    #[test]
    fn markers_round_trip_through_their_comment_and_others_are_not_ours() {
        let identity = Identity::new(Some("r"), Some("1"));
        let marker = Marker::new(Kind::Clone, "0123456789abcdef", "app_test", Some(&identity));
        let parsed = Marker::parse(&marker.comment()).unwrap();
        assert_eq!(parsed.kind, Kind::Clone);
        assert_eq!(parsed.id, "0123456789abcdef");
        assert_eq!(parsed.worker.as_deref(), Some("1"));
        assert!(parsed.age().unwrap() < Duration::from_secs(60));
        assert!(Marker::parse("the production database").is_none());
        assert!(Marker::parse("fixtura but not json").is_none());
    }
}
