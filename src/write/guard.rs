//! What a load sets off that its transaction does not cover, settled before the first
//! row is written: triggers that fire on the rows written (and may change them, or write
//! other tables), and tables whose storage engine cannot roll a write back.
//!
//! - MySQL/MariaDB and SQLite cannot switch a trigger off for a session, so every trigger
//!   on the events a load runs fires. PostgreSQL loads with `session_replication_role =
//!   replica` when fixtura checks the keys: user triggers then stay silent, except those
//!   `ENABLE ALWAYS` or `ENABLE REPLICA` ("session_replication_role" in the manual); when
//!   the server checks the keys the role stays `origin` and they fire.
//! - A MySQL/MariaDB table without transactions (MyISAM, Aria, MEMORY, ...) keeps what was
//!   written to it when the load fails or is interrupted.
//!
//! [`check`] refuses both unless the caller accepts them ([`Allow`]), and says what it
//! accepted in [`WriteNotes`], for the summary. [`Touched`] records which of the
//! non-transactional tables a load has written so far, so a failure says exactly what stays.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::WriteError;
use crate::db::{Backend, FkChecks, QualifiedName, Remedy};
use crate::graph::{BreakStrategy, Plan};
use crate::schema::{ColumnType, Schema, Table, Trigger, TriggerEvent, TriggerTiming};

/// What the caller accepts that fixtura otherwise refuses before writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Allow {
    /// Triggers that fire on the rows written.
    pub triggers: bool,
    /// Writing tables whose engine cannot roll back.
    pub non_transactional: bool,
}

/// The job writing, which decides the ways out a refusal offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Job {
    /// Generating rows.
    Generate,
    /// Restoring a snapshot (a copy of its own is a way out on MySQL: it has no triggers).
    Restore,
}

/// The tables a load will write, with the statements it runs on each.
#[derive(Debug, Default)]
pub(crate) struct Writes<'a> {
    tables: BTreeMap<&'a QualifiedName, (&'a Table, Vec<TriggerEvent>)>,
}

impl<'a> Writes<'a> {
    /// `table` will see `event` statements. A truncate is a `DELETE` outside PostgreSQL
    /// (see `Load::truncate`): say [`TriggerEvent::Truncate`], [`check`] maps it.
    pub(crate) fn add(&mut self, table: &'a Table, event: TriggerEvent) {
        let (_, events) = self
            .tables
            .entry(&table.name)
            .or_insert_with(|| (table, Vec::new()));
        if !events.contains(&event) {
            events.push(event);
        }
    }

    /// `table` will also see an `UPDATE` when a cycle through it is broken at a nullable
    /// key while the server checks keys: its keys are written NULL, then set (and, when
    /// cleaning, set to NULL before the delete).
    pub(crate) fn add_deferred_updates(
        &mut self,
        table: &'a Table,
        order: &Plan,
        checks: FkChecks,
    ) {
        let deferred = checks == FkChecks::Server
            && table.foreign_keys.iter().any(|fk| {
                order
                    .break_for(&table.name, &fk.name)
                    .is_some_and(|b| b.strategy == BreakStrategy::NullThenUpdate)
            });
        if deferred {
            self.add(table, TriggerEvent::Update);
        }
    }
}

/// What a load accepted and what it will leave undone, for the summary (and, before
/// writing, the notes a caller shows). Empty on most schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteNotes {
    /// Triggers that fire on the rows written (accepted with `allow_triggers`): the rows
    /// of these tables, or of the tables the triggers write, may differ from those asked.
    pub triggers_fired: Vec<TableTriggers>,
    /// Triggers on the tables written that do not fire during the load (PostgreSQL's
    /// `session_replication_role = replica`).
    pub triggers_not_fired: Vec<TableTriggers>,
    /// Columns such a silent trigger may maintain (`tsvector`), left as written:
    /// `film.fulltext`.
    pub unmaintained_columns: Vec<String>,
    /// Tables without transactions written (accepted with `allow_non_transactional`): a
    /// failure leaves the rows written to them.
    pub non_transactional: Vec<String>,
}

/// A table's triggers, as a message names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableTriggers {
    /// The table, as shown to a person.
    pub table: String,
    /// Each trigger: `set_created BEFORE INSERT`.
    pub triggers: Vec<String>,
}

