//! What the MySQL/MariaDB catalogs' text says of a column: its type (from `DATA_TYPE` and
//! `COLUMN_TYPE`, enum labels included), its default in one form for both servers, whether
//! it is generated, and whether a MariaDB check makes it JSON. Pure: no database.

use super::Flavor;
use crate::schema::{ColumnType, Generated};

/// A generated column, from EXTRA (`VIRTUAL GENERATED`, `STORED GENERATED`; MariaDB before
/// 10.2 said `PERSISTENT`). MySQL's `DEFAULT_GENERATED` marks an expression default, not a
/// generated column, so the words are matched whole.
pub(super) fn generated(extra: &str, expression: Option<&str>) -> Option<Generated> {
    let stored = if extra.contains("STORED GENERATED") || extra.contains("PERSISTENT GENERATED") {
        true
    } else if extra.contains("VIRTUAL GENERATED") {
        false
    } else {
        return None;
    };
    Some(Generated {
        stored,
        expression: expression.unwrap_or_default().to_string(),
    })
}

/// The default as a SQL expression, or `None` when the column has none (or `DEFAULT NULL`).
pub(super) fn normalise_default(
    flavor: Flavor,
    default: Option<&str>,
    extra: &str,
    column_type: &ColumnType,
) -> Option<String> {
    let default = default?;
    match flavor {
        // MariaDB quotes every literal, so an unquoted NULL is the NULL default.
        Flavor::MariaDb if default.eq_ignore_ascii_case("NULL") => None,
        Flavor::MariaDb => Some(default.to_string()),
        // MySQL 8 reports `DEFAULT NULL` as SQL NULL, expressions marked DEFAULT_GENERATED,
        // and literals bare: quote the non-numeric ones so both servers read alike.
        Flavor::MySql if extra.contains("DEFAULT_GENERATED") => Some(default.to_string()),
        Flavor::MySql => match column_type {
            ColumnType::Boolean
            | ColumnType::Integer { .. }
            | ColumnType::Float { .. }
            | ColumnType::Decimal { .. } => Some(default.to_string()),
            // `bit` defaults already come as `b'101'`.
            ColumnType::Other { name } if name == "bit" => Some(default.to_string()),
            _ => Some(format!("'{}'", default.replace('\'', "''"))),
        },
    }
}

/// Classifies a column by DATA_TYPE (lower case), with COLUMN_TYPE for what it leaves out.
pub(super) fn classify(
    table: &str,
    column: &str,
    column_type: &str,
    data_type: &str,
    char_length: Option<i64>,
    precision: Option<i64>,
    scale: Option<i64>,
) -> ColumnType {
    let full = column_type.to_ascii_lowercase();
    let unsigned = full.contains("unsigned");
    let length = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
    let integer = |bytes| ColumnType::Integer { bytes, unsigned };
    match data_type {
        // `BOOL` is `tinyint(1)`; MySQL 8.0.19+ drops every other integer display width
        // but keeps this one for exactly that reason.
        "tinyint" if full.starts_with("tinyint(1)") => ColumnType::Boolean,
        "tinyint" => integer(1),
        "smallint" => integer(2),
        "mediumint" => integer(3),
        "int" | "integer" => integer(4),
        "bigint" => integer(8),
        "float" => ColumnType::Float { bytes: 4 },
        "double" | "real" | "double precision" => ColumnType::Float { bytes: 8 },
        "decimal" | "numeric" | "dec" | "fixed" => ColumnType::Decimal {
            precision: length(precision),
            scale: length(scale),
        },
        "char" => ColumnType::Text {
            max_length: length(char_length),
            fixed: true,
        },
        "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => ColumnType::Text {
            max_length: length(char_length),
            fixed: false,
        },
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            ColumnType::Binary {
                max_length: length(char_length),
            }
        }
        "date" => ColumnType::Date,
        "time" => ColumnType::Time {
            with_time_zone: false,
        },
        // TIMESTAMP is stored as UTC but converted from and to the session time zone: its
        // values carry no zone, so both read as a timestamp without time zone.
        "datetime" | "timestamp" => ColumnType::Timestamp {
            with_time_zone: false,
        },
        "json" => ColumnType::Json,
        // MariaDB 10.7+ and 10.10+ native types.
        "uuid" => ColumnType::Uuid,
        "inet4" | "inet6" => ColumnType::Inet,
        "enum" => match enum_labels(column_type) {
            Some(labels) => ColumnType::Enum { name: None, labels },
            None => {
                tracing::warn!(
                    "column {table}.{column}: cannot read the labels of {column_type}; treating it as an unknown type"
                );
                ColumnType::Other {
                    name: "enum".to_string(),
                }
            }
        },
        other => ColumnType::Other {
            name: other.to_string(),
        },
    }
}

