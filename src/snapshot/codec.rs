//! The lossless JSON of one cell, by its column's type: what a snapshot's table files hold
//! (SPEC §5), and how each JSON value turns back into the [`Value`] the bulk writer writes.
//!
//! # The contract
//!
//! | value | JSON |
//! |---|---|
//! | NULL | `null` |
//! | boolean | `true` / `false` |
//! | integer | a number, exact over the whole `i64` range (an unsigned `BIGINT` above `i64::MAX` is a decimal) |
//! | float | a number with a fraction or exponent (`5.0`, `1e300`); `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"` as strings, since JSON numbers cannot carry them |
//! | decimal | a string, every digit kept: `"12345678901234567890.123456789012345678901234567890"`, `"NaN"` |
//! | text, enum, interval, inet, other | a string |
//! | bytes (`bytea`, `BLOB`) | a base64 string (standard alphabet, padded) |
//! | uuid | a string, hyphenated |
//! | date | `"YYYY-MM-DD"` |
//! | time | `"HH:MM:SS[.ffffff]"` |
//! | timestamp without time zone | `"YYYY-MM-DDTHH:MM:SS[.ffffff]"` |
//! | timestamp with time zone | RFC 3339 in UTC, always with microseconds (nanoseconds when there are any): `"2026-01-01T10:00:00.123456Z"` |
//! | `jsonb` | the JSON itself, nested (never a string of JSON) |
//! | `json` (not jsonb) | a string of its exact text: duplicate keys and spacing kept |
//! | array | a JSON array of its elements' encodings; multi-dimensional arrays nest |
//!
//! Spellings a type cannot parse (PostgreSQL's `infinity` dates, BC dates, `24:00:00`,
//! MySQL's zero date `0000-00-00` and `TIME` beyond a day) are the database's own text, as
//! a string, and are written back as that text; so are the few arrays JSON cannot mirror
//! (an array literal with explicit bounds `[0:1]={1,2}`, a multi-dimensional `jsonb[]`, a
//! `box[]`): a string in an array column is the array's literal.
//!
//! A few cells need a tag to read back unambiguously: a one-key object whose key starts
//! with `$`. They arise from SQLite's dynamic typing (any column may hold any storage
//! class) and from JSON values that would otherwise collide with another spelling:
//!
//! - `{"$json": v}`: the JSON value `v` itself. Used for a `jsonb` `null` (distinct from
//!   SQL NULL), for a JSON value that is itself a one-key `$` object, and for JSON scalars in
//!   columns that are not `jsonb`.
//! - `{"$blob": "base64"}`: bytes in a column whose type is not binary.
//! - `{"$text": "..."}`: text in a binary column, or text spelling `NaN`, `Infinity`,
//!   `-Infinity` or `-0` in a float column.
//! - `{"$real": x}`: a float outside a float column that a plain number cannot carry
//!   (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`).
//!
//! Reading back ([`from_json`]) gives the value the writer benefits from: a
//! `TimestampTz` for an RFC 3339 string in a `timestamptz` column, `Bytes` for base64 in a
//! binary column, `Json` for anything in a `jsonb` column, an `Array` for a JSON array in
//! an array column, a `Decimal` for a string in a numeric column, and text for the special
//! spellings. It depends on the target backend in one way: on SQLite every string is text
//! (SQLite keeps dates, decimals and JSON as the text it was given), except base64 in
//! binary columns and the float spellings in float columns.
//!
//! Known limit: JSON numbers inside `jsonb` go through `serde_json`, which keeps integers
//! exactly but other numbers as `f64`, so `1.50` reads back `1.5` and digits beyond an
//! `f64`'s precision are rounded (serde_json's `arbitrary_precision` feature would keep them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Timelike, Utc};
use serde_json::{Map, Number, Value as Json};

use crate::db::Backend;
use crate::schema::ColumnType;
use crate::value::Value;
use crate::value::iso;

/// The tag of a JSON value taken literally.
pub const TAG_JSON: &str = "$json";
/// The tag of bytes outside a binary column.
pub const TAG_BLOB: &str = "$blob";
/// The tag of text a plain string would misread.
pub const TAG_TEXT: &str = "$text";
/// The tag of a float a plain number cannot carry.
pub const TAG_REAL: &str = "$real";

const TAGS: [&str; 4] = [TAG_JSON, TAG_BLOB, TAG_TEXT, TAG_REAL];

/// Why a snapshot JSON value cannot be turned back into a value for its column.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("{found} does not fit a column of type {column_type}: expected {expected}")]
    Mismatch {
        found: String,
        column_type: String,
        expected: &'static str,
    },
    #[error("{found} is not base64 (bytes are stored as standard, padded base64)")]
    Base64 { found: String },
    #[error("{found} is not a valid {tag} tag: expected {expected}")]
    Tag {
        found: String,
        tag: &'static str,
        expected: &'static str,
    },
}

