//! The orderings each resource kind implies before anything is assigned
//! (`internal_constraints` of `pcmk_sched_primitive.c`, `_group.c`,
//! `_clone.c`, `_promotable.c`, `_bundle.c`), plus the configured order
//! constraints placement unpacked.

use super::*;
use crate::placement::OrderAction;

impl Ws<'_> {
    /// The configured orderings (and those colocations imply), in the
    /// order Pacemaker unpacked them.
    pub(super) fn configured_orderings(&mut self) {
        let orders = self.pl.constraints.orderings.clone();
        for o in orders {
            let mut ends = Vec::new();
            for end in [&o.first, &o.then] {
                ends.push(match end {
                    OrderAction::Rsc { rsc, task } => {
                        let key = op_key(&self.rsc(*rsc).id, task, 0);
                        (Some(*rsc), Some(key), None)
                    }
                    OrderAction::Pseudo {
                        name,
                        required_runnable,
                    } => {
                        let a = self.pseudo_op(name);
                        self.act_mut(a).required_runnable_before = *required_runnable;
                        self.set_flag(a, af::REQUIRES_ANY);
                        (None, None, Some(a))
                    }
                });
            }
            let (lr, lt, la) = ends[0].clone();
            let (rr, rt, ra) = ends[1].clone();
            self.new_ordering(lr, lt, la, rr, rt, ra, o.flags.0);
        }
    }

    /// `pcmk__create_internal_constraints`.
    pub(super) fn internal_constraints(&mut self) {
        for r in self.st.top.clone() {
            self.rsc_internal_constraints(r);
        }
    }

    fn rsc_internal_constraints(&mut self, r: RscId) {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(_) => self.primitive_internal_constraints(r),
            ResourceKind::Group => self.group_internal_constraints(r),
            ResourceKind::Clone(_) => self.clone_internal_constraints(r),
            ResourceKind::Bundle(_) => self.bundle_internal_constraints(r),
        }
    }

    /// The resource's allowed nodes by name (`allowed_nodes_as_list`).
    fn allowed_nodes_by_name(&self, r: RscId) -> Vec<NodeId> {
        let allowed: Vec<NodeId> = match self.pl.resources.get(r.0) {
            Some(p) => p.allowed.keys().copied().collect(),
            None => self.rsc(r).allowed_nodes.keys().copied().collect(),
        };
        let mut v = allowed;
        v.sort_by(|a, b| {
            crate::util::numeric_strcasecmp(&self.node(*a).uname, &self.node(*b).uname)
        });
        v
    }

    /// `pcmk__primitive_internal_constraints`.
    fn primitive_internal_constraints(&mut self, r: RscId) {
        if !self.rsc(r).flags.managed {
            return;
        }
        let top = self.uber_parent(r);
        let f = self.rsc(r).flags;
        let check_unfencing =
            !f.fence_device && self.st.options.enable_unfencing && f.needs_unfencing;
        let check_utilization = self.has_utilization(r)
            && !self
                .st
                .options
                .placement_strategy
                .eq_ignore_ascii_case("default");
        self.order_rsc_actions(
            r,
            "stop",
            r,
            "start",
            of::OPTIONAL | of::IMPLIES_THEN | of::RESTART,
        );
        if self.rsc(top).flags.promotable || self.rsc(r).role > Role::Unpromoted {
            self.order_rsc_actions(r, "demote", r, "stop", of::PROMOTED_IMPLIES_FIRST);
            self.order_rsc_actions(r, "start", r, "promote", of::RUNNABLE_LEFT);
        }
        self.order_rsc_actions(
            r,
            "lrm_delete",
            r,
            "monitor",
            of::SAME_NODE | of::THEN_CANCELS_FIRST,
        );
        let allowed = if check_unfencing || check_utilization || self.rsc(r).container.is_some() {
            self.allowed_nodes_by_name(r)
        } else {
            Vec::new()
        };
        if check_unfencing {
            for &n in &allowed {
                self.order_restart_vs_unfence(r, n);
            }
        }
        if check_utilization {
            self.create_utilization_constraints(r, &allowed);
        }
        if let Some(container) = self.rsc(r).container {
            let remote_rsc = if self.rsc(r).is_remote_node {
                self.order_rsc_actions(container, "monitor", r, "stop", of::OPTIONAL);
                None
            } else if self.rsc(container).is_remote_node {
                Some(container)
            } else {
                self.contains_guest_node(container)
            };
            if remote_rsc.is_none() {
                self.order_rsc_actions(
                    container,
                    "start",
                    r,
                    "start",
                    of::IMPLIES_THEN | of::RUNNABLE_LEFT,
                );
                self.order_rsc_actions(r, "stop", container, "stop", of::IMPLIES_FIRST);
            }
        }
    }

    fn has_utilization(&self, r: RscId) -> bool {
        self.prim_config(r)
            .is_some_and(|c| c.utilization.iter().any(|s| !s.nvpairs.is_empty()))
    }

    /// `pe__resource_contains_guest_node`: a guest connection among the
    /// resource's fillers.
    pub(super) fn contains_guest_node(&self, r: RscId) -> Option<RscId> {
        if !self.rsc(r).flags.is_container {
            return None;
        }
        self.rsc(r)
            .fillers
            .iter()
            .copied()
            .find(|&f| self.rsc(f).is_remote_node)
    }

    /// `pcmk__create_utilization_constraints`.
    fn create_utilization_constraints(&mut self, r: RscId, allowed: &[NodeId]) {
        for n in self.rsc(r).running_on.clone() {
            let load = self.load_stopped_op(n);
            let key = op_key(&self.rsc(r).id, "stop", 0);
            self.new_ordering(Some(r), Some(key), None, None, None, Some(load), of::LOAD);
        }
        for &n in allowed {
            let load = self.load_stopped_op(n);
            let id = self.rsc(r).id.clone();
            self.new_ordering(
                None,
                None,
                Some(load),
                Some(r),
                Some(op_key(&id, "start", 0)),
                None,
                of::LOAD,
            );
            self.new_ordering(
                None,
                None,
                Some(load),
                Some(r),
                Some(op_key(&id, "migrate_to", 0)),
                None,
                of::LOAD,
            );
        }
    }

    fn load_stopped_op(&mut self, n: NodeId) -> ActionId {
        let name = format!("load_stopped_{}", self.node(n).uname);
        let a = self.pseudo_op(&name);
        if self.act(a).node.is_none() {
            self.act_mut(a).node = Some(n);
            self.clear_flag(a, af::OPTIONAL);
        }
        a
    }

    /// `pcmk__order_restart_vs_unfence`.
    fn order_restart_vs_unfence(&mut self, r: RscId, n: NodeId) {
        let unfence = self.fence_op(n, Some("on"), true, None, false);
        let uuid = self.act(unfence).uuid.clone();
        let id = self.rsc(r).id.clone();
        self.new_ordering(
            Some(r),
            Some(op_key(&id, "stop", 0)),
            None,
            None,
            Some(uuid.clone()),
            Some(unfence),
            of::OPTIONAL | of::SAME_NODE,
        );
        self.new_ordering(
            None,
            Some(uuid),
            Some(unfence),
            Some(r),
            Some(op_key(&id, "start", 0)),
            None,
            of::IMPLIES_THEN_ON_NODE | of::SAME_NODE,
        );
    }

    /// `pcmk__group_internal_constraints`.
    fn group_internal_constraints(&mut self, r: RscId) {
        self.order_rsc_actions(r, "stop", r, "stopped", of::RUNNABLE_LEFT);
        self.order_rsc_actions(r, "stopped", r, "start", of::OPTIONAL);
        self.order_rsc_actions(r, "start", r, "running", of::RUNNABLE_LEFT);
        let ordered = group_flag(self.rsc(r), "ordered");
        let promotable = self.rsc(self.uber_parent(r)).flags.promotable;
        let mut previous: Option<RscId> = None;
        let mut last_active: Option<RscId> = None;
        for member in self.rsc(r).children.clone() {
            let mut down_flags = of::IMPLIES_FIRST_PRINTED;
            let mut post_down_flags = of::IMPLIES_THEN_PRINTED;
            self.rsc_internal_constraints(member);
            if previous.is_none() && ordered {
                down_flags |= of::OPTIONAL;
                post_down_flags = of::IMPLIES_THEN;
            }
            if promotable {
                self.order_rsc_actions(r, "demote", member, "demote", down_flags);
                self.order_rsc_actions(member, "demote", r, "demoted", post_down_flags);
                self.order_rsc_actions(
                    member,
                    "promote",
                    r,
                    "promoted",
                    of::RUNNABLE_LEFT | of::IMPLIES_THEN | of::IMPLIES_THEN_PRINTED,
                );
                self.order_rsc_actions(r, "promote", member, "promote", of::IMPLIES_FIRST_PRINTED);
            }
            self.order_rsc_actions(r, "stop", member, "stop", down_flags);
            self.order_rsc_actions(member, "stop", r, "stopped", post_down_flags);
            self.order_rsc_actions(r, "start", member, "start", of::IMPLIES_FIRST_PRINTED);
            self.order_rsc_actions(
                member,
                "start",
                r,
                "running",
                of::RUNNABLE_LEFT | of::IMPLIES_THEN | of::IMPLIES_THEN_PRINTED,
            );
            if !ordered {
                self.order_rsc_actions(
                    r,
                    "start",
                    member,
                    "start",
                    of::IMPLIES_THEN | of::RUNNABLE_LEFT | of::IMPLIES_FIRST_PRINTED,
                );
                if promotable {
                    self.order_rsc_actions(
                        r,
                        "promote",
                        member,
                        "promote",
                        of::IMPLIES_THEN | of::RUNNABLE_LEFT | of::IMPLIES_FIRST_PRINTED,
                    );
                }
            } else if let Some(prev) = previous {
                self.order_rsc_actions(
                    prev,
                    "start",
                    member,
                    "start",
                    of::IMPLIES_THEN | of::RUNNABLE_LEFT,
                );
                self.order_rsc_actions(member, "stop", prev, "stop", of::OPTIONAL | of::RESTART);
                if promotable {
                    self.order_rsc_actions(
                        prev,
                        "promote",
                        member,
                        "promote",
                        of::IMPLIES_THEN | of::RUNNABLE_LEFT,
                    );
                    self.order_rsc_actions(member, "demote", prev, "demote", of::OPTIONAL);
                }
            } else {
                self.order_rsc_actions(r, "start", member, "start", of::NONE);
                if promotable {
                    self.order_rsc_actions(r, "promote", member, "promote", of::NONE);
                }
            }
            if !self.rsc(member).running_on.is_empty() {
                if ordered {
                    if let (Some(prev), Some(last)) = (previous, last_active) {
                        if self.rsc(prev).running_on.is_empty()
                            && !self.rsc(last).running_on.is_empty()
                        {
                            self.order_rsc_actions(member, "stop", last, "stop", of::OPTIONAL);
                        }
                    }
                }
                last_active = Some(member);
            }
            previous = Some(member);
        }
    }

    /// `clone_internal_constraints`.
    fn clone_internal_constraints(&mut self, r: RscId) {
        let ordered = self.clone_is_ordered(r);
        self.order_rsc_actions(r, "stopped", r, "start", of::OPTIONAL);
        self.order_rsc_actions(r, "start", r, "running", of::RUNNABLE_LEFT);
        self.order_rsc_actions(r, "stop", r, "stopped", of::RUNNABLE_LEFT);
        if self.rsc(r).flags.promotable {
            self.order_rsc_actions(r, "demoted", r, "stop", of::OPTIONAL);
            self.order_rsc_actions(r, "running", r, "promote", of::RUNNABLE_LEFT);
        }
        let mut children = self.rsc(r).children.clone();
        if ordered {
            children = crate::util::glib_sort(children, &mut |a: &RscId, b: &RscId| {
                self.instance_number(*a).cmp(&self.instance_number(*b))
            });
        }
        let mut last: Option<RscId> = None;
        for &c in &children {
            self.rsc_internal_constraints(c);
            self.order_rsc_actions(
                r,
                "start",
                c,
                "start",
                of::RUNNABLE_LEFT | of::IMPLIES_FIRST_PRINTED,
            );
            self.order_rsc_actions(c, "start", r, "running", of::IMPLIES_THEN_PRINTED);
            if ordered {
                if let Some(l) = last {
                    self.order_rsc_actions(l, "start", c, "start", of::OPTIONAL);
                }
            }
            self.order_rsc_actions(r, "stop", c, "stop", of::IMPLIES_FIRST_PRINTED);
            self.order_rsc_actions(c, "stop", r, "stopped", of::IMPLIES_THEN_PRINTED);
            if ordered {
                if let Some(l) = last {
                    self.order_rsc_actions(c, "stop", l, "stop", of::OPTIONAL);
                }
            }
            last = Some(c);
        }
        if self.rsc(r).flags.promotable {
            self.order_promotable_instances(r, &children);
        }
    }

    /// `pcmk__promotable_restart_ordering`.
    fn promotable_restart_ordering(&mut self, r: RscId) {
        self.order_rsc_actions(r, "stopped", r, "start", of::OPTIONAL);
        self.order_rsc_actions(r, "stopped", r, "promote", of::OPTIONAL);
        self.order_rsc_actions(r, "demoted", r, "stop", of::OPTIONAL);
        self.order_rsc_actions(r, "demoted", r, "start", of::OPTIONAL);
        self.order_rsc_actions(r, "demoted", r, "promote", of::OPTIONAL);
        self.order_rsc_actions(r, "running", r, "promote", of::OPTIONAL);
        self.order_rsc_actions(r, "demote", r, "demoted", of::OPTIONAL);
    }

    /// `pcmk__order_promotable_instances`.
    fn order_promotable_instances(&mut self, r: RscId, children: &[RscId]) {
        self.promotable_restart_ordering(r);
        let ordered = self.clone_is_ordered(r);
        let mut previous: Option<RscId> = None;
        for &c in children {
            self.order_rsc_actions(c, "demote", c, "promote", of::OPTIONAL);
            self.order_rsc_actions(r, "promote", c, "promote", of::OPTIONAL);
            self.order_rsc_actions(c, "promote", r, "promoted", of::OPTIONAL);
            if let (Some(p), true) = (previous, ordered) {
                self.order_rsc_actions(p, "promote", c, "promote", of::OPTIONAL);
            }
            self.order_rsc_actions(r, "demote", c, "demote", of::IMPLIES_FIRST_PRINTED);
            self.order_rsc_actions(c, "demote", r, "demoted", of::IMPLIES_THEN_PRINTED);
            if let (Some(p), true) = (previous, ordered) {
                self.order_rsc_actions(c, "demote", p, "demote", of::OPTIONAL);
            }
            previous = Some(c);
        }
    }

    /// `pcmk__bundle_internal_constraints`.
    fn bundle_internal_constraints(&mut self, r: RscId) {
        let child = self.bundle_child(r);
        if let Some(ch) = child {
            self.order_rsc_actions(r, "start", ch, "start", of::IMPLIES_FIRST_PRINTED);
            self.order_rsc_actions(r, "stop", ch, "stop", of::IMPLIES_FIRST_PRINTED);
            if !self.rsc(ch).children.is_empty() {
                self.order_rsc_actions(ch, "running", r, "running", of::IMPLIES_THEN_PRINTED);
                self.order_rsc_actions(ch, "stopped", r, "stopped", of::IMPLIES_THEN_PRINTED);
            } else {
                self.order_rsc_actions(ch, "start", r, "running", of::IMPLIES_THEN_PRINTED);
                self.order_rsc_actions(ch, "stop", r, "stopped", of::IMPLIES_THEN_PRINTED);
            }
        }
        for rep in self.bundle_replicas(r) {
            let c = rep.container;
            self.rsc_internal_constraints(c);
            self.order_rsc_actions(
                r,
                "start",
                c,
                "start",
                of::RUNNABLE_LEFT | of::IMPLIES_FIRST_PRINTED,
            );
            if let Some(ch) = rep.child {
                self.order_rsc_actions(r, "stop", ch, "stop", of::IMPLIES_FIRST_PRINTED);
            }
            self.order_rsc_actions(r, "stop", c, "stop", of::IMPLIES_FIRST_PRINTED);
            self.order_rsc_actions(c, "start", r, "running", of::IMPLIES_THEN_PRINTED);
            self.order_rsc_actions(c, "stop", r, "stopped", of::IMPLIES_THEN_PRINTED);
            if let Some(ip) = rep.ip {
                self.rsc_internal_constraints(ip);
                self.order_rsc_actions(ip, "start", c, "start", of::RUNNABLE_LEFT | of::PRESERVE);
                self.order_rsc_actions(c, "stop", ip, "stop", of::IMPLIES_FIRST | of::PRESERVE);
            }
            if let Some(rem) = rep.remote {
                self.rsc_internal_constraints(rem);
            }
        }
        if let Some(ch) = child {
            self.rsc_internal_constraints(ch);
            if self.rsc(ch).flags.promotable {
                self.promotable_restart_ordering(r);
                self.order_rsc_actions(ch, "demoted", r, "demoted", of::IMPLIES_THEN_PRINTED);
                self.order_rsc_actions(r, "demote", ch, "demote", of::IMPLIES_FIRST_PRINTED);
                self.order_rsc_actions(ch, "promoted", r, "promoted", of::IMPLIES_THEN_PRINTED);
                self.order_rsc_actions(r, "promote", ch, "promote", of::IMPLIES_FIRST_PRINTED);
            }
        }
    }
}

/// A group's `ordered`/`collocated` meta-attribute (default true).
pub(crate) fn group_flag(r: &Resource, name: &str) -> bool {
    r.meta
        .get(name)
        .map_or(true, |v| cib::value::is_true(Some(v)))
}
