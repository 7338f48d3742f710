//! Cycles between tables: which key is broken, and by which strategy — a nullable key,
//! then a deferrable one, then the session switch.

use super::*;

#[test]
fn a_two_table_cycle_is_broken_at_its_nullable_key_only() {
    let s = schema([
        table("departments").nullable_reference("head_id", "employees"),
        table("employees").references("department_id", "departments"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["departments", "employees"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[("departments_head_id_fkey", NullThenUpdate)])
    );
    assert_eq!(
        reason(&plan, "departments_head_id_fkey"),
        "departments.head_id accepts NULL: insert NULL, then UPDATE once employees is loaded"
    );
    assert_eq!(names(&plan.insert_order), ["departments", "employees"]);
}

#[test]
fn a_cycle_of_nullable_keys_is_broken_once_at_the_smallest_child_table() {
    let s = schema([
        table("b").nullable_reference("a_id", "a"),
        table("a").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("a_b_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["a", "b"]);
}

#[test]
fn in_a_ring_of_equally_cheap_keys_the_smallest_child_table_is_broken() {
    let s = schema([
        table("c").nullable_reference("b_id", "b"),
        table("a").nullable_reference("c_id", "c"),
        table("b").nullable_reference("a_id", "a"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("a_c_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["a", "b", "c"]);
}

#[test]
fn a_three_table_cycle_with_one_nullable_key_breaks_only_that_key() {
    let s = schema([
        table("a").references("c_id", "c"),
        table("b").references("a_id", "a"),
        table("c").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("c_b_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["c", "a", "b"]);
    assert_eq!(names(&plan.cycles[0].tables), ["a", "b", "c"]);
}

#[test]
fn a_cycle_without_nullable_keys_uses_the_deferrable_constraint() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a").deferrable(),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("b_a_id_fkey", Deferred)]));
    assert_eq!(
        reason(&plan, "b_a_id_fkey"),
        "b.a_id is NOT NULL but the key is deferrable: its check is deferred to commit \
         (SET CONSTRAINTS ... DEFERRED), after a is loaded"
    );
    assert_eq!(plan.check_cycles(), Ok(()));
}

#[test]
fn an_initially_deferred_key_is_deferrable_too() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b")
            .references("a_id", "a")
            .deferrable_as(Deferrable::InitiallyDeferred),
    ]);
    assert_eq!(breaks(&plan(&s)), pairs(&[("b_a_id_fkey", Deferred)]));
}

#[test]
fn a_nullable_key_is_preferred_to_a_deferrable_one() {
    let s = schema([
        table("a").references("b_id", "b").deferrable(),
        table("b").nullable_reference("a_id", "a"),
    ]);
    assert_eq!(
        breaks(&plan_with(&s, SWITCH)),
        pairs(&[("b_a_id_fkey", NullThenUpdate)])
    );
}

#[test]
fn a_deferrable_key_is_preferred_to_the_session_switch() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a").deferrable(),
    ]);
    assert_eq!(
        breaks(&plan_with(&s, SWITCH)),
        pairs(&[("b_a_id_fkey", Deferred)])
    );
}

#[test]
fn a_not_null_cycle_uses_the_session_switch_when_the_session_may() {
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a"),
    ]);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(breaks(&plan), pairs(&[("a_b_id_fkey", SessionSwitch)]));
    assert!(unbreakable(&plan).is_empty());
    assert_eq!(
        reason(&plan, "a_b_id_fkey"),
        "a.b_id is NOT NULL and the key is not deferrable: foreign-key checks are switched \
         off for this session (session_replication_role = replica), and fixtura checks the \
         key itself before commit"
    );
}

#[test]
fn the_session_switch_reason_names_each_backends_switch() {
    let tables = || {
        [
            table("a").references("b_id", "b"),
            table("b").references("a_id", "a"),
        ]
    };
    let mysql = plan_with(&schema_on(Backend::MySql, tables()), SWITCH);
    assert_eq!(
        reason(&mysql, "a_b_id_fkey"),
        "a.b_id is NOT NULL and the key is not deferrable: foreign-key checks are switched \
         off for this session (FOREIGN_KEY_CHECKS = 0), and fixtura checks the key itself \
         before commit"
    );
    let sqlite = plan_with(&schema_on(Backend::Sqlite, tables()), SWITCH);
    assert_eq!(
        reason(&sqlite, "a_b_id_fkey"),
        "a.b_id is NOT NULL and the key is not deferrable: the check is deferred for this \
         session (PRAGMA defer_foreign_keys = ON), and SQLite itself checks deferred keys \
         at commit"
    );
}
