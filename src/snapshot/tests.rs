//! Snapshot rows round-trip against real databases: every type of each backend is read with
//! `Read::rows`, encoded with the snapshot codec, written out as JSON Lines, parsed back,
//! decoded and loaded into an empty twin database — and the twin then holds exactly the
//! same rows. The JSON of the values most likely to drift is pinned. The type zoo and the
//! batch reader come from the read side's tests (`crate::read::tests`).

use std::collections::HashMap;

use serde_json::{Value as Json, json};
use tokio::sync::mpsc;

use crate::db::{Backend, Db};
use crate::read::tests::{read_batches, rows_in, zoo, zoo_table};
use crate::schema::Table;
use crate::snapshot::codec;
use crate::value::Row;
use crate::write::{FkChecks, Load};

per_backend!(
    every_type_survives_json_lines_into_an_empty_twin,
    the_filter_may_name_columns_through_alias_t,
);

fn writable(table: &Table) -> Vec<String> {
    table.writable_columns().map(|c| c.name.clone()).collect()
}

/// Rows as snapshot JSON Lines: one JSON array per row.
fn to_json_lines(rows: &[Row], table: &Table, columns: &[String]) -> String {
    let types: Vec<_> = columns
        .iter()
        .map(|c| &table.column(c).expect("column").column_type)
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<Json> = row
            .iter()
            .zip(&types)
            .map(|(value, ty)| codec::to_json(value, ty))
            .collect();
        out.push_str(&serde_json::to_string(&cells).expect("serialize a row"));
        out.push('\n');
    }
    out
}

/// JSON Lines back into rows for `backend`.
fn from_json_lines(text: &str, table: &Table, columns: &[String], backend: Backend) -> Vec<Row> {
    text.lines()
        .map(|line| {
            let cells: Vec<Json> = serde_json::from_str(line).expect("parse a line");
            cells
                .iter()
                .zip(columns)
                .map(|(cell, name)| {
                    let ty = &table.column(name).expect("column").column_type;
                    codec::from_json(cell, ty, backend)
                        .unwrap_or_else(|e| panic!("column {name}: {e}"))
                })
                .collect()
        })
        .collect()
}

/// Each line's cells by column name, keyed by the `id` column.
fn cells_by_id(text: &str, columns: &[String]) -> HashMap<i64, HashMap<String, Json>> {
    text.lines()
        .map(|line| {
            let cells: Vec<Json> = serde_json::from_str(line).expect("parse a line");
            let by_name: HashMap<String, Json> = columns.iter().cloned().zip(cells).collect();
            (by_name["id"].as_i64().expect("an integer id"), by_name)
        })
        .collect()
}

async fn load(db: &Db, table: &Table, columns: &[String], rows: Vec<Row>) -> u64 {
    let mut load = Load::begin(db, FkChecks::Fixtura)
        .await
        .expect("begin the load");
    let (sender, mut receiver) = mpsc::channel(2);
    let producer = async move {
        for chunk in rows.chunks(2) {
            sender.send(chunk.to_vec()).await.expect("send a batch");
        }
    };
    let mut on_rows = |_| {};
    let (written, ()) = tokio::join!(
        load.write(table, columns, &mut receiver, &mut on_rows),
        producer
    );
    let written = written.expect("write the rows");
    load.commit().await.expect("commit the load");
    written
}

