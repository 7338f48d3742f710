//! Reading keys back: which [`Value`] a key column's value becomes, from the text the
//! database gives for it.
//!
//! Existing keys are selected as text (`::text`, `CAST(... AS CHAR)`) on the servers, and
//! as stored on SQLite, then parsed here by the column's type. Text that does not parse
//! stays [`Value::Text`] holding the database's own spelling, which every backend accepts
//! back as input for the same column, so a key is never lost, only left untyped.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::Result;
use super::target::Target;
use crate::db::DbError;
use crate::db::session::{Conn, Driver};
use crate::schema::ColumnType;
use crate::value::{Row, Value};

/// The kinds of value a key column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Int,
    Float,
    Bool,
    Decimal,
    Text,
    Uuid,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Bytes,
}

impl KeyKind {
    pub(super) fn of(column_type: &ColumnType) -> KeyKind {
        match column_type {
            ColumnType::Boolean => KeyKind::Bool,
            ColumnType::Integer { .. } => KeyKind::Int,
            ColumnType::Float { .. } => KeyKind::Float,
            ColumnType::Decimal { .. } => KeyKind::Decimal,
            ColumnType::Binary { .. } => KeyKind::Bytes,
            ColumnType::Uuid => KeyKind::Uuid,
            ColumnType::Date => KeyKind::Date,
            ColumnType::Time {
                with_time_zone: false,
            } => KeyKind::Time,
            ColumnType::Timestamp {
                with_time_zone: false,
            } => KeyKind::Timestamp,
            ColumnType::Timestamp {
                with_time_zone: true,
            } => KeyKind::TimestampTz,
            ColumnType::Text { .. }
            | ColumnType::Enum { .. }
            | ColumnType::Time {
                with_time_zone: true,
            }
            | ColumnType::Json
            | ColumnType::Jsonb
            | ColumnType::Interval
            | ColumnType::Inet
            | ColumnType::Array { .. }
            | ColumnType::Other { .. } => KeyKind::Text,
        }
    }

    /// The value `text` stands for in a column of this kind; [`Value::Text`] when it does
    /// not parse.
    pub(super) fn parse(self, text: String) -> Value {
        let parsed = match self {
            KeyKind::Text | KeyKind::Bytes => None,
            KeyKind::Decimal => return Value::Decimal(text),
            KeyKind::Int => text.trim().parse().ok().map(Value::Int),
            KeyKind::Float => parse_float(text.trim()).map(Value::Float),
            KeyKind::Bool => match text.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "1" => Some(Value::Bool(true)),
                "f" | "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            KeyKind::Uuid => uuid::Uuid::parse_str(text.trim()).ok().map(Value::Uuid),
            KeyKind::Date => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .map(Value::Date),
            KeyKind::Time => NaiveTime::parse_from_str(text.trim(), "%H:%M:%S%.f")
                .ok()
                .map(Value::Time),
            KeyKind::Timestamp => parse_timestamp(text.trim()).map(Value::Timestamp),
            KeyKind::TimestampTz => parse_timestamptz(text.trim()).map(Value::TimestampTz),
        };
        parsed.unwrap_or(Value::Text(text))
    }
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// PostgreSQL writes `2024-01-02 03:04:05+00` (sqlx sets the session's TimeZone to UTC),
/// SQLite holds RFC 3339, MySQL's TIMESTAMP has no offset (sqlx sets its session to UTC).
fn parse_timestamptz(text: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"]
        .iter()
        .find_map(|format| DateTime::parse_from_str(text, format).ok())
        .or_else(|| DateTime::parse_from_rfc3339(text).ok())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| parse_timestamp(text).map(|t| t.and_utc()))
}

/// Runs `sql` (the target's columns, `SELECT`ed by `existing_keys_sql`) on `conn` and
/// turns each column of each row into a [`Value`] with `decode`, by the column's
/// [`KeyKind`].
pub(super) async fn read<DB: Driver>(
    conn: &mut Conn<DB>,
    target: &Target<'_>,
    sql: String,
    decode: fn(&DB::Row, usize, KeyKind) -> sqlx::Result<Value>,
) -> Result<Vec<Row>> {
    let kinds: Vec<KeyKind> = target
        .columns
        .iter()
        .map(|c| KeyKind::of(&c.column_type))
        .collect();
    let what = format!("reading existing keys of {}", target.name);
    let rows = conn.fetch_all(sql, &what).await?;
    let decoded: std::result::Result<Vec<Row>, DbError> = rows
        .iter()
        .map(|row| {
            kinds
                .iter()
                .enumerate()
                .map(|(i, kind)| decode(row, i, *kind).map_err(|e| DbError::query(&what, e)))
                .collect()
        })
        .collect();
    Ok(decoded?)
}

/// A key column read as text (bytes for binary columns) and parsed by its kind: how the
/// servers' keys come back (selected with a cast to text, bytes left as they are).
pub(super) fn decode_text<DB: Driver>(
    row: &DB::Row,
    i: usize,
    kind: KeyKind,
) -> sqlx::Result<Value> {
    Ok(match kind {
        KeyKind::Bytes => DB::bytes(row, i)?.map_or(Value::Null, Value::Bytes),
        _ => DB::text(row, i)?.map_or(Value::Null, |text| kind.parse(text)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: KeyKind, text: &str) -> Value {
        kind.parse(text.to_string())
    }

    #[test]
    fn integers_parse_exactly_and_big_unsigned_ones_stay_text() {
        assert_eq!(
            parse(KeyKind::Int, "9223372036854775807"),
            Value::Int(i64::MAX)
        );
        assert_eq!(parse(KeyKind::Int, "-42"), Value::Int(-42));
        assert_eq!(
            parse(KeyKind::Int, "18446744073709551615"),
            Value::Text("18446744073709551615".into())
        );
    }

    #[test]
    fn uuids_dates_and_times_parse() {
        let u = "01234567-89ab-cdef-0123-456789abcdef";
        assert_eq!(
            parse(KeyKind::Uuid, u),
            Value::Uuid(uuid::Uuid::parse_str(u).expect("uuid"))
        );
        let date = NaiveDate::from_ymd_opt(2024, 1, 2).expect("date");
        assert_eq!(parse(KeyKind::Date, "2024-01-02"), Value::Date(date));
        let at = date.and_hms_micro_opt(3, 4, 5, 6).expect("time");
        assert_eq!(
            parse(KeyKind::Timestamp, "2024-01-02 03:04:05.000006"),
            Value::Timestamp(at)
        );
        for text in [
            "2024-01-02 03:04:05.000006+00",
            "2024-01-02T03:04:05.000006Z",
            "2024-01-02 05:04:05.000006+02:00",
            "2024-01-02 03:04:05.000006",
        ] {
            assert_eq!(
                parse(KeyKind::TimestampTz, text),
                Value::TimestampTz(at.and_utc()),
                "{text}"
            );
        }
        assert_eq!(
            parse(KeyKind::Time, "03:04:05"),
            Value::Time(NaiveTime::from_hms_opt(3, 4, 5).expect("time"))
        );
    }

    #[test]
    fn booleans_read_every_backends_spelling() {
        assert_eq!(parse(KeyKind::Bool, "t"), Value::Bool(true));
        assert_eq!(parse(KeyKind::Bool, "0"), Value::Bool(false));
    }

    #[test]
    fn decimals_keep_their_text_and_unparsable_values_stay_text() {
        assert_eq!(
            parse(KeyKind::Decimal, "1.50"),
            Value::Decimal("1.50".into())
        );
        assert_eq!(
            parse(KeyKind::Date, "infinity"),
            Value::Text("infinity".into())
        );
    }
}