/// The labels of `enum('a','b')`, as COLUMN_TYPE spells them: single-quoted SQL strings
/// with `''` for a quote (and, on MariaDB, `\\` for a backslash), so a label may hold
/// commas and parentheses. `None` when the text is not of that shape.
fn enum_labels(column_type: &str) -> Option<Vec<String>> {
    let open = column_type.find('(')?;
    if !column_type[..open].trim().eq_ignore_ascii_case("enum") {
        return None;
    }
    let mut chars = column_type[open + 1..].chars().peekable();
    let mut labels = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if labels.is_empty() && chars.next_if_eq(&')').is_some() {
            break;
        }
        if chars.next()? != '\'' {
            return None;
        }
        let mut label = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.next_if_eq(&'\'').is_some() => label.push('\''),
                '\'' => break,
                // A backslash escapes a quote or a backslash; any other pair is kept as
                // written, since MySQL does not escape backslashes in COLUMN_TYPE.
                '\\' => match chars.next_if(|c| *c == '\\' || *c == '\'') {
                    Some(escaped) => label.push(escaped),
                    None => label.push('\\'),
                },
                c => label.push(c),
            }
        }
        labels.push(label);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next()? {
            ',' => continue,
            ')' => break,
            _ => return None,
        }
    }
    chars.all(char::is_whitespace).then_some(labels)
}

/// The column of a check clause that is exactly `json_valid(`col`)`.
pub(super) fn json_valid_column(clause: &str) -> Option<String> {
    let mut clause = clause.trim();
    while let Some(inner) = clause.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        clause = inner.trim();
    }
    let (function, rest) = clause.split_once('(')?;
    if !function.trim().eq_ignore_ascii_case("json_valid") {
        return None;
    }
    let argument = rest.strip_suffix(')')?.trim();
    match argument.strip_prefix('`').and_then(|a| a.strip_suffix('`')) {
        Some(quoted) => Some(quoted.replace("``", "`")),
        None if !argument.is_empty()
            && argument
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$') =>
        {
            Some(argument.to_string())
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(column_type: &str) -> Option<Vec<String>> {
        enum_labels(column_type)
    }

    #[test]
    fn enum_labels_keep_quotes_commas_and_parentheses() {
        assert_eq!(
            labels("enum('happy','sad','it''s complicated')").unwrap(),
            ["happy", "sad", "it's complicated"]
        );
        assert_eq!(
            labels("enum('a,b','(c)', 'd')").unwrap(),
            ["a,b", "(c)", "d"]
        );
        assert_eq!(labels("enum('')").unwrap(), [""]);
    }

    #[test]
    fn enum_labels_read_backslashes_escaped_or_not() {
        assert_eq!(labels(r"enum('x\\y','q\'')").unwrap(), [r"x\y", "q'"]);
        assert_eq!(labels(r"enum('x\y')").unwrap(), [r"x\y"]);
    }

    #[test]
    fn malformed_enum_types_are_refused() {
        assert_eq!(labels("enum('a'"), None);
        assert_eq!(labels("enum(a)"), None);
        assert_eq!(labels("set('a')"), None);
        assert_eq!(labels("enum('a') x"), None);
    }

    #[test]
    fn json_valid_checks_name_their_column() {
        assert_eq!(
            json_valid_column("json_valid(`doc`)").as_deref(),
            Some("doc")
        );
        assert_eq!(
            json_valid_column("(JSON_VALID(`a``b`))").as_deref(),
            Some("a`b")
        );
        assert_eq!(json_valid_column("json_valid(doc)").as_deref(), Some("doc"));
        assert_eq!(json_valid_column("json_valid(`doc`) and `x` > 0"), None);
        assert_eq!(json_valid_column("`k` > 0"), None);
    }

    #[test]
    fn defaults_read_alike_on_both_servers() {
        let text = ColumnType::Text {
            max_length: Some(10),
            fixed: false,
        };
        let int = ColumnType::Integer {
            bytes: 4,
            unsigned: false,
        };
        let maria = |d| normalise_default(Flavor::MariaDb, d, "", &text);
        assert_eq!(maria(None), None);
        assert_eq!(maria(Some("NULL")), None);
        assert_eq!(maria(Some("'it''s'")).as_deref(), Some("'it''s'"));
        let mysql = |d, extra, ty| normalise_default(Flavor::MySql, d, extra, ty);
        assert_eq!(mysql(None, "", &text), None);
        assert_eq!(mysql(Some("it's"), "", &text).as_deref(), Some("'it''s'"));
        assert_eq!(mysql(Some("NULL"), "", &text).as_deref(), Some("'NULL'"));
        assert_eq!(mysql(Some("0"), "", &int).as_deref(), Some("0"));
        assert_eq!(
            mysql(Some("CURRENT_TIMESTAMP"), "DEFAULT_GENERATED", &text).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
    }

    #[test]
    fn generated_columns_are_told_from_expression_defaults() {
        assert_eq!(generated("DEFAULT_GENERATED", Some("")), None);
        assert_eq!(
            generated("VIRTUAL GENERATED", Some("`a` + 1")),
            Some(Generated {
                stored: false,
                expression: "`a` + 1".to_string()
            })
        );
        assert!(generated("STORED GENERATED", Some("x")).is_some_and(|g| g.stored));
    }

    #[test]
    fn types_classify_by_data_type_and_column_type() {
        let class = |full: &str, data: &str| classify("t", "c", full, data, None, None, None);
        assert_eq!(class("tinyint(1)", "tinyint"), ColumnType::Boolean);
        assert_eq!(
            class("int(10) unsigned", "int"),
            ColumnType::Integer {
                bytes: 4,
                unsigned: true
            }
        );
        assert_eq!(
            class("mediumint", "mediumint"),
            ColumnType::Integer {
                bytes: 3,
                unsigned: false
            }
        );
        assert_eq!(
            class("year(4)", "year"),
            ColumnType::Other {
                name: "year".to_string()
            }
        );
    }
}
