//! The fake for a text column whose name says what it holds: `email`, `first_name_kana`,
//! `postal_code`, `job_title`, `description`... The first rule that matches wins, so the
//! rules are tried in a fixed order, grouped by subject: accounts, the network, contact
//! details, people and work, documents, codes, and last of all plain names.

use super::numbers::coordinate;
use super::text::one_of;
use super::words::Words;
use crate::generate::fakes::FakeKind as K;
use crate::generate::generator::Generator;
use crate::schema::Table;

/// Words that make a plain `name` column (or `<word>_name`) a company's name.
const COMPANY_WORDS: &[&str] = &[
    "company",
    "companies",
    "office",
    "organization",
    "organisation",
    "business",
    "businesses",
    "employer",
    "firm",
    "corporation",
    "vendor",
    "supplier",
    "agency",
    "agencies",
];

/// The fake for a text column, when its name says what it holds.
pub(super) fn text_by_name(table: &Table, name: &Words) -> Option<Generator> {
    // An identifier stored as text (`external_id`) is nobody's name.
    if name.last() == Some("id") {
        return None;
    }
    account(name)
        .or_else(|| network(name))
        .or_else(|| contact(name))
        .or_else(|| people_and_work(name))
        .or_else(|| documents(name))
        .or_else(|| codes(name))
        .or_else(|| names(table, name))
}

fn fake(kind: K) -> Option<Generator> {
    Some(Generator::Fake(kind))
}

/// Emails, kana readings, passwords and usernames.
fn account(name: &Words) -> Option<Generator> {
    if name.has_any(&["email", "mail"]) {
        return fake(K::SafeEmail);
    }
    // Kana readings: `fake` has no kana, so a name of the same part stands in.
    if name.has_any(&["kana", "furigana", "yomi"]) {
        return fake(if name.is_first_name() {
            K::FirstName
        } else if name.is_last_name() {
            K::LastName
        } else {
            K::Name
        });
    }
    if name.has_any(&["password", "passwd", "pwd", "passcode"]) {
        return fake(K::Password);
    }
    if name.has_any(&["username", "login", "nickname", "handle"])
        || name.has_pair("user", "name")
        || name.has_pair("screen", "name")
    {
        return fake(K::Username);
    }
    None
}

/// IP and MAC addresses, URLs.
fn network(name: &Words) -> Option<Generator> {
    if name.has("ipv6") {
        return fake(K::Ipv6);
    }
    if name.has_any(&["ip", "ipv4", "ipaddr"]) || name.has_pair("remote", "addr") {
        return Some(Generator::Ipv4);
    }
    if name.has("mac") {
        return fake(K::MacAddress);
    }
    if name.has_any(&["url", "uri", "website", "homepage"]) {
        return fake(K::Url);
    }
    None
}

/// Phone numbers and the parts of a postal address.
fn contact(name: &Words) -> Option<Generator> {
    if name.has_any(&["mobile", "cell", "cellphone"]) {
        return fake(K::CellPhone);
    }
    if name.has_any(&["phone", "tel", "telephone", "fax"]) {
        return fake(K::Phone);
    }
    if name.has_any(&["zip", "zipcode"]) {
        return fake(K::Zip);
    }
    if name.is_zip() {
        return fake(K::PostCode);
    }
    if name.has_any(&["prefecture", "state", "province", "region"]) {
        return fake(if name.has_any(&["abbr", "code"]) {
            K::StateAbbr
        } else {
            K::State
        });
    }
    if name.has_any(&["city", "town", "municipality"]) {
        return fake(K::City);
    }
    if name.has("country") {
        return fake(if name.has_any(&["code", "iso"]) {
            K::CountryCode
        } else {
            K::Country
        });
    }
    if name.has_pair("street", "name") {
        return fake(K::StreetName);
    }
    if name.has_any(&["address", "street", "addr"]) {
        return fake(K::StreetAddress);
    }
    None
}

/// Company names, given and family names, jobs and industries.
fn people_and_work(name: &Words) -> Option<Generator> {
    let company_word = name.has_any(COMPANY_WORDS);
    if company_word && (name.has("name") || name.len() == 1) {
        return fake(K::CompanyName);
    }
    if name.is_first_name() {
        return fake(K::FirstName);
    }
    if name.is_last_name() {
        return fake(K::LastName);
    }
    if name.has_pair("job", "title") || name.has_any(&["occupation", "position"]) {
        return fake(K::JobTitle);
    }
    if name.has_any(&["profession", "job"]) {
        return fake(K::Profession);
    }
    if name.has("industry") {
        return fake(K::Industry);
    }
    None
}

/// User agents, files, titles and bodies of text.
fn documents(name: &Words) -> Option<Generator> {
    if name.has_pair("user", "agent") {
        return fake(K::UserAgent);
    }
    if name.has_any(&["mime", "mimetype"]) || name.has_pair("content", "type") {
        return fake(K::MimeType);
    }
    if name.has_any(&["filename"]) || name.has_pair("file", "name") {
        return fake(K::FileName);
    }
    if name.has("path") {
        return fake(K::FilePath);
    }
    if name.has_any(&["title", "subject", "headline", "heading", "caption"]) {
        return fake(K::Words);
    }
    if name.has_any(&[
        "description",
        "note",
        "bio",
        "biography",
        "comment",
        "body",
        "content",
        "summary",
        "memo",
        "remarks",
        "message",
        "details",
        "about",
    ]) {
        return fake(K::Paragraph);
    }
    None
}

