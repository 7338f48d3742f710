//! The library API for Rust tests: an isolated, populated database in two lines.
//!
//! ```no_run
//! # async fn a_test() -> Result<(), fixtura::cache::CacheError> {
//! let db = fixtura::TestDb::ensure("schema/welfare.toml").await?;
//! let pool = db.pool(); // a fixtura::Db; `db.url()` for any other client
//! # Ok(()) }
//! ```
//!
//! [`TestDb::ensure`] runs `fixtura ensure --isolate` in-process: the first test to need the
//! data generates it and caches a snapshot; every test then gets a copy of its own. When the
//! `TestDb` is dropped the copy is dropped too — unless the test is failing (the thread is
//! panicking) or [`TestDb::keep`] was called, in which case it stays and its URL is printed,
//! so the failure can be looked at.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::isolate::{Identity, Server};
use super::{CacheError, EnsureOptions, EnsureSummary, ensure};
use crate::db::{self, Db};
use crate::generate::ChecksChoice;
use crate::progress::Quiet;
use crate::snapshot::Store;

/// Where a [`TestDb`] comes from; made by [`TestDb::builder`].
#[derive(Debug, Clone)]
pub struct TestDbBuilder {
    spec: PathBuf,
    url: Option<String>,
    store: Option<PathBuf>,
    seed: Option<u64>,
    scale: f64,
}

impl TestDbBuilder {
    /// The database to copy (default: `DATABASE_URL`).
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The snapshot store (default: `FIXTURA_STORE`, else `./snapshots`).
    pub fn store(mut self, dir: impl Into<PathBuf>) -> Self {
        self.store = Some(dir.into());
        self
    }

    /// Overrides the spec's seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Multiplies the spec's row counts.
    pub fn scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }

    /// Ensures the cached data and makes this test's copy.
    pub async fn ensure(self) -> Result<TestDb, CacheError> {
        let url = match self.url {
            Some(url) => url,
            None => std::env::var("DATABASE_URL").map_err(|_| crate::db::ConnectError::NoUrl)?,
        };
        let store = self
            .store
            .or_else(|| std::env::var_os("FIXTURA_STORE").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("snapshots"));
        // A copy of its own per TestDb: the process id and a counter, since `cargo test`
        // runs many tests as threads of one process.
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let worker = format!(
            "{}x{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let identity = Identity::new(None, Some(&worker));
        let options = EnsureOptions {
            url: url.clone(),
            store: Store::new(store),
            spec: self.spec,
            seed: self.seed,
            scale: self.scale,
            name: None,
            isolate: Some(identity),
            checks: ChecksChoice::Auto,
            allow_any_db: false,
        };
        let summary = ensure(&options, std::sync::Arc::new(Quiet)).await?;
        let isolated = summary
            .isolated
            .clone()
            .expect("BUG: an isolated ensure returns its copy");
        let pool = match db::connect(&isolated.url).await {
            Ok(pool) => pool,
            Err(e) => {
                let _ = drop_copy(&url, &isolated.database).await;
                return Err(e.into());
            }
        };
        Ok(TestDb {
            pool,
            url: isolated.url,
            database: isolated.database,
            target: url,
            summary,
            keep: false,
        })
    }
}

/// A test's own copy of the cached fixture data; dropped with it unless the test failed.
pub struct TestDb {
    pool: Db,
    url: String,
    database: String,
    /// The database the copy was made from (its server makes and drops copies).
    target: String,
    summary: EnsureSummary,
    keep: bool,
}

impl TestDb {
    /// The copy for the spec at `spec`, from `DATABASE_URL` and `FIXTURA_STORE`.
    pub async fn ensure(spec: impl AsRef<Path>) -> Result<TestDb, CacheError> {
        TestDb::builder(spec).ensure().await
    }

    /// Options beyond the spec.
    pub fn builder(spec: impl AsRef<Path>) -> TestDbBuilder {
        TestDbBuilder {
            spec: spec.as_ref().to_path_buf(),
            url: None,
            store: None,
            seed: None,
            scale: 1.0,
        }
    }

    /// A connection pool to the copy.
    pub fn pool(&self) -> &Db {
        &self.pool
    }

    /// The copy's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The copy's database name (or SQLite file).
    pub fn database(&self) -> &str {
        &self.database
    }

    /// What `ensure` did: cache hit or miss, and the timings.
    pub fn summary(&self) -> &EnsureSummary {
        &self.summary
    }

    /// Keeps the copy after the test, whatever its outcome.
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.keep || std::thread::panicking() {
            eprintln!(
                "fixtura: kept the test's database for a look: {}",
                db::redact(&self.url)
            );
            return;
        }
        // Dropping a database is async and this may run inside the test's runtime: on a
        // thread with a runtime of its own, waited for, so the copy is gone when the test ends.
        let target = self.target.clone();
        let database = self.database.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            // The pool's sessions are not touched (their runtime is the test's, blocked
            // here): dropping the database closes them (FORCE on PostgreSQL).
            runtime.block_on(async move {
                let mut server = Server::open(&target, "").await.map_err(|e| e.to_string())?;
                let result = server.drop_copy(&database).await.map_err(|e| e.to_string());
                server.close().await;
                result
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!(
                "fixtura: could not drop test database {database}: {e}",
                database = self.database
            ),
            Err(_) => eprintln!("fixtura: could not drop test database {}", self.database),
        }
    }
}

/// Drops the copy `database` made from `target`.
async fn drop_copy(target: &str, database: &str) -> Result<(), CacheError> {
    let mut server = Server::open(target, "").await?;
    let result = server.drop_copy(database).await;
    server.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::super::isolate::name_part;

    #[test]
    fn a_test_dbs_worker_id_fits_a_name_part() {
        let worker = format!("{}x{}", u32::MAX, u32::MAX);
        assert_eq!(name_part(&worker).len(), 10);
    }
}
