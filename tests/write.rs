//! The bulk writer against real databases: rows stream in through a bounded channel and
//! read back exactly, a dropped load leaves nothing behind, foreign keys are checked
//! set-wise, back-references are filled in bulk, and sequences move past loaded keys; and
//! what a snapshot restore needs: rows that already exist are skipped, flagged rows are
//! deleted (unless unflagged rows reference them) and tables emptied.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use common::TestDb;
use fixtura::schema::Table;
use fixtura::value::{Row, Value};
use fixtura::write::{Blocker, FkChecks, Load, WriteCounts};
use fixtura::{Backend, Db, Schema};
use sqlx::{AssertSqlSafe, Row as _, TypeInfo, ValueRef};
use tokio::sync::mpsc;

/// A fresh database holding the DDL of its backend, its pool and its introspected schema.
async fn setup(
    backend: Backend,
    pg: &str,
    mysql: &str,
    sqlite: &str,
) -> Option<(TestDb, Db, Schema)> {
    let db = TestDb::new(backend).await?;
    db.execute(match backend {
        Backend::Postgres => pg,
        Backend::MySql => mysql,
        Backend::Sqlite => sqlite,
    })
    .await;
    let pool = db.connect().await;
    let schema = fixtura::introspect(&pool, &fixtura::IntrospectOptions::default())
        .await
        .expect("introspect");
    Some((db, pool, schema))
}

fn table<'s>(schema: &'s Schema, name: &str) -> &'s Table {
    schema
        .resolve(name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

/// Sends `rows` in batches of `batch` through a bounded channel from another task while
/// the load writes them; returns the rows written and each progress report.
async fn write_rows(
    load: &mut Load,
    table: &Table,
    columns: &[&str],
    rows: Vec<Row>,
    batch: usize,
) -> fixtura::Result<(u64, Vec<u64>)> {
    stream_rows(load, table, columns, rows, batch, false)
        .await
        .map(|(counts, progress)| (counts.inserted, progress))
}

/// Like [`write_rows`], through [`Load::write_missing`].
async fn write_missing_rows(
    load: &mut Load,
    table: &Table,
    columns: &[&str],
    rows: Vec<Row>,
    batch: usize,
) -> fixtura::Result<(WriteCounts, Vec<u64>)> {
    stream_rows(load, table, columns, rows, batch, true).await
}

async fn stream_rows(
    load: &mut Load,
    table: &Table,
    columns: &[&str],
    rows: Vec<Row>,
    batch: usize,
    only_missing: bool,
) -> fixtura::Result<(WriteCounts, Vec<u64>)> {
    let (mut receiver, producer) = send_in_batches(rows, batch);
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let mut progress = Vec::new();
    let mut on_rows = |n| progress.push(n);
    let counts = if only_missing {
        load.write_missing(table, &columns, &mut receiver, &mut on_rows)
            .await
    } else {
        load.write(table, &columns, &mut receiver, &mut on_rows)
            .await
            .map(|inserted| WriteCounts {
                inserted,
                skipped: 0,
            })
    };
    drop(receiver);
    producer.await.expect("producer task");
    counts.map(|counts| (counts, progress))
}

/// A bounded channel fed `rows`, `batch` at a time, by another task.
fn send_in_batches(
    rows: Vec<Row>,
    batch: usize,
) -> (mpsc::Receiver<Vec<Row>>, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(2);
    let producer = tokio::spawn(async move {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Row> = rows.by_ref().take(batch).collect();
            if sender.send(chunk).await.is_err() {
                break;
            }
        }
    });
    (receiver, producer)
}

