//! The `inspect` report as text for a person: tables, keys, skipped relations, cycles with
//! their plans, and the insert order.

use std::fmt::Write;

use super::{Report, TableReport};
use crate::graph::{BreakStrategy, Cycle, FkRef};
use crate::schema::{ColumnType, QualifiedName, TriggerEnabled};

/// Renders `report`; `columns` adds every table's columns with their types.
pub fn render(report: &Report, columns: bool) -> String {
    let mut out = String::new();
    header(&mut out, report);
    tables(&mut out, report);
    keys(&mut out, report, columns);
    skipped(&mut out, report);
    dangling(&mut out, report);
    cycles(&mut out, report);
    insert_order(&mut out, report);
    out
}

/// The server, the default schema, the counts and the flag column, on one line.
fn header(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "{} {}, default schema \"{}\": {} table{}{}; flag column \"{}\"",
        report.backend,
        report.server_version,
        report.default_schema,
        report.tables.len(),
        plural(report.tables.len()),
        if report.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", report.skipped.len())
        },
        report.flag,
    );
}

/// One row per table: its rows, flagged rows, primary key and parents.
fn tables(out: &mut String, report: &Report) {
    out.push_str("\nTables\n");
    let mut rows = vec![
        ["TABLE", "ROWS", "FLAGGED", "PRIMARY KEY", "REFERENCES"]
            .map(String::from)
            .to_vec(),
    ];
    for t in &report.tables {
        rows.push(vec![
            t.display_name.clone(),
            t.rows.map_or("-".into(), |n| n.to_string()),
            match (&t.table.flag_column, t.flagged_rows) {
                (None, _) => "no flag".into(),
                (Some(_), Some(n)) => n.to_string(),
                (Some(_), None) => "yes".into(),
            },
            t.table
                .primary_key
                .as_ref()
                .map_or("(none)".into(), |k| k.columns.join(", ")),
            references(report, t),
        ]);
    }
    out.push_str(&aligned(&rows, &[false, true, true, false, false], "  "));
}

/// Every table's keys, and with `columns` its columns.
fn keys(out: &mut String, report: &Report, columns: bool) {
    out.push_str("\nKeys\n");
    for t in &report.tables {
        let _ = writeln!(out, "  {}", t.display_name);
        for line in key_lines(report, t).into_iter().chain(trigger_lines(t)) {
            let _ = writeln!(out, "    {line}");
        }
        if columns {
            column_lines(out, t);
        }
    }
}

/// A table's primary key, unique keys and foreign keys (with what matters for loading),
/// one line each; `no keys` when it has none.
fn key_lines(report: &Report, t: &TableReport) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(pk) = &t.table.primary_key {
        lines.push(format!(
            "primary key {} ({})",
            pk.name,
            pk.columns.join(", ")
        ));
    }
    for k in t.unique_keys() {
        lines.push(format!("unique      {} ({})", k.name, k.columns.join(", ")));
    }
    for fk in &t.table.foreign_keys {
        let mut notes = vec![];
        if fk.is_nullable_in(&t.table) {
            notes.push("nullable".to_string());
        }
        if fk.deferrable.is_deferrable() {
            notes.push("deferrable".to_string());
        }
        if !fk.partitions.is_empty() {
            let partitions: Vec<String> =
                fk.partitions.iter().map(|p| display(report, p)).collect();
            notes.push(format!("declared on partitions {}", partitions.join(", ")));
        }
        if fk.on_delete != crate::schema::FkAction::NoAction {
            notes.push(format!(
                "on delete {}",
                fk.on_delete.as_sql().to_lowercase()
            ));
        }
        lines.push(format!(
            "foreign key {} ({}) → {} ({}){}",
            fk.name,
            fk.columns.join(", "),
            display(report, &fk.referenced_table),
            fk.referenced_columns.join(", "),
            if notes.is_empty() {
                String::new()
            } else {
                format!("  [{}]", notes.join(", "))
            }
        ));
    }
    for c in &t.table.columns {
        if let Some(sequence) = &c.sequence {
            lines.push(format!(
                "sequence    {} feeds {}",
                display(report, sequence),
                c.name
            ));
        }
    }
    if lines.is_empty() {
        lines.push("no keys".to_string());
    }
    lines
}

/// A table's triggers, one line each (what fires them, when, whether it is switched on,
/// what it runs), and its storage engine when it has no transactions.
fn trigger_lines(t: &TableReport) -> Vec<String> {
    let mut lines = Vec::new();
    for trigger in &t.table.triggers {
        let mut notes = vec![if trigger.for_each_row {
            "for each row"
        } else {
            "for each statement"
        }];
        match trigger.enabled {
            TriggerEnabled::Enabled => {}
            TriggerEnabled::Always => notes.push("enabled always"),
            TriggerEnabled::ReplicaOnly => notes.push("enabled replica only"),
            TriggerEnabled::Disabled => notes.push("disabled"),
        }
        let action: String = trigger
            .action
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let action = match action.char_indices().nth(60) {
            Some((cut, _)) => format!("{}…", &action[..cut]),
            None => action,
        };
        lines.push(format!(
            "trigger     {}  [{}] {action}",
            trigger.describe(),
            notes.join(", ")
        ));
    }
    if !t.table.transactional {
        lines.push(format!(
            "engine      {} (no transactions: a failed load leaves what it wrote here)",
            t.table.engine.as_deref().unwrap_or("unknown")
        ));
    }
    lines
}

