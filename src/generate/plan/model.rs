//! The plan's data: everything needed to make any row of any table, as the planner leaves
//! it and the row engine (`rows.rs`) reads it. Only data lives here — no rule of how it is
//! decided — so the planner's steps and the engine both point at this file, never at each
//! other's.

use std::collections::HashMap;

use crate::generate::fakes::Locale;
use crate::generate::generator::Generator;
use crate::generate::spec::Distribution;
use crate::schema::{ColumnType, ForeignKey, Table};
use crate::value::{Row, Value};

/// Everything needed to make any row of any table.
#[derive(Debug)]
pub(crate) struct GenPlan {
    pub locale: Locale,
    /// Tables to generate, in insert order.
    pub tables: Vec<TablePlan>,
}

/// One table to generate.
#[derive(Debug)]
pub(crate) struct TablePlan {
    pub table: Table,
    /// The name as shown to a person.
    pub display: String,
    pub rows: u64,
    pub group: Option<Group>,
    /// Columns written, in table order.
    pub columns: Vec<ColumnPlan>,
    pub picks: Vec<Pick>,
    /// Indices of `picks` written NULL first and set by a bulk UPDATE after every table
    /// is in (a cycle broken at a nullable key while the server checks keys).
    pub deferred: Vec<usize>,
}

/// Rows made per row of a parent (`per = { table, count }`).
#[derive(Debug)]
pub(crate) struct Group {
    pub parent: Parent,
    /// `prefix[j]` is the first child row of parent row `j`; `prefix[n]` is the total.
    pub prefix: Vec<u64>,
    pub max_count: u64,
}

/// A column that fixtura writes.
#[derive(Debug)]
pub(crate) struct ColumnPlan {
    pub name: String,
    pub column_type: ColumnType,
    pub source: Source,
    /// Text is cut to this many characters (`varchar(n)`).
    pub max_chars: Option<usize>,
    pub seed: [u8; 32],
}

/// Where a column's values come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// A generator, with its NULL probability and how uniqueness is kept.
    Generated {
        generator: Generator,
        null: f64,
        unique: Unique,
    },
    /// `base + row + 1`: keys assigned by fixtura past the current maximum.
    Serial { base: i64 },
    /// `k + 1` for the k-th row of its `per` group (e.g. `cycle_number`).
    GroupIndex,
    /// Part `part` of the parent key chosen by `picks[pick]`.
    ForeignKey { pick: usize, part: usize },
    /// The flag column: always true.
    Flag,
}

/// How a generated column stays unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unique {
    No,
    /// Text with the row number woven in.
    Weave,
    /// An integer range walked in a seeded permutation (needs rows ≤ range size).
    Permute {
        min: i64,
        size: u64,
    },
}

/// Where a foreign key's parent rows come from.
#[derive(Debug)]
pub(crate) enum Parent {
    /// A table of this plan (index into `GenPlan::tables`); `columns` are the indices, in
    /// its `columns`, of the referenced columns.
    Planned {
        table: usize,
        columns: Vec<usize>,
        rows: u64,
    },
    /// Keys read from a table the spec does not generate.
    Existing { keys: Vec<Row> },
}

impl Parent {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Parent::Planned { rows, .. } => *rows,
            Parent::Existing { keys } => keys.len() as u64,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How one foreign key of a generated table picks its parent row.
#[derive(Debug)]
pub(crate) struct Pick {
    pub constraint: String,
    pub parent: Parent,
    pub mode: PickMode,
    /// Probability the key is NULL (nullable keys only).
    pub null: f64,
    pub seed: [u8; 32],
    /// Set when the key shares columns with another that leads them (`shared.rs`): its
    /// parent is picked among those that agree with the leader's.
    pub follows: Option<Follow>,
    /// For a key others follow: the parent rows it may pick, when not all of them (those
    /// every follower can match). `mode` then chooses among these.
    pub candidates: Option<Vec<u64>>,
}

/// The rule that maps a row to a parent row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PickMode {
    /// The row's `per` group parent.
    Group,
    /// Distinct parents among the rows of one `per` group.
    DistinctInGroup,
    /// Distinct parents for every row (a unique foreign key).
    Permute,
    /// Part of a unique key over several foreign keys: together they walk the product of
    /// their parents in a permutation. `radix` is this pick's place value, `size` its parent count.
    Joint { radix: u64, total: u64 },
    /// A parent drawn from the distribution.
    Random(Distribution),
    /// An earlier row of the same table (a self-reference): parents come first. The first
    /// `roots` rows have none (NULL), or reference themselves when the key is NOT NULL.
    Earlier { roots: u64, nullable: bool },
}

/// How a key follows the key that leads its shared columns (`shared.rs`).
#[derive(Debug)]
pub(crate) struct Follow {
    /// The leading pick.
    pub leader: usize,
    /// Positions, in the leader's parent key, of the shared columns.
    pub leader_parts: Vec<usize>,
    /// Positions, in this key's parent key, of the same columns, in the same order.
    pub parts: Vec<usize>,
    /// Whether this key's own columns may be NULL when no parent agrees with the leader's.
    pub nullable: bool,
    /// This key's parent rows by their shared values ([`shared_key`]), ascending; filled by
    /// `shared_groups.rs` once every parent key can be computed.
    pub groups: HashMap<String, Vec<u64>>,
}

/// The shared values of a parent key, as one comparable text; `None` when one is NULL (a
/// key with a NULL column references nothing, so it constrains nothing).
pub(crate) fn shared_key(key: &Row, parts: &[usize]) -> Option<String> {
    let mut text = String::new();
    for &part in parts {
        match key.get(part) {
            None | Some(Value::Null) => return None,
            Some(value) => {
                text.push_str(&value.to_text());
                text.push('\u{1}');
            }
        }
    }
    Some(text)
}

/// The foreign key of `table` a pick stands for.
pub(crate) fn pick_fk<'t>(table: &'t Table, pick: &Pick) -> Option<&'t ForeignKey> {
    table
        .foreign_keys
        .iter()
        .find(|f| f.name == pick.constraint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_compare_as_text_and_null_constrains_nothing() {
        let key = vec![Value::Int(3), Value::Text("a".into())];
        assert_eq!(shared_key(&key, &[0]), Some("3\u{1}".into()));
        assert_eq!(
            shared_key(&vec![Value::Text("3".into())], &[0]),
            shared_key(&key, &[0])
        );
        assert_eq!(shared_key(&vec![Value::Null, Value::Int(1)], &[0, 1]), None);
    }
}
