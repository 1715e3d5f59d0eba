//! The status section: tickets, node states, and each node's resource
//! history (`lrm_rsc_op` entries), which decides every resource instance's
//! role, location and failure flags (`unpack_status` and what it calls).

use std::cmp::Ordering;

use cib::{LrmResource, LrmRscOp, NodeState, Score};

use super::ops::{cmp_on_fail, OnFail};
use super::Unpacker;
use crate::state::*;
use crate::util::{clone_strip, clone_zero, eq_ci, glib_sort};

// Operation execution status codes (`enum pcmk_exec_status`).
const EXEC_PENDING: i64 = -1;
const EXEC_DONE: i64 = 0;
const EXEC_CANCELLED: i64 = 1;
const EXEC_TIMEOUT: i64 = 2;
const EXEC_NOT_SUPPORTED: i64 = 3;
const EXEC_ERROR: i64 = 4;
const EXEC_ERROR_HARD: i64 = 5;
const EXEC_ERROR_FATAL: i64 = 6;
const EXEC_NOT_INSTALLED: i64 = 7;
const EXEC_NOT_CONNECTED: i64 = 8;
const EXEC_INVALID: i64 = 9;
const EXEC_NO_FENCE_DEVICE: i64 = 10;
const EXEC_NO_SECRETS: i64 = 11;
const EXEC_MAX: i64 = 11;

// OCF exit codes.
pub(crate) const OCF_OK: i64 = 0;
const OCF_INVALID_PARAM: i64 = 2;
const OCF_UNIMPLEMENT_FEATURE: i64 = 3;
const OCF_INSUFFICIENT_PRIV: i64 = 4;
const OCF_NOT_INSTALLED: i64 = 5;
const OCF_NOT_CONFIGURED: i64 = 6;
pub(crate) const OCF_NOT_RUNNING: i64 = 7;
const OCF_RUNNING_PROMOTED: i64 = 8;
const OCF_FAILED_PROMOTED: i64 = 9;
const OCF_DEGRADED: i64 = 190;
const OCF_DEGRADED_PROMOTED: i64 = 191;

/// The expected result recorded in an entry's transition key (-1 if none).
pub(crate) fn target_rc(op: &LrmRscOp) -> i64 {
    let Some(key) = op.transition_key.as_deref() else {
        return -1;
    };
    let mut parts = key.splitn(4, ':');
    let nums: Vec<Option<i64>> = (0..3)
        .map(|_| parts.next().and_then(|p| p.trim().parse().ok()))
        .collect();
    let uuid_ok = parts.next().is_some_and(|u| !u.trim().is_empty());
    match (nums.as_slice(), uuid_ok) {
        ([Some(_), Some(_), Some(rc)], true) => *rc,
        _ => -1,
    }
}

/// The transition id and uuid from a transition-magic string.
fn decode_magic(magic: &str) -> Option<(String, i64)> {
    let (_, key) = magic.split_once(';')?;
    let mut parts = key.splitn(4, ':');
    let _action: i64 = parts.next()?.trim().parse().ok()?;
    let transition: i64 = parts.next()?.trim().parse().ok()?;
    let _rc: i64 = parts.next()?.trim().parse().ok()?;
    let uuid = parts.next()?.trim();
    if uuid.is_empty() {
        return None;
    }
    Some((uuid.chars().take(36).collect(), transition))
}

fn op_key_of(op: &LrmRscOp) -> &str {
    op.operation_key.as_deref().unwrap_or(&op.id)
}

fn is_probe(op: &LrmRscOp) -> bool {
    op.operation == "monitor" && op.interval_ms() == 0
}

/// A probe result that only says the agent cannot run here.
fn is_masked_probe_failure(op: &LrmRscOp) -> bool {
    is_probe(op)
        && (matches!(
            op.rc_code.unwrap_or(0),
            OCF_NOT_INSTALLED | OCF_INVALID_PARAM
        ) || op.op_status.unwrap_or(-2) == EXEC_NOT_INSTALLED)
}

/// `pe__is_newer_op`: orders history entries (not a total order: pending
/// entries fall back to transition numbers).
pub(crate) fn cmp_newer(a: &LrmRscOp, b: &LrmRscOp, same_node_default: bool) -> Ordering {
    let same_node = match (&a.on_node, &b.on_node) {
        (Some(x), Some(y)) => eq_ci(x, y),
        _ => same_node_default,
    };
    if same_node && a.id == b.id {
        return Ordering::Equal;
    }
    let ac = a.call_id.unwrap_or(-1);
    let bc = b.call_id.unwrap_or(-1);
    if ac == -1 && bc == -1 {
        return Ordering::Equal;
    } else if same_node && ac >= 0 && ac < bc {
        return Ordering::Less;
    } else if same_node && bc >= 0 && ac > bc {
        return Ordering::Greater;
    } else if ac >= 0 && bc >= 0 && (!same_node || ac == bc) {
        let la = a.last_rc_change().unwrap_or(-1);
        let lb = b.last_rc_change().unwrap_or(-1);
        if la >= 0 && la < lb {
            return Ordering::Less;
        } else if lb >= 0 && la > lb {
            return Ordering::Greater;
        }
        return Ordering::Equal;
    }
    let (Some(am), Some(bm)) = (a.transition_magic.as_deref(), b.transition_magic.as_deref())
    else {
        return Ordering::Equal;
    };
    let (Some((au, aid)), Some((bu, bid))) = (decode_magic(am), decode_magic(bm)) else {
        return Ordering::Equal;
    };
    if !eq_ci(&au, &bu) || aid == bid {
        if bc == -1 {
            return Ordering::Less;
        } else if ac == -1 {
            return Ordering::Greater;
        }
    } else if (aid >= 0 && aid < bid) || bid == -1 {
        return Ordering::Less;
    } else if (bid >= 0 && aid > bid) || aid == -1 {
        return Ordering::Greater;
    }
    Ordering::Equal
}

impl<'a> Unpacker<'a> {
    pub(crate) fn unpack_status(&mut self) {
        let cib = self.cib;
        if let Some(t) = &cib.status.tickets {
            for ts in &t.states {
                if ts.id.is_empty() {
                    continue;
                }
                let ticket = TicketState {
                    id: ts.id.clone(),
                    granted: ts
                        .granted
                        .as_ref()
                        .is_some_and(|g| cib::value::is_true(Some(g.raw()))),
                    standby: ts
                        .standby
                        .as_ref()
                        .is_some_and(|g| cib::value::is_true(Some(g.raw()))),
                    last_granted: ts
                        .last_granted
                        .as_deref()
                        .and_then(|v| v.trim().parse().ok()),
                };
                match self.st.tickets.iter_mut().find(|t| t.id == ticket.id) {
                    Some(t) => *t = ticket,
                    None => self.st.tickets.push(ticket),
                }
            }
        }
        for ns in &cib.status.node_states {
            self.unpack_node_state(ns);
        }
        while self.unpack_node_history(false) {}
        let fence = self.st.options.stonith_enabled;
        self.unpack_node_history(fence);
        for container in std::mem::take(&mut self.stop_needed) {
            if let Some(node) = self.st.current_node(container) {
                self.require_stop(container, node);
            }
        }
        for nid in self.st.node_order.clone() {
            if !self.st.is_guest_or_remote(nid) {
                continue;
            }
            if self.st.node(nid).shutdown {
                if let Some(r) = self.st.node(nid).remote_rsc {
                    self.st.resources[r.0].next_role = Role::Stopped;
                }
            }
            if !self.st.node(nid).unpacked {
                self.determine_remote_online_status(nid);
            }
        }
    }

