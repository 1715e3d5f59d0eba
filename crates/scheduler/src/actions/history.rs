//! What the operation history says must be done because the configuration
//! changed since (`pcmk__handle_rsc_config_changes` of
//! `pcmk_sched_actions.c`): clean-up of orphans and of resources whose
//! agent changed, cancelling recurring operations that are no longer
//! configured or whose node or resource is in maintenance, and restarts or
//! reloads when parameters changed.

use super::*;
use crate::unpack::active_op_indexes;

impl Ws<'_> {
    /// `pcmk__handle_rsc_config_changes`.
    pub(super) fn handle_rsc_config_changes(&mut self) {
        let cib = self.cib;
        let by_id = self.rscs_by_id();
        for n in self.st.node_order.clone() {
            let node = self.node(n);
            if !(node.maintenance || self.node_available(n, false, false)) {
                continue;
            }
            let uname = node.uname.clone();
            let Some(ns) = cib
                .status
                .node_states
                .iter()
                .find(|ns| ns.uname.as_deref() == Some(uname.as_str()))
            else {
                continue;
            };
            for lrm in ns.lrm_resources() {
                if lrm.ops.is_empty() {
                    continue;
                }
                let matching = by_id.get(lrm.id.as_str()).cloned().unwrap_or_default();
                for r in matching.into_iter().rev() {
                    if self.is_primitive(r) {
                        self.process_rsc_history(lrm, r, n);
                    }
                }
            }
        }
    }

    /// `pcmk__rscs_matching_id` for every id at once: the resources with
    /// each id or history name, in the order of a walk from the top-level
    /// resources (Pacemaker prepends each match, so callers take them
    /// newest first). One walk instead of one per history entry.
    fn rscs_by_id(&self) -> HashMap<String, Vec<RscId>> {
        fn walk(ws: &Ws<'_>, r: RscId, out: &mut HashMap<String, Vec<RscId>>) {
            let res = ws.rsc(r);
            out.entry(res.id.clone()).or_default().push(r);
            if let Some(c) = res.clone_name.as_deref().filter(|c| *c != res.id) {
                out.entry(c.to_string()).or_default().push(r);
            }
            for &c in &ws.rx[r.0].children {
                walk(ws, c, out);
            }
        }
        let mut out = HashMap::new();
        for &r in &self.st.top {
            walk(self, r, &mut out);
        }
        out
    }

    /// `pcmk__rsc_agent_changed`.
    fn rsc_agent_changed(
        &mut self,
        r: RscId,
        n: NodeId,
        lrm: &cib::LrmResource,
        active: bool,
    ) -> bool {
        let ResourceKind::Primitive(spec) = &self.rsc(r).kind else {
            return false;
        };
        let Some(cfg) = &spec.config else {
            return false;
        };
        let class = cfg.class.as_ref().map(|c| c.raw().to_string());
        let pairs = [
            (cfg.type_.clone(), lrm.type_.clone()),
            (class, lrm.class.clone()),
            (cfg.provider.clone(), lrm.provider.clone()),
        ];
        let mut changed = false;
        for (value, old) in pairs {
            if value != old {
                changed = true;
                self.trigger_unfencing(Some(r), Some(n), "Device definition changed", None);
            }
        }
        if changed && active {
            self.rsc_action(r, "stop", Some(n), false);
            self.st.resources[r.0].flags.start_pending = true;
        }
        changed
    }

    /// `process_rsc_history`.
    fn process_rsc_history(&mut self, lrm: &cib::LrmResource, r: RscId, n: NodeId) {
        if self.rsc(r).flags.orphan {
            let up = self.uber_parent(r);
            if !self.is_anon_clone(up) {
                self.schedule_cleanup(r, n, false);
            }
            return;
        }
        let running_here = self
            .rsc(r)
            .running_on
            .iter()
            .any(|&x| self.node(x).id == self.node(n).id);
        if !running_here {
            if self.rsc_agent_changed(r, n, lrm, false) {
                self.schedule_cleanup(r, n, false);
            }
            return;
        }
        if self.rsc_agent_changed(r, n, lrm, true) {
            self.schedule_cleanup(r, n, false);
        }
        let reversed: Vec<&cib::LrmRscOp> = lrm.ops.iter().rev().collect();
        let sorted =
            crate::util::glib_sort(reversed, &mut |a: &&cib::LrmRscOp, b: &&cib::LrmRscOp| {
                crate::unpack::cmp_newer(a, b, true)
            });
        let (start_index, stop_index) = active_op_indexes(&sorted);
        if start_index < stop_index {
            return;
        }
        for (offset, op) in sorted.iter().enumerate() {
            if (offset as i64) < start_index {
                continue;
            }
            let task = op.operation.as_str();
            let interval_ms = op.interval_ms().max(0) as u64;
            let maintenance = self.rsc(r).flags.maintenance || self.node(n).maintenance;
            if interval_ms > 0 && maintenance {
                self.schedule_cancel(r, op.call_id, task, interval_ms, n);
            } else if interval_ms > 0
                || ["monitor", "start", "promote", "migrate_from"].contains(&task)
            {
                if self.bundle_needs_remote_name(r) {
                    // Decided once the container is placed (`check_params`).
                    self.param_checks.push((r, n, (*op).clone(), true));
                    continue;
                }
                let changed = self.check_action_config(r, n, op);
                if changed && self.effective_failcount(r, n) != 0 {
                    self.clear_failcount(r, n, "action definition changed");
                }
            }
        }
    }

    /// `pcmk__check_action_config`: whether an operation's definition
    /// changed; schedules what the change requires.
    fn check_action_config(&mut self, r: RscId, n: NodeId, op: &cib::LrmRscOp) -> bool {
        let interval_ms = op.interval_ms().max(0) as u64;
        let mut task = op.operation.clone();
        if interval_ms > 0 {
            let key = op_key(&self.rsc(r).id, &task, interval_ms);
            if self.find_op_entry(r, &key, false).is_none() {
                if self.st.options.stop_orphan_actions {
                    self.schedule_cancel(r, op.call_id, &task, interval_ms, n);
                }
                return true;
            }
        }
        if interval_ms == 0 && ["monitor", "migrate_from", "promote"].contains(&task.as_str()) {
            task = "start".to_string();
        }
        let data = self.digest_cmp(r, op, n);
        if self.only_sanitized_changed(op, &data) {
            return false;
        }
        match data.rc {
            DigestRc::Restart => {
                self.force_restart(r, &task, interval_ms, n);
                true
            }
            DigestRc::All | DigestRc::Unknown => {
                if interval_ms > 0 {
                    self.reschedule_recurring(r, &task, interval_ms, n);
                } else if op.op_restart_digest.is_some() {
                    self.trigger_unfencing(
                        Some(r),
                        Some(n),
                        "Device parameters changed (reload)",
                        None,
                    );
                    self.schedule_reload(r, Some(n));
                } else {
                    self.force_restart(r, &task, interval_ms, n);
                }
                true
            }
            DigestRc::Match => false,
        }
    }

    /// `only_sanitized_changed`: only private parameters differ (crm_simulate
    /// works on sanitized CIBs, so those are not a change).
    fn only_sanitized_changed(&self, op: &cib::LrmRscOp, data: &DigestData) -> bool {
        data.rc != DigestRc::Match
            && op.op_secure_digest.is_some()
            && data.secure.is_some()
            && data.secure == op.op_secure_digest
    }

    /// `force_restart`.
    fn force_restart(&mut self, r: RscId, task: &str, interval_ms: u64, n: NodeId) {
        let key = op_key(&self.rsc(r).id, task, interval_ms);
        let a = self.custom_action(Some(r), key, task, None, false);
        self.set_reason(a, Some("resource definition change"), true);
        self.trigger_unfencing(Some(r), Some(n), "Device parameters changed", None);
    }

    /// `schedule_reload`.
    fn schedule_reload(&mut self, r: RscId, node: Option<NodeId>) {
        if !self.is_primitive(r) {
            for c in self.children(r) {
                self.schedule_reload(c, node);
            }
            return;
        }
        let Some(n) = node else {
            return;
        };
        let f = self.rsc(r).flags;
        if !f.managed || f.failed {
            return;
        }
        if f.start_pending {
            self.rsc_action(r, "stop", Some(n), false);
            return;
        }
        self.rx[r.0].reload = true;
        let key = op_key(&self.rsc(r).id, "reload-agent", 0);
        let reload = self.custom_action(Some(r), key, "reload-agent", Some(n), false);
        self.set_reason(reload, Some("resource definition change"), false);
        let id = self.rsc(r).id.clone();
        for task in ["stop", "demote"] {
            self.new_ordering(
                None,
                None,
                Some(reload),
                Some(r),
                Some(op_key(&id, task, 0)),
                None,
                of::OPTIONAL | of::THEN_CANCELS_FIRST,
            );
        }
    }

    /// `pe__calculate_digests` (without overrides): the digests the
    /// configuration gives an operation on a node.
    fn calculate_digests(
        &self,
        r: RscId,
        task: &str,
        interval_ms: u64,
        n: NodeId,
        op: &cib::LrmRscOp,
    ) -> DigestData {
        let op_version = op
            .crm_feature_set
            .clone()
            .or_else(|| self.cib.crm_feature_set.clone())
            .unwrap_or_else(|| crate::graph::FEATURE_SET.to_string());
        let params = self.rsc_params(r, Some(n));
        let key = op_key(&self.rsc(r).id, task, interval_ms);
        let mut action = Action {
            id: ActionId(usize::MAX),
            uuid: key.clone(),
            task: task.to_string(),
            cancel_task: None,
            rsc: Some(r),
            node: Some(n),
            flags: 0,
            priority: 0,
            needs: Needs::Nothing,
            reason: None,
            meta: BTreeMap::new(),
            extra: BTreeMap::new(),
            op_entry: self.find_op_entry(r, &key, true).map(Box::new),
            before: Vec::new(),
            after: Vec::new(),
            runnable_before: 0,
            required_runnable_before: 0,
        };
        self.unpack_operation(&mut action, r, interval_ms);
        let mut extra = BTreeMap::new();
        if let Some(o) = &action.op_entry {
            let attrs = self.node(n).attrs.clone();
            let ctx = crate::unpack::rules::RuleCtx {
                now: self.st.now,
                node_attrs: Some(&attrs),
                ..Default::default()
            };
            crate::unpack::nvsets::unpack_sets(
                &self.ix,
                &o.instance_attributes,
                &ctx,
                &mut extra,
                false,
                None,
            );
        }
        let mut all = cib::digest::Params::new();
        if let Some(host) = self.bundle_remote_name(r) {
            all.insert("addr".into(), host);
        }
        for (k, v) in params.iter().chain(extra.iter()) {
            all.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &action.meta {
            if k.contains('#') || k.contains(':') {
                continue;
            }
            all.entry(crate::graph::meta_name(k))
                .or_insert_with(|| v.clone());
        }
        let all = cib::digest::filter_for_digest(&all);
        let rc = if interval_ms == 0 && !extra.is_empty() {
            DigestRc::Restart
        } else {
            DigestRc::Match
        };
        let is_fence = self.rsc(r).flags.fence_device;
        let secure = Some(cib::digest::secure_digest_for(
            &all,
            &params,
            op.op_secure_params.as_deref(),
            &op_version,
            is_fence,
        ));
        let restart = op
            .op_restart_digest
            .as_ref()
            .map(|_| match &op.op_force_restart {
                Some(list) => cib::digest::restart_digest_for(&all, list),
                None => cib::digest::params_digest(&all),
            });
        DigestData {
            rc,
            all: cib::digest::params_digest(&all),
            restart,
            secure,
        }
    }

    /// `rsc_action_digest_cmp`: how an operation's recorded digests compare
    /// with the configuration's (cached per node and operation, as
    /// Pacemaker caches them).
    pub(super) fn digest_cmp(&mut self, r: RscId, op: &cib::LrmRscOp, n: NodeId) -> DigestData {
        let marked;
        let op = if self
            .expired_recurring
            .iter()
            .any(|(x, id)| *x == n && *id == op.id)
        {
            let mut m = op.clone();
            m.op_restart_digest = Some("calculated-failure-timeout".into());
            marked = m;
            &marked
        } else {
            op
        };
        let interval_ms = op.interval_ms().max(0) as u64;
        let key = (n, op_key(&self.rsc(r).id, &op.operation, interval_ms));
        let mut data = match self.digest_cache.get(&key) {
            Some(d) => d.clone(),
            None => {
                let d = self.calculate_digests(r, &op.operation, interval_ms, n, op);
                self.digest_cache.insert(key.clone(), d.clone());
                d
            }
        };
        if let (Some(recorded), Some(calc)) = (&op.op_restart_digest, &data.restart) {
            if recorded != calc {
                data.rc = DigestRc::Restart;
                self.digest_cache.insert(key, data.clone());
                return data;
            }
        }
        match &op.op_digest {
            None => data.rc = DigestRc::Unknown,
            Some(d) if *d != data.all => {
                if !(interval_ms == 0 && data.rc == DigestRc::Restart) {
                    data.rc = DigestRc::All;
                }
            }
            Some(_) => data.rc = DigestRc::Match,
        }
        self.digest_cache.insert(key, data.clone());
        data
    }

    /// `should_clear_for_param_change` for a recorded failure.
    pub(super) fn param_check(&mut self, r: RscId, n: NodeId, op_id: &str) {
        let cib = self.cib;
        let uname = self.node(n).uname.clone();
        let op = cib
            .status
            .node_states
            .iter()
            .filter(|ns| ns.uname.as_deref() == Some(uname.as_str()))
            .flat_map(|ns| ns.lrm_resources())
            .flat_map(|lr| &lr.ops)
            .find(|o| o.id == op_id);
        let Some(op) = op else {
            return;
        };
        if self.bundle_needs_remote_name(r) {
            self.param_checks.push((r, n, op.clone(), false));
            return;
        }
        self.clear_if_params_changed(r, n, op);
    }

    /// `check_params`: the digest checks deferred until assignment is
    /// known (bundle connections whose address is their host's name).
    pub(super) fn run_param_checks(&mut self) {
        for (r, n, op, active) in std::mem::take(&mut self.param_checks) {
            if active {
                if self.check_action_config(r, n, &op) && self.effective_failcount(r, n) != 0 {
                    self.clear_failcount(r, n, "action definition changed");
                }
            } else {
                self.clear_if_params_changed(r, n, &op);
            }
        }
    }

    /// `pe__bundle_needs_remote_name`.
    pub(crate) fn bundle_needs_remote_name(&self, r: RscId) -> bool {
        self.rsc(r).is_remote_node
            && self
                .rsc_params(r, None)
                .get("addr")
                .is_some_and(|a| a.eq_ignore_ascii_case("#uname"))
            && self.replica_of_remote(r).is_some()
    }

    fn replica_of_remote(&self, r: RscId) -> Option<Replica> {
        let top = self.st.top_parent(r);
        self.bundle_replicas(top)
            .into_iter()
            .find(|rep| rep.remote == Some(r))
    }

    /// `pe__add_bundle_remote_name`: the name of the node hosting a bundle
    /// connection's container.
    pub(crate) fn bundle_remote_name(&self, r: RscId) -> Option<String> {
        if !self.bundle_needs_remote_name(r) {
            return None;
        }
        let rep = self.replica_of_remote(r)?;
        let node = self
            .alloc(rep.container)
            .or_else(|| self.current_node(rep.container))?;
        Some(self.node(node).uname.clone())
    }

    fn clear_if_params_changed(&mut self, r: RscId, n: NodeId, op: &cib::LrmRscOp) {
        let data = self.digest_cmp(r, op, n);
        if matches!(data.rc, DigestRc::Match | DigestRc::Unknown) {
            return;
        }
        let a = self.clear_failcount(r, n, "resource parameters have changed");
        if self.st.options.stonith_enabled && self.rsc(r).remote_reconnect_ms > 0 {
            if let Some(rn) = self.remote_node_of(r) {
                let fence = self.fence_op(rn, None, true, None, false);
                self.order_actions(fence, a, of::IMPLIES_THEN);
            }
        }
    }
}

/// How recorded digests compare (`enum rsc_digest_cmp_val`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestRc {
    Unknown,
    Match,
    /// A parameter that needs a restart changed.
    Restart,
    /// Some parameter changed (a reload may do).
    All,
}

/// Digests of an operation as the configuration gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DigestData {
    pub rc: DigestRc,
    pub all: String,
    pub restart: Option<String>,
    pub secure: Option<String>,
}
