//! Shared test support: a uniquely named, throw-away database per test on a real server.
//!
//! Servers come from `FIXTURA_TEST_POSTGRES_URL` and `FIXTURA_TEST_MYSQL_URL` (defaults: the
//! local PostgreSQL and MariaDB). When a server is unreachable the test is skipped with a
//! loud message, except under `CI=true`, where it fails: a run that silently tested nothing
//! is worse than a red one.

#![allow(dead_code, unused_macros)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use fixtura::Backend;
use sqlx::{AssertSqlSafe, Connection};

/// `per_backend!(a, b)`: for each `async fn a(backend: Backend)`, a test per backend
/// (`postgres::a`, `mysql::a`, `sqlite::a`).
macro_rules! per_backend {
    ($($test:ident),* $(,)?) => {
        mod postgres { $( #[tokio::test] async fn $test() { super::$test(fixtura::Backend::Postgres).await } )* }
        mod mysql { $( #[tokio::test] async fn $test() { super::$test(fixtura::Backend::MySql).await } )* }
        mod sqlite { $( #[tokio::test] async fn $test() { super::$test(fixtura::Backend::Sqlite).await } )* }
    };
}

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// A database that exists for one test and is dropped when the value is.
pub struct TestDb {
    pub backend: Backend,
    /// URL of the test's own database.
    pub url: String,
    /// Name of the database (or path of the SQLite file).
    pub name: String,
    /// URL of the server's maintenance database, used to drop this one.
    admin_url: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("fixtura_test_{}_{n}_{nanos:x}", std::process::id())
}

fn server_url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// Runs `fixtura --db DB --store STORE ARGS` (without the caller's `DATABASE_URL` or
/// `FIXTURA_STORE`).
pub fn fixtura(db: &TestDb, store: &std::path::Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .env_remove("FIXTURA_STORE")
        .args(["--db", &db.url, "--store", store.to_str().unwrap()])
        .args(args)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("run fixtura")
}

/// The standard output of a command that must have succeeded.
pub fn ok(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A command that must have failed with one line on stderr containing every `expected`
/// part; that line.
pub fn refused(output: std::process::Output, expected: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !output.status.success(),
        "must fail; stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for part in expected {
        assert!(stderr.contains(part), "{part:?} not in: {stderr}");
    }
    stderr
}

/// Skips (or, under CI, fails) a test whose server is down.
fn unreachable(backend: &str, url: &str, err: &dyn std::fmt::Display) -> Option<TestDb> {
    let message = format!("{backend} at {url} is unreachable ({err})");
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{message}: CI=true, so this test fails instead of skipping");
    }
    eprintln!("\n!!!!! SKIPPED: {message}; start the server to run this test !!!!!\n");
    None
}

/// Replaces the database part of a server URL.
fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("BUG: test server URL must parse");
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

impl TestDb {
    /// A fresh database on the backend's server, or `None` (skip) when it is down.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Postgres => TestDb::postgres().await,
            Backend::MySql => TestDb::mysql().await,
            Backend::Sqlite => Some(TestDb::sqlite()),
        }
    }

    pub async fn postgres() -> Option<TestDb> {
        let admin = server_url("FIXTURA_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL);
        let name = unique_name();
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(err) => return unreachable("PostgreSQL", &admin, &err),
        };
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        Some(TestDb {
            backend: Backend::Postgres,
            url: with_database(&admin, &name),
            name,
            admin_url: Some(admin),
            _dir: None,
        })
    }

    pub async fn mysql() -> Option<TestDb> {
        let admin = server_url("FIXTURA_TEST_MYSQL_URL", DEFAULT_MYSQL_URL);
        let name = unique_name();
        let mut conn = match sqlx::MySqlConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(err) => return unreachable("MySQL/MariaDB", &admin, &err),
        };
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        Some(TestDb {
            backend: Backend::MySql,
            url: with_database(&admin, &name),
            name,
            admin_url: Some(admin),
            _dir: None,
        })
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        std::fs::File::create(&path).expect("create sqlite file");
        TestDb {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", path.display()),
            name: path.display().to_string(),
            admin_url: None,
            _dir: Some(dir),
        }
    }

    /// An existing database (a copy fixtura made, say), looked at but never dropped here.
    pub fn attach(backend: Backend, url: &str, name: &str) -> TestDb {
        TestDb {
            backend,
            url: url.to_string(),
            name: name.to_string(),
            admin_url: None,
            _dir: None,
        }
    }

    /// Opens fixtura's own connection to this database.
    pub async fn connect(&self) -> fixtura::Db {
        fixtura::connect(&self.url)
            .await
            .expect("connect to test database")
    }

    /// Runs a SQL script (several statements) against this database.
    pub async fn execute(&self, sql: &str) {
        let db = self.connect().await;
        let result = match &db {
            fixtura::Db::Postgres(pool) => sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .map(|_| ()),
            fixtura::Db::MySql(pool) => sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .map(|_| ()),
            fixtura::Db::Sqlite(pool) => sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .map(|_| ()),
            #[allow(unreachable_patterns)] // `Db` is non-exhaustive outside the crate
            _ => unreachable!("every backend is compiled into the tests"),
        };
        db.close().await;
        if let Err(err) = result {
            panic!("test SQL failed on {}: {err}\n{sql}", self.backend);
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(admin) = self.admin_url.clone() else {
            return;
        };
        let (backend, name) = (self.backend, self.name.clone());
        // Drop runs outside any runtime the test may have had; use a thread of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                match backend {
                    Backend::Postgres => {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await;
                        }
                    }
                    Backend::MySql => {
                        if let Ok(mut conn) = sqlx::MySqlConnection::connect(&admin).await {
                            let sql = format!("DROP DATABASE IF EXISTS `{name}`");
                            let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await;
                        }
                    }
                    Backend::Sqlite => {}
                }
            });
        })
        .join();
    }
}

