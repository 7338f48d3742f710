//! Choosing which foreign keys of a strongly connected component to break: the cheapest
//! set, by a greedy first answer improved by a bounded branch and bound.

use std::cmp::Reverse;
use std::collections::VecDeque;

use super::BreakStrategy;

/// What breaking one foreign key costs, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Price {
    NullThenUpdate,
    Deferred,
    SessionSwitch,
    /// Nothing can break it: infinitely expensive.
    Unbreakable,
}

impl Price {
    pub(super) fn of(strategy: Option<BreakStrategy>) -> Price {
        match strategy {
            Some(BreakStrategy::NullThenUpdate) => Price::NullThenUpdate,
            Some(BreakStrategy::Deferred) => Price::Deferred,
            Some(BreakStrategy::SessionSwitch) => Price::SessionSwitch,
            // Self-references never reach the breaker; treat one as unbreakable if it did.
            Some(BreakStrategy::SelfReference) | None => Price::Unbreakable,
        }
    }
}

/// What a set of breaks costs: how many keys of each price, the most expensive first.
/// Compared lexicographically, so one key fewer of a dearer kind outweighs any number of
/// cheaper ones, and among equally dear sets the smaller wins.
pub(super) type Bill = [u32; 4];

pub(super) fn add(mut bill: Bill, price: Price) -> Bill {
    bill[Price::Unbreakable as usize - price as usize] += 1;
    bill
}

/// Searching for the cheapest set of breaks is exponential in the worst case; components
/// this large keep the greedy answer, and every search stops after this many steps.
pub(super) const SEARCH_MAX_ARCS: usize = 64;
pub(super) const SEARCH_STEPS: usize = 5_000;

/// One foreign key between two distinct tables of a component, in local node numbers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arc {
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) price: Price,
}

/// A strongly connected component reduced to what choosing its breaks needs. Arcs are
/// numbered in (child table, constraint) order, and ties always go to the lower number.
pub(super) struct Component {
    arcs: Vec<Arc>,
    /// Per node, its outgoing arcs in ascending number.
    outgoing: Vec<Vec<usize>>,
}

/// The cheapest set of breaks found so far.
pub(super) struct Best {
    broken: Vec<usize>,
    bill: Bill,
}

impl Component {
    pub(super) fn new(nodes: usize, arcs: Vec<Arc>) -> Self {
        let mut outgoing = vec![Vec::new(); nodes];
        for (i, arc) in arcs.iter().enumerate() {
            outgoing[arc.from].push(i);
        }
        Component { arcs, outgoing }
    }

    /// The arcs to break, ascending: with them gone the component is acyclic, the bill is
    /// as low as could be found, and no single break could be given back.
    pub(super) fn choose_breaks(&self) -> Vec<usize> {
        let greedy = self.greedy();
        let mut best = Best {
            bill: self.bill(&greedy),
            broken: greedy,
        };
        if self.arcs.len() <= SEARCH_MAX_ARCS {
            let mut active = vec![true; self.arcs.len()];
            let mut forbidden = vec![false; self.arcs.len()];
            let mut steps = SEARCH_STEPS;
            let mut broken = Vec::new();
            self.search(
                &mut active,
                &mut forbidden,
                &mut broken,
                [0; 4],
                &mut best,
                &mut steps,
            );
        }
        let mut broken = self.restore(&best.broken);
        broken.sort_unstable();
        broken
    }

    /// Repeatedly breaks the cheapest arc of a shortest remaining cycle, then gives back
    /// what turned out not to be needed.
    pub(super) fn greedy(&self) -> Vec<usize> {
        let mut active = vec![true; self.arcs.len()];
        let mut broken = Vec::new();
        while let Some(cycle) = self.shortest_cycle(&active) {
            let cheapest = cycle
                .into_iter()
                .min_by_key(|&arc| (self.arcs[arc].price, arc))
                .expect("BUG: a cycle has at least one arc");
            active[cheapest] = false;
            broken.push(cheapest);
        }
        self.restore(&broken)
    }