/// Appends the snapshot JSON of `value` to `out`: byte for byte what serializing
/// [`to_json`] gives, without building a JSON value for the common cases (snapshot creation
/// writes every cell through here).
pub fn write_json(out: &mut Vec<u8>, value: &Value, ty: &ColumnType) {
    let quoted = |out: &mut Vec<u8>, s: &str| {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    };
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::Decimal(s) => {
            serde_json::to_writer(&mut *out, s).expect("BUG: a string always serializes")
        }
        Value::Text(s) => write_text_json(out, s, ty),
        Value::Uuid(u) => quoted(
            out,
            u.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
        ),
        // ISO forms hold no character JSON escapes; the rare years chrono writes
        // otherwise go through `to_json`.
        Value::Date(d) => {
            out.push(b'"');
            if iso::push_date(out, *d) {
                out.push(b'"');
            } else {
                out.pop();
                serialize(out, value, ty);
            }
        }
        Value::Time(t) => {
            out.push(b'"');
            iso::push_time(out, *t);
            out.push(b'"');
        }
        Value::Timestamp(t) => {
            out.push(b'"');
            if iso::push_date(out, t.date()) {
                out.push(b'T');
                iso::push_time(out, t.time());
                out.push(b'"');
            } else {
                out.pop();
                serialize(out, value, ty);
            }
        }
        Value::TimestampTz(t) => {
            out.push(b'"');
            if iso::push_rfc3339_utc(out, t.naive_utc()) {
                out.push(b'"');
            } else {
                out.pop();
                serialize(out, value, ty);
            }
        }
        // The value itself, not a copy of it, when it needs no tag.
        Value::Json(j) if !needs_json_tag(j, ty) => {
            serde_json::to_writer(&mut *out, j).expect("BUG: JSON always serializes")
        }
        _ => serialize(out, value, ty),
    }
}

/// Appends the snapshot JSON of text `s` read from a column of type `ty`: what
/// [`write_json`] writes for a [`Value::Text`] holding it.
pub fn write_text_json(out: &mut Vec<u8>, s: &str, ty: &ColumnType) {
    if matches!(ty, ColumnType::Binary { .. })
        || (is_float(ty) && parse_float_spelling(s).is_some())
    {
        serialize(out, &Value::Text(s.to_string()), ty);
    } else {
        serde_json::to_writer(&mut *out, s).expect("BUG: a string always serializes");
    }
}

/// Writes JSON lines from the cells of raw binary rows: for each row exactly what
/// [`super::store::TableWriter::write_values`] writes for its values.
pub struct JsonLines<'a> {
    pub out: &'a mut Vec<u8>,
    pub types: &'a [ColumnType],
    /// Rows completed.
    pub rows: u64,
}

impl crate::read::CellSink for JsonLines<'_> {
    fn cell(&mut self, column: usize, cell: crate::read::Cell<'_>) {
        self.out.push(if column == 0 { b'[' } else { b',' });
        let ty = &self.types[column];
        match cell {
            crate::read::Cell::Text(s) => write_text_json(self.out, s, ty),
            crate::read::Cell::Value(value) => write_json(self.out, &value, ty),
        }
    }

    fn end_row(&mut self) {
        self.out.extend_from_slice(b"]\n");
        self.rows += 1;
    }
}

/// Appends the serialized [`to_json`] of `value`.
fn serialize(out: &mut Vec<u8>, value: &Value, ty: &ColumnType) {
    serde_json::to_writer(&mut *out, &to_json(value, ty)).expect("BUG: JSON always serializes")
}

/// The snapshot JSON of a value read from a column of type `ty`.
pub fn to_json(value: &Value, ty: &ColumnType) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => match (float_spelling(*f), is_float(ty)) {
            (Some(spelling), true) => string(spelling),
            (Some(spelling), false) => tag(TAG_REAL, string(spelling)),
            (None, _) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        },
        Value::Decimal(s) => string(s),
        Value::Text(s) => {
            let misread = matches!(ty, ColumnType::Binary { .. })
                || (is_float(ty) && parse_float_spelling(s).is_some());
            if misread {
                tag(TAG_TEXT, string(s))
            } else {
                string(s)
            }
        }
        Value::Bytes(bytes) => {
            let encoded = Json::String(STANDARD.encode(bytes));
            if matches!(ty, ColumnType::Binary { .. }) {
                encoded
            } else {
                tag(TAG_BLOB, encoded)
            }
        }
        Value::Uuid(u) => Json::String(u.hyphenated().to_string()),
        Value::Date(d) => {
            let mut s = String::with_capacity(10);
            iso::write_date(&mut s, *d);
            Json::String(s)
        }
        Value::Time(t) => {
            let mut s = String::with_capacity(15);
            iso::write_time(&mut s, *t);
            Json::String(s)
        }
        Value::Timestamp(t) => {
            let mut s = String::with_capacity(26);
            iso::write_date(&mut s, t.date());
            s.push('T');
            iso::write_time(&mut s, t.time());
            Json::String(s)
        }
        Value::TimestampTz(t) => {
            // RFC 3339 in UTC with `Z`, six fraction digits (nine when needed), as chrono's
            // `to_rfc3339_opts` writes it — without interpreting a pattern per value.
            let mut s = Vec::with_capacity(30);
            if iso::push_rfc3339_utc(&mut s, t.naive_utc()) {
                return Json::String(String::from_utf8(s).expect("BUG: ISO forms are ASCII"));
            }
            let nanos = t.naive_utc().time().nanosecond() % 1_000_000_000;
            let digits = if nanos.is_multiple_of(1_000) {
                SecondsFormat::Micros
            } else {
                SecondsFormat::Nanos
            };
            Json::String(t.to_rfc3339_opts(digits, true))
        }
        Value::Json(j) => {
            if needs_json_tag(j, ty) {
                tag(TAG_JSON, j.clone())
            } else {
                j.clone()
            }
        }
        Value::Array(items) => {
            let element = match ty {
                ColumnType::Array { element } => element,
                other => other,
            };
            Json::Array(items.iter().map(|item| to_json(item, element)).collect())
        }
    }
}

