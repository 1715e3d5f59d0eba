//! Stage three of the scheduler: actions and their orderings, as Pacemaker
//! 2.1.5 creates them after assignment (`pcmk__schedule_actions` from
//! internal constraints to `pcmk__apply_orderings`).
//!
//! Input: the CIB (for the operation history and the operations'
//! configuration), the [`ClusterState`] of [`crate::unpack()`] and the
//! [`Placement`] of [`crate::placement::place`]. Output: an [`ActionSet`]
//! — every action with its flags and its inputs — from which
//! [`crate::graph`] builds the transition graph and [`crate::transition`]
//! the transition summary.
//!
//! Pacemaker's action stage is a fixed point over mutable actions (each
//! ordering may make its "then" action required or unrunnable, which is
//! propagated again); it is kept here as one working set ([`Ws`]) private
//! to the stage, with Pacemaker's list orders (newest first) reproduced so
//! that ids, synapse order and the simulated execution order match.
//!
//! Code map: [`create`] (primitives' role changes, groups, clones,
//! bundles, recurring monitors, migration, probes), [`internal`] (the
//! orderings each resource kind implies), [`order`] (configured orderings,
//! flag propagation), [`notify`] (clone notifications), [`fence`]
//! (fencing, shutdown, remote connections), [`history`] (configuration
//! changes found in the history).
//!
//! **Architecture Invariant:** no I/O, no clock; the same input gives the
//! same actions, ids and orders.

mod create;
mod fence;
mod history;
mod internal;
mod notify;
mod order;
mod probe;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cib::Cib;

use crate::placement::Placement;
use crate::state::*;
use crate::util::{eq_ci, op_key};

/// Index of an action in [`ActionSet::actions`]; the graph id is `index + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(pub usize);

/// Action flags (`enum pe_action_flags`, with Pacemaker's values).
pub mod af {
    pub const PSEUDO: u32 = 0x00001;
    pub const RUNNABLE: u32 = 0x00002;
    pub const OPTIONAL: u32 = 0x00004;
    pub const PRINT_ALWAYS: u32 = 0x00008;
    pub const HAVE_NODE_ATTRS: u32 = 0x00010;
    pub const IMPLIED_BY_STONITH: u32 = 0x00040;
    pub const MIGRATE_RUNNABLE: u32 = 0x00080;
    pub const DUMPED: u32 = 0x00100;
    pub const DANGLE: u32 = 0x00800;
    pub const REQUIRES_ANY: u32 = 0x01000;
    pub const RESCHEDULE: u32 = 0x02000;
    pub const TRACKING: u32 = 0x04000;
    pub const DEDUP: u32 = 0x08000;
    pub const DC: u32 = 0x10000;
}

/// Ordering flags (`enum pe_ordering`, with Pacemaker's values).
pub mod of {
    pub const NONE: u32 = 0x0;
    pub const OPTIONAL: u32 = 0x1;
    pub const APPLY_FIRST_NON_MIGRATABLE: u32 = 0x2;
    pub const IMPLIES_FIRST: u32 = 0x10;
    pub const IMPLIES_THEN: u32 = 0x20;
    pub const PROMOTED_IMPLIES_FIRST: u32 = 0x40;
    pub const IMPLIES_FIRST_MIGRATABLE: u32 = 0x80;
    pub const RUNNABLE_LEFT: u32 = 0x100;
    pub const PSEUDO_LEFT: u32 = 0x200;
    pub const IMPLIES_THEN_ON_NODE: u32 = 0x400;
    pub const PROBE: u32 = 0x800;
    pub const RESTART: u32 = 0x1000;
    pub const SERIALIZE_ONLY: u32 = 0x4000;
    pub const SAME_NODE: u32 = 0x8000;
    pub const IMPLIES_FIRST_PRINTED: u32 = 0x10000;
    pub const IMPLIES_THEN_PRINTED: u32 = 0x20000;
    pub const ASYMMETRICAL: u32 = 0x100000;
    pub const LOAD: u32 = 0x200000;
    pub const ONE_OR_MORE: u32 = 0x400000;
    pub const ANTI_COLOCATION: u32 = 0x800000;
    pub const PRESERVE: u32 = 0x1000000;
    pub const THEN_CANCELS_FIRST: u32 = 0x2000000;
}

/// What an action needs before it may run (`enum rsc_start_requirement`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Needs {
    #[default]
    Nothing,
    Quorum,
    Fencing,
}

/// One input of an action: the action it waits for and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Input {
    pub action: ActionId,
    /// Ordering flags ([`of`]); `0` once the ordering is disabled.
    pub kind: u32,
    /// Written to the graph already.
    pub dumped: bool,
}

/// One scheduled action (`pe_action_t`).
#[derive(Clone, Debug)]
pub struct Action {
    pub id: ActionId,
    /// Operation key (`rsc_start_0`, `stonith-node1-reboot`, …).
    pub uuid: String,
    pub task: String,
    /// For `cancel` actions: the task being cancelled.
    pub cancel_task: Option<String>,
    pub rsc: Option<RscId>,
    pub node: Option<NodeId>,
    /// Flags ([`af`]).
    pub flags: u32,
    pub priority: i32,
    pub needs: Needs,
    pub reason: Option<String>,
    /// Meta-attributes (timeout, interval, notification keys…).
    pub meta: BTreeMap<String, String>,
    /// Extra parameters (the operation's instance attributes).
    pub extra: BTreeMap<String, String>,
    /// The configured operation it was made from.
    pub op_entry: Option<Box<cib::Op>>,
    /// Inputs, oldest first (Pacemaker's list is newest first).
    pub before: Vec<Input>,
    /// Actions waiting for this one, oldest first.
    pub after: Vec<Input>,
    pub runnable_before: i32,
    pub required_runnable_before: i32,
}

