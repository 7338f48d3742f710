//! fixtura: test data for relational databases.
//!
//! It generates large, realistic, reproducible datasets from a short declarative spec,
//! snapshots the flagged test rows of a database to zstd-compressed JSON and restores them
//! in foreign-key order, and caches both in CI. PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! The library is layered: [`db`] connects, [`schema`] introspects a live database into a
//! backend-neutral model, [`graph`] orders tables by their foreign keys and plans how each
//! cycle is broken, and [`inspect`] reports all of it.

pub mod db;
pub mod error;
pub mod graph;
pub mod inspect;
pub mod schema;

pub use db::{Backend, Db, connect};
pub use error::{Error, Result};
pub use graph::{Capabilities, DependencyGraph, Plan};
pub use schema::{IntrospectOptions, Schema, introspect};