/// Asserts that `plan.insert_order` lists every table once and puts each child after every
/// parent it references, except across the foreign keys the plan breaks (and
/// self-references, which order rows, not tables).
pub fn assert_parents_first(schema: &fixtura::Schema, plan: &fixtura::Plan) {
    let position =
        |name: &fixtura::schema::QualifiedName| plan.insert_order.iter().position(|n| n == name);
    assert_eq!(
        plan.insert_order.len(),
        schema.tables.len(),
        "insert order lists every table once"
    );
    for table in &schema.tables {
        let child = position(&table.name)
            .unwrap_or_else(|| panic!("{} missing from insert order", table.name));
        for fk in &table.foreign_keys {
            if fk.referenced_table == table.name || plan.break_for(&table.name, &fk.name).is_some()
            {
                continue;
            }
            if let Some(parent) = position(&fk.referenced_table) {
                assert!(
                    parent < child,
                    "{} (via {}) must come after its parent {} in {:?}",
                    table.name,
                    fk.name,
                    fk.referenced_table,
                    plan.insert_order
                );
            }
        }
    }
    let mut reversed = plan.insert_order.clone();
    reversed.reverse();
    assert_eq!(
        plan.delete_order, reversed,
        "delete order is the insert order reversed"
    );
}

impl TestDb {
    /// Runs a query whose columns are all text (or NULL) and returns its rows.
    pub async fn text_rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::Row;
        let db = self.connect().await;
        let text = sql;
        let sql = AssertSqlSafe(sql.to_string());
        let rows: Vec<Vec<Option<String>>> = match &db {
            fixtura::Db::Postgres(pool) => sqlx::query(sql).fetch_all(pool).await.map(|rows| {
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }),
            fixtura::Db::MySql(pool) => sqlx::query(sql).fetch_all(pool).await.map(|rows| {
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }),
            fixtura::Db::Sqlite(pool) => sqlx::query(sql).fetch_all(pool).await.map(|rows| {
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }),
            #[allow(unreachable_patterns)] // `Db` is non-exhaustive outside the crate
            _ => unreachable!("every backend is compiled into the tests"),
        }
        .unwrap_or_else(|e| panic!("query failed on {}: {e}\n{text}", self.backend));
        db.close().await;
        rows
    }

    /// A single count.
    pub async fn count(&self, sql: &str) -> u64 {
        let rows = self.text_rows(sql).await;
        rows[0][0]
            .as_deref()
            .unwrap_or("0")
            .trim()
            .parse()
            .expect("a count")
    }

    /// The schema as fixtura reads it.
    pub async fn schema(&self) -> fixtura::Schema {
        let db = self.connect().await;
        let schema = fixtura::introspect(&db, &fixtura::IntrospectOptions::default())
            .await
            .expect("introspect");
        db.close().await;
        schema
    }

    /// Every table's name, row count and full-row checksum ([`TestDb::table_checksum`]).
    pub async fn state(&self) -> Vec<(String, u64, String)> {
        let schema = self.schema().await;
        let mut out = Vec::new();
        for table in &schema.tables {
            let name = schema.display_name(&table.name);
            let (rows, sum) = self.table_checksum(&name).await;
            out.push((name, rows, sum));
        }
        out
    }

    /// An order-independent checksum of a table's full rows (every column, generated ones
    /// included), computed here from the rows as text, not by fixtura.
    pub async fn table_checksum(&self, name: &str) -> (u64, String) {
        let schema = self.schema().await;
        let table = schema
            .resolve(name)
            .unwrap_or_else(|| panic!("no table {name} in {}", self.name));
        let q = |s: &str| self.backend.quote_ident(s);
        let cast = |c: &fixtura::schema::Column| {
            let binary = matches!(c.column_type, fixtura::schema::ColumnType::Binary { .. });
            match (self.backend, binary) {
                (Backend::Postgres, _) => format!("{}::text", q(&c.name)),
                (_, true) => format!("hex({})", q(&c.name)),
                (Backend::MySql, false) => format!("CAST({} AS CHAR)", q(&c.name)),
                (Backend::Sqlite, false) => format!("CAST({} AS TEXT)", q(&c.name)),
            }
        };
        let columns: Vec<String> = table.columns.iter().map(cast).collect();
        let sql = format!(
            "SELECT {} FROM {}",
            columns.join(", "),
            self.backend.quote_table(&table.name)
        );
        let mut rows: Vec<String> = self
            .text_rows(&sql)
            .await
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| v.unwrap_or_else(|| "\u{0}NULL".into()))
                    .collect::<Vec<_>>()
                    .join("\u{1}")
            })
            .collect();
        rows.sort();
        (
            rows.len() as u64,
            blake3::hash(rows.join("\n").as_bytes())
                .to_hex()
                .to_string(),
        )
    }

    /// Rows breaking each foreign key, found by one anti-join per key written here.
    pub async fn orphans(&self, schema: &fixtura::Schema) -> Vec<(String, u64)> {
        let q = |s: &str| self.backend.quote_ident(s);
        let mut broken = Vec::new();
        for table in &schema.tables {
            for fk in &table.foreign_keys {
                let not_null: Vec<String> = fk
                    .columns
                    .iter()
                    .map(|c| format!("c.{} IS NOT NULL", q(c)))
                    .collect();
                let matches: Vec<String> = fk
                    .columns
                    .iter()
                    .zip(&fk.referenced_columns)
                    .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
                    .collect();
                let sql = format!(
                    "SELECT CAST(count(*) AS CHAR(20)) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                    self.backend.quote_table(&table.name),
                    not_null.join(" AND "),
                    self.backend.quote_table(&fk.referenced_table),
                    matches.join(" AND ")
                );
                let sql = if self.backend == Backend::Postgres {
                    sql.replace("CHAR(20)", "text")
                } else {
                    sql
                };
                let n = self.count(&sql).await;
                if n > 0 {
                    broken.push((fk.name.clone(), n));
                }
            }
        }
        broken
    }
}

