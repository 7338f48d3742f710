//! The store's file locks: one process builds a snapshot while the others wait.
//!
//! A `flock(2)` (std's `File::lock`) on `<store>/.locks/<name>.lock`: exclusive to build or
//! delete snapshot `name`, shared to read it, so a snapshot never disappears under a reader.
//! The kernel releases a lock when the holder's file is closed — when the process exits,
//! however it exits, `SIGKILL` included — so a dead holder never blocks the others. Lock
//! files are never deleted: unlinking one while another process has it open would let two
//! processes hold "the" lock on two different files.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("cannot lock {path}")]
pub struct LockError {
    path: String,
    #[source]
    source: std::io::Error,
}

/// The lock file of snapshot `name` in `store_dir`.
pub(crate) fn lock_path(store_dir: &Path, name: &str) -> PathBuf {
    store_dir.join(".locks").join(format!("{name}.lock"))
}

/// Takes the exclusive lock of `name` in `store_dir`, waiting as long as another process
/// holds it (or a shared one); returns the lock and how long it waited.
pub(crate) async fn lock(store_dir: &Path, name: &str) -> Result<(StoreLock, Duration), LockError> {
    lock_file(lock_path(store_dir, name)).await
}

/// Takes a shared lock of `name` in `store_dir` (readers share; a writer waits for them),
/// waiting while another process holds it exclusively.
pub(crate) async fn lock_shared(
    store_dir: &Path,
    name: &str,
) -> Result<(StoreLock, Duration), LockError> {
    take(lock_path(store_dir, name), Mode::Shared).await
}

/// The exclusive lock of `name` if nobody holds any lock of it now; `None` if somebody does.
pub(crate) fn try_lock(store_dir: &Path, name: &str) -> Result<Option<StoreLock>, LockError> {
    let path = lock_path(store_dir, name);
    let file = open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(StoreLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(source)) => Err(LockError {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Takes the exclusive lock on the file at `path` (created if missing, with its directory).
pub(crate) async fn lock_file(path: PathBuf) -> Result<(StoreLock, Duration), LockError> {
    take(path, Mode::Exclusive).await
}

#[derive(Clone, Copy)]
enum Mode {
    Shared,
    Exclusive,
}

fn open(path: &Path) -> Result<File, LockError> {
    let error = |source| LockError {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        fs::create_dir_all(dir).map_err(error)?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(error)
}

async fn take(path: PathBuf, mode: Mode) -> Result<(StoreLock, Duration), LockError> {
    let file = open(&path)?;
    let error = |source| LockError {
        path: path.display().to_string(),
        source,
    };
    let started = Instant::now();
    let attempt = match mode {
        Mode::Shared => file.try_lock_shared(),
        Mode::Exclusive => file.try_lock(),
    };
    let file = match attempt {
        Ok(()) => file,
        Err(std::fs::TryLockError::WouldBlock) => {
            // Blocking in the kernel: on a thread of its own, not the runtime's.
            tokio::task::spawn_blocking(move || {
                match mode {
                    Mode::Shared => file.lock_shared(),
                    Mode::Exclusive => file.lock(),
                }
                .map(|()| file)
            })
            .await
            .map_err(|e| error(std::io::Error::other(e.to_string())))?
            .map_err(error)?
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(error(e)),
    };
    Ok((StoreLock { _file: file }, started.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_locker_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let (first, waited) = lock(dir.path(), "s").await.unwrap();
        assert!(waited < Duration::from_secs(1));
        let store = dir.path().to_path_buf();
        let second = tokio::spawn(async move { lock(&store, "s").await.unwrap() });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !second.is_finished(),
            "the second lock was granted while held"
        );
        drop(first);
        let (_second, waited) = second.await.unwrap();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
    }

    #[tokio::test]
    async fn readers_share_and_keep_a_writer_out() {
        let dir = tempfile::tempdir().unwrap();
        let (reader, _) = lock_shared(dir.path(), "s").await.unwrap();
        let (_other_reader, waited) = lock_shared(dir.path(), "s").await.unwrap();
        assert!(waited < Duration::from_secs(1));
        assert!(
            try_lock(dir.path(), "s").unwrap().is_none(),
            "a writer waits for readers"
        );
        drop(reader);
        drop(_other_reader);
        assert!(try_lock(dir.path(), "s").unwrap().is_some());
    }

    #[tokio::test]
    async fn different_names_do_not_wait_for_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let (_a, _) = lock(dir.path(), "a").await.unwrap();
        let (_b, waited) = lock(dir.path(), "b").await.unwrap();
        assert!(waited < Duration::from_secs(1));
    }
}
