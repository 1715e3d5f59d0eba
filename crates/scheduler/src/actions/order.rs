//! Applying orderings and propagating what they imply
//! (`pcmk__apply_orderings`, `pcmk__update_action_for_orderings` and the
//! per-kind `action_flags` and `update_ordered_actions` methods of
//! `pcmk_sched_actions.c`, `_group.c`, `_clone.c`, `_bundle.c`; the probe
//! orderings of `pcmk_sched_probes.c`; blocking colocation dependents of
//! `pcmk_sched_colocation.c`).

use super::*;
use crate::util::parse_op_key;

const UPDATED_FIRST: u32 = 1;
const UPDATED_THEN: u32 = 2;

/// `enum action_tasks`, for the mappings between atomic and summary tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Task {
    None,
    Monitor,
    Stop,
    Stopped,
    Start,
    Started,
    Notify,
    Notified,
    Promote,
    Promoted,
    Demote,
    Demoted,
    Shutdown,
    Fence,
}

/// `text2task`.
pub(crate) fn text2task(s: &str) -> Task {
    match s.to_ascii_lowercase().as_str() {
        "stop" => Task::Stop,
        "stopped" => Task::Stopped,
        "start" => Task::Start,
        "running" => Task::Started,
        "do_shutdown" => Task::Shutdown,
        "stonith" => Task::Fence,
        "monitor" => Task::Monitor,
        "notify" => Task::Notify,
        "notified" => Task::Notified,
        "promote" => Task::Promote,
        "demote" => Task::Demote,
        "promoted" => Task::Promoted,
        "demoted" => Task::Demoted,
        _ => Task::None,
    }
}

/// `task2text`.
pub(crate) fn task2text(t: Task) -> &'static str {
    match t {
        Task::None => "no_action",
        Task::Stop => "stop",
        Task::Stopped => "stopped",
        Task::Start => "start",
        Task::Started => "running",
        Task::Shutdown => "do_shutdown",
        Task::Fence => "stonith",
        Task::Monitor => "monitor",
        Task::Notify => "notify",
        Task::Notified => "notified",
        Task::Promote => "promote",
        Task::Promoted => "promoted",
        Task::Demote => "demote",
        Task::Demoted => "demoted",
    }
}

