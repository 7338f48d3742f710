//! Schema-qualified names: how every table is named, from introspection to messages.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A schema-qualified name. On MySQL the schema is the database; on SQLite it is `main`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualifiedName {
    /// The schema (PostgreSQL), database (MySQL/MariaDB) or attached database (SQLite).
    pub schema: String,
    /// The table's own name.
    pub name: String,
}

impl QualifiedName {
    /// The name `schema.name`.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Splits `schema.table` at the first dot; a bare name gets `default_schema`.
    pub fn parse(written: &str, default_schema: &str) -> Self {
        match written.split_once('.') {
            Some((schema, name)) => QualifiedName::new(schema, name),
            None => QualifiedName::new(default_schema, written),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_takes_the_default_schema() {
        assert_eq!(
            QualifiedName::parse("offices", "public"),
            QualifiedName::new("public", "offices")
        );
        assert_eq!(
            QualifiedName::parse("crm.employee", "public").to_string(),
            "crm.employee"
        );
    }
}
