//! Fencing, shutdown and remote connections (`pe_fence_op` and
//! `pe_fence_node` of libpe_status, `pcmk_sched_fencing.c`,
//! `schedule_fencing_and_shutdowns` of `pcmk_sched_allocate.c`,
//! `pcmk_sched_remote.c`).

use super::*;
use notify::add_meta;

/// State of a remote node's connection (`enum remote_connection_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RemoteState {
    Unknown,
    Alive,
    Resting,
    Failed,
    Stopped,
}

impl Ws<'_> {
    /// `pe_fence_op`: the fencing action of a node (created once), made
    /// required when asked and possible.
    pub(super) fn fence_op(
        &mut self,
        n: NodeId,
        op: Option<&str>,
        optional: bool,
        reason: Option<&str>,
        priority_delay: bool,
    ) -> ActionId {
        let op = op
            .map(str::to_string)
            .unwrap_or_else(|| self.stonith_action());
        let key = format!("stonith-{}-{}", self.node(n).uname, op);
        let a = match self.singletons.get(&key) {
            Some(&a) => a,
            None => {
                let a = self.custom_action(None, key, "stonith", Some(n), true);
                let uname = self.node(n).uname.clone();
                let id = self.node(n).id.clone();
                let act = self.act_mut(a);
                add_meta(act, "on_node", &uname);
                add_meta(act, "on_node_uuid", &id);
                add_meta(act, "stonith_action", &op);
                a
            }
        };
        let delay_s = self.priority_fencing_delay_s();
        if delay_s > 0
            && (priority_delay || self.act(a).meta.contains_key("priority-fencing-delay"))
        {
            let d = self.node_priority_fencing_delay(n, delay_s);
            self.act_mut(a)
                .meta
                .insert("priority-fencing-delay".into(), d.to_string());
        }
        if !optional && self.can_fence(n) {
            self.clear_flag(a, af::OPTIONAL);
            self.set_reason(a, reason, false);
        } else if let (Some(r), None) = (reason, &self.act(a).reason) {
            self.act_mut(a).reason = Some(r.to_string());
        }
        a
    }

    /// The `stonith-action` cluster option (`reboot`, or `off`).
    fn stonith_action(&self) -> String {
        match self
            .st
            .options
            .all
            .get("stonith-action")
            .map(String::as_str)
        {
            Some("off") | Some("poweroff") => "off".to_string(),
            _ => "reboot".to_string(),
        }
    }

    fn priority_fencing_delay_s(&self) -> i64 {
        self.st
            .options
            .all
            .get("priority-fencing-delay")
            .and_then(|v| create::get_msec(v))
            .map_or(0, |ms| ms / 1000)
    }

    /// `node_priority_fencing_delay`.
    fn node_priority_fencing_delay(&self, n: NodeId, delay_s: i64) -> i64 {
        let node = self.node(n);
        if node.kind != NodeKind::Member || node.online {
            return 0;
        }
        let mut members = 0;
        let mut online = 0;
        let mut top = 0;
        let mut lowest = 0;
        for &m in &self.st.node_order {
            let x = self.node(m);
            if x.kind != NodeKind::Member {
                continue;
            }
            members += 1;
            if x.online {
                online += 1;
            }
            let p = self.node_priority(m);
            if members == 1 || p > top {
                top = p;
            }
            if members == 1 || p < lowest {
                lowest = p;
            }
        }
        if online > members / 2 || lowest == top || self.node_priority(n) < top {
            return 0;
        }
        delay_s
    }

    /// A node's priority: the `priority` node attribute plus the priority
    /// of the resources active there.
    fn node_priority(&self, n: NodeId) -> i64 {
        let base = self
            .node(n)
            .attrs
            .get("priority")
            .map_or(0, |v| crate::util::parse_int(Some(v), 0));
        let mut p = base;
        for &r in &self.node(n).running_rsc {
            let res = self.rsc(r);
            let prio = i64::from(res.priority);
            if prio == 0 {
                continue;
            }
            if res.role == Role::Promoted {
                p += prio + 1;
            } else {
                p += prio;
            }
        }
        p
    }

    /// `pe_fence_node`: marks a node for fencing (guests through their
    /// container).
    pub(super) fn fence_node(&mut self, n: NodeId, reason: &str, priority_delay: bool) {
        if self.st.is_guest_node(n) {
            let container = self.node(n).remote_rsc.and_then(|c| self.rsc(c).container);
            if let Some(c) = container {
                let f = self.rsc(c).flags;
                if !f.failed && f.managed {
                    self.st.nodes[n.0].remote_requires_reset = true;
                    let f = &mut self.st.resources[c.0].flags;
                    f.failed = true;
                    f.stop = true;
                }
            }
        } else if self.is_dangling_guest_node(n) {
            if let Some(c) = self.node(n).remote_rsc {
                let f = &mut self.st.resources[c.0].flags;
                f.failed = true;
                f.stop = true;
            }
        } else if self.st.is_remote_node(n) {
            let conn = self.node(n).remote_rsc;
            if conn.is_some_and(|c| !self.rsc(c).flags.managed) {
                // An unmanaged connection is not fenced.
            } else if !self.node(n).remote_requires_reset {
                self.st.nodes[n.0].remote_requires_reset = true;
            }
            self.st.nodes[n.0].unclean = true;
            self.fence_op(n, None, true, Some(reason), false);
        } else if self.node(n).unclean {
            // Already marked.
        } else {
            self.st.nodes[n.0].unclean = true;
            self.fence_op(n, None, true, Some(reason), priority_delay);
        }
    }

    fn is_dangling_guest_node(&self, n: NodeId) -> bool {
        self.st.is_guest_or_remote(n)
            && self.node(n).remote_rsc.is_some_and(|r| {
                let r = self.rsc(r);
                r.container.is_none() && r.flags.orphan_container_filler
            })
    }

    /// `pcmk__node_unfenced`.
    fn node_unfenced(&self, n: NodeId) -> bool {
        self.node(n)
            .attrs
            .get("#node-unfenced")
            .is_some_and(|v| v != "0")
    }

    /// `trigger_unfencing`.
    pub(super) fn trigger_unfencing(
        &mut self,
        r: Option<RscId>,
        node: Option<NodeId>,
        reason: &str,
        dependency: Option<ActionId>,
    ) {
        if !self.st.options.enable_unfencing {
            return;
        }
        if r.is_some_and(|r| !self.rsc(r).flags.fence_device) {
            return;
        }
        if let Some(n) = node {
            let nd = self.node(n);
            if nd.online && !nd.unclean && !nd.shutdown {
                let unfence = self.fence_op(n, Some("on"), false, Some(reason), false);
                if let Some(d) = dependency {
                    self.order_actions(unfence, d, of::OPTIONAL);
                }
                return;
            }
        }
        if let Some(r) = r {
            let allowed: Vec<NodeId> = match self.pl.resources.get(r.0) {
                Some(p) => p.allowed.keys().copied().collect(),
                None => self.rsc(r).allowed_nodes.keys().copied().collect(),
            };
            for n in allowed {
                let nd = self.node(n);
                if nd.online && !nd.unclean && !nd.shutdown {
                    self.trigger_unfencing(Some(r), Some(n), reason, dependency);
                }
            }
        }
    }

    /// `pcmk__order_vs_unfence`.
    pub(super) fn order_vs_unfence(&mut self, r: RscId, n: NodeId, action: ActionId, kind: u32) {
        let f = self.rsc(r).flags;
        if (f.fence_device && self.st.options.enable_unfencing) || f.needs_unfencing {
            let unfence = self.fence_op(n, Some("on"), true, None, false);
            self.order_actions(unfence, action, kind);
            if !self.node_unfenced(n) {
                let reason = format!("required by {} {}", self.rsc(r).id, self.act(action).task);
                self.trigger_unfencing(None, Some(n), &reason, None);
            }
        }
    }

    // ----- ordering around fencing -----

    /// `rsc_is_known_on`.
    fn rsc_is_known_on(&self, r: RscId, n: NodeId) -> bool {
        let known = |x: RscId| {
            self.rsc(x)
                .known_on
                .iter()
                .any(|&k| self.node(k).id == self.node(n).id)
        };
        if known(r) {
            return true;
        }
        if self.is_primitive(r) {
            if let Some(p) = self.rsc(r).parent {
                if self.is_anon_clone(p) && known(p) {
                    return true;
                }
            }
        }
        false
    }

    /// `order_start_vs_fencing`.
    fn order_start_vs_fencing(&mut self, r: RscId, stonith: ActionId) {
        let Some(target) = self.act(stonith).node else {
            return;
        };
        for a in self.rx[r.0].actions.clone().into_iter().rev() {
            match self.act(a).needs {
                Needs::Nothing => {}
                Needs::Fencing => {
                    self.order_actions(stonith, a, of::OPTIONAL);
                }
                Needs::Quorum => {
                    let allowed = self
                        .pl
                        .resources
                        .get(r.0)
                        .is_some_and(|p| p.allowed.contains_key(&target));
                    if self.act(a).task.eq_ignore_ascii_case("start")
                        && allowed
                        && !self.rsc_is_known_on(r, target)
                    {
                        self.order_actions(stonith, a, of::OPTIONAL | of::RUNNABLE_LEFT);
                    }
                }
            }
        }
    }

    /// `order_stop_vs_fencing`.
    fn order_stop_vs_fencing(&mut self, r: RscId, stonith: ActionId) {
        let Some(target) = self.act(stonith).node else {
            return;
        };
        let stops = self.resource_actions(r, Some(target), "stop", false);
        let order_implicit = self.rsc(r).flags.needs_fencing || self.st.is_guest_node(target);
        let top = self.uber_parent(r);
        let parent_stop = if !stops.is_empty() && order_implicit {
            self.find_first_action(&self.rx[top.0].actions, None, Some("stop"), None)
        } else {
            None
        };
        for stop in stops {
            self.set_flag(stop, af::PSEUDO | af::RUNNABLE);
            if order_implicit {
                self.set_flag(stop, af::IMPLIED_BY_STONITH);
                if !self.is_bundled(r) {
                    self.order_actions(stonith, stop, of::PRESERVE);
                }
                if let Some(ps) = parent_stop {
                    self.order_actions(stonith, ps, of::PRESERVE);
                }
            }
            if self.rsc(r).flags.notify {
                self.order_notifs_after_fencing(stop, r, stonith);
            }
        }
        for demote in self.resource_actions(r, Some(target), "demote", false) {
            let Some(dn) = self.act(demote).node else {
                continue;
            };
            let node = self.node(dn);
            if !node.online || node.unclean || self.rsc(r).flags.failed {
                self.set_flag(demote, af::PSEUDO | af::RUNNABLE);
                if self.is_bundled(r) {
                    // Recovery is ordered after the parent's implied stop.
                } else if order_implicit {
                    self.order_actions(stonith, demote, of::PRESERVE | of::OPTIONAL);
                }
            }
        }
    }

    fn rsc_stonith_ordering(&mut self, r: RscId, stonith: ActionId) {
        let kids = self.children(r);
        if !kids.is_empty() {
            for c in kids {
                self.rsc_stonith_ordering(c, stonith);
            }
        } else if self.rsc(r).flags.managed {
            self.order_start_vs_fencing(r, stonith);
            self.order_stop_vs_fencing(r, stonith);
        }
    }

    /// `pcmk__order_vs_fence`.
    fn order_vs_fence(&mut self, stonith: ActionId) {
        for r in self.top.clone() {
            self.rsc_stonith_ordering(r, stonith);
        }
    }

    /// `pcmk__fence_guest`.
    fn fence_guest(&mut self, n: NodeId) {
        let container = self.node(n).remote_rsc.and_then(|c| self.rsc(c).container);
        let mut fence_action = "off";
        let mut stop = None;
        if let Some(c) = container {
            stop = self.find_first_action(&self.rx[c.0].actions, None, Some("stop"), None);
            if self
                .find_first_action(&self.rx[c.0].actions, None, Some("start"), None)
                .is_some()
            {
                fence_action = "reboot";
            }
        }
        let stonith = self.fence_op(
            n,
            Some(fence_action),
            false,
            Some("guest is unclean"),
            false,
        );
        self.set_flag(stonith, af::PSEUDO | af::RUNNABLE);
        match stop {
            Some(s) if self.is_set(s, af::PSEUDO) => {
                if let Some(sn) = self.act(s).node {
                    let parent = self.fence_op(sn, None, false, None, false);
                    self.order_actions(parent, stonith, of::RUNNABLE_LEFT | of::IMPLIES_THEN);
                }
            }
            Some(s) => {
                self.order_actions(s, stonith, of::RUNNABLE_LEFT | of::IMPLIES_THEN);
            }
            None => {
                let conn_stop = self.node(n).remote_rsc.and_then(|c| {
                    self.find_first_action(&self.rx[c.0].actions, None, Some("stop"), None)
                });
                if let Some(s) = conn_stop {
                    self.order_actions(s, stonith, of::OPTIONAL);
                }
            }
        }
        self.order_vs_fence(stonith);
    }

    /// `pcmk__new_shutdown_action`.
    fn new_shutdown_action(&mut self, n: NodeId) -> ActionId {
        let key = format!("do_shutdown-{}", self.node(n).uname);
        let a = self.custom_action(None, key, "do_shutdown", Some(n), false);
        self.order_stops_before_shutdown(n, a);
        add_meta(self.act_mut(a), "op_no_wait", "true");
        a
    }

    /// `pcmk__order_stops_before_shutdown`.
    fn order_stops_before_shutdown(&mut self, n: NodeId, shutdown: ActionId) {
        for i in (0..self.actions.len()).rev() {
            let a = ActionId(i);
            let act = self.act(a);
            let Some(r) = act.rsc else {
                continue;
            };
            if act.node != Some(n) || !act.task.eq_ignore_ascii_case("stop") {
                continue;
            }
            let f = self.rsc(r).flags;
            if f.maintenance || self.node(n).maintenance {
                continue;
            }
            if !f.managed && !f.block {
                continue;
            }
            self.clear_flag(a, af::OPTIONAL);
            self.new_ordering(
                Some(r),
                None,
                Some(a),
                None,
                Some("do_shutdown".into()),
                Some(shutdown),
                of::OPTIONAL | of::RUNNABLE_LEFT,
            );
        }
    }

    /// Whether any resource (or descendant) is managed.
    fn any_managed(&self) -> bool {
        fn managed(ws: &Ws<'_>, r: RscId) -> bool {
            ws.rsc(r).flags.managed || ws.rx[r.0].children.iter().any(|&c| managed(ws, c))
        }
        self.top.iter().any(|&r| managed(self, r))
    }

    /// `schedule_fencing_and_shutdowns`.
    pub(super) fn schedule_fencing_and_shutdowns(&mut self) {
        let have_managed = self.any_managed();
        let mut dc_down: Option<ActionId> = None;
        let mut fencing_ops: Vec<ActionId> = Vec::new();
        let mut shutdown_ops: Vec<ActionId> = Vec::new();
        let concurrent = self
            .st
            .options
            .all
            .get("concurrent-fencing")
            .is_some_and(|v| cib::value::is_true(Some(v)));
        for n in self.st.node_order.clone() {
            if self.st.is_guest_node(n) {
                if self.node(n).remote_requires_reset && have_managed && self.can_fence(n) {
                    self.fence_guest(n);
                }
                continue;
            }
            let node = self.node(n);
            if have_managed && node.unclean && self.can_fence(n) {
                let stonith = self.fence_op(n, None, false, Some("node is unclean"), false);
                self.order_vs_fence(stonith);
                if self.node(n).is_dc {
                    dc_down = Some(stonith);
                } else {
                    if !concurrent {
                        if let Some(&last) = fencing_ops.first() {
                            self.order_actions(last, stonith, of::OPTIONAL);
                        }
                    }
                    fencing_ops.insert(0, stonith);
                }
            } else if !self.st.is_guest_or_remote(n) && node.online && node.shutdown {
                let down = self.new_shutdown_action(n);
                if self.node(n).is_dc {
                    dc_down = Some(down);
                } else {
                    shutdown_ops.insert(0, down);
                }
            }
        }
        if let Some(dc) = dc_down {
            if self.act(dc).task == "do_shutdown" {
                for &s in &shutdown_ops {
                    self.order_actions(s, dc, of::OPTIONAL);
                }
            }
            if concurrent {
                for &f in &fencing_ops {
                    self.order_actions(f, dc, of::OPTIONAL);
                }
            } else if let Some(&last) = fencing_ops.first() {
                self.order_actions(last, dc, of::OPTIONAL);
            }
        }
    }

    // ----- remote connections -----

    /// `get_remote_node_state`.
    fn remote_node_state(&self, n: NodeId) -> RemoteState {
        let Some(remote) = self.node(n).remote_rsc else {
            return RemoteState::Unknown;
        };
        let cluster_node = self.current_node(remote);
        let res = self.rsc(remote);
        if res.next_role == Role::Stopped || self.alloc(remote).is_none() {
            if cluster_node.is_some_and(|c| self.node(c).unclean) {
                return RemoteState::Failed;
            }
            if !res.flags.failed {
                return RemoteState::Stopped;
            }
            let shutdown_requested = self.node(n).attrs.get("shutdown").is_some_and(|v| v != "0");
            if res.next_role == Role::Stopped
                && res.remote_reconnect_ms > 0
                && self.node(n).remote_was_fenced
                && !shutdown_requested
            {
                return RemoteState::Unknown;
            }
            return RemoteState::Failed;
        }
        let Some(c) = cluster_node else {
            return RemoteState::Unknown;
        };
        let cn = self.node(c);
        if cn.unclean || !cn.online {
            return RemoteState::Resting;
        }
        if res.running_on.len() > 1
            && res.partial_migration_source.is_some()
            && res.partial_migration_target.is_some()
        {
            return RemoteState::Resting;
        }
        RemoteState::Alive
    }

    /// `pcmk__is_failed_remote_node`.
    pub(super) fn is_failed_remote_node(&self, n: NodeId) -> bool {
        self.st.is_remote_node(n)
            && self.node(n).remote_rsc.is_some()
            && self.remote_node_state(n) == RemoteState::Failed
    }

    fn order_start_then_action(&mut self, first: RscId, then: ActionId, extra: u32) {
        let key = op_key(&self.rsc(first).id, "start", 0);
        let then_rsc = self.act(then).rsc;
        self.new_ordering(
            Some(first),
            Some(key),
            None,
            then_rsc,
            None,
            Some(then),
            of::PRESERVE | of::RUNNABLE_LEFT | extra,
        );
    }

    fn order_action_then_stop(&mut self, first: ActionId, then: RscId, extra: u32) {
        let key = op_key(&self.rsc(then).id, "stop", 0);
        let first_rsc = self.act(first).rsc;
        self.new_ordering(
            first_rsc,
            None,
            Some(first),
            Some(then),
            Some(key),
            None,
            of::PRESERVE | extra,
        );
    }

    fn is_recurring(&self, a: ActionId) -> bool {
        self.act(a).meta.get("interval").is_some_and(|v| v != "0")
    }

    /// `apply_remote_ordering`.
    fn apply_remote_ordering(&mut self, a: ActionId) {
        let Some(n) = self.act(a).node else {
            return;
        };
        if self.act(a).rsc.is_none() {
            return;
        }
        let Some(remote) = self.node(n).remote_rsc else {
            return;
        };
        let state = self.remote_node_state(n);
        let mut task = order::text2task(&self.act(a).task);
        if matches!(self.act(a).task.as_str(), "migrate_to" | "migrate_from") {
            task = order::Task::Stop;
        }
        use order::Task;
        match task {
            Task::Start | Task::Promote => {
                let extra = if state == RemoteState::Failed {
                    of::IMPLIES_THEN
                } else {
                    of::NONE
                };
                self.order_start_then_action(remote, a, extra);
            }
            Task::Stop => {
                if state == RemoteState::Alive {
                    self.order_action_then_stop(a, remote, of::IMPLIES_FIRST);
                } else if state == RemoteState::Failed {
                    self.fence_node(
                        n,
                        "resources are active but connection is unrecoverable",
                        false,
                    );
                } else if self.rsc(remote).next_role == Role::Stopped {
                    self.order_action_then_stop(a, remote, of::IMPLIES_FIRST);
                } else {
                    self.order_start_then_action(remote, a, of::NONE);
                }
            }
            Task::Demote => {
                if matches!(state, RemoteState::Resting | RemoteState::Unknown) {
                    self.order_start_then_action(remote, a, of::NONE);
                }
            }
            _ => {
                if self.is_recurring(a) {
                    self.order_start_then_action(remote, a, of::IMPLIES_THEN);
                } else {
                    let cluster_node = self.current_node(remote);
                    if task == Task::Monitor && state == RemoteState::Failed {
                        self.fence_node(
                            n,
                            "resources are in unknown state and connection is unrecoverable",
                            false,
                        );
                    }
                    if cluster_node.is_some() && state == RemoteState::Stopped {
                        self.order_action_then_stop(a, remote, of::RUNNABLE_LEFT);
                    } else {
                        self.order_start_then_action(remote, a, of::NONE);
                    }
                }
            }
        }
    }

    /// `apply_container_ordering`.
    fn apply_container_ordering(&mut self, a: ActionId) {
        let Some(n) = self.act(a).node else {
            return;
        };
        let Some(remote) = self.node(n).remote_rsc else {
            return;
        };
        let Some(container) = self.rsc(remote).container else {
            return;
        };
        if self.rsc(container).flags.failed {
            self.fence_node(n, "container failed", false);
        }
        let mut task = order::text2task(&self.act(a).task);
        if matches!(self.act(a).task.as_str(), "migrate_to" | "migrate_from") {
            task = order::Task::Stop;
        }
        use order::Task;
        match task {
            Task::Start | Task::Promote => {
                self.order_start_then_action(container, a, of::IMPLIES_THEN);
                self.order_start_then_action(remote, a, of::NONE);
            }
            Task::Stop | Task::Demote => {
                if !self.rsc(container).flags.failed {
                    self.order_action_then_stop(a, remote, of::NONE);
                }
            }
            _ => {
                if self.is_recurring(a) {
                    if task != Task::None {
                        self.order_start_then_action(remote, a, of::IMPLIES_THEN);
                    }
                } else {
                    self.order_start_then_action(remote, a, of::NONE);
                }
            }
        }
    }

    /// `pcmk__order_remote_connection_actions`.
    pub(super) fn order_remote_connection_actions(&mut self) {
        let have_remote = self
            .st
            .node_order
            .iter()
            .any(|&n| self.st.is_guest_or_remote(n));
        if !have_remote {
            return;
        }
        for i in (0..self.actions.len()).rev() {
            let a = ActionId(i);
            let Some(r) = self.act(a).rsc else {
                continue;
            };
            if self.rsc(r).is_remote_node
                && self.act(a).task.eq_ignore_ascii_case("clear_failcount")
            {
                let key = op_key(&self.rsc(r).id, "start", 0);
                self.new_ordering(
                    Some(r),
                    None,
                    Some(a),
                    Some(r),
                    Some(key),
                    None,
                    of::OPTIONAL,
                );
                continue;
            }
            let Some(n) = self.act(a).node else {
                continue;
            };
            if !self.st.is_guest_or_remote(n) || self.is_set(a, af::PSEUDO) {
                continue;
            }
            let Some(remote) = self.node(n).remote_rsc else {
                continue;
            };
            if self.act(a).task.eq_ignore_ascii_case("start") {
                for x in self.rx[r.0].actions.clone().into_iter().rev() {
                    let xa = self.act(x);
                    if xa.node.is_some_and(|xn| xn != n) && xa.task.eq_ignore_ascii_case("stop") {
                        let key = op_key(&self.rsc(remote).id, "start", 0);
                        self.new_ordering(
                            Some(remote),
                            Some(key),
                            None,
                            Some(r),
                            None,
                            Some(x),
                            of::OPTIONAL,
                        );
                    }
                }
            }
            if self.rsc(remote).container.is_some() {
                self.apply_container_ordering(a);
            } else {
                self.apply_remote_ordering(a);
            }
        }
    }
}
