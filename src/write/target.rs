//! What a write is aimed at, checked against the table: the columns written (and, for an
//! update, which of them are keys), and the SQL fragments built from them on every backend
//! the same way.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc::Receiver;

use super::WriteError;
use super::dialect::Dialect;
use super::keys::KeyKind;
use crate::db::Backend;
use crate::schema::{Column, Key, QualifiedName, Table};
use crate::value::Row;

/// Rows and columns of a write, checked against the table.
pub(super) struct Target<'a> {
    /// The table rows are for, named in messages.
    pub name: &'a QualifiedName,
    /// The table written, quoted (a temporary table for [`super::Load::update`]).
    pub sql_name: String,
    pub columns: Vec<&'a Column>,
    /// Whether statements for it are worth keeping prepared (not for temporary tables).
    pub cache_statements: bool,
}

impl<'a> Target<'a> {
    pub(super) fn new<'c>(
        backend: Backend,
        table: &'a Table,
        columns: impl IntoIterator<Item = &'c String>,
        what: &'static str,
    ) -> Result<Target<'a>, WriteError> {
        let columns = columns
            .into_iter()
            .map(|name| {
                let column = table
                    .column(name)
                    .ok_or_else(|| WriteError::UnknownColumn {
                        table: table.name.clone(),
                        column: name.clone(),
                    })?;
                if column.generated.is_some() {
                    return Err(WriteError::GeneratedColumn {
                        table: table.name.clone(),
                        column: name.clone(),
                    });
                }
                Ok(column)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if columns.is_empty() {
            return Err(WriteError::NoColumns {
                table: table.name.clone(),
                what,
            });
        }
        Ok(Target {
            name: &table.name,
            sql_name: backend.quote_table(&table.name),
            columns,
            cache_statements: true,
        })
    }

    /// The same rows and columns, written into another (temporary) table.
    pub(super) fn retargeted(&self, sql_name: String) -> Target<'a> {
        Target {
            name: self.name,
            sql_name,
            columns: self.columns.clone(),
            cache_statements: false,
        }
    }

    /// The columns, quoted and comma-separated.
    pub(super) fn column_list(&self, backend: Backend) -> String {
        self.quoted_columns(backend).join(", ")
    }

    pub(super) fn quoted_columns(&self, backend: Backend) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| backend.quote_ident(&c.name))
            .collect()
    }

    /// Fails unless every row has one value per column.
    pub(super) fn check_width(&self, rows: &[Row]) -> Result<(), WriteError> {
        match rows.iter().find(|r| r.len() != self.columns.len()) {
            None => Ok(()),
            Some(row) => Err(WriteError::RowWidth {
                table: self.name.clone(),
                expected: self.columns.len(),
                found: row.len(),
            }),
        }
    }
}

/// The key a row is recognised by when it may already exist: the primary key, or without
/// one the first unique key.
pub(super) fn identifying_key(table: &Table) -> Option<&Key> {
    table.primary_key.as_ref().or(table.unique.first())
}

/// What a bulk `UPDATE` needs: the target (key columns first), how many of its columns are
/// keys, and the temporary table's unquoted name; and how many rows it holds once staged.
pub(super) struct UpdatePlan<'a> {
    pub target: Target<'a>,
    pub keys: usize,
    pub temp_name: String,
    pub rows: u64,
}

impl UpdatePlan<'_> {
    /// `t.k = u.k AND ...`: the target row (`t`) a new-values row (`u`) is for.
    pub(super) fn matches(&self, backend: Backend) -> String {
        pairs(backend, &self.target.columns[..self.keys], "t.").join(" AND ")
    }

    /// `c = u.c, ...`, each set column from the new-values row `u`; `qualifier` goes before
    /// the column set (`t.` where the backend wants it qualified).
    pub(super) fn assignments(&self, backend: Backend, qualifier: &str) -> String {
        pairs(backend, &self.target.columns[self.keys..], qualifier).join(", ")
    }
}

fn pairs(backend: Backend, columns: &[&Column], qualifier: &str) -> Vec<String> {
    columns
        .iter()
        .map(|c| {
            let q = backend.quote_ident(&c.name);
            format!("{qualifier}{q} = u.{q}")
        })
        .collect()
}

/// The statements of a bulk update through a temporary table, in the order they run, with
/// the rows written into `temp` between the first two.
pub(super) struct TempUpdate {
    /// Creates the temporary table: the target's columns and types, no constraints.
    pub create: String,
    /// The temporary table, quoted and qualified.
    pub temp: String,
    /// Deletes from the temporary table the rows whose key is in the target table now.
    pub spare: String,
    /// The joined `UPDATE`.
    pub update: String,
    pub drop: String,
}

/// Keeps temporary table names unique within the process (prepared statements outlive a
/// load on a pooled connection).
static TEMP_TABLES: AtomicU64 = AtomicU64::new(0);

/// A fresh temporary table name, `fixtura_<purpose>_<n>`.
pub(super) fn temp_name(purpose: &str) -> String {
    let n = TEMP_TABLES.fetch_add(1, Ordering::Relaxed);
    format!("fixtura_{purpose}_{n}")
}

/// A channel that yields `rows` as one batch, then closes.
pub(super) fn one_batch(rows: Vec<Row>) -> Receiver<Vec<Row>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    sender
        .try_send(rows)
        .expect("BUG: a new channel has room for one batch");
    receiver
}

/// `SELECT <columns> FROM <table> WHERE <all set> ORDER BY <columns> LIMIT n`, each
/// selected column cast to text where the dialect reads keys as text (binary ones never).
pub(super) fn existing_keys_sql(dialect: &Dialect, target: &Target<'_>, limit: u64) -> String {
    let quoted = target.quoted_columns(dialect.backend);
    let selected: Vec<String> = target
        .columns
        .iter()
        .zip(&quoted)
        .map(|(column, q)| {
            let binary = KeyKind::of(&column.column_type) == KeyKind::Bytes;
            if dialect.keys_as_text && !binary {
                (dialect.as_text)(q)
            } else {
                q.clone()
            }
        })
        .collect();
    let set: Vec<String> = quoted.iter().map(|q| format!("{q} IS NOT NULL")).collect();
    format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {limit}",
        selected.join(", "),
        target.sql_name,
        set.join(" AND "),
        quoted.join(", ")
    )
}
