//! Resolving a spec against the live schema: row counts, where every written column's
//! values come from, how each foreign key picks its parent rows, and how every primary and
//! unique key is kept free of duplicates. Everything is decided here, before a row is made,
//! so a spec that cannot work fails before anything is written.

use std::collections::HashMap;

use super::fakes::Locale;
use super::generator::Generator;
use super::infer::infer;
pub use super::shared::Follow;
use super::spec::{ColumnSpec, Count, Distribution, Spec, SpecError, TableSpec, suggest};
use crate::graph::{BreakStrategy, Plan};
use crate::schema::{Column, ColumnType, ForeignKey, Key, QualifiedName, Schema, Table};
use crate::value::Row;

/// Rows of existing parent tables sampled at most, per foreign key.
pub const EXISTING_KEYS_LIMIT: u64 = 100_000;

/// Everything needed to make any row of any table.
#[derive(Debug)]
pub struct GenPlan {
    pub seed: u64,
    pub locale: Locale,
    /// Tables to generate, in insert order.
    pub tables: Vec<TablePlan>,
}

/// One table to generate.
#[derive(Debug)]
pub struct TablePlan {
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
    /// Seed for this table's per-row decisions (`per` counts).
    pub seed: [u8; 32],
}

/// Rows made per row of a parent (`per = { table, count }`).
#[derive(Debug)]
pub struct Group {
    pub parent: Parent,
    /// `prefix[j]` is the first child row of parent row `j`; `prefix[n]` is the total.
    pub prefix: Vec<u64>,
    pub max_count: u64,
}

/// A column that fixtura writes.
#[derive(Debug)]
pub struct ColumnPlan {
    pub name: String,
    pub column_type: ColumnType,
    pub source: Source,
    /// Text is cut to this many characters (`varchar(n)`).
    pub max_chars: Option<usize>,
    pub seed: [u8; 32],
}

