//! SQLite triggers: the `sqlite_schema` rows of type `trigger`, with timing and event read
//! from the `CREATE TRIGGER` statement (no PRAGMA reports them), as the grammar has it
//! (<https://www.sqlite.org/lang_createtrigger.html>): `CREATE [TEMP] TRIGGER [IF NOT
//! EXISTS] name [BEFORE | AFTER | INSTEAD OF] {DELETE | INSERT | UPDATE [OF cols]} ON
//! table [FOR EACH ROW] [WHEN expr] BEGIN … END`. No timing means `BEFORE`; every SQLite
//! trigger is a row trigger, and nothing switches one off.

use sqlx::sqlite::SqlitePool;

use super::{Trigger, TriggerEnabled, TriggerEvent, TriggerTiming};
use crate::db::DbError;
use crate::schema::{Result, Schema};

/// Reads the triggers of `main` and attaches them to their tables.
pub(super) async fn attach(pool: &SqlitePool, schema: &mut Schema) -> Result<()> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT tbl_name, name, sql FROM main.sqlite_schema WHERE type = 'trigger' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| DbError::query("reading triggers", e))?;
    for (table, name, sql) in rows {
        let Some(t) = schema
            .tables
            .iter_mut()
            .find(|t| t.name.name.eq_ignore_ascii_case(&table))
        else {
            continue;
        };
        let sql = sql.unwrap_or_default();
        let (timing, event) = timing_and_event(&sql);
        t.triggers.push(Trigger {
            name,
            timing,
            events: vec![event],
            for_each_row: true,
            enabled: TriggerEnabled::Enabled,
            action: sql,
            partition: None,
        });
    }
    super::sort(schema);
    Ok(())
}

/// The timing and event of a `CREATE TRIGGER` statement: the first timing and event
/// keywords outside quotes, before `ON`.
fn timing_and_event(sql: &str) -> (TriggerTiming, TriggerEvent) {
    let mut timing = TriggerTiming::Before;
    let mut event = TriggerEvent::Insert;
    let words = words(sql);
    // Skip `CREATE [TEMP] TRIGGER [IF NOT EXISTS] name`: the keywords come after the name.
    let mut rest = words
        .iter()
        .skip_while(|w| !w.eq_ignore_ascii_case("TRIGGER"))
        .skip(1);
    // The first word is the name, unless it is `IF`: then `NOT EXISTS name` follow.
    if rest.next().is_some_and(|w| w.eq_ignore_ascii_case("IF")) {
        rest.nth(2);
    }
    for word in rest {
        match word.to_ascii_uppercase().as_str() {
            "BEFORE" => timing = TriggerTiming::Before,
            "AFTER" => timing = TriggerTiming::After,
            "INSTEAD" => timing = TriggerTiming::InsteadOf,
            "INSERT" => event = TriggerEvent::Insert,
            "UPDATE" => event = TriggerEvent::Update,
            "DELETE" => event = TriggerEvent::Delete,
            "ON" => break,
            _ => {}
        }
    }
    (timing, event)
}

/// The statement's words, a quoted identifier (`"…"`, `` `…` ``, `[…]`) or string as one
/// word, so a trigger named `"after insert"` is not read as its timing.
fn words(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let close = match c {
            '"' | '`' | '\'' => Some(c),
            '[' => Some(']'),
            _ => None,
        };
        if let Some(close) = close {
            let mut word = String::from(c);
            for next in chars.by_ref() {
                word.push(next);
                if next == close {
                    break;
                }
            }
            words.push(word);
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::from(c);
            while let Some(&next) = chars.peek() {
                if !(next.is_alphanumeric() || next == '_' || next == '$') {
                    break;
                }
                word.push(next);
                chars.next();
            }
            words.push(word);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_and_event_are_read_from_the_statement() {
        let read = |sql: &str| timing_and_event(sql);
        assert_eq!(
            read("CREATE TRIGGER stamp AFTER INSERT ON film BEGIN UPDATE film SET x = 1; END"),
            (TriggerTiming::After, TriggerEvent::Insert)
        );
        assert_eq!(
            read(
                "CREATE TRIGGER IF NOT EXISTS \"before update\" DELETE ON film BEGIN SELECT 1; END"
            ),
            (TriggerTiming::Before, TriggerEvent::Delete),
            "no timing is BEFORE; a quoted name is no keyword"
        );
        assert_eq!(
            read("create temp trigger t instead of update of a, b on v begin select 1; end"),
            (TriggerTiming::InsteadOf, TriggerEvent::Update)
        );
        assert_eq!(
            read(
                "CREATE TRIGGER [after] BEFORE INSERT ON t WHEN new.a = 'AFTER' BEGIN SELECT 1; END"
            ),
            (TriggerTiming::Before, TriggerEvent::Insert)
        );
    }
}
