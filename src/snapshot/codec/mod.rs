//! The lossless JSON of one cell, by its column's type: what a snapshot's table files hold
//! (SPEC §5), and how each JSON value turns back into the [`Value`](crate::value::Value)
//! the bulk writer writes.
//!
//! # The contract
//!
//! | value | JSON |
//! |---|---|
//! | NULL | `null` |
//! | boolean | `true` / `false` |
//! | integer | a number, exact over the whole `i64` range (an unsigned `BIGINT` above `i64::MAX` is a decimal) |
//! | float | a number with a fraction or exponent (`5.0`, `1e300`); `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"` as strings, since JSON numbers cannot carry them |
//! | decimal | a string, every digit kept: `"12345678901234567890.123456789012345678901234567890"`, `"NaN"` |
//! | text, enum, interval, inet, other | a string |
//! | bytes (`bytea`, `BLOB`) | a base64 string (standard alphabet, padded) |
//! | uuid | a string, hyphenated |
//! | date | `"YYYY-MM-DD"` |
//! | time | `"HH:MM:SS[.ffffff]"` |
//! | timestamp without time zone | `"YYYY-MM-DDTHH:MM:SS[.ffffff]"` |
//! | timestamp with time zone | RFC 3339 in UTC, always with microseconds (nanoseconds when there are any): `"2026-01-01T10:00:00.123456Z"` |
//! | `jsonb` | the JSON itself, nested (never a string of JSON) |
//! | `json` (not jsonb) | a string of its exact text: duplicate keys and spacing kept |
//! | array | a JSON array of its elements' encodings; multi-dimensional arrays nest |
//!
//! Spellings a type cannot parse (PostgreSQL's `infinity` dates, BC dates, `24:00:00`,
//! MySQL's zero date `0000-00-00` and `TIME` beyond a day) are the database's own text, as
//! a string, and are written back as that text; so are the few arrays JSON cannot mirror
//! (an array literal with explicit bounds `[0:1]={1,2}`, a multi-dimensional `jsonb[]`, a
//! `box[]`): a string in an array column is the array's literal.
//!
//! A few cells need a tag to read back unambiguously: a one-key object whose key starts
//! with `$`. They arise from SQLite's dynamic typing (any column may hold any storage
//! class) and from JSON values that would otherwise collide with another spelling:
//!
//! - `{"$json": v}`: the JSON value `v` itself. Used for a `jsonb` `null` (distinct from
//!   SQL NULL), for a JSON value that is itself a one-key `$` object, and for JSON scalars in
//!   columns that are not `jsonb`.
//! - `{"$blob": "base64"}`: bytes in a column whose type is not binary.
//! - `{"$text": "..."}`: text in a binary column, or text spelling `NaN`, `Infinity`,
//!   `-Infinity` or `-0` in a float column.
//! - `{"$real": x}`: a float outside a float column that a plain number cannot carry
//!   (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`).
//!
//! Reading back ([`from_json`]) gives the value the writer benefits from: a
//! `TimestampTz` for an RFC 3339 string in a `timestamptz` column, `Bytes` for base64 in a
//! binary column, `Json` for anything in a `jsonb` column, an `Array` for a JSON array in
//! an array column, a `Decimal` for a string in a numeric column, and text for the special
//! spellings. It depends on the target backend in one way: on SQLite every string is text
//! (SQLite keeps dates, decimals and JSON as the text it was given), except base64 in
//! binary columns and the float spellings in float columns.
//!
//! Known limit: JSON numbers inside `jsonb` go through `serde_json`, which keeps integers
//! exactly but other numbers as `f64`, so `1.50` reads back `1.5` and digits beyond an
//! `f64`'s precision are rounded (serde_json's `arbitrary_precision` feature would keep them).
//!
//! # The rooms
//!
//! - `write`: values to snapshot JSON — the fast [`write_json`] path every cell of a
//!   snapshot goes through, [`to_json`] (its reference), and [`JsonLines`], which turns raw
//!   binary `COPY` rows into lines.
//! - `read`: snapshot JSON back to values ([`from_json`]), per column type and backend, and
//!   [`CodecError`] for a value that does not fit.
//! - `tags`: the `$` tags and the float spellings JSON numbers cannot carry, shared by both
//!   directions.
//! - `tests`: the contract above, value by value.

mod read;
mod tags;
#[cfg(test)]
mod tests;
mod write;

pub use self::read::CodecError;
pub(crate) use self::read::from_json;
#[cfg(test)]
pub(crate) use self::write::to_json;
pub(crate) use self::write::{JsonLines, write_json};
