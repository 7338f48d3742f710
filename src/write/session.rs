//! What every backend's session does the same way: hold one pooled connection for a
//! transaction (a load's, or a snapshot read's in `crate::read`), run statements on it and
//! read rows back.
//!
//! The SQL always comes from the backend's own file; this is the plumbing around it,
//! written once, generic over the sqlx driver ([`Driver`]).

use std::sync::Arc;

use sqlx::database::HasStatementCache;
use sqlx::mysql::MySqlConnection;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{
    AssertSqlSafe, Database, Executor, IntoArguments, MySql, Pool, Postgres, Row as _, SqlSafeStr,
    Sqlite,
};

use super::fk_check::Probe;
use super::keys::KeyKind;
use super::target::Target;
use crate::error::{Error, Result};
use crate::value::{Row, Value};

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
                row.try_get(i)
            }
            fn bytes(row: &Self::Row, i: usize) -> sqlx::Result<Option<Vec<u8>>> {
                row.try_get(i)
            }
            fn int(row: &Self::Row, i: usize) -> sqlx::Result<Option<i64>> {
                row.try_get(i)
            }
        }
    };
}

driver!(Postgres, PgConnection);
driver!(MySql, MySqlConnection);
driver!(Sqlite, SqliteConnection);

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
            .map_err(|e| Error::query("taking a connection from the pool", e))?;
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
            .map_err(|e| Error::query(what, e))
    }

    /// Runs a prepared statement with `arguments`, kept in the connection's statement cache
    /// when `persistent`; returns the rows it affected.
    pub(super) async fn execute_with(
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
            .map_err(|e| Error::query(what, e))
    }

    pub(super) async fn fetch_all(&mut self, sql: String, what: &str) -> Result<Vec<DB::Row>> {
        sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_all(self.executor())
            .await
            .map_err(|e| Error::query(what, e))
    }

    pub(super) async fn fetch_optional(
        &mut self,
        sql: String,
        what: &str,
    ) -> Result<Option<DB::Row>> {
        sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_optional(self.executor())
            .await
            .map_err(|e| Error::query(what, e))
    }

    /// The first column of the only row `sql` returns, an integer (`count(*)`, `max(...)`).
    pub(super) async fn fetch_int(&mut self, sql: String, what: &str) -> Result<Option<i64>> {
        let row = sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch_one(self.executor())
            .await
            .map_err(|e| Error::query(what, e))?;
        DB::int(&row, 0).map_err(|e| Error::query(what, e))
    }

    /// Runs the probe's sample query and, only when it finds a row, its count: a check that
    /// passes costs one query. `None` when nothing was found, else the count and the
    /// sample's values (`None` for NULL).
    pub(super) async fn probe(
        &mut self,
        probe: Probe,
        what: &str,
    ) -> Result<Option<(i64, Vec<Option<String>>)>> {
        let Some(row) = self.fetch_optional(probe.sample, what).await? else {
            return Ok(None);
        };
        let values = (0..probe.width)
            .map(|i| DB::text(&row, i).unwrap_or_else(|_| Some("?".into())))
            .collect();
        let count = self.fetch_int(probe.count, what).await?.unwrap_or(0);
        Ok(Some((count, values)))
    }

    /// Runs `sql` (the target's columns, `SELECT`ed by `existing_keys_sql`) and turns each
    /// column of each row into a [`Value`] with `decode`, by the column's [`KeyKind`].
    pub(super) async fn read_keys(
        &mut self,
        target: &Target<'_>,
        sql: String,
        decode: fn(&DB::Row, usize, KeyKind) -> sqlx::Result<Value>,
    ) -> Result<Vec<Row>> {
        let kinds: Vec<KeyKind> = target
            .columns
            .iter()
            .map(|c| KeyKind::of(&c.column_type))
            .collect();
        let what = format!("reading existing keys of {}", target.name);
        let rows = self.fetch_all(sql, &what).await?;
        rows.iter()
            .map(|row| {
                kinds
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| decode(row, i, *kind).map_err(|e| Error::query(&what, e)))
                    .collect()
            })
            .collect()
    }

    /// Runs `COMMIT`; once it succeeded, the connection is clean again and goes back to
    /// the pool. A refused `COMMIT` (a deferred key, say) leaves the transaction open: the
    /// connection is then dropped with the session, which closes it and rolls back.
    pub(super) async fn commit(&mut self) -> Result<()> {
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
                .map_err(|e| Error::query("closing the connection", e))?;
        }
        Ok(())
    }
}

/// A key column read as text (bytes for binary columns) and parsed by its kind: how the
/// servers' keys come back (selected with a cast to text, bytes left as they are).
pub(super) fn decode_text<DB: Driver>(
    row: &DB::Row,
    i: usize,
    kind: KeyKind,
) -> sqlx::Result<Value> {
    Ok(match kind {
        KeyKind::Bytes => DB::bytes(row, i)?.map_or(Value::Null, Value::Bytes),
        _ => DB::text(row, i)?.map_or(Value::Null, |text| kind.parse(text)),
    })
}