async fn every_type_survives_json_lines_into_an_empty_twin(backend: Backend) {
    let Some(source) = zoo(backend).await else {
        return;
    };
    let Some(twin) = zoo(backend).await else {
        return;
    };
    twin.execute("DELETE FROM zoo_types").await;
    assert_eq!(rows_in(&twin).await, 0, "the twin starts empty");
    let table = zoo_table(&source.schema().await);
    let columns = writable(&table);

    let db = source.connect().await;
    let rows: Vec<Row> = read_batches(&db, &table, &columns, None, 2)
        .await
        .into_iter()
        .flatten()
        .collect();
    db.close().await;
    let expected_rows = rows_in(&source).await;
    assert_eq!(rows.len() as u64, expected_rows);

    let lines = to_json_lines(&rows, &table, &columns);
    // On MySQL a table's schema is its database: the twin's table is named by its own.
    let twin_table = zoo_table(&twin.schema().await);
    let back = from_json_lines(&lines, &twin_table, &columns, backend);
    let db = twin.connect().await;
    assert_eq!(load(&db, &twin_table, &columns, back).await, expected_rows);
    db.close().await;

    assert_eq!(
        twin.table_checksum("zoo_types").await,
        source.table_checksum("zoo_types").await,
        "the twin holds other rows than the source; the JSON Lines were:\n{lines}"
    );
    if backend == Backend::Sqlite {
        // SQLite's storage classes too, which a text checksum cannot see.
        let typed: Vec<String> = columns
            .iter()
            .map(|c| format!("typeof(\"{c}\") || ':' || quote(\"{c}\")"))
            .collect();
        let sql = format!("SELECT {} FROM zoo_types ORDER BY id", typed.join(", "));
        assert_eq!(
            twin.text_rows(&sql).await,
            source.text_rows(&sql).await,
            "{lines}"
        );
    }

    let cells = cells_by_id(&lines, &columns);
    match backend {
        Backend::Postgres => pin_postgres(&cells),
        Backend::MySql => pin_mysql(&cells),
        Backend::Sqlite => pin_sqlite(&cells),
    }
}

