//! The load operations a snapshot restore needs besides writing: insert only the rows that
//! are missing, delete the flagged rows (after checking that no unflagged row references
//! them) or empty whole tables, and run a statement of the caller's own.
//!
//! Like every other step of a [`Load`], each runs in the load's transaction, and a failed
//! one marks the load failed.

use std::fmt;

use tokio::sync::mpsc::Receiver;

use super::Result;
use super::target::{self, Target};
use super::{FkChecks, Load, Session, WriteError, fk_check};
use crate::graph::{BreakStrategy, Plan};
use crate::schema::{ForeignKey, QualifiedName, Schema, Table};
use crate::value::Row;

/// What [`Load::write_missing`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WriteCounts {
    /// Rows inserted.
    pub inserted: u64,
    /// Rows left out because a row with the same key was already there.
    pub skipped: u64,
}

/// What [`Load::clean_flagged`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cleaned {
    /// The flagged rows are gone: this many.
    Deleted(u64),
    /// Nothing was deleted: these rows stay and reference flagged ones.
    Blocked(Vec<Blocker>),
}

/// Blockers as a list a person reads: `2 rows of offices (e.g. (id)=(42)) via "offices_fk"`.
pub(crate) fn describe_blockers(blockers: &[Blocker], schema: &Schema) -> String {
    blockers
        .iter()
        .map(|b| {
            format!(
                "{} row{} of {} (e.g. {}) via \"{}\"",
                b.count,
                if b.count == 1 { "" } else { "s" },
                schema.display_name(&b.table),
                b.example,
                b.constraint
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Unflagged rows that reference flagged ones through one foreign key: deleting the
/// flagged rows would orphan them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocker {
    /// The referencing (child) table.
    pub table: QualifiedName,
    /// The foreign key's name.
    pub constraint: String,
    /// How many unflagged rows reference flagged ones.
    pub count: u64,
    /// The key of one of them, `(id)=(42)`.
    pub example: String,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} unflagged row{} of {} reference{} flagged rows through \"{}\", e.g. {}",
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.table,
            if self.count == 1 { "s" } else { "" },
            self.constraint,
            self.example
        )
    }
}

impl Load {
    /// Like [`Load::write`], but a row that collides with an existing one on its primary
    /// key or a unique key is left out, and the existing row left as it is, not an error:
    /// parents captured by `snapshot create --with-parents` may already be present. Any
    /// other failure (a NOT NULL or CHECK violation, a bad value) still fails the write.
    ///
    /// - PostgreSQL: COPY into a temporary table of the target's columns (`ON COMMIT
    ///   DROP`), then `INSERT INTO t (...) SELECT ... FROM tmp ON CONFLICT DO NOTHING`;
    /// - MySQL/MariaDB: multi-row `INSERT ... ON DUPLICATE KEY UPDATE k = k`, `k` the first
    ///   column of the primary key (or, without one, of the first unique key); not `INSERT
    ///   IGNORE`, which would also swallow other errors. The rows inserted are counted
    ///   with a `count(*)` of the table before and after, the server's own count being
    ///   unable to tell them apart;
    /// - SQLite: multi-row `INSERT ... ON CONFLICT DO NOTHING`; not `INSERT OR IGNORE`,
    ///   which also skips NOT NULL and CHECK failures.
    ///
    /// `on_rows` hears of every batch received, skipped rows included.
    pub(crate) async fn write_missing(
        &mut self,
        table: &Table,
        columns: &[String],
        batches: &mut Receiver<Vec<Row>>,
        on_rows: &mut (dyn FnMut(u64) + Send),
    ) -> Result<WriteCounts> {
        self.ensure_usable()?;
        let target = Target::new(self.backend, table, columns, "a write")?;
        self.touched.record(table);
        let result = match &mut self.session {
            #[cfg(feature = "postgres")]
            Session::Postgres(s) => s.write_missing(&target, batches, on_rows).await,
            #[cfg(feature = "mysql")]
            Session::MySql(s) => s.write_missing(table, &target, batches, on_rows).await,
            #[cfg(feature = "_sqlite")]
            Session::Sqlite(s) => s.write_missing(&target, batches, on_rows).await,
        };
        self.track(result)
    }

