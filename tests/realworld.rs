//! The real-world zoo (`tests/fixtures/realworld/`): shapes of schemas nobody wrote for
//! fixtura. What fixtura writes into them must be exactly what it reports: no orphan under
//! keys declared on partitions, sequences behind defaults past the keys written, a snapshot
//! restored row for row. Every check here is a query of the test's own, not fixtura's.

#[macro_use]
mod common;

use std::path::Path;

use common::{TestDb, fixtura, ok, refused};
use fixtura::Backend;

fn path(relative: &str) -> String {
    format!(
        "{}/tests/fixtures/realworld/{relative}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn file(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    }
}

/// A database with the zoo's schema, and with the zoo spec's rows when `generate`.
async fn zoo(backend: Backend, generate: bool) -> Option<TestDb> {
    let db = TestDb::new(backend).await?;
    db.execute(&std::fs::read_to_string(path(&format!("{}.sql", file(backend)))).unwrap())
        .await;
    if generate {
        let spec = path(match backend {
            Backend::Postgres => "spec.postgres.toml",
            _ => "spec.toml",
        });
        ok(fixtura(&db, Path::new("."), &["generate", "--spec", &spec]));
    }
    Some(db)
}

/// Each foreign key of the zoo, written out here (child, its columns, parent, its columns):
/// on PostgreSQL the payment keys are declared on the partitions only.
fn foreign_keys(backend: Backend) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    let film = if backend == Backend::Postgres {
        "inventory.film"
    } else {
        "film"
    };
    let payment = if backend == Backend::Postgres {
        "inventory.payment"
    } else {
        "payment"
    };
    vec![
        ("customer", "country_code", "country", "country_code"),
        (film, "language_id", "language", "language_id"),
        ("film_actor", "actor_id", "actor", "actor_id"),
        ("film_actor", "film_id", film, "film_id"),
        (payment, "customer_id", "customer", "customer_id"),
        (payment, "film_id", film, "film_id"),
        ("customer_history", "customer_id", "customer", "customer_id"),
    ]
}

/// `SELECT count(*) <from_where>`, read as text on every backend.
async fn rows(db: &TestDb, from_where: &str) -> u64 {
    let cast = if db.backend == Backend::Postgres {
        "text"
    } else {
        "CHAR(20)"
    };
    db.count(&format!("SELECT CAST(count(*) AS {cast}) {from_where}"))
        .await
}

/// Rows of the zoo that reference no row, key by key, by the test's own anti-joins.
async fn orphans(db: &TestDb) -> Vec<String> {
    let mut broken = Vec::new();
    for (child, column, parent, key) in foreign_keys(db.backend) {
        let cast = if db.backend == Backend::Postgres {
            "text"
        } else {
            "CHAR(20)"
        };
        let sql = format!(
            "SELECT CAST(count(*) AS {cast}) FROM {child} c WHERE c.{column} IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
        );
        let n = db.count(&sql).await;
        if n > 0 {
            broken.push(format!("{child}.{column}: {n}"));
        }
    }
    broken
}

/// An INSERT that leaves every key to its default (sequence, AUTO_INCREMENT, rowid) must
/// succeed after fixtura wrote keys: the sequences are past them.
async fn default_keys_insert(db: &TestDb) {
    db.execute("INSERT INTO actor (first_name, last_name) VALUES ('Next', 'Actor')")
        .await;
    if db.backend == Backend::Postgres {
        db.execute(
            "INSERT INTO customer (country_code, email) SELECT min(country_code), 'next@example.com' FROM country;
             INSERT INTO inventory.film (title, language_id) SELECT 'Next film', min(language_id) FROM language;
             INSERT INTO inventory.payment (customer_id, film_id, amount, payment_date)
                 SELECT min(customer_id), (SELECT min(film_id) FROM inventory.film), 1, '2022-01-15' FROM customer;",
        )
        .await;
    }
}

async fn generate_commits_no_orphan_and_moves_every_sequence(backend: Backend) {
    let Some(db) = zoo(backend, true).await else {
        return;
    };
    assert!(rows(&db, "FROM customer").await > 0);
    assert_eq!(orphans(&db).await, Vec::<String>::new());
    default_keys_insert(&db).await;
}

