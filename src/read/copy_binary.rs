//! Reading PostgreSQL's binary `COPY ... TO STDOUT` format back into [`Value`]s: tuples out
//! of the byte stream, fields out of tuples, each decoded into exactly the value the text
//! path (`copy_text.rs`) gives for the same cell. Pure: it needs no database.
//!
//! The framing is that of the PostgreSQL manual, "COPY", section "Binary Format": an
//! 11-byte signature, a flags word and a header extension; then per tuple a 16-bit field
//! count (-1 ends the data) and per field a 32-bit length (-1 for NULL) and the bytes of the
//! type's send function (`boolsend`, `int4send`, `float8send`, `numeric_send`, `textsend`,
//! `jsonb_send`, `uuid_send`, `date_send`, `time_send`, `timestamp_send`).
//!
//! Columns of other types are selected through their output function
//! (`pg_catalog.interval_out(t.span)`), which is what a text `COPY` prints for them; the
//! binary form of that `cstring` is the text itself, which is then typed by
//! `copy_text::typed` like any text field. Where a decoded value would not be the one the
//! text path gives by the plain route (a year outside 1..=9999, `infinity`, `24:00:00`),
//! the decoder writes the server's text for it (`pg_text.rs`) and types that, so both paths
//! agree on every value.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::copy_text::{LineError, typed};
use super::pg_text;
use crate::db::wire::{EPOCH_DAYS_FROM_CE, HEADER, USECS_PER_DAY, Wire};
use crate::schema::ColumnType;
use crate::value::Value;

/// How one column's fields are decoded.
#[derive(Debug, Clone)]
pub(super) enum Decoder {
    /// From its binary form.
    Native(Wire),
    /// From its output function's text, typed by the column's type.
    Output,
}

impl Decoder {
    /// Native when the wire type and the column's type are a pair this module decodes
    /// exactly as the text path types them. Not `real`: the text path reads `float4out`'s
    /// shortest digits as an `f64`, and Rust's shortest digits for an `f32` differ from the
    /// server's (Ryu) where a shorter spelling lies exactly on a rounding boundary
    /// (46083008 prints `4.608301e+07` there, `4.6083008e7` here).
    pub(super) fn for_column(wire: Option<&Wire>, ty: &ColumnType) -> Decoder {
        let Some(wire) = wire else {
            return Decoder::Output;
        };
        let native = matches!(
            (wire, ty),
            (Wire::Bool, ColumnType::Boolean)
                | (
                    Wire::Int2 | Wire::Int4 | Wire::Int8,
                    ColumnType::Integer { .. }
                )
                | (Wire::Float8, ColumnType::Float { .. })
                | (Wire::Numeric, ColumnType::Decimal { .. })
                | (
                    Wire::Text,
                    ColumnType::Text { .. } | ColumnType::Enum { .. } | ColumnType::Json
                )
                | (Wire::Jsonb, ColumnType::Jsonb)
                | (Wire::Bytea, ColumnType::Binary { .. })
                | (Wire::Uuid, ColumnType::Uuid)
                | (Wire::Date, ColumnType::Date)
                | (
                    Wire::Time,
                    ColumnType::Time {
                        with_time_zone: false,
                    },
                )
                | (
                    Wire::Timestamp,
                    ColumnType::Timestamp {
                        with_time_zone: false,
                    },
                )
                | (
                    Wire::TimestampTz,
                    ColumnType::Timestamp {
                        with_time_zone: true,
                    },
                )
        );
        if native {
            Decoder::Native(wire.clone())
        } else {
            Decoder::Output
        }
    }
}

/// Cuts the stream of chunks into tuples; a tuple may span chunks.
#[derive(Debug, Default)]
pub(super) struct Tuples {
    /// Bytes of a header or tuple whose end has not arrived yet.
    pending: Vec<u8>,
    header_read: bool,
    ended: bool,
}