    /// One pass over the node histories that can be read now; returns
    /// whether any was read (another pass may then read more).
    fn unpack_node_history(&mut self, fence: bool) -> bool {
        let cib = self.cib;
        let mut any = false;
        for ns in &cib.status.node_states {
            let Some(uname) = ns.uname.as_deref() else {
                continue;
            };
            let Some(nid) = self.st.find_node_any(&ns.id, uname) else {
                continue;
            };
            if self.st.node(nid).unpacked {
                continue;
            }
            if fence {
                // Read every remaining node.
            } else if self.st.is_guest_node(nid) {
                let ready = self.st.node(nid).remote_rsc.is_some_and(|r| {
                    let r = self.st.rsc(r);
                    r.role == Role::Started
                        && r.container
                            .is_some_and(|c| self.st.rsc(c).role == Role::Started)
                });
                if !ready {
                    continue;
                }
            } else if self.st.is_remote_node(nid) {
                let ready = self.st.node(nid).remote_rsc.is_some_and(|r| {
                    self.st.options.shutdown_lock || self.st.rsc(r).role == Role::Started
                });
                if !ready {
                    continue;
                }
            } else if !(self.st.options.stonith_enabled
                || self.st.options.shutdown_lock
                || self.st.node(nid).online)
            {
                continue;
            }
            if self.st.is_guest_or_remote(nid) {
                self.determine_remote_online_status(nid);
                self.unpack_remote_attrs(nid, ns);
            }
            self.st.nodes[nid.0].unpacked = true;
            self.unpack_node_lrm(nid, ns);
            any = true;
        }
        any
    }

    fn unpack_node_lrm(&mut self, nid: NodeId, ns: &NodeState) {
        let Some(resources) = ns.lrm.as_ref().and_then(|l| l.lrm_resources.as_ref()) else {
            return;
        };
        let mut found_filler = false;
        for lrm in &resources.resources {
            if let Some(r) = self.unpack_lrm_resource(nid, lrm) {
                if self.st.rsc(r).flags.orphan_container_filler {
                    found_filler = true;
                }
            }
        }
        if found_filler {
            for lrm in &resources.resources {
                let Some(cid) = &lrm.container else {
                    continue;
                };
                let Some(container) = self.find_resource(cid) else {
                    continue;
                };
                let Some(r) = self.find_resource(&lrm.id) else {
                    continue;
                };
                let rr = self.st.rsc(r);
                if !rr.flags.orphan_container_filler || rr.container.is_some() {
                    continue;
                }
                self.st.resources[r.0].container = Some(container);
                self.st.resources[container.0].fillers.push(r);
            }
        }
    }

    fn unpack_lrm_resource(&mut self, nid: NodeId, lrm: &LrmResource) -> Option<RscId> {
        if lrm.ops.is_empty() && !self.st.options.shutdown_lock {
            return None;
        }
        let rsc = match self.unpack_find_resource(nid, &lrm.id) {
            Some(r) => r,
            None if lrm.ops.is_empty() => return None,
            None => self.process_orphan(lrm)?,
        };
        if self.st.options.shutdown_lock {
            self.unpack_shutdown_lock(lrm, rsc, nid);
        }
        let saved_role = self.st.rsc(rsc).role;
        self.st.resources[rsc.0].role = Role::Unknown;
        let reversed: Vec<&LrmRscOp> = lrm.ops.iter().rev().collect();
        let sorted = glib_sort(reversed, &mut |a: &&LrmRscOp, b: &&LrmRscOp| {
            cmp_newer(a, b, true)
        });
        let mut migrate_op = None;
        let mut last_failure: Option<&LrmRscOp> = None;
        let mut on_fail = OnFail::Ignore;
        for &op in &sorted {
            if eq_ci(&op.operation, "migrate_from") {
                migrate_op = Some(op);
            }
            self.unpack_rsc_op(rsc, nid, op, &mut last_failure, &mut on_fail);
        }
        let _ = migrate_op;
        self.process_recurring(rsc, nid, &sorted);
        self.process_rsc_state(rsc, nid, on_fail);
        if let Some(req) = self.requested_role(rsc) {
            let r = &mut self.st.resources[rsc.0];
            if r.next_role == Role::Unknown || req < r.next_role {
                r.next_role = req;
            }
        }
        let r = &mut self.st.resources[rsc.0];
        if saved_role > r.role {
            r.role = saved_role;
        }
        Some(rsc)
    }

    /// `process_recurring`: the recurring operations the history shows
    /// active since the last start, recorded so that action creation knows
    /// which monitors already run (Pacemaker creates optional actions for
    /// them here, which also fixes their action ids).
    fn process_recurring(&mut self, rsc: RscId, nid: NodeId, sorted: &[&LrmRscOp]) {
        let (start_index, stop_index) = active_op_indexes(sorted);
        for (counter, op) in sorted.iter().enumerate() {
            let counter = counter as i64;
            if !self.st.node(nid).online {
                break;
            }
            if start_index < stop_index && counter <= stop_index {
                continue;
            }
            if counter < start_index {
                continue;
            }
            let interval_ms = op.interval_ms();
            if interval_ms <= 0 || op.op_status == Some(EXEC_PENDING) {
                continue;
            }
            self.st.implied.push(ImpliedAction::Recurring {
                rsc,
                node: nid,
                task: op.operation.clone(),
                interval_ms: interval_ms as u64,
            });
        }
    }

    /// `get_target_role` again, after the history (for next_role).
    fn requested_role(&self, rsc: RscId) -> Option<Role> {
        let v = self.st.rsc(rsc).meta.get("target-role")?;
        if eq_ci(v, "started") || eq_ci(v, "default") {
            return None;
        }
        let role = parse_role(v)?;
        if role > Role::Started {
            let up = self.st.uber_parent(rsc);
            if !self.st.rsc(up).flags.promotable || role > Role::Unpromoted {
                return None;
            }
        }
        Some(role)
    }

    fn unpack_shutdown_lock(&mut self, lrm: &LrmResource, rsc: RscId, nid: NodeId) {
        let Some(lock_time) = lrm.shutdown_lock.filter(|&t| t != 0) else {
            return;
        };
        let limit = self.st.options.shutdown_lock_limit_s;
        if limit > 0 && self.st.now > lock_time + limit {
            // Expired: the history is cleared.
            self.st
                .implied
                .push(ImpliedAction::ClearHistory { rsc, node: nid });
            return;
        }
        let r = &mut self.st.resources[rsc.0];
        r.lock_node = Some(nid);
        r.lock_time = Some(lock_time);
    }