impl Ws<'_> {
    /// `get_complex_task` with non-atomic tasks allowed: primitives fold
    /// "stopped", "running", "demoted", "promoted" into their atomic task.
    pub(crate) fn complex_task(&self, r: RscId, name: &str) -> Task {
        let t = text2task(name);
        if self.is_primitive(r) {
            return match t {
                Task::Stopped => Task::Stop,
                Task::Started => Task::Start,
                Task::Demoted => Task::Demote,
                Task::Promoted => Task::Promote,
                other => other,
            };
        }
        t
    }

    /// `pcmk__apply_orderings`.
    pub(super) fn apply_orderings(&mut self) {
        for i in 0..self.orders.len() {
            let o = self.orders[i].clone();
            if let Some(r) = o.lh_rsc {
                self.rsc_order_first(r, &o);
                continue;
            }
            if let Some(r) = o.rh_rsc {
                self.order_resource_actions_after(o.lh_action, r, &o);
            } else if let (Some(a), Some(b)) = (o.lh_action, o.rh_action) {
                self.order_actions(a, b, o.flags);
            }
        }
        let n = self.actions.len();
        for a in (0..n).rev() {
            self.block_colocation_dependents(ActionId(a));
        }
        self.order_probes();
        let n = self.actions.len();
        for a in (0..n).rev() {
            self.update_action_for_orderings(ActionId(a));
        }
        self.disable_invalid_orderings();
    }

    /// `find_actions_by_task`.
    fn find_actions_by_task(&mut self, r: RscId, key: &str) -> Vec<ActionId> {
        let found = self.find_keyed(Some(r), key, None);
        if !found.is_empty() {
            return found;
        }
        match parse_op_key(key) {
            Some((_, task, interval)) => {
                let k = op_key(&self.rsc(r).id, &task, interval);
                self.find_keyed(Some(r), &k, None)
            }
            None => Vec::new(),
        }
    }

    /// `rsc_order_first`.
    fn rsc_order_first(&mut self, first_rsc: RscId, o: &Order) {
        let mut first_actions = match o.lh_action {
            Some(a) => vec![a],
            None => match &o.lh_task {
                Some(t) => self.find_actions_by_task(first_rsc, t),
                None => Vec::new(),
            },
        };
        if first_actions.is_empty() && Some(first_rsc) == o.rh_rsc {
            // Nothing to order.
        } else if first_actions.is_empty() {
            if let Some((_, op_type, interval)) = o.lh_task.as_deref().and_then(parse_op_key) {
                let key = op_key(&self.rsc(first_rsc).id, &op_type, interval);
                let state = self.rsc_state(first_rsc, true);
                if (state == Role::Stopped && op_type.eq_ignore_ascii_case("stop"))
                    || (state == Role::Unpromoted && op_type.eq_ignore_ascii_case("demote"))
                {
                    // Nothing to order.
                } else {
                    let a = self.custom_action(Some(first_rsc), key, &op_type, None, true);
                    first_actions = vec![a];
                }
            }
        }
        let mut then_rsc = o.rh_rsc;
        if then_rsc.is_none() {
            let Some(ra) = o.rh_action else {
                return;
            };
            then_rsc = self.act(ra).rsc;
        }
        for first in first_actions {
            match then_rsc {
                None => {
                    if let Some(ra) = o.rh_action {
                        self.order_actions(first, ra, o.flags);
                    }
                }
                Some(tr) => self.order_resource_actions_after(Some(first), tr, o),
            }
        }
    }

    /// `order_resource_actions_after`.
    fn order_resource_actions_after(&mut self, first: Option<ActionId>, r: RscId, o: &Order) {
        let mut flags = o.flags;
        let then_actions = match o.rh_action {
            Some(a) => vec![a],
            None => match &o.rh_task {
                Some(t) => self.find_actions_by_task(r, t),
                None => Vec::new(),
            },
        };
        if then_actions.is_empty() {
            return;
        }
        if let Some(f) = first {
            if self.act(f).rsc == Some(r) && self.is_set(f, af::DANGLE) {
                flags &= !of::IMPLIES_THEN;
            }
        }
        if first.is_none() && flags & of::IMPLIES_THEN == 0 {
            return;
        }
        for then in then_actions {
            match first {
                Some(f) => {
                    self.order_actions(f, then, flags);
                }
                None => self.clear_flag(then, af::RUNNABLE),
            }
        }
    }

    /// `action_uuid_for_ordering`: for a collective resource, the action
    /// that completes the given one ("started" for "start"…).
    fn action_uuid_for_ordering(&self, first_uuid: &str, first_rsc: RscId) -> String {
        if first_uuid.contains("notify") || self.is_primitive(first_rsc) {
            return first_uuid.to_string();
        }
        let Some((rid, task, interval)) = parse_op_key(first_uuid) else {
            return first_uuid.to_string();
        };
        if interval > 0 {
            return first_uuid.to_string();
        }
        let remapped = match text2task(&task) {
            Task::Stop => Some(Task::Stopped),
            Task::Start => Some(Task::Started),
            Task::Notify => Some(Task::Notified),
            Task::Promote => Some(Task::Promoted),
            Task::Demote => Some(Task::Demoted),
            t @ (Task::Stopped
            | Task::Started
            | Task::Notified
            | Task::Promoted
            | Task::Demoted) => Some(t),
            _ => None,
        };
        let Some(t) = remapped else {
            return first_uuid.to_string();
        };
        let res = self.rsc(first_rsc);
        let notify_outer = res.flags.notify
            && (res.parent.is_none()
                || (self.is_clone(first_rsc) && res.parent.is_some_and(|p| self.is_bundle(p))));
        if notify_outer {
            format!("{rid}_confirmed-post_notify_{}_0", task2text(t))
        } else {
            op_key(&rid, task2text(t), 0)
        }
    }

    /// `action_for_ordering`.
    fn action_for_ordering(&self, a: ActionId) -> ActionId {
        let Some(r) = self.act(a).rsc else {
            return a;
        };
        if self.is_primitive(r) {
            return a;
        }
        let uuid = self.action_uuid_for_ordering(&self.act(a).uuid, r);
        self.find_first_action(&self.rx[r.0].actions, Some(&uuid), None, None)
            .unwrap_or(a)
    }

    /// `rsc->cmds->action_flags` by kind.
    pub(crate) fn action_flags(&mut self, a: ActionId, node: Option<NodeId>) -> u32 {
        let Some(r) = self.act(a).rsc else {
            return self.act(a).flags;
        };
        match &self.rsc(r).kind {
            ResourceKind::Primitive(_) => self.act(a).flags,
            ResourceKind::Group => self.group_action_flags(a, r, node),
            ResourceKind::Clone(_) => {
                let children = self.children(r);
                self.summary_action_flags(a, &children, node)
            }
            ResourceKind::Bundle(_) => self.bundle_action_flags(a, r, node),
        }
    }

    /// `pcmk__group_action_flags`.
    fn group_action_flags(&mut self, a: ActionId, r: RscId, node: Option<NodeId>) -> u32 {
        let mut flags = af::OPTIONAL | af::RUNNABLE | af::PSEUDO;
        let action_task = self.act(a).task.clone();
        for member in self.children(r) {
            let task = self.complex_task(member, &action_task);
            let task_s = task2text(task);
            let found =
                self.find_first_action(&self.rx[member.0].actions, None, Some(task_s), node);
            match found {
                Some(ma) => {
                    let mf = self.action_flags(ma, node);
                    if flags & af::OPTIONAL != 0 && mf & af::OPTIONAL == 0 {
                        flags &= !af::OPTIONAL;
                        self.clear_flag(a, af::OPTIONAL);
                    }
                    if task_s != action_task && flags & af::RUNNABLE != 0 && mf & af::RUNNABLE == 0
                    {
                        flags &= !af::RUNNABLE;
                        self.clear_flag(a, af::RUNNABLE);
                    }
                }
                None => {
                    if task != Task::Stop && task != Task::Demote {
                        flags &= !af::RUNNABLE;
                    }
                }
            }
        }
        flags
    }

    /// `clone_child_action`.
    fn clone_child_action(&self, a: ActionId) -> Task {
        let act = self.act(a);
        let Some(r) = act.rsc else {
            return Task::None;
        };
        let Some(&first_child) = self.rx[r.0].children.first() else {
            return Task::None;
        };
        if act.task.eq_ignore_ascii_case("notify") || act.task.eq_ignore_ascii_case("notified") {
            // "<rsc>_<type>_notify_<task>_0": the word between the last two '_'.
            let key = &act.uuid;
            if let Some((rest, _)) = key.rsplit_once('_') {
                if let Some((_, task)) = rest.rsplit_once('_') {
                    return self.complex_task(first_child, task);
                }
            }
            return Task::None;
        }
        self.complex_task(first_child, &act.task)
    }

    /// `summary_action_flags`.
    fn summary_action_flags(
        &mut self,
        a: ActionId,
        children: &[RscId],
        node: Option<NodeId>,
    ) -> u32 {
        let task = self.clone_child_action(a);
        let task_s = task2text(task);
        let mut flags = af::OPTIONAL | af::RUNNABLE | af::PSEUDO;
        let mut any_runnable = false;
        for &child in children {
            let child_node = if self.rx[child.0].children.is_empty() {
                node
            } else {
                None
            };
            let found =
                self.find_first_action(&self.rx[child.0].actions, None, Some(task_s), child_node);
            if let Some(ca) = found {
                let cf = self.action_flags(ca, node);
                if flags & af::OPTIONAL != 0 && cf & af::OPTIONAL == 0 {
                    flags &= !af::OPTIONAL;
                    self.clear_flag(a, af::OPTIONAL);
                }
                if cf & af::RUNNABLE != 0 {
                    any_runnable = true;
                }
            }
        }
        if !any_runnable {
            flags &= !af::RUNNABLE;
            if node.is_none() {
                self.clear_flag(a, af::RUNNABLE);
            }
        }
        flags
    }

    /// `pcmk__bundle_action_flags`.
    fn bundle_action_flags(&mut self, a: ActionId, r: RscId, node: Option<NodeId>) -> u32 {
        if let Some(child) = self.bundle_child(r) {
            let task = self.complex_task(child, &self.act(a).task.clone());
            if matches!(
                task,
                Task::None
                    | Task::Notify
                    | Task::Notified
                    | Task::Promote
                    | Task::Promoted
                    | Task::Demote
                    | Task::Demoted
            ) {
                let kids = self.children(child);
                return self.summary_action_flags(a, &kids, node);
            }
        }
        let containers = self.bundle_containers(r);
        self.summary_action_flags(a, &containers, node)
    }

    /// `action_flags_for_ordering`.
    fn action_flags_for_ordering(&mut self, a: ActionId, node: Option<NodeId>) -> u32 {
        let Some(r) = self.act(a).rsc else {
            return self.act(a).flags;
        };
        let flags = self.action_flags(a, None);
        if node.is_none() || !self.is_clone(r) {
            return flags;
        }
        let runnable = flags & af::RUNNABLE != 0;
        let mut flags = self.action_flags(a, node);
        if runnable && flags & af::RUNNABLE == 0 {
            flags |= af::RUNNABLE;
        }
        flags
    }

    /// `pcmk__update_action_for_orderings`.
    pub(crate) fn update_action_for_orderings(&mut self, then: ActionId) {
        let mut changed = 0u32;
        let last_flags = self.act(then).flags;
        if self.is_set(then, af::REQUIRES_ANY) {
            let t = self.act_mut(then);
            t.runnable_before = 0;
            if t.required_runnable_before == 0 {
                t.required_runnable_before = 1;
            }
            t.flags &= !af::RUNNABLE;
        }
        let count = self.act(then).before.len();
        for i in (0..count).rev() {
            let other = self.act(then).before[i];
            let mut first = other.action;
            let mut then_node = self.act(then).node;
            let mut first_node = self.act(first).node;
            if let Some(fr) = self.act(first).rsc {
                if self.is_group(fr) && self.act(first).task.eq_ignore_ascii_case("start") {
                    first_node = self.location(fr, false);
                }
            }
            if let Some(tr) = self.act(then).rsc {
                if self.is_group(tr) && self.act(then).task.eq_ignore_ascii_case("start") {
                    then_node = self.location(tr, false);
                }
            }
            if other.kind & of::SAME_NODE != 0 {
                if let (Some(f), Some(t)) = (first_node, then_node) {
                    if f != t {
                        self.act_mut(then).before[i].kind = of::NONE;
                        continue;
                    }
                }
            }
            changed &= !UPDATED_FIRST;
            if self.act(first).rsc.is_some()
                && other.kind & of::THEN_CANCELS_FIRST != 0
                && !self.is_set(then, af::OPTIONAL)
            {
                self.set_flag(other.action, af::OPTIONAL);
                if self.act(first).task == "reload-agent" {
                    if let Some(fr) = self.act(first).rsc {
                        self.rx[fr.0].reload = false;
                    }
                }
            }
            if let (Some(fr), Some(tr)) = (self.act(first).rsc, self.act(then).rsc) {
                if fr != tr && !self.is_ancestor(fr, tr) {
                    first = self.action_for_ordering(first);
                }
            }
            if first == other.action {
                let first_flags = self.action_flags_for_ordering(first, then_node);
                let then_flags = self.action_flags_for_ordering(then, first_node);
                changed |=
                    self.update_action_for_ordering_flags(first, then, first_flags, then_flags, i);
            } else if self.order_actions(first, then, other.kind) {
                changed |= UPDATED_THEN;
                self.act_mut(then).before[i].kind = of::NONE;
            }
            if changed & UPDATED_FIRST != 0 {
                let after: Vec<ActionId> = self
                    .act(first)
                    .after
                    .iter()
                    .rev()
                    .map(|w| w.action)
                    .collect();
                for x in after {
                    self.update_action_for_orderings(x);
                }
                self.update_action_for_orderings(first);
            }
        }
        if self.is_set(then, af::REQUIRES_ANY) {
            if last_flags == self.act(then).flags {
                changed &= !UPDATED_THEN;
            } else {
                changed |= UPDATED_THEN;
            }
        }
        if changed & UPDATED_THEN != 0 {
            if last_flags & af::RUNNABLE != 0 && !self.is_set(then, af::RUNNABLE) {
                self.block_colocation_dependents(then);
            }
            self.update_action_for_orderings(then);
            let after: Vec<ActionId> = self
                .act(then)
                .after
                .iter()
                .rev()
                .map(|w| w.action)
                .collect();
            for x in after {
                self.update_action_for_orderings(x);
            }
        }
    }

    /// `rsc->cmds->update_ordered_actions` of `then`'s (or `first`'s)
    /// resource kind.
    #[allow(clippy::too_many_arguments)]
    fn rsc_update_ordered(
        &mut self,
        owner: RscId,
        first: ActionId,
        then: ActionId,
        node: Option<NodeId>,
        flags: u32,
        filter: u32,
        kind: u32,
    ) -> u32 {
        match &self.rsc(owner).kind {
            ResourceKind::Primitive(_) => {
                self.update_ordered_actions(first, then, node, flags, filter, kind)
            }
            ResourceKind::Group => {
                self.group_update_ordered(first, then, node, flags, filter, kind)
            }
            ResourceKind::Clone(_) | ResourceKind::Bundle(_) => {
                self.multi_update_actions(first, then, node, flags, filter, kind)
            }
        }
    }

    /// `update_action_for_ordering_flags`.
    fn update_action_for_ordering_flags(
        &mut self,
        first: ActionId,
        then: ActionId,
        first_flags: u32,
        then_flags: u32,
        wrapper: usize,
    ) -> u32 {
        let mut changed = 0;
        let mut node = self.act(then).node;
        let mut kind = self.act(then).before[wrapper].kind;
        if kind & of::IMPLIES_THEN_ON_NODE != 0 {
            kind = (kind & !of::IMPLIES_THEN_ON_NODE) | of::IMPLIES_THEN;
            self.act_mut(then).before[wrapper].kind = kind;
            node = self.act(first).node;
        }
        let then_rsc = self.act(then).rsc;
        let first_rsc = self.act(first).rsc;
        if kind & of::IMPLIES_THEN != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags & af::OPTIONAL,
                    af::OPTIONAL,
                    of::IMPLIES_THEN,
                );
            } else if first_flags & af::OPTIONAL == 0 && self.is_set(then, af::OPTIONAL) {
                self.clear_flag(then, af::OPTIONAL);
                changed |= UPDATED_THEN;
            }
        }
        if kind & of::RESTART != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::OPTIONAL | af::RUNNABLE,
                    of::RESTART,
                );
            }
        }
        if kind & of::IMPLIES_FIRST != 0 {
            if let Some(fr) = first_rsc {
                changed |= self.rsc_update_ordered(
                    fr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::OPTIONAL,
                    of::IMPLIES_FIRST,
                );
            } else if first_flags & af::OPTIONAL == 0 && self.is_set(first, af::RUNNABLE) {
                self.clear_flag(first, af::RUNNABLE);
                changed |= UPDATED_FIRST;
            }
        }
        if kind & of::PROMOTED_IMPLIES_FIRST != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags & af::OPTIONAL,
                    af::OPTIONAL,
                    of::PROMOTED_IMPLIES_FIRST,
                );
            }
        }
        if kind & of::ONE_OR_MORE != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::RUNNABLE,
                    of::ONE_OR_MORE,
                );
            } else if first_flags & af::RUNNABLE != 0 {
                let t = self.act_mut(then);
                t.runnable_before += 1;
                if t.runnable_before >= t.required_runnable_before && t.flags & af::RUNNABLE == 0 {
                    t.flags |= af::RUNNABLE;
                    changed |= UPDATED_THEN;
                }
            }
        }
        if kind & of::PROBE != 0 {
            if let Some(tr) = then_rsc {
                let first_running = first_rsc.is_some_and(|fr| !self.rsc(fr).running_on.is_empty());
                if first_flags & af::RUNNABLE == 0 && first_running {
                    self.act_mut(then).before[wrapper].kind = of::NONE;
                } else {
                    changed |= self.rsc_update_ordered(
                        tr,
                        first,
                        then,
                        node,
                        first_flags,
                        af::RUNNABLE,
                        of::RUNNABLE_LEFT,
                    );
                }
            }
        }
        if kind & of::RUNNABLE_LEFT != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::RUNNABLE,
                    of::RUNNABLE_LEFT,
                );
            } else if first_flags & af::RUNNABLE == 0 && self.is_set(then, af::RUNNABLE) {
                self.clear_flag(then, af::RUNNABLE);
                changed |= UPDATED_THEN;
            }
        }
        if kind & of::IMPLIES_FIRST_MIGRATABLE != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::OPTIONAL,
                    of::IMPLIES_FIRST_MIGRATABLE,
                );
            }
        }
        if kind & of::PSEUDO_LEFT != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::OPTIONAL,
                    of::PSEUDO_LEFT,
                );
            }
        }
        if kind & of::OPTIONAL != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::RUNNABLE,
                    of::OPTIONAL,
                );
            }
        }
        if kind & of::ASYMMETRICAL != 0 {
            if let Some(tr) = then_rsc {
                changed |= self.rsc_update_ordered(
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    af::RUNNABLE,
                    of::ASYMMETRICAL,
                );
            }
        }
        if self.is_set(first, af::RUNNABLE)
            && kind & of::IMPLIES_THEN_PRINTED != 0
            && first_flags & af::OPTIONAL == 0
        {
            self.set_flag(then, af::PRINT_ALWAYS);
        }
        if kind & of::IMPLIES_FIRST_PRINTED != 0 && then_flags & af::OPTIONAL == 0 {
            self.set_flag(first, af::PRINT_ALWAYS);
        }
        if kind & (of::IMPLIES_THEN | of::IMPLIES_FIRST | of::RESTART) != 0 {
            if let Some(fr) = first_rsc {
                let f = self.rsc(fr).flags;
                if !f.managed
                    && f.block
                    && !self.is_set(first, af::RUNNABLE)
                    && self.act(first).task.eq_ignore_ascii_case("stop")
                    && self.is_set(then, af::RUNNABLE)
                {
                    self.clear_flag(then, af::RUNNABLE);
                    changed |= UPDATED_THEN;
                }
            }
        }
        changed
    }

    /// `handle_asymmetric_ordering`.
    fn handle_asymmetric_ordering(&mut self, first: ActionId, then: ActionId) {
        let Some(tr) = self.act(then).rsc else {
            return;
        };
        let then_role = self.rsc_state(tr, true);
        let then_on = self.rsc(tr).running_on.clone();
        let then_task = self.act(then).task.clone();
        if then_role == Role::Stopped && then_task == "stop" {
            return;
        }
        if then_role >= Role::Started
            && self.is_set(then, af::OPTIONAL)
            && then_on.len() == 1
            && self.act(then).node == Some(then_on[0])
            && then_task == "start"
        {
            return;
        }
        if !self.is_set(first, af::RUNNABLE) {
            self.clear_flag_because(then, af::OPTIONAL, first);
            self.clear_flag_because(then, af::RUNNABLE, first);
        }
    }

    /// `handle_restart_ordering`.
    fn handle_restart_ordering(&mut self, first: ActionId, then: ActionId, filter: u32) {
        let (Some(fr), Some(tr)) = (self.act(first).rsc, self.act(then).rsc) else {
            return;
        };
        if !self.is_primitive(fr) || !self.is_primitive(tr) {
            return;
        }
        let mut reason = false;
        if filter & af::OPTIONAL != 0 && !self.is_set(then, af::OPTIONAL) {
            reason = true;
        }
        if filter & af::RUNNABLE != 0
            && !self.is_set(then, af::RUNNABLE)
            && self.rsc(tr).flags.managed
            && fr == tr
        {
            reason = true;
        }
        if !reason {
            return;
        }
        if self.is_set(first, af::RUNNABLE) {
            self.clear_flag_because(first, af::OPTIONAL, then);
        }
        if !self.is_set(then, af::OPTIONAL) {
            self.clear_flag_because(first, af::OPTIONAL, then);
        }
        if !self.is_set(then, af::MIGRATE_RUNNABLE) {
            self.clear_flag_because(first, af::MIGRATE_RUNNABLE, then);
        }
        if !self.is_set(first, af::OPTIONAL) && !self.is_set(first, af::RUNNABLE) {
            self.clear_flag_because(then, af::RUNNABLE, first);
        }
    }

    /// `pcmk__update_ordered_actions`: the primitive method.
    pub(crate) fn update_ordered_actions(
        &mut self,
        first: ActionId,
        then: ActionId,
        _node: Option<NodeId>,
        flags: u32,
        filter: u32,
        kind: u32,
    ) -> u32 {
        let mut changed = 0;
        let then_flags = self.act(then).flags;
        let first_flags = self.act(first).flags;
        if kind & of::ASYMMETRICAL != 0 {
            self.handle_asymmetric_ordering(first, then);
        }
        if kind & of::IMPLIES_FIRST != 0 && then_flags & af::OPTIONAL == 0 {
            if filter & af::OPTIONAL != 0
                && flags & af::OPTIONAL == 0
                && first_flags & af::OPTIONAL != 0
            {
                self.clear_flag_because(first, af::OPTIONAL, then);
            }
            if flags & af::MIGRATE_RUNNABLE != 0 && !self.is_set(then, af::MIGRATE_RUNNABLE) {
                self.clear_flag_because(first, af::MIGRATE_RUNNABLE, then);
            }
        }
        if kind & of::PROMOTED_IMPLIES_FIRST != 0
            && self
                .act(then)
                .rsc
                .is_some_and(|r| self.rsc(r).role == Role::Promoted)
            && filter & af::OPTIONAL != 0
            && !self.is_set(then, af::OPTIONAL)
        {
            self.clear_flag_because(first, af::OPTIONAL, then);
            if self.is_set(first, af::MIGRATE_RUNNABLE) && !self.is_set(then, af::MIGRATE_RUNNABLE)
            {
                self.clear_flag_because(first, af::MIGRATE_RUNNABLE, then);
            }
        }
        if kind & of::IMPLIES_FIRST_MIGRATABLE != 0 && filter & af::OPTIONAL != 0 {
            let tf = self.act(then).flags;
            if tf & af::MIGRATE_RUNNABLE == 0 || tf & af::RUNNABLE == 0 {
                self.clear_flag_because(first, af::RUNNABLE, then);
            }
            if !self.is_set(then, af::OPTIONAL) {
                self.clear_flag_because(first, af::OPTIONAL, then);
            }
        }
        if kind & of::PSEUDO_LEFT != 0
            && filter & af::OPTIONAL != 0
            && !self.is_set(first, af::RUNNABLE)
        {
            self.clear_flag_because(then, af::MIGRATE_RUNNABLE, first);
            self.clear_flag(then, af::PSEUDO);
        }
        if kind & of::RUNNABLE_LEFT != 0
            && filter & af::RUNNABLE != 0
            && self.is_set(then, af::RUNNABLE)
            && flags & af::RUNNABLE == 0
        {
            self.clear_flag_because(then, af::RUNNABLE, first);
            self.clear_flag_because(then, af::MIGRATE_RUNNABLE, first);
        }
        if kind & of::IMPLIES_THEN != 0
            && filter & af::OPTIONAL != 0
            && self.is_set(then, af::OPTIONAL)
            && flags & af::OPTIONAL == 0
            && !self.is_set(first, af::MIGRATE_RUNNABLE)
        {
            self.clear_flag_because(then, af::OPTIONAL, first);
        }
        if kind & of::RESTART != 0 {
            self.handle_restart_ordering(first, then, filter);
        }
        if then_flags != self.act(then).flags {
            changed |= UPDATED_THEN;
            if let Some(tr) = self.act(then).rsc {
                if self.rsc(tr).parent.is_some() {
                    self.update_action_for_orderings(then);
                }
            }
        }
        if first_flags != self.act(first).flags {
            changed |= UPDATED_FIRST;
        }
        changed
    }

    /// `pcmk__group_update_ordered_actions`.
    fn group_update_ordered(
        &mut self,
        first: ActionId,
        then: ActionId,
        node: Option<NodeId>,
        flags: u32,
        filter: u32,
        kind: u32,
    ) -> u32 {
        let mut changed = self.update_ordered_actions(first, then, node, flags, filter, kind);
        let Some(tr) = self.act(then).rsc else {
            return changed;
        };
        let task = self.act(then).task.clone();
        for member in self.children(tr) {
            let found = self.find_first_action(&self.rx[member.0].actions, None, Some(&task), node);
            if let Some(ma) = found {
                changed |= self.rsc_update_ordered(member, first, ma, node, flags, filter, kind);
            }
        }
        changed
    }

    /// `can_interleave_actions`.
    fn can_interleave_actions(&self, first: ActionId, then: ActionId) -> bool {
        let (Some(fr), Some(tr)) = (self.act(first).rsc, self.act(then).rsc) else {
            return false;
        };
        if fr == tr || !self.is_collective(fr) || !self.is_collective(tr) {
            return false;
        }
        let tu = &self.act(then).uuid;
        let r = if tu.ends_with("_stop_0") || tu.ends_with("_demote_0") {
            fr
        } else {
            tr
        };
        cib::value::is_true(self.rsc(r).meta.get("interleave").map(String::as_str))
    }

    /// `get_containers_or_children`.
    fn containers_or_children(&self, r: RscId) -> Vec<RscId> {
        if self.is_bundle(r) {
            self.bundle_containers(r)
        } else {
            self.children(r)
        }
    }

    /// `pcmk__multi_update_actions`: the clone and bundle method.
    fn multi_update_actions(
        &mut self,
        first: ActionId,
        then: ActionId,
        node: Option<NodeId>,
        flags: u32,
        filter: u32,
        kind: u32,
    ) -> u32 {
        if self.can_interleave_actions(first, then) {
            return self.multi_update_interleave_actions(first, then, node, filter, kind);
        }
        let Some(tr) = self.act(then).rsc else {
            return 0;
        };
        let mut changed = self.update_ordered_actions(first, then, node, flags, filter, kind);
        let task = self.act(then).task.clone();
        for child in self.containers_or_children(tr) {
            let found = self.find_first_action(&self.rx[child.0].actions, None, Some(&task), node);
            let Some(ca) = found else {
                continue;
            };
            let cf = self.action_flags(ca, node);
            let mut child_changed = 0;
            if cf & af::RUNNABLE != 0 {
                child_changed |=
                    self.rsc_update_ordered(child, first, ca, node, flags, filter, kind);
            }
            changed |= child_changed;
            if child_changed & UPDATED_THEN != 0 {
                let after: Vec<ActionId> =
                    self.act(ca).after.iter().rev().map(|w| w.action).collect();
                for x in after {
                    self.update_action_for_orderings(x);
                }
            }
        }
        changed
    }

    /// `is_child_compatible`.
    fn is_child_compatible(
        &self,
        child: RscId,
        local: NodeId,
        filter: Role,
        current: bool,
    ) -> bool {
        let next_role = self.rsc_state(child, current);
        let blocked = self.any_blocked(child);
        let node = if !blocked {
            self.location(child, current)
        } else {
            None
        };
        if filter != Role::Unknown && next_role != filter {
            return false;
        }
        node == Some(local)
    }

    fn any_blocked(&self, r: RscId) -> bool {
        self.rsc(r).flags.block || self.rx[r.0].children.iter().any(|&c| self.any_blocked(c))
    }

    /// `find_compatible_child_by_node`.
    fn find_compatible_child_by_node(
        &self,
        local: Option<NodeId>,
        r: RscId,
        filter: Role,
        current: bool,
    ) -> Option<RscId> {
        let local = local?;
        self.containers_or_children(r)
            .into_iter()
            .find(|&c| self.is_child_compatible(c, local, filter, current))
    }

    /// `find_compatible_child`.
    pub(crate) fn find_compatible_child(
        &self,
        local_child: RscId,
        r: RscId,
        filter: Role,
        current: bool,
    ) -> Option<RscId> {
        if let Some(n) = self.location(local_child, current) {
            return self.find_compatible_child_by_node(Some(n), r, filter, current);
        }
        let nodes = self.sorted_allowed_nodes(local_child);
        nodes
            .into_iter()
            .find_map(|n| self.find_compatible_child_by_node(Some(n), r, filter, current))
    }

    /// A resource's allowed nodes, best first (`pcmk__sort_nodes` without
    /// a preferred node): score (unavailable nodes last), fewer assigned
    /// resources, then name.
    pub(crate) fn sorted_allowed_nodes(&self, r: RscId) -> Vec<NodeId> {
        let allowed: Vec<(NodeId, cib::Score)> = match self.pl.resources.get(r.0) {
            Some(p) => p.allowed.iter().map(|(&n, &s)| (n, s)).collect(),
            None => self
                .rsc(r)
                .allowed_nodes
                .iter()
                .map(|(&n, &s)| (n, s))
                .collect(),
        };
        let weight = |n: NodeId, s: cib::Score| {
            if self.node_available(n, false, false) {
                s
            } else {
                cib::Score::MINUS_INFINITY
            }
        };
        let count = |n: NodeId| self.pl.nodes.get(n.0).map_or(0, |p| p.assigned.len());
        let v = crate::util::glib_sort(
            allowed,
            &mut |a: &(NodeId, cib::Score), b: &(NodeId, cib::Score)| {
                weight(b.0, b.1)
                    .cmp(&weight(a.0, a.1))
                    .then_with(|| count(a.0).cmp(&count(b.0)))
                    .then_with(|| self.node(a.0).uname.cmp(&self.node(b.0).uname))
            },
        );
        v.into_iter().map(|(n, _)| n).collect()
    }

    /// `replica_for_container`.
    fn replica_for_container(
        &self,
        r: RscId,
        container: RscId,
        node: Option<NodeId>,
    ) -> Option<Replica> {
        self.bundle_replicas(r)
            .into_iter()
            .find(|rep| rep.child.is_some() && rep.container == container && rep.node == node)
    }

    /// `multi_update_interleave_actions`.
    fn multi_update_interleave_actions(
        &mut self,
        first: ActionId,
        then: ActionId,
        node: Option<NodeId>,
        filter: u32,
        kind: u32,
    ) -> u32 {
        let mut changed = 0;
        let fu = self.act(first).uuid.clone();
        let current = fu.ends_with("_stopped_0") || fu.ends_with("_demoted_0");
        let (Some(fr), Some(tr)) = (self.act(first).rsc, self.act(then).rsc) else {
            return 0;
        };
        for then_child in self.containers_or_children(tr) {
            let first_child = self.find_compatible_child(then_child, fr, Role::Unknown, current);
            let Some(first_child) = first_child else {
                if !current
                    && kind & (of::RUNNABLE_LEFT | of::IMPLIES_THEN) != 0
                    && self.assign_to_none(then_child)
                {
                    changed |= UPDATED_THEN;
                }
                continue;
            };
            let task = self.clone_child_action(first);
            let first_task = task2text(task);
            let first_task_name = self.act(first).task.clone();
            let then_task = self.act(then).task.clone();
            let first_replica = self.replica_for_container(fr, first_child, node);
            let first_action = match first_replica.and_then(|rep| rep.child) {
                Some(ch) if first_task_name.contains("stop") => {
                    self.find_first_action(&self.rx[ch.0].actions, None, Some(first_task), node)
                }
                _ => self.find_first_action(
                    &self.rx[first_child.0].actions,
                    None,
                    Some(first_task),
                    node,
                ),
            };
            let then_replica = self.replica_for_container(tr, then_child, node);
            let then_action = match then_replica.and_then(|rep| rep.child) {
                Some(ch) if then_task.contains("mote") => {
                    self.find_first_action(&self.rx[ch.0].actions, None, Some(&then_task), node)
                }
                _ => self.find_first_action(
                    &self.rx[then_child.0].actions,
                    None,
                    Some(&then_task),
                    node,
                ),
            };
            let (Some(fa), Some(ta)) = (first_action, then_action) else {
                continue;
            };
            if self.order_actions(fa, ta, kind) {
                changed |= UPDATED_FIRST | UPDATED_THEN;
            }
            let ff = self.action_flags(fa, node);
            changed |= self.rsc_update_ordered(then_child, fa, ta, node, ff, filter, kind);
        }
        changed
    }

    /// `pcmk__assign_resource(rsc, NULL, true)`: unassigns a resource (and
    /// its descendants), marking existing actions accordingly. Returns
    /// whether anything was assigned before.
    pub(crate) fn assign_to_none(&mut self, r: RscId) -> bool {
        let kids = self.children(r);
        if !kids.is_empty() {
            let mut changed = false;
            for c in kids {
                changed |= self.assign_to_none(c);
            }
            return changed;
        }
        let changed = self.rx[r.0].alloc.is_some();
        self.rx[r.0].alloc = None;
        self.st.resources[r.0].next_role = Role::Stopped;
        self.mark_actions_unassigned(r);
        changed
    }

    /// What `pcmk__finalize_assignment` does to a primitive's existing
    /// actions when it is assigned to no node: its stop becomes required,
    /// its start unrunnable, and so does every recurring action (cancels
    /// included) except monitors for the stopped role.
    pub(crate) fn mark_actions_unassigned(&mut self, r: RscId) {
        for a in self.rx[r.0].actions.clone().into_iter().rev() {
            let task = self.act(a).task.clone();
            if task.eq_ignore_ascii_case("stop") {
                self.clear_flag(a, af::OPTIONAL);
            } else if task.eq_ignore_ascii_case("start") {
                self.clear_flag(a, af::RUNNABLE);
            } else {
                let interval = self.act(a).meta.get("interval").cloned();
                let target = self.act(a).meta.get("op_target_rc").cloned();
                if interval.as_deref().is_some_and(|i| i != "0") && target.as_deref() != Some("7") {
                    self.clear_flag(a, af::RUNNABLE);
                }
            }
        }
    }

    // ----- colocation dependents -----

    /// `pcmk__block_colocation_dependents`.
    pub(crate) fn block_colocation_dependents(&mut self, a: ActionId) {
        if self.is_set(a, af::RUNNABLE) {
            return;
        }
        let task = self.act(a).task.clone();
        let is_start = task == "start";
        if !is_start && task != "promote" {
            return;
        }
        let Some(ar) = self.act(a).rsc else {
            return;
        };
        let mut r = self.uber_parent(ar);
        if let Some(p) = self.rsc(r).parent {
            r = p;
        }
        let with_this = self
            .pl
            .resources
            .get(r.0)
            .map(|p| p.with_this.clone())
            .unwrap_or_default();
        if with_this.is_empty() {
            return;
        }
        for child in self.children(r) {
            let ca = self.find_first_action(&self.rx[child.0].actions, None, Some(&task), None);
            if ca.map_or(true, |c| self.is_set(c, af::RUNNABLE)) {
                return;
            }
        }
        for ci in with_this {
            let Some(c) = self.pl.constraints.colocations.get(ci).cloned() else {
                continue;
            };
            if c.score < cib::Score::INFINITY {
                continue;
            }
            if !is_start && c.primary_role != Role::Promoted {
                continue;
            }
            let task = if c.dependent_role == Role::Promoted {
                "promote"
            } else {
                "start"
            };
            self.mark_action_blocked(c.dependent, task, ar);
        }
    }

    /// `mark_action_blocked`.
    fn mark_action_blocked(&mut self, r: RscId, task: &str, reason: RscId) {
        let text = format!("colocation with {}", self.rsc(reason).id);
        for a in self.rx[r.0].actions.clone().into_iter().rev() {
            if self.is_set(a, af::RUNNABLE) && self.act(a).task.eq_ignore_ascii_case(task) {
                self.clear_flag(a, af::RUNNABLE);
                self.set_reason(a, Some(&text), false);
                self.block_colocation_dependents(a);
                self.update_action_for_orderings(a);
            }
        }
        for c in self.children(r) {
            self.mark_action_blocked(c, task, reason);
        }
    }

    // ----- probes -----

    /// `pcmk__order_probes`.
    fn order_probes(&mut self) {
        for r in self.top.clone() {
            self.add_restart_orderings_for_rsc(r);
        }
        self.add_probe_orderings_for_stops();
    }

    fn add_restart_orderings_for_rsc(&mut self, r: RscId) {
        if !self.is_primitive(r) {
            for c in self.children(r) {
                self.add_restart_orderings_for_rsc(c);
            }
            return;
        }
        for probe in self.resource_actions(r, None, "monitor", false) {
            let afters: Vec<ActionId> = self
                .act(probe)
                .after
                .iter()
                .rev()
                .map(|w| w.action)
                .collect();
            for then in afters {
                self.add_restart_orderings_for_probe(probe, then);
                for a in std::mem::take(&mut self.tracking) {
                    self.clear_flag(a, af::TRACKING);
                }
            }
        }
    }

    /// `add_restart_orderings_for_probe`.
    fn add_restart_orderings_for_probe(&mut self, probe: ActionId, after: ActionId) {
        let Some(pr) = self.act(probe).rsc else {
            return;
        };
        if !self.is_primitive(pr) || !self.act(probe).task.eq_ignore_ascii_case("monitor") {
            return;
        }
        if self.is_set(after, af::TRACKING) {
            return;
        }
        self.set_flag(after, af::TRACKING);
        self.tracking.push(after);
        let after_rsc = self.act(after).rsc;
        if let Some(ar) = after_rsc {
            if self.is_primitive(ar) && pr != ar {
                let task = self.act(after).task.clone();
                let thens = if task.eq_ignore_ascii_case("start") {
                    self.resource_actions(ar, None, "stop", false)
                } else if task.eq_ignore_ascii_case("promote") {
                    self.resource_actions(ar, None, "demote", false)
                } else {
                    Vec::new()
                };
                for then in thens {
                    if !self.is_set(then, af::PSEUDO) {
                        self.order_actions(probe, then, of::OPTIONAL);
                    }
                }
            }
        }
        let mut interleave = false;
        let mut compatible = None;
        if let Some(ar) = after_rsc {
            if self.is_collective(ar) {
                interleave =
                    cib::value::is_true(self.rsc(ar).meta.get("interleave").map(String::as_str));
                if interleave {
                    compatible = self.find_compatible_child(pr, ar, Role::Unknown, false);
                }
            }
        }
        let wrappers: Vec<Input> = self.act(after).after.iter().rev().copied().collect();
        for w in wrappers {
            if w.kind & of::IMPLIES_THEN == 0 {
                let wr = self.act(w.action).rsc;
                let Some(ar) = after_rsc else {
                    continue;
                };
                if self.is_primitive(ar)
                    || self.rsc(pr).parent == Some(ar)
                    || wr.is_none()
                    || wr.is_some_and(|x| !self.is_primitive(x) && !self.is_group(x))
                    || wr.and_then(|x| self.rsc(x).parent) != Some(ar)
                {
                    continue;
                }
                if self.is_collective(ar)
                    && interleave
                    && (compatible.is_none() || compatible != wr)
                {
                    continue;
                }
            }
            self.add_restart_orderings_for_probe(probe, w.action);
        }
    }

    /// `add_probe_orderings_for_stops`.
    fn add_probe_orderings_for_stops(&mut self) {
        for i in 0..self.orders.len() {
            let o = self.orders[i].clone();
            if o.flags == of::NONE {
                continue;
            }
            let Some(lr) = o.lh_rsc else {
                continue;
            };
            if Some(lr) == o.rh_rsc {
                continue;
            }
            if (o.lh_action.is_none() && o.lh_task.is_none())
                || (o.rh_action.is_none() && o.rh_task.is_none())
            {
                continue;
            }
            match o.lh_action {
                Some(a) => {
                    if self.act(a).task != "stop" {
                        continue;
                    }
                }
                None => {
                    if !o.lh_task.as_deref().is_some_and(|t| t.ends_with("_stop_0")) {
                        continue;
                    }
                }
            }
            if let Some(rr) = o.rh_rsc {
                if self.rsc(lr).container == Some(rr) {
                    match o.rh_action {
                        Some(a) if self.act(a).task == "stop" => continue,
                        None if o.rh_task.as_deref().is_some_and(|t| t.ends_with("_stop_0")) => {
                            continue
                        }
                        _ => {}
                    }
                }
            }
            let mut order_flags = of::OPTIONAL;
            if o.flags & of::APPLY_FIRST_NON_MIGRATABLE != 0 {
                order_flags |= of::APPLY_FIRST_NON_MIGRATABLE;
            }
            if o.flags & of::SAME_NODE != 0 {
                order_flags |= of::SAME_NODE;
            }
            if o.flags == of::ANTI_COLOCATION || o.flags == of::LOAD {
                order_flags = o.flags;
            }
            let probes = self.resource_actions(lr, None, "monitor", false);
            if probes.is_empty() {
                continue;
            }
            let thens = match (o.rh_action, o.rh_rsc) {
                (Some(a), _) => vec![a],
                (None, Some(rr)) => {
                    let key = o.rh_task.clone().unwrap_or_default();
                    let v = self.find_keyed(Some(rr), &key, None);
                    if v.is_empty() {
                        continue;
                    }
                    v
                }
                (None, None) => Vec::new(),
            };
            for &probe in &probes {
                for &then in &thens {
                    if self.probe_needed_before_action(probe, then) {
                        self.order_actions(probe, then, order_flags);
                    }
                }
            }
        }
    }

    /// `probe_needed_before_action`.
    fn probe_needed_before_action(&self, probe: ActionId, then: ActionId) -> bool {
        let p = self.act(probe);
        let t = self.act(then);
        if t.task.eq_ignore_ascii_case("stonith")
            && p.node.is_some()
            && t.node.is_some()
            && p.node == t.node
            && t.meta
                .get("stonith_action")
                .is_some_and(|v| v.eq_ignore_ascii_case("on"))
        {
            return false;
        }
        if t.task == "do_shutdown" && p.node.is_some() && t.node.is_some() && p.node != t.node {
            return false;
        }
        true
    }

    /// `pcmk__disable_invalid_orderings`.
    fn disable_invalid_orderings(&mut self) {
        for a in (0..self.actions.len()).rev() {
            let count = self.actions[a].before.len();
            for i in (0..count).rev() {
                let input = self.actions[a].before[i];
                if self.ordering_is_invalid(ActionId(a), input) {
                    self.actions[a].before[i].kind = of::NONE;
                }
            }
        }
    }

    /// `ordering_is_invalid`.
    fn ordering_is_invalid(&self, a: ActionId, input: Input) -> bool {
        if input.kind & of::PRESERVE == 0 && self.act(input.action).rsc.is_some() {
            if let (Some(r), Some(n)) = (self.act(a).rsc, self.act(input.action).node) {
                if self.rsc_corresponds_to_guest(r, n) {
                    return true;
                }
            }
        }
        if input.kind == of::LOAD
            && self.act(a).rsc.is_some()
            && self.act(a).task.eq_ignore_ascii_case("migrate_to")
            && self.graph_has_loop(a, a, input)
        {
            return true;
        }
        false
    }

    /// `pcmk__rsc_corresponds_to_guest`.
    fn rsc_corresponds_to_guest(&self, r: RscId, n: NodeId) -> bool {
        !self.rsc(r).fillers.is_empty()
            && self
                .node(n)
                .remote_rsc
                .is_some_and(|rr| self.rsc(rr).container == Some(r))
    }

    /// `pcmk__graph_has_loop` (for load orderings of migrations).
    fn graph_has_loop(&self, init: ActionId, action: ActionId, input: Input) -> bool {
        let mut visiting = std::collections::HashSet::new();
        self.graph_has_loop_inner(init, action, input, &mut visiting)
    }

    fn graph_has_loop_inner(
        &self,
        init: ActionId,
        action: ActionId,
        input: Input,
        tracking: &mut std::collections::HashSet<ActionId>,
    ) -> bool {
        if tracking.contains(&input.action) {
            return false;
        }
        if !crate::graph::should_add_input(
            &self.actions,
            &self.st,
            &self.rx_alloc(),
            action,
            &input,
        ) {
            return false;
        }
        if input.action == init {
            return true;
        }
        tracking.insert(input.action);
        let inputs = self.act(input.action).before.clone();
        let mut found = false;
        for i in inputs.iter().rev() {
            if self.graph_has_loop_inner(init, input.action, *i, tracking) {
                found = true;
                break;
            }
        }
        tracking.remove(&input.action);
        found
    }

    pub(crate) fn rx_alloc(&self) -> Vec<Option<NodeId>> {
        self.rx.iter().map(|r| r.alloc).collect()
    }
}
