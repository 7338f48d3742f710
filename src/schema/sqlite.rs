//! SQLite introspection.

use sqlx::sqlite::SqlitePool;

use super::Schema;
use crate::error::Result;

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &SqlitePool) -> Result<Schema> {
    let _ = pool;
    todo!()
}
