//! `fixtura ensure`, `cache-key`, `gc` and the `TestDb` library API, through the binary and
//! the library, on all three backends: processes started at once make one snapshot and
//! each get an identical copy of their own; a second round comes from the cache; killed
//! runs leave a usable store; keys follow the spec, seed and schema, not the formatting;
//! gc drops only what fixtura made and no longer needs.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TestDb, ok};
use fixtura::Backend;

/// A small share of the seed-004 dataset (about 1,600 rows): enough to exercise every
/// table and foreign key, quick in a debug build.
const SCALE: &str = "0.05";

fn path(relative: &str) -> String {
    format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"))
}

fn spec() -> String {
    path("schema/welfare.toml")
}

fn schema_file(backend: Backend) -> String {
    let name = match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    };
    path(&format!("schema/welfare.{name}.sql"))
}

/// An empty database with the example schema.
async fn welfare(backend: Backend) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(&std::fs::read_to_string(schema_file(backend)).unwrap())
        .await;
    Some(db)
}

/// The example schema, an empty store, and the cleanup of the copies made from it. Bound
/// as `(db, store, _cleanup)`, they drop in reverse: the copies go while the database and
/// the store are still there.
async fn welfare_with_store(backend: Backend) -> Option<(TestDb, tempfile::TempDir, Cleanup)> {
    let db = welfare(backend).await?;
    let store = tempfile::tempdir().unwrap();
    let cleanup = Cleanup {
        url: db.url.clone(),
        store: store.path().to_path_buf(),
    };
    Some((db, store, cleanup))
}

/// `fixtura --db DB --store STORE ARGS`, not yet run.
fn fixtura(url: &str, store: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("fixtura"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("FIXTURA_STORE")
        .env_remove("FIXTURA_RUN_ID")
        .args(["--db", url, "--store", store.to_str().unwrap()])
        .args(args);
    command
}

/// `ensure --json` output: the summary, and the URL on the last line when isolated.
fn summary(stdout: &str) -> (serde_json::Value, String) {
    if let Ok(value) = serde_json::from_str(stdout) {
        return (value, String::new());
    }
    let (json, last) = stdout.trim_end().rsplit_once('\n').unwrap_or((stdout, ""));
    let value: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("not a summary ({e}): {stdout}"));
    (value, last.to_string())
}

/// `SELECT count(*) FROM table` as text, on any backend.
fn count(backend: Backend, table: &str) -> String {
    match backend {
        Backend::Postgres => format!("SELECT count(*)::text FROM {table}"),
        Backend::MySql => format!("SELECT CAST(count(*) AS CHAR) FROM {table}"),
        Backend::Sqlite => format!("SELECT CAST(count(*) AS TEXT) FROM {table}"),
    }
}

/// Runs `fixtura gc --older-than 0s --keep 0` for the database when dropped, so a failed
/// test leaves no copies behind either. Declared after the database, so it runs first.
struct Cleanup {
    url: String,
    store: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = fixtura(
            &self.url,
            &self.store,
            &["gc", "--older-than", "0s", "--keep", "0"],
        )
        .output();
    }
}

