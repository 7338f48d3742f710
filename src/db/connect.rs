//! Connecting: `connect(url) -> Db`, and every way it can fail said in one line.
//!
//! A URL picks the backend by its scheme: `postgres://` (or `postgresql://`), `mysql://`
//! (or `mariadb://`), `sqlite://path`, `sqlite:path` and `sqlite::memory:`. Failures are
//! classified (unreachable server, refused credentials, missing database) into one line
//! that names the URL with its password masked and says what to try.

use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::{Backend, Db, Remedy, ServerError};

/// How long to wait for a server before giving up on it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for [`connect_with`](crate::connect_with).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectOptions {
    /// Create a missing SQLite file instead of failing (servers' databases are never created).
    pub create_sqlite_file: bool,
}

/// Why a connection could not be made. Every message names the URL with its password masked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is empty.
    #[error("no database given: {}", Remedy::GiveDatabaseUrl)]
    NoUrl,
    /// A scheme that names no backend.
    #[error(
        "unsupported database URL \"{url}\": use postgres://, mysql://, mariadb://, sqlite://PATH or sqlite::memory:"
    )]
    UnsupportedScheme {
        /// The URL, password masked.
        url: String,
    },
    /// A URL of a backend this build leaves out.
    #[error(
        "this fixtura was built without {backend} support: enable its cargo feature \"{feature}\""
    )]
    NotCompiled {
        /// The backend the URL names.
        backend: Backend,
        /// The cargo feature that brings it in.
        feature: &'static str,
    },
    /// A URL the driver cannot read.
    #[error("invalid database URL \"{url}\": {reason}")]
    InvalidUrl {
        /// The URL, password masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server cannot be reached.
    #[error(
        "cannot reach {backend} at {url} ({cause}): is the server running and listening there?"
    )]
    Unreachable {
        /// The backend.
        backend: Backend,
        /// The URL, password masked.
        url: String,
        /// The network error.
        cause: io::Error,
    },
    /// The server did not answer in time.
    #[error(
        "timed out connecting to {backend} at {url}: is the server running and listening there?"
    )]
    TimedOut {
        /// The backend.
        backend: Backend,
        /// The URL, password masked.
        url: String,
    },
    /// The server refused the user or password.
    #[error(
        "{backend} at {url} refused the credentials of user \"{user}\": check the user name and password in the URL"
    )]
    Auth {
        /// The backend.
        backend: Backend,
        /// The URL, password masked.
        url: String,
        /// The user it refused.
        user: String,
    },
    /// The server has no database of that name.
    #[error(
        "database \"{database}\" does not exist at {url}: create it first, or fix the name in the URL"
    )]
    MissingDatabase {
        /// The URL, password masked.
        url: String,
        /// The database it names.
        database: String,
    },
    /// A SQLite file that does not exist (and was not to be created).
    #[error(
        "SQLite file \"{path}\" does not exist ({url}): {}",
        Remedy::CreateSqliteFile
    )]
    MissingFile {
        /// The URL, password masked.
        url: String,
        /// The file's path.
        path: String,
    },
    /// Anything else the driver reports.
    #[error("cannot connect to {backend} at {url}")]
    Other {
        /// The backend.
        backend: Backend,
        /// The URL, password masked.
        url: String,
        /// The server's (or the driver's) error.
        #[source]
        source: ServerError,
    },
}

impl ConnectError {
    /// The advice this error carries, if any.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            ConnectError::NoUrl => Some(Remedy::GiveDatabaseUrl),
            ConnectError::MissingFile { .. } => Some(Remedy::CreateSqliteFile),
            _ => None,
        }
    }
}

/// Connects to the database at `url`.
pub(crate) async fn connect(url: &str) -> Result<Db, ConnectError> {
    connect_with(url, ConnectOptions::default()).await
}

/// Connects to the database at `url`, with options.
pub(crate) async fn connect_with(url: &str, options: ConnectOptions) -> Result<Db, ConnectError> {
    #[cfg(not(feature = "_sqlite"))]
    let _ = options; // only SQLite has a file to create
    let shown = redact(url);
    match Target::parse(url)? {
        #[cfg(feature = "postgres")]
        Target::Postgres(opts) => connect_postgres(opts, shown).await,
        #[cfg(feature = "mysql")]
        Target::MySql(opts) => connect_mysql(opts, shown).await,
        #[cfg(feature = "_sqlite")]
        Target::Sqlite {
            options: opts,
            path,
        } => connect_sqlite(opts, path, options, shown).await,
    }
}

#[cfg(feature = "postgres")]
async fn connect_postgres(
    opts: sqlx::postgres::PgConnectOptions,
    shown: String,
) -> Result<Db, ConnectError> {
    let user = opts.get_username().to_string();
    let database = opts.get_database().unwrap_or(&user).to_string();
    probe::<sqlx::PgConnection>(&opts)
        .await
        .map_err(|e| classify(Backend::Postgres, shown.clone(), &user, &database, e))?;
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(opts)
        .await
        .map(Db::Postgres)
        .map_err(|e| classify(Backend::Postgres, shown, &user, &database, e))
}

