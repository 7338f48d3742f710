//! A field's text (or an array element's) as a [`Value`], by its column's [`ColumnType`]:
//! the spellings each type's output function prints under the reading session's settings
//! (`DateStyle = 'ISO, YMD'`, `TimeZone = 'UTC'`, `extra_float_digits = 3`,
//! `bytea_output = 'hex'`). Called once per cell.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::array::array;
use super::hex_value;
use crate::schema::ColumnType;
use crate::value::Value;
use crate::value::iso;

/// The value of one field's text (or one array element's), by the column's type.
pub(in crate::read) fn typed(text: &str, ty: &ColumnType) -> Result<Value, String> {
    let plain = || Value::Text(text.to_string());
    Ok(match ty {
        ColumnType::Boolean => match text {
            "t" => Value::Bool(true),
            "f" => Value::Bool(false),
            other => return Err(format!("{other:?} is not a boolean")),
        },
        ColumnType::Integer { .. } => text
            .parse()
            .map(Value::Int)
            .map_err(|_| format!("{text:?} is not a 64-bit integer"))?,
        ColumnType::Float { .. } => Value::Float(parse_float(text)?),
        // numeric's own text: every digit, and NaN or ±Infinity as spelled.
        ColumnType::Decimal { .. } => Value::Decimal(text.to_string()),
        ColumnType::Binary { .. } => Value::Bytes(parse_bytea(text)?),
        ColumnType::Uuid => uuid::Uuid::parse_str(text)
            .map(Value::Uuid)
            .map_err(|_| format!("{text:?} is not a UUID"))?,
        // json keeps its exact text: duplicate keys, key order and spacing.
        ColumnType::Json => plain(),
        ColumnType::Jsonb => serde_json::from_str(text)
            .map(Value::Json)
            .map_err(|e| format!("jsonb {text:?} cannot be read: {e}"))?,
        // `infinity`, `-infinity` and BC dates do not parse: they stay the server's text.
        ColumnType::Date => iso::parse_date(text)
            .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .map_or_else(plain, Value::Date),
        ColumnType::Time {
            with_time_zone: false,
        } => iso::parse_time(text)
            .or_else(|| NaiveTime::parse_from_str(text, "%H:%M:%S%.f").ok())
            .map_or_else(plain, Value::Time),
        ColumnType::Timestamp {
            with_time_zone: false,
        } => iso::parse_datetime(text, b' ')
            .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok())
            .map_or_else(plain, Value::Timestamp),
        // The session's TimeZone is UTC, so every point in time prints as `...+00`.
        ColumnType::Timestamp {
            with_time_zone: true,
        } => text
            .strip_suffix("+00")
            .and_then(|naive| {
                iso::parse_datetime(naive, b' ')
                    .or_else(|| NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f").ok())
            })
            .map_or_else(plain, |t| Value::TimestampTz(t.and_utc())),
        ColumnType::Array { element } => array(text, element)?,
        ColumnType::Time {
            with_time_zone: true,
        }
        | ColumnType::Text { .. }
        | ColumnType::Enum { .. }
        | ColumnType::Interval
        | ColumnType::Inet
        | ColumnType::Other { .. } => plain(),
    })
}

/// float4/float8 output: shortest exact digits (`extra_float_digits` > 0), `-0` for
/// negative zero, and the spellings `NaN`, `Infinity`, `-Infinity`.
fn parse_float(text: &str) -> Result<f64, String> {
    match text {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => text.parse().map_err(|_| format!("{text:?} is not a float")),
    }
}

/// bytea in hex output (`bytea_output = 'hex'`): `\x` then two hex digits per byte.
fn parse_bytea(text: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("bytea {text:?} is not in hex format");
    let hex = text.strip_prefix("\\x").ok_or_else(bad)?.as_bytes();
    if hex.len() % 2 != 0 {
        return Err(bad());
    }
    hex.chunks_exact(2)
        .map(|pair| Some(hex_value(pair[0])? * 16 + hex_value(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)
}
