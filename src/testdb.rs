//! The library API for Rust tests: a populated database of the test's own, in two lines.
//!
//! ```no_run
//! # async fn a_test() -> fixtura::Result<()> {
//! let db = fixtura::TestDb::ensure("schema/welfare.toml").await?;
//! let pool = db.pg_pool()?; // or mysql_pool(), sqlite_pool(), pool::<P>(); url() for any client
//! // ... the test ...
//! db.close().await // the copy is dropped; a test that fails before this line keeps it
//! # }
//! ```
//!
//! [`TestDb::ensure`] runs `fixtura ensure --isolate` in-process: the first test to need
//! the data generates it and caches a snapshot; every test then gets a copy of its own. The
//! copy is dropped by [`TestDb::close`], which a test calls last: a test that panics or
//! returns `Err` before it never gets there, so its copy is kept and its URL printed for a
//! look (`fixtura gc` drops it later). Dropping a `TestDb` never blocks on the network.
//!
//! `#[fixtura::test]` (the `fixtura-macros` crate) does all of it around a test function:
//!
//! ```no_run
//! #[fixtura::test(spec = "schema/welfare.toml", seed = 7)]
//! async fn a_test(pool: sqlx::PgPool) -> fixtura::Result<()> {
//!     // ... the test ...
//!     Ok(()) // the copy is dropped; an `Err` or a panic keeps it
//! }
//! # fn main() {}
//! ```
//!
//! The code it writes calls [`__private`]: [`__private::run`] is the lifecycle above —
//! ensure, hand over the pool as the parameter's [`Pool`] type, close the copy or keep it by
//! the test's [`Outcome`] — on a current-thread runtime from [`__private::block_on`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::cache::isolate::Server;
use crate::cache::{self, EnsureOptions, EnsureSummary, Identity};
use crate::db::{self, Backend, ChecksChoice, ConnectError, Db};
use crate::error::{Error, Result};
use crate::progress::Quiet;
use crate::snapshot::Store;

/// Where a [`TestDb`] comes from; made by [`TestDb::builder`]. Nothing is read from the
/// environment for what is set here.
#[derive(Debug, Clone)]
pub struct TestDbBuilder {
    spec: PathBuf,
    url: Option<String>,
    store: Option<PathBuf>,
    seed: Option<u64>,
    scale: f64,
}

impl TestDbBuilder {
    /// The database to copy: your schema, migrated (default: `DATABASE_URL`).
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
    pub async fn ensure(self) -> Result<TestDb> {
        let url = match self.url {
            Some(url) => url,
            None => std::env::var("DATABASE_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .ok_or(ConnectError::NoUrl)?,
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
        let options = EnsureOptions {
            url: url.clone(),
            store: Store::new(store),
            spec: self.spec,
            seed: self.seed,
            scale: self.scale,
            name: None,
            isolate: Some(Identity::new(None, Some(&worker))),
            checks: ChecksChoice::Auto,
            allow_any_db: false,
            // Refused where triggers would change the copy's rows; a copy's own tables
            // without transactions are written (a failed copy is dropped).
            allow_triggers: false,
            allow_non_transactional: false,
        };
        let summary = cache::ensure(&options, Arc::new(Quiet)).await?;
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
            closed: false,
        })
    }
}

