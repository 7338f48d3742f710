//! Connections: `connect(url) -> Db`, the closed set of backends fixtura speaks.
//!
//! A URL picks the backend by its scheme: `postgres://` (or `postgresql://`), `mysql://`
//! (or `mariadb://`), `sqlite://path`, `sqlite:path` and `sqlite::memory:`. Failures are
//! classified (unreachable server, refused credentials, missing database) into one line
//! that names the URL with its password masked and says what to try.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// How long to wait for a server before giving up on it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The database systems fixtura supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Postgres,
    #[serde(rename = "mysql")]
    MySql,
    Sqlite,
}

impl Backend {
    /// The product name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
            Backend::Sqlite => "SQLite",
        }
    }

    /// Quotes an identifier so any name (upper case, spaces, reserved words) survives.
    pub fn quote_ident(self, ident: &str) -> String {
        match self {
            Backend::MySql => format!("`{}`", ident.replace('`', "``")),
            Backend::Postgres | Backend::Sqlite => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// Quotes a schema-qualified table name.
    pub fn quote_table(self, name: &crate::schema::QualifiedName) -> String {
        format!(
            "{}.{}",
            self.quote_ident(&name.schema),
            self.quote_ident(&name.name)
        )
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An open connection pool to one database.
#[derive(Debug, Clone)]
pub enum Db {
    Postgres(PgPool),
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Postgres(_) => Backend::Postgres,
            Db::MySql(_) => Backend::MySql,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match self {
            Db::Postgres(pool) => pool.close().await,
            Db::MySql(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }
}

/// Runs a script of one or more statements in one transaction. (MySQL commits each DDL
/// statement implicitly, so there a failed script may leave its earlier DDL behind.)
pub async fn execute_script(db: &Db, sql: &str) -> Result<(), crate::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    let what = "running SQL script";
    let map = |e| crate::Error::query(what, e);
    match db {
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(map)?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(map)?;
            tx.commit().await.map_err(map)
        }
        Db::MySql(pool) => {
            let mut tx = pool.begin().await.map_err(map)?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(map)?;
            tx.commit().await.map_err(map)
        }
        Db::Sqlite(pool) => {
            let mut tx = pool.begin().await.map_err(map)?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(map)?;
            tx.commit().await.map_err(map)
        }
    }
}

/// The name of the database behind `db`: PostgreSQL `current_database()`, MySQL
/// `DATABASE()`, the SQLite main file's path (empty for an in-memory database).
pub async fn database_name(db: &Db) -> Result<String, crate::Error> {
    let map = |e| crate::Error::query("reading the database name", e);
    let name: Option<String> = match db {
        Db::Postgres(pool) => sqlx::query_scalar("SELECT current_database()::text")
            .fetch_one(pool)
            .await
            .map_err(map)?,
        Db::MySql(pool) => sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)")
            .fetch_one(pool)
            .await
            .map_err(map)?,
        Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_optional(pool)
                .await
                .map_err(map)?
        }
    };
    Ok(name.unwrap_or_default())
}

/// Options for [`connect_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectOptions {
    /// Create a missing SQLite file instead of failing (servers' databases are never created).
    pub create_sqlite_file: bool,
}

/// Why a connection could not be made. Every message names the URL with its password masked.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no database given: pass --db URL or set DATABASE_URL (e.g. sqlite://fixtura.db)")]
    NoUrl,
    #[error(
        "unsupported database URL \"{url}\": use postgres://, mysql://, mariadb://, sqlite://PATH or sqlite::memory:"
    )]
    UnsupportedScheme { url: String },
    #[error("invalid database URL \"{url}\": {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "cannot reach {backend} at {url} ({cause}): is the server running and listening there?"
    )]
    Unreachable {
        backend: Backend,
        url: String,
        cause: io::Error,
    },
    #[error(
        "timed out connecting to {backend} at {url}: is the server running and listening there?"
    )]
    TimedOut { backend: Backend, url: String },
    #[error(
        "{backend} at {url} refused the credentials of user \"{user}\": check the user name and password in the URL"
    )]
    Auth {
        backend: Backend,
        url: String,
        user: String,
    },
    #[error(
        "database \"{database}\" does not exist at {url}: create it first, or fix the name in the URL"
    )]
    MissingDatabase { url: String, database: String },
    #[error(
        "SQLite file \"{path}\" does not exist ({url}): check the path, or create it with `fixtura exec --create FILE.sql`"
    )]
    MissingFile { url: String, path: String },
    #[error("cannot connect to {backend} at {url}")]
    Other {
        backend: Backend,
        url: String,
        #[source]
        source: sqlx::Error,
    },
}

/// Connects to the database at `url`.
pub async fn connect(url: &str) -> Result<Db, ConnectError> {
    connect_with(url, ConnectOptions::default()).await
}