/// Runs one query on the pool and returns the first column of the first row as i64.
async fn scalar(db: &Db, sql: &str) -> i64 {
    let text = AssertSqlSafe(sql.to_string());
    match db {
        Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(text).fetch_one(pool).await,
        Db::MySql(pool) => sqlx::query_scalar::<_, i64>(text).fetch_one(pool).await,
        Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>(text).fetch_one(pool).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

// ---------------------------------------------------------------------------------------
// Round trip

const THINGS_PG: &str = "CREATE TABLE things (id bigint PRIMARY KEY, label text, big bigint, \
    ratio double precision, data bytea, uid uuid, doc jsonb, day date, at timestamp, \
    at_tz timestamptz, flag boolean, amount numeric(12, 2), tags text[])";
const THINGS_MYSQL: &str = "CREATE TABLE things (id BIGINT PRIMARY KEY, label TEXT, big BIGINT, \
    ratio DOUBLE, data BLOB, uid CHAR(36), doc JSON, day DATE, at DATETIME(6), \
    at_tz TIMESTAMP(6) NULL, flag BOOLEAN, amount DECIMAL(12, 2)) CHARACTER SET utf8mb4";
const THINGS_SQLITE: &str = "CREATE TABLE things (id INTEGER PRIMARY KEY, label TEXT, big INTEGER, \
    ratio REAL, data BLOB, uid TEXT, doc TEXT, day DATE, at TIMESTAMP, at_tz TIMESTAMPTZ, \
    flag BOOLEAN, amount TEXT)";

const NASTY: &[Option<&str>] = &[
    Some("tab\there"),
    Some("new\nline"),
    Some("cr\rlf\r\n"),
    Some("back\\slash"),
    Some("\\N"),
    Some("\\."),
    Some("quote' and \"double\""),
    Some("emoji 🦀🎉 and ß"),
    Some(""),
    None,
    Some("NULL"),
    Some("comma, {brace} [bracket]"),
];

fn floats(backend: Backend) -> Vec<f64> {
    let mut floats = vec![0.1, -0.0, 1e300, 1e-300, 1.0 / 3.0, -2.5];
    match backend {
        // MySQL/MariaDB's DOUBLE holds no NaN or infinity.
        Backend::MySql => {}
        // SQLite keeps infinities; it stores NULL for NaN (checked below).
        Backend::Sqlite => floats.extend([f64::INFINITY, f64::NEG_INFINITY, f64::NAN]),
        Backend::Postgres => floats.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    }
    floats
}

fn thing(backend: Backend, i: usize) -> Row {
    let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_string()));
    let floats = floats(backend);
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
    let at: NaiveDateTime = start.and_hms_micro_opt(1, 2, 3, 4).expect("time")
        + Duration::seconds(i as i64 * 3_607)
        + Duration::microseconds(i as i64 * 7);
    let mut row = vec![
        Value::Int(i as i64 + 1),
        text(NASTY[i % NASTY.len()]),
        match i % 5 {
            0 => Value::Int(i64::MAX),
            1 => Value::Int(-i64::MAX),
            2 => Value::Int(0),
            3 => Value::Int(i as i64 * 1_000_000_007),
            _ => Value::Null,
        },
        Value::Float(floats[i % floats.len()]),
        if i % 7 == 6 {
            Value::Null
        } else {
            Value::Bytes(vec![0x00, b'\\', b'\t', b'\n', (i % 256) as u8][..i % 6].to_vec())
        },
        Value::Uuid(uuid::Uuid::from_u128(
            (i as u128 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
        )),
        Value::Json(serde_json::json!({
            "i": i,
            "text": NASTY[(i + 1) % NASTY.len()],
            "nested": [1, null, "x\ty"],
        })),
        Value::Date(start + Duration::days(i as i64)),
        Value::Timestamp(at),
        Value::TimestampTz(DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)),
        match i % 3 {
            0 => Value::Bool(true),
            1 => Value::Bool(false),
            _ => Value::Null,
        },
        Value::Decimal(format!("{}.{:02}", i, i % 100)),
    ];
    if backend == Backend::Postgres {
        let tags = [
            Value::Text("a".into()),
            Value::Null,
            Value::Text("quote\"d".into()),
            Value::Text("comma,brace{}".into()),
            Value::Text("back\\slash".into()),
            Value::Text(String::new()),
            Value::Text("NULL".into()),
            Value::Text("tab\t and 🦀".into()),
        ];
        row.push(if i % 4 == 3 {
            Value::Null
        } else {
            Value::Array(tags[..i % tags.len()].to_vec())
        });
    }
    row
}

const THING_COLUMNS: &[&str] = &[
    "id", "label", "big", "ratio", "data", "uid", "doc", "day", "at", "at_tz", "flag", "amount",
    "tags",
];

fn thing_columns(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Postgres => THING_COLUMNS,
        _ => &THING_COLUMNS[..THING_COLUMNS.len() - 1],
    }
}

/// MySQL/MariaDB and SQLite store -0.0 as 0 (PostgreSQL keeps the sign).
fn without_negative_zero(row: Row) -> Row {
    row.into_iter()
        .map(|value| match value {
            Value::Float(f) if f == 0.0 && f.is_sign_negative() => Value::Float(0.0),
            other => other,
        })
        .collect()
}

/// What reading a written row back gives on SQLite: values as SQLite stores them.
fn as_stored_by_sqlite(row: Row) -> Row {
    without_negative_zero(row)
        .into_iter()
        .map(|value| match value {
            Value::Bool(b) => Value::Int(i64::from(b)),
            Value::Float(f) if f.is_nan() => Value::Null,
            Value::Decimal(s) => Value::Text(s),
            Value::Uuid(u) => Value::Text(u.to_string()),
            Value::Json(j) => Value::Text(j.to_string()),
            Value::Date(d) => Value::Text(d.format("%Y-%m-%d").to_string()),
            Value::Timestamp(t) => Value::Text(t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
            Value::TimestampTz(t) => {
                Value::Text(t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string())
            }
            other => other,
        })
        .collect()
}

fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, f)
}

async fn read_things(db: &Db) -> Vec<Row> {
    match db {
        Db::Postgres(pool) => {
            let rows = sqlx::query(
                "SELECT id, label, big, ratio, data, uid, doc, day, at, at_tz, flag, amount::text, tags \
                 FROM things ORDER BY id",
            )
            .fetch_all(pool)
            .await
            .expect("read things");
            rows.iter()
                .map(|r| {
                    vec![
                        Value::Int(r.get(0)),
                        opt(r.get(1), Value::Text),
                        opt(r.get(2), Value::Int),
                        opt(r.get(3), Value::Float),
                        opt(r.get(4), Value::Bytes),
                        opt(r.get(5), Value::Uuid),
                        opt(r.get(6), Value::Json),
                        opt(r.get(7), Value::Date),
                        opt(r.get(8), Value::Timestamp),
                        opt(r.get(9), Value::TimestampTz),
                        opt(r.get(10), Value::Bool),
                        opt(r.get(11), Value::Decimal),
                        opt(r.get::<Option<Vec<Option<String>>>, _>(12), |tags| {
                            Value::Array(tags.into_iter().map(|t| opt(t, Value::Text)).collect())
                        }),
                    ]
                })
                .collect()
        }
        Db::MySql(pool) => {
            let rows = sqlx::query(
                "SELECT id, label, big, ratio, data, uid, doc, day, at, at_tz, flag, \
                 CAST(amount AS CHAR) FROM things ORDER BY id",
            )
            .fetch_all(pool)
            .await
            .expect("read things");
            rows.iter()
                .map(|r| {
                    vec![
                        Value::Int(r.get(0)),
                        opt(r.get(1), Value::Text),
                        opt(r.get(2), Value::Int),
                        opt(r.get(3), Value::Float),
                        opt(r.get(4), Value::Bytes),
                        opt(r.get::<Option<String>, _>(5), |u| {
                            Value::Uuid(uuid::Uuid::parse_str(&u).expect("uuid text"))
                        }),
                        opt(r.get::<Option<String>, _>(6), |j| {
                            Value::Json(serde_json::from_str(&j).expect("json text"))
                        }),
                        opt(r.get(7), Value::Date),
                        opt(r.get(8), Value::Timestamp),
                        opt(r.get(9), Value::TimestampTz),
                        opt(r.get(10), Value::Bool),
                        opt(r.get(11), Value::Decimal),
                    ]
                })
                .collect()
        }
        Db::Sqlite(pool) => {
            let rows = sqlx::query(
                "SELECT id, label, big, ratio, data, uid, doc, day, at, at_tz, flag, amount \
                 FROM things ORDER BY id",
            )
            .fetch_all(pool)
            .await
            .expect("read things");
            rows.iter()
                .map(|r| (0..12).map(|i| sqlite_value(r, i)).collect())
                .collect()
        }
    }
}

