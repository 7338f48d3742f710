//! PostgreSQL introspection, from the system catalogs (`pg_class`, `pg_attribute`,
//! `pg_constraint`, `pg_index`, `pg_type`, `pg_enum`).
//!
//! The catalogs rather than `information_schema`: only they say which relations are
//! partitions, which columns are identity or generated, which constraints are deferrable,
//! and what an array's element type is. Each catalog is read in one query for the whole
//! database and grouped here, so the round trips do not grow with the table count.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::Result;
use super::{
    Column, ColumnType, Deferrable, FkAction, ForeignKey, Generated, Identity, Key, QualifiedName,
    Schema, SkippedRelation, Table, TableKind,
};
use crate::db::Backend;
use crate::db::DbError;

/// Schemas that belong to the system, never to the user.
const USER_NAMESPACES: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &PgPool) -> Result<Schema> {
    let server_version: String =
        fetch_one(pool, "SHOW server_version", "reading the server version").await?;
    let default_schema: Option<String> = fetch_one(
        pool,
        "SELECT current_schema()::text",
        "reading the current schema",
    )
    .await?;

    let Relations {
        mut tables,
        skipped,
        partitions,
    } = relations(pool).await?;
    let types = Types::load(pool).await?;
    let mut by_oid: HashMap<i64, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, (oid, _))| (*oid, i))
        .collect();

    for row in query_rows(pool, &columns_sql(), "reading columns").await? {
        let oid: i64 = row.get(0);
        let Some(&index) = by_oid.get(&oid) else {
            continue;
        };
        tables[index].1.columns.push(column(&row, &types));
    }
    for row in query_rows(pool, &constraints_sql(), "reading keys and foreign keys").await? {
        let oid: i64 = row.get(0);
        if let Some(&index) = by_oid.get(&oid) {
            add_constraint(&mut tables[index].1, &row, &partitions);
        } else if let Some(partition) = partitions.get(&oid) {
            // A key declared on a partition binds the rows routed there: it is held by
            // the partitioned table the rows are written through.
            if let Some(&index) = by_oid.get(&partition.root) {
                add_partition_constraint(&mut tables[index].1, &row, partition, &partitions);
            }
        }
    }
    for row in query_rows(pool, &unique_indexes_sql(), "reading unique indexes").await? {
        let oid: i64 = row.get(0);
        let Some(&index) = by_oid.get(&oid) else {
            continue;
        };
        tables[index].1.unique.push(Key {
            name: row.get(1),
            columns: row.get(2),
        });
    }
    by_oid.clear();

    let tables = tables
        .into_iter()
        .map(|(_, mut table)| {
            table.unique.sort_by(|a, b| a.name.cmp(&b.name));
            table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            table
        })
        .collect();
    Ok(Schema {
        backend: Backend::Postgres,
        server_version,
        default_schema: default_schema.unwrap_or_else(|| "public".to_string()),
        tables,
        skipped,
    })
}

async fn fetch_one<T>(pool: &PgPool, sql: &'static str, what: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .map_err(|e| DbError::query(what, e))
}

/// A catalog query through the simple query protocol: one round trip, where a prepared
/// statement would first describe its parameters and columns (text-format rows, which sqlx
/// decodes alike).
async fn query_rows(pool: &PgPool, sql: &str, what: &str) -> Result<Vec<PgRow>> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(pool)
        .await
        .map_err(|e| DbError::query(what, e))
}

/// The user relations of a database.
struct Relations {
    /// Writable tables, with their oids.
    tables: Vec<(i64, Table)>,
    /// The rest: views, partitions, foreign tables.
    skipped: Vec<SkippedRelation>,
    /// Every partition (at any depth) by its oid.
    partitions: HashMap<i64, Partition>,
}

/// A partition: its name, and the oid and name of the partitioned table at the top of its
/// tree, the one rows are written through.
struct Partition {
    name: QualifiedName,
    root: i64,
    root_name: QualifiedName,
}

