//! SQLite column types: a declared type name classified into the model's
//! [`ColumnType`]. Pure: no database.

use crate::schema::ColumnType;

/// Classifies a declared type by its name, falling back to SQLite's affinity rules
/// (<https://www.sqlite.org/datatype3.html#determination_of_column_affinity>): what the
/// user wrote says more than the storage class (`BOOLEAN`, `UUID`, `DATETIME` all store as
/// numbers or text). A column declared with no type at all has no affinity and may hold
/// anything, so it is `Other { name: "" }` rather than a guess such as `Binary`.
pub(super) fn classify(declared: &str) -> ColumnType {
    let upper = declared.trim().to_ascii_uppercase();
    let (base, args) = match upper.split_once('(') {
        Some((base, rest)) => {
            let inside = rest.split_once(')').map_or(rest, |(inside, _)| inside);
            let args: Vec<Option<u32>> = inside.split(',').map(|a| a.trim().parse().ok()).collect();
            (base, args)
        }
        None => (upper.as_str(), Vec::new()),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = args.first().copied().flatten();
    let integer = |bytes| ColumnType::Integer {
        bytes,
        unsigned: base.contains("UNSIGNED"),
    };
    match base.as_str() {
        "" => ColumnType::Other {
            name: String::new(),
        },
        "BOOL" | "BOOLEAN" => ColumnType::Boolean,
        "TINYINT" => integer(1),
        "SMALLINT" | "INT2" => integer(2),
        "MEDIUMINT" => integer(3),
        // Contains "INT", so affinity alone would call it an integer.
        "INTERVAL" => ColumnType::Interval,
        "DECIMAL" | "NUMERIC" => ColumnType::Decimal {
            precision: first,
            // DECIMAL(p) means a scale of 0 in the SQL standard.
            scale: args.get(1).copied().flatten().or(first.map(|_| 0)),
        },
        "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" => ColumnType::Text {
            max_length: first,
            fixed: true,
        },
        "BINARY" | "VARBINARY" | "BYTEA" => ColumnType::Binary { max_length: first },
        "UUID" => ColumnType::Uuid,
        "JSON" => ColumnType::Json,
        "JSONB" => ColumnType::Jsonb,
        "DATE" => ColumnType::Date,
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => ColumnType::Timestamp {
            with_time_zone: false,
        },
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => ColumnType::Timestamp {
            with_time_zone: true,
        },
        "TIME" | "TIME WITHOUT TIME ZONE" => ColumnType::Time {
            with_time_zone: false,
        },
        "TIMETZ" | "TIME WITH TIME ZONE" => ColumnType::Time {
            with_time_zone: true,
        },
        _ if base.contains("INT") => integer(8),
        _ if ["CHAR", "CLOB", "TEXT"].iter().any(|s| base.contains(s)) => ColumnType::Text {
            max_length: first,
            fixed: false,
        },
        _ if base.contains("BLOB") => ColumnType::Binary { max_length: first },
        _ if ["REAL", "FLOA", "DOUB"].iter().any(|s| base.contains(s)) => {
            ColumnType::Float { bytes: 8 }
        }
        _ => ColumnType::Other {
            name: declared.trim().to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(max_length: Option<u32>, fixed: bool) -> ColumnType {
        ColumnType::Text { max_length, fixed }
    }

    #[test]
    fn declared_names_win_over_affinity() {
        assert_eq!(classify("BOOLEAN"), ColumnType::Boolean);
        assert_eq!(classify("uuid"), ColumnType::Uuid);
        assert_eq!(classify("JSON"), ColumnType::Json);
        assert_eq!(classify("jsonb"), ColumnType::Jsonb);
        assert_eq!(classify("DATE"), ColumnType::Date);
        assert_eq!(
            classify("DATETIME(6)"),
            ColumnType::Timestamp {
                with_time_zone: false
            }
        );
        assert_eq!(
            classify("timestamp with time zone"),
            ColumnType::Timestamp {
                with_time_zone: true
            }
        );
        assert_eq!(
            classify("TIME"),
            ColumnType::Time {
                with_time_zone: false
            }
        );
        assert_eq!(classify("INTERVAL"), ColumnType::Interval);
    }

    #[test]
    fn integers_take_their_width_from_the_name() {
        let int = |bytes, unsigned| ColumnType::Integer { bytes, unsigned };
        assert_eq!(classify("INTEGER"), int(8, false));
        assert_eq!(classify("BIGINT"), int(8, false));
        assert_eq!(classify("int"), int(8, false));
        assert_eq!(classify("SMALLINT"), int(2, false));
        assert_eq!(classify("TINYINT"), int(1, false));
        assert_eq!(classify("UNSIGNED BIG INT"), int(8, true));
    }

    #[test]
    fn numbers_text_and_binary_keep_their_sizes() {
        assert_eq!(
            classify("DECIMAL(12, 2)"),
            ColumnType::Decimal {
                precision: Some(12),
                scale: Some(2)
            }
        );
        assert_eq!(
            classify("NUMERIC(5)"),
            ColumnType::Decimal {
                precision: Some(5),
                scale: Some(0)
            }
        );
        assert_eq!(
            classify("numeric"),
            ColumnType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(classify("DOUBLE PRECISION"), ColumnType::Float { bytes: 8 });
        assert_eq!(classify("REAL"), ColumnType::Float { bytes: 8 });
        assert_eq!(classify("varchar(40)"), text(Some(40), false));
        assert_eq!(classify("CHARACTER VARYING ( 7 )"), text(Some(7), false));
        assert_eq!(classify("CHAR(3)"), text(Some(3), true));
        assert_eq!(classify("TEXT"), text(None, false));
        assert_eq!(classify("CLOB"), text(None, false));
        assert_eq!(classify("BLOB"), ColumnType::Binary { max_length: None });
    }

    #[test]
    fn untyped_and_unknown_columns_are_other() {
        assert_eq!(
            classify(""),
            ColumnType::Other {
                name: String::new()
            }
        );
        assert_eq!(
            classify("MONEY"),
            ColumnType::Other {
                name: "MONEY".into()
            }
        );
    }
}
