//! The state one table's plan is built in: what the steps (`foreign_keys.rs`,
//! `columns.rs`, `uniqueness.rs`) read — the spec, the schema, the counts — and what they
//! fill in — columns and picks — with the address their messages carry (the table's line
//! and key). The steps add their methods in their own rooms; `table.rs` runs them in order.

use std::collections::HashMap;

use super::error::PlanError;
use super::model::{ColumnPlan, Group, Pick};
use crate::generate::spec::{ColumnSpec, Spec, TableSpec};
use crate::schema::{QualifiedName, Schema, Table};

/// Builds one table's plan.
pub(super) struct TableBuilder<'a> {
    pub spec: &'a Spec,
    pub schema: &'a Schema,
    pub table: &'a Table,
    pub table_spec: &'a TableSpec,
    /// `tables.NAME`, the key its messages name.
    pub key: String,
    /// This table's position in the plan.
    pub own: usize,
    /// Every planned table's position.
    pub index: &'a HashMap<QualifiedName, usize>,
    /// Every planned table's row count.
    pub counts: &'a [u64],
    pub rows: u64,
    pub group: Option<&'a Group>,
    pub columns: Vec<ColumnPlan>,
    pub picks: Vec<Pick>,
}

impl TableBuilder<'_> {
    /// An error at this table's line, under `key`.
    pub(super) fn error(&self, key: impl Into<String>, message: impl Into<String>) -> PlanError {
        self.spec.error(self.table_spec.line, key, message).into()
    }

    /// An error at this table's line and key.
    pub(super) fn refuse(&self, message: impl Into<String>) -> PlanError {
        self.error(self.key.as_str(), message)
    }

    /// What the spec says about column `name`, if anything.
    pub(super) fn column_spec(&self, name: &str) -> Option<&ColumnSpec> {
        self.table_spec.columns.iter().find(|c| c.name == name)
    }

    /// A table's name as shown to a person.
    pub(super) fn display(&self, name: &QualifiedName) -> String {
        self.schema.display_name(name)
    }
}