/// A SQLite value by its storage class.
fn sqlite_value(row: &sqlx::sqlite::SqliteRow, i: usize) -> Value {
    let raw = row.try_get_raw(i).expect("column");
    if raw.is_null() {
        return Value::Null;
    }
    match raw.type_info().name() {
        "INTEGER" => Value::Int(row.get_unchecked(i)),
        "REAL" => Value::Float(row.get_unchecked(i)),
        "BLOB" => Value::Bytes(row.get_unchecked(i)),
        _ => Value::Text(row.get_unchecked(i)),
    }
}

/// Compares rows, NaN equal to NaN, and -0.0 apart from 0.0 (bit for bit).
fn assert_same_rows(read: &[Row], expected: &[Row]) {
    assert_eq!(read.len(), expected.len(), "row count");
    for (got, want) in read.iter().zip(expected) {
        let same = got.len() == want.len()
            && got.iter().zip(want).all(|(g, w)| match (g, w) {
                (Value::Float(a), Value::Float(b)) => {
                    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
                }
                _ => g == w,
            });
        assert!(same, "read back\n  {got:?}\nbut wrote\n  {want:?}");
    }
}

async fn rows_stream_in_through_a_channel_and_read_back_exactly(backend: Backend) {
    let Some((_db, pool, schema)) = setup(backend, THINGS_PG, THINGS_MYSQL, THINGS_SQLITE).await
    else {
        return;
    };
    let things = table(&schema, "things");
    let rows: Vec<Row> = (0..2_500).map(|i| thing(backend, i)).collect();
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    assert_eq!(load.backend(), backend);
    let (written, progress) = write_rows(
        &mut load,
        things,
        thing_columns(backend),
        rows.clone(),
        1_000,
    )
    .await
    .expect("write");
    assert_eq!(written, 2_500);
    assert_eq!(progress, [1_000, 1_000, 500], "progress after each batch");
    load.commit().await.expect("commit");

    let expected: Vec<Row> = match backend {
        Backend::Sqlite => rows.into_iter().map(as_stored_by_sqlite).collect(),
        Backend::MySql => rows.into_iter().map(without_negative_zero).collect(),
        Backend::Postgres => rows,
    };
    assert_same_rows(&read_things(&pool).await, &expected);
}

async fn a_batch_past_the_placeholder_limit_is_split_into_statements(backend: Backend) {
    let Some((_db, pool, schema)) = setup(
        backend,
        "CREATE TABLE pairs (a bigint PRIMARY KEY, b text NOT NULL)",
        "CREATE TABLE pairs (a BIGINT PRIMARY KEY, b VARCHAR(40) NOT NULL)",
        "CREATE TABLE pairs (a INTEGER PRIMARY KEY, b TEXT NOT NULL)",
    )
    .await
    else {
        return;
    };
    // 70,000 rows of 2 columns: 140,000 placeholders, more than MySQL's 65,535 per statement.
    let rows: Vec<Row> = (0..70_000)
        .map(|i| vec![Value::Int(i), Value::Text(format!("row {i}"))])
        .collect();
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    let (written, progress) = write_rows(
        &mut load,
        table(&schema, "pairs"),
        &["a", "b"],
        rows,
        70_000,
    )
    .await
    .expect("write");
    assert_eq!((written, progress), (70_000, vec![70_000]));
    load.commit().await.expect("commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM pairs").await, 70_000);
    assert_eq!(scalar(&pool, "SELECT max(a) FROM pairs").await, 69_999);
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM pairs WHERE b = 'row 65535'").await,
        1
    );
}

// ---------------------------------------------------------------------------------------
// Failure

async fn a_dropped_load_leaves_nothing_behind(backend: Backend) {
    let Some((_db, pool, schema)) = setup(
        backend,
        "CREATE TABLE pairs (a bigint PRIMARY KEY, b text)",
        "CREATE TABLE pairs (a BIGINT PRIMARY KEY, b TEXT)",
        "CREATE TABLE pairs (a INTEGER PRIMARY KEY, b TEXT)",
    )
    .await
    else {
        return;
    };
    let pairs = table(&schema, "pairs");
    let rows: Vec<Row> = (0..1_000)
        .map(|i| vec![Value::Int(i), Value::Null])
        .collect();
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    write_rows(&mut load, pairs, &["a", "b"], rows.clone(), 300)
        .await
        .expect("write");
    drop(load);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM pairs").await, 0);

    // The pool is still good, and the same rows now go in.
    let mut load = Load::begin(&pool, FkChecks::Server)
        .await
        .expect("begin again");
    write_rows(&mut load, pairs, &["a", "b"], rows, 300)
        .await
        .expect("write again");
    load.commit().await.expect("commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM pairs").await, 1_000);
}