impl Action {
    pub fn is(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The graph id Pacemaker gives the action.
    pub fn graph_id(&self) -> usize {
        self.id.0 + 1
    }

    /// The operation's interval in milliseconds (0 when not recurring).
    pub fn interval_ms(&self) -> u64 {
        self.meta
            .get("interval")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// A resource's instance attributes (name → value), shared.
pub type Params = Arc<BTreeMap<String, String>>;

/// Everything the action stage produced.
#[derive(Clone, Debug)]
pub struct ActionSet {
    /// The cluster state as the action stage leaves it (roles, assignments
    /// and flags that action creation changes).
    pub state: ClusterState,
    /// Assigned node of each resource, as action creation leaves it.
    pub allocated: Vec<Option<NodeId>>,
    /// Resources whose agent will be reloaded.
    pub reload: Vec<bool>,
    /// Resources multiply active with `multiple-active=stop_unexpected`.
    pub stop_unexpected: Vec<bool>,
    /// Instance attributes of each resource for each node an action runs
    /// on (what the graph passes to the agent); shared between the nodes
    /// of a resource whose attributes have no rules.
    pub params: BTreeMap<(RscId, Option<NodeId>), Params>,
    /// Every action, in creation order.
    pub actions: Vec<Action>,
    /// Each resource's actions, in creation order.
    pub rsc_actions: Vec<Vec<ActionId>>,
    /// Top-level resources in processing order.
    pub order: Vec<RscId>,
    /// Each resource's children in Pacemaker's final list order.
    pub children: Vec<Vec<RscId>>,
    /// Nodes whose maintenance state the graph must update.
    pub maintenance_nodes: Vec<NodeId>,
    /// Earliest time (epoch seconds) the result may change by itself.
    pub recheck_by: i64,
}

impl ActionSet {
    pub fn action(&self, id: ActionId) -> &Action {
        &self.actions[id.0]
    }
}

/// One ordering constraint before it is applied (`pe__ordering_t`).
#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub flags: u32,
    pub lh_rsc: Option<RscId>,
    pub rh_rsc: Option<RscId>,
    pub lh_action: Option<ActionId>,
    pub rh_action: Option<ActionId>,
    pub lh_task: Option<String>,
    pub rh_task: Option<String>,
}

/// Notification bookkeeping of one clone action (`notify_data_t`).
#[derive(Clone, Debug, Default)]
pub(crate) struct NotifyData {
    pub action: String,
    pub pre: Option<ActionId>,
    pub pre_done: Option<ActionId>,
    pub post: Option<ActionId>,
    pub post_done: Option<ActionId>,
    pub keys: Vec<(String, String)>,
    pub allowed_from: Option<RscId>,
    pub active: Vec<(RscId, Option<NodeId>)>,
    pub inactive: Vec<(RscId, Option<NodeId>)>,
    pub promoted: Vec<(RscId, Option<NodeId>)>,
    pub unpromoted: Vec<(RscId, Option<NodeId>)>,
    pub start: Vec<(RscId, Option<NodeId>)>,
    pub stop: Vec<(RscId, Option<NodeId>)>,
    pub promote: Vec<(RscId, Option<NodeId>)>,
    pub demote: Vec<(RscId, Option<NodeId>)>,
}

/// What the action stage keeps per resource besides [`ClusterState`].
#[derive(Clone, Debug, Default)]
pub(crate) struct RscX {
    pub alloc: Option<NodeId>,
    pub actions: Vec<ActionId>,
    pub children: Vec<RscId>,
    pub restarting: bool,
    pub reload: bool,
    pub stop_unexpected: bool,
    pub start_notify: Option<NotifyData>,
    pub stop_notify: Option<NotifyData>,
    pub promote_notify: Option<NotifyData>,
    pub demote_notify: Option<NotifyData>,
}

/// The action stage's working set.
pub(crate) struct Ws<'a> {
    pub cib: &'a Cib,
    pub pl: &'a Placement,
    pub st: ClusterState,
    pub rx: Vec<RscX>,
    pub top: Vec<RscId>,
    pub actions: Vec<Action>,
    pub singletons: HashMap<String, ActionId>,
    pub orders: Vec<Order>,
    pub recheck_by: i64,
    /// Id index of the configuration, for rules and references.
    pub ix: crate::unpack::nvsets::IdIndex<'a>,
    /// Digests computed per node and operation key.
    pub(crate) digest_cache: HashMap<(NodeId, String), history::DigestData>,
    /// Digest checks deferred until assignment is known: resource, node,
    /// history entry, and whether it is an active operation (else a
    /// recorded failure).
    pub(crate) param_checks: Vec<(RscId, NodeId, cib::LrmRscOp, bool)>,
    /// History entries (node, id) of recurring operations to schedule again
    /// because their failure expired.
    pub(crate) expired_recurring: Vec<(NodeId, String)>,
    /// Actions whose `TRACKING` flag is set: clearing them is then
    /// proportional to what one walk visited, not to all actions (Pacemaker
    /// clears every action's flag after each walk, quadratic in the size of
    /// the cluster).
    pub(crate) tracking: Vec<ActionId>,
    /// The configured resources by id: the first of a walk over the
    /// configuration, as a search would find it.
    pub(crate) config_ix: HashMap<&'a str, &'a cib::Resource>,
    /// Positions in the placement's location constraints (those naming at
    /// least one node) of each constrained resource, for probes' discovery
    /// checks.
    pub(crate) locations_by_rsc: HashMap<RscId, Vec<usize>>,
    /// Every action by its key in ASCII lower case, in creation order: what
    /// a search of all actions for a key ([`Ws::find_keyed`]) can match.
    pub(crate) by_key: HashMap<String, Vec<ActionId>>,
    /// Each resource's actions by key in ASCII lower case, in creation
    /// order: what a search of `rx[r].actions` for a key can match.
    pub(crate) by_rsc_key: HashMap<(RscId, String), Vec<ActionId>>,
}

/// Runs the action stage: see the module documentation.
pub fn schedule_actions(cib: &Cib, state: &ClusterState, placement: &Placement) -> ActionSet {
    let mut ws = Ws::new(cib, state, placement);
    ws.run();
    ws.finish()
}

/// The fail counts unpacking already decided to clear: those the history
/// says expired, and those of failures whose parameters changed since
/// (which needs operation digests). Placement consults this before banning
/// a resource for reaching its migration threshold
/// (`failcount_clear_action_exists`).
pub fn scheduled_failcount_clears(cib: &Cib, state: &ClusterState) -> Vec<(RscId, NodeId)> {
    let placement = Placement::default();
    let mut ws = Ws::new(cib, state, &placement);
    ws.replay_implied();
    ws.actions
        .iter()
        .filter(|a| a.task == "clear_failcount")
        .filter_map(|a| Some((a.rsc?, a.node?)))
        .collect()
}

impl<'a> Ws<'a> {
    fn new(cib: &'a Cib, state: &ClusterState, pl: &'a Placement) -> Self {
        let st = state.clone();
        let rx = st
            .resources
            .iter()
            .map(|r| RscX {
                children: r.children.clone(),
                ..Default::default()
            })
            .collect();
        // Until assignment (`apply_placement`) the top-level order is
        // unpacking's.
        let top = st.top.clone();
        // The earlier of history's (failure expiry) and the location
        // rules' date changes.
        let recheck_by = crate::state::earliest_recheck(st.recheck_by, pl.constraints.recheck_by);
        Ws {
            cib,
            pl,
            st,
            rx,
            top,
            actions: Vec::new(),
            singletons: HashMap::new(),
            orders: Vec::new(),
            recheck_by,
            ix: crate::unpack::nvsets::IdIndex::build(cib),
            digest_cache: HashMap::new(),
            param_checks: Vec::new(),
            expired_recurring: Vec::new(),
            tracking: Vec::new(),
            config_ix: {
                let mut ix = HashMap::new();
                for r in cib.configuration.resources.iter().flat_map(|r| r.walk()) {
                    ix.entry(r.id()).or_insert(r);
                }
                ix
            },
            locations_by_rsc: {
                let mut ix: HashMap<RscId, Vec<usize>> = HashMap::new();
                for (i, l) in pl.constraints.locations.iter().enumerate() {
                    if !l.nodes.is_empty() {
                        ix.entry(l.rsc).or_default().push(i);
                    }
                }
                ix
            },
            by_key: HashMap::new(),
            by_rsc_key: HashMap::new(),
        }
    }