impl Tuples {
    /// Calls `tuple` with each tuple `chunk` completes (from its field count on).
    pub(super) fn feed<E>(
        &mut self,
        chunk: &[u8],
        mut tuple: impl FnMut(&[u8]) -> Result<(), E>,
        malformed: impl Fn(&'static str) -> E,
    ) -> Result<(), E> {
        let owned;
        let data: &[u8] = if self.pending.is_empty() {
            chunk
        } else {
            self.pending.extend_from_slice(chunk);
            owned = std::mem::take(&mut self.pending);
            &owned
        };
        let mut at = 0;
        loop {
            let rest = &data[at..];
            if self.ended {
                if !rest.is_empty() {
                    return Err(malformed("data after the end of the binary COPY"));
                }
                return Ok(());
            }
            if !self.header_read {
                match header_length(rest) {
                    Some(Ok(n)) => {
                        at += n;
                        self.header_read = true;
                        continue;
                    }
                    Some(Err(message)) => return Err(malformed(message)),
                    None => break,
                }
            }
            match tuple_length(rest) {
                Some(Ok(None)) => {
                    at += 2;
                    self.ended = true;
                }
                Some(Ok(Some(n))) => {
                    tuple(&rest[..n])?;
                    at += n;
                }
                Some(Err(message)) => return Err(malformed(message)),
                None => break,
            }
        }
        self.pending.extend_from_slice(&data[at..]);
        Ok(())
    }

    /// Whether the stream ended where it should: after the trailer, nothing pending.
    pub(super) fn is_complete(&self) -> bool {
        self.ended && self.pending.is_empty()
    }
}

/// The header's length once it has all arrived.
fn header_length(data: &[u8]) -> Option<Result<usize, &'static str>> {
    if data.len() < 19 {
        return None;
    }
    if data[..11] != HEADER[..11] {
        return Some(Err("the binary COPY data has no PGCOPY signature"));
    }
    let extension = u32::from_be_bytes(data[15..19].try_into().ok()?) as usize;
    (data.len() >= 19 + extension).then_some(Ok(19 + extension))
}

/// A tuple's length once it has all arrived; `Ok(None)` for the trailer.
fn tuple_length(data: &[u8]) -> Option<Result<Option<usize>, &'static str>> {
    let count = i16::from_be_bytes(data.get(..2)?.try_into().ok()?);
    if count == -1 {
        return Some(Ok(None));
    }
    if count < 0 {
        return Some(Err("a binary COPY tuple has a negative field count"));
    }
    let mut at = 2;
    for _ in 0..count {
        let length = i32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?);
        at += 4;
        if length > 0 {
            at += length as usize;
        } else if length < -1 {
            return Some(Err("a binary COPY field has a negative length"));
        }
    }
    (data.len() >= at).then_some(Ok(Some(at)))
}

/// One decoded field: text borrowed from the COPY data (the common case, spared an
/// allocation), or any other value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    Text(&'a str),
    Value(Value),
}

impl Cell<'_> {
    pub(crate) fn into_value(self) -> Value {
        match self {
            Cell::Text(s) => Value::Text(s.to_string()),
            Cell::Value(v) => v,
        }
    }
}

/// Calls `cell` with each field of `tuple` (from its field count on), decoded by its
/// column's decoder and type.
pub(super) fn visit_tuple<'a>(
    tuple: &'a [u8],
    columns: &[(Decoder, ColumnType)],
    mut cell: impl FnMut(usize, Cell<'a>),
) -> Result<(), LineError> {
    let count = i16::from_be_bytes([tuple[0], tuple[1]]) as usize;
    if count != columns.len() {
        return Err((
            None,
            format!("a row has {count} fields, not {}", columns.len()),
        ));
    }
    let mut at = 2;
    for (i, (decoder, ty)) in columns.iter().enumerate() {
        let length = i32::from_be_bytes(
            tuple[at..at + 4]
                .try_into()
                .expect("BUG: tuple_length checked every field"),
        );
        at += 4;
        if length < 0 {
            cell(i, Cell::Value(Value::Null));
            continue;
        }
        let field = &tuple[at..at + length as usize];
        at += length as usize;
        let decoded = match decoder {
            Decoder::Native(Wire::Text) => utf8(field).map(Cell::Text),
            Decoder::Native(wire) => native(wire, ty, field).map(Cell::Value),
            Decoder::Output => utf8(field)
                .and_then(|text| typed(text, ty))
                .map(Cell::Value),
        };
        cell(i, decoded.map_err(|message| (Some(i), message))?);
    }
    Ok(())
}

/// One tuple's values, each decoded by its column's decoder and type.
pub(super) fn decode_tuple(
    tuple: &[u8],
    columns: &[(Decoder, ColumnType)],
) -> Result<Vec<Value>, LineError> {
    let mut values = Vec::with_capacity(columns.len());
    visit_tuple(tuple, columns, |_, cell| values.push(cell.into_value()))?;
    Ok(values)
}

fn fixed<const N: usize>(field: &[u8], what: &str) -> Result<[u8; N], String> {
    field
        .try_into()
        .map_err(|_| format!("a {what} field has {} bytes, not {N}", field.len()))
}

