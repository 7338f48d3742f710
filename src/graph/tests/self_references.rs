//! Self-references: a cycle of one table, ordered by rows, deferred, and alongside
//! larger cycles.

use super::*;

#[test]
fn a_nullable_self_reference_is_a_cycle_of_one_table_ordered_by_rows() {
    let s = schema([table("employees").nullable_reference("manager_id", "employees")]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["employees"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[("employees_manager_id_fkey", SelfReference)])
    );
    assert_eq!(
        reason(&plan, "employees_manager_id_fkey"),
        "employees.manager_id references employees itself and accepts NULL: rows are \
         ordered parents first, or the column is filled in a second pass"
    );
    assert_eq!(names(&plan.insert_order), ["employees"]);
    assert_eq!(plan.check_cycles(), Ok(()));
}

#[test]
fn a_not_null_self_reference_says_root_rows_reference_themselves() {
    let s = schema([table("nodes").references("parent_id", "nodes")]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("nodes_parent_id_fkey", SelfReference)])
    );
    assert_eq!(
        reason(&plan, "nodes_parent_id_fkey"),
        "nodes.parent_id references nodes itself and is NOT NULL: rows must be ordered \
         parents first, and root rows reference themselves"
    );
    assert!(unbreakable(&plan).is_empty());
    assert_eq!(plan.check_cycles(), Ok(()));
}

#[test]
fn a_deferrable_not_null_self_reference_is_deferred_to_commit() {
    let s = schema([table("nodes").references("parent_id", "nodes").deferrable()]);
    let plan = plan(&s);
    assert_eq!(
        reason(&plan, "nodes_parent_id_fkey"),
        "nodes.parent_id references nodes itself and is NOT NULL but the key is \
         deferrable: rows are ordered parents first and the check is deferred to commit"
    );
}

#[test]
fn a_self_reference_stays_a_self_reference_when_the_session_may_switch_checks_off() {
    let s = schema([table("nodes").references("parent_id", "nodes")]);
    assert_eq!(
        breaks(&plan_with(&s, SWITCH)),
        pairs(&[("nodes_parent_id_fkey", SelfReference)])
    );
}

#[test]
fn every_self_reference_of_a_table_is_broken_and_listed_by_constraint_name() {
    let s = schema([table("people")
        .nullable_reference("father_id", "people")
        .named("z_father")
        .references("mother_id", "people")
        .named("a_mother")]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(
        breaks(&plan),
        pairs(&[("a_mother", SelfReference), ("z_father", SelfReference)])
    );
}

#[test]
fn a_self_reference_inside_a_larger_cycle_is_one_cycle_with_both_breaks() {
    let s = schema([
        table("a")
            .nullable_reference("parent_id", "a")
            .references("b_id", "b"),
        table("b").nullable_reference("a_id", "a"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["a", "b"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[
            ("a_parent_id_fkey", SelfReference),
            ("b_a_id_fkey", NullThenUpdate)
        ])
    );
    assert_eq!(names(&plan.insert_order), ["b", "a"]);
}
