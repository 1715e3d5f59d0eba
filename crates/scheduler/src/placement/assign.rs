//! Assignment of resources to nodes (`allocate_resources` and each kind's
//! `assign` method), with colocation scoring: "this with" colocations
//! applied once the primary is placed, "with this" preferences merged in
//! attenuated (`pcmk__add_colocated_node_scores`), clone instances
//! distributed over nodes, bundle replicas placed with their containers.

use std::cmp::Ordering;

use super::engine::{
    add, str_eq_ci, Engine, Entry, Table, INF, INFINITY_HACK, SELECT_ACTIVE, SELECT_NONNEGATIVE,
    SELECT_THIS_WITH,
};
use super::Colocation;
use crate::state::{NodeId, ResourceKind, Role, RscId};
use crate::util::glib_sort;

/// What a colocation affects at this point (`enum pcmk__coloc_affects`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Affects {
    Nothing,
    Location,
    Role,
}

impl Engine<'_> {
    // -- the top-level loop -------------------------------------------------

    /// `allocate_resources`.
    pub fn allocate_resources(&mut self) {
        if !self
            .st
            .options
            .placement_strategy
            .eq_ignore_ascii_case("default")
        {
            self.sort_resources();
        }
        if self.have_remote_nodes {
            for rsc in self.order.clone() {
                let r = self.st.rsc(rsc);
                if r.is_remote_node {
                    self.assign(rsc, r.partial_migration_target);
                }
            }
        }
        for rsc in self.order.clone() {
            if !self.st.rsc(rsc).is_remote_node {
                self.assign(rsc, None);
            }
        }
    }

    /// `rsc->cmds->assign`.
    pub fn assign(&mut self, rsc: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
        match self.kind(rsc) {
            ResourceKind::Primitive(_) => self.primitive_assign(rsc, prefer),
            ResourceKind::Group => self.group_assign(rsc, prefer),
            ResourceKind::Clone(_) => self.clone_assign(rsc, prefer),
            ResourceKind::Bundle(_) => self.bundle_assign(rsc, prefer),
        }
    }

    // -- primitives ---------------------------------------------------------

    /// `pcmk__primitive_assign`.
    fn primitive_assign(&mut self, rsc: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
        if let Some(p) = self.parent(rsc) {
            if !self.r[p.0].allocating {
                self.assign(p, prefer);
            }
        }
        if !self.r[rsc.0].provisional {
            return self.r[rsc.0].allocated.map(|a| a.0);
        }
        if self.r[rsc.0].allocating {
            return None;
        }
        self.r[rsc.0].allocating = true;
        for c in self.r[rsc.0].this_with.clone() {
            self.apply_this_with(rsc, c);
        }
        for c in self.r[rsc.0].with_this.clone() {
            self.apply_with_this(rsc, c);
        }
        let (role, next_role) = (self.r[rsc.0].role, self.r[rsc.0].next_role);
        if next_role == Role::Stopped {
            self.resource_location_all(rsc, -INF);
        } else if next_role > role
            && !self.st.have_quorum
            && self.st.options.no_quorum_policy == crate::state::NoQuorumPolicy::Freeze
        {
            self.r[rsc.0].next_role = role;
        }
        self.show_scores("pcmk__primitive_assign", rsc);
        if self.st.options.stonith_enabled && !self.st.options.have_stonith_resource {
            self.r[rsc.0].managed = false;
        }
        if !self.r[rsc.0].managed {
            self.r[rsc.0].next_role = self.r[rsc.0].role;
            let to = self.current_node(rsc);
            let entry = to.map(|n| Entry {
                weight: self.node_weight(n),
                count: 0,
                discover: super::Discovery::Always,
            });
            self.finalize(rsc, to.zip(entry), true);
        } else if self.st.options.stop_all_resources {
            self.finalize(rsc, None, true);
        } else if self.r[rsc.0].provisional && self.assign_best_node(rsc, prefer) {
        }
        self.r[rsc.0].allocating = false;
        if self.st.rsc(rsc).is_remote_node {
            self.remote_connection_assigned(rsc);
        }
        self.r[rsc.0].allocated.map(|a| a.0)
    }

    /// `pcmk__sort_nodes` over a resource's table (or any table).
    pub fn sort_nodes(&self, table: &Table, active: Option<NodeId>) -> Vec<(NodeId, Entry)> {
        let items: Vec<(NodeId, Entry)> = table.iter().map(|(&n, &e)| (n, e)).collect();
        // GLib sorts the hash table's values; ties are broken by name, so the
        // starting order only matters for exact duplicates.
        glib_sort(items, &mut |a: &(NodeId, Entry), b: &(NodeId, Entry)| {
            self.compare_nodes(a, b, active)
        })
    }

    /// `compare_nodes`.
    fn compare_nodes(
        &self,
        a: &(NodeId, Entry),
        b: &(NodeId, Entry),
        active: Option<NodeId>,
    ) -> Ordering {
        let w1 = if self.available(a.0, a.1.weight, false, false) {
            a.1.weight
        } else {
            -INF
        };
        let w2 = if self.available(b.0, b.1.weight, false, false) {
            b.1.weight
        } else {
            -INF
        };
        if w1 > w2 {
            return Ordering::Less;
        }
        if w1 < w2 {
            return Ordering::Greater;
        }
        let strategy = &self.st.options.placement_strategy;
        let name_cmp = || {
            self.st
                .node(a.0)
                .uname
                .as_bytes()
                .cmp(self.st.node(b.0).uname.as_bytes())
        };
        if strategy.eq_ignore_ascii_case("minimal") {
            return name_cmp();
        }
        if strategy.eq_ignore_ascii_case("balanced") {
            let r = self.compare_node_capacities(a.0, b.0);
            if r < 0 {
                return Ordering::Less;
            } else if r > 0 {
                return Ordering::Greater;
            }
        }
        let (n1, n2) = (self.n[a.0 .0].num_resources, self.n[b.0 .0].num_resources);
        if n1 < n2 {
            return Ordering::Less;
        }
        if n1 > n2 {
            return Ordering::Greater;
        }
        if let Some(act) = active {
            if act == a.0 {
                return Ordering::Less;
            }
            if act == b.0 {
                return Ordering::Greater;
            }
        }
        name_cmp()
    }

    /// `assign_best_node`.
    fn assign_best_node(&mut self, rsc: RscId, prefer: Option<NodeId>) -> bool {
        let most_free = self.ban_insufficient_capacity(rsc);
        let prefer = prefer.or(most_free);
        if !self.r[rsc.0].provisional {
            return self.r[rsc.0].allocated.is_some();
        }
        let nodes = self.sort_nodes(&self.r[rsc.0].allowed, self.current_node(rsc));
        let best = nodes.first().copied();
        let mut chosen: Option<(NodeId, Entry)> = None;
        if let (Some(p), Some(best)) = (prefer, best) {
            if let Some(&e) = self.r[rsc.0].allowed.get(&p) {
                if e.weight >= best.1.weight && self.available(p, e.weight, true, false) {
                    chosen = Some((p, e));
                }
            }
        }
        if chosen.is_none() {
            if let Some(b) = best {
                chosen = Some(b);
                let parent_unique_clone = self
                    .parent(rsc)
                    .is_some_and(|p| self.is_clone(p) && self.st.rsc(p).flags.unique);
                if !parent_unique_clone
                    && b.1.weight > 0
                    && self.available(b.0, b.1.weight, false, false)
                {
                    if let Some(running) = self.current_node(rsc) {
                        if self.available(running, self.node_weight(running), true, false) {
                            for item in nodes.iter().skip(1) {
                                if item.1.weight != b.1.weight {
                                    break;
                                }
                                if item.0 == running {
                                    chosen = Some(*item);
                                }
                            }
                        }
                    }
                }
            }
        }
        self.finalize(rsc, chosen, false)
    }

    /// `pcmk__finalize_assignment`.
    pub fn finalize(&mut self, rsc: RscId, chosen: Option<(NodeId, Entry)>, force: bool) -> bool {
        let mut chosen = chosen;
        if let (false, Some((n, e))) = (force, chosen) {
            if e.weight < 0
                || (!self.available(n, e.weight, true, false) && !self.st.is_guest_node(n))
            {
                self.r[rsc.0].next_role = Role::Stopped;
                chosen = None;
            }
        }
        self.unassign(rsc);
        self.r[rsc.0].provisional = false;
        let Some((node, entry)) = chosen else {
            self.r[rsc.0].next_role = Role::Stopped;
            self.r[rsc.0].finalized_to_none = true;
            return false;
        };
        self.r[rsc.0].allocated = Some((node, entry));
        let w = &mut self.n[node.0];
        w.assigned.insert(0, rsc);
        w.num_resources += 1;
        if let Some(e) = self.r[rsc.0].allowed.get_mut(&node) {
            if *e == entry {
                e.count += 1;
            }
        }
        self.consume_capacity(node, rsc);
        true
    }

    /// `pcmk__unassign_resource` (primitives only).
    pub fn unassign(&mut self, rsc: RscId) {
        let Some((node, _)) = self.r[rsc.0].allocated.take() else {
            return;
        };
        self.r[rsc.0].provisional = true;
        let w = &mut self.n[node.0];
        w.assigned.retain(|&x| x != rsc);
        w.num_resources -= 1;
        self.release_capacity(node, rsc);
    }

    /// `pcmk__assign_resource`: force a resource and its descendants.
    pub fn assign_resource(&mut self, rsc: RscId, node: Option<(NodeId, Entry)>, force: bool) {
        let children = self.r[rsc.0].children.clone();
        if children.is_empty() {
            self.finalize(rsc, node, force);
        } else {
            for c in children {
                self.assign_resource(c, node, force);
            }
        }
    }

    /// `remote_connection_assigned`.
    fn remote_connection_assigned(&mut self, conn: RscId) {
        let Some(node) = self.st.find_node(self.id(conn)) else {
            return;
        };
        let r = &self.r[conn.0];
        if r.allocated.is_some() && r.next_role != Role::Stopped {
            self.n[node.0].online = true;
            if self.st.node(node).unseen {
                self.n[node.0].unclean = false;
            }
        } else {
            self.n[node.0].shutdown = true;
        }
    }

    // -- colocation application ---------------------------------------------

    /// `apply_this_with`.
    fn apply_this_with(&mut self, rsc: RscId, coloc: usize) {
        let c = &self.colocations[coloc];
        let other = c.primary;
        let archive = (c.dependent_role >= Role::Promoted
            || (c.score.value() < 0 && c.score.value() > -INF))
            .then(|| self.r[rsc.0].allowed.clone());
        self.assign(other, None);
        self.apply_coloc(rsc, other, coloc, true);
        if let Some(a) = archive {
            if !self.any_node_available(&self.r[rsc.0].allowed) {
                self.r[rsc.0].allowed = a;
            }
        }
    }

    /// `apply_with_this`.
    fn apply_with_this(&mut self, rsc: RscId, coloc: usize) {
        if !self.has_influence(coloc, None) {
            return;
        }
        let c = &self.colocations[coloc];
        let other = c.dependent;
        let factor = c.score.value() as f32 / INF as f32;
        let attr = c.node_attribute.clone();
        let log_id = self.id(rsc).to_string();
        let table = self.r[rsc.0].allowed.clone();
        let out = self.add_colocated_node_scores(
            other,
            &log_id,
            Some(table),
            attr.as_deref(),
            factor,
            SELECT_ACTIVE,
        );
        if let Some(t) = out {
            self.r[rsc.0].allowed = t;
        }
    }

    /// `rsc->cmds->apply_coloc_score`.
    pub fn apply_coloc(
        &mut self,
        dependent: RscId,
        primary: RscId,
        coloc: usize,
        for_dependent: bool,
    ) {
        if for_dependent {
            match self.kind(dependent) {
                ResourceKind::Primitive(_) => self.apply_coloc(dependent, primary, coloc, false),
                ResourceKind::Group => self.colocate_group_with(dependent, primary, coloc),
                ResourceKind::Clone(_) | ResourceKind::Bundle(_) => {}
            }
            return;
        }
        match self.kind(primary) {
            ResourceKind::Primitive(_) => {
                match self.colocation_affects(dependent, primary, coloc, false) {
                    Affects::Role => self.apply_coloc_to_priority(dependent, primary, coloc),
                    Affects::Location => self.apply_coloc_to_weights(dependent, primary, coloc),
                    Affects::Nothing => {}
                }
            }
            ResourceKind::Group => self.colocate_with_group(dependent, primary, coloc),
            ResourceKind::Clone(_) => self.clone_apply_coloc(dependent, primary, coloc),
            ResourceKind::Bundle(_) => self.bundle_apply_coloc(dependent, primary, coloc),
        }
    }

    /// `pcmk__colocation_affects`.
    fn colocation_affects(
        &self,
        dependent: RscId,
        primary: RscId,
        coloc: usize,
        preview: bool,
    ) -> Affects {
        let c = &self.colocations[coloc];
        let (d, p) = (&self.r[dependent.0], &self.r[primary.0]);
        if !preview && p.provisional {
            return Affects::Nothing;
        }
        if c.dependent_role >= Role::Unpromoted
            && self
                .parent(dependent)
                .is_some_and(|par| self.promotable(par))
            && !d.provisional
        {
            return Affects::Role;
        }
        if !preview && !d.provisional {
            return Affects::Nothing;
        }
        let score = c.score.value();
        if score > 0 && c.dependent_role != Role::Unknown && c.dependent_role != d.next_role {
            return Affects::Nothing;
        }
        if score > 0 && c.primary_role != Role::Unknown && c.primary_role != p.next_role {
            return Affects::Nothing;
        }
        if score < 0 && c.dependent_role != Role::Unknown && c.dependent_role == d.next_role {
            return Affects::Nothing;
        }
        if score < 0 && c.primary_role != Role::Unknown && c.primary_role == p.next_role {
            return Affects::Nothing;
        }
        Affects::Location
    }

    fn coloc_attr(&self, coloc: usize) -> String {
        self.colocations[coloc]
            .node_attribute
            .clone()
            .unwrap_or_else(|| "#id".to_string())
    }

    /// `pcmk__apply_coloc_to_weights`.
    fn apply_coloc_to_weights(&mut self, dependent: RscId, primary: RscId, coloc: usize) {
        let attr = self.coloc_attr(coloc);
        let score = self.colocations[coloc].score.value();
        let primary_node = self.r[primary.0].allocated.map(|a| a.0);
        let value = match primary_node {
            Some(n) => self.attr(n, &attr),
            None if score < 0 => return,
            None => None,
        };
        let mut work = self.r[dependent.0].allowed.clone();
        for (&n, e) in work.iter_mut() {
            if primary_node.is_none() {
                e.weight = add(-score, e.weight);
            } else if str_eq_ci(self.attr(n, &attr), value) {
                if score < INF {
                    e.weight = add(score, e.weight);
                }
            } else if score >= INF {
                e.weight = add(-score, e.weight);
            }
        }
        if score <= -INF || score >= INF || self.any_node_available(&work) {
            self.r[dependent.0].allowed = work;
        }
    }

    /// `pcmk__apply_coloc_to_priority`.
    fn apply_coloc_to_priority(&mut self, dependent: RscId, primary: RscId, coloc: usize) {
        let (Some(pn), Some(dn)) = (
            self.r[primary.0].allocated.map(|a| a.0),
            self.r[dependent.0].allocated.map(|a| a.0),
        ) else {
            return;
        };
        let attr = self.coloc_attr(coloc);
        let c = &self.colocations[coloc];
        if !str_eq_ci(self.attr(dn, &attr), self.attr(pn, &attr)) {
            if c.score.value() == INF && c.dependent_role == Role::Promoted {
                self.r[dependent.0].priority = -INF;
            }
            return;
        }
        if c.primary_role != Role::Unknown && c.primary_role != self.r[primary.0].next_role {
            return;
        }
        let mult = if c.dependent_role == Role::Unpromoted {
            -1
        } else {
            1
        };
        let s = c.score.value();
        self.r[dependent.0].priority = add(mult * s, self.r[dependent.0].priority);
    }

    // -- merging colocated scores -------------------------------------------

    /// `pcmk__add_colocated_node_scores`: returns the new table (`None` when
    /// `nodes` stays as it was).
    pub fn add_colocated_node_scores(
        &mut self,
        rsc: RscId,
        log_id: &str,
        nodes: Option<Table>,
        attr: Option<&str>,
        factor: f32,
        flags: u32,
    ) -> Option<Table> {
        if self.r[rsc.0].merging {
            return nodes;
        }
        self.r[rsc.0].merging = true;
        let work = if self.is_group(rsc) {
            self.init_group_colocated(rsc, log_id, nodes.as_ref(), attr, factor, flags)
        } else {
            Some(match &nodes {
                None => self.r[rsc.0].allowed.clone(),
                Some(t) => {
                    let mut w = t.clone();
                    self.add_node_scores_matching_attr(
                        &mut w,
                        rsc,
                        attr,
                        factor,
                        flags & SELECT_NONNEGATIVE != 0,
                    );
                    w
                }
            })
        };
        let Some(mut work) = work else {
            self.r[rsc.0].merging = false;
            return nodes;
        };
        if self.any_node_available(&work) {
            let list = if flags & SELECT_THIS_WITH != 0 {
                self.r[rsc.0].this_with.clone()
            } else if self.is_group(rsc) {
                match self.r[rsc.0].children.last() {
                    Some(&last) => self.r[last.0].with_this.clone(),
                    None => Vec::new(),
                }
            } else {
                self.r[rsc.0].with_this.clone()
            };
            let multiplier: f32 = if factor < 0.0 { -1.0 } else { 1.0 };
            for c in list {
                let other = if flags & SELECT_THIS_WITH != 0 {
                    self.colocations[c].primary
                } else if !self.has_influence(c, None) {
                    continue;
                } else {
                    self.colocations[c].dependent
                };
                let f = multiplier * self.colocations[c].score.value() as f32 / INF as f32;
                let a = self.colocations[c].node_attribute.clone();
                if let Some(t) = self.add_colocated_node_scores(
                    other,
                    log_id,
                    Some(work.clone()),
                    a.as_deref(),
                    f,
                    flags | SELECT_ACTIVE,
                ) {
                    work = t;
                }
            }
        } else if flags & SELECT_ACTIVE != 0 {
            self.r[rsc.0].merging = false;
            return nodes;
        }
        if flags & SELECT_NONNEGATIVE != 0 {
            for e in work.values_mut() {
                if e.weight == INFINITY_HACK {
                    e.weight = 1;
                }
            }
        }
        self.r[rsc.0].merging = false;
        Some(work)
    }

    /// `init_group_colocated_nodes`.
    fn init_group_colocated(
        &mut self,
        rsc: RscId,
        log_id: &str,
        nodes: Option<&Table>,
        attr: Option<&str>,
        factor: f32,
        flags: u32,
    ) -> Option<Table> {
        let children = &self.r[rsc.0].children;
        let member = match nodes {
            None => *children.last()?,
            Some(_) => *children.first()?,
        };
        self.add_colocated_node_scores(member, log_id, nodes.cloned(), attr, factor, flags)
    }

    /// `add_node_scores_matching_attr`.
    fn add_node_scores_matching_attr(
        &self,
        work: &mut Table,
        rsc: RscId,
        attr: Option<&str>,
        factor: f32,
        only_positive: bool,
    ) {
        let attr = attr.unwrap_or("#uname");
        // A few nodes (an instance's current node) are cheaper to look up
        // one by one; a whole table takes one pass over `rsc`'s nodes.
        let best = (work.len() > 8).then(|| self.best_node_scores_by_attr(rsc, attr));
        for (&n, e) in work.iter_mut() {
            let value = self.attr(n, attr);
            let score = match &best {
                Some(b) => b
                    .get(&value.map(str::to_ascii_lowercase))
                    .copied()
                    .unwrap_or(-INF),
                None => self.best_node_score_matching_attr(rsc, attr, value),
            };
            if factor < 0.0 && score < 0 {
                continue;
            }
            if e.weight == INFINITY_HACK {
                continue;
            }
            let wf = factor * score as f32;
            let mut weight = if wf < 0.0 {
                (wf - 0.5) as i32
            } else {
                (wf + 0.5) as i32
            };
            if weight == 0 && score != 0 {
                if factor > 0.0 {
                    weight = 1;
                } else if factor < 0.0 {
                    weight = -1;
                }
            }
            let new = add(weight, e.weight);
            if only_positive && new < 0 && e.weight > 0 {
                e.weight = INFINITY_HACK;
                continue;
            }
            if only_positive && new < 0 && e.weight == 0 {
                continue;
            }
            e.weight = new;
        }
    }

    /// `best_node_score_matching_attr`.
    fn best_node_score_matching_attr(&self, rsc: RscId, attr: &str, value: Option<&str>) -> i32 {
        let mut best = -INF;
        for (&n, e) in &self.r[rsc.0].allowed {
            if e.weight > best
                && self.available(n, e.weight, false, false)
                && str_eq_ci(value, self.attr(n, attr))
            {
                best = e.weight;
            }
        }
        best
    }

    /// [`Engine::best_node_score_matching_attr`] for every value at once: for each
    /// value of `attr` (in ASCII lower case, as values are compared), the
    /// best score of an available node of `rsc` having it, when above
    /// -INFINITY. One pass over the nodes instead of one per node asked
    /// about.
    fn best_node_scores_by_attr(
        &self,
        rsc: RscId,
        attr: &str,
    ) -> std::collections::HashMap<Option<String>, i32> {
        let mut best = std::collections::HashMap::new();
        for (&n, e) in &self.r[rsc.0].allowed {
            if e.weight > -INF && self.available(n, e.weight, false, false) {
                let value = self.attr(n, attr).map(str::to_ascii_lowercase);
                let b = best.entry(value).or_insert(e.weight);
                if e.weight > *b {
                    *b = e.weight;
                }
            }
        }
        best
    }

    // -- groups -------------------------------------------------------------

    /// `pcmk__group_assign`.
    fn group_assign(&mut self, rsc: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
        if !self.r[rsc.0].provisional {
            return None;
        }
        if self.r[rsc.0].allocating {
            return None;
        }
        let children = self.r[rsc.0].children.clone();
        let Some(&first) = children.first() else {
            self.r[rsc.0].provisional = false;
            return None;
        };
        self.r[rsc.0].allocating = true;
        self.r[rsc.0].role = self.r[first.0].role;
        self.expand_group_colocations(rsc);
        self.show_scores("pcmk__group_assign", rsc);
        let mut first_assigned = None;
        for m in children {
            let node = self.assign(m, prefer);
            if first_assigned.is_none() {
                first_assigned = node;
            }
        }
        self.r[rsc.0].next_role = self.r[first.0].next_role;
        self.r[rsc.0].allocating = false;
        self.r[rsc.0].provisional = false;
        if !self.group_colocated(rsc) {
            return None;
        }
        first_assigned
    }

    /// `expand_group_colocations`.
    fn expand_group_colocations(&mut self, rsc: RscId) {
        let children = self.r[rsc.0].children.clone();
        let Some(&first) = children.first() else {
            return;
        };
        let cons = self.r[rsc.0].this_with.clone();
        for &c in &cons {
            self.add_this_with(first, c);
        }
        let mut any_unmanaged = !self.r[first.0].managed;
        for &m in &children[1..] {
            if any_unmanaged {
                for &c in &cons {
                    if self.colocations[c].score.value() == INF {
                        self.add_this_with(m, c);
                    }
                }
            } else if !self.r[m.0].managed {
                any_unmanaged = true;
            }
        }
        self.r[rsc.0].this_with.clear();
        let last = *children.last().unwrap_or(&first);
        for c in std::mem::take(&mut self.r[rsc.0].with_this) {
            self.add_with_this(last, c);
        }
    }

    /// `colocate_group_with`.
    fn colocate_group_with(&mut self, dependent: RscId, primary: RscId, coloc: usize) {
        let children = self.r[dependent.0].children.clone();
        let Some(&first) = children.first() else {
            return;
        };
        if self.group_colocated(dependent) {
            self.apply_coloc(first, primary, coloc, true);
            return;
        }
        if self.colocations[coloc].score.value() >= INF {
            return;
        }
        for m in children {
            self.apply_coloc(m, primary, coloc, true);
        }
    }

    /// `colocate_with_group`.
    fn colocate_with_group(&mut self, dependent: RscId, primary: RscId, coloc: usize) {
        if self.r[primary.0].provisional {
            return;
        }
        let children = self.r[primary.0].children.clone();
        if self.group_colocated(primary) {
            let member = if self.colocations[coloc].score.value() >= INF {
                children.last()
            } else {
                children.first()
            };
            if let Some(&m) = member {
                self.apply_coloc(dependent, m, coloc, false);
            }
            return;
        }
        if self.colocations[coloc].score.value() >= INF {
            return;
        }
        for m in children {
            self.apply_coloc(dependent, m, coloc, false);
        }
    }

    // -- clones -------------------------------------------------------------

    /// `pcmk__clone_allocate`.
    fn clone_assign(&mut self, rsc: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
        if !self.r[rsc.0].provisional || self.r[rsc.0].allocating {
            return None;
        }
        if self.promotable(rsc) {
            self.add_promotion_scores(rsc);
        }
        self.r[rsc.0].allocating = true;
        for c in self.r[rsc.0].this_with.clone() {
            let p = self.colocations[c].primary;
            self.assign(p, prefer);
        }
        for c in self.r[rsc.0].with_this.clone() {
            if self.has_influence(c, None) {
                let d = self.colocations[c].dependent;
                let attr = self.colocations[c].node_attribute.clone();
                let factor = self.colocations[c].score.value() as f32 / INF as f32;
                let log_id = self.id(rsc).to_string();
                let table = self.r[rsc.0].allowed.clone();
                if let Some(t) = self.add_colocated_node_scores(
                    d,
                    &log_id,
                    Some(table),
                    attr.as_deref(),
                    factor,
                    SELECT_ACTIVE | SELECT_NONNEGATIVE,
                ) {
                    self.r[rsc.0].allowed = t;
                }
            }
        }
        self.show_scores("pcmk__clone_allocate", rsc);
        let nodes: Vec<NodeId> = self
            .sort_nodes(&self.r[rsc.0].allowed, None)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let children = self.r[rsc.0].children.clone();
        self.colocated_weights = Some(Default::default());
        let children = glib_sort(children, &mut |a: &RscId, b: &RscId| {
            self.cmp_instance(*a, *b)
        });
        self.colocated_weights = None;
        self.r[rsc.0].children = children.clone();
        let (max, per_host) = match self.kind(rsc) {
            ResourceKind::Clone(c) => (c.clone_max, c.clone_node_max),
            _ => (0, 1),
        };
        self.distribute_children(rsc, &children, &nodes, max, per_host);
        if self.promotable(rsc) {
            self.set_instance_roles(rsc);
        }
        self.r[rsc.0].provisional = false;
        self.r[rsc.0].allocating = false;
        None
    }

    /// `distribute_children`.
    pub fn distribute_children(
        &mut self,
        rsc: RscId,
        children: &[RscId],
        nodes: &[NodeId],
        max: i64,
        per_host_max: i64,
    ) {
        let mut available = 0i64;
        for &n in nodes {
            if let Some(e) = self.r[rsc.0].allowed.get_mut(&n) {
                e.count = 0;
                let w = e.weight;
                if self.available(n, w, false, false) {
                    available += 1;
                }
            }
        }
        let all_coloc = max < available;
        let loop_max = if available > 0 { max / available } else { 0 }.max(1);
        let mut allocated = 0i64;
        for &child in children {
            if allocated >= max {
                break;
            }
            let r = self.st.rsc(child);
            if r.running_on.is_empty() || !self.r[child.0].provisional || r.flags.failed {
                continue;
            }
            let Some(child_node) = self.current_node(child) else {
                continue;
            };
            if !self.available(child_node, self.node_weight(child_node), true, false) {
                continue;
            }
            if let Some((owner, n)) = self.top_allowed(child, child_node) {
                if self.r[owner.0].allowed[&n].count as i64 >= loop_max {
                    continue;
                }
            }
            if self
                .allocate_instance(child, Some(child_node), all_coloc, per_host_max)
                .is_some()
            {
                allocated += 1;
            }
        }
        for &child in children {
            if !self.r[child.0].provisional {
            } else if allocated >= max {
                self.resource_location_all(child, -INF);
            } else if self
                .allocate_instance(child, None, all_coloc, per_host_max)
                .is_some()
            {
                allocated += 1;
            }
        }
    }

    /// `allocate_instance`.
    fn allocate_instance(
        &mut self,
        rsc: RscId,
        prefer: Option<NodeId>,
        all_coloc: bool,
        limit: i64,
    ) -> Option<NodeId> {
        if !self.r[rsc.0].provisional {
            return self.location(rsc).map(|l| l.0);
        }
        if self.r[rsc.0].allocating {
            return None;
        }
        if let Some(parent) = self.parent(rsc) {
            self.append_parent_colocation(parent, rsc, all_coloc);
        }
        if let Some(p) = prefer {
            match self.r[rsc.0].allowed.get(&p) {
                Some(e) if e.weight >= 0 => {}
                _ => return None,
            }
        }
        self.can_run_instance(rsc, limit);
        let backup = self.r[rsc.0].allowed.clone();
        let mut chosen = self.assign(rsc, prefer);
        if let (Some(c), Some(p)) = (chosen, prefer) {
            if c != p {
                self.r[rsc.0].allowed = backup;
                self.unassign(rsc);
                chosen = None;
            }
        }
        if let Some(c) = chosen {
            if let Some((owner, n)) = self.top_allowed(rsc, c) {
                if let Some(e) = self.r[owner.0].allowed.get_mut(&n) {
                    e.count += 1;
                }
            }
        }
        chosen
    }

    /// `can_run_instance` for every allowed node.
    fn can_run_instance(&mut self, rsc: RscId, limit: i64) {
        let nodes: Vec<(NodeId, Entry)> = self.r[rsc.0]
            .allowed
            .iter()
            .map(|(&n, &e)| (n, e))
            .collect();
        for (n, e) in nodes {
            let ok = if !self.available(n, e.weight, false, false) || self.st.rsc(rsc).flags.orphan
            {
                false
            } else {
                match self.top_allowed(rsc, n) {
                    None => false,
                    Some((owner, nn)) => {
                        let local = self.r[owner.0].allowed[&nn];
                        if local.weight < 0 {
                            self.common_update_score(rsc, n, local.weight);
                            false
                        } else {
                            (local.count as i64) < limit
                        }
                    }
                }
            };
            if !ok {
                self.common_update_score(rsc, n, -INF);
            }
        }
    }

    /// `append_parent_colocation`.
    fn append_parent_colocation(&mut self, parent: RscId, child: RscId, all: bool) {
        for c in self.r[parent.0].this_with.clone() {
            let s = self.colocations[c].score.value();
            if all || s < 0 || s == INF {
                self.add_this_with(child, c);
            }
        }
        for c in self.r[parent.0].with_this.clone() {
            if !self.has_influence(c, Some(child)) {
                continue;
            }
            if all || self.colocations[c].score.value() < 0 {
                self.add_with_this(child, c);
            }
        }
    }

    /// `pcmk__cmp_instance`.
    pub fn cmp_instance(&mut self, a: RscId, b: RscId) -> Ordering {
        let (ra, rb) = (self.st.rsc(a), self.st.rsc(b));
        let (n1c, n2c) = (ra.running_on.len(), rb.running_on.len());
        let mut node1 = self.current_node(a);
        let mut node2 = self.current_node(b);
        if n1c > 0 && n2c > 0 {
            if n1c < n2c {
                return Ordering::Less;
            } else if n1c > n2c {
                return Ordering::Greater;
            }
        }
        let can1 = self.node_is_allowed(a, &mut node1);
        let can2 = self.node_is_allowed(b, &mut node2);
        if can1 && !can2 {
            return Ordering::Less;
        } else if !can1 && can2 {
            return Ordering::Greater;
        }
        let (p1, p2) = (self.r[a.0].priority, self.r[b.0].priority);
        if p1 > p2 {
            return Ordering::Less;
        } else if p1 < p2 {
            return Ordering::Greater;
        }
        let (n1, n2) = match (node1, node2) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) => (x, y),
        };
        let c1 = self.available(n1, self.node_weight(n1), false, false);
        let c2 = self.available(n2, self.node_weight(n2), false, false);
        if c1 && !c2 {
            return Ordering::Less;
        } else if !c1 && c2 {
            return Ordering::Greater;
        }
        let t1 = self.top_allowed(a, n1);
        let t2 = self.top_allowed(b, n2);
        let (t1, t2) = match (t1, t2) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) => (x, y),
        };
        let cnt1 = self.r[t1.0 .0].allowed[&t1.1].count;
        let cnt2 = self.r[t2.0 .0].allowed[&t2.1].count;
        if cnt1 < cnt2 {
            return Ordering::Less;
        } else if cnt1 > cnt2 {
            return Ordering::Greater;
        }
        let f1 = self.did_fail(a);
        let f2 = self.did_fail(b);
        if !f1 && f2 {
            return Ordering::Less;
        } else if f1 && !f2 {
            return Ordering::Greater;
        }
        let rc = self.cmp_instance_by_colocation(a, b);
        if rc != Ordering::Equal {
            return rc;
        }
        super::criteria::instance_number(self.id(a))
            .cmp(&super::criteria::instance_number(self.id(b)))
    }

    fn did_fail(&self, rsc: RscId) -> bool {
        self.st.rsc(rsc).flags.failed || self.r[rsc.0].children.iter().any(|&c| self.did_fail(c))
    }

    fn node_is_allowed(&self, rsc: RscId, node: &mut Option<NodeId>) -> bool {
        if let Some(n) = *node {
            match self.r[rsc.0].allowed.get(&n) {
                Some(e) if e.weight >= 0 => {}
                _ => {
                    *node = None;
                    return false;
                }
            }
        }
        true
    }

    fn cmp_instance_by_colocation(&mut self, a: RscId, b: RscId) -> Ordering {
        let (Some(c1), Some(c2)) = (self.current_node(a), self.current_node(b)) else {
            return Ordering::Equal;
        };
        let w1 = self.parent_colocated_weight(a, c1);
        let w2 = self.parent_colocated_weight(b, c2);
        w2.cmp(&w1)
    }

    /// A one-node table for the instance's current node with the parent's
    /// colocations applied (`apply_parent_colocations`).
    fn parent_colocated_weight(&mut self, rsc: RscId, node: NodeId) -> i32 {
        if let Some(w) = self
            .colocated_weights
            .as_ref()
            .and_then(|m| m.get(&(rsc, node)))
        {
            return *w;
        }
        let w = self.parent_colocated_weight_uncached(rsc, node);
        if let Some(m) = self.colocated_weights.as_mut() {
            m.insert((rsc, node), w);
        }
        w
    }

    fn parent_colocated_weight_uncached(&mut self, rsc: RscId, node: NodeId) -> i32 {
        let mut table = Table::new();
        table.insert(
            node,
            Entry {
                weight: self.node_weight(node),
                count: 0,
                discover: super::Discovery::Always,
            },
        );
        let Some(parent) = self.parent(rsc) else {
            return table[&node].weight;
        };
        let log_id = self.id(rsc).to_string();
        for c in self.r[parent.0].this_with.clone() {
            let p = self.colocations[c].primary;
            let attr = self.colocations[c].node_attribute.clone();
            let f = self.colocations[c].score.value() as f32 / INF as f32;
            if let Some(t) = self.add_colocated_node_scores(
                p,
                &log_id,
                Some(table.clone()),
                attr.as_deref(),
                f,
                0,
            ) {
                table = t;
            }
        }
        for c in self.r[parent.0].with_this.clone() {
            if !self.has_influence(c, Some(rsc)) {
                continue;
            }
            let d = self.colocations[c].dependent;
            let attr = self.colocations[c].node_attribute.clone();
            let f = self.colocations[c].score.value() as f32 / INF as f32;
            if let Some(t) = self.add_colocated_node_scores(
                d,
                &log_id,
                Some(table.clone()),
                attr.as_deref(),
                f,
                SELECT_NONNEGATIVE,
            ) {
                table = t;
            }
        }
        table.get(&node).map_or(-INF, |e| e.weight)
    }

    /// `copies_per_node`.
    fn copies_per_node(&self, rsc: RscId) -> i64 {
        match self.kind(rsc) {
            ResourceKind::Primitive(_) | ResourceKind::Group => 1,
            ResourceKind::Clone(_) => match self.st.rsc(rsc).meta.get("clone-node-max") {
                None => 1,
                Some(v) => crate::util::parse_int(Some(v), 0).max(0),
            },
            ResourceKind::Bundle(b) => b.nreplicas_per_host,
        }
    }

    /// `pcmk__clone_apply_coloc_score` (dependent is a primitive).
    fn clone_apply_coloc(&mut self, dependent: RscId, primary: RscId, coloc: usize) {
        let c = self.colocations[coloc].clone();
        if self.promotable(primary) {
            if self.r[primary.0].provisional {
                return;
            } else if c.primary_role == Role::Unknown {
            } else if self.r[dependent.0].provisional {
                self.update_dependent_with_promotable(primary, dependent, coloc);
                return;
            } else if c.dependent_role == Role::Promoted {
                self.update_promotable_dependent_priority(primary, dependent, coloc);
                return;
            }
        }
        let mut interleave = false;
        let dep_meta = &self.st.rsc(c.dependent).meta;
        if cib::value::is_true(dep_meta.get("interleave").map(String::as_str))
            && self.variant(c.dependent) > 1
            && self.copies_per_node(c.dependent) == self.copies_per_node(c.primary)
        {
            interleave = true;
        }
        if self.r[primary.0].provisional {
            return;
        }
        if interleave {
            match self.find_compatible_child(dependent, primary, Role::Unknown) {
                Some(inst) => self.apply_coloc(dependent, inst, coloc, true),
                None if c.score.value() >= INF => self.assign_resource(dependent, None, true),
                None => {}
            }
            return;
        }
        if c.score.value() >= INF {
            let mut affected: Vec<(NodeId, Entry)> = Vec::new();
            for child in self.r[primary.0].children.clone() {
                if let Some(chosen) = self.location(child) {
                    if !self.blocked_recursive(child) {
                        affected.insert(0, chosen);
                    }
                }
            }
            self.node_list_exclude(dependent, &affected, false);
            return;
        }
        for child in self.r[primary.0].children.clone() {
            self.apply_coloc(dependent, child, coloc, false);
        }
    }

    /// `node_list_exclude`.
    pub fn node_list_exclude(&mut self, rsc: RscId, list: &[(NodeId, Entry)], merge: bool) {
        for (n, e) in self.r[rsc.0].allowed.iter_mut() {
            match list.iter().find(|(m, _)| m == n) {
                None => e.weight = -INF,
                Some((_, other)) if merge => e.weight = add(e.weight, other.weight),
                Some(_) => {}
            }
        }
        for (n, other) in list {
            self.r[rsc.0].allowed.entry(*n).or_insert(Entry {
                weight: -INF,
                ..*other
            });
        }
    }

    /// `is_child_compatible` (current = false).
    fn is_child_compatible(&self, child: RscId, node: NodeId, filter: Role) -> bool {
        let next_role = self.state_role(child, false);
        let loc = if !self.blocked_recursive(child) {
            self.location(child).map(|l| l.0)
        } else {
            None
        };
        if filter != Role::Unknown && next_role != filter {
            return false;
        }
        loc == Some(node)
    }

    /// `find_compatible_child_by_node`.
    fn compatible_child_by_node(&self, node: NodeId, rsc: RscId, filter: Role) -> Option<RscId> {
        let children: Vec<RscId> = match self.kind(rsc) {
            ResourceKind::Bundle(b) => b.replicas.iter().map(|r| r.container).collect(),
            _ => self.r[rsc.0].children.clone(),
        };
        children
            .into_iter()
            .find(|&c| self.is_child_compatible(c, node, filter))
    }

    /// `find_compatible_child` (current = false).
    pub fn find_compatible_child(&self, local: RscId, rsc: RscId, filter: Role) -> Option<RscId> {
        if let Some((n, _)) = self.location(local) {
            return self.compatible_child_by_node(n, rsc, filter);
        }
        let nodes = self.sort_nodes(&self.r[local.0].allowed, None);
        nodes
            .into_iter()
            .find_map(|(n, _)| self.compatible_child_by_node(n, rsc, filter))
    }

    // -- bundles ------------------------------------------------------------

    /// `pcmk__bundle_allocate`.
    fn bundle_assign(&mut self, rsc: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
        let ResourceKind::Bundle(b) = self.kind(rsc) else {
            return None;
        };
        self.r[rsc.0].allocating = true;
        self.show_scores("pcmk__bundle_allocate", rsc);
        let nodes: Vec<NodeId> = self
            .sort_nodes(&self.r[rsc.0].allowed, None)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let containers: Vec<RscId> = b.replicas.iter().map(|r| r.container).collect();
        self.colocated_weights = Some(Default::default());
        let containers = glib_sort(containers, &mut |x: &RscId, y: &RscId| {
            self.cmp_instance(*x, *y)
        });
        self.colocated_weights = None;
        self.distribute_children(rsc, &containers, &nodes, b.nreplicas, b.nreplicas_per_host);
        for rep in &b.replicas {
            if let Some(ip) = rep.ip {
                self.assign(ip, prefer);
            }
            let host = self.r[rep.container.0].allocated.map(|a| a.0);
            if let (Some(remote), Some(h)) = (rep.remote, host) {
                if self.st.is_guest_or_remote(h) {
                    if let Some(host_conn) = self.st.node(h).remote_rsc {
                        self.new_colocation(Colocation {
                            id: "child-remote-with-docker-remote".into(),
                            dependent: remote,
                            primary: host_conn,
                            score: cib::Score::INFINITY,
                            dependent_role: Role::Unknown,
                            primary_role: Role::Unknown,
                            node_attribute: None,
                            influence: true,
                        });
                    }
                }
            }
            if let Some(remote) = rep.remote {
                self.assign(remote, prefer);
            }
            if let Some(child) = rep.child {
                let keys: Vec<NodeId> = self.r[child.0].allowed.keys().copied().collect();
                for n in keys {
                    if Some(n) != rep.node {
                        if let Some(e) = self.r[child.0].allowed.get_mut(&n) {
                            e.weight = -INF;
                        }
                    } else if self.threshold_reached(child, n).is_none() {
                        if let Some(e) = self.r[child.0].allowed.get_mut(&n) {
                            e.weight = INF;
                        }
                    }
                }
                let parent = self.parent(child);
                if let Some(p) = parent {
                    self.r[p.0].allocating = true;
                }
                self.assign(child, rep.node);
                if let Some(p) = parent {
                    self.r[p.0].allocating = false;
                }
            }
        }
        if let Some(child) = b.child {
            let bundle_nodes: Vec<NodeId> = b.replicas.iter().filter_map(|r| r.node).collect();
            for (n, e) in self.r[child.0].allowed.iter_mut() {
                e.weight = if bundle_nodes.contains(n) { 0 } else { -INF };
            }
            self.assign(child, prefer);
        }
        self.r[rsc.0].allocating = false;
        self.r[rsc.0].provisional = false;
        None
    }

    /// `pcmk__bundle_apply_coloc_score` (dependent is a primitive).
    fn bundle_apply_coloc(&mut self, dependent: RscId, primary: RscId, coloc: usize) {
        let ResourceKind::Bundle(b) = self.kind(primary) else {
            return;
        };
        if self.r[primary.0].provisional {
            return;
        }
        let c = self.colocations[coloc].clone();
        if self.variant(c.dependent) > 1 {
            match self.compatible_replica(dependent, primary) {
                Some(container) => self.apply_coloc(dependent, container, coloc, true),
                None if c.score.value() >= INF => self.assign_resource(dependent, None, true),
                None => {}
            }
            return;
        }
        let mut allocated: Vec<(NodeId, Entry)> = Vec::new();
        for rep in &b.replicas {
            if c.score.value() < INF {
                self.apply_coloc(dependent, rep.container, coloc, false);
            } else {
                let Some(chosen) = self.location(rep.container) else {
                    continue;
                };
                if self.blocked_recursive(rep.container) {
                    continue;
                }
                if c.primary_role >= Role::Promoted {
                    match rep.child {
                        None => continue,
                        Some(ch) if self.r[ch.0].next_role < Role::Promoted => continue,
                        _ => {}
                    }
                }
                allocated.insert(0, chosen);
            }
        }
        if c.score.value() >= INF {
            self.node_list_exclude(dependent, &allocated, false);
        }
    }

    /// `compatible_replica` (current = false).
    fn compatible_replica(&self, local: RscId, rsc: RscId) -> Option<RscId> {
        self.find_compatible_child(local, rsc, Role::Unknown)
    }

    // -- resource order for placement strategies ----------------------------

    /// `pcmk__sort_resources`.
    fn sort_resources(&mut self) {
        let all_nodes: Table = self
            .st
            .node_order
            .iter()
            .map(|&n| {
                (
                    n,
                    Entry {
                        weight: self.node_weight(n),
                        count: 0,
                        discover: super::Discovery::Always,
                    },
                )
            })
            .collect();
        let nodes: Vec<NodeId> = self
            .sort_nodes(&all_nodes, None)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let order = self.order.clone();
        let sorted = glib_sort(order, &mut |a: &RscId, b: &RscId| {
            self.cmp_resources(*a, *b, &nodes)
        });
        self.order = sorted;
    }

    /// `cmp_resources`.
    fn cmp_resources(&mut self, a: RscId, b: RscId, nodes: &[NodeId]) -> Ordering {
        let (p1, p2) = (self.r[a.0].priority, self.r[b.0].priority);
        if p1 > p2 {
            return Ordering::Less;
        }
        if p1 < p2 {
            return Ordering::Greater;
        }
        let ida = self.id(a).to_string();
        let idb = self.id(b).to_string();
        let t1 = self
            .add_colocated_node_scores(a, &ida, None, None, 1.0, SELECT_THIS_WITH)
            .unwrap_or_default();
        let t2 = self
            .add_colocated_node_scores(b, &idb, None, None, 1.0, SELECT_THIS_WITH)
            .unwrap_or_default();
        let weight =
            |t: &Table, n: Option<NodeId>| n.and_then(|n| t.get(&n)).map_or(-INF, |e| e.weight);
        let r1 = if self.st.rsc(a).running_on.is_empty() {
            None
        } else {
            self.current_node(a)
        };
        let r2 = if self.st.rsc(b).running_on.is_empty() {
            None
        } else {
            self.current_node(b)
        };
        let (w1, w2) = (weight(&t1, r1), weight(&t2, r2));
        if w1 > w2 {
            return Ordering::Less;
        }
        if w1 < w2 {
            return Ordering::Greater;
        }
        for &n in nodes {
            let (w1, w2) = (weight(&t1, Some(n)), weight(&t2, Some(n)));
            if w1 > w2 {
                return Ordering::Less;
            }
            if w1 < w2 {
                return Ordering::Greater;
            }
        }
        Ordering::Equal
    }
}