    /// Branch and bound: every solution must break some arc of any remaining cycle, so
    /// branch on the arcs of a shortest one, cheapest first. An arc tried in one branch is
    /// kept in its later siblings, so no set is visited twice.
    pub(super) fn search(
        &self,
        active: &mut [bool],
        forbidden: &mut [bool],
        broken: &mut Vec<usize>,
        bill: Bill,
        best: &mut Best,
        steps: &mut usize,
    ) {
        if *steps == 0 {
            return;
        }
        *steps -= 1;
        let Some(mut cycle) = self.shortest_cycle(active) else {
            if bill < best.bill {
                best.bill = bill;
                best.broken = broken.clone();
            }
            return;
        };
        cycle.retain(|&arc| !forbidden[arc]);
        cycle.sort_unstable_by_key(|&arc| (self.arcs[arc].price, arc));
        let mut taken = 0;
        for &arc in &cycle {
            let next = add(bill, self.arcs[arc].price);
            // Candidates are sorted by price, so every later one costs at least as much.
            if next >= best.bill {
                break;
            }
            active[arc] = false;
            broken.push(arc);
            self.search(active, forbidden, broken, next, best, steps);
            broken.pop();
            active[arc] = true;
            forbidden[arc] = true;
            taken += 1;
        }
        for &arc in &cycle[..taken] {
            forbidden[arc] = false;
        }
    }

    /// Gives back broken arcs whose return creates no cycle, the most expensive and the
    /// latest broken first; returns the rest in the order they were broken.
    pub(super) fn restore(&self, broken: &[usize]) -> Vec<usize> {
        let mut active = vec![true; self.arcs.len()];
        for &arc in broken {
            active[arc] = false;
        }
        let mut order: Vec<(usize, usize)> = broken.iter().copied().enumerate().collect();
        order.sort_by_key(|&(position, arc)| (Reverse(self.arcs[arc].price), Reverse(position)));
        for (_, arc) in order {
            active[arc] = true;
            if !self.is_acyclic(&active) {
                active[arc] = false;
            }
        }
        broken.iter().copied().filter(|&arc| !active[arc]).collect()
    }

    pub(super) fn bill(&self, broken: &[usize]) -> Bill {
        broken
            .iter()
            .fold([0; 4], |bill, &arc| add(bill, self.arcs[arc].price))
    }

    /// A shortest cycle of active arcs (breadth-first from each node in turn; the first
    /// found of the least length), as its arcs.
    pub(super) fn shortest_cycle(&self, active: &[bool]) -> Option<Vec<usize>> {
        let nodes = self.outgoing.len();
        let mut best: Option<Vec<usize>> = None;
        for start in 0..nodes {
            let mut via: Vec<Option<usize>> = vec![None; nodes];
            let mut seen = vec![false; nodes];
            seen[start] = true;
            let mut queue = VecDeque::from([start]);
            let mut closing = None;
            'search: while let Some(node) = queue.pop_front() {
                for &arc in &self.outgoing[node] {
                    if !active[arc] {
                        continue;
                    }
                    let to = self.arcs[arc].to;
                    if to == start {
                        closing = Some(arc);
                        break 'search;
                    }
                    if !seen[to] {
                        seen[to] = true;
                        via[to] = Some(arc);
                        queue.push_back(to);
                    }
                }
            }
            let Some(closing) = closing else { continue };
            let mut cycle = vec![closing];
            let mut node = self.arcs[closing].from;
            while node != start {
                let arc = via[node].expect("BUG: every reached node was reached by an arc");
                cycle.push(arc);
                node = self.arcs[arc].from;
            }
            cycle.reverse();
            if best.as_ref().is_none_or(|b| cycle.len() < b.len()) {
                let shortest_possible = cycle.len() == 2;
                best = Some(cycle);
                if shortest_possible {
                    break;
                }
            }
        }
        best
    }

    pub(super) fn is_acyclic(&self, active: &[bool]) -> bool {
        let nodes = self.outgoing.len();
        let mut waiting = vec![0usize; nodes];
        for (i, arc) in self.arcs.iter().enumerate() {
            if active[i] {
                waiting[arc.to] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..nodes).filter(|&n| waiting[n] == 0).collect();
        let mut done = 0;
        while let Some(node) = ready.pop() {
            done += 1;
            for &arc in &self.outgoing[node] {
                if active[arc] {
                    let to = self.arcs[arc].to;
                    waiting[to] -= 1;
                    if waiting[to] == 0 {
                        ready.push(to);
                    }
                }
            }
        }
        done == nodes
    }
}
