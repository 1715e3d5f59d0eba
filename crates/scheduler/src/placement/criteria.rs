//! Node-specific criteria applied before assignment (`apply_node_criteria`:
//! shutdown locks, location constraints, stickiness, failure thresholds,
//! exclusive discovery) and the internal colocations resource kinds imply
//! (`pcmk__create_internal_constraints`, colocation half).

use super::engine::{Engine, Entry, INF};
use super::{Colocation, Discovery};
use crate::state::{NodeId, ResourceKind, Role, RscId};

impl Engine<'_> {
    pub fn apply_node_criteria(&mut self) {
        if self.st.options.shutdown_lock {
            for rsc in self.order.clone() {
                self.shutdown_lock(rsc);
            }
        }
        // Placement constraints are kept newest first.
        for i in (0..self.locations.len()).rev() {
            let rsc = self.locations[i].rsc;
            self.apply_location(rsc, i, None);
        }
        for rsc in self.order.clone() {
            self.apply_stickiness(rsc);
        }
        for n in self.st.node_order.clone() {
            for rsc in self.order.clone() {
                self.check_failure_threshold(rsc, n);
                self.apply_exclusive_discovery(rsc, n);
            }
        }
    }

    // -- shutdown locks -----------------------------------------------------

    fn shutdown_lock(&mut self, rsc: RscId) {
        match self.kind(rsc) {
            ResourceKind::Primitive(p) => {
                let is_stonith = p.class.eq_ignore_ascii_case("stonith") || p.class.is_empty();
                let r = self.st.rsc(rsc);
                let remote_conn = r.is_remote_node
                    && self
                        .st
                        .find_node(&r.id)
                        .is_some_and(|n| self.st.is_remote_node(n));
                if is_stonith || remote_conn {
                    return;
                }
                if self.r[rsc.0].lock_node.is_some() {
                    if !r.running_on.is_empty() {
                        self.r[rsc.0].lock_node = None;
                    }
                } else if r.running_on.len() == 1 {
                    let node = r.running_on[0];
                    if self.n[node.0].shutdown && !self.n[node.0].unclean {
                        self.r[rsc.0].lock_node = Some(node);
                    }
                }
                let Some(lock) = self.r[rsc.0].lock_node else {
                    return;
                };
                // Recheck when the lock expires (a new lock starts now).
                let limit = self.st.options.shutdown_lock_limit_s;
                if limit > 0 {
                    let since = self.st.rsc(rsc).lock_time.unwrap_or(self.st.now);
                    let expiry = since + limit + 1;
                    if expiry > self.st.now {
                        self.lock_recheck_by =
                            crate::state::earliest_recheck(self.lock_recheck_by, expiry);
                    }
                }
                let lock_name = self.st.node(lock).uname.clone();
                for n in self.st.node_order.clone() {
                    if self.st.node(n).uname != lock_name {
                        self.resource_location(rsc, n, -INF);
                    }
                }
            }
            ResourceKind::Group => {
                for c in self.r[rsc.0].children.clone() {
                    self.shutdown_lock(c);
                }
            }
            ResourceKind::Clone(_) | ResourceKind::Bundle(_) => {}
        }
    }

    // -- location constraints -----------------------------------------------

    /// `apply_location` of the resource's kind. `nodes` overrides the
    /// constraint's node list (group members after the first).
    fn apply_location(&mut self, rsc: RscId, loc: usize, nodes: Option<&[(NodeId, i32)]>) {
        match self.kind(rsc) {
            ResourceKind::Primitive(_) => self.apply_location_one(rsc, loc, nodes),
            ResourceKind::Group => {
                self.apply_location_one(rsc, loc, nodes);
                let reset: Vec<(NodeId, i32)> = match nodes {
                    Some(n) => n.iter().map(|(n, _)| (*n, 0)).collect(),
                    None => self.locations[loc]
                        .nodes
                        .iter()
                        .map(|(n, _)| (*n, 0))
                        .collect(),
                };
                let mut use_reset = false;
                let colocated = self.group_colocated(rsc);
                for m in self.r[rsc.0].children.clone() {
                    if use_reset {
                        self.apply_location(m, loc, Some(&reset));
                    } else {
                        self.apply_location(m, loc, nodes);
                    }
                    if colocated {
                        use_reset = true;
                    }
                }
            }
            ResourceKind::Clone(_) => {
                self.apply_location_one(rsc, loc, nodes);
                for c in self.r[rsc.0].children.clone() {
                    self.apply_location(c, loc, nodes);
                }
            }
            ResourceKind::Bundle(b) => {
                self.apply_location_one(rsc, loc, nodes);
                for rep in &b.replicas {
                    self.apply_location(rep.container, loc, nodes);
                    if let Some(ip) = rep.ip {
                        self.apply_location(ip, loc, nodes);
                    }
                }
                let role = self.locations[loc].role_filter;
                if let Some(child) = b.child {
                    if role == Role::Unpromoted || role == Role::Promoted {
                        self.apply_location(child, loc, nodes);
                        self.r[child.0].locations.insert(0, loc);
                    }
                }
            }
        }
    }

    /// `pcmk__apply_location`.
    fn apply_location_one(&mut self, rsc: RscId, loc: usize, nodes: Option<&[(NodeId, i32)]>) {
        let l = &self.locations[loc];
        if l.role_filter > Role::Unknown && l.role_filter != self.r[rsc.0].next_role {
            return;
        }
        let list: Vec<(NodeId, i32)> = match nodes {
            Some(n) => n.to_vec(),
            None => l.nodes.iter().map(|(n, s)| (*n, s.value())).collect(),
        };
        if list.is_empty() {
            return;
        }
        let discover = l.discovery;
        for (node, weight) in list {
            let default_discover = if self.st.node(node).discover_never {
                Discovery::Never
            } else {
                Discovery::Always
            };
            let e = self.r[rsc.0].allowed.entry(node).or_insert(Entry {
                weight: 0,
                count: 0,
                discover: default_discover,
            });
            e.weight = super::engine::add(e.weight, weight);
            if e.discover < discover {
                e.discover = discover;
                if discover == Discovery::Exclusive {
                    self.r[rsc.0].exclusive_discover = true;
                }
            }
        }
    }

    // -- stickiness ---------------------------------------------------------

    fn apply_stickiness(&mut self, rsc: RscId) {
        let children = self.r[rsc.0].children.clone();
        if !children.is_empty() {
            for c in children {
                self.apply_stickiness(c);
            }
            return;
        }
        let r = self.st.rsc(rsc);
        if !self.r[rsc.0].managed || r.stickiness < 1 || r.running_on.len() != 1 {
            return;
        }
        let node = r.running_on[0];
        if !self.st.options.symmetric_cluster && !self.r[rsc.0].allowed.contains_key(&node) {
            return;
        }
        self.resource_location(rsc, node, r.stickiness);
    }

    // -- failure thresholds -------------------------------------------------

    fn check_failure_threshold(&mut self, rsc: RscId, node: NodeId) {
        let children = self.r[rsc.0].children.clone();
        if !children.is_empty() {
            for c in children {
                self.check_failure_threshold(c, node);
            }
            return;
        }
        let clearing = self.clearing_failcount.contains(&(rsc, node)) || (self.cleared)(rsc, node);
        if clearing {
            return;
        }
        if let Some(failed) = self.threshold_reached(rsc, node) {
            self.resource_location(failed, node, -INF);
        }
    }

    /// `pcmk__threshold_reached`: the resource to ban, when reached.
    pub fn threshold_reached(&self, rsc: RscId, node: NodeId) -> Option<RscId> {
        let r = self.st.rsc(rsc);
        if r.migration_threshold == 0 || r.flags.failure_ignored {
            return None;
        }
        let fail_count = self.failcount(node, rsc, true);
        if fail_count <= 0 {
            return None;
        }
        let ban = if r.flags.unique {
            rsc
        } else {
            self.uber_parent(rsc)
        };
        (r.migration_threshold - fail_count <= 0).then_some(ban)
    }

    /// `pe_get_failcount(..., pe_fc_effective|pe_fc_fillers)`.
    pub fn failcount(&self, node: NodeId, rsc: RscId, fillers: bool) -> i32 {
        let (count, last, block) =
            crate::unpack::failcount::raw_failcount(self.cib, self.st, node, rsc, None);
        let r = self.st.rsc(rsc);
        let timeout = if block { 0 } else { r.failure_timeout_s };
        let mut count = count;
        if count > 0 && last > 0 && timeout > 0 && self.st.now > last + timeout {
            count = 0;
        }
        if fillers && !r.fillers.is_empty() && !self.st.is_bundled(rsc) {
            for &f in &r.fillers {
                count = count.saturating_add(self.failcount(node, f, true));
            }
        }
        count
    }

    // -- exclusive discovery ------------------------------------------------

    fn apply_exclusive_discovery(&mut self, rsc: RscId, node: NodeId) {
        let up = self.uber_parent(rsc);
        if !(self.r[rsc.0].exclusive_discover || self.r[up.0].exclusive_discover) {
            return;
        }
        for c in self.r[rsc.0].children.clone() {
            self.apply_exclusive_discovery(c, node);
        }
        if let Some(e) = self.r[rsc.0].allowed.get_mut(&node) {
            if e.discover != Discovery::Exclusive {
                e.weight = -INF;
            }
        }
    }

    // -- internal colocations -----------------------------------------------

    pub fn internal_constraints(&mut self) {
        for rsc in self.order.clone() {
            self.internal(rsc);
        }
    }

    fn internal(&mut self, rsc: RscId) {
        match self.kind(rsc) {
            ResourceKind::Primitive(_) => self.primitive_internal(rsc),
            ResourceKind::Group => {
                let colocated = self.group_colocated(rsc);
                let mut previous: Option<RscId> = None;
                for m in self.r[rsc.0].children.clone() {
                    self.internal(m);
                    if let (Some(prev), true) = (previous, colocated) {
                        let influence = self.st.rsc(m).flags.critical;
                        self.internal_colocation(
                            "group:internal_colocation",
                            INF,
                            m,
                            prev,
                            influence,
                        );
                    }
                    previous = Some(m);
                }
            }
            ResourceKind::Clone(c) => {
                if c.ordered {
                    let mut kids = self.r[rsc.0].children.clone();
                    kids.sort_by_key(|&k| instance_number(self.id(k)));
                    self.r[rsc.0].children = kids;
                }
                for k in self.r[rsc.0].children.clone() {
                    self.internal(k);
                }
            }
            ResourceKind::Bundle(b) => {
                for rep in &b.replicas {
                    self.internal(rep.container);
                    if let Some(ip) = rep.ip {
                        self.internal(ip);
                        self.internal_colocation("ip-with-docker", INF, ip, rep.container, true);
                    }
                    if let Some(remote) = rep.remote {
                        self.internal(remote);
                    }
                }
                if let Some(child) = b.child {
                    self.internal(child);
                }
            }
        }
    }

    fn internal_colocation(
        &mut self,
        id: &str,
        score: i32,
        dependent: RscId,
        primary: RscId,
        influence: bool,
    ) {
        self.new_colocation(Colocation {
            id: id.to_string(),
            dependent,
            primary,
            score: cib::Score::from_i64(score as i64),
            dependent_role: Role::Unknown,
            primary_role: Role::Unknown,
            node_attribute: None,
            influence,
        });
    }

    /// `pcmk__primitive_internal_constraints`, colocation and ban part.
    fn primitive_internal(&mut self, rsc: RscId) {
        if !self.r[rsc.0].managed {
            return;
        }
        let r = self.st.rsc(rsc);
        if let Some(container) = r.container {
            let mut remote_rsc = None;
            let allow_rr = self.allows_remote_remotes(rsc);
            if r.is_remote_node {
                if !allow_rr {
                    self.avoid_remote_nodes(container);
                }
            } else if self.st.rsc(container).is_remote_node {
                remote_rsc = Some(container);
            } else if self.have_remote_nodes {
                remote_rsc = self
                    .st
                    .rsc(container)
                    .fillers
                    .iter()
                    .copied()
                    .find(|&f| self.st.rsc(f).is_remote_node);
            }
            match remote_rsc {
                Some(remote) => {
                    let nodes: Vec<NodeId> = self.r[rsc.0].allowed.keys().copied().collect();
                    for n in nodes {
                        if self.st.node(n).remote_rsc != Some(remote) {
                            if let Some(e) = self.r[rsc.0].allowed.get_mut(&n) {
                                e.weight = -INF;
                            }
                        }
                    }
                }
                None => {
                    let score = if allow_rr { 10000 } else { INF };
                    self.internal_colocation(
                        "resource-with-container",
                        score,
                        rsc,
                        container,
                        true,
                    );
                }
            }
        }
        let r = self.st.rsc(rsc);
        if r.is_remote_node || r.flags.fence_device {
            self.avoid_remote_nodes(rsc);
        }
    }

    /// `rsc_avoids_remote_nodes`.
    fn avoid_remote_nodes(&mut self, rsc: RscId) {
        let nodes: Vec<NodeId> = self.r[rsc.0].allowed.keys().copied().collect();
        for n in nodes {
            if self.st.node(n).remote_rsc.is_some() {
                if let Some(e) = self.r[rsc.0].allowed.get_mut(&n) {
                    e.weight = -INF;
                }
            }
        }
    }
}

/// The instance number after a clone's `:` or a bundle's `-`
/// (`pcmk__cmp_instance_number`).
pub(crate) fn instance_number(id: &str) -> i64 {
    let tail = match id.rfind(':') {
        Some(i) => &id[i + 1..],
        None => match id.rfind('-') {
            Some(i) => &id[i + 1..],
            None => "",
        },
    };
    crate::util::parse_int(Some(tail), 0)
}
