//! Stage two of the scheduler: where every resource goes and in which role.
//!
//! [`place`] takes the CIB (for its constraints section) and the
//! [`ClusterState`] that [`crate::unpack()`] derived from it, and returns a
//! [`Placement`]: what Pacemaker 2.1.5 decides between `cluster_status()`
//! and action creation (`pcmk__schedule_actions`: node health, constraint
//! unpacking, location constraints, stickiness, failure bans, shutdown
//! locks, internal colocations, assignment of primitives, groups, clones,
//! bundles and remote connections, and the promotion of promotable clone
//! instances).
//!
//! ```
//! let xml = r#"<cib><configuration><crm_config><cluster_property_set id="o">
//!     <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
//!   <nodes><node id="1" uname="n1"/></nodes>
//!   <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
//!   <constraints/></configuration>
//!   <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"#;
//! let (cib, _) = cib::Cib::from_xml_lenient(xml).unwrap();
//! let state = scheduler::unpack(&cib, 0);
//! let placement = scheduler::placement::place(&cib, &state);
//! let ip = scheduler::state::RscId(0);
//! assert_eq!(placement.rsc(ip).node, Some(scheduler::state::NodeId(0)));
//! assert_eq!(placement.rsc(ip).next_role, scheduler::state::Role::Started);
//! assert_eq!(
//!     scheduler::placement::score_text(&placement),
//!     "pcmk__primitive_assign: ip allocation score on n1: 0\n"
//! );
//! ```
//!
//! # The contract (what later stages may rely on)
//!
//! - [`Placement::resources`] has one entry per resource of
//!   [`ClusterState::resources`], at the same index ([`RscId`]), orphans and
//!   clone instances included. For a primitive, [`RscPlacement::node`] is the
//!   node it is assigned to (`allocated_to`; `None`: it will be stopped) and
//!   [`RscPlacement::next_role`] the role it should have there (never
//!   `Unknown` for primitives once placement is real). Collective resources
//!   (groups, clones, bundles) carry the `next_role` Pacemaker leaves on them
//!   and `node: None` unless Pacemaker assigns them as a whole.
//! - [`RscPlacement::role`] is the current role as placement leaves it:
//!   Pacemaker turns `Started` into `Unpromoted` for promotable clone
//!   instances while choosing roles, and a group takes its first member's.
//! - [`RscPlacement::managed`] and [`RscPlacement::blocked`] are the final
//!   flags: assignment unmanages everything when fencing is enabled without a
//!   fencing device, and a ticket with `loss-policy=freeze` blocks.
//! - [`RscPlacement::children`] is the order Pacemaker's lists end up in
//!   (clone instances are re-sorted for assignment and again by promotion
//!   priority); action creation walks children in this order.
//!   [`Placement::order`] is the top-level order (re-sorted when the
//!   placement strategy is not `default`).
//! - [`Placement::nodes`] holds what placement changes about nodes: a remote
//!   or guest node whose connection is assigned comes online, one whose
//!   connection stops is shutting down, and a lost ticket with
//!   `loss-policy=fence` fences the nodes running its resources.
//! - [`Placement::constraints`] are the unpacked constraints: locations,
//!   colocations (configured and internal, with each resource's "this with"
//!   and "with this" lists in Pacemaker's sorted order), orderings in the
//!   order Pacemaker creates them (resource sets expanded as Pacemaker
//!   expands them, symmetrical inverses included, anti-colocation orderings
//!   included, internal orderings of resource kinds *not* included: those
//!   belong to action creation), and ticket dependencies.
//! - [`Placement::scores`] is the score log `crm_simulate -s` prints, in the
//!   order printed; [`score_text`] renders it.
//!
//! **Architecture Invariant:** pure and deterministic; nothing here does
//! I/O. Pacemaker's assignment is incremental (each assignment changes the
//! node counters and score tables the next one reads), so that mutation is
//! kept inside the assignment stage's own working tables and never touches
//! the input [`ClusterState`].

mod assign;
pub(crate) mod constraints;
mod criteria;
mod engine;
mod ghash;
mod promote;
mod utilization;

use std::collections::BTreeMap;
use std::sync::Arc;

use cib::{Cib, Score};

use crate::state::{ClusterState, NodeId, ResourceKind, Role, RscId};

/// The result of placement: one entry per resource and per node, the
/// unpacked constraints, and the score log.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// Indexed by [`RscId`], like [`ClusterState::resources`].
    pub resources: Vec<RscPlacement>,
    /// Indexed by [`NodeId`], like [`ClusterState::nodes`].
    pub nodes: Vec<NodePlacement>,
    /// Top-level resources in the order Pacemaker processes them after
    /// assignment (by priority, or by `pcmk__sort_resources` when the
    /// placement strategy is not `default`).
    pub order: Vec<RscId>,
    pub constraints: Constraints,
    /// The score lines `crm_simulate -s` prints, in print order.
    pub scores: Vec<ScoreLine>,
}

