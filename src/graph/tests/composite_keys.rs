//! Composite foreign keys: nullable only when every column accepts NULL.

use super::*;

#[test]
fn a_composite_key_with_a_not_null_column_is_not_nullable() {
    let s = schema([
        table("lines").composite_reference(&[("tenant_id", false), ("order_id", true)], "orders"),
        table("orders")
            .references("first_line_id", "lines")
            .deferrable(),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("orders_first_line_id_fkey", Deferred)])
    );
}

#[test]
fn a_composite_key_whose_columns_all_accept_null_is_nullable() {
    let s = schema([
        table("lines").composite_reference(&[("tenant_id", true), ("order_id", true)], "orders"),
        table("orders")
            .references("first_line_id", "lines")
            .deferrable(),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("lines_tenant_id_order_id_fkey", NullThenUpdate)])
    );
    assert_eq!(
        reason(&plan, "lines_tenant_id_order_id_fkey"),
        "lines.(tenant_id, order_id) accept NULL: insert NULL, then UPDATE once orders is loaded"
    );
}

#[test]
fn a_composite_not_null_key_says_it_has_a_not_null_column() {
    let s = schema([
        table("lines").composite_reference(&[("tenant_id", false), ("order_id", true)], "orders"),
        table("orders").references("first_line_id", "lines"),
    ]);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(
        reason(&plan, "lines_tenant_id_order_id_fkey"),
        "lines.(tenant_id, order_id) has a NOT NULL column and the key is not deferrable: \
         foreign-key checks are switched off for this session \
         (session_replication_role = replica), and fixtura checks the key itself before commit"
    );
}

#[test]
fn a_key_naming_a_missing_column_is_not_nullable() {
    let mut s = schema([
        table("a").nullable_reference("b_id", "b"),
        table("b").references("a_id", "a"),
    ]);
    s.tables[0].columns.retain(|c| c.name != "b_id");
    let plan = plan(&s);
    assert_eq!(unbreakable(&plan), ["a_b_id_fkey"]);
}