impl WriteNotes {
    /// The notes as sentences, one per kind, for a person.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.triggers_fired.is_empty() {
            lines.push(format!(
                "triggers fired on the rows written, which may differ from those asked for: {}",
                list(&self.triggers_fired)
            ));
        }
        if !self.triggers_not_fired.is_empty() {
            lines.push(format!(
                "triggers did not fire (session_replication_role = replica): {}",
                list(&self.triggers_not_fired)
            ));
        }
        if !self.unmaintained_columns.is_empty() {
            lines.push(format!(
                "not maintained by those triggers, left as written: {}",
                self.unmaintained_columns.join(", ")
            ));
        }
        if !self.non_transactional.is_empty() {
            lines.push(format!(
                "{} without transactions: rows written to {} stay if the load fails",
                self.non_transactional.join(", "),
                if self.non_transactional.len() == 1 {
                    "it"
                } else {
                    "them"
                }
            ));
        }
        lines
    }
}

fn list(tables: &[TableTriggers]) -> String {
    let each: Vec<String> = tables
        .iter()
        .map(|t| format!("{} ({})", t.table, t.triggers.join(", ")))
        .collect();
    each.join("; ")
}

/// Settles, before anything is written, what `writes` will set off on `backend` with
/// `checks`: refuses triggers that fire and tables that cannot roll back unless `allow`
/// accepts them, and returns what was accepted or will not happen.
pub(crate) fn check(
    schema: &Schema,
    writes: &Writes<'_>,
    checks: FkChecks,
    job: Job,
    allow: Allow,
) -> Result<WriteNotes, WriteError> {
    let backend = schema.backend;
    let replica = backend == Backend::Postgres && checks == FkChecks::Fixtura;
    let mut notes = WriteNotes::default();
    for (table, events) in writes.tables.values() {
        let display = schema.display_name(&table.name);
        let events: Vec<TriggerEvent> = events.iter().map(|e| effective(*e, backend)).collect();
        let hit: Vec<&Trigger> = table
            .triggers
            .iter()
            .filter(|t| t.events.iter().any(|e| events.contains(e)))
            .collect();
        let (fired, silent): (Vec<&Trigger>, Vec<&Trigger>) =
            hit.into_iter().partition(|t| t.enabled.fires(replica));
        if !fired.is_empty() {
            notes.triggers_fired.push(table_triggers(&display, &fired));
        }
        if !silent.is_empty() {
            notes
                .triggers_not_fired
                .push(table_triggers(&display, &silent));
            notes
                .unmaintained_columns
                .extend(unmaintained(table, &display, &silent));
        }
        if !table.transactional {
            notes.non_transactional.push(display);
        }
    }
    if !notes.triggers_fired.is_empty() && !allow.triggers {
        return Err(refuse_triggers(&notes.triggers_fired, backend, checks, job));
    }
    if !notes.non_transactional.is_empty() && !allow.non_transactional {
        return Err(refuse_non_transactional(schema, writes));
    }
    Ok(notes)
}

/// The event a trigger of `backend` sees for the statement `event`: outside PostgreSQL
/// fixtura empties a table with `DELETE` (there is no `TRUNCATE` trigger there).
fn effective(event: TriggerEvent, backend: Backend) -> TriggerEvent {
    match (event, backend) {
        (TriggerEvent::Truncate, Backend::MySql | Backend::Sqlite) => TriggerEvent::Delete,
        (event, _) => event,
    }
}

fn table_triggers(display: &str, triggers: &[&Trigger]) -> TableTriggers {
    TableTriggers {
        table: display.to_string(),
        triggers: triggers.iter().map(|t| t.describe()).collect(),
    }
}

/// The `tsvector` columns of a table whose silent triggers include a row trigger that runs
/// before the write: the usual way such a column is kept (`tsvector_update_trigger`).
fn unmaintained(table: &Table, display: &str, silent: &[&Trigger]) -> Vec<String> {
    let maintains = silent
        .iter()
        .any(|t| t.for_each_row && t.timing == TriggerTiming::Before);
    if !maintains {
        return Vec::new();
    }
    table
        .columns
        .iter()
        .filter(|c| matches!(&c.column_type, ColumnType::Other { name } if name == "tsvector"))
        .map(|c| format!("{display}.{}", c.name))
        .collect()
}