    /// What assignment decided: each resource's node, roles and flags,
    /// the list orders, and what it changes about nodes.
    fn apply_placement(&mut self) {
        let pl = self.pl;
        for (i, p) in pl.resources.iter().enumerate() {
            let Some(r) = self.st.resources.get_mut(i) else {
                continue;
            };
            r.role = p.role;
            r.next_role = p.next_role;
            r.flags.managed = p.managed;
            r.flags.block = p.blocked;
            r.priority = p.priority;
            self.rx[i].alloc = p.node;
            self.rx[i].children = p.children.clone();
        }
        for (i, p) in pl.nodes.iter().enumerate() {
            let Some(n) = self.st.nodes.get_mut(i) else {
                continue;
            };
            n.online = p.online;
            n.shutdown = p.shutdown;
            // Placement's own fencing was applied by `placement_fencing`
            // (with its reason); here only what assignment clears.
            if !p.unclean && p.fence_reason.is_none() {
                n.unclean = false;
            }
        }
        if !pl.order.is_empty() {
            self.top = pl.order.clone();
        }
        // Assignment to no node marks the actions created before it (history
        // checks: cancels of orphaned or maintenance-mode monitors,
        // rescheduled monitors) as `pcmk__finalize_assignment` does, also
        // when a later assignment gave the resource a node again.
        for (i, p) in pl.resources.iter().enumerate() {
            let primitive = matches!(
                self.st.resources.get(i).map(|r| &r.kind),
                Some(ResourceKind::Primitive(_))
            );
            if primitive && p.finalized_to_none {
                self.mark_actions_unassigned(RscId(i));
            }
        }
    }

    /// Resources a lost ticket with `loss-policy=freeze` blocks, as
    /// constraint unpacking does (before the implicit orderings).
    fn frozen_by_tickets(&mut self) {
        for t in self.pl.constraints.tickets.clone() {
            if t.loss_policy != crate::placement::LossPolicy::Freeze || t.granted {
                continue;
            }
            if let Some(p) = self.pl.resources.get(t.rsc.0) {
                if !p.managed {
                    let f = &mut self.st.resources[t.rsc.0].flags;
                    f.managed = false;
                    f.block = p.blocked;
                }
            }
        }
    }

    /// The stages in Pacemaker's order.
    fn run(&mut self) {
        self.replay_implied();
        self.placement_fencing();
        self.frozen_by_tickets();
        self.cancelled_shutdown_locks();
        self.configured_orderings();
        self.internal_constraints();
        self.handle_rsc_config_changes();
        self.apply_placement();
        self.schedule_resource_actions();
        self.order_remote_connection_actions();
        self.schedule_fencing_and_shutdowns();
        self.apply_orderings();
        self.log_pass();
        self.expand_for_graph();
    }

    /// What Pacemaker's logging of the transition summary changes before
    /// the graph is built (`log_all_actions`): a stopped role shown as
    /// started while still active, and actions without a node that its
    /// look-ups give one.
    fn log_pass(&mut self) {
        for r in self.top.clone() {
            self.log_rsc(r);
        }
    }

