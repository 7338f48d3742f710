//! What MySQL and SQLite share: multi-row `INSERT ... VALUES (?, ?), (?, ?)` statements,
//! how a batch is cut into them, and the JSON text arrays are bound as.
//!
//! Each backend says how many rows fit one statement (its placeholder limit, a packet
//! size) and binds the values its own way; this module is pure.

use std::sync::Arc;

use crate::value::Value;

/// The statements that insert rows into one table's columns.
pub(super) struct InsertStatements {
    prefix: String,
    row: String,
    /// Rows in a full-size statement.
    full_rows: usize,
    /// The full-size statement's text, built once so every execution reuses one prepared
    /// statement from the connection's cache.
    full_sql: Arc<str>,
}

impl InsertStatements {
    /// `table` and `columns` are already quoted; `full_rows` is at least 1.
    pub(super) fn new(table: &str, columns: &[String], full_rows: usize) -> Self {
        let prefix = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let row = format!("({})", vec!["?"; columns.len()].join(", "));
        let full_rows = full_rows.max(1);
        let full_sql = Arc::from(Self::text(&prefix, &row, full_rows));
        InsertStatements {
            prefix,
            row,
            full_rows,
            full_sql,
        }
    }

    fn text(prefix: &str, row: &str, rows: usize) -> String {
        let mut sql = String::with_capacity(prefix.len() + rows * (row.len() + 2));
        sql.push_str(prefix);
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(row);
        }
        sql
    }

    pub(super) fn full_rows(&self) -> usize {
        self.full_rows
    }

    /// The statement for `rows` rows, and whether it is worth keeping prepared: only the
    /// full-size one is, so odd-sized remainders do not crowd the statement cache.
    pub(super) fn sql(&self, rows: usize) -> (Arc<str>, bool) {
        if rows == self.full_rows {
            (self.full_sql.clone(), true)
        } else {
            (Arc::from(Self::text(&self.prefix, &self.row, rows)), false)
        }
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
    fn full_size_statements_are_built_once_and_kept_prepared() {
        let statements = InsertStatements::new("`t`", &["`a`".into(), "`b`".into()], 2);
        let (sql, persistent) = statements.sql(2);
        assert_eq!(&*sql, "INSERT INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?)");
        assert!(persistent);
        assert!(Arc::ptr_eq(&sql, &statements.sql(2).0));
        let (sql, persistent) = statements.sql(1);
        assert_eq!(&*sql, "INSERT INTO `t` (`a`, `b`) VALUES (?, ?)");
        assert!(!persistent);
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
