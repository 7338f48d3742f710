//! MySQL introspection.

use sqlx::mysql::MySqlPool;

use super::Schema;
use crate::error::Result;

/// Reads the schema of the database behind `pool`.
pub(super) async fn introspect(pool: &MySqlPool) -> Result<Schema> {
    let _ = pool;
    todo!()
}
