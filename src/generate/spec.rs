//! The generation spec: a TOML file saying how many rows each table gets and how the
//! columns that matter are made (SPEC §4). Parsing keeps every key's line, so an error
//! can say `spec.toml:12: tables.staffs.columns.emial: unknown column "emial"`.
//!
//! ```toml
//! seed = 42
//! locale = "ja_jp"
//! [tables.staffs]
//! rows = 1000
//! columns.email = { fake = "safe_email", unique = true }
//! [tables.office_staffs]
//! per = { table = "staffs", count = 1 }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use toml::Spanned;

use super::fakes::{FakeKind, Locale};
use super::generator::Generator;
use crate::schema::DEFAULT_FLAG;
use crate::value::Value;

/// A spec error: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {key}{sep}{message}", sep = if key.is_empty() { "" } else { ": " })]
pub struct SpecError {
    pub file: String,
    pub line: usize,
    /// The dotted key, e.g. `tables.staffs.columns.email`; empty for syntax errors.
    pub key: String,
    pub message: String,
}

/// A parsed spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The file it came from, for messages.
    pub file: String,
    pub seed: u64,
    pub locale: Locale,
    pub flag: String,
    /// Tables in the order the file names them.
    pub tables: Vec<TableSpec>,
}

/// How many rows a table gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    Rows(u64),
    /// `min..=max` rows for every row of `table` (a fixed count has `min == max`).
    Per {
        table: String,
        min: u64,
        max: u64,
    },
}

/// One `[tables.NAME]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// As written (`staffs`, `crm.employee`).
    pub name: String,
    pub line: usize,
    pub count: Count,
    pub columns: Vec<ColumnSpec>,
}

/// How foreign-key values spread over the parent rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// Every parent equally likely.
    Uniform,
    /// Parents in turn, so each gets the same number of children (±1).
    Even,
    /// A few parents get most children (Zipf with exponent `s`, default 1.0).
    Zipf { s: f64 },
}

/// One `columns.NAME = { ... }` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    pub line: usize,
    /// `None` when the entry only sets modifiers (`null`, `unique`, `distribution`).
    pub generator: Option<Generator>,
    /// Probability of NULL.
    pub null: f64,
    pub unique: bool,
    /// For foreign-key columns.
    pub distribution: Option<Distribution>,
}

