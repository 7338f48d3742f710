//! The layer check: every module of the library imports only from the layers below its own.
//!
//! The house, lowest first (`docs/DESIGN.md` draws it):
//!
//! | layer | modules |
//! |---|---|
//! | bottom | `db` (backends, quoting, names, connections, sessions, wire helpers, who checks keys), `value`, `progress` |
//! | model | `schema` |
//! | ordering | `graph` |
//! | rows | `read`, `write`, `inspect` |
//! | jobs | `generate`, `snapshot` |
//! | cache | `cache` |
//! | roll-up | `error` |
//! | public entry points | `api`, `testdb` |
//! | test support | `test_support` |
//!
//! A module may use its own room and any room of a lower layer; never a room of its own
//! layer (`read` and `write` are strangers) or of a higher one. The one exception is
//! `test_support`, at the top: it is `tests/common/mod.rs` (outside `src/`, so not read
//! here; it may use anything), included by `lib.rs` under `#[cfg(test)]` only, so any
//! room's unit tests may use it and the compiler keeps every other build from doing so. The
//! check reads every `crate::…` path of `src/` (grouped imports, inline paths, re-exports of
//! the crate root resolved to their module) and every `fixtura::…` path (the crate's test
//! build names itself so), with comments and string literals left out, and every `super::`
//! chain that would climb out of its room. Methods are not followed: an inherent method a
//! higher room adds to a lower room's type (the entry points' `Store::create`) is called
//! through the type, which the check cannot place. `src/cli/` is the binary's and may
//! only be declared by `main.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    ("bottom", &["db", "value", "progress"]),
    ("model", &["schema"]),
    ("ordering", &["graph"]),
    ("rows", &["read", "write", "inspect"]),
    ("jobs", &["generate", "snapshot"]),
    ("cache", &["cache"]),
    ("roll-up", &["error"]),
    ("public entry points", &["api", "testdb"]),
    ("test support", &[TEST_SUPPORT]),
];

/// The crate's test support (`tests/common/mod.rs`, declared in `lib.rs` under
/// `#[cfg(test)]`): the top room, which every room's unit tests may use.
const TEST_SUPPORT: &str = "test_support";

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, rooms)| rooms.contains(&module))
}

/// Source text with comments and string and char literals blanked out (newlines kept), so
/// only code is searched.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"…", r#"…"#, ...
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some(&other) => blank(&mut out, other),
                }
                j += 1;
            }
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&skipped) = chars.get(i) {
                    blank(&mut out, skipped);
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), not a lifetime ('a).
            let end = if next == Some('\\') {
                (i + 2..chars.len()).find(|&j| chars[j] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => i = end + 1,
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first segment of every `crate::` path in `code`: `crate::db::Db` gives `db`,
/// `crate::{db::Db, schema}` gives `db` and `schema`; a call of a crate-root function,
/// `crate::generate(…)`, gives `generate(` (the function, not the module of the same
/// name); a glob, `crate::*`, gives `*`.
fn crate_paths(code: &str) -> Vec<String> {
    // The crate's test build names the crate `fixtura` too (`extern crate self as fixtura`).
    let mut found = paths_after(code, "crate::");
    found.extend(paths_after(code, "fixtura::"));
    found
}

/// The first segment of every path that starts with `prefix` (`crate::`, `fixtura::`).
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `fixtura_crate::`, not the crate
        }
        let rest_trimmed = rest.trim_start();
        if let Some(group) = rest_trimmed.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if depth == 1 && c != ',' {
                    item.push(c);
                } else if depth > 1 && item.is_empty() {
                    // a nested group directly after `{`: cannot happen in valid Rust
                }
            }
            items.push(item);
            found.extend(
                items
                    .iter()
                    .map(|i| match i.trim() {
                        "*" => "*".to_string(),
                        item => ident_at(item).to_string(),
                    })
                    .filter(|i| !i.is_empty() && i != "self"),
            );
        } else if rest_trimmed.starts_with('*') {
            found.push("*".to_string());
        } else {
            let ident = ident_at(rest_trimmed);
            if rest_trimmed[ident.len()..].trim_start().starts_with('(') {
                found.push(format!("{ident}("));
            } else if !ident.is_empty() {
                found.push(ident.to_string());
            }
        }
    }
    found
}

