//! PostgreSQL's binary `COPY` format, the part reading and writing share: which built-in type
//! each column of a table is on the wire, and the format's framing.
//!
//! The binary format (PostgreSQL manual, "COPY", section "Binary Format") sends each field
//! in its type's `*_send` form and reads it back with `*_recv`; those forms are only
//! documented by the server's source (`src/backend/utils/adt/*.c`), so fixtura uses them
//! only for the built-in types it encodes and decodes totally. The types come from the
//! catalogs (`pg_attribute`, `pg_type`) at the time of the `COPY`, not from a type's name:
//! a domain, an extension type or a user type with a built-in's name is never mistaken for
//! the built-in.

use sqlx::Row as _;
use sqlx::postgres::PgConnection;

use super::{DbError, QualifiedName};

/// The 11-byte signature, the flags field (no OIDs) and an empty header extension.
pub(crate) const HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// A tuple's field count of -1 ends the data.
pub(crate) const TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// Whether PostgreSQL rows are read and written in binary where every column allows it
/// (the default), or in text format only: `FIXTURA_PG_COPY=text`, a way around a suspected
/// problem with the binary path that changes nothing but speed.
pub(crate) fn binary_enabled() -> bool {
    match std::env::var("FIXTURA_PG_COPY") {
        Err(_) => true,
        Ok(v) if v.eq_ignore_ascii_case("text") => false,
        Ok(v) if v.eq_ignore_ascii_case("binary") || v.is_empty() => true,
        Ok(v) => {
            tracing::warn!(value = %v, "FIXTURA_PG_COPY is neither \"text\" nor \"binary\": binary COPY stays on");
            true
        }
    }
}

/// A built-in type whose binary form fixtura writes and reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wire {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    /// `text`, `varchar`, `bpchar`, `json` and enum labels: the bytes of the text itself
    /// (`textsend`, `varcharrecv`, `bpcharrecv`, `json_recv`, `enum_recv`).
    Text,
    /// `jsonb`: a version byte (1) and the text.
    Jsonb,
    Bytea,
    Uuid,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    /// An array (`array_send`) of one of the types above; `oid` is the element type's, which
    /// `array_recv` checks.
    Array {
        element: Box<Wire>,
        oid: u32,
    },
}

impl Wire {
    /// The built-in scalar type `name` of schema `pg_catalog`, or an enum (`kind` `e`).
    fn scalar(namespace: &str, name: &str, kind: &str) -> Option<Wire> {
        if kind == "e" {
            return Some(Wire::Text);
        }
        if namespace != "pg_catalog" || kind != "b" {
            return None;
        }
        Some(match name {
            "bool" => Wire::Bool,
            "int2" => Wire::Int2,
            "int4" => Wire::Int4,
            "int8" => Wire::Int8,
            "float4" => Wire::Float4,
            "float8" => Wire::Float8,
            "numeric" => Wire::Numeric,
            "text" | "varchar" | "bpchar" | "json" => Wire::Text,
            "jsonb" => Wire::Jsonb,
            "bytea" => Wire::Bytea,
            "uuid" => Wire::Uuid,
            "date" => Wire::Date,
            "time" => Wire::Time,
            "timestamp" => Wire::Timestamp,
            "timestamptz" => Wire::TimestampTz,
            _ => return None,
        })
    }
}

/// One column as the catalogs describe it.
#[derive(Debug, Clone)]
pub(crate) struct ColumnWire {
    pub name: String,
    /// `None` for a type fixtura does not send or receive in binary.
    pub wire: Option<Wire>,
    /// The type's output function, schema-qualified and quoted (`pg_catalog.interval_out`):
    /// what `COPY ... TO` in text format calls for the column. `None` when this role may
    /// not call it itself — no `EXECUTE` on it or no `USAGE` on its schema (`COPY` calls it
    /// without either check) — or when it is not `STRICT` (`COPY` never calls an output
    /// function on NULL; a call in SQL would).
    pub output: Option<String>,
}

/// The columns of one table, and the server's version (`server_version_num`).
#[derive(Debug, Clone)]
pub(crate) struct TableWire {
    pub server_version: u32,
    pub columns: Vec<ColumnWire>,
}