    /// Deletes the rows of `table` whose `flag` column is true (PostgreSQL `flag IS TRUE`,
    /// elsewhere `flag <> 0`, for a flag kept as 0/1); returns how many.
    pub(crate) async fn delete_flagged(&mut self, table: &Table, flag: &str) -> Result<u64> {
        self.ensure_usable()?;
        check_column(table, flag)?;
        let dialect = self.dialect();
        let backend = dialect.backend;
        let sql = format!(
            "DELETE FROM {} WHERE {}",
            backend.quote_table(&table.name),
            (dialect.flag_is_set)(&backend.quote_ident(flag))
        );
        let what = format!("deleting the flagged rows of {}", table.name);
        self.touched.record(table);
        let result = self.run(sql, &what).await;
        self.track(result)
    }

    /// How many rows of `table` have their `flag` column true.
    pub(crate) async fn count_flagged(&mut self, table: &Table, flag: &str) -> Result<u64> {
        self.ensure_usable()?;
        check_column(table, flag)?;
        let dialect = self.dialect();
        let backend = dialect.backend;
        let sql = format!(
            "SELECT count(*) FROM {} WHERE {}",
            backend.quote_table(&table.name),
            (dialect.flag_is_set)(&backend.quote_ident(flag))
        );
        let what = format!("counting the flagged rows of {}", table.name);
        let result = self.fetch_int(sql, &what).await;
        self.track(result)
            .map(|n| u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    /// Whether `table` holds no row, as this transaction sees it (one row looked for, not
    /// counted).
    pub(crate) async fn is_empty(&mut self, table: &Table) -> Result<bool> {
        self.ensure_usable()?;
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 AS one FROM {} LIMIT 1) AS probe",
            self.backend.quote_table(&table.name)
        );
        let what = format!("looking for rows in {}", table.name);
        let result = self.fetch_int(sql, &what).await;
        self.track(result).map(|n| n.unwrap_or(0) == 0)
    }

    /// Empties `tables` (pass children before parents) and says how many rows went —
    /// unless rows of a table outside them reference their rows: then nothing is removed and
    /// those rows come back ([`Cleaned::Blocked`]), since emptying would orphan them.
    ///
    /// On PostgreSQL one `TRUNCATE a, b, c` (never `CASCADE`), the tables locked and counted
    /// first; where a table outside the list references one of them (without a row that
    /// does, or it would be blocked) `TRUNCATE` refuses, so there, and on MySQL/MariaDB
    /// (whose `TRUNCATE` commits implicitly) and SQLite (which has none), `DELETE FROM` each
    /// in the order given, counted by what each removed.
    pub(crate) async fn empty(&mut self, schema: &Schema, tables: &[&Table]) -> Result<Cleaned> {
        self.ensure_usable()?;
        let names: Vec<QualifiedName> = tables.iter().map(|t| t.name.clone()).collect();
        let outside = references_from_outside(schema, &names);
        let blockers = self.referencing_rows(&outside).await?;
        if !blockers.is_empty() {
            return Ok(Cleaned::Blocked(blockers));
        }
        if tables.is_empty() {
            return Ok(Cleaned::Deleted(0));
        }
        let list: Vec<String> = names.iter().map(ToString::to_string).collect();
        let what = format!("emptying {}", list.join(", "));
        let backend = self.backend;
        let mut removed = 0;
        for table in tables {
            self.touched.record(table);
        }
        match self
            .dialect()
            .truncate
            .as_ref()
            .filter(|_| outside.is_empty())
        {
            Some(truncate) => {
                let result = self.run((truncate.lock)(tables), &what).await;
                self.track(result)?;
                for table in tables {
                    let sql = format!("SELECT count(*) FROM {}", backend.quote_table(&table.name));
                    let result = self
                        .fetch_int(sql, &format!("counting the rows of {}", table.name))
                        .await;
                    removed += u64::try_from(self.track(result)?.unwrap_or(0)).unwrap_or(0);
                }
                let result = self.run((truncate.empty)(tables), &what).await;
                self.track(result)?;
            }
            None => {
                for table in tables {
                    let sql = format!("DELETE FROM {}", backend.quote_table(&table.name));
                    let result = self.run(sql, &what).await;
                    removed += self.track(result)?;
                }
            }
        }
        Ok(Cleaned::Deleted(removed))
    }