fn refuse_triggers(
    fired: &[TableTriggers],
    backend: Backend,
    checks: FkChecks,
    job: Job,
) -> WriteError {
    let why = match (backend, checks) {
        (Backend::Postgres, FkChecks::Server) => {
            "with the server checking foreign keys the session stays session_replication_role = \
             origin, where user triggers fire"
        }
        (Backend::Postgres, FkChecks::Fixtura) => {
            "triggers ENABLE ALWAYS (or ENABLE REPLICA) fire even with session_replication_role = \
             replica"
        }
        (Backend::MySql, _) => "MySQL and MariaDB cannot switch triggers off for a session",
        (Backend::Sqlite, _) => "SQLite cannot switch triggers off",
    };
    let remedy = match (backend, checks, job) {
        (Backend::MySql, _, Job::Restore) => Remedy::AllowTriggersOrIsolate,
        (Backend::Postgres, FkChecks::Server, _) => Remedy::AllowTriggersOrFixturaChecks,
        _ => Remedy::AllowTriggers,
    };
    WriteError::TriggersWouldFire {
        triggers: list(fired),
        why,
        remedy,
    }
}

fn refuse_non_transactional(schema: &Schema, writes: &Writes<'_>) -> WriteError {
    let tables: Vec<&Table> = writes
        .tables
        .values()
        .map(|(t, _)| *t)
        .filter(|t| !t.transactional)
        .collect();
    let engines: Vec<String> = tables
        .iter()
        .map(|t| {
            let engine = t.engine.as_deref().unwrap_or("no transactions");
            format!("{} ({engine})", schema.display_name(&t.name))
        })
        .collect();
    let convert: Vec<String> = tables
        .iter()
        .map(|t| {
            let name = if t.name.schema == schema.default_schema {
                schema.backend.quote_ident(&t.name.name)
            } else {
                schema.backend.quote_table(&t.name)
            };
            format!("ALTER TABLE {name} ENGINE = InnoDB")
        })
        .collect();
    WriteError::NonTransactional {
        tables: engines.join(", "),
        convert: convert.join("; "),
        remedy: Remedy::AllowNonTransactional,
    }
}

/// The non-transactional tables a load has written to so far, shared with whoever reports
/// its failure (the load itself is gone by then).
#[derive(Debug, Clone, Default)]
pub(crate) struct Touched(Arc<Mutex<Vec<QualifiedName>>>);

impl Touched {
    /// Records a statement that writes `table`, when its writes outlive a rollback.
    pub(crate) fn record(&self, table: &Table) {
        if table.transactional {
            return;
        }
        if let Ok(mut names) = self.0.lock()
            && !names.contains(&table.name)
        {
            names.push(table.name.clone());
        }
    }

    /// The tables written whose rows stay after a rollback, as `schema` names them; empty
    /// when a rollback undoes everything.
    pub(crate) fn staying(&self, schema: &Schema) -> Vec<String> {
        self.0
            .lock()
            .map(|names| names.iter().map(|n| schema.display_name(n)).collect())
            .unwrap_or_default()
    }
}

