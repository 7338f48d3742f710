//! Values to snapshot JSON: [`write_json`], the fast path every cell of a new snapshot goes
//! through (millions of them: it appends bytes without building a JSON value), [`to_json`],
//! the reference it must match byte for byte, and [`JsonLines`], which writes the lines of
//! raw binary `COPY` rows decoded cell by cell on the writer thread.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{SecondsFormat, Timelike};
use serde_json::{Number, Value as Json};

use super::tags::{
    TAG_BLOB, TAG_JSON, TAG_REAL, TAG_TEXT, float_spelling, is_float, needs_json_tag,
    parse_float_spelling, tag,
};
use crate::schema::ColumnType;
use crate::value::Value;
use crate::value::iso;

/// Appends the snapshot JSON of `value` to `out`: byte for byte what serializing
/// [`to_json`] gives, without building a JSON value for the common cases (snapshot creation
/// writes every cell through here).
pub(crate) fn write_json(out: &mut Vec<u8>, value: &Value, ty: &ColumnType) {
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
pub(super) fn write_text_json(out: &mut Vec<u8>, s: &str, ty: &ColumnType) {
    if matches!(ty, ColumnType::Binary { .. })
        || (is_float(ty) && parse_float_spelling(s).is_some())
    {
        serialize(out, &Value::Text(s.to_string()), ty);
    } else {
        serde_json::to_writer(&mut *out, s).expect("BUG: a string always serializes");
    }
}

/// Writes JSON lines from the cells of raw binary rows: for each row exactly what
/// [`crate::snapshot::store::TableWriter::write_values`] writes for its values.
pub(crate) struct JsonLines<'a> {
    pub out: &'a mut Vec<u8>,
    pub types: &'a [ColumnType],
    /// Rows completed.
    pub rows: u64,
}

#[cfg(feature = "postgres")]
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
pub(crate) fn to_json(value: &Value, ty: &ColumnType) -> Json {
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

fn string(s: &str) -> Json {
    Json::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_json_gives_the_bytes_of_to_json() {
        let cases = scalar_cases()
            .into_iter()
            .chain(date_and_time_cases())
            .chain(json_cases());
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

    /// One value of every kind, including those `write_json` hands to `to_json`.
    fn scalar_cases() -> Vec<(Value, ColumnType)> {
        let text = ColumnType::Text {
            max_length: None,
            fixed: false,
        };
        vec![
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
        ]
    }

    /// Dates and times of every year width and fraction, where the fast ISO path and its
    /// fallback to `to_json` meet: year 1, five-digit and negative years, a leap second.
    fn date_and_time_cases() -> Vec<(Value, ColumnType)> {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let tz = ColumnType::Timestamp {
            with_time_zone: true,
        };
        let naive = ColumnType::Timestamp {
            with_time_zone: false,
        };
        let mut cases = Vec::new();
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
        cases
    }

    /// JSON values that need the `$json` tag in one column type or the other.
    fn json_cases() -> Vec<(Value, ColumnType)> {
        let mut cases = Vec::new();
        for json in [
            serde_json::Value::Null,
            serde_json::json!("s"),
            serde_json::json!({"$blob": 1}),
        ] {
            cases.push((Value::Json(json.clone()), ColumnType::Jsonb));
            cases.push((Value::Json(json), ColumnType::Json));
        }
        cases
    }
}