impl Spec {
    /// Reads and parses a spec file.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        Spec::parse(&path.display().to_string(), &Spec::read(path)?)
    }

    /// A spec file's text, or the error that names it.
    pub fn read(path: &Path) -> Result<String, SpecError> {
        std::fs::read_to_string(path).map_err(|e| SpecError {
            file: path.display().to_string(),
            line: 0,
            key: String::new(),
            message: format!("cannot read the spec: {e}"),
        })
    }

    /// Parses spec text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
        let at = |span: std::ops::Range<usize>, key: String, message: String| SpecError {
            file: file.to_string(),
            line: line_of(text, span.start),
            key,
            message,
        };
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            SpecError {
                file: file.to_string(),
                line,
                key: String::new(),
                message: e.message().trim().to_string(),
            }
        })?;

        let locale = match &raw.locale {
            None => Locale::En,
            Some(l) => Locale::parse(l.get_ref()).ok_or_else(|| {
                at(
                    l.span(),
                    "locale".into(),
                    format!(
                        "unknown locale \"{}\"; known: {}",
                        l.get_ref(),
                        Locale::names().join(", ")
                    ),
                )
            })?,
        };
        let mut tables = Vec::new();
        let mut entries: Vec<_> = raw.tables.into_iter().collect();
        entries.sort_by_key(|(name, _)| name.span().start);
        for (name, table) in entries {
            let key = format!("tables.{}", name.get_ref());
            let table_span = name.span();
            let table = table.into_inner();
            let count = match (table.rows, table.per) {
                (Some(rows), None) => Count::Rows(rows.into_inner()),
                (None, Some(per)) => {
                    let span = per.span();
                    let per = per.into_inner();
                    let (min, max) = per
                        .count
                        .get_ref()
                        .bounds()
                        .map_err(|m| at(per.count.span(), format!("{key}.per.count"), m))?;
                    if per.table.get_ref().is_empty() {
                        return Err(at(
                            span,
                            format!("{key}.per.table"),
                            "name the parent table".into(),
                        ));
                    }
                    Count::Per {
                        table: per.table.into_inner(),
                        min,
                        max,
                    }
                }
                (Some(rows), Some(_)) => {
                    return Err(at(
                        rows.span(),
                        format!("{key}.rows"),
                        "give `rows` or `per`, not both".into(),
                    ));
                }
                (None, None) => {
                    return Err(at(
                        table_span,
                        key,
                        "say how many rows: `rows = N` or `per = { table = \"parent\", count = N }`".into(),
                    ));
                }
            };
            let mut columns = Vec::new();
            let mut raw_columns: Vec<_> = table.columns.into_iter().collect();
            raw_columns.sort_by_key(|(name, _)| name.span().start);
            for (column, spec) in raw_columns {
                let key = format!("{key}.columns.{}", column.get_ref());
                let line = line_of(text, column.span().start);
                let span = spec.span();
                let column_spec = spec
                    .into_inner()
                    .resolve(column.get_ref(), line)
                    .map_err(|m| at(span, key, m))?;
                columns.push(column_spec);
            }
            tables.push(TableSpec {
                name: name.get_ref().clone(),
                line: line_of(text, table_span.start),
                count,
                columns,
            });
        }
        Ok(Spec {
            file: file.to_string(),
            seed: raw.seed.map_or(0, |s| s.into_inner()),
            locale,
            flag: raw
                .flag
                .map_or_else(|| DEFAULT_FLAG.to_string(), |f| f.into_inner()),
            tables,
        })
    }

    /// A spec error at `line` of this spec.
    pub fn error(
        &self,
        line: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> SpecError {
        SpecError {
            file: self.file.clone(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    seed: Option<Spanned<u64>>,
    locale: Option<Spanned<String>>,
    flag: Option<Spanned<String>>,
    #[serde(default)]
    tables: BTreeMap<Spanned<String>, Spanned<RawTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    rows: Option<Spanned<u64>>,
    per: Option<Spanned<RawPer>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<RawColumn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPer {
    table: Spanned<String>,
    count: Spanned<RawCount>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawCount {
    Fixed(u64),
    Range(String),
}

impl RawCount {
    /// `N`, `"a..b"` or `"a..=b"` (both inclusive: a person reads `50..150` as 50 to 150).
    fn bounds(&self) -> Result<(u64, u64), String> {
        match self {
            RawCount::Fixed(n) => Ok((*n, *n)),
            RawCount::Range(s) => {
                let bad = || {
                    format!("\"{s}\" is not a count: write a number or a range like \"50..150\"")
                };
                let (a, b) = s.split_once("..").ok_or_else(bad)?;
                let b = b.strip_prefix('=').unwrap_or(b);
                let (a, b): (u64, u64) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                if a > b {
                    return Err(format!(
                        "the range \"{s}\" is empty: its start is past its end"
                    ));
                }
                Ok((a, b))
            }
        }
    }
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
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

impl RawColumn {
    fn resolve(self, name: &str, line: usize) -> Result<ColumnSpec, String> {
        let mut generators: Vec<(&str, Generator)> = Vec::new();
        if let Some(kind) = &self.fake {
            let fake = FakeKind::parse(kind).ok_or_else(|| {
                format!(
                    "unknown fake generator \"{kind}\"{}",
                    suggest(kind, FakeKind::names())
                )
            })?;
            generators.push(("fake", Generator::Fake(fake)));
        }
        if let Some(r) = &self.date {
            let (from, to) = (date(&r.from)?, date(&r.to)?);
            check_order(from, to)?;
            generators.push(("date", Generator::Date { from, to }));
        }
        if let Some(r) = &self.datetime {
            let (from, to) = (datetime(&r.from)?, datetime(&r.to)?);
            check_order(from, to)?;
            generators.push((
                "datetime",
                Generator::DateTime {
                    from,
                    to,
                    with_time_zone: true,
                },
            ));
        }
        if let Some(n) = &self.int {
            check_order(n.min, n.max)?;
            generators.push((
                "int",
                Generator::Int {
                    min: n.min,
                    max: n.max,
                },
            ));
        }
        if let Some(n) = &self.float {
            check_order(n.min, n.max)?;
            generators.push((
                "float",
                Generator::Float {
                    min: n.min,
                    max: n.max,
                    decimals: n.decimals,
                },
            ));
        }
        if let Some(n) = &self.decimal {
            check_order(n.min, n.max)?;
            generators.push((
                "decimal",
                Generator::Decimal {
                    min: n.min,
                    max: n.max,
                    scale: n.decimals.unwrap_or(2),
                },
            ));
        }
        if let Some(p) = self.bool {
            generators.push((
                "bool",
                Generator::Bool {
                    p: probability("bool", p)?,
                },
            ));
        }
        if let Some(values) = &self.one_of {
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
        } else if self.weights.is_some() {
            return Err("`weights` only goes with `one_of`".into());
        }
        if let Some(t) = &self.template {
            if t.matches('{').count() < t.matches("{{").count() * 2 {
                return Err("unbalanced braces in the template".into());
            }
            generators.push(("template", Generator::Template(t.clone())));
        }
        if let Some(c) = &self.constant {
            generators.push(("const", Generator::Const(value(c))));
        }
        if let Some(s) = &self.sequence {
            match s {
                RawSequence::On(false) => {}
                RawSequence::On(true) => {
                    generators.push(("sequence", Generator::Sequence { start: 1, step: 1 }))
                }
                RawSequence::With { start, step } => generators.push((
                    "sequence",
                    Generator::Sequence {
                        start: *start,
                        step: *step,
                    },
                )),
            }
        }
        if self.uuid == Some(true) {
            generators.push(("uuid", Generator::Uuid));
        }
        if let Some(n) = self.text {
            generators.push(("text", Generator::Text { max_chars: n }));
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
        if generators.len() > 1 {
            let names: Vec<&str> = generators.iter().map(|(n, _)| *n).collect();
            return Err(format!("pick one generator, not {}", names.join(" and ")));
        }
        let distribution = match self.distribution.as_deref() {
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
        };
        Ok(ColumnSpec {
            name: name.to_string(),
            line,
            generator: generators.pop().map(|(_, g)| g),
            null: probability("null", self.null.unwrap_or(0.0))?,
            unique: self.unique.unwrap_or(false),
            distribution,
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

/// `; did you mean "x"?` for the closest known name, if one is close.
pub fn suggest(written: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (distance(written, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map_or_else(String::new, |(_, k)| format!("; did you mean \"{k}\"?"))
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
seed = 42
locale = "en"
flag = "is_test_data"

[tables.offices]
rows = 100
columns.name = { fake = "company_name" }

[tables.staffs]
rows = 1000
columns.email = { fake = "safe_email", unique = true }
columns.role  = { one_of = ["owner", "manager", "employee"], weights = [1, 2, 7] }

[tables.office_staffs]
per = { table = "staffs", count = 1 }

[tables.welfare_recipients]
per = { table = "offices", count = "50..150" }
columns.birth_day = { date = { from = "1940-01-01", to = "2005-12-31" } }
"#;

    fn error(text: &str) -> String {
        Spec::parse("spec.toml", text)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn the_spec_example_parses_in_file_order() {
        let spec = Spec::parse("spec.toml", EXAMPLE).expect("parses");
        assert_eq!(spec.seed, 42);
        let names: Vec<&str> = spec.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["offices", "staffs", "office_staffs", "welfare_recipients"]
        );
        assert_eq!(
            spec.tables[2].count,
            Count::Per {
                table: "staffs".into(),
                min: 1,
                max: 1
            }
        );
        assert_eq!(
            spec.tables[3].count,
            Count::Per {
                table: "offices".into(),
                min: 50,
                max: 150
            }
        );
        let email = &spec.tables[1].columns[0];
        assert_eq!(
            (email.name.as_str(), email.line, email.unique),
            ("email", 12, true)
        );
        assert!(matches!(email.generator, Some(Generator::Fake(_))));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = error("seed = 42\n[tables.x]\nrows = = 3\n");
        assert!(err.starts_with("spec.toml:3: "), "{err}");
    }

    #[test]
    fn an_unknown_key_names_file_line_and_the_known_keys() {
        let err = error("[tables.staffs]\nrows = 3\ncolumns.email = { fak = \"name\" }\n");
        assert!(err.starts_with("spec.toml:3: "), "{err}");
        assert!(err.contains("unknown field `fak`"), "{err}");
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
    fn counts_must_be_given_once_and_make_sense() {
        assert!(error("[tables.t]\ncolumns.c = { const = 1 }\n").contains("say how many rows"));
        assert!(
            error("[tables.t]\nrows = 1\nper = { table = \"p\", count = 1 }\n")
                .contains("not both")
        );
        assert!(
            error("[tables.t]\nper = { table = \"p\", count = \"9..3\" }\n").contains("is empty")
        );
        assert!(
            error("[tables.t]\nper = { table = \"p\", count = \"many\" }\n")
                .contains("is not a count")
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
        assert!(error("locale = \"xx_yy\"\n").starts_with("spec.toml:1: locale: unknown locale"));
    }

    #[test]
    fn constants_keep_their_types_and_tables_become_json() {
        let spec = Spec::parse(
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