/// A table's columns with their types, nullability, identity, generation, default and
/// enum labels.
fn column_lines(out: &mut String, t: &TableReport) {
    for c in &t.table.columns {
        let mut notes = vec![if c.nullable { "null" } else { "not null" }.to_string()];
        if let Some(identity) = c.identity {
            notes.push(format!("{identity:?}").to_lowercase());
        }
        if let Some(g) = &c.generated {
            notes.push(format!(
                "generated {} ({})",
                if g.stored { "stored" } else { "virtual" },
                g.expression
            ));
        }
        if let Some(d) = &c.default {
            notes.push(format!("default {d}"));
        }
        if let Some(sequence) = &c.sequence {
            notes.push(format!("sequence {sequence}"));
        }
        if let ColumnType::Enum { labels, .. } = &c.column_type {
            notes.push(format!("labels {}", labels.join("|")));
        }
        let _ = writeln!(
            out,
            "    · {} {} ({})",
            c.name,
            c.type_name,
            notes.join(", ")
        );
    }
}

/// Relations never written, and why; nothing when there are none.
fn skipped(out: &mut String, report: &Report) {
    if report.skipped.is_empty() {
        return;
    }
    out.push_str("\nSkipped (never written)\n");
    let rows: Vec<Vec<String>> = report
        .skipped
        .iter()
        .map(|s| vec![display(report, &s.name), s.reason.clone()])
        .collect();
    out.push_str(&aligned(&rows, &[false, false], "  "));
}

/// Foreign keys to tables outside the schema; nothing when there are none.
fn dangling(out: &mut String, report: &Report) {
    if report.dangling.is_empty() {
        return;
    }
    out.push_str("\nForeign keys to tables outside the schema (no order imposed)\n");
    for fk in &report.dangling {
        let _ = writeln!(out, "  {}", fk_text(report, fk));
    }
}

/// Every cycle with how each of its keys is broken (or why it cannot be), then whether
/// the session may switch foreign-key checks off.
fn cycles(out: &mut String, report: &Report) {
    let _ = writeln!(out, "\nCycles ({})", report.cycles.len());
    if report.cycles.is_empty() {
        out.push_str("  none: every table can be loaded after its parents\n");
    }
    for (i, cycle) in report.cycles.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, cycle_text(report, cycle));
        for b in &cycle.breaks {
            let _ = writeln!(
                out,
                "     break {} by {}",
                fk_text(report, &b.foreign_key),
                strategy(b.strategy)
            );
            let _ = writeln!(out, "       {}", b.reason);
        }
        for fk in &cycle.unbreakable {
            let _ = writeln!(
                out,
                "     CANNOT BREAK {}: NOT NULL, not deferrable, and this session cannot switch \
                 foreign-key checks off; make \"{}\" DEFERRABLE or let a column accept NULL",
                fk_text(report, fk),
                fk.constraint
            );
        }
    }
    let _ = writeln!(
        out,
        "  session switch: {}",
        if report.session_switch {
            "available (this session may turn foreign-key checks off for itself; fixtura then checks the keys)"
        } else {
            "not available to this role (cycles must be broken by NULL or deferrable keys)"
        }
    );
}

/// The insert order, numbered.
fn insert_order(out: &mut String, report: &Report) {
    out.push_str("\nInsert order (delete in reverse)\n");
    for (i, n) in report.insert_order.iter().enumerate() {
        let _ = writeln!(out, "  {:>3}. {}", i + 1, display(report, n));
    }
}

fn display(report: &Report, name: &QualifiedName) -> String {
    if name.schema == report.default_schema {
        name.name.clone()
    } else {
        name.to_string()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The distinct parent tables a table references.
fn references(report: &Report, t: &TableReport) -> String {
    let mut parents: Vec<String> = t
        .table
        .foreign_keys
        .iter()
        .map(|fk| display(report, &fk.referenced_table))
        .collect();
    parents.dedup();
    if parents.is_empty() {
        "-".into()
    } else {
        parents.join(", ")
    }
}

fn fk_text(report: &Report, fk: &FkRef) -> String {
    format!(
        "{} ({}.{} → {})",
        fk.constraint,
        display(report, &fk.table),
        fk.columns.join(", "),
        display(report, &fk.referenced_table)
    )
}

/// `a → b → a` for the edges of a cycle, or the member list for larger components.
fn cycle_text(report: &Report, cycle: &Cycle) -> String {
    let names: Vec<String> = cycle.tables.iter().map(|n| display(report, n)).collect();
    match names.as_slice() {
        [one] => format!("{one} → {one} (self-reference)"),
        [a, b] => format!("{a} → {b} → {a}"),
        _ => format!("{} (one strongly connected component)", names.join(", ")),
    }
}

fn strategy(s: BreakStrategy) -> &'static str {
    match s {
        BreakStrategy::SelfReference => "ordering rows (self-reference)",
        BreakStrategy::NullThenUpdate => "inserting NULL, then UPDATE",
        BreakStrategy::Deferred => "deferring the constraint to commit",
        BreakStrategy::SessionSwitch => "the session switch, checked by fixtura before commit",
    }
}

/// Rows as aligned columns separated by two spaces, each line starting with `indent`;
/// `right[i]` right-aligns column i.
pub fn aligned(rows: &[Vec<String>], right: &[bool], indent: &str) -> String {
    let mut widths = vec![0; right.len()];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let pad = " ".repeat(widths[i] - cell.chars().count());
                if right[i] {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(indent);
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
