//! Schema drift: the snapshot's tables compared with the live schema before anything is
//! written. What cannot lose data (a new column the database fills itself, a wider type)
//! is handled and reported; anything else stops the restore with every difference listed,
//! since a half-understood table is worse than no restore.

use crate::schema::{ColumnType, Schema};
use crate::snapshot::SnapshotError;
use crate::snapshot::manifest::Manifest;

/// Compares the snapshot's tables with the live schema. Differences that cannot lose data
/// (a new column the database can fill itself, a wider type) come back as notes; anything
/// else is an error listing every difference.
pub(crate) fn check_drift(
    manifest: &Manifest,
    schema: &Schema,
) -> Result<Vec<String>, SnapshotError> {
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    for entry in &manifest.tables {
        let Some(table) = schema.resolve(&entry.display_name) else {
            problems.push(format!("table {} is missing", entry.display_name));
            continue;
        };
        for column in &entry.columns {
            match table.column(&column.name) {
                None => problems.push(format!(
                    "{}.{} was dropped",
                    entry.display_name, column.name
                )),
                Some(now) if now.generated.is_some() => problems.push(format!(
                    "{}.{} is now a generated column, so its stored values cannot be written",
                    entry.display_name, column.name
                )),
                Some(now) if !widens(&column.column_type, &now.column_type) => {
                    problems.push(format!(
                        "{}.{} changed type from {} to {}",
                        entry.display_name, column.name, column.type_name, now.type_name
                    ))
                }
                Some(now) if now.type_name != column.type_name => notes.push(format!(
                    "{}.{} widened from {} to {}",
                    entry.display_name, column.name, column.type_name, now.type_name
                )),
                Some(_) => {}
            }
        }
        for now in &table.columns {
            if entry.columns.iter().any(|c| c.name == now.name) || now.generated.is_some() {
                continue;
            }
            if now.nullable || now.default.is_some() || now.identity.is_some() {
                notes.push(format!(
                    "{}.{} is new: the database fills it",
                    entry.display_name, now.name
                ));
            } else {
                problems.push(format!(
                    "{}.{} is new, NOT NULL and has no default: the snapshot has no values for it",
                    entry.display_name, now.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(notes)
    } else {
        Err(SnapshotError::Drift(problems.join("; ")))
    }
}

/// Whether every value of type `old` fits type `new` unchanged.
fn widens(old: &ColumnType, new: &ColumnType) -> bool {
    use ColumnType as T;
    match (old, new) {
        _ if old == new => true,
        (
            T::Integer {
                bytes: a,
                unsigned: ua,
            },
            T::Integer {
                bytes: b,
                unsigned: ub,
            },
        ) => (ua == ub && b >= a) || (!ub && *ua && b > a),
        (T::Integer { .. }, T::Decimal { .. }) => true,
        (T::Float { bytes: a }, T::Float { bytes: b }) => b >= a,
        (
            T::Text { max_length: a, .. },
            T::Text {
                max_length: b,
                fixed: false,
            },
        ) => match (a, b) {
            (_, None) => true,
            (Some(a), Some(b)) => b >= a,
            (None, Some(_)) => false,
        },
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => match (p1, p2) {
            (_, None) => true,
            (Some(p1), Some(p2)) => s2 >= s1 && p2 - s2.unwrap_or(0) >= p1 - s1.unwrap_or(0),
            (None, Some(_)) => false,
        },
        (T::Enum { labels: a, .. }, T::Enum { labels: b, .. }) => a.iter().all(|l| b.contains(l)),
        (
            T::Enum { .. },
            T::Text {
                max_length: None, ..
            },
        ) => true,
        (T::Json, T::Jsonb)
        | (
            T::Timestamp {
                with_time_zone: false,
            },
            T::Timestamp { .. },
        ) => true,
        (T::Binary { max_length: a }, T::Binary { max_length: b }) => {
            b.is_none() || (a.is_some() && b >= a)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_is_allowed_and_narrowing_is_not() {
        use ColumnType as T;
        let int = |bytes| T::Integer {
            bytes,
            unsigned: false,
        };
        let text = |n| T::Text {
            max_length: n,
            fixed: false,
        };
        assert!(widens(&int(4), &int(8)));
        assert!(!widens(&int(8), &int(4)));
        assert!(widens(&text(Some(40)), &text(Some(80))));
        assert!(widens(&text(Some(40)), &text(None)));
        assert!(!widens(&text(Some(80)), &text(Some(40))));
        assert!(!widens(&text(None), &int(8)));
    }
}
