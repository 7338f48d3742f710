//! What every backend's session does the same way: hold one pooled connection for a
//! transaction (a load's in `crate::write`, a snapshot read's in `crate::read`), run
//! statements on it and read rows back.
//!
//! The SQL always comes from the backend's own file; this is the plumbing around it,
//! written once, generic over the sqlx driver ([`Driver`]).

use std::sync::Arc;

use sqlx::database::HasStatementCache;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool, SqlSafeStr};

use super::DbError;

type Result<T, E = DbError> = std::result::Result<T, E>;

/// What the shared code needs of a driver beyond [`sqlx::Database`]: the pieces sqlx
/// gives each driver as inherent methods or per-type impls, under one name.
pub(crate) trait Driver:
    Database<Arguments: IntoArguments<Self>> + HasStatementCache
{
    type Executor<'c>: Executor<'c, Database = Self>;
    fn executor(conn: &mut Self::Connection) -> Self::Executor<'_>;
    fn rows_affected(done: &Self::QueryResult) -> u64;
    fn text(row: &Self::Row, i: usize) -> sqlx::Result<Option<String>>;
    fn bytes(row: &Self::Row, i: usize) -> sqlx::Result<Option<Vec<u8>>>;
    fn int(row: &Self::Row, i: usize) -> sqlx::Result<Option<i64>>;
}

macro_rules! driver {
    ($database:ty, $connection:ty) => {
        impl Driver for $database {
            type Executor<'c> = &'c mut $connection;
            fn executor(conn: &mut $connection) -> &mut $connection {
                conn
            }
            fn rows_affected(done: &Self::QueryResult) -> u64 {
                done.rows_affected()
            }
            fn text(row: &Self::Row, i: usize) -> sqlx::Result<Option<String>> {
                sqlx::Row::try_get(row, i)
            }
            fn bytes(row: &Self::Row, i: usize) -> sqlx::Result<Option<Vec<u8>>> {
                sqlx::Row::try_get(row, i)
            }
            fn int(row: &Self::Row, i: usize) -> sqlx::Result<Option<i64>> {
                sqlx::Row::try_get(row, i)
            }
        }
    };
}

#[cfg(feature = "postgres")]
driver!(sqlx::Postgres, sqlx::PgConnection);
#[cfg(feature = "mysql")]
driver!(sqlx::MySql, sqlx::MySqlConnection);
#[cfg(feature = "_sqlite")]
driver!(sqlx::Sqlite, sqlx::SqliteConnection);

/// The connection a load holds, in its transaction.
///
/// Dropped without [`Conn::commit`], it leaves the pool and closes, and the server rolls
/// the transaction back (and forgets the session's settings): it must never go back to the
/// pool with the transaction open.
pub(crate) struct Conn<DB: Driver> {
    /// `None` only once committed.
    conn: Option<PoolConnection<DB>>,
}

impl<DB: Driver> Drop for Conn<DB> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl<DB: Driver> Conn<DB> {
    /// Takes a connection out of `pool` (the caller then begins the transaction).
    pub(crate) async fn acquire(pool: &Pool<DB>) -> Result<Conn<DB>> {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| DbError::query("taking a connection from the pool", e))?;
        Ok(Conn { conn: Some(conn) })
    }

    pub(crate) fn get(&mut self) -> &mut DB::Connection {
        self.conn
            .as_deref_mut()
            .expect("BUG: a session is used only until it commits")
    }

    fn executor(&mut self) -> DB::Executor<'_> {
        DB::executor(self.get())
    }

    /// Runs `sql` (text protocol, nothing prepared); returns the rows it affected.
    pub(crate) async fn execute(&mut self, sql: impl SqlSafeStr, what: &str) -> Result<u64> {
        sqlx::raw_sql(sql)
            .execute(self.executor())
            .await
            .map(|done| DB::rows_affected(&done))
            .map_err(|e| DbError::query(what, e))
    }

    /// Runs a prepared statement with `arguments`, kept in the connection's statement cache
    /// when `persistent`; returns the rows it affected.
    pub(crate) async fn execute_with(
        &mut self,
        sql: Arc<str>,
        arguments: DB::Arguments,
        persistent: bool,
        what: &str,
    ) -> Result<u64> {
        sqlx::query_with(AssertSqlSafe(sql), arguments)
            .persistent(persistent)
            .execute(self.executor())
            .await
            .map(|done| DB::rows_affected(&done))
            .map_err(|e| DbError::query(what, e))
    }

    pub(crate) async fn fetch_all(&mut self, sql: String, what: &str) -> Result<Vec<DB::Row>> {
        sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_all(self.executor())
            .await
            .map_err(|e| DbError::query(what, e))
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: String,
        what: &str,
    ) -> Result<Option<DB::Row>> {
        sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_optional(self.executor())
            .await
            .map_err(|e| DbError::query(what, e))
    }

    /// The first column of the only row `sql` returns, an integer (`count(*)`, `max(...)`).
    pub(crate) async fn fetch_int(&mut self, sql: String, what: &str) -> Result<Option<i64>> {
        let row = sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_one(self.executor())
            .await
            .map_err(|e| DbError::query(what, e))?;
        DB::int(&row, 0).map_err(|e| DbError::query(what, e))
    }

    /// Runs `COMMIT`; once it succeeded, the connection is clean again and goes back to
    /// the pool. A refused `COMMIT` (a deferred key, say) leaves the transaction open: the
    /// connection is then dropped with the session, which closes it and rolls back.
    pub(crate) async fn commit(&mut self) -> Result<()> {
        self.execute("COMMIT", "committing the load").await?;
        self.release();
        Ok(())
    }

    /// Gives the connection back to the pool: only once its transaction has ended.
    pub(crate) fn release(&mut self) {
        drop(self.conn.take());
    }

    /// Closes the connection instead of pooling it (MySQL: its temporary tables outlive a
    /// ROLLBACK, and the next user of the connection must not see them).
    pub(crate) async fn close(&mut self) -> Result<()> {
        if let Some(conn) = self.conn.take() {
            sqlx::Connection::close(conn.detach())
                .await
                .map_err(|e| DbError::query("closing the connection", e))?;
        }
        Ok(())
    }
}
