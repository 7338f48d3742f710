//! ASCII for the kinds that must be ASCII (emails, usernames, URLs): Latin letters with
//! diacritics fold to their plain spelling; anything else makes the caller redraw in
//! English.

use super::FakeKind;

/// `value` as the ASCII `kind` needs, or `None` when it does not fold to ASCII.
pub(super) fn to_ascii(kind: FakeKind, value: &str) -> Option<String> {
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

    #[test]
    fn diacritics_fold_to_ascii() {
        assert_eq!(fold_identifier("Hélène").as_deref(), Some("helene"));
        assert_eq!(fold_identifier("Müßig").as_deref(), Some("mussig"));
        assert_eq!(fold_identifier("太郎"), None);
    }
}
