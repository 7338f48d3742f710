//! Cycles nothing can break: the error names them, their ends and the constraint to
//! change, and only the unbreakable part is reported.

use super::*;

#[test]
fn a_not_null_cycle_without_the_session_switch_is_unbreakable_and_named_in_the_error() {
    let s = schema([
        table("orders").references("invoice_id", "invoices"),
        table("invoices").references("order_id", "orders"),
    ]);
    let plan = plan(&s);
    assert!(breaks(&plan).is_empty());
    assert_eq!(unbreakable(&plan), ["invoices_order_id_fkey"]);
    // Planning carries on past the unbreakable key, so the order is still complete.
    assert_eq!(names(&plan.insert_order), ["invoices", "orders"]);
    let error = plan.check_cycles().expect_err("the cycle cannot be broken");
    assert_eq!(
        error,
        GraphError::UnbreakableCycle {
            cycle: "invoices → orders → invoices".to_string(),
            constraint: "invoices_order_id_fkey".to_string(),
            table: "invoices".to_string(),
        }
    );
    assert_eq!(
        error.to_string(),
        "foreign-key cycle invoices → orders → invoices cannot be broken: constraint \
         \"invoices_order_id_fkey\" on invoices is NOT NULL and not deferrable, and this \
         session cannot switch foreign-key checks off; make it DEFERRABLE (ALTER TABLE ... \
         ALTER CONSTRAINT \"invoices_order_id_fkey\" DEFERRABLE) or let one of its columns \
         accept NULL"
    );
}

#[test]
fn an_unbreakable_cycle_of_three_tables_shows_its_ends() {
    let s = schema([
        table("a").references("c_id", "c"),
        table("b").references("a_id", "a"),
        table("c").references("b_id", "b"),
    ]);
    let error = plan(&s)
        .check_cycles()
        .expect_err("the cycle cannot be broken");
    let GraphError::UnbreakableCycle {
        cycle,
        constraint,
        table,
    } = error;
    assert_eq!(
        (cycle.as_str(), constraint.as_str(), table.as_str()),
        ("a → c → … → a", "a_c_id_fkey", "a")
    );
}

#[test]
fn the_error_qualifies_tables_when_the_plan_spans_several_schemas() {
    let s = schema([
        table("crm.a").references("b_id", "b"),
        table("b").references("a_id", "crm.a"),
    ]);
    let error = plan(&s)
        .check_cycles()
        .expect_err("the cycle cannot be broken");
    let GraphError::UnbreakableCycle { cycle, table, .. } = error;
    assert_eq!(
        (cycle.as_str(), table.as_str()),
        ("crm.a → public.b → crm.a", "crm.a")
    );
}

#[test]
fn reasons_name_tables_of_other_schemas_qualified() {
    let s = schema([
        table("crm.accounts").nullable_reference("owner_id", "users"),
        table("users").references("account_id", "crm.accounts"),
    ]);
    assert_eq!(
        reason(&plan(&s), "accounts_owner_id_fkey"),
        "crm.accounts.owner_id accepts NULL: insert NULL, then UPDATE once users is loaded"
    );
}

#[test]
fn only_the_unbreakable_part_of_a_component_is_reported_unbreakable() {
    // a ⇄ b is NOT NULL both ways; b ⇄ c closes at a nullable key.
    let s = schema([
        table("a").references("b_id", "b"),
        table("b").references("a_id", "a").references("c_id", "c"),
        table("c").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(breaks(&plan), pairs(&[("c_b_id_fkey", NullThenUpdate)]));
    assert_eq!(unbreakable(&plan), ["a_b_id_fkey"]);
    assert_eq!(
        plan.break_for(&QualifiedName::new("public", "a"), "a_b_id_fkey"),
        None
    );
}

#[test]
fn check_cycles_reports_the_first_cycle_in_order() {
    let s = schema([
        table("y").references("z_id", "z"),
        table("z").references("y_id", "y"),
        table("m").references("n_id", "n"),
        table("n").references("m_id", "m"),
    ]);
    let GraphError::UnbreakableCycle { constraint, .. } = plan(&s)
        .check_cycles()
        .expect_err("both cycles are unbreakable");
    assert_eq!(constraint, "m_n_id_fkey");
}