    fn process_orphan(&mut self, lrm: &LrmResource) -> Option<RscId> {
        let rsc = self.create_orphan(lrm)?;
        if !self.st.options.stop_orphan_resources {
            self.st.resources[rsc.0].flags.managed = false;
        } else {
            self.location_all(rsc, Score::MINUS_INFINITY, false);
        }
        Some(rsc)
    }

    /// `unpack_find_resource`: the resource (instance) a history entry
    /// belongs to on this node.
    fn unpack_find_resource(&mut self, nid: NodeId, rsc_id: &str) -> Option<RscId> {
        let mut rsc = self.find_resource(rsc_id);
        let parent;
        match rsc {
            None => {
                let zero = clone_zero(rsc_id);
                match self.find_resource(&zero) {
                    Some(c0) if !self.st.rsc(c0).flags.unique => {
                        rsc = Some(c0);
                        parent = Some(self.st.uber_parent(c0));
                    }
                    _ => parent = None,
                }
            }
            Some(r) if !self.st.rsc(r).is_primitive() => return None,
            Some(r) => parent = Some(self.st.uber_parent(r)),
        }
        if let Some(p) = parent {
            if self.st.is_clone(p) && !self.st.rsc(p).flags.unique {
                let bundle = self
                    .st
                    .rsc(p)
                    .parent
                    .filter(|b| matches!(self.st.rsc(*b).kind, ResourceKind::Bundle(_)));
                if let Some(b) = bundle {
                    rsc = self.find_bundle_replica(b, nid);
                } else {
                    let base = clone_strip(rsc_id).to_string();
                    rsc = self.find_anonymous_clone(nid, p, &base);
                }
            }
        }
        if let Some(r) = rsc {
            let rr = &self.st.resources[r.0];
            if !eq_ci(rsc_id, &rr.id) && !rr.clone_name.as_deref().is_some_and(|c| eq_ci(rsc_id, c))
            {
                self.st.resources[r.0].clone_name = Some(rsc_id.to_string());
                self.by_name.entry(rsc_id.to_string()).or_default().push(r);
            }
        }
        rsc
    }

    fn find_bundle_replica(&self, bundle: RscId, nid: NodeId) -> Option<RscId> {
        let ResourceKind::Bundle(b) = &self.st.rsc(bundle).kind else {
            return None;
        };
        b.replicas
            .iter()
            .find(|r| r.node == Some(nid))
            .and_then(|r| r.child)
    }

    /// `native_find_rsc` with `pe_find_clone`: by instance id or configured id
    /// within a clone.
    fn find_clone_member(&self, rsc: RscId, id: &str) -> Option<RscId> {
        let r = self.st.rsc(rsc);
        let up = self.st.uber_parent(rsc);
        if self.st.is_clone(up) && (r.id == id || r.xml_id == id) {
            return Some(rsc);
        }
        r.children
            .iter()
            .find_map(|&c| self.find_clone_member(c, id))
    }

    /// `find_anonymous_clone`: the instance active on this node, else a free
    /// one, else a new orphan instance.
    fn find_anonymous_clone(&mut self, nid: NodeId, parent: RscId, rsc_id: &str) -> Option<RscId> {
        let mut rsc = None;
        let mut inactive = None;
        let mut skip_inactive = false;
        for child in self.st.rsc(parent).children.clone() {
            if rsc.is_some() {
                break;
            }
            let mut locations = Vec::new();
            self.st.locations(child, true, &mut locations);
            if let Some(&first) = locations.first() {
                if first == nid {
                    rsc = self.find_clone_member(child, rsc_id);
                    if let Some(r) = rsc {
                        if !self.st.rsc(r).running_on.is_empty() {
                            skip_inactive = true;
                            rsc = None;
                        }
                    }
                }
            } else if !skip_inactive && inactive.is_none() && !self.st.rsc(child).flags.block {
                inactive = self.find_clone_member(child, rsc_id);
                if let Some(i) = inactive {
                    if self.st.rsc(i).pending_node.is_some_and(|p| p != nid) {
                        inactive = None;
                    }
                }
            }
        }
        if rsc.is_none() && !skip_inactive {
            rsc = inactive;
        }
        if let Some(r) = rsc {
            let n = self.st.node(nid);
            let universal = match &self.st.rsc(parent).kind {
                ResourceKind::Clone(c) => c.clone_max == self.st.nodes.len() as i64,
                _ => false,
            };
            if !self.st.rsc(r).flags.needs_fencing
                && (!n.online || n.unclean)
                && !self.st.is_guest_node(nid)
                && !universal
            {
                rsc = None;
            }
        }
        if rsc.is_none() {
            let top = self.create_clone_child(parent)?;
            rsc = self.find_clone_member(top, rsc_id);
        }
        rsc
    }

