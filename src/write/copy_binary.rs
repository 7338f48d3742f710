//! Encoding rows in PostgreSQL's binary `COPY` format: per row a 16-bit field count, per
//! field a 32-bit length (-1 for NULL) and the bytes each type's receive function reads
//! (PostgreSQL manual, "COPY", section "Binary Format"; the per-type forms are those of
//! `boolrecv`, `int2recv`, `float8recv`, `numeric_recv`, `textrecv`, `jsonb_recv`,
//! `uuid_recv`, `date_recv`, `time_recv`, `timestamp_recv` and `array_recv`).
//!
//! The contract is the text path's (`copy_text.rs`): a value must reach the table exactly
//! as the type's input function would have read the text `copy_text` writes for it. Where
//! a value's binary form is not certain to be that — text spelling a date (`infinity`
//! aside), a float a `real` cannot hold, an integer out of range, a ragged array — the
//! encoder refuses with [`Unencodable`], and the writer finishes the binary `COPY` and
//! sends the rest of the rows as text, where the server's own input function decides.
//! The receive functions apply a column's type modifier (`varchar(n)` length,
//! `numeric(p, s)` rounding, timestamp precision) just as the input functions do.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use super::copy_text::input_text;
use super::wire::{EPOCH_DAYS_FROM_CE, EPOCH_JULIAN, USECS_PER_DAY, Wire};
use crate::value::Value;

/// A value whose binary form might differ from what the server makes of its text: the
/// caller sends it (and the rows after it) in text format instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unencodable;

type Encoded = Result<(), Unencodable>;

/// What the encoder needs to know of the server.
#[derive(Debug, Clone, Copy)]
pub(super) struct Server {
    /// numeric `Infinity` exists from PostgreSQL 14 (`server_version_num` 140000).
    pub numeric_infinity: bool,
}

/// Appends one row; on [`Unencodable`], `out` may hold part of it (the caller truncates).
pub(super) fn encode_row(
    row: &[Value],
    wires: &[&Wire],
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    let count = i16::try_from(row.len()).map_err(|_| Unencodable)?;
    out.extend_from_slice(&count.to_be_bytes());
    for (value, wire) in row.iter().zip(wires) {
        field(value, wire, server, out, scratch)?;
    }
    Ok(())
}

/// One field: its length, then its bytes (or -1 for NULL).
fn field(
    value: &Value,
    wire: &Wire,
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    if value.is_null() {
        out.extend_from_slice(&(-1i32).to_be_bytes());
        return Ok(());
    }
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    data(value, wire, server, out, scratch)?;
    let length = i32::try_from(out.len() - at - 4).map_err(|_| Unencodable)?;
    out[at..at + 4].copy_from_slice(&length.to_be_bytes());
    Ok(())
}

