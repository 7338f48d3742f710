//! What MySQL and SQLite share: multi-row `INSERT ... VALUES (?, ?), (?, ?)` statements,
//! how a batch is cut into them, the loop that binds each batch into them and runs them,
//! and the text values are bound as where the backend has no type for them.
//!
//! Each backend says how many rows fit one statement (its placeholder limit, a packet
//! size) and binds the values its own way; everything else is here, once.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use sqlx::error::BoxDynError;
use sqlx::{Arguments as _, Database};
use tokio::sync::mpsc::Receiver;

use super::Result;
use super::copy_text;
use super::target::Target;
use crate::db::DbError;
use crate::db::session::{Conn, Driver};
use crate::schema::Column;
use crate::value::{Row, Value};

/// The statements that insert rows into one table's columns.
///
/// Only a few sizes are ever used: the full size and the powers of two below it (see
/// [`InsertStatements::split`]), each kept prepared in the connection's statement cache.
/// Preparing a statement of thousands of placeholders is not free (MariaDB takes tens of
/// milliseconds), so a fresh size for every batch's remainder would cost more than it saves.
pub(super) struct InsertStatements {
    prefix: String,
    row: String,
    /// What follows the rows (`ON CONFLICT DO NOTHING`), with its leading space; often empty.
    suffix: String,
    /// Rows in a full-size statement.
    full_rows: usize,
    /// Statement texts built so far, by row count.
    texts: HashMap<usize, Arc<str>>,
}

impl InsertStatements {
    /// `table` and `columns` are already quoted; `suffix` ends every statement. Statements
    /// hold one row until [`InsertStatements::with_full_rows`] says more.
    pub(super) fn new(table: &str, columns: &[String], suffix: &str) -> Self {
        InsertStatements {
            prefix: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            row: format!("({})", vec!["?"; columns.len()].join(", ")),
            suffix: suffix.to_string(),
            full_rows: 1,
            texts: HashMap::new(),
        }
    }

    /// Full-size statements of `full_rows` rows (at least 1).
    pub(super) fn with_full_rows(mut self, full_rows: usize) -> Self {
        self.full_rows = full_rows.max(1);
        self.texts.clear();
        self
    }

    pub(super) fn full_rows(&self) -> usize {
        self.full_rows
    }

    /// Statement sizes that add up to `rows`: full-size statements, then the binary digits
    /// of the rest, largest first.
    pub(super) fn split(&self, rows: usize) -> Vec<usize> {
        let mut sizes = vec![self.full_rows; rows / self.full_rows];
        let rest = rows % self.full_rows;
        sizes.extend(
            (0..usize::BITS)
                .rev()
                .map(|bit| 1usize << bit)
                .filter(|size| rest & size != 0),
        );
        sizes
    }

    /// The statement for `rows` rows (a size [`InsertStatements::split`] gives).
    pub(super) fn sql(&mut self, rows: usize) -> Arc<str> {
        let (prefix, row, suffix) = (&self.prefix, &self.row, &self.suffix);
        self.texts
            .entry(rows)
            .or_insert_with(|| {
                let mut sql =
                    String::with_capacity(prefix.len() + rows * (row.len() + 2) + suffix.len());
                sql.push_str(prefix);
                for i in 0..rows {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(row);
                }
                sql.push_str(suffix);
                Arc::from(sql)
            })
            .clone()
    }

    /// How many rows a statement of at most `bytes` bytes of text holds.
    pub(super) fn rows_within(&self, bytes: usize) -> usize {
        bytes.saturating_sub(self.prefix.len() + self.suffix.len()) / (self.row.len() + 2)
    }
}

/// How a backend binds one value for a column.
pub(super) type Bind<DB> =
    fn(&mut <DB as Database>::Arguments, Value, &Column) -> Result<(), BoxDynError>;

