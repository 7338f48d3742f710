//! Each scalar type's bytes in binary `COPY`, as its receive function reads them
//! (`boolrecv`, `int2recv`/`int4recv`/`int8recv`, `float4recv`/`float8recv`, `textrecv`,
//! `jsonb_recv`, `bytearecv`, `uuid_recv`, `date_recv`, `time_recv`, `timestamp_recv`),
//! or [`Unencodable`] where the text path's spelling might read differently. `numeric` has
//! a room of its own (`numeric.rs`). Called once per cell: every step is `#[inline]`.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use super::{Encoded, Unencodable};
use crate::db::wire::{EPOCH_DAYS_FROM_CE, EPOCH_JULIAN, USECS_PER_DAY};
use crate::value::Value;
use crate::write::copy_text::input_text;

/// `boolrecv`: one byte.
#[inline]
pub(super) fn bool(value: &Value, out: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Bool(b) => out.push(u8::from(*b)),
        // `boolin` reads "0" and "1".
        Value::Int(i @ (0 | 1)) => out.push(*i as u8),
        _ => return Err(Unencodable),
    }
    Ok(())
}

/// `int2recv`: two bytes, big-endian; out of range is the server's to refuse.
#[inline]
pub(super) fn int2(value: &Value, out: &mut Vec<u8>) -> Encoded {
    out.extend_from_slice(
        &i16::try_from(integer(value)?)
            .map_err(|_| Unencodable)?
            .to_be_bytes(),
    );
    Ok(())
}

/// `int4recv`: four bytes, big-endian; out of range is the server's to refuse.
#[inline]
pub(super) fn int4(value: &Value, out: &mut Vec<u8>) -> Encoded {
    out.extend_from_slice(
        &i32::try_from(integer(value)?)
            .map_err(|_| Unencodable)?
            .to_be_bytes(),
    );
    Ok(())
}

/// `int8recv`: eight bytes, big-endian.
#[inline]
pub(super) fn int8(value: &Value, out: &mut Vec<u8>) -> Encoded {
    out.extend_from_slice(&integer(value)?.to_be_bytes());
    Ok(())
}

/// `float4recv`: the IEEE 754 bits, big-endian.
#[inline]
pub(super) fn float4(value: &Value, out: &mut Vec<u8>) -> Encoded {
    out.extend_from_slice(&float4_value(value)?.to_bits().to_be_bytes());
    Ok(())
}

/// `float8recv`: the IEEE 754 bits, big-endian.
#[inline]
pub(super) fn float8(value: &Value, out: &mut Vec<u8>) -> Encoded {
    out.extend_from_slice(&float8_value(value)?.to_bits().to_be_bytes());
    Ok(())
}

/// The text the input function would read (`copy_text::input_text`), as is: exactly what
/// the receive function reads. `textrecv`, `varcharrecv` and `bpcharrecv` apply the same
/// length rules, `enum_recv` looks the label up, `json_recv` validates and keeps the text.
#[inline]
pub(super) fn text(value: &Value, out: &mut Vec<u8>, scratch: &mut String) -> Encoded {
    match value {
        Value::Text(s) | Value::Decimal(s) => out.extend_from_slice(s.as_bytes()),
        other => {
            scratch.clear();
            input_text(other, scratch);
            out.extend_from_slice(scratch.as_bytes());
        }
    }
    Ok(())
}

/// `jsonb_recv`: version 1, then the text `jsonb_in` would parse.
#[inline]
pub(super) fn jsonb(value: &Value, out: &mut Vec<u8>, scratch: &mut String) -> Encoded {
    out.push(1);
    text(value, out, scratch)
}

/// `bytearecv`: the bytes themselves.
#[inline]
pub(super) fn bytea(value: &Value, out: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Bytes(bytes) => out.extend_from_slice(bytes),
        _ => return Err(Unencodable),
    }
    Ok(())
}

/// `uuid_recv`: the 16 bytes.
#[inline]
pub(super) fn uuid(value: &Value, out: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Uuid(u) => out.extend_from_slice(u.as_bytes()),
        Value::Text(s) if is_canonical_uuid(s) => {
            let u = uuid::Uuid::parse_str(s).map_err(|_| Unencodable)?;
            out.extend_from_slice(u.as_bytes());
        }
        _ => return Err(Unencodable),
    }
    Ok(())
}

/// `date_recv`: days since 2000-01-01, the extremes for the text `±infinity`.
#[inline]
pub(super) fn date(value: &Value, out: &mut Vec<u8>) -> Encoded {
    let days = match value {
        Value::Date(d) => date_days(*d)?,
        Value::Text(s) => match s.as_str() {
            // `DATEVAL_NOBEGIN` / `DATEVAL_NOEND`.
            "-infinity" => i32::MIN,
            "infinity" => i32::MAX,
            _ => return Err(Unencodable),
        },
        _ => return Err(Unencodable),
    };
    out.extend_from_slice(&days.to_be_bytes());
    Ok(())
}

