//! The text decoder's unit tests: lines across chunks, escapes, each type's spelling, and
//! array literals.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveTime};
use serde_json::json;

use super::array::{Element, parse_array};
use super::*;

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
