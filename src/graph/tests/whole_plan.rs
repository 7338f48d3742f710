//! The plan as a whole: its serialized form, a property test against the cheapest
//! possible breaks of random schemas, and a large component.

use super::*;
use crate::graph::breaks::{Bill, add};

#[test]
fn the_plan_serializes_strategies_in_snake_case() {
    let s = schema([
        table("a").nullable_reference("b_id", "b"),
        table("b").references("a_id", "a"),
    ]);
    let json = serde_json::to_value(plan(&s)).expect("a plan serializes");
    assert_eq!(
        json["cycles"][0]["breaks"][0]["strategy"],
        "null_then_update"
    );
    assert_eq!(json["insert_order"][0]["name"], "a");
}

/// A small deterministic generator, so the property test needs no extra crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The least bill over every subset of keys whose removal leaves the schema acyclic.
fn cheapest_possible_bill(schema: &Schema, capabilities: Capabilities) -> Bill {
    let mut keys = Vec::new();
    for (child, table) in schema.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            let parent = schema
                .tables
                .iter()
                .position(|t| t.name == fk.referenced_table)
                .expect("the generator makes no dangling keys");
            if parent != child {
                let price = if fk.is_nullable_in(table) {
                    Price::NullThenUpdate
                } else if fk.deferrable.is_deferrable() {
                    Price::Deferred
                } else if capabilities.session_switch {
                    Price::SessionSwitch
                } else {
                    Price::Unbreakable
                };
                keys.push((parent, child, price));
            }
        }
    }
    (0u32..1 << keys.len())
        .filter_map(|mask| {
            let edges: Vec<(usize, usize)> = keys
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) == 0)
                .map(|(_, &(p, c, _))| (p, c))
                .collect();
            acyclic(schema, &edges).then(|| {
                keys.iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .fold([0; 4], |bill, (_, &(_, _, price))| add(bill, price))
            })
        })
        .min()
        .expect("breaking every key leaves the schema acyclic")
}

fn bill_of(plan: &Plan) -> Bill {
    let mut bill = [0; 4];
    for cycle in &plan.cycles {
        for b in &cycle.breaks {
            if b.strategy != SelfReference {
                bill = add(bill, Price::of(Some(b.strategy)));
            }
        }
        for _ in &cycle.unbreakable {
            bill = add(bill, Price::of(None));
        }
    }
    bill
}

#[test]
fn random_schemas_get_valid_plans_that_break_the_cheapest_possible_keys() {
    let mut random = Lcg(0x5eed);
    for _ in 0..600 {
        let tables = 2 + random.below(5) as usize;
        let mut specs = Vec::new();
        // At most 11 keys between distinct tables, so the brute force stays small.
        let mut keys = 0;
        for i in 0..tables {
            let mut spec = table(&format!("t{i}"));
            for k in 0..1 + random.below(3) {
                let parent = random.below(tables as u64) as usize;
                if parent != i && keys == 11 {
                    continue;
                }
                keys += usize::from(parent != i);
                let column = format!("k{k}_t{parent}");
                let parent = format!("t{parent}");
                spec = match random.below(4) {
                    0 => spec.nullable_reference(&column, &parent),
                    1 => spec.references(&column, &parent).deferrable(),
                    2 => spec.composite_reference(&[(&column, true), ("id", false)], &parent),
                    _ => spec.references(&column, &parent),
                };
            }
            specs.push(spec);
        }
        let s = schema(specs);
        for capabilities in [NO_SWITCH, SWITCH] {
            let plan = plan_with(&s, capabilities);
            assert_eq!(
                bill_of(&plan),
                cheapest_possible_bill(&s, capabilities),
                "{plan:#?}"
            );
            assert_eq!(plan.check_cycles().is_ok(), unbreakable(&plan).is_empty());
        }
    }
}

#[test]
fn a_large_component_is_planned_quickly_and_completely() {
    // A ring of 120 tables with chords: far beyond the exact search, still planned.
    let n = 120;
    let specs = (0..n).map(|i| {
        let spec =
            table(&format!("t{i:03}")).references("next_id", &format!("t{:03}", (i + 1) % n));
        if i % 7 == 0 {
            spec.nullable_reference("chord_id", &format!("t{:03}", (i + 40) % n))
        } else {
            spec
        }
    });
    let s = schema(specs);
    let plan = plan_with(&s, SWITCH);
    assert_eq!(plan.cycles.len(), 1);
    assert_eq!(plan.insert_order.len(), n);
}
