//! The "Transition Summary" crm_simulate prints: one line per node action
//! (fencing) and per resource that changes (`pcmk__output_actions` and the
//! `rsc-action` / `rsc-action-item` messages of `pcmk_output.c`).
//!
//! Lines look like `Move       rsc     ( node1 -> node2 )  due to …`: the
//! change, the resource id and the details, padded to the widest resource
//! id and details seen so far (Pacemaker keeps those widths across lines).

use crate::actions::{af, Action, ActionId, ActionSet};
use crate::state::*;

/// One summary line, before formatting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `Fence (reboot) node 'reason'`.
    Node {
        task: String,
        node: String,
        reason: String,
    },
    /// A resource change.
    Rsc {
        change: &'static str,
        rsc: String,
        details: String,
        reason: Option<String>,
    },
}

/// The summary lines, formatted, without the list indentation.
pub fn summary_lines(set: &ActionSet) -> Vec<String> {
    let items = summary_items(set);
    // Pacemaker widens the columns as it goes, and it goes through the
    // list once (for its log) before printing it: the printed lines use the
    // widths the whole list needs.
    let mut rsc_width = 5usize;
    let mut detail_width = 5usize;
    for item in &items {
        if let Item::Rsc { rsc, details, .. } = item {
            if rsc.len() > rsc_width {
                rsc_width = rsc.len() + 2;
            }
            if details.len() > detail_width {
                detail_width = details.len();
            }
        }
    }
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Node { task, node, reason } => out.push(format!("{task} {node} '{reason}'")),
            Item::Rsc {
                change,
                rsc,
                details,
                reason,
            } => {
                if rsc.len() > rsc_width {
                    rsc_width = rsc.len() + 2;
                }
                if details.len() > detail_width {
                    detail_width = details.len();
                }
                let tail = match &reason {
                    Some(r) => format!("  {r}"),
                    None => String::new(),
                };
                out.push(format!(
                    "{change:<8}   {rsc:<rsc_width$}   ( {details:>detail_width$} ){tail}"
                ));
            }
        }
    }
    out
}

/// The summary as items (what [`summary_lines`] formats).
pub fn summary_items(set: &ActionSet) -> Vec<Item> {
    let mut p = Printer {
        set,
        state: &set.state,
        started: vec![false; set.state.resources.len()],
        items: Vec::new(),
    };
    p.node_actions();
    for &r in &set.order {
        p.output_actions(r);
    }
    p.items
}

struct Printer<'a> {
    set: &'a ActionSet,
    state: &'a ClusterState,
    /// Resources whose stopped role is shown as started (roles change
    /// while printing).
    started: Vec<bool>,
    items: Vec<Item>,
}

