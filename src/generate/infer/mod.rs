//! Generators for the columns a spec does not name, inferred from type and name.
//!
//! The type decides what is possible (an integer column never gets an email); the name,
//! split into lowercase words (`firstName` and `first_name` are both `first name`),
//! decides what is plausible within it. Names are matched on whole words only, so `ship_to`
//! is not a `hip`. Text never exceeds a declared `varchar(n)` by choice: very short and
//! fixed-width columns get codes or plain text cut to `n`; longer fakes that might run over
//! are cut by the planner.
//!
//! This file dispatches by type and holds dates and the other types with one natural
//! generator; the rooms beside it hold what needs a name to decide: `numbers` (booleans,
//! integers, floats, decimals), `text` (codes that fit, lorem), `text_by_name` (the fake a
//! text column's name asks for), and `words` (names as words).

mod numbers;
mod text;
mod text_by_name;
mod words;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use self::numbers::{bool_probability, decimal, float, integer};
use self::text::text;
use self::words::Words;
use super::generator::Generator;
use crate::schema::{Column, ColumnType, Table};
use crate::value::Value;

/// A sensible generator for `column` of `table`, from its type and name. Keys (primary and
/// foreign) are not handled here: the planner fills those.
pub(crate) fn infer(table: &Table, column: &Column) -> Generator {
    let name = Words::split(&column.name);
    // A column the database cannot fill itself must be written, however unknown its type.
    let required = !column.nullable && column.default.is_none();
    by_type(table, &name, &column.column_type, required)
}

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("BUG: invalid date constant"),
    }
}

const BIRTH_FROM: NaiveDate = date(1940, 1, 1);
const BIRTH_TO: NaiveDate = date(2005, 12, 31);
const DATE_FROM: NaiveDate = date(2015, 1, 1);
const DATE_TO: NaiveDate = date(2026, 12, 31);
const DATETIME_FROM: NaiveDate = date(2020, 1, 1);
const DATETIME_TO: NaiveDate = date(2026, 12, 31);

/// What `column_type` can hold, narrowed by the name where the type leaves a choice.
fn by_type(table: &Table, name: &Words, column_type: &ColumnType, required: bool) -> Generator {
    match column_type {
        ColumnType::Boolean => Generator::Bool {
            p: bool_probability(name),
        },
        ColumnType::Integer { bytes, unsigned } => integer(name, *bytes, *unsigned),
        ColumnType::Float { .. } => float(name),
        ColumnType::Decimal { precision, scale } => decimal(name, *precision, *scale),
        ColumnType::Text { max_length, fixed } => text(table, name, *max_length, *fixed),
        ColumnType::Binary { max_length } => Generator::Bytes {
            len: max_length.map_or(16, |n| (n as usize).min(16)),
        },
        ColumnType::Uuid => Generator::Uuid,
        ColumnType::Json | ColumnType::Jsonb => Generator::JsonObject,
        ColumnType::Date if name.is_birth() => Generator::Date {
            from: BIRTH_FROM,
            to: BIRTH_TO,
        },
        ColumnType::Date => Generator::Date {
            from: DATE_FROM,
            to: DATE_TO,
        },
        ColumnType::Time { .. } => Generator::Time,
        ColumnType::Timestamp { with_time_zone } => {
            let (from, to) = if name.is_birth() {
                (BIRTH_FROM, BIRTH_TO)
            } else {
                (DATETIME_FROM, DATETIME_TO)
            };
            Generator::DateTime {
                from: NaiveDateTime::new(from, NaiveTime::MIN),
                to: NaiveDateTime::new(to, last_second()),
                with_time_zone: *with_time_zone,
            }
        }
        ColumnType::Interval => Generator::Interval,
        ColumnType::Inet => Generator::Ipv4,
        ColumnType::Enum { labels, .. } if !labels.is_empty() => Generator::OneOf {
            values: labels.iter().map(|l| Value::Text(l.clone())).collect(),
            weights: Vec::new(),
        },
        ColumnType::Array { element } => match by_type(table, name, element, required) {
            Generator::Default => Generator::Default,
            element => Generator::Array {
                element: Box::new(element),
                max_len: 3,
            },
        },
        // An enum without labels or a type fixtura does not know: the database's default,
        // or, when there is none and NULL is refused, short text as a best effort.
        ColumnType::Enum { .. } | ColumnType::Other { .. } if required => {
            Generator::Text { max_chars: 16 }
        }
        ColumnType::Enum { .. } | ColumnType::Other { .. } => Generator::Default,
    }
}

fn last_second() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
}

/// Tables and columns to infer from, for the tests of every room of `infer`.
#[cfg(test)]
mod test_columns {
    use chrono::NaiveDate;

    use super::infer;
    use crate::generate::fakes::FakeKind;
    use crate::generate::generator::Generator;
    use crate::schema::{Column, ColumnType, QualifiedName, Table, TableKind};
    use crate::value::Value;

    pub(super) fn table(name: &str) -> Table {
        Table {
            name: QualifiedName::new("public", name),
            kind: TableKind::Table,
            columns: Vec::new(),
            primary_key: None,
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            flag_column: None,
            triggers: Vec::new(),
            engine: None,
            transactional: true,
        }
    }

    pub(super) fn column(name: &str, column_type: ColumnType) -> Column {
        Column {
            name: name.to_string(),
            type_name: String::new(),
            column_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            sequence: None,
        }
    }