    /// `unpack_rsc_op`: one history entry's effect on the resource.
    fn unpack_rsc_op<'o>(
        &mut self,
        rsc: RscId,
        nid: NodeId,
        op: &'o LrmRscOp,
        last_failure: &mut Option<&'o LrmRscOp>,
        on_fail: &mut OnFail,
    ) {
        let task = op.operation.as_str();
        let key = op_key_of(op);
        let target = target_rc(op);
        let mut rc = op.rc_code.unwrap_or(0);
        let mut status = op.op_status.unwrap_or(-2);
        let interval_ms = op.interval_ms().max(0) as u64;
        if !(EXEC_PENDING..=EXEC_MAX).contains(&status) {
            return;
        }
        if task == "notify" || task == "meta-data" {
            return;
        }
        let parent = if self.st.rsc(rsc).flags.unique {
            rsc
        } else {
            self.st.uber_parent(rsc)
        };
        let expired = status != EXEC_NOT_INSTALLED && self.check_operation_expiry(rsc, nid, rc, op);
        let old_rc = rc;
        self.remap_operation(op, rsc, nid, on_fail, target, &mut rc, &mut status);
        let bundled = self.st.is_bundled(rsc);
        let maskable = !bundled && is_masked_probe_failure(op);
        if expired && maskable && old_rc != target {
            let r = &mut self.st.resources[rsc.0];
            if r.role <= Role::Stopped {
                r.role = Role::Unknown;
            }
            return;
        } else if expired && rc != target {
            if interval_ms == 0 {
                return;
            } else if self.st.node(nid).online && !self.st.node(nid).unclean {
                // The recurring monitor gets rescheduled: Pacemaker marks
                // the entry so that its digest check asks for it.
                self.st.implied.push(ImpliedAction::ExpiredRecurring {
                    rsc,
                    node: nid,
                    op_id: op.id.clone(),
                });
                return;
            }
        }
        if maskable {
            self.update_resource_state(rsc, nid, op, task, target, *last_failure, on_fail);
            self.record_failed_op(op, nid, rsc);
            self.location(parent, nid, Score::MINUS_INFINITY, false);
            return;
        }
        match status {
            EXEC_CANCELLED => return,
            EXEC_PENDING => {
                if task == "start" {
                    self.st.resources[rsc.0].flags.start_pending = true;
                    self.set_active(rsc);
                } else if task == "promote" {
                    self.st.resources[rsc.0].role = Role::Promoted;
                } else if task == "migrate_to" && self.st.node(nid).unclean {
                    if let Some(target) = op
                        .migrate_target
                        .as_deref()
                        .and_then(|t| self.st.find_node(t))
                    {
                        self.require_stop(rsc, target);
                    }
                }
                let r = &mut self.st.resources[rsc.0];
                if r.pending_task.is_none() && (interval_ms != 0 || task != "monitor") {
                    r.pending_task = Some(task.to_string());
                    r.pending_node = Some(nid);
                }
                return;
            }
            EXEC_DONE => {
                self.update_resource_state(rsc, nid, op, task, rc, *last_failure, on_fail);
                return;
            }
            EXEC_NOT_INSTALLED => {
                let policy = self.fail_policy(rsc, key, task);
                if policy.on_fail == OnFail::Ignore {
                    *on_fail = OnFail::Migrate;
                }
                self.location(parent, nid, Score::MINUS_INFINITY, false);
                self.unpack_rsc_op_failure(rsc, nid, rc, op, last_failure, on_fail);
                return;
            }
            EXEC_NOT_CONNECTED => {
                let conn = self
                    .st
                    .node(nid)
                    .remote_rsc
                    .filter(|_| self.st.is_guest_or_remote(nid))
                    .filter(|&c| self.st.rsc(c).flags.managed);
                if let Some(c) = conn {
                    let f = &mut self.st.resources[c.0].flags;
                    f.failed = true;
                    f.stop = true;
                }
            }
            EXEC_ERROR | EXEC_ERROR_HARD | EXEC_ERROR_FATAL | EXEC_TIMEOUT | EXEC_NOT_SUPPORTED
            | EXEC_INVALID => {}
            EXEC_NO_FENCE_DEVICE | EXEC_NO_SECRETS => status = EXEC_ERROR_HARD,
            _ => {}
        }
        let policy = self.fail_policy(rsc, key, task);
        if policy.on_fail == OnFail::Ignore
            || (policy.on_fail == OnFail::RestartContainer && task == "stop")
        {
            self.update_resource_state(rsc, nid, op, task, target, *last_failure, on_fail);
            self.st.resources[rsc.0].flags.failure_ignored = true;
            self.record_failed_op(op, nid, rsc);
            if policy.on_fail == OnFail::RestartContainer
                && cmp_on_fail(*on_fail, OnFail::Recover) <= 0
            {
                *on_fail = policy.on_fail;
            }
        } else {
            self.unpack_rsc_op_failure(rsc, nid, rc, op, last_failure, on_fail);
            if status == EXEC_ERROR_HARD {
                self.location(parent, nid, Score::MINUS_INFINITY, false);
            } else if status == EXEC_ERROR_FATAL {
                self.location_all(parent, Score::MINUS_INFINITY, false);
            }
        }
    }

    fn set_active(&mut self, rsc: RscId) {
        let up = self.st.uber_parent(rsc);
        let promotable = self.st.rsc(up).flags.promotable;
        self.st.resources[rsc.0].role = if promotable {
            Role::Unpromoted
        } else {
            Role::Started
        };
    }

    /// `check_operation_expiry`: whether a failure-timeout makes this entry
    /// irrelevant.
    fn check_operation_expiry(&mut self, rsc: RscId, nid: NodeId, rc: i64, op: &LrmRscOp) -> bool {
        let is_last_failure = op.id.ends_with("_last_failure_0");
        let interval_ms = op.interval_ms();
        let mut expired = false;
        let mut unexpired_fail_count = 0;
        if self.st.rsc(rsc).failure_timeout_s > 0 {
            if let Some(last_run) = op.last_rc_change() {
                let now = self.st.now;
                let timeout = self.st.rsc(rsc).failure_timeout_s;
                if now >= last_run + timeout
                    && !self.ignore_failure_timeout(rsc, op, interval_ms, is_last_failure)
                {
                    expired = true;
                }
                let (count, last_failure) = self.failcount(nid, rsc, true, Some(op));
                unexpired_fail_count = count;
                // Run again when the latest failure expires (the timeout
                // read after the count: a blocking failure voids it).
                let recheck = last_failure + self.st.rsc(rsc).failure_timeout_s + 1;
                if count > 0 && now < recheck {
                    self.st.update_recheck(recheck);
                }
            }
        }
        let mut clear_reason = None;
        if expired {
            if self.failcount(nid, rsc, false, Some(op)).0 > 0 {
                if unexpired_fail_count == 0 {
                    clear_reason = Some("it expired");
                } else {
                    expired = false;
                }
            } else if is_last_failure && self.st.rsc(rsc).remote_reconnect_ms > 0 {
                clear_reason = Some("reconnect interval is set");
            }
        }
        if let Some(reason) = clear_reason {
            self.st.implied.push(ImpliedAction::ClearFailcount {
                rsc,
                node: nid,
                reason: reason.to_string(),
            });
        } else if !expired
            && is_last_failure
            && (op.operation == "start" || op.operation == "monitor")
        {
            // Cleared if the parameters changed since: decided once
            // digests can be computed (`should_clear_for_param_change`).
            self.st.implied.push(ImpliedAction::ParamCheck {
                rsc,
                node: nid,
                op_id: op.id.clone(),
            });
        }
        if expired
            && interval_ms == 0
            && op.operation == "monitor"
            && matches!(
                rc,
                OCF_OK
                    | OCF_NOT_RUNNING
                    | OCF_RUNNING_PROMOTED
                    | OCF_DEGRADED
                    | OCF_DEGRADED_PROMOTED
            )
        {
            expired = false;
        }
        expired
    }

    fn ignore_failure_timeout(
        &self,
        rsc: RscId,
        op: &LrmRscOp,
        interval_ms: i64,
        _is_last_failure: bool,
    ) -> bool {
        let r = self.st.rsc(rsc);
        if r.remote_reconnect_ms > 0
            && self.st.options.stonith_enabled
            && interval_ms != 0
            && eq_ci(&op.operation, "monitor")
        {
            if let Some(n) = self.st.find_node(&r.id) {
                if !self.st.node(n).remote_was_fenced {
                    return true;
                }
            }
        }
        false
    }

    /// `remap_operation`: turns the recorded result into done or error given
    /// what was expected, and updates the role for promoted results.
    #[allow(clippy::too_many_arguments)]
    fn remap_operation(
        &mut self,
        op: &LrmRscOp,
        rsc: RscId,
        nid: NodeId,
        on_fail: &mut OnFail,
        target: i64,
        rc: &mut i64,
        status: &mut i64,
    ) {
        let task = op.operation.as_str();
        if task == "monitor" {
            let remapped = match *rc {
                OCF_DEGRADED => OCF_OK,
                OCF_DEGRADED_PROMOTED => OCF_RUNNING_PROMOTED,
                other => other,
            };
            if remapped != *rc {
                let n = self.st.node(nid);
                if !n.shutdown || n.online {
                    self.record_failed_op(op, nid, rsc);
                }
                *rc = remapped;
            }
        }
        if !self.st.is_bundled(rsc) && is_masked_probe_failure(op) {
            *status = EXEC_DONE;
            *rc = OCF_NOT_RUNNING;
        }
        if *status != EXEC_DONE && *status != EXEC_ERROR {
            return;
        }
        *status = EXEC_DONE;
        let probe = is_probe(op);
        if target < 0 || target != *rc {
            *status = EXEC_ERROR;
        }
        match *rc {
            OCF_OK => {
                if probe && target == OCF_NOT_RUNNING {
                    *status = EXEC_DONE;
                }
            }
            OCF_NOT_RUNNING => {
                if probe || target == *rc || !self.st.rsc(rsc).flags.managed {
                    *status = EXEC_DONE;
                    let r = &mut self.st.resources[rsc.0];
                    r.role = Role::Stopped;
                    *on_fail = OnFail::Ignore;
                    r.next_role = Role::Unknown;
                }
            }
            OCF_RUNNING_PROMOTED => {
                if probe && *rc != target {
                    *status = EXEC_DONE;
                }
                self.st.resources[rsc.0].role = Role::Promoted;
            }
            OCF_DEGRADED_PROMOTED | OCF_FAILED_PROMOTED => {
                self.st.resources[rsc.0].role = Role::Promoted;
                *status = EXEC_ERROR;
            }
            OCF_NOT_CONFIGURED => *status = EXEC_ERROR_FATAL,
            OCF_UNIMPLEMENT_FEATURE => {
                if op.interval_ms() == 0 {
                    self.check_recoverable(rsc, nid, task);
                    *status = EXEC_ERROR_HARD;
                } else {
                    *status = EXEC_NOT_SUPPORTED;
                }
            }
            OCF_NOT_INSTALLED | OCF_INVALID_PARAM | OCF_INSUFFICIENT_PRIV => {
                self.check_recoverable(rsc, nid, task);
                *status = EXEC_ERROR_HARD;
            }
            _ => {
                if *status == EXEC_DONE {
                    *status = EXEC_ERROR;
                }
            }
        }
    }

    /// A failed stop that fencing cannot recover blocks the resource.
    fn check_recoverable(&mut self, rsc: RscId, nid: NodeId, task: &str) {
        if task != "stop" || self.can_fence(nid) {
            return;
        }
        let f = &mut self.st.resources[rsc.0].flags;
        f.managed = false;
        f.block = true;
    }

    /// `pe_can_fence`.
    pub(crate) fn can_fence(&self, nid: NodeId) -> bool {
        if self.st.is_guest_node(nid) {
            let Some(container) = self
                .st
                .node(nid)
                .remote_rsc
                .and_then(|r| self.st.rsc(r).container)
            else {
                return true;
            };
            return self
                .st
                .rsc(container)
                .running_on
                .iter()
                .all(|&h| self.st.node(h).online || self.can_fence(h));
        }
        let o = &self.st.options;
        if !o.stonith_enabled || !o.have_stonith_resource {
            return false;
        }
        self.st.have_quorum
            || o.no_quorum_policy == NoQuorumPolicy::Ignore
            || self.st.node(nid).online
    }

    /// `update_resource_state`: a successful (or treated-as-successful)
    /// operation sets the role and may clear earlier failures.
    #[allow(clippy::too_many_arguments)]
    fn update_resource_state(
        &mut self,
        rsc: RscId,
        nid: NodeId,
        op: &LrmRscOp,
        task: &str,
        rc: i64,
        last_failure: Option<&LrmRscOp>,
        on_fail: &mut OnFail,
    ) {
        let mut clear_past_failure = false;
        let bundled = self.st.is_bundled(rsc);
        if rc == OCF_NOT_INSTALLED || (!bundled && is_masked_probe_failure(op)) {
            self.st.resources[rsc.0].role = Role::Stopped;
        } else if rc == OCF_NOT_RUNNING {
            clear_past_failure = true;
        } else if eq_ci(task, "monitor") {
            if let Some(lf) = last_failure {
                if eq_ci(op_key_of(op), op_key_of(lf)) {
                    clear_past_failure = true;
                }
            }
            if self.st.rsc(rsc).role < Role::Started {
                self.set_active(rsc);
            }
        } else if eq_ci(task, "start") {
            self.st.resources[rsc.0].role = Role::Started;
            clear_past_failure = true;
        } else if eq_ci(task, "stop") {
            self.st.resources[rsc.0].role = Role::Stopped;
            clear_past_failure = true;
        } else if eq_ci(task, "promote") {
            self.st.resources[rsc.0].role = Role::Promoted;
            clear_past_failure = true;
        } else if eq_ci(task, "demote") {
            if *on_fail == OnFail::Demote {
                clear_past_failure = true;
            }
            self.st.resources[rsc.0].role = Role::Unpromoted;
        } else if eq_ci(task, "migrate_from") {
            self.st.resources[rsc.0].role = Role::Started;
            clear_past_failure = true;
        } else if eq_ci(task, "migrate_to") {
            self.migrate_to_success(rsc, nid, op);
        } else if self.st.rsc(rsc).role < Role::Started {
            self.set_active(rsc);
        }
        if clear_past_failure {
            match *on_fail {
                OnFail::Stop | OnFail::Fence | OnFail::Migrate | OnFail::Standby => {}
                OnFail::Block
                | OnFail::Ignore
                | OnFail::Demote
                | OnFail::Recover
                | OnFail::RestartContainer => {
                    *on_fail = OnFail::Ignore;
                    self.st.resources[rsc.0].next_role = Role::Unknown;
                }
                OnFail::ResetRemote => {
                    if self.st.rsc(rsc).remote_reconnect_ms == 0 {
                        *on_fail = OnFail::Ignore;
                        self.st.resources[rsc.0].next_role = Role::Unknown;
                    }
                }
            }
        }
    }

    /// `unpack_rsc_op_failure`.
    fn unpack_rsc_op_failure<'o>(
        &mut self,
        rsc: RscId,
        nid: NodeId,
        rc: i64,
        op: &'o LrmRscOp,
        last_failure: &mut Option<&'o LrmRscOp>,
        on_fail: &mut OnFail,
    ) {
        let task = op.operation.as_str();
        *last_failure = Some(op);
        let not_installed_asym = !self.st.options.symmetric_cluster && rc == OCF_NOT_INSTALLED;
        if !not_installed_asym {
            self.record_failed_op(op, nid, rsc);
        }
        let policy = self.fail_policy(rsc, op_key_of(op), task);
        if cmp_on_fail(*on_fail, policy.on_fail) < 0 {
            *on_fail = policy.on_fail;
        }
        match task {
            "stop" => self.location(rsc, nid, Score::MINUS_INFINITY, false),
            "migrate_to" => self.migrate_to_failure(rsc, nid, op),
            "migrate_from" => self.migrate_from_failure(rsc, nid, op),
            "promote" => self.st.resources[rsc.0].role = Role::Promoted,
            "demote" => {
                let r = &mut self.st.resources[rsc.0];
                if policy.on_fail == OnFail::Block {
                    r.role = Role::Promoted;
                    r.next_role = Role::Stopped;
                } else if rc == OCF_NOT_RUNNING {
                    r.role = Role::Stopped;
                } else {
                    r.role = Role::Unpromoted;
                }
            }
            _ => {}
        }
        if is_probe(op) && rc == OCF_NOT_INSTALLED {
            self.st.resources[rsc.0].role = Role::Stopped;
        } else if self.st.rsc(rsc).role < Role::Started {
            self.set_active(rsc);
        }
        let r = &mut self.st.resources[rsc.0];
        if policy.fail_role != Role::Started && r.next_role < policy.fail_role {
            r.next_role = policy.fail_role;
        }
        if policy.fail_role == Role::Stopped {
            let mut fail_rsc = rsc;
            if self.st.rsc(rsc).parent.is_some() {
                let up = self.st.uber_parent(rsc);
                if self.st.is_clone(up) && !self.st.rsc(up).flags.unique {
                    fail_rsc = up;
                }
            }
            self.ban_everywhere(fail_rsc, Score::MINUS_INFINITY);
        }
    }

    /// `record_failed_op`: remembers a failure for display (once per
    /// operation key and node, and only for online nodes).
    fn record_failed_op(&mut self, op: &LrmRscOp, nid: NodeId, rsc: RscId) {
        if !self.st.node(nid).online {
            return;
        }
        let key = op_key_of(op).to_string();
        if self
            .st
            .failed_ops
            .iter()
            .any(|f| eq_ci(&f.op_key, &key) && f.node == nid)
        {
            return;
        }
        self.st.failed_ops.push(FailedOp {
            rsc,
            node: nid,
            op_id: op.id.clone(),
            key_given: op.operation_key.is_some(),
            op_key: key,
            on_node: op.on_node.clone(),
            task: op.operation.clone(),
            interval_ms: op.interval_ms().max(0) as u64,
            rc: op.rc_code.unwrap_or(0),
            status: op.op_status.unwrap_or(0),
            exit_reason: op.exit_reason.clone(),
            last_rc_change: op.last_rc_change(),
            exec_time: op.exec_time,
            queue_time: op.queue_time,
            call_id: op.call_id,
        });
    }

    /// `find_lrm_op`: the first entry for (resource, task) on a node,
    /// optionally for a migration peer, optionally with an expected result.
    fn find_lrm_op(
        &self,
        rsc_id: &str,
        task: &str,
        node: &str,
        source: Option<&str>,
        target_result: Option<i64>,
    ) -> Option<&'a LrmRscOp> {
        let cib = self.cib;
        let found = cib
            .status
            .node_states
            .iter()
            .filter(|ns| ns.uname.as_deref() == Some(node))
            .flat_map(|ns| ns.lrm_resources())
            .filter(|lr| lr.id == rsc_id)
            .flat_map(|lr| &lr.ops)
            .find(|op| {
                op.operation == task
                    && match (source, task) {
                        (Some(s), "migrate_to") => op.migrate_target.as_deref() == Some(s),
                        (Some(s), "migrate_from") => op.migrate_source.as_deref() == Some(s),
                        _ => true,
                    }
            })?;
        if let Some(want) = target_result {
            if found.rc_code.unwrap_or(1) != want || found.op_status.unwrap_or(4) != EXEC_DONE {
                return None;
            }
        }
        Some(found)
    }

    fn find_lrm_resource(&self, rsc_id: &str, node: &str) -> Option<&'a LrmResource> {
        let cib = self.cib;
        cib.status
            .node_states
            .iter()
            .filter(|ns| ns.uname.as_deref() == Some(node))
            .flat_map(|ns| ns.lrm_resources())
            .find(|lr| lr.id == rsc_id)
    }

    fn unknown_on_node(&self, rsc_id: &str, node: &str) -> bool {
        self.find_lrm_resource(rsc_id, node).is_none_or_no_ops()
    }

    fn monitor_not_running_after(
        &self,
        rsc_id: &str,
        node: &str,
        xml_op: &LrmRscOp,
        same_node: bool,
    ) -> bool {
        self.find_lrm_op(rsc_id, "monitor", node, None, Some(OCF_NOT_RUNNING))
            .is_some_and(|m| cmp_newer(m, xml_op, same_node) == Ordering::Greater)
    }

    fn non_monitor_after(
        &self,
        rsc_id: &str,
        node: &str,
        xml_op: &LrmRscOp,
        same_node: bool,
    ) -> bool {
        let Some(lr) = self.find_lrm_resource(rsc_id, node) else {
            return false;
        };
        lr.ops.iter().any(|op| {
            !std::ptr::eq(op, xml_op)
                && ["start", "stop", "migrate_to", "migrate_from"].contains(&op.operation.as_str())
                && cmp_newer(op, xml_op, same_node) == Ordering::Greater
        })
    }

    fn newer_state_after_migrate(
        &self,
        rsc_id: &str,
        node: &str,
        migrate_to: Option<&LrmRscOp>,
        migrate_from: Option<&LrmRscOp>,
    ) -> bool {
        let Some(mut xml_op) = migrate_from.or(migrate_to) else {
            return false;
        };
        let source = xml_op.migrate_source.clone();
        let target = xml_op.migrate_target.clone();
        let mut same_node = false;
        if target.as_deref().is_some_and(|t| eq_ci(node, t)) {
            if let Some(f) = migrate_from {
                xml_op = f;
                same_node = true;
            } else if let Some(t) = migrate_to {
                xml_op = t;
            }
        } else if source.as_deref().is_some_and(|s| eq_ci(node, s)) {
            if let Some(t) = migrate_to {
                xml_op = t;
                same_node = true;
            } else if let Some(f) = migrate_from {
                xml_op = f;
            }
        }
        self.non_monitor_after(rsc_id, node, xml_op, same_node)
            || self.monitor_not_running_after(rsc_id, node, xml_op, same_node)
    }

    fn migrate_to_success(&mut self, rsc: RscId, nid: NodeId, op: &LrmRscOp) {
        let (Some(source), Some(target)) = (op.migrate_source.clone(), op.migrate_target.clone())
        else {
            return;
        };
        if source != self.st.node(nid).uname {
            return;
        }
        let rsc_id = self.st.rsc(rsc).id.clone();
        let source_newer_op = self.non_monitor_after(&rsc_id, &source, op, true);
        let migrate_from = self.find_lrm_op(&rsc_id, "migrate_from", &target, Some(&source), None);
        if source_newer_op && migrate_from.is_some() {
            return;
        }
        let target_newer_state =
            self.newer_state_after_migrate(&rsc_id, &target, Some(op), migrate_from);
        if source_newer_op && target_newer_state {
            return;
        }
        self.st.resources[rsc.0].role = Role::Started;
        let target_node = self.st.find_node(&target);
        let source_node = self.st.find_node(&source);
        let from = migrate_from.map(|f| (f.rc_code.unwrap_or(0), f.op_status.unwrap_or(0)));
        match from {
            Some((OCF_OK, EXEC_DONE)) => {
                let r = &mut self.st.resources[rsc.0];
                r.role = Role::Stopped;
                r.dangling_migrations.insert(0, nid);
            }
            Some((_, status)) if status != EXEC_PENDING => {
                match target_node.filter(|&t| !target_newer_state && self.st.node(t).online) {
                    Some(t) => self.add_running(rsc, t, true),
                    None => {
                        let f = &mut self.st.resources[rsc.0].flags;
                        f.failed = true;
                        f.stop = true;
                        f.allow_migrate = false;
                    }
                }
            }
            _ if target_node.is_some_and(|t| self.st.node(t).online)
                && self.unknown_on_node(&rsc_id, &target) =>
            {
                // No history at all on an online target: it was cleaned up,
                // and a probe will tell (upstream fix for cleaned
                // migrate_from history).
            }
            _ => match target_node.filter(|&t| !target_newer_state && self.st.node(t).online) {
                Some(t) => {
                    self.add_running(rsc, t, false);
                    if let Some(s) = source_node.filter(|&s| self.st.node(s).online) {
                        let r = &mut self.st.resources[rsc.0];
                        r.partial_migration_target = Some(t);
                        r.partial_migration_source = Some(s);
                    }
                }
                None if !source_newer_op => {
                    let f = &mut self.st.resources[rsc.0].flags;
                    f.failed = true;
                    f.stop = true;
                    f.allow_migrate = false;
                }
                None => {}
            },
        }
    }

    fn migrate_to_failure(&mut self, rsc: RscId, nid: NodeId, op: &LrmRscOp) {
        let (Some(source), Some(target)) = (op.migrate_source.clone(), op.migrate_target.clone())
        else {
            return;
        };
        if source != self.st.node(nid).uname {
            return;
        }
        self.st.resources[rsc.0].role = Role::Started;
        let rsc_id = self.st.rsc(rsc).id.clone();
        let target_migrate_from = self.find_lrm_op(
            &rsc_id,
            "migrate_from",
            &target,
            Some(&source),
            Some(OCF_OK),
        );
        if !self.unknown_on_node(&rsc_id, &target)
            && !self.newer_state_after_migrate(&rsc_id, &target, Some(op), target_migrate_from)
        {
            if let Some(t) = self
                .st
                .find_node(&target)
                .filter(|&t| self.st.node(t).online)
            {
                self.add_running(rsc, t, false);
            }
        } else if !self.non_monitor_after(&rsc_id, &source, op, true) {
            self.st.resources[rsc.0].dangling_migrations.insert(0, nid);
        }
    }

    fn migrate_from_failure(&mut self, rsc: RscId, nid: NodeId, op: &LrmRscOp) {
        let (Some(source), Some(target)) = (op.migrate_source.clone(), op.migrate_target.clone())
        else {
            return;
        };
        if target != self.st.node(nid).uname {
            return;
        }
        self.st.resources[rsc.0].role = Role::Started;
        let rsc_id = self.st.rsc(rsc).id.clone();
        let source_migrate_to =
            self.find_lrm_op(&rsc_id, "migrate_to", &source, Some(&target), Some(OCF_OK));
        if !self.unknown_on_node(&rsc_id, &source)
            && !self.newer_state_after_migrate(&rsc_id, &source, source_migrate_to, Some(op))
        {
            if let Some(s) = self
                .st
                .find_node(&source)
                .filter(|&s| self.st.node(s).online)
            {
                self.add_running(rsc, s, true);
            }
        }
    }

    /// `process_rsc_state`: what the history's outcome means for the
    /// resource and the node (fencing, standby, blocking, recovery).
    fn process_rsc_state(&mut self, rsc: RscId, nid: NodeId, on_fail: OnFail) {
        if self.st.rsc(rsc).role != Role::Unknown {
            let mut iter = Some(rsc);
            let node_id = self.st.node(nid).id.clone();
            while let Some(i) = iter {
                let known = &self.st.resources[i.0].known_on;
                if !known.iter().any(|&k| self.st.node(k).id == node_id) {
                    self.st.resources[i.0].known_on.insert(nid);
                }
                if self.st.rsc(i).flags.unique {
                    break;
                }
                iter = self.st.rsc(i).parent;
            }
        }
        let role = self.st.rsc(rsc).role;
        let managed = self.st.rsc(rsc).flags.managed;
        let node = self.st.node(nid);
        if role > Role::Stopped && !node.online && !node.maintenance && managed {
            let mut should_fence = false;
            let mut reason = None;
            if self.st.is_guest_node(nid) {
                let f = &mut self.st.resources[rsc.0].flags;
                f.failed = true;
                f.stop = true;
                should_fence = true;
            } else if self.st.options.stonith_enabled {
                if self.st.is_remote_node(nid) {
                    if let Some(conn) = self.st.node(nid).remote_rsc {
                        if !self.st.rsc(conn).flags.failed {
                            self.st.nodes[nid.0].unseen = true;
                            reason = Some(format!(
                                "{} is active there (fencing will be revoked if remote connection can be re-established elsewhere)",
                                self.st.rsc(rsc).id
                            ));
                        }
                    }
                }
                should_fence = true;
            }
            if should_fence {
                let reason = reason.unwrap_or_else(|| {
                    format!("{} is thought to be active there", self.st.rsc(rsc).id)
                });
                self.fence_node(nid, &reason);
            }
        }
        let save_on_fail = on_fail;
        let on_fail = if self.st.node(nid).unclean {
            OnFail::Ignore
        } else {
            on_fail
        };
        match on_fail {
            OnFail::Ignore => {}
            OnFail::Demote => {
                self.st.resources[rsc.0].flags.failed = true;
                self.st
                    .implied
                    .push(ImpliedAction::Demote { rsc, node: nid });
            }
            OnFail::Fence => {
                let reason = format!("{} failed there", self.st.rsc(rsc).id);
                self.fence_node(nid, &reason);
            }
            OnFail::Standby => {
                let n = &mut self.st.nodes[nid.0];
                n.standby = true;
                n.standby_onfail = true;
            }
            OnFail::Block => {
                let f = &mut self.st.resources[rsc.0].flags;
                f.managed = false;
                f.block = true;
            }
            OnFail::Migrate => {
                self.location(rsc, nid, Score::MINUS_INFINITY, false);
            }
            OnFail::Stop => {
                self.st.resources[rsc.0].next_role = Role::Stopped;
            }
            OnFail::Recover => {
                let r = &self.st.resources[rsc.0];
                if r.role != Role::Stopped && r.role != Role::Unknown {
                    let f = &mut self.st.resources[rsc.0].flags;
                    f.failed = true;
                    f.stop = true;
                    self.require_stop(rsc, nid);
                }
            }
            OnFail::RestartContainer => {
                let f = &mut self.st.resources[rsc.0].flags;
                f.failed = true;
                f.stop = true;
                let container = self.st.rsc(rsc).container;
                if let (Some(c), true) = (container, self.st.is_bundled(rsc)) {
                    self.stop_needed.insert(0, c);
                } else if let Some(c) = container {
                    self.require_stop(c, nid);
                } else {
                    let r = self.st.rsc(rsc);
                    if r.role != Role::Stopped && r.role != Role::Unknown {
                        self.require_stop(rsc, nid);
                    }
                }
            }
            OnFail::ResetRemote => {
                let f = &mut self.st.resources[rsc.0].flags;
                f.failed = true;
                f.stop = true;
                if self.st.options.stonith_enabled {
                    let r = self.st.rsc(rsc);
                    let tmp = if r.is_remote_node {
                        self.st.find_node(&r.id)
                    } else {
                        None
                    };
                    if let Some(t) = tmp {
                        if self.st.is_remote_node(t) && !self.st.node(t).remote_was_fenced {
                            self.fence_node(t, "remote connection is unrecoverable");
                        }
                    }
                }
                if self.st.rsc(rsc).role > Role::Stopped {
                    self.require_stop(rsc, nid);
                }
                if self.st.rsc(rsc).remote_reconnect_ms > 0 {
                    self.st.resources[rsc.0].next_role = Role::Stopped;
                }
            }
        }
        let r = self.st.rsc(rsc);
        if r.flags.failed && r.is_remote_node {
            if let Some(t) = self.st.find_node(&r.id.clone()) {
                if self.st.node(t).unclean {
                    self.st.nodes[t.0].unseen = false;
                }
            }
        }
        let r = self.st.rsc(rsc);
        if r.role != Role::Stopped && r.role != Role::Unknown {
            self.add_running(rsc, nid, save_on_fail != OnFail::Ignore);
            let f = &mut self.st.resources[rsc.0].flags;
            match on_fail {
                OnFail::Ignore => {}
                OnFail::Demote | OnFail::Block => f.failed = true,
                _ => {
                    f.failed = true;
                    f.stop = true;
                }
            }
        } else if r.clone_name.as_deref().is_some_and(|c| c.contains(':')) {
            self.st.resources[rsc.0].clone_name = None;
        }
        let r = self.st.rsc(rsc);
        if r.role == Role::Stopped
            && r.partial_migration_source == Some(nid)
            && r.partial_migration_target.is_some()
            && !r.running_on.is_empty()
        {
            self.st.resources[rsc.0].role = Role::Started;
        }
    }

    /// `stop_action` during unpacking: a required stop. A stop that cannot
    /// run because its node is offline means the node must be fenced
    /// (`update_resource_action_runnable`).
    fn require_stop(&mut self, rsc: RscId, nid: NodeId) {
        self.st.implied.push(ImpliedAction::Stop { rsc, node: nid });
        let n = self.st.node(nid);
        let unrunnable = !n.online && (!self.st.is_guest_node(nid) || n.remote_requires_reset);
        if unrunnable && self.st.rsc(rsc).flags.managed && !n.unclean {
            self.fence_node(nid, "stop is unrunnable");
        }
    }

    /// `native_add_running`: records that a resource is active on a node,
    /// and propagates it to the parents.
    pub(crate) fn add_running(&mut self, rsc: RscId, nid: NodeId, _failed: bool) {
        if self.st.rsc(rsc).running_on.contains(&nid) {
            return;
        }
        self.st.resources[rsc.0].running_on.push(nid);
        let is_prim = self.st.rsc(rsc).is_primitive();
        if is_prim {
            self.st.nodes[nid.0].running_rsc.push(rsc);
            if self.st.node(nid).maintenance {
                self.st.resources[rsc.0].flags.managed = false;
            }
        }
        if !self.st.rsc(rsc).flags.managed {
            self.location(rsc, nid, Score::INFINITY, false);
            let online = self.st.node(nid).online;
            let mut p = self.st.rsc(rsc).parent;
            while let (Some(pid), true) = (p, online) {
                self.st.resources[pid.0].running_on.push(nid);
                p = self.st.rsc(pid).parent;
            }
            return;
        }
        if is_prim && self.active_count(rsc) > 1 {
            match self.st.rsc(rsc).recovery {
                MultipleActive::StopOnly => self.ban_everywhere(rsc, Score::MINUS_INFINITY),
                MultipleActive::Block => {
                    let f = &mut self.st.resources[rsc.0].flags;
                    f.managed = false;
                    f.block = true;
                    if let Some(p) = self.st.rsc(rsc).parent {
                        let pr = self.st.rsc(p);
                        let group_or_bundle =
                            matches!(pr.kind, ResourceKind::Group | ResourceKind::Bundle(_));
                        if group_or_bundle && pr.recovery == MultipleActive::Block {
                            for c in pr.children.clone() {
                                let f = &mut self.st.resources[c.0].flags;
                                f.managed = false;
                                f.block = true;
                            }
                        }
                    }
                }
                MultipleActive::StopStart | MultipleActive::StopUnexpected => {}
            }
        }
        if let Some(p) = self.st.rsc(rsc).parent {
            self.add_running(p, nid, false);
        }
    }

    /// `pe__find_active_requires` count: clean active nodes, or all active
    /// nodes when the resource needs fencing.
    fn active_count(&self, rsc: RscId) -> usize {
        let r = self.st.rsc(rsc);
        if r.flags.needs_fencing {
            r.running_on.len()
        } else {
            r.running_on
                .iter()
                .filter(|&&n| {
                    let n = self.st.node(n);
                    n.online && !n.unclean
                })
                .count()
        }
    }
}