async fn a_failed_write_cannot_be_committed(backend: Backend) {
    let Some((_db, pool, schema)) = setup(
        backend,
        "CREATE TABLE pairs (a bigint PRIMARY KEY, b text)",
        "CREATE TABLE pairs (a BIGINT PRIMARY KEY, b TEXT)",
        "CREATE TABLE pairs (a INTEGER PRIMARY KEY, b TEXT)",
    )
    .await
    else {
        return;
    };
    let pairs = table(&schema, "pairs");
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    write_rows(
        &mut load,
        pairs,
        &["a", "b"],
        vec![vec![Value::Int(1), Value::Null]],
        10,
    )
    .await
    .expect("first write");
    // The second batch repeats a key: the statement fails half-way through the load.
    let rows = vec![
        vec![Value::Int(2), Value::Null],
        vec![Value::Int(1), Value::Null],
    ];
    let err = write_rows(&mut load, pairs, &["a", "b"], rows, 1)
        .await
        .expect_err("duplicate key");
    assert!(format!("{err}").contains("pairs"), "{err}");
    let err = load
        .commit()
        .await
        .expect_err("a failed load must not commit");
    assert!(err.to_string().contains("abandoned"), "{err}");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM pairs").await, 0);

    // A row of the wrong width is refused before anything is sent.
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    let err = write_rows(&mut load, pairs, &["a", "b"], vec![vec![Value::Int(1)]], 1)
        .await
        .expect_err("short row");
    assert!(
        err.to_string().contains("has 1 values, but 2 columns"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Foreign keys

const STAFF_PG: &str = "CREATE TABLE staffs (id bigint PRIMARY KEY, name text NOT NULL); \
    CREATE TABLE offices (id bigint PRIMARY KEY, created_by bigint NOT NULL REFERENCES staffs (id), \
      reviewed_by bigint REFERENCES staffs (id))";
const STAFF_MYSQL: &str = "CREATE TABLE staffs (id BIGINT PRIMARY KEY, name TEXT NOT NULL) ENGINE=InnoDB; \
    CREATE TABLE offices (id BIGINT PRIMARY KEY, created_by BIGINT NOT NULL, reviewed_by BIGINT, \
      CONSTRAINT offices_created_by_fkey FOREIGN KEY (created_by) REFERENCES staffs (id), \
      CONSTRAINT offices_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES staffs (id)) ENGINE=InnoDB";
const STAFF_SQLITE: &str = "CREATE TABLE staffs (id INTEGER PRIMARY KEY, name TEXT NOT NULL); \
    CREATE TABLE offices (id INTEGER PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES staffs (id), \
      reviewed_by INTEGER REFERENCES staffs (id))";

async fn fixtura_checks_let_a_child_come_before_its_parent(backend: Backend) {
    let Some((_db, pool, schema)) = setup(backend, STAFF_PG, STAFF_MYSQL, STAFF_SQLITE).await
    else {
        return;
    };
    let (staffs, offices) = (table(&schema, "staffs"), table(&schema, "offices"));
    let checked = [offices.name.clone(), staffs.name.clone()];
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    // Children first, referencing staff that do not exist yet; a NULL key passes (MATCH SIMPLE).
    let offices_rows: Vec<Row> = (1..=3)
        .map(|i| vec![Value::Int(i), Value::Int(40 + i), Value::Null])
        .collect();
    write_rows(
        &mut load,
        offices,
        &["id", "created_by", "reviewed_by"],
        offices_rows,
        10,
    )
    .await
    .expect("children before parents");
    let err = load
        .check_foreign_keys(&schema, &checked)
        .await
        .expect_err("the parents are missing");
    assert_eq!(
        err.to_string(),
        "foreign key \"offices_created_by_fkey\" on offices is violated by 3 rows, \
         e.g. (created_by)=(41) has no match in staffs (id)"
    );
    // The parents arrive; every key holds.
    let staff_rows: Vec<Row> = (41..=43)
        .map(|i| vec![Value::Int(i), Value::Text(format!("staff {i}"))])
        .collect();
    write_rows(&mut load, staffs, &["id", "name"], staff_rows, 10)
        .await
        .expect("parents");
    load.check_foreign_keys(&schema, &checked)
        .await
        .expect("every key holds");
    load.commit().await.expect("commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM offices").await, 3);
}

async fn a_missing_parent_fails_the_check(backend: Backend) {
    let Some((_db, pool, schema)) = setup(backend, STAFF_PG, STAFF_MYSQL, STAFF_SQLITE).await
    else {
        return;
    };
    let (staffs, offices) = (table(&schema, "staffs"), table(&schema, "offices"));
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    write_rows(
        &mut load,
        staffs,
        &["id", "name"],
        vec![vec![Value::Int(1), Value::Text("a".into())]],
        10,
    )
    .await
    .expect("parent");
    let rows = vec![
        vec![Value::Int(1), Value::Int(1), Value::Int(1)],
        vec![Value::Int(2), Value::Int(1), Value::Int(99)],
    ];
    write_rows(
        &mut load,
        offices,
        &["id", "created_by", "reviewed_by"],
        rows,
        10,
    )
    .await
    .expect("children");
    let err = load
        .check_foreign_keys(&schema, std::slice::from_ref(&offices.name))
        .await
        .expect_err("reviewed_by 99 has no parent");
    let text = err.to_string();
    assert!(
        text.contains("\"offices_reviewed_by_fkey\" on offices is violated by 1 row,"),
        "{text}"
    );
    assert!(
        text.contains("(reviewed_by)=(99) has no match in staffs (id)"),
        "{text}"
    );
    drop(load);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM staffs").await, 0);
}

async fn update_fills_a_null_back_reference_in_bulk(backend: Backend) {
    let Some((_db, pool, schema)) = setup(
        backend,
        "CREATE TABLE departments (id bigint PRIMARY KEY, name text NOT NULL, head_id bigint); \
         CREATE TABLE employees (id bigint PRIMARY KEY, department_id bigint NOT NULL REFERENCES departments (id)); \
         ALTER TABLE departments ADD FOREIGN KEY (head_id) REFERENCES employees (id)",
        "CREATE TABLE departments (id BIGINT PRIMARY KEY, name TEXT NOT NULL, head_id BIGINT); \
         CREATE TABLE employees (id BIGINT PRIMARY KEY, department_id BIGINT NOT NULL, \
           FOREIGN KEY (department_id) REFERENCES departments (id)); \
         ALTER TABLE departments ADD FOREIGN KEY (head_id) REFERENCES employees (id)",
        "CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \
           head_id INTEGER REFERENCES employees (id)); \
         CREATE TABLE employees (id INTEGER PRIMARY KEY, \
           department_id INTEGER NOT NULL REFERENCES departments (id))",
    )
    .await
    else {
        return;
    };
    let (departments, employees) = (table(&schema, "departments"), table(&schema, "employees"));
    let n = 2_000i64;
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    let rows: Vec<Row> = (1..=n)
        .map(|i| vec![Value::Int(i), Value::Text(format!("dept {i}")), Value::Null])
        .collect();
    write_rows(
        &mut load,
        departments,
        &["id", "name", "head_id"],
        rows,
        500,
    )
    .await
    .expect("departments with no head yet");
    let rows: Vec<Row> = (1..=n)
        .map(|i| vec![Value::Int(i), Value::Int(i)])
        .collect();
    write_rows(&mut load, employees, &["id", "department_id"], rows, 500)
        .await
        .expect("employees");
    // Department i is headed by employee n + 1 - i.
    let heads: Vec<Row> = (1..=n)
        .map(|i| vec![Value::Int(i), Value::Int(n + 1 - i)])
        .collect();
    let updated = load
        .update(departments, &["id".into()], &["head_id".into()], heads)
        .await
        .expect("update");
    assert_eq!(updated, n as u64);
    load.check_foreign_keys(&schema, &[departments.name.clone(), employees.name.clone()])
        .await
        .expect("keys hold");
    load.commit().await.expect("commit");
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM departments WHERE head_id + id = 2001"
        )
        .await,
        n
    );
}