/// A test's own copy of the cached fixture data. [`TestDb::close`] drops it; a `TestDb`
/// dropped without `close` (the test failed) keeps it and prints its URL.
#[must_use = "call close() at the end of the test, or the copy is kept"]
pub struct TestDb {
    pool: Db,
    url: String,
    database: String,
    /// The database the copy was made from (its server makes and drops copies).
    target: String,
    summary: EnsureSummary,
    keep: bool,
    closed: bool,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("url", &db::redact(&self.url))
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl TestDb {
    /// The copy for the spec at `spec`, of the database at `DATABASE_URL`, with the store
    /// at `FIXTURA_STORE` (else `./snapshots`); [`TestDb::builder`] sets them instead.
    pub async fn ensure(spec: impl AsRef<Path>) -> Result<TestDb> {
        TestDb::builder(spec).ensure().await
    }

    /// A copy for the spec at `spec`, with the database, store, seed or scale set here.
    pub fn builder(spec: impl AsRef<Path>) -> TestDbBuilder {
        TestDbBuilder {
            spec: spec.as_ref().to_path_buf(),
            url: None,
            store: None,
            seed: None,
            scale: 1.0,
        }
    }

    /// The copy's pool as fixtura's [`Db`], whatever the backend.
    pub fn db(&self) -> &Db {
        &self.pool
    }

    /// The copy's pool as the type `P` a test works with: `sqlx::PgPool`,
    /// `sqlx::MySqlPool`, `sqlx::SqlitePool` or [`Db`]; an error when the copy is on
    /// another backend.
    pub fn pool<P: Pool>(&self) -> Result<P> {
        P::from_db(&self.pool).ok_or_else(|| self.wrong_backend(P::BACKEND))
    }

    /// The copy's PostgreSQL pool; an error when the copy is on another backend.
    #[cfg(feature = "postgres")]
    pub fn pg_pool(&self) -> Result<&sqlx::PgPool> {
        match &self.pool {
            Db::Postgres(pool) => Ok(pool),
            #[allow(unreachable_patterns)] // a build with this backend alone
            _ => Err(self.wrong_backend(Some(Backend::Postgres))),
        }
    }

    /// The copy's MySQL/MariaDB pool; an error when the copy is on another backend.
    #[cfg(feature = "mysql")]
    pub fn mysql_pool(&self) -> Result<&sqlx::MySqlPool> {
        match &self.pool {
            Db::MySql(pool) => Ok(pool),
            #[allow(unreachable_patterns)] // a build with this backend alone
            _ => Err(self.wrong_backend(Some(Backend::MySql))),
        }
    }

    /// The copy's SQLite pool; an error when the copy is on another backend.
    #[cfg(feature = "_sqlite")]
    pub fn sqlite_pool(&self) -> Result<&sqlx::SqlitePool> {
        match &self.pool {
            Db::Sqlite(pool) => Ok(pool),
            #[allow(unreachable_patterns)] // a build with this backend alone
            _ => Err(self.wrong_backend(Some(Backend::Sqlite))),
        }
    }

    /// The copy's URL, for any other client.
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

    /// Keeps the copy after the test, even once closed.
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Ends the test's use of the copy: closes the pool and drops the copy (unless
    /// [`TestDb::keep`] was called). Call it last in a test that passed; every other way
    /// out of the test keeps the copy.
    pub async fn close(mut self) -> Result<()> {
        self.closed = true;
        self.pool.close().await;
        if self.keep {
            eprintln!(
                "fixtura: kept the test's database: {}",
                db::redact(&self.url)
            );
            return Ok(());
        }
        let dropped = drop_copy(&self.target, &self.database).await;
        if dropped.is_err() {
            eprintln!(
                "fixtura: could not drop the test's database, so it stays (fixtura gc drops it): {}",
                db::redact(&self.url)
            );
        }
        dropped
    }

    fn wrong_backend(&self, wanted: Option<Backend>) -> Error {
        let wanted = wanted.map_or("another backend", Backend::name);
        Error::TestDb(format!(
            "the test database is {}, not {wanted}: the test asks for the wrong pool type, \
             or DATABASE_URL (or database_url) names the wrong server",
            self.pool.backend()
        ))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.closed {
            eprintln!(
                "fixtura: kept the test's database for a look (the test failed, or did not call \
                 TestDb::close): {}",
                db::redact(&self.url)
            );
        }
    }
}

/// Drops the copy `database` made from `target`.
async fn drop_copy(target: &str, database: &str) -> Result<()> {
    let mut server = Server::open(target, "").await?;
    let result = server.drop_copy(database).await;
    server.close().await;
    Ok(result?)
}

/// A pool type a [`TestDb`] hands out ([`TestDb::pool`], and the parameter of a
/// `#[fixtura::test]` function).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pool a fixtura test database hands out",
    label = "not a fixtura::Pool",
    note = "take `sqlx::PgPool`, `sqlx::MySqlPool`, `sqlx::SqlitePool` or `fixtura::Db`"
)]
pub trait Pool: Sized {
    /// The backend the pool type is for; `None` for one that takes any.
    const BACKEND: Option<Backend>;
    /// This type's pool from `db`, when `db` is of its backend.
    fn from_db(db: &Db) -> Option<Self>;
}

