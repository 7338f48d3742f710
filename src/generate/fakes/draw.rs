//! Drawing a kind with the `fake` crate's faker for it, in one locale's data: a lookup from
//! kind to faker, one arm per kind, grouped as `fake` groups its fakers. It stays a single
//! exhaustive `match` on purpose: a new kind cannot compile without its faker, and a value
//! costs one jump, however many kinds there are. The two kinds composed of several fakers
//! (URLs, street addresses) are named steps below it.

use fake::Fake;
use fake::faker::impls::address::CityNameGenFn;
use fake::faker::{
    address::raw as address, barcode::raw as barcode, company::raw as company,
    creditcard::raw as creditcard, currency::raw as currency, filesystem::raw as filesystem,
    finance::raw as finance, internet::raw as internet, job::raw as job, lorem::raw as lorem,
    name::raw as name, phone_number::raw as phone,
};
use fake::locales::Data;
use rand_chacha::ChaCha8Rng;

use super::FakeKind as K;
use super::unlocalized::draw_unlocalized;

/// What a locale type must offer to draw every kind.
pub(super) trait LocaleData: Data + CityNameGenFn + Copy {}

impl<L: Data + CityNameGenFn + Copy> LocaleData for L {}

/// Draws `kind` with `fake`'s faker for it, in locale `L`.
pub(super) fn draw<L: LocaleData>(kind: K, l: L, rng: &mut ChaCha8Rng) -> String {
    match kind {
        // People.
        K::Name => name::Name(l).fake_with_rng(rng),
        K::FirstName => name::FirstName(l).fake_with_rng(rng),
        K::LastName => name::LastName(l).fake_with_rng(rng),
        K::NameWithTitle => name::NameWithTitle(l).fake_with_rng(rng),
        K::Title => name::Title(l).fake_with_rng(rng),
        K::NameSuffix => name::Suffix(l).fake_with_rng(rng),
        // The internet.
        K::Email | K::FreeEmail => internet::FreeEmail(l).fake_with_rng(rng),
        K::SafeEmail => internet::SafeEmail(l).fake_with_rng(rng),
        K::Username => internet::Username(l).fake_with_rng(rng),
        K::Password => internet::Password(l, 8..21).fake_with_rng(rng),
        K::DomainSuffix => internet::DomainSuffix(l).fake_with_rng(rng),
        K::Ipv4 => internet::IPv4(l).fake_with_rng(rng),
        K::Ipv6 => internet::IPv6(l).fake_with_rng(rng),
        K::MacAddress => internet::MACAddress(l).fake_with_rng(rng),
        K::UserAgent => internet::UserAgent(l).fake_with_rng(rng),
        K::Url => url(l, rng),
        // Phone numbers and postal addresses.
        K::Phone => phone::PhoneNumber(l).fake_with_rng(rng),
        K::CellPhone => phone::CellNumber(l).fake_with_rng(rng),
        K::StreetAddress => street_address(l, rng),
        K::StreetName => address::StreetName(l).fake_with_rng(rng),
        K::StreetSuffix => address::StreetSuffix(l).fake_with_rng(rng),
        K::BuildingNumber => address::BuildingNumber(l).fake_with_rng(rng),
        K::SecondaryAddress => address::SecondaryAddress(l).fake_with_rng(rng),
        K::City => address::CityName(l).fake_with_rng(rng),
        K::State => address::StateName(l).fake_with_rng(rng),
        K::StateAbbr => address::StateAbbr(l).fake_with_rng(rng),
        K::Zip => address::ZipCode(l).fake_with_rng(rng),
        K::PostCode => address::PostCode(l).fake_with_rng(rng),
        K::Country => address::CountryName(l).fake_with_rng(rng),
        K::CountryCode => address::CountryCode(l).fake_with_rng(rng),
        K::TimeZone => address::TimeZone(l).fake_with_rng(rng),
        // Companies and jobs.
        K::CompanyName => company::CompanyName(l).fake_with_rng(rng),
        K::CompanySuffix => company::CompanySuffix(l).fake_with_rng(rng),
        K::Industry => company::Industry(l).fake_with_rng(rng),
        K::Profession => company::Profession(l).fake_with_rng(rng),
        K::CatchPhrase => company::CatchPhrase(l).fake_with_rng(rng),
        K::Buzzword => company::Buzzword(l).fake_with_rng(rng),
        K::JobTitle => job::Title(l).fake_with_rng(rng),
        // Lorem text.
        K::Word => lorem::Word(l).fake_with_rng(rng),
        K::Words => lorem::Words(l, 3..7)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join(" "),
        K::Sentence => lorem::Sentence(l, 4..10).fake_with_rng(rng),
        K::Sentences => lorem::Sentences(l, 2..4)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join(" "),
        K::Paragraph => lorem::Paragraph(l, 3..6).fake_with_rng(rng),
        K::Paragraphs => lorem::Paragraphs(l, 2..4)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join("\n\n"),
        // Currencies, files, book, card and bank numbers.
        K::CurrencyCode => currency::CurrencyCode(l).fake_with_rng(rng),
        K::CurrencyName => currency::CurrencyName(l).fake_with_rng(rng),
        K::CurrencySymbol => currency::CurrencySymbol(l).fake_with_rng(rng),
        K::FileName => filesystem::FileName(l).fake_with_rng(rng),
        K::FileExtension => filesystem::FileExtension(l).fake_with_rng(rng),
        K::FilePath => filesystem::FilePath(l).fake_with_rng(rng),
        K::MimeType => filesystem::MimeType(l).fake_with_rng(rng),
        K::Semver => filesystem::Semver(l).fake_with_rng(rng),
        K::Isbn => barcode::Isbn(l).fake_with_rng(rng),
        K::Isbn10 => barcode::Isbn10(l).fake_with_rng(rng),
        K::Isbn13 => barcode::Isbn13(l).fake_with_rng(rng),
        K::CreditCard => creditcard::CreditCardNumber(l).fake_with_rng(rng),
        K::Bic => finance::Bic(l).fake_with_rng(rng),
        K::Isin => finance::Isin(l).fake_with_rng(rng),
        // Made by `draw_unlocalized`; drawn here only if called directly.
        K::Latitude | K::Longitude | K::HexColor | K::RgbColor | K::Color => {
            draw_unlocalized(kind, rng).unwrap_or_default()
        }
    }
}

/// An https URL of two lorem words and a domain suffix (`fake` has no URL faker).
fn url<L: LocaleData>(l: L, rng: &mut ChaCha8Rng) -> String {
    let first: String = lorem::Word(l).fake_with_rng(rng);
    let second: String = lorem::Word(l).fake_with_rng(rng);
    let suffix: String = internet::DomainSuffix(l).fake_with_rng(rng);
    format!("https://www.{first}-{second}.{suffix}/")
}

/// A building number and a street name (`fake` has no street-address faker).
fn street_address<L: LocaleData>(l: L, rng: &mut ChaCha8Rng) -> String {
    let number: String = address::BuildingNumber(l).fake_with_rng(rng);
    let street: String = address::StreetName(l).fake_with_rng(rng);
    format!("{number} {street}")
}
