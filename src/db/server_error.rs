//! A refused statement, worded for a person from the server's own fields.
//!
//! sqlx's `Display` of a PostgreSQL error is its message and `at line N`, N being a line of
//! the server's C source (the `L` field of the ErrorResponse, "Error and Notice Message
//! Fields" in the manual), and it drops the DETAIL, which is where PostgreSQL says which
//! key collided or which row failed a CHECK. [`ServerError`] says the message, the table,
//! the constraint and column when the message does not already name them, the DETAIL and
//! the HINT, and never the server's source line. MySQL/MariaDB and SQLite put what they
//! know in the message itself, which is said as it is, without the driver's error numbers.
//!
//! It also reads back, for the layers above, which columns and constraint the server names,
//! so `generate` can point at the spec entry that made the failing value.

use std::fmt;

/// The server's (or the driver's) error behind a failed statement.
///
/// Its `Display` is the whole of what the server said that a user can act on; it has no
/// [`source`](std::error::Error::source), since the driver's own wording would say it again
/// with the server's source line. [`ServerError::sqlx`] gives the driver's error.
#[derive(Debug)]
pub struct ServerError(pub(super) sqlx::Error);

impl ServerError {
    /// The driver's error, for matching on codes.
    pub fn sqlx(&self) -> &sqlx::Error {
        &self.0
    }

    /// The driver's error, by value.
    pub fn into_sqlx(self) -> sqlx::Error {
        self.0
    }

    /// The SQLSTATE (PostgreSQL, MySQL) or extended result code (SQLite), when the server
    /// refused the statement.
    pub fn code(&self) -> Option<String> {
        self.database()
            .and_then(|e| e.code())
            .map(|c| c.to_string())
    }

    /// The table the server names (PostgreSQL: `schema.table`).
    pub fn table(&self) -> Option<String> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = self.postgres() {
            return pg.table().map(|t| match pg.schema() {
                Some(schema) => format!("{schema}.{t}"),
                None => t.to_string(),
            });
        }
        None
    }

    /// The constraint (or, on MySQL/MariaDB, the key) the server names.
    pub fn constraint(&self) -> Option<String> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = self.postgres() {
            return pg.constraint().map(str::to_string);
        }
        let message = self.database()?.message().to_string();
        quoted_after(&message, "for key '", '\'')
            .map(|key| key.rsplit('.').next().unwrap_or(&key).to_string())
            .or_else(|| quoted_after(&message, "CONSTRAINT `", '`'))
            .or_else(|| quoted_after(&message, "Check constraint '", '\''))
            .or_else(|| {
                message
                    .strip_prefix("CHECK constraint failed: ")
                    .map(str::to_string)
            })
    }

    /// The columns the server names: PostgreSQL's column field or the key of its DETAIL
    /// (`Key (a, b)=(…)`), SQLite's `UNIQUE constraint failed: t.a, t.b`, MySQL's
    /// `Column 'a' cannot be null` or `FOREIGN KEY (`a`)`. Empty when it names none.
    pub fn columns(&self) -> Vec<String> {
        let Some(db) = self.database() else {
            return Vec::new();
        };
        #[cfg(feature = "postgres")]
        if let Some(pg) = self.postgres() {
            if let Some(column) = pg.column() {
                return vec![column.to_string()];
            }
            return pg.detail().map(detail_key_columns).unwrap_or_default();
        }
        message_columns(db.message())
    }

    fn database(&self) -> Option<&dyn sqlx::error::DatabaseError> {
        match &self.0 {
            sqlx::Error::Database(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    #[cfg(feature = "postgres")]
    fn postgres(&self) -> Option<&sqlx::postgres::PgDatabaseError> {
        self.database()?.try_downcast_ref()
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "postgres")]
        if let Some(pg) = self.postgres() {
            return f.write_str(&postgres_text(pg));
        }
        match self.database() {
            Some(db) => f.write_str(db.message()),
            None => write!(f, "{}", self.0),
        }
    }
}

impl std::error::Error for ServerError {}