/// What `fixtura gc ARGS --json` collected (or, with `--dry-run`, would): (kind, name).
fn gc(url: &str, store: &Path, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["gc", "--json"];
    all.extend_from_slice(args);
    let out = ok(fixtura(url, store, &all).output().unwrap());
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    report["collected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every table's row count and full-row checksum in the database at `url`.
async fn state(backend: Backend, url: &str) -> Vec<(String, u64, String)> {
    TestDb::attach(backend, url, url).state().await
}

/// Snapshot directories in the store (temporary ones are hidden, and listed apart).
fn snapshots(store: &Path) -> (Vec<String>, Vec<String>) {
    let mut published = Vec::new();
    let mut temporary = Vec::new();
    for entry in std::fs::read_dir(store).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(".tmp-") {
            temporary.push(name);
        } else if entry.path().join("manifest.json").exists() {
            published.push(name);
        }
    }
    (published, temporary)
}

fn run_id() -> String {
    format!("t{}", std::process::id())
}

/// Starts `n` isolated ensures at once, waits for all; their summaries and URLs.
fn ensure_at_once(
    db: &TestDb,
    store: &Path,
    n: usize,
    run: &str,
) -> Vec<(serde_json::Value, String)> {
    let children: Vec<_> = (0..n)
        .map(|i| {
            fixtura(
                &db.url,
                store,
                &[
                    "ensure",
                    "--spec",
                    &spec(),
                    "--scale",
                    SCALE,
                    "--isolate",
                    "--worker",
                    &format!("w{i}"),
                    "--run-id",
                    run,
                    "--json",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|child| summary(&ok(child.wait_with_output().unwrap())))
        .collect()
}

async fn isolated_ensures_at_once_make_one_snapshot_and_identical_copies(
    backend: Backend,
    n: usize,
) {
    let Some((db, store, _cleanup)) = welfare_with_store(backend).await else {
        return;
    };
    let run = run_id();

    let first = ensure_at_once(&db, store.path(), n, &run);
    let misses = first.iter().filter(|(s, _)| s["hit"] == false).count();
    assert_eq!(misses, 1, "exactly one process generates: {first:?}");
    let (published, temporary) = snapshots(store.path());
    assert_eq!(published.len(), 1, "exactly one snapshot: {published:?}");
    assert!(temporary.is_empty(), "{temporary:?}");
    let urls: std::collections::BTreeSet<&String> = first.iter().map(|(_, url)| url).collect();
    assert_eq!(urls.len(), n, "a database of its own per process: {urls:?}");
    assert!(
        first
            .iter()
            .all(|(s, url)| s["isolated"]["url"] == url.as_str()),
        "the URL is the last line"
    );
    let reference = state(backend, &first[0].1).await;
    assert!(
        reference
            .iter()
            .any(|(t, rows, _)| t == "support_plan_cycles" && *rows > 0),
        "{reference:?}"
    );
    for (_, url) in &first[1..] {
        assert_eq!(state(backend, url).await, reference, "{url}");
    }
    // The database the copies were made from is left alone.
    assert!(
        state(backend, &db.url)
            .await
            .iter()
            .all(|(_, rows, _)| *rows == 0)
    );

    // A second round is served from the cache: nothing is generated.
    let second = ensure_at_once(&db, store.path(), n, &run);
    for (s, url) in &second {
        assert_eq!(s["hit"], true, "{s}");
        assert_eq!(s["generate_seconds"], 0.0, "{s}");
        assert_eq!(state(backend, url).await, reference, "{url}");
    }
    assert_eq!(snapshots(store.path()).0, published);
}

async fn isolated_ensures_at_once(backend: Backend) {
    isolated_ensures_at_once_make_one_snapshot_and_identical_copies(backend, 4).await;
}

#[tokio::test]
async fn eight_isolated_ensures_at_once_on_postgres() {
    isolated_ensures_at_once_make_one_snapshot_and_identical_copies(Backend::Postgres, 8).await;
}

async fn ensure_without_isolation_fills_the_database_and_replaces_its_flagged_rows(
    backend: Backend,
) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let args = ["ensure", "--spec", &spec(), "--scale", SCALE, "--json"];
    let (first, url) = summary(&ok(fixtura(&db.url, store.path(), &args).output().unwrap()));
    assert_eq!(first["hit"], false);
    assert_eq!(url, "", "no copy, no URL: {first}");
    assert!(first["rows"].as_u64().unwrap() > 1000, "{first}");
    let filled = state(backend, &db.url).await;

    // Damage the flagged rows; a hit puts them back exactly.
    db.execute("DELETE FROM support_plan_cycles WHERE cycle_number = 1")
        .await;
    db.execute("UPDATE offices SET name = 'changed'").await;
    assert_ne!(state(backend, &db.url).await, filled);
    let (second, _) = summary(&ok(fixtura(&db.url, store.path(), &args).output().unwrap()));
    assert_eq!(second["hit"], true, "{second}");
    assert!(second["restore_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(state(backend, &db.url).await, filled);
}

async fn a_killed_ensure_leaves_a_store_the_next_one_uses(backend: Backend) {
    let Some((db, store, _cleanup)) = welfare_with_store(backend).await else {
        return;
    };
    let args = [
        "ensure",
        "--spec",
        &spec(),
        "--scale",
        "0.5",
        "--isolate",
        "--worker",
        "k",
    ];
    // Killed mid-generation (once its scratch copy exists), then mid-publish (once its
    // temporary snapshot directory exists).
    let scratch_exists = async || match backend {
        Backend::Sqlite => std::fs::read_dir(Path::new(&db.name).parent().unwrap())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".fixtura-s-")),
        _ => gc(&db.url, store.path(), &["--dry-run", "--older-than", "0s"])
            .iter()
            .any(|(kind, _)| kind == "scratch"),
    };
    let mut child = fixtura(&db.url, store.path(), &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = false;
    for _ in 0..1000 {
        if scratch_exists().await {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(seen, "the ensure never made its scratch copy");
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();

    let mut child = fixtura(&db.url, store.path(), &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = false;
    for _ in 0..6000 {
        if !snapshots(store.path()).1.is_empty() {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(seen, "the ensure never started writing its snapshot");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        snapshots(store.path()).0.is_empty(),
        "nothing half-written was published"
    );

    // The next run succeeds, and every snapshot in the store is intact.
    let out = ok(fixtura(&db.url, store.path(), &args).output().unwrap());
    assert!(out.contains("cache miss"), "{out}");
    let (published, _) = snapshots(store.path());
    assert_eq!(published.len(), 1);
    for name in &published {
        ok(
            fixtura(&db.url, store.path(), &["snapshot", "verify", name])
                .output()
                .unwrap(),
        );
    }
    // What the killed runs left (scratch copies, a temporary directory) is gc's to drop.
    let collected = gc(&db.url, store.path(), &["--older-than", "0s"]);
    let kinds: Vec<&str> = collected.iter().map(|(kind, _)| kind.as_str()).collect();
    assert!(kinds.contains(&"scratch"), "{collected:?}");
    assert!(kinds.contains(&"temporary"), "{collected:?}");
    assert!(snapshots(store.path()).1.is_empty());
}

per_backend!(
    isolated_ensures_at_once,
    ensure_without_isolation_fills_the_database_and_replaces_its_flagged_rows,
    a_killed_ensure_leaves_a_store_the_next_one_uses,
    the_library_gives_each_test_a_populated_database_of_its_own,
    restore_isolate_gives_each_worker_a_copy_of_a_snapshot,
    two_keys_filling_one_database_at_once_never_mix,
);

#[tokio::test]
async fn cache_keys_follow_the_spec_seed_and_schema_but_not_the_formatting() {
    let db = welfare(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = |spec: &Path, extra: &[&str]| {
        let mut args = vec!["cache-key", "--spec", spec.to_str().unwrap()];
        args.extend_from_slice(extra);
        ok(fixtura(&db.url, dir.path(), &args).output().unwrap())
            .trim()
            .to_string()
    };
    let original = Path::new(&spec()).to_path_buf();
    let base = key(&original, &[]);
    assert_eq!(base.len(), 64, "{base}");

    // The same spec, reformatted: comments, blank lines and key order shuffled.
    let text = std::fs::read_to_string(&original).unwrap();
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    let first_table = lines.iter().position(|l| l.starts_with('[')).unwrap();
    lines[..first_table].reverse();
    let reformatted = dir.path().join("reformatted.toml");
    std::fs::write(
        &reformatted,
        format!("# moved around\n\n{}\n", lines.join("\n\n")),
    )
    .unwrap();
    assert_eq!(key(&reformatted, &[]), base);

    let changed = dir.path().join("changed.toml");
    std::fs::write(&changed, text.replace("rows = 100\n", "rows = 101\n")).unwrap();
    assert_ne!(key(&changed, &[]), base, "a changed row count");
    assert_ne!(key(&original, &["--seed", "7"]), base, "another seed");
    assert_ne!(key(&original, &["--scale", "2"]), base, "another scale");
    assert_eq!(
        key(&original, &["--short"]),
        base[..16],
        "names carry the first 16 digits"
    );
    db.execute("ALTER TABLE offices ADD COLUMN note TEXT").await;
    assert_ne!(key(&original, &[]), base, "a schema change");
}

#[tokio::test]
async fn gc_drops_stale_and_old_copies_and_never_a_database_it_did_not_make() {
    let Some((db, store, _cleanup)) = welfare_with_store(Backend::Postgres).await else {
        return;
    };
    let ensure = |seed: &str, worker: &str| {
        summary(&ok(fixtura(
            &db.url,
            store.path(),
            &[
                "ensure",
                "--spec",
                &spec(),
                "--scale",
                SCALE,
                "--seed",
                seed,
                "--isolate",
                "--worker",
                worker,
                "--run-id",
                "gcrun",
                "--json",
            ],
        )
        .output()
        .unwrap()))
    };
    // The same spec and seed before and after a migration: a new key, and the older
    // snapshot the one to go beyond --keep 1. Another seed is another set, kept.
    let (old, _) = ensure("1", "a");
    let (other, _) = ensure("2", "c");
    db.execute("ALTER TABLE offices ADD COLUMN note text").await;
    let (new, new_url) = ensure("1", "b");
    let other_snapshot = other["snapshot"].as_str().unwrap();
    let old_snapshot = old["snapshot"].as_str().unwrap();
    let new_snapshot = new["snapshot"].as_str().unwrap();
    // A database shaped like a fixtura copy of this source, but not made by fixtura.
    let tag = &new_url.rsplit('/').next().unwrap()["fixtura_w_".len() + 17..][..6];
    let impostor = format!(
        "fixtura_w_{}_{tag}_x_y",
        &new["key"].as_str().unwrap()[..16]
    );
    db.execute(&format!("CREATE DATABASE \"{impostor}\"")).await;

    // The older cached snapshot goes beyond --keep 1; its template and copy become stale.
    let collected = gc(&db.url, store.path(), &["--keep", "1", "--dry-run"]);
    let names: Vec<&str> = collected.iter().map(|(_, name)| name.as_str()).collect();
    assert!(names.contains(&old_snapshot), "{collected:?}");
    assert!(!names.contains(&new_snapshot), "{collected:?}");
    assert!(!names.contains(&other_snapshot), "{collected:?}");
    let old_key = &old["key"].as_str().unwrap()[..16];
    let new_key = &new["key"].as_str().unwrap()[..16];
    assert_eq!(
        names.iter().filter(|n| n.contains(old_key)).count(),
        3,
        "the old snapshot, template and copy: {collected:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("fixtura_") && n.contains(new_key)),
        "{collected:?}"
    );
    assert!(!names.contains(&impostor.as_str()));
    assert_eq!(
        snapshots(store.path()).0.len(),
        3,
        "a dry run drops nothing"
    );

    ok(fixtura(&db.url, store.path(), &["gc", "--keep", "1"])
        .output()
        .unwrap());
    let mut kept = snapshots(store.path()).0;
    kept.sort();
    let mut expected = vec![new_snapshot.to_string(), other_snapshot.to_string()];
    expected.sort();
    assert_eq!(kept, expected);
    let exists = |name: String| {
        let db = &db;
        async move {
            db.count(&format!(
                "SELECT count(*)::text FROM pg_database WHERE datname = '{name}'"
            ))
            .await
                == 1
        }
    };
    assert!(!exists(format!("fixtura_t_{old_key}_{tag}")).await);
    assert!(exists(format!("fixtura_t_{new_key}_{tag}")).await);
    assert!(
        exists(impostor.clone()).await,
        "gc never drops what it did not make"
    );

    // At the end of a run, its copies go whatever their age.
    ok(fixtura(&db.url, store.path(), &["gc", "--run-id", "gcrun"])
        .output()
        .unwrap());
    assert!(!exists(new_url.rsplit('/').next().unwrap().to_string()).await);
    assert!(
        exists(format!("fixtura_t_{new_key}_{tag}")).await,
        "the template stays"
    );
    db.execute(&format!("DROP DATABASE \"{impostor}\"")).await;
}

async fn the_library_gives_each_test_a_populated_database_of_its_own(backend: Backend) {
    let Some((db, store, _cleanup)) = welfare_with_store(backend).await else {
        return;
    };
    let open = || {
        fixtura::TestDb::builder(spec())
            .database_url(&db.url)
            .store(store.path())
            .scale(0.05)
            .ensure()
    };
    let one = open().await.unwrap();
    let two = open().await.unwrap();
    assert!(!one.summary().hit && two.summary().hit);
    assert_ne!(one.url(), two.url());
    let copy = TestDb::attach(backend, one.url(), one.database());
    let offices = copy.count(&count(backend, "offices")).await;
    assert_eq!(offices, 5, "the spec's 100 offices at scale 0.05");
    assert_eq!(copy.orphans(&copy.schema().await).await, vec![]);
    // The pool works, and the copies are independent.
    one.db()
        .execute_script("DELETE FROM support_plan_cycles")
        .await
        .unwrap();
    let other = TestDb::attach(backend, two.url(), two.database());
    assert!(other.count(&count(backend, "support_plan_cycles")).await > 0);

    // Closed at the end of a passing test, the copy goes; a test that fails — panics, or
    // returns Err before it closes — keeps it.
    let gone = one.database().to_string();
    one.close().await.unwrap();
    let panicked = {
        let kept = std::thread::spawn({
            let url = db.url.clone();
            let store = store.path().to_path_buf();
            move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                let test = runtime.block_on(
                    fixtura::TestDb::builder(spec())
                        .database_url(url)
                        .store(store)
                        .scale(0.05)
                        .ensure(),
                );
                let test = test.unwrap();
                let name = test.database().to_string();
                std::panic::panic_any(name);
            }
        })
        .join()
        .unwrap_err();
        *kept.downcast::<String>().unwrap()
    };
    let mut returned_err = String::new();
    let failing_test = async {
        let test = open().await?;
        returned_err = test.database().to_string();
        // A step of the test fails: `?` returns before `close`.
        test.pg_pool()?;
        test.mysql_pool()?;
        test.sqlite_pool()?;
        test.close().await
    };
    let err = failing_test.await.unwrap_err();
    assert_eq!(err.kind(), fixtura::ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("the wrong pool type"), "{err}");
    let listed: Vec<String> = gc(&db.url, store.path(), &["--dry-run", "--older-than", "0s"])
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert!(
        !listed.iter().any(|n| n.contains(&gone)),
        "dropped after a passing test: {listed:?}"
    );
    for kept in [&panicked, &returned_err] {
        assert!(
            listed.iter().any(|n| n.contains(kept.as_str())),
            "kept after a failing test: {kept} not in {listed:?}"
        );
    }
    two.close().await.unwrap();
}

#[tokio::test]
async fn a_miss_that_would_orphan_unflagged_rows_writes_nothing_and_names_them() {
    let db = welfare(Backend::Sqlite).await.unwrap();
    let store = tempfile::tempdir().unwrap();
    let spec = spec();
    let args = |seed| ["ensure", "--spec", &spec, "--scale", SCALE, "--seed", seed];
    ok(fixtura(&db.url, store.path(), &args("1")).output().unwrap());
    // A row that is not test data now references test data: deleting the flagged rows
    // before generating anew would orphan it.
    db.execute(
        "UPDATE office_staffs SET is_test_data = 0 WHERE id = (SELECT min(id) FROM office_staffs)",
    )
    .await;
    let before = state(Backend::Sqlite, &db.url).await;
    let output = fixtura(&db.url, store.path(), &args("2")).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("cannot delete the flagged rows before generating"),
        "{stderr}"
    );
    assert!(stderr.contains("office_staffs"), "{stderr}");
    assert_eq!(
        state(Backend::Sqlite, &db.url).await,
        before,
        "nothing was written"
    );
    assert_eq!(
        snapshots(store.path()).0.len(),
        1,
        "no snapshot for the failed key"
    );
}

/// Generates the spec's rows into `db` and snapshots them as `name`.
fn generate_and_snapshot(db: &TestDb, store: &Path, name: &str) {
    let spec = spec();
    for args in [
        &["generate", "--spec", &spec, "--scale", SCALE][..],
        &["snapshot", "create", name][..],
    ] {
        ok(fixtura(&db.url, store, args).output().unwrap());
    }
}

async fn restore_isolate_gives_each_worker_a_copy_of_a_snapshot(backend: Backend) {
    let Some((db, store, _cleanup)) = welfare_with_store(backend).await else {
        return;
    };
    generate_and_snapshot(&db, store.path(), "s");
    let filled = state(backend, &db.url).await;
    let restore = |worker: &str| {
        let out = ok(fixtura(
            &db.url,
            store.path(),
            &["snapshot", "restore", "s", "--isolate", "--worker", worker],
        )
        .output()
        .unwrap());
        out.trim_end().lines().last().unwrap().to_string()
    };
    let (a, b) = (restore("a"), restore("b"));
    assert_ne!(a, b);
    assert_eq!(state(backend, &a).await, filled);
    assert_eq!(state(backend, &b).await, filled);
    // Asking again replaces the worker's copy with a fresh one.
    TestDb::attach(backend, &a, &a)
        .execute("DELETE FROM support_plan_cycles")
        .await;
    assert_eq!(restore("a"), a);
    assert_eq!(state(backend, &a).await, filled);
}

/// Two specs (here: two seeds) ensured into one database at the same time take turns, so
/// neither cached snapshot holds the other's rows.
async fn two_keys_filling_one_database_at_once_never_mix(backend: Backend) {
    let Some(db) = welfare(backend).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let spec = spec();
    let children: Vec<_> = ["1", "2"]
        .iter()
        .map(|seed| {
            fixtura(
                &db.url,
                store.path(),
                &[
                    "ensure", "--spec", &spec, "--scale", SCALE, "--seed", seed, "--json",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let summaries: Vec<serde_json::Value> = children
        .into_iter()
        .map(|c| summary(&ok(c.wait_with_output().unwrap())).0)
        .collect();
    assert_ne!(summaries[0]["snapshot"], summaries[1]["snapshot"]);
    for s in &summaries {
        assert_eq!(s["rows"], 1605, "one spec's rows, no more: {s}");
        let manifest: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                store
                    .path()
                    .join(s["snapshot"].as_str().unwrap())
                    .join("manifest.json"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(manifest["rows"], 1605, "{manifest}");
    }
}

/// gc drops by key only against a store that knows keys, and never a copy in use.
#[tokio::test]
async fn gc_spares_copies_in_use_and_judges_keys_only_against_a_store_with_snapshots() {
    let Some((db, store, _cleanup)) = welfare_with_store(Backend::Postgres).await else {
        return;
    };
    let out = ok(fixtura(
        &db.url,
        store.path(),
        &[
            "ensure",
            "--spec",
            &spec(),
            "--scale",
            SCALE,
            "--isolate",
            "--worker",
            "u",
        ],
    )
    .output()
    .unwrap());
    let url = out.trim_end().lines().last().unwrap().to_string();
    let copy = url.rsplit('/').next().unwrap().to_string();
    // Another store (empty) knows no keys: nothing of this one's is stale by key.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(gc(&db.url, empty.path(), &["--dry-run"]), vec![]);
    // Old by age, but a test is connected to it: it stays, reported in use.
    let mut session = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&ok(fixtura(
        &db.url,
        store.path(),
        &["gc", "--older-than", "0s", "--json"],
    )
    .output()
    .unwrap()))
    .unwrap();
    assert!(
        report["in_use"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == copy.as_str()),
        "{report}"
    );
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut session)
        .await
        .expect("the session survives gc");
    assert_eq!(one, 1);
    drop(session);
}

/// `snapshot restore --isolate` after a migration: the copy has the migrated schema (its
/// template is the new schema's, not the old one's).
#[tokio::test]
async fn restore_isolate_follows_a_migrated_target() {
    let Some((db, store, _cleanup)) = welfare_with_store(Backend::Postgres).await else {
        return;
    };
    generate_and_snapshot(&db, store.path(), "s");
    let isolate = |worker: &str| {
        let out = ok(fixtura(
            &db.url,
            store.path(),
            &["snapshot", "restore", "s", "--isolate", "--worker", worker],
        )
        .output()
        .unwrap());
        out.trim_end().lines().last().unwrap().to_string()
    };
    let before = isolate("a");
    db.execute("ALTER TABLE offices ADD COLUMN note text DEFAULT 'migrated'")
        .await;
    let after = isolate("b");
    let notes = |url: String| async move {
        TestDb::attach(Backend::Postgres, &url, &url)
            .count(
                "SELECT count(*)::text FROM information_schema.columns \
                 WHERE table_name = 'offices' AND column_name = 'note'",
            )
            .await
    };
    assert_eq!(notes(before).await, 0);
    assert_eq!(notes(after).await, 1, "the copy follows the migration");
}
