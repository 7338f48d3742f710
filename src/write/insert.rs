//! What MySQL and SQLite share: multi-row `INSERT ... VALUES (?, ?), (?, ?)` statements,
//! how a batch is cut into them, and the JSON text arrays are bound as.
//!
//! Each backend says how many rows fit one statement (its placeholder limit, a packet
//! size) and binds the values its own way; this module is pure.

use std::collections::HashMap;
use std::sync::Arc;

use crate::value::Value;

/// The statements that insert rows into one table's columns.
///
/// Only a few sizes are ever used: the full size and the powers of two below it (see
/// [`InsertStatements::split`]), each kept prepared in the connection's statement cache.
/// Preparing a statement of thousands of placeholders is not free (MariaDB takes tens of
/// milliseconds), so a fresh size for every batch's remainder would cost more than it saves.
pub(super) struct InsertStatements {
    prefix: String,
    row: String,
    /// Rows in a full-size statement.
    full_rows: usize,
    /// Statement texts built so far, by row count.
    texts: HashMap<usize, Arc<str>>,
}

impl InsertStatements {
    /// `table` and `columns` are already quoted; `full_rows` is at least 1.
    pub(super) fn new(table: &str, columns: &[String], full_rows: usize) -> Self {
        InsertStatements {
            prefix: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            row: format!("({})", vec!["?"; columns.len()].join(", ")),
            full_rows: full_rows.max(1),
            texts: HashMap::new(),
        }
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
        let (prefix, row) = (&self.prefix, &self.row);
        self.texts
            .entry(rows)
            .or_insert_with(|| {
                let mut sql = String::with_capacity(prefix.len() + rows * (row.len() + 2));
                sql.push_str(prefix);
                for i in 0..rows {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(row);
                }
                Arc::from(sql)
            })
            .clone()
    }

    /// Bytes of statement text per row, for limits on the text itself.
    pub(super) fn row_text_len(&self) -> usize {
        self.row.len() + 2
    }

    pub(super) fn prefix_len(&self) -> usize {
        self.prefix.len()
    }
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
                super::copy_text::input_text(value, &mut text);
                Json::String(text)
            }),
        Value::Json(j) => j.clone(),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Decimal(s) | Value::Text(s) => Json::String(s.clone()),
        other => Json::String(super::scalar_text(other)),
    }
}

/// Compact JSON text of a JSON value or an array.
pub(super) fn json_text(value: &Value) -> String {
    match value {
        Value::Json(j) => j.to_string(),
        other => to_json(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_built_once_per_size() {
        let mut statements = InsertStatements::new("`t`", &["`a`".into(), "`b`".into()], 2);
        let sql = statements.sql(2);
        assert_eq!(&*sql, "INSERT INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?)");
        assert!(Arc::ptr_eq(&sql, &statements.sql(2)));
        assert_eq!(
            &*statements.sql(1),
            "INSERT INTO `t` (`a`, `b`) VALUES (?, ?)"
        );
    }

    #[test]
    fn rows_split_into_full_statements_then_powers_of_two() {
        let statements = InsertStatements::new("t", &["a".into()], 500);
        assert_eq!(statements.split(1_000), [500, 500]);
        assert_eq!(statements.split(1_235), [500, 500, 128, 64, 32, 8, 2, 1]);
        assert_eq!(statements.split(0), Vec::<usize>::new());
        let one = InsertStatements::new("t", &["a".into()], 1);
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
