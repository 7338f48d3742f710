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

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::schema::ColumnType;
use crate::value::Value;
use crate::value::iso;

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

fn hex_value(d: u8) -> Option<u8> {
    char::from(d).to_digit(16).map(|v| v as u8)
}

/// The value of one field's text (or one array element's), by the column's type.
pub(super) fn typed(text: &str, ty: &ColumnType) -> Result<Value, String> {
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

/// An array column's value: its elements typed by the element type. Some arrays stay the
/// server's text, which is written back as the same array: a literal with explicit bounds
/// (`[0:1]={1,2}`), which [`Value::Array`] cannot hold; a multi-dimensional `jsonb[]`,
/// whose nesting JSON could not tell from an element that is a JSON array; and arrays
/// whose elements are not separated by commas (`box[]`), which the writer's array
/// literals do not spell.
fn array(text: &str, element: &ColumnType) -> Result<Value, String> {
    let delimiter = delimiter(element);
    if delimiter != ',' {
        return Ok(Value::Text(text.to_string()));
    }
    let Some(elements) = parse_array(text, delimiter)? else {
        return Ok(Value::Text(text.to_string()));
    };
    let nested = elements.iter().any(|e| matches!(e, Element::Nested(_)));
    if nested && matches!(element, ColumnType::Jsonb) {
        return Ok(Value::Text(text.to_string()));
    }
    typed_elements(elements, element)
}

fn typed_elements(elements: Vec<Element>, element: &ColumnType) -> Result<Value, String> {
    elements
        .into_iter()
        .map(|e| match e {
            Element::Null => Ok(Value::Null),
            Element::Item(text) => typed(&text, element),
            Element::Nested(inner) => typed_elements(inner, element),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// The delimiter between array elements: `;` for `box`, `,` for every other built-in type
/// (`pg_type.typdelim`).
fn delimiter(element: &ColumnType) -> char {
    match element {
        ColumnType::Other { name } if name == "box" => ';',
        _ => ',',
    }
}

/// An element of an array literal, before typing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Element {
    /// The unquoted word NULL (any case).
    Null,
    /// An element's text, quotes and escapes undone.
    Item(String),
    /// A sub-array of a multi-dimensional array.
    Nested(Vec<Element>),
}

/// Parses an array literal: `{...}` of elements separated by `delimiter`, each a nested
/// `{...}`, a double-quoted string (in which `\` escapes any character, `"` and `\`
/// included), or an unquoted string (backslash escapes allowed, surrounding blanks
/// dropped; the word NULL in any case is a NULL element). `Ok(None)` when the literal
/// begins with explicit bounds (`[1:2]=`).
pub(super) fn parse_array(text: &str, delimiter: char) -> Result<Option<Vec<Element>>, String> {
    let mut parser = ArrayParser {
        chars: text.chars().collect(),
        at: 0,
        delimiter,
    };
    parser.skip_blanks();
    match parser.peek() {
        Some('[') => return Ok(None),
        Some('{') => parser.at += 1,
        _ => return Err(format!("array {text:?} does not begin with '{{'")),
    }
    let elements = parser.list().map_err(|e| format!("array {text:?}: {e}"))?;
    parser.skip_blanks();
    if parser.peek().is_some() {
        return Err(format!("array {text:?} has text after its closing brace"));
    }
    Ok(Some(elements))
}

struct ArrayParser {
    chars: Vec<char>,
    at: usize,
    delimiter: char,
}

impl ArrayParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// The elements up to and including the closing brace (the opening one is consumed).
    fn list(&mut self) -> Result<Vec<Element>, String> {
        let mut elements = Vec::new();
        self.skip_blanks();
        if self.peek() == Some('}') {
            self.at += 1;
            return Ok(elements);
        }
        loop {
            self.skip_blanks();
            let element = match self.peek() {
                Some('{') => {
                    self.at += 1;
                    Element::Nested(self.list()?)
                }
                Some('"') => {
                    self.at += 1;
                    Element::Item(self.quoted()?)
                }
                Some(_) => self.unquoted()?,
                None => return Err("it ends inside an element".into()),
            };
            elements.push(element);
            self.skip_blanks();
            match self.next() {
                Some('}') => return Ok(elements),
                Some(c) if c == self.delimiter => continue,
                Some(c) => return Err(format!("unexpected {c:?} after an element")),
                None => return Err("it has no closing brace".into()),
            }
        }
    }

    /// A double-quoted element's text (the opening quote is consumed).
    fn quoted(&mut self) -> Result<String, String> {
        let mut out = String::new();
        loop {
            match self.next() {
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.next().ok_or("it ends after a backslash")?),
                Some(c) => out.push(c),
                None => return Err("a quoted element is never closed".into()),
            }
        }
    }

    /// An unquoted element, up to the delimiter or closing brace; blanks around it are
    /// dropped, escaped ones kept.
    fn unquoted(&mut self) -> Result<Element, String> {
        let mut out = String::new();
        let mut keep = 0;
        let mut escaped = false;
        while let Some(c) = self.peek() {
            if c == self.delimiter || c == '}' {
                break;
            }
            if c == '{' || c == '"' {
                return Err(format!("unexpected {c:?} inside an unquoted element"));
            }
            self.at += 1;
            if c == '\\' {
                out.push(self.next().ok_or("it ends after a backslash")?);
                escaped = true;
                keep = out.len();
            } else {
                out.push(c);
                if !c.is_whitespace() {
                    keep = out.len();
                }
            }
        }
        out.truncate(keep);
        if out.is_empty() {
            return Err("an element is empty (an empty string must be quoted)".into());
        }
        if !escaped && out.eq_ignore_ascii_case("NULL") {
            return Ok(Element::Null);
        }
        Ok(Element::Item(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_type() -> ColumnType {
        ColumnType::Text {
            max_length: None,
            fixed: false,
        }
    }
    fn int() -> ColumnType {
        ColumnType::Integer {
            bytes: 8,
            unsigned: false,
        }
    }
    fn array_of(element: ColumnType) -> ColumnType {
        ColumnType::Array {
            element: Box::new(element),
        }
    }
    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }
    fn item(s: &str) -> Element {
        Element::Item(s.to_string())
    }
    fn elements(literal: &str) -> Vec<Element> {
        parse_array(literal, ',')
            .expect("parses")
            .expect("no bounds")
    }
    fn line(raw: &str, types: &[ColumnType]) -> Vec<Value> {
        let types: Vec<&ColumnType> = types.iter().collect();
        decode_line(raw.as_bytes(), &types).expect("decodes")
    }

    #[test]
    fn lines_may_span_chunks_and_chunks_may_hold_many_lines() {
        let mut lines = Lines::default();
        let mut seen: Vec<String> = Vec::new();
        let mut collect = |chunk: &[u8]| {
            lines
                .feed(chunk, |l| {
                    seen.push(String::from_utf8_lossy(l).into_owned());
                    Ok::<_, ()>(())
                })
                .expect("feeds");
        };
        collect(b"1\ta\n2\t");
        collect(b"b");
        collect(b"\n3\tc\n\n");
        collect(b"4");
        assert_eq!(seen, ["1\ta", "2\tb", "3\tc", ""]);
        assert!(lines.has_partial_line());
    }

    #[test]
    fn backslash_n_alone_is_null_and_an_empty_field_is_empty_text() {
        let row = line("\\N\t\t\\\\N", &[text_type(), text_type(), text_type()]);
        assert_eq!(row, [Value::Null, text(""), text("\\N")]);
    }

    #[test]
    fn every_escape_of_the_text_format_is_undone() {
        let raw = br"a\tb\nc\rd\\e\bf\fg\vh\101\x42\x4\q\";
        let expected = b"a\tb\nc\rd\\e\x08f\x0cg\x0bhAB\x04q\\";
        assert_eq!(unescape(raw).as_ref(), expected);
        // Octal keeps the low eight bits; `\x` without a hex digit is an `x`.
        assert_eq!(unescape(br"\777\xg").as_ref(), b"\xffxg");
        assert!(matches!(unescape(b"plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn rows_with_the_wrong_number_of_fields_are_refused() {
        let types = [&int, &int].map(|f| f());
        let refs: Vec<&ColumnType> = types.iter().collect();
        assert!(decode_line(b"1", &refs).is_err());
        assert!(decode_line(b"1\t2\t3", &refs).is_err());
        let (column, message) = decode_line(b"1\tx", &refs).expect_err("refused");
        assert_eq!(column, Some(1));
        assert!(message.contains("\"x\""), "{message}");
    }

    #[test]
    fn scalars_are_typed_by_their_column() {
        let row = line(
            "t\tf\t-9223372036854775808\t12345678901234567890.123456789012345678901234567890\t🦀 ß",
            &[
                ColumnType::Boolean,
                ColumnType::Boolean,
                int(),
                ColumnType::Decimal {
                    precision: None,
                    scale: None,
                },
                text_type(),
            ],
        );
        assert_eq!(
            row,
            [
                Value::Bool(true),
                Value::Bool(false),
                Value::Int(i64::MIN),
                Value::Decimal("12345678901234567890.123456789012345678901234567890".into()),
                text("🦀 ß"),
            ]
        );
    }

    #[test]
    fn floats_keep_nan_infinities_and_negative_zero() {
        let float = ColumnType::Float { bytes: 8 };
        for (spelled, expected) in [
            ("NaN", f64::NAN),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("-0", -0.0),
            ("0.30000000000000004", 0.1 + 0.2),
            ("1e+300", 1e300),
        ] {
            let Ok(Value::Float(f)) = typed(spelled, &float) else {
                panic!("{spelled} is a float");
            };
            assert!(
                f.to_bits() == expected.to_bits() || (f.is_nan() && expected.is_nan()),
                "{spelled}"
            );
        }
    }

    #[test]
    fn bytea_hex_is_decoded_and_its_copy_backslash_undone() {
        let row = line("\\\\x00ff0a", &[ColumnType::Binary { max_length: None }]);
        assert_eq!(row, [Value::Bytes(vec![0, 0xff, 0x0a])]);
        let empty = line("\\\\x", &[ColumnType::Binary { max_length: None }]);
        assert_eq!(empty, [Value::Bytes(vec![])]);
        assert!(typed("\\x0", &ColumnType::Binary { max_length: None }).is_err());
    }

    #[test]
    fn json_keeps_its_text_and_jsonb_is_parsed() {
        let exact = "{\"a\": 1,   \"a\" : 2}";
        assert_eq!(typed(exact, &ColumnType::Json), Ok(text(exact)));
        assert_eq!(
            typed("{\"a\": {\"b\": [1, null]}}", &ColumnType::Jsonb),
            Ok(Value::Json(json!({"a": {"b": [1, null]}})))
        );
        assert!(typed("{not json", &ColumnType::Jsonb).is_err());
    }

    #[test]
    fn dates_and_times_are_typed_unless_chrono_cannot_hold_them() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let at = date.and_hms_micro_opt(10, 0, 0, 123_456).expect("time");
        assert_eq!(
            typed("2026-01-01", &ColumnType::Date),
            Ok(Value::Date(date))
        );
        for special in ["infinity", "-infinity", "0044-03-15 BC"] {
            assert_eq!(typed(special, &ColumnType::Date), Ok(text(special)));
        }
        let naive = ColumnType::Timestamp {
            with_time_zone: false,
        };
        let tz = ColumnType::Timestamp {
            with_time_zone: true,
        };
        assert_eq!(
            typed("2026-01-01 10:00:00.123456", &naive),
            Ok(Value::Timestamp(at))
        );
        assert_eq!(
            typed("2026-01-01 10:00:00.123456+00", &tz),
            Ok(Value::TimestampTz(at.and_utc()))
        );
        assert_eq!(
            typed("2026-01-01 10:00:00+00", &tz),
            Ok(Value::TimestampTz(
                date.and_hms_opt(10, 0, 0).expect("time").and_utc()
            ))
        );
        assert_eq!(typed("infinity", &tz), Ok(text("infinity")));
        assert_eq!(
            typed("0044-03-15 12:00:00+00 BC", &tz),
            Ok(text("0044-03-15 12:00:00+00 BC"))
        );
        let time = ColumnType::Time {
            with_time_zone: false,
        };
        assert_eq!(
            typed("23:59:59.5", &time),
            Ok(Value::Time(
                NaiveTime::from_hms_milli_opt(23, 59, 59, 500).expect("time")
            ))
        );
        assert_eq!(typed("24:00:00", &time), Ok(text("24:00:00")));
    }

    #[test]
    fn array_elements_may_be_quoted_unquoted_or_null() {
        assert_eq!(
            elements("{a,\"b c\",NULL,\"NULL\",null,\"\"}"),
            [
                item("a"),
                item("b c"),
                Element::Null,
                item("NULL"),
                Element::Null,
                item("")
            ]
        );
        assert_eq!(elements("{}"), []);
    }

    #[test]
    fn quoted_array_elements_keep_commas_braces_quotes_and_backslashes() {
        assert_eq!(
            elements(r#"{"a,b","{c}","say \"hi\"","back\\slash","🦀"}"#),
            [
                item("a,b"),
                item("{c}"),
                item("say \"hi\""),
                item("back\\slash"),
                item("🦀")
            ]
        );
    }

    #[test]
    fn unquoted_array_elements_drop_surrounding_blanks_and_honour_escapes() {
        assert_eq!(
            elements("{ a b , c\\,d ,\\NULL, e\\ }"),
            [item("a b"), item("c,d"), item("NULL"), item("e ")]
        );
    }

    #[test]
    fn nested_arrays_are_nested() {
        assert_eq!(
            elements("{{1,2},{NULL,\"4\"}}"),
            [
                Element::Nested(vec![item("1"), item("2")]),
                Element::Nested(vec![Element::Null, item("4")]),
            ]
        );
    }

    #[test]
    fn malformed_arrays_are_refused() {
        for bad in ["", "a", "{a", "{a,}", "{\"a}", "{a}b", "{a\"b}", "{a,,b}"] {
            assert!(parse_array(bad, ',').is_err(), "{bad:?}");
        }
    }

    #[test]
    fn arrays_with_explicit_bounds_stay_text() {
        assert_eq!(parse_array("[0:1]={1,2}", ','), Ok(None));
        assert_eq!(
            typed("[0:1]={1,2}", &array_of(int())),
            Ok(text("[0:1]={1,2}"))
        );
    }

    #[test]
    fn array_elements_are_typed_by_the_element_type() {
        assert_eq!(
            typed("{{1,NULL},{-3,4}}", &array_of(int())),
            Ok(Value::Array(vec![
                Value::Array(vec![Value::Int(1), Value::Null]),
                Value::Array(vec![Value::Int(-3), Value::Int(4)]),
            ]))
        );
        assert_eq!(
            typed(
                r#"{"\\x00ff",NULL}"#,
                &array_of(ColumnType::Binary { max_length: None })
            ),
            Ok(Value::Array(vec![Value::Bytes(vec![0, 0xff]), Value::Null]))
        );
        assert_eq!(
            typed(r#"{"{\"a\": [1, 2]}",null}"#, &array_of(ColumnType::Jsonb)),
            Ok(Value::Array(vec![
                Value::Json(json!({"a": [1, 2]})),
                Value::Null
            ]))
        );
        assert_eq!(
            typed("{NaN,-Infinity}", &array_of(ColumnType::Float { bytes: 8 }))
                .map(|v| format!("{v:?}")),
            Ok("Array([Float(NaN), Float(-inf)])".to_string())
        );
    }

    #[test]
    fn multi_dimensional_jsonb_arrays_stay_text() {
        let literal = r#"{{"[1]","2"}}"#;
        assert_eq!(
            typed(literal, &array_of(ColumnType::Jsonb)),
            Ok(text(literal))
        );
    }

    #[test]
    fn box_arrays_are_separated_by_semicolons_and_stay_text() {
        assert_eq!(
            parse_array("{(1,1),(0,0);(2,2),(1,1)}", ';'),
            Ok(Some(vec![item("(1,1),(0,0)"), item("(2,2),(1,1)")]))
        );
        let boxes = array_of(ColumnType::Other { name: "box".into() });
        let literal = "{(1,1),(0,0);(2,2),(1,1)}";
        assert_eq!(typed(literal, &boxes), Ok(text(literal)));
    }

    #[test]
    fn an_array_line_from_copy_is_unescaped_then_parsed() {
        // The literal {"a\"b","c\\d","e\tf"} as COPY prints it: each backslash doubled and
        // the tab escaped.
        let raw = r#"{"a\\"b","c\\\\d","e\tf"}"#;
        assert_eq!(
            line(raw, &[array_of(text_type())]),
            [Value::Array(vec![text("a\"b"), text("c\\d"), text("e\tf")])]
        );
    }
}