/// Where one resource goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RscPlacement {
    /// The node the resource is assigned to (`allocated_to`).
    pub node: Option<NodeId>,
    /// Current role as placement leaves it.
    pub role: Role,
    /// The role it should have on [`RscPlacement::node`].
    pub next_role: Role,
    /// The resource's allowed nodes with their final scores.
    pub allowed: BTreeMap<NodeId, Score>,
    pub managed: bool,
    pub blocked: bool,
    /// Priority after placement (clone instances of promotable clones: the
    /// promotion priority Pacemaker computed).
    pub priority: i32,
    /// Children in Pacemaker's final list order.
    pub children: Vec<RscId>,
    /// Colocations where this resource is the dependent ("this with"),
    /// indexes into [`Constraints::colocations`], in Pacemaker's order.
    pub this_with: Vec<usize>,
    /// Colocations where this resource is the primary ("with this").
    pub with_this: Vec<usize>,
    /// `resource-discovery` of each allowed node (`rsc_discover_mode` of
    /// the allowed-node entry) where it is not `always`.
    pub discovery: BTreeMap<NodeId, Discovery>,
    /// A location constraint with `resource-discovery=exclusive` applies
    /// to the resource.
    pub exclusive_discover: bool,
    /// Assignment gave the primitive no node at some point
    /// (`pcmk__finalize_assignment` with none, which marks the actions that
    /// exist then), even if a later assignment (an unmanaged resource's
    /// current node) gave it one.
    pub finalized_to_none: bool,
}

/// What placement changes about a node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodePlacement {
    pub online: bool,
    pub shutdown: bool,
    pub unclean: bool,
    /// Fencing that placement asks for (a lost ticket with
    /// `loss-policy=fence`), with Pacemaker's reason.
    pub fence_reason: Option<String>,
    /// Primitives assigned here.
    pub assigned: Vec<RscId>,
}

/// Every constraint, unpacked (configured ones, and the internal ones
/// placement creates).
#[derive(Clone, Debug, Default)]
pub struct Constraints {
    /// In the order Pacemaker applies them.
    pub locations: Vec<Location>,
    /// The earliest future time (epoch seconds, 0: none) a date in a
    /// location rule changes its result, or a shutdown lock expires
    /// (`pe__update_recheck_time`).
    pub recheck_by: i64,
    /// In creation order (the index is the colocation's handle).
    pub colocations: Vec<Colocation>,
    /// In creation order.
    pub orderings: Vec<Ordering>,
    pub tickets: Vec<RscTicket>,
}

/// `resource-discovery` of a location constraint; later values win.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Discovery {
    #[default]
    Always,
    Never,
    Exclusive,
}

/// One location preference (`pe__location_t`): a constraint, one rule of a
/// constraint, or a generated one (node health).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub id: String,
    pub rsc: RscId,
    /// Applies only while the resource's next role is this (`Unknown`: any).
    pub role_filter: Role,
    pub discovery: Discovery,
    /// The nodes and the score each gets, in Pacemaker's list order.
    pub nodes: Vec<(NodeId, Score)>,
}

/// One colocation (`pcmk__colocation_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Colocation {
    pub id: String,
    pub dependent: RscId,
    pub primary: RscId,
    pub score: Score,
    /// `Unknown` when the constraint names no role (or `Started`).
    pub dependent_role: Role,
    pub primary_role: Role,
    /// Node attribute to colocate by (`None`: the node itself).
    pub node_attribute: Option<String>,
    pub influence: bool,
}

/// One ordering (`pe__ordering_t`) as a constraint creates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ordering {
    /// The constraint (or set) it came from.
    pub id: String,
    pub first: OrderAction,
    pub then: OrderAction,
    pub flags: OrderFlags,
}

/// One end of an ordering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderAction {
    /// A resource's action, named by its task (`start`, `stop`, `promote`,
    /// `demote`, or another task a constraint names), interval 0.
    Rsc { rsc: RscId, task: String },
    /// A pseudo-action that is runnable once `required_runnable` of its
    /// inputs are (`clone-one-or-more:<id>` for `clone-min`,
    /// `one-or-more:<set id>` for `require-all=false`).
    Pseudo {
        name: String,
        required_runnable: i32,
    },
}

/// Pacemaker's `enum pe_ordering` bits, with its values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFlags(pub u32);