    /// The rows of each child table that reference a row of its parent through `fk`: one
    /// [`Blocker`] per foreign key that has such rows, naming one by the child's key.
    async fn referencing_rows(&mut self, fks: &[(&Table, &ForeignKey)]) -> Result<Vec<Blocker>> {
        let mut blockers = Vec::new();
        for &(child, fk) in fks {
            let key = target::identifying_key(child)
                .map_or(&fk.columns, |key| &key.columns)
                .clone();
            let what = format!(
                "looking for rows of {} that reference {} through \"{}\"",
                child.name, fk.referenced_table, fk.name
            );
            let probe = fk_check::referencing(self.dialect(), child, fk, &key);
            let result = self.probe(probe, &what).await;
            if let Some((count, sample)) = self.track(result)? {
                blockers.push(Blocker {
                    table: child.name.clone(),
                    constraint: fk.name.clone(),
                    count: u64::try_from(count).unwrap_or(0),
                    example: fk_check::key_text(&key, &sample),
                });
            }
        }
        Ok(blockers)
    }

    /// The rows that reference flagged rows of `tables` and would be orphaned by deleting
    /// them: for each foreign key of any table of the schema to a table of `tables` with the
    /// column `flag`, the referencing rows that stay — those whose flag is not true (false
    /// or NULL) in a cleaned table, every row in a table that is not cleaned (outside
    /// `tables`, or without the flag column) — that match a parent row whose flag is true. Returns one [`Blocker`] per foreign key that has such rows,
    /// naming one of them by the child's primary key (else its first unique key, else the
    /// foreign key's columns). Deleting the flagged rows would orphan these, so a restore
    /// that cleans flagged rows refuses while any exist.
    pub(crate) async fn unflagged_referencing_flagged(
        &mut self,
        schema: &Schema,
        tables: &[QualifiedName],
        flag: &str,
    ) -> Result<Vec<Blocker>> {
        self.ensure_usable()?;
        let mut blockers = Vec::new();
        for name in tables {
            if schema.table(name).is_none() {
                return Err(WriteError::UnknownTable {
                    table: name.clone(),
                });
            }
        }
        // Every table of the schema may hold a row pointing at a flagged row about to go.
        for child in &schema.tables {
            let child_flagged = tables.contains(&child.name) && child.column(flag).is_some();
            for fk in &child.foreign_keys {
                let flagged_parent = tables.contains(&fk.referenced_table)
                    && schema
                        .table(&fk.referenced_table)
                        .is_some_and(|parent| parent.column(flag).is_some());
                if !flagged_parent {
                    continue;
                }
                let key = target::identifying_key(child)
                    .map_or(&fk.columns, |key| &key.columns)
                    .clone();
                let what = format!(
                    "looking for unflagged rows of {} that reference flagged rows through \"{}\"",
                    child.name, fk.name
                );
                let probe = fk_check::referencing_flagged(
                    self.dialect(),
                    child,
                    fk,
                    &key,
                    flag,
                    child_flagged,
                );
                let result = self.probe(probe, &what).await;
                if let Some((count, sample)) = self.track(result)? {
                    blockers.push(Blocker {
                        table: child.name.clone(),
                        constraint: fk.name.clone(),
                        count: u64::try_from(count).unwrap_or(0),
                        example: fk_check::key_text(&key, &sample),
                    });
                }
            }
        }
        Ok(blockers)
    }