/// Connects to the database at `url`, with options.
pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Db, ConnectError> {
    let target = Target::parse(url)?;
    let shown = redact(url);
    match target {
        Target::Postgres(opts) => {
            let user = opts.get_username().to_string();
            let database = opts.get_database().unwrap_or(&user).to_string();
            probe::<sqlx::PgConnection>(&opts)
                .await
                .map_err(|e| classify(Backend::Postgres, shown.clone(), &user, &database, e))?;
            PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(opts)
                .await
                .map(Db::Postgres)
                .map_err(|e| classify(Backend::Postgres, shown, &user, &database, e))
        }
        Target::MySql(opts) => {
            let user = opts.get_username().to_string();
            let database = opts.get_database().unwrap_or_default().to_string();
            if database.is_empty() {
                return Err(ConnectError::InvalidUrl {
                    url: shown,
                    reason: "no database name: add one, e.g. mysql://root@127.0.0.1:3306/test"
                        .into(),
                });
            }
            probe::<sqlx::MySqlConnection>(&opts)
                .await
                .map_err(|e| classify(Backend::MySql, shown.clone(), &user, &database, e))?;
            MySqlPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(opts)
                .await
                .map(Db::MySql)
                .map_err(|e| classify(Backend::MySql, shown, &user, &database, e))
        }
        Target::Sqlite {
            options: opts,
            path,
        } => {
            let mut opts = opts;
            if let Some(path) = &path {
                if options.create_sqlite_file {
                    opts = opts.create_if_missing(true);
                } else if !path.exists() {
                    return Err(ConnectError::MissingFile {
                        url: shown,
                        path: path.display().to_string(),
                    });
                }
            }
            // One connection for an in-memory database: each connection would be a
            // separate, empty database otherwise.
            let max = if path.is_none() { 1 } else { 4 };
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(CONNECT_TIMEOUT)
                .connect_with(opts.foreign_keys(true))
                .await
                .map(Db::Sqlite)
                .map_err(|e| classify(Backend::Sqlite, shown, "", "", e))
        }
    }
}

/// Opens and closes one connection, so a failure surfaces at once with its real cause (a
/// pool would retry until its timeout and report only that it timed out).
async fn probe<C: sqlx::Connection>(options: &C::Options) -> Result<(), sqlx::Error> {
    let conn = tokio::time::timeout(CONNECT_TIMEOUT, C::connect_with(options))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    conn.close().await
}

/// A parsed URL, before connecting.
enum Target {
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
    Sqlite {
        options: SqliteConnectOptions,
        /// `None` for an in-memory database.
        path: Option<PathBuf>,
    },
}

impl Target {
    fn parse(url: &str) -> Result<Target, ConnectError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(ConnectError::NoUrl);
        }
        let invalid = |e: sqlx::Error| ConnectError::InvalidUrl {
            url: redact(url),
            reason: e.to_string(),
        };
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        match scheme.as_str() {
            "postgres" | "postgresql" => PgConnectOptions::from_str(url)
                .map(Target::Postgres)
                .map_err(invalid),
            "mysql" | "mariadb" => {
                let rest = &url[scheme.len()..];
                MySqlConnectOptions::from_str(&format!("mysql{rest}"))
                    .map(Target::MySql)
                    .map_err(invalid)
            }
            "sqlite" => {
                let path = sqlite_path(url);
                SqliteConnectOptions::from_str(url)
                    .map(|options| Target::Sqlite { options, path })
                    .map_err(invalid)
            }
            _ => Err(ConnectError::UnsupportedScheme { url: redact(url) }),
        }
    }
}

/// The file behind a SQLite URL, or `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or("");
    if rest.is_empty() || rest == ":memory:" || url.contains("mode=memory") {
        None
    } else {
        Some(PathBuf::from(rest))
    }
}

/// The URL with any password replaced by `***`, safe to print.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL the parser understands: mask anything between "://user:" and "@".
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                let creds = &url[start + 3..at];
                match creds.split_once(':') {
                    Some((user, _)) => format!("{}://{user}:***{}", &url[..start], &url[at..]),
                    None => url.to_string(),
                }
            }
            _ => url.to_string(),
        },
    }
}

/// Turns a connection failure into the error a user can act on.
fn classify(
    backend: Backend,
    url: String,
    user: &str,
    database: &str,
    err: sqlx::Error,
) -> ConnectError {
    match err {
        sqlx::Error::Io(cause) => ConnectError::Unreachable {
            backend,
            url,
            cause,
        },
        sqlx::Error::PoolTimedOut => ConnectError::TimedOut { backend, url },
        sqlx::Error::Database(ref db_err) => {
            let code = db_err.code().map(|c| c.into_owned()).unwrap_or_default();
            let mysql_number = db_err
                .try_downcast_ref::<MySqlDatabaseError>()
                .map(|e| e.number());
            match (backend, code.as_str(), mysql_number) {
                (Backend::Postgres, "28P01" | "28000", _)
                | (Backend::MySql, _, Some(1045 | 1044 | 1698)) => ConnectError::Auth {
                    backend,
                    url,
                    user: user.to_string(),
                },
                (Backend::Postgres, "3D000", _) | (Backend::MySql, _, Some(1049)) => {
                    ConnectError::MissingDatabase {
                        url,
                        database: database.to_string(),
                    }
                }
                _ => ConnectError::Other {
                    backend,
                    url,
                    source: err,
                },
            }
        }
        other => ConnectError::Other {
            backend,
            url,
            source: other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_the_password_and_keeps_the_rest() {
        assert_eq!(
            redact("postgres://bob:s3cret@db:5432/app"),
            "postgres://bob:***@db:5432/app"
        );
        assert_eq!(
            redact("mysql://root@127.0.0.1:3306/test"),
            "mysql://root@127.0.0.1:3306/test"
        );
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn unknown_scheme_is_refused_without_echoing_the_password() {
        let err = Target::parse("oracle://scott:tiger@host/db")
            .err()
            .expect("must fail");
        let text = err.to_string();
        assert!(text.contains("unsupported database URL"), "{text}");
        assert!(!text.contains("tiger"), "{text}");
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db"),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:x.db?mode=rwc"),
            Some(PathBuf::from("x.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    #[test]
    fn identifiers_are_quoted_per_backend() {
        assert_eq!(
            Backend::Postgres.quote_ident("First \"Name\""),
            "\"First \"\"Name\"\"\""
        );
        assert_eq!(Backend::MySql.quote_ident("or`der"), "`or``der`");
    }
}