    pub(super) fn infer_in(table_name: &str, name: &str, column_type: ColumnType) -> Generator {
        infer(&table(table_name), &column(name, column_type))
    }

    pub(super) fn infer_one(name: &str, column_type: ColumnType) -> Generator {
        infer_in("things", name, column_type)
    }

    pub(super) fn text() -> ColumnType {
        ColumnType::Text {
            max_length: None,
            fixed: false,
        }
    }

    pub(super) fn varchar(n: u32) -> ColumnType {
        ColumnType::Text {
            max_length: Some(n),
            fixed: false,
        }
    }

    pub(super) fn char_(n: u32) -> ColumnType {
        ColumnType::Text {
            max_length: Some(n),
            fixed: true,
        }
    }

    pub(super) fn int(bytes: u8, unsigned: bool) -> ColumnType {
        ColumnType::Integer { bytes, unsigned }
    }

    pub(super) fn fake(kind: FakeKind) -> Generator {
        Generator::Fake(kind)
    }

    pub(super) fn texts(values: &[&str]) -> Vec<Value> {
        values.iter().map(|v| Value::Text(v.to_string())).collect()
    }

    pub(super) fn datetime(from: NaiveDate, to: NaiveDate, with_time_zone: bool) -> Generator {
        Generator::DateTime {
            from: from.and_hms_opt(0, 0, 0).unwrap(),
            to: to.and_hms_opt(23, 59, 59).unwrap(),
            with_time_zone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_columns::{column, datetime, fake, infer_one, table, text, texts};
    use super::*;
    use crate::generate::fakes::FakeKind;

    #[test]
    fn enums_pick_one_of_their_labels() {
        let labels = vec!["owner".to_string(), "manager".to_string()];
        let column_type = ColumnType::Enum {
            name: Some("role".into()),
            labels,
        };
        assert_eq!(
            infer_one("role", column_type),
            Generator::OneOf {
                values: texts(&["owner", "manager"]),
                weights: vec![]
            }
        );
    }

    #[test]
    fn dates_and_times_get_plausible_ranges() {
        let birth = Generator::Date {
            from: BIRTH_FROM,
            to: BIRTH_TO,
        };
        assert_eq!(infer_one("birth_day", ColumnType::Date), birth);
        assert_eq!(infer_one("birthday", ColumnType::Date), birth);
        assert_eq!(infer_one("dob", ColumnType::Date), birth);
        assert_eq!(infer_one("date_of_birth", ColumnType::Date), birth);
        assert_eq!(
            infer_one("hired_on", ColumnType::Date),
            Generator::Date {
                from: DATE_FROM,
                to: DATE_TO
            }
        );
        assert_eq!(
            infer_one(
                "created_at",
                ColumnType::Timestamp {
                    with_time_zone: true
                }
            ),
            datetime(DATETIME_FROM, DATETIME_TO, true)
        );
        assert_eq!(
            infer_one(
                "updated_on",
                ColumnType::Timestamp {
                    with_time_zone: false
                }
            ),
            datetime(DATETIME_FROM, DATETIME_TO, false)
        );
        assert_eq!(
            infer_one(
                "opens",
                ColumnType::Time {
                    with_time_zone: false
                }
            ),
            Generator::Time
        );
        assert_eq!(
            infer_one("duration", ColumnType::Interval),
            Generator::Interval
        );
    }

    #[test]
    fn other_types_get_their_natural_generator() {
        assert_eq!(infer_one("token", ColumnType::Uuid), Generator::Uuid);
        assert_eq!(
            infer_one("settings", ColumnType::Jsonb),
            Generator::JsonObject
        );
        assert_eq!(infer_one("tags", ColumnType::Json), Generator::JsonObject);
        assert_eq!(infer_one("client", ColumnType::Inet), Generator::Ipv4);
        assert_eq!(
            infer_one("avatar", ColumnType::Binary { max_length: None }),
            Generator::Bytes { len: 16 }
        );
        assert_eq!(
            infer_one(
                "digest",
                ColumnType::Binary {
                    max_length: Some(8)
                }
            ),
            Generator::Bytes { len: 8 }
        );
        assert_eq!(
            infer_one(
                "emails",
                ColumnType::Array {
                    element: Box::new(text())
                }
            ),
            Generator::Array {
                element: Box::new(fake(FakeKind::SafeEmail)),
                max_len: 3
            }
        );
    }

    #[test]
    fn unknown_types_are_left_to_the_database_unless_required() {
        let geometry = || ColumnType::Other {
            name: "geometry".into(),
        };
        assert_eq!(infer_one("shape", geometry()), Generator::Default);
        let mut required = column("shape", geometry());
        required.nullable = false;
        assert_eq!(
            infer(&table("t"), &required),
            Generator::Text { max_chars: 16 }
        );
        required.default = Some("'POINT(0 0)'".into());
        assert_eq!(infer(&table("t"), &required), Generator::Default);
        let array = ColumnType::Array {
            element: Box::new(geometry()),
        };
        assert_eq!(infer_one("shapes", array), Generator::Default);
    }

    #[test]
    fn nullable_columns_with_a_default_are_still_filled() {
        let mut with_default = column("email", text());
        with_default.default = Some("''".into());
        assert_eq!(infer(&table("t"), &with_default), fake(FakeKind::SafeEmail));
    }
}
