//! Text columns: very short and fixed-width ones hold codes that fit (`char(2)` country
//! codes, `char(7)` colours); longer ones get a fake when the name says what they hold
//! (`text_by_name`), else lorem text cut to the declared length.

use super::text_by_name::text_by_name;
use super::words::Words;
use crate::generate::fakes::FakeKind;
use crate::generate::generator::Generator;
use crate::schema::Table;
use crate::value::Value;

/// Text is cut to this many characters when nothing else is known.
const DEFAULT_TEXT_CHARS: usize = 40;
/// Shorter text columns (and fixed-width ones up to `FIXED_CODE_CHARS`) hold codes.
const SHORT_TEXT_CHARS: u32 = 8;
const FIXED_CODE_CHARS: u32 = 16;

pub(super) fn text(table: &Table, name: &Words, max_length: Option<u32>, fixed: bool) -> Generator {
    if let Some(n) = max_length
        && (n < SHORT_TEXT_CHARS || (fixed && n <= FIXED_CODE_CHARS))
    {
        return short_text(name, n);
    }
    text_by_name(table, name).unwrap_or(Generator::Text {
        max_chars: max_length.map_or(DEFAULT_TEXT_CHARS, |n| (n as usize).min(DEFAULT_TEXT_CHARS)),
    })
}

/// A code that fits `len` characters: a known one when the name says which, else text.
fn short_text(name: &Words, len: u32) -> Generator {
    let fake = |kind| Generator::Fake(kind);
    match len {
        2.. if name.has("country") => fake(FakeKind::CountryCode),
        3.. if name.has("currency") => fake(FakeKind::CurrencyCode),
        2.. if name.has_any(&["state", "prefecture", "province"]) => fake(FakeKind::StateAbbr),
        5.. if name.is_zip() => fake(FakeKind::Zip),
        7.. if name.is_color() => fake(FakeKind::HexColor),
        2.. if name.has_any(&["lang", "language", "locale"]) => {
            one_of(&["de", "en", "es", "fr", "ja", "zh"])
        }
        1.. if name.has_any(&["gender", "sex"]) => one_of(&["F", "M"]),
        _ => Generator::Text {
            max_chars: len as usize,
        },
    }
}

pub(super) fn one_of(values: &[&str]) -> Generator {
    Generator::OneOf {
        values: values.iter().map(|v| Value::Text(v.to_string())).collect(),
        weights: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::infer::test_columns::{char_, fake, infer_one, text, texts, varchar};

    #[test]
    fn other_text_columns_get_lorem_cut_to_their_length() {
        assert_eq!(
            infer_one("reference", text()),
            Generator::Text { max_chars: 40 }
        );
        assert_eq!(
            infer_one("misc", varchar(20)),
            Generator::Text { max_chars: 20 }
        );
        assert_eq!(
            infer_one("misc", varchar(255)),
            Generator::Text { max_chars: 40 }
        );
        // Whole words only: `shipping` holds no `ip`, `created_at` text is not a date.
        assert_eq!(
            infer_one("shipping", text()),
            Generator::Text { max_chars: 40 }
        );
        assert_eq!(
            infer_one("created_at", text()),
            Generator::Text { max_chars: 40 }
        );
        assert_eq!(
            infer_one("external_id", text()),
            Generator::Text { max_chars: 40 }
        );
    }

    #[test]
    fn very_short_and_fixed_columns_get_codes_that_fit() {
        assert_eq!(
            infer_one("nickname", varchar(5)),
            Generator::Text { max_chars: 5 }
        );
        assert_eq!(
            infer_one("name", varchar(7)),
            Generator::Text { max_chars: 7 }
        );
        assert_eq!(infer_one("country", char_(2)), fake(FakeKind::CountryCode));
        assert_eq!(
            infer_one("currency", char_(3)),
            fake(FakeKind::CurrencyCode)
        );
        assert_eq!(infer_one("color", char_(7)), fake(FakeKind::HexColor));
        assert_eq!(infer_one("zip", char_(5)), fake(FakeKind::Zip));
        assert_eq!(
            infer_one("code", char_(10)),
            Generator::Text { max_chars: 10 }
        );
        assert_eq!(
            infer_one("sex", char_(1)),
            Generator::OneOf {
                values: texts(&["F", "M"]),
                weights: vec![]
            }
        );
        // A long fixed column is just text.
        assert_eq!(infer_one("email", char_(64)), fake(FakeKind::SafeEmail));
    }
}