impl TableWire {
    pub(crate) fn column(&self, name: &str) -> Option<&ColumnWire> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A true array type is one sent by `array_send` (a type with an element type and a
/// variable length may also be a user type with its own subscripting, PostgreSQL 14+).
const COLUMNS_SQL: &str =
    "SELECT a.attname::text, tn.nspname::text, t.typname::text, t.typtype::text,
        en.nspname::text, e.typname::text, e.typtype::text, e.oid::int8,
        quote_ident(pn.nspname) || '.' || quote_ident(p.proname),
        current_setting('server_version_num')::int4,
        pg_catalog.has_function_privilege(p.oid, 'EXECUTE')
          AND pg_catalog.has_schema_privilege(pn.oid, 'USAGE') AND p.proisstrict
   FROM pg_catalog.pg_attribute a
   JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
   JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
   JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
   JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
   JOIN pg_catalog.pg_proc p ON p.oid = t.typoutput
   JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
   LEFT JOIN pg_catalog.pg_type e
          ON e.oid = t.typelem AND t.typlen = -1
         AND t.typsend = 'pg_catalog.array_send'::pg_catalog.regproc
   LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace
  WHERE cn.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum";

/// Reads the wire types of `table`'s columns on `conn`.
pub(crate) async fn table_wire(
    conn: &mut PgConnection,
    table: &QualifiedName,
) -> Result<TableWire, DbError> {
    let rows = sqlx::query(COLUMNS_SQL)
        .bind(&table.schema)
        .bind(&table.name)
        .fetch_all(conn)
        .await
        .map_err(|e| DbError::query(format!("reading the column types of {table}"), e))?;
    let mut server_version = 0;
    let columns = rows
        .iter()
        .map(|row| {
            server_version = row.get::<i32, _>(9).max(0) as u32;
            let element: Option<String> = row.get(5);
            let wire = match element {
                Some(element) => {
                    let namespace: String = row.get(4);
                    let kind: String = row.get(6);
                    let oid: i64 = row.get(7);
                    Wire::scalar(&namespace, &element, &kind).and_then(|element| {
                        Some(Wire::Array {
                            element: Box::new(element),
                            oid: u32::try_from(oid).ok()?,
                        })
                    })
                }
                None => Wire::scalar(
                    &row.get::<String, _>(1),
                    &row.get::<String, _>(2),
                    &row.get::<String, _>(3),
                ),
            };
            ColumnWire {
                name: row.get(0),
                wire,
                output: row.get::<bool, _>(10).then(|| row.get(8)),
            }
        })
        .collect();
    Ok(TableWire {
        server_version,
        columns,
    })
}

/// Days from 0001-01-01 (chrono's day 1) to PostgreSQL's epoch, 2000-01-01: dates and
/// timestamps are sent as days and microseconds since that epoch ("date_send",
/// "timestamp_send").
pub(crate) const EPOCH_DAYS_FROM_CE: i32 = 730_120;

/// The Julian day number of 2000-01-01 (`POSTGRES_EPOCH_JDATE`); day 0 is the first day a
/// date or timestamp may hold (4714-11-24 BC).
pub(crate) const EPOCH_JULIAN: i64 = 2_451_545;

pub(crate) const USECS_PER_DAY: i64 = 86_400_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn the_epoch_is_2000_01_01() {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
        assert_eq!(epoch.num_days_from_ce(), EPOCH_DAYS_FROM_CE);
        assert_eq!(HEADER.len(), 19);
        assert_eq!(&HEADER[..11], b"PGCOPY\n\xff\r\n\0");
    }

    #[test]
    fn only_built_ins_and_enums_have_a_wire_type() {
        assert_eq!(Wire::scalar("pg_catalog", "int4", "b"), Some(Wire::Int4));
        assert_eq!(Wire::scalar("public", "mood", "e"), Some(Wire::Text));
        assert_eq!(Wire::scalar("public", "int4", "b"), None);
        assert_eq!(Wire::scalar("pg_catalog", "int4", "d"), None);
        assert_eq!(Wire::scalar("pg_catalog", "interval", "b"), None);
        assert_eq!(Wire::scalar("pg_catalog", "name", "b"), None);
    }
}