    fn log_rsc(&mut self, r: RscId) {
        if let ResourceKind::Bundle(b) = &self.rsc(r).kind {
            for rep in b.replicas.clone() {
                let parts = [rep.ip, Some(rep.container), rep.remote, rep.child];
                for p in parts.into_iter().flatten() {
                    self.log_rsc(p);
                }
            }
            return;
        }
        let kids = self.children(r);
        if !kids.is_empty() {
            for c in kids {
                self.log_rsc(c);
            }
            return;
        }
        let next = self.alloc(r);
        let mut current = None;
        if !self.rsc(r).running_on.is_empty() {
            current = self.current_node(r);
            if self.rsc(r).role == Role::Stopped {
                self.st.resources[r.0].role = Role::Started;
            }
        }
        if current.is_none() && self.rsc(r).flags.orphan {
            return;
        }
        if !self.rsc(r).flags.managed || (current.is_none() && next.is_none()) {
            return;
        }
        let start = self
            .resource_actions(r, next, "start", false)
            .first()
            .copied();
        let start_node = if start.is_some_and(|s| self.is_set(s, af::RUNNABLE)) {
            current
        } else {
            None
        };
        let mut stop = self
            .resource_actions(r, start_node, "stop", false)
            .first()
            .copied();
        if stop.is_none() && self.rx[r.0].stop_unexpected {
            stop = self
                .resource_actions(r, None, "stop", false)
                .first()
                .copied();
        }
        self.resource_actions(r, next, "promote", false);
        self.resource_actions(r, next, "demote", false);
        let res = self.rsc(r);
        if res.role == res.next_role {
            if next.is_some() {
                self.resource_actions(r, next, "migrate_from", false);
            }
            return;
        }
        let start_unrunnable = start.is_some_and(|s| !self.is_set(s, af::RUNNABLE));
        if stop.is_some() && (res.next_role == Role::Stopped || start_unrunnable) {
            let key = op_key(&res.id, "stop", 0);
            for n in res.running_on.clone() {
                self.find_keyed(Some(r), &key, Some(n));
            }
        }
    }

    /// What Pacemaker does while building the graph that creates or changes
    /// actions (`clone_expand`: summary flags and notifications; the
    /// maintenance-state pseudo-action), in the graph's resource order.
    fn expand_for_graph(&mut self) {
        for r in self.top.clone() {
            self.expand(r);
        }
        let maintenance = self.st.node_order.iter().any(|&n| {
            let node = self.node(n);
            self.st.is_guest_or_remote(n) && node.maintenance != node.remote_maintenance
        });
        if maintenance {
            let a = self.pseudo_op("maintenance_nodes");
            self.set_flag(a, af::PRINT_ALWAYS);
        }
    }

    fn expand(&mut self, r: RscId) {
        match &self.rsc(r).kind {
            ResourceKind::Clone(_) => {
                for a in self.rx[r.0].actions.clone().into_iter().rev() {
                    self.action_flags(a, None);
                }
                let n = self.rx[r.0].start_notify.take();
                self.create_notifications(r, n);
                let n = self.rx[r.0].stop_notify.take();
                self.create_notifications(r, n);
                let n = self.rx[r.0].promote_notify.take();
                self.create_notifications(r, n);
                let n = self.rx[r.0].demote_notify.take();
                self.create_notifications(r, n);
                for c in self.children(r) {
                    self.expand(c);
                }
            }
            ResourceKind::Bundle(_) => {
                if let Some(c) = self.bundle_child(r) {
                    self.expand(c);
                }
            }
            ResourceKind::Group | ResourceKind::Primitive(_) => {
                for c in self.children(r) {
                    self.expand(c);
                }
            }
        }
    }

    fn finish(self) -> ActionSet {
        let mut params = BTreeMap::new();
        // Resources whose parameters are the same on every node share one
        // map for all of them.
        let mut shared: HashMap<RscId, Params> = HashMap::new();
        for a in &self.actions {
            let Some(r) = a.rsc else {
                continue;
            };
            if !(self.is_primitive(r) || a.node.is_some()) {
                continue;
            }
            params.entry((r, a.node)).or_insert_with(|| {
                let compute = || {
                    let mut p = self.rsc_params(r, a.node);
                    if let Some(host) = self.bundle_remote_name(r) {
                        if p.get("addr").is_some_and(|v| v == "#uname") {
                            p.insert("addr".into(), host);
                        }
                    }
                    Arc::new(p)
                };
                if self.rsc_params_node_independent(r) {
                    shared.entry(r).or_insert_with(compute).clone()
                } else {
                    compute()
                }
            });
        }
        let maintenance_nodes = self
            .st
            .node_order
            .iter()
            .copied()
            .filter(|&n| {
                let node = self.st.node(n);
                self.st.is_guest_or_remote(n) && node.maintenance != node.remote_maintenance
            })
            .collect();
        ActionSet {
            allocated: self.rx.iter().map(|r| r.alloc).collect(),
            reload: self.rx.iter().map(|r| r.reload).collect(),
            stop_unexpected: self.rx.iter().map(|r| r.stop_unexpected).collect(),
            params,
            rsc_actions: self.rx.iter().map(|r| r.actions.clone()).collect(),
            children: self.rx.iter().map(|r| r.children.clone()).collect(),
            state: self.st,
            actions: self.actions,
            order: self.top,
            maintenance_nodes,
            recheck_by: self.recheck_by,
        }
    }

    // ----- small accessors -----

    pub fn rsc(&self, r: RscId) -> &Resource {
        self.st.rsc(r)
    }

    pub fn node(&self, n: NodeId) -> &Node {
        self.st.node(n)
    }

    pub fn act(&self, a: ActionId) -> &Action {
        &self.actions[a.0]
    }

    pub fn act_mut(&mut self, a: ActionId) -> &mut Action {
        &mut self.actions[a.0]
    }

    pub fn is_set(&self, a: ActionId, flag: u32) -> bool {
        self.actions[a.0].flags & flag != 0
    }

    pub fn set_flag(&mut self, a: ActionId, flag: u32) {
        self.actions[a.0].flags |= flag;
    }

    pub fn clear_flag(&mut self, a: ActionId, flag: u32) {
        self.actions[a.0].flags &= !flag;
    }

    pub fn children(&self, r: RscId) -> Vec<RscId> {
        self.rx[r.0].children.clone()
    }

    pub fn alloc(&self, r: RscId) -> Option<NodeId> {
        self.rx[r.0].alloc
    }

    pub fn is_primitive(&self, r: RscId) -> bool {
        self.rsc(r).is_primitive()
    }

    pub fn is_group(&self, r: RscId) -> bool {
        matches!(self.rsc(r).kind, ResourceKind::Group)
    }

    pub fn is_clone(&self, r: RscId) -> bool {
        matches!(self.rsc(r).kind, ResourceKind::Clone(_))
    }

    pub fn is_bundle(&self, r: RscId) -> bool {
        matches!(self.rsc(r).kind, ResourceKind::Bundle(_))
    }