/// PostgreSQL's message, then what it does not already name of the table (always,
/// schema-qualified), the column and the constraint, the DETAIL and the HINT.
#[cfg(feature = "postgres")]
fn postgres_text(pg: &sqlx::postgres::PgDatabaseError) -> String {
    let message = pg.message();
    let named = |name: &str| message.contains(&format!("\"{name}\""));
    let mut about = Vec::new();
    if let Some(table) = pg.table() {
        match pg.schema() {
            Some(schema) => about.push(format!("table {schema}.{table}")),
            None => about.push(format!("table {table}")),
        }
    }
    if let Some(column) = pg.column().filter(|c| !named(c)) {
        about.push(format!("column \"{column}\""));
    }
    if let Some(constraint) = pg.constraint().filter(|c| !named(c)) {
        about.push(format!("constraint \"{constraint}\""));
    }
    let mut text = message.to_string();
    if !about.is_empty() {
        text.push_str(&format!(" ({})", about.join(", ")));
    }
    if let Some(detail) = pg.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if let Some(hint) = pg.hint() {
        text.push_str(&format!(" (hint: {hint})"));
    }
    text
}

/// The columns of a DETAIL's `Key (a, "B")=(…)`, unquoted.
fn detail_key_columns(detail: &str) -> Vec<String> {
    let Some(rest) = detail.strip_prefix("Key (") else {
        return Vec::new();
    };
    let Some(end) = rest.find(")=(") else {
        return Vec::new();
    };
    rest[..end]
        .split(", ")
        .map(|c| c.trim_matches('"').replace("\"\"", "\""))
        .collect()
}

/// The columns a SQLite or MySQL/MariaDB message names.
fn message_columns(message: &str) -> Vec<String> {
    for prefix in ["UNIQUE constraint failed: ", "NOT NULL constraint failed: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return rest
                .split(", ")
                .map(|c| c.rsplit('.').next().unwrap_or(c).to_string())
                .collect();
        }
    }
    if let Some(column) = quoted_after(message, "Column '", '\'') {
        return vec![column];
    }
    if let Some(columns) = quoted_after(message, "FOREIGN KEY (", ')') {
        return columns
            .split(", ")
            .map(|c| c.trim_matches('`').to_string())
            .collect();
    }
    Vec::new()
}

/// The text between `start` and the next `end` in `message`.
fn quoted_after(message: &str, start: &str, end: char) -> Option<String> {
    let rest = &message[message.find(start)? + start.len()..];
    Some(rest[..rest.find(end)?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_detail_names_its_key_columns() {
        assert_eq!(
            detail_key_columns("Key (code)=(100) already exists."),
            ["code"]
        );
        assert_eq!(
            detail_key_columns(
                "Key (office_id, \"Kind\")=(7, a) is not present in table \"offices\"."
            ),
            ["office_id", "Kind"]
        );
        assert!(detail_key_columns("Failing row contains (1, 5000).").is_empty());
    }

    #[test]
    fn sqlite_and_mysql_messages_name_their_columns() {
        assert_eq!(
            message_columns("UNIQUE constraint failed: offices.code, offices.kind"),
            ["code", "kind"]
        );
        assert_eq!(
            message_columns("NOT NULL constraint failed: offices.name"),
            ["name"]
        );
        assert_eq!(message_columns("Column 'name' cannot be null"), ["name"]);
        assert_eq!(
            message_columns(
                "Cannot add or update a child row: a foreign key constraint fails (`db`.`staffs`, \
                 CONSTRAINT `fk` FOREIGN KEY (`office_id`) REFERENCES `offices` (`id`))"
            ),
            ["office_id"]
        );
        assert!(message_columns("CHECK constraint failed: code < 1000").is_empty());
    }

    #[test]
    fn an_error_that_is_not_the_servers_says_the_drivers_words() {
        let err = ServerError(sqlx::Error::RowNotFound);
        assert_eq!(err.to_string(), sqlx::Error::RowNotFound.to_string());
        assert!(err.columns().is_empty() && err.constraint().is_none());
    }
}
