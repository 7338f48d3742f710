//! The database systems fixtura speaks, and how each quotes a name.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::QualifiedName;

/// The database systems fixtura supports.
///
/// Every variant exists whatever features the crate is built with: a snapshot made on
/// MySQL names its backend even in a build that cannot connect to MySQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// PostgreSQL 13 or later.
    Postgres,
    /// MySQL 8 or MariaDB 10.6 or later.
    #[serde(rename = "mysql")]
    MySql,
    /// SQLite 3.
    Sqlite,
}

impl Backend {
    /// The product name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
            Backend::Sqlite => "SQLite",
        }
    }

    /// Quotes an identifier so any name (upper case, spaces, reserved words) survives.
    pub fn quote_ident(self, ident: &str) -> String {
        match self {
            Backend::MySql => format!("`{}`", ident.replace('`', "``")),
            Backend::Postgres | Backend::Sqlite => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// Quotes a schema-qualified table name.
    pub fn quote_table(self, name: &QualifiedName) -> String {
        format!(
            "{}.{}",
            self.quote_ident(&name.schema),
            self.quote_ident(&name.name)
        )
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_per_backend() {
        assert_eq!(
            Backend::Postgres.quote_ident("First \"Name\""),
            "\"First \"\"Name\"\"\""
        );
        assert_eq!(Backend::MySql.quote_ident("or`der"), "`or``der`");
        assert_eq!(
            Backend::Sqlite.quote_table(&QualifiedName::new("main", "order")),
            "\"main\".\"order\""
        );
    }
}
