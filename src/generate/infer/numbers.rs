//! Booleans and numbers: how often a flag is true, and the range an integer, float or
//! decimal column gets from its name (`age`, `price`, `latitude`), always kept inside what
//! its type can hold.

use super::words::Words;
use crate::generate::generator::Generator;

/// Default bounds for numbers with no telling name.
const DEFAULT_INT_MAX: i64 = 1000;
const DEFAULT_NUMBER_MAX: f64 = 1000.0;

/// How often a boolean is true: rare for states a row is seldom in, common for the usual
/// state, a coin toss otherwise.
pub(super) fn bool_probability(name: &Words) -> f64 {
    if name.has_any(&[
        "deleted",
        "archived",
        "disabled",
        "locked",
        "banned",
        "suspended",
        "blocked",
    ]) {
        0.1
    } else if name.has_any(&["active", "enabled", "verified", "confirmed", "visible"]) {
        0.9
    } else {
        0.5
    }
}

pub(super) fn integer(name: &Words, bytes: u8, unsigned: bool) -> Generator {
    let (type_min, type_max) = integer_range(bytes, unsigned);
    let (min, max) = if name.is_boolean_like() {
        (0, 1)
    } else if name.has_any(&["count", "quantity", "qty", "percent", "percentage", "pct"])
        || name.first() == Some("num")
    {
        (0, 100)
    } else if name.has_exact("age") {
        (18, 90)
    } else if name.has_exact("year") {
        (1950, 2030)
    } else if name.is_money() {
        (100, 100_000)
    } else if name.has_any(&["rating", "stars"]) {
        (1, 5)
    } else if name.has("month") {
        (1, 12)
    } else if name.has("hour") {
        (0, 23)
    } else {
        (0, DEFAULT_INT_MAX)
    };
    let (lo, hi) = (min.max(type_min), max.min(type_max));
    if lo <= hi {
        Generator::Int { min: lo, max: hi }
    } else {
        // The usual range does not fit the type (a year in a tinyint): stay within the type.
        Generator::Int {
            min: 0,
            max: DEFAULT_INT_MAX.min(type_max),
        }
    }
}

/// The values an integer of `bytes` bytes holds (an unsigned 64-bit one is capped at
/// `i64::MAX`, the largest `Generator::Int` can make).
fn integer_range(bytes: u8, unsigned: bool) -> (i64, i64) {
    let bits = u32::from(bytes.clamp(1, 8)) * 8;
    if unsigned {
        let max = if bits >= 64 {
            i64::MAX
        } else {
            (1i64 << bits) - 1
        };
        (0, max)
    } else if bits >= 64 {
        (i64::MIN, i64::MAX)
    } else {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    }
}

pub(super) fn float(name: &Words) -> Generator {
    let (min, max, decimals) = match coordinate(name) {
        Some((min, max)) => (min, max, 6),
        None => (0.0, DEFAULT_NUMBER_MAX, 2),
    };
    Generator::Float {
        min,
        max,
        decimals: Some(decimals),
    }
}

/// The range of a latitude or longitude column, by name.
pub(super) fn coordinate(name: &Words) -> Option<(f64, f64)> {
    if name.has_any(&["latitude", "lat"]) {
        Some((-90.0, 90.0))
    } else if name.has_any(&["longitude", "lng", "lon"]) {
        Some((-180.0, 180.0))
    } else {
        None
    }
}