impl Printer<'_> {
    fn act(&self, a: ActionId) -> &Action {
        &self.set.actions[a.0]
    }

    /// A resource's role as printing has left it.
    fn role(&self, r: RscId) -> Role {
        if self.started[r.0] {
            Role::Started
        } else {
            self.state.rsc(r).role
        }
    }

    fn uname(&self, n: NodeId) -> String {
        self.state.node(n).uname.clone()
    }

    fn node_actions(&mut self) {
        for a in self.set.actions.iter().rev() {
            if a.rsc.is_some() || a.is(af::OPTIONAL) {
                continue;
            }
            let task = if a.task.eq_ignore_ascii_case("do_shutdown") {
                "Shutdown".to_string()
            } else if a.task.eq_ignore_ascii_case("stonith") {
                let op = a.meta.get("stonith_action").map_or("", String::as_str);
                format!("Fence ({op})")
            } else {
                continue;
            };
            let node_name = match a.node {
                Some(n) if self.state.is_guest_node(n) => {
                    let container = self
                        .state
                        .node(n)
                        .remote_rsc
                        .and_then(|c| self.state.rsc(c).container)
                        .map(|c| self.state.rsc(c).id.clone())
                        .unwrap_or_default();
                    format!("{} (resource: {container})", self.uname(n))
                }
                Some(n) => self.uname(n),
                None => String::new(),
            };
            if let Some(reason) = &a.reason {
                self.items.push(Item::Node {
                    task,
                    node: node_name,
                    reason: reason.clone(),
                });
            }
        }
    }

    fn output_actions(&mut self, r: RscId) {
        match &self.state.rsc(r).kind {
            ResourceKind::Bundle(b) => {
                for rep in b.replicas.clone() {
                    if let Some(ip) = rep.ip {
                        self.output_actions(ip);
                    }
                    self.output_actions(rep.container);
                    if let Some(rem) = rep.remote {
                        self.output_actions(rem);
                    }
                    if let Some(ch) = rep.child {
                        self.output_actions(ch);
                    }
                }
            }
            _ => {
                let kids = self.set.children[r.0].clone();
                if !kids.is_empty() {
                    for c in kids {
                        self.output_actions(c);
                    }
                    return;
                }
                let next = self.set.allocated[r.0];
                let mut current = None;
                if !self.state.rsc(r).running_on.is_empty() {
                    current = self.state.current_node(r);
                    if self.role(r) == Role::Stopped {
                        self.started[r.0] = true;
                    }
                }
                if current.is_none() && self.state.rsc(r).flags.orphan {
                    return;
                }
                self.rsc_action(r, current, next);
            }
        }
    }

    /// `pe__resource_actions(rsc, node, task, false)`: the oldest match.
    fn find(&self, r: RscId, node: Option<NodeId>, task: &str) -> Option<ActionId> {
        let key = crate::util::op_key(&self.state.rsc(r).id, task, 0);
        self.set.rsc_actions[r.0].iter().copied().find(|&a| {
            let act = self.act(a);
            act.uuid.eq_ignore_ascii_case(&key)
                && match node {
                    None => true,
                    Some(n) => act.node.is_none() || act.node == Some(n),
                }
        })
    }

    /// `rsc_action_default`.
    fn rsc_action(&mut self, r: RscId, current: Option<NodeId>, next: Option<NodeId>) {
        let state = self.state;
        let res = state.rsc(r);
        let res_role = self.role(r);
        if !res.flags.managed || (current.is_none() && next.is_none()) {
            return;
        }
        let moving = current.is_some() && next.is_some() && current != next;
        let start = self.find(r, next, "start");
        let start_runnable = start.is_some_and(|s| self.act(s).is(af::RUNNABLE));
        let start_node = if start_runnable { current } else { None };
        let mut stop = self.find(r, start_node, "stop");
        if stop.is_none() && self.set.stop_unexpected[r.0] {
            stop = self.find(r, None, "stop");
        }
        let promote = self.find(r, next, "promote");
        let demote = self.find(r, next, "demote");
        let optional = |p: &Self, a: Option<ActionId>| a.is_some_and(|a| p.act(a).is(af::OPTIONAL));
        let reason_of = |p: &Self, a: Option<ActionId>| a.and_then(|a| p.act(a).reason.clone());
        if res_role == res.next_role {
            let Some(_) = next else {
                return;
            };
            let migrate = self.find(r, next, "migrate_from");
            if migrate.is_some_and(|m| self.act(m).is(af::RUNNABLE)) && current.is_some() {
                self.item("Migrate", r, current, next, start, None);
            } else if self.set.reload[r.0] {
                self.item("Reload", r, current, next, start, None);
            } else if start.is_none() || optional(self, start) {
                if demote.is_some()
                    && promote.is_some()
                    && !optional(self, demote)
                    && !optional(self, promote)
                {
                    self.item("Re-promote", r, current, next, promote, demote);
                }
            } else if !start_runnable {
                let src = if reason_of(self, stop).is_some() {
                    stop
                } else {
                    start
                };
                self.item("Stop", r, current, None, stop, src);
            } else if moving && current.is_some() {
                let change = if res.flags.failed { "Recover" } else { "Move" };
                self.item(change, r, current, next, stop, None);
            } else if res.flags.failed {
                self.item("Recover", r, current, None, stop, None);
            } else {
                self.item("Restart", r, current, next, start, None);
            }
            return;
        }
        if stop.is_some()
            && (res.next_role == Role::Stopped || (start.is_some() && !start_runnable))
        {
            let key = crate::util::op_key(&res.id, "stop", 0);
            for node in res.running_on.clone() {
                let stop_op = self.set.rsc_actions[r.0].iter().copied().find(|&a| {
                    let act = self.act(a);
                    act.uuid.eq_ignore_ascii_case(&key)
                        && (act.node.is_none() || act.node == Some(node))
                });
                let src = if reason_of(self, stop_op).is_some() {
                    stop_op
                } else {
                    start
                };
                if let Some(so) = stop_op {
                    self.item("Stop", r, Some(node), None, Some(so), src);
                } else if let Some(s) = start {
                    // Pacemaker asserts a stop exists; report what it would.
                    self.item("Stop", r, Some(node), None, Some(s), src);
                }
            }
        } else if stop.is_some() && res.flags.failed && res.flags.stop {
            self.item("Recover", r, current, next, stop, start);
        } else if moving {
            self.item("Move", r, current, next, stop, None);
        } else if self.set.reload[r.0] {
            self.item("Reload", r, current, next, start, None);
        } else if stop.is_some_and(|s| !self.act(s).is(af::OPTIONAL)) {
            self.item("Restart", r, current, next, start, None);
        } else if res_role == Role::Promoted {
            self.item("Demote", r, current, next, demote, None);
        } else if res.next_role == Role::Promoted {
            self.item("Promote", r, current, next, promote, None);
        } else if res_role == Role::Stopped && res.next_role > Role::Stopped {
            self.item("Start", r, current, next, start, None);
        }
    }

    /// `rsc_action_item`.
    fn item(
        &mut self,
        change: &'static str,
        r: RscId,
        origin: Option<NodeId>,
        destination: Option<NodeId>,
        action: Option<ActionId>,
        source: Option<ActionId>,
    ) {
        let Some(action) = action else {
            return;
        };
        let source = source.unwrap_or(action);
        let res = self.state.rsc(r);
        let res_role = self.role(r);
        let role = role_text(res_role);
        let next_role = role_text(res.next_role);
        let need_role = res_role > Role::Started || res.next_role > Role::Unpromoted;
        let same_host = origin.is_some() && origin == destination;
        let same_role = res_role == res.next_role;
        let o = origin.map(|n| self.uname(n)).unwrap_or_default();
        let d = destination.map(|n| self.uname(n)).unwrap_or_default();
        let details = if need_role && origin.is_none() {
            format!("{role} -> {next_role} {d}")
        } else if origin.is_none() {
            d
        } else if need_role && destination.is_none() {
            format!("{role} {o}")
        } else if destination.is_none() {
            o
        } else if need_role && same_role && same_host {
            format!("{role} {o}")
        } else if same_role && same_host {
            o
        } else if need_role && same_role {
            format!("{o} -> {d} {role}")
        } else if same_role {
            format!("{o} -> {d}")
        } else if same_host {
            format!("{role} -> {next_role} {o}")
        } else {
            format!("{role} {o} -> {next_role} {d}")
        };
        let runnable = self.act(action).is(af::RUNNABLE);
        let reason = match (&self.act(source).reason, runnable) {
            (Some(r), false) => Some(format!("due to {r} (blocked)")),
            (Some(r), true) => Some(format!("due to {r}")),
            (None, false) => Some("blocked".to_string()),
            (None, true) => None,
        };
        self.items.push(Item::Rsc {
            change,
            rsc: res.id.clone(),
            details,
            reason,
        });
    }
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Unknown => "Unknown",
        Role::Stopped => "Stopped",
        Role::Started => "Started",
        Role::Unpromoted => "Unpromoted",
        Role::Promoted => "Promoted",
    }
}
