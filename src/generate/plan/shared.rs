//! Foreign keys that share columns: multi-tenant keys such as `(tenant_id, project_id) →
//! projects` next to `(tenant_id, assignee_id) → users`. Picking each key's parent on its
//! own would give the two keys different tenants, and the load would fail at its checks.
//!
//! Among the keys of a table linked by shared columns one *leads* — the `per` group's key
//! if it is one of them (its parent is fixed by the group), else the first declared whose
//! own columns cannot be NULL, else the first — and writes the shared columns; every other
//! key *follows*: it picks its parent among the rows that agree with the leader's parent on
//! the shared columns. A leader free to choose (a distribution) chooses only among parents
//! every follower can match; a fixed one must never meet a parent no follower matches
//! (unless the follower's own columns may be NULL, and then they are). Both are settled at
//! plan time (`shared_groups.rs`): parent keys are a pure function of (spec, seed, table,
//! row), or sampled rows already in memory, so the followers' parents are grouped by their
//! shared values once, and rows stay a pure function of the spec.
//!
//! This room links the keys of one table while it is planned: who leads, who follows, and
//! who writes the shared columns. What is not coordinated is refused at plan time, naming
//! the keys: a follower that must be distinct across rows (a unique key over the keys), a
//! self-reference, a key sharing with two others that do not share with each other.

use std::collections::HashMap;

use super::model::{ColumnPlan, Follow, Pick, PickMode, Source, pick_fk};
use crate::schema::{ForeignKey, Table};

