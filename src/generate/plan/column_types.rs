//! Which generators can fill which column types: a spec's generator is checked against
//! its column before anything is made, so a `date` column given an `int` is a spec error
//! naming the line, not a failed load. Text-like columns (text, enums, types fixtura does
//! not know) take anything that renders as text; the database parses it.

use crate::generate::generator::Generator;
use crate::schema::{Column, ColumnType};

/// Refuses a generator that cannot make values of the column's type.
pub(super) fn check_type(generator: &Generator, column: &Column) -> Result<(), String> {
    use ColumnType as T;
    let ty = &column.column_type;
    let text_like = matches!(ty, T::Text { .. } | T::Enum { .. } | T::Other { .. });
    let ok = match generator {
        Generator::Const(_) | Generator::OneOf { .. } | Generator::Default => true,
        Generator::Fake(_) | Generator::Template(_) | Generator::Text { .. } | Generator::Ipv4 => {
            text_like || matches!(ty, T::Inet | T::Json | T::Jsonb)
        }
        Generator::Date { .. } | Generator::DateTime { .. } => {
            text_like || matches!(ty, T::Date | T::Timestamp { .. })
        }
        Generator::Time => text_like || matches!(ty, T::Time { .. }),
        Generator::Int { .. } | Generator::Sequence { .. } => {
            text_like || matches!(ty, T::Integer { .. } | T::Float { .. } | T::Decimal { .. })
        }
        Generator::Float { .. } | Generator::Decimal { .. } => {
            text_like || matches!(ty, T::Float { .. } | T::Decimal { .. })
        }
        Generator::Bool { .. } => text_like || matches!(ty, T::Boolean | T::Integer { .. }),
        Generator::Uuid => text_like || matches!(ty, T::Uuid | T::Binary { .. }),
        Generator::Bytes { .. } => matches!(ty, T::Binary { .. }),
        Generator::JsonObject => text_like || matches!(ty, T::Json | T::Jsonb),
        Generator::Interval => text_like || matches!(ty, T::Interval),
        Generator::Array { .. } => matches!(ty, T::Array { .. } | T::Json | T::Jsonb),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} cannot fill column of type {}",
            generator_name(generator),
            column.type_name
        ))
    }
}

/// A generator as a message names it: the spec key when it has one.
fn generator_name(g: &Generator) -> &'static str {
    match g {
        Generator::Fake(_) => "a fake generator",
        Generator::Date { .. } => "`date`",
        Generator::DateTime { .. } => "`datetime`",
        Generator::Time => "a time",
        Generator::Int { .. } => "`int`",
        Generator::Float { .. } => "`float`",
        Generator::Decimal { .. } => "`decimal`",
        Generator::Bool { .. } => "`bool`",
        Generator::OneOf { .. } => "`one_of`",
        Generator::Template(_) => "`template`",
        Generator::Const(_) => "`const`",
        Generator::Sequence { .. } => "`sequence`",
        Generator::Uuid => "`uuid`",
        Generator::Text { .. } => "text",
        Generator::Bytes { .. } => "bytes",
        Generator::JsonObject => "JSON",
        Generator::Interval => "an interval",
        Generator::Ipv4 => "an IP address",
        Generator::Array { .. } => "an array",
        Generator::Default => "`default`",
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;
    use super::*;

    #[test]
    fn a_generator_of_the_wrong_type_for_its_column_is_refused() {
        let spec = "[tables.customers]\nrows = 1\n[tables.orders]\nrows = 2\n\
                    columns.placed_on = { int = { min = 1, max = 9 } }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:5: tables.orders.columns.placed_on: `int` cannot fill column of type date"
        );
        let spec = "[tables.customers]\nrows = 1\ncolumns.email = { bytes = 4 }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.customers.columns.email: bytes cannot fill column of type \
             varchar(80)"
        );
    }

    #[test]
    fn text_columns_take_any_generator_that_renders_as_text() {
        let email = text("email", 80);
        let int = Generator::Int { min: 1, max: 2 };
        assert_eq!(check_type(&int, &email), Ok(()));
        assert_eq!(check_type(&Generator::Uuid, &email), Ok(()));
        assert_eq!(
            check_type(&Generator::Bytes { len: 4 }, &email),
            Err("bytes cannot fill column of type varchar(80)".into())
        );
        assert_eq!(
            check_type(&Generator::Uuid, &date("placed_on")),
            Err("`uuid` cannot fill column of type date".into())
        );
    }
}