/// Every user relation: writable tables (with their oids), and the rest as skipped.
async fn relations(pool: &PgPool) -> Result<Relations> {
    let sql = format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relispartition,
                (SELECT pn.nspname || '.' || pc.relname
                   FROM pg_inherits i
                   JOIN pg_class pc ON pc.oid = i.inhparent
                   JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                  WHERE i.inhrelid = c.oid LIMIT 1)::text,
                r.oid::int8, rn.nspname::text, r.relname::text
           FROM pg_class c
           LEFT JOIN pg_class r ON c.relispartition AND r.oid = pg_partition_root(c.oid)
           LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND {USER_NAMESPACES}
            AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
          ORDER BY 2, 3"
    );
    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    let mut partitions = HashMap::new();
    for row in query_rows(pool, &sql, "reading tables").await? {
        let name = QualifiedName::new(row.get::<String, _>(1), row.get::<String, _>(2));
        let kind: String = row.get(3);
        let is_partition: bool = row.get(4);
        let parent: Option<String> = row.get(5);
        if let (true, Some(root)) = (is_partition, row.get::<Option<i64>, _>(6)) {
            let root_name = QualifiedName::new(row.get::<String, _>(7), row.get::<String, _>(8));
            partitions.insert(
                row.get(0),
                Partition {
                    name: name.clone(),
                    root,
                    root_name,
                },
            );
        }
        let reason = match (kind.as_str(), is_partition) {
            (_, true) => Some(format!(
                "partition of {}: rows are written through the parent",
                parent.unwrap_or_default()
            )),
            ("v", _) => Some("view".to_string()),
            ("m", _) => Some("materialized view".to_string()),
            ("f", _) => Some("foreign table".to_string()),
            _ => None,
        };
        match reason {
            Some(reason) => skipped.push(SkippedRelation { name, reason }),
            None => tables.push((
                row.get(0),
                Table {
                    name,
                    kind: if kind == "p" {
                        TableKind::Partitioned
                    } else {
                        TableKind::Table
                    },
                    columns: Vec::new(),
                    primary_key: None,
                    unique: Vec::new(),
                    foreign_keys: Vec::new(),
                    flag_column: None,
                    triggers: Vec::new(),
                    engine: None,
                    transactional: true,
                },
            )),
        }
    }
    Ok(Relations {
        tables,
        skipped,
        partitions,
    })
}

/// The oid of the sequence behind column `a` (default `d`): the one its default names
/// (`nextval('s'::regclass)` records a dependency of the default on the sequence, whether or
/// not the sequence is `OWNED BY` the column), else the identity or serial sequence the
/// column owns, else the one a late-bound `nextval('s'::text)` names.
const SEQUENCE_OF_COLUMN: &str = r"COALESCE(
               (SELECT dep.refobjid FROM pg_depend dep
                 WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
                   AND dep.refclassid = 'pg_class'::regclass
                   AND (SELECT relkind FROM pg_class WHERE oid = dep.refobjid) = 'S' LIMIT 1),
               (SELECT dep.objid FROM pg_depend dep
                 WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                   AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum
                   AND dep.deptype IN ('a', 'i')
                   AND (SELECT relkind FROM pg_class WHERE oid = dep.objid) = 'S' LIMIT 1),
               to_regclass(substring(pg_get_expr(d.adbin, d.adrelid)
                                     FROM '^nextval\(''(.*)''::text\)$'))::oid)";

fn columns_sql() -> String {
    format!(
        "SELECT a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                a.attgenerated::text, a.atttypid::int8, a.atttypmod, sn.nspname::text, sc.relname::text
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           LEFT JOIN pg_class sc ON sc.relkind = 'S' AND sc.oid = {SEQUENCE_OF_COLUMN}
           LEFT JOIN pg_namespace sn ON sn.oid = sc.relnamespace
          WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {USER_NAMESPACES}
          ORDER BY a.attrelid, a.attnum"
    )
}

fn column(row: &PgRow, types: &Types) -> Column {
    let expression: Option<String> = row.get(4);
    let identity: String = row.get(5);
    let generated: String = row.get(6);
    let (default, generated) = if generated == "s" {
        (
            None,
            Some(Generated {
                stored: true,
                expression: expression.unwrap_or_default(),
            }),
        )
    } else {
        (expression, None)
    };
    let identity = match identity.as_str() {
        "a" => Some(Identity::Always),
        "d" => Some(Identity::ByDefault),
        _ if default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval(")) =>
        {
            Some(Identity::Serial)
        }
        _ => None,
    };
    Column {
        name: row.get(1),
        type_name: row.get(2),
        column_type: types.classify(row.get(7), row.get(8)),
        nullable: !row.get::<bool, _>(3),
        default,
        identity,
        generated,
        sequence: row
            .get::<Option<String>, _>(9)
            .zip(row.get::<Option<String>, _>(10))
            .map(|(schema, name)| QualifiedName::new(schema, name)),
    }
}

fn constraints_sql() -> String {
    // conparentid = 0: skip the copies PostgreSQL makes of a partitioned table's
    // constraints on each partition (and on each partition of a referenced table).
    format!(
        "SELECT con.conrelid::int8, con.conname::text, con.contype::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                       ORDER BY k.ord),
                rn.nspname::text, rc.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                       ORDER BY k.ord),
                con.confdeltype::text, con.confupdtype::text, con.condeferrable, con.condeferred,
                con.confrelid::int8
           FROM pg_constraint con
           JOIN pg_class c ON c.oid = con.conrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_class rc ON rc.oid = con.confrelid
           LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
          WHERE con.contype IN ('p', 'u', 'f') AND con.conparentid = 0 AND {USER_NAMESPACES}
          ORDER BY con.conrelid, con.conname"
    )
}

