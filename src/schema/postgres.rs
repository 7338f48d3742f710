//! PostgreSQL introspection.

use sqlx::postgres::PgPool;

use super::Schema;
use crate::error::Result;

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &PgPool) -> Result<Schema> {
    let _ = pool;
    todo!()
}
