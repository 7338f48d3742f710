//! Reading a spec file: the TOML parsed with every key's span, so each error names the
//! file, the line and the dotted key (`spec.toml:12: tables.staffs.rows: ...`). The file's
//! shape (`seed`, `locale`, `flag`, `[tables.NAME]` with `rows` or `per`) lives here; what
//! one `columns.NAME = { ... }` entry means is `column`'s job.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::column::RawColumn;
use super::{ColumnSpec, Count, Spec, SpecError, TableSpec};
use crate::generate::fakes::Locale;
use crate::schema::DEFAULT_FLAG;

impl Spec {
    /// Reads and parses a spec file.
    pub(crate) fn from_file(path: &Path) -> Result<Spec, SpecError> {
        Spec::from_text(&path.display().to_string(), &Spec::read_text(path)?)
    }

    /// A spec file's text, or the error that names it.
    pub(crate) fn read_text(path: &Path) -> Result<String, SpecError> {
        std::fs::read_to_string(path).map_err(|e| SpecError {
            file: path.display().to_string(),
            line: 0,
            key: String::new(),
            message: format!("cannot read the spec: {e}"),
        })
    }

    /// Parses spec text; `file` names it in errors.
    pub(crate) fn from_text(file: &str, text: &str) -> Result<Spec, SpecError> {
        let source = Source { file, text };
        let raw: RawSpec = toml::from_str(text).map_err(|e| source.syntax_error(&e))?;
        let locale = source.locale(raw.locale.as_ref())?;
        // A `BTreeMap` sorts by name; the spec keeps the order the file names the tables in.
        let mut entries: Vec<_> = raw.tables.into_iter().collect();
        entries.sort_by_key(|(name, _)| name.span().start);
        let tables = entries
            .into_iter()
            .map(|(name, table)| source.table(name, table.into_inner()))
            .collect::<Result<Vec<_>, _>>()?;
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
}

/// The spec text being read: it names the file and turns byte spans into lines for errors.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.text.as_bytes()[..offset.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// An error at `span` under the dotted `key`.
    fn error(&self, span: Range<usize>, key: String, message: String) -> SpecError {
        SpecError {
            file: self.file.to_string(),
            line: self.line(span.start),
            key,
            message,
        }
    }

    /// A TOML syntax or shape error (no key: the parser names what it expected).
    fn syntax_error(&self, e: &toml::de::Error) -> SpecError {
        SpecError {
            file: self.file.to_string(),
            line: e.span().map_or(0, |s| self.line(s.start)),
            key: String::new(),
            message: e.message().trim().to_string(),
        }
    }

    /// `locale = "..."`, English when absent.
    fn locale(&self, locale: Option<&Spanned<String>>) -> Result<Locale, SpecError> {
        let Some(l) = locale else {
            return Ok(Locale::En);
        };
        Locale::parse(l.get_ref()).ok_or_else(|| {
            self.error(
                l.span(),
                "locale".into(),
                format!(
                    "unknown locale \"{}\"; known: {}",
                    l.get_ref(),
                    Locale::names().join(", ")
                ),
            )
        })
    }

    /// One `[tables.NAME]` section: its count first, then its columns in file order.
    fn table(&self, name: Spanned<String>, table: RawTable) -> Result<TableSpec, SpecError> {
        let key = format!("tables.{}", name.get_ref());
        let span = name.span();
        let RawTable { rows, per, columns } = table;
        let count = self.count(&key, span.clone(), rows, per)?;
        let columns = self.columns(&key, columns)?;
        Ok(TableSpec {
            name: name.into_inner(),
            line: self.line(span.start),
            count,
            columns,
        })
    }

    /// `rows = N` or `per = { ... }`: exactly one of them.
    fn count(
        &self,
        key: &str,
        table_span: Range<usize>,
        rows: Option<Spanned<u64>>,
        per: Option<Spanned<RawPer>>,
    ) -> Result<Count, SpecError> {
        match (rows, per) {
            (Some(rows), None) => Ok(Count::Rows(rows.into_inner())),
            (None, Some(per)) => self.per(key, per),
            (Some(rows), Some(_)) => Err(self.error(
                rows.span(),
                format!("{key}.rows"),
                "give `rows` or `per`, not both".into(),
            )),
            (None, None) => Err(self.error(
                table_span,
                key.to_string(),
                "say how many rows: `rows = N` or `per = { table = \"parent\", count = N }`".into(),
            )),
        }
    }

    /// `per = { table = "parent", count = N or "a..b" }`.
    fn per(&self, key: &str, per: Spanned<RawPer>) -> Result<Count, SpecError> {
        let span = per.span();
        let per = per.into_inner();
        let (min, max) = per
            .count
            .get_ref()
            .bounds()
            .map_err(|m| self.error(per.count.span(), format!("{key}.per.count"), m))?;
        if per.table.get_ref().is_empty() {
            return Err(self.error(
                span,
                format!("{key}.per.table"),
                "name the parent table".into(),
            ));
        }
        Ok(Count::Per {
            table: per.table.into_inner(),
            min,
            max,
        })
    }

    /// The `columns.NAME = { ... }` entries of a table, in file order.
    fn columns(
        &self,
        key: &str,
        columns: BTreeMap<Spanned<String>, Spanned<RawColumn>>,
    ) -> Result<Vec<ColumnSpec>, SpecError> {
        let mut entries: Vec<_> = columns.into_iter().collect();
        entries.sort_by_key(|(name, _)| name.span().start);
        entries
            .into_iter()
            .map(|(column, spec)| {
                let key = format!("{key}.columns.{}", column.get_ref());
                let line = self.line(column.span().start);
                let span = spec.span();
                spec.into_inner()
                    .resolve(column.get_ref(), line)
                    .map_err(|m| self.error(span, key, m))
            })
            .collect()
    }
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

#[cfg(test)]
mod tests {
    use crate::generate::generator::Generator;
    use crate::generate::spec::{Count, Spec};

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
        Spec::from_text("spec.toml", text)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn the_spec_example_parses_in_file_order() {
        let spec = Spec::from_text("spec.toml", EXAMPLE).expect("parses");
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
    fn an_unknown_locale_names_its_line() {
        assert!(error("locale = \"xx_yy\"\n").starts_with("spec.toml:1: locale: unknown locale"));
    }
}
