//! The backend-neutral schema model, and introspection of a live database into it.
//!
//! Every fact here comes from the database's own catalogs (never from guesses): the
//! per-backend readers live in `postgres.rs`, `mysql.rs` and `sqlite.rs`, and each returns
//! the same [`Schema`]. Everything downstream (the dependency graph, generation, snapshots)
//! reads only this model.

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "_sqlite")]
mod sqlite;
#[cfg(feature = "_sqlite")]
mod sqlite_ddl;

use serde::{Deserialize, Serialize};

pub use crate::db::QualifiedName;
use crate::db::{Backend, Db, DbError};

/// Introspection fails only on a statement, or on something fixtura cannot model.
pub(crate) type Result<T, E = DbError> = std::result::Result<T, E>;

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
pub(crate) async fn introspect(db: &Db, options: &IntrospectOptions) -> Result<Schema> {
    let mut schema = match db {
        #[cfg(feature = "postgres")]
        Db::Postgres(pool) => postgres::introspect(pool).await?,
        #[cfg(feature = "mysql")]
        Db::MySql(pool) => mysql::introspect(pool).await?,
        #[cfg(feature = "_sqlite")]
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
    /// The backend it was read from.
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
    /// The relation.
    pub name: QualifiedName,
    /// Why it is skipped, e.g. "view", "materialized view", "partition of public.events".
    pub reason: String,
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
    /// The table.
    pub name: QualifiedName,
    /// An ordinary or a partitioned table.
    pub kind: TableKind,
    /// Columns in their ordinal order.
    pub columns: Vec<Column>,
    /// The primary key, when it has one.
    pub primary_key: Option<Key>,
    /// Unique constraints and unique indexes (not the primary key), sorted by name.
    pub unique: Vec<Key>,
    /// Foreign keys declared on this table, sorted by name.
    pub foreign_keys: Vec<ForeignKey>,
    /// The flag column, when the table has one (filled in by introspection).
    pub flag_column: Option<String>,
}

impl Table {
    /// The column named `name`.
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
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The type as the backend spells it (`character varying(40)`, `varchar(40)`, `TEXT`).
    pub type_name: String,
    /// The type, classified the same way on every backend.
    pub column_type: ColumnType,
    /// Whether it accepts NULL.
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
    RowId {
        /// Declared `AUTOINCREMENT`: keys are never reused (`sqlite_sequence`).
        autoincrement: bool,
    },
}

/// A generated column: its expression and whether its value is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// Stored (written to disk) or virtual (computed when read).
    pub stored: bool,
    /// The expression, as the backend reports it.
    pub expression: String,
}

/// A column type, classified the same way on every backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnType {
    /// `boolean`, `BOOL`/`TINYINT(1)` on MySQL.
    Boolean,
    /// An integer of `bytes` bytes (1, 2, 3, 4 or 8).
    Integer {
        /// Its size.
        bytes: u8,
        /// `UNSIGNED` (MySQL/MariaDB).
        unsigned: bool,
    },
    /// A binary floating-point number of `bytes` bytes (4 or 8).
    Float {
        /// Its size.
        bytes: u8,
    },
    /// An exact decimal number.
    Decimal {
        /// Total digits, when declared.
        precision: Option<u32>,
        /// Digits after the point, when declared.
        scale: Option<u32>,
    },
    /// Character data; `fixed` for `char(n)`.
    Text {
        /// The longest value, in characters, when limited.
        max_length: Option<u32>,
        /// `char(n)`: padded to its length.
        fixed: bool,
    },
    /// Binary data (`bytea`, `BLOB`, `VARBINARY`).
    Binary {
        /// The longest value, in bytes, when limited.
        max_length: Option<u32>,
    },
    /// A UUID (`uuid`).
    Uuid,
    /// JSON kept as text (`json` on PostgreSQL, `JSON` on MySQL/MariaDB).
    Json,
    /// JSON stored decomposed (`jsonb`).
    Jsonb,
    /// A calendar date.
    Date,
    /// A time of day.
    Time {
        /// `timetz`.
        with_time_zone: bool,
    },
    /// A date and time.
    Timestamp {
        /// `timestamptz` (and MySQL's `TIMESTAMP`): an instant, shown in the session's zone.
        with_time_zone: bool,
    },
    /// A span of time (`interval`).
    Interval,
    /// Network addresses (`inet`, `cidr`).
    Inet,
    /// An enumerated type. `name` is the PostgreSQL type name; MySQL's inline enums have none.
    Enum {
        /// The type's name (PostgreSQL).
        name: Option<String>,
        /// The labels, in their declared order.
        labels: Vec<String>,
    },
    /// An array (PostgreSQL).
    Array {
        /// The element type.
        element: Box<ColumnType>,
    },
    /// Anything else, by the backend's name for it.
    Other {
        /// The backend's name for the type.
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
    /// The table it references.
    pub referenced_table: QualifiedName,
    /// Referenced columns, paired with `columns` by position.
    pub referenced_columns: Vec<String>,
    /// What happens to this row when the referenced row is deleted.
    pub on_delete: FkAction,
    /// What happens to this row when the referenced key changes.
    pub on_update: FkAction,
    /// Whether the check can wait until commit.
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
    /// The check happens at the end of the statement (the default).
    NoAction,
    /// The check happens at once.
    Restrict,
    /// Referencing rows are deleted (or updated) too.
    Cascade,
    /// Referencing columns are set to NULL.
    SetNull,
    /// Referencing columns are set to their defaults.
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
    /// Checked at the end of each statement, always.
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`: deferred by `SET CONSTRAINTS ... DEFERRED`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    InitiallyDeferred,
}

impl Deferrable {
    /// Whether it can be deferred at all.
    pub fn is_deferrable(self) -> bool {
        self != Deferrable::NotDeferrable
    }
}