trait NoOps {
    fn is_none_or_no_ops(&self) -> bool;
}

impl NoOps for Option<&LrmResource> {
    fn is_none_or_no_ops(&self) -> bool {
        self.map_or(true, |lr| {
            !lr.ops
                .iter()
                .any(|op| op.extra_rc_present() && op.rc_code != Some(193))
        })
    }
}

trait RcPresent {
    fn extra_rc_present(&self) -> bool;
}

impl RcPresent for LrmRscOp {
    /// The entry records a result code at all.
    fn extra_rc_present(&self) -> bool {
        self.rc_code.is_some()
    }
}

/// `calculate_active_ops`: the positions (in newest-last order) of the last
/// successful stop and of the last start (or what implies one).
pub(crate) fn active_op_indexes(sorted: &[&LrmRscOp]) -> (i64, i64) {
    let mut stop_index = -1i64;
    let mut start_index = -1i64;
    let mut implied_monitor_start = -1i64;
    let mut implied_clone_start = -1i64;
    for (counter, op) in sorted.iter().enumerate() {
        let counter = counter as i64;
        let task = op.operation.as_str();
        if eq_ci(task, "stop") && op.op_status == Some(EXEC_DONE) {
            stop_index = counter;
        } else if eq_ci(task, "start") || eq_ci(task, "migrate_from") {
            start_index = counter;
        } else if implied_monitor_start <= stop_index && eq_ci(task, "monitor") {
            if matches!(op.rc_code, Some(0) | Some(8)) {
                implied_monitor_start = counter;
            }
        } else if eq_ci(task, "promote") || eq_ci(task, "demote") {
            implied_clone_start = counter;
        }
    }
    if start_index == -1 {
        if implied_clone_start != -1 {
            start_index = implied_clone_start;
        } else if implied_monitor_start != -1 {
            start_index = implied_monitor_start;
        }
    }
    (start_index, stop_index)
}