// ---------------------------------------------------------------------------------------
// Sequences and reading keys

async fn reset_sequences_lets_the_next_default_key_through(backend: Backend) {
    let Some((_db, pool, schema)) = setup(
        backend,
        "CREATE TABLE by_default (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text); \
         CREATE TABLE always (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text); \
         CREATE TABLE \"Serial Things\" (\"Id\" serial PRIMARY KEY, name text); \
         CREATE TABLE empty (id bigserial PRIMARY KEY, name text)",
        "CREATE TABLE by_default (id BIGINT AUTO_INCREMENT PRIMARY KEY, name TEXT) ENGINE=InnoDB",
        "CREATE TABLE by_default (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT); \
         CREATE TABLE plain (id INTEGER PRIMARY KEY, name TEXT)",
    )
    .await
    else {
        return;
    };
    let names: &[(&str, &str)] = match backend {
        Backend::Postgres => &[
            ("by_default", "id"),
            ("always", "id"),
            ("Serial Things", "Id"),
        ],
        Backend::MySql => &[("by_default", "id")],
        Backend::Sqlite => &[("by_default", "id"), ("plain", "id")],
    };
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    for (name, key) in names {
        let rows: Vec<Row> = (1..=100)
            .map(|i| vec![Value::Int(i), Value::Text(format!("{name} {i}"))])
            .collect();
        write_rows(&mut load, table(&schema, name), &[key, "name"], rows, 40)
            .await
            .expect("explicit keys");
    }
    let tables: Vec<&Table> = schema.tables.iter().collect();
    load.reset_sequences(&tables)
        .await
        .expect("reset sequences");
    load.commit().await.expect("commit");

    for (name, key) in names {
        let quoted = backend.quote_ident(name);
        let sql = format!("INSERT INTO {quoted} (name) VALUES ('next')");
        db_execute(&pool, &sql).await;
        let cast = if backend == Backend::Postgres {
            "::int8"
        } else {
            ""
        };
        let max = format!(
            "SELECT max({}){cast} FROM {quoted}",
            backend.quote_ident(key)
        );
        assert_eq!(
            scalar(&pool, &max).await,
            101,
            "{name}: the next key follows the loaded ones"
        );
    }
    if backend == Backend::Postgres {
        // An empty table's sequence starts at its beginning.
        db_execute(&pool, "INSERT INTO empty (name) VALUES ('first')").await;
        assert_eq!(scalar(&pool, "SELECT max(id) FROM empty").await, 1);
    }
}