/// `failure`'s text without its claims that nothing was written, for a failure after which
/// rows written to tables without transactions stay: the message must not say otherwise.
pub(crate) fn without_rollback_claims(failure: &str) -> String {
    const CLAIMS: [&str; 4] = [
        " (nothing was written)",
        "; nothing was written",
        ", nothing was written",
        "nothing was written; ",
    ];
    CLAIMS
        .iter()
        .fold(failure.to_string(), |text, claim| text.replace(claim, ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{TableKind, TriggerEnabled};

    fn trigger(name: &str, event: TriggerEvent, enabled: TriggerEnabled) -> Trigger {
        Trigger {
            name: name.into(),
            timing: TriggerTiming::Before,
            events: vec![event],
            for_each_row: true,
            enabled,
            action: "f()".into(),
            partition: None,
        }
    }

    fn schema(backend: Backend, triggers: Vec<Trigger>, transactional: bool) -> Schema {
        Schema {
            backend,
            server_version: "test".into(),
            default_schema: "app".into(),
            tables: vec![Table {
                name: QualifiedName::new("app", "film"),
                kind: TableKind::Table,
                columns: Vec::new(),
                primary_key: None,
                unique: Vec::new(),
                foreign_keys: Vec::new(),
                flag_column: None,
                triggers,
                engine: Some(if transactional { "InnoDB" } else { "MyISAM" }.into()),
                transactional,
            }],
            skipped: Vec::new(),
        }
    }

    fn settle(
        schema: &Schema,
        event: TriggerEvent,
        checks: FkChecks,
        allow: Allow,
    ) -> Result<WriteNotes, WriteError> {
        let mut writes = Writes::default();
        writes.add(&schema.tables[0], event);
        check(schema, &writes, checks, Job::Restore, allow)
    }

    #[test]
    fn postgres_replica_silences_user_triggers_but_not_enable_always() {
        use TriggerEnabled::*;
        let quiet = schema(
            Backend::Postgres,
            vec![trigger("a", TriggerEvent::Insert, Enabled)],
            true,
        );
        let notes = settle(
            &quiet,
            TriggerEvent::Insert,
            FkChecks::Fixtura,
            Allow::default(),
        )
        .unwrap();
        assert_eq!(notes.triggers_not_fired[0].triggers, ["a BEFORE INSERT"]);
        assert!(notes.triggers_fired.is_empty());

        let always = schema(
            Backend::Postgres,
            vec![trigger("b", TriggerEvent::Insert, Always)],
            true,
        );
        let err = settle(
            &always,
            TriggerEvent::Insert,
            FkChecks::Fixtura,
            Allow::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("film (b BEFORE INSERT)"), "{err}");
        assert_eq!(err.remedy(), Some(Remedy::AllowTriggers));

        let err = settle(
            &quiet,
            TriggerEvent::Insert,
            FkChecks::Server,
            Allow::default(),
        )
        .unwrap_err();
        assert_eq!(err.remedy(), Some(Remedy::AllowTriggersOrFixturaChecks));
    }

    #[test]
    fn only_triggers_on_the_statements_run_count_and_a_truncate_is_a_delete_elsewhere() {
        let on_delete = vec![trigger("d", TriggerEvent::Delete, TriggerEnabled::Enabled)];
        let mysql = schema(Backend::MySql, on_delete.clone(), true);
        let notes = settle(
            &mysql,
            TriggerEvent::Insert,
            FkChecks::Fixtura,
            Allow::default(),
        )
        .unwrap();
        assert_eq!(
            notes,
            WriteNotes::default(),
            "an INSERT sets off no DELETE trigger"
        );
        let err = settle(
            &mysql,
            TriggerEvent::Truncate,
            FkChecks::Fixtura,
            Allow::default(),
        )
        .unwrap_err();
        assert_eq!(err.remedy(), Some(Remedy::AllowTriggersOrIsolate));
        let postgres = schema(Backend::Postgres, on_delete, true);
        let notes = settle(
            &postgres,
            TriggerEvent::Truncate,
            FkChecks::Server,
            Allow::default(),
        )
        .unwrap();
        assert_eq!(
            notes,
            WriteNotes::default(),
            "TRUNCATE is no DELETE on PostgreSQL"
        );
    }

    #[test]
    fn accepted_triggers_and_engines_are_reported() {
        let allow = Allow {
            triggers: true,
            non_transactional: true,
        };
        let sqlite = schema(
            Backend::Sqlite,
            vec![trigger("i", TriggerEvent::Insert, TriggerEnabled::Enabled)],
            true,
        );
        let notes = settle(&sqlite, TriggerEvent::Insert, FkChecks::Fixtura, allow).unwrap();
        assert_eq!(notes.triggers_fired[0].table, "film");
        let myisam = schema(Backend::MySql, Vec::new(), false);
        let err = settle(
            &myisam,
            TriggerEvent::Insert,
            FkChecks::Fixtura,
            Allow::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("film (MyISAM)"), "{err}");
        assert!(
            err.to_string()
                .contains("ALTER TABLE `film` ENGINE = InnoDB"),
            "{err}"
        );
        let notes = settle(&myisam, TriggerEvent::Insert, FkChecks::Fixtura, allow).unwrap();
        assert_eq!(notes.non_transactional, ["film"]);
        assert_eq!(
            notes.lines(),
            ["film without transactions: rows written to it stay if the load fails"]
        );
    }

    #[test]
    fn a_failure_that_left_rows_behind_never_claims_nothing_was_written() {
        for text in [
            "1 flagged row of t could not be restored; nothing was written: the database's rows",
            "the schema differs, nothing was written: x",
            "cannot clean (nothing was written): x",
        ] {
            let stripped = without_rollback_claims(text);
            assert!(!stripped.contains("nothing was written"), "{stripped}");
        }
    }
}
