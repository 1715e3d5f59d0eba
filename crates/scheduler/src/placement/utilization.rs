//! Utilization and placement strategies (`pcmk_sched_utilization.c`): node
//! capacity consumed by assigned resources, and bans from nodes without
//! room for a resource and what is colocated with it.

use std::collections::BTreeMap;

use super::engine::{utilization_value, Engine, INF};
use crate::state::{NodeId, ResourceKind, RscId};

impl Engine<'_> {
    /// `pcmk__consume_node_capacity`.
    pub fn consume_capacity(&mut self, node: NodeId, rsc: RscId) {
        let util = self.r[rsc.0].utilization.clone();
        let cap = &mut self.n[node.0].utilization;
        for (k, v) in util {
            let cur = cap.get(&k).copied();
            let result = match cur {
                Some(c) => c - utilization_value(&v),
                None => 0,
            };
            cap.insert(k, result);
        }
    }

    /// `pcmk__release_node_capacity`.
    pub fn release_capacity(&mut self, node: NodeId, rsc: RscId) {
        let util = self.r[rsc.0].utilization.clone();
        let cap = &mut self.n[node.0].utilization;
        add_utilization_to(cap, &util);
    }

    /// `pcmk__compare_node_capacities`: negative when `a` has more room.
    pub fn compare_node_capacities(&self, a: NodeId, b: NodeId) -> i32 {
        let (ua, ub) = (&self.n[a.0].utilization, &self.n[b.0].utilization);
        let mut result = 0;
        for (k, &c1) in ua {
            let c2 = ub.get(k).copied().unwrap_or(0);
            if c1 > c2 {
                result -= 1;
            } else if c1 < c2 {
                result += 1;
            }
        }
        for (k, &c2) in ub {
            if ua.contains_key(k) {
                continue;
            }
            if 0 > c2 {
                result -= 1;
            } else if 0 < c2 {
                result += 1;
            }
        }
        result
    }

    fn have_enough_capacity(&self, node: NodeId, util: &BTreeMap<String, i64>) -> bool {
        util.iter().all(|(k, &required)| {
            let remaining = self.n[node.0].utilization.get(k).copied().unwrap_or(0);
            required <= remaining
        })
    }

    /// `pcmk__ban_insufficient_capacity`: the node with most room when no
    /// node has enough for the resource and everything colocated with it.
    pub fn ban_insufficient_capacity(&mut self, rsc: RscId) -> Option<NodeId> {
        if self
            .st
            .options
            .placement_strategy
            .eq_ignore_ascii_case("default")
        {
            return None;
        }
        let mut colocated = Vec::new();
        self.colocated_resources(rsc, None, &mut colocated);
        if !colocated.contains(&rsc) {
            colocated.push(rsc);
        }
        let mut unallocated: BTreeMap<String, i64> = BTreeMap::new();
        for &r in &colocated {
            self.add_utilization(r, &colocated, &mut unallocated);
        }
        let own: BTreeMap<String, i64> = self.r[rsc.0]
            .utilization
            .iter()
            .map(|(k, v)| (k.clone(), utilization_value(v)))
            .collect();
        let mut any_capable = false;
        let mut most: Option<NodeId> = None;
        let nodes = self.hash_order(rsc);
        for &(n, w) in &nodes {
            if !self.available(n, w, true, false) {
                continue;
            }
            if self.have_enough_capacity(n, &unallocated) {
                any_capable = true;
            }
            if most.map_or(true, |m| self.compare_node_capacities(n, m) < 0) {
                most = Some(n);
            }
        }
        let wanted = if any_capable { &unallocated } else { &own };
        for &(n, w) in &nodes {
            if self.available(n, w, true, false) && !self.have_enough_capacity(n, wanted) {
                self.resource_location(rsc, n, -INF);
            }
        }
        if any_capable {
            None
        } else {
            most
        }
    }

    /// The resource's allowed nodes in the order Pacemaker's hash table
    /// walks them (it decides which of equally roomy nodes is "most free").
    fn hash_order(&self, rsc: RscId) -> Vec<(NodeId, i32)> {
        let mut keys: Vec<NodeId> = self
            .st
            .node_order
            .iter()
            .copied()
            .filter(|n| self.r[rsc.0].allowed.contains_key(n))
            .collect();
        for &n in self.r[rsc.0].allowed.keys() {
            if !keys.contains(&n) {
                keys.push(n);
            }
        }
        let names: Vec<String> = keys.iter().map(|&n| self.st.node(n).id.clone()).collect();
        super::ghash::iteration_order(&names, 0)
            .into_iter()
            .map(|i| (keys[i], self.r[rsc.0].allowed[&keys[i]].weight))
            .collect()
    }

    /// `colocated_resources` of the resource's kind.
    pub fn colocated_resources(&self, rsc: RscId, orig: Option<RscId>, list: &mut Vec<RscId>) {
        let orig = orig.unwrap_or(rsc);
        if let ResourceKind::Group = self.kind(rsc) {
            let members = &self.r[rsc.0].children;
            if self.group_colocated(rsc) || self.rsc_is_clone(self.parent(rsc)) {
                for &m in members {
                    self.colocated_resources(m, Some(orig), list);
                }
            } else if let Some(&first) = members.first() {
                self.colocated_resources(first, Some(orig), list);
            }
        }
        self.colocated_common(rsc, orig, list);
    }

    /// `pcmk__colocated_resources`.
    fn colocated_common(&self, rsc: RscId, orig: RscId, list: &mut Vec<RscId>) {
        if list.contains(&rsc) {
            return;
        }
        list.push(rsc);
        for &c in &self.r[rsc.0].this_with {
            let co = &self.colocations[c];
            let primary = co.primary;
            if primary == orig {
                continue;
            }
            if co.score.value() == INF && self.affects_location_preview(rsc, primary, c) {
                self.colocated_resources(primary, Some(orig), list);
            }
        }
        for &c in &self.r[rsc.0].with_this {
            let co = &self.colocations[c];
            let dependent = co.dependent;
            if dependent == orig {
                continue;
            }
            if self.is_clone(rsc) && !self.is_clone(dependent) {
                continue;
            }
            if co.score.value() == INF && self.affects_location_preview(dependent, rsc, c) {
                self.colocated_resources(dependent, Some(orig), list);
            }
        }
    }

    /// `pcmk__colocation_affects(..., preview=true) == location`.
    fn affects_location_preview(&self, dependent: RscId, primary: RscId, coloc: usize) -> bool {
        let c = &self.colocations[coloc];
        let (d, p) = (&self.r[dependent.0], &self.r[primary.0]);
        if c.dependent_role >= crate::state::Role::Unpromoted
            && self
                .parent(dependent)
                .is_some_and(|par| self.promotable(par))
            && !d.provisional
        {
            return false;
        }
        let score = c.score.value();
        use crate::state::Role::Unknown;
        if score > 0 && c.dependent_role != Unknown && c.dependent_role != d.next_role {
            return false;
        }
        if score > 0 && c.primary_role != Unknown && c.primary_role != p.next_role {
            return false;
        }
        if score < 0 && c.dependent_role != Unknown && c.dependent_role == d.next_role {
            return false;
        }
        if score < 0 && c.primary_role != Unknown && c.primary_role == p.next_role {
            return false;
        }
        true
    }

    /// `add_utilization` of the resource's kind.
    fn add_utilization(&self, rsc: RscId, all: &[RscId], out: &mut BTreeMap<String, i64>) {
        if !self.r[rsc.0].provisional {
            return;
        }
        match self.kind(rsc) {
            ResourceKind::Primitive(_) => add_utilization_to(out, &self.r[rsc.0].utilization),
            ResourceKind::Group => {
                let members = &self.r[rsc.0].children;
                if self.group_colocated(rsc) || self.rsc_is_clone(self.parent(rsc)) {
                    for &m in members {
                        if self.r[m.0].provisional && !all.contains(&m) {
                            self.add_utilization(m, all, out);
                        }
                    }
                } else if let Some(&first) = members.first() {
                    if self.r[first.0].provisional && !all.contains(&first) {
                        self.add_utilization(first, all, out);
                    }
                }
            }
            ResourceKind::Clone(_) => {
                let mut existing = false;
                for &child in &self.r[rsc.0].children {
                    if all.contains(&child) {
                        existing = true;
                    } else {
                        for &m in &self.r[child.0].children {
                            if all.contains(&m) {
                                self.add_utilization(child, all, out);
                                existing = true;
                                break;
                            }
                        }
                    }
                }
                if !existing {
                    if let Some(&first) = self.r[rsc.0].children.first() {
                        self.add_utilization(first, all, out);
                    }
                }
            }
            ResourceKind::Bundle(b) => {
                if let Some(rep) = b.replicas.first() {
                    self.add_utilization(rep.container, all, out);
                }
            }
        }
    }
}

/// Adds a resource's utilization to a running total
/// (`update_utilization_value` with `plus`).
fn add_utilization_to(total: &mut BTreeMap<String, i64>, util: &BTreeMap<String, String>) {
    for (k, v) in util {
        let cur = total.get(k).copied().unwrap_or(0);
        total.insert(k.clone(), cur + utilization_value(v));
    }
}
