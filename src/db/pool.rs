//! [`Db`]: an open pool to one database, the closed set of backends as one value.

use super::{Backend, DbError};

/// An open connection pool to one database.
///
/// A variant per backend compiled in (cargo features): a match on it needs a `_` arm, so
/// enabling another backend never breaks a caller's build.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Db {
    /// A PostgreSQL pool.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// A MySQL/MariaDB pool.
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
    /// A SQLite pool (one connection for an in-memory database).
    #[cfg(feature = "_sqlite")]
    Sqlite(sqlx::SqlitePool),
}

impl Db {
    /// The backend behind the pool.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Db::MySql(_) => Backend::MySql,
            #[cfg(feature = "_sqlite")]
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => pool.close().await,
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => pool.close().await,
            #[cfg(feature = "_sqlite")]
            Db::Sqlite(pool) => pool.close().await,
        }
    }

    /// Runs a script of one or more statements in one transaction. (MySQL commits each DDL
    /// statement implicitly, so there a failed script may leave its earlier DDL behind.)
    pub(crate) async fn run_script(&self, sql: &str) -> Result<(), DbError> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        let map = |e| DbError::query("running SQL script", e);
        match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(map)?;
                sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(map)?;
                tx.commit().await.map_err(map)
            }
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => {
                let mut tx = pool.begin().await.map_err(map)?;
                sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(map)?;
                tx.commit().await.map_err(map)
            }
            #[cfg(feature = "_sqlite")]
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await.map_err(map)?;
                sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(map)?;
                tx.commit().await.map_err(map)
            }
        }
    }

    /// The name of the database behind the pool: PostgreSQL `current_database()`, MySQL
    /// `DATABASE()`, the SQLite main file's path (empty for an in-memory database).
    pub(crate) async fn database_name(&self) -> Result<String, DbError> {
        let map = |e| DbError::query("reading the database name", e);
        let name: Option<String> = match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => sqlx::query_scalar("SELECT current_database()::text")
                .fetch_one(pool)
                .await
                .map_err(map)?,
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)")
                .fetch_one(pool)
                .await
                .map_err(map)?,
            #[cfg(feature = "_sqlite")]
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_optional(pool)
                    .await
                    .map_err(map)?
            }
        };
        Ok(name.unwrap_or_default())
    }
}