/// What [`insert_batches`] did: rows sent, and rows the server says the statements
/// affected (fewer than sent where a conflict clause skipped some).
pub(super) struct Inserted {
    pub rows: u64,
    pub affected: u64,
}

/// Inserts every batch received into `target` through `statements`: `sizes` cuts each
/// batch into statement sizes ([`InsertStatements::split`] of its parts), `bind` binds
/// each value. Calls `on_rows` with each batch's row count.
pub(super) async fn insert_batches<DB: Driver>(
    conn: &mut Conn<DB>,
    target: &Target<'_>,
    statements: &mut InsertStatements,
    batches: &mut Receiver<Vec<Row>>,
    on_rows: &mut (dyn FnMut(u64) + Send),
    sizes: impl Fn(&InsertStatements, &[Row]) -> Result<Vec<usize>>,
    bind: Bind<DB>,
) -> Result<Inserted> {
    let width = target.columns.len();
    let what = format!("inserting rows into {}", target.name);
    let mut done = Inserted {
        rows: 0,
        affected: 0,
    };
    while let Some(batch) = batches.recv().await {
        target.check_width(&batch)?;
        let count = batch.len() as u64;
        let sizes = sizes(statements, &batch)?;
        let mut rows = batch.into_iter();
        for size in sizes {
            let mut arguments = DB::Arguments::default();
            arguments.reserve(size * width, 0);
            for row in rows.by_ref().take(size) {
                for (value, column) in row.into_iter().zip(&target.columns) {
                    bind(&mut arguments, value, column)
                        .map_err(|e| DbError::query(&what, sqlx::Error::Encode(e)))?;
                }
            }
            let sql = statements.sql(size);
            done.affected += conn
                .execute_with(sql, arguments, target.cache_statements, &what)
                .await?;
        }
        done.rows += count;
        on_rows(count);
    }
    Ok(done)
}

/// Cuts rows, given each one's cost, into consecutive statements of at most `max_rows`
/// rows whose costs add up to at most `budget`. Returns the row count of each statement,
/// or the index and cost of a row that alone exceeds the budget.
pub(super) fn cut(
    costs: impl IntoIterator<Item = usize>,
    max_rows: usize,
    budget: usize,
) -> Result<Vec<usize>, (usize, usize)> {
    let max_rows = max_rows.max(1);
    let mut sizes = Vec::new();
    let (mut rows, mut total) = (0usize, 0usize);
    for (index, cost) in costs.into_iter().enumerate() {
        if cost > budget {
            return Err((index, cost));
        }
        if rows == max_rows || total + cost > budget {
            sizes.push(rows);
            rows = 0;
            total = 0;
        }
        rows += 1;
        total += cost;
    }
    if rows > 0 {
        sizes.push(rows);
    }
    Ok(sizes)
}

/// The JSON form of a value, for arrays bound as JSON text where the backend has no array
/// type: numbers stay numbers, decimals stay exact strings, NaN and the infinities (which
/// JSON cannot hold) become the strings PostgreSQL spells them with, bytes become `\x` hex.
pub(super) fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or_else(|| {
                let mut text = String::new();
                copy_text::input_text(value, &mut text);
                Json::String(text)
            }),
        Value::Json(j) => j.clone(),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Decimal(s) | Value::Text(s) => Json::String(s.clone()),
        other => Json::String(scalar_text(other)),
    }
}

/// Compact JSON text of a JSON value or an array.
pub(super) fn json_text(value: &Value) -> String {
    match value {
        Value::Json(j) => j.to_string(),
        other => to_json(other).to_string(),
    }
}

