//! The backend-neutral schema model, and introspection of a live database into it.
//!
//! Every fact here comes from the database's own catalogs (never from guesses): the
//! per-backend readers live in `postgres.rs`, `mysql.rs` and `sqlite.rs`, and each returns
//! the same [`Schema`]. Everything downstream (the dependency graph, generation, snapshots)
//! reads only this model.

mod mysql;
mod postgres;
mod sqlite;
mod sqlite_ddl;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::db::{Backend, Db};
use crate::error::Result;

/// The flag column that marks test rows when the user names no other.
pub const DEFAULT_FLAG: &str = "is_test_data";

/// What to read, and how to recognise the flag column.
#[derive(Debug, Clone)]
pub struct IntrospectOptions {
    /// Name of the boolean column that marks test rows.
    pub flag: String,
}

impl Default for IntrospectOptions {
    fn default() -> Self {
        IntrospectOptions {
            flag: DEFAULT_FLAG.to_string(),
        }
    }
}

/// Reads the schema of the database behind `db`.
pub async fn introspect(db: &Db, options: &IntrospectOptions) -> Result<Schema> {
    let mut schema = match db {
        Db::Postgres(pool) => postgres::introspect(pool).await?,
        Db::MySql(pool) => mysql::introspect(pool).await?,
        Db::Sqlite(pool) => sqlite::introspect(pool).await?,
    };
    for table in &mut schema.tables {
        table.flag_column = table
            .columns
            .iter()
            .find(|c| c.name == options.flag)
            .map(|c| c.name.clone());
    }
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(schema)
}

/// A database's tables, as fixtura sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub backend: Backend,
    /// The server's version string (`SHOW server_version`, `VERSION()`, `sqlite_version()`).
    pub server_version: String,
    /// The schema unqualified names resolve to: `public` on PostgreSQL (the first entry of
    /// `search_path`), the current database on MySQL, `main` on SQLite.
    pub default_schema: String,
    /// Writable base tables (and partitioned tables' parents), sorted by name.
    pub tables: Vec<Table>,
    /// Views and other relations that are never written; listed so a report can say so.
    pub skipped: Vec<SkippedRelation>,
}

impl Schema {
    /// Finds a table by its qualified name.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }

    /// Resolves a user-written name (`offices`, `crm.employee`) against the default schema.
    pub fn resolve(&self, written: &str) -> Option<&Table> {
        let name = QualifiedName::parse(written, &self.default_schema);
        self.table(&name)
    }

    /// How a table is named to a user: unqualified when it lives in the default schema.
    pub fn display_name(&self, name: &QualifiedName) -> String {
        if name.schema == self.default_schema {
            name.name.clone()
        } else {
            name.to_string()
        }
    }
}

/// A relation that introspection found but fixtura never writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRelation {
    pub name: QualifiedName,
    /// Why it is skipped, e.g. "view", "materialized view", "partition of public.events".
    pub reason: String,
}

/// A schema-qualified name. On MySQL the schema is the database; on SQLite it is `main`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Splits `schema.table` at the first dot; a bare name gets `default_schema`.
    pub fn parse(written: &str, default_schema: &str) -> Self {
        match written.split_once('.') {
            Some((schema, name)) => QualifiedName::new(schema, name),
            None => QualifiedName::new(default_schema, written),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// What kind of relation a writable table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// An ordinary table.
    Table,
    /// A PostgreSQL partitioned table: rows are written to it and routed to its partitions.
    Partitioned,
}

/// A writable table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualifiedName,
    pub kind: TableKind,
    /// Columns in their ordinal order.
    pub columns: Vec<Column>,
    pub primary_key: Option<Key>,
    /// Unique constraints and unique indexes (not the primary key), sorted by name.
    pub unique: Vec<Key>,
    /// Foreign keys declared on this table, sorted by name.
    pub foreign_keys: Vec<ForeignKey>,
    /// The flag column, when the table has one (filled in by [`introspect`]).
    pub flag_column: Option<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Columns fixtura writes: every column but the generated ones.
    pub fn writable_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.generated.is_none())
    }
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    /// Constraint or index name; SQLite's unnamed keys get their autoindex name.
    pub name: String,
    pub columns: Vec<String>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The type as the backend spells it (`character varying(40)`, `varchar(40)`, `TEXT`).
    pub type_name: String,
    /// The type, classified the same way on every backend.
    pub column_type: ColumnType,
    pub nullable: bool,
    /// The default expression, as the backend reports it.
    pub default: Option<String>,
    /// Set when the database assigns the value itself.
    pub identity: Option<Identity>,
    /// Set for generated (computed) columns, which are never written.
    pub generated: Option<Generated>,
}

