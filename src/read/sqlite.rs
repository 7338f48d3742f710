//! SQLite: rows come out of one streamed `SELECT` inside `BEGIN`; the transaction's first
//! read fixes what every later read sees ("Transactions" and "Isolation In SQLite").
//!
//! SQLite types values, not columns: any column may hold any storage class, whatever its
//! declared type says ("Datatypes In SQLite", "Storage Classes and Datatypes"). So each
//! cell is decoded by its own storage class — INTEGER, REAL, TEXT, BLOB or NULL — and
//! written back with the same one; the declared type only tells a boolean's 0 and 1 from
//! other integers. Dates, decimals and JSON stay exactly the text they were stored as.

use futures_util::TryStreamExt as _;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Row as _, Sqlite, TypeInfo as _, ValueRef as _};
use tokio::sync::mpsc::Sender;

use super::Result;
use super::{Batches, Select, not_an_integer};
use crate::db::Backend;
use crate::db::DbError;
use crate::db::session::Conn;
use crate::schema::ColumnType;
use crate::value::{Row, Value};

const SQLITE: Backend = Backend::Sqlite;

/// A connection in a read transaction.
pub(super) struct Session {
    /// Dropped unfinished, the connection leaves the pool and closes: the server rolls back
    /// (and, on MySQL, drops the session's temporary tables).
    conn: Conn<Sqlite>,
}

impl Session {
    pub(super) async fn begin(pool: &SqlitePool) -> Result<Session> {
        let mut session = Session {
            conn: Conn::acquire(pool).await?,
        };
        session
            .run("BEGIN", "beginning the read transaction")
            .await?;
        Ok(session)
    }

    fn conn(&mut self) -> &mut SqliteConnection {
        self.conn.get()
    }

    async fn run(&mut self, sql: &str, what: &str) -> Result<u64> {
        Ok(self
            .conn
            .execute(AssertSqlSafe(sql.to_string()), what)
            .await?)
    }

    pub(super) async fn rows(
        &mut self,
        select: &Select<'_>,
        sender: &Sender<Vec<Row>>,
    ) -> Result<u64> {
        let expressions: Vec<String> = select
            .columns
            .iter()
            .map(|c| Select::column_ref(SQLITE, c))
            .collect();
        let sql = select.sql(SQLITE, &expressions);
        let flags: Vec<bool> = select
            .columns
            .iter()
            .map(|c| c.column_type == ColumnType::Boolean)
            .collect();
        let what = select.what();
        let mut batches = Batches::new(select, sender);
        let mut stream = sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .fetch(self.conn());
        while let Some(row) = stream
            .try_next()
            .await
            .map_err(|e| DbError::query(&what, e))?
        {
            let values = flags
                .iter()
                .enumerate()
                .map(|(i, flag)| {
                    decode(&row, i, *flag).map_err(|e| {
                        select.decode_error(Some(&select.columns[i].name), e.to_string())
                    })
                })
                .collect::<Result<Row>>()?;
            batches.push(values).await?;
        }
        batches.finish().await
    }

    pub(super) async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.run(sql, &format!("running in the read transaction: {sql}"))
            .await
    }

    pub(super) async fn scalar(&mut self, sql: &str) -> Result<i64> {
        let row = sqlx::query(AssertSqlSafe(sql.to_string()))
            .persistent(false)
            .fetch_one(self.conn())
            .await
            .map_err(|e| DbError::query(format!("running in the read transaction: {sql}"), e))?;
        row.try_get::<i64, _>(0).map_err(|e| not_an_integer(sql, e))
    }

    pub(super) async fn finish(mut self) -> Result<()> {
        self.run("ROLLBACK", "ending the read transaction").await?;
        // Rolled back: the connection may go back to the pool (which keeps an in-memory
        // database alive).
        self.conn.release();
        Ok(())
    }
}

/// One cell, by its storage class; `flag` for a BOOLEAN column, whose 0 and 1 are booleans.
fn decode(row: &SqliteRow, i: usize, flag: bool) -> sqlx::Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let storage = raw.type_info().name().to_string();
    Ok(match storage.as_str() {
        "INTEGER" => match row.try_get_unchecked::<i64, _>(i)? {
            0 if flag => Value::Bool(false),
            1 if flag => Value::Bool(true),
            other => Value::Int(other),
        },
        "REAL" => Value::Float(row.try_get_unchecked(i)?),
        "TEXT" => Value::Text(
            row.try_get_unchecked(i)
                .map_err(|_| sqlx::Error::Decode("it holds TEXT that is not valid UTF-8".into()))?,
        ),
        "BLOB" => Value::Bytes(row.try_get_unchecked(i)?),
        other => {
            return Err(sqlx::Error::Decode(
                format!("unknown storage class {other}").into(),
            ));
        }
    })
}
