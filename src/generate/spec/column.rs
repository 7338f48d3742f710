//! The generator syntax of one `columns.NAME = { ... }` entry: which generator it names
//! (`fake`, `date`, `int`, `one_of`, `template`, ...; at most one) and its modifiers (`null`,
//! `unique`, `distribution`), checked into a [`ColumnSpec`]. Errors are plain messages;
//! `parse` puts the file, line and key in front.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::suggest::suggest;
use super::{ColumnSpec, Distribution};
use crate::generate::fakes::FakeKind;
use crate::generate::generator::Generator;
use crate::value::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange<T> {
    from: T,
    to: T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbers<T> {
    min: T,
    max: T,
    decimals: Option<u32>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSequence {
    On(bool),
    With {
        #[serde(default = "one")]
        start: i64,
        #[serde(default = "one")]
        step: i64,
    },
}

fn one() -> i64 {
    1
}

/// One column entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColumn {
    fake: Option<String>,
    date: Option<RawRange<String>>,
    datetime: Option<RawRange<String>>,
    int: Option<RawNumbers<i64>>,
    float: Option<RawNumbers<f64>>,
    decimal: Option<RawNumbers<f64>>,
    bool: Option<f64>,
    one_of: Option<Vec<toml::Value>>,
    weights: Option<Vec<u32>>,
    template: Option<String>,
    #[serde(rename = "const")]
    constant: Option<toml::Value>,
    sequence: Option<RawSequence>,
    uuid: Option<bool>,
    /// `text = N`: lorem text of at most N characters.
    text: Option<usize>,
    /// `json = "object"`: a small JSON object of settings.
    json: Option<String>,
    /// `bytes = N`: N random bytes.
    bytes: Option<usize>,
    time: Option<bool>,
    interval: Option<bool>,
    /// `default = true`: leave the column to the database's default.
    default: Option<bool>,
    null: Option<f64>,
    unique: Option<bool>,
    distribution: Option<String>,
    /// Exponent for `distribution = "zipf"`.
    exponent: Option<f64>,
}

/// The generators an entry names, each with its key, in the order the checks run: the
/// order in which "pick one generator, not a and b" lists them.
type Named = Vec<(&'static str, Generator)>;

impl RawColumn {
    /// Checks the entry for column `name` (at `line`): the first problem found, in a fixed
    /// order, is the one reported.
    pub(super) fn resolve(self, name: &str, line: usize) -> Result<ColumnSpec, String> {
        let mut generators = Named::new();
        self.fake(&mut generators)?;
        self.ranges(&mut generators)?;
        self.choices(&mut generators)?;
        self.literals(&mut generators)?;
        self.kinds(&mut generators)?;
        if generators.len() > 1 {
            let names: Vec<&str> = generators.iter().map(|(n, _)| *n).collect();
            return Err(format!("pick one generator, not {}", names.join(" and ")));
        }
        let distribution = self.distribution()?;
        Ok(ColumnSpec {
            name: name.to_string(),
            line,
            generator: generators.pop().map(|(_, g)| g),
            null: probability("null", self.null.unwrap_or(0.0))?,
            unique: self.unique.unwrap_or(false),
            distribution,
        })
    }

    /// `fake = "kind"`, with the nearest known kind suggested for a misspelt one.
    fn fake(&self, generators: &mut Named) -> Result<(), String> {
        if let Some(kind) = &self.fake {
            let fake = FakeKind::parse(kind).ok_or_else(|| {
                format!(
                    "unknown fake generator \"{kind}\"{}",
                    suggest(kind, FakeKind::names())
                )
            })?;
            generators.push(("fake", Generator::Fake(fake)));
        }
        Ok(())
    }

    /// `date`, `datetime`, `int`, `float` and `decimal`: bounds that must not be reversed.
    fn ranges(&self, generators: &mut Named) -> Result<(), String> {
        if let Some(r) = &self.date {
            let (from, to) = (date(&r.from)?, date(&r.to)?);
            check_order(from, to)?;
            generators.push(("date", Generator::Date { from, to }));
        }
        if let Some(r) = &self.datetime {
            let (from, to) = (datetime(&r.from)?, datetime(&r.to)?);
            check_order(from, to)?;
            let with_time_zone = true;
            generators.push((
                "datetime",
                Generator::DateTime {
                    from,
                    to,
                    with_time_zone,
                },
            ));
        }
        if let Some(n) = &self.int {
            check_order(n.min, n.max)?;
            let (min, max) = (n.min, n.max);
            generators.push(("int", Generator::Int { min, max }));
        }
        if let Some(n) = &self.float {
            check_order(n.min, n.max)?;
            let (min, max, decimals) = (n.min, n.max, n.decimals);
            generators.push(("float", Generator::Float { min, max, decimals }));
        }
        if let Some(n) = &self.decimal {
            check_order(n.min, n.max)?;
            let (min, max, scale) = (n.min, n.max, n.decimals.unwrap_or(2));
            generators.push(("decimal", Generator::Decimal { min, max, scale }));
        }
        Ok(())
    }

    /// `bool = p` and `one_of = [...]` with its optional `weights`.
    fn choices(&self, generators: &mut Named) -> Result<(), String> {
        if let Some(p) = self.bool {
            let p = probability("bool", p)?;
            generators.push(("bool", Generator::Bool { p }));
        }
        let Some(values) = &self.one_of else {
            if self.weights.is_some() {
                return Err("`weights` only goes with `one_of`".into());
            }
            return Ok(());
        };
        if values.is_empty() {
            return Err("`one_of` needs at least one value".into());
        }
        let weights = self.weights.clone().unwrap_or_default();
        if !weights.is_empty() && weights.len() != values.len() {
            return Err(format!(
                "`weights` has {} entries for {} values",
                weights.len(),
                values.len()
            ));
        }
        if !weights.is_empty() && weights.iter().all(|w| *w == 0) {
            return Err("`weights` are all zero".into());
        }
        let values = values.iter().map(value).collect();
        generators.push(("one_of", Generator::OneOf { values, weights }));
        Ok(())
    }

    /// `template`, `const` and `sequence`: values the entry spells out.
    fn literals(&self, generators: &mut Named) -> Result<(), String> {
        if let Some(t) = &self.template {
            if t.matches('{').count() < t.matches("{{").count() * 2 {
                return Err("unbalanced braces in the template".into());
            }
            generators.push(("template", Generator::Template(t.clone())));
        }
        if let Some(c) = &self.constant {
            generators.push(("const", Generator::Const(value(c))));
        }
        let sequence = match &self.sequence {
            None | Some(RawSequence::On(false)) => None,
            Some(RawSequence::On(true)) => Some(Generator::Sequence { start: 1, step: 1 }),
            Some(RawSequence::With { start, step }) => Some(Generator::Sequence {
                start: *start,
                step: *step,
            }),
        };
        if let Some(sequence) = sequence {
            generators.push(("sequence", sequence));
        }
        Ok(())
    }

    /// `uuid`, `text`, `json`, `bytes`, `time`, `interval` and `default`: a kind of value,
    /// at most a size.
    fn kinds(&self, generators: &mut Named) -> Result<(), String> {
        if self.uuid == Some(true) {
            generators.push(("uuid", Generator::Uuid));
        }
        if let Some(max_chars) = self.text {
            generators.push(("text", Generator::Text { max_chars }));
        }
        match self.json.as_deref() {
            None => {}
            Some("object") => generators.push(("json", Generator::JsonObject)),
            Some(other) => {
                return Err(format!(
                    "unknown json kind \"{other}\": use \"object\", or `const` for fixed JSON"
                ));
            }
        }
        if let Some(len) = self.bytes {
            generators.push(("bytes", Generator::Bytes { len }));
        }
        if self.time == Some(true) {
            generators.push(("time", Generator::Time));
        }
        if self.interval == Some(true) {
            generators.push(("interval", Generator::Interval));
        }
        if self.default == Some(true) {
            generators.push(("default", Generator::Default));
        }
        Ok(())
    }

    /// `distribution = "uniform" | "even" | "zipf"` (with `exponent`), for foreign keys.
    fn distribution(&self) -> Result<Option<Distribution>, String> {
        Ok(match self.distribution.as_deref() {
            None => None,
            Some("uniform") => Some(Distribution::Uniform),
            Some("even") => Some(Distribution::Even),
            Some("zipf") => Some(Distribution::Zipf {
                s: self.exponent.unwrap_or(1.0),
            }),
            Some(other) => {
                return Err(format!(
                    "unknown distribution \"{other}\": use \"uniform\", \"even\" or \"zipf\""
                ));
            }
        })
    }
}

fn probability(key: &str, p: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("`{key}` is a probability between 0 and 1, not {p}"))
    }
}

