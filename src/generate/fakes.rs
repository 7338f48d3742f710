//! The catalog of `fake` generators by name, in every locale the `fake` crate has.

use rand_chacha::ChaCha8Rng;

/// A locale of the `fake` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    JaJp,
}

impl Locale {
    /// Parses a spec's `locale` (`en`, `ja_jp`, ...); `None` when unknown.
    pub fn parse(name: &str) -> Option<Locale> {
        let _ = name;
        todo!()
    }

    /// Every locale name `parse` accepts.
    pub fn names() -> &'static [&'static str] {
        todo!()
    }
}

/// A kind of fake value, by its spec name (`name`, `safe_email`, `company_name`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKind {
    Name,
    Sentence,
}

impl FakeKind {
    /// Parses a spec's `fake = "..."`; `None` when unknown.
    pub fn parse(name: &str) -> Option<FakeKind> {
        let _ = name;
        todo!()
    }

    /// Every name `parse` accepts, sorted.
    pub fn names() -> &'static [&'static str] {
        todo!()
    }

    /// The spec name of this kind.
    pub fn name(self) -> &'static str {
        todo!()
    }

    /// Draws one value in `locale`.
    pub fn generate(self, locale: Locale, rng: &mut ChaCha8Rng) -> String {
        let _ = (locale, rng);
        todo!()
    }
}
