//! The spec's tables found in the schema and put in insert order — the first step of a
//! plan, since every later step counts on a parent coming before its children.

use std::collections::HashMap;

use super::error::PlanError;
use crate::generate::spec::{Spec, TableSpec, suggest};
use crate::graph::Plan;
use crate::schema::{QualifiedName, Schema, Table};

/// The spec's tables with their schema tables, in insert order.
pub(super) struct Resolved<'a> {
    pub tables: Vec<(&'a TableSpec, &'a Table)>,
    /// Each table's position in `tables`.
    pub index: HashMap<QualifiedName, usize>,
}

/// Finds every table of `spec` in `schema` and orders them by `order`; an unknown table or
/// one named twice is refused.
pub(super) fn resolve<'a>(
    spec: &'a Spec,
    schema: &'a Schema,
    order: &Plan,
) -> Result<Resolved<'a>, PlanError> {
    let mut tables: Vec<(&TableSpec, &Table)> = Vec::new();
    for t in &spec.tables {
        let table = schema
            .resolve(&t.name)
            .ok_or_else(|| unknown_table(spec, schema, t))?;
        if tables.iter().any(|(_, r)| r.name == table.name) {
            return Err(spec
                .error(
                    t.line,
                    format!("tables.{}", t.name),
                    "this table is named twice",
                )
                .into());
        }
        tables.push((t, table));
    }
    tables.sort_by_key(|(_, t)| order.insert_order.iter().position(|n| n == &t.name));
    let index = tables
        .iter()
        .enumerate()
        .map(|(k, (_, t))| (t.name.clone(), k))
        .collect();
    Ok(Resolved { tables, index })
}

/// `unknown table "stafs"; did you mean "staffs"?`
fn unknown_table(spec: &Spec, schema: &Schema, t: &TableSpec) -> PlanError {
    let known: Vec<String> = schema
        .tables
        .iter()
        .map(|t| schema.display_name(&t.name))
        .collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    spec.error(
        t.line,
        format!("tables.{}", t.name),
        format!("unknown table \"{}\"{}", t.name, suggest(&t.name, &known)),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;

    #[test]
    fn an_unknown_table_is_refused_with_the_nearest_name() {
        assert_eq!(
            refused(&shop(), "[tables.custmers]\nrows = 3\n"),
            "spec.toml:1: tables.custmers: unknown table \"custmers\"; did you mean \"customers\"?"
        );
    }

    #[test]
    fn a_table_named_twice_is_refused() {
        let spec = "[tables.customers]\nrows = 3\n[tables.\"public.customers\"]\nrows = 4\n";
        assert_eq!(
            refused(&shop(), spec),
            "spec.toml:3: tables.public.customers: this table is named twice"
        );
    }
}