fn add_constraint(table: &mut Table, row: &PgRow, partitions: &HashMap<i64, Partition>) {
    let name: String = row.get(1);
    let kind: String = row.get(2);
    let columns: Vec<String> = row.get(3);
    match kind.as_str() {
        "p" => table.primary_key = Some(Key { name, columns }),
        "u" => table.unique.push(Key { name, columns }),
        _ => table.foreign_keys.push(foreign_key(row, partitions)),
    }
}

/// A key declared on `partition`, held by its partitioned table `table`: a foreign key
/// joins the same key of the other partitions (one key, the partitions that declare it); a
/// primary or unique key becomes a unique key of the table unless it already has one on
/// those columns (uniqueness over all the rows is stricter than per partition: generated
/// rows keep both).
fn add_partition_constraint(
    table: &mut Table,
    row: &PgRow,
    partition: &Partition,
    partitions: &HashMap<i64, Partition>,
) {
    let kind: String = row.get(2);
    if kind != "f" {
        let columns: Vec<String> = row.get(3);
        let known = table.primary_key.iter().chain(&table.unique);
        if !known.into_iter().any(|k| k.columns == columns) {
            table.unique.push(Key {
                name: row.get(1),
                columns,
            });
        }
        return;
    }
    let mut fk = foreign_key(row, partitions);
    let same = table.foreign_keys.iter_mut().find(|f| {
        !f.partitions.is_empty()
            && f.columns == fk.columns
            && f.referenced_table == fk.referenced_table
            && f.referenced_columns == fk.referenced_columns
    });
    match same {
        Some(same) => same.partitions.push(partition.name.clone()),
        None => {
            fk.partitions.push(partition.name.clone());
            table.foreign_keys.push(fk);
        }
    }
}

/// The foreign key of a `constraints_sql` row. A key that references a partition is held
/// to the partitioned table at the top of its tree, where fixtura writes and reads rows.
fn foreign_key(row: &PgRow, partitions: &HashMap<i64, Partition>) -> ForeignKey {
    let deferrable = match (row.get::<bool, _>(9), row.get::<bool, _>(10)) {
        (false, _) => Deferrable::NotDeferrable,
        (true, false) => Deferrable::InitiallyImmediate,
        (true, true) => Deferrable::InitiallyDeferred,
    };
    let referenced_table = match partitions.get(&row.get::<i64, _>(11)) {
        Some(partition) => partition.root_name.clone(),
        None => QualifiedName::new(row.get::<String, _>(4), row.get::<String, _>(5)),
    };
    ForeignKey {
        name: row.get(1),
        columns: row.get(3),
        referenced_table,
        referenced_columns: row.get(6),
        on_delete: action(&row.get::<String, _>(7)),
        on_update: action(&row.get::<String, _>(8)),
        deferrable,
        partitions: Vec::new(),
    }
}

/// `pg_constraint.confdeltype` / `confupdtype` codes.
fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Unique indexes that back no constraint (`CREATE UNIQUE INDEX`): they constrain generated
/// data just the same. Partial and expression indexes are left out: they do not make a
/// plain column list unique.
fn unique_indexes_sql() -> String {
    format!(
        "SELECT i.indrelid::int8, ic.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                       WHERE k.ord <= i.indnkeyatts ORDER BY k.ord)
           FROM pg_index i
           JOIN pg_class ic ON ic.oid = i.indexrelid
           JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL
            AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
            AND {USER_NAMESPACES}
          ORDER BY i.indrelid, ic.relname"
    )
}

/// The rows of `pg_type` needed to classify columns, with enum labels.
struct Types {
    by_oid: HashMap<i64, PgType>,
    labels: HashMap<i64, Vec<String>>,
}