impl OrderFlags {
    pub const NONE: OrderFlags = OrderFlags(0x0);
    pub const OPTIONAL: OrderFlags = OrderFlags(0x1);
    pub const APPLY_FIRST_NON_MIGRATABLE: OrderFlags = OrderFlags(0x2);
    pub const IMPLIES_FIRST: OrderFlags = OrderFlags(0x10);
    pub const IMPLIES_THEN: OrderFlags = OrderFlags(0x20);
    pub const PROMOTED_IMPLIES_FIRST: OrderFlags = OrderFlags(0x40);
    pub const IMPLIES_FIRST_MIGRATABLE: OrderFlags = OrderFlags(0x80);
    pub const RUNNABLE_LEFT: OrderFlags = OrderFlags(0x100);
    pub const PSEUDO_LEFT: OrderFlags = OrderFlags(0x200);
    pub const IMPLIES_THEN_ON_NODE: OrderFlags = OrderFlags(0x400);
    pub const PROBE: OrderFlags = OrderFlags(0x800);
    pub const RESTART: OrderFlags = OrderFlags(0x1000);
    pub const SERIALIZE_ONLY: OrderFlags = OrderFlags(0x4000);
    pub const SAME_NODE: OrderFlags = OrderFlags(0x8000);
    pub const IMPLIES_FIRST_PRINTED: OrderFlags = OrderFlags(0x10000);
    pub const IMPLIES_THEN_PRINTED: OrderFlags = OrderFlags(0x20000);
    pub const ASYMMETRICAL: OrderFlags = OrderFlags(0x100000);
    pub const LOAD: OrderFlags = OrderFlags(0x200000);
    pub const ONE_OR_MORE: OrderFlags = OrderFlags(0x400000);
    pub const ANTI_COLOCATION: OrderFlags = OrderFlags(0x800000);
    pub const PRESERVE: OrderFlags = OrderFlags(0x1000000);
    pub const THEN_CANCELS_FIRST: OrderFlags = OrderFlags(0x2000000);

    pub fn contains(self, other: OrderFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for OrderFlags {
    type Output = OrderFlags;
    fn bitor(self, rhs: OrderFlags) -> OrderFlags {
        OrderFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for OrderFlags {
    fn bitor_assign(&mut self, rhs: OrderFlags) {
        self.0 |= rhs.0;
    }
}

/// What losing a ticket does (`loss-policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossPolicy {
    Stop,
    Demote,
    Fence,
    Freeze,
}

/// A resource's dependency on a ticket (`rsc_ticket_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RscTicket {
    pub id: String,
    pub rsc: RscId,
    pub ticket: String,
    pub granted: bool,
    pub standby: bool,
    /// `Unknown`: any role.
    pub role: Role,
    pub loss_policy: LossPolicy,
}

/// One line of the score log. There is a line per resource and node for
/// each assignment step, so names are shared (`Arc<str>`), not copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScoreLine {
    /// `<func>: <rsc> allocation score on <node>: <score>`.
    Allocation {
        func: &'static str,
        rsc: Arc<str>,
        node: Arc<str>,
        score: Score,
    },
    /// `<rsc> promotion score on <node|none>: <score>`.
    Promotion {
        rsc: Arc<str>,
        node: Option<Arc<str>>,
        score: Score,
    },
}

impl std::fmt::Display for ScoreLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScoreLine::Allocation {
                func,
                rsc,
                node,
                score,
            } => write!(f, "{func}: {rsc} allocation score on {node}: {score}"),
            ScoreLine::Promotion { rsc, node, score } => write!(
                f,
                "{rsc} promotion score on {}: {score}",
                node.as_deref().unwrap_or("none")
            ),
        }
    }
}

impl Placement {
    pub fn rsc(&self, id: RscId) -> &RscPlacement {
        &self.resources[id.0]
    }

    pub fn node(&self, id: NodeId) -> &NodePlacement {
        &self.nodes[id.0]
    }
}