#[cfg(feature = "postgres")]
impl Pool for sqlx::PgPool {
    const BACKEND: Option<Backend> = Some(Backend::Postgres);
    fn from_db(db: &Db) -> Option<Self> {
        match db {
            Db::Postgres(pool) => Some(pool.clone()),
            #[allow(unreachable_patterns)] // a build with this backend alone
            _ => None,
        }
    }
}

#[cfg(feature = "mysql")]
impl Pool for sqlx::MySqlPool {
    const BACKEND: Option<Backend> = Some(Backend::MySql);
    fn from_db(db: &Db) -> Option<Self> {
        match db {
            Db::MySql(pool) => Some(pool.clone()),
            #[allow(unreachable_patterns)] // a build with this backend alone
            _ => None,
        }
    }
}

#[cfg(feature = "_sqlite")]
impl Pool for sqlx::SqlitePool {
    const BACKEND: Option<Backend> = Some(Backend::Sqlite);
    fn from_db(db: &Db) -> Option<Self> {
        match db {
            Db::Sqlite(pool) => Some(pool.clone()),
            #[allow(unreachable_patterns)] // a build with this backend alone
            _ => None,
        }
    }
}

impl Pool for Db {
    const BACKEND: Option<Backend> = None;
    fn from_db(db: &Db) -> Option<Self> {
        Some(db.clone())
    }
}

/// Whether a test's outcome is a failure: what `#[fixtura::test]` asks of the value a test
/// function returns, to keep the copy of a test that returned `Err`.
#[diagnostic::on_unimplemented(
    message = "a `#[fixtura::test]` function returns `()` or a `Result`, not `{Self}`",
    label = "not a fixtura::Outcome"
)]
pub trait Outcome {
    /// True when the test failed.
    fn failed(&self) -> bool;
}

impl Outcome for () {
    fn failed(&self) -> bool {
        false
    }
}

impl<T, E> Outcome for std::result::Result<T, E> {
    fn failed(&self) -> bool {
        self.is_err()
    }
}

