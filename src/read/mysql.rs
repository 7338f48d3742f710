//! MySQL/MariaDB: rows come out of one streamed `SELECT` inside
//! `START TRANSACTION WITH CONSISTENT SNAPSHOT`, which opens InnoDB's read view at once so
//! every table sees the same moment ("START TRANSACTION" and "Consistent Nonlocking Reads"
//! in the MySQL manual).
//!
//! Integers, floats and bytes are read with sqlx's typed getters, in the binary protocol:
//! exact. Everything else is selected as `CAST(... AS CHAR)`, the server's own text, so a
//! `DECIMAL(65,30)` keeps every digit, a zero date `0000-00-00` or a `TIME` of `-838:59:59`
//! (which chrono cannot hold) stays readable, and MariaDB's `JSON` (a `LONGTEXT`) keeps its
//! exact text. `time_zone` is `+00:00` for the session, so `TIMESTAMP` columns read in UTC.
//!
//! Temporary tables belong to the session and survive `ROLLBACK` (they are not
//! transactional: "CREATE TEMPORARY TABLE" in the manual), so [`Session::finish`] closes the
//! connection rather than hand them to the pool's next user.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use futures_util::TryStreamExt as _;
use sqlx::mysql::{MySqlConnection, MySqlPool, MySqlRow};
use sqlx::{AssertSqlSafe, MySql, Row as _, TypeInfo as _, ValueRef as _};
use tokio::sync::mpsc::Sender;

use super::Result;
use super::{Batches, Select, not_an_integer};
use crate::db::Backend;
use crate::db::DbError;
use crate::db::session::Conn;
use crate::schema::{Column, ColumnType};
use crate::value::{Row, Value};

const MYSQL: Backend = Backend::MySql;

/// How a column is selected and decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    /// `tinyint(1)`: 0 and 1 are booleans; any other value it holds stays an integer.
    Flag,
    /// Any integer type, signed or unsigned (told by the value's type).
    Integer,
    /// `FLOAT`: read as `f32`, widened to `f64`.
    Float4,
    Float8,
    Bytes,
    /// `BIT(n)`: `CAST(... AS UNSIGNED)`.
    Bit,
    /// The server's text (`CAST(... AS CHAR)`), then parsed as `Text`.
    Text(Text),
}

/// What the server's text becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Text {
    Plain,
    Decimal,
    Uuid,
    Date,
    Time,
    Timestamp,
}

impl Reading {
    fn of(ty: &ColumnType) -> Reading {
        match ty {
            ColumnType::Boolean => Reading::Flag,
            ColumnType::Integer { .. } => Reading::Integer,
            ColumnType::Float { bytes: 4 } => Reading::Float4,
            ColumnType::Float { .. } => Reading::Float8,
            ColumnType::Binary { .. } => Reading::Bytes,
            ColumnType::Decimal { .. } => Reading::Text(Text::Decimal),
            ColumnType::Uuid => Reading::Text(Text::Uuid),
            ColumnType::Date => Reading::Text(Text::Date),
            ColumnType::Time { .. } => Reading::Text(Text::Time),
            ColumnType::Timestamp { .. } => Reading::Text(Text::Timestamp),
            ColumnType::Other { name } => match name.as_str() {
                "bit" => Reading::Bit,
                // Spatial values are bytes (SRID and WKB), whatever CAST would make of them.
                "geometry" | "point" | "linestring" | "polygon" | "multipoint"
                | "multilinestring" | "multipolygon" | "geometrycollection" | "geomcollection" => {
                    Reading::Bytes
                }
                _ => Reading::Text(Text::Plain),
            },
            ColumnType::Text { .. }
            | ColumnType::Json
            | ColumnType::Jsonb
            | ColumnType::Interval
            | ColumnType::Inet
            | ColumnType::Enum { .. }
            | ColumnType::Array { .. } => Reading::Text(Text::Plain),
        }
    }

    fn expression(self, column: &Column) -> String {
        let name = Select::column_ref(MYSQL, column);
        match self {
            Reading::Text(_) => format!("CAST({name} AS CHAR)"),
            Reading::Bit => format!("CAST({name} AS UNSIGNED)"),
            _ => name,
        }
    }
}

/// A connection in a read transaction.
pub(super) struct Session {
    /// Dropped unfinished, the connection leaves the pool and closes: the server rolls back
    /// (and, on MySQL, drops the session's temporary tables).
    conn: Conn<MySql>,
}

impl Session {
    pub(super) async fn begin(pool: &MySqlPool) -> Result<Session> {
        let mut session = Session {
            conn: Conn::acquire(pool).await?,
        };
        session
            .run(
                "SET time_zone = '+00:00'",
                "setting the read's time zone to UTC",
            )
            .await?;
        session
            .run(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                "setting the read's isolation level",
            )
            .await?;
        session
            .run(
                "START TRANSACTION WITH CONSISTENT SNAPSHOT",
                "beginning the read transaction",
            )
            .await?;
        Ok(session)
    }

