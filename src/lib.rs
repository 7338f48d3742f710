//! fixtura: test data for relational databases.
//!
//! It generates large, realistic, reproducible datasets from a short declarative spec,
//! snapshots the flagged test rows of a database to zstd-compressed JSON and restores them
//! in foreign-key order, and caches both in CI. PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! The library is layered: [`db`] connects, [`schema`] introspects a live database into a
//! backend-neutral model, [`graph`] orders tables by their foreign keys and plans how each
//! cycle is broken, and [`inspect`] reports all of it.
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
