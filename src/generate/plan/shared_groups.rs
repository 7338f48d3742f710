//! The last step of a plan, for keys sharing columns (`shared.rs`): once every table is
//! planned, parent keys can be computed (parents come first), so each follower's parent
//! rows are grouped by their shared values, and each leader learns which of its parents it
//! may pick — those every follower can match. A spec whose counts cannot be met within the
//! groups is refused here, naming the keys and what to change.

use std::collections::HashMap;

use super::error::PlanError;
use super::model::{Follow, GenPlan, Parent, PickMode, pick_fk, shared_key};
use super::shared::names;
use super::tables::Resolved;
use crate::generate::spec::Spec;
use crate::schema::ForeignKey;

/// Groups the followers' parents of every table of `plan`, in insert order.
pub(super) fn group_all(
    plan: &mut GenPlan,
    resolved: &Resolved<'_>,
    spec: &Spec,
) -> Result<(), PlanError> {
    for (k, (table_spec, _)) in resolved.tables.iter().enumerate() {
        index(plan, k).map_err(|message| {
            spec.error(
                table_spec.line,
                format!("tables.{}", table_spec.name),
                message,
            )
        })?;
    }
    Ok(())
}

/// For the followers of table `t`: groups their parent rows by shared values, and settles
/// which parents each leader may pick. Parent tables must come before `t` (or be rows read
/// from the database). Returns the message of a spec that cannot be met.
fn index(plan: &mut GenPlan, t: usize) -> Result<(), String> {
    let followers: Vec<usize> = (0..plan.tables[t].picks.len())
        .filter(|&p| plan.tables[t].picks[p].follows.is_some())
        .collect();
    if followers.is_empty() {
        return Ok(());
    }
    refuse_later_parents(plan, t)?;
    for &f in &followers {
        let groups = group_parents(plan, t, f);
        if let Some(follow) = plan.tables[t].picks[f].follows.as_mut() {
            follow.groups = groups;
        }
    }
    let mut leaders: Vec<usize> = followers
        .iter()
        .filter_map(|&f| plan.tables[t].picks[f].follows.as_ref().map(|x| x.leader))
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    for leader in leaders {
        let candidates = settle_leader(plan, t, leader, &followers)?;
        plan.tables[t].picks[leader].candidates = candidates;
    }
    Ok(())
}

/// A parent table loaded later (a cycle) whose own keys follow others is not grouped yet:
/// its keys could not be computed here.
fn refuse_later_parents(plan: &GenPlan, t: usize) -> Result<(), String> {
    let table = &plan.tables[t];
    for pick in &table.picks {
        if let Parent::Planned { table: q, .. } = pick.parent
            && q >= t
            && plan.tables[q].picks.iter().any(|p| p.follows.is_some())
        {
            return Err(format!(
                "{} references {}, which is loaded after it and has keys sharing columns: \
                 fixtura cannot make those agree across a foreign-key cycle; fill the columns in \
                 the spec",
                table.display, plan.tables[q].display
            ));
        }
    }
    Ok(())
}

/// Follower `f`'s parent rows by their shared values, each list ascending.
fn group_parents(plan: &GenPlan, t: usize, f: usize) -> HashMap<String, Vec<u64>> {
    let pick = &plan.tables[t].picks[f];
    let parts = &pick.follows.as_ref().expect("BUG: a follower").parts;
    let mut groups: HashMap<String, Vec<u64>> = HashMap::new();
    for j in 0..pick.parent.len() {
        if let Some(key) = shared_key(&plan.parent_key(t, f, j), parts) {
            groups.entry(key).or_default().push(j);
        }
    }
    groups
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
    let settling = Settling {
        plan,
        t,
        leader,
        followers: followers
            .iter()
            .filter_map(|&f| table.picks[f].follows.as_ref().map(|x| (f, x)))
            .filter(|(_, x)| x.leader == leader)
            .collect(),
    };
    let n = table.picks[leader].parent.len();
    let mut candidates = Vec::new();
    for j in 0..n {
        if settling.fits(j)? {
            candidates.push(j);
        }
    }
    if candidates.len() as u64 == n {
        return Ok(None);
    }
    if candidates.is_empty() {
        return Err(settling.none_fits());
    }
    Ok(Some(candidates))
}

/// One leader of table `t` and the keys that follow it.
struct Settling<'a> {
    plan: &'a GenPlan,
    t: usize,
    leader: usize,
    followers: Vec<(usize, &'a Follow)>,
}

