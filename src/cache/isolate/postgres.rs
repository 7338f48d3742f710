//! PostgreSQL copies: a template database per snapshot, a `CREATE DATABASE … TEMPLATE`
//! clone per worker (manual, "Template Databases", "CREATE DATABASE").
//!
//! Everything runs on one connection to the server's maintenance database (`postgres`, else
//! `template1`), never to the target: `CREATE DATABASE … TEMPLATE target` fails while
//! another session is connected to the target, and waiting fixtura processes must not be
//! those sessions. Templates are built under a session-level advisory lock (released by the
//! server if the process dies), then marked `IS_TEMPLATE` and `ALLOW_CONNECTIONS false`, so
//! nobody can change them and copying needs nobody to leave.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::{
    Identity, Kind, Made, Marker, Scratch, clone_name, scratch_name, template_name, with_database,
};
use crate::cache::CacheError;
use crate::db::{Backend, ConnectError, DbError};

const PG: Backend = Backend::Postgres;

/// How long to keep retrying a copy of the target while other sessions are connected to it
/// (the server itself waits five seconds each time before giving up).
const SOURCE_BUSY_FOR: Duration = Duration::from_secs(60);

/// A connection to the server's maintenance database.
pub(crate) struct Admin {
    conn: PgConnection,
    /// The target URL (copies' URLs are derived from it).
    url: String,
    /// The target database's name.
    source: String,
}

/// A held advisory lock.
pub(super) struct TemplateLock(i64);

