//! The codec's contract, value by value: every spelling of the table in [`super`]'s
//! documentation, each checked to read back as the value it came from (JSON text in
//! between), on PostgreSQL, MySQL and SQLite.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{NaiveDate, NaiveTime, SecondsFormat};
use serde_json::{Value as Json, json};

use super::{from_json, to_json};
use crate::db::Backend;
use crate::schema::ColumnType;
use crate::value::Value;

const PG: Backend = Backend::Postgres;

fn int() -> ColumnType {
    ColumnType::Integer {
        bytes: 8,
        unsigned: false,
    }
}
fn float() -> ColumnType {
    ColumnType::Float { bytes: 8 }
}
fn decimal() -> ColumnType {
    ColumnType::Decimal {
        precision: None,
        scale: None,
    }
}
fn text_type() -> ColumnType {
    ColumnType::Text {
        max_length: None,
        fixed: false,
    }
}
fn binary() -> ColumnType {
    ColumnType::Binary { max_length: None }
}
fn array_of(element: ColumnType) -> ColumnType {
    ColumnType::Array {
        element: Box::new(element),
    }
}
fn timestamptz() -> ColumnType {
    ColumnType::Timestamp {
        with_time_zone: true,
    }
}
fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Equal, NaN included (`NaN != NaN` for `PartialEq`) and -0.0 told from 0.0.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

/// Value → JSON → JSON text → JSON → value: the same value, and returns the JSON.
fn round_trip_on(value: Value, ty: &ColumnType, backend: Backend) -> Json {
    let json = to_json(&value, ty);
    let line = serde_json::to_string(&json).expect("serializes");
    let parsed: Json = serde_json::from_str(&line).expect("parses");
    let back = from_json(&parsed, ty, backend).expect("decodes");
    assert!(same(&value, &back), "{value:?} became {back:?} via {line}");
    json
}

fn round_trip(value: Value, ty: &ColumnType) -> Json {
    round_trip_on(value, ty, PG)
}

#[test]
fn null_is_null_in_every_column() {
    for ty in [
        int(),
        text_type(),
        binary(),
        ColumnType::Jsonb,
        array_of(int()),
    ] {
        assert_eq!(round_trip(Value::Null, &ty), Json::Null);
    }
}

#[test]
fn booleans_are_true_and_false() {
    assert_eq!(
        round_trip(Value::Bool(true), &ColumnType::Boolean),
        json!(true)
    );
    assert_eq!(
        round_trip(Value::Bool(false), &ColumnType::Boolean),
        json!(false)
    );
    // tinyint(1) holding 2, or SQLite's 5 in a BOOLEAN column, stays a number.
    assert_eq!(round_trip(Value::Int(2), &ColumnType::Boolean), json!(2));
}

#[test]
fn integers_keep_every_digit() {
    let max = round_trip(Value::Int(i64::MAX), &int());
    assert_eq!(max.to_string(), "9223372036854775807");
    let min = round_trip(Value::Int(i64::MIN), &int());
    assert_eq!(min.to_string(), "-9223372036854775808");
    assert_eq!(round_trip(Value::Int(0), &int()), json!(0));
}

#[test]
fn an_unsigned_bigint_above_i64_is_a_decimal_string() {
    let big = Value::Decimal("18446744073709551615".into());
    let ty = ColumnType::Integer {
        bytes: 8,
        unsigned: true,
    };
    assert_eq!(
        round_trip_on(big, &ty, Backend::MySql),
        json!("18446744073709551615")
    );
}

#[test]
fn floats_are_numbers_that_read_back_bit_for_bit() {
    for f in [0.1, 0.1 + 0.2, 1e300, 5e-324, f64::MAX, -2.5, 5.0, 1e16] {
        let json = round_trip(Value::Float(f), &float());
        assert!(json.is_number(), "{json}");
    }
    // An integral float stays a float: `5.0`, not `5`.
    assert_eq!(to_json(&Value::Float(5.0), &float()).to_string(), "5.0");
}

#[test]
fn nan_infinities_and_negative_zero_are_strings() {
    for (f, spelled) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (-0.0, "-0"),
    ] {
        assert_eq!(round_trip(Value::Float(f), &float()), json!(spelled));
        let element = round_trip(Value::Array(vec![Value::Float(f)]), &array_of(float()));
        assert_eq!(element, json!([spelled]));
    }
    // Positive zero is a plain number.
    assert_eq!(round_trip(Value::Float(0.0), &float()), json!(0.0));
}