/// How many `super::` a path may climb from a file before it leaves its room: the file's
/// depth below its room (`src/cache/isolate/mysql.rs`: 2, `src/db/mod.rs`: 0).
fn super_budget(relative: &Path) -> usize {
    let parts = relative.components().count();
    let is_mod = relative.file_name().is_some_and(|f| f == "mod.rs");
    (parts - 1).saturating_sub(usize::from(is_mod))
}

/// Whether a run of `super::` in `code` climbs higher than `budget` levels plus the inline
/// `mod name { … }` blocks around it.
fn climbs_out(code: &str, budget: usize) -> bool {
    let bytes = code.as_bytes();
    let mut depth = 0usize;
    // Brace depths at which inline modules opened.
    let mut modules: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let word_start = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if bytes[i] == b'{' {
            depth += 1;
        } else if bytes[i] == b'}' {
            if modules.last() == Some(&depth) {
                modules.pop();
            }
            depth = depth.saturating_sub(1);
        } else if word_start && code[i..].starts_with("mod ") {
            let rest = code[i + 4..].trim_start();
            let name = ident_at(rest);
            if !name.is_empty() && rest[name.len()..].trim_start().starts_with('{') {
                modules.push(depth + 1);
            }
        } else if word_start && code[i..].starts_with("super::") {
            let mut count = 0;
            let mut tail = &code[i..];
            while let Some(after) = tail.strip_prefix("super::") {
                count += 1;
                tail = after;
            }
            if count > budget + modules.len() {
                return true;
            }
            i += count * "super::".len();
            continue;
        }
        i += 1;
    }
    false
}

/// Names the crate root re-exports (`pub use error::{Error, Result};`), mapped to the
/// module they come from, and the modules `lib.rs` declares.
fn root_items(lib: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let code = code_only(lib);
    let mut items = BTreeMap::new();
    let mut modules = Vec::new();
    for statement in code.split(';') {
        let statement = without_attributes(statement);
        let statement = statement
            .strip_prefix("pub(crate) ")
            .or_else(|| statement.strip_prefix("pub "))
            .unwrap_or(statement)
            .trim();
        if let Some(module) = statement.strip_prefix("mod ") {
            modules.push(ident_at(module.trim()).to_string());
        } else if let Some(path) = statement.strip_prefix("use ") {
            let path = path.trim();
            let module = ident_at(path).to_string();
            let names = match path.find('{') {
                Some(open) => path[open + 1..path.rfind('}').unwrap_or(path.len())].to_string(),
                None => path.rsplit("::").next().unwrap_or_default().to_string(),
            };
            for name in names.split(',') {
                let name = name.trim();
                let name = name.rsplit("::").next().unwrap_or(name);
                let name = name.split(" as ").last().unwrap_or(name).trim();
                if !name.is_empty() {
                    items.insert(name.to_string(), module.clone());
                }
            }
        }
    }
    (items, modules)
}

