//! `--with-parents`: the seed rows grown to every row they reference, transitively (cycles
//! included), inside the snapshot's consistent read. Each keyed table gets a temporary table
//! of the keys selected so far; a pass adds, for every foreign key, the parents of the
//! child's selected rows; passes repeat until a whole pass adds nothing.
//!
//! The key tables are temporary tables of the read's own session: nothing is written to the
//! database, and none outlives the read, which ends by rolling back (and, on MySQL, where
//! temporary tables survive a rollback, by closing its connection).

use std::collections::HashSet;

use super::key_of;
use crate::db::Backend;
use crate::read::Read;
use crate::schema::{ForeignKey, QualifiedName, Schema, Table};
use crate::snapshot::SnapshotError;

/// Grows the seed rows to every row they reference, transitively (cycles included), with
/// one temporary key table per keyed table, filled until a whole pass adds nothing.
/// Returns each selected table with the predicate (alias `t`) that picks its rows.
pub(super) async fn closure(
    read: &mut Read,
    schema: &Schema,
    seeds: &[(&Table, String)],
) -> Result<Vec<(QualifiedName, String)>, SnapshotError> {
    let keys = KeyTables::create(read, schema, seeds).await?;
    let mut passes = 0;
    loop {
        passes += 1;
        let added = keys.follow_foreign_keys(read, schema).await?;
        if added == 0 {
            break;
        }
        if passes > 100_000 {
            return Err(SnapshotError::Selection(
                "following foreign keys did not settle after 100,000 passes".into(),
            ));
        }
    }
    keys.selected_tables(read, schema).await
}

/// The temporary key tables of one selection: `fixtura_sel_{i}` holds the keys of the rows
/// of `keyed[i]` selected so far. A table without a key has none; its rows are its seed's.
struct KeyTables<'a> {
    backend: Backend,
    keyed: Vec<&'a Table>,
    seeds: &'a [(&'a Table, String)],
}

