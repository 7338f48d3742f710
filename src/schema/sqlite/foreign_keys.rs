//! SQLite foreign keys: `pragma_foreign_key_list` for the columns and actions, the
//! matching `REFERENCES` clause of the `CREATE TABLE` text for the name and the deferral
//! no PRAGMA reports; then, once every table is read, each key pointed at its parent as
//! the catalog spells it.

use std::collections::BTreeMap;

use sqlx::SqliteConnection;

use super::{SCHEMA, get};
use crate::db::DbError;
use crate::schema::Result;
use crate::schema::sqlite_ddl::{ForeignKeyDdl, TableDdl};
use crate::schema::{Deferrable, FkAction, ForeignKey, QualifiedName, Table};

/// Reads a table's foreign keys from `pragma_foreign_key_list`, naming each and reading its
/// deferral from the matching `REFERENCES` clause of the `CREATE TABLE` text.
pub(super) async fn read_foreign_keys(
    conn: &mut SqliteConnection,
    table: &str,
    ddl: &TableDdl,
) -> Result<Vec<ForeignKey>> {
    let raw_keys = read_raw_foreign_keys(conn, table).await?;
    let mut used = vec![false; ddl.foreign_keys.len()];
    let mut foreign_keys: Vec<ForeignKey> = Vec::new();
    for raw in raw_keys {
        let written = written_clause(ddl, &mut used, &raw);
        let base = written
            .and_then(|w| w.name.clone())
            .unwrap_or_else(|| format!("{table}_{}_fkey", raw.columns.join("_")));
        let name = unused_name(&foreign_keys, base);
        foreign_keys.push(foreign_key(name, raw, written));
    }
    foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(foreign_keys)
}

/// The keys of `pragma_foreign_key_list`, their rows gathered, in the order written.
async fn read_raw_foreign_keys(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<Vec<RawForeignKey>> {
    let what = || format!("reading foreign keys of \"{table}\"");
    let rows = sqlx::query(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
         FROM pragma_foreign_key_list(?1, 'main') ORDER BY id DESC, seq",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| DbError::query(what(), e))?;
    // Grouped by id; SQLite numbers keys last-declared first, so descending ids are the
    // order written, which keeps matching by position stable for look-alike keys.
    let mut groups: Vec<(i64, RawForeignKey)> = Vec::new();
    for row in &rows {
        let id: i64 = get(row, "id", what)?;
        if groups.last().is_none_or(|(last, _)| *last != id) {
            groups.push((
                id,
                RawForeignKey {
                    parent: get(row, "table", what)?,
                    on_update: get(row, "on_update", what)?,
                    on_delete: get(row, "on_delete", what)?,
                    ..RawForeignKey::default()
                },
            ));
        }
        let (_, fk) = groups.last_mut().expect("BUG: a group was just pushed");
        fk.columns.push(get(row, "from", what)?);
        fk.referenced
            .push(get::<Option<String>>(row, "to", what)?.filter(|s| !s.is_empty()));
    }
    Ok(groups.into_iter().map(|(_, raw)| raw).collect())
}

/// The first `REFERENCES` clause of the DDL not matched yet with the same parent and
/// columns (case-insensitively), now marked used.
fn written_clause<'d>(
    ddl: &'d TableDdl,
    used: &mut [bool],
    raw: &RawForeignKey,
) -> Option<&'d ForeignKeyDdl> {
    let written = ddl.foreign_keys.iter().enumerate().position(|(i, w)| {
        !used[i]
            && w.referenced_table.eq_ignore_ascii_case(&raw.parent)
            && w.columns.len() == raw.columns.len()
            && w.columns
                .iter()
                .zip(&raw.columns)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    });
    if let Some(i) = written {
        used[i] = true;
    }
    written.map(|i| &ddl.foreign_keys[i])
}

/// `base`, or `base_2`, `base_3`, … when a key of the table already has that name.
fn unused_name(foreign_keys: &[ForeignKey], base: String) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while foreign_keys.iter().any(|fk| fk.name == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// The model's foreign key from the PRAGMA's rows and the clause written for it.
fn foreign_key(name: String, raw: RawForeignKey, written: Option<&ForeignKeyDdl>) -> ForeignKey {
    // Only `DEFERRABLE INITIALLY DEFERRED` defers in SQLite: a plain `DEFERRABLE` or
    // `INITIALLY IMMEDIATE` key is checked at the end of each statement, exactly like a
    // NOT DEFERRABLE one (https://www.sqlite.org/foreignkeys.html#fk_deferred), and only
    // the session-wide `PRAGMA defer_foreign_keys` postpones it.
    let deferrable = if written.is_some_and(|w| w.initially_deferred) {
        Deferrable::InitiallyDeferred
    } else {
        Deferrable::NotDeferrable
    };
    let referenced_columns = if raw.referenced.iter().all(Option::is_some) {
        raw.referenced.into_iter().flatten().collect()
    } else {
        Vec::new()
    };
    ForeignKey {
        name,
        columns: raw.columns,
        referenced_table: QualifiedName::new(SCHEMA, raw.parent),
        referenced_columns,
        on_delete: FkAction::from_sql(&raw.on_delete),
        on_update: FkAction::from_sql(&raw.on_update),
        deferrable,
        partitions: Vec::new(),
    }
}

/// One foreign key of `pragma_foreign_key_list`, its rows gathered.
#[derive(Default)]
struct RawForeignKey {
    /// The parent table as the `REFERENCES` clause spells it.
    parent: String,
    columns: Vec<String>,
    /// `None` where the clause names no columns (the parent's primary key is meant).
    referenced: Vec<Option<String>>,
    on_update: String,
    on_delete: String,
}

/// Points each foreign key at its parent as the catalog spells it (SQLite matches names
/// case-insensitively) and fills in the parent's primary key where the clause named no
/// columns. A parent that does not exist stays as written, with no columns filled in.
pub(super) fn resolve_references(tables: &mut [Table]) {
    let parents: BTreeMap<String, (QualifiedName, Vec<String>, Vec<String>)> = tables
        .iter()
        .map(|t| {
            let pk = t
                .primary_key
                .as_ref()
                .map(|k| k.columns.clone())
                .unwrap_or_default();
            let columns = t.columns.iter().map(|c| c.name.clone()).collect();
            (
                t.name.name.to_ascii_lowercase(),
                (t.name.clone(), pk, columns),
            )
        })
        .collect();
    for fk in tables.iter_mut().flat_map(|t| t.foreign_keys.iter_mut()) {
        let Some((name, pk, columns)) = parents.get(&fk.referenced_table.name.to_ascii_lowercase())
        else {
            continue;
        };
        fk.referenced_table = name.clone();
        if fk.referenced_columns.is_empty() {
            fk.referenced_columns = pk.clone();
        }
        for referenced in &mut fk.referenced_columns {
            if let Some(exact) = columns.iter().find(|c| c.eq_ignore_ascii_case(referenced)) {
                referenced.clone_from(exact);
            }
        }
    }
}
