//! The catalog: every locale and every kind of fake value by its spec name (`ja_jp`,
//! `safe_email`), with the other spellings `parse` accepts. Each list is written once, in
//! sorted order, and a macro derives the enum, the names and the parsing from it; the
//! locale list also ties each locale to its `fake` data, to draw in it.

use fake::locales::{
    AR_SA, CY_GB, DE_DE, EN, FA_IR, FR_FR, IT_IT, JA_JP, NL_NL, PT_BR, PT_PT, TR_TR, ZH_CN, ZH_TW,
};
use rand_chacha::ChaCha8Rng;

use super::draw::draw;

/// Declares [`Locale`] and its names, which must be listed in sorted order: one variant
/// per locale module of `fake::locales`.
macro_rules! locales {
    ($($(#[$attr:meta])* $variant:ident => $name:literal, $data:ident;)+) => {
        /// A locale of the `fake` crate.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub(crate) enum Locale {
            $($(#[$attr])* $variant,)+
        }

        const LOCALE_NAMES: &[&str] = &[$($name,)+];

        impl Locale {
            /// The spec name of this locale (`en`, `ja_jp`, ...).
            #[cfg(test)]
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Locale::$variant => $name,)+
                }
            }

            fn parse_canonical(name: &str) -> Option<Locale> {
                match name {
                    $($name => Some(Locale::$variant),)+
                    _ => None,
                }
            }
        }

        /// Draws `kind` with the `fake` data of `locale`.
        pub(super) fn draw_localized(kind: FakeKind, locale: Locale, rng: &mut ChaCha8Rng) -> String {
            match locale {
                $(Locale::$variant => draw(kind, $data, rng),)+
            }
        }
    };
}

locales! {
    ArSa => "ar_sa", AR_SA;
    CyGb => "cy_gb", CY_GB;
    DeDe => "de_de", DE_DE;
    #[default]
    En => "en", EN;
    FaIr => "fa_ir", FA_IR;
    FrFr => "fr_fr", FR_FR;
    ItIt => "it_it", IT_IT;
    JaJp => "ja_jp", JA_JP;
    NlNl => "nl_nl", NL_NL;
    PtBr => "pt_br", PT_BR;
    PtPt => "pt_pt", PT_PT;
    TrTr => "tr_tr", TR_TR;
    ZhCn => "zh_cn", ZH_CN;
    ZhTw => "zh_tw", ZH_TW;
}

impl Locale {
    /// Parses a spec's `locale` (`en`, `ja_jp`, ...); `None` when unknown. Case does not
    /// matter and `-` may stand for `_` (`ja_JP`, `ja-jp`).
    pub(crate) fn parse(name: &str) -> Option<Locale> {
        Locale::parse_canonical(&name.trim().to_ascii_lowercase().replace('-', "_"))
    }

    /// Every locale name `parse` accepts, sorted.
    pub(crate) fn names() -> &'static [&'static str] {
        LOCALE_NAMES
    }
}

