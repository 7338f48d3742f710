//! Triggers and storage engines: what a write into a table sets off besides the rows
//! themselves, and whether the table's engine can roll a write back.
//!
//! Read after the tables, one query per backend for the whole database, and attached to
//! the tables they belong to: PostgreSQL's `pg_trigger` (user triggers only, not the
//! internal ones behind foreign keys), MySQL/MariaDB's `information_schema.TRIGGERS` and
//! `TABLES.ENGINE` (with `ENGINES.TRANSACTIONS`), SQLite's `sqlite_schema` rows of type
//! `trigger`, whose timing and events are read from the statement (`sqlite.rs`).

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "_sqlite")]
mod sqlite;

use serde::{Deserialize, Serialize};

use super::{Result, Schema};
use crate::db::Db;

/// A trigger on a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// When it runs, relative to the row's write.
    pub timing: TriggerTiming,
    /// The statements that set it off.
    pub events: Vec<TriggerEvent>,
    /// `FOR EACH ROW` (else once per statement).
    pub for_each_row: bool,
    /// Whether it fires, and when (PostgreSQL's `ALTER TABLE … ENABLE/DISABLE TRIGGER`).
    pub enabled: TriggerEnabled,
    /// What it runs: the function (PostgreSQL) or the statement (MySQL, SQLite).
    pub action: String,
    /// The partition it is declared on, when that is not the table itself (PostgreSQL: a
    /// trigger of one partition fires on the rows written through the parent to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

impl Trigger {
    /// `set_created BEFORE INSERT`, `audit AFTER INSERT OR UPDATE`: how a message names it.
    pub fn describe(&self) -> String {
        let events: Vec<&str> = self.events.iter().map(|e| e.as_sql()).collect();
        let on = match &self.partition {
            Some(partition) => format!(" on partition {partition}"),
            None => String::new(),
        };
        format!(
            "{} {} {}{on}",
            self.name,
            self.timing.as_sql(),
            events.join(" OR ")
        )
    }
}

/// When a trigger runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    /// Before the row is written: it may change the row, or skip it.
    Before,
    /// After the row is written.
    After,
    /// Instead of the write (on views; listed for completeness).
    InsteadOf,
}

impl TriggerTiming {
    /// `BEFORE`, `AFTER`, `INSTEAD OF`.
    pub fn as_sql(self) -> &'static str {
        match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    }
}

/// A statement that sets a trigger off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    /// `INSERT` (and `COPY … FROM` on PostgreSQL).
    Insert,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// `TRUNCATE` (PostgreSQL).
    Truncate,
}

impl TriggerEvent {
    /// `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`.
    pub fn as_sql(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        }
    }
}

/// Whether a trigger fires (PostgreSQL's `pg_trigger.tgenabled`; MySQL and SQLite
/// triggers always fire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEnabled {
    /// Fires, except in a session with `session_replication_role = replica` (PostgreSQL's
    /// default, `O`); MySQL's and SQLite's triggers, which nothing switches off.
    Enabled,
    /// `ENABLE ALWAYS`: fires in every session, replicas included.
    Always,
    /// `ENABLE REPLICA`: fires only with `session_replication_role = replica`.
    ReplicaOnly,
    /// `DISABLE TRIGGER`: never fires.
    Disabled,
}

impl TriggerEnabled {
    /// Whether the trigger fires in a session whose `session_replication_role` is
    /// `replica` (`true`) or the default `origin` (`false`).
    pub fn fires(self, replica: bool) -> bool {
        match self {
            TriggerEnabled::Enabled => !replica,
            TriggerEnabled::Always => true,
            TriggerEnabled::ReplicaOnly => replica,
            TriggerEnabled::Disabled => false,
        }
    }
}

/// Reads the triggers (and on MySQL the engines) of `schema`'s tables and attaches them.
pub(super) async fn attach(db: &Db, schema: &mut Schema) -> Result<()> {
    match db {
        #[cfg(feature = "postgres")]
        Db::Postgres(pool) => postgres::attach(pool, schema).await,
        #[cfg(feature = "mysql")]
        Db::MySql(pool) => mysql::attach(pool, schema).await,
        #[cfg(feature = "_sqlite")]
        Db::Sqlite(pool) => sqlite::attach(pool, schema).await,
    }
}

/// Sorts every table's triggers by name, as the model keeps them.
fn sort(schema: &mut Schema) {
    for table in &mut schema.tables {
        table.triggers.sort_by(|a, b| a.name.cmp(&b.name));
    }
}
