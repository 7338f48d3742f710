//! Value generators: what a column's values are drawn from.
//!
//! A [`Generator`] turns a seeded RNG (one per table, column and row: see `rows.rs`) into a
//! [`Value`]. Generators never look at other rows, so any cell can be computed on its own:
//! a child computes its parent's key from the parent's row number instead of reading it.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::fakes::{FakeKind, Locale};
use crate::value::Value;

/// How a column's values are made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Generator {
    /// A `fake` crate generator, by kind, in the spec's locale.
    Fake(FakeKind),
    /// A date in `[from, to]`.
    Date { from: NaiveDate, to: NaiveDate },
    /// A timestamp in `[from, to]`, whole seconds; `with_time_zone` makes a UTC instant.
    DateTime {
        from: NaiveDateTime,
        to: NaiveDateTime,
        with_time_zone: bool,
    },
    /// A time of day.
    Time,
    /// An integer in `[min, max]`.
    Int { min: i64, max: i64 },
    /// A float in `[min, max)`, rounded to `decimals` places when given.
    Float {
        min: f64,
        max: f64,
        decimals: Option<u32>,
    },
    /// An exact decimal in `[min, max]` with `scale` digits after the point.
    Decimal { min: f64, max: f64, scale: u32 },
    /// `true` with probability `p`.
    Bool { p: f64 },
    /// One of `values`, picked by `weights` (all equal when empty).
    OneOf {
        values: Vec<Value>,
        weights: Vec<u32>,
    },
    /// Text combining other columns of the same row: `{first_name}.{last_name}`; `{row}` is
    /// the row number (from 1).
    Template(String),
    /// The same value in every row.
    Const(Value),
    /// `start + row * step`.
    Sequence { start: i64, step: i64 },
    /// A random (version 4 layout) UUID from the seeded RNG.
    Uuid,
    /// Lorem text of at most `max_chars` characters.
    Text { max_chars: usize },
    /// `len` random bytes.
    Bytes { len: usize },
    /// A small JSON object of plausible settings (`{"email": true, "sms": false, ...}`).
    JsonObject,
    /// An interval such as `3 days 04:00:00`.
    Interval,
    /// An IPv4 address.
    Ipv4,
    /// An array of 0..=`max_len` elements from `element`.
    Array {
        element: Box<Generator>,
        max_len: usize,
    },
    /// Let the database fill the column (its default): the column is not written.
    Default,
}

/// What a generator can see besides its RNG.
pub(crate) struct Context<'a> {
    pub locale: Locale,
    /// Zero-based row number within the table.
    pub row: u64,
    /// Values of the row's columns computed so far, by column name (for templates).
    pub columns: &'a [(&'a str, Value)],
}

impl Generator {
    /// Draws one value.
    pub(crate) fn generate(&self, rng: &mut ChaCha8Rng, ctx: &Context<'_>) -> Value {
        match self {
            Generator::Fake(kind) => Value::Text(kind.generate(ctx.locale, rng)),
            Generator::Date { from, to } => date(rng, *from, *to),
            Generator::DateTime {
                from,
                to,
                with_time_zone,
            } => datetime(rng, *from, *to, *with_time_zone),
            Generator::Time => time(rng),
            Generator::Int { min, max } => Value::Int(rng.random_range(*min..=(*max).max(*min))),
            Generator::Float { min, max, decimals } => float(rng, *min, *max, *decimals),
            Generator::Decimal { min, max, scale } => decimal(rng, *min, *max, *scale),
            Generator::Bool { p } => Value::Bool(rng.random_bool(p.clamp(0.0, 1.0))),
            Generator::OneOf { values, weights } => one_of(rng, values, weights),
            Generator::Template(template) => Value::Text(render_template(template, ctx)),
            Generator::Const(value) => value.clone(),
            Generator::Sequence { start, step } => {
                Value::Int(start.saturating_add((ctx.row as i64).saturating_mul(*step)))
            }
            Generator::Uuid => uuid(rng),
            Generator::Text { max_chars } => {
                let text = FakeKind::Sentence.generate(ctx.locale, rng);
                Value::Text(truncate(&text, *max_chars))
            }
            Generator::Bytes { len } => bytes(rng, *len),
            Generator::JsonObject => json_object(rng),
            Generator::Interval => interval(rng),
            Generator::Ipv4 => ipv4(rng),
            Generator::Array { element, max_len } => {
                let len = rng.random_range(0..=*max_len);
                Value::Array((0..len).map(|_| element.generate(rng, ctx)).collect())
            }
            Generator::Default => Value::Null,
        }
    }

    /// Names of the columns a template refers to (empty for other generators).
    pub(crate) fn references(&self) -> Vec<String> {
        match self {
            Generator::Template(t) => template_fields(t)
                .into_iter()
                .filter(|f| f != "row")
                .collect(),
            _ => Vec::new(),
        }
    }
}

// The draws behind `Generator::generate`, one per kind of value. What each takes from the
// RNG, and in which order, is part of the rows a seed gives: change it and every row made
// from that seed changes.

