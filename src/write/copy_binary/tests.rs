//! The binary encoder's unit tests: each type's bytes, the framing around them, and the
//! values left to the server's text input.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::*;

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
    let f8 =
        |v: f64| u64::from_be_bytes(bytes(Value::Float(v), &Wire::Float8).try_into().expect("8"));
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
