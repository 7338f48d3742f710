//! Reading PostgreSQL's `COPY ... TO STDOUT` text format back into [`Value`]s: lines out
//! of the byte stream, fields out of lines, escapes undone, then each field typed by its
//! column's [`ColumnType`]. Pure: it needs no database.
//!
//! The format is that of the PostgreSQL manual, "COPY", section "Text Format"
//! (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2>): one line
//! per row ended by a newline, fields separated by a tab, `\N` (unescaped, the whole field)
//! for NULL, and backslash escapes `\b \f \n \r \t \v`, `\NNN` (one to three octal digits),
//! `\xNN` (one or two hex digits) and a backslash before any other character for that
//! character. Since newlines and tabs in data are always escaped, a raw newline only ends a
//! row and a raw tab only separates fields.
//!
//! The session reading sets `DateStyle = 'ISO, YMD'`, `TimeZone = 'UTC'`,
//! `IntervalStyle = 'postgres'`, `extra_float_digits = 3` and `bytea_output = 'hex'`, so
//! each type's output function prints the spellings parsed here.
//!
//! Arrays are parsed by the rules of the manual, "Arrays", section "Array Input and Output
//! Syntax" (<https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO>).
//!
//! This file cuts the stream into lines and lines into fields and undoes the escapes;
//! `typing.rs` gives a field's text its value by the column's type, `array.rs` reads array
//! literals. Everything here runs once per cell.

mod array;
#[cfg(test)]
mod tests;
mod typing;

use std::borrow::Cow;

use crate::schema::ColumnType;
use crate::value::Value;

pub(super) use typing::typed;

/// Cuts a stream of chunks into lines; a line may span chunks.
#[derive(Debug, Default)]
pub(super) struct Lines {
    /// The start of a line whose end has not arrived yet.
    pending: Vec<u8>,
}

impl Lines {
    /// Calls `line` with each line that `chunk` completes (without its newline).
    pub(super) fn feed<E>(
        &mut self,
        chunk: &[u8],
        mut line: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(end);
            rest = &tail[1..];
            if self.pending.is_empty() {
                line(head)?;
            } else {
                self.pending.extend_from_slice(head);
                let result = line(&self.pending);
                self.pending.clear();
                result?;
            }
        }
        self.pending.extend_from_slice(rest);
        Ok(())
    }

    /// Whether a line was begun and never ended.
    pub(super) fn has_partial_line(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// A line that cannot be read: the index of the field at fault (`None` when the line has
/// the wrong number of fields), and why.
pub(super) type LineError = (Option<usize>, String);

/// One line's values, typed by `types` (one per field).
pub(super) fn decode_line(line: &[u8], types: &[&ColumnType]) -> Result<Vec<Value>, LineError> {
    let mut values = Vec::with_capacity(types.len());
    let mut fields = line.split(|&b| b == b'\t');
    for (i, ty) in types.iter().enumerate() {
        let field = fields
            .next()
            .ok_or_else(|| (None, format!("a row has fewer than {} fields", types.len())))?;
        values.push(decode_field(field, ty).map_err(|message| (Some(i), message))?);
    }
    if fields.next().is_some() {
        return Err((None, format!("a row has more than {} fields", types.len())));
    }
    Ok(values)
}

/// One field: NULL, or its escapes undone and its text typed.
fn decode_field(field: &[u8], ty: &ColumnType) -> Result<Value, String> {
    if field == b"\\N" {
        return Ok(Value::Null);
    }
    let bytes = unescape(field);
    let text = std::str::from_utf8(&bytes).map_err(|_| "a field is not valid UTF-8".to_string())?;
    typed(text, ty)
}

/// A field with COPY's backslash escapes undone.
pub(super) fn unescape(field: &[u8]) -> Cow<'_, [u8]> {
    if !field.contains(&b'\\') {
        return Cow::Borrowed(field);
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&next) = field.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match next {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                // Up to three octal digits; PostgreSQL keeps the low eight bits.
                let mut value = u32::from(next - b'0');
                for _ in 0..2 {
                    match field.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' if field.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut value = 0u8;
                for _ in 0..2 {
                    match field.get(i).and_then(|&d| hex_value(d)) {
                        Some(v) => {
                            value = value * 16 + v;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(value);
            }
            // `\\`, and a backslash before any other character: that character.
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

/// A hex digit's value; shared by COPY's `\xNN` escapes and bytea's hex output.
#[inline]
fn hex_value(d: u8) -> Option<u8> {
    char::from(d).to_digit(16).map(|v| v as u8)
}