/// Colours, currencies, time zones, coordinates, versions, book, bank and card numbers,
/// genders.
fn codes(name: &Words) -> Option<Generator> {
    if name.is_color() {
        return fake(K::HexColor);
    }
    if name.has("currency") {
        return fake(K::CurrencyCode);
    }
    if name.has_any(&["timezone", "tz"]) || name.has_pair("time", "zone") {
        return fake(K::TimeZone);
    }
    if let Some((min, _)) = coordinate(name) {
        return fake(if min < -90.0 {
            K::Longitude
        } else {
            K::Latitude
        });
    }
    if name.has("version") {
        return fake(K::Semver);
    }
    if name.has("isbn") {
        return fake(K::Isbn);
    }
    if name.has_any(&["bic", "swift"]) {
        return fake(K::Bic);
    }
    if name.has_pair("credit", "card") || name.has_pair("card", "number") {
        return fake(K::CreditCard);
    }
    if name.has_any(&["gender", "sex"]) {
        return Some(one_of(&["female", "male", "other"]));
    }
    None
}

/// Any other name: a person's, or a company's for a bare `name` in a table of companies.
fn names(table: &Table, name: &Words) -> Option<Generator> {
    if name.has_any(&["shimei", "author"]) || name.has("name") {
        // A bare `name` in a table of companies or offices names the company.
        let company_table = Words::split(&table.name.name).has_any(COMPANY_WORDS);
        return fake(if name.len() == 1 && name.has("name") && company_table {
            K::CompanyName
        } else {
            K::Name
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::generate::fakes::FakeKind;
    use crate::generate::generator::Generator;
    use crate::generate::infer::test_columns::{fake, infer_in, infer_one, text, texts};

    #[test]
    fn text_columns_get_a_fake_by_name() {
        use FakeKind as K;
        let cases = [
            ("email", fake(K::SafeEmail)),
            ("contactEmail", fake(K::SafeEmail)),
            ("first_name", fake(K::FirstName)),
            ("firstName", fake(K::FirstName)),
            ("given_name", fake(K::FirstName)),
            ("last_name", fake(K::LastName)),
            ("family_name", fake(K::LastName)),
            ("surname", fake(K::LastName)),
            ("name", fake(K::Name)),
            ("full_name", fake(K::Name)),
            ("display_name", fake(K::Name)),
            ("company_name", fake(K::CompanyName)),
            ("office_name", fake(K::CompanyName)),
            ("last_name_kana", fake(K::LastName)),
            ("first_name_kana", fake(K::FirstName)),
            ("meiKana", fake(K::FirstName)),
            ("name_kana", fake(K::Name)),
            ("furigana", fake(K::Name)),
            ("phone", fake(K::Phone)),
            ("tel", fake(K::Phone)),
            ("fax_number", fake(K::Phone)),
            ("mobile", fake(K::CellPhone)),
            ("address", fake(K::StreetAddress)),
            ("street", fake(K::StreetAddress)),
            ("city", fake(K::City)),
            ("prefecture", fake(K::State)),
            ("state", fake(K::State)),
            ("zip", fake(K::Zip)),
            ("postal_code", fake(K::PostCode)),
            ("post_code", fake(K::PostCode)),
            ("country", fake(K::Country)),
            ("country_code", fake(K::CountryCode)),
            ("url", fake(K::Url)),
            ("website", fake(K::Url)),
            ("homepage", fake(K::Url)),
            ("username", fake(K::Username)),
            ("user_name", fake(K::Username)),
            ("login", fake(K::Username)),
            ("password", fake(K::Password)),
            ("password_hash", fake(K::Password)),
            ("hashed_password", fake(K::Password)),
            ("title", fake(K::Words)),
            ("job_title", fake(K::JobTitle)),
            ("description", fake(K::Paragraph)),
            ("notes", fake(K::Paragraph)),
            ("bio", fake(K::Paragraph)),
            ("comment", fake(K::Paragraph)),
            ("body", fake(K::Paragraph)),
            ("ip", Generator::Ipv4),
            ("ip_address", Generator::Ipv4),
            ("color", fake(K::HexColor)),
            ("colour", fake(K::HexColor)),
            ("time_zone", fake(K::TimeZone)),
            ("content_type", fake(K::MimeType)),
            (
                "gender",
                Generator::OneOf {
                    values: texts(&["female", "male", "other"]),
                    weights: vec![],
                },
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(infer_one(name, text()), expected, "column {name:?}");
        }
    }

    #[test]
    fn a_bare_name_in_a_table_of_companies_is_a_company_name() {
        assert_eq!(
            infer_in("offices", "name", text()),
            fake(FakeKind::CompanyName)
        );
        assert_eq!(infer_in("staffs", "name", text()), fake(FakeKind::Name));
    }
}