impl Admin {
    pub(super) async fn open(url: &str) -> Result<Admin, CacheError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| ConnectError::InvalidUrl {
            url: crate::db::redact(url),
            reason: e.to_string(),
        })?;
        let source = options
            .get_database()
            .unwrap_or(options.get_username())
            .to_string();
        let mut last = None;
        for maintenance in ["postgres", "template1"] {
            let admin_url = with_database(url, maintenance)?;
            match PgConnectOptions::from_str(&admin_url)
                .map_err(|e| DbError::query("reading the maintenance database URL", e))?
                .connect()
                .await
            {
                Ok(conn) => {
                    return Ok(Admin {
                        conn,
                        url: url.to_string(),
                        source,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(CacheError::Isolation(format!(
            "cannot connect to the maintenance database (postgres or template1) at {} to make copies: {}",
            crate::db::redact(url),
            last.map(|e| e.to_string()).unwrap_or_default()
        )))
    }

    fn template_name(&self, id: &str) -> String {
        template_name(id, &self.source)
    }

    async fn run(&mut self, sql: String, what: &str) -> Result<(), CacheError> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut self.conn)
            .await
            .map_err(|e| DbError::query(what, e))?;
        Ok(())
    }

    /// The marker comment of database `name`: `None` when there is no such database,
    /// `Some(None)` when it has no marker.
    async fn marker(&mut self, name: &str) -> Result<Option<Option<Marker>>, CacheError> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database WHERE datname = $1",
        )
        .bind(name)
        .fetch_optional(&mut self.conn)
        .await
        .map_err(|e| DbError::query(format!("looking for database \"{name}\""), e))?;
        Ok(row.map(|(comment,)| comment.as_deref().and_then(Marker::parse)))
    }

    async fn mark(&mut self, name: &str, marker: &Marker) -> Result<(), CacheError> {
        self.run(
            format!(
                "COMMENT ON DATABASE {} IS '{}'",
                PG.quote_ident(name),
                marker.comment().replace('\'', "''")
            ),
            &format!("marking database \"{name}\" as fixtura's"),
        )
        .await
    }

    /// `CREATE DATABASE name TEMPLATE source`, retried while other sessions are connected
    /// to the source (SQLSTATE 55006).
    async fn copy(&mut self, source: &str, name: &str) -> Result<(), CacheError> {
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            PG.quote_ident(name),
            PG.quote_ident(source)
        );
        let started = Instant::now();
        loop {
            match sqlx::raw_sql(AssertSqlSafe(sql.clone()))
                .execute(&mut self.conn)
                .await
            {
                Ok(_) => return Ok(()),
                Err(sqlx::Error::Database(e))
                    if e.code().as_deref() == Some("55006")
                        && started.elapsed() < SOURCE_BUSY_FOR =>
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55006") => {
                    return Err(CacheError::Isolation(format!(
                        "cannot copy database \"{source}\": other sessions stayed connected to it for {} s \
                         (PostgreSQL copies a database only while nobody else is connected): {}",
                        SOURCE_BUSY_FOR.as_secs(),
                        e.message()
                    )));
                }
                Err(e) => {
                    return Err(DbError::query(
                        format!("copying database \"{source}\" to \"{name}\""),
                        e,
                    )
                    .into());
                }
            }
        }
    }

    pub(super) async fn scratch(&mut self, id: &str) -> Result<Scratch, CacheError> {
        let name = scratch_name(id, &self.source);
        let source = self.source.clone();
        self.copy(&source, &name).await?;
        self.mark(&name, &Marker::new(Kind::Scratch, id, &source, None))
            .await?;
        Ok(Scratch {
            url: with_database(&self.url, &name)?,
            name,
        })
    }

    /// Whether the template of `id` is there: a database of that name with fixtura's
    /// template marker for that id (a database of the name without it is not cloned).
    pub(super) async fn template_exists(&mut self, id: &str) -> Result<bool, CacheError> {
        let name = self.template_name(id);
        Ok(matches!(
            self.marker(&name).await?,
            Some(Some(m)) if m.kind == Kind::Template && m.id == id
        ))
    }

    /// Marks the filled scratch database a template and renames it into place in one step
    /// (`ALTER DATABASE … RENAME`), so a template under its name is always complete; if
    /// another process got there first, the scratch database is dropped.
    pub(super) async fn promote(&mut self, scratch: &Scratch, id: &str) -> Result<(), CacheError> {
        let template = self.template_name(id);
        let source = self.source.clone();
        self.mark(
            &scratch.name,
            &Marker::new(Kind::Template, id, &source, None),
        )
        .await?;
        self.run(
            format!(
                "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
                PG.quote_ident(&scratch.name)
            ),
            &format!("making \"{}\" a template", scratch.name),
        )
        .await?;
        let rename = format!(
            "ALTER DATABASE {} RENAME TO {}",
            PG.quote_ident(&scratch.name),
            PG.quote_ident(&template)
        );
        match sqlx::raw_sql(AssertSqlSafe(rename))
            .execute(&mut self.conn)
            .await
        {
            Ok(_) => Ok(()),
            // duplicate_database: another process published the template first.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {
                self.drop_database(&scratch.name).await
            }
            Err(e) => Err(DbError::query(format!("publishing template \"{template}\""), e).into()),
        }
    }

    pub(super) async fn lock_template(&mut self, id: &str) -> Result<TemplateLock, CacheError> {
        let name = self.template_name(id);
        let hash = blake3::hash(format!("fixtura template {name}").as_bytes());
        let key = i64::from_le_bytes(
            hash.as_bytes()[..8]
                .try_into()
                .expect("BUG: a blake3 hash has 8 bytes"),
        );
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(key)
            .execute(&mut self.conn)
            .await
            .map_err(|e| {
                DbError::query(format!("waiting for the lock on template \"{name}\""), e)
            })?;
        Ok(TemplateLock(key))
    }

    pub(super) async fn unlock_template(&mut self, lock: TemplateLock) -> Result<(), CacheError> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(lock.0)
            .execute(&mut self.conn)
            .await
            .map_err(|e| DbError::query("releasing the template lock", e))?;
        Ok(())
    }

    /// The worker's database: `CREATE DATABASE … TEMPLATE` of the template under a scratch
    /// name, marked, then renamed to the worker's name — so a database under a worker's name
    /// always carries its marker. An earlier copy for the same run and worker is dropped
    /// first (never a database without fixtura's marker).
    pub(super) async fn clone_template(
        &mut self,
        id: &str,
        identity: &Identity,
    ) -> Result<(String, String), CacheError> {
        let template = self.template_name(id);
        let name = clone_name(id, &self.source, identity);
        match self.marker(&name).await? {
            None => {}
            Some(Some(marker)) if marker.kind == Kind::Clone => self.drop_database(&name).await?,
            Some(_) => {
                return Err(CacheError::Isolation(format!(
                    "database \"{name}\" exists and was not made by fixtura: not touching it"
                )));
            }
        }
        let scratch = scratch_name(id, &self.source);
        self.copy(&template, &scratch).await?;
        let source = self.source.clone();
        let placed = async {
            self.mark(
                &scratch,
                &Marker::new(Kind::Clone, id, &source, Some(identity)),
            )
            .await?;
            self.run(
                format!(
                    "ALTER DATABASE {} RENAME TO {}",
                    PG.quote_ident(&scratch),
                    PG.quote_ident(&name)
                ),
                &format!("naming the copy \"{name}\""),
            )
            .await
        }
        .await;
        if let Err(e) = placed {
            let _ = self.force_drop(&scratch).await;
            return Err(e);
        }
        Ok((name.clone(), with_database(&self.url, &name)?))
    }

    /// Drops a database fixtura made, closing any session still connected to it
    /// (`WITH (FORCE)`, PostgreSQL 13): a worker's copy being replaced, a test's copy.
    pub(super) async fn drop_database(&mut self, name: &str) -> Result<(), CacheError> {
        if self.ours(name).await? {
            self.force_drop(name).await?;
        }
        Ok(())
    }

    /// Drops a database fixtura made unless a session is connected to it (then `false`):
    /// what `gc` does, so a test running on a copy never loses it.
    pub(super) async fn drop_unused(&mut self, name: &str) -> Result<bool, CacheError> {
        if !self.ours(name).await? {
            return Ok(true);
        }
        self.unmark_template(name).await?;
        let drop = format!("DROP DATABASE IF EXISTS {}", PG.quote_ident(name));
        match sqlx::raw_sql(AssertSqlSafe(drop))
            .execute(&mut self.conn)
            .await
        {
            Ok(_) => Ok(true),
            // object_in_use: someone is connected.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55006") => Ok(false),
            Err(e) => Err(DbError::query(format!("dropping database \"{name}\""), e).into()),
        }
    }

    /// Whether `name` exists and is fixtura's (marker and name shape); an error if it
    /// exists and is not.
    async fn ours(&mut self, name: &str) -> Result<bool, CacheError> {
        match self.marker(name).await? {
            None => Ok(false),
            Some(Some(marker)) if Made::from_name(name, Some(&marker)).is_some() => Ok(true),
            Some(_) => Err(CacheError::Isolation(format!(
                "database \"{name}\" was not made by fixtura: not dropping it"
            ))),
        }
    }

    async fn unmark_template(&mut self, name: &str) -> Result<(), CacheError> {
        self.run(
            format!(
                "ALTER DATABASE {} WITH IS_TEMPLATE false",
                PG.quote_ident(name)
            ),
            &format!("dropping database \"{name}\""),
        )
        .await
    }

    async fn force_drop(&mut self, name: &str) -> Result<(), CacheError> {
        self.unmark_template(name).await?;
        self.run(
            format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                PG.quote_ident(name)
            ),
            &format!("dropping database \"{name}\""),
        )
        .await
    }

    pub(super) async fn list(&mut self) -> Result<Vec<Made>, CacheError> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT datname::text, shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database \
             WHERE datname LIKE 'fixtura\\_%' ORDER BY datname",
        )
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| DbError::query("listing fixtura's databases", e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, comment)| {
                let marker = Marker::parse(comment.as_deref()?)?;
                Made::from_name(&name, Some(&marker))
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