/// A field in its type's binary form, as the value the text path gives.
fn native(wire: &Wire, ty: &ColumnType, field: &[u8]) -> Result<Value, String> {
    Ok(match wire {
        Wire::Bool => Value::Bool(fixed::<1>(field, "boolean")?[0] != 0),
        Wire::Int2 => Value::Int(i16::from_be_bytes(fixed(field, "smallint")?).into()),
        Wire::Int4 => Value::Int(i32::from_be_bytes(fixed(field, "integer")?).into()),
        Wire::Int8 => Value::Int(i64::from_be_bytes(fixed(field, "bigint")?)),
        Wire::Float8 => {
            let f = f64::from_be_bytes(fixed(field, "double precision")?);
            // `float8out` prints every NaN as NaN, which reads back as the one NaN.
            Value::Float(if f.is_nan() { f64::NAN } else { f })
        }
        Wire::Numeric => Value::Decimal(pg_text::numeric(field)?),
        Wire::Text => Value::Text(utf8(field)?.to_string()),
        Wire::Jsonb => match field.split_first() {
            Some((1, text)) => typed(utf8(text)?, ty)?,
            _ => return Err("a jsonb field is not in version 1 of its binary form".into()),
        },
        Wire::Bytea => Value::Bytes(field.to_vec()),
        Wire::Uuid => Value::Uuid(uuid::Uuid::from_bytes(fixed(field, "uuid")?)),
        Wire::Date => {
            let days = i32::from_be_bytes(fixed(field, "date")?);
            match plain_date(days) {
                Some(date) => Value::Date(date),
                None => typed(&pg_text::date(days)?, ty)?,
            }
        }
        Wire::Time => {
            let micros = i64::from_be_bytes(fixed(field, "time")?);
            match plain_time(micros) {
                Some(time) => Value::Time(time),
                None => typed(&pg_text::time(micros)?, ty)?,
            }
        }
        Wire::Timestamp | Wire::TimestampTz => {
            let micros = i64::from_be_bytes(fixed(field, "timestamp")?);
            let zone = matches!(wire, Wire::TimestampTz);
            match plain_timestamp(micros) {
                Some(at) if zone => Value::TimestampTz(at.and_utc()),
                Some(at) => Value::Timestamp(at),
                None => typed(&pg_text::timestamp(micros, zone)?, ty)?,
            }
        }
        Wire::Float4 | Wire::Array { .. } => {
            return Err("real and arrays are read through their output function".into());
        }
    })
}

fn utf8(field: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(field).map_err(|_| "a field is not valid UTF-8".to_string())
}

/// A date the text path reads as a [`Value::Date`] by the plain route: years 1 to 9999.
fn plain_date(days: i32) -> Option<NaiveDate> {
    let date = NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_FROM_CE)?)?;
    (1..=9999)
        .contains(&chrono::Datelike::year(&date))
        .then_some(date)
}

/// A time of day below 24:00:00.
fn plain_time(micros: i64) -> Option<NaiveTime> {
    if !(0..USECS_PER_DAY).contains(&micros) {
        return None;
    }
    let seconds = u32::try_from(micros / 1_000_000).ok()?;
    let nanos = u32::try_from(micros % 1_000_000).ok()? * 1_000;
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos)
}