/// Declares [`FakeKind`] with its spec names, which must be listed in sorted order.
macro_rules! kinds {
    ($($variant:ident => $name:literal, $doc:literal;)+) => {
        /// A kind of fake value, by its spec name (`name`, `safe_email`, `company_name`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum FakeKind {
            $(#[doc = $doc] $variant,)+
        }

        const KIND_NAMES: &[&str] = &[$($name,)+];

        impl FakeKind {
            /// The spec name of this kind.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(FakeKind::$variant => $name,)+
                }
            }

            fn parse_canonical(name: &str) -> Option<FakeKind> {
                match name {
                    $($name => Some(FakeKind::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    Bic => "bic", "A bank identifier code (`DEUTDEFF500`).";
    BuildingNumber => "building_number", "A building number.";
    Buzzword => "buzzword", "A business buzzword.";
    CatchPhrase => "catch_phrase", "A company catch phrase.";
    CellPhone => "cell_phone", "A mobile phone number.";
    City => "city", "A city name.";
    Color => "color", "A CSS colour name (`teal`).";
    CompanyName => "company_name", "A company name.";
    CompanySuffix => "company_suffix", "A company suffix (`LLC`, `株式会社`).";
    Country => "country", "A country name.";
    CountryCode => "country_code", "A country code.";
    CreditCard => "credit_card", "A credit card number that passes the Luhn check.";
    CurrencyCode => "currency_code", "An ISO 4217 currency code.";
    CurrencyName => "currency_name", "A currency name.";
    CurrencySymbol => "currency_symbol", "A currency symbol.";
    DomainSuffix => "domain_suffix", "A domain suffix (`com`, `io`).";
    Email => "email", "An email address at a free provider (`gmail.com`, ...).";
    FileExtension => "file_extension", "A file extension.";
    FileName => "file_name", "A file name with its extension.";
    FilePath => "file_path", "An absolute file path.";
    FirstName => "first_name", "A given name.";
    FreeEmail => "free_email", "An email address at a free provider (`gmail.com`, ...).";
    HexColor => "hex_color", "A colour as `#rrggbb`.";
    Industry => "industry", "An industry.";
    Ipv4 => "ipv4", "An IPv4 address.";
    Ipv6 => "ipv6", "An IPv6 address.";
    Isbn => "isbn", "An ISBN-13 with hyphens.";
    Isbn10 => "isbn10", "An ISBN-10.";
    Isbn13 => "isbn13", "An ISBN-13.";
    Isin => "isin", "An international securities identification number.";
    JobTitle => "job_title", "A job title.";
    LastName => "last_name", "A family name.";
    Latitude => "latitude", "A latitude in degrees, six decimals.";
    Longitude => "longitude", "A longitude in degrees, six decimals.";
    MacAddress => "mac_address", "A MAC address.";
    MimeType => "mime_type", "A MIME type.";
    Name => "name", "A full name in the locale's order.";
    NameSuffix => "name_suffix", "A name suffix (`Jr.`).";
    NameWithTitle => "name_with_title", "A full name with a title.";
    Paragraph => "paragraph", "A paragraph of lorem sentences.";
    Paragraphs => "paragraphs", "Two or three paragraphs, separated by a blank line.";
    Password => "password", "A password of 8 to 20 letters and digits.";
    Phone => "phone", "A phone number.";
    PostCode => "post_code", "A post code.";
    Profession => "profession", "A profession.";
    RgbColor => "rgb_color", "A colour as `rgb(r, g, b)`.";
    SafeEmail => "safe_email", "An email address at example.com, example.net or example.org.";
    SecondaryAddress => "secondary_address", "An apartment or suite (`Apt. 12`).";
    Semver => "semver", "A semantic version.";
    Sentence => "sentence", "A lorem sentence of 4 to 9 words.";
    Sentences => "sentences", "Two or three lorem sentences.";
    State => "state", "A state or prefecture.";
    StateAbbr => "state_abbr", "A state's abbreviation.";
    StreetAddress => "street_address", "A building number and street name.";
    StreetName => "street_name", "A street name.";
    StreetSuffix => "street_suffix", "A street suffix (`Avenue`).";
    TimeZone => "time_zone", "An IANA time zone name.";
    Title => "title", "A personal title (`Mr.`, `様`).";
    Url => "url", "An https URL.";
    UserAgent => "user_agent", "A browser user agent string.";
    Username => "username", "A username.";
    Word => "word", "A lorem word.";
    Words => "words", "Three to six lorem words.";
    Zip => "zip", "A zip code.";
}

/// Other spellings `parse` accepts, for the names other tools use.
const KIND_ALIASES: &[(&str, FakeKind)] = &[
    ("cell_number", FakeKind::CellPhone),
    ("phone_number", FakeKind::Phone),
    ("postcode", FakeKind::PostCode),
    ("zip_code", FakeKind::Zip),
];

impl FakeKind {
    /// Parses a spec's `fake = "..."`; `None` when unknown. Case does not matter; a few
    /// common other spellings (`phone_number`, `zip_code`, ...) are accepted too.
    pub(crate) fn parse(name: &str) -> Option<FakeKind> {
        let wanted = name.trim().to_ascii_lowercase();
        FakeKind::parse_canonical(&wanted).or_else(|| {
            KIND_ALIASES
                .iter()
                .find(|(alias, _)| *alias == wanted)
                .map(|(_, kind)| *kind)
        })
    }

    /// Every kind's spec name, sorted (`parse` also takes the aliases listed above).
    pub(crate) fn names() -> &'static [&'static str] {
        KIND_NAMES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_name_parses_and_round_trips() {
        for name in FakeKind::names() {
            let kind = FakeKind::parse(name).expect("listed names parse");
            assert_eq!(kind.name(), *name);
        }
        assert!(FakeKind::names().windows(2).all(|w| w[0] < w[1]), "sorted");
        assert!(FakeKind::names().contains(&"name"));
        assert!(FakeKind::names().contains(&"sentence"));
    }

    #[test]
    fn kind_names_ignore_case_and_accept_aliases() {
        assert_eq!(FakeKind::parse("Safe_Email"), Some(FakeKind::SafeEmail));
        assert_eq!(FakeKind::parse("phone_number"), Some(FakeKind::Phone));
        assert_eq!(FakeKind::parse("zip_code"), Some(FakeKind::Zip));
        assert_eq!(FakeKind::parse("emial"), None);
    }

    #[test]
    fn every_locale_name_parses_and_round_trips() {
        for name in Locale::names() {
            let locale = Locale::parse(name).expect("listed locales parse");
            assert_eq!(locale.name(), *name);
        }
        assert_eq!(Locale::names().len(), 14);
        assert!(Locale::names().windows(2).all(|w| w[0] < w[1]), "sorted");
    }

    #[test]
    fn locale_names_ignore_case_and_dashes() {
        assert_eq!(Locale::parse("ja_JP"), Some(Locale::JaJp));
        assert_eq!(Locale::parse("ja-jp"), Some(Locale::JaJp));
        assert_eq!(Locale::parse("EN"), Some(Locale::En));
        assert_eq!(Locale::parse("xx_yy"), None);
        assert_eq!(Locale::default(), Locale::En);
    }
}