    /// Deletes the flagged rows of `tables` (given in insert order) — never an unflagged
    /// one: if any row that stays references a flagged row, nothing is deleted and the
    /// rows in the way come back ([`Cleaned::Blocked`]). With the server checking keys, a
    /// cycle broken at a nullable key is unhooked first (its flagged rows' key set to NULL),
    /// so the rows can go in reverse order.
    pub(crate) async fn clean_flagged(
        &mut self,
        schema: &Schema,
        plan: &Plan,
        tables: &[QualifiedName],
        flag: &str,
        checks: FkChecks,
    ) -> Result<Cleaned> {
        let blockers = self
            .unflagged_referencing_flagged(schema, tables, flag)
            .await?;
        if !blockers.is_empty() {
            return Ok(Cleaned::Blocked(blockers));
        }
        let backend = self.backend;
        let flagged: Vec<&Table> = tables
            .iter()
            .filter_map(|name| schema.table(name))
            .filter(|t| t.column(flag).is_some())
            .collect();
        if checks == FkChecks::Server {
            for table in &flagged {
                for fk in &table.foreign_keys {
                    let broken = plan.break_for(&table.name, &fk.name);
                    if broken.is_some_and(|b| b.strategy == BreakStrategy::NullThenUpdate) {
                        let sets: Vec<String> = fk
                            .columns
                            .iter()
                            .map(|c| format!("{} = NULL", backend.quote_ident(c)))
                            .collect();
                        let sql = format!(
                            "UPDATE {} SET {} WHERE {}",
                            backend.quote_table(&table.name),
                            sets.join(", "),
                            (self.dialect().flag_is_set)(&backend.quote_ident(flag))
                        );
                        self.touched.record(table);
                        self.execute(&sql).await?;
                    }
                }
            }
        }
        let mut deleted = 0;
        for table in flagged.iter().rev() {
            deleted += self.delete_flagged(table, flag).await?;
        }
        Ok(Cleaned::Deleted(deleted))
    }

    /// Runs one statement inside the transaction (through the text protocol, nothing
    /// prepared); returns the rows it affected. On MySQL/MariaDB, a statement that commits
    /// implicitly (DDL) ends the load's transaction early: keep to DML.
    pub(crate) async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.ensure_usable()?;
        let what = format!("running \"{}\"", abbreviated(sql));
        let result = self.run(sql.to_string(), &what).await;
        self.track(result)
    }
}

/// The foreign keys of tables outside `tables` that point into them.
fn references_from_outside<'s>(
    schema: &'s Schema,
    tables: &[QualifiedName],
) -> Vec<(&'s Table, &'s ForeignKey)> {
    schema
        .tables
        .iter()
        .filter(|t| !tables.contains(&t.name))
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .filter(|(_, fk)| tables.contains(&fk.referenced_table))
        .collect()
}

fn check_column(table: &Table, column: &str) -> Result<(), WriteError> {
    match table.column(column) {
        Some(_) => Ok(()),
        None => Err(WriteError::UnknownColumn {
            table: table.name.clone(),
            column: column.to_string(),
        }),
    }
}

/// A statement's first line, cut to a length a message can carry.
fn abbreviated(sql: &str) -> String {
    const MAX: usize = 80;
    let line = sql.trim().lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &line[..end]),
        None if line.len() < sql.trim().len() => format!("{line}..."),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocker_reads_as_a_sentence() {
        let blocker = Blocker {
            table: QualifiedName::new("public", "offices"),
            constraint: "offices_created_by_fkey".into(),
            count: 1,
            example: "(id)=(42)".into(),
        };
        assert_eq!(
            blocker.to_string(),
            "1 unflagged row of public.offices references flagged rows through \
             \"offices_created_by_fkey\", e.g. (id)=(42)"
        );
    }

    #[test]
    fn long_statements_are_cut_in_messages() {
        assert_eq!(abbreviated(" DELETE FROM t "), "DELETE FROM t");
        assert_eq!(abbreviated("UPDATE t\nSET a = 1"), "UPDATE t...");
        let long = "x".repeat(100);
        assert_eq!(abbreviated(&long), format!("{}...", "x".repeat(80)));
    }
}
