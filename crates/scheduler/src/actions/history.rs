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
                for r in self.rscs_matching_id(&lrm.id) {
                    if self.is_primitive(r) {
                        self.process_rsc_history(lrm, r, n);
                    }
                }
            }
        }
    }

    /// `pcmk__rscs_matching_id`: every resource with this id or history
    /// name (newest match first, as Pacemaker prepends).
    fn rscs_matching_id(&self, id: &str) -> Vec<RscId> {
        let mut out = Vec::new();
        fn walk(ws: &Ws<'_>, r: RscId, id: &str, out: &mut Vec<RscId>) {
            let res = ws.rsc(r);
            if res.id == id || res.clone_name.as_deref() == Some(id) {
                out.insert(0, r);
            }
            for &c in &ws.rx[r.0].children {
                walk(ws, c, id, out);
            }
        }
        for &r in &self.st.top {
            walk(self, r, id, &mut out);
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
        let task = op.operation.as_str();
        if interval_ms > 0 {
            let key = op_key(&self.rsc(r).id, task, interval_ms);
            if self.find_op_entry(r, &key, false).is_none() {
                if self.st.options.stop_orphan_actions {
                    self.schedule_cancel(r, op.call_id, task, interval_ms, n);
                }
                return true;
            }
        }
        // Parameter digests are compared in `super::digest` once available.
        false
    }
}
