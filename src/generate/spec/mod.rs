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
//!
//! This file holds the spec as the rest of generation sees it, already checked; reading it
//! is split by job: `parse` reads the TOML and keeps the lines, `column` turns one
//! `columns.NAME = { ... }` entry into a generator and its modifiers, and `suggest` finds
//! the nearest known name for a misspelt one.

mod column;
mod parse;
mod suggest;

use super::fakes::Locale;
use super::generator::Generator;

pub(crate) use self::suggest::suggest;

/// A spec error: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {key}{sep}{message}", sep = if key.is_empty() { "" } else { ": " })]
pub struct SpecError {
    /// The spec file, as named in messages.
    pub file: String,
    /// The line of the key at fault (1 for the whole file).
    pub line: usize,
    /// The dotted key, e.g. `tables.staffs.columns.email`; empty for syntax errors.
    pub key: String,
    /// What is wrong, and what to do.
    pub message: String,
}

/// A parsed spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The file it came from, for messages.
    pub file: String,
    /// The seed: the same spec and seed give the same rows.
    pub seed: u64,
    pub(crate) locale: Locale,
    /// The column that marks test rows.
    pub flag: String,
    /// Tables in the order the file names them.
    pub(crate) tables: Vec<TableSpec>,
}

/// How many rows a table gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Count {
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
pub(crate) struct TableSpec {
    /// As written (`staffs`, `crm.employee`).
    pub name: String,
    pub line: usize,
    pub count: Count,
    pub columns: Vec<ColumnSpec>,
}

/// How foreign-key values spread over the parent rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Distribution {
    /// Every parent equally likely.
    Uniform,
    /// Parents in turn, so each gets the same number of children (±1).
    Even,
    /// A few parents get most children (Zipf with exponent `s`, default 1.0).
    Zipf { s: f64 },
}

/// One `columns.NAME = { ... }` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnSpec {
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
    /// A spec error at `line` of this spec.
    pub(crate) fn error(
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
