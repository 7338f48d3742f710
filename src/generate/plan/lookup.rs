//! What the planner reads from the database: the largest integer key so far (new keys are
//! numbered past it) and the keys of parent tables the spec does not generate (sampled, so
//! a child can reference them). A trait, so the planner runs without a database in tests.

use crate::schema::Table;
use crate::value::Row;
use crate::write::WriteError;

/// Rows of existing parent tables sampled at most, per foreign key.
pub(super) const EXISTING_KEYS_LIMIT: u64 = 100_000;

/// What the caller must look up in the database while planning.
pub(crate) trait Lookup {
    /// The largest value of an integer column, `None` when empty.
    fn max_integer(
        &mut self,
        table: &Table,
        column: &str,
    ) -> impl Future<Output = Result<Option<i64>, WriteError>>;
    /// Existing key values, ordered.
    fn existing_keys(
        &mut self,
        table: &Table,
        columns: &[String],
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Row>, WriteError>>;
}
