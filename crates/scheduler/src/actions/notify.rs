//! Clone notifications (`pe_notif.c`): the pre/post pseudo-actions around
//! a clone's start, stop, promote and demote, the notify action on each
//! instance, and the `notify_*` lists passed to the agents.

use super::*;

impl Ws<'_> {
    fn notify_key(rsc_id: &str, kind: &str, task: &str) -> String {
        format!("{rsc_id}_{kind}_notify_{task}_0")
    }

    /// `new_notify_pseudo_action`.
    fn new_notify_pseudo_action(
        &mut self,
        r: RscId,
        action: ActionId,
        notif_action: &str,
        kind: &str,
    ) -> ActionId {
        let task = self.act(action).task.clone();
        let key = Self::notify_key(&self.rsc(r).id, kind, &task);
        let optional = self.is_set(action, af::OPTIONAL);
        let n = self.custom_action(Some(r), key, notif_action, None, optional);
        self.set_flag(n, af::PSEUDO);
        let m = &mut self.act_mut(n).meta;
        m.entry("notify_key_type".into())
            .or_insert_with(|| kind.to_string());
        m.entry("notify_key_operation".into()).or_insert(task);
        n
    }

    /// `pe__clone_notif_pseudo_ops`.
    pub(super) fn clone_notif_pseudo_ops(
        &mut self,
        r: RscId,
        task: &str,
        action: Option<ActionId>,
        complete: Option<ActionId>,
    ) -> Option<NotifyData> {
        if !self.rsc(r).flags.notify {
            return None;
        }
        let mut n = NotifyData {
            action: task.to_string(),
            ..Default::default()
        };
        if let Some(a) = action {
            let pre = self.new_notify_pseudo_action(r, a, "notify", "pre");
            self.set_flag(pre, af::RUNNABLE);
            add_meta(self.act_mut(pre), "notify_type", "pre");
            add_meta(self.act_mut(pre), "notify_operation", task);
            let pre_done = self.new_notify_pseudo_action(r, a, "notified", "confirmed-pre");
            self.set_flag(pre_done, af::RUNNABLE);
            add_meta(self.act_mut(pre_done), "notify_type", "pre");
            add_meta(self.act_mut(pre_done), "notify_operation", task);
            self.order_actions(pre, pre_done, of::OPTIONAL);
            self.order_actions(pre_done, a, of::OPTIONAL);
            n.pre = Some(pre);
            n.pre_done = Some(pre_done);
        }
        if let Some(c) = complete {
            let runnable = self.is_set(c, af::RUNNABLE);
            let post = self.new_notify_pseudo_action(r, c, "notify", "post");
            self.act_mut(post).priority = cib::Score::INFINITY.value();
            if runnable {
                self.set_flag(post, af::RUNNABLE);
            } else {
                self.clear_flag(post, af::RUNNABLE);
            }
            add_meta(self.act_mut(post), "notify_type", "post");
            add_meta(self.act_mut(post), "notify_operation", task);
            let post_done = self.new_notify_pseudo_action(r, c, "notified", "confirmed-post");
            self.act_mut(post_done).priority = cib::Score::INFINITY.value();
            if runnable {
                self.set_flag(post_done, af::RUNNABLE);
            } else {
                self.clear_flag(post_done, af::RUNNABLE);
            }
            add_meta(self.act_mut(post_done), "notify_type", "post");
            add_meta(self.act_mut(post_done), "notify_operation", task);
            self.order_actions(c, post, of::IMPLIES_THEN);
            self.order_actions(post, post_done, of::IMPLIES_THEN);
            n.post = Some(post);
            n.post_done = Some(post_done);
        }
        if let (Some(pd), Some(post)) = (n.pre_done, n.post) {
            self.order_actions(pd, post, of::OPTIONAL);
        }
        Some(n)
    }

    /// `collect_resource_data`.
    fn collect_resource_data(&mut self, r: RscId, activity: bool, n: &mut NotifyData) {
        if n.allowed_from.is_none() {
            n.allowed_from = Some(r);
        }
        let kids = self.children(r);
        if !kids.is_empty() {
            for c in kids {
                self.collect_resource_data(c, activity, n);
            }
            return;
        }
        let node = self.rsc(r).running_on.first().copied();
        let entry = (r, node);
        match self.rsc(r).role {
            Role::Stopped => n.inactive.insert(0, entry),
            Role::Started => n.active.insert(0, entry),
            Role::Unpromoted => {
                n.unpromoted.insert(0, entry);
                n.active.insert(0, entry);
            }
            Role::Promoted => {
                n.promoted.insert(0, entry);
                n.active.insert(0, entry);
            }
            Role::Unknown => {}
        }
        if !activity {
            return;
        }
        for &a in self.rx[r.0].actions.iter().rev() {
            let act = self.act(a);
            let Some(on) = act.node else {
                continue;
            };
            if act.is(af::OPTIONAL) {
                continue;
            }
            let task = order::text2task(&act.task);
            if task == order::Task::Stop && self.node(on).unclean {
                // Listed even if it cannot run.
            } else if !act.is(af::RUNNABLE) {
                continue;
            }
            let entry = (r, Some(on));
            match task {
                order::Task::Start => n.start.insert(0, entry),
                order::Task::Stop => n.stop.insert(0, entry),
                order::Task::Promote => n.promote.insert(0, entry),
                order::Task::Demote => n.demote.insert(0, entry),
                _ => {}
            }
        }
    }

    /// `notify_entries_to_strings`: sorted, deduplicated resource names and
    /// (when asked) node names.
    fn entries_to_strings(
        &self,
        list: &mut Vec<(RscId, Option<NodeId>)>,
        with_nodes: bool,
    ) -> (String, String) {
        let sorted =
            crate::util::glib_sort(
                std::mem::take(list),
                &mut |a: &(RscId, Option<NodeId>), b: &(RscId, Option<NodeId>)| {
                    self.rsc(a.0)
                        .id
                        .cmp(&self.rsc(b.0).id)
                        .then_with(|| match (a.1, b.1) {
                            (None, None) => std::cmp::Ordering::Equal,
                            (None, Some(_)) => std::cmp::Ordering::Greater,
                            (Some(_), None) => std::cmp::Ordering::Less,
                            (Some(x), Some(y)) => self.node(x).id.cmp(&self.node(y).id),
                        })
                },
            );
        let mut rscs: Vec<&str> = Vec::new();
        let mut nodes: Vec<&str> = Vec::new();
        let mut last: Option<&str> = None;
        for (r, node) in &sorted {
            if with_nodes && node.is_none() {
                continue;
            }
            let id = self.rsc(*r).id.as_str();
            if last == Some(id) {
                continue;
            }
            last = Some(id);
            rscs.push(id);
            if let (true, Some(n)) = (with_nodes, node) {
                nodes.push(self.node(*n).uname.as_str());
            }
        }
        let words = |v: &[&str]| {
            if v.is_empty() {
                " ".to_string()
            } else {
                v.join(" ")
            }
        };
        let out = (words(&rscs), words(&nodes));
        *list = sorted;
        out
    }

    /// `add_notif_keys`.
    fn add_notif_keys(&mut self, r: RscId, n: &mut NotifyData) {
        let mut required = false;
        let mut keys: Vec<(String, String)> = Vec::new();
        let (rl, nl) = self.entries_to_strings(&mut n.stop, true);
        if rl != " " && n.action == "stop" {
            required = true;
        }
        keys.push(("notify_stop_resource".into(), rl));
        keys.push(("notify_stop_uname".into(), nl));
        if !n.start.is_empty() && n.action == "start" {
            required = true;
        }
        let (rl, nl) = self.entries_to_strings(&mut n.start, true);
        keys.push(("notify_start_resource".into(), rl));
        keys.push(("notify_start_uname".into(), nl));
        if !n.demote.is_empty() && n.action == "demote" {
            required = true;
        }
        let (rl, nl) = self.entries_to_strings(&mut n.demote, true);
        keys.push(("notify_demote_resource".into(), rl));
        keys.push(("notify_demote_uname".into(), nl));
        if !n.promote.is_empty() && n.action == "promote" {
            required = true;
        }
        let (rl, nl) = self.entries_to_strings(&mut n.promote, true);
        keys.push(("notify_promote_resource".into(), rl));
        keys.push(("notify_promote_uname".into(), nl));
        let (rl, nl) = self.entries_to_strings(&mut n.active, true);
        keys.push(("notify_active_resource".into(), rl));
        keys.push(("notify_active_uname".into(), nl));
        let (rl, nl) = self.entries_to_strings(&mut n.unpromoted, true);
        keys.push(("notify_unpromoted_resource".into(), rl.clone()));
        keys.push(("notify_unpromoted_uname".into(), nl.clone()));
        keys.push(("notify_slave_resource".into(), rl));
        keys.push(("notify_slave_uname".into(), nl));
        let (rl, nl) = self.entries_to_strings(&mut n.promoted, true);
        keys.push(("notify_promoted_resource".into(), rl.clone()));
        keys.push(("notify_promoted_uname".into(), nl.clone()));
        keys.push(("notify_master_resource".into(), rl));
        keys.push(("notify_master_uname".into(), nl));
        let (rl, _) = self.entries_to_strings(&mut n.inactive, false);
        keys.push(("notify_inactive_resource".into(), rl));
        let allowed_rsc = n.allowed_from.unwrap_or(r);
        let mut allowed: Vec<NodeId> = match self.pl.resources.get(allowed_rsc.0) {
            Some(p) => p.allowed.keys().copied().collect(),
            None => self
                .rsc(allowed_rsc)
                .allowed_nodes
                .keys()
                .copied()
                .collect(),
        };
        allowed.sort_by(|a, b| {
            crate::util::numeric_strcasecmp(&self.node(*a).uname, &self.node(*b).uname)
        });
        let names: Vec<&str> = allowed
            .iter()
            .map(|&x| self.node(x).uname.as_str())
            .collect();
        keys.push(("notify_available_uname".into(), join_or_space(&names)));
        let all: Vec<&str> = self
            .st
            .node_order
            .iter()
            .map(|&x| self.node(x).uname.as_str())
            .collect();
        if self
            .rsc(r)
            .meta
            .get("container-attribute-target")
            .map(String::as_str)
            == Some("host")
        {
            let hosts: Vec<String> = self
                .st
                .node_order
                .iter()
                .map(|&x| {
                    if self.st.is_guest_node(x) {
                        let host = self
                            .node(x)
                            .remote_rsc
                            .and_then(|c| self.rsc(c).container)
                            .and_then(|c| self.rsc(c).running_on.first().copied());
                        if let Some(h) = host {
                            return self.node(h).uname.clone();
                        }
                    }
                    self.node(x).uname.clone()
                })
                .collect();
            let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
            keys.push(("notify_all_hosts".into(), join_or_space(&hosts)));
        }
        keys.push(("notify_all_uname".into(), join_or_space(&all)));
        // Pacemaker prepends each pair, so the newest comes first.
        keys.reverse();
        n.keys = keys;
        if required {
            for a in [n.pre, n.pre_done, n.post, n.post_done]
                .into_iter()
                .flatten()
            {
                self.clear_flag(a, af::OPTIONAL);
            }
        }
    }

    fn add_notify_data_to_action_meta(&mut self, n: &NotifyData, a: ActionId) {
        for (k, v) in &n.keys {
            add_meta(self.act_mut(a), k, v);
        }
    }

    /// `new_notify_action`.
    fn new_notify_action(
        &mut self,
        r: RscId,
        node: NodeId,
        op: Option<ActionId>,
        done: Option<ActionId>,
        n: &NotifyData,
    ) -> Option<ActionId> {
        let op = op?;
        let done = done?;
        if !self.node(node).online || !self.is_set(op, af::RUNNABLE) {
            return None;
        }
        let value = self
            .act(op)
            .meta
            .get("notify_type")
            .cloned()
            .unwrap_or_default();
        let task = self
            .act(op)
            .meta
            .get("notify_operation")
            .cloned()
            .unwrap_or_default();
        let key = Self::notify_key(&self.rsc(r).id, &value, &task);
        let op_task = self.act(op).task.clone();
        let optional = self.is_set(op, af::OPTIONAL);
        let na = self.custom_action(Some(r), key, &op_task, Some(node), optional);
        let op_meta = self.act(op).meta.clone();
        for (k, v) in op_meta {
            self.act_mut(na).meta.entry(k).or_insert(v);
        }
        self.add_notify_data_to_action_meta(n, na);
        self.order_actions(op, na, of::OPTIONAL);
        self.order_actions(na, done, of::OPTIONAL);
        Some(na)
    }

    /// `new_post_notify_action`.
    fn new_post_notify_action(&mut self, r: RscId, node: NodeId, n: &NotifyData) {
        if let Some(a) = self.new_notify_action(r, node, n.post, n.post_done, n) {
            self.act_mut(a).priority = cib::Score::INFINITY.value();
        }
        let Some(post_done) = n.post_done else {
            return;
        };
        for mon in self.rx[r.0].actions.clone().into_iter().rev() {
            let m = self.act(mon);
            let interval = m.meta.get("interval").map(String::as_str);
            if interval.map_or(true, |i| i == "0") || m.task == "cancel" {
                continue;
            }
            self.order_actions(post_done, mon, of::OPTIONAL);
        }
    }

    /// `find_remote_start`.
    fn find_remote_start(&self, a: ActionId) -> Option<ActionId> {
        let n = self.act(a).node?;
        let remote = self.node(n).remote_rsc?;
        self.find_first_action(&self.rx[remote.0].actions, None, Some("start"), None)
    }

    /// `create_notify_actions`.
    fn create_notify_actions(&mut self, r: RscId, n: &NotifyData) {
        let kids = self.children(r);
        if !kids.is_empty() {
            for c in kids {
                self.create_notify_actions(c, n);
            }
            return;
        }
        for a in self.rx[r.0].actions.clone().into_iter().rev() {
            let act = self.act(a);
            if act.is(af::OPTIONAL) || act.node.is_none() {
                continue;
            }
            if matches!(
                order::text2task(&act.task),
                order::Task::Start | order::Task::Stop | order::Task::Promote | order::Task::Demote
            ) {
                self.add_notify_data_to_action_meta(n, a);
            }
        }
        let task = order::text2task(&n.action);
        match task {
            order::Task::Start if n.start.is_empty() => return,
            order::Task::Promote if n.promote.is_empty() => return,
            order::Task::Demote if n.demote.is_empty() => return,
            _ => {}
        }
        if self.rsc(r).role != Role::Stopped
            && matches!(task, order::Task::Stop | order::Task::Demote)
        {
            let stop = self.find_first_action(&self.rx[r.0].actions, None, Some("stop"), None);
            for current in self.rsc(r).running_on.clone() {
                if let Some(s) = stop {
                    let cn = self.node(current);
                    if self.is_set(s, af::PSEUDO) && (cn.unclean || cn.remote_requires_reset) {
                        continue;
                    }
                }
                self.new_notify_action(r, current, n.pre, n.pre_done, n);
                if task == order::Task::Demote
                    || stop.map_or(true, |s| self.is_set(s, af::OPTIONAL))
                {
                    self.new_post_notify_action(r, current, n);
                }
            }
        }
        if self.rsc(r).next_role != Role::Stopped
            && matches!(task, order::Task::Start | order::Task::Promote)
        {
            let start = self.find_first_action(&self.rx[r.0].actions, None, Some("start"), None);
            if let Some(s) = start {
                if let Some(rs) = self.find_remote_start(s) {
                    if !self.is_set(rs, af::RUNNABLE) {
                        return;
                    }
                }
            }
            let Some(alloc) = self.alloc(r) else {
                return;
            };
            if task != order::Task::Start || start.map_or(true, |s| self.is_set(s, af::OPTIONAL)) {
                self.new_notify_action(r, alloc, n.pre, n.pre_done, n);
            }
            self.new_post_notify_action(r, alloc, n);
        }
    }

    /// `pe__create_notifications`.
    pub(super) fn create_notifications(&mut self, r: RscId, n: Option<NotifyData>) {
        let Some(mut n) = n else {
            return;
        };
        self.collect_resource_data(r, true, &mut n);
        self.add_notif_keys(r, &mut n);
        self.create_notify_actions(r, &n);
    }

    /// `pe__order_notifs_after_fencing`.
    pub(super) fn order_notifs_after_fencing(
        &mut self,
        stop: ActionId,
        r: RscId,
        stonith: ActionId,
    ) {
        let Some(mut n) = self.clone_notif_pseudo_ops(r, "stop", None, Some(stonith)) else {
            return;
        };
        self.collect_resource_data(r, false, &mut n);
        let node = self
            .act(stop)
            .node
            .map(|x| self.node(x).uname.clone())
            .unwrap_or_default();
        n.keys
            .insert(0, ("notify_stop_resource".into(), self.rsc(r).id.clone()));
        n.keys.insert(0, ("notify_stop_uname".into(), node));
        let top = self.uber_parent(r);
        self.create_notify_actions(top, &n);
    }
}

/// `add_hash_param`: sets a value only if not set yet.
pub(crate) fn add_meta(a: &mut Action, name: &str, value: &str) {
    a.meta
        .entry(name.to_string())
        .or_insert_with(|| value.to_string());
}

fn join_or_space(v: &[&str]) -> String {
    if v.is_empty() {
        " ".to_string()
    } else {
        v.join(" ")
    }
}
