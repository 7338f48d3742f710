//! Orders without cycles: parents first, by name when free to choose, whatever the
//! listing order; dangling keys impose nothing.

use super::*;

#[test]
fn an_empty_schema_has_an_empty_plan() {
    let plan = plan(&schema([]));
    assert!(plan.insert_order.is_empty() && plan.cycles.is_empty());
    assert_eq!(plan.check_cycles(), Ok(()));
}

#[test]
fn a_chain_is_inserted_parents_first_and_deleted_children_first() {
    let s = schema([
        table("a_lines").references("order_id", "b_orders"),
        table("b_orders").references("customer_id", "c_customers"),
        table("c_customers"),
    ]);
    let plan = plan(&s);
    assert_eq!(
        names(&plan.insert_order),
        ["c_customers", "b_orders", "a_lines"]
    );
    assert_eq!(
        names(&plan.delete_order),
        ["a_lines", "b_orders", "c_customers"]
    );
    assert!(plan.cycles.is_empty());
}

#[test]
fn a_diamond_puts_the_shared_child_after_both_parents() {
    let s = schema([
        table("top"),
        table("left").references("top_id", "top"),
        table("right").references("top_id", "top"),
        table("bottom")
            .references("left_id", "left")
            .references("right_id", "right"),
    ]);
    assert_eq!(
        names(&plan(&s).insert_order),
        ["top", "left", "right", "bottom"]
    );
}

#[test]
fn disconnected_tables_are_ordered_by_name() {
    let s = schema([table("zebra"), table("apple"), table("mango")]);
    assert_eq!(names(&plan(&s).insert_order), ["apple", "mango", "zebra"]);
}

#[test]
fn the_smallest_named_ready_table_always_goes_next() {
    // `b` is ready at once but `a` only after `z`: the order interleaves by name.
    let s = schema([table("z"), table("a").references("z_id", "z"), table("b")]);
    assert_eq!(names(&plan(&s).insert_order), ["b", "z", "a"]);
}

#[test]
fn the_order_does_not_depend_on_the_order_tables_are_listed() {
    let tables = || {
        vec![
            table("orders").references("customer_id", "customers"),
            table("customers"),
            table("items")
                .references("order_id", "orders")
                .references("product_id", "products"),
            table("products"),
            table("audit"),
        ]
    };
    let expected = ["audit", "customers", "orders", "products", "items"];
    for rotation in 0..5 {
        let mut listed = tables();
        listed.rotate_left(rotation);
        assert_eq!(names(&plan(&schema(listed)).insert_order), expected);
        let mut listed = tables();
        listed.reverse();
        listed.rotate_left(rotation);
        assert_eq!(names(&plan(&schema(listed)).insert_order), expected);
    }
}

#[test]
fn tables_of_other_schemas_are_ordered_by_schema_then_name() {
    let s = schema([
        table("public.b"),
        table("crm.z"),
        table("crm.a").references("b_id", "b"),
    ]);
    let order: Vec<String> = plan(&s)
        .insert_order
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(order, ["crm.z", "public.b", "crm.a"]);
}

#[test]
fn dangling_keys_are_listed_and_impose_no_order() {
    let s = schema([
        table("a")
            .references("user_id", "auth.users")
            .references("b_id", "b"),
        table("b").nullable_reference("ghost_id", "ghosts"),
    ]);
    let plan = plan(&s);
    assert_eq!(names(&plan.insert_order), ["b", "a"]);
    let dangling: Vec<(&str, String)> = plan
        .dangling
        .iter()
        .map(|fk| (fk.constraint.as_str(), fk.referenced_table.to_string()))
        .collect();
    assert_eq!(
        dangling,
        [
            ("a_user_id_fkey", "auth.users".to_string()),
            ("b_ghost_id_fkey", "public.ghosts".to_string())
        ]
    );
    assert!(plan.cycles.is_empty());
}

#[test]
fn keys_outside_any_cycle_are_never_broken_even_when_nullable() {
    let s = schema([table("a"), table("b").nullable_reference("a_id", "a")]);
    let plan = plan(&s);
    assert!(plan.cycles.is_empty());
    assert_eq!(
        plan.break_for(&QualifiedName::new("public", "b"), "b_a_id_fkey"),
        None
    );
}
