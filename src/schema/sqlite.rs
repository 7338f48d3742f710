//! SQLite introspection: the schema `main` into the backend-neutral model.
//!
//! Relations come from `sqlite_schema` joined to `pragma_table_list` (which tells virtual
//! and shadow tables apart); columns, indexes and foreign keys from the PRAGMA table-valued
//! functions (<https://www.sqlite.org/pragma.html#pragfunc>), each called with the table name
//! as a bound parameter and the schema pinned to `main` so a `temp` table of the same name
//! cannot shadow it. What no PRAGMA reports (generated expressions, `DEFERRABLE INITIALLY
//! DEFERRED`, constraint names, `AUTOINCREMENT`, enum-like `CHECK`s) is read from the stored
//! `CREATE TABLE` text by [`super::sqlite_ddl`].

use std::collections::BTreeMap;

use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, SqliteConnection};

use super::sqlite_ddl::TableDdl;
use super::{
    Column, ColumnType, Deferrable, FkAction, ForeignKey, Generated, Identity, Key, QualifiedName,
    Schema, SkippedRelation, Table, TableKind,
};
use crate::db::Backend;
use crate::error::{Error, Result};

/// The only schema read; `temp` and attached databases are not.
const SCHEMA: &str = "main";

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &SqlitePool) -> Result<Schema> {
    // One read transaction, so every PRAGMA sees the same schema.
    let mut tx = pool
        .begin()
        .await
        .map_err(|e| Error::query("starting a read transaction", e))?;
    let server_version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| Error::query("reading the SQLite version", e))?;

    let relations = sqlx::query(
        "SELECT s.type, s.name, s.sql, l.type AS kind \
         FROM sqlite_schema AS s \
         LEFT JOIN pragma_table_list AS l ON l.schema = 'main' AND l.name = s.name \
         WHERE s.type IN ('table', 'view') AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY s.name",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(|e| Error::query("listing tables", e))?;
    let what = || "listing tables".to_string();
    let mut listed = Vec::new();
    for row in &relations {
        let relation = Relation {
            kind: get::<String>(row, "type", what)?,
            name: get(row, "name", what)?,
            sql: get::<Option<String>>(row, "sql", what)?.unwrap_or_default(),
            list_kind: get(row, "kind", what)?,
        };
        listed.push(relation);
    }
    let virtual_tables: Vec<&str> = listed
        .iter()
        .filter(|r| r.is_virtual())
        .map(|r| r.name.as_str())
        .collect();

    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for relation in &listed {
        let name = QualifiedName::new(SCHEMA, relation.name.clone());
        let reason = if relation.kind == "view" {
            Some("view".to_string())
        } else if relation.is_virtual() {
            Some("virtual table".to_string())
        } else if relation.list_kind.as_deref() == Some("shadow") {
            // A virtual table's storage (`docs_data` of `docs`): written only through it.
            let owner = virtual_tables
                .iter()
                .filter(|v| relation.name.starts_with(&format!("{v}_")))
                .max_by_key(|v| v.len());
            Some(match owner {
                Some(owner) => format!("shadow table of virtual table {SCHEMA}.{owner}"),
                None => "shadow table of a virtual table".to_string(),
            })
        } else {
            None
        };
        match reason {
            Some(reason) => skipped.push(SkippedRelation { name, reason }),
            None => tables.push(read_table(&mut tx, name, &relation.sql).await?),
        }
    }
    resolve_references(&mut tables);
    tx.rollback()
        .await
        .map_err(|e| Error::query("ending the read transaction", e))?;

    Ok(Schema {
        backend: Backend::Sqlite,
        server_version,
        default_schema: SCHEMA.to_string(),
        tables,
        skipped,
    })
}

/// A row of `sqlite_schema`, with `pragma_table_list`'s view of it.
struct Relation {
    /// `table` or `view`.
    kind: String,
    name: String,
    /// The `CREATE` statement as written, lightly normalised by SQLite (`IF NOT EXISTS`
    /// and `TEMP` dropped; <https://www.sqlite.org/schematab.html>).
    sql: String,
    /// `table`, `virtual` or `shadow` (SQLite 3.37+).
    list_kind: Option<String>,
}

impl Relation {
    fn is_virtual(&self) -> bool {
        const VIRTUAL: &str = "CREATE VIRTUAL TABLE";
        self.list_kind.as_deref() == Some("virtual")
            || self
                .sql
                .get(..VIRTUAL.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(VIRTUAL))
    }
}