impl<'a> KeyTables<'a> {
    /// A temporary key table per keyed table, filled with the keys of its seed rows.
    async fn create(
        read: &mut Read,
        schema: &'a Schema,
        seeds: &'a [(&'a Table, String)],
    ) -> Result<KeyTables<'a>, SnapshotError> {
        let keys = KeyTables {
            backend: read.backend(),
            keyed: schema
                .tables
                .iter()
                .filter(|t| key_of(t).is_some())
                .collect(),
            seeds,
        };
        for (i, table) in keys.keyed.iter().enumerate() {
            keys.create_one(read, i, table).await?;
        }
        Ok(keys)
    }

    /// Creates `fixtura_sel_{i}` with the keys of `table`'s seed rows, unique on the key.
    async fn create_one(
        &self,
        read: &mut Read,
        i: usize,
        table: &Table,
    ) -> Result<(), SnapshotError> {
        let backend = self.backend;
        let key = key_of(table).expect("BUG: keyed");
        let cols: Vec<String> = key.iter().map(|c| format!("t.{}", self.q(c))).collect();
        let seed = self.seed_of(table).unwrap_or("1 = 0");
        let source = backend.quote_table(&table.name);
        let create = match backend {
            Backend::MySql => format!(
                "CREATE TEMPORARY TABLE {} (PRIMARY KEY ({})) SELECT DISTINCT {} FROM {source} t WHERE {seed}",
                temp(i),
                key.iter().map(|c| self.q(c)).collect::<Vec<_>>().join(", "),
                cols.join(", ")
            ),
            _ => format!(
                "CREATE TEMPORARY TABLE {} AS SELECT DISTINCT {} FROM {source} t WHERE {seed}",
                temp(i),
                cols.join(", ")
            ),
        };
        read.execute(&create).await?;
        if backend != Backend::MySql {
            let unique = format!(
                "CREATE UNIQUE INDEX {}_key ON {} ({})",
                temp(i),
                temp(i),
                key.iter().map(|c| self.q(c)).collect::<Vec<_>>().join(", ")
            );
            read.execute(&unique).await?;
        }
        Ok(())
    }

    /// One pass: for every foreign key into a keyed table, the parents of the child's
    /// selected rows added to the parent's key table. Returns how many keys were new.
    async fn follow_foreign_keys(
        &self,
        read: &mut Read,
        schema: &Schema,
    ) -> Result<u64, SnapshotError> {
        let mut added = 0;
        for child in &schema.tables {
            for fk in &child.foreign_keys {
                let Some(parent) = schema.table(&fk.referenced_table) else {
                    continue;
                };
                let Some(p) = self.index(parent) else {
                    continue;
                };
                added += self.add_parents(read, child, fk, parent, p).await?;
            }
        }
        Ok(added)
    }

    /// Adds to `fixtura_sel_{p}` the keys of the `parent` rows that the selected rows of
    /// `child` reference through `fk`; returns how many were new.
    async fn add_parents(
        &self,
        read: &mut Read,
        child: &Table,
        fk: &ForeignKey,
        parent: &Table,
        p: usize,
    ) -> Result<u64, SnapshotError> {
        let backend = self.backend;
        let key = key_of(parent).expect("BUG: keyed");
        let on: Vec<String> = fk
            .columns
            .iter()
            .zip(&fk.referenced_columns)
            .map(|(c, r)| format!("p.{} = c.{}", self.q(r), self.q(c)))
            .collect();
        let cols: Vec<String> = key.iter().map(|c| format!("p.{}", self.q(c))).collect();
        // Through a scratch table: MySQL cannot read a temporary table twice in one
        // statement (a self-reference would).
        // The child's selected rows come from a subquery over alias `t`, so user
        // filters with unqualified column names stay unambiguous.
        read.execute(&format!(
            "CREATE TEMPORARY TABLE fixtura_scratch AS SELECT DISTINCT {} FROM {} p \
             JOIN (SELECT * FROM {} t WHERE {}) c ON {}",
            cols.join(", "),
            backend.quote_table(&parent.name),
            backend.quote_table(&child.name),
            self.selected(child),
            on.join(" AND "),
        ))
        .await?;
        let insert = match backend {
            Backend::Postgres => format!(
                "INSERT INTO {} SELECT * FROM fixtura_scratch ON CONFLICT DO NOTHING",
                temp(p)
            ),
            Backend::MySql => format!(
                "INSERT IGNORE INTO {} SELECT * FROM fixtura_scratch",
                temp(p)
            ),
            Backend::Sqlite => format!(
                "INSERT OR IGNORE INTO {} SELECT * FROM fixtura_scratch",
                temp(p)
            ),
        };
        let added = read.execute(&insert).await?;
        // DROP TEMPORARY: a plain DROP TABLE commits implicitly on MySQL, which would
        // end the consistent read.
        let drop = if backend == Backend::MySql {
            "DROP TEMPORARY TABLE fixtura_scratch"
        } else {
            "DROP TABLE fixtura_scratch"
        };
        read.execute(drop).await?;
        Ok(added)
    }

    /// Every table with selected rows (or a seed), with the predicate that picks them.
    async fn selected_tables(
        &self,
        read: &mut Read,
        schema: &Schema,
    ) -> Result<Vec<(QualifiedName, String)>, SnapshotError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for table in &schema.tables {
            let predicate = self.selected(table);
            let count = read
                .scalar(&format!(
                    "SELECT count(*) FROM {} t WHERE {predicate}",
                    self.backend.quote_table(&table.name)
                ))
                .await?;
            let seeded = self.seed_of(table).is_some();
            if (count > 0 || seeded) && seen.insert(table.name.clone()) {
                out.push((table.name.clone(), predicate));
            }
        }
        Ok(out)
    }

    /// The rows of `table` selected so far, as a predicate over alias `t`.
    fn selected(&self, table: &Table) -> String {
        match (self.index(table), key_of(table)) {
            (Some(i), Some(key)) => {
                let on: Vec<String> = key
                    .iter()
                    .map(|c| format!("s.{} = t.{}", self.q(c), self.q(c)))
                    .collect();
                format!(
                    "EXISTS (SELECT 1 FROM {} s WHERE {})",
                    temp(i),
                    on.join(" AND ")
                )
            }
            _ => self.seed_of(table).unwrap_or("1 = 0").to_string(),
        }
    }

    /// The position of `table`'s key table, if it has a key.
    fn index(&self, table: &Table) -> Option<usize> {
        self.keyed.iter().position(|k| k.name == table.name)
    }

    /// The predicate of `table`'s seed rows, if it has any.
    fn seed_of(&self, table: &Table) -> Option<&'a str> {
        self.seeds
            .iter()
            .find(|(t, _)| t.name == table.name)
            .map(|(_, p)| p.as_str())
    }

    fn q(&self, ident: &str) -> String {
        self.backend.quote_ident(ident)
    }
}

/// The name of the `i`th key table.
fn temp(i: usize) -> String {
    format!("fixtura_sel_{i}")
}
