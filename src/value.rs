//! One cell's value, independent of any backend: what generators produce, what the bulk
//! writers encode (COPY on PostgreSQL, bind parameters elsewhere), and what snapshots
//! will store.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// A row: values in the order of the columns being written.
pub(crate) type Row = Vec<Value>;

/// A cell's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// An exact decimal, as text (`"1234.50"`), so no digit is ever lost.
    Decimal(String),
    /// Text; also enum labels, intervals and network addresses in their text form.
    Text(String),
    Bytes(Vec<u8>),
    Uuid(uuid::Uuid),
    Date(NaiveDate),
    Time(NaiveTime),
    /// A timestamp without time zone.
    Timestamp(NaiveDateTime),
    /// A point in time, kept in UTC.
    TimestampTz(DateTime<Utc>),
    Json(serde_json::Value),
    /// A PostgreSQL array (elements may be `Null`).
    Array(Vec<Value>),
}

impl Value {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as text, as a template or a text column would show it.
    pub(crate) fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Decimal(s) | Value::Text(s) => s.clone(),
            Value::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
            Value::Uuid(u) => u.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Time(t) => t.format("%H:%M:%S%.f").to_string(),
            Value::Timestamp(t) => t.format("%Y-%m-%d %H:%M:%S%.f").to_string(),
            Value::TimestampTz(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            Value::Json(j) => j.to_string(),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(Value::to_text).collect();
                format!("{{{}}}", parts.join(","))
            }
        }
    }
}

/// Fast ISO 8601 forms of dates and times: the snapshot path formats and parses millions of
/// them, and chrono's `format`/`parse_from_str` interpret their pattern on every call. Only
/// the plain forms are handled (four-digit years, `HH:MM:SS[.fraction]`); anything else
/// returns `None` and the caller falls back to chrono.
pub(crate) mod iso {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

    fn digits(bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    }