/// The value to write back for a snapshot JSON `json` into a column of type `ty` on
/// `backend`.
pub fn from_json(json: &Json, ty: &ColumnType, backend: Backend) -> Result<Value, CodecError> {
    if let Json::Object(map) = json
        && let Some((name, inner)) = single_tag(map)
    {
        return from_tag(name, inner);
    }
    match (json, ty) {
        (Json::Null, _) => Ok(Value::Null),
        // jsonb is written as JSON, scalars included; SQLite keeps JSON as the text it got.
        (_, ColumnType::Jsonb) if backend != Backend::Sqlite => Ok(Value::Json(json.clone())),
        (Json::Bool(b), _) => Ok(Value::Bool(*b)),
        (Json::Number(n), _) => Ok(number(n)),
        (Json::String(s), _) => from_string(s, ty, backend),
        (Json::Array(items), ColumnType::Array { element }) => array(items, element, backend),
        (Json::Array(_) | Json::Object(_), ty)
            if is_json(ty) || matches!(ty, ColumnType::Other { .. }) =>
        {
            Ok(Value::Json(json.clone()))
        }
        _ => Err(mismatch(json, ty, "a scalar")),
    }
}

/// The elements of an array column; a JSON array among them is a nested dimension, except
/// for `jsonb` elements, where it is the element's value (the reader keeps
/// multi-dimensional `jsonb[]` as its text, so the two cannot be confused).
fn array(items: &[Json], element: &ColumnType, backend: Backend) -> Result<Value, CodecError> {
    items
        .iter()
        .map(|item| match item {
            Json::Array(inner) if !matches!(element, ColumnType::Jsonb) => {
                array(inner, element, backend)
            }
            other => from_json(other, element, backend),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn from_string(s: &str, ty: &ColumnType, backend: Backend) -> Result<Value, CodecError> {
    let text = || Value::Text(s.to_string());
    Ok(match ty {
        ColumnType::Binary { .. } => Value::Bytes(base64(s)?),
        ColumnType::Float { .. } => parse_float_spelling(s).map_or_else(text, Value::Float),
        // SQLite keeps whatever text it was given: dates, decimals and JSON included.
        _ if backend == Backend::Sqlite => text(),
        ColumnType::Integer { .. } | ColumnType::Decimal { .. } => Value::Decimal(s.to_string()),
        ColumnType::Uuid => uuid::Uuid::parse_str(s).map_or_else(|_| text(), Value::Uuid),
        ColumnType::Date => iso::parse_date(s)
            .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map_or_else(text, Value::Date),
        ColumnType::Time {
            with_time_zone: false,
        } => iso::parse_time(s)
            .or_else(|| NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok())
            .map_or_else(text, Value::Time),
        ColumnType::Timestamp {
            with_time_zone: false,
        } => iso::parse_datetime(s, b'T')
            .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok())
            .map_or_else(text, Value::Timestamp),
        ColumnType::Timestamp {
            with_time_zone: true,
        } => s
            .strip_suffix('Z')
            .and_then(|naive| iso::parse_datetime(naive, b'T'))
            .map(|t| Value::TimestampTz(t.and_utc()))
            .or_else(|| {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| Value::TimestampTz(t.with_timezone(&Utc)))
            })
            .unwrap_or_else(text),
        // Text, enums, intervals, addresses, json's exact text, an array's literal, other.
        _ => text(),
    })
}

fn from_tag(name: &str, inner: &Json) -> Result<Value, CodecError> {
    let bad = |tag: &'static str, expected: &'static str| CodecError::Tag {
        found: excerpt(inner),
        tag,
        expected,
    };
    match name {
        TAG_JSON => Ok(Value::Json(inner.clone())),
        TAG_BLOB => match inner {
            Json::String(s) => base64(s).map(Value::Bytes),
            _ => Err(bad(TAG_BLOB, "a base64 string")),
        },
        TAG_TEXT => match inner {
            Json::String(s) => Ok(Value::Text(s.clone())),
            _ => Err(bad(TAG_TEXT, "a string")),
        },
        _ => match inner {
            Json::Number(n) => n.as_f64().map(Value::Float),
            Json::String(s) => parse_float_spelling(s).map(Value::Float),
            _ => None,
        }
        .ok_or_else(|| {
            bad(
                TAG_REAL,
                "a number, \"NaN\", \"Infinity\", \"-Infinity\" or \"-0\"",
            )
        }),
    }
}

/// A JSON number: an exact integer when it is one, a decimal when it only fits `u64`.
fn number(n: &Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Int(i)
    } else if n.is_u64() {
        Value::Decimal(n.to_string())
    } else {
        n.as_f64()
            .map_or_else(|| Value::Decimal(n.to_string()), Value::Float)
    }
}

