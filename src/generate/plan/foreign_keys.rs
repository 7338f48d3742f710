//! One pick per foreign key that fixtura fills: where its parent rows come from (a table
//! of this plan, or keys sampled from the database) and the first rule it picks them by —
//! the `per` group's parent, earlier rows for a self-reference, else the spec's
//! distribution. Uniqueness may sharpen the rule later (`uniqueness.rs`). Once every table
//! is planned, a planned parent's referenced columns are found among its written columns.

use super::builder::TableBuilder;
use super::error::PlanError;
use super::lookup::{EXISTING_KEYS_LIMIT, Lookup};
use super::model::{Parent, Pick, PickMode, TablePlan, pick_fk};
use super::tables::Resolved;
use crate::generate::rows::derive_seed;
use crate::generate::spec::{ColumnSpec, Count, Distribution, Spec};
use crate::schema::ForeignKey;

impl TableBuilder<'_> {
    /// One pick per foreign key that fixtura fills.
    pub(super) async fn foreign_keys(&mut self, lookup: &mut impl Lookup) -> Result<(), PlanError> {
        let group_parent = match &self.table_spec.count {
            Count::Per { table, .. } => self.schema.resolve(table).map(|t| t.name.clone()),
            Count::Rows(_) => None,
        };
        // Only the first key to the `per` parent follows the group; a second key to the
        // same table picks like any other.
        let mut group_used = false;
        let table = self.table;
        for fk in &table.foreign_keys {
            if self.filled_by_hand(fk) {
                continue;
            }
            let pick = if fk.referenced_table == self.table.name {
                self.earlier_rows(fk)
            } else {
                let is_group = !group_used && group_parent.as_ref() == Some(&fk.referenced_table);
                group_used |= is_group;
                self.parent_rows(fk, is_group, lookup).await?
            };
            self.picks.push(pick);
        }
        Ok(())
    }

    /// A key the user fills by hand gets no pick.
    fn filled_by_hand(&self, fk: &ForeignKey) -> bool {
        fk.columns
            .iter()
            .filter_map(|c| self.column_spec(c))
            .any(|c| c.generator.is_some())
    }

    /// A self-reference: parents are earlier rows of this table. One row in twenty is a
    /// root when the key may be NULL; else only the first row, which references itself.
    fn earlier_rows(&self, fk: &ForeignKey) -> Pick {
        let nullable = fk.is_nullable_in(self.table);
        let roots = if nullable { (self.rows / 20).max(1) } else { 1 };
        Pick {
            constraint: fk.name.clone(),
            parent: Parent::Planned {
                table: self.own,
                columns: Vec::new(),
                rows: self.rows,
            },
            mode: PickMode::Earlier { roots, nullable },
            null: self.null_of(fk),
            seed: self.pick_seed(fk),
            follows: None,
            candidates: None,
        }
    }

    /// A key to another table: its `per` group's parent when `is_group`, else one drawn from
    /// the spec's distribution. A required key whose parent has no rows is refused; an
    /// optional one is always NULL.
    async fn parent_rows(
        &self,
        fk: &ForeignKey,
        is_group: bool,
        lookup: &mut impl Lookup,
    ) -> Result<Pick, PlanError> {
        let parent = match (
            self.index.get(&fk.referenced_table),
            self.schema.table(&fk.referenced_table),
        ) {
            (Some(&p), _) => Parent::Planned {
                table: p,
                columns: Vec::new(),
                rows: self.counts[p],
            },
            (None, Some(parent)) => Parent::Existing {
                keys: lookup
                    .existing_keys(parent, &fk.referenced_columns, EXISTING_KEYS_LIMIT)
                    .await?,
            },
            (None, None) => Parent::Existing { keys: Vec::new() },
        };
        if parent.is_empty() && !fk.is_nullable_in(self.table) {
            return Err(self.no_parent_rows(fk));
        }
        let distribution = self
            .first_column_spec(fk)
            .and_then(|c| c.distribution)
            .unwrap_or(Distribution::Uniform);
        Ok(Pick {
            constraint: fk.name.clone(),
            mode: if is_group {
                PickMode::Group
            } else {
                PickMode::Random(distribution)
            },
            null: if parent.is_empty() {
                1.0
            } else {
                self.null_of(fk)
            },
            parent,
            seed: self.pick_seed(fk),
            follows: None,
            candidates: None,
        })
    }

    fn no_parent_rows(&self, fk: &ForeignKey) -> PlanError {
        let (table, parent) = (
            self.display(&self.table.name),
            self.display(&fk.referenced_table),
        );
        self.refuse(format!(
            "{table} needs rows of {parent} (foreign key \"{}\"), but {parent} has no rows and is \
             not in the spec: add [tables.{parent}] or load it first",
            fk.name,
        ))
    }

    /// The spec's entry for the key's first column, which carries its `null` and
    /// `distribution`.
    fn first_column_spec(&self, fk: &ForeignKey) -> Option<&ColumnSpec> {
        fk.columns.first().and_then(|c| self.column_spec(c))
    }

    /// The NULL probability the spec asks for a key that may be NULL.
    fn null_of(&self, fk: &ForeignKey) -> f64 {
        if fk.is_nullable_in(self.table) {
            self.first_column_spec(fk).map_or(0.0, |c| c.null)
        } else {
            0.0
        }
    }

    fn pick_seed(&self, fk: &ForeignKey) -> [u8; 32] {
        derive_seed(
            self.spec.seed,
            &self.display(&self.table.name),
            &format!("fk:{}", fk.columns.join(",")),
        )
    }
}