fn date(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> Value {
    let days = (to - from).num_days().max(0);
    Value::Date(from + Duration::days(rng.random_range(0..=days)))
}

fn datetime(
    rng: &mut ChaCha8Rng,
    from: NaiveDateTime,
    to: NaiveDateTime,
    with_time_zone: bool,
) -> Value {
    let seconds = (to - from).num_seconds().max(0);
    let at = from + Duration::seconds(rng.random_range(0..=seconds));
    if with_time_zone {
        Value::TimestampTz(Utc.from_utc_datetime(&at))
    } else {
        Value::Timestamp(at)
    }
}

fn time(rng: &mut ChaCha8Rng) -> Value {
    let seconds = rng.random_range(0..86_400u32);
    Value::Time(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or_default())
}

fn interval(rng: &mut ChaCha8Rng) -> Value {
    let days = rng.random_range(0..30u32);
    let hours = rng.random_range(0..24u32);
    Value::Text(format!("{days} days {hours:02}:00:00"))
}

fn float(rng: &mut ChaCha8Rng, min: f64, max: f64, decimals: Option<u32>) -> Value {
    let x = if max > min {
        rng.random_range(min..max)
    } else {
        min
    };
    Value::Float(match decimals {
        Some(d) => round(x, d),
        None => x,
    })
}

fn decimal(rng: &mut ChaCha8Rng, min: f64, max: f64, scale: u32) -> Value {
    let x = if max > min {
        rng.random_range(min..=max)
    } else {
        min
    };
    Value::Decimal(format!("{:.*}", scale as usize, x))
}

/// One of `values`, by `weights` when there are any.
fn one_of(rng: &mut ChaCha8Rng, values: &[Value], weights: &[u32]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let index = if weights.is_empty() {
        rng.random_range(0..values.len())
    } else {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut pick = rng.random_range(0..total.max(1));
        weights
            .iter()
            .position(|w| {
                let w = u64::from(*w);
                if pick < w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .unwrap_or(0)
    };
    values[index].clone()
}

fn uuid(rng: &mut ChaCha8Rng) -> Value {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    Value::Uuid(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

fn bytes(rng: &mut ChaCha8Rng, len: usize) -> Value {
    let mut bytes = vec![0u8; len];
    rng.fill(bytes.as_mut_slice());
    Value::Bytes(bytes)
}

fn json_object(rng: &mut ChaCha8Rng) -> Value {
    let mut map = serde_json::Map::new();
    for key in ["email", "sms", "push", "in_app", "weekly_digest"] {
        map.insert(
            key.to_string(),
            serde_json::Value::Bool(rng.random_bool(0.5)),
        );
    }
    Value::Json(serde_json::Value::Object(map))
}

fn ipv4(rng: &mut ChaCha8Rng) -> Value {
    let [a, b, c, d]: [u8; 4] = rng.random();
    Value::Text(format!("{}.{b}.{c}.{}", a.clamp(1, 223), d.max(1)))
}

fn round(x: f64, decimals: u32) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (x * factor).round() / factor
}

/// Cuts `text` to at most `max` characters (never inside a character).
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].trim_end().to_string(),
        None => text.to_string(),
    }
}

/// The `{name}` fields of a template, in order; `{{` and `}}` are literal braces.
pub(crate) fn template_fields(template: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|&c| c != '}').collect();
                fields.push(field.trim().to_string());
            }
            _ => {}
        }
    }
    fields
}

fn render_template(template: &str, ctx: &Context<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let field = field.trim();
                if field == "row" {
                    out.push_str(&(ctx.row + 1).to_string());
                } else if let Some((_, value)) = ctx.columns.iter().find(|(name, _)| *name == field)
                {
                    out.push_str(&value.to_text());
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn ctx<'a>(columns: &'a [(&'a str, Value)]) -> Context<'a> {
        Context {
            locale: Locale::En,
            row: 6,
            columns,
        }
    }

    #[test]
    fn a_template_combines_the_rows_columns_and_its_number() {
        let columns = [
            ("first", Value::Text("Ada".into())),
            ("last", Value::Text("Lovelace".into())),
        ];
        let g = Generator::Template("{first}.{last}+{row}@example.com {{literal}}".into());
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(
            g.generate(&mut rng, &ctx(&columns)),
            Value::Text("Ada.Lovelace+7@example.com {literal}".into())
        );
        assert_eq!(g.references(), ["first", "last"]);
    }

    #[test]
    fn weights_decide_how_often_each_value_is_picked() {
        let g = Generator::OneOf {
            values: vec![Value::Text("owner".into()), Value::Text("employee".into())],
            weights: vec![1, 9],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let owners = (0..10_000)
            .filter(|_| g.generate(&mut rng, &ctx(&[])) == Value::Text("owner".into()))
            .count();
        assert!(
            (800..1200).contains(&owners),
            "{owners} owners of 10000 for weight 1:9"
        );
    }

    #[test]
    fn dates_stay_inside_their_range() {
        let from = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(1940, 1, 3).unwrap();
        let g = Generator::Date { from, to };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let Value::Date(d) = g.generate(&mut rng, &ctx(&[])) else {
                panic!("a date")
            };
            assert!(d >= from && d <= to);
        }
    }

    #[test]
    fn truncate_never_splits_a_character() {
        assert_eq!(truncate("日本語のテキスト", 3), "日本語");
        assert_eq!(truncate("short", 10), "short");
    }
}