impl Settling<'_> {
    /// Whether the leader may pick parent row `j`: every follower can match it. A leader
    /// fixed by its group cannot skip a row, so a row no follower matches is refused.
    fn fits(&self, j: u64) -> Result<bool, String> {
        let pick = &self.plan.tables[self.t].picks[self.leader];
        let free = matches!(pick.mode, PickMode::Random(_));
        // Rows of a fixed leader that no row uses need no match.
        let used = match (&pick.mode, &self.plan.tables[self.t].group) {
            (PickMode::Group, Some(group)) => {
                group.prefix[j as usize + 1] - group.prefix[j as usize]
            }
            _ => 1,
        };
        let key = self.plan.parent_key(self.t, self.leader, j);
        for &(f, follow) in &self.followers {
            let Some(shared) = shared_key(&key, &follow.leader_parts) else {
                continue;
            };
            let size = follow.groups.get(&shared).map_or(0, Vec::len) as u64;
            let distinct = self.plan.tables[self.t].picks[f].mode == PickMode::DistinctInGroup;
            if distinct && used > size && used > 0 {
                return Err(self.too_few_distinct(f, follow, used, size));
            }
            if size == 0 && !follow.nullable && used > 0 {
                if free {
                    return Ok(false);
                }
                return Err(self.unmatched(f, follow));
            }
        }
        Ok(true)
    }

    fn too_few_distinct(&self, f: usize, follow: &Follow, used: u64, size: u64) -> String {
        format!(
            "{used} distinct rows of {} are asked for a row of {}, but only {size} share its {} \
             (foreign keys {} must agree on it): lower the count, or generate more {}",
            self.parent_name(f),
            self.parent_name(self.leader),
            shared_columns(self.fk(f), &follow.parts),
            names(&[self.fk(self.leader), self.fk(f)]),
            self.parent_name(f),
        )
    }

    fn unmatched(&self, f: usize, follow: &Follow) -> String {
        let shared = shared_columns(self.fk(f), &follow.parts);
        let own = own_columns(self.fk(f), &follow.parts);
        let (from, to) = (self.parent_name(self.leader), self.parent_name(f));
        format!(
            "foreign keys {} must agree on {shared}, but a row of {from} has a {shared} that no \
             row of {to} has, and {own} cannot be NULL: generate {to} for every {shared} of \
             {from}, or make {own} nullable",
            names(&[self.fk(self.leader), self.fk(f)]),
        )
    }

    fn none_fits(&self) -> String {
        let (f, follow) = self.followers[0];
        let shared = shared_columns(self.fk(f), &follow.parts);
        format!(
            "foreign keys {} must agree on {shared}, but no row of {} shares its {shared} with a \
             row of {}: generate parents that share it",
            names(&[self.fk(self.leader), self.fk(f)]),
            self.parent_name(self.leader),
            self.parent_name(f),
        )
    }

    fn fk(&self, p: usize) -> &ForeignKey {
        let table = &self.plan.tables[self.t];
        pick_fk(&table.table, &table.picks[p]).expect("BUG: every pick has its foreign key")
    }

    /// The name of the table pick `p` references.
    fn parent_name(&self, p: usize) -> String {
        let pick = &self.plan.tables[self.t].picks[p];
        match &pick.parent {
            Parent::Planned { table, .. } => self.plan.tables[*table].display.clone(),
            Parent::Existing { .. } => pick_fk(&self.plan.tables[self.t].table, pick)
                .map_or_else(String::new, |fk| fk.referenced_table.name.clone()),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::super::fake_db::*;
    use super::*;
    use crate::schema::Schema;
    use crate::value::{Row, Value};

    /// Tenants; projects and users within a tenant; tasks referencing both by keys sharing
    /// `tenant_id`, the assignee optional.
    fn tenants() -> Schema {
        let tenant = |t: TableDef| t.foreign_key("t_fkey", &["tenant_id"], "tenants", &["id"]);
        Schema {
            tables: vec![
                table("tenants", vec![int("id")])
                    .primary_key(&["id"])
                    .done(),
                tenant(
                    table("projects", vec![int("tenant_id"), int("id")])
                        .primary_key(&["tenant_id", "id"]),
                )
                .done(),
                tenant(
                    table("users", vec![int("tenant_id"), int("id")])
                        .primary_key(&["tenant_id", "id"]),
                )
                .done(),
                table(
                    "tasks",
                    vec![
                        int("id"),
                        int("tenant_id"),
                        int("project_id"),
                        nullable(int("assignee_id")),
                    ],
                )
                .primary_key(&["id"])
                .foreign_key(
                    "a_assignee",
                    &["assignee_id", "tenant_id"],
                    "users",
                    &["id", "tenant_id"],
                )
                .foreign_key(
                    "b_project",
                    &["tenant_id", "project_id"],
                    "projects",
                    &["tenant_id", "id"],
                )
                .done(),
            ],
            // In this order, not sorted: the schema as this test always had it.
            ..schema(vec![])
        }
    }

    fn rows(spec: &str) -> Result<(GenPlan, Vec<Vec<Row>>), String> {
        let plan = plan_text(&tenants(), spec)?;
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

    /// Two tenants; projects and users spread evenly over them.
    fn even(projects: u64, users: u64) -> String {
        let even = "columns.tenant_id = { distribution = \"even\" }";
        format!(
            "[tables.tenants]\nrows = 2\n[tables.projects]\nrows = {projects}\n{even}\n\
             [tables.users]\nrows = {users}\n{even}\n"
        )
    }

    #[test]
    fn more_distinct_rows_per_parent_than_share_its_value_are_refused() {
        let spec = format!(
            "{}[tables.memberships]\nper = {{ table = \"projects\", count = 2 }}\n",
            even(2, 2)
        );
        assert_eq!(
            refused(&tenancy(), &spec),
            "spec.toml:9: tables.memberships: 2 distinct rows of users are asked for a row of \
             projects, but only 1 share its tenant_id (foreign keys \"memberships_project_fkey\" \
             and \"memberships_user_fkey\" must agree on it): lower the count, or generate more \
             users"
        );
    }

    #[test]
    fn a_fixed_leader_whose_shared_value_no_follower_has_is_refused() {
        let spec = format!(
            "{}[tables.memberships]\nper = {{ table = \"projects\", count = 1 }}\n",
            even(2, 1)
        );
        assert_eq!(
            refused(&tenancy(), &spec),
            "spec.toml:9: tables.memberships: foreign keys \"memberships_project_fkey\" and \
             \"memberships_user_fkey\" must agree on tenant_id, but a row of projects has a \
             tenant_id that no row of users has, and user_id cannot be NULL: generate users for \
             every tenant_id of projects, or make user_id nullable"
        );
    }

    /// [`tenancy`] with reviews: a project and a reviewer of the same tenant, both required.
    fn reviews() -> Schema {
        let reviews = table(
            "reviews",
            vec![
                int("id"),
                int("tenant_id"),
                int("project_id"),
                int("user_id"),
            ],
        )
        .primary_key(&["id"])
        .foreign_key(
            "reviews_project_fkey",
            &["tenant_id", "project_id"],
            "projects",
            &["tenant_id", "id"],
        )
        .foreign_key(
            "reviews_user_fkey",
            &["tenant_id", "user_id"],
            "users",
            &["tenant_id", "id"],
        )
        .done();
        tenancy_with(vec![reviews])
    }

    #[test]
    fn a_free_leader_picks_only_parents_its_followers_can_match() {
        let spec = format!("{}[tables.reviews]\nrows = 40\n", even(4, 1));
        let plan = plan_text(&reviews(), &spec).expect("plans");
        let rows = rows_of(&plan);
        let user_tenants = column_of(&plan, &rows, "users", "tenant_id");
        let tenants = column_of(&plan, &rows, "reviews", "tenant_id");
        assert!(tenants.iter().all(|t| t == &user_tenants[0]), "{tenants:?}");
        assert!(tenants.iter().all(|t| t != &Value::Null));
    }

    #[test]
    fn a_free_leader_with_no_parent_to_share_is_refused() {
        let spec = "[tables.projects]\nrows = 2\ncolumns.tenant_id = { const = 1 }\n\
                    [tables.users]\nrows = 2\ncolumns.tenant_id = { const = 2 }\n\
                    [tables.reviews]\nrows = 5\n";
        assert_eq!(
            refused(&reviews(), spec),
            "spec.toml:7: tables.reviews: foreign keys \"reviews_project_fkey\" and \
             \"reviews_user_fkey\" must agree on tenant_id, but no row of projects shares its \
             tenant_id with a row of users: generate parents that share it"
        );
    }
}
