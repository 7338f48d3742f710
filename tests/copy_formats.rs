//! PostgreSQL rows travel in binary `COPY` by default and in text `COPY` with
//! `FIXTURA_PG_COPY=text`: both must give byte-identical snapshot files and identical
//! restored rows, for every type and every nasty value; a type or a value the binary path
//! does not carry still loads, as text.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use common::TestDb;

/// Runs `fixtura --db DB --store STORE ARGS` with the COPY format `format`.
fn fixtura(db: &TestDb, store: &Path, format: &str, args: &[&str]) -> String {
    let output = Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .env_remove("FIXTURA_STORE")
        .env("FIXTURA_PG_COPY", format)
        .args(["--db", &db.url, "--store", store.to_str().unwrap()])
        .args(args)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("run fixtura");
    assert!(
        output.status.success(),
        "fixtura {args:?} ({format}) failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn fixture() -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/types/postgres.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The type zoo, every row flagged, its binary-writable columns again (`binary_zoo`), and
/// `extremes`: thousands of random reals, doubles,
/// numerics and points in time across their whole ranges, and the edges of each range.
const EXTREMES: &str = "
    CREATE TABLE extremes (
        id integer PRIMARY KEY,
        r real, d double precision, n numeric, n2 numeric(12, 4),
        ts timestamptz, t timestamp, dt date, tm time(3), tx timestamp(0),
        labels varchar(8)[], b bpchar(5),
        is_test_data boolean NOT NULL DEFAULT true
    );
    SELECT setseed(0.42);
    INSERT INTO extremes (id, r, d, n, n2, ts, t, dt, tm, tx, labels, b)
    SELECT i,
           ((random() - 0.5) * 10 ^ (random() * 76 - 38))::real,
           (random() - 0.5) * 10 ^ (random() * 600 - 300),
           round(((random() - 0.5) * 10 ^ (random() * 40 - 10))::numeric, i % 25),
           ((random() - 0.5) * 1e6)::numeric(12, 4),
           '2000-01-01'::timestamptz + (random() - 0.5) * interval '4000 years',
           '0500-01-01'::timestamp + random() * interval '9000 years',
           '0001-06-01'::date + (random() * 3650000)::int,
           '00:00'::time + random() * interval '24 hours',
           '2000-01-01'::timestamp + random() * interval '50 years',
           ARRAY['a' || i, NULL, ''],
           left(md5(i::text), i % 6)
      FROM generate_series(1, 6000) AS i;
    INSERT INTO extremes (id, r, d, n, ts, t, dt, tm) VALUES
        (-1, '3.4028235e38', '1.7976931348623157e308', '0.000000000000000000000000000001',
         '294276-12-31 23:59:59.999999+00', '294276-12-31 23:59:59.999999',
         '5874897-12-31', '24:00:00'),
        (-2, '1.4e-45', '4.9e-324', '-99999999999999999999999999999999999999.5',
         '4713-01-01 00:00:00+00 BC', '4713-01-01 00:00:00 BC', '4713-01-01 BC', '00:00:00'),
        (-3, '-0', '-0', '-0.000', '10000-01-01 00:00:00.5+00', '9999-12-31 23:59:59.999999',
         '10000-01-01', '23:59:59.999'),
        (-4, 'NaN', '-Infinity', 'NaN', '0001-01-01 00:00:00+00', '0001-01-01 00:00:00 BC',
         '0001-01-01', '12:00:00.0005'),
        (-5, '-Infinity', 'NaN', '-Infinity', 'infinity', '-infinity', 'infinity', NULL);
    UPDATE zoo_types SET is_test_data = true;
    -- The zoo's columns of types binary COPY writes, so its values go in binary up to the
    -- first one that needs text (24:00:00 in row 3).
    CREATE TABLE binary_zoo AS
    SELECT id, flag, small, whole, big, real4, real8, exact, priced, label, code, fixed, raw,
           uid, doc, docb, day, clock, at, at_tz, mood, tags, grid, moods, docs, raws, stamps,
           floats, is_test_data
      FROM zoo_types ORDER BY id;
    ALTER TABLE binary_zoo ADD PRIMARY KEY (id);
";

/// Every table file as it is on disk, by file name.
fn raw_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zst"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Every table's decompressed file, by file name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zst"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, zstd::decode_all(bytes.as_slice()).unwrap())
        })
        .collect()
}

async fn zoo() -> Option<TestDb> {
    let db = TestDb::postgres().await?;
    db.execute(&fixture()).await;
    db.execute(EXTREMES).await;
    Some(db)
}

async fn checksums(db: &TestDb) -> Vec<(u64, String)> {
    vec![
        db.table_checksum("zoo_types").await,
        db.table_checksum("extremes").await,
        db.table_checksum("binary_zoo").await,
    ]
}