struct PgType {
    name: String,
    namespace: String,
    /// `typtype`: b base, d domain, e enum, c composite, r range, m multirange, p pseudo.
    kind: String,
    /// `typcategory`: A for arrays.
    category: String,
    element: i64,
    base: i64,
    base_typmod: i32,
}

impl Types {
    async fn load(pool: &PgPool) -> Result<Types> {
        let sql = "SELECT t.oid::int8, t.typname::text, n.nspname::text, t.typtype::text, t.typcategory::text,
                          t.typelem::int8, t.typbasetype::int8, t.typtypmod
                     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace";
        let mut by_oid = HashMap::new();
        for row in query_rows(pool, sql, "reading types").await? {
            by_oid.insert(
                row.get::<i64, _>(0),
                PgType {
                    name: row.get(1),
                    namespace: row.get(2),
                    kind: row.get(3),
                    category: row.get(4),
                    element: row.get(5),
                    base: row.get(6),
                    base_typmod: row.get(7),
                },
            );
        }
        let sql = "SELECT enumtypid::int8, enumlabel::text FROM pg_enum ORDER BY enumtypid, enumsortorder";
        let mut labels: HashMap<i64, Vec<String>> = HashMap::new();
        for row in query_rows(pool, sql, "reading enum labels").await? {
            labels.entry(row.get(0)).or_default().push(row.get(1));
        }
        Ok(Types { by_oid, labels })
    }

    /// The model's type of a column of type `oid` with modifier `typmod`: a domain as its
    /// base type, an enum with its labels, an array by its element, a base type by name.
    fn classify(&self, oid: i64, typmod: i32) -> ColumnType {
        let Some(t) = self.by_oid.get(&oid) else {
            return ColumnType::Other {
                name: format!("oid {oid}"),
            };
        };
        if t.kind == "d" {
            // A domain behaves like its base type; its own typmod applies when the column has none.
            let typmod = if typmod >= 0 { typmod } else { t.base_typmod };
            return self.classify(t.base, typmod);
        }
        if t.kind == "e" {
            let name = if t.namespace == "public" {
                t.name.clone()
            } else {
                format!("{}.{}", t.namespace, t.name)
            };
            return ColumnType::Enum {
                name: Some(name),
                labels: self.labels.get(&oid).cloned().unwrap_or_default(),
            };
        }
        if t.category == "A" && t.element != 0 {
            return ColumnType::Array {
                element: Box::new(self.classify(t.element, typmod)),
            };
        }
        built_in(&t.name, typmod)
    }
}

/// A built-in base type by its `pg_type.typname`; any other is [`ColumnType::Other`].
fn built_in(name: &str, typmod: i32) -> ColumnType {
    // typmod of varchar/bpchar is the length + 4 (VARHDRSZ); of numeric ((p << 16) | s) + 4.
    let length = (typmod >= 4).then(|| (typmod - 4) as u32);
    match name {
        "bool" => ColumnType::Boolean,
        "int2" => ColumnType::Integer {
            bytes: 2,
            unsigned: false,
        },
        "int4" => ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        },
        "int8" => ColumnType::Integer {
            bytes: 8,
            unsigned: false,
        },
        "float4" => ColumnType::Float { bytes: 4 },
        "float8" => ColumnType::Float { bytes: 8 },
        "numeric" => ColumnType::Decimal {
            precision: length.map(|m| (m >> 16) & 0xffff),
            scale: length.map(|m| m & 0xffff),
        },
        "text" | "citext" | "name" => ColumnType::Text {
            max_length: None,
            fixed: false,
        },
        "varchar" => ColumnType::Text {
            max_length: length,
            fixed: false,
        },
        "bpchar" => ColumnType::Text {
            max_length: length,
            fixed: true,
        },
        "bytea" => ColumnType::Binary { max_length: None },
        "uuid" => ColumnType::Uuid,
        "json" => ColumnType::Json,
        "jsonb" => ColumnType::Jsonb,
        "date" => ColumnType::Date,
        "time" => ColumnType::Time {
            with_time_zone: false,
        },
        "timetz" => ColumnType::Time {
            with_time_zone: true,
        },
        "timestamp" => ColumnType::Timestamp {
            with_time_zone: false,
        },
        "timestamptz" => ColumnType::Timestamp {
            with_time_zone: true,
        },
        "interval" => ColumnType::Interval,
        "inet" | "cidr" => ColumnType::Inet,
        other => ColumnType::Other {
            name: other.to_string(),
        },
    }
}