#[test]
fn decimals_are_strings_with_every_digit() {
    let digits = "12345678901234567890.123456789012345678901234567890";
    assert_eq!(
        round_trip(Value::Decimal(digits.into()), &decimal()),
        json!(digits)
    );
    assert_eq!(
        round_trip(Value::Decimal("NaN".into()), &decimal()),
        json!("NaN")
    );
    assert_eq!(
        round_trip(Value::Decimal("-Infinity".into()), &decimal()),
        json!("-Infinity")
    );
    assert_eq!(
        round_trip(Value::Decimal("1.50".into()), &decimal()),
        json!("1.50")
    );
}

#[test]
fn text_is_a_string_whatever_it_holds() {
    for s in [
        "",
        "\\N",
        "tab\there\nnew line\r",
        "back\\slash",
        "\"quoted\"",
        "🦀 ß 日本",
        "NULL",
    ] {
        assert_eq!(round_trip(text(s), &text_type()), json!(s));
    }
    // The empty string is not NULL.
    assert_ne!(to_json(&text(""), &text_type()), Json::Null);
}

#[test]
fn enums_intervals_and_addresses_are_their_text() {
    let mood = ColumnType::Enum {
        name: Some("mood".into()),
        labels: vec![],
    };
    assert_eq!(
        round_trip(text("it's complicated"), &mood),
        json!("it's complicated")
    );
    assert_eq!(
        round_trip(text("1 year 2 mons 03:04:05"), &ColumnType::Interval),
        json!("1 year 2 mons 03:04:05")
    );
    assert_eq!(
        round_trip(text("10.0.0.1/8"), &ColumnType::Inet),
        json!("10.0.0.1/8")
    );
}

#[test]
fn bytes_are_padded_standard_base64_for_every_byte_value() {
    let every: Vec<u8> = (0..=255).collect();
    let json = round_trip(Value::Bytes(every.clone()), &binary());
    assert_eq!(json, json!(STANDARD.encode(&every)));
    assert_eq!(
        round_trip(Value::Bytes(vec![0, 0xff, 0]), &binary()),
        json!("AP8A")
    );
    assert_eq!(
        round_trip(Value::Bytes(vec![0xfb]), &binary()),
        json!("+w==")
    );
    assert_eq!(round_trip(Value::Bytes(vec![]), &binary()), json!(""));
}

#[test]
fn uuids_are_hyphenated_strings() {
    let u = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    assert_eq!(
        round_trip(Value::Uuid(u), &ColumnType::Uuid),
        json!("01234567-89ab-cdef-0123-456789abcdef")
    );
}

#[test]
fn dates_and_times_are_iso_with_their_fraction() {
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    let at = date.and_hms_micro_opt(7, 8, 9, 123_456).expect("time");
    assert_eq!(
        round_trip(Value::Date(date), &ColumnType::Date),
        json!("2024-02-29")
    );
    let time = ColumnType::Time {
        with_time_zone: false,
    };
    assert_eq!(
        round_trip(Value::Time(at.time()), &time),
        json!("07:08:09.123456")
    );
    let whole = NaiveTime::from_hms_opt(23, 59, 59).expect("time");
    assert_eq!(round_trip(Value::Time(whole), &time), json!("23:59:59"));
    let naive = ColumnType::Timestamp {
        with_time_zone: false,
    };
    assert_eq!(
        round_trip(Value::Timestamp(at), &naive),
        json!("2024-02-29T07:08:09.123456")
    );
    let nanos = date.and_hms_nano_opt(7, 8, 9, 1).expect("time");
    assert_eq!(
        round_trip(Value::Timestamp(nanos), &naive),
        json!("2024-02-29T07:08:09.000000001")
    );
}

#[test]
fn points_in_time_are_rfc3339_in_utc_as_chrono_writes_them() {
    for (y, nanos) in [
        (2026, 0),
        (1, 999_999_000),
        (9999, 1),
        (10_000, 5_000),
        (-44, 0),
    ] {
        let at = NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_nano_opt(1, 2, 3, nanos))
            .expect("time")
            .and_utc();
        let digits = if nanos % 1_000 == 0 {
            SecondsFormat::Micros
        } else {
            SecondsFormat::Nanos
        };
        assert_eq!(
            to_json(&Value::TimestampTz(at), &timestamptz()),
            json!(at.to_rfc3339_opts(digits, true))
        );
    }
}

