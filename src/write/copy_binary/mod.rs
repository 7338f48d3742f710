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
//!
//! This file is the framing — rows, fields with their lengths, arrays with their
//! dimensions — and the dispatch on the column's [`Wire`] type; `scalars.rs` and
//! `numeric.rs` hold each type's bytes. Everything here runs once per cell, so the
//! per-type steps are `#[inline]` and nothing allocates but the caller's `out` and
//! `scratch`.

mod numeric;
mod scalars;
#[cfg(test)]
mod tests;

use crate::db::wire::Wire;
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

/// A non-NULL value's bytes, by the column's type.
fn data(
    value: &Value,
    wire: &Wire,
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    match wire {
        Wire::Bool => scalars::bool(value, out),
        Wire::Int2 => scalars::int2(value, out),
        Wire::Int4 => scalars::int4(value, out),
        Wire::Int8 => scalars::int8(value, out),
        Wire::Float4 => scalars::float4(value, out),
        Wire::Float8 => scalars::float8(value, out),
        Wire::Numeric => numeric::numeric(value, server, out, scratch),
        Wire::Text => scalars::text(value, out, scratch),
        Wire::Jsonb => scalars::jsonb(value, out, scratch),
        Wire::Bytea => scalars::bytea(value, out),
        Wire::Uuid => scalars::uuid(value, out),
        Wire::Date => scalars::date(value, out),
        Wire::Time => scalars::time(value, out),
        Wire::Timestamp => scalars::timestamp(value, out),
        Wire::TimestampTz => scalars::timestamptz(value, out),
        Wire::Array { element, oid } => match value {
            Value::Array(items) => array(items, element, *oid, server, out, scratch),
            _ => Err(Unencodable),
        },
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