/// `time_recv`: microseconds since midnight.
#[inline]
pub(super) fn time(value: &Value, out: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Time(t) => out.extend_from_slice(&time_micros(*t)?.to_be_bytes()),
        _ => return Err(Unencodable),
    }
    Ok(())
}

/// `timestamp_recv`: microseconds since 2000-01-01 00:00:00.
#[inline]
pub(super) fn timestamp(value: &Value, out: &mut Vec<u8>) -> Encoded {
    let micros = match value {
        Value::Timestamp(t) => timestamp_micros(t.date(), t.time())?,
        other => infinite_timestamp(other)?,
    };
    out.extend_from_slice(&micros.to_be_bytes());
    Ok(())
}

/// `timestamptz_recv`: microseconds since 2000-01-01 00:00:00 UTC. A timestamp without
/// zone is not one: what it means depends on the session's zone.
#[inline]
pub(super) fn timestamptz(value: &Value, out: &mut Vec<u8>) -> Encoded {
    let micros = match value {
        Value::TimestampTz(t) => {
            let t = t.naive_utc();
            timestamp_micros(t.date(), t.time())?
        }
        other => infinite_timestamp(other)?,
    };
    out.extend_from_slice(&micros.to_be_bytes());
    Ok(())
}

/// An integer, or a decimal string of one (`-?[0-9]+`, which `int8in` reads the same).
#[inline]
fn integer(value: &Value) -> Result<i64, Unencodable> {
    match value {
        Value::Int(i) => Ok(*i),
        Value::Decimal(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Unencodable);
            }
            s.parse().map_err(|_| Unencodable)
        }
        _ => Err(Unencodable),
    }
}

/// `float8in` of the text path's spelling: Rust's shortest round-trip digits read back as
/// the same number; NaN is the one NaN `float8in("NaN")` gives. An integer's decimal
/// digits round to nearest, as `as` does.
#[inline]
fn float8_value(value: &Value) -> Result<f64, Unencodable> {
    match value {
        Value::Float(f) if f.is_nan() => Ok(f64::NAN),
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        _ => Err(Unencodable),
    }
}

/// `float4in` of the text path's spelling of an `f64` (its shortest round-trip digits):
/// the nearest `f32` to those digits, which is not always the nearest to the `f64` itself
/// (double rounding), so inexact values are rounded from the digits. A value `real`
/// cannot hold (too large, or so small it would read as zero) is left to the server,
/// which refuses it.
#[inline]
fn float4_value(value: &Value) -> Result<f32, Unencodable> {
    let x = match value {
        Value::Float(f) if f.is_nan() => return Ok(f32::NAN),
        Value::Float(f) => *f,
        // An integer's digits are exact: rounding them once is `as`.
        Value::Int(i) => return Ok(*i as f32),
        _ => return Err(Unencodable),
    };
    let near = x as f32;
    let y = if f64::from(near) == x || x.is_infinite() {
        near
    } else {
        format!("{x:?}").parse::<f32>().map_err(|_| Unencodable)?
    };
    if (y.is_infinite() && x.is_finite()) || (y == 0.0 && x != 0.0) {
        return Err(Unencodable);
    }
    Ok(y)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case, a form `uuid_in`
/// reads as the same 16 bytes.
#[inline]
fn is_canonical_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Days since 2000-01-01; dates before 4714-11-24 BC (Julian day 0) are the server's to
/// refuse.
#[inline]
fn date_days(d: NaiveDate) -> Result<i32, Unencodable> {
    let days = d.num_days_from_ce() - EPOCH_DAYS_FROM_CE;
    if i64::from(days) + EPOCH_JULIAN < 0 {
        return Err(Unencodable);
    }
    Ok(days)
}

/// Microseconds since midnight, the fraction truncated to microseconds as the text path
/// writes it. A leap second (chrono's second 60) is left to the server.
#[inline]
fn time_micros(t: NaiveTime) -> Result<i64, Unencodable> {
    if t.nanosecond() >= 1_000_000_000 {
        return Err(Unencodable);
    }
    Ok(i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000))
}

/// Microseconds since 2000-01-01 00:00:00.
#[inline]
fn timestamp_micros(date: NaiveDate, time: NaiveTime) -> Result<i64, Unencodable> {
    let days = i64::from(date_days(date)?);
    days.checked_mul(USECS_PER_DAY)
        .and_then(|m| m.checked_add(time_micros(time).ok()?))
        .ok_or(Unencodable)
}

/// `DT_NOBEGIN` / `DT_NOEND` for the text `-infinity` / `infinity`.
#[inline]
fn infinite_timestamp(value: &Value) -> Result<i64, Unencodable> {
    match value {
        Value::Text(s) if s == "-infinity" => Ok(i64::MIN),
        Value::Text(s) if s == "infinity" => Ok(i64::MAX),
        _ => Err(Unencodable),
    }
}