#[test]
fn points_in_time_are_rfc3339_in_utc_with_microseconds() {
    let at = NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_micro_opt(10, 0, 0, 123_456))
        .expect("time")
        .and_utc();
    assert_eq!(
        round_trip(Value::TimestampTz(at), &timestamptz()),
        json!("2026-01-01T10:00:00.123456Z")
    );
    let whole = NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("time")
        .and_utc();
    assert_eq!(
        round_trip(Value::TimestampTz(whole), &timestamptz()),
        json!("2026-01-01T10:00:00.000000Z")
    );
    // Any offset reads back as the same instant, in UTC.
    let shifted = from_json(
        &json!("2026-01-01T12:00:00.123456+02:00"),
        &timestamptz(),
        PG,
    );
    assert_eq!(shifted.expect("decodes"), Value::TimestampTz(at));
}

#[test]
fn spellings_a_type_cannot_parse_stay_the_databases_text() {
    let cases = [
        ("infinity", ColumnType::Date),
        ("-infinity", timestamptz()),
        ("0044-03-15 BC", ColumnType::Date),
        ("0000-00-00", ColumnType::Date),
        (
            "24:00:00",
            ColumnType::Time {
                with_time_zone: false,
            },
        ),
        (
            "10:00:00+02",
            ColumnType::Time {
                with_time_zone: true,
            },
        ),
        ("[0:1]={1,2}", array_of(int())),
    ];
    for (spelled, ty) in cases {
        assert_eq!(round_trip(text(spelled), &ty), json!(spelled), "{ty:?}");
    }
}

#[test]
fn jsonb_stays_nested_json() {
    let nested = json!({"a": {"b": [1, 2.5, null, "x"]}, "c": true});
    assert_eq!(
        round_trip(Value::Json(nested.clone()), &ColumnType::Jsonb),
        nested
    );
    for scalar in [json!("a string"), json!(42), json!(false), json!([])] {
        assert_eq!(
            round_trip(Value::Json(scalar.clone()), &ColumnType::Jsonb),
            scalar
        );
    }
}

#[test]
fn a_jsonb_null_is_not_sql_null() {
    let json = round_trip(Value::Json(Json::Null), &ColumnType::Jsonb);
    assert_eq!(json, json!({"$json": null}));
    let in_array = round_trip(
        Value::Array(vec![Value::Null, Value::Json(Json::Null)]),
        &array_of(ColumnType::Jsonb),
    );
    assert_eq!(in_array, json!([null, {"$json": null}]));
}

#[test]
fn jsonb_that_looks_like_a_tag_is_wrapped() {
    let lookalike = json!({"$blob": "not bytes"});
    let json = round_trip(Value::Json(lookalike.clone()), &ColumnType::Jsonb);
    assert_eq!(json, json!({"$json": lookalike}));
    // Other `$` keys, or more than one key, are plain data.
    let plain = json!({"$other": 1});
    assert_eq!(
        round_trip(Value::Json(plain.clone()), &ColumnType::Jsonb),
        plain
    );
}

#[test]
fn json_keeps_its_exact_text_as_a_string() {
    let exact = "{\"a\": 1,   \"a\":2 ,\"b\":[ ]}";
    assert_eq!(round_trip(text(exact), &ColumnType::Json), json!(exact));
    assert_eq!(
        round_trip_on(text(exact), &ColumnType::Json, Backend::MySql),
        json!(exact)
    );
}

#[test]
fn arrays_nest_and_keep_null_elements() {
    let nested = Value::Array(vec![
        Value::Array(vec![Value::Int(1), Value::Null]),
        Value::Array(vec![Value::Null, Value::Int(i64::MIN)]),
    ]);
    assert_eq!(
        round_trip(nested, &array_of(int())),
        json!([[1, null], [null, -9223372036854775808_i64]])
    );
    assert_eq!(
        round_trip(Value::Array(vec![]), &array_of(int())),
        json!([])
    );
}

#[test]
fn array_elements_keep_quotes_commas_braces_and_the_word_null() {
    let items = ["a,b", "{c}", "\"q\"", "back\\slash", "NULL", "", "🦀"];
    let value = Value::Array(items.iter().map(|s| text(s)).chain([Value::Null]).collect());
    assert_eq!(
        round_trip(value, &array_of(text_type())),
        json!(["a,b", "{c}", "\"q\"", "back\\slash", "NULL", "", "🦀", null])
    );
}

