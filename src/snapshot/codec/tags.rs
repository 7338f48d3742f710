//! The vocabulary both directions of the codec share: the four one-key `$` tags that keep
//! a cell from reading back as something else, and the strings standing for the floats a
//! JSON number cannot carry (`NaN`, the infinities, `-0`). Writing decides here whether a
//! cell needs a tag; reading recognises one here.
//!
//! The small predicates are `#[inline]`: they sit on the per-cell paths of
//! [`super::write_json`] and [`super::from_json`], which live in other files.

use serde_json::{Map, Value as Json};

use crate::schema::ColumnType;

/// The tag of a JSON value taken literally.
pub(super) const TAG_JSON: &str = "$json";
/// The tag of bytes outside a binary column.
pub(super) const TAG_BLOB: &str = "$blob";
/// The tag of text a plain string would misread.
pub(super) const TAG_TEXT: &str = "$text";
/// The tag of a float a plain number cannot carry.
pub(super) const TAG_REAL: &str = "$real";

const TAGS: [&str; 4] = [TAG_JSON, TAG_BLOB, TAG_TEXT, TAG_REAL];

/// The string a float JSON numbers cannot carry is spelled as.
pub(super) fn float_spelling(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("Infinity")
    } else if f == f64::NEG_INFINITY {
        Some("-Infinity")
    } else if f == 0.0 && f.is_sign_negative() {
        Some("-0")
    } else {
        None
    }
}

/// The float a string spells, if it is one of the spellings [`float_spelling`] writes.
#[inline]
pub(super) fn parse_float_spelling(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        "-0" => Some(-0.0),
        _ => None,
    }
}

/// Whether `ty` is a float column, where the spellings are floats, not text.
#[inline]
pub(super) fn is_float(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Float { .. })
}

/// Whether a JSON value must be wrapped in `{"$json": ...}` to read back as itself: a
/// `null` (else SQL NULL), a one-key `$` object (else a tag), and, outside `jsonb`
/// columns, any scalar (else text, a number or a boolean).
#[inline]
pub(super) fn needs_json_tag(j: &Json, ty: &ColumnType) -> bool {
    match j {
        Json::Null => true,
        Json::Object(map) => single_tag(map).is_some(),
        Json::Array(_) => false,
        Json::Bool(_) | Json::Number(_) | Json::String(_) => !matches!(ty, ColumnType::Jsonb),
    }
}

/// The tag and its value, when `map` is one of the one-key `$` objects.
// `always`: with a plain hint LLVM kept a call to it in `write_json` and `to_json` once it
// lived in another file; in one file it was inlined everywhere.
#[inline(always)]
pub(super) fn single_tag(map: &Map<String, Json>) -> Option<(&str, &Json)> {
    if map.len() != 1 {
        return None;
    }
    let (key, value) = map.iter().next()?;
    TAGS.contains(&key.as_str())
        .then_some((key.as_str(), value))
}

/// `{"name": inner}`.
pub(super) fn tag(name: &str, inner: Json) -> Json {
    let mut map = Map::new();
    map.insert(name.to_string(), inner);
    Json::Object(map)
}
