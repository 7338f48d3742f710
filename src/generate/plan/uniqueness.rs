//! Keeping every primary and unique key free of duplicates — decided per key, before a row
//! is made, since rows are computed independently and could never be compared afterwards.
//! A key is already safe when one of its columns is (a serial, a group index, a UUID, a
//! sequence, woven text, a permuted range). Otherwise, in order: keys counted `per` parent
//! take distinct parents within each group (or number the rows of a group); keys made only
//! of foreign keys walk their parents' product in a permutation; else a generated column
//! carries the uniqueness. A count that cannot be met is refused, naming the key.

use std::collections::BTreeSet;

use super::builder::TableBuilder;
use super::columns::is_integer;
use super::error::PlanError;
use super::model::{PickMode, Source, Unique};
use crate::generate::generator::Generator;
use crate::schema::{ColumnType, Key};

/// A key's written columns split by where their values come from.
struct KeyColumns {
    /// The picks of the key's foreign-key columns, each once, ascending.
    picks: Vec<usize>,
    /// The key's other columns, by position in the written columns.
    others: Vec<usize>,
}

impl TableBuilder<'_> {
    /// Makes every primary and unique key duplicate-free, or says why it cannot be.
    pub(super) fn uniqueness(&mut self) -> Result<(), PlanError> {
        for key in self.unique_keys() {
            self.keep_unique(&key)?;
        }
        Ok(())
    }

    /// The primary key, the unique keys, and the spec's `unique = true` text columns.
    fn unique_keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.table.primary_key.iter().cloned().collect();
        keys.extend(self.table.unique.iter().cloned());
        let spec_unique = self
            .columns
            .iter()
            .filter(|c| {
                matches!(
                    c.source,
                    Source::Generated {
                        unique: Unique::Weave,
                        ..
                    }
                )
            })
            .map(|c| Key {
                name: format!("unique {}", c.name),
                columns: vec![c.name.clone()],
            });
        keys.extend(spec_unique);
        keys
    }

    /// Settles how `key` stays unique.
    fn keep_unique(&mut self, key: &Key) -> Result<(), PlanError> {
        let cols: Vec<usize> = key
            .columns
            .iter()
            .filter_map(|n| self.columns.iter().position(|c| &c.name == n))
            .collect();
        if cols.len() < key.columns.len() {
            return Ok(()); // a generated or defaulted column is part of it: the database decides
        }
        if self.rows <= 1 || cols.iter().any(|&i| self.is_unique_already(i)) {
            return Ok(());
        }
        let split = self.split(&cols);
        let group_pick = split
            .picks
            .iter()
            .copied()
            .find(|&p| self.picks[p].mode == PickMode::Group);
        if let Some(g) = group_pick {
            if self.unique_per_group(key, g, &split)? {
                return Ok(());
            }
        } else if !split.picks.is_empty() && split.others.is_empty() {
            return self.unique_across_parents(key, &split.picks);
        }
        self.unique_by_column(key, &split.others)
    }

    /// Whether written column `i` never repeats: a serial, a group index, a UUID, a
    /// sequence, a woven text, a permuted range.
    fn is_unique_already(&self, i: usize) -> bool {
        matches!(
            &self.columns[i].source,
            Source::Serial { .. }
                | Source::GroupIndex
                | Source::Generated {
                    generator: Generator::Uuid | Generator::Sequence { .. },
                    ..
                }
                | Source::Generated {
                    unique: Unique::Weave | Unique::Permute { .. },
                    ..
                }
        )
    }

    fn split(&self, cols: &[usize]) -> KeyColumns {
        let picks: BTreeSet<usize> = cols
            .iter()
            .filter_map(|&i| match self.columns[i].source {
                Source::ForeignKey { pick, .. } => Some(pick),
                _ => None,
            })
            .collect();
        let others = cols
            .iter()
            .copied()
            .filter(|&i| !matches!(self.columns[i].source, Source::ForeignKey { .. }))
            .collect();
        KeyColumns {
            picks: picks.into_iter().collect(),
            others,
        }
    }

    /// A key counted `per` parent (its group pick `g`): rows of one group differ by another
    /// parent, distinct within the group, or by their number in the group. Returns whether
    /// that settles the key; if not, a generated column must.
    fn unique_per_group(
        &mut self,
        key: &Key,
        g: usize,
        split: &KeyColumns,
    ) -> Result<bool, PlanError> {
        let max = self.group.map_or(1, |g| g.max_count);
        if max <= 1 {
            return Ok(true);
        }
        if let Some(&other) = split
            .picks
            .iter()
            .find(|&&p| p != g && matches!(self.picks[p].mode, PickMode::Random(_)))
        {
            let n = self.picks[other].parent.len();
            if max > n {
                return Err(self.refuse(format!(
                    "unique key {} cannot hold {max} rows per parent: the other side has only {n} \
                     rows",
                    describe(key)
                )));
            }
            self.picks[other].mode = PickMode::DistinctInGroup;
            return Ok(true);
        }
        if let Some(&i) = split
            .others
            .iter()
            .find(|&&i| is_integer(&self.columns[i].column_type))
        {
            self.columns[i].source = Source::GroupIndex;
            return Ok(true);
        }
        Ok(false)
    }

    /// A key made only of foreign keys: one walks its parents in a permutation, several
    /// walk the product of theirs, as many rows as there are combinations.
    fn unique_across_parents(&mut self, key: &Key, picks: &[usize]) -> Result<(), PlanError> {
        // Saturating: past u64 there are always enough combinations.
        let total: u64 = picks
            .iter()
            .map(|&p| self.picks[p].parent.len())
            .fold(1u64, |a, n| a.saturating_mul(n));
        if self.rows > total {
            return Err(self.refuse(format!(
                "unique key {} allows at most {total} distinct rows, but {} are asked for",
                describe(key),
                self.rows
            )));
        }
        if picks.len() == 1 {
            self.picks[picks[0]].mode = PickMode::Permute;
            return Ok(());
        }
        let mut radix = 1;
        for &p in picks {
            self.picks[p].mode = PickMode::Joint { radix, total };
            radix = radix.saturating_mul(self.picks[p].parent.len());
        }
        // The joint permutation is seeded by its first pick.
        let first_seed = self.picks[picks[0]].seed;
        for &p in picks {
            self.picks[p].seed = first_seed;
        }
        Ok(())
    }

    /// A generated column of the key carries the uniqueness: an `int` range walked in a
    /// permutation, text with the row number woven in, or an integer made a serial.
    fn unique_by_column(&mut self, key: &Key, others: &[usize]) -> Result<(), PlanError> {
        let rows = self.rows;
        let int_range = others.iter().copied().find(|&i| {
            matches!(
                &self.columns[i].source,
                Source::Generated {
                    generator: Generator::Int { .. },
                    ..
                }
            )
        });
        if let Some(i) = int_range {
            if let Source::Generated {
                generator: Generator::Int { min, max },
                unique,
                ..
            } = &mut self.columns[i].source
            {
                let size = max.abs_diff(*min).saturating_add(1);
                if rows > size {
                    return Err(self.refuse(format!(
                        "unique key {}: {} has only {size} distinct values for {rows} rows",
                        describe(key),
                        self.columns[i].name,
                    )));
                }
                *unique = Unique::Permute { min: *min, size };
            }
            return Ok(());
        }
        if let Some(&i) = others
            .iter()
            .find(|&&i| matches!(self.columns[i].column_type, ColumnType::Text { .. }))
            && let Source::Generated { unique, .. } = &mut self.columns[i].source
        {
            *unique = Unique::Weave;
            return Ok(());
        }
        if let Some(&i) = others
            .iter()
            .find(|&&i| is_integer(&self.columns[i].column_type))
        {
            self.columns[i].source = Source::Serial { base: 0 };
            return Ok(());
        }
        Err(self.refuse(format!(
            "cannot keep unique key {} free of duplicates: give one of its columns `unique = \
             true` or a sequence",
            describe(key)
        )))
    }
}

