//! Promotion of promotable clone instances (`pcmk__add_promotion_scores`,
//! `pcmk__set_instance_roles`, and the colocation hooks for promotable
//! primaries), which Pacemaker runs at the end of the clone's assignment.

use std::cmp::Ordering;

use super::engine::{add, str_eq_ci, Engine, Entry, INF, SELECT_ACTIVE, SELECT_NONNEGATIVE};
use super::ScoreLine;
use crate::state::{NodeId, ResourceKind, Role, RscId};
use crate::util::{clone_strip, glib_sort};

impl Engine<'_> {
    fn promoted_max(&self, rsc: RscId) -> i64 {
        match self.kind(self.uber_parent(rsc)) {
            ResourceKind::Clone(c) => c.promoted_max,
            _ => 0,
        }
    }

    fn promoted_node_max(&self, rsc: RscId) -> i64 {
        match self.kind(self.uber_parent(rsc)) {
            ResourceKind::Clone(c) => c.promoted_node_max,
            _ => 0,
        }
    }

    /// `pcmk__add_promotion_scores`.
    pub fn add_promotion_scores(&mut self, clone: RscId) {
        if self.r[clone.0].promotion_added {
            return;
        }
        self.r[clone.0].promotion_added = true;
        for child in self.r[clone.0].children.clone() {
            let nodes: Vec<(NodeId, Entry)> = self.r[child.0]
                .allowed
                .iter()
                .map(|(&n, &e)| (n, e))
                .collect();
            for (n, e) in nodes {
                if !self.available(n, e.weight, false, false) {
                    continue;
                }
                let (score, _) = self.promotion_score(child, n);
                if score > 0 {
                    if let Some(x) = self.r[child.0].allowed.get_mut(&n) {
                        x.weight = add(x.weight, score);
                    }
                }
                if score > self.r[child.0].priority {
                    self.r[child.0].priority = score;
                }
            }
        }
    }

    /// `promotion_score`: the score, and whether it is the default (none set).
    fn promotion_score(&self, rsc: RscId, node: NodeId) -> (i32, bool) {
        let children = &self.r[rsc.0].children;
        if !children.is_empty() {
            let mut sum = 0i32;
            let mut is_default = true;
            for &c in children {
                let (s, d) = self.promotion_score(c, node);
                if !d {
                    is_default = false;
                }
                sum = sum.wrapping_add(s);
            }
            return (sum, is_default);
        }
        if !self.promotion_score_applies(rsc, node) {
            return (0, true);
        }
        let r = self.st.rsc(rsc);
        let name = r.clone_name.as_deref().unwrap_or(&r.id);
        let mut value = self.promotion_attr(rsc, node, name);
        if value.is_none() && !r.flags.unique {
            let stripped = clone_strip(&r.id);
            if stripped != r.id {
                value = self.promotion_attr(rsc, node, stripped);
            }
        }
        match value {
            None => (0, true),
            Some(v) => (
                cib::rules::score_from_text(&v, &super::constraints::health_scores(self.st))
                    .value(),
                false,
            ),
        }
    }

    /// `promotion_attr_value` via `pe_node_attribute_calculated`.
    fn promotion_attr(&self, rsc: RscId, node: NodeId, name: &str) -> Option<String> {
        let attr = format!("master-{name}");
        let r = self.st.rsc(rsc);
        let host = r
            .meta
            .get("container-attribute-target")
            .is_some_and(|v| v.eq_ignore_ascii_case("host"));
        if !host {
            return self.attr(node, &attr).map(str::to_string);
        }
        let conn = self.st.node(node).remote_rsc?;
        let container = self.st.rsc(conn).container?;
        let host = *self.st.rsc(container).running_on.first()?;
        self.attr(host, &attr).map(str::to_string)
    }

    /// `promotion_score_applies`.
    fn promotion_score_applies(&self, rsc: RscId, node: NodeId) -> bool {
        let r = self.st.rsc(rsc);
        let id = clone_strip(&r.id);
        let parent = self.uber_parent(rsc);
        let allowed = |this: &Self| {
            this.r[rsc.0]
                .allowed
                .get(&node)
                .is_some_and(|e| e.weight >= 0)
        };
        if !r.flags.unique {
            let active = self.find_active_anon_instance(parent, id, node);
            if active == Some(rsc) {
                return allowed(self);
            }
            if active.is_none() && self.anonymous_known_on(parent, id, node) {
                return allowed(self);
            }
        }
        if r.running_on.is_empty() && r.known_on.is_empty() {
            return allowed(self);
        }
        if r.known_on.contains(&node) || r.running_on.contains(&node) {
            return allowed(self);
        }
        false
    }

    /// `find_rsc` with `pe_find_clone`: by id or configured id, within a
    /// clone; with a node, only where it is active.
    fn find_clone_rsc(&self, rsc: RscId, id: &str, on: Option<NodeId>) -> Option<RscId> {
        let r = self.st.rsc(rsc);
        let in_clone = self.is_clone(self.uber_parent(rsc));
        let mut matched = in_clone && (r.id == id || r.xml_id == id);
        if matched {
            if let Some(n) = on {
                matched = r.running_on.contains(&n);
            }
        }
        if matched {
            return Some(rsc);
        }
        r.children
            .iter()
            .find_map(|&c| self.find_clone_rsc(c, id, on))
    }

    fn find_active_anon_instance(&self, clone: RscId, id: &str, node: NodeId) -> Option<RscId> {
        self.r[clone.0]
            .children
            .iter()
            .find_map(|&c| self.find_clone_rsc(c, id, Some(node)))
    }

    fn anonymous_known_on(&self, clone: RscId, id: &str, node: NodeId) -> bool {
        self.r[clone.0].children.iter().any(|&c| {
            self.find_clone_rsc(c, id, None)
                .is_some_and(|f| self.st.rsc(f).known_on.contains(&node))
        })
    }

    /// `pcmk__set_instance_roles`.
    pub fn set_instance_roles(&mut self, clone: RscId) {
        let keys: Vec<NodeId> = self.r[clone.0].allowed.keys().copied().collect();
        for n in keys {
            if let Some(e) = self.r[clone.0].allowed.get_mut(&n) {
                e.count = 0;
            }
        }
        for inst in self.r[clone.0].children.clone() {
            self.set_instance_priority(inst, clone);
        }
        self.sort_promotable_instances(clone);
        let mut promoted = 0i64;
        for inst in self.r[clone.0].children.clone() {
            self.set_instance_role(inst, &mut promoted);
        }
    }

    fn set_current_role_unpromoted(&mut self, rsc: RscId) {
        if self.r[rsc.0].role == Role::Started {
            self.r[rsc.0].role = Role::Unpromoted;
        }
        for c in self.r[rsc.0].children.clone() {
            self.set_current_role_unpromoted(c);
        }
    }

    fn set_next_role_unpromoted(&mut self, rsc: RscId) {
        let mut assigned = Vec::new();
        self.locations_into(rsc, &mut assigned);
        self.r[rsc.0].next_role = if assigned.is_empty() {
            Role::Stopped
        } else {
            Role::Unpromoted
        };
        for c in self.r[rsc.0].children.clone() {
            self.set_next_role_unpromoted(c);
        }
    }

    fn set_next_role_promoted(&mut self, rsc: RscId) {
        if self.r[rsc.0].next_role == Role::Unknown {
            self.r[rsc.0].next_role = Role::Promoted;
        }
        for c in self.r[rsc.0].children.clone() {
            self.set_next_role_promoted(c);
        }
    }

    /// `set_instance_priority`.
    fn set_instance_priority(&mut self, inst: RscId, clone: RscId) {
        if self.state_role(inst, true) == Role::Started {
            self.set_current_role_unpromoted(inst);
        }
        let Some((chosen, _)) = self.location(inst) else {
            return;
        };
        let next_role = self.state_role(inst, false);
        match next_role {
            Role::Started | Role::Unknown => {
                let (score, is_default) = self.promotion_score(inst, chosen);
                self.r[inst.0].priority = if is_default { -1 } else { score };
            }
            Role::Unpromoted | Role::Stopped => self.r[inst.0].priority = -INF,
            Role::Promoted => {}
        }
        for l in self.r[inst.0].locations.clone() {
            self.apply_promoted_location(inst, l, chosen);
        }
        for l in self.r[clone.0].locations.clone() {
            self.apply_promoted_location(inst, l, chosen);
        }
        for c in self.r[inst.0].this_with.clone() {
            let p = self.colocations[c].primary;
            self.apply_coloc(inst, p, c, true);
        }
        self.r[inst.0].sort_index = if next_role == Role::Promoted {
            INF
        } else {
            self.r[inst.0].priority
        };
    }

    fn apply_promoted_location(&mut self, inst: RscId, loc: usize, chosen: NodeId) {
        let l = &self.locations[loc];
        if l.role_filter != Role::Promoted {
            return;
        }
        let chosen_id = &self.st.node(chosen).id;
        if let Some((_, w)) = l
            .nodes
            .iter()
            .find(|(n, _)| self.st.node(*n).id.eq_ignore_ascii_case(chosen_id))
        {
            self.r[inst.0].priority = add(self.r[inst.0].priority, w.value());
        }
    }

    /// `sort_promotable_instances`.
    fn sort_promotable_instances(&mut self, clone: RscId) {
        if self.r[clone.0].promotion_constrained {
            return;
        }
        self.r[clone.0].promotion_constrained = true;
        self.r[clone.0].merging = true;
        for child in self.r[clone.0].children.clone() {
            let si = self.r[child.0].sort_index;
            if si < 0 {
                continue;
            }
            let Some((chosen, _)) = self.location(child) else {
                continue;
            };
            if let Some(e) = self.r[clone.0].allowed.get_mut(&chosen) {
                e.weight = add(si, e.weight);
            }
        }
        let log_id = self.id(clone).to_string();
        for c in self.r[clone.0].this_with.clone() {
            let co = &self.colocations[c];
            if co.dependent_role != Role::Promoted {
                continue;
            }
            let flags = if co.score.value() < INF {
                SELECT_ACTIVE
            } else {
                0
            };
            let (p, attr, f) = (
                co.primary,
                co.node_attribute.clone(),
                co.score.value() as f32 / INF as f32,
            );
            let table = self.r[clone.0].allowed.clone();
            if let Some(t) =
                self.add_colocated_node_scores(p, &log_id, Some(table), attr.as_deref(), f, flags)
            {
                self.r[clone.0].allowed = t;
            }
        }
        for c in self.r[clone.0].with_this.clone() {
            let co = &self.colocations[c];
            if co.primary_role != Role::Promoted || !self.has_influence(c, None) {
                continue;
            }
            let co = &self.colocations[c];
            let (d, attr, f) = (
                co.dependent,
                co.node_attribute.clone(),
                co.score.value() as f32 / INF as f32,
            );
            let table = self.r[clone.0].allowed.clone();
            if let Some(t) = self.add_colocated_node_scores(
                d,
                &log_id,
                Some(table),
                attr.as_deref(),
                f,
                SELECT_ACTIVE | SELECT_NONNEGATIVE,
            ) {
                self.r[clone.0].allowed = t;
            }
        }
        let needs_ticket = self.r[clone.0].tickets.iter().any(|&t| {
            let t = &self.tickets[t];
            t.role == Role::Promoted && (!t.granted || t.standby)
        });
        if needs_ticket {
            self.resource_location_all(clone, -INF);
        }
        for child in self.r[clone.0].children.clone() {
            let chosen = self.location(child);
            if !self.r[child.0].managed && self.r[child.0].next_role == Role::Promoted {
                self.r[child.0].sort_index = INF;
            } else if chosen.is_none() || self.r[child.0].sort_index < 0 {
            } else if let Some((n, _)) = chosen {
                if let Some(e) = self.r[clone.0].allowed.get(&n) {
                    self.r[child.0].sort_index = e.weight;
                }
            }
        }
        let children = self.r[clone.0].children.clone();
        self.colocated_weights = Some(Default::default());
        let sorted = glib_sort(children, &mut |a: &RscId, b: &RscId| {
            self.cmp_promotable_instance(*a, *b)
        });
        self.colocated_weights = None;
        self.r[clone.0].children = sorted;
        self.r[clone.0].merging = false;
    }

    fn cmp_promotable_instance(&mut self, a: RscId, b: RscId) -> Ordering {
        let (s1, s2) = (self.r[a.0].sort_index, self.r[b.0].sort_index);
        if s1 > s2 {
            return Ordering::Less;
        }
        if s1 < s2 {
            return Ordering::Greater;
        }
        let (r1, r2) = (self.state_role(a, true), self.state_role(b, true));
        if r1 > r2 {
            return Ordering::Less;
        }
        if r1 < r2 {
            return Ordering::Greater;
        }
        self.cmp_instance(a, b)
    }

    /// `set_instance_role`.
    fn set_instance_role(&mut self, inst: RscId, count: &mut i64) {
        let clone = self.uber_parent(inst);
        let chosen = self.location(inst).map(|l| l.0);
        if self.log_scores {
            let node = chosen.map(|n| self.node_name(n));
            self.log.push(ScoreLine::Promotion {
                rsc: self.id(inst).into(),
                node,
                score: cib::Score::from_i64(self.r[inst.0].sort_index as i64),
            });
        }
        let mut target = None;
        if self.r[inst.0].sort_index < 0 {
        } else if *count < self.promoted_max(inst) || !self.r[clone.0].managed {
            target = self.node_to_be_promoted_on(inst);
        }
        let Some((owner, node)) = target else {
            self.set_next_role_unpromoted(inst);
            return;
        };
        if self.r[inst.0].role < Role::Promoted
            && !self.st.have_quorum
            && self.st.options.no_quorum_policy == crate::state::NoQuorumPolicy::Freeze
        {
            self.set_next_role_unpromoted(inst);
            return;
        }
        if let Some(e) = self.r[owner.0].allowed.get_mut(&node) {
            e.count += 1;
        }
        self.set_next_role_promoted(inst);
        *count += 1;
    }

    /// `node_to_be_promoted_on`: the parent's entry for the node.
    fn node_to_be_promoted_on(&self, rsc: RscId) -> Option<(RscId, NodeId)> {
        let parent = self.uber_parent(rsc);
        for &c in &self.r[rsc.0].children {
            self.node_to_be_promoted_on(c)?;
        }
        let (node, _) = self.location(rsc)?;
        if !self.r[rsc.0].managed {
            if self.state_role(rsc, true) != Role::Promoted {
                return None;
            }
        } else if self.r[rsc.0].priority < 0
            || !self.available(node, self.node_weight(node), false, true)
        {
            return None;
        }
        let local = self.r[parent.0].allowed.get(&node)?;
        if local.count as i64 >= self.promoted_node_max(parent) && self.r[rsc.0].managed {
            return None;
        }
        Some((parent, node))
    }

    /// `pcmk__update_dependent_with_promotable`.
    pub fn update_dependent_with_promotable(
        &mut self,
        primary: RscId,
        dependent: RscId,
        coloc: usize,
    ) {
        let c = self.colocations[coloc].clone();
        let mut affected: Vec<(NodeId, Entry)> = Vec::new();
        for inst in self.r[primary.0].children.clone() {
            let Some(loc) = self.location(inst) else {
                continue;
            };
            if self.state_role(inst, false) == c.primary_role {
                if c.score.value() < INF {
                    let attr = c.node_attribute.clone().unwrap_or_else(|| "#uname".into());
                    let pv = self.attr(loc.0, &attr).map(str::to_string);
                    let keys: Vec<NodeId> = self.r[dependent.0].allowed.keys().copied().collect();
                    for n in keys {
                        if str_eq_ci(pv.as_deref(), self.attr(n, &attr)) {
                            if let Some(e) = self.r[dependent.0].allowed.get_mut(&n) {
                                e.weight = add(e.weight, c.score.value());
                            }
                        }
                    }
                }
                affected.insert(0, loc);
            }
        }
        if c.score.value() >= INF
            && (c.dependent_role != Role::Promoted || c.primary_role != Role::Promoted)
        {
            self.node_list_exclude(dependent, &affected, true);
        }
    }

    /// `pcmk__update_promotable_dependent_priority`.
    pub fn update_promotable_dependent_priority(
        &mut self,
        primary: RscId,
        dependent: RscId,
        coloc: usize,
    ) {
        let c = self.colocations[coloc].clone();
        if self
            .find_compatible_child(dependent, primary, c.primary_role)
            .is_some()
        {
            self.r[dependent.0].priority = add(self.r[dependent.0].priority, c.score.value());
        } else if c.score.value() >= INF {
            self.r[dependent.0].priority = -INF;
        }
    }
}
