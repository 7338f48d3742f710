//! Writing rows: they stream in through a bounded channel and read back exactly, on every
//! backend and for every type; a batch past a statement's placeholder limit is split; a
//! dropped load leaves nothing behind, a failed one cannot be committed; and a committed one
//! hands its connection back to the pool.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use sqlx::{Row as _, TypeInfo, ValueRef};

use super::{scalar, setup, table, write_rows};
use crate::db::{Backend, Db};
use crate::value::{Row, Value};
use crate::write::{FkChecks, Load};

per_backend!(
    rows_stream_in_through_a_channel_and_read_back_exactly,
    a_batch_past_the_placeholder_limit_is_split_into_statements,
    a_dropped_load_leaves_nothing_behind,
    a_failed_write_cannot_be_committed,
);

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

/// A committed load hands its connection back to the pool: an in-memory SQLite database,
/// which lives only as long as its one connection, keeps the rows. (The load also runs on
/// another task: it and its futures are `Send`.)
#[tokio::test]
async fn an_in_memory_sqlite_database_keeps_what_a_load_committed() {
    let pool = crate::db::connect("sqlite::memory:")
        .await
        .expect("connect");
    pool.run_script("CREATE TABLE pairs (a INTEGER PRIMARY KEY, b TEXT)")
        .await
        .expect("create");
    let schema = crate::schema::introspect(&pool, &crate::schema::IntrospectOptions::default())
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