    /// `YYYY-MM-DD`.
    pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        NaiveDate::from_ymd_opt(
            digits(&b[0..4])? as i32,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
        )
    }

    /// `HH:MM:SS` with an optional fraction of up to nine digits.
    pub(crate) fn parse_time(s: &str) -> Option<NaiveTime> {
        let b = s.as_bytes();
        if b.len() < 8 || b[2] != b':' || b[5] != b':' {
            return None;
        }
        let nanos = match &b[8..] {
            [] => 0,
            [b'.', fraction @ ..] if !fraction.is_empty() && fraction.len() <= 9 => {
                digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
            }
            _ => return None,
        };
        NaiveTime::from_hms_nano_opt(
            digits(&b[0..2])?,
            digits(&b[3..5])?,
            digits(&b[6..8])?,
            nanos,
        )
    }

    /// A date and a time joined by `separator` (`' '` or `'T'`).
    pub(crate) fn parse_datetime(s: &str, separator: u8) -> Option<NaiveDateTime> {
        if s.len() < 19 || s.as_bytes()[10] != separator {
            return None;
        }
        Some(parse_date(s.get(..10)?)?.and_time(parse_time(s.get(11..)?)?))
    }

    /// Appends `YYYY-MM-DD` (falls back to chrono outside years 0..=9999).
    pub(crate) fn write_date(out: &mut String, d: NaiveDate) {
        let mut bytes = Vec::with_capacity(10);
        if push_date(&mut bytes, d) {
            out.push_str(ascii(&bytes));
        } else {
            use std::fmt::Write;
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
    }

    /// Appends `HH:MM:SS`, then `.ffffff` (or nine digits when needed) unless zero.
    pub(crate) fn write_time(out: &mut String, t: NaiveTime) {
        let mut bytes = Vec::with_capacity(18);
        push_time(&mut bytes, t);
        out.push_str(ascii(&bytes));
    }

    fn ascii(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).expect("BUG: dates and times are written in ASCII digits")
    }

    /// `n` in exactly `width` digits (`n` < 10^`width`), without `fmt`: the snapshot path
    /// writes millions of them.
    fn push_digits(out: &mut Vec<u8>, mut n: u32, width: usize) {
        let start = out.len();
        out.resize(start + width, b'0');
        for slot in out[start..].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }

    /// Appends `YYYY-MM-DD` and returns true for years 0..=9999; else appends nothing and
    /// returns false.
    pub(crate) fn push_date(out: &mut Vec<u8>, d: NaiveDate) -> bool {
        let Ok(year) = u32::try_from(d.year()) else {
            return false;
        };
        if year > 9999 {
            return false;
        }
        push_digits(out, year, 4);
        out.push(b'-');
        push_digits(out, d.month(), 2);
        out.push(b'-');
        push_digits(out, d.day(), 2);
        true
    }

    /// Appends `HH:MM:SS`, then `.ffffff` (or nine digits when needed) unless zero.
    pub(crate) fn push_time(out: &mut Vec<u8>, t: NaiveTime) {
        push_clock(out, t);
        let nanos = t.nanosecond() % 1_000_000_000;
        if nanos == 0 {
        } else if nanos.is_multiple_of(1_000) {
            out.push(b'.');
            push_digits(out, nanos / 1_000, 6);
        } else {
            out.push(b'.');
            push_digits(out, nanos, 9);
        }
    }

    fn push_clock(out: &mut Vec<u8>, t: NaiveTime) {
        push_digits(out, t.hour(), 2);
        out.push(b':');
        push_digits(out, t.minute(), 2);
        out.push(b':');
        push_digits(out, t.second(), 2);
    }

    /// Appends RFC 3339 in UTC with `Z` and six fraction digits (nine when needed), as
    /// chrono's `to_rfc3339_opts` writes it, and returns true; for years outside 0..=9999
    /// or a leap second appends nothing and returns false.
    pub(crate) fn push_rfc3339_utc(out: &mut Vec<u8>, t: NaiveDateTime) -> bool {
        let nanos = t.time().nanosecond();
        if nanos >= 1_000_000_000 || !push_date(out, t.date()) {
            return false;
        }
        out.push(b'T');
        push_clock(out, t.time());
        out.push(b'.');
        if nanos.is_multiple_of(1_000) {
            push_digits(out, nanos / 1_000, 6);
        } else {
            push_digits(out, nanos, 9);
        }
        out.push(b'Z');
        true
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn plain_forms_round_trip_and_others_are_left_to_chrono() {
            let at = parse_datetime("2026-01-01 10:00:00.123456", b' ').unwrap();
            let mut s = String::new();
            write_date(&mut s, at.date());
            s.push('T');
            write_time(&mut s, at.time());
            assert_eq!(s, "2026-01-01T10:00:00.123456");
            assert_eq!(parse_time("23:59:59.5").unwrap().nanosecond(), 500_000_000);
            assert!(parse_date("0044-03-15 BC").is_none());
            assert!(parse_date("2026-02-30").is_none());
            assert!(parse_time("24:00:00").is_none());
            assert!(parse_datetime("infinity", b' ').is_none());
        }

        #[test]
        fn digits_are_written_without_fmt_as_fmt_would() {
            let date = NaiveDate::from_ymd_opt(7, 3, 9).expect("date");
            let mut out = Vec::new();
            assert!(push_date(&mut out, date));
            assert_eq!(out, b"0007-03-09");
            let late = NaiveDate::from_ymd_opt(10_000, 1, 1).expect("date");
            assert!(!push_date(&mut out, late));
            let bc = NaiveDate::from_ymd_opt(-1, 1, 1).expect("date");
            assert!(!push_date(&mut out, bc));
            assert_eq!(out, b"0007-03-09");
            let at = date.and_hms_nano_opt(1, 2, 3, 4_000).expect("time");
            let mut rfc = Vec::new();
            assert!(push_rfc3339_utc(&mut rfc, at));
            let chrono = at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(String::from_utf8(rfc).expect("ascii"), chrono);
            let mut nanos = Vec::new();
            push_time(&mut nanos, at.time().with_nanosecond(5).expect("time"));
            assert_eq!(nanos, b"01:02:03.000000005");
        }
    }
}