async fn db_execute(db: &Db, sql: &str) {
    let sql = AssertSqlSafe(sql.to_string());
    match db {
        Db::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        Db::MySql(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        Db::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
    }
    .expect("statement");
}

async fn existing_keys_and_the_largest_integer_read_back_typed(backend: Backend) {
    let Some((_db, pool, schema)) = setup(
        backend,
        "CREATE TABLE keyed (id bigint PRIMARY KEY, code varchar(10) NOT NULL, uid uuid, day date, \
           at timestamptz, price numeric(8, 2), UNIQUE (code, id))",
        "CREATE TABLE keyed (id BIGINT PRIMARY KEY, code VARCHAR(10) NOT NULL, uid UUID, day DATE, \
           at DATETIME(6), price DECIMAL(8, 2), UNIQUE (code, id))",
        "CREATE TABLE keyed (id INTEGER PRIMARY KEY, code TEXT NOT NULL, uid UUID, day DATE, \
           at TIMESTAMPTZ, price TEXT, UNIQUE (code, id))",
    )
    .await
    else {
        return;
    };
    let keyed = table(&schema, "keyed");
    let day = NaiveDate::from_ymd_opt(2024, 5, 6).expect("date");
    let at = day.and_hms_micro_opt(7, 8, 9, 10).expect("time");
    let row = |i: i64| -> Row {
        vec![
            Value::Int(i * 10),
            Value::Text(format!("c{}", 9 - i)),
            if i == 2 {
                Value::Null
            } else {
                Value::Uuid(uuid::Uuid::from_u128(i as u128))
            },
            Value::Date(day + Duration::days(i)),
            match backend {
                Backend::MySql => Value::Timestamp(at + Duration::hours(i)),
                _ => Value::TimestampTz((at + Duration::hours(i)).and_utc()),
            },
            Value::Decimal(format!("{i}.50")),
        ]
    };
    let columns = ["id", "code", "uid", "day", "at", "price"];
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    assert_eq!(
        load.max_integer(keyed, "id").await.expect("max"),
        None,
        "empty"
    );
    write_rows(&mut load, keyed, &columns, (1..=5).map(row).collect(), 2)
        .await
        .expect("write");
    assert_eq!(load.max_integer(keyed, "id").await.expect("max"), Some(50));

    let ids = load
        .existing_keys(keyed, &["id".into()], 3)
        .await
        .expect("ids");
    assert_eq!(
        ids,
        vec![
            vec![Value::Int(10)],
            vec![Value::Int(20)],
            vec![Value::Int(30)]
        ]
    );
    let pairs = load
        .existing_keys(keyed, &["code".into(), "id".into()], 2)
        .await
        .expect("composite");
    assert_eq!(
        pairs,
        vec![
            vec![Value::Text("c4".into()), Value::Int(50)],
            vec![Value::Text("c5".into()), Value::Int(40)],
        ]
    );
    // NULLs are left out; every type comes back as it went in.
    let all: Vec<String> = ["uid", "day", "at", "price"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let read = load.existing_keys(keyed, &all, 10).await.expect("typed");
    let expected: Vec<Row> = [1, 3, 4, 5]
        .into_iter()
        .map(|i| {
            let mut values = row(i)[2..].to_vec();
            if backend == Backend::Sqlite {
                // A column declared TEXT holds text, whatever it looks like.
                values[3] = Value::Text(format!("{i}.50"));
            }
            values
        })
        .collect();
    assert_eq!(read, expected);
    load.commit().await.expect("commit");
}

per_backend!(
    rows_stream_in_through_a_channel_and_read_back_exactly,
    a_batch_past_the_placeholder_limit_is_split_into_statements,
    a_dropped_load_leaves_nothing_behind,
    a_failed_write_cannot_be_committed,
    fixtura_checks_let_a_child_come_before_its_parent,
    a_missing_parent_fails_the_check,
    update_fills_a_null_back_reference_in_bulk,
    reset_sequences_lets_the_next_default_key_through,
    existing_keys_and_the_largest_integer_read_back_typed,
    write_missing_leaves_existing_rows_as_they_are_and_inserts_the_rest,
    write_missing_still_fails_on_a_null_in_a_not_null_column,
    delete_flagged_deletes_exactly_the_flagged_rows,
    a_dropped_load_after_delete_flagged_leaves_the_rows_in_place,
    truncate_empties_the_tables,
    unflagged_referencing_flagged_names_the_blocking_child,
);

// ---------------------------------------------------------------------------------------
// Deferrable cycles (PostgreSQL, and SQLite's INITIALLY DEFERRED keys)

const CYCLE_PG: &str = "CREATE TABLE teams (id bigint PRIMARY KEY, captain_id bigint NOT NULL); \
    CREATE TABLE players (id bigint PRIMARY KEY, team_id bigint NOT NULL \
      REFERENCES teams (id) DEFERRABLE INITIALLY IMMEDIATE); \
    ALTER TABLE teams ADD CONSTRAINT teams_captain_id_fkey FOREIGN KEY (captain_id) \
      REFERENCES players (id) DEFERRABLE INITIALLY IMMEDIATE";
const CYCLE_SQLITE: &str = "CREATE TABLE teams (id INTEGER PRIMARY KEY, captain_id INTEGER NOT NULL \
      REFERENCES players (id) DEFERRABLE INITIALLY DEFERRED); \
    CREATE TABLE players (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL \
      REFERENCES teams (id) DEFERRABLE INITIALLY DEFERRED)";

async fn server_checks_load_a_deferrable_not_null_cycle(backend: Backend) {
    let Some((_db, pool, schema)) = setup(backend, CYCLE_PG, "", CYCLE_SQLITE).await else {
        return;
    };
    let (teams, players) = (table(&schema, "teams"), table(&schema, "players"));
    let team_rows: Vec<Row> = (1..=50)
        .map(|i| vec![Value::Int(i), Value::Int(i * 100)])
        .collect();
    let player_rows: Vec<Row> = (1..=50)
        .map(|i| vec![Value::Int(i * 100), Value::Int(i)])
        .collect();

    // Without the players, the server refuses the commit and nothing stays.
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    write_rows(
        &mut load,
        teams,
        &["id", "captain_id"],
        team_rows.clone(),
        20,
    )
    .await
    .expect("teams, captains not in yet");
    load.commit().await.expect_err("captains missing at commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM teams").await, 0);

    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    write_rows(&mut load, teams, &["id", "captain_id"], team_rows, 20)
        .await
        .expect("teams, captains not in yet");
    write_rows(&mut load, players, &["id", "team_id"], player_rows, 20)
        .await
        .expect("players");
    load.commit().await.expect("both sides in at commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM teams").await, 50);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM players").await, 50);
}

