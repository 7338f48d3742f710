//! SQLite copies: files beside the target file.
//!
//! A scratch copy is `VACUUM INTO` of the target (a consistent copy, sqlite.org "VACUUM");
//! filled, it is switched to `journal_mode = DELETE` (which checkpoints and removes the
//! write-ahead log, so the template is one self-contained file) and renamed into place as
//! the template. A worker's copy is a file copy of the template, written under a temporary
//! name and renamed, so nobody opens a half-copied database.
//!
//! Names: `<file>.fixtura-t-<id>.db` (template), `<file>.fixtura-w-<id>-<run>-<worker>.db`
//! (worker), `<file>.fixtura-s-<id>-<tag>.db` (scratch), in the target's directory, `<file>`
//! the target's file name (`app_test.db`).

use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::{ID_PART, Identity, Kind, Made, Scratch, scratch_tag, source_tag};
use crate::cache::CacheError;
use crate::cache::lock::{StoreLock, lock_file};
use crate::db::DbError;

/// The directory of the target file, where copies are made.
pub(crate) struct Files {
    target: PathBuf,
    dir: PathBuf,
    /// The target's file name: every copy's name starts with it.
    file: String,
}

impl Files {
    pub(super) fn open(url: &str) -> Result<Files, CacheError> {
        let target = crate::db::sqlite_path(url).ok_or_else(|| {
            CacheError::Isolation(
                "an in-memory SQLite database cannot be copied for workers: use a file (sqlite://PATH)"
                    .into(),
            )
        })?;
        if !target.exists() {
            return Err(crate::db::ConnectError::MissingFile {
                url: url.to_string(),
                path: target.display().to_string(),
            }
            .into());
        }
        // `sqlite://file.db` names a file in the current directory, whose parent is the
        // empty path: "." is the directory that can be opened (and synced).
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file = target
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "db".into());
        Ok(Files { target, dir, file })
    }

    fn path(&self, kind: &str, rest: &str) -> PathBuf {
        self.dir
            .join(format!("{}.fixtura-{kind}-{rest}.db", self.file))
    }

    fn template_path(&self, id: &str) -> PathBuf {
        self.path("t", id)
    }

    /// The URL of a copy: its path with the characters a SQLite URL gives a meaning to
    /// escaped (sqlx decodes `%XX` in the path and ends it at `?`).
    fn url(path: &Path) -> String {
        let path = path
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23");
        format!("sqlite://{path}")
    }

    async fn connect(path: &Path, what: &str) -> Result<SqliteConnection, CacheError> {
        Ok(SqliteConnectOptions::from_str(&Self::url(path))
            .map_err(|e| DbError::query(what, e))?
            .connect()
            .await
            .map_err(|e| DbError::query(what, e))?)
    }

    pub(super) async fn scratch(&mut self, id: &str) -> Result<Scratch, CacheError> {
        let path = self.path("s", &format!("{id}-{}", scratch_tag()));
        let what = format!("copying {} to {}", self.target.display(), path.display());
        let mut conn = Self::connect(&self.target, &what).await?;
        let literal = path.display().to_string().replace('\'', "''");
        let result = sqlx::raw_sql(AssertSqlSafe(format!("VACUUM INTO '{literal}'")))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        if let Err(e) = result {
            // A copy that failed half-way is not left behind.
            let _ = self.remove(&path.display().to_string());
            return Err(DbError::query(&what, e).into());
        }
        Ok(Scratch {
            name: path.display().to_string(),
            url: Self::url(&path),
        })
    }

    pub(super) fn template_exists(&self, id: &str) -> bool {
        self.template_path(id).exists()
    }

    fn lock_path(&self, id: &str) -> PathBuf {
        let mut path = self.template_path(id).into_os_string();
        path.push(".lock");
        PathBuf::from(path)
    }

    /// A lock file beside the template, so one process builds it.
    pub(super) async fn lock_template(&self, id: &str) -> Result<StoreLock, CacheError> {
        Ok(lock_file(self.lock_path(id)).await?.0)
    }

    /// Removes the lock file of a template whose build failed, while its lock is still
    /// held, so a failure leaves no file behind. A builder waiting on it then holds the lock
    /// of a file that is gone and may build beside a newcomer: harmless, since a template
    /// is published by rename and the second one is dropped (`promote`).
    pub(super) fn remove_lock(&self, id: &str) {
        let _ = fs::remove_file(self.lock_path(id));
    }

    /// One self-contained file (no write-ahead log), renamed into place as the template.
    pub(super) async fn promote(&mut self, scratch: &Scratch, id: &str) -> Result<(), CacheError> {
        let path = PathBuf::from(&scratch.name);
        let what = format!("checkpointing {}", path.display());
        let mut conn = Self::connect(&path, &what).await?;
        let result = sqlx::raw_sql("PRAGMA journal_mode = DELETE")
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        result.map_err(|e| DbError::query(&what, e))?;
        let template = self.template_path(id);
        if template.exists() {
            return self.remove(&scratch.name);
        }
        fs::rename(&path, &template).map_err(|e| CacheError::Io {
            action: "cannot publish",
            path: template.display().to_string(),
            source: e,
        })?;
        // A template whose rename may not last is not left for the next run to trust.
        sync_dir(&self.dir).inspect_err(|_| {
            let _ = self.remove(&template.display().to_string());
        })
    }

    pub(super) async fn clone_template(
        &mut self,
        id: &str,
        identity: &Identity,
    ) -> Result<(String, String), CacheError> {
        let path = self.path("w", &format!("{id}-{}-{}", identity.run, identity.worker));
        self.remove(&path.display().to_string())?;
        let mut temporary = path.clone().into_os_string();
        temporary.push(format!(".tmp-{}", std::process::id()));
        let temporary = PathBuf::from(temporary);
        let copied = self.copy_template(id, &temporary, &path);
        if copied.is_err() {
            // Neither the half-made copy nor the renamed one is left behind.
            let _ = fs::remove_file(&temporary);
            let _ = self.remove(&path.display().to_string());
        }
        copied?;
        Ok((path.display().to_string(), Self::url(&path)))
    }

    /// The template copied to `temporary`, synced, and renamed to `path`.
    fn copy_template(&self, id: &str, temporary: &Path, path: &Path) -> Result<(), CacheError> {
        let template = self.template_path(id);
        let io = |action: &'static str, p: &Path| {
            let path = p.display().to_string();
            move |source| CacheError::Io {
                action,
                path,
                source,
            }
        };
        fs::copy(&template, temporary).map_err(io("cannot copy to", temporary))?;
        fs::File::open(temporary)
            .and_then(|f| f.sync_all())
            .map_err(io("cannot sync", temporary))?;
        fs::rename(temporary, path).map_err(io("cannot rename into place", path))?;
        sync_dir(&self.dir)
    }

    /// Removes a copy fixtura made (with its journal files); refuses any other file.
    pub(super) fn remove(&self, name: &str) -> Result<(), CacheError> {
        let path = PathBuf::from(name);
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let Some(made) = self.parse(&file) else {
            return Err(CacheError::Isolation(format!(
                "{name} was not made by fixtura: not removing it"
            )));
        };
        // A template's lock file goes with it: a builder that still holds the old one
        // publishes by rename, which is safe against another builder.
        let mut suffixes = vec!["", "-wal", "-shm", "-journal"];
        if made.kind == Kind::Template {
            suffixes.push(".lock");
        }
        for suffix in suffixes {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(CacheError::Io {
                        action: "cannot remove",
                        path: PathBuf::from(p).display().to_string(),
                        source: e,
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads one of this target's copy file names.
    /// A copy left half-written (`<copy>.tmp-<pid>`, by a killed process) reads as scratch.
    fn parse(&self, file: &str) -> Option<Made> {
        let (file_name, partial) = match file.rsplit_once(".tmp-") {
            Some((name, pid)) if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) => {
                (name, true)
            }
            _ => (file, false),
        };
        let rest = file_name
            .strip_prefix(&format!("{}.fixtura-", self.file))?
            .strip_suffix(".db")?;
        let parts: Vec<&str> = rest.split('-').collect();
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        let id_part = |s: &str| {
            !s.is_empty() && s.len() <= ID_PART && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        let (kind, run) = match parts.as_slice() {
            ["t", id] if hex(id, 16) => (Kind::Template, None),
            ["w", id, run, worker] if hex(id, 16) && id_part(run) && id_part(worker) => {
                (Kind::Clone, Some(run.to_string()))
            }
            ["s", id, tag] if hex(id, 16) && hex(tag, 8) => (Kind::Scratch, None),
            _ => return None,
        };
        Some(Made {
            name: self.dir.join(file).display().to_string(),
            kind: if partial { Kind::Scratch } else { kind },
            id: parts[1].to_string(),
            source: source_tag(&self.target.display().to_string()),
            age: None,
            run,
        })
    }

    pub(super) fn list(&self) -> Result<Vec<Made>, CacheError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| CacheError::Io {
            action: "cannot read",
            path: self.dir.display().to_string(),
            source: e,
        })?;
        let mut made = Vec::new();
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().to_string();
            if let Some(mut m) = self.parse(&file) {
                m.age = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .or(Some(Duration::ZERO));
                made.push(m);
            }
        }
        made.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(made)
    }

    /// The tag gc compares [`Made::source`] with.
    pub(super) fn source(&self) -> String {
        source_tag(&self.target.display().to_string())
    }
}

/// fsync a directory so a rename in it is durable.
fn sync_dir(dir: &Path) -> Result<(), CacheError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CacheError::Io {
            action: "cannot sync",
            path: dir.display().to_string(),
            source: e,
        })
}