/// A list of constraint names as a message shows them: `"a" and "b"`.
pub(super) fn names(fks: &[&ForeignKey]) -> String {
    let quoted: Vec<String> = fks.iter().map(|f| format!("\"{}\"", f.name)).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// Links the picks of `table` that share columns: sets each follower's [`Follow`] (without
/// its groups) and sources every shared column from its leader. `null_of` gives the NULL
/// probability the spec asks for a column. Returns the message of a shape it cannot
/// coordinate.
pub(super) fn link(
    table: &Table,
    picks: &mut [Pick],
    columns: &mut [ColumnPlan],
    null_of: impl Fn(&str) -> f64,
) -> Result<(), String> {
    let fks: Vec<&ForeignKey> = picks
        .iter()
        .map(|p| pick_fk(table, p).expect("BUG: every pick has its foreign key"))
        .collect();
    for members in components(&fks) {
        let component = Component {
            table,
            fks: &fks,
            members,
        };
        component.link(picks, columns, &null_of)?;
    }
    Ok(())
}

/// The picks linked by shared columns, directly or through others (a small union-find):
/// every group of more than one, each ascending, in order of their first pick.
fn components(fks: &[&ForeignKey]) -> Vec<Vec<usize>> {
    fn find(root: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let mut root: Vec<usize> = (0..fks.len()).collect();
    let shares = |a: usize, b: usize| fks[a].columns.iter().any(|c| fks[b].columns.contains(c));
    for a in 0..fks.len() {
        for b in a + 1..fks.len() {
            if shares(a, b) {
                let (ra, rb) = (find(&mut root, a), find(&mut root, b));
                root[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for p in 0..fks.len() {
        let r = find(&mut root, p);
        components.entry(r).or_default().push(p);
    }
    let mut components: Vec<Vec<usize>> =
        components.into_values().filter(|c| c.len() > 1).collect();
    components.sort();
    components
}

/// Keys of one table linked by shared columns.
struct Component<'a> {
    table: &'a Table,
    /// Every pick's foreign key.
    fks: &'a [&'a ForeignKey],
    /// The picks of this component, ascending.
    members: Vec<usize>,
}

impl<'a> Component<'a> {
    /// Chooses the leader, makes every other key follow it, and sources the shared columns
    /// from the leader.
    fn link(
        &self,
        picks: &mut [Pick],
        columns: &mut [ColumnPlan],
        null_of: &impl Fn(&str) -> f64,
    ) -> Result<(), String> {
        let leader = self.leader(picks);
        self.refuse_self_reference()?;
        for &f in self.members.iter().filter(|&&p| p != leader) {
            let shared = self.shared(f);
            if let Some(c) = shared
                .iter()
                .find(|c| !self.fks[leader].columns.contains(c))
            {
                return Err(format!(
                    "foreign keys {} share columns, but \"{}\" shares {c} with a key other than \
                     \"{}\", which fixes the others: fixtura can only make keys agree with one \
                     leading key; fill those columns in the spec",
                    self.names(),
                    self.fks[f].name,
                    self.fks[leader].name
                ));
            }
            let nullable = self.optional(f);
            picks[f].null = if nullable {
                null_of(self.own(f)[0])
            } else {
                0.0
            };
            picks[f].follows = Some(Follow {
                leader,
                leader_parts: shared
                    .iter()
                    .map(|c| position(self.fks[leader], c))
                    .collect(),
                parts: shared.iter().map(|c| position(self.fks[f], c)).collect(),
                nullable,
                groups: HashMap::new(),
            });
            self.lead_columns(leader, &shared, columns);
        }
        Ok(())
    }

    /// The `per` group's key, else the first whose own columns cannot all be NULL, else
    /// the first.
    fn leader(&self, picks: &[Pick]) -> usize {
        self.members
            .iter()
            .copied()
            .find(|&p| picks[p].mode == PickMode::Group)
            .or_else(|| self.members.iter().copied().find(|&p| !self.optional(p)))
            .unwrap_or(self.members[0])
    }

    /// A self-reference among the keys cannot be coordinated: its parents are this table's
    /// own earlier rows, whose shared values are not grouped.
    fn refuse_self_reference(&self) -> Result<(), String> {
        let Some(&p) = self
            .members
            .iter()
            .find(|&&p| self.fks[p].referenced_table == self.table.name)
        else {
            return Ok(());
        };
        Err(format!(
            "foreign keys {} share columns, and \"{}\" references {} itself: fixtura cannot pick \
             parents that agree on the shared columns there; fill those columns in the spec",
            self.names(),
            self.fks[p].name,
            self.table.name.name
        ))
    }

    /// The columns of key `p` that no other key of the component has.
    fn own(&self, p: usize) -> Vec<&'a String> {
        self.fks[p]
            .columns
            .iter()
            .filter(|c| !self.in_another(p, c))
            .collect()
    }

    /// The columns of key `f` that another key of the component has too.
    fn shared(&self, f: usize) -> Vec<&'a String> {
        self.fks[f]
            .columns
            .iter()
            .filter(|c| self.in_another(f, c))
            .collect()
    }

    fn in_another(&self, p: usize, column: &String) -> bool {
        self.members
            .iter()
            .any(|&o| o != p && self.fks[o].columns.contains(column))
    }

    /// Whether key `p` may be left NULL: it has own columns, and all of them accept NULL.
    fn optional(&self, p: usize) -> bool {
        let own = self.own(p);
        !own.is_empty()
            && own
                .iter()
                .all(|c| self.table.column(c).is_some_and(|col| col.nullable))
    }

    /// Sources the `shared` columns from `leader` wherever a key of this component wrote them.
    fn lead_columns(&self, leader: usize, shared: &[&String], columns: &mut [ColumnPlan]) {
        for column in columns.iter_mut() {
            if shared.contains(&&column.name)
                && matches!(column.source, Source::ForeignKey { pick, .. } if self.members.contains(&pick))
            {
                column.source = Source::ForeignKey {
                    pick: leader,
                    part: position(self.fks[leader], &column.name),
                };
            }
        }
    }

    fn names(&self) -> String {
        let members: Vec<&ForeignKey> = self.members.iter().map(|&p| self.fks[p]).collect();
        names(&members)
    }
}

/// Where column `c` is in `fk`.
fn position(fk: &ForeignKey, c: &String) -> usize {
    fk.columns
        .iter()
        .position(|x| x == c)
        .expect("BUG: a shared column is in the key")
}

/// Refuses followers whose picking rule cannot be kept within a group of agreeing parents
/// (set by the uniqueness rules after [`link`]).
pub(super) fn check_modes(table: &Table, picks: &[Pick]) -> Result<(), String> {
    for (f, pick) in picks.iter().enumerate() {
        let Some(follow) = &pick.follows else {
            continue;
        };
        if matches!(pick.mode, PickMode::Random(_) | PickMode::DistinctInGroup) {
            continue;
        }
        let fk = |p: usize| pick_fk(table, &picks[p]).expect("BUG: every pick has its foreign key");
        let shared: Vec<&str> = follow
            .parts
            .iter()
            .map(|&i| fk(f).columns[i].as_str())
            .collect();
        let shared = shared.join(", ");
        let per = format!(
            "`per = {{ table = \"{}\", count = ... }}`",
            fk(follow.leader).referenced_table.name
        );
        return Err(format!(
            "foreign keys {} share {shared} and are part of one unique key: fixtura cannot walk \
             their combinations while keeping {shared} the same on both sides; count the rows \
             per parent instead ({per}), or fill these columns in the spec",
            names(&[fk(follow.leader), fk(f)]),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;

    #[test]
    fn keys_sharing_columns_with_a_self_reference_are_refused() {
        let threads = table(
            "threads",
            vec![int("tenant_id"), int("id"), nullable(int("parent_id"))],
        )
        .primary_key(&["tenant_id", "id"])
        .foreign_key(
            "threads_parent_fkey",
            &["tenant_id", "parent_id"],
            "threads",
            &["tenant_id", "id"],
        )
        .foreign_key("threads_tenant_fkey", &["tenant_id"], "tenants", &["id"])
        .done();
        let spec = "[tables.tenants]\nrows = 2\n[tables.threads]\nrows = 5\n";
        assert_eq!(
            refused(&tenancy_with(vec![threads]), spec),
            "spec.toml:3: tables.threads: foreign keys \"threads_parent_fkey\" and \
             \"threads_tenant_fkey\" share columns, and \"threads_parent_fkey\" references \
             threads itself: fixtura cannot pick parents that agree on the shared columns there; \
             fill those columns in the spec"
        );
    }

    #[test]
    fn a_key_sharing_columns_with_two_unrelated_keys_is_refused() {
        let people = table("people", vec![int("id")]).primary_key(&["id"]).done();
        let assignments = table(
            "assignments",
            vec![int("tenant_id"), int("project_id"), int("user_id")],
        )
        .foreign_key(
            "assignments_a_project",
            &["tenant_id", "project_id"],
            "projects",
            &["tenant_id", "id"],
        )
        .foreign_key(
            "assignments_b_user",
            &["tenant_id", "user_id"],
            "users",
            &["tenant_id", "id"],
        )
        .foreign_key("assignments_c_person", &["user_id"], "people", &["id"])
        .done();
        let spec = "[tables.tenants]\nrows = 2\n[tables.projects]\nrows = 2\n[tables.users]\n\
                    rows = 2\n[tables.people]\nrows = 2\n[tables.assignments]\nrows = 5\n";
        assert_eq!(
            refused(&tenancy_with(vec![people, assignments]), spec),
            "spec.toml:9: tables.assignments: foreign keys \"assignments_a_project\", \
             \"assignments_b_user\" and \"assignments_c_person\" share columns, but \
             \"assignments_b_user\" shares user_id with a key other than \"assignments_a_project\", \
             which fixes the others: fixtura can only make keys agree with one leading key; fill \
             those columns in the spec"
        );
    }

    #[test]
    fn keys_sharing_a_column_inside_a_unique_key_counted_by_rows_are_refused() {
        let spec = "[tables.tenants]\nrows = 2\n[tables.projects]\nrows = 4\n[tables.users]\n\
                    rows = 4\n[tables.memberships]\nrows = 10\n";
        assert_eq!(
            refused(&tenancy(), spec),
            "spec.toml:7: tables.memberships: foreign keys \"memberships_project_fkey\" and \
             \"memberships_user_fkey\" share tenant_id and are part of one unique key: fixtura \
             cannot walk their combinations while keeping tenant_id the same on both sides; count \
             the rows per parent instead (`per = { table = \"projects\", count = ... }`), or fill \
             these columns in the spec"
        );
    }
}