#[cfg(feature = "mysql")]
async fn connect_mysql(
    opts: sqlx::mysql::MySqlConnectOptions,
    shown: String,
) -> Result<Db, ConnectError> {
    let user = opts.get_username().to_string();
    let database = opts.get_database().unwrap_or_default().to_string();
    if database.is_empty() {
        return Err(ConnectError::InvalidUrl {
            url: shown,
            reason: "no database name: add one, e.g. mysql://root@127.0.0.1:3306/test".into(),
        });
    }
    probe::<sqlx::MySqlConnection>(&opts)
        .await
        .map_err(|e| classify(Backend::MySql, shown.clone(), &user, &database, e))?;
    sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(opts)
        .await
        .map(Db::MySql)
        .map_err(|e| classify(Backend::MySql, shown, &user, &database, e))
}

#[cfg(feature = "_sqlite")]
async fn connect_sqlite(
    opts: sqlx::sqlite::SqliteConnectOptions,
    path: Option<PathBuf>,
    options: ConnectOptions,
    shown: String,
) -> Result<Db, ConnectError> {
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
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(max)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(opts.foreign_keys(true))
        .await
        .map(Db::Sqlite)
        .map_err(|e| classify(Backend::Sqlite, shown, "", "", e))
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
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgConnectOptions),
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlConnectOptions),
    #[cfg(feature = "_sqlite")]
    Sqlite {
        options: sqlx::sqlite::SqliteConnectOptions,
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
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => sqlx::postgres::PgConnectOptions::from_str(url)
                .map(Target::Postgres)
                .map_err(invalid),
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => {
                let rest = &url[scheme.len()..];
                sqlx::mysql::MySqlConnectOptions::from_str(&format!("mysql{rest}"))
                    .map(Target::MySql)
                    .map_err(invalid)
            }
            #[cfg(feature = "_sqlite")]
            "sqlite" => {
                let path = sqlite_path(url);
                sqlx::sqlite::SqliteConnectOptions::from_str(url)
                    .map(|options| Target::Sqlite { options, path })
                    .map_err(invalid)
            }
            #[cfg(not(feature = "postgres"))]
            "postgres" | "postgresql" => Err(not_compiled(Backend::Postgres, "postgres")),
            #[cfg(not(feature = "mysql"))]
            "mysql" | "mariadb" => Err(not_compiled(Backend::MySql, "mysql")),
            #[cfg(not(feature = "_sqlite"))]
            "sqlite" => Err(not_compiled(Backend::Sqlite, "sqlite")),
            _ => Err(ConnectError::UnsupportedScheme { url: redact(url) }),
        }
    }
}

/// The file behind a SQLite URL, or `None` for an in-memory database: what sqlx opens for
/// it — `sqlite://file.db`, `sqlite:file.db` and `sqlite://./file.db` are `file.db` in the
/// current directory, `sqlite:///abs/x.db` is absolute, the query (`?mode=rwc`) is not part
/// of it, and `%XX` escapes are decoded (sqlx's `SqliteConnectOptions::from_str`).
pub(crate) fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or("");
    if rest.is_empty() || rest == ":memory:" || url.contains("mode=memory") {
        None
    } else {
        Some(PathBuf::from(percent_decoded(rest)))
    }
}

/// `%XX` escapes decoded; an escape that is not one is kept as written.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// MySQL's own error number (1045: access denied, 1049: unknown database, ...).
#[cfg(feature = "mysql")]
fn mysql_error_number(err: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    err.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(|e| e.number())
}

#[cfg(not(feature = "mysql"))]
fn mysql_error_number(_: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    None
}

/// Why `url` names no backend this build can open: a scheme of a backend left out (with
/// the feature to enable), one of none, or a URL that does not parse.
pub(crate) fn refusal(url: &str) -> ConnectError {
    Target::parse(url)
        .err()
        .unwrap_or_else(|| ConnectError::UnsupportedScheme { url: redact(url) })
}

/// A URL for a backend this build of fixtura leaves out.
#[cfg(not(all(feature = "postgres", feature = "mysql", feature = "_sqlite")))]
fn not_compiled(backend: Backend, feature: &'static str) -> ConnectError {
    ConnectError::NotCompiled { backend, feature }
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
            let mysql_number = mysql_error_number(db_err.as_ref());
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
                    source: ServerError(err),
                },
            }
        }
        other => ConnectError::Other {
            backend,
            url,
            source: ServerError(other),
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
        assert_eq!(
            sqlite_path("sqlite://file.db"),
            Some(PathBuf::from("file.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///abs/x.db?mode=rwc&cache=shared"),
            Some(PathBuf::from("/abs/x.db"))
        );
        assert_eq!(
            sqlite_path("sqlite://./my%20data/x%3F.db"),
            Some(PathBuf::from("./my data/x?.db"))
        );
        assert_eq!(
            sqlite_path("sqlite://a%zz.db"),
            Some(PathBuf::from("a%zz.db"))
        );
        assert_eq!(sqlite_path("sqlite://?mode=memory"), None);
    }
}