/// What the code `#[fixtura::test]` writes calls (`fixtura-macros/src/expand.rs`). Not an
/// API: it changes with the attribute.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::panic::AssertUnwindSafe;
    use std::path::{Path, PathBuf};
    use std::task::Poll;

    use crate::testdb::{Outcome, Pool, TestDbBuilder};

    /// Runs a test's future on a runtime of its own, as `#[tokio::test]` does: one thread,
    /// timers and I/O on (blocking work goes to tokio's blocking pool).
    pub fn block_on<F: Future>(test: F) -> F::Output {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|err| panic!("fixtura: cannot start the test's async runtime: {err}"));
        runtime.block_on(test)
    }

    /// The spec at `spec`, relative to the crate's directory unless absolute: the same
    /// file under `cargo test` and `cargo nextest`, whatever their working directory.
    pub fn spec_path(manifest_dir: &str, spec: &str) -> PathBuf {
        Path::new(manifest_dir).join(spec)
    }

    /// The value of `database_url = <expr>`, kept by the test until it is over: a URL, or a
    /// guard that gives one and drops its database after the test.
    pub struct Url<U>(U, fn(&U) -> &str);

    /// `database_url = <expr>`, whose type is checked here, at the expression.
    pub fn url<U: AsRef<str>>(value: U) -> Url<U> {
        Url(value, U::as_ref)
    }

    /// The builder, given the URL `url` gives.
    pub fn database_url<U>(builder: TestDbBuilder, url: &Url<U>) -> TestDbBuilder {
        builder.database_url((url.1)(&url.0))
    }

    /// The value of `store = <expr>`, kept by the test until it is over: a directory, or a
    /// guard that gives one.
    pub struct Store<S>(S, fn(&S) -> &Path);

    /// `store = <expr>`, whose type is checked here, at the expression.
    pub fn store_dir<S: AsRef<Path>>(value: S) -> Store<S> {
        Store(value, S::as_ref)
    }

    /// The builder, given the directory `store` gives.
    pub fn store<S>(builder: TestDbBuilder, store: &Store<S>) -> TestDbBuilder {
        builder.store((store.1)(&store.0))
    }

    /// How to tell whether a test of outcome `R` failed; made by [`outcome`].
    pub struct OutcomeOf<R> {
        failed: fn(&R) -> bool,
        /// `#[should_panic]`: a panic is the test passing.
        expects_panic: bool,
    }

    /// The check of outcome `R`. Asked for apart from [`run`], at the span of the test's
    /// return type, so a type that is no [`Outcome`] is reported there, once.
    pub fn outcome<R: Outcome>() -> OutcomeOf<R> {
        OutcomeOf {
            failed: R::failed,
            expects_panic: false,
        }
    }

    impl<R> OutcomeOf<R> {
        /// For a `#[should_panic]` test: a panic passes it, returning does not.
        pub fn expecting_panic(self) -> Self {
            OutcomeOf {
                expects_panic: true,
                ..self
            }
        }
    }

    /// Makes the test's copy, runs `test` with its pool, and ends the copy by the outcome:
    /// passed → closed (dropped; an error there fails the test); `Err`, or a panic → kept,
    /// its URL printed, the `Err` returned or the panic resumed. For a `#[should_panic]`
    /// test the other way round: the panic passes it (closed, then resumed), and returning
    /// fails it (kept).
    pub async fn run<P, R, F, Fut>(builder: TestDbBuilder, test: F, outcome: OutcomeOf<R>) -> R
    where
        P: Pool,
        F: FnOnce(P) -> Fut,
        Fut: Future<Output = R>,
    {
        let db = builder.ensure().await.unwrap_or_else(|err| {
            panic!("fixtura: cannot make the test's database: {}", chain(&err))
        });
        let pool = match db.pool::<P>() {
            Ok(pool) => pool,
            Err(err) => {
                // Nothing of the test ran: the copy is of no use for a look.
                let _ = db.close().await;
                panic!("fixtura: {err}");
            }
        };
        let mut test = std::pin::pin!(test(pool));
        let caught = std::future::poll_fn(|cx| {
            match std::panic::catch_unwind(AssertUnwindSafe(|| test.as_mut().poll(cx))) {
                Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(panic) => Poll::Ready(Err(panic)),
            }
        })
        .await;
        let passed = match &caught {
            Ok(result) => !(outcome.failed)(result) && !outcome.expects_panic,
            Err(_) => outcome.expects_panic,
        };
        if passed {
            if let Err(err) = db.close().await {
                panic!(
                    "fixtura: the test passed, but its database could not be dropped: {}",
                    chain(&err)
                );
            }
        } else {
            drop(db); // kept, and its URL printed
        }
        caught.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// An error and its sources, each once.
    fn chain(err: &dyn std::error::Error) -> String {
        let mut text = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::isolate::name_part;

    #[test]
    fn a_test_dbs_worker_id_fits_a_name_part() {
        let worker = format!("{}x{}", u32::MAX, u32::MAX);
        assert_eq!(name_part(&worker).len(), 10);
    }

    #[test]
    fn a_tests_spec_is_found_from_its_crate_unless_its_path_is_absolute() {
        let crate_dir = "/work/app";
        assert_eq!(
            __private::spec_path(crate_dir, "schema/app.toml"),
            Path::new("/work/app/schema/app.toml")
        );
        assert_eq!(
            __private::spec_path(crate_dir, "/etc/specs/app.toml"),
            Path::new("/etc/specs/app.toml")
        );
    }

    #[test]
    fn a_test_that_returned_err_failed() {
        assert!(!().failed());
        assert!(!Ok::<(), ()>(()).failed());
        assert!(Err::<(), _>("no").failed());
    }
}