/// The string a float JSON numbers cannot carry is spelled as.
fn float_spelling(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("Infinity")
    } else if f == f64::NEG_INFINITY {
        Some("-Infinity")
    } else if f == 0.0 && f.is_sign_negative() {
        Some("-0")
    } else {
        None
    }
}

fn parse_float_spelling(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        "-0" => Some(-0.0),
        _ => None,
    }
}

fn is_float(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Float { .. })
}

fn is_json(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Json | ColumnType::Jsonb)
}

/// Whether a JSON value must be wrapped in `{"$json": ...}` to read back as itself: a
/// `null` (else SQL NULL), a one-key `$` object (else a tag), and, outside `jsonb`
/// columns, any scalar (else text, a number or a boolean).
fn needs_json_tag(j: &Json, ty: &ColumnType) -> bool {
    match j {
        Json::Null => true,
        Json::Object(map) => single_tag(map).is_some(),
        Json::Array(_) => false,
        Json::Bool(_) | Json::Number(_) | Json::String(_) => !matches!(ty, ColumnType::Jsonb),
    }
}

fn single_tag(map: &Map<String, Json>) -> Option<(&str, &Json)> {
    if map.len() != 1 {
        return None;
    }
    let (key, value) = map.iter().next()?;
    TAGS.contains(&key.as_str())
        .then_some((key.as_str(), value))
}

fn tag(name: &str, inner: Json) -> Json {
    let mut map = Map::new();
    map.insert(name.to_string(), inner);
    Json::Object(map)
}

fn string(s: &str) -> Json {
    Json::String(s.to_string())
}

fn base64(s: &str) -> Result<Vec<u8>, CodecError> {
    STANDARD.decode(s).map_err(|_| CodecError::Base64 {
        found: excerpt(&string(s)),
    })
}

fn mismatch(json: &Json, ty: &ColumnType, expected: &'static str) -> CodecError {
    CodecError::Mismatch {
        found: excerpt(json),
        column_type: type_label(ty),
        expected,
    }
}

/// A JSON value for a message, cut to a readable length.
fn excerpt(json: &Json) -> String {
    let text = json.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn type_label(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Integer { .. } => "integer".into(),
        ColumnType::Float { .. } => "float".into(),
        ColumnType::Decimal { .. } => "decimal".into(),
        ColumnType::Text { .. } => "text".into(),
        ColumnType::Binary { .. } => "binary".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Json => "json".into(),
        ColumnType::Jsonb => "jsonb".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time { .. } => "time".into(),
        ColumnType::Timestamp { .. } => "timestamp".into(),
        ColumnType::Interval => "interval".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::Enum { .. } => "enum".into(),
        ColumnType::Array { element } => format!("{} array", type_label(element)),
        ColumnType::Other { name } => name.clone(),
    }
}

#[cfg(test)]
mod write_json_tests {
    use super::*;

