//! fixtura: test data for relational databases.
//!
//! It generates large, realistic, reproducible datasets from a short declarative spec,
//! snapshots the flagged test rows of a database to zstd-compressed JSON and restores them
//! in foreign-key order, and caches both in CI. PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! Every function and method a user calls returns one error, [`Error`], whose
//! [`kind`](Error::kind) says what went wrong and whose variants hold each area's details.
//! Under the entry points the library is layered, each layer importing only from those
//! below it: [`db`] connects, [`schema`] introspects a live database into a
//! backend-neutral model, [`graph`] orders tables by their foreign keys and plans how each
//! cycle is broken, [`inspect`](mod@inspect) reports all of it; [`generate`](mod@generate) makes rows from a spec,
//! [`snapshot`] captures and restores them, and [`cache`] keys, caches and isolates them
//! for tests and CI (`docs/DESIGN.md` draws the house).
//!
//! # In your tests: a populated database of your own, in two lines
//!
//! [`TestDb::ensure`] generates the spec's rows once (cached as a snapshot keyed by spec,
//! seed and schema, safely when many test processes start at once) and gives every test a
//! copy of its own: a template clone on PostgreSQL, a file copy on SQLite, a fresh database
//! on MySQL. [`TestDb::close`] drops the copy at the end of a passing test; a test that
//! panics or returns `Err` before it keeps the copy and prints its URL. The database to copy
//! (your schema, migrated) and the snapshot store come from the builder, or from
//! `DATABASE_URL` and `FIXTURA_STORE` (default `./snapshots`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> fixtura::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let url = format!("sqlite://{}", dir.path().join("app_test.db").display());
//! # let schema = fixtura::connect_with(&url, fixtura::ConnectOptions { create_sqlite_file: true }).await?;
//! # schema.execute_script(&std::fs::read_to_string("schema/welfare.sqlite.sql").unwrap()).await?;
//! # schema.close().await;
//! # let store = dir.path().join("snapshots");
//! let db = fixtura::TestDb::builder("schema/welfare.toml")
//!     .database_url(&url)
//!     .store(&store)
//!     .ensure()
//!     .await?;
//! let offices: i64 = sqlx::query_scalar("SELECT count(*) FROM offices")
//!     .fetch_one(db.sqlite_pool()?)
//!     .await
//!     .unwrap();
//! assert_eq!(offices, 100);
//! db.close().await
//! # }
//! ```
//!
//! [`#[fixtura::test]`](macro@test) (the `macros` feature, on by default) does all of it
//! around an async test: it ensures the copy, hands the test its pool — `sqlx::PgPool`,
//! `sqlx::MySqlPool`, `sqlx::SqlitePool` or [`Db`] — and closes the copy when the test
//! passes. The spec's path is relative to the crate's `Cargo.toml`; `database_url`, `store`,
//! `seed` and `scale` stand for the builder's methods.
//!
//! ```no_run
//! #[fixtura::test(spec = "schema/welfare.toml")]
//! async fn offices_have_staff(pool: sqlx::PgPool) -> fixtura::Result<()> {
//!     let offices: i64 = sqlx::query_scalar("SELECT count(*) FROM offices")
//!         .fetch_one(&pool)
//!         .await?;
//!     assert_eq!(offices, 100);
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! # The schema, in order
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> fixtura::Result<()> {
//! use fixtura::{DependencyGraph, IntrospectOptions};
//!
//! let db = fixtura::connect("sqlite::memory:").await?;
//! db.execute_script(
//!     "CREATE TABLE staffs (id INTEGER PRIMARY KEY, is_test_data BOOLEAN NOT NULL DEFAULT 0);
//!      CREATE TABLE offices (id INTEGER PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES staffs (id));",
//! )
//! .await?;
//!
//! let schema = fixtura::introspect(&db, &IntrospectOptions::default()).await?;
//! let plan = DependencyGraph::new(&schema).plan(fixtura::capabilities(&db).await?);
//! plan.ensure_feasible()?;
//! let order: Vec<&str> = plan.insert_order.iter().map(|t| t.name.as_str()).collect();
//! assert_eq!(order, ["staffs", "offices"]); // parents first
//! assert_eq!(schema.resolve("staffs").unwrap().flag_column.as_deref(), Some("is_test_data"));
//! # Ok(())
//! # }
//! ```

// A build with some backends left out (`--no-default-features --features postgres`) keeps
// the code they share but not all its callers: unused there, it is left to the linker. The
// full build, which CI lints with `-D warnings`, has every caller.
#![cfg_attr(
    not(all(feature = "postgres", feature = "mysql", feature = "_sqlite")),
    allow(dead_code, unused_imports)
)]
#![warn(missing_docs, unreachable_pub, unnameable_types)]

// The support of the tests that run against real servers — a uniquely named database per
// test, `per_backend!`, the loud skip (or, under `CI=true`, the failure) when a server is
// down — is one file, `tests/common/mod.rs`, which the integration tests in `tests/` include
// as `mod common;`. The engines' own tests are unit tests (the engines are not public), so
// the crate's test build includes the same file rather than a copy. It is declared before
// the modules so that `#[macro_use]` brings `per_backend!` into their scope.
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
#[macro_use]
#[allow(unreachable_pub)] // public for the integration tests that include it too
pub(crate) mod test_support;

// That file names the library `fixtura::…`, as an integration test must; in the crate's own
// test build this makes `fixtura` mean the crate itself. Test builds only: library code keeps
// writing `crate::…`, the paths `tests/layers.rs` reads.
#[cfg(test)]
extern crate self as fixtura;

mod api;
pub mod cache;
pub mod db;
pub mod error;
pub mod generate;
pub mod graph;
pub mod inspect;
pub mod progress;
pub(crate) mod read;
pub mod schema;
pub mod snapshot;
mod testdb;
pub(crate) mod value;
pub(crate) mod write;

pub use api::{
    StarterSpec, cache_key, capabilities, connect, connect_with, ensure, gc, generate, inspect,
    introspect, starter_spec,
};
pub use db::{Backend, Capabilities, ChecksChoice, ConnectOptions, Db, QualifiedName, Remedy};
pub use error::{Error, ErrorKind, Result};
pub use graph::{DependencyGraph, Plan};
pub use progress::{Observer, Quiet};
pub use schema::{IntrospectOptions, Schema};
pub use testdb::{Outcome, Pool, TestDb, TestDbBuilder};

#[cfg(feature = "macros")]
pub use fixtura_macros::test;
#[doc(hidden)]
pub use testdb::__private;
