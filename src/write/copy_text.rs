//! Encoding rows in PostgreSQL's `COPY` text format: one line per row, columns separated by
//! tabs, `\N` for NULL.
//!
//! The rules are those of the PostgreSQL manual, "COPY", section "Text Format"
//! (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2>): a backslash,
//! newline, carriage return or tab inside a value must be written `\\`, `\n`, `\r`, `\t`,
//! and only the unescaped `\N` means NULL, so a text value that reads `\N` is written `\\N`.
//! Each value is first rendered as the text PostgreSQL's input function for its type reads
//! (`t`/`f`, `NaN`, `\x0a0b` for bytea, `{"a","b"}` for arrays, ...), then that text is
//! COPY-escaped as a whole. This module is pure: it needs no database.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::value::Value;

/// Appends `row` as one line of COPY text (with its newline) to `out`. `scratch` is reused
/// between calls to spare an allocation per value.
pub(super) fn encode_row(row: &[Value], out: &mut Vec<u8>, scratch: &mut String) {
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        encode_value(value, out, scratch);
    }
    out.push(b'\n');
}

/// Appends one value, COPY-escaped.
fn encode_value(value: &Value, out: &mut Vec<u8>, scratch: &mut String) {
    match value {
        Value::Null => out.extend_from_slice(b"\\N"),
        Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
        Value::Decimal(s) | Value::Text(s) => escape_into(s, out),
        // Hex digits need no escaping; only the format's leading backslash does.
        Value::Bytes(bytes) => {
            out.extend_from_slice(b"\\\\x");
            hex_into(bytes, out);
        }
        other => {
            scratch.clear();
            input_text(other, scratch);
            escape_into(scratch, out);
        }
    }
}

/// Appends `text` with COPY's four mandatory escapes applied.
fn escape_into(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

fn hex_into(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0x0f)]);
    }
}

/// Appends the text PostgreSQL's input function for the value's type reads, unescaped.
/// `Null` (meaningful only inside arrays, where it is handled) renders as nothing.
pub(super) fn input_text(value: &Value, out: &mut String) {
    // `write!` into a String cannot fail.
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => float_text(*f, out),
        Value::Decimal(s) | Value::Text(s) => out.push_str(s),
        Value::Bytes(bytes) => {
            out.push_str("\\x");
            let mut hex = Vec::with_capacity(bytes.len() * 2);
            hex_into(bytes, &mut hex);
            out.extend(hex.iter().map(|&b| char::from(b)));
        }
        Value::Uuid(u) => {
            let _ = write!(out, "{}", u.hyphenated());
        }
        Value::Date(d) => date_text(*d, out),
        Value::Time(t) => time_text(*t, out),
        Value::Timestamp(t) => timestamp_text(*t, None, out),
        Value::TimestampTz(t) => timestamptz_text(*t, out),
        Value::Json(j) => {
            let _ = write!(out, "{j}");
        }
        Value::Array(items) => array_text(items, out),
    }
}

/// Floats in the spelling `float8in` reads, with every digit needed to read the same
/// number back (Rust's `{:?}` is the shortest round-trip representation).
fn float_text(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f == f64::INFINITY {
        out.push_str("Infinity");
    } else if f == f64::NEG_INFINITY {
        out.push_str("-Infinity");
    } else {
        let _ = write!(out, "{f:?}");
    }
}

/// `YYYY-MM-DD`, with PostgreSQL's ` BC` suffix for years before 1 (chrono's year 0 is 1 BC).
fn date_text(d: NaiveDate, out: &mut String) {
    let (year, bc) = era_year(d.year());
    let _ = write!(out, "{year:04}-{:02}-{:02}", d.month(), d.day());
    if bc {
        out.push_str(" BC");
    }
}

fn era_year(year: i32) -> (i32, bool) {
    if year >= 1 {
        (year, false)
    } else {
        (1 - year, true)
    }
}

/// `HH:MM:SS.ffffff`: PostgreSQL keeps microseconds. A chrono leap second reads as `:60`.
fn time_text(t: NaiveTime, out: &mut String) {
    let nanos = t.nanosecond();
    let (second, nanos) = if nanos >= 1_000_000_000 {
        (t.second() + 1, nanos - 1_000_000_000)
    } else {
        (t.second(), nanos)
    };
    let _ = write!(
        out,
        "{:02}:{:02}:{second:02}.{:06}",
        t.hour(),
        t.minute(),
        nanos / 1_000
    );
}

