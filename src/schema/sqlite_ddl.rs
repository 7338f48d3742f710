//! A small reader for the `CREATE TABLE` text SQLite keeps in `sqlite_schema.sql`.
//!
//! SQLite's PRAGMAs report columns, keys and foreign keys, but not the facts that live only
//! in the statement as written: a generated column's expression, whether a foreign key is
//! `DEFERRABLE INITIALLY DEFERRED`, a foreign key's `CONSTRAINT` name, `AUTOINCREMENT`,
//! `WITHOUT ROWID`, and the `CHECK (col IN ('a', 'b'))` constraints SQLite users write in
//! place of enums. This module tokenizes the statement (strings, quoted identifiers,
//! comments; see <https://www.sqlite.org/lang_keywords.html> and
//! <https://www.sqlite.org/lang_createtable.html>) and reads those facts from the tokens, so
//! a keyword inside a string, a comment or a quoted name is never mistaken for one. It is
//! best-effort: anything it does not recognise is left to the PRAGMAs.

use std::ops::Range;

/// What the `CREATE TABLE` text says beyond the PRAGMAs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TableDdl {
    /// `WITHOUT ROWID` follows the column list.
    pub without_rowid: bool,
    /// The statement uses `AUTOINCREMENT`, which SQLite only accepts on the table's single
    /// `INTEGER PRIMARY KEY` column.
    pub autoincrement: bool,
    /// Column definitions, in order.
    pub columns: Vec<ColumnDdl>,
    /// Foreign keys, column-level and table-level, in the order written.
    pub foreign_keys: Vec<ForeignKeyDdl>,
}

/// One column definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ColumnDdl {
    pub name: String,
    /// The expression of `[GENERATED ALWAYS] AS (expr)`, as written.
    pub generated: Option<String>,
    /// Labels of a `CHECK (col IN ('a', ...))`, column-level or table-level.
    pub enum_labels: Option<Vec<String>>,
}

/// One `REFERENCES` clause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ForeignKeyDdl {
    /// The `CONSTRAINT` name, when the key has one.
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub referenced_table: String,
    /// Empty when the clause names no columns (the parent's primary key is meant).
    pub referenced_columns: Vec<String>,
    /// `DEFERRABLE INITIALLY DEFERRED`: the only spelling SQLite defers; every other
    /// combination is checked at the end of each statement.
    pub initially_deferred: bool,
}

impl TableDdl {
    /// Reads a `CREATE TABLE` statement; `None` for anything else (views, virtual tables).
    pub(super) fn parse(sql: &str) -> Option<TableDdl> {
        let tokens = tokenize(sql);
        let open = tokens.iter().position(|t| t.is_punct('('))?;
        let header = &tokens[..open];
        if !header.first()?.is_word("CREATE")
            || !header.iter().any(|t| t.is_word("TABLE"))
            || header.iter().any(|t| t.is_word("VIRTUAL"))
        {
            return None;
        }
        let close = matching_paren(&tokens, open)?;
        let mut ddl = TableDdl {
            without_rowid: tokens[close + 1..]
                .windows(2)
                .any(|w| w[0].is_word("WITHOUT") && w[1].is_word("ROWID")),
            autoincrement: tokens.iter().any(|t| t.is_word("AUTOINCREMENT")),
            ..TableDdl::default()
        };
        let mut table_checks = Vec::new();
        for item in split_commas(&tokens[open + 1..close]) {
            let Some(first) = item.first() else { continue };
            let is_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                .iter()
                .any(|kw| first.is_word(kw));
            if is_constraint {
                read_table_constraint(item, &mut ddl.foreign_keys, &mut table_checks);
            } else {
                ddl.columns
                    .push(read_column(sql, item, &mut ddl.foreign_keys));
            }
        }
        for (column, labels) in table_checks {
            if let Some(c) = ddl
                .columns
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(&column) && c.enum_labels.is_none())
            {
                c.enum_labels = Some(labels);
            }
        }
        Some(ddl)
    }

    /// The definition of a column, matched the way SQLite matches names (ASCII case-insensitively).
    pub(super) fn column(&self, name: &str) -> Option<&ColumnDdl> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Reads one column definition: `name [type] [constraint ...]`.