/// `name (a, b)`, as messages name a key.
fn describe(key: &Key) -> String {
    format!("{} ({})", key.name, key.columns.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;

    const LINKS: &str =
        "[tables.customers]\nrows = 3\n[tables.tags]\nrows = 3\n[tables.customer_tags]\n";

    #[test]
    fn a_unique_key_over_a_too_narrow_int_range_is_refused() {
        let spec = "[tables.tags]\nrows = 5\ncolumns.rank = { int = { min = 1, max = 3 } }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:1: tables.tags: unique key tags_rank_key (rank): rank has only 3 distinct \
             values for 5 rows"
        );
    }

    #[test]
    fn a_unique_key_over_the_whole_int_range_plans_without_overflow() {
        let spec = "[tables.tags]\nrows = 5\n\
                    columns.rank = { int = { min = -9223372036854775808, max = 9223372036854775807 } }\n";
        let plan = plan_text(&shop(), spec).expect("plans");
        assert_eq!(plan.tables[0].rows, 5);
    }

    #[test]
    fn a_unique_key_that_no_column_can_keep_is_refused() {
        assert_eq!(
            refused(&shop(), "[tables.coupons]\nrows = 3\n"),
            "spec.toml:1: tables.coupons: cannot keep unique key coupons_valid_on_key (valid_on) free \
             of duplicates: give one of its columns `unique = true` or a sequence"
        );
    }

    #[test]
    fn a_link_table_asking_more_pairs_than_exist_is_refused() {
        assert_eq!(
            refused(&shop(), &format!("{LINKS}rows = 10\n")),
            "spec.toml:5: tables.customer_tags: unique key customer_tags_pkey (customer_id, tag_id) \
             allows at most 9 distinct rows, but 10 are asked for"
        );
    }

    #[test]
    fn a_link_table_walks_distinct_pairs() {
        let plan = plan_text(&shop(), &format!("{LINKS}rows = 9\n")).expect("plans");
        let rows = rows_of(&plan);
        let pairs: std::collections::HashSet<(i64, i64)> =
            ints(&column_of(&plan, &rows, "customer_tags", "customer_id"))
                .into_iter()
                .zip(ints(&column_of(&plan, &rows, "customer_tags", "tag_id")))
                .collect();
        assert_eq!(pairs.len(), 9, "every pair once: {pairs:?}");
    }

    #[test]
    fn per_parent_rows_beyond_the_other_side_are_refused() {
        let spec = "[tables.customers]\nrows = 3\n[tables.tags]\nrows = 2\n[tables.customer_tags]\n\
                    per = { table = \"customers\", count = 3 }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:5: tables.customer_tags: unique key customer_tags_pkey (customer_id, tag_id) \
             cannot hold 3 rows per parent: the other side has only 2 rows"
        );
    }

    #[test]
    fn per_parent_rows_take_distinct_parents_on_the_other_side() {
        let spec = "[tables.customers]\nrows = 3\n[tables.tags]\nrows = 2\n[tables.customer_tags]\n\
                    per = { table = \"customers\", count = 2 }\n";
        let plan = plan_text(&shop(), spec).expect("plans");
        let rows = rows_of(&plan);
        let pairs: std::collections::BTreeSet<(i64, i64)> =
            ints(&column_of(&plan, &rows, "customer_tags", "customer_id"))
                .into_iter()
                .zip(ints(&column_of(&plan, &rows, "customer_tags", "tag_id")))
                .collect();
        let all: std::collections::BTreeSet<(i64, i64)> =
            (1..=3).flat_map(|c| (1..=2).map(move |t| (c, t))).collect();
        assert_eq!(pairs, all);
    }
}