    /// Clone or bundle (`variant >= pe_clone`).
    pub fn is_collective(&self, r: RscId) -> bool {
        self.is_clone(r) || self.is_bundle(r)
    }

    pub fn uber_parent(&self, r: RscId) -> RscId {
        self.st.uber_parent(r)
    }

    /// `pe_rsc_is_anon_clone`.
    pub fn is_anon_clone(&self, r: RscId) -> bool {
        self.is_clone(r) && !self.rsc(r).flags.unique
    }

    /// `pe_rsc_is_bundled`.
    pub fn is_bundled(&self, r: RscId) -> bool {
        self.st.is_bundled(r)
    }

    /// Whether `ancestor` is a parent (or grandparent…) of `descendant`
    /// (Pacemaker's `is_parent(descendant, ancestor)`).
    pub fn is_ancestor(&self, ancestor: RscId, descendant: RscId) -> bool {
        let mut p = self.rsc(descendant).parent;
        while let Some(x) = p {
            if x == ancestor {
                return true;
            }
            p = self.rsc(x).parent;
        }
        false
    }

    /// `pe__current_node`: the node a resource is active on (the migration
    /// source, else the first clean one, else the first).
    pub fn current_node(&self, r: RscId) -> Option<NodeId> {
        self.st.current_node(r)
    }

    /// `fns->location(rsc, NULL, current)`: the single node, if exactly one.
    pub fn location(&self, r: RscId, current: bool) -> Option<NodeId> {
        let mut list = Vec::new();
        self.location_list(r, current, &mut list);
        if list.len() == 1 {
            Some(list[0])
        } else {
            None
        }
    }

    pub fn location_list(&self, r: RscId, current: bool, out: &mut Vec<NodeId>) {
        let kids = &self.rx[r.0].children;
        if !kids.is_empty() {
            for &c in kids {
                self.location_list(c, current, out);
            }
            return;
        }
        let nodes: Vec<NodeId> = if current {
            self.rsc(r).running_on.clone()
        } else {
            self.alloc(r).into_iter().collect()
        };
        for n in nodes {
            if !out.iter().any(|&o| self.node(o).id == self.node(n).id) {
                out.push(n);
            }
        }
    }

    /// `fns->state(rsc, current)`.
    pub fn rsc_state(&self, r: RscId, current: bool) -> Role {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(_) => {
                if current {
                    self.rsc(r).role
                } else {
                    self.rsc(r).next_role
                }
            }
            ResourceKind::Group | ResourceKind::Clone(_) => self.rx[r.0]
                .children
                .iter()
                .map(|&c| self.rsc_state(c, current))
                .max()
                .unwrap_or(Role::Unknown),
            ResourceKind::Bundle(b) => {
                let mut role = Role::Unknown;
                if let Some(c) = b.child {
                    role = self.rsc_state(c, current);
                }
                role
            }
        }
    }

    /// `fns->active(rsc, all)`.
    pub fn is_active(&self, r: RscId, all: bool) -> bool {
        self.st.is_active(r, all)
    }

    /// `pcmk__node_available`.
    pub fn node_available(&self, n: NodeId, consider_score: bool, consider_guest: bool) -> bool {
        let node = self.node(n);
        if !node.online || node.shutdown || node.unclean || node.standby || node.maintenance {
            return false;
        }
        if consider_score && node.weight < cib::Score::ZERO {
            return false;
        }
        if consider_guest && self.st.is_guest_node(n) {
            let guest = node.remote_rsc.and_then(|c| self.rsc(c).container);
            if let Some(g) = guest {
                if self.location(g, false).is_none() {
                    return false;
                }
            }
        }
        true
    }

    /// `pe_can_fence`.
    pub fn can_fence(&self, n: NodeId) -> bool {
        if self.st.is_guest_node(n) {
            let container = self.node(n).remote_rsc.and_then(|c| self.rsc(c).container);
            if let Some(c) = container {
                for &h in &self.rsc(c).running_on {
                    if !self.node(h).online && !self.can_fence(h) {
                        return false;
                    }
                }
            }
            return true;
        }
        let o = &self.st.options;
        if !o.stonith_enabled || !o.have_stonith_resource {
            return false;
        }
        self.st.have_quorum || o.no_quorum_policy == NoQuorumPolicy::Ignore || self.node(n).online
    }

    /// The node named like a remote connection resource.
    pub fn remote_node_of(&self, r: RscId) -> Option<NodeId> {
        self.st.find_node(&self.rsc(r).id)
    }

    /// `pe__resource_is_remote_conn`.
    pub fn is_remote_conn(&self, r: RscId) -> bool {
        self.rsc(r).is_remote_node
            && self
                .remote_node_of(r)
                .is_some_and(|n| self.st.is_remote_node(n))
    }

