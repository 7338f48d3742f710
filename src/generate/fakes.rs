//! The catalog of `fake` generators by name, in every locale the `fake` crate has.
//!
//! A spec names a kind (`fake = "safe_email"`) and a locale (`locale = "ja_jp"`); this file
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

use fake::Fake;
use fake::faker::impls::address::CityNameGenFn;
use fake::faker::{
    address::raw as address, barcode::raw as barcode, company::raw as company,
    creditcard::raw as creditcard, currency::raw as currency, filesystem::raw as filesystem,
    finance::raw as finance, internet::raw as internet, job::raw as job, lorem::raw as lorem,
    name::raw as name, phone_number::raw as phone,
};
use fake::locales::{
    AR_SA, CY_GB, DE_DE, Data, EN, FA_IR, FR_FR, IT_IT, JA_JP, NL_NL, PT_BR, PT_PT, TR_TR, ZH_CN,
    ZH_TW,
};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

/// Declares [`Locale`] and its names, which must be listed in sorted order: one variant
/// per locale module of `fake::locales`.
macro_rules! locales {
    ($($(#[$attr:meta])* $variant:ident => $name:literal, $data:ident;)+) => {
        /// A locale of the `fake` crate.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub enum Locale {
            $($(#[$attr])* $variant,)+
        }

        const LOCALE_NAMES: &[&str] = &[$($name,)+];

        impl Locale {
            /// The spec name of this locale (`en`, `ja_jp`, ...).
            pub fn name(self) -> &'static str {
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
        fn draw_localized(kind: FakeKind, locale: Locale, rng: &mut ChaCha8Rng) -> String {
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
    pub fn parse(name: &str) -> Option<Locale> {
        Locale::parse_canonical(&name.trim().to_ascii_lowercase().replace('-', "_"))
    }

    /// Every locale name `parse` accepts, sorted.
    pub fn names() -> &'static [&'static str] {
        LOCALE_NAMES
    }
}

/// Declares [`FakeKind`] with its spec names, which must be listed in sorted order.
macro_rules! kinds {
    ($($variant:ident => $name:literal, $doc:literal;)+) => {
        /// A kind of fake value, by its spec name (`name`, `safe_email`, `company_name`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum FakeKind {
            $(#[doc = $doc] $variant,)+
        }

        const KIND_NAMES: &[&str] = &[$($name,)+];

        impl FakeKind {
            /// The spec name of this kind.
            pub fn name(self) -> &'static str {
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
    pub fn parse(name: &str) -> Option<FakeKind> {
        let wanted = name.trim().to_ascii_lowercase();
        FakeKind::parse_canonical(&wanted).or_else(|| {
            KIND_ALIASES
                .iter()
                .find(|(alias, _)| *alias == wanted)
                .map(|(_, kind)| *kind)
        })
    }

    /// Every kind's spec name, sorted (`parse` also takes the aliases listed above).
    pub fn names() -> &'static [&'static str] {
        KIND_NAMES
    }

    /// Draws one value in `locale`.
    pub fn generate(self, locale: Locale, rng: &mut ChaCha8Rng) -> String {
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

/// Kinds made here without locale data; `None` for the others.
fn draw_unlocalized(kind: FakeKind, rng: &mut ChaCha8Rng) -> Option<String> {
    let value = match kind {
        FakeKind::Latitude => format!("{:.6}", rng.random_range(-90.0..=90.0f64)),
        FakeKind::Longitude => format!("{:.6}", rng.random_range(-180.0..180.0f64)),
        FakeKind::HexColor => {
            let [r, g, b]: [u8; 3] = rng.random();
            format!("#{r:02x}{g:02x}{b:02x}")
        }
        FakeKind::RgbColor => {
            let [r, g, b]: [u8; 3] = rng.random();
            format!("rgb({r}, {g}, {b})")
        }
        FakeKind::Color => COLOR_NAMES
            .choose(rng)
            .copied()
            .unwrap_or("black")
            .to_string(),
        _ => return None,
    };
    Some(value)
}

/// CSS named colours (CSS Color Module Level 4, §6.1), a common subset.
const COLOR_NAMES: &[&str] = &[
    "aqua",
    "beige",
    "black",
    "blue",
    "brown",
    "coral",
    "crimson",
    "cyan",
    "gold",
    "gray",
    "green",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lime",
    "magenta",
    "maroon",
    "navy",
    "olive",
    "orange",
    "orchid",
    "pink",
    "plum",
    "purple",
    "red",
    "salmon",
    "silver",
    "tan",
    "teal",
    "tomato",
    "turquoise",
    "violet",
    "white",
    "yellow",
];

/// Japanese data `fake` 5.1 lacks: its `ja_jp` falls back to US states, zip codes and
/// English street suffixes.
fn draw_japanese(kind: FakeKind, rng: &mut ChaCha8Rng) -> Option<String> {
    match kind {
        FakeKind::City => {
            let name: String = name::LastName(JA_JP).fake_with_rng(rng);
            Some(format!("{name}市"))
        }
        // 〇〇町N丁目N-N: town, block group, block and building.
        FakeKind::StreetAddress => {
            let town: String = name::LastName(JA_JP).fake_with_rng(rng);
            Some(format!(
                "{town}町{}丁目{}-{}",
                rng.random_range(1..10u32),
                rng.random_range(1..31u32),
                rng.random_range(1..21u32)
            ))
        }
        FakeKind::State => PREFECTURES.choose(rng).map(|p| p.to_string()),
        // Japanese postal codes are NNN-NNNN.
        FakeKind::PostCode | FakeKind::Zip => Some(format!(
            "{:03}-{:04}",
            rng.random_range(1..1000u32),
            rng.random_range(0..10_000u32)
        )),
        _ => None,
    }
}

/// The 47 prefectures of Japan.
const PREFECTURES: &[&str] = &[
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// What a locale type must offer to draw every kind.
trait LocaleData: Data + CityNameGenFn + Copy {}

impl<L: Data + CityNameGenFn + Copy> LocaleData for L {}

/// Draws `kind` with `fake`'s faker for it, in locale `L`.
fn draw<L: LocaleData>(kind: FakeKind, l: L, rng: &mut ChaCha8Rng) -> String {
    match kind {
        FakeKind::Name => name::Name(l).fake_with_rng(rng),
        FakeKind::FirstName => name::FirstName(l).fake_with_rng(rng),
        FakeKind::LastName => name::LastName(l).fake_with_rng(rng),
        FakeKind::NameWithTitle => name::NameWithTitle(l).fake_with_rng(rng),
        FakeKind::Title => name::Title(l).fake_with_rng(rng),
        FakeKind::NameSuffix => name::Suffix(l).fake_with_rng(rng),

        FakeKind::Email | FakeKind::FreeEmail => internet::FreeEmail(l).fake_with_rng(rng),
        FakeKind::SafeEmail => internet::SafeEmail(l).fake_with_rng(rng),
        FakeKind::Username => internet::Username(l).fake_with_rng(rng),
        FakeKind::Password => internet::Password(l, 8..21).fake_with_rng(rng),
        FakeKind::DomainSuffix => internet::DomainSuffix(l).fake_with_rng(rng),
        FakeKind::Ipv4 => internet::IPv4(l).fake_with_rng(rng),
        FakeKind::Ipv6 => internet::IPv6(l).fake_with_rng(rng),
        FakeKind::MacAddress => internet::MACAddress(l).fake_with_rng(rng),
        FakeKind::UserAgent => internet::UserAgent(l).fake_with_rng(rng),
        FakeKind::Url => {
            let first: String = lorem::Word(l).fake_with_rng(rng);
            let second: String = lorem::Word(l).fake_with_rng(rng);
            let suffix: String = internet::DomainSuffix(l).fake_with_rng(rng);
            format!("https://www.{first}-{second}.{suffix}/")
        }

        FakeKind::Phone => phone::PhoneNumber(l).fake_with_rng(rng),
        FakeKind::CellPhone => phone::CellNumber(l).fake_with_rng(rng),

        FakeKind::StreetAddress => {
            let number: String = address::BuildingNumber(l).fake_with_rng(rng);
            let street: String = address::StreetName(l).fake_with_rng(rng);
            format!("{number} {street}")
        }
        FakeKind::StreetName => address::StreetName(l).fake_with_rng(rng),
        FakeKind::StreetSuffix => address::StreetSuffix(l).fake_with_rng(rng),
        FakeKind::BuildingNumber => address::BuildingNumber(l).fake_with_rng(rng),
        FakeKind::SecondaryAddress => address::SecondaryAddress(l).fake_with_rng(rng),
        FakeKind::City => address::CityName(l).fake_with_rng(rng),
        FakeKind::State => address::StateName(l).fake_with_rng(rng),
        FakeKind::StateAbbr => address::StateAbbr(l).fake_with_rng(rng),
        FakeKind::Zip => address::ZipCode(l).fake_with_rng(rng),
        FakeKind::PostCode => address::PostCode(l).fake_with_rng(rng),
        FakeKind::Country => address::CountryName(l).fake_with_rng(rng),
        FakeKind::CountryCode => address::CountryCode(l).fake_with_rng(rng),
        FakeKind::TimeZone => address::TimeZone(l).fake_with_rng(rng),

        FakeKind::CompanyName => company::CompanyName(l).fake_with_rng(rng),
        FakeKind::CompanySuffix => company::CompanySuffix(l).fake_with_rng(rng),
        FakeKind::Industry => company::Industry(l).fake_with_rng(rng),
        FakeKind::Profession => company::Profession(l).fake_with_rng(rng),
        FakeKind::CatchPhrase => company::CatchPhrase(l).fake_with_rng(rng),
        FakeKind::Buzzword => company::Buzzword(l).fake_with_rng(rng),
        FakeKind::JobTitle => job::Title(l).fake_with_rng(rng),

        FakeKind::Word => lorem::Word(l).fake_with_rng(rng),
        FakeKind::Words => lorem::Words(l, 3..7)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join(" "),
        FakeKind::Sentence => lorem::Sentence(l, 4..10).fake_with_rng(rng),
        FakeKind::Sentences => lorem::Sentences(l, 2..4)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join(" "),
        FakeKind::Paragraph => lorem::Paragraph(l, 3..6).fake_with_rng(rng),
        FakeKind::Paragraphs => lorem::Paragraphs(l, 2..4)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join("\n\n"),

        FakeKind::CurrencyCode => currency::CurrencyCode(l).fake_with_rng(rng),
        FakeKind::CurrencyName => currency::CurrencyName(l).fake_with_rng(rng),
        FakeKind::CurrencySymbol => currency::CurrencySymbol(l).fake_with_rng(rng),
        FakeKind::FileName => filesystem::FileName(l).fake_with_rng(rng),
        FakeKind::FileExtension => filesystem::FileExtension(l).fake_with_rng(rng),
        FakeKind::FilePath => filesystem::FilePath(l).fake_with_rng(rng),
        FakeKind::MimeType => filesystem::MimeType(l).fake_with_rng(rng),
        FakeKind::Semver => filesystem::Semver(l).fake_with_rng(rng),
        FakeKind::Isbn => barcode::Isbn(l).fake_with_rng(rng),
        FakeKind::Isbn10 => barcode::Isbn10(l).fake_with_rng(rng),
        FakeKind::Isbn13 => barcode::Isbn13(l).fake_with_rng(rng),
        FakeKind::CreditCard => creditcard::CreditCardNumber(l).fake_with_rng(rng),
        FakeKind::Bic => finance::Bic(l).fake_with_rng(rng),
        FakeKind::Isin => finance::Isin(l).fake_with_rng(rng),

        // Made by `draw_unlocalized`; drawn here only if called directly.
        FakeKind::Latitude
        | FakeKind::Longitude
        | FakeKind::HexColor
        | FakeKind::RgbColor
        | FakeKind::Color => draw_unlocalized(kind, rng).unwrap_or_default(),
    }
}

/// `value` as the ASCII `kind` needs, or `None` when it does not fold to ASCII.
fn to_ascii(kind: FakeKind, value: &str) -> Option<String> {
    match kind {
        FakeKind::Email | FakeKind::FreeEmail | FakeKind::SafeEmail => {
            let (local, domain) = value.split_once('@')?;
            let local = fold_identifier(local)?;
            let domain = fold_identifier(domain)?;
            Some(format!("{local}@{domain}"))
        }
        FakeKind::Username => fold_identifier(value),
        FakeKind::Url => {
            let host = value.strip_prefix("https://www.")?.strip_suffix('/')?;
            Some(format!("https://www.{}/", fold_identifier(host)?))
        }
        _ => Some(value.to_string()),
    }
}

/// Lowercases `text`, folds Latin diacritics to ASCII and keeps only `a-z 0-9 . _ + -`;
/// `None` when a letter has no ASCII form or nothing is left.
fn fold_identifier(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '+' | '-' => out.push(c),
            c if c.is_ascii() => {}
            c => out.push_str(fold_letter(c)?),
        }
    }
    let out = out.trim_matches(['.', '-']).to_string();
    (!out.is_empty()).then_some(out)
}

/// The ASCII spelling of a lowercase Latin letter with a diacritic (French, German,
/// Italian, Portuguese, Dutch, Turkish, Welsh names).
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ı' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'œ' => "oe",
        'ş' | 'š' => "s",
        'ß' => "ss",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ž' => "z",
        '\'' | '’' | ' ' => "",
        _ => return None,
    })
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
    fn japanese_prefectures_and_postal_codes_look_japanese() {
        let mut rng = rng(6);
        let city = FakeKind::City.generate(Locale::JaJp, &mut rng);
        assert!(city.ends_with('市'), "{city}");
        let address = FakeKind::StreetAddress.generate(Locale::JaJp, &mut rng);
        assert!(address.contains("丁目"), "{address}");
        let state = FakeKind::State.generate(Locale::JaJp, &mut rng);
        assert!(PREFECTURES.contains(&state.as_str()), "{state}");
        let code = FakeKind::PostCode.generate(Locale::JaJp, &mut rng);
        assert!(code.len() == 8 && code.as_bytes()[3] == b'-', "{code}");
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

    #[test]
    fn diacritics_fold_to_ascii() {
        assert_eq!(fold_identifier("Hélène").as_deref(), Some("helene"));
        assert_eq!(fold_identifier("Müßig").as_deref(), Some("mussig"));
        assert_eq!(fold_identifier("太郎"), None);
    }
}