/// A non-NULL value's bytes.
fn data(
    value: &Value,
    wire: &Wire,
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    match wire {
        Wire::Bool => match value {
            Value::Bool(b) => out.push(u8::from(*b)),
            // `boolin` reads "0" and "1".
            Value::Int(i @ (0 | 1)) => out.push(*i as u8),
            _ => return Err(Unencodable),
        },
        Wire::Int2 => out.extend_from_slice(
            &i16::try_from(integer(value)?)
                .map_err(|_| Unencodable)?
                .to_be_bytes(),
        ),
        Wire::Int4 => out.extend_from_slice(
            &i32::try_from(integer(value)?)
                .map_err(|_| Unencodable)?
                .to_be_bytes(),
        ),
        Wire::Int8 => out.extend_from_slice(&integer(value)?.to_be_bytes()),
        Wire::Float4 => out.extend_from_slice(&float4(value)?.to_bits().to_be_bytes()),
        Wire::Float8 => out.extend_from_slice(&float8(value)?.to_bits().to_be_bytes()),
        Wire::Numeric => numeric(value, server, out, scratch)?,
        // The text the input function would read is exactly what the receive function
        // reads: `textrecv`, `varcharrecv` and `bpcharrecv` apply the same length rules,
        // `enum_recv` looks the label up, `json_recv` validates and keeps the text.
        Wire::Text => text(value, out, scratch),
        Wire::Jsonb => {
            // `jsonb_recv`: version 1, then the text `jsonb_in` would parse.
            out.push(1);
            text(value, out, scratch);
        }
        Wire::Bytea => match value {
            Value::Bytes(bytes) => out.extend_from_slice(bytes),
            _ => return Err(Unencodable),
        },
        Wire::Uuid => match value {
            Value::Uuid(u) => out.extend_from_slice(u.as_bytes()),
            Value::Text(s) if is_canonical_uuid(s) => {
                let u = uuid::Uuid::parse_str(s).map_err(|_| Unencodable)?;
                out.extend_from_slice(u.as_bytes());
            }
            _ => return Err(Unencodable),
        },
        Wire::Date => {
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
        }
        Wire::Time => match value {
            Value::Time(t) => out.extend_from_slice(&time_micros(*t)?.to_be_bytes()),
            _ => return Err(Unencodable),
        },
        Wire::Timestamp => {
            let micros = match value {
                Value::Timestamp(t) => timestamp_micros(t.date(), t.time())?,
                other => infinite_timestamp(other)?,
            };
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Wire::TimestampTz => {
            let micros = match value {
                Value::TimestampTz(t) => {
                    let t = t.naive_utc();
                    timestamp_micros(t.date(), t.time())?
                }
                other => infinite_timestamp(other)?,
            };
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Wire::Array { element, oid } => match value {
            Value::Array(items) => array(items, element, *oid, server, out, scratch)?,
            _ => return Err(Unencodable),
        },
    }
    Ok(())
}

/// The text the input function would read (`copy_text::input_text`), as is.
fn text(value: &Value, out: &mut Vec<u8>, scratch: &mut String) {
    match value {
        Value::Text(s) | Value::Decimal(s) => out.extend_from_slice(s.as_bytes()),
        other => {
            scratch.clear();
            input_text(other, scratch);
            out.extend_from_slice(scratch.as_bytes());
        }
    }
}

/// An integer, or a decimal string of one (`-?[0-9]+`, which `int8in` reads the same).
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
fn float8(value: &Value) -> Result<f64, Unencodable> {
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
fn float4(value: &Value) -> Result<f32, Unencodable> {
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

/// numeric's binary form (`numeric_send`): digit count, weight (of the first base-10000
/// digit), sign (`0x0000` +, `0x4000` -, `0xC000` NaN, `0xD000` +Infinity, `0xF000`
/// -Infinity), display scale, then the base-10000 digits.
fn numeric(value: &Value, server: Server, out: &mut Vec<u8>, scratch: &mut String) -> Encoded {
    let spelled: &str = match value {
        Value::Decimal(s) => s,
        Value::Int(i) => {
            scratch.clear();
            scratch.push_str(itoa::Buffer::new().format(*i));
            scratch
        }
        Value::Float(_) => {
            scratch.clear();
            input_text(value, scratch);
            scratch
        }
        _ => return Err(Unencodable),
    };
    let special = match spelled {
        "NaN" => Some(0xC000u16),
        "Infinity" if server.numeric_infinity => Some(0xD000),
        "-Infinity" if server.numeric_infinity => Some(0xF000),
        _ => None,
    };
    if let Some(sign) = special {
        for part in [0u16, 0, sign, 0] {
            out.extend_from_slice(&part.to_be_bytes());
        }
        return Ok(());
    }
    numeric_digits(spelled, out)
}

/// A plain decimal, `-?[0-9]+(\.[0-9]+)?`, as `numeric_in` reads it: the display scale is
/// the number of digits after the point. Anything else (exponents, blanks, `+`) is left
/// to the server.
fn numeric_digits(spelled: &str, out: &mut Vec<u8>) -> Encoded {
    let (negative, unsigned) = match spelled.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, spelled),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits_only(whole)
        || !digits_only(fraction)
        || (unsigned.contains('.') && fraction.is_empty())
        || spelled.len() > 1000
    {
        return Err(Unencodable);
    }
    let whole = whole.trim_start_matches('0');
    let dscale = u16::try_from(fraction.len()).map_err(|_| Unencodable)?;
    // Base-10000 digits aligned on the decimal point: the whole part padded on the left,
    // the fraction on the right, to multiples of four.
    let lead = (4 - whole.len() % 4) % 4;
    let trail = (4 - fraction.len() % 4) % 4;
    let decimal = std::iter::repeat_n(0u8, lead)
        .chain(whole.bytes().map(|b| b - b'0'))
        .chain(fraction.bytes().map(|b| b - b'0'))
        .chain(std::iter::repeat_n(0u8, trail));
    let mut groups: Vec<u16> = Vec::with_capacity((whole.len() + fraction.len()) / 4 + 2);
    let mut group = 0u16;
    for (i, d) in decimal.enumerate() {
        group = group * 10 + u16::from(d);
        if i % 4 == 3 {
            groups.push(group);
            group = 0;
        }
    }
    let whole_groups = (lead + whole.len()) / 4;
    let mut weight = whole_groups as i64 - 1;
    let first = groups.iter().position(|&g| g != 0);
    let last = groups.iter().rposition(|&g| g != 0);
    let (digits, sign) = match (first, last) {
        (Some(first), Some(last)) => {
            weight -= first as i64;
            (&groups[first..=last], if negative { 0x4000u16 } else { 0 })
        }
        // Zero: no digits, positive, as `make_result` stores it.
        _ => {
            weight = 0;
            (&groups[..0], 0)
        }
    };
    let count = u16::try_from(digits.len()).map_err(|_| Unencodable)?;
    let weight = i16::try_from(weight).map_err(|_| Unencodable)?;
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for digit in digits {
        out.extend_from_slice(&digit.to_be_bytes());
    }
    Ok(())
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case, a form `uuid_in`
/// reads as the same 16 bytes.
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
fn date_days(d: NaiveDate) -> Result<i32, Unencodable> {
    let days = d.num_days_from_ce() - EPOCH_DAYS_FROM_CE;
    if i64::from(days) + EPOCH_JULIAN < 0 {
        return Err(Unencodable);
    }
    Ok(days)
}

/// Microseconds since midnight, the fraction truncated to microseconds as the text path
/// writes it. A leap second (chrono's second 60) is left to the server.
fn time_micros(t: NaiveTime) -> Result<i64, Unencodable> {
    if t.nanosecond() >= 1_000_000_000 {
        return Err(Unencodable);
    }
    Ok(i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000))
}

/// Microseconds since 2000-01-01 00:00:00.
fn timestamp_micros(date: NaiveDate, time: NaiveTime) -> Result<i64, Unencodable> {
    let days = i64::from(date_days(date)?);
    days.checked_mul(USECS_PER_DAY)
        .and_then(|m| m.checked_add(time_micros(time).ok()?))
        .ok_or(Unencodable)
}

/// `DT_NOBEGIN` / `DT_NOEND` for the text `-infinity` / `infinity`.
fn infinite_timestamp(value: &Value) -> Result<i64, Unencodable> {
    match value {
        Value::Text(s) if s == "-infinity" => Ok(i64::MIN),
        Value::Text(s) if s == "infinity" => Ok(i64::MAX),
        _ => Err(Unencodable),
    }
}

/// `array_recv`'s form: dimension count, a has-NULLs flag, the element type, then per
/// dimension its length and lower bound (1), then every element as a field, in row-major
/// order. Only rectangular arrays of at most six dimensions (`MAXDIM`) with no empty
/// sub-array: anything else the text path's literal would make `array_in` refuse, or read
/// in a way not worth mirroring.
fn array(
    items: &[Value],
    element: &Wire,
    oid: u32,
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    let mut dims: Vec<i32> = Vec::new();
    let mut level = items;
    loop {
        dims.push(i32::try_from(level.len()).map_err(|_| Unencodable)?);
        match level.first() {
            Some(Value::Array(inner)) => level = inner,
            _ => break,
        }
    }
    if dims.len() > 6 || (dims.len() > 1 && dims.contains(&0)) {
        return Err(Unencodable);
    }
    let ndim = if items.is_empty() { 0 } else { dims.len() };
    let mut has_nulls = false;
    check_shape(items, &dims, &mut has_nulls)?;
    out.extend_from_slice(&(ndim as i32).to_be_bytes());
    out.extend_from_slice(&i32::from(has_nulls).to_be_bytes());
    out.extend_from_slice(&oid.to_be_bytes());
    for &len in &dims[..ndim] {
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes());
    }
    elements(items, element, server, out, scratch)
}

/// Every sub-array at depth `d` has `dims[d]` items; the innermost hold no arrays.
fn check_shape(items: &[Value], dims: &[i32], has_nulls: &mut bool) -> Encoded {
    if items.len() != dims[0] as usize {
        return Err(Unencodable);
    }
    for item in items {
        match (item, dims.len() > 1) {
            (Value::Array(inner), true) => check_shape(inner, &dims[1..], has_nulls)?,
            (Value::Array(_), false) | (_, true) => return Err(Unencodable),
            (Value::Null, false) => *has_nulls = true,
            (_, false) => {}
        }
    }
    Ok(())
}

fn elements(
    items: &[Value],
    element: &Wire,
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    for item in items {
        match item {
            Value::Array(inner) => elements(inner, element, server, out, scratch)?,
            other => field(other, element, server, out, scratch)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime, Utc};

    const SERVER: Server = Server {
        numeric_infinity: true,
    };

    fn encode(value: Value, wire: &Wire) -> Result<Vec<u8>, Unencodable> {
        let mut out = Vec::new();
        field(&value, wire, SERVER, &mut out, &mut String::new())?;
        Ok(out)
    }

    /// The field's bytes without the length prefix (which is checked to match).
    fn bytes(value: Value, wire: &Wire) -> Vec<u8> {
        let out = encode(value, wire).expect("encodable");
        let length = i32::from_be_bytes(out[..4].try_into().expect("4 bytes"));
        assert_eq!(length as usize, out.len() - 4);
        out[4..].to_vec()
    }

    fn numeric_parts(spelled: &str) -> (i16, u16, u16, Vec<u16>) {
        let out = bytes(Value::Decimal(spelled.into()), &Wire::Numeric);
        let word = |i: usize| u16::from_be_bytes([out[2 * i], out[2 * i + 1]]);
        let count = word(0) as usize;
        (
            word(1) as i16,
            word(2),
            word(3),
            (0..count).map(|i| word(4 + i)).collect(),
        )
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn null_is_a_length_of_minus_one_whatever_the_type() {
        for wire in [Wire::Int4, Wire::Text, Wire::Date] {
            assert_eq!(encode(Value::Null, &wire), Ok(vec![0xff; 4]));
        }
    }

    #[test]
    fn a_row_is_its_field_count_then_its_fields() {
        let mut out = Vec::new();
        let wires = [&Wire::Int4, &Wire::Text];
        encode_row(
            &[Value::Int(7), text("ab")],
            &wires,
            SERVER,
            &mut out,
            &mut String::new(),
        )
        .expect("encodes");
        assert_eq!(out, [0, 2, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 2, b'a', b'b']);
    }

    #[test]
    fn integers_are_big_endian_and_out_of_range_ones_are_left_to_the_server() {
        assert_eq!(bytes(Value::Int(-2), &Wire::Int2), [0xff, 0xfe]);
        assert_eq!(
            bytes(Value::Int(i64::MIN), &Wire::Int8),
            i64::MIN.to_be_bytes()
        );
        assert_eq!(
            bytes(Value::Decimal("-007".into()), &Wire::Int4),
            (-7i32).to_be_bytes()
        );
        assert_eq!(encode(Value::Int(40_000), &Wire::Int2), Err(Unencodable));
        assert_eq!(
            encode(Value::Decimal("1e3".into()), &Wire::Int8),
            Err(Unencodable)
        );
        assert_eq!(
            encode(Value::Decimal("18446744073709551615".into()), &Wire::Int8),
            Err(Unencodable)
        );
        assert_eq!(encode(text("5"), &Wire::Int4), Err(Unencodable));
        assert_eq!(encode(Value::Float(1.0), &Wire::Int4), Err(Unencodable));
    }

    #[test]
    fn booleans_are_one_byte() {
        assert_eq!(bytes(Value::Bool(true), &Wire::Bool), [1]);
        assert_eq!(bytes(Value::Int(0), &Wire::Bool), [0]);
        assert_eq!(encode(text("yes"), &Wire::Bool), Err(Unencodable));
    }

    #[test]
    fn floats_keep_their_bits_and_nan_is_the_one_nan() {
        let f8 = |v: f64| {
            u64::from_be_bytes(bytes(Value::Float(v), &Wire::Float8).try_into().expect("8"))
        };
        assert_eq!(f8(-0.0), (-0.0f64).to_bits());
        assert_eq!(f8(0.1 + 0.2), (0.1f64 + 0.2).to_bits());
        assert_eq!(
            f8(f64::from_bits(0xfff8_0000_0000_0001)),
            f64::NAN.to_bits()
        );
        assert_eq!(f8(f64::NEG_INFINITY), f64::NEG_INFINITY.to_bits());
        assert_eq!(
            u64::from_be_bytes(
                bytes(Value::Int(9_007_199_254_740_993), &Wire::Float8)
                    .try_into()
                    .expect("8")
            ),
            9_007_199_254_740_992f64.to_bits()
        );
    }

    #[test]
    fn real_rounds_the_text_paths_digits_and_leaves_overflow_to_the_server() {
        let f4 = |v: f64| {
            f32::from_bits(u32::from_be_bytes(
                bytes(Value::Float(v), &Wire::Float4).try_into().expect("4"),
            ))
        };
        assert_eq!(f4(0.1), 0.1f32);
        assert_eq!(f4(f64::from(0.1f32)), 0.1f32);
        assert_eq!(f4(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f4(f64::INFINITY), f32::INFINITY);
        // The exact midpoint between two floats: its shortest digits are not the midpoint,
        // and they decide.
        let below = 1.0f32;
        let above = f32::from_bits(below.to_bits() + 1);
        let midpoint = (f64::from(below) + f64::from(above)) / 2.0;
        let digits: f32 = format!("{midpoint:?}").parse().expect("parses");
        assert_eq!(f4(midpoint), digits);
        assert_eq!(encode(Value::Float(1e300), &Wire::Float4), Err(Unencodable));
        assert_eq!(
            encode(Value::Float(1e-300), &Wire::Float4),
            Err(Unencodable)
        );
    }

    #[test]
    fn numerics_are_base_10000_digits_aligned_on_the_point() {
        assert_eq!(numeric_parts("0"), (0, 0, 0, vec![]));
        assert_eq!(numeric_parts("-0.00"), (0, 0, 2, vec![]));
        assert_eq!(numeric_parts("1"), (0, 0, 0, vec![1]));
        assert_eq!(numeric_parts("12345.678"), (1, 0, 3, vec![1, 2345, 6780]));
        assert_eq!(numeric_parts("-0.0001"), (-1, 0x4000, 4, vec![1]));
        assert_eq!(numeric_parts("0.00001"), (-2, 0, 5, vec![1000]));
        assert_eq!(numeric_parts("10000"), (1, 0, 0, vec![1]));
        assert_eq!(numeric_parts("1.50"), (0, 0, 2, vec![1, 5000]));
        assert_eq!(numeric_parts("000123"), (0, 0, 0, vec![123]));
        let (weight, _, dscale, digits) =
            numeric_parts("12345678901234567890.123456789012345678901234567890");
        assert_eq!((weight, dscale), (4, 30));
        assert_eq!(
            digits,
            [
                1234, 5678, 9012, 3456, 7890, 1234, 5678, 9012, 3456, 7890, 1234, 5678, 9000
            ]
        );
    }

    #[test]
    fn numeric_specials_have_their_sign_words() {
        assert_eq!(numeric_parts("NaN"), (0, 0xC000, 0, vec![]));
        assert_eq!(numeric_parts("Infinity"), (0, 0xD000, 0, vec![]));
        assert_eq!(numeric_parts("-Infinity"), (0, 0xF000, 0, vec![]));
        let old = Server {
            numeric_infinity: false,
        };
        let mut out = Vec::new();
        let refused = field(
            &Value::Decimal("Infinity".into()),
            &Wire::Numeric,
            old,
            &mut out,
            &mut String::new(),
        );
        assert_eq!(refused, Err(Unencodable));
    }

    #[test]
    fn numerics_the_server_would_read_differently_are_left_to_it() {
        for odd in [
            "1e5", " 1", "+1", ".5", "5.", "1_000", "0x1F", "nan", "", "-",
        ] {
            assert_eq!(
                encode(Value::Decimal(odd.into()), &Wire::Numeric),
                Err(Unencodable),
                "{odd}"
            );
        }
        assert_eq!(numeric_parts_of(Value::Int(-42)), (0, 0x4000, 0, vec![42]));
        assert_eq!(
            numeric_parts_of(Value::Float(2.5)),
            (0, 0, 1, vec![2, 5000])
        );
        assert_eq!(
            encode(Value::Float(1e300), &Wire::Numeric),
            Err(Unencodable)
        );
    }

    fn numeric_parts_of(value: Value) -> (i16, u16, u16, Vec<u16>) {
        let out = bytes(value, &Wire::Numeric);
        let word = |i: usize| u16::from_be_bytes([out[2 * i], out[2 * i + 1]]);
        (
            word(1) as i16,
            word(2),
            word(3),
            (0..word(0) as usize).map(|i| word(4 + i)).collect(),
        )
    }

    #[test]
    fn text_types_carry_the_input_functions_text() {
        assert_eq!(
            bytes(text("a\tb\\N 🦀"), &Wire::Text),
            "a\tb\\N 🦀".as_bytes()
        );
        assert_eq!(bytes(Value::Int(42), &Wire::Text), b"42");
        assert_eq!(bytes(Value::Bytes(vec![0x0a]), &Wire::Text), b"\\x0a");
        let json = serde_json::json!({"a": [1, null]});
        assert_eq!(
            bytes(Value::Json(json), &Wire::Jsonb),
            b"\x01{\"a\":[1,null]}"
        );
        assert_eq!(
            bytes(text("{\"a\": 1, \"a\": 2}"), &Wire::Jsonb),
            b"\x01{\"a\": 1, \"a\": 2}"
        );
    }

    #[test]
    fn uuids_and_bytes_are_raw() {
        let u = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(bytes(Value::Uuid(u), &Wire::Uuid), u.as_bytes());
        assert_eq!(
            bytes(text("01234567-89AB-cdef-0123-456789abcdef"), &Wire::Uuid),
            u.as_bytes()
        );
        assert_eq!(
            encode(text("{01234567-89ab-cdef-0123-456789abcdef}"), &Wire::Uuid),
            Err(Unencodable)
        );
        assert_eq!(bytes(Value::Bytes(vec![0, 0xff]), &Wire::Bytea), [0, 0xff]);
        assert_eq!(encode(text("\\x00"), &Wire::Bytea), Err(Unencodable));
    }

    #[test]
    fn dates_and_timestamps_count_from_2000_and_infinity_is_the_extreme() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let days = |v| i32::from_be_bytes(bytes(v, &Wire::Date).try_into().expect("4"));
        assert_eq!(days(Value::Date(day(2000, 1, 1))), 0);
        assert_eq!(days(Value::Date(day(1999, 12, 31))), -1);
        assert_eq!(days(Value::Date(day(-43, 3, 15))), -746_117);
        assert_eq!(days(text("infinity")), i32::MAX);
        assert_eq!(days(text("-infinity")), i32::MIN);
        assert_eq!(encode(text("0044-03-15 BC"), &Wire::Date), Err(Unencodable));
        assert_eq!(
            encode(Value::Date(day(-5000, 1, 1)), &Wire::Date),
            Err(Unencodable)
        );

        let at: NaiveDateTime = day(2000, 1, 2)
            .and_hms_nano_opt(0, 0, 1, 1_999)
            .expect("time");
        let micros = |v, w| i64::from_be_bytes(bytes(v, w).try_into().expect("8"));
        assert_eq!(
            micros(Value::Timestamp(at), &Wire::Timestamp),
            86_400_000_000 + 1_000_001
        );
        assert_eq!(
            micros(Value::TimestampTz(at.and_utc()), &Wire::TimestampTz),
            86_400_000_001 + 1_000_000
        );
        let before = day(1999, 12, 31)
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .expect("time");
        assert_eq!(micros(Value::Timestamp(before), &Wire::Timestamp), -1);
        assert_eq!(micros(text("infinity"), &Wire::TimestampTz), i64::MAX);
        assert_eq!(micros(text("-infinity"), &Wire::Timestamp), i64::MIN);
        // A timestamp without zone in a timestamptz column depends on the session's zone.
        assert_eq!(
            encode(Value::Timestamp(at), &Wire::TimestampTz),
            Err(Unencodable)
        );
        assert_eq!(
            encode(Value::TimestampTz(Utc::now()), &Wire::Timestamp),
            Err(Unencodable)
        );
        let leap = NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).expect("leap second");
        assert_eq!(encode(Value::Time(leap), &Wire::Time), Err(Unencodable));
        assert_eq!(encode(text("24:00:00"), &Wire::Time), Err(Unencodable));
        let noon = NaiveTime::from_hms_micro_opt(12, 0, 0, 5).expect("time");
        assert_eq!(micros(Value::Time(noon), &Wire::Time), 43_200_000_005);
    }

    #[test]
    fn arrays_have_dimensions_bounds_and_their_element_type() {
        let grid = Value::Array(vec![
            Value::Array(vec![Value::Int(1), Value::Null]),
            Value::Array(vec![Value::Int(3), Value::Int(4)]),
        ]);
        let wire = Wire::Array {
            element: Box::new(Wire::Int4),
            oid: 23,
        };
        let mut expected = Vec::new();
        for word in [2i32, 1, 23, 2, 1, 2, 1, 4, 1, -1, 4, 3, 4, 4] {
            expected.extend_from_slice(&word.to_be_bytes());
        }
        assert_eq!(bytes(grid, &wire), expected);
        let empty = bytes(Value::Array(vec![]), &wire);
        assert_eq!(empty, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23]);
    }

    #[test]
    fn ragged_or_odd_arrays_are_left_to_the_server() {
        let wire = Wire::Array {
            element: Box::new(Wire::Int4),
            oid: 23,
        };
        let ragged = Value::Array(vec![
            Value::Array(vec![Value::Int(1)]),
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
        ]);
        let mixed = Value::Array(vec![Value::Array(vec![Value::Int(1)]), Value::Int(2)]);
        let hollow = Value::Array(vec![Value::Array(vec![]), Value::Array(vec![])]);
        for odd in [
            ragged,
            mixed,
            hollow,
            text("[0:1]={1,2}"),
            Value::Array(vec![Value::Int(1 << 40)]),
        ] {
            assert_eq!(encode(odd.clone(), &wire), Err(Unencodable), "{odd:?}");
        }
    }
}
