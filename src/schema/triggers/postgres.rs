//! PostgreSQL triggers, from `pg_trigger`.
//!
//! `NOT tgisinternal` leaves out the triggers behind foreign keys; `tgparentid = 0` the
//! copies PostgreSQL makes of a partitioned table's trigger on each partition (the parent's
//! own is listed once). A trigger declared on one partition only is listed on the
//! partitioned table the rows are written through, naming the partition.
//! `tgtype` bits ("pg_trigger" in the manual, `include/catalog/pg_trigger.h`): 1 row,
//! 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead.

use sqlx::Row;
use sqlx::postgres::PgPool;

use super::{Trigger, TriggerEnabled, TriggerEvent, TriggerTiming};
use crate::db::DbError;
use crate::schema::{QualifiedName, Result, Schema};

const SQL: &str = "SELECT rn.nspname::text, r.relname::text, t.tgname::text, t.tgtype::int4,
        t.tgenabled::text, t.tgfoid::regproc::text,
        CASE WHEN r.oid = c.oid THEN NULL ELSE n.nspname || '.' || c.relname END::text
   FROM pg_trigger t
   JOIN pg_class c ON c.oid = t.tgrelid
   JOIN pg_namespace n ON n.oid = c.relnamespace
   JOIN pg_class r ON r.oid = COALESCE(pg_partition_root(c.oid), c.oid)
   JOIN pg_namespace rn ON rn.oid = r.relnamespace
  WHERE NOT t.tgisinternal AND t.tgparentid = 0
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  ORDER BY 1, 2, 3";

/// Reads every user trigger and attaches it to its table.
pub(super) async fn attach(pool: &PgPool, schema: &mut Schema) -> Result<()> {
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(SQL))
        .fetch_all(pool)
        .await
        .map_err(|e| DbError::query("reading triggers", e))?;
    for row in rows {
        let name = QualifiedName::new(row.get::<String, _>(0), row.get::<String, _>(1));
        let Some(table) = schema.tables.iter_mut().find(|t| t.name == name) else {
            continue;
        };
        table.triggers.push(trigger(
            row.get(2),
            row.get(3),
            &row.get::<String, _>(4),
            row.get(5),
            row.get(6),
        ));
    }
    super::sort(schema);
    Ok(())
}

/// A trigger from its `pg_trigger` row.
fn trigger(
    name: String,
    tgtype: i32,
    tgenabled: &str,
    function: String,
    partition: Option<String>,
) -> Trigger {
    let timing = if tgtype & 64 != 0 {
        TriggerTiming::InsteadOf
    } else if tgtype & 2 != 0 {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    };
    let events = [
        (4, TriggerEvent::Insert),
        (16, TriggerEvent::Update),
        (8, TriggerEvent::Delete),
        (32, TriggerEvent::Truncate),
    ]
    .into_iter()
    .filter(|(bit, _)| tgtype & bit != 0)
    .map(|(_, event)| event)
    .collect();
    let enabled = match tgenabled {
        "A" => TriggerEnabled::Always,
        "R" => TriggerEnabled::ReplicaOnly,
        "D" => TriggerEnabled::Disabled,
        _ => TriggerEnabled::Enabled,
    };
    Trigger {
        name,
        timing,
        events,
        for_each_row: tgtype & 1 != 0,
        enabled,
        action: format!("{function}()"),
        partition,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tgtype_bits_give_timing_events_and_level() {
        let t = trigger("t".into(), 1 | 2 | 4 | 16, "O", "f".into(), None);
        assert_eq!(t.timing, TriggerTiming::Before);
        assert_eq!(t.events, [TriggerEvent::Insert, TriggerEvent::Update]);
        assert!(t.for_each_row);
        assert_eq!(t.enabled, TriggerEnabled::Enabled);
        let t = trigger("t".into(), 32, "A", "f".into(), None);
        assert_eq!(t.timing, TriggerTiming::After);
        assert_eq!(t.events, [TriggerEvent::Truncate]);
        assert!(!t.for_each_row);
        assert_eq!(t.enabled, TriggerEnabled::Always);
        assert_eq!(t.describe(), "t AFTER TRUNCATE");
    }
}