/// Reads one base table: columns, keys and foreign keys. Foreign keys still name their
/// parent as written; [`resolve_references`] finishes them.
async fn read_table(conn: &mut SqliteConnection, name: QualifiedName, sql: &str) -> Result<Table> {
    let table = name.name.as_str();
    let ddl = TableDdl::parse(sql).unwrap_or_default();

    let what = || format!("reading columns of \"{table}\"");
    let rows = sqlx::query(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden \
         FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| Error::query(what(), e))?;
    let mut raw_columns = Vec::new();
    for row in &rows {
        raw_columns.push(RawColumn {
            name: get(row, "name", what)?,
            declared: get(row, "type", what)?,
            not_null: get::<i64>(row, "notnull", what)? != 0,
            default: get(row, "dflt_value", what)?,
            pk: get(row, "pk", what)?,
            hidden: get(row, "hidden", what)?,
        });
    }

    let what = || format!("reading indexes of \"{table}\"");
    let rows = sqlx::query(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1, 'main') ORDER BY name",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| Error::query(what(), e))?;
    let mut has_pk_index = false;
    let mut unique = Vec::new();
    for row in &rows {
        let index: String = get(row, "name", what)?;
        let origin: String = get(row, "origin", what)?;
        has_pk_index |= origin == "pk";
        let is_unique = get::<i64>(row, "unique", what)? != 0;
        let partial = get::<i64>(row, "partial", what)? != 0;
        // 'u': a UNIQUE constraint; 'c': CREATE UNIQUE INDEX. A partial index constrains
        // only some rows, so it is no key.
        if is_unique
            && !partial
            && (origin == "u" || origin == "c")
            && let Some(columns) = read_index_columns(conn, table, &index).await?
        {
            unique.push(Key {
                name: index,
                columns,
            });
        }
    }
    unique.sort_by(|a, b| a.name.cmp(&b.name));

    // https://www.sqlite.org/lang_createtable.html#rowid: a single-column PRIMARY KEY
    // declared exactly "INTEGER" is the rowid, unless the table is WITHOUT ROWID or the key
    // is `INTEGER PRIMARY KEY DESC` (both of which give the key its own index, origin 'pk').
    let mut pk_columns: Vec<&RawColumn> = raw_columns.iter().filter(|c| c.pk > 0).collect();
    pk_columns.sort_by_key(|c| c.pk);
    let rowid_alias = match pk_columns.as_slice() {
        [only] if only.declared.trim().eq_ignore_ascii_case("INTEGER") => {
            (!has_pk_index && !ddl.without_rowid).then(|| only.name.clone())
        }
        _ => None,
    };
    let primary_key = (!pk_columns.is_empty()).then(|| Key {
        name: format!("{table}_pkey"),
        columns: pk_columns.iter().map(|c| c.name.clone()).collect(),
    });

    let columns = raw_columns
        .iter()
        // hidden 1: a virtual table's hidden column (virtual tables are skipped anyway).
        .filter(|c| c.hidden != 1)
        .map(|c| {
            let written = ddl.column(&c.name);
            let generated = (c.hidden == 2 || c.hidden == 3).then(|| Generated {
                stored: c.hidden == 3,
                expression: written
                    .and_then(|w| w.generated.clone())
                    .unwrap_or_default(),
            });
            let column_type = match written.and_then(|w| w.enum_labels.clone()) {
                Some(labels) => ColumnType::Enum { name: None, labels },
                None => classify(&c.declared),
            };
            let is_rowid = rowid_alias.as_deref() == Some(c.name.as_str());
            Column {
                name: c.name.clone(),
                type_name: c.declared.clone(),
                column_type,
                // SQLite lets NULL into the primary key of a rowid table only "due to a bug
                // in some early versions" (lang_createtable.html#the_primary_key); fixtura
                // follows the SQL standard and never treats a key column as nullable.
                nullable: !c.not_null && c.pk == 0,
                default: c.default.clone(),
                identity: is_rowid.then_some(Identity::RowId {
                    autoincrement: ddl.autoincrement,
                }),
                generated,
            }
        })
        .collect();

    let foreign_keys = read_foreign_keys(conn, table, &ddl).await?;
    Ok(Table {
        name,
        kind: TableKind::Table,
        columns,
        primary_key,
        unique,
        foreign_keys,
        flag_column: None,
    })
}

/// A row of `pragma_table_xinfo`.
struct RawColumn {
    name: String,
    /// The declared type as written; empty when the column has none.
    declared: String,
    not_null: bool,
    default: Option<String>,
    /// 1-based position in the primary key; 0 when not part of it.
    pk: i64,
    /// 0 ordinary, 1 hidden (virtual tables), 2 generated virtual, 3 generated stored.
    hidden: i64,
}