#[test]
fn arrays_of_bytes_uuids_and_timestamps_encode_each_element() {
    let at = NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("time")
        .and_utc();
    assert_eq!(
        round_trip(
            Value::Array(vec![Value::Bytes(vec![0xff]), Value::Null]),
            &array_of(binary())
        ),
        json!(["/w==", null])
    );
    assert_eq!(
        round_trip(
            Value::Array(vec![Value::TimestampTz(at), text("infinity")]),
            &array_of(timestamptz())
        ),
        json!(["2026-01-01T00:00:00.000000Z", "infinity"])
    );
    let jsonb = Value::Array(vec![
        Value::Json(json!([1, 2])),
        Value::Json(json!({"a": 1})),
    ]);
    assert_eq!(
        round_trip(jsonb, &array_of(ColumnType::Jsonb)),
        json!([[1, 2], {"a": 1}])
    );
}

#[test]
fn sqlite_cells_of_another_storage_class_are_tagged() {
    let sqlite = Backend::Sqlite;
    // A BLOB in a TEXT column, TEXT in a BLOB column.
    assert_eq!(
        round_trip_on(Value::Bytes(vec![1, 2]), &text_type(), sqlite),
        json!({"$blob": "AQI="})
    );
    assert_eq!(
        round_trip_on(text("plain"), &binary(), sqlite),
        json!({"$text": "plain"})
    );
    // Text spelling a float special in a REAL column; a float special elsewhere.
    assert_eq!(
        round_trip_on(text("NaN"), &float(), sqlite),
        json!({"$text": "NaN"})
    );
    assert_eq!(round_trip_on(text("abc"), &float(), sqlite), json!("abc"));
    let untyped = ColumnType::Other {
        name: String::new(),
    };
    assert_eq!(
        round_trip_on(Value::Float(f64::INFINITY), &untyped, sqlite),
        json!({"$real": "Infinity"})
    );
    assert_eq!(
        round_trip_on(Value::Float(1.5), &untyped, sqlite),
        json!(1.5)
    );
    assert_eq!(round_trip_on(Value::Int(7), &untyped, sqlite), json!(7));
    assert_eq!(round_trip_on(text("7"), &untyped, sqlite), json!("7"));
    // Integers and reals in TEXT-typed, date and JSON columns stay numbers.
    assert_eq!(
        round_trip_on(Value::Int(3), &ColumnType::Date, sqlite),
        json!(3)
    );
    assert_eq!(
        round_trip_on(Value::Float(2.5), &ColumnType::Json, sqlite),
        json!(2.5)
    );
}

#[test]
fn sqlite_strings_are_the_text_it_was_given() {
    let sqlite = Backend::Sqlite;
    let naive = ColumnType::Timestamp {
        with_time_zone: false,
    };
    for (s, ty) in [
        ("2024-01-01 10:00:00", naive.clone()),
        ("2024-01-01T10:00:00", naive),
        ("2024-01-01", ColumnType::Date),
        ("12.50", decimal()),
        ("{\"a\":1}", ColumnType::Jsonb),
        ("ABCDEF01-0000-0000-0000-000000000000", ColumnType::Uuid),
    ] {
        assert_eq!(round_trip_on(text(s), &ty, sqlite), json!(s), "{ty:?}");
    }
}

#[test]
fn from_json_returns_what_the_writer_benefits_from() {
    let at = from_json(&json!("2026-01-01T10:00:00Z"), &timestamptz(), PG).expect("decodes");
    assert!(matches!(at, Value::TimestampTz(_)));
    let jsonb = from_json(&json!({"a": 1}), &ColumnType::Jsonb, PG).expect("decodes");
    assert_eq!(jsonb, Value::Json(json!({"a": 1})));
    let bytes = from_json(&json!("AP8="), &binary(), Backend::MySql).expect("decodes");
    assert_eq!(bytes, Value::Bytes(vec![0, 0xff]));
    let decimal = from_json(&json!("1.50"), &decimal(), PG).expect("decodes");
    assert_eq!(decimal, Value::Decimal("1.50".into()));
}

#[test]
fn malformed_values_are_refused_with_what_was_found() {
    let err = from_json(&json!("not base64!"), &binary(), PG).expect_err("refused");
    assert!(err.to_string().contains("not base64"), "{err}");
    let err = from_json(&json!([1]), &int(), PG).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "[1] does not fit a column of type integer: expected a scalar"
    );
    let err = from_json(&json!({"$blob": 1}), &binary(), PG).expect_err("refused");
    assert!(err.to_string().contains("$blob"), "{err}");
    let err = from_json(&json!({"$real": "fast"}), &float(), PG).expect_err("refused");
    assert!(err.to_string().contains("$real"), "{err}");
}
