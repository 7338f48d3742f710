//! Generators for the columns a spec does not name, inferred from type and name.
//!
//! The type decides what is possible (an integer column never gets an email); the name,
//! split into lowercase words (`firstName` and `first_name` are both `first name`),
//! decides what is plausible within it. Names are matched on whole words only, so `ship_to`
//! is not a `hip`. Text never exceeds a declared `varchar(n)` by choice: very short and
//! fixed-width columns get codes or plain text cut to `n`; longer fakes that might run over
//! are cut by the planner.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::fakes::FakeKind;
use super::generator::Generator;
use crate::schema::{Column, ColumnType, Table};
use crate::value::Value;

/// A sensible generator for `column` of `table`, from its type and name. Keys (primary and
/// foreign) are not handled here: the planner fills those.
pub fn infer(table: &Table, column: &Column) -> Generator {
    let name = Words::split(&column.name);
    // A column the database cannot fill itself must be written, however unknown its type.
    let required = !column.nullable && column.default.is_none();
    by_type(table, &name, &column.column_type, required)
}

/// Text is cut to this many characters when nothing else is known.
const DEFAULT_TEXT_CHARS: usize = 40;
/// Shorter text columns (and fixed-width ones up to `FIXED_CODE_CHARS`) hold codes.
const SHORT_TEXT_CHARS: u32 = 8;
const FIXED_CODE_CHARS: u32 = 16;
/// Default bounds for numbers with no telling name.
const DEFAULT_INT_MAX: i64 = 1000;
const DEFAULT_NUMBER_MAX: f64 = 1000.0;

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("BUG: invalid date constant"),
    }
}

const BIRTH_FROM: NaiveDate = date(1940, 1, 1);
const BIRTH_TO: NaiveDate = date(2005, 12, 31);
const DATE_FROM: NaiveDate = date(2015, 1, 1);
const DATE_TO: NaiveDate = date(2026, 12, 31);
const DATETIME_FROM: NaiveDate = date(2020, 1, 1);
const DATETIME_TO: NaiveDate = date(2026, 12, 31);

fn by_type(table: &Table, name: &Words, column_type: &ColumnType, required: bool) -> Generator {
    match column_type {
        ColumnType::Boolean => Generator::Bool {
            p: bool_probability(name),
        },
        ColumnType::Integer { bytes, unsigned } => integer(name, *bytes, *unsigned),
        ColumnType::Float { .. } => float(name),
        ColumnType::Decimal { precision, scale } => decimal(name, *precision, *scale),
        ColumnType::Text { max_length, fixed } => text(table, name, *max_length, *fixed),
        ColumnType::Binary { max_length } => Generator::Bytes {
            len: max_length.map_or(16, |n| (n as usize).min(16)),
        },
        ColumnType::Uuid => Generator::Uuid,
        ColumnType::Json | ColumnType::Jsonb => Generator::JsonObject,
        ColumnType::Date if name.is_birth() => Generator::Date {
            from: BIRTH_FROM,
            to: BIRTH_TO,
        },
        ColumnType::Date => Generator::Date {
            from: DATE_FROM,
            to: DATE_TO,
        },
        ColumnType::Time { .. } => Generator::Time,
        ColumnType::Timestamp { with_time_zone } => {
            let (from, to) = if name.is_birth() {
                (BIRTH_FROM, BIRTH_TO)
            } else {
                (DATETIME_FROM, DATETIME_TO)
            };
            Generator::DateTime {
                from: NaiveDateTime::new(from, NaiveTime::MIN),
                to: NaiveDateTime::new(to, last_second()),
                with_time_zone: *with_time_zone,
            }
        }
        ColumnType::Interval => Generator::Interval,
        ColumnType::Inet => Generator::Ipv4,
        ColumnType::Enum { labels, .. } if !labels.is_empty() => Generator::OneOf {
            values: labels.iter().map(|l| Value::Text(l.clone())).collect(),
            weights: Vec::new(),
        },
        ColumnType::Array { element } => match by_type(table, name, element, required) {
            Generator::Default => Generator::Default,
            element => Generator::Array {
                element: Box::new(element),
                max_len: 3,
            },
        },
        // An enum without labels or a type fixtura does not know: the database's default,
        // or, when there is none and NULL is refused, short text as a best effort.
        ColumnType::Enum { .. } | ColumnType::Other { .. } if required => {
            Generator::Text { max_chars: 16 }
        }
        ColumnType::Enum { .. } | ColumnType::Other { .. } => Generator::Default,
    }
}

