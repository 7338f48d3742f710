//! Where every written column's values come from: the spec's generator, the key of a
//! parent (its pick), the flag, a serial key past the current maximum, a seeded UUID for a
//! text key, else a generator inferred from type and name. Columns the spec names are
//! checked first (they exist, are writable, suit their generator), and `unique = true`
//! becomes a rule the generator can keep.

use super::builder::TableBuilder;
use super::column_types::check_type;
use super::error::PlanError;
use super::lookup::Lookup;
use super::model::{ColumnPlan, Source, Unique};
use crate::generate::generator::Generator;
use crate::generate::infer::infer;
use crate::generate::rows::derive_seed;
use crate::generate::spec::{ColumnSpec, suggest};
use crate::schema::{Column, ColumnType, Key};

impl TableBuilder<'_> {
    /// Columns named in the spec must exist, be writable, and suit their generator.
    pub(super) fn check_named_columns(&self) -> Result<(), PlanError> {
        for c in &self.table_spec.columns {
            let key = format!("{}.columns.{}", self.key, c.name);
            let message = match self.table.column(&c.name) {
                None => {
                    let names: Vec<&str> =
                        self.table.columns.iter().map(|c| c.name.as_str()).collect();
                    format!(
                        "unknown column \"{}\" in table {}{}",
                        c.name,
                        self.display(&self.table.name),
                        suggest(&c.name, &names)
                    )
                }
                Some(col) if col.generated.is_some() => {
                    format!(
                        "\"{}\" is a generated column: the database computes it",
                        c.name
                    )
                }
                Some(col) => match c.generator.as_ref().map(|g| check_type(g, col)) {
                    Some(Err(message)) => message,
                    _ => continue,
                },
            };
            return Err(self.spec.error(c.line, key, message).into());
        }
        Ok(())
    }

    /// Every writable column's source. Runs after the picks: a foreign-key column is
    /// sourced from its key's pick.
    pub(super) async fn columns(&mut self, lookup: &mut impl Lookup) -> Result<(), PlanError> {
        let single_pk = match &self.table.primary_key {
            Some(Key { columns, .. }) if columns.len() == 1 => Some(columns[0].clone()),
            _ => None,
        };
        let table = self.table;
        for column in table.writable_columns() {
            let seed = derive_seed(
                self.spec.seed,
                &self.display(&self.table.name),
                &format!("column:{}", column.name),
            );
            let max_chars = match column.column_type {
                ColumnType::Text {
                    max_length: Some(n),
                    ..
                } => Some(n as usize),
                _ => None,
            };
            let single_pk = single_pk.as_ref() == Some(&column.name);
            let source = self.source(column, single_pk, lookup).await?;
            self.columns.push(ColumnPlan {
                name: column.name.clone(),
                column_type: column.column_type.clone(),
                source,
                max_chars,
                seed,
            });
        }
        // Columns left to the database's default are not written.
        self.columns.retain(|c| {
            !matches!(
                c.source,
                Source::Generated {
                    generator: Generator::Default,
                    ..
                }
            )
        });
        self.spec_unique()
    }

    /// Where `column`'s values come from; `single_pk` when it alone is the primary key.
    async fn source(
        &self,
        column: &Column,
        single_pk: bool,
        lookup: &mut impl Lookup,
    ) -> Result<Source, PlanError> {
        let user = self.column_spec(&column.name);
        if let Some(g) = user.and_then(|c| c.generator.clone()) {
            let c = user.expect("BUG: a generator implies a column spec");
            return Ok(Source::Generated {
                generator: g,
                null: c.null,
                unique: Unique::No,
            });
        }
        if let Some(source) = self.key_part(column) {
            return Ok(source);
        }
        if Some(&column.name) == self.table.flag_column.as_ref() {
            return Ok(Source::Flag);
        }
        if (single_pk || column.identity.is_some()) && is_integer(&column.column_type) {
            let base = lookup
                .max_integer(self.table, &column.name)
                .await?
                .unwrap_or(0);
            return Ok(Source::Serial { base });
        }
        if single_pk
            && matches!(column.column_type, ColumnType::Text { max_length, .. } if max_length.is_none_or(|n| n >= 36))
        {
            // A text primary key (SQLite's usual spelling of a UUID key): seeded UUIDs.
            return Ok(Source::Generated {
                generator: Generator::Uuid,
                null: 0.0,
                unique: Unique::No,
            });
        }
        self.inferred(column, user)
    }

    /// Part of the parent key picked for the first foreign key `column` belongs to, when
    /// fixtura fills that key.
    fn key_part(&self, column: &Column) -> Option<Source> {
        let (part, fk) = self.table.foreign_keys.iter().find_map(|fk| {
            fk.columns
                .iter()
                .position(|c| c == &column.name)
                .map(|part| (part, fk))
        })?;
        let pick = self.picks.iter().position(|p| p.constraint == fk.name)?;
        Some(Source::ForeignKey { pick, part })
    }

    /// A generator inferred from the column's type and name; a required column nothing can
    /// be inferred for is refused. (Inference gives a required column of an unknown type
    /// short text today, so this guards the rules of tomorrow.)
    fn inferred(&self, column: &Column, user: Option<&ColumnSpec>) -> Result<Source, PlanError> {
        let generator = match infer(self.table, column) {
            Generator::Default if !column.nullable && column.default.is_none() => {
                return Err(self
                    .spec
                    .error(
                        user.map_or(self.table_spec.line, |c| c.line),
                        format!("{}.columns.{}", self.key, column.name),
                        format!(
                            "cannot infer values for \"{}\" ({}): give it a generator in the \
                             spec",
                            column.name, column.type_name
                        ),
                    )
                    .into());
            }
            g => g,
        };
        Ok(Source::Generated {
            generator,
            null: user.map_or(0.0, |c| c.null),
            unique: Unique::No,
        })
    }

    /// `unique = true` in the spec is a one-column unique key. Text gets the row number
    /// woven in, an `int` range is walked in a permutation; other generators cannot
    /// promise distinct values.
    fn spec_unique(&mut self) -> Result<(), PlanError> {
        let rows = self.rows;
        for c in self.table_spec.columns.iter().filter(|c| c.unique) {
            let Some(col) = self.columns.iter_mut().find(|p| p.name == c.name) else {
                continue;
            };
            let text = matches!(col.column_type, ColumnType::Text { .. });
            let Source::Generated {
                generator, unique, ..
            } = &mut col.source
            else {
                continue;
            };
            let key = || format!("{}.columns.{}", self.key, c.name);
            *unique = match generator {
                Generator::Uuid | Generator::Sequence { .. } => Unique::No,
                Generator::Int { min, max } => {
                    let size = max.abs_diff(*min).saturating_add(1);
                    if rows > size {
                        return Err(self
                            .spec
                            .error(
                                c.line,
                                key(),
                                format!(
                                    "`unique` asks for {rows} distinct values, but the range \
                                     holds only {size}"
                                ),
                            )
                            .into());
                    }
                    Unique::Permute { min: *min, size }
                }
                _ if text => Unique::Weave,
                _ => {
                    return Err(self
                        .spec
                        .error(
                            c.line,
                            key(),
                            "`unique = true` works with text, an `int` range, `uuid` or \
                             `sequence`; this generator cannot promise distinct values",
                        )
                        .into());
                }
            };
        }
        Ok(())
    }
}