/// The columns of an index in key order, or `None` when it indexes an expression or the
/// rowid (which no key of the model can name).
async fn read_index_columns(
    conn: &mut SqliteConnection,
    table: &str,
    index: &str,
) -> Result<Option<Vec<String>>> {
    let what = || format!("reading index \"{index}\" of \"{table}\"");
    let rows = sqlx::query("SELECT name FROM pragma_index_info(?1, 'main') ORDER BY seqno")
        .bind(index)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::query(what(), e))?;
    let mut columns = Vec::new();
    for row in &rows {
        match get::<Option<String>>(row, "name", what)? {
            Some(name) => columns.push(name),
            None => return Ok(None),
        }
    }
    Ok((!columns.is_empty()).then_some(columns))
}

/// Reads a table's foreign keys from `pragma_foreign_key_list`, naming each and reading its
/// deferral from the matching `REFERENCES` clause of the `CREATE TABLE` text.
async fn read_foreign_keys(
    conn: &mut SqliteConnection,
    table: &str,
    ddl: &TableDdl,
) -> Result<Vec<ForeignKey>> {
    let what = || format!("reading foreign keys of \"{table}\"");
    let rows = sqlx::query(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
         FROM pragma_foreign_key_list(?1, 'main') ORDER BY id DESC, seq",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| Error::query(what(), e))?;
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

    let mut used = vec![false; ddl.foreign_keys.len()];
    let mut foreign_keys: Vec<ForeignKey> = Vec::new();
    for (_, raw) in groups {
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
        let written = written.map(|i| &ddl.foreign_keys[i]);
        let base = written
            .and_then(|w| w.name.clone())
            .unwrap_or_else(|| format!("{table}_{}_fkey", raw.columns.join("_")));
        let mut name = base.clone();
        let mut n = 2;
        while foreign_keys.iter().any(|fk| fk.name == name) {
            name = format!("{base}_{n}");
            n += 1;
        }
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
        foreign_keys.push(ForeignKey {
            name,
            columns: raw.columns,
            referenced_table: QualifiedName::new(SCHEMA, raw.parent),
            referenced_columns,
            on_delete: FkAction::from_sql(&raw.on_delete),
            on_update: FkAction::from_sql(&raw.on_update),
            deferrable,
        });
    }
    foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(foreign_keys)
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
fn resolve_references(tables: &mut [Table]) {
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

/// Classifies a declared type by its name, falling back to SQLite's affinity rules
/// (<https://www.sqlite.org/datatype3.html#determination_of_column_affinity>): what the
/// user wrote says more than the storage class (`BOOLEAN`, `UUID`, `DATETIME` all store as
/// numbers or text). A column declared with no type at all has no affinity and may hold
/// anything, so it is `Other { name: "" }` rather than a guess such as `Binary`.
fn classify(declared: &str) -> ColumnType {
    let upper = declared.trim().to_ascii_uppercase();
    let (base, args) = match upper.split_once('(') {
        Some((base, rest)) => {
            let inside = rest.split_once(')').map_or(rest, |(inside, _)| inside);
            let args: Vec<Option<u32>> = inside.split(',').map(|a| a.trim().parse().ok()).collect();
            (base, args)
        }
        None => (upper.as_str(), Vec::new()),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = args.first().copied().flatten();
    let integer = |bytes| ColumnType::Integer {
        bytes,
        unsigned: base.contains("UNSIGNED"),
    };
    match base.as_str() {
        "" => ColumnType::Other {
            name: String::new(),
        },
        "BOOL" | "BOOLEAN" => ColumnType::Boolean,
        "TINYINT" => integer(1),
        "SMALLINT" | "INT2" => integer(2),
        "MEDIUMINT" => integer(3),
        // Contains "INT", so affinity alone would call it an integer.
        "INTERVAL" => ColumnType::Interval,
        "DECIMAL" | "NUMERIC" => ColumnType::Decimal {
            precision: first,
            // DECIMAL(p) means a scale of 0 in the SQL standard.
            scale: args.get(1).copied().flatten().or(first.map(|_| 0)),
        },
        "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" => ColumnType::Text {
            max_length: first,
            fixed: true,
        },
        "BINARY" | "VARBINARY" | "BYTEA" => ColumnType::Binary { max_length: first },
        "UUID" => ColumnType::Uuid,
        "JSON" => ColumnType::Json,
        "JSONB" => ColumnType::Jsonb,
        "DATE" => ColumnType::Date,
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => ColumnType::Timestamp {
            with_time_zone: false,
        },
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => ColumnType::Timestamp {
            with_time_zone: true,
        },
        "TIME" | "TIME WITHOUT TIME ZONE" => ColumnType::Time {
            with_time_zone: false,
        },
        "TIMETZ" | "TIME WITH TIME ZONE" => ColumnType::Time {
            with_time_zone: true,
        },
        _ if base.contains("INT") => integer(8),
        _ if ["CHAR", "CLOB", "TEXT"].iter().any(|s| base.contains(s)) => ColumnType::Text {
            max_length: first,
            fixed: false,
        },
        _ if base.contains("BLOB") => ColumnType::Binary { max_length: first },
        _ if ["REAL", "FLOA", "DOUB"].iter().any(|s| base.contains(s)) => {
            ColumnType::Float { bytes: 8 }
        }
        _ => ColumnType::Other {
            name: declared.trim().to_string(),
        },
    }
}

/// Reads one column of a catalog row, naming the step on failure.
fn get<T>(row: &SqliteRow, column: &str, what: impl Fn() -> String) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(|e| Error::query(what(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(max_length: Option<u32>, fixed: bool) -> ColumnType {
        ColumnType::Text { max_length, fixed }
    }

    #[test]
    fn declared_names_win_over_affinity() {
        assert_eq!(classify("BOOLEAN"), ColumnType::Boolean);
        assert_eq!(classify("uuid"), ColumnType::Uuid);
        assert_eq!(classify("JSON"), ColumnType::Json);
        assert_eq!(classify("jsonb"), ColumnType::Jsonb);
        assert_eq!(classify("DATE"), ColumnType::Date);
        assert_eq!(
            classify("DATETIME(6)"),
            ColumnType::Timestamp {
                with_time_zone: false
            }
        );
        assert_eq!(
            classify("timestamp with time zone"),
            ColumnType::Timestamp {
                with_time_zone: true
            }
        );
        assert_eq!(
            classify("TIME"),
            ColumnType::Time {
                with_time_zone: false
            }
        );
        assert_eq!(classify("INTERVAL"), ColumnType::Interval);
    }

    #[test]
    fn integers_take_their_width_from_the_name() {
        let int = |bytes, unsigned| ColumnType::Integer { bytes, unsigned };
        assert_eq!(classify("INTEGER"), int(8, false));
        assert_eq!(classify("BIGINT"), int(8, false));
        assert_eq!(classify("int"), int(8, false));
        assert_eq!(classify("SMALLINT"), int(2, false));
        assert_eq!(classify("TINYINT"), int(1, false));
        assert_eq!(classify("UNSIGNED BIG INT"), int(8, true));
    }

    #[test]
    fn numbers_text_and_binary_keep_their_sizes() {
        assert_eq!(
            classify("DECIMAL(12, 2)"),
            ColumnType::Decimal {
                precision: Some(12),
                scale: Some(2)
            }
        );
        assert_eq!(
            classify("NUMERIC(5)"),
            ColumnType::Decimal {
                precision: Some(5),
                scale: Some(0)
            }
        );
        assert_eq!(
            classify("numeric"),
            ColumnType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(classify("DOUBLE PRECISION"), ColumnType::Float { bytes: 8 });
        assert_eq!(classify("REAL"), ColumnType::Float { bytes: 8 });
        assert_eq!(classify("varchar(40)"), text(Some(40), false));
        assert_eq!(classify("CHARACTER VARYING ( 7 )"), text(Some(7), false));
        assert_eq!(classify("CHAR(3)"), text(Some(3), true));
        assert_eq!(classify("TEXT"), text(None, false));
        assert_eq!(classify("CLOB"), text(None, false));
        assert_eq!(classify("BLOB"), ColumnType::Binary { max_length: None });
    }

    #[test]
    fn virtual_tables_are_recognised_by_their_statement_too() {
        let relation = |sql: &str| Relation {
            kind: "table".into(),
            name: "docs".into(),
            sql: sql.into(),
            list_kind: None,
        };
        assert!(relation("CREATE VIRTUAL TABLE docs USING fts5(body)").is_virtual());
        assert!(!relation("CREATE TABLE docs (body TEXT)").is_virtual());
    }

    #[test]
    fn untyped_and_unknown_columns_are_other() {
        assert_eq!(
            classify(""),
            ColumnType::Other {
                name: String::new()
            }
        );
        assert_eq!(
            classify("MONEY"),
            ColumnType::Other {
                name: "MONEY".into()
            }
        );
    }
}
