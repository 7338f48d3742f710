//! Foreign keys that share columns: multi-tenant keys such as `(tenant_id, project_id) →
//! projects` next to `(tenant_id, assignee_id) → users`. Picking each key's parent on its
//! own would give the two keys different tenants, and the load would fail at its checks.
//!
//! Among the keys of a table linked by shared columns one *leads* — the `per` group's key
//! if it is one of them (its parent is fixed by the group), else the first declared whose
//! own columns cannot be NULL, else the first — and writes the shared columns; every other key *follows*: it picks its parent among the rows
//! that agree with the leader's parent on the shared columns. A leader free to choose (a
//! distribution) chooses only among parents every follower can match; a fixed one must
//! never meet a parent no follower matches (unless the follower's own columns may be NULL,
//! and then they are). Both are settled at plan time: parent keys are a pure function of
//! (spec, seed, table, row), or sampled rows already in memory, so the followers' parents
//! are grouped by their shared values once, and rows stay a pure function of the spec.
//!
//! What is not coordinated is refused at plan time, naming the keys: a follower that must be
//! distinct across rows (a unique key over the keys), a self-reference, a key sharing with
//! two others that do not share with each other.

use std::collections::HashMap;

use super::plan::{ColumnPlan, GenPlan, Parent, Pick, PickMode, Source, pick_fk};
use crate::schema::{ForeignKey, Table};
use crate::value::{Row, Value};

/// How a key follows the key that leads its shared columns.
#[derive(Debug)]
pub struct Follow {
    /// The leading pick.
    pub leader: usize,
    /// Positions, in the leader's parent key, of the shared columns.
    pub leader_parts: Vec<usize>,
    /// Positions, in this key's parent key, of the same columns, in the same order.
    pub parts: Vec<usize>,
    /// Whether this key's own columns may be NULL when no parent agrees with the leader's.
    pub nullable: bool,
    /// This key's parent rows by their shared values ([`shared_key`]), ascending; filled by
    /// [`index`].
    pub groups: HashMap<String, Vec<u64>>,
}

/// The shared values of a parent key, as one comparable text; `None` when one is NULL (a
/// key with a NULL column references nothing, so it constrains nothing).
pub fn shared_key(key: &Row, parts: &[usize]) -> Option<String> {
    let mut text = String::new();
    for &part in parts {
        match key.get(part) {
            None | Some(Value::Null) => return None,
            Some(value) => {
                text.push_str(&value.to_text());
                text.push('\u{1}');
            }
        }
    }
    Some(text)
}