/// The score log as text, one line each (what `crm_simulate -sQ` prints).
pub fn score_text(placement: &Placement) -> String {
    let mut out = String::new();
    for line in &placement.scores {
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// Decides where every resource goes: see the module documentation for
/// what the result promises.
///
/// The stages, in Pacemaker's order: node health and constraints are
/// unpacked ([`constraints`]), node criteria applied (shutdown locks,
/// location constraints, stickiness, failure bans, exclusive discovery) and
/// the internal colocations created ([`criteria`]), then resources are
/// assigned ([`assign`], with [`promote`] choosing promotable roles and
/// [`utilization`] applying placement strategies).
pub fn place(cib: &Cib, state: &ClusterState) -> Placement {
    place_with(cib, state, &|_, _| false)
}

/// [`place`], told which fail counts Pacemaker has already scheduled to be
/// cleared when it checks failures against `migration-threshold`
/// (`failcount_clear_action_exists`): a fail count that is being cleared
/// bans nothing. The state lists the clearings unpacking decides alone
/// ([`ImpliedAction::ClearFailcount`](crate::state::ImpliedAction)); the
/// ones that need operation digests (a failure whose resource parameters
/// changed since, [`ImpliedAction::ParamCheck`](crate::state::ImpliedAction))
/// come from the caller as `cleared(rsc, node)`, e.g. from
/// [`crate::actions::scheduled_failcount_clears`]. [`place`] assumes none.
pub fn place_with(
    cib: &Cib,
    state: &ClusterState,
    cleared: &dyn Fn(RscId, NodeId) -> bool,
) -> Placement {
    place_logging(cib, state, cleared, true)
}

/// [`place_with`], keeping the score log ([`Placement::scores`]) only when
/// `scores` is set: it has a line per resource and node for each
/// assignment step, which only `-s` prints.
pub fn place_logging(
    cib: &Cib,
    state: &ClusterState,
    cleared: &dyn Fn(RscId, NodeId) -> bool,
    scores: bool,
) -> Placement {
    let unpacked = constraints::unpack(cib, state);
    let mut e = engine::Engine::new(cib, state, &unpacked, cleared);
    e.log_scores = scores;
    e.apply_node_criteria();
    e.internal_constraints();
    e.allocate_resources();
    finish(e, unpacked)
}

/// Turns the working tables into the result.
fn finish(e: engine::Engine<'_>, unpacked: constraints::Unpacked) -> Placement {
    let st = e.st;
    let resources =
        e.r.iter()
            .enumerate()
            .map(|(i, w)| {
                let node = w.allocated.map(|a| a.0);
                let mut next_role = w.next_role;
                if next_role == Role::Unknown && st.resources[i].is_primitive() {
                    next_role = if node.is_some() {
                        Role::Started
                    } else {
                        Role::Stopped
                    };
                }
                RscPlacement {
                    node,
                    role: w.role,
                    next_role,
                    allowed: w
                        .allowed
                        .iter()
                        .map(|(&n, en)| (n, Score::from_i64(en.weight as i64)))
                        .collect(),
                    managed: w.managed,
                    blocked: w.blocked,
                    priority: w.priority,
                    children: w.children.clone(),
                    this_with: w.this_with.clone(),
                    with_this: w.with_this.clone(),
                    discovery: w
                        .allowed
                        .iter()
                        .filter(|(_, en)| en.discover != Discovery::Always)
                        .map(|(&n, en)| (n, en.discover))
                        .collect(),
                    exclusive_discover: w.exclusive_discover,
                    finalized_to_none: w.finalized_to_none,
                }
            })
            .collect();
    let nodes =
        e.n.iter()
            .map(|w| NodePlacement {
                online: w.online,
                shutdown: w.shutdown,
                unclean: w.unclean,
                fence_reason: w.fence_reason.clone(),
                assigned: w.assigned.clone(),
            })
            .collect();
    let mut cons = unpacked.constraints;
    cons.colocations = e.colocations;
    cons.recheck_by = crate::state::earliest_recheck(cons.recheck_by, e.lock_recheck_by);
    Placement {
        resources,
        nodes,
        order: e.order,
        constraints: cons,
        scores: e.log,
    }
}

/// Every resource stays where it is, in its current role (kept for tests
/// that want a placement without decisions).
#[allow(dead_code)]
fn keep_in_place(state: &ClusterState) -> Placement {
    let resources = state
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = RscId(i);
            let node = match r.kind {
                ResourceKind::Primitive(_) => state.current_node(id),
                _ => None,
            };
            let next_role = match r.next_role {
                Role::Unknown => r.role,
                other => other,
            };
            RscPlacement {
                node,
                role: r.role,
                next_role,
                allowed: r.allowed_nodes.clone(),
                managed: r.flags.managed,
                blocked: r.flags.block,
                priority: r.priority,
                children: r.children.clone(),
                this_with: Vec::new(),
                with_this: Vec::new(),
                discovery: BTreeMap::new(),
                exclusive_discover: r.flags.exclusive_discover,
                finalized_to_none: false,
            }
        })
        .collect();
    let mut nodes: Vec<NodePlacement> = state
        .nodes
        .iter()
        .map(|n| NodePlacement {
            online: n.online,
            shutdown: n.shutdown,
            unclean: n.unclean,
            fence_reason: None,
            assigned: Vec::new(),
        })
        .collect();
    for (i, r) in state.resources.iter().enumerate() {
        if let (ResourceKind::Primitive(_), Some(n)) = (&r.kind, state.current_node(RscId(i))) {
            nodes[n.0].assigned.push(RscId(i));
        }
    }
    Placement {
        resources,
        nodes,
        order: state.top.clone(),
        constraints: Constraints::default(),
        scores: Vec::new(),
    }
}