    /// The configured primitive behind a resource, if any.
    pub fn prim_config(&self, r: RscId) -> Option<&cib::Primitive> {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(p) => p.config.as_deref(),
            _ => None,
        }
    }

    pub fn rsc_class(&self, r: RscId) -> Option<&str> {
        match &self.rsc(r).kind {
            ResourceKind::Primitive(p) => Some(p.class.as_str()),
            _ => None,
        }
    }

    // ----- actions -----

    /// The actions (of `rsc`, or of the whole cluster) whose key equals `key`
    /// ignoring ASCII case, oldest first: the only ones a search by key of
    /// that list can match, so searches cost what they find rather than
    /// the length of the list.
    fn keyed_slice(&self, rsc: Option<RscId>, key: &str) -> &[ActionId] {
        let k = key.to_ascii_lowercase();
        let found = match rsc {
            Some(r) => self.by_rsc_key.get(&(r, k)),
            None => self.by_key.get(&k),
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// `find_actions` over the actions of `rsc` (or of the whole cluster):
    /// those with this key (and node), oldest first; a matching action
    /// without a node is given `node` (as Pacemaker does). Reads the key
    /// index, so it costs what has this key, not all actions.
    pub fn find_keyed(
        &mut self,
        rsc: Option<RscId>,
        key: &str,
        node: Option<NodeId>,
    ) -> Vec<ActionId> {
        let k = key.to_ascii_lowercase();
        let list = match rsc {
            Some(r) => self.by_rsc_key.get(&(r, k)),
            None => self.by_key.get(&k),
        };
        let Some(list) = list else {
            return Vec::new();
        };
        let actions = &mut self.actions;
        let mut out = Vec::new();
        for &a in list {
            match (node, actions[a.0].node) {
                (None, _) => out.push(a),
                (Some(n), None) => {
                    actions[a.0].node = Some(n);
                    out.push(a);
                }
                (Some(n), Some(m)) if n == m => out.push(a),
                _ => {}
            }
        }
        out
    }

    /// `find_actions_exact`.
    pub fn find_actions_exact(
        &self,
        list: &[ActionId],
        key: &str,
        node: Option<NodeId>,
    ) -> Vec<ActionId> {
        let Some(n) = node else {
            return Vec::new();
        };
        let mut out: Vec<ActionId> = list
            .iter()
            .rev()
            .copied()
            .filter(|&a| {
                let act = &self.actions[a.0];
                act.node
                    .is_some_and(|m| eq_ci(&self.node(m).id, &self.node(n).id))
                    && eq_ci(&act.uuid, key)
            })
            .collect();
        out.reverse();
        out
    }

    /// `find_first_action`: the newest match.
    pub fn find_first_action(
        &self,
        list: &[ActionId],
        uuid: Option<&str>,
        task: Option<&str>,
        node: Option<NodeId>,
    ) -> Option<ActionId> {
        list.iter().rev().copied().find(|&a| {
            let act = &self.actions[a.0];
            if uuid.is_some_and(|u| !eq_ci(u, &act.uuid)) {
                return false;
            }
            if task.is_some_and(|t| !eq_ci(t, &act.task)) {
                return false;
            }
            match (node, act.node) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(n), Some(m)) => n == m,
            }
        })
    }

    /// `pe__resource_actions`.
    pub fn resource_actions(
        &mut self,
        r: RscId,
        node: Option<NodeId>,
        task: &str,
        require_node: bool,
    ) -> Vec<ActionId> {
        let key = op_key(&self.rsc(r).id, task, 0);
        if require_node {
            self.find_actions_exact(self.keyed_slice(Some(r), &key), &key, node)
        } else {
            self.find_keyed(Some(r), &key, node)
        }
    }

    /// `custom_action` (always saved): finds or creates the action, then
    /// updates its optional and runnable flags.
    pub fn custom_action(
        &mut self,
        rsc: Option<RscId>,
        key: String,
        task: &str,
        node: Option<NodeId>,
        optional: bool,
    ) -> ActionId {
        let existing = self.find_keyed(rsc, &key, node).first().copied();
        let id = match existing {
            Some(a) => a,
            None => self.new_action(key, task, rsc, node, optional),
        };
        self.update_action_optional(id, optional);
        if rsc.is_some() {
            if self.actions[id.0].node.is_some() {
                self.unpack_action_node_attributes(id);
            }
            self.update_resource_action_runnable(id);
        }
        id
    }

    fn new_action(
        &mut self,
        key: String,
        task: &str,
        rsc: Option<RscId>,
        node: Option<NodeId>,
        optional: bool,
    ) -> ActionId {
        let id = ActionId(self.actions.len());
        let mut flags = af::RUNNABLE;
        if task.eq_ignore_ascii_case("lrm_delete") {
            flags |= af::DC;
        }
        if optional {
            flags |= af::OPTIONAL;
        }
        let mut action = Action {
            id,
            uuid: key,
            task: task.to_string(),
            cancel_task: None,
            rsc,
            node,
            flags,
            priority: 0,
            needs: Needs::Nothing,
            reason: None,
            meta: BTreeMap::new(),
            extra: BTreeMap::new(),
            op_entry: None,
            before: Vec::new(),
            after: Vec::new(),
            runnable_before: 0,
            required_runnable_before: 0,
        };
        if let Some(r) = rsc {
            action.op_entry = self.find_op_entry(r, &action.uuid, true).map(Box::new);
            let interval_ms = crate::util::parse_op_key(&action.uuid).map_or(0, |k| k.2);
            self.unpack_operation(&mut action, r, interval_ms);
        }
        let lower = action.uuid.to_ascii_lowercase();
        self.actions.push(action);
        self.by_key.entry(lower.clone()).or_default().push(id);
        match rsc {
            Some(r) => {
                self.rx[r.0].actions.push(id);
                self.by_rsc_key.entry((r, lower)).or_default().push(id);
            }
            None => {
                let uuid = self.actions[id.0].uuid.clone();
                self.singletons.insert(uuid, id);
            }
        }
        id
    }

    /// `find_rsc_op_entry_helper`: the configured `<op>` for a key.
    pub fn find_op_entry(&self, r: RscId, key: &str, include_disabled: bool) -> Option<cib::Op> {
        let res = self.rsc(r);
        let ops = self.prim_config(r)?.operations.as_ref()?;
        let lookup = |key: &str| {
            ops.ops.iter().find(|op| {
                if !include_disabled && op.enabled.as_ref().and_then(|e| e.get()) == Some(false) {
                    return false;
                }
                let interval = op.interval.get().map_or(0, |d| d.0);
                eq_ci(key, &op_key(&res.id, &op.name, interval))
                    || res
                        .clone_name
                        .as_deref()
                        .is_some_and(|c| eq_ci(key, &op_key(c, &op.name, interval)))
            })
        };
        if let Some(op) = lookup(key) {
            return Some(op.clone());
        }
        let retry = if key.contains("migrate_to") || key.contains("migrate_from") {
            op_key(&res.id, "migrate", 0)
        } else if key.contains("_notify_") {
            op_key(&res.id, "notify", 0)
        } else {
            return None;
        };
        lookup(&retry).cloned()
    }

    fn update_action_optional(&mut self, a: ActionId, optional: bool) {
        let act = &self.actions[a.0];
        let unmanaged = act.rsc.is_some_and(|r| !self.st.rsc(r).flags.managed);
        if act.rsc.is_some()
            && act.node.is_some()
            && !act.is(af::PSEUDO)
            && unmanaged
            && !act.meta.contains_key("interval")
        {
            self.actions[a.0].flags |= af::OPTIONAL;
        } else if !optional {
            self.actions[a.0].flags &= !af::OPTIONAL;
        }
    }

    /// `unpack_action_node_attributes`: the operation's instance attributes,
    /// evaluated for the action's node.
    fn unpack_action_node_attributes(&mut self, a: ActionId) {
        let act = &self.actions[a.0];
        if act.is(af::HAVE_NODE_ATTRS) {
            return;
        }
        let (Some(op), Some(n)) = (act.op_entry.clone(), act.node) else {
            return;
        };
        self.actions[a.0].flags |= af::HAVE_NODE_ATTRS;
        let attrs = self.node(n).attrs.clone();
        let ctx = crate::unpack::rules::RuleCtx {
            now: self.st.now,
            node_attrs: Some(&attrs),
            ..Default::default()
        };
        let mut extra = std::mem::take(&mut self.actions[a.0].extra);
        crate::unpack::nvsets::unpack_sets(
            &self.ix,
            &op.instance_attributes,
            &ctx,
            &mut extra,
            false,
            None,
        );
        self.actions[a.0].extra = extra;
    }

    /// `effective_quorum_policy`.
    fn effective_quorum_policy(&mut self, r: RscId) -> NoQuorumPolicy {
        let policy = self.st.options.no_quorum_policy;
        if self.st.have_quorum {
            return NoQuorumPolicy::Ignore;
        }
        if policy == NoQuorumPolicy::Demote {
            let res = self.rsc(r);
            return match res.role {
                Role::Promoted | Role::Unpromoted => {
                    if res.next_role > Role::Unpromoted {
                        self.st.resources[r.0].next_role = Role::Unpromoted;
                    }
                    NoQuorumPolicy::Ignore
                }
                _ => NoQuorumPolicy::Stop,
            };
        }
        policy
    }

    /// `update_resource_action_runnable`.
    fn update_resource_action_runnable(&mut self, a: ActionId) {
        let act = &self.actions[a.0];
        if act.is(af::PSEUDO) {
            return;
        }
        let Some(r) = act.rsc else {
            return;
        };
        let Some(n) = act.node else {
            self.clear_flag(a, af::RUNNABLE);
            return;
        };
        let dc = act.is(af::DC);
        let node = self.node(n);
        if !dc && !node.online && (!self.st.is_guest_node(n) || node.remote_requires_reset) {
            self.clear_flag(a, af::RUNNABLE);
            let is_stop = self.act(a).task.eq_ignore_ascii_case("stop");
            if self.rsc(r).flags.managed && is_stop && !self.node(n).unclean {
                self.fence_node(n, "stop is unrunnable", false);
            }
        } else if !dc && node.pending {
            self.clear_flag(a, af::RUNNABLE);
        } else if act.needs == Needs::Nothing {
            self.set_reason(a, None, true);
            if self.st.is_guest_node(n) && !self.can_fence(n) {
                self.clear_flag(a, af::RUNNABLE);
            } else {
                self.set_flag(a, af::RUNNABLE);
            }
        } else {
            match self.effective_quorum_policy(r) {
                NoQuorumPolicy::Stop => {
                    self.clear_flag(a, af::RUNNABLE);
                    self.set_reason(a, Some("no quorum"), true);
                }
                NoQuorumPolicy::Freeze => {
                    let res = self.rsc(r);
                    if !self.is_active(r, true) || res.next_role > res.role {
                        self.clear_flag(a, af::RUNNABLE);
                        self.set_reason(a, Some("quorum freeze"), true);
                    }
                }
                _ => self.set_flag(a, af::RUNNABLE),
            }
        }
    }

    /// `pe_action_set_reason`.
    pub fn set_reason(&mut self, a: ActionId, reason: Option<&str>, overwrite: bool) {
        let act = &mut self.actions[a.0];
        if act.reason.is_some() && !overwrite {
            return;
        }
        act.reason = reason.map(str::to_string);
    }

    /// `get_pseudo_op`: a singleton pseudo-action without resource.
    pub fn pseudo_op(&mut self, name: &str) -> ActionId {
        if let Some(&a) = self.singletons.get(name) {
            return a;
        }
        let a = self.custom_action(None, name.to_string(), name, None, true);
        self.set_flag(a, af::PSEUDO | af::RUNNABLE);
        a
    }

    /// `pe__new_rsc_pseudo_action`.
    pub fn rsc_pseudo_action(
        &mut self,
        r: RscId,
        task: &str,
        optional: bool,
        runnable: bool,
    ) -> ActionId {
        let key = op_key(&self.rsc(r).id, task, 0);
        let a = self.custom_action(Some(r), key, task, None, optional);
        self.set_flag(a, af::PSEUDO);
        if runnable {
            self.set_flag(a, af::RUNNABLE);
        }
        a
    }

    /// A resource action by task (`start_action(rsc, node, optional)` and
    /// friends).
    pub fn rsc_action(
        &mut self,
        r: RscId,
        task: &str,
        node: Option<NodeId>,
        optional: bool,
    ) -> ActionId {
        let key = op_key(&self.rsc(r).id, task, 0);
        self.custom_action(Some(r), key, task, node, optional)
    }

    /// `pe__action2reason`.
    pub fn action2reason(&self, a: ActionId, flag: u32) -> String {
        let act = self.act(a);
        let change = if flag == af::OPTIONAL {
            "required"
        } else {
            "unrunnable"
        };
        match act.rsc {
            Some(r) => format!("{change} {} {}", self.rsc(r).id, act.task),
            None => format!("{change} {}", act.task),
        }
    }

    /// `clear_action_flag_because`.
    pub fn clear_flag_because(&mut self, a: ActionId, flag: u32, reason: ActionId) {
        if !self.is_set(a, flag) {
            return;
        }
        self.clear_flag(a, flag);
        if self.act(a).rsc != self.act(reason).rsc {
            let text = self.action2reason(reason, flag);
            self.set_reason(a, Some(&text), flag == af::MIGRATE_RUNNABLE);
        }
    }

    /// `order_actions`: records that `first` comes before `then`; returns
    /// whether a new ordering was added.
    pub fn order_actions(&mut self, first: ActionId, then: ActionId, kind: u32) -> bool {
        if kind == of::NONE || first == then {
            return false;
        }
        if self.actions[first.0]
            .after
            .iter()
            .any(|w| w.action == then && w.kind & kind != 0)
        {
            return false;
        }
        self.actions[first.0].after.push(Input {
            action: then,
            kind,
            dumped: false,
        });
        self.actions[then.0].before.push(Input {
            action: first,
            kind,
            dumped: false,
        });
        true
    }

    /// `pcmk__new_ordering`.
    #[allow(clippy::too_many_arguments)]
    pub fn new_ordering(
        &mut self,
        lh_rsc: Option<RscId>,
        lh_task: Option<String>,
        lh_action: Option<ActionId>,
        rh_rsc: Option<RscId>,
        rh_task: Option<String>,
        rh_action: Option<ActionId>,
        flags: u32,
    ) {
        if (lh_action.is_none() && lh_rsc.is_none()) || (rh_action.is_none() && rh_rsc.is_none()) {
            return;
        }
        let lh_rsc = lh_rsc.or_else(|| lh_action.and_then(|a| self.act(a).rsc));
        let rh_rsc = rh_rsc.or_else(|| rh_action.and_then(|a| self.act(a).rsc));
        let lh_task = lh_task.or_else(|| lh_action.map(|a| self.act(a).uuid.clone()));
        let rh_task = rh_task.or_else(|| rh_action.map(|a| self.act(a).uuid.clone()));
        let order = Order {
            flags,
            lh_rsc,
            rh_rsc,
            lh_action,
            rh_action,
            lh_task,
            rh_task,
        };
        self.orders.push(order.clone());
        self.order_migration_equivalents(&order);
    }

    /// `pcmk__order_resource_actions`.
    pub fn order_rsc_actions(
        &mut self,
        first: RscId,
        first_task: &str,
        then: RscId,
        then_task: &str,
        flags: u32,
    ) {
        let fk = op_key(&self.rsc(first).id, first_task, 0);
        let tk = op_key(&self.rsc(then).id, then_task, 0);
        self.new_ordering(
            Some(first),
            Some(fk),
            None,
            Some(then),
            Some(tk),
            None,
            flags,
        );
    }

    /// Actions the unpacking stage already created, in the order it did.
    fn replay_implied(&mut self) {
        for imp in self.st.implied.clone() {
            match imp {
                ImpliedAction::Stop { rsc, node } => {
                    self.rsc_action(rsc, "stop", Some(node), false);
                }
                ImpliedAction::Demote { rsc, node } => {
                    self.rsc_action(rsc, "demote", Some(node), false);
                }
                ImpliedAction::Fence { node, reason } => {
                    if self.st.is_guest_node(node) {
                        continue;
                    }
                    self.fence_op(node, None, true, Some(&reason), false);
                }
                ImpliedAction::ClearFailcount { rsc, node, reason } => {
                    let a = self.clear_failcount(rsc, node, &reason);
                    if self.st.options.stonith_enabled && self.rsc(rsc).remote_reconnect_ms > 0 {
                        if let Some(rn) = self.remote_node_of(rsc) {
                            let fence = self.fence_op(rn, None, true, None, false);
                            self.order_actions(fence, a, of::IMPLIES_THEN);
                        }
                    }
                }
                ImpliedAction::ClearHistory { rsc, node } => {
                    self.rsc_action(rsc, "lrm_delete", Some(node), false);
                }
                ImpliedAction::ExpiredRecurring { node, op_id, .. } => {
                    self.expired_recurring.push((node, op_id));
                }
                ImpliedAction::ParamCheck { rsc, node, op_id } => {
                    self.param_check(rsc, node, &op_id);
                }
                ImpliedAction::Recurring {
                    rsc,
                    node,
                    task,
                    interval_ms,
                } => {
                    let key = op_key(&self.rsc(rsc).id, &task, interval_ms);
                    self.custom_action(Some(rsc), key, &task, Some(node), true);
                }
            }
        }
    }

    /// `pe__clear_failcount`.
    pub fn clear_failcount(&mut self, r: RscId, n: NodeId, _reason: &str) -> ActionId {
        let key = op_key(&self.rsc(r).id, "clear_failcount", 0);
        let a = self.custom_action(Some(r), key, "clear_failcount", Some(n), false);
        self.act_mut(a)
            .meta
            .insert("op_no_wait".into(), "true".into());
        a
    }

    /// Shutdown locks that placement cancels because the resource is
    /// already active elsewhere clear the history on the locked node
    /// (`pcmk__primitive_shutdown_lock`).
    fn cancelled_shutdown_locks(&mut self) {
        if !self.st.options.shutdown_lock {
            return;
        }
        fn walk(ws: &mut Ws<'_>, r: RscId) {
            match &ws.rsc(r).kind {
                ResourceKind::Primitive(_) => {
                    let res = ws.rsc(r);
                    let stonith = ws
                        .rsc_class(r)
                        .map_or(true, |c| c.eq_ignore_ascii_case("stonith"));
                    if stonith || ws.is_remote_conn(r) {
                        return;
                    }
                    if let (Some(n), false) = (res.lock_node, res.running_on.is_empty()) {
                        ws.rsc_action(r, "lrm_delete", Some(n), false);
                        let res = &mut ws.st.resources[r.0];
                        res.lock_node = None;
                        res.lock_time = None;
                    }
                }
                ResourceKind::Group => {
                    for c in ws.rsc(r).children.clone() {
                        walk(ws, c);
                    }
                }
                _ => {}
            }
        }
        for r in self.st.top.clone() {
            walk(self, r);
        }
    }

    /// Fencing that placement decided (tickets with `loss-policy=fence`).
    fn placement_fencing(&mut self) {
        for (i, np) in self.pl.nodes.iter().enumerate() {
            if let Some(reason) = &np.fence_reason {
                let reason = reason.clone();
                self.fence_node(NodeId(i), &reason, false);
            }
        }
    }
}
