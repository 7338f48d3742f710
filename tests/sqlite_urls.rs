//! SQLite URLs as the README writes them, through the binary run in a directory of its own:
//! `ensure --isolate` and `snapshot restore --isolate` work with every spelling of a file
//! URL (`sqlite://file.db` and `sqlite:file.db` in the current directory, `./dir/`, an
//! absolute path, a query such as `?mode=rwc`), the URL printed last opens the worker's
//! copy with its rows, `gc` takes every copy away, and a failure leaves no file behind.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SCHEMA: &str = "CREATE TABLE offices (id INTEGER PRIMARY KEY, code INTEGER NOT NULL UNIQUE, \
                      name TEXT, is_test_data INTEGER NOT NULL DEFAULT 0);
                      INSERT INTO offices (id, code, name) VALUES (1, 100, 'kept');";

const SPEC: &str = "seed = 1\n[tables.offices]\nrows = 5\n";

/// Runs `fixtura ARGS` in `dir` (no `DATABASE_URL` or `FIXTURA_STORE` of the caller's).
fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("fixtura")
        .unwrap()
        .env_remove("DATABASE_URL")
        .env_remove("FIXTURA_STORE")
        .env("FIXTURA_RUN_ID", "urltest")
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run fixtura")
}

fn ok(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The files of `dir` and its subdirectory `sub` (not the store), sorted.
fn files(dir: &Path, sub: &str) -> Vec<String> {
    let mut names = Vec::new();
    for d in [dir.to_path_buf(), dir.join(sub)] {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if entry.file_type().unwrap().is_file() {
                names.push(entry.file_name().to_string_lossy().to_string());
            }
        }
    }
    names.sort();
    names
}

/// The rows of `offices` in the database at `url`, a path relative to `dir`.
async fn offices(dir: &Path, url: &str) -> (i64, i64) {
    use sqlx::Connection;
    let path = fixtura_path(url);
    let path = if path.is_absolute() {
        path
    } else {
        dir.join(path)
    };
    assert!(path.exists(), "{url} names no file in {}", dir.display());
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let all: (i64, i64) =
        sqlx::query_as("SELECT count(*), coalesce(sum(is_test_data = 1), 0) FROM offices")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    all
}

/// The file a `sqlite://PATH` URL printed by fixtura names.
fn fixtura_path(url: &str) -> PathBuf {
    let rest = url.strip_prefix("sqlite://").expect("a sqlite:// URL");
    PathBuf::from(rest.split('?').next().unwrap())
}

/// The database file in `dir`, laid down by `fixtura exec --create`.
fn create(dir: &Path, url: &str) {
    std::fs::create_dir_all(dir.join("dir")).unwrap();
    std::fs::write(dir.join("schema.sql"), SCHEMA).unwrap();
    std::fs::write(dir.join("spec.toml"), SPEC).unwrap();
    ok(run(dir, &["--db", url, "exec", "--create", "schema.sql"]));
}

#[tokio::test]
async fn every_file_url_spelling_isolates_a_worker_and_gc_takes_the_copies() {
    let abs = tempfile::tempdir().unwrap();
    let absolute = format!("sqlite://{}/abs.db", abs.path().display());
    let spellings = [
        ("sqlite://file.db", "file.db"),
        ("sqlite:file.db", "file.db"),
        ("sqlite://./dir/file.db", "dir/file.db"),
        ("sqlite://file.db?mode=rwc", "file.db"),
        ("sqlite://my%20data.db", "my data.db"),
        (absolute.as_str(), "abs.db"),
    ];
    for (url, file) in spellings {
        let dir = tempfile::tempdir().unwrap();
        let here = if url == absolute {
            abs.path()
        } else {
            dir.path()
        };
        create(dir.path(), url);
        assert!(here.join(file).exists(), "{url} made {file}");
        let db = ["--db", url, "--store", "store"];

        let out = ok(run(
            dir.path(),
            &[&db[..], &["ensure", "--spec", "spec.toml", "--isolate"]].concat(),
        ));
        let copy = out.lines().last().unwrap().to_string();
        assert_eq!(
            offices(dir.path(), &copy).await,
            (6, 5),
            "{url}: the worker's copy {copy} has the kept row and the spec's"
        );
        let snapshot = out
            .lines()
            .find_map(|l| l.split('"').nth(1))
            .expect("the snapshot is named")
            .to_string();
        let out = ok(run(
            dir.path(),
            &[
                &db[..],
                &[
                    "snapshot",
                    "restore",
                    &snapshot,
                    "--isolate",
                    "--worker",
                    "9",
                ],
            ]
            .concat(),
        ));
        let copy = out.lines().last().unwrap().to_string();
        assert_eq!(offices(dir.path(), &copy).await, (6, 5), "{url}: {copy}");
        assert_eq!(
            offices(
                dir.path(),
                &format!("sqlite://{}", here.join(file).display())
            )
            .await,
            (1, 0),
            "{url}: the database itself is left alone"
        );

        ok(run(
            dir.path(),
            &[&db[..], &["gc", "--older-than", "0s"]].concat(),
        ));
        let mut left = files(here, "dir");
        left.retain(|f| f.contains("fixtura-"));
        assert_eq!(left, Vec::<String>::new(), "{url}: gc leaves no copy");
    }
}

/// A generation that fails in the scratch copy, and a damaged snapshot restored into a
/// copy: each fails with one line, and no file is left beside the database.
#[test]
fn a_failure_leaves_no_file_behind() {
    for url in [
        "sqlite://file.db",
        "sqlite:file.db?mode=rwc",
        "sqlite://./dir/file.db",
    ] {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), url);
        let db = ["--db", url, "--store", "store"];
        std::fs::write(
            dir.path().join("bad.toml"),
            "seed = 1\n[tables.offices]\nrows = 1\ncolumns.code = { const = 100 }\n",
        )
        .unwrap();
        let before = files(dir.path(), "dir");
        let out = run(
            dir.path(),
            &[&db[..], &["ensure", "--spec", "bad.toml", "--isolate"]].concat(),
        );
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("UNIQUE constraint failed: offices.code"),
            "{stderr}"
        );
        assert_eq!(files(dir.path(), "dir"), before, "{url}: a failed ensure");

        let out = ok(run(
            dir.path(),
            &[&db[..], &["ensure", "--spec", "spec.toml", "--isolate"]].concat(),
        ));
        let snapshot = out
            .lines()
            .find_map(|l| l.split('"').nth(1))
            .unwrap()
            .to_string();
        let before = files(dir.path(), "dir");
        for entry in std::fs::read_dir(dir.path().join("store").join(&snapshot)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "zst") {
                std::fs::write(&path, b"damaged").unwrap();
            }
        }
        let out = run(
            dir.path(),
            &[&db[..], &["snapshot", "restore", &snapshot, "--isolate"]].concat(),
        );
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is damaged"), "{stderr}");
        assert_eq!(files(dir.path(), "dir"), before, "{url}: a failed restore");
    }
}
