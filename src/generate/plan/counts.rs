//! Row counts: `rows = N` times `--scale`, or `per = { table, count }` rows for every row of
//! a parent that comes earlier in insert order (or is already in the database). A `per`
//! count becomes a [`Group`], whose prefix sums say which child rows belong to which parent
//! row, so a row finds its parent by binary search instead of by walking the others.

use std::collections::HashMap;

use super::error::PlanError;
use super::lookup::{EXISTING_KEYS_LIMIT, Lookup};
use super::model::{Group, Parent, TablePlan};
use super::tables::Resolved;
use crate::generate::rows::{derive_seed, draw_range};
use crate::generate::spec::{Count, Spec, TableSpec};
use crate::schema::{QualifiedName, Schema, Table};

/// Every table's row count and `per` group, by position in [`Resolved`].
pub(super) struct Counts {
    pub rows: Vec<u64>,
    pub groups: Vec<Option<Group>>,
}

/// Counts the rows of every table of `resolved`, in insert order (a `per` parent first).
pub(super) async fn count(
    spec: &Spec,
    schema: &Schema,
    resolved: &Resolved<'_>,
    scale: f64,
    lookup: &mut impl Lookup,
) -> Result<Counts, PlanError> {
    let n = resolved.tables.len();
    let mut counts = Counts {
        rows: Vec::with_capacity(n),
        groups: Vec::with_capacity(n),
    };
    for &(table_spec, table) in &resolved.tables {
        let group = match &table_spec.count {
            Count::Rows(_) => None,
            Count::Per {
                table: parent,
                min,
                max,
            } => {
                let per = Per {
                    spec,
                    schema,
                    index: &resolved.index,
                    table_spec,
                    parent,
                };
                Some(per.group(table, *min, *max, &counts.rows, lookup).await?)
            }
        };
        counts.rows.push(match (&group, &table_spec.count) {
            (Some(g), _) => g.prefix.last().copied().unwrap_or(0),
            (None, Count::Rows(n)) => ((*n as f64) * scale).round() as u64,
            (None, Count::Per { .. }) => 0,
        });
        counts.groups.push(group);
    }
    Ok(counts)
}

/// One `per = { table = parent, ... }` being counted.
struct Per<'a> {
    spec: &'a Spec,
    schema: &'a Schema,
    index: &'a HashMap<QualifiedName, usize>,
    table_spec: &'a TableSpec,
    /// The parent's name as written.
    parent: &'a str,
}

impl Per<'_> {
    /// The group of `table`: `min..=max` rows for each parent row. `counted` holds the
    /// counts of the tables before it.
    async fn group(
        &self,
        table: &Table,
        min: u64,
        max: u64,
        counted: &[u64],
        lookup: &mut impl Lookup,
    ) -> Result<Group, PlanError> {
        let parent = self.parent_rows(counted, lookup).await?;
        if parent.is_empty() {
            return Err(self.error(format!(
                "{} has no rows to count per: generate it in this spec or load it first",
                self.parent
            )));
        }
        let seed = derive_seed(
            self.spec.seed,
            &self.schema.display_name(&table.name),
            "table",
        );
        Ok(Group {
            prefix: prefix_sums(&seed, parent.len(), min, max),
            parent,
            max_count: max,
        })
    }

    /// The parent's rows: planned earlier in this spec, or read from the database.
    async fn parent_rows(
        &self,
        counted: &[u64],
        lookup: &mut impl Lookup,
    ) -> Result<Parent, PlanError> {
        let parent = self
            .schema
            .resolve(self.parent)
            .ok_or_else(|| self.error(format!("unknown table \"{}\"", self.parent)))?;
        Ok(match self.index.get(&parent.name) {
            Some(&p) if p < counted.len() => Parent::Planned {
                table: p,
                columns: Vec::new(),
                rows: counted[p],
            },
            Some(_) => {
                return Err(self.error(format!(
                    "{} is loaded after {} (a foreign-key cycle): count rows with `rows = N`",
                    self.parent, self.table_spec.name
                )));
            }
            None => {
                let columns = parent_key_columns(parent);
                let keys = lookup
                    .existing_keys(parent, &columns, EXISTING_KEYS_LIMIT)
                    .await?;
                Parent::Existing { keys }
            }
        })
    }

    fn error(&self, message: String) -> PlanError {
        self.spec
            .error(
                self.table_spec.line,
                format!("tables.{}.per.table", self.table_spec.name),
                message,
            )
            .into()
    }
}

/// `prefix[j]` is the first child row of parent row `j`, `prefix[parents]` the total; each
/// parent's count is drawn from its own stream, so it never depends on the others.
fn prefix_sums(seed: &[u8; 32], parents: u64, min: u64, max: u64) -> Vec<u64> {
    let mut prefix = Vec::with_capacity(parents as usize + 1);
    let mut total = 0u64;
    for j in 0..parents {
        prefix.push(total);
        total += if min == max {
            min
        } else {
            draw_range(seed, j, min, max)
        };
    }
    prefix.push(total);
    prefix
}