    fn conn(&mut self) -> &mut MySqlConnection {
        self.conn.get()
    }

    async fn run(&mut self, sql: &str, what: &str) -> Result<u64> {
        Ok(self
            .conn
            .execute(AssertSqlSafe(sql.to_string()), what)
            .await?)
    }

    pub(super) async fn rows(
        &mut self,
        select: &Select<'_>,
        sender: &Sender<Vec<Row>>,
    ) -> Result<u64> {
        let readings: Vec<Reading> = select
            .columns
            .iter()
            .map(|c| Reading::of(&c.column_type))
            .collect();
        let expressions: Vec<String> = readings
            .iter()
            .zip(&select.columns)
            .map(|(reading, column)| reading.expression(column))
            .collect();
        let sql = select.sql(MYSQL, &expressions);
        let what = select.what();
        let mut batches = Batches::new(select, sender);
        let mut stream = sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch(self.conn());
        while let Some(row) = stream
            .try_next()
            .await
            .map_err(|e| DbError::query(&what, e))?
        {
            let values = readings
                .iter()
                .enumerate()
                .map(|(i, reading)| {
                    decode(&row, i, *reading).map_err(|e| {
                        select.decode_error(Some(&select.columns[i].name), e.to_string())
                    })
                })
                .collect::<Result<Row>>()?;
            batches.push(values).await?;
        }
        batches.finish().await
    }

    pub(super) async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.run(sql, &format!("running in the read transaction: {sql}"))
            .await
    }

    pub(super) async fn scalar(&mut self, sql: &str) -> Result<i64> {
        let row = sqlx::query(AssertSqlSafe(sql.to_string()))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| DbError::query(format!("running in the read transaction: {sql}"), e))?;
        let integer = match integer(&row, 0) {
            Ok(Value::Int(i)) => Ok(i),
            Ok(_) => Err(sqlx::Error::Decode(
                "the integer does not fit 64 bits".into(),
            )),
            // SUM() and friends return DECIMAL: its text.
            Err(_) => row.try_get_unchecked::<String, _>(0).and_then(|s| {
                s.trim()
                    .parse()
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))
            }),
        };
        integer.map_err(|e| not_an_integer(sql, e))
    }

    pub(super) async fn finish(mut self) -> Result<()> {
        self.run("ROLLBACK", "ending the read transaction").await?;
        // Temporary tables outlive a ROLLBACK on MySQL: close rather than pool it.
        Ok(self.conn.close().await?)
    }
}

/// One cell.
fn decode(row: &MySqlRow, i: usize, reading: Reading) -> sqlx::Result<Value> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Value::Null);
    }
    Ok(match reading {
        Reading::Flag => match integer(row, i)? {
            Value::Int(0) => Value::Bool(false),
            Value::Int(1) => Value::Bool(true),
            other => other,
        },
        Reading::Integer | Reading::Bit => integer(row, i)?,
        // Widened exactly: the f64 holds the f32's own value, which a FLOAT column takes
        // back unchanged (a shorter decimal might round past FLT_MAX and be refused).
        Reading::Float4 => Value::Float(f64::from(row.try_get_unchecked::<f32, _>(i)?)),
        Reading::Float8 => Value::Float(row.try_get_unchecked(i)?),
        Reading::Bytes => Value::Bytes(row.try_get_unchecked(i)?),
        Reading::Text(kind) => {
            let text: String = row.try_get_unchecked(i)?;
            parse_text(text, kind)
        }
    })
}

/// An integer cell, signed or unsigned by the value's type; an unsigned value above
/// `i64::MAX` is a decimal, its digits exact.
fn integer(row: &MySqlRow, i: usize) -> sqlx::Result<Value> {
    let unsigned = row.try_get_raw(i)?.type_info().name().contains("UNSIGNED");
    if unsigned {
        let value: u64 = row.try_get_unchecked(i)?;
        Ok(i64::try_from(value).map_or_else(|_| Value::Decimal(value.to_string()), Value::Int))
    } else {
        row.try_get_unchecked::<i64, _>(i).map(Value::Int)
    }
}

/// The server's text of a cell, typed where chrono or uuid can hold it; anything they
/// cannot (zero dates, `TIME` beyond a day) stays text and is written back as such.
fn parse_text(text: String, kind: Text) -> Value {
    let parsed = match kind {
        Text::Plain => None,
        Text::Decimal => return Value::Decimal(text),
        Text::Uuid => uuid::Uuid::parse_str(&text).ok().map(Value::Uuid),
        Text::Date => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .map(Value::Date),
        Text::Time => NaiveTime::parse_from_str(&text, "%H:%M:%S%.f")
            .ok()
            .map(Value::Time),
        Text::Timestamp => NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(Value::Timestamp),
    };
    parsed.unwrap_or(Value::Text(text))
}