/// Points every pick of a planned parent at the parent's referenced columns among its
/// written columns, once every table's columns are planned. A referenced column the
/// database fills itself cannot be known, and is refused.
pub(super) fn find_parent_columns(
    tables: &mut [TablePlan],
    resolved: &Resolved<'_>,
    spec: &Spec,
) -> Result<(), PlanError> {
    for k in 0..tables.len() {
        for p in 0..tables[k].picks.len() {
            let Some(fk) = pick_fk(&tables[k].table, &tables[k].picks[p]).cloned() else {
                continue;
            };
            let Parent::Planned { table, .. } = tables[k].picks[p].parent else {
                continue;
            };
            let line = resolved.tables[k].0.line;
            let columns = referenced_columns(&tables[table], &fk, line, spec)?;
            if let Parent::Planned { columns: c, .. } = &mut tables[k].picks[p].parent {
                *c = columns;
            }
        }
    }
    Ok(())
}

/// Indices, in the parent's written columns, of the columns `fk` references.
fn referenced_columns(
    parent: &TablePlan,
    fk: &ForeignKey,
    line: usize,
    spec: &Spec,
) -> Result<Vec<usize>, PlanError> {
    fk.referenced_columns
        .iter()
        .map(|name| {
            parent
                .columns
                .iter()
                .position(|c| &c.name == name)
                .ok_or_else(|| {
                    spec.error(
                        line,
                        format!("tables.{}", parent.display),
                        format!(
                            "foreign key \"{}\" references {}.{}, which the database fills \
                             itself: fixtura cannot know its values; give it a generator",
                            fk.name, parent.display, name
                        ),
                    )
                    .into()
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;
    use crate::value::Value;

    #[test]
    fn foreign_keys_pick_parents_among_the_generated_rows() {
        let spec = "[tables.customers]\nrows = 5\n[tables.orders]\nrows = 50\n";
        let plan = plan_text(&shop(), spec).expect("plans");
        let rows = rows_of(&plan);
        let ids = ints(&column_of(&plan, &rows, "customers", "id"));
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        let picked = ints(&column_of(&plan, &rows, "orders", "customer_id"));
        assert!(picked.iter().all(|id| ids.contains(id)), "{picked:?}");
        assert!(
            ids.iter().all(|id| picked.contains(id)),
            "50 orders reach every customer"
        );
        // No country is generated or in the database: the optional key stays NULL.
        let countries = column_of(&plan, &rows, "customers", "country_code");
        assert!(countries.iter().all(|c| *c == Value::Null), "{countries:?}");
    }

    #[test]
    fn parents_outside_the_spec_are_sampled_from_the_database() {
        let keys = vec![
            vec![Value::Text("JP".into())],
            vec![Value::Text("FR".into())],
        ];
        let mut db = FakeDb::default().with_keys("countries", keys.clone());
        let plan = plan_with(
            &shop(),
            "[tables.customers]\nrows = 20\n",
            &mut db,
            1.0,
            false,
        )
        .expect("plans");
        let rows = rows_of(&plan);
        let countries = column_of(&plan, &rows, "customers", "country_code");
        for key in &keys {
            assert!(countries.contains(&key[0]), "{countries:?}");
        }
        assert!(
            countries.iter().all(|c| keys.iter().any(|k| &k[0] == c)),
            "{countries:?}"
        );
    }

    #[test]
    fn a_required_parent_with_no_rows_is_refused() {
        assert_eq!(
            refused(&shop(), "[tables.orders]\nrows = 5\n"),
            "spec.toml:1: tables.orders: orders needs rows of customers (foreign key \
             \"orders_customer_id_fkey\"), but customers has no rows and is not in the spec: \
             add [tables.customers] or load it first"
        );
    }

    #[test]
    fn a_key_filled_in_the_spec_gets_no_parent() {
        let spec =
            "[tables.orders]\nrows = 5\ncolumns.customer_id = { int = { min = 100, max = 100 } }\n";
        let plan = plan_text(&shop(), spec).expect("plans");
        assert!(plan.tables[0].picks.is_empty());
        let rows = rows_of(&plan);
        assert_eq!(
            ints(&column_of(&plan, &rows, "orders", "customer_id")),
            [100; 5]
        );
    }

    #[test]
    fn a_self_reference_points_at_earlier_rows() {
        let plan = plan_text(&shop(), "[tables.employees]\nrows = 40\n").expect("plans");
        let rows = rows_of(&plan);
        let ids = ints(&column_of(&plan, &rows, "employees", "id"));
        let managers = column_of(&plan, &rows, "employees", "manager_id");
        // One root in twenty has no manager; every other manager comes earlier.
        assert_eq!(managers[..2], [Value::Null, Value::Null]);
        for (id, manager) in ids.iter().zip(&managers).skip(2) {
            match manager {
                Value::Int(m) => assert!(m < id, "{id} reports to {m}"),
                other => panic!("employee {id} has manager {other:?}"),
            }
        }
    }

    #[test]
    fn a_key_referencing_a_column_the_database_fills_is_refused() {
        let spec = "[tables.customers]\nrows = 3\ncolumns.id = { default = true }\n[tables.orders]\nrows = 5\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:4: tables.customers: foreign key \"orders_customer_id_fkey\" references \
             customers.id, which the database fills itself: fixtura cannot know its values; give it \
             a generator"
        );
    }
}