fn read_column(sql: &str, item: &[Token], foreign_keys: &mut Vec<ForeignKeyDdl>) -> ColumnDdl {
    let mut column = ColumnDdl {
        name: item[0].value.clone(),
        ..ColumnDdl::default()
    };
    let mut constraint_name = None;
    let mut i = 1;
    while i < item.len() {
        let token = &item[i];
        let group = item
            .get(i + 1)
            .filter(|t| t.is_punct('('))
            .and_then(|_| matching_paren(item, i + 1));
        if token.is_punct('(') {
            // The type's arguments, `varchar(40)`, or a `DEFAULT (expr)`.
            i = matching_paren(item, i).unwrap_or(item.len()) + 1;
        } else if token.is_word("CONSTRAINT") {
            constraint_name = item.get(i + 1).map(|t| t.value.clone());
            i += 2;
        } else if token.is_word("REFERENCES") {
            let (mut fk, end) = read_references(item, i + 1);
            fk.name = constraint_name.take();
            fk.columns = vec![column.name.clone()];
            foreign_keys.push(fk);
            i = end;
        } else if let (true, Some(close)) = (token.is_word("AS"), group) {
            column.generated = Some(
                sql[item[i + 1].span.end..item[close].span.start]
                    .trim()
                    .into(),
            );
            i = close + 1;
        } else if let (true, Some(close)) = (token.is_word("CHECK"), group) {
            if let Some((name, labels)) = read_enum_check(&item[i + 2..close])
                && name.eq_ignore_ascii_case(&column.name)
                && column.enum_labels.is_none()
            {
                column.enum_labels = Some(labels);
            }
            constraint_name = None;
            i = close + 1;
        } else {
            // Any other constraint keyword ends the reach of a pending `CONSTRAINT name`.
            if token.kind == Kind::Word {
                constraint_name = None;
            }
            i += 1;
        }
    }
    column
}

/// Reads one table constraint; only foreign keys and enum checks matter here (the PRAGMAs
/// report primary and unique keys).
fn read_table_constraint(
    item: &[Token],
    foreign_keys: &mut Vec<ForeignKeyDdl>,
    checks: &mut Vec<(String, Vec<String>)>,
) {
    let (name, rest) = if item[0].is_word("CONSTRAINT") && item.len() > 2 {
        (Some(item[1].value.clone()), &item[2..])
    } else {
        (None, item)
    };
    if rest.len() > 2 && rest[0].is_word("FOREIGN") && rest[1].is_word("KEY") {
        let Some(close) = rest[2]
            .is_punct('(')
            .then(|| matching_paren(rest, 2))
            .flatten()
        else {
            return;
        };
        if !rest.get(close + 1).is_some_and(|t| t.is_word("REFERENCES")) {
            return;
        }
        let (mut fk, _) = read_references(rest, close + 2);
        fk.name = name;
        fk.columns = names_in(&rest[3..close]);
        foreign_keys.push(fk);
    } else if rest.len() > 1
        && rest[0].is_word("CHECK")
        && let Some(close) = matching_paren(rest, 1)
        && let Some(check) = read_enum_check(&rest[2..close])
    {
        checks.push(check);
    }
}

/// Reads `table [(cols)] [ON DELETE|UPDATE action] [MATCH name] [[NOT] DEFERRABLE
/// [INITIALLY DEFERRED|IMMEDIATE]]` starting at `start` (just after `REFERENCES`); returns
/// the clause and the index of the first token past it.
fn read_references(tokens: &[Token], start: usize) -> (ForeignKeyDdl, usize) {
    let mut fk = ForeignKeyDdl::default();
    let mut i = start;
    let Some(table) = tokens.get(i) else {
        return (fk, i);
    };
    fk.referenced_table = table.value.clone();
    i += 1;
    if tokens.get(i).is_some_and(|t| t.is_punct('('))
        && let Some(close) = matching_paren(tokens, i)
    {
        fk.referenced_columns = names_in(&tokens[i + 1..close]);
        i = close + 1;
    }
    let word = |i: usize, kw: &str| tokens.get(i).is_some_and(|t| t.is_word(kw));
    loop {
        if word(i, "ON") {
            // ON DELETE|UPDATE SET NULL|SET DEFAULT|NO ACTION|CASCADE|RESTRICT
            i += if word(i + 2, "SET") || word(i + 2, "NO") {
                4
            } else {
                3
            };
        } else if word(i, "MATCH") {
            i += 2;
        } else if word(i, "NOT") && word(i + 1, "DEFERRABLE") {
            fk.initially_deferred = false;
            i += 2;
            if word(i, "INITIALLY") {
                i += 2;
            }
        } else if word(i, "DEFERRABLE") {
            i += 1;
            fk.initially_deferred = word(i, "INITIALLY") && word(i + 1, "DEFERRED");
            if word(i, "INITIALLY") {
                i += 2;
            }
        } else {
            return (fk, i.min(tokens.len()));
        }
    }
}

/// Reads the body of a `CHECK (...)` that is exactly `col IN ('a', 'b', ...)`.
fn read_enum_check(tokens: &[Token]) -> Option<(String, Vec<String>)> {
    let [column, in_, open, .., close] = tokens else {
        return None;
    };
    let named = matches!(column.kind, Kind::Word | Kind::Quoted);
    if !named || !in_.is_word("IN") || !open.is_punct('(') || !close.is_punct(')') {
        return None;
    }
    let mut labels = Vec::new();
    for part in split_commas(&tokens[3..tokens.len() - 1]) {
        match part {
            [label] if label.kind == Kind::Str => labels.push(label.value.clone()),
            _ => return None,
        }
    }
    (!labels.is_empty()).then(|| (column.value.clone(), labels))
}