/// A statement without the attributes before it (`#![cfg_attr(…)]`, `#[cfg(test)]`,
/// `#[path = "…"]`), which would otherwise hide the `mod` or `use` they stand on.
fn without_attributes(statement: &str) -> &str {
    let mut rest = statement.trim();
    while let Some(attribute) = rest
        .strip_prefix("#!")
        .or_else(|| rest.strip_prefix('#'))
        .filter(|a| a.trim_start().starts_with('['))
    {
        let mut depth = 0;
        let end = attribute.char_indices().find_map(|(i, c)| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            (depth == 0 && c == ']').then_some(i + 1)
        });
        match end {
            Some(end) => rest = attribute[end..].trim_start(),
            None => break,
        }
    }
    rest
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The room a file of `src/` belongs to: its first folder, or its stem.
fn room_of(relative: &Path) -> String {
    let first = relative.components().next().expect("a path");
    let first = first.as_os_str().to_string_lossy();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// Every import of a lower-or-equal layer's room, or out of its room with `super::`, as
/// one line each.
fn violations(src: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs");
    let (root, declared) = root_items(&lib);
    let mut problems = Vec::new();
    for module in &declared {
        if layer_of(module).is_none() {
            problems.push(format!(
                "src/lib.rs declares module `{module}`, which is in no layer: add it to LAYERS in tests/layers.rs"
            ));
        }
    }
    for (_, rooms) in LAYERS {
        for room in *rooms {
            if !declared.iter().any(|m| m == room) {
                problems.push(format!(
                    "LAYERS names `{room}`, which src/lib.rs does not declare"
                ));
            }
        }
    }
    for file in sources(src) {
        let relative = file.strip_prefix(src).expect("under src").to_path_buf();
        let shown = format!("src/{}", relative.display());
        let room = room_of(&relative);
        if room == "lib" || room == "main" || room == "cli" {
            continue; // the root, and the binary
        }
        let code = code_only(&std::fs::read_to_string(&file).expect("read source"));
        if code.contains("mod cli") {
            problems.push(format!("{shown} declares the binary's `cli`"));
        }
        let Some(own) = layer_of(&room) else {
            problems.push(format!("{shown} is in room `{room}`, which is in no layer"));
            continue;
        };
        if climbs_out(&code, super_budget(&relative)) {
            problems.push(format!(
                "{shown} climbs out of `{room}` with `super::`: write `crate::` paths"
            ));
        }
        let mut seen = Vec::new();
        for first in crate_paths(&code) {
            if first == "*" {
                problems.push(format!(
                    "{shown} glob-imports the crate root, which re-exports its top: name what it uses"
                ));
                continue;
            }
            // A module of the crate root is that module (`crate::generate::spec`), even
            // when a function of the same name is re-exported there too; a call is the
            // function (`crate::generate(…)`, the entry point at the top).
            let target = match first.strip_suffix('(') {
                Some(function) => root
                    .get(function)
                    .cloned()
                    .unwrap_or_else(|| function.to_string()),
                None if declared.contains(&first) => first,
                None => root.get(&first).cloned().unwrap_or(first),
            };
            if target == room || seen.contains(&target) {
                continue;
            }
            seen.push(target.clone());
            match layer_of(&target) {
                Some(layer) if layer < own || target == TEST_SUPPORT => {}
                Some(layer) => problems.push(format!(
                    "{shown} ({room}, layer \"{}\") imports `{target}` (layer \"{}\"): {}",
                    LAYERS[own].0,
                    LAYERS[layer].0,
                    if layer == own {
                        "rooms of one layer do not use each other"
                    } else {
                        "a layer imports only from those below it"
                    }
                )),
                None if declared.contains(&target) => {}
                None => {} // a crate-root item that is not a module (a macro, say)
            }
        }
    }
    problems
}

#[test]
fn every_module_imports_only_from_the_layers_below_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = violations(&src);
    assert!(
        problems.is_empty(),
        "{} import(s) against the layers:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn the_check_reads_grouped_inline_and_root_paths_and_skips_comments_and_strings() {
    let code = code_only(
        r##"
        use crate::{db::{Backend, Db}, schema::Table, self};
        // use crate::cache::CacheError;
        /* use crate::cache::Other; /* nested */ */
        let s = "crate::cache::Quoted";
        let r = r#"crate::cache::Raw"#;
        let c = '"'; let l: &'static str = "";
        fn f() -> crate::Result<()> { crate::write::run() }
        let b = fixtura::cache::Identity::new(None, None);
        let g = crate::generate (&db, &spec);
        use crate::*;
        "##,
    );
    assert_eq!(
        crate_paths(&code),
        ["db", "schema", "Result", "write", "generate(", "*", "cache"],
        "{code}"
    );
    let (root, modules) = root_items(
        "mod api;\npub mod db;\npub use error::{Error, Result};\npub use testdb::TestDb;",
    );
    assert_eq!(modules, ["api", "db"]);
    assert_eq!(root["Result"], "error");
    assert_eq!(root["TestDb"], "testdb");
}

#[test]
fn the_check_sees_modules_and_re_exports_under_attributes() {
    let (root, modules) = root_items(
        "#![cfg_attr(not(all(feature = \"a\", feature = \"b\")), allow(dead_code))]\n\
         mod api;\n\
         #[cfg(feature = \"macros\")]\npub use fixtura_macros::test;\n\
         #[doc(hidden)] #[rustfmt::skip] pub mod db;",
    );
    assert_eq!(modules, ["api", "db"]);
    assert_eq!(root["test"], "fixtura_macros");
}

#[test]
fn the_check_flags_an_import_from_above_and_from_a_peer() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let mut lib = String::new();
    for (_, rooms) in LAYERS {
        for room in *rooms {
            lib.push_str(&format!("pub mod {room};\n"));
            std::fs::write(src.join(format!("{room}.rs")), "//! a room\n").unwrap();
        }
    }
    lib.push_str("pub use error::Error;\npub use api::generate;\n");
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    std::fs::create_dir(src.join("db")).unwrap();
    std::fs::write(src.join("db/name.rs"), "use crate::schema::Table;\n").unwrap();
    std::fs::write(src.join("read.rs"), "use crate::write::Load;\n").unwrap();
    std::fs::write(src.join("cache.rs"), "fn f() -> crate::Error { todo!() }\n").unwrap();
    std::fs::write(src.join("api.rs"), "use crate::{error::Error, db};\n").unwrap();
    // A call of the root's `generate` is the entry point at the top, not the module of
    // that name; a glob takes the whole root, top included.
    std::fs::write(
        src.join("snapshot.rs"),
        "use crate::*;\nfn g() { crate::generate(); }\n",
    )
    .unwrap();
    let problems = violations(src);
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(problems[0].contains("src/cache.rs") && problems[0].contains("`error`"));
    assert!(problems[1].contains("src/db/name.rs") && problems[1].contains("`schema`"));
    assert!(problems[2].contains("src/read.rs") && problems[2].contains("do not use each other"));
    assert!(problems[3].contains("src/snapshot.rs") && problems[3].contains("glob-imports"));
    assert!(problems[4].contains("src/snapshot.rs") && problems[4].contains("`api`"));
}