/// `YYYY-MM-DD HH:MM:SS.ffffff[+00][ BC]`.
fn timestamp_text(t: NaiveDateTime, zone: Option<&str>, out: &mut String) {
    let (year, bc) = era_year(t.year());
    let _ = write!(out, "{year:04}-{:02}-{:02} ", t.month(), t.day());
    time_text(t.time(), out);
    if let Some(zone) = zone {
        out.push_str(zone);
    }
    if bc {
        out.push_str(" BC");
    }
}

fn timestamptz_text(t: DateTime<Utc>, out: &mut String) {
    timestamp_text(t.naive_utc(), Some("+00"), out);
}

/// An array literal (PostgreSQL manual, "Arrays", section "Array Value Input"): elements
/// in double quotes with `"` and `\` backslash-escaped, so commas, braces, blanks and the
/// word NULL inside a value stay data; a NULL element is the bare word NULL; nested arrays
/// are written recursively.
fn array_text(items: &[Value], out: &mut String) {
    out.push('{');
    let mut element = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Value::Null => out.push_str("NULL"),
            Value::Array(inner) => array_text(inner, out),
            other => {
                element.clear();
                input_text(other, &mut element);
                out.push('"');
                for c in element.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(row: &[Value]) -> String {
        let mut out = Vec::new();
        encode_row(row, &mut out, &mut String::new());
        String::from_utf8(out).expect("COPY text of UTF-8 input is UTF-8")
    }

    fn cell(value: Value) -> String {
        let text = line(&[value]);
        text.strip_suffix('\n').expect("a line ends").to_string()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn columns_are_tab_separated_and_rows_end_with_a_newline() {
        assert_eq!(
            line(&[Value::Int(1), text("a"), Value::Null]),
            "1\ta\t\\N\n"
        );
    }

    #[test]
    fn null_is_backslash_n_and_empty_text_is_empty() {
        assert_eq!(cell(Value::Null), "\\N");
        assert_eq!(cell(text("")), "");
    }

    #[test]
    fn text_that_reads_backslash_n_is_not_null() {
        assert_eq!(cell(text("\\N")), "\\\\N");
    }

    #[test]
    fn tabs_newlines_returns_and_backslashes_are_escaped() {
        assert_eq!(cell(text("a\tb\nc\rd\\e")), "a\\tb\\nc\\rd\\\\e");
        assert_eq!(cell(text("\\")), "\\\\");
        assert_eq!(cell(text("\\.")), "\\\\.");
    }

    #[test]
    fn other_text_is_written_as_is() {
        assert_eq!(
            cell(text("O'Brien \"quoted\", {braces} 🦀 ß")),
            "O'Brien \"quoted\", {braces} 🦀 ß"
        );
    }

    #[test]
    fn integers_keep_every_digit() {
        assert_eq!(cell(Value::Int(i64::MAX)), "9223372036854775807");
        assert_eq!(cell(Value::Int(i64::MIN)), "-9223372036854775808");
    }

    #[test]
    fn booleans_are_t_and_f() {
        assert_eq!(cell(Value::Bool(true)), "t");
        assert_eq!(cell(Value::Bool(false)), "f");
    }

    #[test]
    fn floats_round_trip_and_special_values_are_spelled_as_postgres_reads_them() {
        assert_eq!(cell(Value::Float(f64::NAN)), "NaN");
        assert_eq!(cell(Value::Float(f64::INFINITY)), "Infinity");
        assert_eq!(cell(Value::Float(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(cell(Value::Float(-0.0)), "-0.0");
        assert_eq!(cell(Value::Float(0.1)), "0.1");
        for f in [
            0.1 + 0.2,
            1e300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            123_456_789.123_456_79,
        ] {
            let written = cell(Value::Float(f));
            assert_eq!(written.parse::<f64>().expect("parses"), f, "{written}");
        }
    }

    #[test]
    fn decimals_are_written_as_is() {
        assert_eq!(cell(Value::Decimal("-1234.5000".into())), "-1234.5000");
    }

    #[test]
    fn bytea_is_hex_with_its_backslash_escaped() {
        assert_eq!(cell(Value::Bytes(vec![0x0a, 0x0b, 0xff])), "\\\\x0a0bff");
        assert_eq!(cell(Value::Bytes(vec![])), "\\\\x");
    }

    #[test]
    fn uuids_are_hyphenated() {
        let u = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(cell(Value::Uuid(u)), "01234567-89ab-cdef-0123-456789abcdef");
    }

    #[test]
    fn dates_and_times_are_iso_with_microseconds() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
        let time = NaiveTime::from_hms_micro_opt(7, 8, 9, 12).expect("time");
        assert_eq!(cell(Value::Date(date)), "2024-02-29");
        assert_eq!(cell(Value::Time(time)), "07:08:09.000012");
        assert_eq!(
            cell(Value::Timestamp(date.and_time(time))),
            "2024-02-29 07:08:09.000012"
        );
        assert_eq!(
            cell(Value::TimestampTz(date.and_time(time).and_utc())),
            "2024-02-29 07:08:09.000012+00"
        );
    }

    #[test]
    fn years_before_one_are_written_bc() {
        let date = NaiveDate::from_ymd_opt(-43, 3, 15).expect("date");
        assert_eq!(cell(Value::Date(date)), "0044-03-15 BC");
        let at = date.and_hms_opt(12, 0, 0).expect("time").and_utc();
        assert_eq!(
            cell(Value::TimestampTz(at)),
            "0044-03-15 12:00:00.000000+00 BC"
        );
    }

    #[test]
    fn json_is_compact_and_then_escaped() {
        let json = serde_json::json!({"a": "tab\there", "b": [1, null]});
        // serde_json writes the tab as the JSON escape `\t`, whose backslash COPY escapes.
        assert_eq!(
            cell(Value::Json(json)),
            "{\"a\":\"tab\\\\there\",\"b\":[1,null]}"
        );
        let raw = serde_json::json!("back\\slash");
        assert_eq!(cell(Value::Json(raw)), "\"back\\\\\\\\slash\"");
    }

    #[test]
    fn array_elements_are_quoted_and_null_elements_are_bare() {
        let array = Value::Array(vec![text("a"), Value::Null, text("NULL"), text("")]);
        assert_eq!(cell(array), "{\"a\",NULL,\"NULL\",\"\"}");
    }

    #[test]
    fn array_elements_keep_quotes_commas_braces_and_backslashes() {
        let array = Value::Array(vec![text("x\"y"), text("a,b"), text("{c}"), text("d\\e")]);
        // In the literal: {"x\"y","a,b","{c}","d\\e"}; then COPY doubles each backslash.
        assert_eq!(cell(array), "{\"x\\\\\"y\",\"a,b\",\"{c}\",\"d\\\\\\\\e\"}");
    }

    #[test]
    fn array_elements_with_tabs_and_newlines_are_copy_escaped() {
        let array = Value::Array(vec![text("a\tb\nc")]);
        assert_eq!(cell(array), "{\"a\\tb\\nc\"}");
    }

    #[test]
    fn nested_and_empty_arrays() {
        let nested = Value::Array(vec![
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
            Value::Array(vec![Value::Int(3), Value::Null]),
        ]);
        assert_eq!(cell(nested), "{{\"1\",\"2\"},{\"3\",NULL}}");
        assert_eq!(cell(Value::Array(vec![])), "{}");
    }

    #[test]
    fn arrays_of_bytea_escape_twice() {
        // Element text \x0a → in the literal "\\x0a" → in COPY "\\\\x0a".
        let array = Value::Array(vec![Value::Bytes(vec![0x0a])]);
        assert_eq!(cell(array), "{\"\\\\\\\\x0a\"}");
    }

    #[test]
    fn arrays_of_floats_spell_special_values() {
        let array = Value::Array(vec![
            Value::Float(f64::NAN),
            Value::Float(f64::NEG_INFINITY),
        ]);
        assert_eq!(cell(array), "{\"NaN\",\"-Infinity\"}");
    }
}
