//! Array columns: the literal parsed by the rules of the PostgreSQL manual, "Arrays",
//! section "Array Input and Output Syntax"
//! (<https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO>), then each element
//! typed like a field of the element type.

use super::typing::typed;
use crate::schema::ColumnType;
use crate::value::Value;

/// An array column's value: its elements typed by the element type. Some arrays stay the
/// server's text, which is written back as the same array: a literal with explicit bounds
/// (`[0:1]={1,2}`), which [`Value::Array`] cannot hold; a multi-dimensional `jsonb[]`,
/// whose nesting JSON could not tell from an element that is a JSON array; and arrays
/// whose elements are not separated by commas (`box[]`), which the writer's array
/// literals do not spell.
pub(super) fn array(text: &str, element: &ColumnType) -> Result<Value, String> {
    let delimiter = delimiter(element);
    if delimiter != ',' {
        return Ok(Value::Text(text.to_string()));
    }
    let Some(elements) = parse_array(text, delimiter)? else {
        return Ok(Value::Text(text.to_string()));
    };
    let nested = elements.iter().any(|e| matches!(e, Element::Nested(_)));
    if nested && matches!(element, ColumnType::Jsonb) {
        return Ok(Value::Text(text.to_string()));
    }
    typed_elements(elements, element)
}

fn typed_elements(elements: Vec<Element>, element: &ColumnType) -> Result<Value, String> {
    elements
        .into_iter()
        .map(|e| match e {
            Element::Null => Ok(Value::Null),
            Element::Item(text) => typed(&text, element),
            Element::Nested(inner) => typed_elements(inner, element),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// The delimiter between array elements: `;` for `box`, `,` for every other built-in type
/// (`pg_type.typdelim`).
fn delimiter(element: &ColumnType) -> char {
    match element {
        ColumnType::Other { name } if name == "box" => ';',
        _ => ',',
    }
}

/// An element of an array literal, before typing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Element {
    /// The unquoted word NULL (any case).
    Null,
    /// An element's text, quotes and escapes undone.
    Item(String),
    /// A sub-array of a multi-dimensional array.
    Nested(Vec<Element>),
}

/// Parses an array literal: `{...}` of elements separated by `delimiter`, each a nested
/// `{...}`, a double-quoted string (in which `\` escapes any character, `"` and `\`
/// included), or an unquoted string (backslash escapes allowed, surrounding blanks
/// dropped; the word NULL in any case is a NULL element). `Ok(None)` when the literal
/// begins with explicit bounds (`[1:2]=`).
pub(super) fn parse_array(text: &str, delimiter: char) -> Result<Option<Vec<Element>>, String> {
    let mut parser = ArrayParser {
        chars: text.chars().collect(),
        at: 0,
        delimiter,
    };
    parser.skip_blanks();
    match parser.peek() {
        Some('[') => return Ok(None),
        Some('{') => parser.at += 1,
        _ => return Err(format!("array {text:?} does not begin with '{{'")),
    }
    let elements = parser.list().map_err(|e| format!("array {text:?}: {e}"))?;
    parser.skip_blanks();
    if parser.peek().is_some() {
        return Err(format!("array {text:?} has text after its closing brace"));
    }
    Ok(Some(elements))
}

struct ArrayParser {
    chars: Vec<char>,
    at: usize,
    delimiter: char,
}

impl ArrayParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// The elements up to and including the closing brace (the opening one is consumed).
    fn list(&mut self) -> Result<Vec<Element>, String> {
        let mut elements = Vec::new();
        self.skip_blanks();
        if self.peek() == Some('}') {
            self.at += 1;
            return Ok(elements);
        }
        loop {
            self.skip_blanks();
            let element = match self.peek() {
                Some('{') => {
                    self.at += 1;
                    Element::Nested(self.list()?)
                }
                Some('"') => {
                    self.at += 1;
                    Element::Item(self.quoted()?)
                }
                Some(_) => self.unquoted()?,
                None => return Err("it ends inside an element".into()),
            };
            elements.push(element);
            self.skip_blanks();
            match self.next() {
                Some('}') => return Ok(elements),
                Some(c) if c == self.delimiter => continue,
                Some(c) => return Err(format!("unexpected {c:?} after an element")),
                None => return Err("it has no closing brace".into()),
            }
        }
    }

    /// A double-quoted element's text (the opening quote is consumed).
    fn quoted(&mut self) -> Result<String, String> {
        let mut out = String::new();
        loop {
            match self.next() {
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.next().ok_or("it ends after a backslash")?),
                Some(c) => out.push(c),
                None => return Err("a quoted element is never closed".into()),
            }
        }
    }

    /// An unquoted element, up to the delimiter or closing brace; blanks around it are
    /// dropped, escaped ones kept.
    fn unquoted(&mut self) -> Result<Element, String> {
        let mut out = String::new();
        let mut keep = 0;
        let mut escaped = false;
        while let Some(c) = self.peek() {
            if c == self.delimiter || c == '}' {
                break;
            }
            if c == '{' || c == '"' {
                return Err(format!("unexpected {c:?} inside an unquoted element"));
            }
            self.at += 1;
            if c == '\\' {
                out.push(self.next().ok_or("it ends after a backslash")?);
                escaped = true;
                keep = out.len();
            } else {
                out.push(c);
                if !c.is_whitespace() {
                    keep = out.len();
                }
            }
        }
        out.truncate(keep);
        if out.is_empty() {
            return Err("an element is empty (an empty string must be quoted)".into());
        }
        if !escaped && out.eq_ignore_ascii_case("NULL") {
            return Ok(Element::Null);
        }
        Ok(Element::Item(out))
    }
}
