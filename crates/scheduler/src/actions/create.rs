//! Creating actions: each resource kind's `create_actions`, the role change
//! table of primitives, recurring monitors, live migration and clean-up
//! (Pacemaker's `pcmk_sched_primitive.c`, `pcmk_sched_group.c`,
//! `pcmk_sched_clone.c`, `pcmk_sched_promotable.c`, `pcmk_sched_bundle.c`,
//! `pcmk_sched_recurring.c`, `pcmk_sched_migration.c`, and
//! `unpack_operation` of `pe_actions.c`).

use super::*;
use crate::unpack::nvsets::unpack_sets;
use crate::unpack::rules::RuleCtx;
use crate::util::parse_op_key;

/// One step of a role change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Stop,
    Start,
    Promote,
    Demote,
}

fn role_index(r: Role) -> usize {
    match r {
        Role::Unknown => 0,
        Role::Stopped => 1,
        Role::Started => 2,
        Role::Unpromoted => 3,
        Role::Promoted => 4,
    }
}

/// The next role on the way from `current` to `target`
/// (`rsc_state_matrix`).
fn next_role_toward(current: Role, target: Role) -> Role {
    use Role::*;
    const M: [[Role; 5]; 5] = [
        [Unknown, Stopped, Stopped, Stopped, Stopped],
        [Stopped, Stopped, Started, Unpromoted, Unpromoted],
        [Stopped, Stopped, Started, Unpromoted, Promoted],
        [Stopped, Stopped, Stopped, Unpromoted, Promoted],
        [Stopped, Unpromoted, Unpromoted, Unpromoted, Promoted],
    ];
    M[role_index(current)][role_index(target)]
}

/// The action taking a resource from `current` to the adjacent role `next`
/// (`rsc_action_matrix`); `None` where nothing is done (or where
/// Pacemaker would assert).
fn step_between(current: Role, next: Role) -> Option<Step> {
    use Step::*;
    const M: [[Option<Step>; 5]; 5] = [
        [None, Some(Stop), None, None, None],
        [None, None, Some(Start), Some(Start), None],
        [None, Some(Stop), None, None, Some(Promote)],
        [None, Some(Stop), Some(Stop), None, Some(Promote)],
        [None, Some(Demote), Some(Demote), Some(Demote), None],
    ];
    M[role_index(current)][role_index(next)]
}

/// Pacemaker's `crm_get_msec`: milliseconds in a duration, `None` when it
/// is not one.
pub(crate) fn get_msec(text: &str) -> Option<i64> {
    if text.trim_start().starts_with('P') {
        return None;
    }
    cib::rules::parse_interval_spec(text).map(i64::from)
}

/// An `<op>`'s interval in milliseconds (`crm_parse_interval_spec`).
pub(crate) fn op_interval_ms(op: &cib::Op) -> u64 {
    cib::value::parse_duration_ms(op.interval.raw()).unwrap_or(0)
}

/// An `<op>` element's attributes as written.
pub(crate) fn op_attributes(op: &cib::Op) -> Vec<(String, String)> {
    let mut out = vec![
        ("id".to_string(), op.id.clone()),
        ("name".to_string(), op.name.clone()),
    ];
    if !op.interval.raw().is_empty() {
        out.push(("interval".into(), op.interval.raw().to_string()));
    }
    if let Some(t) = &op.timeout {
        out.push(("timeout".into(), t.raw().to_string()));
    }
    if let Some(t) = &op.start_delay {
        out.push(("start-delay".into(), t.raw().to_string()));
    }
    if let Some(t) = &op.interval_origin {
        out.push(("interval-origin".into(), t.clone()));
    }
    if let Some(t) = &op.role {
        out.push(("role".into(), t.raw().to_string()));
    }
    if let Some(t) = &op.on_fail {
        out.push(("on-fail".into(), t.raw().to_string()));
    }
    if let Some(t) = &op.enabled {
        out.push(("enabled".into(), t.raw().to_string()));
    }
    if let Some(t) = &op.record_pending {
        out.push(("record-pending".into(), t.raw().to_string()));
    }
    if let Some(t) = &op.description {
        out.push(("description".into(), t.clone()));
    }
    out.extend(op.extra.attrs.iter().cloned());
    out
}