mod deferrable {
    #[tokio::test]
    async fn postgres() {
        super::server_checks_load_a_deferrable_not_null_cycle(fixtura::Backend::Postgres).await
    }
    #[tokio::test]
    async fn sqlite() {
        super::server_checks_load_a_deferrable_not_null_cycle(fixtura::Backend::Sqlite).await
    }
}

/// A committed load hands its connection back to the pool: an in-memory SQLite database,
/// which lives only as long as its one connection, keeps the rows. (The load also runs on
/// another task: it and its futures are `Send`.)
#[tokio::test]
async fn an_in_memory_sqlite_database_keeps_what_a_load_committed() {
    let pool = fixtura::connect("sqlite::memory:").await.expect("connect");
    fixtura::db::execute_script(&pool, "CREATE TABLE pairs (a INTEGER PRIMARY KEY, b TEXT)")
        .await
        .expect("create");
    let schema = fixtura::introspect(&pool, &fixtura::IntrospectOptions::default())
        .await
        .expect("introspect");
    let task = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let pairs = table(&schema, "pairs");
            let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
            let rows: Vec<Row> = (0..10).map(|i| vec![Value::Int(i), Value::Null]).collect();
            write_rows(&mut load, pairs, &["a", "b"], rows, 4)
                .await
                .expect("write");
            load.commit().await.expect("commit");
        })
    };
    task.await.expect("load task");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM pairs").await, 10);
}

// ---------------------------------------------------------------------------------------
// Snapshot restore: missing rows, flagged rows, emptying tables

const PEOPLE_PG: &str = "CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
      name text NOT NULL); \
    CREATE TABLE tags (code text NOT NULL UNIQUE, label text)";
const PEOPLE_MYSQL: &str = "CREATE TABLE people (id BIGINT AUTO_INCREMENT PRIMARY KEY, \
      name VARCHAR(40) NOT NULL) ENGINE=InnoDB; \
    CREATE TABLE tags (code VARCHAR(20) NOT NULL UNIQUE, label TEXT) ENGINE=InnoDB";
const PEOPLE_SQLITE: &str = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL); \
    CREATE TABLE tags (code TEXT NOT NULL UNIQUE, label TEXT)";

fn person(id: i64, name: &str) -> Row {
    vec![Value::Int(id), Value::Text(format!("{name} {id}"))]
}

async fn write_missing_leaves_existing_rows_as_they_are_and_inserts_the_rest(backend: Backend) {
    let Some((_db, pool, schema)) = setup(backend, PEOPLE_PG, PEOPLE_MYSQL, PEOPLE_SQLITE).await
    else {
        return;
    };
    let (people, tags) = (table(&schema, "people"), table(&schema, "tags"));
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    let existing = (1..=3).map(|i| person(i, "present")).collect();
    write_rows(&mut load, people, &["id", "name"], existing, 10)
        .await
        .expect("rows already there");
    let tag = |code: &str, label: &str| vec![Value::Text(code.into()), Value::Text(label.into())];
    write_rows(
        &mut load,
        tags,
        &["code", "label"],
        vec![tag("a", "present")],
        10,
    )
    .await
    .expect("a tag already there");
    load.commit().await.expect("commit");

    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    // Keys 2 and 3 exist; 4 to 6 do not.
    let snapshot = (2..=6).map(|i| person(i, "restored")).collect();
    let (counts, progress) = write_missing_rows(&mut load, people, &["id", "name"], snapshot, 2)
        .await
        .expect("write missing people");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 3,
            skipped: 2
        }
    );
    assert_eq!(progress, [2, 2, 1], "progress counts every row received");
    // A table without a primary key is matched on its first unique key.
    let (counts, _) = write_missing_rows(
        &mut load,
        tags,
        &["code", "label"],
        vec![tag("a", "restored"), tag("b", "restored")],
        10,
    )
    .await
    .expect("write missing tags");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 1,
            skipped: 1
        }
    );
    load.commit().await.expect("commit");

    let count = |sql: &'static str| scalar(&pool, sql);
    assert_eq!(count("SELECT count(*) FROM people").await, 6);
    assert_eq!(
        count("SELECT count(*) FROM people WHERE name LIKE 'present %'").await,
        3,
        "existing rows are left as they are"
    );
    assert_eq!(
        count("SELECT count(*) FROM people WHERE name LIKE 'restored %' AND id IN (4, 5, 6)").await,
        3
    );
    assert_eq!(
        count("SELECT count(*) FROM tags WHERE label = 'present'").await,
        1
    );
    assert_eq!(count("SELECT count(*) FROM tags").await, 2);
}

async fn write_missing_still_fails_on_a_null_in_a_not_null_column(backend: Backend) {
    let Some((_db, pool, schema)) = setup(backend, PEOPLE_PG, PEOPLE_MYSQL, PEOPLE_SQLITE).await
    else {
        return;
    };
    let people = table(&schema, "people");
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    let rows = vec![person(1, "restored"), vec![Value::Int(2), Value::Null]];
    let err = write_missing_rows(&mut load, people, &["id", "name"], rows, 10)
        .await
        .expect_err("a NULL name is an error, not a skipped row");
    assert!(err.to_string().contains("people"), "{err}");
    load.commit()
        .await
        .expect_err("a failed load must not commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM people").await, 0);
}

const FLAGGED_PG: &str = "CREATE TABLE staffs (id bigint PRIMARY KEY, name text NOT NULL, \
      is_test_data boolean); \
    CREATE TABLE offices (id bigint PRIMARY KEY, created_by bigint REFERENCES staffs (id), \
      is_test_data boolean)";
const FLAGGED_MYSQL: &str = "CREATE TABLE staffs (id BIGINT PRIMARY KEY, name TEXT NOT NULL, \
      is_test_data BOOLEAN) ENGINE=InnoDB; \
    CREATE TABLE offices (id BIGINT PRIMARY KEY, created_by BIGINT, is_test_data BOOLEAN, \
      CONSTRAINT offices_created_by_fkey FOREIGN KEY (created_by) REFERENCES staffs (id)) ENGINE=InnoDB";