/// A list of constraint names as a message shows them: `"a" and "b"`.
fn names(fks: &[&ForeignKey]) -> String {
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
    // Components of picks linked by a shared column (a small union-find).
    let mut root: Vec<usize> = (0..picks.len()).collect();
    fn find(root: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let shares = |a: usize, b: usize| fks[a].columns.iter().any(|c| fks[b].columns.contains(c));
    for a in 0..picks.len() {
        for b in a + 1..picks.len() {
            if shares(a, b) {
                let (ra, rb) = (find(&mut root, a), find(&mut root, b));
                root[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for p in 0..picks.len() {
        let r = find(&mut root, p);
        components.entry(r).or_default().push(p);
    }
    let mut components: Vec<Vec<usize>> =
        components.into_values().filter(|c| c.len() > 1).collect();
    components.sort();
    for component in components {
        let members: Vec<&ForeignKey> = component.iter().map(|&p| fks[p]).collect();
        // The columns of a key that no other key of the component has.
        let own = |p: usize| -> Vec<&String> {
            fks[p]
                .columns
                .iter()
                .filter(|c| {
                    !component
                        .iter()
                        .any(|&o| o != p && fks[o].columns.contains(c))
                })
                .collect()
        };
        let optional = |p: usize| {
            let own = own(p);
            !own.is_empty()
                && own
                    .iter()
                    .all(|c| table.column(c).is_some_and(|col| col.nullable))
        };
        let leader = component
            .iter()
            .copied()
            .find(|&p| picks[p].mode == PickMode::Group)
            .or_else(|| component.iter().copied().find(|&p| !optional(p)))
            .unwrap_or(component[0]);
        if let Some(&p) = component
            .iter()
            .find(|&&p| fks[p].referenced_table == table.name)
        {
            return Err(format!(
                "foreign keys {} share columns, and \"{}\" references {} itself: fixtura cannot pick \
                 parents that agree on the shared columns there; fill those columns in the spec",
                names(&members),
                fks[p].name,
                table.name.name
            ));
        }
        for &f in component.iter().filter(|&&p| p != leader) {
            let shared: Vec<&String> = fks[f]
                .columns
                .iter()
                .filter(|c| {
                    component
                        .iter()
                        .any(|&o| o != f && fks[o].columns.contains(c))
                })
                .collect();
            if let Some(c) = shared.iter().find(|c| !fks[leader].columns.contains(c)) {
                return Err(format!(
                    "foreign keys {} share columns, but \"{}\" shares {c} with a key other than \"{}\", \
                     which fixes the others: fixtura can only make keys agree with one leading key; \
                     fill those columns in the spec",
                    names(&members),
                    fks[f].name,
                    fks[leader].name
                ));
            }
            let position = |fk: &ForeignKey, c: &String| {
                fk.columns
                    .iter()
                    .position(|x| x == c)
                    .expect("BUG: a shared column is in the key")
            };
            let nullable = optional(f);
            picks[f].null = if nullable { null_of(own(f)[0]) } else { 0.0 };
            picks[f].follows = Some(Follow {
                leader,
                leader_parts: shared.iter().map(|c| position(fks[leader], c)).collect(),
                parts: shared.iter().map(|c| position(fks[f], c)).collect(),
                nullable,
                groups: HashMap::new(),
            });
            // The leader writes the shared columns.
            for column in columns.iter_mut() {
                if shared.contains(&&column.name)
                    && matches!(column.source, Source::ForeignKey { pick, .. } if component.contains(&pick))
                {
                    column.source = Source::ForeignKey {
                        pick: leader,
                        part: position(fks[leader], &column.name),
                    };
                }
            }
        }
    }
    Ok(())
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
        return Err(format!(
            "foreign keys {} share {} and are part of one unique key: fixtura cannot walk their \
             combinations while keeping {} the same on both sides; count the rows per parent \
             instead (`per = {{ table = \"{}\", count = ... }}`), or fill these columns in the spec",
            names(&[fk(follow.leader), fk(f)]),
            shared.join(", "),
            shared.join(", "),
            fk(follow.leader).referenced_table.name,
        ));
    }
    Ok(())
}

/// For the followers of table `t`: groups their parent rows by shared values, and settles
/// which parents each leader may pick. Parent tables must come before `t` (or be rows read
/// from the database). Returns the message of a spec that cannot be met.
pub(super) fn index(plan: &mut GenPlan, t: usize) -> Result<(), String> {
    let table = &plan.tables[t];
    let followers: Vec<usize> = (0..table.picks.len())
        .filter(|&p| table.picks[p].follows.is_some())
        .collect();
    if followers.is_empty() {
        return Ok(());
    }
    // A parent table loaded later (a cycle) whose own keys follow others is not indexed
    // yet: its keys could not be computed here.
    for pick in &table.picks {
        if let Parent::Planned { table: q, .. } = pick.parent
            && q >= t
            && plan.tables[q].picks.iter().any(|p| p.follows.is_some())
        {
            return Err(format!(
                "{} references {}, which is loaded after it and has keys sharing columns: \
                 fixtura cannot make those agree across a foreign-key cycle; fill the columns in the spec",
                table.display, plan.tables[q].display
            ));
        }
    }
    for &f in &followers {
        let n = plan.tables[t].picks[f].parent.len();
        let parts = &plan.tables[t].picks[f]
            .follows
            .as_ref()
            .expect("BUG: a follower")
            .parts;
        let mut groups: HashMap<String, Vec<u64>> = HashMap::new();
        for j in 0..n {
            if let Some(key) = shared_key(&plan.parent_key(t, f, j), parts) {
                groups.entry(key).or_default().push(j);
            }
        }
        if let Some(follow) = plan.tables[t].picks[f].follows.as_mut() {
            follow.groups = groups;
        }
    }
    let leaders: Vec<usize> = {
        let mut l: Vec<usize> = followers
            .iter()
            .filter_map(|&f| plan.tables[t].picks[f].follows.as_ref().map(|x| x.leader))
            .collect();
        l.sort_unstable();
        l.dedup();
        l
    };
    for leader in leaders {
        let candidates = settle_leader(plan, t, leader, &followers)?;
        plan.tables[t].picks[leader].candidates = candidates;
    }
    Ok(())
}

/// The parent rows leader `leader` may pick (`None`: all of them), or why the spec cannot
/// be met.
fn settle_leader(
    plan: &GenPlan,
    t: usize,
    leader: usize,
    followers: &[usize],
) -> Result<Option<Vec<u64>>, String> {
    let table = &plan.tables[t];
    let pick = &table.picks[leader];
    let fk = |p: usize| {
        pick_fk(&table.table, &table.picks[p]).expect("BUG: every pick has its foreign key")
    };
    let mine: Vec<(usize, &Follow)> = followers
        .iter()
        .filter_map(|&f| table.picks[f].follows.as_ref().map(|x| (f, x)))
        .filter(|(_, x)| x.leader == leader)
        .collect();
    let free = matches!(pick.mode, PickMode::Random(_));
    let n = pick.parent.len();
    let mut candidates = Vec::new();
    for j in 0..n {
        // Rows of a fixed leader that no row uses need no match.
        let used = match (&pick.mode, &table.group) {
            (PickMode::Group, Some(group)) => {
                group.prefix[j as usize + 1] - group.prefix[j as usize]
            }
            _ => 1,
        };
        let key = plan.parent_key(t, leader, j);
        let mut fits = true;
        for (f, follow) in &mine {
            let Some(shared) = shared_key(&key, &follow.leader_parts) else {
                continue;
            };
            let size = follow.groups.get(&shared).map_or(0, Vec::len) as u64;
            let distinct = table.picks[*f].mode == PickMode::DistinctInGroup;
            if distinct && used > size && used > 0 {
                return Err(format!(
                    "{used} distinct rows of {} are asked for a row of {}, but only {size} share its {} \
                     (foreign keys {} must agree on it): lower the count, or generate more {}",
                    plan.tables_display(t, *f),
                    plan.tables_display(t, leader),
                    shared_columns(fk(*f), &follow.parts),
                    names(&[fk(leader), fk(*f)]),
                    plan.tables_display(t, *f),
                ));
            }
            if size == 0 && !follow.nullable && used > 0 {
                if free {
                    fits = false;
                    break;
                }
                let shared = shared_columns(fk(*f), &follow.parts);
                let (from, to) = (plan.tables_display(t, leader), plan.tables_display(t, *f));
                return Err(format!(
                    "foreign keys {} must agree on {shared}, but a row of {from} has a {shared} that no \
                     row of {to} has, and {} cannot be NULL: generate {to} for every {shared} of {from}, \
                     or make {} nullable",
                    names(&[fk(leader), fk(*f)]),
                    own_columns(fk(*f), &follow.parts),
                    own_columns(fk(*f), &follow.parts),
                ));
            }
        }
        if fits {
            candidates.push(j);
        }
    }
    if candidates.len() as u64 == n {
        return Ok(None);
    }
    if candidates.is_empty() {
        let (f, follow) = mine[0];
        let shared = shared_columns(fk(f), &follow.parts);
        return Err(format!(
            "foreign keys {} must agree on {shared}, but no row of {} shares its {shared} with a row \
             of {}: generate parents that share it",
            names(&[fk(leader), fk(f)]),
            plan.tables_display(t, leader),
            plan.tables_display(t, f),
        ));
    }
    Ok(Some(candidates))
}

fn shared_columns(fk: &ForeignKey, parts: &[usize]) -> String {
    let names: Vec<&str> = parts.iter().map(|&i| fk.columns[i].as_str()).collect();
    names.join(", ")
}

fn own_columns(fk: &ForeignKey, parts: &[usize]) -> String {
    let names: Vec<&str> = fk
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !parts.contains(i))
        .map(|(_, c)| c.as_str())
        .collect();
    names.join(", ")
}

impl GenPlan {
    /// The name of the table pick `p` of table `t` references.
    fn tables_display(&self, t: usize, p: usize) -> String {
        let pick = &self.tables[t].picks[p];
        match &pick.parent {
            Parent::Planned { table, .. } => self.tables[*table].display.clone(),
            Parent::Existing { .. } => pick_fk(&self.tables[t].table, pick)
                .map_or_else(String::new, |fk| fk.referenced_table.name.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::{Lookup, PlanOptions, plan};
    use super::super::spec::Spec;
    use super::*;
    use crate::db::Backend;
    use crate::graph::{Capabilities, DependencyGraph};
    use crate::schema::{
        Column, ColumnType, Deferrable, FkAction, Key, QualifiedName, Schema, TableKind,
    };

    /// No rows in the database: nothing to read back.
    struct Empty;

    impl Lookup for Empty {
        async fn max_integer(&mut self, _: &Table, _: &str) -> crate::Result<Option<i64>> {
            Ok(None)
        }
        async fn existing_keys(
            &mut self,
            _: &Table,
            _: &[String],
            _: u64,
        ) -> crate::Result<Vec<Row>> {
            Ok(Vec::new())
        }
    }

    fn column(name: &str, nullable: bool) -> Column {
        Column {
            name: name.into(),
            type_name: "integer".into(),
            column_type: ColumnType::Integer {
                bytes: 4,
                unsigned: false,
            },
            nullable,
            default: None,
            identity: None,
            generated: None,
        }
    }

    fn fk(name: &str, columns: &[&str], table: &str, referenced: &[&str]) -> ForeignKey {
        ForeignKey {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            referenced_table: QualifiedName::new("public", table),
            referenced_columns: referenced.iter().map(|c| c.to_string()).collect(),
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
        }
    }

    fn table(name: &str, columns: Vec<Column>, key: &[&str], fks: Vec<ForeignKey>) -> Table {
        Table {
            name: QualifiedName::new("public", name),
            kind: TableKind::Table,
            columns,
            primary_key: Some(Key {
                name: format!("{name}_pkey"),
                columns: key.iter().map(|c| c.to_string()).collect(),
            }),
            unique: vec![],
            foreign_keys: fks,
            flag_column: None,
        }
    }

    /// Tenants; projects and users within a tenant; tasks referencing both by keys sharing
    /// `tenant_id`, the assignee optional.
    fn tenants() -> Schema {
        let tenant = || fk("t_fkey", &["tenant_id"], "tenants", &["id"]);
        Schema {
            backend: Backend::Postgres,
            server_version: String::new(),
            default_schema: "public".into(),
            tables: vec![
                table("tenants", vec![column("id", false)], &["id"], vec![]),
                table(
                    "projects",
                    vec![column("tenant_id", false), column("id", false)],
                    &["tenant_id", "id"],
                    vec![tenant()],
                ),
                table(
                    "users",
                    vec![column("tenant_id", false), column("id", false)],
                    &["tenant_id", "id"],
                    vec![tenant()],
                ),
                table(
                    "tasks",
                    vec![
                        column("id", false),
                        column("tenant_id", false),
                        column("project_id", false),
                        column("assignee_id", true),
                    ],
                    &["id"],
                    vec![
                        fk(
                            "a_assignee",
                            &["assignee_id", "tenant_id"],
                            "users",
                            &["id", "tenant_id"],
                        ),
                        fk(
                            "b_project",
                            &["tenant_id", "project_id"],
                            "projects",
                            &["tenant_id", "id"],
                        ),
                    ],
                ),
            ],
            skipped: vec![],
        }
    }

    fn rows(spec: &str) -> Result<(GenPlan, Vec<Vec<Row>>), String> {
        let schema = tenants();
        let spec = Spec::parse("spec.toml", spec).map_err(|e| e.to_string())?;
        let order = DependencyGraph::new(&schema).plan(Capabilities {
            session_switch: true,
        });
        let options = PlanOptions {
            scale: 1.0,
            server_checks: false,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let plan = runtime
            .block_on(plan(&spec, &schema, &order, options, &mut Empty))
            .map_err(|e| e.to_string())?;
        let rows = (0..plan.tables.len())
            .map(|t| plan.rows(t, 0, plan.tables[t].rows))
            .collect();
        Ok((plan, rows))
    }

    const SPEC: &str = "seed = 5\n[tables.tenants]\nrows = 4\n[tables.projects]\nrows = 9\n\
                        [tables.users]\nrows = 7\n[tables.tasks]\nrows = 400\n\
                        columns.assignee_id = { null = 0.2 }\n";

    #[test]
    fn keys_sharing_a_column_reference_parents_that_agree_on_it() {
        let (plan, rows) = rows(SPEC).expect("plans");
        let index = |name: &str| {
            plan.tables
                .iter()
                .position(|t| t.table.name.name == name)
                .expect("table")
        };
        let position = |t: usize, column: &str| {
            plan.tables[t]
                .columns
                .iter()
                .position(|c| c.name == column)
                .expect("column")
        };
        let (projects, users, tasks) = (index("projects"), index("users"), index("tasks"));
        let pairs = |t: usize, a: &str, b: &str| -> Vec<(Value, Value)> {
            rows[t]
                .iter()
                .map(|r| (r[position(t, a)].clone(), r[position(t, b)].clone()))
                .collect()
        };
        let project_keys = pairs(projects, "tenant_id", "id");
        let user_keys = pairs(users, "tenant_id", "id");
        // Tasks of a tenant with users are unassigned by the spec's NULL probability only;
        // those of a tenant without users cannot be assigned (the key may be NULL).
        let (mut could, mut unassigned) = (0u32, 0u32);
        for task in &rows[tasks] {
            let tenant = task[position(tasks, "tenant_id")].clone();
            let project = task[position(tasks, "project_id")].clone();
            assert!(
                project_keys.contains(&(tenant.clone(), project)),
                "{task:?}"
            );
            let has_users = user_keys.iter().any(|(t, _)| t == &tenant);
            could += u32::from(has_users);
            match task[position(tasks, "assignee_id")].clone() {
                Value::Null => unassigned += u32::from(has_users),
                user => assert!(user_keys.contains(&(tenant, user)), "{task:?}"),
            }
        }
        assert!(could > 100, "{could} tasks in tenants with users");
        let share = f64::from(unassigned) / f64::from(could);
        assert!((0.1..0.3).contains(&share), "about a fifth: {share}");
        // The project key leads (its own column cannot be NULL) and writes tenant_id.
        let follower = &plan.tables[tasks].picks[0];
        assert_eq!(follower.constraint, "a_assignee");
        assert_eq!(follower.follows.as_ref().map(|f| f.leader), Some(1));
        // The same spec, the same rows.
        assert_eq!(rows, self::rows(SPEC).expect("plans").1);
    }

    #[test]
    fn shared_values_compare_as_text_and_null_constrains_nothing() {
        let key = vec![Value::Int(3), Value::Text("a".into())];
        assert_eq!(shared_key(&key, &[0]), Some("3\u{1}".into()));
        assert_eq!(
            shared_key(&vec![Value::Text("3".into())], &[0]),
            shared_key(&key, &[0])
        );
        assert_eq!(shared_key(&vec![Value::Null, Value::Int(1)], &[0, 1]), None);
    }
}