fn last_second() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
}

/// How often a boolean is true: rare for states a row is seldom in, common for the usual
/// state, a coin toss otherwise.
fn bool_probability(name: &Words) -> f64 {
    if name.has_any(&[
        "deleted",
        "archived",
        "disabled",
        "locked",
        "banned",
        "suspended",
        "blocked",
    ]) {
        0.1
    } else if name.has_any(&["active", "enabled", "verified", "confirmed", "visible"]) {
        0.9
    } else {
        0.5
    }
}

fn integer(name: &Words, bytes: u8, unsigned: bool) -> Generator {
    let (type_min, type_max) = integer_range(bytes, unsigned);
    let (min, max) = if name.is_boolean_like() {
        (0, 1)
    } else if name.has_any(&["count", "quantity", "qty", "percent", "percentage", "pct"])
        || name.first() == Some("num")
    {
        (0, 100)
    } else if name.has_exact("age") {
        (18, 90)
    } else if name.has_exact("year") {
        (1950, 2030)
    } else if name.is_money() {
        (100, 100_000)
    } else if name.has_any(&["rating", "stars"]) {
        (1, 5)
    } else if name.has("month") {
        (1, 12)
    } else if name.has("hour") {
        (0, 23)
    } else {
        (0, DEFAULT_INT_MAX)
    };
    let (lo, hi) = (min.max(type_min), max.min(type_max));
    if lo <= hi {
        Generator::Int { min: lo, max: hi }
    } else {
        // The usual range does not fit the type (a year in a tinyint): stay within the type.
        Generator::Int {
            min: 0,
            max: DEFAULT_INT_MAX.min(type_max),
        }
    }
}

/// The values an integer of `bytes` bytes holds (an unsigned 64-bit one is capped at
/// `i64::MAX`, the largest `Generator::Int` can make).
fn integer_range(bytes: u8, unsigned: bool) -> (i64, i64) {
    let bits = u32::from(bytes.clamp(1, 8)) * 8;
    if unsigned {
        let max = if bits >= 64 {
            i64::MAX
        } else {
            (1i64 << bits) - 1
        };
        (0, max)
    } else if bits >= 64 {
        (i64::MIN, i64::MAX)
    } else {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    }
}

fn float(name: &Words) -> Generator {
    let (min, max, decimals) = match coordinate(name) {
        Some((min, max)) => (min, max, 6),
        None => (0.0, DEFAULT_NUMBER_MAX, 2),
    };
    Generator::Float {
        min,
        max,
        decimals: Some(decimals),
    }
}

/// The range of a latitude or longitude column, by name.
fn coordinate(name: &Words) -> Option<(f64, f64)> {
    if name.has_any(&["latitude", "lat"]) {
        Some((-90.0, 90.0))
    } else if name.has_any(&["longitude", "lng", "lon"]) {
        Some((-180.0, 180.0))
    } else {
        None
    }
}

fn decimal(name: &Words, precision: Option<u32>, scale: Option<u32>) -> Generator {
    let scale = scale.unwrap_or(2).min(18);
    let precision = precision.unwrap_or(10).max(scale);
    // decimal(p, s) holds |x| < 10^(p-s); the largest is 10^(p-s) - 10^-s.
    let exponent = i32::try_from(precision - scale)
        .unwrap_or(i32::MAX)
        .min(300);
    let type_max = 10f64.powi(exponent) - 10f64.powi(-(scale as i32));
    let (min, max) = match coordinate(name) {
        Some(range) => range,
        None if name.is_money() => (0.0, 10_000.0),
        None if name.has_any(&["percent", "percentage", "pct"]) => (0.0, 100.0),
        None => (0.0, DEFAULT_NUMBER_MAX),
    };
    Generator::Decimal {
        min: min.max(-type_max),
        max: max.min(type_max),
        scale,
    }
}

