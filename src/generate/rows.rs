//! Making rows: every cell is a pure function of (spec, seed, table, column, row number).
//!
//! Each cell draws from its own ChaCha8 stream: the key is derived from (seed, table,
//! column) with blake3, the stream number is the row. So a row comes out the same whatever
//! the batch size, thread count or backend, and a child computes the key of parent row
//! `j` by evaluating the parent's key columns at row `j` — nothing is read back.

use chrono::{TimeZone, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::generator::{Context, Generator, truncate};
use super::plan::model::{GenPlan, Parent, PickMode, Source, TablePlan, Unique, shared_key};
use super::spec::Distribution;
use crate::schema::ColumnType;
use crate::value::{Row, Value};

/// The name of the row engine's randomness, part of every cache key: a change to the RNG or
/// to how cell seeds are derived changes the rows, so it must change the key too.
pub(crate) const RNG_ALGORITHM: &str =
    "ChaCha8 (rand_chacha 0.10), cell key blake3(seed, table, column), stream = row";

/// A 32-byte seed for one purpose within one table (a column, a foreign key, the table's
/// `per` counts): blake3 in key-derivation mode over length-prefixed fields, so no two
/// (table, purpose) pairs can collide. The planner derives every seed once; rows only use
/// them.
pub(crate) fn derive_seed(seed: u64, table: &str, purpose: &str) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key("fixtura 2026 row seeds v1");
    hasher.update(&seed.to_le_bytes());
    for field in [table, purpose] {
        hasher.update(&(field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    *hasher.finalize().as_bytes()
}

/// The RNG for one cell (or one pick) of one row.
pub(crate) fn cell_rng(seed: &[u8; 32], row: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(*seed);
    rng.set_stream(row);
    rng
}

/// A count in `[min, max]` for row `row` (a `per` count).
pub(crate) fn draw_range(seed: &[u8; 32], row: u64, min: u64, max: u64) -> u64 {
    cell_rng(seed, row).random_range(min..=max)
}

/// Position of `row` in a seeded permutation of `0..size` (an affine map `a·row + b mod
/// size` with `a` coprime to `size`): distinct rows get distinct values.
pub(crate) fn permute(seed: &[u8; 32], row: u64, size: u64) -> u64 {
    if size <= 1 {
        return 0;
    }
    let word = |i: usize| u64::from_le_bytes(seed[i..i + 8].try_into().expect("BUG: 8 bytes"));
    let mut a = (word(0) % size).max(1);
    while gcd(a, size) != 1 {
        a = a % (size - 1) + 1;
    }
    let b = word(8) % size;
    ((u128::from(a) * u128::from(row) + u128::from(b)) % u128::from(size)) as u64
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl GenPlan {
    /// Rows `start..end` of table `t`, in its columns' order. Keys the plan defers
    /// (`TablePlan::deferred`) are written NULL here and set later by [`Self::deferred_rows`].
    pub(crate) fn rows(&self, t: usize, start: u64, end: u64) -> Vec<Row> {
        (start..end).map(|row| self.row(t, row, true)).collect()
    }

    /// For the deferred keys of table `t`: each row's primary key, then the deferred key
    /// columns' values, for rows `start..end`.
    pub(crate) fn deferred_rows(&self, t: usize, start: u64, end: u64) -> Vec<Row> {
        let key = self.key_columns(t);
        let deferred = self.deferred_columns(t);
        (start..end)
            .map(|row| {
                let full = self.row(t, row, false);
                key.iter()
                    .chain(&deferred)
                    .map(|&c| full[c].clone())
                    .collect()
            })
            .collect()
    }

    /// Indices (in the written columns) of table `t`'s primary key.
    pub(crate) fn key_columns(&self, t: usize) -> Vec<usize> {
        let plan = &self.tables[t];
        plan.table
            .primary_key
            .iter()
            .flat_map(|k| &k.columns)
            .filter_map(|name| plan.columns.iter().position(|c| &c.name == name))
            .collect()
    }

    /// Indices (in the written columns) of the columns of deferred keys.
    pub(crate) fn deferred_columns(&self, t: usize) -> Vec<usize> {
        let plan = &self.tables[t];
        plan.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.source, Source::ForeignKey { pick, .. } if plan.deferred.contains(&pick)))
            .map(|(i, _)| i)
            .collect()
    }

    /// One row; `first_pass` writes deferred keys as NULL.
    fn row(&self, t: usize, row: u64, first_pass: bool) -> Row {
        let plan = &self.tables[t];
        let parents: Vec<Option<Row>> = (0..plan.picks.len())
            .map(|p| {
                if first_pass && plan.deferred.contains(&p) {
                    return None;
                }
                self.pick(t, p, row).map(|j| self.parent_key(t, p, j))
            })
            .collect();
        let mut values: Vec<Value> = vec![Value::Null; plan.columns.len()];
        let mut templates = Vec::new();
        for (c, column) in plan.columns.iter().enumerate() {
            match &column.source {
                Source::ForeignKey { pick, part } => {
                    values[c] = parents[*pick]
                        .as_ref()
                        .map_or(Value::Null, |key| key[*part].clone());
                }
                Source::Generated {
                    generator: Generator::Template(_),
                    ..
                } => templates.push(c),
                _ => values[c] = self.cell(t, c, row, &[]),
            }
        }
        // Templates see the other columns of the row; a template may use an earlier one.
        for c in templates {
            let named: Vec<(&str, Value)> = plan
                .columns
                .iter()
                .zip(&values)
                .map(|(col, v)| (col.name.as_str(), v.clone()))
                .collect();
            values[c] = self.cell(t, c, row, &named);
        }
        values
    }

    /// One cell, computed on its own (`named`: the row's other values, for templates).
    fn cell(&self, t: usize, c: usize, row: u64, named: &[(&str, Value)]) -> Value {
        let plan = &self.tables[t];
        let column = &plan.columns[c];
        match &column.source {
            Source::Serial { base } => Value::Int(base.saturating_add(row as i64 + 1)),
            Source::GroupIndex => Value::Int(group_position(plan, row).1 as i64 + 1),
            Source::Flag => Value::Bool(true),
            Source::ForeignKey { pick, part } => match self.pick(t, *pick, row) {
                Some(j) => self.parent_key(t, *pick, j).swap_remove(*part),
                None => Value::Null,
            },
            Source::Generated {
                generator,
                null,
                unique,
            } => {
                let mut rng = cell_rng(&column.seed, row);
                if *null > 0.0 && rng.random_bool(*null) {
                    return Value::Null;
                }
                let computed;
                let named = if named.is_empty() && !generator.references().is_empty() {
                    computed = self.named_values(t, row, &generator.references());
                    &computed
                } else {
                    named
                };
                let ctx = Context {
                    locale: self.locale,
                    row,
                    columns: named,
                };
                let value = match unique {
                    Unique::Permute { min, size } => {
                        Value::Int(min + permute(&column.seed, row, *size) as i64)
                    }
                    _ => generator.generate(&mut rng, &ctx),
                };
                let value = coerce(value, &column.column_type);
                let value = match (unique, value) {
                    (Unique::Weave, Value::Text(s)) => {
                        Value::Text(weave(&s, row, column.max_chars))
                    }
                    (Unique::Weave, Value::Int(_)) => Value::Int(row as i64 + 1),
                    (_, value) => value,
                };
                match (value, column.max_chars) {
                    (Value::Text(s), Some(max)) => Value::Text(truncate(&s, max)),
                    (value, _) => value,
                }
            }
        }
    }

    /// The values of the named columns of one row, for a template evaluated on its own.
    fn named_values(&self, t: usize, row: u64, names: &[String]) -> Vec<(&str, Value)> {
        let plan = &self.tables[t];
        names
            .iter()
            .filter_map(|name| plan.columns.iter().position(|c| &c.name == name))
            .map(|c| (plan.columns[c].name.as_str(), self.cell(t, c, row, &[])))
            .collect()
    }

    /// The parent row chosen by pick `p` of table `t` for `row`, `None` for NULL.
    fn pick(&self, t: usize, p: usize, row: u64) -> Option<u64> {
        let pick = &self.tables[t].picks[p];
        // A key sharing columns with its leader picks among the parents that agree with the
        // leader's (none: NULL); a leader, among those its followers can match.
        let within: Option<&[u64]> = match &pick.follows {
            Some(follow) => self
                .pick(t, follow.leader, row)
                .and_then(|j| {
                    shared_key(&self.parent_key(t, follow.leader, j), &follow.leader_parts)
                })
                .map(|key| follow.groups.get(&key).map_or(&[][..], Vec::as_slice)),
            None => pick.candidates.as_deref(),
        };
        match within {
            None => self.choose(t, p, row, pick.parent.len()),
            Some(rows) => self
                .choose(t, p, row, rows.len() as u64)
                .map(|i| rows[i as usize]),
        }
    }

    /// Which of `n` parent rows pick `p` of table `t` takes for `row`, by its mode.
    fn choose(&self, t: usize, p: usize, row: u64, n: u64) -> Option<u64> {
        let plan = &self.tables[t];
        let pick = &plan.picks[p];
        let mut rng = cell_rng(&pick.seed, row);
        if pick.null > 0.0 && (n == 0 || rng.random_bool(pick.null)) {
            return None;
        }
        if n == 0 {
            return None;
        }
        Some(match &pick.mode {
            PickMode::Group => group_position(plan, row).0,
            PickMode::DistinctInGroup => {
                let (j, k) = group_position(plan, row);
                (cell_rng(&pick.seed, u64::MAX - j).random_range(0..n) + k) % n
            }
            PickMode::Permute => permute(&pick.seed, row, n),
            PickMode::Joint { radix, total } => (permute(&pick.seed, row, *total) / radix) % n,
            PickMode::Random(Distribution::Uniform) => rng.random_range(0..n),
            PickMode::Random(Distribution::Even) => {
                ((u128::from(row) * u128::from(n)) / u128::from(plan.rows.max(1))) as u64
            }
            PickMode::Random(Distribution::Zipf { s }) => zipf(&mut rng, n, *s),
            PickMode::Earlier { roots, nullable } => {
                if row < *roots {
                    return if *nullable { None } else { Some(row) };
                }
                rng.random_range(0..row)
            }
        })
    }

    /// The referenced key values of parent row `j` of pick `p` of table `t`.
    pub(super) fn parent_key(&self, t: usize, p: usize, j: u64) -> Row {
        match &self.tables[t].picks[p].parent {
            Parent::Existing { keys } => keys[j as usize].clone(),
            Parent::Planned { table, columns, .. } => columns
                .iter()
                .map(|&c| self.cell(*table, c, j, &[]))
                .collect(),
        }
    }
}

/// The `per` group of `row` and its position in the group.
fn group_position(plan: &TablePlan, row: u64) -> (u64, u64) {
    match &plan.group {
        Some(g) => {
            let j = g
                .prefix
                .partition_point(|&start| start <= row)
                .saturating_sub(1);
            (j as u64, row - g.prefix[j])
        }
        None => (0, row),
    }
}

/// A Zipf-like rank in `0..n`: inverse transform of the continuous power law with exponent
/// `s`, so rank 0 is the most popular.
fn zipf(rng: &mut ChaCha8Rng, n: u64, s: f64) -> u64 {
    let u: f64 = rng.random();
    let n_f = n as f64;
    let x = if (s - 1.0).abs() < 1e-9 {
        n_f.powf(u)
    } else {
        ((n_f.powf(1.0 - s) - 1.0) * u + 1.0).powf(1.0 / (1.0 - s))
    };
    (x.floor() as u64).saturating_sub(1).min(n - 1)
}

/// Makes text unique by weaving in the row number after a separator that is not a digit,
/// so the number can always be read back from the end and no two rows collide:
/// `name@example.com` becomes `name.17@example.com`, `Acme Corp` becomes `Acme Corp 17`,
/// `A1` becomes `A1-17` — all within `max` characters.
pub(crate) fn weave(text: &str, row: u64, max: Option<usize>) -> String {
    let suffix = (row + 1).to_string();
    let (head, tail, sep) = match text.split_once('@') {
        Some((local, domain)) => (local, format!("@{domain}"), "."),
        None if text.contains(' ') => (text, String::new(), " "),
        None => (text, String::new(), "-"),
    };
    let room = max.map(|m| m.saturating_sub(suffix.len() + sep.len() + tail.chars().count()));
    let head = match room {
        Some(room) => truncate(head, room),
        None => head.to_string(),
    };
    format!("{head}{sep}{suffix}{tail}")
}

/// Fits a generated value to the column's type.
pub(crate) fn coerce(value: Value, ty: &ColumnType) -> Value {
    use ColumnType as T;
    match (value, ty) {
        (Value::Int(i), T::Float { .. }) => Value::Float(i as f64),
        (Value::Int(i), T::Decimal { .. }) => Value::Decimal(i.to_string()),
        (Value::Float(f), T::Decimal { scale, .. }) => {
            Value::Decimal(format!("{:.*}", scale.unwrap_or(2) as usize, f))
        }
        (Value::Float(f), T::Integer { .. }) => Value::Int(f.round() as i64),
        (Value::Bool(b), T::Integer { .. }) => Value::Int(i64::from(b)),
        (Value::Text(s), T::Json | T::Jsonb) => {
            Value::Json(serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s)))
        }
        (Value::Array(items), T::Json | T::Jsonb) => Value::Json(serde_json::Value::Array(
            items
                .into_iter()
                .map(|v| serde_json::Value::String(v.to_text()))
                .collect(),
        )),
        (Value::Uuid(u), T::Binary { .. }) => Value::Bytes(u.as_bytes().to_vec()),
        (
            Value::TimestampTz(t),
            T::Timestamp {
                with_time_zone: false,
            },
        ) => Value::Timestamp(t.naive_utc()),
        (
            Value::Timestamp(t),
            T::Timestamp {
                with_time_zone: true,
            },
        ) => Value::TimestampTz(Utc.from_utc_datetime(&t)),
        (Value::Date(d), T::Timestamp { with_time_zone }) => {
            let at = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            if *with_time_zone {
                Value::TimestampTz(Utc.from_utc_datetime(&at))
            } else {
                Value::Timestamp(at)
            }
        }
        (Value::Timestamp(t), T::Date) => Value::Date(t.date()),
        (Value::TimestampTz(t), T::Date) => Value::Date(t.date_naive()),
        (
            v @ (Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::Decimal(_)
            | Value::Uuid(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::Timestamp(_)
            | Value::TimestampTz(_)
            | Value::Json(_)),
            T::Text { .. } | T::Enum { .. },
        ) => Value::Text(v.to_text()),
        (v, _) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_is_a_bijection() {
        let seed = [7u8; 32];
        for size in [1u64, 2, 10, 97, 100, 1024] {
            let mut seen: Vec<u64> = (0..size).map(|r| permute(&seed, r, size)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..size).collect::<Vec<_>>(), "size {size}");
        }
    }

    #[test]
    fn weave_keeps_emails_valid_and_within_length() {
        assert_eq!(weave("ada@example.com", 16, None), "ada.17@example.com");
        assert_eq!(weave("Acme Corp", 0, None), "Acme Corp 1");
        assert_eq!(weave("abcdefghij", 999, Some(8)), "abc-1000");
        // Digits before the number cannot make two rows collide.
        assert_ne!(weave("A1", 0, None), weave("A", 10, None));
    }

    #[test]
    fn zipf_favours_the_first_ranks() {
        let mut rng = cell_rng(&[1u8; 32], 0);
        let draws: Vec<u64> = (0..10_000).map(|_| zipf(&mut rng, 100, 1.0)).collect();
        assert!(draws.iter().all(|&d| d < 100));
        let first = draws.iter().filter(|&&d| d < 10).count();
        assert!(first > 4_000, "{first} of 10000 in the first tenth");
    }

    #[test]
    fn the_same_cell_comes_out_the_same() {
        let a: u64 = cell_rng(&[3u8; 32], 41).random();
        let b: u64 = cell_rng(&[3u8; 32], 41).random();
        let c: u64 = cell_rng(&[3u8; 32], 42).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