/// The names in a parenthesised list such as `(a, "b" COLLATE nocase, c DESC)`: the first
/// token of each element.
fn names_in(tokens: &[Token]) -> Vec<String> {
    split_commas(tokens)
        .filter_map(|part| part.first().map(|t| t.value.clone()))
        .collect()
}

/// Splits a token list at its top-level commas.
fn split_commas(tokens: &[Token]) -> impl Iterator<Item = &[Token]> {
    let mut depth = 0usize;
    tokens
        .split(move |t| {
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth = depth.saturating_sub(1);
            }
            depth == 0 && t.is_punct(',')
        })
        .filter(|part| !part.is_empty())
}

/// The index of the `)` that closes the `(` at `open`.
fn matching_paren(tokens: &[Token], open: usize) -> Option<usize> {
    if !tokens.get(open)?.is_punct('(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A keyword, a bare identifier or a number.
    Word,
    /// An identifier quoted with `"x"`, `[x]` or `` `x` ``.
    Quoted,
    /// A string literal `'x'`.
    Str,
    /// Any other single character: `(`, `)`, `,`, `.`, operators.
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    /// The text with quotes removed and doubled quotes undone.
    value: String,
    /// Where the token sits in the statement.
    span: Range<usize>,
}

impl Token {
    fn is_word(&self, keyword: &str) -> bool {
        self.kind == Kind::Word && self.value.eq_ignore_ascii_case(keyword)
    }

    fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.value.len() == c.len_utf8() && self.value.starts_with(c)
    }
}

/// Splits SQL into tokens, dropping whitespace and comments. SQLite treats every non-ASCII
/// character as part of an identifier; so does this.
fn tokenize(sql: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = sql.char_indices().peekable();
    let is_word_char = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    while let Some((start, c)) = chars.next() {
        let rest = &sql[start..];
        let (kind, value, end) = if c.is_whitespace() {
            continue;
        } else if rest.starts_with("--") {
            let end = rest.find('\n').map_or(sql.len(), |n| start + n + 1);
            (None, String::new(), end)
        } else if let Some(body) = rest.strip_prefix("/*") {
            let end = body.find("*/").map_or(sql.len(), |n| start + 2 + n + 2);
            (None, String::new(), end)
        } else if let Some(close) = match c {
            '\'' | '"' | '`' => Some(c),
            '[' => Some(']'),
            _ => None,
        } {
            let (value, end) = quoted(sql, start, close);
            let kind = if c == '\'' { Kind::Str } else { Kind::Quoted };
            (Some(kind), value, end)
        } else if is_word_char(c) {
            let end = rest
                .find(|c: char| !is_word_char(c))
                .map_or(sql.len(), |n| start + n);
            (Some(Kind::Word), rest[..end - start].to_string(), end)
        } else {
            (Some(Kind::Punct), c.to_string(), start + c.len_utf8())
        };
        while chars.peek().is_some_and(|&(i, _)| i < end) {
            chars.next();
        }
        if let Some(kind) = kind {
            tokens.push(Token {
                kind,
                value,
                span: start..end,
            });
        }
    }
    tokens
}

