//! Column names as words: `firstName`, `first_name` and `FIRST-NAME` all read `first name`,
//! and the questions the inference asks of them (a word, a pair of words, a birth date, a
//! zip code, money). Names are matched on whole words only, so `ship_to` holds no `hip`.

/// A column name split into lowercase words at `_`, `-`, spaces and camelCase humps.
#[derive(Debug, PartialEq)]
pub(super) struct Words(Vec<String>);

impl Words {
    pub(super) fn split(name: &str) -> Words {
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

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn first(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    pub(super) fn last(&self) -> Option<&str> {
        self.0.last().map(String::as_str)
    }

    /// Whether a word is `word` or its plural (`emails` for an array of them).
    pub(super) fn has(&self, word: &str) -> bool {
        self.0.iter().any(|w| is_word(w, word))
    }

    pub(super) fn has_any(&self, words: &[&str]) -> bool {
        words.iter().any(|word| self.has(word))
    }

    /// Whether a word is exactly `word` (not its plural: `years` of service are no year).
    pub(super) fn has_exact(&self, word: &str) -> bool {
        self.0.iter().any(|w| w == word)
    }

    /// Whether `first` is directly followed by `second` (`user_name`, `userName`).
    pub(super) fn has_pair(&self, first: &str, second: &str) -> bool {
        self.0.windows(2).any(|w| w[0] == first && w[1] == second)
    }

    pub(super) fn is_first_name(&self) -> bool {
        self.has_any(&["firstname", "givenname", "forename", "mei"])
            || ((self.has_any(&["first", "given", "fore"])) && self.has("name"))
    }

    pub(super) fn is_last_name(&self) -> bool {
        self.has_any(&["lastname", "familyname", "surname", "sei"])
            || (self.has_any(&["last", "family"]) && self.has("name"))
    }

    pub(super) fn is_birth(&self) -> bool {
        self.0.iter().any(|w| w.starts_with("birth")) || self.has_any(&["dob", "born"])
    }

    pub(super) fn is_zip(&self) -> bool {
        self.has_any(&["zip", "zipcode", "postal", "postcode"]) || self.has_pair("post", "code")
    }

    pub(super) fn is_color(&self) -> bool {
        self.has_any(&["color", "colour"])
    }

    pub(super) fn is_money(&self) -> bool {
        self.has_any(&[
            "cents", "price", "amount", "cost", "total", "fee", "salary", "balance",
        ])
    }

    /// `is_*`, `has_*`, `can_*` and the like, stored as integers (MySQL 8 reports
    /// `tinyint(1)` as plain `tinyint`).
    pub(super) fn is_boolean_like(&self) -> bool {
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
}