async fn a_snapshot_round_trips_exactly(backend: Backend) {
    let Some(source) = zoo(backend, true).await else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    ok(fixtura(
        &source,
        store.path(),
        &["snapshot", "create", "rw"],
    ));
    let Some(target) = zoo(backend, false).await else {
        return;
    };
    ok(fixtura(
        &target,
        store.path(),
        &["snapshot", "restore", "rw"],
    ));
    assert_eq!(target.state().await, source.state().await);
    assert_eq!(orphans(&target).await, Vec::<String>::new());
    default_keys_insert(&target).await;
}

per_backend!(
    generate_commits_no_orphan_and_moves_every_sequence,
    a_snapshot_round_trips_exactly,
);

/// Keys declared on partitions only (no key on the partitioned parent).
mod partitions {
    use super::*;

    #[tokio::test]
    async fn inspect_shows_the_keys_declared_on_partitions_and_the_sequences() {
        let Some(db) = zoo(Backend::Postgres, false).await else {
            return;
        };
        let out = ok(fixtura(&db, Path::new("."), &["inspect", "--no-counts"]));
        for expected in [
            "(customer_id) → customer (customer_id)  [declared on partitions inventory.payment_p2022_01, inventory.payment_p2022_02]",
            "(film_id) → inventory.film (film_id)  [declared on partitions",
            "sequence    actor_actor_id_seq feeds actor_id",
            "sequence    shared_id_seq feeds customer_id",
            "sequence    shared_id_seq feeds film_id",
            "sequence    inventory.payment_payment_id_seq feeds payment_id",
        ] {
            assert!(out.contains(expected), "{expected:?} not in:\n{out}");
        }
        let json = ok(fixtura(
            &db,
            Path::new("."),
            &["inspect", "--no-counts", "--format", "json"],
        ));
        assert!(json.contains("\"partitions\""), "{json}");
        assert!(json.contains("\"sequence\""), "{json}");
    }

    /// Flagged payments of an unflagged customer: `--with-parents` follows the
    /// keys declared on the partitions and brings them along.
    #[tokio::test]
    async fn with_parents_follows_keys_declared_on_partitions() {
        let Some(source) = zoo(Backend::Postgres, false).await else {
            return;
        };
        source.execute(PAYMENTS_OF_REAL_CUSTOMERS).await;
        let store = tempfile::tempdir().unwrap();
        ok(fixtura(
            &source,
            store.path(),
            &["snapshot", "create", "p", "--with-parents"],
        ));
        let Some(target) = zoo(Backend::Postgres, false).await else {
            return;
        };
        ok(fixtura(
            &target,
            store.path(),
            &["snapshot", "restore", "p"],
        ));
        assert_eq!(rows(&target, "FROM inventory.payment").await, 2);
        assert_eq!(rows(&target, "FROM customer").await, 1);
        assert_eq!(orphans(&target).await, Vec::<String>::new());
    }

    /// Without the parents, the restore's own key check finds the payments' missing
    /// customer (the load switches the partitions' key triggers off): refused, nothing
    /// written.
    #[tokio::test]
    async fn a_restore_that_would_orphan_payments_is_refused() {
        let Some(source) = zoo(Backend::Postgres, false).await else {
            return;
        };
        source.execute(PAYMENTS_OF_REAL_CUSTOMERS).await;
        let store = tempfile::tempdir().unwrap();
        ok(fixtura(&source, store.path(), &["snapshot", "create", "p"]));
        let Some(target) = zoo(Backend::Postgres, false).await else {
            return;
        };
        refused(
            fixtura(&target, store.path(), &["snapshot", "restore", "p"]),
            &["customer_id"],
        );
        assert_eq!(rows(&target, "FROM inventory.payment").await, 0);
    }

    const PAYMENTS_OF_REAL_CUSTOMERS: &str = "
        INSERT INTO country VALUES ('JP', 'Japan', false);
        INSERT INTO language VALUES (1, 'English', true);
        INSERT INTO customer (customer_id, country_code, email) VALUES (5, 'JP', 'real@example.com');
        INSERT INTO inventory.film (film_id, title, language_id, is_test_data) VALUES (7, 'Real', 1, true);
        INSERT INTO inventory.payment (payment_id, customer_id, film_id, amount, payment_date, is_test_data)
            VALUES (1, 5, 7, 3.00, '2022-01-10', true), (2, 5, 7, 4.00, '2022-02-10', true);";
}