    #[test]
    fn write_json_gives_the_bytes_of_to_json() {
        let text = ColumnType::Text {
            max_length: None,
            fixed: false,
        };
        let cases: Vec<(Value, ColumnType)> = vec![
            (Value::Null, text.clone()),
            (Value::Bool(true), ColumnType::Boolean),
            (
                Value::Int(i64::MIN),
                ColumnType::Integer {
                    bytes: 8,
                    unsigned: false,
                },
            ),
            (
                Value::Decimal("12345678901234567890.000000000000000000001".into()),
                ColumnType::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            (Value::Text("tab\there \\N \"q\" 🦀\n".into()), text.clone()),
            (Value::Text("NaN".into()), ColumnType::Float { bytes: 8 }),
            (
                Value::Text("x".into()),
                ColumnType::Binary { max_length: None },
            ),
            (
                Value::Uuid(uuid::Uuid::from_u128(
                    0xa0ee_bc99_9c0b_4ef8_bb6d_6bb9_bd38_0a11,
                )),
                ColumnType::Uuid,
            ),
            (
                Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
                ColumnType::Date,
            ),
            (Value::Float(f64::NAN), ColumnType::Float { bytes: 8 }),
            (Value::Float(-0.0), ColumnType::Float { bytes: 8 }),
            (
                Value::Bytes(vec![0, 255]),
                ColumnType::Binary { max_length: None },
            ),
            (
                Value::Json(serde_json::json!({"a": [1, null]})),
                ColumnType::Jsonb,
            ),
            (
                Value::Array(vec![Value::Int(1), Value::Null]),
                ColumnType::Array {
                    element: Box::new(ColumnType::Integer {
                        bytes: 4,
                        unsigned: false,
                    }),
                },
            ),
        ];
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let tz = ColumnType::Timestamp {
            with_time_zone: true,
        };
        let naive = ColumnType::Timestamp {
            with_time_zone: false,
        };
        let mut cases = cases;
        for date in [
            day(1, 1, 1),
            day(10_000, 1, 1),
            day(-43, 3, 15),
            day(0, 12, 31),
        ] {
            for nanos in [0, 1_000, 123_456_789, 1_500_000_000] {
                let at = date.and_hms_nano_opt(23, 59, 59, nanos).unwrap();
                cases.push((Value::Date(date), ColumnType::Date));
                cases.push((Value::Timestamp(at), naive.clone()));
                cases.push((Value::TimestampTz(at.and_utc()), tz.clone()));
                cases.push((
                    Value::Time(at.time()),
                    ColumnType::Time {
                        with_time_zone: false,
                    },
                ));
            }
        }
        for json in [
            serde_json::Value::Null,
            serde_json::json!("s"),
            serde_json::json!({"$blob": 1}),
        ] {
            cases.push((Value::Json(json.clone()), ColumnType::Jsonb));
            cases.push((Value::Json(json), ColumnType::Json));
        }
        for (value, ty) in cases {
            let mut fast = Vec::new();
            write_json(&mut fast, &value, &ty);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&to_json(&value, &ty)).unwrap(),
                "{value:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PG: Backend = Backend::Postgres;

    fn int() -> ColumnType {
        ColumnType::Integer {
            bytes: 8,
            unsigned: false,
        }
    }
    fn float() -> ColumnType {
        ColumnType::Float { bytes: 8 }
    }
    fn decimal() -> ColumnType {
        ColumnType::Decimal {
            precision: None,
            scale: None,
        }
    }
    fn text_type() -> ColumnType {
        ColumnType::Text {
            max_length: None,
            fixed: false,
        }
    }
    fn binary() -> ColumnType {
        ColumnType::Binary { max_length: None }
    }
    fn array_of(element: ColumnType) -> ColumnType {
        ColumnType::Array {
            element: Box::new(element),
        }
    }
    fn timestamptz() -> ColumnType {
        ColumnType::Timestamp {
            with_time_zone: true,
        }
    }
    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    /// Equal, NaN included (`NaN != NaN` for `PartialEq`) and -0.0 told from 0.0.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            }
            _ => a == b,
        }
    }

    /// Value → JSON → JSON text → JSON → value: the same value, and returns the JSON.
    fn round_trip_on(value: Value, ty: &ColumnType, backend: Backend) -> Json {
        let json = to_json(&value, ty);
        let line = serde_json::to_string(&json).expect("serializes");
        let parsed: Json = serde_json::from_str(&line).expect("parses");
        let back = from_json(&parsed, ty, backend).expect("decodes");
        assert!(same(&value, &back), "{value:?} became {back:?} via {line}");
        json
    }

    fn round_trip(value: Value, ty: &ColumnType) -> Json {
        round_trip_on(value, ty, PG)
    }

    #[test]
    fn null_is_null_in_every_column() {
        for ty in [
            int(),
            text_type(),
            binary(),
            ColumnType::Jsonb,
            array_of(int()),
        ] {
            assert_eq!(round_trip(Value::Null, &ty), Json::Null);
        }
    }

    #[test]
    fn booleans_are_true_and_false() {
        assert_eq!(
            round_trip(Value::Bool(true), &ColumnType::Boolean),
            json!(true)
        );
        assert_eq!(
            round_trip(Value::Bool(false), &ColumnType::Boolean),
            json!(false)
        );
        // tinyint(1) holding 2, or SQLite's 5 in a BOOLEAN column, stays a number.
        assert_eq!(round_trip(Value::Int(2), &ColumnType::Boolean), json!(2));
    }

    #[test]
    fn integers_keep_every_digit() {
        let max = round_trip(Value::Int(i64::MAX), &int());
        assert_eq!(max.to_string(), "9223372036854775807");
        let min = round_trip(Value::Int(i64::MIN), &int());
        assert_eq!(min.to_string(), "-9223372036854775808");
        assert_eq!(round_trip(Value::Int(0), &int()), json!(0));
    }