#[test]
fn every_room_may_use_the_test_support_and_nothing_else_above() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let mut lib = String::new();
    for (_, rooms) in LAYERS {
        for room in *rooms {
            if *room == TEST_SUPPORT {
                lib.push_str("#[cfg(test)]\n#[path = \"../tests/common/mod.rs\"]\n");
                lib.push_str("#[macro_use]\npub(crate) mod test_support;\n");
            } else {
                lib.push_str(&format!("pub mod {room};\n"));
                std::fs::write(src.join(format!("{room}.rs")), "//! a room\n").unwrap();
            }
        }
    }
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    std::fs::create_dir_all(src.join("db/tests")).unwrap();
    std::fs::write(
        src.join("db/tests/mod.rs"),
        "use crate::test_support::TestDb;\nuse crate::schema::Table;\n",
    )
    .unwrap();
    let problems = violations(src);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("src/db/tests/mod.rs") && problems[0].contains("`schema`"));
}

#[test]
fn a_super_chain_may_not_climb_out_of_its_room() {
    assert_eq!(super_budget(Path::new("cache/isolate/mysql.rs")), 2);
    assert_eq!(super_budget(Path::new("cache/isolate/mod.rs")), 1);
    assert_eq!(super_budget(Path::new("value.rs")), 0);
    assert!(!climbs_out("use super::super::x; use super::y;", 2));
    assert!(climbs_out("use super::super::super::x;", 2));
    assert!(climbs_out("use super::x;", 0));
    assert!(!climbs_out("mod tests { use super::*; }", 0));
    assert!(climbs_out("mod tests { } use super::x;", 0));
    assert!(!climbs_out("mod a { mod b { use super::super::x; } }", 0));
}
