//! Cycles that share tables or keys, and parallel keys to one parent: each key broken
//! once, as few as possible.

use super::*;

#[test]
fn two_cycles_sharing_a_table_are_one_cycle_broken_twice() {
    let s = schema([
        table("a").references("hub_id", "hub"),
        table("hub")
            .nullable_reference("a_id", "a")
            .nullable_reference("c_id", "c"),
        table("c").references("hub_id", "hub"),
    ]);
    let plan = plan(&s);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(names(&plan.cycles[0].tables), ["a", "c", "hub"]);
    assert_eq!(
        breaks(&plan),
        pairs(&[
            ("hub_a_id_fkey", NullThenUpdate),
            ("hub_c_id_fkey", NullThenUpdate)
        ])
    );
    assert_eq!(names(&plan.insert_order), ["hub", "a", "c"]);
}

#[test]
fn separate_cycles_are_listed_by_their_first_table() {
    let s = schema([
        table("y").nullable_reference("z_id", "z"),
        table("z").references("y_id", "y"),
        table("m").nullable_reference("m_id", "m"),
        table("b").nullable_reference("c_id", "c"),
        table("c").references("b_id", "b"),
    ]);
    let plan = plan(&s);
    let firsts: Vec<&str> = plan
        .cycles
        .iter()
        .map(|c| c.tables[0].name.as_str())
        .collect();
    assert_eq!(firsts, ["b", "m", "y"]);
}

#[test]
fn a_key_on_two_cycles_is_broken_once_for_both() {
    // a ⇄ b and a → b → c → a both run through `b.a_id`; `c.b_id` is nullable too,
    // but breaking it as well would be needless.
    let s = schema([
        table("a").references("b_id", "b").references("c_id", "c"),
        table("b").nullable_reference("a_id", "a"),
        table("c").nullable_reference("b_id", "b"),
    ]);
    let plan = plan(&s);
    assert_eq!(breaks(&plan), pairs(&[("b_a_id_fkey", NullThenUpdate)]));
    assert_eq!(names(&plan.insert_order), ["b", "c", "a"]);
}

#[test]
fn parallel_keys_to_the_same_parent_are_each_kept_in_order() {
    let s = schema([
        table("shipments")
            .references("from_id", "depots")
            .references("to_id", "depots"),
        table("depots").nullable_reference("last_shipment_id", "shipments"),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[("depots_last_shipment_id_fkey", NullThenUpdate)])
    );
    assert_eq!(names(&plan.insert_order), ["depots", "shipments"]);
}

#[test]
fn parallel_nullable_keys_are_both_broken_when_the_way_back_is_not_null() {
    let s = schema([
        table("a")
            .nullable_reference("first_b", "b")
            .nullable_reference("second_b", "b"),
        table("b").references("a_id", "a"),
    ]);
    let plan = plan(&s);
    assert_eq!(
        breaks(&plan),
        pairs(&[
            ("a_first_b_fkey", NullThenUpdate),
            ("a_second_b_fkey", NullThenUpdate)
        ])
    );
    assert_eq!(names(&plan.insert_order), ["a", "b"]);
}

#[test]
fn one_break_on_the_way_back_beats_a_cheap_and_a_dear_break_on_parallel_keys() {
    // Greedy would break `a.billing_b` (nullable) and then `a.shipping_b` (switch);
    // breaking `b.a_id` alone (switch) costs one switch and nothing else.
    let s = schema([
        table("a")
            .nullable_reference("billing_b", "b")
            .references("shipping_b", "b"),
        table("b").references("z_a_id", "a"),
    ]);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(breaks(&plan), pairs(&[("b_z_a_id_fkey", SessionSwitch)]));
}
