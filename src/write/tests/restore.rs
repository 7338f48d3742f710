//! What a snapshot restore needs of the writer: rows that already exist are skipped and
//! the rest inserted, flagged rows are deleted (and stay when the load is dropped), tables
//! are emptied, and unflagged rows referencing flagged ones are named.

use super::{db_execute, scalar, setup, table, write_missing_rows, write_rows};
use crate::db::{Backend, Db};
use crate::schema::Schema;
use crate::test_support::TestDb;
use crate::value::{Row, Value};
use crate::write::{Blocker, Cleaned, FkChecks, Load, WriteCounts};

per_backend!(
    write_missing_leaves_existing_rows_as_they_are_and_inserts_the_rest,
    write_missing_still_fails_on_a_null_in_a_not_null_column,
    delete_flagged_deletes_exactly_the_flagged_rows,
    a_dropped_load_after_delete_flagged_leaves_the_rows_in_place,
    truncate_empties_the_tables,
    unflagged_referencing_flagged_names_the_blocking_child,
);

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
    assert_eq!(
        load.empty(&schema, &[]).await.expect("nothing to empty"),
        Cleaned::Deleted(0)
    );
    // Children first: MySQL and SQLite delete in this order, with keys checked. The count
    // is what was there: 2 offices and 4 staff.
    assert_eq!(
        load.empty(&schema, &[offices, staffs])
            .await
            .expect("empty"),
        Cleaned::Deleted(6)
    );
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