/// Where a column's values come from.
#[derive(Debug)]
pub enum Source {
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
pub enum Unique {
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
pub enum Parent {
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
    pub fn len(&self) -> u64 {
        match self {
            Parent::Planned { rows, .. } => *rows,
            Parent::Existing { keys } => keys.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How one foreign key of a generated table picks its parent row.
#[derive(Debug)]
pub struct Pick {
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
pub enum PickMode {
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

/// What the caller must look up in the database while planning.
pub trait Lookup {
    /// The largest value of an integer column, `None` when empty.
    fn max_integer(
        &mut self,
        table: &Table,
        column: &str,
    ) -> impl Future<Output = crate::Result<Option<i64>>>;
    /// Existing key values, ordered.
    fn existing_keys(
        &mut self,
        table: &Table,
        columns: &[String],
        limit: u64,
    ) -> impl Future<Output = crate::Result<Vec<Row>>>;
}

/// Options of a plan that are not in the spec.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Multiplies every `rows = N` (not per-parent counts).
    pub scale: f64,
    /// Keys are checked by the server (no session switch): cycles broken at nullable keys
    /// are filled by UPDATE afterwards.
    pub server_checks: bool,
}

/// Why a plan cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Database(#[from] crate::Error),
}

/// Builds the plan for `spec` on `schema`, ordered by `order`.
pub async fn plan(
    spec: &Spec,
    schema: &Schema,
    order: &Plan,
    options: PlanOptions,
    lookup: &mut impl Lookup,
) -> Result<GenPlan, PlanError> {
    // The spec's tables, in insert order.
    let mut resolved: Vec<(&TableSpec, &Table)> = Vec::new();
    for t in &spec.tables {
        let table = schema.resolve(&t.name).ok_or_else(|| {
            let known: Vec<String> = schema
                .tables
                .iter()
                .map(|t| schema.display_name(&t.name))
                .collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            spec.error(
                t.line,
                format!("tables.{}", t.name),
                format!("unknown table \"{}\"{}", t.name, suggest(&t.name, &known)),
            )
        })?;
        if resolved.iter().any(|(_, r)| r.name == table.name) {
            return Err(spec
                .error(
                    t.line,
                    format!("tables.{}", t.name),
                    "this table is named twice",
                )
                .into());
        }
        resolved.push((t, table));
    }
    resolved.sort_by_key(|(_, t)| order.insert_order.iter().position(|n| n == &t.name));
    let index: HashMap<QualifiedName, usize> = resolved
        .iter()
        .enumerate()
        .map(|(k, (_, t))| (t.name.clone(), k))
        .collect();

    // Phase 1: row counts, in insert order (a `per` parent comes first).
    let mut counts: Vec<u64> = Vec::with_capacity(resolved.len());
    let mut groups: Vec<Option<Group>> = Vec::with_capacity(resolved.len());
    for (table_spec, table) in &resolved {
        let key = format!("tables.{}", table_spec.name);
        let seed = derive_seed(spec.seed, &schema.display_name(&table.name), "table");
        let group = match &table_spec.count {
            Count::Rows(_) => None,
            Count::Per {
                table: parent_name,
                min,
                max,
            } => {
                let parent = schema.resolve(parent_name).ok_or_else(|| {
                    spec.error(
                        table_spec.line,
                        format!("{key}.per.table"),
                        format!("unknown table \"{parent_name}\""),
                    )
                })?;
                let parent = match index.get(&parent.name) {
                    Some(&p) if p < counts.len() => Parent::Planned {
                        table: p,
                        columns: Vec::new(),
                        rows: counts[p],
                    },
                    Some(_) => {
                        return Err(spec
                            .error(
                                table_spec.line,
                                format!("{key}.per.table"),
                                format!("{parent_name} is loaded after {} (a foreign-key cycle): count rows with `rows = N`", table_spec.name),
                            )
                            .into());
                    }
                    None => {
                        let keys = lookup
                            .existing_keys(parent, &parent_key_columns(parent), EXISTING_KEYS_LIMIT)
                            .await?;
                        Parent::Existing { keys }
                    }
                };
                if parent.is_empty() {
                    return Err(spec
                        .error(
                            table_spec.line,
                            format!("{key}.per.table"),
                            format!("{parent_name} has no rows to count per: generate it in this spec or load it first"),
                        )
                        .into());
                }
                let mut prefix = Vec::with_capacity(parent.len() as usize + 1);
                let mut total = 0u64;
                for j in 0..parent.len() {
                    prefix.push(total);
                    total += if min == max {
                        *min
                    } else {
                        super::rows::draw_range(&seed, j, *min, *max)
                    };
                }
                prefix.push(total);
                Some(Group {
                    parent,
                    prefix,
                    max_count: *max,
                })
            }
        };
        counts.push(match (&group, &table_spec.count) {
            (Some(g), _) => g.prefix.last().copied().unwrap_or(0),
            (None, Count::Rows(n)) => ((*n as f64) * options.scale).round() as u64,
            (None, Count::Per { .. }) => 0,
        });
        groups.push(group);
    }

    // Phase 2: every table's picks, columns and keys.
    let mut tables: Vec<TablePlan> = Vec::with_capacity(resolved.len());
    for (k, ((table_spec, table), group)) in resolved.iter().zip(groups).enumerate() {
        let key = format!("tables.{}", table_spec.name);
        let mut builder = TableBuilder {
            spec,
            schema,
            table,
            table_spec,
            key: &key,
            rows: counts[k],
            group: group.as_ref(),
            columns: Vec::new(),
            picks: Vec::new(),
        };
        builder.check_named_columns()?;
        builder.foreign_keys(k, &index, &counts, lookup).await?;
        builder.columns(lookup).await?;
        builder.share_columns()?;
        builder.uniqueness()?;
        builder.check_shared()?;
        let deferred = builder.deferred(order, options);
        let TableBuilder {
            columns,
            picks,
            rows,
            ..
        } = builder;
        tables.push(TablePlan {
            table: (*table).clone(),
            display: schema.display_name(&table.name),
            rows,
            group,
            columns,
            picks,
            deferred,
            seed: derive_seed(spec.seed, &schema.display_name(&table.name), "table"),
        });
    }

    // Phase 3: planned parents' referenced columns, now that every table's columns exist.
    for k in 0..tables.len() {
        for p in 0..tables[k].picks.len() {
            let Some(fk) = pick_fk(&tables[k].table, &tables[k].picks[p]).cloned() else {
                continue;
            };
            let columns = match &tables[k].picks[p].parent {
                Parent::Planned { table, .. } => {
                    resolve_columns(&tables[*table], &fk, &resolved[k].0.line, spec)?
                }
                Parent::Existing { .. } => continue,
            };
            if let Parent::Planned { columns: c, .. } = &mut tables[k].picks[p].parent {
                *c = columns;
            }
        }
        if let Some(Parent::Planned { table, .. }) = tables[k].group.as_ref().map(|g| &g.parent) {
            let parent = &tables[*table];
            let names = parent_key_columns(&parent.table);
            let columns = names
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
    let mut plan = GenPlan {
        seed: spec.seed,
        locale: spec.locale,
        tables,
    };

    // Phase 4: keys sharing columns, now that parent keys can be computed (parents first).
    for (k, (table_spec, _)) in resolved.iter().enumerate() {
        super::shared::index(&mut plan, k).map_err(|message| {
            spec.error(
                table_spec.line,
                format!("tables.{}", table_spec.name),
                message,
            )
        })?;
    }
    Ok(plan)
}

/// Indices, in the parent's written columns, of the columns `fk` references.
fn resolve_columns(
    parent: &TablePlan,
    fk: &ForeignKey,
    line: &usize,
    spec: &Spec,
) -> Result<Vec<usize>, PlanError> {
    fk.referenced_columns
        .iter()
        .map(|name| {
            parent.columns.iter().position(|c| &c.name == name).ok_or_else(|| {
                spec.error(
                    *line,
                    format!("tables.{}", parent.display),
                    format!(
                        "foreign key \"{}\" references {}.{}, which the database fills itself: fixtura cannot \
                         know its values; give it a generator",
                        fk.name, parent.display, name
                    ),
                )
                .into()
            })
        })
        .collect()
}

/// The columns a `per` group or a foreign key identifies a parent row by: its primary key,
/// else its first unique key, else every column.
fn parent_key_columns(table: &Table) -> Vec<String> {
    table
        .primary_key
        .as_ref()
        .or(table.unique.first())
        .map(|k| k.columns.clone())
        .unwrap_or_else(|| table.columns.iter().map(|c| c.name.clone()).collect())
}

/// Refuses a generator that cannot make values of the column's type.
fn check_type(generator: &Generator, column: &Column) -> Result<(), String> {
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

/// A 32-byte seed for one purpose within one table: blake3 in key-derivation mode over
/// length-prefixed fields, so no two (table, purpose) pairs can collide.
pub fn derive_seed(seed: u64, table: &str, purpose: &str) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key("fixtura 2026 row seeds v1");
    hasher.update(&seed.to_le_bytes());
    for field in [table, purpose] {
        hasher.update(&(field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    *hasher.finalize().as_bytes()
}

/// Builds one table's plan.
struct TableBuilder<'a> {
    spec: &'a Spec,
    schema: &'a Schema,
    table: &'a Table,
    table_spec: &'a TableSpec,
    key: &'a str,
    rows: u64,
    group: Option<&'a Group>,
    columns: Vec<ColumnPlan>,
    picks: Vec<Pick>,
}

impl TableBuilder<'_> {
    fn error(&self, key: impl Into<String>, message: impl Into<String>) -> PlanError {
        self.spec.error(self.table_spec.line, key, message).into()
    }

    fn column_spec(&self, name: &str) -> Option<&ColumnSpec> {
        self.table_spec.columns.iter().find(|c| c.name == name)
    }

    /// Columns named in the spec must exist, be writable, and suit their generator.
    fn check_named_columns(&self) -> Result<(), PlanError> {
        for c in &self.table_spec.columns {
            let key = format!("{}.columns.{}", self.key, c.name);
            let message = match self.table.column(&c.name) {
                None => {
                    let names: Vec<&str> =
                        self.table.columns.iter().map(|c| c.name.as_str()).collect();
                    format!(
                        "unknown column \"{}\" in table {}{}",
                        c.name,
                        self.schema.display_name(&self.table.name),
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

    /// One pick per foreign key that fixtura fills.
    async fn foreign_keys(
        &mut self,
        own: usize,
        index: &HashMap<QualifiedName, usize>,
        counts: &[u64],
        lookup: &mut impl Lookup,
    ) -> Result<(), PlanError> {
        let group_parent = match &self.table_spec.count {
            Count::Per { table, .. } => self.schema.resolve(table).map(|t| t.name.clone()),
            Count::Rows(_) => None,
        };
        let mut group_used = false;
        for fk in &self.table.foreign_keys {
            // A key the user fills by hand gets no pick.
            if fk
                .columns
                .iter()
                .filter_map(|c| self.column_spec(c))
                .any(|c| c.generator.is_some())
            {
                continue;
            }
            let nullable = fk.is_nullable_in(self.table);
            let first = fk.columns.first().and_then(|c| self.column_spec(c));
            let null = if nullable {
                first.map_or(0.0, |c| c.null)
            } else {
                0.0
            };
            let distribution = first
                .and_then(|c| c.distribution)
                .unwrap_or(Distribution::Uniform);
            let seed = derive_seed(
                self.spec.seed,
                &self.schema.display_name(&self.table.name),
                &format!("fk:{}", fk.columns.join(",")),
            );
            let display = |n: &QualifiedName| self.schema.display_name(n);

            if fk.referenced_table == self.table.name {
                let roots = if nullable { (self.rows / 20).max(1) } else { 1 };
                self.picks.push(Pick {
                    constraint: fk.name.clone(),
                    parent: Parent::Planned {
                        table: own,
                        columns: Vec::new(),
                        rows: self.rows,
                    },
                    mode: PickMode::Earlier { roots, nullable },
                    null,
                    seed,
                    follows: None,
                    candidates: None,
                });
                continue;
            }
            let is_group = !group_used && group_parent.as_ref() == Some(&fk.referenced_table);
            group_used |= is_group;
            let parent = match (
                index.get(&fk.referenced_table),
                self.schema.table(&fk.referenced_table),
            ) {
                (Some(&p), _) => Parent::Planned {
                    table: p,
                    columns: Vec::new(),
                    rows: counts[p],
                },
                (None, Some(parent)) => Parent::Existing {
                    keys: lookup
                        .existing_keys(parent, &fk.referenced_columns, EXISTING_KEYS_LIMIT)
                        .await?,
                },
                (None, None) => Parent::Existing { keys: Vec::new() },
            };
            if parent.is_empty() && !nullable {
                return Err(self.error(
                    self.key,
                    format!(
                        "{} needs rows of {} (foreign key \"{}\"), but {} has no rows and is not in the spec: \
                         add [tables.{}] or load it first",
                        display(&self.table.name),
                        display(&fk.referenced_table),
                        fk.name,
                        display(&fk.referenced_table),
                        display(&fk.referenced_table),
                    ),
                ));
            }
            self.picks.push(Pick {
                constraint: fk.name.clone(),
                mode: if is_group {
                    PickMode::Group
                } else {
                    PickMode::Random(distribution)
                },
                null: if parent.is_empty() { 1.0 } else { null },
                parent,
                seed,
                follows: None,
                candidates: None,
            });
        }
        Ok(())
    }

    /// Every writable column's source.
    async fn columns(&mut self, lookup: &mut impl Lookup) -> Result<(), PlanError> {
        let single_pk = match &self.table.primary_key {
            Some(Key { columns, .. }) if columns.len() == 1 => Some(columns[0].clone()),
            _ => None,
        };
        for column in self.table.writable_columns() {
            let seed = derive_seed(
                self.spec.seed,
                &self.schema.display_name(&self.table.name),
                &format!("column:{}", column.name),
            );
            let max_chars = match column.column_type {
                ColumnType::Text {
                    max_length: Some(n),
                    ..
                } => Some(n as usize),
                _ => None,
            };
            let user = self.column_spec(&column.name);
            let fk_part = self
                .table
                .foreign_keys
                .iter()
                .enumerate()
                .find_map(|(f, fk)| {
                    fk.columns
                        .iter()
                        .position(|c| c == &column.name)
                        .map(|part| (f, part, fk))
                });
            let source = if let Some(g) = user.and_then(|c| c.generator.clone()) {
                let c = user.expect("BUG: a generator implies a column spec");
                Source::Generated {
                    generator: g,
                    null: c.null,
                    unique: Unique::No,
                }
            } else if let Some((_, part, fk)) =
                fk_part.filter(|(_, _, fk)| self.picks.iter().any(|p| p.constraint == fk.name))
            {
                let pick = self
                    .picks
                    .iter()
                    .position(|p| p.constraint == fk.name)
                    .expect("BUG: pick exists");
                Source::ForeignKey { pick, part }
            } else if Some(&column.name) == self.table.flag_column.as_ref() {
                Source::Flag
            } else if (single_pk.as_ref() == Some(&column.name) || column.identity.is_some())
                && is_integer(column)
            {
                let base = lookup
                    .max_integer(self.table, &column.name)
                    .await?
                    .unwrap_or(0);
                Source::Serial { base }
            } else if single_pk.as_ref() == Some(&column.name)
                && matches!(column.column_type, ColumnType::Text { max_length, .. } if max_length.is_none_or(|n| n >= 36))
            {
                // A text primary key (SQLite's usual spelling of a UUID key): seeded UUIDs.
                Source::Generated {
                    generator: Generator::Uuid,
                    null: 0.0,
                    unique: Unique::No,
                }
            } else {
                let generator = match infer(self.table, column) {
                    Generator::Default if !column.nullable && column.default.is_none() => {
                        return Err(self.spec.error(
                            user.map_or(self.table_spec.line, |c| c.line),
                            format!("{}.columns.{}", self.key, column.name),
                            format!(
                                "cannot infer values for \"{}\" ({}): give it a generator in the spec",
                                column.name, column.type_name
                            ),
                        ).into());
                    }
                    g => g,
                };
                Source::Generated {
                    generator,
                    null: user.map_or(0.0, |c| c.null),
                    unique: Unique::No,
                }
            };
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
        // `unique = true` in the spec is a one-column unique key.
        // Text gets the row number woven in, an `int` range is walked in a permutation;
        // other generators cannot promise distinct values.
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
            *unique = match generator {
                Generator::Uuid | Generator::Sequence { .. } => Unique::No,
                Generator::Int { min, max } => {
                    let size = max.abs_diff(*min).saturating_add(1);
                    if rows > size {
                        return Err(self.spec.error(
                            c.line,
                            format!("{}.columns.{}", self.key, c.name),
                            format!("`unique` asks for {rows} distinct values, but the range holds only {size}"),
                        ).into());
                    }
                    Unique::Permute { min: *min, size }
                }
                _ if text => Unique::Weave,
                _ => {
                    return Err(self.spec.error(
                        c.line,
                        format!("{}.columns.{}", self.key, c.name),
                        "`unique = true` works with text, an `int` range, `uuid` or `sequence`; this generator cannot promise distinct values",
                    ).into());
                }
            };
        }
        Ok(())
    }

    /// Makes every primary and unique key duplicate-free, or says why it cannot be.
    fn uniqueness(&mut self) -> Result<(), PlanError> {
        let mut keys: Vec<Key> = self.table.primary_key.iter().cloned().collect();
        keys.extend(self.table.unique.iter().cloned());
        let spec_unique: Vec<Key> = self
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
            })
            .collect();
        keys.extend(spec_unique);
        for key in &keys {
            let cols: Vec<usize> = key
                .columns
                .iter()
                .filter_map(|n| self.columns.iter().position(|c| &c.name == n))
                .collect();
            if cols.len() < key.columns.len() {
                continue; // a generated or defaulted column is part of it: the database decides
            }
            if self.rows <= 1 {
                continue;
            }
            // Already unique: a serial, a group index, a UUID, a sequence, a woven text.
            if cols.iter().any(|&i| {
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
            }) {
                continue;
            }
            let picks: Vec<usize> = cols
                .iter()
                .filter_map(|&i| match self.columns[i].source {
                    Source::ForeignKey { pick, .. } => Some(pick),
                    _ => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let others: Vec<usize> = cols
                .iter()
                .copied()
                .filter(|&i| !matches!(self.columns[i].source, Source::ForeignKey { .. }))
                .collect();
            let group_pick = picks
                .iter()
                .copied()
                .find(|&p| self.picks[p].mode == PickMode::Group);
            let describe = || format!("{} ({})", key.name, key.columns.join(", "));
            if let Some(g) = group_pick {
                let max = self.group.map_or(1, |g| g.max_count);
                if max <= 1 {
                    continue;
                }
                if let Some(&other) = picks
                    .iter()
                    .find(|&&p| p != g && matches!(self.picks[p].mode, PickMode::Random(_)))
                {
                    let n = self.picks[other].parent.len();
                    if max > n {
                        return Err(self.error(
                            self.key,
                            format!(
                                "unique key {} cannot hold {max} rows per parent: the other side has only {n} rows",
                                describe()
                            ),
                        ));
                    }
                    self.picks[other].mode = PickMode::DistinctInGroup;
                    continue;
                }
                if let Some(&i) = others
                    .iter()
                    .find(|&&i| is_integer_type(&self.columns[i].column_type))
                {
                    self.columns[i].source = Source::GroupIndex;
                    continue;
                }
            } else if !picks.is_empty() && others.is_empty() {
                // Saturating: past u64 there are always enough combinations.
                let total: u64 = picks
                    .iter()
                    .map(|&p| self.picks[p].parent.len())
                    .fold(1u64, |a, n| a.saturating_mul(n));
                if self.rows > total {
                    return Err(self.error(
                        self.key,
                        format!(
                            "unique key {} allows at most {total} distinct rows, but {} are asked for",
                            describe(),
                            self.rows
                        ),
                    ));
                }
                if picks.len() == 1 {
                    self.picks[picks[0]].mode = PickMode::Permute;
                } else {
                    let mut radix = 1;
                    for &p in &picks {
                        self.picks[p].mode = PickMode::Joint { radix, total };
                        radix = radix.saturating_mul(self.picks[p].parent.len());
                    }
                    // The joint permutation is seeded by its first pick.
                    let first_seed = self.picks[picks[0]].seed;
                    for &p in &picks {
                        self.picks[p].seed = first_seed;
                    }
                }
                continue;
            }
            // A generated column of the key carries the uniqueness.
            let chosen = others.iter().copied().find(|&i| {
                matches!(
                    &self.columns[i].source,
                    Source::Generated {
                        generator: Generator::Int { .. },
                        ..
                    }
                )
            });
            if let Some(i) = chosen {
                if let Source::Generated {
                    generator: Generator::Int { min, max },
                    unique,
                    ..
                } = &mut self.columns[i].source
                {
                    let size = (*max - *min) as u64 + 1;
                    if self.rows > size {
                        return Err(self.error(
                            self.key,
                            format!(
                                "unique key {}: {} has only {size} distinct values for {} rows",
                                describe(),
                                self.columns[i].name,
                                self.rows
                            ),
                        ));
                    }
                    *unique = Unique::Permute { min: *min, size };
                }
                continue;
            }
            if let Some(&i) = others
                .iter()
                .find(|&&i| matches!(self.columns[i].column_type, ColumnType::Text { .. }))
                && let Source::Generated { unique, .. } = &mut self.columns[i].source
            {
                *unique = Unique::Weave;
                continue;
            }
            if let Some(&i) = others
                .iter()
                .find(|&&i| is_integer_type(&self.columns[i].column_type))
            {
                self.columns[i].source = Source::Serial { base: 0 };
                continue;
            }
            return Err(self.error(
                self.key,
                format!("cannot keep unique key {} free of duplicates: give one of its columns `unique = true` or a sequence", describe()),
            ));
        }
        Ok(())
    }

    /// Links the foreign keys that share columns (`shared.rs`): one leads and writes them,
    /// the others pick parents that agree.
    fn share_columns(&mut self) -> Result<(), PlanError> {
        let table_spec = self.table_spec;
        let null_of = |column: &str| {
            table_spec
                .columns
                .iter()
                .find(|c| c.name == column)
                .map_or(0.0, |c| c.null)
        };
        super::shared::link(self.table, &mut self.picks, &mut self.columns, null_of)
            .map_err(|message| self.error(self.key, message))
    }

    /// Refuses keys sharing columns whose uniqueness rule cannot be kept.
    fn check_shared(&self) -> Result<(), PlanError> {
        super::shared::check_modes(self.table, &self.picks)
            .map_err(|message| self.error(self.key, message))
    }

    /// Picks to write NULL first and fill by UPDATE: cycles broken at a nullable key while
    /// the server checks every key.
    fn deferred(&self, order: &Plan, options: PlanOptions) -> Vec<usize> {
        if !options.server_checks {
            return Vec::new();
        }
        self.picks
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                order
                    .break_for(&self.table.name, &p.constraint)
                    .is_some_and(|b| b.strategy == BreakStrategy::NullThenUpdate)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

fn is_integer(column: &Column) -> bool {
    is_integer_type(&column.column_type)
}

fn is_integer_type(t: &ColumnType) -> bool {
    matches!(t, ColumnType::Integer { .. })
}

/// The foreign key of `table` a pick stands for.
pub fn pick_fk<'t>(table: &'t Table, pick: &Pick) -> Option<&'t ForeignKey> {
    table
        .foreign_keys
        .iter()
        .find(|f| f.name == pick.constraint)
}
