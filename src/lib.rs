//! fixtura: test data for relational databases.
//!
//! It generates large, realistic, reproducible datasets from a short declarative spec,
//! snapshots the flagged test rows of a database to zstd-compressed JSON and restores them
//! in foreign-key order, and caches both in CI. PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! The library is layered: [`db`] connects, [`schema`] introspects a live database into a
//! backend-neutral model, [`graph`] orders tables by their foreign keys and plans how each
//! cycle is broken, [`inspect`] reports all of it; [`generate`] makes rows from a spec,
//! [`snapshot`] captures and restores them, and [`cache`] keys, caches and isolates them
//! for tests and CI.
//!
//! # In your tests: a populated database of your own, in two lines
//!
//! [`TestDb::ensure`] generates the spec's rows once (cached as a snapshot keyed by spec,
//! seed and schema, safely when many test processes start at once) and gives every test a
//! copy of its own: a template clone on PostgreSQL, a file copy on SQLite, a fresh database
//! on MySQL. The copy is dropped when the test passes and kept (its URL printed) when it
//! fails. It reads `DATABASE_URL` (the database to copy: your schema, migrated) and
//! `FIXTURA_STORE` (the snapshot store, default `./snapshots`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let url = format!("sqlite://{}", dir.path().join("app_test.db").display());
//! # let schema = fixtura::db::connect_with(&url, fixtura::db::ConnectOptions { create_sqlite_file: true }).await?;
//! # fixtura::db::execute_script(&schema, &std::fs::read_to_string("schema/welfare.sqlite.sql")?).await?;
//! # schema.close().await;
//! # // SAFETY: set before any other thread reads the environment.
//! # unsafe {
//! #     std::env::set_var("DATABASE_URL", &url);
//! #     std::env::set_var("FIXTURA_STORE", dir.path().join("snapshots"));
//! # }
//! let db = fixtura::TestDb::ensure("schema/welfare.toml").await?;
//! let pool = db.pool();
//! # let fixtura::Db::Sqlite(pool) = pool else { unreachable!() };
//! let offices: i64 = sqlx::query_scalar("SELECT count(*) FROM offices").fetch_one(pool).await?;
//! assert_eq!(offices, 100);
//! # Ok(())
//! # }
//! ```
//!
//! # The schema, in order
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use fixtura::{Capabilities, DependencyGraph, IntrospectOptions};
//!
//! let db = fixtura::connect("sqlite::memory:").await?;
//! fixtura::db::execute_script(
//!     &db,
//!     "CREATE TABLE staffs (id INTEGER PRIMARY KEY, is_test_data BOOLEAN NOT NULL DEFAULT 0);
//!      CREATE TABLE offices (id INTEGER PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES staffs (id));",
//! )
//! .await?;
//!
//! let schema = fixtura::introspect(&db, &IntrospectOptions::default()).await?;
//! let plan = DependencyGraph::new(&schema).plan(Capabilities { session_switch: true });
//! plan.ensure_feasible()?;
//! let order: Vec<&str> = plan.insert_order.iter().map(|t| t.name.as_str()).collect();
//! assert_eq!(order, ["staffs", "offices"]); // parents first
//! assert_eq!(schema.resolve("staffs").unwrap().flag_column.as_deref(), Some("is_test_data"));
//! # Ok(())
//! # }
//! ```

pub mod cache;
pub mod db;
pub mod error;
pub mod generate;
pub mod graph;
pub mod inspect;
pub mod progress;
pub mod read;
pub mod schema;
pub mod snapshot;
pub mod value;
pub mod write;

pub use cache::testdb::TestDb;
pub use db::{Backend, Db, connect};
pub use error::{Error, Result};
pub use graph::{Capabilities, DependencyGraph, Plan};
pub use schema::{IntrospectOptions, Schema, introspect};
