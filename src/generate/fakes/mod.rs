//! The catalog of `fake` generators by name, in every locale the `fake` crate has.
//!
//! A spec names a kind (`fake = "safe_email"`) and a locale (`locale = "ja_jp"`); this room
//! maps both onto the `fake` crate's fakers. Every draw takes the caller's seeded
//! [`ChaCha8Rng`] and nothing else, so the same RNG state always gives the same text.
//!
//! A few kinds are made here rather than by `fake`: coordinates (fake 5.1's `Longitude`
//! spans -90..270), colours (behind a `fake` feature this crate does not enable), street
//! addresses and URLs (no such faker). Addresses that must be ASCII (emails, usernames,
//! URLs) are folded to ASCII, and redrawn in English when a locale's names cannot be.
//!
//! A locale lacking data for a kind needs no special case: `fake`'s `Data` trait gives every
//! list an English default that a locale only overrides where it has its own (so `ja_jp`
//! lorem words are Latin), and every kind is drawn in every locale by the tests below.
//!
//! This file draws one value, in the order that decides where it comes from; the rooms
//! beside it hold the `catalog` (kinds and locales by name), the `draw` by `fake`'s fakers,
//! the kinds made `unlocalized`, the `japanese` data `fake` lacks, and the `ascii` folding.

mod ascii;
mod catalog;
mod draw;
mod japanese;
mod unlocalized;

use fake::locales::EN;
use rand_chacha::ChaCha8Rng;

use self::ascii::to_ascii;
use self::catalog::draw_localized;
pub(crate) use self::catalog::{FakeKind, Locale};
use self::draw::draw;
use self::japanese::draw_japanese;
use self::unlocalized::draw_unlocalized;

impl FakeKind {
    /// Draws one value in `locale`.
    pub(crate) fn generate(self, locale: Locale, rng: &mut ChaCha8Rng) -> String {
        if let Some(value) = draw_unlocalized(self, rng) {
            return value;
        }
        if locale == Locale::JaJp
            && let Some(value) = draw_japanese(self, rng)
        {
            return value;
        }
        let value = draw_localized(self, locale, rng);
        if !self.must_be_ascii() {
            return value;
        }
        // Emails, usernames and URLs must be ASCII; a locale whose names do not fold to
        // ASCII (Japanese, Chinese, Arabic, Persian) gets English ones instead.
        to_ascii(self, &value).unwrap_or_else(|| {
            let english = draw(self, EN, rng);
            to_ascii(self, &english).unwrap_or(english)
        })
    }

    fn must_be_ascii(self) -> bool {
        matches!(
            self,
            FakeKind::Email
                | FakeKind::FreeEmail
                | FakeKind::SafeEmail
                | FakeKind::Username
                | FakeKind::Url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn all_kinds() -> Vec<FakeKind> {
        FakeKind::names()
            .iter()
            .map(|name| FakeKind::parse(name).expect("a listed name parses"))
            .collect()
    }

    fn all_locales() -> Vec<Locale> {
        Locale::names()
            .iter()
            .map(|name| Locale::parse(name).expect("a listed locale parses"))
            .collect()
    }

    #[test]
    fn every_kind_generates_text_in_every_locale() {
        for locale in all_locales() {
            for kind in all_kinds() {
                let mut rng = rng(11);
                for _ in 0..20 {
                    let value = kind.generate(locale, &mut rng);
                    assert!(!value.trim().is_empty(), "{kind:?} in {locale:?} is empty");
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_value() {
        for locale in all_locales() {
            for kind in all_kinds() {
                let first: Vec<String> = {
                    let mut rng = rng(42);
                    (0..5).map(|_| kind.generate(locale, &mut rng)).collect()
                };
                let second: Vec<String> = {
                    let mut rng = rng(42);
                    (0..5).map(|_| kind.generate(locale, &mut rng)).collect()
                };
                assert_eq!(first, second, "{kind:?} in {locale:?}");
            }
        }
    }

    #[test]
    fn different_seeds_give_different_names() {
        let a: Vec<String> = (0..10)
            .map(|s| FakeKind::Name.generate(Locale::En, &mut rng(s)))
            .collect();
        let distinct: std::collections::HashSet<&String> = a.iter().collect();
        assert!(distinct.len() > 5, "{a:?}");
    }

    #[test]
    fn japanese_names_are_written_in_japanese() {
        let mut rng = rng(5);
        for kind in [FakeKind::Name, FakeKind::FirstName, FakeKind::LastName] {
            let value = kind.generate(Locale::JaJp, &mut rng);
            assert!(
                value
                    .chars()
                    .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')),
                "{kind:?}: {value}"
            );
        }
    }

    #[test]
    fn emails_are_ascii_addresses_in_every_locale() {
        for locale in all_locales() {
            let mut rng = rng(9);
            for kind in [FakeKind::Email, FakeKind::FreeEmail, FakeKind::SafeEmail] {
                for _ in 0..50 {
                    let email = kind.generate(locale, &mut rng);
                    let (local, domain) = email.split_once('@').expect("an @");
                    assert!(email.is_ascii() && !local.is_empty(), "{locale:?}: {email}");
                    assert!(!email.contains(' ') && domain.contains('.'), "{email}");
                }
            }
        }
    }

    #[test]
    fn safe_emails_use_the_reserved_example_domains() {
        for locale in all_locales() {
            let mut rng = rng(3);
            for _ in 0..50 {
                let email = FakeKind::SafeEmail.generate(locale, &mut rng);
                assert!(
                    ["@example.com", "@example.org", "@example.net"]
                        .iter()
                        .any(|d| email.ends_with(d)),
                    "{email}"
                );
            }
        }
    }

    #[test]
    fn usernames_and_urls_are_ascii() {
        for locale in all_locales() {
            let mut rng = rng(4);
            for _ in 0..30 {
                let user = FakeKind::Username.generate(locale, &mut rng);
                let url = FakeKind::Url.generate(locale, &mut rng);
                assert!(user.is_ascii() && !user.contains(' '), "{user}");
                assert!(url.is_ascii() && url.starts_with("https://www."), "{url}");
            }
        }
    }

    #[test]
    fn coordinates_are_in_range() {
        let mut rng = rng(8);
        for _ in 0..500 {
            let lat: f64 = FakeKind::Latitude
                .generate(Locale::En, &mut rng)
                .parse()
                .unwrap();
            let lon: f64 = FakeKind::Longitude
                .generate(Locale::En, &mut rng)
                .parse()
                .unwrap();
            assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
        }
    }
}
