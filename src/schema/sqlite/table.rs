//! One SQLite table's columns and keys, from `pragma_table_xinfo`, `pragma_index_list`
//! and `pragma_index_info`, with what only the `CREATE TABLE` text says (generated
//! expressions, enum-like checks, `AUTOINCREMENT`, `WITHOUT ROWID`) from [`TableDdl`].

use sqlx::SqliteConnection;

use super::foreign_keys::read_foreign_keys;
use super::get;
use super::types::classify;
use crate::db::DbError;
use crate::schema::Result;
use crate::schema::sqlite_ddl::TableDdl;
use crate::schema::{
    Column, ColumnType, Generated, Identity, Key, QualifiedName, Table, TableKind,
};

/// Reads one base table: columns, keys and foreign keys. Foreign keys still name their
/// parent as written; [`resolve_references`](super::foreign_keys::resolve_references)
/// finishes them.
pub(super) async fn read_table(
    conn: &mut SqliteConnection,
    name: QualifiedName,
    sql: &str,
) -> Result<Table> {
    let table = name.name.as_str();
    let ddl = TableDdl::parse(sql).unwrap_or_default();
    let raw_columns = read_columns(conn, table).await?;
    let (unique, has_pk_index) = read_unique_keys(conn, table).await?;
    let (primary_key, rowid_alias) = primary_key(table, &raw_columns, has_pk_index, &ddl);
    let columns = raw_columns
        .iter()
        // hidden 1: a virtual table's hidden column (virtual tables are skipped anyway).
        .filter(|c| c.hidden != 1)
        .map(|c| column(c, &ddl, rowid_alias.as_deref()))
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
        triggers: Vec::new(),
        engine: None,
        transactional: true,
    })
}

/// Every column of `table` as `pragma_table_xinfo` reports it, hidden ones included.
async fn read_columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<RawColumn>> {
    let what = || format!("reading columns of \"{table}\"");
    let rows = sqlx::query(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden \
         FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| DbError::query(what(), e))?;
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
    Ok(raw_columns)
}

/// The unique keys of `table` (constraints and unique indexes over plain columns, by name),
/// and whether its primary key has an index of its own.
async fn read_unique_keys(conn: &mut SqliteConnection, table: &str) -> Result<(Vec<Key>, bool)> {
    let what = || format!("reading indexes of \"{table}\"");
    let rows = sqlx::query(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1, 'main') ORDER BY name",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| DbError::query(what(), e))?;
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
    Ok((unique, has_pk_index))
}

/// The primary key, and the column that is the rowid under another name, if one is.
fn primary_key(
    table: &str,
    raw_columns: &[RawColumn],
    has_pk_index: bool,
    ddl: &TableDdl,
) -> (Option<Key>, Option<String>) {
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
    (primary_key, rowid_alias)
}

/// One column of the model: the declared type classified (or the labels of an enum-like
/// `CHECK`), the generated expression and the rowid identity from the DDL.
fn column(c: &RawColumn, ddl: &TableDdl, rowid_alias: Option<&str>) -> Column {
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
    let is_rowid = rowid_alias == Some(c.name.as_str());
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
        sequence: None,
    }
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
        .map_err(|e| DbError::query(what(), e))?;
    let mut columns = Vec::new();
    for row in &rows {
        match get::<Option<String>>(row, "name", what)? {
            Some(name) => columns.push(name),
            None => return Ok(None),
        }
    }
    Ok((!columns.is_empty()).then_some(columns))
}
