//! MySQL/MariaDB copies: no template databases here, so each worker (and each scratch copy)
//! is a fresh database with the target's tables (`SHOW CREATE TABLE`, replayed with
//! `FOREIGN_KEY_CHECKS = 0`, so the order does not matter) and its unflagged rows (one
//! server-side `INSERT … SELECT` per table), then filled from the snapshot.
//!
//! MariaDB (10.5+) keeps fixtura's marker as the database comment (`CREATE DATABASE … COMMENT`);
//! MySQL has no database comments, so there the strict name pattern is the marker. Views,
//! triggers and routines are not copied.

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::{Identity, Kind, Made, Marker, Scratch, clone_name, scratch_name, with_database};
use crate::cache::CacheError;
use crate::db::{Backend, ConnectError, DbError};

const MY: Backend = Backend::MySql;

/// A connection to the target database, for copying it.
pub(crate) struct Admin {
    conn: MySqlConnection,
    url: String,
    source: String,
    /// The flag column: flagged rows are not copied (the snapshot brings its own).
    flag: String,
    /// MariaDB keeps database comments; MySQL does not.
    mariadb: bool,
}

impl Admin {
    pub(super) async fn open(url: &str, flag: &str) -> Result<Admin, CacheError> {
        let invalid = |reason: String| ConnectError::InvalidUrl {
            url: crate::db::redact(url),
            reason,
        };
        let rest = url.split_once(':').map_or("", |(_, r)| r);
        let options = MySqlConnectOptions::from_str(&format!("mysql:{rest}"))
            .map_err(|e| invalid(e.to_string()))?;
        let source = options
            .get_database()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| invalid("no database name".into()))?
            .to_string();
        let mut conn = options
            .connect()
            .await
            .map_err(|e| DbError::query("connecting to make copies", e))?;
        let version: String = sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| DbError::query("reading the server version", e))?;
        Ok(Admin {
            conn,
            url: url.to_string(),
            source,
            flag: flag.to_string(),
            mariadb: version.to_ascii_lowercase().contains("mariadb"),
        })
    }

    async fn run(&mut self, sql: String, what: &str) -> Result<(), CacheError> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut self.conn)
            .await
            .map_err(|e| DbError::query(what, e))?;
        Ok(())
    }

    pub(super) async fn scratch(&mut self, id: &str) -> Result<Scratch, CacheError> {
        let name = scratch_name(id, &self.source);
        let marker = Marker::new(Kind::Scratch, id, &self.source, None);
        let url = self.copy(&name, &marker).await?;
        Ok(Scratch { name, url })
    }

    /// A fresh copy of the target's tables and unflagged rows for the worker; an earlier
    /// copy for the same run and worker is dropped first.
    pub(super) async fn fresh_copy(
        &mut self,
        id: &str,
        identity: &Identity,
    ) -> Result<(String, String), CacheError> {
        let name = clone_name(id, &self.source, identity);
        self.drop_database(&name).await?;
        let marker = Marker::new(Kind::Clone, id, &self.source, Some(identity));
        let url = self.copy(&name, &marker).await?;
        Ok((name, url))
    }

    /// Creates database `name` with the target's character set, tables and unflagged rows.
    async fn copy(&mut self, name: &str, marker: &Marker) -> Result<String, CacheError> {
        let what = format!("copying database \"{}\" to \"{name}\"", self.source);
        let (charset, collation): (String, String) = sqlx::query_as(
            "SELECT CAST(DEFAULT_CHARACTER_SET_NAME AS CHAR), CAST(DEFAULT_COLLATION_NAME AS CHAR) \
             FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        )
        .bind(&self.source)
        .fetch_one(&mut self.conn)
        .await
        .map_err(|e| DbError::query(&what, e))?;
        let comment = if self.mariadb {
            format!(" COMMENT '{}'", escape(&marker.comment()))
        } else {
            String::new()
        };
        self.run(
            format!(
                "CREATE DATABASE {} CHARACTER SET {charset} COLLATE {collation}{comment}",
                MY.quote_ident(name)
            ),
            &what,
        )
        .await?;
        let url = with_database(&self.url, name)?;
        let result = self.fill_copy(name, &url, &what).await;
        if let Err(e) = result {
            let _ = self.drop_database(name).await;
            return Err(e);
        }
        Ok(url)
    }

    async fn fill_copy(&mut self, name: &str, url: &str, what: &str) -> Result<(), CacheError> {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        )
        .bind(&self.source)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| DbError::query(what, e))?;
        let rest = url.split_once(':').map_or("", |(_, r)| r);
        let mut copy = MySqlConnectOptions::from_str(&format!("mysql:{rest}"))
            .map_err(|e| DbError::query(what, e))?
            .connect()
            .await
            .map_err(|e| DbError::query(what, e))?;
        let run = |sql: String| AssertSqlSafe(sql);
        sqlx::raw_sql(run("SET FOREIGN_KEY_CHECKS = 0".into()))
            .execute(&mut copy)
            .await
            .map_err(|e| DbError::query(what, e))?;
        for (table,) in &tables {
            let source_table =
                format!("{}.{}", MY.quote_ident(&self.source), MY.quote_ident(table));
            let (_, ddl): (String, String) =
                sqlx::query_as(AssertSqlSafe(format!("SHOW CREATE TABLE {source_table}")))
                    .fetch_one(&mut self.conn)
                    .await
                    .map_err(|e| DbError::query(what, e))?;
            sqlx::raw_sql(run(ddl))
                .execute(&mut copy)
                .await
                .map_err(|e| DbError::query(format!("{what}: creating table {table}"), e))?;
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT CAST(COLUMN_NAME AS CHAR), CAST(EXTRA AS CHAR) FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            )
            .bind(&self.source)
            .bind(table)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| DbError::query(what, e))?;
            let flagged = columns.iter().any(|(c, _)| c == &self.flag);
            let list: Vec<String> = columns
                .iter()
                .filter(|(_, extra)| !extra.to_ascii_uppercase().contains("GENERATED"))
                .map(|(c, _)| MY.quote_ident(c))
                .collect();
            if list.is_empty() {
                continue;
            }
            let filter = if flagged {
                let flag = MY.quote_ident(&self.flag);
                format!(" WHERE NOT ({flag} IS NOT NULL AND {flag} <> 0)")
            } else {
                String::new()
            };
            let insert = format!(
                "INSERT INTO {}.{} ({cols}) SELECT {cols} FROM {source_table}{filter}",
                MY.quote_ident(name),
                MY.quote_ident(table),
                cols = list.join(", ")
            );
            sqlx::raw_sql(run(insert))
                .execute(&mut copy)
                .await
                .map_err(|e| DbError::query(format!("{what}: copying the rows of {table}"), e))?;
        }
        let _ = copy.close().await;
        Ok(())
    }

    /// Whether `name` is a database fixtura made: its name's shape and, on MariaDB, its
    /// comment too.
    fn ours(&self, name: &str, comment: Option<&str>) -> Option<Made> {
        let marker = if self.mariadb {
            Some(comment.and_then(Marker::parse)?)
        } else {
            None
        };
        Made::from_name(name, marker.as_ref())
    }

    pub(super) async fn drop_database(&mut self, name: &str) -> Result<(), CacheError> {
        let Some(found) = self.find(name).await? else {
            return Ok(());
        };
        if found.is_none() {
            return Err(CacheError::Isolation(format!(
                "database \"{name}\" was not made by fixtura: not dropping it"
            )));
        }
        self.run(
            format!("DROP DATABASE IF EXISTS {}", MY.quote_ident(name)),
            &format!("dropping database \"{name}\""),
        )
        .await
    }

    /// Drops a database fixtura made unless a session holds one of its tables (a
    /// transaction open on it): then `false` after a few seconds' wait, instead of waiting
    /// for the test using it to end.
    pub(super) async fn drop_unused(&mut self, name: &str) -> Result<bool, CacheError> {
        self.run(
            "SET SESSION lock_wait_timeout = 5".into(),
            "bounding the wait for a database in use",
        )
        .await?;
        let dropped = self.drop_database(name).await;
        self.run(
            "SET SESSION lock_wait_timeout = DEFAULT".into(),
            "restoring lock_wait_timeout",
        )
        .await?;
        match dropped {
            Ok(()) => Ok(true),
            // ER_LOCK_WAIT_TIMEOUT: a metadata lock held by a session using the database.
            Err(CacheError::Database(DbError::Query { source, .. }))
                if matches!(source.sqlx(), sqlx::Error::Database(e) if e
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .is_some_and(|e| e.number() == 1205)) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// `None`: no such database; `Some(None)`: not ours.
    async fn find(&mut self, name: &str) -> Result<Option<Option<Made>>, CacheError> {
        let comment_column = if self.mariadb {
            "CAST(SCHEMA_COMMENT AS CHAR)"
        } else {
            "CAST(NULL AS CHAR)"
        };
        let row: Option<(Option<String>,)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {comment_column} FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
        )))
        .bind(name)
        .fetch_optional(&mut self.conn)
        .await
        .map_err(|e| DbError::query(format!("looking for database \"{name}\""), e))?;
        Ok(row.map(|(comment,)| self.ours(name, comment.as_deref())))
    }

    pub(super) async fn list(&mut self) -> Result<Vec<Made>, CacheError> {
        let comment_column = if self.mariadb {
            "CAST(s.SCHEMA_COMMENT AS CHAR)"
        } else {
            "CAST(NULL AS CHAR)"
        };
        // MySQL keeps no creation time for a database; its oldest table's stands in.
        let rows: Vec<(String, Option<String>, Option<i64>)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT CAST(s.SCHEMA_NAME AS CHAR), {comment_column}, \
             CAST(TIMESTAMPDIFF(SECOND, (SELECT MIN(t.CREATE_TIME) FROM information_schema.TABLES t \
             WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME), NOW()) AS SIGNED) \
             FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME LIKE 'fixtura\\_%' ORDER BY 1"
        )))
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| DbError::query("listing fixtura's databases", e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, comment, seconds)| {
                let mut made = self.ours(&name, comment.as_deref())?;
                if made.age.is_none() {
                    made.age = seconds
                        .and_then(|s| u64::try_from(s).ok())
                        .map(Duration::from_secs);
                }
                Some(made)
            })
            .collect())
    }

    pub(super) fn source(&self) -> &str {
        &self.source
    }

    pub(super) async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// A string literal's body for MySQL (backslashes and quotes escaped).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "''")
}