pub(super) fn decimal(name: &Words, precision: Option<u32>, scale: Option<u32>) -> Generator {
    let scale = scale.unwrap_or(2).min(18);
    let precision = precision.unwrap_or(10).max(scale);
    // decimal(p, s) holds |x| < 10^(p-s); the largest is 10^(p-s) - 10^-s.
    let exponent = i32::try_from(precision - scale)
        .unwrap_or(i32::MAX)
        .min(300);
    let type_max = 10f64.powi(exponent) - 10f64.powi(-(scale as i32));
    let (min, max) = match coordinate(name) {
        Some(range) => range,
        None if name.is_money() => (0.0, 10_000.0),
        None if name.has_any(&["percent", "percentage", "pct"]) => (0.0, 100.0),
        None => (0.0, DEFAULT_NUMBER_MAX),
    };
    Generator::Decimal {
        min: min.max(-type_max),
        max: max.min(type_max),
        scale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::infer::test_columns::{infer_one, int};
    use crate::schema::ColumnType;

    #[test]
    fn booleans_are_coin_tosses_except_for_rare_states() {
        let cases = [
            ("is_admin", 0.5),
            ("has_children", 0.5),
            ("can_edit", 0.5),
            ("is_test_data", 0.5),
            ("is_deleted", 0.1),
            ("deleted", 0.1),
            ("archived", 0.1),
            ("isDisabled", 0.1),
            ("locked", 0.1),
            ("is_active", 0.9),
        ];
        for (name, p) in cases {
            assert_eq!(
                infer_one(name, ColumnType::Boolean),
                Generator::Bool { p },
                "{name}"
            );
        }
    }

    #[test]
    fn integers_follow_their_name_within_their_type() {
        let i32_ = int(4, false);
        let cases = [
            ("login_count", i32_.clone(), 0, 100),
            ("quantity", i32_.clone(), 0, 100),
            ("qty", i32_.clone(), 0, 100),
            ("age", i32_.clone(), 18, 90),
            ("year", i32_.clone(), 1950, 2030),
            ("years_of_service", i32_.clone(), 0, 1000),
            ("price_cents", i32_.clone(), 100, 100_000),
            ("amount", int(8, false), 100, 100_000),
            ("score", i32_.clone(), 0, 1000),
            ("is_admin", i32_.clone(), 0, 1),
            // Unsigned tinyint: 0..=255; signed: -128..=127.
            ("level", int(1, true), 0, 255),
            ("level", int(1, false), 0, 127),
            ("price", int(2, false), 100, 32_767),
            ("price", int(2, true), 100, 65_535),
            // The usual range does not fit: stay within the type.
            ("year", int(1, true), 0, 255),
        ];
        for (name, column_type, min, max) in cases {
            assert_eq!(
                infer_one(name, column_type.clone()),
                Generator::Int { min, max },
                "{name} {column_type:?}"
            );
        }
    }

    #[test]
    fn integer_ranges_match_their_byte_width() {
        assert_eq!(integer_range(1, true), (0, 255));
        assert_eq!(integer_range(1, false), (-128, 127));
        assert_eq!(integer_range(3, true), (0, 16_777_215));
        assert_eq!(
            integer_range(4, false),
            (i64::from(i32::MIN), i64::from(i32::MAX))
        );
        assert_eq!(integer_range(8, true), (0, i64::MAX));
        assert_eq!(integer_range(8, false), (i64::MIN, i64::MAX));
    }

    #[test]
    fn floats_and_decimals_stay_inside_their_precision() {
        assert_eq!(
            infer_one("weight", ColumnType::Float { bytes: 8 }),
            Generator::Float {
                min: 0.0,
                max: 1000.0,
                decimals: Some(2)
            }
        );
        assert_eq!(
            infer_one("latitude", ColumnType::Float { bytes: 8 }),
            Generator::Float {
                min: -90.0,
                max: 90.0,
                decimals: Some(6)
            }
        );
        let decimal = |p, s| ColumnType::Decimal {
            precision: p,
            scale: s,
        };
        let Generator::Decimal { min, max, scale } = infer_one("price", decimal(Some(5), Some(2)))
        else {
            panic!("a decimal")
        };
        assert!(
            min == 0.0 && max < 1000.0 && max > 999.0 && scale == 2,
            "{max}"
        );
        assert_eq!(
            infer_one("ratio", decimal(Some(3), Some(3))),
            Generator::Decimal {
                min: 0.0,
                max: 1.0 - 0.001,
                scale: 3
            }
        );
        assert_eq!(
            infer_one("weight", decimal(None, None)),
            Generator::Decimal {
                min: 0.0,
                max: 1000.0,
                scale: 2
            }
        );
        assert_eq!(
            infer_one("lng", decimal(Some(9), Some(6))),
            Generator::Decimal {
                min: -180.0,
                max: 180.0,
                scale: 6
            }
        );
    }
}