fn text(table: &Table, name: &Words, max_length: Option<u32>, fixed: bool) -> Generator {
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

fn one_of(values: &[&str]) -> Generator {
    Generator::OneOf {
        values: values.iter().map(|v| Value::Text(v.to_string())).collect(),
        weights: Vec::new(),
    }
}

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
fn text_by_name(table: &Table, name: &Words) -> Option<Generator> {
    use FakeKind as K;
    let fake = |kind| Some(Generator::Fake(kind));
    // An identifier stored as text (`external_id`) is nobody's name.
    if name.last() == Some("id") {
        return None;
    }
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

/// A column name split into lowercase words at `_`, `-`, spaces and camelCase humps.
#[derive(Debug, PartialEq)]
struct Words(Vec<String>);

impl Words {
    fn split(name: &str) -> Words {
        let chars: Vec<char> = name.chars().collect();
        let mut words = Vec::new();
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if !c.is_alphanumeric() {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
                continue;
            }
            if c.is_uppercase() && !current.is_empty() {
                let previous = chars[i - 1];
                let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                // `firstName` -> first|Name; `HTTPServer` -> HTTP|Server; `ID` stays whole.
                if previous.is_lowercase()
                    || previous.is_ascii_digit()
                    || (previous.is_uppercase() && next_is_lower)
                {
                    words.push(std::mem::take(&mut current));
                }
            }
            current.extend(c.to_lowercase());
        }
        if !current.is_empty() {
            words.push(current);
        }
        Words(words)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn first(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    fn last(&self) -> Option<&str> {
        self.0.last().map(String::as_str)
    }

    /// Whether a word is `word` or its plural (`emails` for an array of them).
    fn has(&self, word: &str) -> bool {
        self.0.iter().any(|w| is_word(w, word))
    }

    fn has_any(&self, words: &[&str]) -> bool {
        words.iter().any(|word| self.has(word))
    }

    /// Whether a word is exactly `word` (not its plural: `years` of service are no year).
    fn has_exact(&self, word: &str) -> bool {
        self.0.iter().any(|w| w == word)
    }

    /// Whether `first` is directly followed by `second` (`user_name`, `userName`).
    fn has_pair(&self, first: &str, second: &str) -> bool {
        self.0.windows(2).any(|w| w[0] == first && w[1] == second)
    }

    fn is_first_name(&self) -> bool {
        self.has_any(&["firstname", "givenname", "forename", "mei"])
            || ((self.has_any(&["first", "given", "fore"])) && self.has("name"))
    }

    fn is_last_name(&self) -> bool {
        self.has_any(&["lastname", "familyname", "surname", "sei"])
            || (self.has_any(&["last", "family"]) && self.has("name"))
    }

    fn is_birth(&self) -> bool {
        self.0.iter().any(|w| w.starts_with("birth")) || self.has_any(&["dob", "born"])
    }

    fn is_zip(&self) -> bool {
        self.has_any(&["zip", "zipcode", "postal", "postcode"]) || self.has_pair("post", "code")
    }

    fn is_color(&self) -> bool {
        self.has_any(&["color", "colour"])
    }

    fn is_money(&self) -> bool {
        self.has_any(&[
            "cents", "price", "amount", "cost", "total", "fee", "salary", "balance",
        ])
    }

    /// `is_*`, `has_*`, `can_*` and the like, stored as integers (MySQL 8 reports
    /// `tinyint(1)` as plain `tinyint`).
    fn is_boolean_like(&self) -> bool {
        self.len() > 1 && matches!(self.first(), Some("is" | "has" | "can" | "should"))
    }
}

/// `w` is `word` or `word` + `s`.
fn is_word(w: &str, word: &str) -> bool {
    w.strip_prefix(word)
        .is_some_and(|rest| rest.is_empty() || rest == "s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{QualifiedName, TableKind};

    fn table(name: &str) -> Table {
        Table {
            name: QualifiedName::new("public", name),
            kind: TableKind::Table,
            columns: Vec::new(),
            primary_key: None,
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            flag_column: None,
        }
    }

    fn column(name: &str, column_type: ColumnType) -> Column {
        Column {
            name: name.to_string(),
            type_name: String::new(),
            column_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
        }
    }

    fn infer_in(table_name: &str, name: &str, column_type: ColumnType) -> Generator {
        infer(&table(table_name), &column(name, column_type))
    }

    fn infer_one(name: &str, column_type: ColumnType) -> Generator {
        infer_in("things", name, column_type)
    }

    fn text() -> ColumnType {
        ColumnType::Text {
            max_length: None,
            fixed: false,
        }
    }

    fn varchar(n: u32) -> ColumnType {
        ColumnType::Text {
            max_length: Some(n),
            fixed: false,
        }
    }

    fn char_(n: u32) -> ColumnType {
        ColumnType::Text {
            max_length: Some(n),
            fixed: true,
        }
    }

    fn int(bytes: u8, unsigned: bool) -> ColumnType {
        ColumnType::Integer { bytes, unsigned }
    }

    fn fake(kind: FakeKind) -> Generator {
        Generator::Fake(kind)
    }

    fn texts(values: &[&str]) -> Vec<Value> {
        values.iter().map(|v| Value::Text(v.to_string())).collect()
    }

    fn datetime(from: NaiveDate, to: NaiveDate, with_time_zone: bool) -> Generator {
        Generator::DateTime {
            from: from.and_hms_opt(0, 0, 0).unwrap(),
            to: to.and_hms_opt(23, 59, 59).unwrap(),
            with_time_zone,
        }
    }

    #[test]
    fn names_split_into_words_at_underscores_and_humps() {
        let split = |s: &str| Words::split(s).0;
        assert_eq!(split("first_name"), ["first", "name"]);
        assert_eq!(split("firstName"), ["first", "name"]);
        assert_eq!(split("LastNameKana"), ["last", "name", "kana"]);
        assert_eq!(split("IPAddress"), ["ip", "address"]);
        assert_eq!(split("userID"), ["user", "id"]);
        assert_eq!(split("ipv4"), ["ipv4"]);
    }

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

    #[test]
    fn a_bare_name_in_a_table_of_companies_is_a_company_name() {
        assert_eq!(
            infer_in("offices", "name", text()),
            fake(FakeKind::CompanyName)
        );
        assert_eq!(infer_in("staffs", "name", text()), fake(FakeKind::Name));
    }

    #[test]
    fn enums_pick_one_of_their_labels() {
        let labels = vec!["owner".to_string(), "manager".to_string()];
        let column_type = ColumnType::Enum {
            name: Some("role".into()),
            labels,
        };
        assert_eq!(
            infer_one("role", column_type),
            Generator::OneOf {
                values: texts(&["owner", "manager"]),
                weights: vec![]
            }
        );
    }

    #[test]
    fn booleans_are_coin_tosses_except_for_rare_states() {
        let cases = [
            ("is_admin", 0.5),
            ("has_children", 0.5),
            ("can_edit", 0.5),
            ("is_test_data", 0.5),
            ("is_deleted", 0.1),
            ("deleted", 0.1),
            ("archived", 0.1),
            ("isDisabled", 0.1),
            ("locked", 0.1),
            ("is_active", 0.9),
        ];
        for (name, p) in cases {
            assert_eq!(
                infer_one(name, ColumnType::Boolean),
                Generator::Bool { p },
                "{name}"
            );
        }
    }

    #[test]
    fn integers_follow_their_name_within_their_type() {
        let i32_ = int(4, false);
        let cases = [
            ("login_count", i32_.clone(), 0, 100),
            ("quantity", i32_.clone(), 0, 100),
            ("qty", i32_.clone(), 0, 100),
            ("age", i32_.clone(), 18, 90),
            ("year", i32_.clone(), 1950, 2030),
            ("years_of_service", i32_.clone(), 0, 1000),
            ("price_cents", i32_.clone(), 100, 100_000),
            ("amount", int(8, false), 100, 100_000),
            ("score", i32_.clone(), 0, 1000),
            ("is_admin", i32_.clone(), 0, 1),
            // Unsigned tinyint: 0..=255; signed: -128..=127.
            ("level", int(1, true), 0, 255),
            ("level", int(1, false), 0, 127),
            ("price", int(2, false), 100, 32_767),
            ("price", int(2, true), 100, 65_535),
            // The usual range does not fit: stay within the type.
            ("year", int(1, true), 0, 255),
        ];
        for (name, column_type, min, max) in cases {
            assert_eq!(
                infer_one(name, column_type.clone()),
                Generator::Int { min, max },
                "{name} {column_type:?}"
            );
        }
    }

    #[test]
    fn integer_ranges_match_their_byte_width() {
        assert_eq!(integer_range(1, true), (0, 255));
        assert_eq!(integer_range(1, false), (-128, 127));
        assert_eq!(integer_range(3, true), (0, 16_777_215));
        assert_eq!(
            integer_range(4, false),
            (i64::from(i32::MIN), i64::from(i32::MAX))
        );
        assert_eq!(integer_range(8, true), (0, i64::MAX));
        assert_eq!(integer_range(8, false), (i64::MIN, i64::MAX));
    }

    #[test]
    fn floats_and_decimals_stay_inside_their_precision() {
        assert_eq!(
            infer_one("weight", ColumnType::Float { bytes: 8 }),
            Generator::Float {
                min: 0.0,
                max: 1000.0,
                decimals: Some(2)
            }
        );
        assert_eq!(
            infer_one("latitude", ColumnType::Float { bytes: 8 }),
            Generator::Float {
                min: -90.0,
                max: 90.0,
                decimals: Some(6)
            }
        );
        let decimal = |p, s| ColumnType::Decimal {
            precision: p,
            scale: s,
        };
        let Generator::Decimal { min, max, scale } = infer_one("price", decimal(Some(5), Some(2)))
        else {
            panic!("a decimal")
        };
        assert!(
            min == 0.0 && max < 1000.0 && max > 999.0 && scale == 2,
            "{max}"
        );
        assert_eq!(
            infer_one("ratio", decimal(Some(3), Some(3))),
            Generator::Decimal {
                min: 0.0,
                max: 1.0 - 0.001,
                scale: 3
            }
        );
        assert_eq!(
            infer_one("weight", decimal(None, None)),
            Generator::Decimal {
                min: 0.0,
                max: 1000.0,
                scale: 2
            }
        );
        assert_eq!(
            infer_one("lng", decimal(Some(9), Some(6))),
            Generator::Decimal {
                min: -180.0,
                max: 180.0,
                scale: 6
            }
        );
    }

    #[test]
    fn dates_and_times_get_plausible_ranges() {
        let birth = Generator::Date {
            from: BIRTH_FROM,
            to: BIRTH_TO,
        };
        assert_eq!(infer_one("birth_day", ColumnType::Date), birth);
        assert_eq!(infer_one("birthday", ColumnType::Date), birth);
        assert_eq!(infer_one("dob", ColumnType::Date), birth);
        assert_eq!(infer_one("date_of_birth", ColumnType::Date), birth);
        assert_eq!(
            infer_one("hired_on", ColumnType::Date),
            Generator::Date {
                from: DATE_FROM,
                to: DATE_TO
            }
        );
        assert_eq!(
            infer_one(
                "created_at",
                ColumnType::Timestamp {
                    with_time_zone: true
                }
            ),
            datetime(DATETIME_FROM, DATETIME_TO, true)
        );
        assert_eq!(
            infer_one(
                "updated_on",
                ColumnType::Timestamp {
                    with_time_zone: false
                }
            ),
            datetime(DATETIME_FROM, DATETIME_TO, false)
        );
        assert_eq!(
            infer_one(
                "opens",
                ColumnType::Time {
                    with_time_zone: false
                }
            ),
            Generator::Time
        );
        assert_eq!(
            infer_one("duration", ColumnType::Interval),
            Generator::Interval
        );
    }

    #[test]
    fn other_types_get_their_natural_generator() {
        assert_eq!(infer_one("token", ColumnType::Uuid), Generator::Uuid);
        assert_eq!(
            infer_one("settings", ColumnType::Jsonb),
            Generator::JsonObject
        );
        assert_eq!(infer_one("tags", ColumnType::Json), Generator::JsonObject);
        assert_eq!(infer_one("client", ColumnType::Inet), Generator::Ipv4);
        assert_eq!(
            infer_one("avatar", ColumnType::Binary { max_length: None }),
            Generator::Bytes { len: 16 }
        );
        assert_eq!(
            infer_one(
                "digest",
                ColumnType::Binary {
                    max_length: Some(8)
                }
            ),
            Generator::Bytes { len: 8 }
        );
        assert_eq!(
            infer_one(
                "emails",
                ColumnType::Array {
                    element: Box::new(text())
                }
            ),
            Generator::Array {
                element: Box::new(fake(FakeKind::SafeEmail)),
                max_len: 3
            }
        );
    }

    #[test]
    fn unknown_types_are_left_to_the_database_unless_required() {
        let geometry = || ColumnType::Other {
            name: "geometry".into(),
        };
        assert_eq!(infer_one("shape", geometry()), Generator::Default);
        let mut required = column("shape", geometry());
        required.nullable = false;
        assert_eq!(
            infer(&table("t"), &required),
            Generator::Text { max_chars: 16 }
        );
        required.default = Some("'POINT(0 0)'".into());
        assert_eq!(infer(&table("t"), &required), Generator::Default);
        let array = ColumnType::Array {
            element: Box::new(geometry()),
        };
        assert_eq!(infer_one("shapes", array), Generator::Default);
    }

    #[test]
    fn nullable_columns_with_a_default_are_still_filled() {
        let mut with_default = column("email", text());
        with_default.default = Some("''".into());
        assert_eq!(infer(&table("t"), &with_default), fake(FakeKind::SafeEmail));
    }
}
