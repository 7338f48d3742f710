//! The `inspect` report as a Graphviz DOT graph.
//!
//! One box per table (row counts inside), one arrow per foreign key from the referencing
//! table to the referenced one, labelled with its columns. Tables in a cycle are filled;
//! the foreign keys a plan breaks are dashed red and labelled with how; a key that cannot
//! be broken is bold red. Render with `dot -Tsvg`.

use std::fmt::Write;

use super::Report;
use crate::graph::{BreakStrategy, FkRef};
use crate::schema::QualifiedName;

/// Renders `report` as DOT.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("digraph fixtura {\n");
    out.push_str("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    let in_cycle = |n: &QualifiedName| report.cycles.iter().any(|c| c.tables.contains(n));
    for t in &report.tables {
        let mut label = t.display_name.clone();
        if let Some(rows) = t.rows {
            label.push_str(&format!("\n{rows} rows"));
        }
        if let Some(flagged) = t.flagged_rows {
            label.push_str(&format!(", {flagged} flagged"));
        }
        let style = if in_cycle(&t.table.name) {
            ", style=\"rounded,filled\", fillcolor=\"#fde2e2\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label={}{style}];",
            id(&t.table.name),
            quote(&label)
        );
    }
    let shown = |n: &QualifiedName| report.tables.iter().any(|t| &t.table.name == n);
    for t in &report.tables {
        for fk in &t.table.foreign_keys {
            if !shown(&fk.referenced_table) {
                continue;
            }
            let broken = report.cycles.iter().flat_map(|c| &c.breaks).find(|b| {
                b.foreign_key.table == t.table.name && b.foreign_key.constraint == fk.name
            });
            let unbreakable = report
                .cycles
                .iter()
                .flat_map(|c| &c.unbreakable)
                .any(|f| is(f, &t.table.name, &fk.name));
            let mut label = fk.columns.join(", ");
            let mut attrs = String::new();
            if let Some(b) = broken {
                label.push_str(&format!("\n({})", strategy(b.strategy)));
                attrs.push_str(", color=\"#d62728\", fontcolor=\"#d62728\", style=dashed");
            } else if unbreakable {
                label.push_str("\n(cannot be broken)");
                attrs.push_str(", color=\"#d62728\", fontcolor=\"#d62728\", penwidth=2.5");
            }
            let _ = writeln!(
                out,
                "  {} -> {} [label={}{attrs}];",
                id(&t.table.name),
                id(&fk.referenced_table),
                quote(&label)
            );
        }
    }
    out.push_str("}\n");
    out
}

fn is(fk: &FkRef, table: &QualifiedName, constraint: &str) -> bool {
    &fk.table == table && fk.constraint == constraint
}

fn strategy(s: BreakStrategy) -> &'static str {
    match s {
        BreakStrategy::SelfReference => "self-reference",
        BreakStrategy::NullThenUpdate => "NULL, then UPDATE",
        BreakStrategy::Deferred => "deferred",
        BreakStrategy::SessionSwitch => "session switch",
    }
}

/// A node id: the qualified name, quoted.
fn id(name: &QualifiedName) -> String {
    quote(&name.to_string())
}

/// A DOT double-quoted string: backslashes and quotes escaped, newlines as `\n`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quote_escapes_what_dot_would_misread() {
        assert_eq!(quote("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c\\nd\"");
    }
}
