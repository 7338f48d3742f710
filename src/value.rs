//! One cell's value, independent of any backend: what generators produce, what the bulk
//! writers encode (COPY text on PostgreSQL, bind parameters elsewhere), and what snapshots
//! will store.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// A row: values in the order of the columns being written.
pub type Row = Vec<Value>;

/// A cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
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
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as text, as a template or a text column would show it.
    pub fn to_text(&self) -> String {
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
pub mod iso {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

    fn digits(bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    }

    /// `YYYY-MM-DD`.
    pub fn parse_date(s: &str) -> Option<NaiveDate> {
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
    pub fn parse_time(s: &str) -> Option<NaiveTime> {
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
    pub fn parse_datetime(s: &str, separator: u8) -> Option<NaiveDateTime> {
        if s.len() < 19 || s.as_bytes()[10] != separator {
            return None;
        }
        Some(parse_date(s.get(..10)?)?.and_time(parse_time(s.get(11..)?)?))
    }

    /// Appends `YYYY-MM-DD` (falls back to chrono outside years 0..=9999).
    pub fn write_date(out: &mut String, d: NaiveDate) {
        use std::fmt::Write;
        if (0..=9999).contains(&d.year()) {
            let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
        } else {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
    }

    /// Appends `HH:MM:SS`, then `.ffffff` (or nine digits when needed) unless zero.
    pub fn write_time(out: &mut String, t: NaiveTime) {
        use std::fmt::Write;
        let _ = write!(out, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
        let nanos = t.nanosecond() % 1_000_000_000;
        if nanos == 0 {
        } else if nanos.is_multiple_of(1_000) {
            let _ = write!(out, ".{:06}", nanos / 1_000);
        } else {
            let _ = write!(out, ".{nanos:09}");
        }
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
    }
}