/// A timestamp in years 1 to 9999 (never `infinity`).
fn plain_timestamp(micros: i64) -> Option<NaiveDateTime> {
    if micros == i64::MIN || micros == i64::MAX {
        return None;
    }
    let days = i32::try_from(micros.div_euclid(USECS_PER_DAY)).ok()?;
    Some(plain_date(days)?.and_time(plain_time(micros.rem_euclid(USECS_PER_DAY))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(wire: Wire, ty: ColumnType, field: &[u8]) -> Result<Value, String> {
        native(&wire, &ty, field)
    }

    const TZ: ColumnType = ColumnType::Timestamp {
        with_time_zone: true,
    };

    #[test]
    fn tuples_may_span_chunks_and_the_trailer_ends_the_data() {
        let mut stream = HEADER.to_vec();
        for row in [&b"ab"[..], b"c"] {
            stream.extend_from_slice(&2i16.to_be_bytes());
            stream.extend_from_slice(&(row.len() as i32).to_be_bytes());
            stream.extend_from_slice(row);
            stream.extend_from_slice(&(-1i32).to_be_bytes());
        }
        stream.extend_from_slice(&(-1i16).to_be_bytes());
        for split in 0..stream.len() {
            let mut tuples = Tuples::default();
            let mut seen = Vec::new();
            for chunk in [&stream[..split], &stream[split..]] {
                tuples
                    .feed(
                        chunk,
                        |t| {
                            seen.push(t.to_vec());
                            Ok::<_, &str>(())
                        },
                        |m| m,
                    )
                    .expect("feeds");
            }
            assert_eq!(seen.len(), 2, "split at {split}");
            assert!(tuples.is_complete());
        }
        let mut bad = Tuples::default();
        assert!(
            bad.feed(b"NOTACOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0", |_| Ok(()), |m| m)
                .is_err()
        );
    }

    #[test]
    fn a_tuple_decodes_by_its_columns() {
        let mut tuple = 3i16.to_be_bytes().to_vec();
        for field in [&7i32.to_be_bytes()[..], b"x\ty"] {
            tuple.extend_from_slice(&(field.len() as i32).to_be_bytes());
            tuple.extend_from_slice(field);
        }
        tuple.extend_from_slice(&(-1i32).to_be_bytes());
        let int = ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        };
        let text = ColumnType::Text {
            max_length: None,
            fixed: false,
        };
        let span = ColumnType::Interval;
        let columns = [
            (Decoder::Native(Wire::Int4), int),
            (Decoder::Native(Wire::Text), text),
            (Decoder::Output, span),
        ];
        assert_eq!(
            decode_tuple(&tuple, &columns),
            Ok(vec![Value::Int(7), Value::Text("x\ty".into()), Value::Null])
        );
        assert!(decode_tuple(&tuple, &columns[..2]).is_err());
    }

    #[test]
    fn every_nan_reads_as_the_one_nan() {
        let Ok(Value::Float(nan)) = decode(
            Wire::Float8,
            ColumnType::Float { bytes: 8 },
            &0xfff8_0000_0000_0001u64.to_be_bytes(),
        ) else {
            panic!("a float");
        };
        assert_eq!(nan.to_bits(), f64::NAN.to_bits());
    }

    #[test]
    fn plain_dates_and_times_are_typed_and_the_rest_is_the_servers_text() {
        let date = |days: i32| decode(Wire::Date, ColumnType::Date, &days.to_be_bytes());
        assert_eq!(
            date(0),
            Ok(Value::Date(
                NaiveDate::from_ymd_opt(2000, 1, 1).expect("date")
            ))
        );
        assert_eq!(date(i32::MAX), Ok(Value::Text("infinity".into())));
        assert_eq!(date(i32::MIN), Ok(Value::Text("-infinity".into())));
        assert_eq!(date(-746_117), Ok(Value::Text("0044-03-15 BC".into())));
        assert_eq!(date(-730_485), Ok(Value::Text("0001-01-01 BC".into())));

        let at = |micros: i64| decode(Wire::TimestampTz, TZ, &micros.to_be_bytes());
        let noon = NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_micro_opt(12, 0, 0, 500_000))
            .expect("time");
        assert_eq!(at(43_200_500_000), Ok(Value::TimestampTz(noon.and_utc())));
        assert_eq!(at(i64::MAX), Ok(Value::Text("infinity".into())));

        let time = ColumnType::Time {
            with_time_zone: false,
        };
        assert_eq!(
            decode(Wire::Time, time.clone(), &USECS_PER_DAY.to_be_bytes()),
            Ok(Value::Text("24:00:00".into()))
        );
        assert_eq!(
            decode(Wire::Time, time, &1i64.to_be_bytes()),
            Ok(Value::Time(
                NaiveTime::from_hms_micro_opt(0, 0, 0, 1).expect("time")
            ))
        );
    }

    #[test]
    fn jsonb_is_its_version_byte_then_text() {
        assert_eq!(
            decode(Wire::Jsonb, ColumnType::Jsonb, b"\x01{\"a\": [1, null]}"),
            Ok(Value::Json(serde_json::json!({"a": [1, null]})))
        );
        assert!(decode(Wire::Jsonb, ColumnType::Jsonb, b"\x02{}").is_err());
    }

    #[test]
    fn only_pairs_decoded_exactly_are_native() {
        let int = ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        };
        assert!(matches!(
            Decoder::for_column(Some(&Wire::Int4), &int),
            Decoder::Native(_)
        ));
        assert!(matches!(
            Decoder::for_column(Some(&Wire::Text), &int),
            Decoder::Output
        ));
        let real = ColumnType::Float { bytes: 4 };
        assert!(matches!(
            Decoder::for_column(Some(&Wire::Float4), &real),
            Decoder::Output
        ));
        assert!(matches!(Decoder::for_column(None, &int), Decoder::Output));
    }
}