impl Ws<'_> {
    /// `unpack_operation`: an action's meta-attributes (defaults, the
    /// operation's own), timeout, what it needs, and its start delay.
    pub(super) fn unpack_operation(&self, action: &mut Action, r: RscId, interval_ms: u64) {
        let ResourceKind::Primitive(spec) = &self.rsc(r).kind else {
            return;
        };
        let ctx = RuleCtx {
            now: self.st.now,
            rsc: Some((
                spec.class.as_str(),
                spec.provider.as_deref(),
                spec.agent.as_str(),
            )),
            op: Some((action.task.as_str(), interval_ms)),
            ..Default::default()
        };
        let mut meta = BTreeMap::new();
        if let Some(d) = &self.cib.configuration.op_defaults {
            unpack_sets(&self.ix, &d.meta_attributes, &ctx, &mut meta, false, None);
        }
        let is_probe = action.task == "monitor" && interval_ms == 0;
        if is_probe {
            if let Some(t) = self.min_interval_monitor_timeout(r) {
                meta.insert("timeout".to_string(), t);
            }
        }
        if let Some(op) = &action.op_entry {
            unpack_sets(&self.ix, &op.meta_attributes, &ctx, &mut meta, true, None);
            for (k, v) in op_attributes(op) {
                meta.insert(k, v);
            }
        }
        meta.remove("id");
        if interval_ms > 0 {
            meta.insert("interval".into(), interval_ms.to_string());
        } else {
            meta.remove("interval");
        }
        if spec.class.eq_ignore_ascii_case("stonith") && (action.task == "start" || is_probe) {
            let params = self.rsc_params(r, action.node);
            if let Some(v) = params.get("pcmk_monitor_timeout") {
                meta.insert("timeout".into(), v.clone());
            }
        }
        let timeout_ms = meta
            .get("timeout")
            .and_then(|v| get_msec(v))
            .unwrap_or(20_000);
        meta.insert("timeout".into(), timeout_ms.to_string());
        let res = self.rsc(r);
        action.needs = if action.task != "start" && action.task != "promote" {
            Needs::Nothing
        } else if res.flags.needs_fencing {
            Needs::Fencing
        } else if res.flags.needs_quorum {
            Needs::Quorum
        } else {
            Needs::Nothing
        };
        if let Some(v) = meta.get("on-fail") {
            if v.eq_ignore_ascii_case("block") && self.on_fail_allowed(action, v) {
                meta.insert("on-fail".into(), "block".into());
            }
        }
        if let Some(v) = meta.get("start-delay").cloned() {
            let delay = get_msec(&v).unwrap_or(0).max(0);
            meta.insert("start-delay".into(), delay.to_string());
        } else if let Some(origin) = meta.get("interval-origin").cloned() {
            if interval_ms > 0 {
                if let Some(delay) = interval_origin_delay(&origin, interval_ms, self.st.now) {
                    meta.insert("start-delay".into(), delay.to_string());
                }
            }
        }
        action.meta = meta;
    }

    fn on_fail_allowed(&self, action: &Action, _value: &str) -> bool {
        action.task != "stop"
    }

    /// The timeout of the enabled recurring monitor with the smallest
    /// interval (`find_min_interval_mon`), as written.
    fn min_interval_monitor_timeout(&self, r: RscId) -> Option<String> {
        let ops = self.prim_config(r)?.operations.as_ref()?;
        let mut best: Option<(u64, &cib::Op)> = None;
        for op in &ops.ops {
            if op.enabled.as_ref().and_then(|e| e.get()) == Some(false) {
                continue;
            }
            if !op.name.eq_ignore_ascii_case("monitor") {
                continue;
            }
            let i = op_interval_ms(op);
            if i > 0 && best.map_or(true, |(b, _)| i < b) {
                best = Some((i, op));
            }
        }
        best.and_then(|(_, op)| op.timeout.as_ref().map(|t| t.raw().to_string()))
    }

    /// `pe_rsc_params`: the resource's instance attributes for a node (its
    /// own sets, then its parents' for names it lacks).
    pub fn rsc_params(&self, r: RscId, node: Option<NodeId>) -> BTreeMap<String, String> {
        let ctx = RuleCtx {
            now: self.st.now,
            node_attrs: node.map(|n| &self.node(n).attrs),
            ..Default::default()
        };
        let mut out = BTreeMap::new();
        let mut cur = Some(r);
        while let Some(c) = cur {
            let mut mine = BTreeMap::new();
            unpack_sets(
                &self.ix,
                self.instance_sets(c),
                &ctx,
                &mut mine,
                false,
                None,
            );
            for (k, v) in mine {
                out.entry(k).or_insert(v);
            }
            cur = self.rsc(c).parent;
        }
        out
    }

    /// Whether [`Ws::rsc_params`] gives the same for every node: no
    /// instance attribute set of the resource or its parents has a rule.
    pub fn rsc_params_node_independent(&self, r: RscId) -> bool {
        let mut cur = Some(r);
        while let Some(c) = cur {
            let ruled = self
                .instance_sets(c)
                .iter()
                .any(|s| self.ix.expand_set(s).is_some_and(|e| !e.rules.is_empty()));
            if ruled {
                return false;
            }
            cur = self.rsc(c).parent;
        }
        true
    }

    /// A resource's own instance attribute sets.
    fn instance_sets(&self, r: RscId) -> &[cib::NvSet] {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(p) => p
                .config
                .as_ref()
                .map_or(&[], |c| c.instance_attributes.as_slice()),
            ResourceKind::Clone(_) => match self.find_config(&self.rsc(r).xml_id) {
                Some(cib::Resource::Clone(cc)) => &cc.instance_attributes,
                _ => &[],
            },
            ResourceKind::Group => match self.find_config(&self.rsc(r).xml_id) {
                Some(cib::Resource::Group(g)) => &g.instance_attributes,
                _ => &[],
            },
            ResourceKind::Bundle(_) => &[],
        }
    }

    fn find_config(&self, id: &str) -> Option<&cib::Resource> {
        self.config_ix.get(id).copied()
    }

    // ----- primitives -----

    /// `pe__find_active_on` with counts: the active node, and how many
    /// nodes (all, and clean ones) it is active on.
    pub fn find_active_on(&self, r: RscId) -> (Option<NodeId>, usize, usize) {
        let res = self.rsc(r);
        let mut active: Option<NodeId> = None;
        let mut all = 0;
        let mut clean = 0;
        for &n in &res.running_on {
            let node = self.node(n);
            let happy = node.online && !node.unclean;
            all += 1;
            if happy {
                clean += 1;
            }
            if let Some(src) = res.partial_migration_source {
                if n == src {
                    active = Some(n);
                }
            } else if !res.flags.needs_fencing {
                let active_happy = active.is_some_and(|a| {
                    let an = self.node(a);
                    an.online && !an.unclean
                });
                if happy && !active_happy {
                    active = Some(n);
                }
            }
            if active.is_none() {
                active = Some(n);
            }
        }
        (active, all, clean)
    }

    /// `pcmk__primitive_create_actions`.
    pub(super) fn primitive_create_actions(&mut self, r: RscId) {
        if self.rsc(r).next_role == Role::Unknown {
            self.st.resources[r.0].next_role = if self.alloc(r).is_none() {
                Role::Stopped
            } else {
                Role::Started
            };
        }
        let (current, num_all, num_clean) = self.find_active_on(r);
        for n in self.rsc(r).dangling_migrations.clone() {
            self.abort_dangling_migration(r, n);
        }
        let alloc = self.alloc(r);
        let mut need_stop = false;
        let mut need_promote = false;
        let mut is_moving = false;
        let mut allow_migrate = false;
        let mut multiply_active = false;
        if let (Some(c), Some(a)) = (current, alloc) {
            if c != a && self.rsc(r).next_role >= Role::Started {
                is_moving = true;
                allow_migrate = self.can_migrate(r, current);
                need_stop = true;
            }
        }
        let res = self.rsc(r);
        let (src, tgt) = (res.partial_migration_source, res.partial_migration_target);
        if src.is_some()
            && tgt.is_some()
            && allow_migrate
            && num_all == 2
            && current == src
            && alloc == tgt
        {
            // The partial migration continues.
        } else if src.is_some() || tgt.is_some() {
            need_stop = true;
            let res = &mut self.st.resources[r.0];
            res.partial_migration_source = None;
            res.partial_migration_target = None;
            allow_migrate = false;
        } else if self.rsc(r).flags.needs_fencing {
            multiply_active = num_all > 1;
        } else {
            multiply_active = num_clean > 1;
        }
        if multiply_active {
            match self.rsc(r).recovery {
                MultipleActive::StopStart => need_stop = true,
                MultipleActive::StopUnexpected => {
                    need_stop = true;
                    self.rx[r.0].stop_unexpected = true;
                }
                _ => {}
            }
        } else {
            self.rx[r.0].stop_unexpected = false;
        }
        if self.rsc(r).flags.start_pending {
            let start = self.rsc_action(r, "start", alloc, true);
            self.set_flag(start, af::PRINT_ALWAYS);
        }
        let f = self.rsc(r).flags;
        if is_moving {
            // Only resources staying where they are need the checks below.
        } else if f.failed {
            if f.stop {
                need_stop = true;
            } else if self.rsc(r).next_role == Role::Promoted {
                need_promote = true;
            }
        } else if f.block {
            need_stop = true;
        } else if self.rsc(r).role > Role::Started && current.is_some() && alloc.is_some() {
            let start = self.rsc_action(r, "start", alloc, true);
            if !self.is_set(start, af::OPTIONAL) {
                need_stop = true;
            }
        }
        self.schedule_restart_actions(r, current, need_stop, need_promote);
        self.schedule_role_transition_actions(r);
        self.create_recurring_actions(r);
        if allow_migrate {
            self.create_migration_actions(r, current);
        }
    }

    fn do_step(&mut self, step: Step, r: RscId, node: Option<NodeId>, optional: bool) {
        match step {
            Step::Stop => self.stop_resource(r, optional),
            Step::Start => self.start_resource(r, node, optional),
            Step::Promote => self.promote_resource(r, node, optional),
            Step::Demote => self.demote_resource(r, optional),
        }
    }

    /// `schedule_restart_actions`: down to stopped on the current node, and
    /// back up to the current role on the assigned node.
    fn schedule_restart_actions(
        &mut self,
        r: RscId,
        current: Option<NodeId>,
        need_stop: bool,
        need_promote: bool,
    ) {
        self.rx[r.0].restarting = true;
        let mut role = self.rsc(r).role;
        while role != Role::Stopped {
            let next = next_role_toward(role, Role::Stopped);
            let Some(step) = step_between(role, next) else {
                break;
            };
            self.do_step(step, r, current, !need_stop);
            role = next;
        }
        loop {
            let res = self.rsc(r);
            if !(res.role <= res.next_role && role != res.role && !res.flags.block) {
                break;
            }
            let mut required = need_stop;
            let next = next_role_toward(role, res.role);
            if next == Role::Promoted && need_promote {
                required = true;
            }
            let Some(step) = step_between(role, next) else {
                break;
            };
            let alloc = self.alloc(r);
            self.do_step(step, r, alloc, !required);
            role = next;
        }
        self.rx[r.0].restarting = false;
    }

    /// `schedule_role_transition_actions`: from the current role to the
    /// next one.
    fn schedule_role_transition_actions(&mut self, r: RscId) {
        let mut role = self.rsc(r).role;
        while role != self.rsc(r).next_role {
            let next = next_role_toward(role, self.rsc(r).next_role);
            let Some(step) = step_between(role, next) else {
                break;
            };
            let alloc = self.alloc(r);
            self.do_step(step, r, alloc, false);
            role = next;
        }
    }

    /// `is_expected_node`.
    fn is_expected_node(&self, r: RscId, node: NodeId) -> bool {
        self.rx[r.0].stop_unexpected
            && self.rx[r.0].restarting
            && self.rsc(r).next_role > Role::Stopped
            && self.alloc(r) == Some(node)
    }

    /// `stop_resource`.
    fn stop_resource(&mut self, r: RscId, optional: bool) {
        for current in self.rsc(r).running_on.clone() {
            let mut optional = optional;
            if self.is_expected_node(r, current) {
                continue;
            }
            if let Some(t) = self.rsc(r).partial_migration_target {
                if current == t && self.alloc(r) == Some(current) {
                    continue;
                }
                optional = false;
            }
            let stop = self.rsc_action(r, "stop", Some(current), optional);
            if self.alloc(r).is_none() {
                self.set_reason(stop, Some("node availability"), true);
            } else if self.rx[r.0].restarting && self.rx[r.0].stop_unexpected {
                self.set_reason(stop, Some("being multiply active"), true);
            }
            if !self.rsc(r).flags.managed {
                self.clear_flag(stop, af::RUNNABLE);
            }
            if is_true_option(&self.st.options.all, "remove-after-stop") {
                self.schedule_cleanup(r, current, optional);
            }
            if self.rsc(r).flags.needs_unfencing {
                let unfence = self.fence_op(current, Some("on"), true, None, false);
                self.order_actions(stop, unfence, of::IMPLIES_FIRST);
            }
        }
    }

    /// `start_resource`.
    fn start_resource(&mut self, r: RscId, node: Option<NodeId>, optional: bool) {
        let Some(n) = node else {
            return;
        };
        let start = self.rsc_action(r, "start", Some(n), true);
        self.order_vs_unfence(r, n, start, of::IMPLIES_THEN);
        if self.is_set(start, af::RUNNABLE) && !optional {
            self.clear_flag(start, af::OPTIONAL);
        }
        if self.is_expected_node(r, n) {
            self.set_flag(start, af::PSEUDO);
        }
    }

    /// `promote_resource`.
    fn promote_resource(&mut self, r: RscId, node: Option<NodeId>, optional: bool) {
        let Some(n) = node else {
            return;
        };
        let starts = self.resource_actions(r, Some(n), "start", true);
        let runnable = starts.iter().all(|&s| self.is_set(s, af::RUNNABLE));
        if runnable {
            let promote = self.rsc_action(r, "promote", Some(n), optional);
            if self.is_expected_node(r, n) {
                self.set_flag(promote, af::PSEUDO);
            }
        } else {
            for p in self.resource_actions(r, Some(n), "promote", true) {
                self.clear_flag(p, af::RUNNABLE);
            }
        }
    }

    /// `demote_resource`.
    fn demote_resource(&mut self, r: RscId, optional: bool) {
        for current in self.rsc(r).running_on.clone() {
            if self.is_expected_node(r, current) {
                continue;
            }
            self.rsc_action(r, "demote", Some(current), optional);
        }
    }

    /// `pcmk__schedule_cleanup`.
    pub(super) fn schedule_cleanup(&mut self, r: RscId, node: NodeId, optional: bool) {
        let flag = if optional {
            of::IMPLIES_THEN
        } else {
            of::OPTIONAL
        };
        if self.rsc(r).flags.failed {
            return;
        }
        let n = self.node(node);
        if n.unclean || !n.online {
            return;
        }
        self.rsc_action(r, "delete", Some(node), optional);
        self.order_rsc_actions(r, "stop", r, "delete", flag);
        self.order_rsc_actions(r, "delete", r, "start", flag);
    }

    // ----- migration -----

    /// `pcmk__rsc_can_migrate`.
    fn can_migrate(&self, r: RscId, current: Option<NodeId>) -> bool {
        let f = self.rsc(r).flags;
        if !f.allow_migrate || !f.managed || f.failed || f.start_pending {
            return false;
        }
        let Some(c) = current else {
            return false;
        };
        if self.node(c).unclean {
            return false;
        }
        match self.alloc(r) {
            None => false,
            Some(a) => !self.node(a).unclean,
        }
    }

    /// `pcmk__create_migration_actions`.
    fn create_migration_actions(&mut self, r: RscId, current: Option<NodeId>) {
        let alloc = self.alloc(r);
        let start = self.rsc_action(r, "start", alloc, true);
        let stop = self.rsc_action(r, "stop", current, true);
        let partial = self.rsc(r).partial_migration_target.is_some();
        let id = self.rsc(r).id.clone();
        let migrate_to = if !partial {
            Some(self.custom_action(
                Some(r),
                op_key(&id, "migrate_to", 0),
                "migrate_to",
                current,
                true,
            ))
        } else {
            None
        };
        let migrate_from = self.custom_action(
            Some(r),
            op_key(&id, "migrate_from", 0),
            "migrate_from",
            alloc,
            true,
        );
        if migrate_to.is_some() || partial {
            self.set_flag(start, af::MIGRATE_RUNNABLE);
            self.set_flag(stop, af::MIGRATE_RUNNABLE);
            self.set_flag(start, af::PSEUDO);
            if !partial {
                self.set_flag(migrate_from, af::MIGRATE_RUNNABLE);
                if let Some(mt) = migrate_to {
                    self.set_flag(mt, af::MIGRATE_RUNNABLE);
                    self.actions[mt.0].needs = self.actions[start.0].needs;
                }
                self.order_rsc_actions(r, "monitor", r, "migrate_to", of::OPTIONAL);
                self.order_rsc_actions(
                    r,
                    "migrate_to",
                    r,
                    "migrate_from",
                    of::OPTIONAL | of::IMPLIES_FIRST_MIGRATABLE,
                );
            } else {
                self.set_flag(migrate_from, af::MIGRATE_RUNNABLE);
                self.actions[migrate_from.0].needs = self.actions[start.0].needs;
                self.order_rsc_actions(r, "monitor", r, "migrate_from", of::OPTIONAL);
            }
            self.order_rsc_actions(
                r,
                "migrate_from",
                r,
                "stop",
                of::OPTIONAL | of::IMPLIES_FIRST_MIGRATABLE,
            );
            self.order_rsc_actions(
                r,
                "migrate_from",
                r,
                "start",
                of::OPTIONAL | of::IMPLIES_FIRST_MIGRATABLE | of::PSEUDO_LEFT,
            );
        }
        let (src, tgt) = (
            current.map(|c| self.node(c).uname.clone()),
            alloc.map(|a| self.node(a).uname.clone()),
        );
        if let (Some(mt), Some(s), Some(t)) = (migrate_to, &src, &tgt) {
            let m = &mut self.actions[mt.0].meta;
            m.entry("migrate_source".into()).or_insert(s.clone());
            m.entry("migrate_target".into()).or_insert(t.clone());
            if !self.st.resources[r.0].is_remote_node {
                self.actions[mt.0]
                    .meta
                    .entry("record-pending".into())
                    .or_insert_with(|| "true".into());
            }
        }
        if let (Some(s), Some(t)) = (&src, &tgt) {
            let m = &mut self.actions[migrate_from.0].meta;
            m.entry("migrate_source".into()).or_insert(s.clone());
            m.entry("migrate_target".into()).or_insert(t.clone());
        }
    }

    /// `pcmk__abort_dangling_migration`.
    fn abort_dangling_migration(&mut self, r: RscId, source: NodeId) {
        let stop = self.rsc_action(r, "stop", Some(source), false);
        self.set_flag(stop, af::DANGLE);
        if is_true_option(&self.st.options.all, "remove-after-stop") {
            self.schedule_cleanup(r, source, false);
        }
    }

    /// `pcmk__order_migration_equivalents`: orderings between unrelated
    /// resources where one may migrate get migration counterparts.
    pub(super) fn order_migration_equivalents(&mut self, order: &Order) {
        let (Some(lh), Some(rh)) = (order.lh_rsc, order.rh_rsc) else {
            return;
        };
        if lh == rh || self.is_ancestor(lh, rh) || self.is_ancestor(rh, lh) {
            return;
        }
        let first_migratable = self.rsc(lh).flags.allow_migrate;
        let then_migratable = self.rsc(rh).flags.allow_migrate;
        if !first_migratable && !then_migratable {
            return;
        }
        let task_of = |ws: &Self, a: Option<ActionId>, key: &Option<String>| -> Option<String> {
            match a {
                Some(a) => Some(ws.act(a).task.clone()),
                None => key.as_deref().and_then(parse_op_key).map(|k| k.1),
            }
        };
        let first_task = task_of(self, order.lh_action, &order.lh_task);
        let then_task = task_of(self, order.rh_action, &order.rh_task);
        let (ft, tt) = (first_task.as_deref(), then_task.as_deref());
        let partial = self.rsc(rh).partial_migration_target.is_some();
        match (ft, tt) {
            (Some("start"), Some("start")) => {
                let mut flags = of::OPTIONAL;
                if first_migratable && then_migratable {
                    self.order_rsc_actions(lh, "migrate_from", rh, "migrate_to", flags);
                }
                if then_migratable {
                    if first_migratable {
                        flags |= of::APPLY_FIRST_NON_MIGRATABLE;
                    }
                    self.order_rsc_actions(lh, "start", rh, "migrate_to", flags);
                }
            }
            (Some("stop"), Some("stop")) if then_migratable => {
                let mut flags = of::OPTIONAL;
                if first_migratable {
                    flags |= of::APPLY_FIRST_NON_MIGRATABLE;
                }
                self.order_rsc_actions(lh, "stop", rh, "migrate_to", flags);
                if partial {
                    self.order_rsc_actions(lh, "stop", rh, "migrate_from", flags);
                }
            }
            (Some("promote"), Some("start")) if then_migratable => {
                self.order_rsc_actions(lh, "promote", rh, "migrate_to", of::OPTIONAL);
            }
            (Some("demote"), Some("stop")) if then_migratable => {
                self.order_rsc_actions(lh, "demote", rh, "migrate_to", of::OPTIONAL);
                if partial {
                    self.order_rsc_actions(lh, "demote", rh, "migrate_from", of::OPTIONAL);
                }
            }
            _ => {}
        }
    }

    // ----- recurring monitors -----

    /// `pcmk__create_recurring_actions`.
    fn create_recurring_actions(&mut self, r: RscId) {
        let f = self.rsc(r).flags;
        if f.block || f.maintenance {
            return;
        }
        let alloc = self.alloc(r);
        let mut start = None;
        match alloc {
            None => {}
            Some(a) if self.node(a).maintenance => {}
            Some(_) if self.rsc(r).next_role != Role::Stopped || !f.managed => {
                start = Some(self.rsc_action(r, "start", alloc, true));
            }
            Some(_) => {}
        }
        let ops: Vec<cib::Op> = self
            .prim_config(r)
            .and_then(|c| c.operations.as_ref())
            .map(|o| o.ops.clone())
            .unwrap_or_default();
        for op in &ops {
            let Some(h) = self.recurring_history(r, op, &ops) else {
                continue;
            };
            if let Some(s) = start {
                self.recurring_op_for_active(r, s, alloc, &h);
            }
            self.recurring_op_for_inactive(r, alloc, &h);
        }
    }

    /// `is_recurring_history`.
    fn recurring_history(&self, r: RscId, op: &cib::Op, all: &[cib::Op]) -> Option<OpHistory> {
        let interval_ms = op_interval_ms(op);
        if interval_ms == 0 || op.id.is_empty() {
            return None;
        }
        if [
            "stop",
            "start",
            "demote",
            "promote",
            "reload-agent",
            "migrate_to",
            "migrate_from",
        ]
        .contains(&op.name.as_str())
        {
            return None;
        }
        let dups = all
            .iter()
            .filter(|o| o.name == op.name && op_interval_ms(o) == interval_ms && !o.id.is_empty())
            .count();
        if dups > 1 {
            return None;
        }
        let role = match &op.role {
            None => Role::Unknown,
            Some(t) => crate::state::parse_role(t.raw()).unwrap_or(Role::Unknown),
        };
        let key = op_key(&self.rsc(r).id, &op.name, interval_ms);
        self.find_op_entry(r, &key, false)?;
        Some(OpHistory {
            name: op.name.clone(),
            key,
            role,
            interval_ms,
        })
    }

    /// `active_recurring_should_be_optional`.
    fn active_recurring_should_be_optional(
        &self,
        r: RscId,
        node: Option<NodeId>,
        key: &str,
        start: ActionId,
    ) -> bool {
        if node.is_none() {
            return false;
        }
        if !self.is_set(start, af::OPTIONAL) {
            return false;
        }
        let matches = self.find_actions_exact(&self.rx[r.0].actions, key, node);
        if matches.is_empty() {
            return false;
        }
        !matches.iter().any(|&m| self.is_set(m, af::RESCHEDULE))
    }

    /// `recurring_op_for_active`.
    fn recurring_op_for_active(
        &mut self,
        r: RscId,
        start: ActionId,
        node: Option<NodeId>,
        op: &OpHistory,
    ) {
        if op.role == Role::Stopped {
            return;
        }
        let is_optional = self.active_recurring_should_be_optional(r, node, &op.key, start);
        let next_role = self.rsc(r).next_role;
        if (op.role != Role::Unknown && next_role != op.role)
            || (op.role == Role::Unknown && next_role == Role::Promoted)
        {
            if is_optional {
                if let Some(n) = node {
                    let cancel = self.new_cancel_action(r, &op.name, op.interval_ms, n);
                    let after = match self.rsc(r).role {
                        Role::Unpromoted | Role::Started => match next_role {
                            Role::Promoted => Some("promote"),
                            Role::Stopped => Some("stop"),
                            _ => None,
                        },
                        Role::Promoted => Some("demote"),
                        _ => None,
                    };
                    if let Some(task) = after {
                        let key = op_key(&self.rsc(r).id, task, 0);
                        self.new_ordering(
                            Some(r),
                            None,
                            Some(cancel),
                            Some(r),
                            Some(key),
                            None,
                            of::RUNNABLE_LEFT,
                        );
                    }
                }
            }
            return;
        }
        let mon = self.custom_action(Some(r), op.key.clone(), &op.name, node, is_optional);
        if !self.is_set(start, af::RUNNABLE)
            || node.map_or(true, |n| !self.node(n).online || self.node(n).unclean)
        {
            self.clear_flag(mon, af::RUNNABLE);
        }
        if next_role == Role::Promoted {
            self.act_mut(mon)
                .meta
                .insert("op_target_rc".into(), "8".into());
        }
        if node.is_none() || self.rsc(r).flags.managed {
            let id = self.rsc(r).id.clone();
            let uuid = self.act(mon).uuid.clone();
            self.new_ordering(
                Some(r),
                Some(op_key(&id, "start", 0)),
                None,
                None,
                Some(uuid.clone()),
                Some(mon),
                of::IMPLIES_THEN | of::RUNNABLE_LEFT,
            );
            self.new_ordering(
                Some(r),
                Some(op_key(&id, "reload-agent", 0)),
                None,
                None,
                Some(uuid),
                Some(mon),
                of::IMPLIES_THEN | of::RUNNABLE_LEFT,
            );
            if next_role == Role::Promoted {
                self.new_ordering(
                    Some(r),
                    Some(op_key(&id, "promote", 0)),
                    None,
                    Some(r),
                    None,
                    Some(mon),
                    of::OPTIONAL | of::RUNNABLE_LEFT,
                );
            } else if self.rsc(r).role == Role::Promoted {
                self.new_ordering(
                    Some(r),
                    Some(op_key(&id, "demote", 0)),
                    None,
                    Some(r),
                    None,
                    Some(mon),
                    of::OPTIONAL | of::RUNNABLE_LEFT,
                );
            }
        }
    }

    /// `recurring_op_for_inactive`: monitors for the Stopped role.
    fn recurring_op_for_inactive(&mut self, r: RscId, node: Option<NodeId>, op: &OpHistory) {
        if op.role != Role::Stopped {
            return;
        }
        if !self.rsc(r).flags.unique {
            return;
        }
        for stop_node in self.st.node_order.clone() {
            if let Some(n) = node {
                if self
                    .node(stop_node)
                    .uname
                    .eq_ignore_ascii_case(&self.node(n).uname)
                {
                    self.cancel_if_running(r, n, &op.key, &op.name, op.interval_ms);
                    continue;
                }
            }
            let is_optional = !self
                .find_actions_exact(&self.rx[r.0].actions, &op.key, Some(stop_node))
                .is_empty();
            let mon = self.custom_action(
                Some(r),
                op.key.clone(),
                &op.name,
                Some(stop_node),
                is_optional,
            );
            self.act_mut(mon)
                .meta
                .insert("op_target_rc".into(), "7".into());
            if self.rsc(r).flags.managed {
                for probe in self.resource_actions(r, Some(stop_node), "monitor", false) {
                    self.order_actions(probe, mon, of::RUNNABLE_LEFT);
                }
            }
            for stop in self.resource_actions(r, Some(stop_node), "stop", true) {
                if !self.is_set(stop, af::OPTIONAL)
                    && !self.is_set(mon, af::OPTIONAL)
                    && !self.rsc(r).flags.managed
                {
                    self.set_flag(mon, af::OPTIONAL);
                }
                if !self.is_set(stop, af::RUNNABLE) {
                    self.clear_flag(mon, af::RUNNABLE);
                }
                if self.rsc(r).flags.managed {
                    let key = op_key(&self.rsc(r).id, "stop", 0);
                    self.new_ordering(
                        Some(r),
                        Some(key),
                        Some(stop),
                        None,
                        None,
                        Some(mon),
                        of::IMPLIES_THEN | of::RUNNABLE_LEFT,
                    );
                }
            }
            let n = self.node(stop_node);
            if !n.online || n.unclean {
                self.clear_flag(mon, af::RUNNABLE);
            }
        }
    }

    /// `cancel_if_running`.
    fn cancel_if_running(
        &mut self,
        r: RscId,
        node: NodeId,
        key: &str,
        name: &str,
        interval_ms: u64,
    ) {
        if self
            .find_actions_exact(&self.rx[r.0].actions, key, Some(node))
            .is_empty()
        {
            return;
        }
        let cancel = self.new_cancel_action(r, name, interval_ms, node);
        if matches!(self.rsc(r).next_role, Role::Started | Role::Unpromoted) {
            let key = op_key(&self.rsc(r).id, "start", 0);
            self.new_ordering(
                Some(r),
                None,
                Some(cancel),
                Some(r),
                Some(key),
                None,
                of::RUNNABLE_LEFT,
            );
        }
    }

    /// `pcmk__new_cancel_action`.
    pub(super) fn new_cancel_action(
        &mut self,
        r: RscId,
        task: &str,
        interval_ms: u64,
        node: NodeId,
    ) -> ActionId {
        let key = op_key(&self.rsc(r).id, task, interval_ms);
        let a = self.custom_action(Some(r), key, "cancel", Some(node), false);
        let act = self.act_mut(a);
        act.task = "cancel".into();
        act.cancel_task = Some(task.to_string());
        act.meta
            .entry("operation".into())
            .or_insert_with(|| task.to_string());
        act.meta
            .entry("interval".into())
            .or_insert_with(|| interval_ms.to_string());
        a
    }

    /// `pcmk__schedule_cancel`.
    pub(super) fn schedule_cancel(
        &mut self,
        r: RscId,
        call_id: Option<i64>,
        task: &str,
        interval_ms: u64,
        node: NodeId,
    ) {
        let cancel = self.new_cancel_action(r, task, interval_ms, node);
        if let Some(c) = call_id {
            self.act_mut(cancel)
                .meta
                .entry("call-id".into())
                .or_insert_with(|| c.to_string());
        }
        let key = op_key(&self.rsc(r).id, "stop", 0);
        self.new_ordering(
            Some(r),
            Some(key),
            None,
            Some(r),
            None,
            Some(cancel),
            of::OPTIONAL,
        );
    }

    /// `pcmk__reschedule_recurring`.
    pub(super) fn reschedule_recurring(
        &mut self,
        r: RscId,
        task: &str,
        interval_ms: u64,
        node: NodeId,
    ) {
        self.trigger_unfencing(
            Some(r),
            Some(node),
            "Device parameters changed (reschedule)",
            None,
        );
        let key = op_key(&self.rsc(r).id, task, interval_ms);
        let a = self.custom_action(Some(r), key, task, Some(node), true);
        self.set_flag(a, af::RESCHEDULE);
    }

    // ----- groups -----

    /// `pcmk__group_create_actions`.
    pub(super) fn group_create_actions(&mut self, r: RscId) {
        for c in self.children(r) {
            self.create_actions(c);
        }
        for task in ["start", "running", "stop", "stopped"] {
            self.group_pseudo_op(r, task);
        }
        if is_true_option(&self.rsc(r).meta, "promotable") {
            for task in ["demote", "demoted", "promote", "promoted"] {
                self.group_pseudo_op(r, task);
            }
        }
    }

    fn group_pseudo_op(&mut self, r: RscId, task: &str) -> ActionId {
        let key = op_key(&self.rsc(r).id, task, 0);
        let a = self.custom_action(Some(r), key, task, None, true);
        self.set_flag(a, af::PSEUDO | af::RUNNABLE);
        a
    }

    /// `rsc->cmds->create_actions` by kind.
    pub(super) fn create_actions(&mut self, r: RscId) {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(_) => self.primitive_create_actions(r),
            ResourceKind::Group => self.group_create_actions(r),
            ResourceKind::Clone(_) => self.clone_create_actions(r),
            ResourceKind::Bundle(_) => self.bundle_create_actions(r),
        }
    }

    // ----- clones -----

    /// `clone_update_pseudo_status`.
    fn clone_update_pseudo_status(
        &self,
        r: RscId,
        stopping: &mut bool,
        starting: &mut bool,
        active: &mut bool,
    ) {
        let kids = &self.rx[r.0].children;
        if !kids.is_empty() {
            for &c in kids {
                self.clone_update_pseudo_status(c, stopping, starting, active);
            }
            return;
        }
        if !self.rsc(r).running_on.is_empty() {
            *active = true;
        }
        for &a in self.rx[r.0].actions.iter().rev() {
            if *starting && *stopping {
                return;
            }
            let act = self.act(a);
            if act.is(af::OPTIONAL) {
                continue;
            }
            if !act.is(af::PSEUDO) && !act.is(af::RUNNABLE) {
                continue;
            }
            if act.task.eq_ignore_ascii_case("stop") {
                *stopping = true;
            } else if act.task.eq_ignore_ascii_case("start") && act.is(af::RUNNABLE) {
                *starting = true;
            }
        }
    }

    /// `clone_create_pseudo_actions`.
    pub(super) fn clone_create_pseudo_actions(
        &mut self,
        r: RscId,
        children: &[RscId],
        notify: bool,
    ) {
        let mut child_active = false;
        let mut child_starting = false;
        let mut child_stopping = false;
        let mut allow_dependent_migrations = true;
        for &c in children {
            let mut starting = false;
            let mut stopping = false;
            self.create_actions(c);
            self.clone_update_pseudo_status(c, &mut stopping, &mut starting, &mut child_active);
            if stopping && starting {
                allow_dependent_migrations = false;
            }
            child_stopping |= stopping;
            child_starting |= starting;
        }
        let start = self.rsc_pseudo_action(r, "start", !child_starting, true);
        let started = self.rsc_pseudo_action(r, "running", !child_starting, false);
        self.act_mut(started).priority = cib::Score::INFINITY.value();
        if child_active || child_starting {
            self.set_flag(started, af::RUNNABLE);
        }
        if notify && self.rx[r.0].start_notify.is_none() {
            let n = self.clone_notif_pseudo_ops(r, "start", Some(start), Some(started));
            self.rx[r.0].start_notify = n;
        }
        let stop = self.rsc_pseudo_action(r, "stop", !child_stopping, true);
        let stopped = self.rsc_pseudo_action(r, "stopped", !child_stopping, true);
        self.act_mut(stopped).priority = cib::Score::INFINITY.value();
        if allow_dependent_migrations {
            self.set_flag(stop, af::MIGRATE_RUNNABLE);
        }
        if notify && self.rx[r.0].stop_notify.is_none() {
            let n = self.clone_notif_pseudo_ops(r, "stop", Some(stop), Some(stopped));
            self.rx[r.0].stop_notify = n;
            let post_done = self.rx[r.0].stop_notify.as_ref().and_then(|d| d.post_done);
            let pre = self.rx[r.0].start_notify.as_ref().and_then(|d| d.pre);
            if let (Some(a), Some(b)) = (post_done, pre) {
                self.order_actions(a, b, of::OPTIONAL);
            }
        }
    }

    /// `clone_create_actions`.
    fn clone_create_actions(&mut self, r: RscId) {
        let children = self.children(r);
        self.clone_create_pseudo_actions(r, &children, true);
        self.child_ordering_constraints(r);
        if self.rsc(r).flags.promotable {
            self.create_promotable_actions(r);
        }
    }

    /// Instance number of a clone instance (`pcmk__cmp_instance_number`).
    pub(super) fn instance_number(&self, r: RscId) -> i64 {
        let id = &self.rsc(r).id;
        id.rsplit_once(':')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0)
    }

    pub(super) fn sort_by_instance_number(&mut self, r: RscId) {
        let kids = self.children(r);
        let sorted = crate::util::glib_sort(kids, &mut |a: &RscId, b: &RscId| {
            self.instance_number(*a).cmp(&self.instance_number(*b))
        });
        self.rx[r.0].children = sorted;
    }

    /// `find_rsc_action`: the one required action of a task, if exactly one.
    fn find_required_action(&mut self, r: RscId, task: &str) -> Option<ActionId> {
        let mut found = None;
        for a in self.resource_actions(r, None, task, false) {
            if !self.is_set(a, af::OPTIONAL) {
                if found.is_some() {
                    return None;
                }
                found = Some(a);
            }
        }
        found
    }

    /// `child_ordering_constraints`: ordered clones start and stop their
    /// instances in sequence.
    fn child_ordering_constraints(&mut self, r: RscId) {
        if !self.clone_is_ordered(r) {
            return;
        }
        self.sort_by_instance_number(r);
        let mut last_stop: Option<ActionId> = None;
        let mut last_start: Option<ActionId> = None;
        for c in self.children(r) {
            if let Some(stop) = self.find_required_action(c, "stop") {
                if let Some(ls) = last_stop {
                    self.order_actions(stop, ls, of::OPTIONAL);
                }
                last_stop = Some(stop);
            }
            if let Some(start) = self.find_required_action(c, "start") {
                if let Some(ls) = last_start {
                    self.order_actions(ls, start, of::OPTIONAL);
                }
                last_start = Some(start);
            }
        }
    }

    /// `pe__clone_is_ordered`.
    pub(super) fn clone_is_ordered(&self, r: RscId) -> bool {
        match &self.rsc(r).kind {
            ResourceKind::Clone(c) => c.ordered,
            _ => false,
        }
    }

    // ----- promotable clones -----

    /// `pcmk__create_promotable_actions`.
    fn create_promotable_actions(&mut self, r: RscId) {
        let mut any_promoting = false;
        let mut any_demoting = false;
        for c in self.children(r) {
            self.create_actions(c);
            self.check_for_role_change(c, &mut any_demoting, &mut any_promoting);
        }
        self.create_promotable_pseudo_ops(r, any_promoting, any_demoting);
        let prio = self.rsc(r).priority;
        for c in self.children(r) {
            self.st.resources[c.0].priority = prio;
        }
    }

    fn check_for_role_change(&self, r: RscId, demoting: &mut bool, promoting: &mut bool) {
        let kids = &self.rx[r.0].children;
        if !kids.is_empty() {
            for &c in kids {
                self.check_for_role_change(c, demoting, promoting);
            }
            return;
        }
        for &a in self.rx[r.0].actions.iter().rev() {
            if *promoting && *demoting {
                return;
            }
            let act = self.act(a);
            if act.is(af::OPTIONAL) {
                continue;
            }
            if act.task == "demote" {
                *demoting = true;
            } else if act.task == "promote" {
                *promoting = true;
            }
        }
    }

    /// `pe__create_promotable_pseudo_ops`.
    fn create_promotable_pseudo_ops(&mut self, r: RscId, any_promoting: bool, any_demoting: bool) {
        let promote = self.rsc_pseudo_action(r, "promote", !any_promoting, true);
        let promoted = self.rsc_pseudo_action(r, "promoted", !any_promoting, true);
        self.act_mut(promoted).priority = cib::Score::INFINITY.value();
        if self.rx[r.0].promote_notify.is_none() {
            let n = self.clone_notif_pseudo_ops(r, "promote", Some(promote), Some(promoted));
            self.rx[r.0].promote_notify = n;
        }
        let demote = self.rsc_pseudo_action(r, "demote", !any_demoting, true);
        let demoted = self.rsc_pseudo_action(r, "demoted", !any_demoting, true);
        self.act_mut(demoted).priority = cib::Score::INFINITY.value();
        if self.rx[r.0].demote_notify.is_none() {
            let n = self.clone_notif_pseudo_ops(r, "demote", Some(demote), Some(demoted));
            self.rx[r.0].demote_notify = n;
            if self.rx[r.0].promote_notify.is_some() {
                let post_done = |n: &Option<NotifyData>| n.as_ref().and_then(|d| d.post_done);
                let pre = |n: &Option<NotifyData>| n.as_ref().and_then(|d| d.pre);
                let x = &self.rx[r.0];
                let pairs = [
                    (post_done(&x.stop_notify), pre(&x.promote_notify)),
                    (post_done(&x.start_notify), pre(&x.promote_notify)),
                    (post_done(&x.demote_notify), pre(&x.promote_notify)),
                    (post_done(&x.demote_notify), pre(&x.start_notify)),
                    (post_done(&x.demote_notify), pre(&x.stop_notify)),
                ];
                for (a, b) in pairs {
                    if let (Some(a), Some(b)) = (a, b) {
                        self.order_actions(a, b, of::OPTIONAL);
                    }
                }
            }
        }
    }

    // ----- bundles -----

    /// The containers of a bundle's replicas.
    pub(super) fn bundle_containers(&self, r: RscId) -> Vec<RscId> {
        match &self.rsc(r).kind {
            ResourceKind::Bundle(b) => b.replicas.iter().map(|rep| rep.container).collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn bundle_replicas(&self, r: RscId) -> Vec<Replica> {
        match &self.rsc(r).kind {
            ResourceKind::Bundle(b) => b.replicas.clone(),
            _ => Vec::new(),
        }
    }

    pub(super) fn bundle_child(&self, r: RscId) -> Option<RscId> {
        match &self.rsc(r).kind {
            ResourceKind::Bundle(b) => b.child,
            _ => None,
        }
    }

    /// `pcmk__bundle_create_actions`.
    fn bundle_create_actions(&mut self, r: RscId) {
        let containers = self.bundle_containers(r);
        for rep in self.bundle_replicas(r) {
            if let Some(ip) = rep.ip {
                self.create_actions(ip);
            }
            self.create_actions(rep.container);
            if let Some(rem) = rep.remote {
                self.create_actions(rem);
            }
        }
        self.clone_create_pseudo_actions(r, &containers, false);
        if let Some(child) = self.bundle_child(r) {
            self.create_actions(child);
            if self.rsc(child).flags.promotable {
                self.rsc_pseudo_action(r, "promote", true, true);
                let a = self.rsc_pseudo_action(r, "promoted", true, true);
                self.act_mut(a).priority = cib::Score::INFINITY.value();
                self.rsc_pseudo_action(r, "demote", true, true);
                let a = self.rsc_pseudo_action(r, "demoted", true, true);
                self.act_mut(a).priority = cib::Score::INFINITY.value();
            }
        }
    }
}

/// A recurring operation from the configuration (`struct op_history`).
#[derive(Clone, Debug)]
struct OpHistory {
    name: String,
    key: String,
    role: Role,
    interval_ms: u64,
}

/// A boolean option or meta-attribute.
pub(crate) fn is_true_option(map: &BTreeMap<String, String>, name: &str) -> bool {
    cib::value::is_true(map.get(name).map(String::as_str))
}

/// Milliseconds until the next run of a recurring operation anchored at
/// `interval-origin` (`unpack_interval_origin`).
fn interval_origin_delay(origin: &str, interval_ms: u64, now: i64) -> Option<i64> {
    let origin = cib::iso8601::DateTime::parse(origin)
        .ok()
        .filter(|d| d.is_valid())
        .map(|d| d.epoch_seconds())?;
    let interval_s = (interval_ms / 1000) as i64;
    if interval_s == 0 {
        return None;
    }
    let mut result = (now - origin) % interval_s;
    result = (if result <= 0 { 0 } else { interval_s }) - result;
    Some(result * 1000)
}