/// Reads a quoted token opening at `start` and closed by `close`, where a doubled closing
/// quote stands for one (`[x]` has no escape). Returns the value and the end offset; an
/// unterminated token runs to the end of the text.
fn quoted(sql: &str, start: usize, close: char) -> (String, usize) {
    let mut value = String::new();
    let mut chars = sql[start + 1..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == close {
            if close != ']' && chars.peek().is_some_and(|&(_, next)| next == close) {
                chars.next();
                value.push(c);
            } else {
                return (value, start + 1 + i + c.len_utf8());
            }
        } else {
            value.push(c);
        }
    }
    (value, sql.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(sql: &str) -> Vec<(Kind, String)> {
        tokenize(sql)
            .into_iter()
            .map(|t| (t.kind, t.value))
            .collect()
    }

    #[test]
    fn tokenizer_unquotes_every_identifier_style_and_skips_comments() {
        let sql = "\"a \"\"b\"\"\" [c d] `e``f` 'it''s' -- REFERENCES x\n /* CHECK */ g(1,2)";
        assert_eq!(
            values(sql),
            vec![
                (Kind::Quoted, "a \"b\"".into()),
                (Kind::Quoted, "c d".into()),
                (Kind::Quoted, "e`f".into()),
                (Kind::Str, "it's".into()),
                (Kind::Word, "g".into()),
                (Kind::Punct, "(".into()),
                (Kind::Word, "1".into()),
                (Kind::Punct, ",".into()),
                (Kind::Word, "2".into()),
                (Kind::Punct, ")".into()),
            ]
        );
    }

    #[test]
    fn tokenizer_survives_unterminated_text_and_non_ascii_names() {
        assert_eq!(values("'open"), vec![(Kind::Str, "open".into())]);
        assert_eq!(values("/* open"), vec![]);
        assert_eq!(
            values("prénom x"),
            vec![(Kind::Word, "prénom".into()), (Kind::Word, "x".into())]
        );
    }

    #[test]
    fn generated_columns_keep_their_expression_as_written() {
        let ddl = TableDdl::parse(
            "CREATE TABLE s (qty INT, unit INT, \
             total INTEGER GENERATED ALWAYS AS (qty * (unit + 0)) STORED, \
             label TEXT AS (lower('AS (x)')) VIRTUAL)",
        )
        .unwrap();
        assert_eq!(
            ddl.column("total").unwrap().generated.as_deref(),
            Some("qty * (unit + 0)")
        );
        assert_eq!(
            ddl.column("LABEL").unwrap().generated.as_deref(),
            Some("lower('AS (x)')")
        );
        assert_eq!(ddl.column("qty").unwrap().generated, None);
    }

    #[test]
    fn enum_checks_are_read_at_column_and_table_level() {
        let ddl = TableDdl::parse(
            "CREATE TABLE t (mood TEXT CHECK (mood IN ('happy', 'it''s complicated')), \
             size TEXT, other TEXT CHECK (other IN ('a') OR other IS NULL), \
             CONSTRAINT size_enum CHECK (\"size\" IN ('s','m')))",
        )
        .unwrap();
        assert_eq!(
            ddl.column("mood").unwrap().enum_labels,
            Some(vec!["happy".to_string(), "it's complicated".to_string()])
        );
        assert_eq!(
            ddl.column("size").unwrap().enum_labels,
            Some(vec!["s".into(), "m".into()])
        );
        assert_eq!(ddl.column("other").unwrap().enum_labels, None);
    }

    #[test]
    fn foreign_keys_keep_names_columns_and_deferral() {
        let ddl = TableDdl::parse(
            "CREATE TABLE IF NOT EXISTS \"order\" (\n\
               id INTEGER PRIMARY KEY AUTOINCREMENT,\n\
               a INT CONSTRAINT a_fk REFERENCES p (x) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED NOT NULL,\n\
               b INT REFERENCES [q r] DEFERRABLE,\n\
               c INT, d INT,\n\
               FOREIGN KEY (c, d) REFERENCES w (k1, k2) ON UPDATE NO ACTION ON DELETE CASCADE \
                 DEFERRABLE INITIALLY IMMEDIATE,\n\
               CONSTRAINT cd_fk FOREIGN KEY (d, c) REFERENCES w MATCH FULL DEFERRABLE INITIALLY DEFERRED\n\
             ) WITHOUT ROWID, STRICT",
        )
        .unwrap();
        assert!(ddl.autoincrement);
        assert!(ddl.without_rowid);
        let fk = |name: Option<&str>, cols: &[&str], table: &str, refs: &[&str], deferred| {
            ForeignKeyDdl {
                name: name.map(String::from),
                columns: cols.iter().map(|s| s.to_string()).collect(),
                referenced_table: table.into(),
                referenced_columns: refs.iter().map(|s| s.to_string()).collect(),
                initially_deferred: deferred,
            }
        };
        assert_eq!(
            ddl.foreign_keys,
            vec![
                fk(Some("a_fk"), &["a"], "p", &["x"], true),
                fk(None, &["b"], "q r", &[], false),
                fk(None, &["c", "d"], "w", &["k1", "k2"], false),
                fk(Some("cd_fk"), &["d", "c"], "w", &[], true),
            ]
        );
        assert_eq!(
            ddl.columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["id", "a", "b", "c", "d"]
        );
    }

    #[test]
    fn keywords_in_strings_comments_and_names_are_not_read() {
        let ddl = TableDdl::parse(
            "CREATE TABLE t (\"AUTOINCREMENT\" INT DEFAULT 'REFERENCES x', -- REFERENCES y\n\
             note TEXT /* AS (1) */) -- WITHOUT ROWID",
        )
        .unwrap();
        assert!(!ddl.autoincrement);
        assert!(!ddl.without_rowid);
        assert!(ddl.foreign_keys.is_empty());
        assert_eq!(ddl.column("note").unwrap().generated, None);
    }

    #[test]
    fn views_and_virtual_tables_are_not_tables() {
        assert_eq!(TableDdl::parse("CREATE VIEW v AS SELECT (1)"), None);
        assert_eq!(
            TableDdl::parse("CREATE VIRTUAL TABLE d USING fts5(body)"),
            None
        );
    }
}
