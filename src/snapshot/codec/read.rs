//! Snapshot JSON back to values: [`from_json`] gives, for a cell and its column's type on
//! the target backend, the [`Value`] the bulk writer benefits from (the restore reader
//! calls it for every cell), and [`CodecError`] says why a cell does not fit, quoting it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::{Number, Value as Json};

use super::tags::{TAG_BLOB, TAG_JSON, TAG_REAL, TAG_TEXT, parse_float_spelling, single_tag};
use crate::db::Backend;
use crate::schema::ColumnType;
use crate::value::Value;
use crate::value::iso;

/// Why a snapshot JSON value cannot be turned back into a value for its column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// A JSON value of the wrong kind for the column.
    #[error("{found} does not fit a column of type {column_type}: expected {expected}")]
    Mismatch {
        /// The value, shortened.
        found: String,
        /// The column's type.
        column_type: String,
        /// What the column takes.
        expected: &'static str,
    },
    /// Bytes that are not base64.
    #[error("{found} is not base64 (bytes are stored as standard, padded base64)")]
    Base64 {
        /// The value, shortened.
        found: String,
    },
    /// A tagged value (`{"$blob": ...}`) whose content does not fit its tag.
    #[error("{found} is not a valid {tag} tag: expected {expected}")]
    Tag {
        /// The value, shortened.
        found: String,
        /// The tag.
        tag: &'static str,
        /// What the tag holds.
        expected: &'static str,
    },
}

/// The value to write back for a snapshot JSON `json` into a column of type `ty` on
/// `backend`.
pub(crate) fn from_json(
    json: &Json,
    ty: &ColumnType,
    backend: Backend,
) -> Result<Value, CodecError> {
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

fn is_json(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Json | ColumnType::Jsonb)
}

fn base64(s: &str) -> Result<Vec<u8>, CodecError> {
    STANDARD.decode(s).map_err(|_| CodecError::Base64 {
        found: excerpt(&Json::String(s.to_string())),
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
