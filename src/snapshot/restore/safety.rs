//! The safety rule of destructive cleaning: `--clean flagged` and `--clean truncate` delete
//! rows, so they run only on a database whose name says it is meant for tests, unless the
//! caller allows any database. `src/cache` applies the same rule.

use super::{Clean, RestoreOptions};
use crate::db::{Db, Remedy};
use crate::snapshot::SnapshotError;

/// Refuses a restore that would clean a database whose name does not look like a test
/// database, unless `options` allow any database or clean nothing.
pub(super) async fn refuse_unsafe_clean(
    db: &Db,
    options: &RestoreOptions,
) -> Result<(), SnapshotError> {
    if options.clean != Clean::None && !options.allow_any_db {
        let name = db.database_name().await?;
        if !looks_like_test_database(&name) {
            return Err(SnapshotError::Unsafe {
                database: name,
                remedy: Remedy::AllowAnyDbOrCleanNone,
            });
        }
    }
    Ok(())
}

/// Whether a database name looks like one meant for tests: one of its words (split at
/// anything but letters and digits) is test, tests, testing, dev, development, ci, local,
/// tmp, temp, scratch, sandbox, fixture(s), fixtura, demo, e2e or qa; or it is an in-memory
/// SQLite database. This is the rule destructive cleaning checks (README: "Safety").
pub(crate) fn looks_like_test_database(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "test",
        "tests",
        "testing",
        "dev",
        "development",
        "ci",
        "local",
        "tmp",
        "temp",
        "scratch",
        "sandbox",
        "fixture",
        "fixtures",
        "fixtura",
        "demo",
        "e2e",
        "qa",
    ];
    if name.is_empty() || name.contains(":memory:") {
        return true;
    }
    // For a file, its name without directories decides.
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    base.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            WORDS.contains(&word)
                || WORDS.iter().any(|w| {
                    word.starts_with(w) && word[w.len()..].chars().all(|c| c.is_ascii_digit())
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_looking_names_are_recognised_and_others_are_not() {
        for yes in [
            "test",
            "app_test",
            "test-app",
            "myapp_dev",
            "ci_42",
            "fixtura_test_1_2_3",
            "/tmp/x/demo.db",
            "tests",
            "test2",
            "sqlite::memory:",
        ] {
            assert!(looks_like_test_database(yes), "{yes}");
        }
        for no in [
            "production",
            "app",
            "attest",
            "contest_results",
            "devices",
            "/srv/data/app.db",
        ] {
            assert!(!looks_like_test_database(no), "{no}");
        }
    }
}