/// Points each planned `per` parent at its key columns among its written columns, once
/// every table's columns are planned.
pub(super) fn find_group_columns(tables: &mut [TablePlan]) {
    for k in 0..tables.len() {
        let Some(Parent::Planned { table, .. }) = tables[k].group.as_ref().map(|g| &g.parent)
        else {
            continue;
        };
        let parent = &tables[*table];
        let columns = parent_key_columns(&parent.table)
            .iter()
            .filter_map(|n| parent.columns.iter().position(|c| &c.name == n))
            .collect();
        if let Some(Group {
            parent: Parent::Planned { columns: c, .. },
            ..
        }) = &mut tables[k].group
        {
            *c = columns;
        }
    }
}

/// The columns a `per` group identifies a parent row by: its primary key, else its first
/// unique key, else every column.
fn parent_key_columns(table: &Table) -> Vec<String> {
    table
        .primary_key
        .as_ref()
        .or(table.unique.first())
        .map(|k| k.columns.clone())
        .unwrap_or_else(|| table.columns.iter().map(|c| c.name.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;
    use crate::value::Value;

    #[test]
    fn rows_are_multiplied_by_the_scale_and_per_parent_counts_are_not() {
        let spec = "[tables.customers]\nrows = 10\n[tables.orders]\nper = { table = \"customers\", count = 2 }\n";
        let plan = plan_with(&shop(), spec, &mut FakeDb::default(), 2.5, false).expect("plans");
        let rows: Vec<(&str, u64)> = plan
            .tables
            .iter()
            .map(|t| (t.display.as_str(), t.rows))
            .collect();
        assert_eq!(rows, [("customers", 25), ("orders", 50)]);
    }

    #[test]
    fn per_parent_counts_stay_within_their_range_and_number_rows_within_the_parent() {
        let spec = r#"
            seed = 3
            [tables.customers]
            rows = 2
            [tables.orders]
            rows = 30
            [tables.order_lines]
            per = { table = "orders", count = "1..3" }
        "#;
        let plan = plan_text(&shop(), spec).expect("plans");
        let rows = rows_of(&plan);
        let orders = ints(&column_of(&plan, &rows, "order_lines", "order_id"));
        let numbers = ints(&column_of(&plan, &rows, "order_lines", "line_no"));
        assert_eq!(orders.len() as u64, plan.tables[2].rows);
        let mut lines_of_order = std::collections::BTreeMap::<i64, Vec<i64>>::new();
        for (order, number) in orders.iter().zip(&numbers) {
            lines_of_order.entry(*order).or_default().push(*number);
        }
        assert_eq!(lines_of_order.len(), 30, "every order has lines");
        for lines in lines_of_order.values() {
            assert!((1..=3).contains(&lines.len()), "{lines:?}");
            assert_eq!(*lines, (1..=lines.len() as i64).collect::<Vec<_>>());
        }
        let sizes: std::collections::BTreeSet<usize> =
            lines_of_order.values().map(Vec::len).collect();
        assert!(sizes.len() > 1, "counts vary within the range: {sizes:?}");
    }

    #[test]
    fn a_per_count_over_an_unknown_table_is_refused() {
        assert_eq!(
            refused(
                &shop(),
                "[tables.order_lines]\nper = { table = \"ordrs\", count = 2 }\n"
            ),
            "spec.toml:1: tables.order_lines.per.table: unknown table \"ordrs\""
        );
    }

    #[test]
    fn a_per_count_whose_parent_has_no_rows_is_refused() {
        assert_eq!(
            refused(
                &shop(),
                "[tables.order_lines]\nper = { table = \"orders\", count = 2 }\n"
            ),
            "spec.toml:1: tables.order_lines.per.table: orders has no rows to count per: \
             generate it in this spec or load it first"
        );
        let spec = "[tables.customers]\nrows = 0\n[tables.orders]\nper = { table = \"customers\", count = 1 }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.orders.per.table: customers has no rows to count per: \
             generate it in this spec or load it first"
        );
    }

    #[test]
    fn a_per_count_over_rows_already_in_the_database_counts_each_of_them() {
        let mut db =
            FakeDb::default().with_keys("orders", vec![vec![Value::Int(7)], vec![Value::Int(9)]]);
        let spec = "[tables.order_lines]\nper = { table = \"orders\", count = 2 }\n";
        let plan = plan_with(&shop(), spec, &mut db, 1.0, false).expect("plans");
        let rows = rows_of(&plan);
        assert_eq!(
            ints(&column_of(&plan, &rows, "order_lines", "order_id")),
            [7, 7, 9, 9]
        );
        assert_eq!(
            ints(&column_of(&plan, &rows, "order_lines", "line_no")),
            [1, 2, 1, 2]
        );
    }

    #[test]
    fn a_per_count_over_a_table_loaded_later_is_refused() {
        let spec =
            "[tables.teams]\nrows = 2\n[tables.players]\nper = { table = \"teams\", count = 2 }\n";
        assert_eq!(
            refused(&league(), spec),
            "spec.toml:3: tables.players.per.table: teams is loaded after players (a foreign-key \
             cycle): count rows with `rows = N`"
        );
    }
}
