//! MySQL/MariaDB triggers (`information_schema.TRIGGERS`) and storage engines
//! (`information_schema.TABLES.ENGINE`, with `ENGINES.TRANSACTIONS` saying whether the
//! engine can roll a write back:
//! <https://mariadb.com/kb/en/information-schema-engines-table/>). Aria reports `NO`
//! even with `TRANSACTIONAL=1`, which makes it crash-safe, not transactional: it is taken
//! at its word.

use std::collections::BTreeMap;

use sqlx::mysql::MySqlPool;

use super::{Trigger, TriggerEnabled, TriggerEvent, TriggerTiming};
use crate::db::DbError;
use crate::schema::{Result, Schema};

/// Reads the database's triggers and engines and attaches them to its tables.
pub(super) async fn attach(pool: &MySqlPool, schema: &mut Schema) -> Result<()> {
    let database = schema.default_schema.clone();
    let (triggers, engines) = tokio::try_join!(
        read_triggers(pool, &database),
        read_engines(pool, &database)
    )?;
    for table in &mut schema.tables {
        if let Some(found) = triggers.get(&table.name.name) {
            table.triggers = found.clone();
        }
        if let Some((engine, transactional)) = engines.get(&table.name.name) {
            table.engine = engine.clone();
            table.transactional = *transactional;
        }
    }
    super::sort(schema);
    Ok(())
}

/// One row of information_schema.TRIGGERS.
type TriggerRow = (String, String, String, String, String, String);

/// Triggers by table name. A MySQL/MariaDB trigger has one event; they always fire (no
/// statement switches them off for a session).
async fn read_triggers(pool: &MySqlPool, database: &str) -> Result<BTreeMap<String, Vec<Trigger>>> {
    let rows: Vec<TriggerRow> = sqlx::query_as(
        "SELECT CAST(EVENT_OBJECT_TABLE AS CHAR), CAST(TRIGGER_NAME AS CHAR),
                CAST(ACTION_TIMING AS CHAR), CAST(EVENT_MANIPULATION AS CHAR),
                CAST(ACTION_ORIENTATION AS CHAR), CAST(ACTION_STATEMENT AS CHAR)
         FROM information_schema.TRIGGERS
         WHERE EVENT_OBJECT_SCHEMA = ?
         ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading triggers", e))?;
    let mut triggers: BTreeMap<String, Vec<Trigger>> = BTreeMap::new();
    for (table, name, timing, event, orientation, statement) in rows {
        let timing = match timing.to_ascii_uppercase().as_str() {
            "BEFORE" => TriggerTiming::Before,
            _ => TriggerTiming::After,
        };
        let event = match event.to_ascii_uppercase().as_str() {
            "INSERT" => TriggerEvent::Insert,
            "UPDATE" => TriggerEvent::Update,
            _ => TriggerEvent::Delete,
        };
        triggers.entry(table).or_default().push(Trigger {
            name,
            timing,
            events: vec![event],
            for_each_row: orientation.eq_ignore_ascii_case("ROW"),
            enabled: TriggerEnabled::Enabled,
            action: statement,
            partition: None,
        });
    }
    Ok(triggers)
}

/// Each base table's engine and whether it is transactional.
async fn read_engines(
    pool: &MySqlPool,
    database: &str,
) -> Result<BTreeMap<String, (Option<String>, bool)>> {
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT CAST(t.TABLE_NAME AS CHAR), CAST(t.ENGINE AS CHAR), CAST(e.TRANSACTIONS AS CHAR)
         FROM information_schema.TABLES t
         LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
         WHERE t.TABLE_SCHEMA = ?",
    )
    .bind(database)
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading storage engines", e))?;
    Ok(rows
        .into_iter()
        .map(|(table, engine, transactions)| {
            // Only an engine that says it has transactions is trusted with a rollback; an
            // engine ENGINES does not list counts as one without.
            let transactional = transactions.is_some_and(|t| t.eq_ignore_ascii_case("YES"));
            (table, (engine, transactional))
        })
        .collect())
}