/// How the database assigns a column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY` (PostgreSQL): writing it needs `OVERRIDING SYSTEM VALUE`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY` (PostgreSQL).
    ByDefault,
    /// `serial`/`bigserial`: a default of `nextval()` on a sequence the column owns.
    Serial,
    /// `AUTO_INCREMENT` (MySQL/MariaDB).
    AutoIncrement,
    /// SQLite's `INTEGER PRIMARY KEY` rowid alias, with `AUTOINCREMENT` or without.
    RowId { autoincrement: bool },
}

/// A generated column: its expression and whether its value is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub stored: bool,
    pub expression: String,
}

/// A column type, classified the same way on every backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnType {
    Boolean,
    /// An integer of `bytes` bytes (1, 2, 3, 4 or 8).
    Integer {
        bytes: u8,
        unsigned: bool,
    },
    /// A binary floating-point number of `bytes` bytes (4 or 8).
    Float {
        bytes: u8,
    },
    /// An exact decimal number.
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    /// Character data; `fixed` for `char(n)`.
    Text {
        max_length: Option<u32>,
        fixed: bool,
    },
    /// Binary data (`bytea`, `BLOB`, `VARBINARY`).
    Binary {
        max_length: Option<u32>,
    },
    Uuid,
    /// JSON kept as text (`json` on PostgreSQL, `JSON` on MySQL/MariaDB).
    Json,
    /// JSON stored decomposed (`jsonb`).
    Jsonb,
    Date,
    Time {
        with_time_zone: bool,
    },
    Timestamp {
        with_time_zone: bool,
    },
    Interval,
    /// Network addresses (`inet`, `cidr`).
    Inet,
    /// An enumerated type. `name` is the PostgreSQL type name; MySQL's inline enums have none.
    Enum {
        name: Option<String>,
        labels: Vec<String>,
    },
    Array {
        element: Box<ColumnType>,
    },
    /// Anything else, by the backend's name for it.
    Other {
        name: String,
    },
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name; SQLite's unnamed keys get `<table>_<columns>_fkey`.
    pub name: String,
    /// Referencing columns, in key order.
    pub columns: Vec<String>,
    pub referenced_table: QualifiedName,
    /// Referenced columns, paired with `columns` by position.
    pub referenced_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    pub deferrable: Deferrable,
}

impl ForeignKey {
    /// True when every referencing column of `table` accepts NULL, so a row can be
    /// inserted with the key unset and the key filled in afterwards.
    pub fn is_nullable_in(&self, table: &Table) -> bool {
        self.columns
            .iter()
            .all(|c| table.column(c).is_some_and(|col| col.nullable))
    }
}

/// What happens to referencing rows when the referenced row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// The SQL spelling (`NO ACTION`, `CASCADE`, ...).
    pub fn as_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the SQL spelling, as information_schema and SQLite's pragmas report it.
    pub fn from_sql(s: &str) -> FkAction {
        match s.trim().to_ascii_uppercase().as_str() {
            "RESTRICT" => FkAction::Restrict,
            "CASCADE" => FkAction::Cascade,
            "SET NULL" => FkAction::SetNull,
            "SET DEFAULT" => FkAction::SetDefault,
            _ => FkAction::NoAction,
        }
    }
}

/// Whether a foreign key's check can be postponed to commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`: deferred by `SET CONSTRAINTS ... DEFERRED`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    InitiallyDeferred,
}

impl Deferrable {
    pub fn is_deferrable(self) -> bool {
        self != Deferrable::NotDeferrable
    }
}

/// What this session may do that changes how cycles can be broken.
pub async fn capabilities(db: &Db) -> Result<crate::graph::Capabilities> {
    let session_switch = match db {
        Db::Postgres(pool) => postgres::can_switch_triggers_off(pool).await?,
        // FOREIGN_KEY_CHECKS and PRAGMA defer_foreign_keys are session settings anyone may set.
        Db::MySql(_) | Db::Sqlite(_) => true,
    };
    Ok(crate::graph::Capabilities { session_switch })
}