    #[test]
    fn an_unsigned_bigint_above_i64_is_a_decimal_string() {
        let big = Value::Decimal("18446744073709551615".into());
        let ty = ColumnType::Integer {
            bytes: 8,
            unsigned: true,
        };
        assert_eq!(
            round_trip_on(big, &ty, Backend::MySql),
            json!("18446744073709551615")
        );
    }

    #[test]
    fn floats_are_numbers_that_read_back_bit_for_bit() {
        for f in [0.1, 0.1 + 0.2, 1e300, 5e-324, f64::MAX, -2.5, 5.0, 1e16] {
            let json = round_trip(Value::Float(f), &float());
            assert!(json.is_number(), "{json}");
        }
        // An integral float stays a float: `5.0`, not `5`.
        assert_eq!(to_json(&Value::Float(5.0), &float()).to_string(), "5.0");
    }

    #[test]
    fn nan_infinities_and_negative_zero_are_strings() {
        for (f, spelled) in [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0"),
        ] {
            assert_eq!(round_trip(Value::Float(f), &float()), json!(spelled));
            let element = round_trip(Value::Array(vec![Value::Float(f)]), &array_of(float()));
            assert_eq!(element, json!([spelled]));
        }
        // Positive zero is a plain number.
        assert_eq!(round_trip(Value::Float(0.0), &float()), json!(0.0));
    }

    #[test]
    fn decimals_are_strings_with_every_digit() {
        let digits = "12345678901234567890.123456789012345678901234567890";
        assert_eq!(
            round_trip(Value::Decimal(digits.into()), &decimal()),
            json!(digits)
        );
        assert_eq!(
            round_trip(Value::Decimal("NaN".into()), &decimal()),
            json!("NaN")
        );
        assert_eq!(
            round_trip(Value::Decimal("-Infinity".into()), &decimal()),
            json!("-Infinity")
        );
        assert_eq!(
            round_trip(Value::Decimal("1.50".into()), &decimal()),
            json!("1.50")
        );
    }

    #[test]
    fn text_is_a_string_whatever_it_holds() {
        for s in [
            "",
            "\\N",
            "tab\there\nnew line\r",
            "back\\slash",
            "\"quoted\"",
            "🦀 ß 日本",
            "NULL",
        ] {
            assert_eq!(round_trip(text(s), &text_type()), json!(s));
        }
        // The empty string is not NULL.
        assert_ne!(to_json(&text(""), &text_type()), Json::Null);
    }

    #[test]
    fn enums_intervals_and_addresses_are_their_text() {
        let mood = ColumnType::Enum {
            name: Some("mood".into()),
            labels: vec![],
        };
        assert_eq!(
            round_trip(text("it's complicated"), &mood),
            json!("it's complicated")
        );
        assert_eq!(
            round_trip(text("1 year 2 mons 03:04:05"), &ColumnType::Interval),
            json!("1 year 2 mons 03:04:05")
        );
        assert_eq!(
            round_trip(text("10.0.0.1/8"), &ColumnType::Inet),
            json!("10.0.0.1/8")
        );
    }

    #[test]
    fn bytes_are_padded_standard_base64_for_every_byte_value() {
        let every: Vec<u8> = (0..=255).collect();
        let json = round_trip(Value::Bytes(every.clone()), &binary());
        assert_eq!(json, json!(STANDARD.encode(&every)));
        assert_eq!(
            round_trip(Value::Bytes(vec![0, 0xff, 0]), &binary()),
            json!("AP8A")
        );
        assert_eq!(
            round_trip(Value::Bytes(vec![0xfb]), &binary()),
            json!("+w==")
        );
        assert_eq!(round_trip(Value::Bytes(vec![]), &binary()), json!(""));
    }

    #[test]
    fn uuids_are_hyphenated_strings() {
        let u = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(
            round_trip(Value::Uuid(u), &ColumnType::Uuid),
            json!("01234567-89ab-cdef-0123-456789abcdef")
        );
    }