#[tokio::test]
async fn binary_and_text_copy_give_byte_identical_snapshots_and_identical_restores() {
    let Some(db) = zoo().await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    fixtura(&db, store.path(), "text", &["snapshot", "create", "text"]);
    fixtura(
        &db,
        store.path(),
        "binary",
        &["snapshot", "create", "binary"],
    );
    let text = files(&store.path().join("text"));
    let binary = files(&store.path().join("binary"));
    assert_eq!(text.len(), 3);
    for (name, lines) in &text {
        let theirs = &binary[name];
        let first_difference = lines
            .split(|&b| b == b'\n')
            .zip(theirs.split(|&b| b == b'\n'))
            .find(|(a, b)| a != b)
            .map(|(a, b)| {
                (
                    String::from_utf8_lossy(a).to_string(),
                    String::from_utf8_lossy(b).to_string(),
                )
            });
        assert_eq!(first_difference, None, "{name}: text vs binary");
        assert_eq!(lines, theirs, "{name}");
    }
    assert_eq!(
        raw_files(&store.path().join("text")),
        raw_files(&store.path().join("binary")),
        "the compressed files too"
    );

    // Restored into empty twins, one per format: the same rows as the source, exactly.
    let source = checksums(&db).await;
    for format in ["text", "binary"] {
        let Some(twin) = zoo().await else {
            return;
        };
        twin.execute("TRUNCATE zoo_types, extremes, binary_zoo")
            .await;
        fixtura(
            &twin,
            store.path(),
            format,
            &["snapshot", "restore", format, "--clean", "none"],
        );
        assert_eq!(
            checksums(&twin).await,
            source,
            "restored with {format} COPY"
        );
    }
}

#[tokio::test]
async fn a_value_binary_copy_cannot_carry_sends_the_rest_of_the_rows_as_text() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // Dates spelled as text in the snapshot (`infinity`, BC) in the middle of many rows,
    // and a column type the binary writer does not encode in another table.
    db.execute(
        "CREATE TABLE days (id integer PRIMARY KEY, day date, at timestamptz,
                            is_test_data boolean NOT NULL DEFAULT true);
         INSERT INTO days SELECT i, '2020-01-01'::date + i, '2020-01-01'::timestamptz + i * interval '1 minute'
           FROM generate_series(1, 12000) AS i;
         UPDATE days SET day = '0044-03-15 BC' WHERE id = 7000;
         UPDATE days SET at = 'infinity', day = '-infinity' WHERE id = 7001;
         CREATE TABLE spans (id integer PRIMARY KEY, span interval, spot point, here inet,
                             is_test_data boolean NOT NULL DEFAULT true);
         INSERT INTO spans SELECT i, i * interval '1 day 1 second', point(i, -i), '10.0.0.1'
           FROM generate_series(1, 100) AS i;",
    )
    .await;
    let before = (
        db.table_checksum("days").await,
        db.table_checksum("spans").await,
    );
    let store = tempfile::tempdir().unwrap();
    fixtura(&db, store.path(), "binary", &["snapshot", "create", "odd"]);
    db.execute("TRUNCATE days, spans").await;
    fixtura(
        &db,
        store.path(),
        "binary",
        &["snapshot", "restore", "odd", "--clean", "none"],
    );
    let after = (
        db.table_checksum("days").await,
        db.table_checksum("spans").await,
    );
    assert_eq!(after, before);
    assert_eq!(after.0.0, 12_000);
}

#[tokio::test]
async fn the_welfare_dataset_snapshots_byte_identically_in_both_formats() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let store = tempfile::tempdir().unwrap();
    fixtura(
        &db,
        store.path(),
        "binary",
        &["exec", &format!("{root}/schema/welfare.postgres.sql")],
    );
    fixtura(
        &db,
        store.path(),
        "binary",
        &["generate", "--spec", &format!("{root}/schema/welfare.toml")],
    );
    fixtura(&db, store.path(), "text", &["snapshot", "create", "text"]);
    fixtura(
        &db,
        store.path(),
        "binary",
        &["snapshot", "create", "binary"],
    );
    let text = files(&store.path().join("text"));
    assert_eq!(text.len(), 6);
    assert_eq!(text, files(&store.path().join("binary")));
    assert_eq!(
        raw_files(&store.path().join("text")),
        raw_files(&store.path().join("binary"))
    );
}

/// A column whose output function lives in a schema this role may not use is read as text
/// (COPY calls the function without the check; a call in SQL would fail the whole read).
#[tokio::test]
async fn an_output_function_the_role_may_not_reach_is_read_as_text() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let role = format!("fixtura_reader_{}", std::process::id());
    db.execute(&format!(
        "CREATE SCHEMA ext;
         CREATE EXTENSION citext SCHEMA ext;
         CREATE TABLE users (id integer PRIMARY KEY, email ext.citext, is_test_data boolean DEFAULT true);
         INSERT INTO users (id, email) VALUES (1, 'A@Example.com'), (2, NULL);
         DROP ROLE IF EXISTS {role};
         CREATE ROLE {role} LOGIN;
         GRANT SELECT ON users TO {role};"
    ))
    .await;
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_username(&role).unwrap();
    let reader = TestDb::attach(fixtura::Backend::Postgres, url.as_str(), &db.name);
    let (binary, text) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fixtura(
        &reader,
        binary.path(),
        "binary",
        &["snapshot", "create", "s"],
    );
    fixtura(&reader, text.path(), "text", &["snapshot", "create", "s"]);
    db.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .await;
    assert_eq!(
        files(&binary.path().join("s")),
        files(&text.path().join("s"))
    );
    let rows = String::from_utf8(files(&binary.path().join("s"))["public.users.jsonl.zst"].clone())
        .unwrap();
    assert!(rows.contains("A@Example.com"), "{rows}");
}
