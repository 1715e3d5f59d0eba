//! Probes and the resource-action step of Pacemaker's stage list
//! (`schedule_resource_actions` of `pcmk_sched_allocate.c`,
//! `pcmk_sched_probes.c`, the clone and bundle `create_probe` methods).

use super::*;

impl Ws<'_> {
    /// `schedule_resource_actions`: probes, fail-count clearing for
    /// orphans, then each resource's actions.
    pub(super) fn schedule_resource_actions(&mut self) {
        self.run_param_checks();
        if is_true_default(&self.st.options.all, "enable-startup-probes", true) {
            self.schedule_probes();
        }
        if self.st.options.stop_orphan_resources {
            for r in self.top.clone() {
                self.clear_failcounts_if_orphaned(r);
            }
        }
        for r in self.top.clone() {
            self.create_actions(r);
        }
        // Clone notifications are created when the graph is built
        // (`clone_expand`), after orderings; see `expand_notifications`.
    }

    /// `clear_failcounts_if_orphaned`.
    fn clear_failcounts_if_orphaned(&mut self, r: RscId) {
        if !self.rsc(r).flags.orphan {
            return;
        }
        for n in self.st.node_order.clone() {
            if !self.node(n).online {
                continue;
            }
            if self.effective_failcount(r, n) == 0 {
                continue;
            }
            let clear = self.clear_failcount(r, n, "it is orphaned");
            let key = op_key(&self.rsc(r).id, "stop", 0);
            let cr = self.act(clear).rsc;
            self.new_ordering(
                cr,
                None,
                Some(clear),
                Some(r),
                Some(key),
                None,
                of::OPTIONAL,
            );
        }
    }

    /// The resource's fail count on a node, ignoring expired failures
    /// (`pe_get_failcount` with `pe_fc_effective`).
    pub(super) fn effective_failcount(&self, r: RscId, n: NodeId) -> i64 {
        // The same reading as unpacking's (legacy attribute names of CIBs
        // older than feature set 3.0.13 included).
        let (count, last, block) =
            crate::unpack::failcount::raw_failcount(self.cib, &self.st, n, r, None);
        let count = i64::from(count);
        let timeout = if block {
            0
        } else {
            self.rsc(r).failure_timeout_s
        };
        if count > 0 && last > 0 && timeout > 0 && self.st.now > last + timeout {
            return 0;
        }
        count
    }

    /// `pcmk__schedule_probes`.
    fn schedule_probes(&mut self) {
        for n in self.st.node_order.clone() {
            let node = self.node(n);
            if !node.online {
                if self.is_failed_remote_node(n) {
                    self.fence_node(n, "the connection is unrecoverable", false);
                }
                continue;
            }
            if node.unclean || !node.rsc_discovery_enabled {
                continue;
            }
            if let Some(p) = node.attrs.get("probe_complete") {
                if !cib::value::is_true(Some(p)) {
                    let key = format!("probe_again-{}", node.uname);
                    let a = self.custom_action(None, key, "probe_again", Some(n), false);
                    notify::add_meta(self.act_mut(a), "op_no_wait", "true");
                    continue;
                }
            }
            for r in self.top.clone() {
                self.create_probe(r, n);
            }
        }
    }

    /// `rsc->cmds->create_probe` by kind.
    fn create_probe(&mut self, r: RscId, n: NodeId) -> bool {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(_) | ResourceKind::Group => self.probe_rsc_on_node(r, n),
            ResourceKind::Clone(_) => self.clone_create_probe(r, n),
            ResourceKind::Bundle(_) => self.bundle_create_probe(r, n),
        }
    }

    fn probe_list(&mut self, list: &[RscId], n: NodeId) -> bool {
        let mut any = false;
        for &r in list {
            if self.create_probe(r, n) {
                any = true;
            }
        }
        any
    }

    /// Calls `f` with every location constraint that reaches resource `r`
    /// (`apply_location` recurses from the constrained resource into group
    /// members and clone instances, and into a bundle's containers and
    /// addresses, its bundled clone only for role-specific constraints).
    /// Walks up from `r` and reads the constraints of each ancestor from
    /// [`Ws::locations_by_rsc`], so the cost is that of the constraints
    /// that reach `r`, not of all constraints.
    fn for_locations_reaching(&self, r: RscId, mut f: impl FnMut(&crate::placement::Location)) {
        let locations = &self.pl.constraints.locations;
        let mut role_only = false;
        let mut cur = r;
        loop {
            for &i in self.locations_by_rsc.get(&cur).into_iter().flatten() {
                let loc = &locations[i];
                if !role_only || matches!(loc.role_filter, Role::Unpromoted | Role::Promoted) {
                    f(loc);
                }
            }
            let Some(p) = self.rsc(cur).parent else {
                return;
            };
            if let ResourceKind::Bundle(b) = &self.rsc(p).kind {
                let part = b
                    .replicas
                    .iter()
                    .any(|rep| rep.container == cur || rep.ip == Some(cur));
                if !part {
                    if b.child != Some(cur) {
                        return;
                    }
                    role_only = true;
                }
            }
            cur = p;
        }
    }

    /// The discovery mode of a node for a resource (from location
    /// constraints with `resource-discovery`), if the node is allowed.
    fn discover_mode(&self, r: RscId, n: NodeId) -> Option<crate::placement::Discovery> {
        let allowed = match self.pl.resources.get(r.0) {
            Some(p) => p.allowed.contains_key(&n),
            None => self.rsc(r).allowed_nodes.contains_key(&n),
        };
        // Every allowed-node entry of a bundle's guest node says "never"
        // (the bundle fixes the copies resources already hold and later
        // copies inherit it); constraints can only raise it.
        let mut mode = if self.node(n).discover_never {
            crate::placement::Discovery::Never
        } else {
            crate::placement::Discovery::Always
        };
        // A bundled instance may run (and is probed) on its replica's node
        // only: Pacemaker gives that node exclusive discovery.
        if let Some(rep) = self.replica_of_child(r) {
            if rep.node == Some(n) {
                mode = crate::placement::Discovery::Exclusive;
            }
        }
        let mut listed = false;
        self.for_locations_reaching(r, |loc| {
            if loc.nodes.iter().any(|(x, _)| *x == n) {
                listed = true;
                if loc.discovery > mode {
                    mode = loc.discovery;
                }
            }
        });
        if !allowed && !listed {
            return None;
        }
        Some(mode)
    }

    /// The bundle replica a bundled instance belongs to.
    fn replica_of_child(&self, r: RscId) -> Option<Replica> {
        let top = self.st.top_parent(r);
        if !self.is_bundle(top) {
            return None;
        }
        self.bundle_replicas(top)
            .into_iter()
            .find(|rep| rep.child == Some(r))
    }

    /// `rsc->exclusive_discover`.
    fn exclusive_discover(&self, r: RscId) -> bool {
        if self.rsc(r).flags.exclusive_discover {
            return true;
        }
        let mut any = false;
        self.for_locations_reaching(r, |l| {
            any |= l.discovery == crate::placement::Discovery::Exclusive;
        });
        any
    }

    /// `pcmk__probe_rsc_on_node`.
    fn probe_rsc_on_node(&mut self, r: RscId, n: NodeId) -> bool {
        let top = self.uber_parent(r);
        if self.st.is_guest_or_remote(n) {
            if self
                .rsc_class(r)
                .is_some_and(|c| c.eq_ignore_ascii_case("stonith"))
            {
                return false;
            }
            if self.st.is_guest_node(n) && self.contains_guest_node(r).is_some() {
                return false;
            }
            if self.rsc(r).is_remote_node {
                return false;
            }
        }
        let kids = self.children(r);
        if !kids.is_empty() {
            return self.probe_list(&kids, n);
        }
        let res = self.rsc(r);
        if res.container.is_some() && !res.is_remote_node {
            return false;
        }
        if res.flags.orphan {
            return false;
        }
        if res
            .known_on
            .iter()
            .any(|&k| self.node(k).id == self.node(n).id)
        {
            return false;
        }
        let mode = self.discover_mode(r, n);
        if self.exclusive_discover(r) || self.exclusive_discover(top) {
            match mode {
                None => return false,
                Some(m) if m != crate::placement::Discovery::Exclusive => return false,
                _ => {}
            }
        }
        if mode == Some(crate::placement::Discovery::Never)
            || (mode.is_none() && self.node(n).discover_never)
        {
            return false;
        }
        if self.st.is_guest_node(n) {
            let guest = self.node(n).remote_rsc.and_then(|c| self.rsc(c).container);
            if let Some(g) = guest {
                if self.rsc(g).role == Role::Stopped {
                    self.probe_then_start(g, top);
                    return false;
                } else if self.guest_resource_will_stop(n, g) {
                    let gs = op_key(&self.rsc(g).id, "stop", 0);
                    let ts = op_key(&self.rsc(top).id, "start", 0);
                    self.new_ordering(
                        Some(g),
                        Some(gs),
                        None,
                        Some(top),
                        Some(ts),
                        None,
                        of::OPTIONAL,
                    );
                    return false;
                }
            }
        }
        let probe = self.probe_action(r, n);
        let mut target = top;
        if (self.rsc(r).flags.fence_device && self.st.options.enable_unfencing)
            || !self.is_clone(top)
        {
            target = r;
        }
        let mut flags = of::OPTIONAL;
        if !self.is_set(probe, af::RUNNABLE) && self.rsc(r).running_on.is_empty() {
            flags |= of::RUNNABLE_LEFT;
        }
        let ts = op_key(&self.rsc(target).id, "start", 0);
        self.new_ordering(
            Some(r),
            None,
            Some(probe),
            Some(target),
            Some(ts),
            None,
            flags,
        );
        let rl = op_key(&self.rsc(r).id, "reload-agent", 0);
        self.new_ordering(
            Some(r),
            None,
            Some(probe),
            Some(target),
            Some(rl),
            None,
            of::OPTIONAL,
        );
        true
    }

    /// `probe_then_start`.
    fn probe_then_start(&mut self, r1: RscId, r2: RscId) {
        if let Some(a) = self.alloc(r1) {
            let known = self
                .rsc(r1)
                .known_on
                .iter()
                .any(|&k| self.node(k).id == self.node(a).id);
            if !known {
                let k1 = op_key(&self.rsc(r1).id, "monitor", 0);
                let k2 = op_key(&self.rsc(r2).id, "start", 0);
                self.new_ordering(
                    Some(r1),
                    Some(k1),
                    None,
                    Some(r2),
                    Some(k2),
                    None,
                    of::OPTIONAL,
                );
            }
        }
    }

    /// `guest_resource_will_stop`.
    fn guest_resource_will_stop(&self, n: NodeId, guest: RscId) -> bool {
        let node = self.node(n);
        let g = self.rsc(guest);
        node.remote_requires_reset
            || node.unclean
            || g.flags.failed
            || g.next_role == Role::Stopped
            || (g.role > Role::Stopped
                && self.alloc(guest).is_some_and(|a| {
                    !g.running_on
                        .iter()
                        .any(|&x| self.node(x).uname.eq_ignore_ascii_case(&self.node(a).uname))
                }))
    }

    /// `probe_action`.
    fn probe_action(&mut self, r: RscId, n: NodeId) -> ActionId {
        let key = op_key(&self.rsc(r).id, "monitor", 0);
        let probe = self.custom_action(Some(r), key, "monitor", Some(n), false);
        self.clear_flag(probe, af::OPTIONAL);
        self.order_vs_unfence(r, n, probe, of::OPTIONAL);
        let running = self
            .rsc(r)
            .running_on
            .iter()
            .any(|&x| self.node(x).id == self.node(n).id);
        if !running {
            self.act_mut(probe)
                .meta
                .insert("op_target_rc".into(), "7".into());
        } else if self.rsc(r).role == Role::Promoted {
            self.act_mut(probe)
                .meta
                .insert("op_target_rc".into(), "8".into());
        }
        probe
    }

    /// `clone_create_probe`.
    fn clone_create_probe(&mut self, r: RscId, n: NodeId) -> bool {
        self.sort_by_instance_number(r);
        let kids = self.children(r);
        if kids.is_empty() {
            return false;
        }
        if self.exclusive_discover(r) {
            if let Some(m) = self.discover_mode(r, n) {
                if m != crate::placement::Discovery::Exclusive {
                    return false;
                }
            }
        }
        if self.rsc(r).flags.unique {
            return self.probe_list(&kids, n);
        }
        let mut child = kids.iter().copied().find(|&c| self.rsc_known_on(c, n));
        if child.is_none() {
            child = kids
                .iter()
                .copied()
                .find(|&c| self.location(c, false) == Some(n));
        }
        let child = child.unwrap_or(kids[0]);
        self.create_probe(child, n)
    }

    /// `rsc_known_on` of the clone code: the resource or a descendant.
    fn rsc_known_on(&self, r: RscId, n: NodeId) -> bool {
        let kids = &self.rx[r.0].children;
        if !kids.is_empty() {
            return kids.iter().any(|&c| self.rsc_known_on(c, n));
        }
        self.rsc(r).known_on.iter().any(|&k| k == n)
    }

    /// `pcmk__bundle_create_probe`.
    fn bundle_create_probe(&mut self, r: RscId, n: NodeId) -> bool {
        let replicas = self.bundle_replicas(r);
        let per_host = match &self.rsc(r).kind {
            ResourceKind::Bundle(b) => b.nreplicas_per_host,
            _ => 1,
        };
        let mut any = false;
        for rep in &replicas {
            if let Some(ip) = rep.ip {
                if self.create_probe(ip, n) {
                    any = true;
                }
            }
            if let Some(ch) = rep.child {
                if rep.node == Some(n) && self.create_probe(ch, n) {
                    any = true;
                }
            }
            if self.create_probe(rep.container, n) {
                any = true;
                if per_host == 1 {
                    for other in &replicas {
                        if other.container == rep.container {
                            continue;
                        }
                        let k1 = op_key(&self.rsc(rep.container).id, "monitor", 0);
                        let k2 = op_key(&self.rsc(other.container).id, "start", 0);
                        self.new_ordering(
                            Some(rep.container),
                            Some(k1),
                            None,
                            Some(other.container),
                            Some(k2),
                            None,
                            of::OPTIONAL | of::SAME_NODE,
                        );
                    }
                }
            }
            if let Some(rem) = rep.remote {
                if self.create_probe(rem, n) {
                    let key = op_key(&self.rsc(rem).id, "monitor", 0);
                    let probe =
                        self.find_first_action(&self.rx[rem.0].actions, Some(&key), None, Some(n));
                    if let Some(p) = probe {
                        any = true;
                        let cs = op_key(&self.rsc(rep.container).id, "start", 0);
                        self.new_ordering(
                            Some(rep.container),
                            Some(cs),
                            None,
                            Some(rem),
                            None,
                            Some(p),
                            of::PROBE,
                        );
                    }
                }
            }
        }
        any
    }
}

/// A boolean cluster option with its default.
fn is_true_default(map: &BTreeMap<String, String>, name: &str, default: bool) -> bool {
    match map.get(name) {
        Some(v) => cib::value::is_true(Some(v)),
        None => default,
    }
}