    #[test]
    fn dates_and_times_are_iso_with_their_fraction() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
        let at = date.and_hms_micro_opt(7, 8, 9, 123_456).expect("time");
        assert_eq!(
            round_trip(Value::Date(date), &ColumnType::Date),
            json!("2024-02-29")
        );
        let time = ColumnType::Time {
            with_time_zone: false,
        };
        assert_eq!(
            round_trip(Value::Time(at.time()), &time),
            json!("07:08:09.123456")
        );
        let whole = NaiveTime::from_hms_opt(23, 59, 59).expect("time");
        assert_eq!(round_trip(Value::Time(whole), &time), json!("23:59:59"));
        let naive = ColumnType::Timestamp {
            with_time_zone: false,
        };
        assert_eq!(
            round_trip(Value::Timestamp(at), &naive),
            json!("2024-02-29T07:08:09.123456")
        );
        let nanos = date.and_hms_nano_opt(7, 8, 9, 1).expect("time");
        assert_eq!(
            round_trip(Value::Timestamp(nanos), &naive),
            json!("2024-02-29T07:08:09.000000001")
        );
    }

    #[test]
    fn points_in_time_are_rfc3339_in_utc_as_chrono_writes_them() {
        for (y, nanos) in [
            (2026, 0),
            (1, 999_999_000),
            (9999, 1),
            (10_000, 5_000),
            (-44, 0),
        ] {
            let at = NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_nano_opt(1, 2, 3, nanos))
                .expect("time")
                .and_utc();
            let digits = if nanos % 1_000 == 0 {
                SecondsFormat::Micros
            } else {
                SecondsFormat::Nanos
            };
            assert_eq!(
                to_json(&Value::TimestampTz(at), &timestamptz()),
                json!(at.to_rfc3339_opts(digits, true))
            );
        }
    }

    #[test]
    fn points_in_time_are_rfc3339_in_utc_with_microseconds() {
        let at = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_micro_opt(10, 0, 0, 123_456))
            .expect("time")
            .and_utc();
        assert_eq!(
            round_trip(Value::TimestampTz(at), &timestamptz()),
            json!("2026-01-01T10:00:00.123456Z")
        );
        let whole = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("time")
            .and_utc();
        assert_eq!(
            round_trip(Value::TimestampTz(whole), &timestamptz()),
            json!("2026-01-01T10:00:00.000000Z")
        );
        // Any offset reads back as the same instant, in UTC.
        let shifted = from_json(
            &json!("2026-01-01T12:00:00.123456+02:00"),
            &timestamptz(),
            PG,
        );
        assert_eq!(shifted.expect("decodes"), Value::TimestampTz(at));
    }

    #[test]
    fn spellings_a_type_cannot_parse_stay_the_databases_text() {
        let cases = [
            ("infinity", ColumnType::Date),
            ("-infinity", timestamptz()),
            ("0044-03-15 BC", ColumnType::Date),
            ("0000-00-00", ColumnType::Date),
            (
                "24:00:00",
                ColumnType::Time {
                    with_time_zone: false,
                },
            ),
            (
                "10:00:00+02",
                ColumnType::Time {
                    with_time_zone: true,
                },
            ),
            ("[0:1]={1,2}", array_of(int())),
        ];
        for (spelled, ty) in cases {
            assert_eq!(round_trip(text(spelled), &ty), json!(spelled), "{ty:?}");
        }
    }

    #[test]
    fn jsonb_stays_nested_json() {
        let nested = json!({"a": {"b": [1, 2.5, null, "x"]}, "c": true});
        assert_eq!(
            round_trip(Value::Json(nested.clone()), &ColumnType::Jsonb),
            nested
        );
        for scalar in [json!("a string"), json!(42), json!(false), json!([])] {
            assert_eq!(
                round_trip(Value::Json(scalar.clone()), &ColumnType::Jsonb),
                scalar
            );
        }
    }

    #[test]
    fn a_jsonb_null_is_not_sql_null() {
        let json = round_trip(Value::Json(Json::Null), &ColumnType::Jsonb);
        assert_eq!(json, json!({"$json": null}));
        let in_array = round_trip(
            Value::Array(vec![Value::Null, Value::Json(Json::Null)]),
            &array_of(ColumnType::Jsonb),
        );
        assert_eq!(in_array, json!([null, {"$json": null}]));
    }

    #[test]
    fn jsonb_that_looks_like_a_tag_is_wrapped() {
        let lookalike = json!({"$blob": "not bytes"});
        let json = round_trip(Value::Json(lookalike.clone()), &ColumnType::Jsonb);
        assert_eq!(json, json!({"$json": lookalike}));
        // Other `$` keys, or more than one key, are plain data.
        let plain = json!({"$other": 1});
        assert_eq!(
            round_trip(Value::Json(plain.clone()), &ColumnType::Jsonb),
            plain
        );
    }

    #[test]
    fn json_keeps_its_exact_text_as_a_string() {
        let exact = "{\"a\": 1,   \"a\":2 ,\"b\":[ ]}";
        assert_eq!(round_trip(text(exact), &ColumnType::Json), json!(exact));
        assert_eq!(
            round_trip_on(text(exact), &ColumnType::Json, Backend::MySql),
            json!(exact)
        );
    }

    #[test]
    fn arrays_nest_and_keep_null_elements() {
        let nested = Value::Array(vec![
            Value::Array(vec![Value::Int(1), Value::Null]),
            Value::Array(vec![Value::Null, Value::Int(i64::MIN)]),
        ]);
        assert_eq!(
            round_trip(nested, &array_of(int())),
            json!([[1, null], [null, -9223372036854775808_i64]])
        );
        assert_eq!(
            round_trip(Value::Array(vec![]), &array_of(int())),
            json!([])
        );
    }

    #[test]
    fn array_elements_keep_quotes_commas_braces_and_the_word_null() {
        let items = ["a,b", "{c}", "\"q\"", "back\\slash", "NULL", "", "🦀"];
        let value = Value::Array(items.iter().map(|s| text(s)).chain([Value::Null]).collect());
        assert_eq!(
            round_trip(value, &array_of(text_type())),
            json!(["a,b", "{c}", "\"q\"", "back\\slash", "NULL", "", "🦀", null])
        );
    }

    #[test]
    fn arrays_of_bytes_uuids_and_timestamps_encode_each_element() {
        let at = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("time")
            .and_utc();
        assert_eq!(
            round_trip(
                Value::Array(vec![Value::Bytes(vec![0xff]), Value::Null]),
                &array_of(binary())
            ),
            json!(["/w==", null])
        );
        assert_eq!(
            round_trip(
                Value::Array(vec![Value::TimestampTz(at), text("infinity")]),
                &array_of(timestamptz())
            ),
            json!(["2026-01-01T00:00:00.000000Z", "infinity"])
        );
        let jsonb = Value::Array(vec![
            Value::Json(json!([1, 2])),
            Value::Json(json!({"a": 1})),
        ]);
        assert_eq!(
            round_trip(jsonb, &array_of(ColumnType::Jsonb)),
            json!([[1, 2], {"a": 1}])
        );
    }

    #[test]
    fn sqlite_cells_of_another_storage_class_are_tagged() {
        let sqlite = Backend::Sqlite;
        // A BLOB in a TEXT column, TEXT in a BLOB column.
        assert_eq!(
            round_trip_on(Value::Bytes(vec![1, 2]), &text_type(), sqlite),
            json!({"$blob": "AQI="})
        );
        assert_eq!(
            round_trip_on(text("plain"), &binary(), sqlite),
            json!({"$text": "plain"})
        );
        // Text spelling a float special in a REAL column; a float special elsewhere.
        assert_eq!(
            round_trip_on(text("NaN"), &float(), sqlite),
            json!({"$text": "NaN"})
        );
        assert_eq!(round_trip_on(text("abc"), &float(), sqlite), json!("abc"));
        let untyped = ColumnType::Other {
            name: String::new(),
        };
        assert_eq!(
            round_trip_on(Value::Float(f64::INFINITY), &untyped, sqlite),
            json!({"$real": "Infinity"})
        );
        assert_eq!(
            round_trip_on(Value::Float(1.5), &untyped, sqlite),
            json!(1.5)
        );
        assert_eq!(round_trip_on(Value::Int(7), &untyped, sqlite), json!(7));
        assert_eq!(round_trip_on(text("7"), &untyped, sqlite), json!("7"));
        // Integers and reals in TEXT-typed, date and JSON columns stay numbers.
        assert_eq!(
            round_trip_on(Value::Int(3), &ColumnType::Date, sqlite),
            json!(3)
        );
        assert_eq!(
            round_trip_on(Value::Float(2.5), &ColumnType::Json, sqlite),
            json!(2.5)
        );
    }

    #[test]
    fn sqlite_strings_are_the_text_it_was_given() {
        let sqlite = Backend::Sqlite;
        let naive = ColumnType::Timestamp {
            with_time_zone: false,
        };
        for (s, ty) in [
            ("2024-01-01 10:00:00", naive.clone()),
            ("2024-01-01T10:00:00", naive),
            ("2024-01-01", ColumnType::Date),
            ("12.50", decimal()),
            ("{\"a\":1}", ColumnType::Jsonb),
            ("ABCDEF01-0000-0000-0000-000000000000", ColumnType::Uuid),
        ] {
            assert_eq!(round_trip_on(text(s), &ty, sqlite), json!(s), "{ty:?}");
        }
    }

    #[test]
    fn from_json_returns_what_the_writer_benefits_from() {
        let at = from_json(&json!("2026-01-01T10:00:00Z"), &timestamptz(), PG).expect("decodes");
        assert!(matches!(at, Value::TimestampTz(_)));
        let jsonb = from_json(&json!({"a": 1}), &ColumnType::Jsonb, PG).expect("decodes");
        assert_eq!(jsonb, Value::Json(json!({"a": 1})));
        let bytes = from_json(&json!("AP8="), &binary(), Backend::MySql).expect("decodes");
        assert_eq!(bytes, Value::Bytes(vec![0, 0xff]));
        let decimal = from_json(&json!("1.50"), &decimal(), PG).expect("decodes");
        assert_eq!(decimal, Value::Decimal("1.50".into()));
    }

    #[test]
    fn malformed_values_are_refused_with_what_was_found() {
        let err = from_json(&json!("not base64!"), &binary(), PG).expect_err("refused");
        assert!(err.to_string().contains("not base64"), "{err}");
        let err = from_json(&json!([1]), &int(), PG).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "[1] does not fit a column of type integer: expected a scalar"
        );
        let err = from_json(&json!({"$blob": 1}), &binary(), PG).expect_err("refused");
        assert!(err.to_string().contains("$blob"), "{err}");
        let err = from_json(&json!({"$real": "fast"}), &float(), PG).expect_err("refused");
        assert!(err.to_string().contains("$real"), "{err}");
    }
}