/// Whether a column holds integers, which a serial or a group index can fill.
pub(super) fn is_integer(t: &ColumnType) -> bool {
    matches!(t, ColumnType::Integer { .. })
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;
    use crate::value::Value;

    #[test]
    fn an_unknown_column_is_refused_with_the_nearest_name() {
        let spec = "[tables.customers]\nrows = 3\ncolumns.emial = { fake = \"safe_email\" }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.customers.columns.emial: unknown column \"emial\" in table \
             customers; did you mean \"email\"?"
        );
    }

    #[test]
    fn a_generated_column_is_refused() {
        let spec = "[tables.customers]\nrows = 3\ncolumns.email_domain = { fake = \"word\" }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.customers.columns.email_domain: \"email_domain\" is a generated \
             column: the database computes it"
        );
    }

    #[test]
    fn keys_are_numbered_past_the_largest_in_the_database_and_rows_are_flagged() {
        let mut db = FakeDb::default().with_max("customers.id", 41);
        let plan = plan_with(
            &shop(),
            "[tables.customers]\nrows = 3\n",
            &mut db,
            1.0,
            false,
        )
        .expect("plans");
        let rows = rows_of(&plan);
        assert_eq!(
            ints(&column_of(&plan, &rows, "customers", "id")),
            [42, 43, 44]
        );
        assert_eq!(
            column_of(&plan, &rows, "customers", "is_test_data"),
            vec![Value::Bool(true); 3]
        );
        // The generated column is never written.
        assert!(
            plan.tables[0]
                .columns
                .iter()
                .all(|c| c.name != "email_domain")
        );
    }

    #[test]
    fn unique_text_gets_the_row_number_woven_in() {
        let spec = "[tables.customers]\nrows = 50\ncolumns.email = { one_of = [\"a@example.com\"], unique = true }\n";
        let plan = plan_text(&shop(), spec).expect("plans");
        let rows = rows_of(&plan);
        let emails = column_of(&plan, &rows, "customers", "email");
        assert_eq!(emails[16], Value::Text("a.17@example.com".into()));
        let distinct: std::collections::HashSet<String> =
            emails.iter().map(Value::to_text).collect();
        assert_eq!(distinct.len(), 50);
    }

    #[test]
    fn a_unique_int_range_too_small_for_the_rows_is_refused() {
        let spec = "[tables.tags]\nrows = 5\ncolumns.rank = { int = { min = 1, max = 3 }, unique = true }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.tags.columns.rank: `unique` asks for 5 distinct values, but the \
             range holds only 3"
        );
    }

    #[test]
    fn unique_on_a_generator_that_cannot_promise_it_is_refused() {
        let spec = "[tables.coupons]\nrows = 5\n\
                    columns.valid_on = { date = { from = \"2025-01-01\", to = \"2025-12-31\" }, unique = true }\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.coupons.columns.valid_on: `unique = true` works with text, an `int` \
             range, `uuid` or `sequence`; this generator cannot promise distinct values"
        );
    }
}
