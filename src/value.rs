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