const FLAGGED_SQLITE: &str = "CREATE TABLE staffs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \
      is_test_data BOOLEAN); \
    CREATE TABLE offices (id INTEGER PRIMARY KEY, created_by INTEGER REFERENCES staffs (id), \
      is_test_data BOOLEAN)";

/// Staff 1 and 4 are flagged, 2 is not, 3 has no flag (NULL: not flagged); office 10 is
/// flagged and references staff 1, office 12 is not and references staff 2.
const FLAGGED_ROWS: &str = "INSERT INTO staffs (id, name, is_test_data) VALUES \
      (1, 'a', TRUE), (2, 'b', FALSE), (3, 'c', NULL), (4, 'd', TRUE); \
    INSERT INTO offices (id, created_by, is_test_data) VALUES (10, 1, TRUE), (12, 2, FALSE)";

/// Staffs and offices holding [`FLAGGED_ROWS`].
async fn setup_flagged(backend: Backend) -> Option<(TestDb, Db, Schema)> {
    let (db, pool, schema) = setup(backend, FLAGGED_PG, FLAGGED_MYSQL, FLAGGED_SQLITE).await?;
    db_execute(&pool, FLAGGED_ROWS).await;
    Some((db, pool, schema))
}

async fn delete_flagged_deletes_exactly_the_flagged_rows(backend: Backend) {
    let Some((_db, pool, schema)) = setup_flagged(backend).await else {
        return;
    };
    let (staffs, offices) = (table(&schema, "staffs"), table(&schema, "offices"));
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    assert_eq!(
        load.delete_flagged(offices, "is_test_data")
            .await
            .expect("offices"),
        1
    );
    assert_eq!(
        load.delete_flagged(staffs, "is_test_data")
            .await
            .expect("staffs"),
        2
    );
    let err = load
        .delete_flagged(staffs, "no_such_flag")
        .await
        .expect_err("unknown flag column");
    assert!(err.to_string().contains("no_such_flag"), "{err}");
    load.commit().await.expect("commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM staffs").await, 2);
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM staffs WHERE id IN (2, 3)").await,
        2,
        "the unflagged row and the one without a flag stay"
    );
    assert_eq!(scalar(&pool, "SELECT count(*) FROM offices").await, 1);
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM offices WHERE id = 12").await,
        1
    );
}

async fn a_dropped_load_after_delete_flagged_leaves_the_rows_in_place(backend: Backend) {
    let Some((_db, pool, schema)) = setup_flagged(backend).await else {
        return;
    };
    let (staffs, offices) = (table(&schema, "staffs"), table(&schema, "offices"));
    let mut load = Load::begin(&pool, FkChecks::Fixtura).await.expect("begin");
    load.delete_flagged(offices, "is_test_data")
        .await
        .expect("offices");
    load.delete_flagged(staffs, "is_test_data")
        .await
        .expect("staffs");
    drop(load);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM staffs").await, 4);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM offices").await, 2);
}

async fn truncate_empties_the_tables(backend: Backend) {
    let Some((_db, pool, schema)) = setup_flagged(backend).await else {
        return;
    };
    let (staffs, offices) = (table(&schema, "staffs"), table(&schema, "offices"));
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    load.truncate(&[]).await.expect("nothing to empty");
    // Children first: MySQL and SQLite delete in this order, with keys checked.
    load.truncate(&[offices, staffs]).await.expect("truncate");
    load.commit().await.expect("commit");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM staffs").await, 0);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM offices").await, 0);
}

async fn unflagged_referencing_flagged_names_the_blocking_child(backend: Backend) {
    let Some((_db, pool, schema)) = setup_flagged(backend).await else {
        return;
    };
    let (staffs, offices) = (table(&schema, "staffs"), table(&schema, "offices"));
    let tables = [staffs.name.clone(), offices.name.clone()];
    let mut load = Load::begin(&pool, FkChecks::Server).await.expect("begin");
    // Flagged office 10 references flagged staff 1; unflagged office 12, unflagged staff 2.
    let blockers = load
        .unflagged_referencing_flagged(&schema, &tables, "is_test_data")
        .await
        .expect("nothing blocks");
    assert_eq!(blockers, []);

    // An unflagged office of flagged staff 4 would be orphaned.
    let inserted = load
        .execute("INSERT INTO offices (id, created_by, is_test_data) VALUES (11, 4, FALSE)")
        .await
        .expect("insert a blocking office");
    assert_eq!(inserted, 1);
    let blockers = load
        .unflagged_referencing_flagged(&schema, &tables, "is_test_data")
        .await
        .expect("one blocks");
    assert_eq!(
        blockers,
        [Blocker {
            table: offices.name.clone(),
            constraint: "offices_created_by_fkey".into(),
            count: 1,
            example: "(id)=(11)".into(),
        }]
    );
    // A child whose flag is NULL is not flagged either.
    load.execute("UPDATE offices SET is_test_data = NULL, created_by = 1 WHERE id = 12")
        .await
        .expect("update");
    let blockers = load
        .unflagged_referencing_flagged(&schema, &tables, "is_test_data")
        .await
        .expect("two block");
    assert_eq!(blockers.len(), 1, "{blockers:?}");
    assert_eq!(blockers[0].count, 2);
    // Without the parent among the tables, nothing is looked at.
    let blockers = load
        .unflagged_referencing_flagged(&schema, std::slice::from_ref(&offices.name), "is_test_data")
        .await
        .expect("parent left out");
    assert_eq!(blockers, []);
    load.commit().await.expect("commit");
}