fn pin_postgres(cells: &HashMap<i64, HashMap<String, Json>>) {
    assert!(
        cells[&1]
            .iter()
            .all(|(name, v)| name == "id" || name == "is_test_data" || v.is_null())
    );
    let nasty = &cells[&2];
    assert_eq!(nasty["big"], json!(9223372036854775807_i64));
    assert_eq!(cells[&3]["big"], json!(i64::MIN));
    assert_eq!(
        nasty["exact"],
        json!("12345678901234567890.123456789012345678901234567890123")
    );
    assert_eq!(nasty["raw"], json!("AAH/AA=="));
    assert_eq!(nasty["real8"], json!("NaN"));
    assert_eq!(nasty["real4"], json!(0.1));
    assert_eq!(cells[&3]["real4"], json!("Infinity"));
    assert_eq!(cells[&3]["real8"], json!("-Infinity"));
    assert_eq!(cells[&4]["real8"], json!("-0"));
    assert_eq!(cells[&3]["exact"], json!("NaN"));
    assert_eq!(nasty["at_tz"], json!("2026-01-01T10:00:00.123456Z"));
    assert_eq!(nasty["at"], json!("2026-01-01T10:00:00.123456"));
    assert_eq!(cells[&3]["at_tz"], json!("-infinity"));
    assert_eq!(cells[&4]["day"], json!("0044-03-15 BC"));
    // jsonb numbers keep every digit and their scale (serde_json's arbitrary_precision).
    let expected: serde_json::Value = serde_json::from_str(
        r#"{"a": {"b": [1, 2.5, null, "x\ty"]}, "c": true, "big": 12345678901234567890, "price": 1.50, "huge": 123456789012345678901234567890.000000000000000000001}"#,
    )
    .unwrap();
    assert_eq!(nasty["docb"], expected);
    assert_eq!(nasty["docb"]["price"].to_string(), "1.50");
    assert_eq!(nasty["doc"], json!("{\"a\": 1,   \"a\":2 , \"b\" : [ ]}"));
    assert_eq!(cells[&3]["docb"], json!({"$json": null}));
    assert_eq!(cells[&4]["docb"], json!("a jsonb string"));
    assert_eq!(
        cells[&5]["docb"],
        json!({"$json": {"$blob": "looks like a tag"}})
    );
    assert_eq!(
        nasty["label"],
        json!("tab\there\nnew line\r\\ back\\slash \\N \"quoted\" it's 🦀 \u{8}\u{c}\u{b}")
    );
    assert_eq!(nasty["code"], json!(""));
    assert_eq!(cells[&3]["code"], json!("\\N"));
    assert_eq!(
        nasty["tags"],
        json!([
            "a,b",
            "{c}",
            "say \"hi\"",
            "back\\slash",
            "NULL",
            "",
            null,
            "🦀"
        ])
    );
    assert_eq!(nasty["grid"], json!([[1, 2], [null, 4]]));
    assert_eq!(nasty["docs"], json!([{"a": [1, 2]}, {"$json": null}, null]));
    assert_eq!(nasty["raws"], json!(["AP8=", null]));
    assert_eq!(
        nasty["stamps"],
        json!(["2026-01-01T10:00:00.123456Z", "infinity"])
    );
    assert_eq!(nasty["floats"], json!(["NaN", "-Infinity", "-0", 1.5]));
    assert_eq!(cells[&3]["tags"], json!("[0:1]={x,y}"));
    assert_eq!(cells[&3]["grid"], json!([]));
    assert_eq!(nasty["mood"], json!("it's complicated"));
    assert_eq!(nasty["uid"], json!("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
    assert_eq!(nasty["flag"], json!(true));
}

fn pin_mysql(cells: &HashMap<i64, HashMap<String, Json>>) {
    let nasty = &cells[&2];
    assert_eq!(nasty["big"], json!(9223372036854775807_i64));
    assert_eq!(cells[&3]["big"], json!(i64::MIN));
    assert_eq!(nasty["ubig"], json!("18446744073709551615"));
    assert_eq!(
        nasty["exact"],
        json!("12345678901234567890123456789012345.123456789012345678901234567890")
    );
    assert_eq!(nasty["raw"], json!("AAH/AA=="));
    assert_eq!(nasty["fixed_raw"], json!("AP8AAA=="));
    assert_eq!(nasty["real4"], json!(f64::from(0.1_f32)));
    assert_eq!(nasty["real8"], json!(0.30000000000000004));
    assert_eq!(nasty["at"], json!("2026-01-01T10:00:00.123456"));
    assert_eq!(nasty["doc"], json!("{\"a\": 1,   \"a\":2 , \"b\" : [ ]}"));
    assert_eq!(cells[&3]["day"], json!("0000-00-00"));
    assert_eq!(cells[&3]["clock"], json!("-838:59:59.000000"));
    assert_eq!(nasty["flag"], json!(true));
    assert_eq!(cells[&4]["flag"], json!(2));
    assert_eq!(nasty["uid"], json!("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
    assert_eq!(
        nasty["label"],
        json!("tab\there\nnew line\r back\\slash \\N \"quoted\" it's 🦀")
    );
    assert_eq!(nasty["bits"], json!(5));
}

fn pin_sqlite(cells: &HashMap<i64, HashMap<String, Json>>) {
    let nasty = &cells[&2];
    assert_eq!(nasty["whole"], json!(i64::MIN));
    assert_eq!(nasty["big"], json!(9223372036854775807_i64));
    assert_eq!(
        nasty["exact_text"],
        json!("12345678901234567890.123456789012345678901234567890")
    );
    assert_eq!(nasty["raw"], json!("AAH/AA=="));
    assert_eq!(nasty["doc"], json!("{\"a\": 1,   \"a\":2 , \"b\" : [ ]}"));
    assert_eq!(nasty["at"], json!("2026-01-01 10:00:00.123456"));
    assert_eq!(nasty["flag"], json!(true));
    let odd = &cells[&3];
    assert_eq!(odd["flag"], json!(5));
    assert_eq!(odd["whole"], json!("not a number"));
    assert_eq!(odd["real8"], json!({"$text": "NaN"}));
    assert_eq!(odd["label"], json!({"$blob": "AEE="}));
    assert_eq!(odd["raw"], json!({"$text": "plain text in a blob"}));
    assert_eq!(odd["anything"], json!({"$real": "Infinity"}));
    assert_eq!(odd["doc"], json!(7));
    assert_eq!(cells[&4]["real8"], json!("-Infinity"));
}

async fn the_filter_may_name_columns_through_alias_t(backend: Backend) {
    let Some(source) = zoo(backend).await else {
        return;
    };
    let table = zoo_table(&source.schema().await);
    let columns = vec!["id".to_string(), "is_test_data".to_string()];
    let db = source.connect().await;
    let rows: Vec<Row> = read_batches(&db, &table, &columns, Some("t.id >= 2 AND t.id <= 3"), 10)
        .await
        .concat();
    db.close().await;
    let ids: Vec<Json> = rows
        .iter()
        .map(|r| codec::to_json(&r[0], &table.columns[0].column_type))
        .collect();
    assert_eq!(ids.len(), 2);
    let mut ids: Vec<i64> = ids.iter().filter_map(Json::as_i64).collect();
    ids.sort();
    assert_eq!(ids, [2, 3]);
}