/// The example schema (`schema/welfare.<backend>.sql`) in a database of its own, for
/// fixtura to copy: what a test hands `TestDb` or `#[fixtura::test]` as its source
/// (`AsRef<str>` gives the URL). Dropped, it takes every copy and template fixtura made of
/// it along (through `fixtura::gc`), then the database itself.
pub struct WelfareSource {
    pub db: TestDb,
}

impl WelfareSource {
    /// A fresh one on `backend`'s server, or `None` (skip) when the server is down.
    pub async fn new(backend: Backend) -> Option<WelfareSource> {
        let db = TestDb::new(backend).await?;
        let file = match backend {
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
            Backend::Sqlite => "sqlite",
        };
        let path = format!("{}/schema/welfare.{file}.sql", env!("CARGO_MANIFEST_DIR"));
        db.execute(&std::fs::read_to_string(path).expect("read the welfare schema"))
            .await;
        Some(WelfareSource { db })
    }

    /// The worker copies fixtura has made of this database that are still there.
    pub async fn copies(&self) -> Vec<String> {
        let report = self.gc(true).await.expect("list the copies (gc --dry-run)");
        report
            .collected
            .into_iter()
            .filter(|c| c.kind == "clone")
            .map(|c| c.name)
            .collect()
    }

    /// `fixtura gc` for this database's copies and templates: every copy of this run, and
    /// the templates older than 0 s.
    async fn gc(&self, dry_run: bool) -> fixtura::Result<fixtura::cache::GcReport> {
        let empty = tempfile::tempdir().expect("temp dir");
        fixtura::gc(&fixtura::cache::GcOptions {
            url: Some(self.db.url.clone()),
            store: fixtura::snapshot::Store::new(empty.path()),
            flag: "is_test_data".into(),
            older_than: std::time::Duration::ZERO,
            keep: 0,
            run: Some(fixtura::cache::Identity::new(None, None).run().to_string()),
            dry_run,
        })
        .await
    }
}

impl AsRef<str> for WelfareSource {
    fn as_ref(&self) -> &str {
        &self.db.url
    }
}

impl Drop for WelfareSource {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which must not block; use a thread of our own.
        // Joined here, so a failure in it never panics while the test may be unwinding.
        std::thread::scope(|scope| {
            let _ = scope
                .spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    let _ = rt.block_on(self.gc(false));
                })
                .join();
        });
    }
}

/// A count (`SELECT count(*) FROM …`) through a typed pool, on any backend.
pub async fn count<DB>(pool: &sqlx::Pool<DB>, sql: &'static str) -> i64
where
    DB: sqlx::Database,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query_scalar::<DB, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