/// A value as text where a backend stores it as text: ISO dates (`YYYY-MM-DD`),
/// timestamps (`YYYY-MM-DD HH:MM:SS.ffffff`), RFC 3339 for points in time, hyphenated
/// UUIDs, `\x` hex for bytes.
pub(super) fn scalar_text(value: &Value) -> String {
    match value {
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Time(t) => t.format("%H:%M:%S%.6f").to_string(),
        Value::Timestamp(t) => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        Value::TimestampTz(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
        Value::Bytes(bytes) => {
            let mut text = String::with_capacity(2 + bytes.len() * 2);
            text.push_str("\\x");
            for b in bytes {
                let _ = write!(text, "{b:02x}");
            }
            text
        }
        other => {
            let mut text = String::new();
            copy_text::input_text(other, &mut text);
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn scalar_text_is_iso_for_dates_and_rfc3339_for_points_in_time() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
        let at = date.and_hms_micro_opt(1, 2, 3, 4).expect("time");
        assert_eq!(scalar_text(&Value::Date(date)), "2024-02-29");
        assert_eq!(
            scalar_text(&Value::Timestamp(at)),
            "2024-02-29 01:02:03.000004"
        );
        assert_eq!(
            scalar_text(&Value::TimestampTz(Utc.from_utc_datetime(&at))),
            "2024-02-29T01:02:03.000004+00:00"
        );
        assert_eq!(scalar_text(&Value::Bytes(vec![1, 255])), "\\x01ff");
    }

    #[test]
    fn statements_are_built_once_per_size() {
        let mut statements =
            InsertStatements::new("`t`", &["`a`".into(), "`b`".into()], "").with_full_rows(2);
        let sql = statements.sql(2);
        assert_eq!(&*sql, "INSERT INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?)");
        assert!(Arc::ptr_eq(&sql, &statements.sql(2)));
        assert_eq!(
            &*statements.sql(1),
            "INSERT INTO `t` (`a`, `b`) VALUES (?, ?)"
        );
    }

    #[test]
    fn a_suffix_ends_every_statement_and_counts_against_the_text_limit() {
        let mut statements =
            InsertStatements::new("t", &["a".into()], " ON CONFLICT DO NOTHING").with_full_rows(2);
        assert_eq!(
            &*statements.sql(2),
            "INSERT INTO t (a) VALUES (?), (?) ON CONFLICT DO NOTHING"
        );
        let fixed = "INSERT INTO t (a) VALUES  ON CONFLICT DO NOTHING".len();
        assert_eq!(statements.rows_within(fixed + 2 * "(?), ".len()), 2);
        assert_eq!(statements.rows_within(fixed - 1), 0);
    }

    #[test]
    fn rows_split_into_full_statements_then_powers_of_two() {
        let statements = InsertStatements::new("t", &["a".into()], "").with_full_rows(500);
        assert_eq!(statements.split(1_000), [500, 500]);
        assert_eq!(statements.split(1_235), [500, 500, 128, 64, 32, 8, 2, 1]);
        assert_eq!(statements.split(0), Vec::<usize>::new());
        let one = InsertStatements::new("t", &["a".into()], "");
        assert_eq!(one.split(3), [1, 1, 1]);
    }

    #[test]
    fn cut_respects_the_row_limit() {
        assert_eq!(cut([1; 7], 3, usize::MAX), Ok(vec![3, 3, 1]));
        assert_eq!(cut([1; 6], 3, usize::MAX), Ok(vec![3, 3]));
        assert_eq!(cut([0usize; 0], 3, usize::MAX), Ok(vec![]));
    }

    #[test]
    fn cut_respects_the_budget() {
        assert_eq!(cut([4, 4, 4, 1, 9], 10, 10), Ok(vec![2, 2, 1]));
        assert_eq!(cut([4, 11], 10, 10), Err((1, 11)));
    }

    #[test]
    fn arrays_become_json_text() {
        let array = Value::Array(vec![
            Value::Int(1),
            Value::Null,
            Value::Text("a\"b".into()),
            Value::Float(f64::NAN),
            Value::Decimal("1.50".into()),
        ]);
        assert_eq!(json_text(&array), r#"[1,null,"a\"b","NaN","1.50"]"#);
    }
}
