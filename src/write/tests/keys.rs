//! Keys: foreign keys checked set-wise by fixtura (a child may come before its parent, a
//! missing parent fails the check), deferrable cycles checked by the server at commit,
//! back-references filled in bulk, sequences moved past the loaded keys, and existing keys
//! and the largest integer read back typed.

use chrono::{Duration, NaiveDate};

use super::{db_execute, scalar, setup, table, write_rows};
use crate::db::Backend;
use crate::schema::Table;
use crate::value::{Row, Value};
use crate::write::{FkChecks, Load};

per_backend!(
    fixtura_checks_let_a_child_come_before_its_parent,
    a_missing_parent_fails_the_check,
    update_fills_a_null_back_reference_in_bulk,
    reset_sequences_lets_the_next_default_key_through,
    existing_keys_and_the_largest_integer_read_back_typed,
);

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
        super::server_checks_load_a_deferrable_not_null_cycle(crate::db::Backend::Postgres).await
    }
    #[tokio::test]
    async fn sqlite() {
        super::server_checks_load_a_deferrable_not_null_cycle(crate::db::Backend::Sqlite).await
    }
}