fn check_order<T: PartialOrd + fmt::Debug>(from: T, to: T) -> Result<(), String> {
    if from <= to {
        Ok(())
    } else {
        Err(format!("the range is empty: {from:?} is after {to:?}"))
    }
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a date (YYYY-MM-DD)"))
}

fn datetime(s: &str) -> Result<NaiveDateTime, String> {
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(d.naive_utc());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(d);
        }
    }
    date(s)
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .map_err(|_| {
            format!("\"{s}\" is not a date-time (RFC 3339, `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`)")
        })
}

/// A TOML value as a cell value: tables and arrays of tables become JSON.
fn value(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::Text(s.clone()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::Text(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => {
            Value::Json(serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::generator::Generator;
    use crate::generate::spec::Spec;
    use crate::value::Value;

    fn error(text: &str) -> String {
        Spec::from_text("spec.toml", text)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn an_unknown_fake_suggests_the_closest() {
        let err = error("[tables.staffs]\nrows = 3\ncolumns.email = { fake = \"safe_emial\" }\n");
        assert_eq!(
            err,
            "spec.toml:3: tables.staffs.columns.email: unknown fake generator \"safe_emial\"; did you mean \"safe_email\"?"
        );
    }

    #[test]
    fn two_generators_for_one_column_are_refused() {
        let err = error("[tables.t]\nrows = 1\ncolumns.c = { fake = \"name\", const = 3 }\n");
        assert!(
            err.ends_with("pick one generator, not fake and const"),
            "{err}"
        );
    }

    #[test]
    fn bad_ranges_and_probabilities_are_refused() {
        assert!(error("[tables.t]\nrows=1\ncolumns.d = { date = { from = \"2020-01-01\", to = \"2019-01-01\" } }\n")
            .contains("the range is empty"));
        assert!(
            error("[tables.t]\nrows=1\ncolumns.d = { null = 1.5 }\n")
                .contains("probability between 0 and 1")
        );
        assert!(
            error("[tables.t]\nrows=1\ncolumns.d = { one_of = [1, 2], weights = [1] }\n")
                .contains("2 values")
        );
    }

    #[test]
    fn constants_keep_their_types_and_tables_become_json() {
        let spec = Spec::from_text(
            "s",
            "[tables.t]\nrows=1\ncolumns.j = { const = { email = true } }\n",
        )
        .unwrap();
        assert_eq!(
            spec.tables[0].columns[0].generator,
            Some(Generator::Const(Value::Json(
                serde_json::json!({"email": true})
            )))
        );
    }
}
