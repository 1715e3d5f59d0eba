//! The assignment stage's working tables and the node-criteria steps that
//! prepare them (`apply_node_criteria`, internal colocations).
//!
//! Pacemaker's assignment is incremental: assigning one resource changes
//! the score tables and node counters the next assignment reads (colocation
//! scores are applied to a dependent once its primary is placed, a node's
//! count of assigned resources breaks ties, a clone's per-node instance
//! counts limit the next instance). Reproducing the same decisions needs
//! the same sequence of edits, so this stage keeps one set of working
//! tables ([`Engine`]) that only it mutates, built from the immutable
//! [`ClusterState`] and consumed into a [`super::Placement`] at the end.
//!
//! Scores here are plain `i32`s with Pacemaker's addition ([`add`]) because
//! one step (`INFINITY_HACK`) briefly stores a value beyond -INFINITY.

use std::collections::BTreeMap;

use cib::Cib;

use super::constraints::Unpacked;
use super::{Colocation, Discovery, Location, RscTicket, ScoreLine};
use crate::state::{ClusterState, NodeId, NodeKind, ResourceKind, Role, RscId};
use crate::util::eq_ci;

pub(crate) const INF: i32 = cib::score::INFINITY_VALUE;
/// Marks a node as unusable while merging colocated scores.
pub(crate) const INFINITY_HACK: i32 = INF * -100;

/// `pcmk__add_scores`.
pub(crate) fn add(a: i32, b: i32) -> i32 {
    if a <= -INF || b <= -INF {
        -INF
    } else if a >= INF || b >= INF {
        INF
    } else {
        (a as i64 + b as i64).clamp(-INF as i64, INF as i64) as i32
    }
}

/// One node in a resource's allowed-node table (a `pe_node_t` copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub weight: i32,
    pub count: i32,
    pub discover: Discovery,
}

pub(crate) type Table = BTreeMap<NodeId, Entry>;

/// A resource's working data.
#[derive(Clone, Debug)]
pub(crate) struct WRsc {
    pub allowed: Table,
    pub provisional: bool,
    pub allocating: bool,
    pub merging: bool,
    /// The node assigned, with the entry as it was copied then.
    pub allocated: Option<(NodeId, Entry)>,
    pub role: Role,
    pub next_role: Role,
    pub priority: i32,
    pub sort_index: i32,
    pub managed: bool,
    pub blocked: bool,
    pub children: Vec<RscId>,
    /// Colocations where this is the dependent (`rsc_cons`).
    pub this_with: Vec<usize>,
    /// Colocations where this is the primary (`rsc_cons_lhs`).
    pub with_this: Vec<usize>,
    /// Location constraints naming this resource, newest first.
    pub locations: Vec<usize>,
    pub tickets: Vec<usize>,
    pub exclusive_discover: bool,
    pub promotion_added: bool,
    pub promotion_constrained: bool,
    pub utilization: BTreeMap<String, String>,
    pub lock_node: Option<NodeId>,
    /// Assignment finalized it to no node at least once (its existing
    /// actions were marked then, even if it was assigned again later).
    pub finalized_to_none: bool,
}

/// A node's working data.
#[derive(Clone, Debug)]
pub(crate) struct WNode {
    pub online: bool,
    pub shutdown: bool,
    pub unclean: bool,
    pub standby: bool,
    pub maintenance: bool,
    pub num_resources: i32,
    /// Remaining capacity.
    pub utilization: BTreeMap<String, i64>,
    pub assigned: Vec<RscId>,
    pub fence_reason: Option<String>,
}

/// Flags of `enum pcmk__coloc_select`.
pub(crate) const SELECT_THIS_WITH: u32 = 1;
pub(crate) const SELECT_NONNEGATIVE: u32 = 2;
pub(crate) const SELECT_ACTIVE: u32 = 4;

pub(crate) struct Engine<'a> {
    pub cib: &'a Cib,
    pub st: &'a ClusterState,
    pub r: Vec<WRsc>,
    pub n: Vec<WNode>,
    pub colocations: Vec<Colocation>,
    pub locations: Vec<Location>,
    pub tickets: Vec<RscTicket>,
    pub log: Vec<ScoreLine>,
    /// Whether to keep the score log at all.
    pub log_scores: bool,
    /// Node names as the score log shares them, made on first use.
    pub node_names: Vec<Option<std::sync::Arc<str>>>,
    /// Top-level resources in processing order.
    pub order: Vec<RscId>,
    pub have_remote_nodes: bool,
    /// Fail counts the history already clears (resource, node).
    pub clearing_failcount: std::collections::BTreeSet<(RscId, NodeId)>,
    /// Fail counts the caller knows are being cleared.
    pub cleared: &'a dyn Fn(RscId, NodeId) -> bool,
    /// While instances are sorted (and nothing they are compared by
    /// changes): each instance's weight on its current node with its
    /// parent's colocations applied, so that a sort computes it once per
    /// instance rather than once per comparison.
    pub colocated_weights: Option<std::collections::HashMap<(RscId, NodeId), i32>>,
    /// When the first shutdown lock expires (epoch seconds, 0: none).
    pub lock_recheck_by: i64,
}

impl<'a> Engine<'a> {
    pub fn new(
        cib: &'a Cib,
        st: &'a ClusterState,
        un: &Unpacked,
        cleared: &'a dyn Fn(RscId, NodeId) -> bool,
    ) -> Engine<'a> {
        let ix = crate::unpack::nvsets::IdIndex::build(cib);
        let mut r: Vec<WRsc> = st
            .resources
            .iter()
            .map(|res| {
                let allowed = res
                    .allowed_nodes
                    .iter()
                    .map(|(&n, &w)| {
                        (
                            n,
                            Entry {
                                weight: w.value(),
                                count: 0,
                                discover: if st.node(n).discover_never {
                                    Discovery::Never
                                } else {
                                    Discovery::Always
                                },
                            },
                        )
                    })
                    .collect();
                let mut utilization = BTreeMap::new();
                if let ResourceKind::Primitive(p) = &res.kind {
                    if let Some(cfg) = &p.config {
                        let ctx = crate::unpack::rules::RuleCtx::new(st.now);
                        crate::unpack::nvsets::unpack_sets(
                            &ix,
                            &cfg.utilization,
                            &ctx,
                            &mut utilization,
                            false,
                            None,
                        );
                    }
                }
                WRsc {
                    allowed,
                    provisional: true,
                    allocating: false,
                    merging: false,
                    allocated: None,
                    role: res.role,
                    next_role: res.next_role,
                    priority: res.priority,
                    sort_index: 0,
                    managed: res.flags.managed,
                    blocked: res.flags.block,
                    children: res.children.clone(),
                    this_with: Vec::new(),
                    with_this: Vec::new(),
                    locations: Vec::new(),
                    tickets: Vec::new(),
                    exclusive_discover: res.flags.exclusive_discover,
                    promotion_added: false,
                    promotion_constrained: false,
                    utilization,
                    lock_node: res.lock_node,
                    finalized_to_none: false,
                }
            })
            .collect();
        // Bundle replica nodes are exclusive to their replica's instance.
        for res in &st.resources {
            if let ResourceKind::Bundle(b) = &res.kind {
                for rep in &b.replicas {
                    if let (Some(child), Some(node)) = (rep.child, rep.node) {
                        if let Some(e) = r[child.0].allowed.get_mut(&node) {
                            e.discover = Discovery::Exclusive;
                        }
                        if let Some(p) = st.rsc(child).parent {
                            if let Some(e) = r[p.0].allowed.get_mut(&node) {
                                e.discover = Discovery::Exclusive;
                            }
                        }
                    }
                }
            }
        }
        let n = st
            .nodes
            .iter()
            .map(|node| WNode {
                online: node.online,
                shutdown: node.shutdown,
                unclean: node.unclean,
                standby: node.standby,
                maintenance: node.maintenance,
                num_resources: 0,
                utilization: node
                    .utilization
                    .iter()
                    .map(|(k, v)| (k.clone(), utilization_value(v)))
                    .collect(),
                assigned: Vec::new(),
                fence_reason: None,
            })
            .collect();
        let have_remote_nodes = st.nodes.iter().any(|n| n.kind == NodeKind::Remote)
            || st.resources.iter().any(|r| r.is_remote_node);
        let mut e = Engine {
            cib,
            st,
            r: Vec::new(),
            n,
            colocations: Vec::new(),
            locations: un.constraints.locations.clone(),
            tickets: un.constraints.tickets.clone(),
            log: Vec::new(),
            log_scores: true,
            node_names: vec![None; st.nodes.len()],
            order: st.top.clone(),
            have_remote_nodes,
            clearing_failcount: st
                .implied
                .iter()
                .filter_map(|a| match a {
                    crate::state::ImpliedAction::ClearFailcount { rsc, node, .. } => {
                        Some((*rsc, *node))
                    }
                    _ => None,
                })
                .collect(),
            cleared,
            colocated_weights: None,
            lock_recheck_by: 0,
        };
        std::mem::swap(&mut e.r, &mut r);
        for (i, l) in e.locations.iter().enumerate() {
            e.r[l.rsc.0].locations.insert(0, i);
            if l.discovery == Discovery::Exclusive {
                e.r[l.rsc.0].exclusive_discover = true;
            }
        }
        for (i, t) in e.tickets.iter().enumerate() {
            e.r[t.rsc.0].tickets.push(i);
        }
        for c in &un.constraints.colocations {
            e.new_colocation(c.clone());
        }
        for &rsc in &un.bans {
            e.resource_location_all(rsc, -INF);
        }
        for &rsc in &un.frozen {
            e.r[rsc.0].managed = false;
            e.r[rsc.0].blocked = true;
        }
        for (node, reason) in &un.fenced {
            let w = &mut e.n[node.0];
            if !w.unclean {
                w.unclean = true;
                w.fence_reason = Some(reason.clone());
            }
        }
        e
    }

    // -- small accessors ----------------------------------------------------

    pub fn kind(&self, rsc: RscId) -> &'a ResourceKind {
        &self.st.rsc(rsc).kind
    }

    pub fn is_group(&self, rsc: RscId) -> bool {
        matches!(self.kind(rsc), ResourceKind::Group)
    }

    pub fn is_clone(&self, rsc: RscId) -> bool {
        matches!(self.kind(rsc), ResourceKind::Clone(_))
    }

    /// Pacemaker's variant number (native < group < clone < bundle).
    pub fn variant(&self, rsc: RscId) -> u8 {
        match self.kind(rsc) {
            ResourceKind::Primitive(_) => 0,
            ResourceKind::Group => 1,
            ResourceKind::Clone(_) => 2,
            ResourceKind::Bundle(_) => 3,
        }
    }

    pub fn parent(&self, rsc: RscId) -> Option<RscId> {
        self.st.rsc(rsc).parent
    }

    pub fn id(&self, rsc: RscId) -> &'a str {
        &self.st.rsc(rsc).id
    }

    pub fn promotable(&self, rsc: RscId) -> bool {
        self.st.rsc(rsc).flags.promotable
    }

    pub fn uber_parent(&self, rsc: RscId) -> RscId {
        self.st.uber_parent(rsc)
    }

    /// `pe_rsc_is_clone`.
    pub fn rsc_is_clone(&self, rsc: Option<RscId>) -> bool {
        rsc.is_some_and(|r| self.is_clone(r))
    }

    /// A group's `collocated` meta-attribute (default true).
    pub fn group_colocated(&self, rsc: RscId) -> bool {
        group_flag(self.st, rsc, "collocated")
    }

    pub fn attr(&self, node: NodeId, name: &str) -> Option<&'a str> {
        self.st.node(node).attrs.get(name).map(String::as_str)
    }

    /// `pcmk__node_available` for a node with `weight`.
    pub fn available(&self, node: NodeId, weight: i32, consider_score: bool, guest: bool) -> bool {
        let w = &self.n[node.0];
        if !w.online || w.shutdown || w.unclean || w.standby || w.maintenance {
            return false;
        }
        if consider_score && weight < 0 {
            return false;
        }
        if guest && self.st.is_guest_node(node) {
            if let Some(conn) = self.st.node(node).remote_rsc {
                if let Some(container) = self.st.rsc(conn).container {
                    if self.location(container).is_none() {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// A node's own weight (the data set's node object).
    pub fn node_weight(&self, node: NodeId) -> i32 {
        self.st.node(node).weight.value()
    }

    pub fn any_node_available(&self, table: &Table) -> bool {
        table
            .iter()
            .any(|(&n, e)| self.available(n, e.weight, true, false))
    }

    /// `pe__current_node`.
    pub fn current_node(&self, rsc: RscId) -> Option<NodeId> {
        self.st.current_node(rsc)
    }

    /// `fns->location(rsc, NULL, FALSE)`: the single node the resource (or
    /// all of its descendants) is assigned to, with the assigned entry.
    pub fn location(&self, rsc: RscId) -> Option<(NodeId, Entry)> {
        let mut list = Vec::new();
        self.locations_into(rsc, &mut list);
        if list.len() == 1 {
            list.pop()
        } else {
            None
        }
    }

    /// All nodes the resource's descendants are assigned to (deduplicated,
    /// first copy kept).
    pub fn locations_into(&self, rsc: RscId, out: &mut Vec<(NodeId, Entry)>) {
        let children = &self.r[rsc.0].children;
        if !children.is_empty() {
            for &c in children {
                self.locations_into(c, out);
            }
            return;
        }
        if let Some(a) = self.r[rsc.0].allocated {
            if !out.iter().any(|(n, _)| *n == a.0) {
                out.push(a);
            }
        }
    }

    /// `fns->state(rsc, current)`.
    pub fn state_role(&self, rsc: RscId, current: bool) -> Role {
        match self.kind(rsc) {
            ResourceKind::Primitive(_) => {
                if current {
                    self.r[rsc.0].role
                } else {
                    self.r[rsc.0].next_role
                }
            }
            ResourceKind::Group | ResourceKind::Clone(_) => self.r[rsc.0]
                .children
                .iter()
                .map(|&c| self.state_role(c, current))
                .max()
                .unwrap_or(Role::Unknown),
            ResourceKind::Bundle(_) => Role::Unknown,
        }
    }

    /// `is_set_recursive(rsc, pe_rsc_block, TRUE)`.
    pub fn blocked_recursive(&self, rsc: RscId) -> bool {
        self.r[rsc.0].blocked
            || self.r[rsc.0]
                .children
                .iter()
                .any(|&c| self.blocked_recursive(c))
    }

    /// `pcmk__top_allowed_node`: the parent's (or own) entry for a node.
    pub fn top_allowed(&self, rsc: RscId, node: NodeId) -> Option<(RscId, NodeId)> {
        let owner = self.parent(rsc).unwrap_or(rsc);
        self.r[owner.0]
            .allowed
            .contains_key(&node)
            .then_some((owner, node))
    }

    // -- score edits --------------------------------------------------------

    /// `resource_node_score` (and `resource_location` for one node).
    pub fn resource_location(&mut self, rsc: RscId, node: NodeId, score: i32) {
        for c in self.r[rsc.0].children.clone() {
            self.resource_location(c, node, score);
        }
        let weight = self.node_weight(node);
        let discover = if self.st.node(node).discover_never {
            Discovery::Never
        } else {
            Discovery::Always
        };
        let e = self.r[rsc.0].allowed.entry(node).or_insert(Entry {
            weight,
            count: 0,
            discover,
        });
        e.weight = add(e.weight, score);
    }

    /// `resource_location` with no node: every node of the cluster.
    pub fn resource_location_all(&mut self, rsc: RscId, score: i32) {
        for &n in &self.st.node_order {
            self.resource_location(rsc, n, score);
        }
        if score <= -INF {
            if let Some((node, _)) = self.r[rsc.0].allocated {
                self.r[rsc.0].allocated = None;
                let w = &mut self.n[node.0];
                w.assigned.retain(|&x| x != rsc);
            }
        }
    }

    /// `common_update_score`.
    pub fn common_update_score(&mut self, rsc: RscId, node: NodeId, score: i32) {
        if let Some(e) = self.r[rsc.0].allowed.get_mut(&node) {
            e.weight = add(e.weight, score);
        }
        for c in self.r[rsc.0].children.clone() {
            self.common_update_score(c, node, score);
        }
    }

    // -- colocation lists ---------------------------------------------------

    /// `pcmk__new_colocation` for the lists (the orderings were made when
    /// the constraint was unpacked).
    pub fn new_colocation(&mut self, c: Colocation) -> usize {
        let idx = self.colocations.len();
        let (d, p) = (c.dependent, c.primary);
        self.colocations.push(c);
        self.add_this_with(d, idx);
        self.add_with_this(p, idx);
        idx
    }

    fn cmp_rsc_priority(&self, a: RscId, b: RscId) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        let (ra, rb) = (&self.r[a.0], &self.r[b.0]);
        if ra.priority > rb.priority {
            return Less;
        }
        if ra.priority < rb.priority {
            return Greater;
        }
        let (va, vb) = (self.variant(a), self.variant(b));
        if va > vb {
            return Less;
        }
        if va < vb {
            return Greater;
        }
        if va == 2 {
            let (pa, pb) = (self.promotable(a), self.promotable(b));
            if pa && !pb {
                return Less;
            }
            if !pa && pb {
                return Greater;
            }
        }
        self.id(a).cmp(self.id(b))
    }

    /// `pcmk__add_this_with`: sorted by the primary's priority.
    pub fn add_this_with(&mut self, rsc: RscId, coloc: usize) {
        let new_p = self.colocations[coloc].primary;
        let list = &self.r[rsc.0].this_with;
        let pos = list
            .iter()
            .position(|&old| {
                self.cmp_rsc_priority(new_p, self.colocations[old].primary)
                    != std::cmp::Ordering::Greater
            })
            .unwrap_or(list.len());
        self.r[rsc.0].this_with.insert(pos, coloc);
    }

    /// `pcmk__add_with_this`: sorted by the dependent's priority.
    pub fn add_with_this(&mut self, rsc: RscId, coloc: usize) {
        let new_d = self.colocations[coloc].dependent;
        let list = &self.r[rsc.0].with_this;
        let pos = list
            .iter()
            .position(|&old| {
                self.cmp_rsc_priority(new_d, self.colocations[old].dependent)
                    != std::cmp::Ordering::Greater
            })
            .unwrap_or(list.len());
        self.r[rsc.0].with_this.insert(pos, coloc);
    }

    /// `pcmk__colocation_has_influence`.
    pub fn has_influence(&self, coloc: usize, rsc: Option<RscId>) -> bool {
        let c = &self.colocations[coloc];
        let rsc = rsc.unwrap_or(c.primary);
        let r = self.st.rsc(rsc);
        if self.allows_remote_remotes(c.dependent) && !r.flags.failed && r.running_on.len() == 1 {
            return false;
        }
        c.influence || r.running_on.is_empty()
    }

    /// `pe_rsc_allow_remote_remotes`: a bundle replica's connection.
    pub fn allows_remote_remotes(&self, rsc: RscId) -> bool {
        let Some(p) = self.parent(rsc) else {
            return false;
        };
        match self.kind(p) {
            ResourceKind::Bundle(b) => b.replicas.iter().any(|rep| rep.remote == Some(rsc)),
            _ => false,
        }
    }

    // -- score log ----------------------------------------------------------

    /// A node's name for the score log.
    pub fn node_name(&mut self, n: NodeId) -> std::sync::Arc<str> {
        let uname = &self.st.node(n).uname;
        match self.node_names.get_mut(n.0) {
            Some(Some(name)) => name.clone(),
            Some(slot) => slot.insert(uname.as_str().into()).clone(),
            None => uname.as_str().into(),
        }
    }

    /// `pe__show_node_weights` to the output: the resource's table, then
    /// each child's, skipping orphans.
    pub fn show_scores(&mut self, func: &'static str, rsc: RscId) {
        if !self.log_scores || self.st.rsc(rsc).flags.orphan {
            return;
        }
        let mut nodes: Vec<(NodeId, i32)> = self.r[rsc.0]
            .allowed
            .iter()
            .map(|(&n, e)| (n, e.weight))
            .collect();
        nodes.sort_by(|a, b| {
            crate::util::numeric_strcasecmp(&self.st.node(a.0).uname, &self.st.node(b.0).uname)
        });
        let id: std::sync::Arc<str> = self.id(rsc).into();
        for (n, w) in nodes {
            let node = self.node_name(n);
            self.log.push(ScoreLine::Allocation {
                func,
                rsc: id.clone(),
                node,
                score: cib::Score::from_i64(w as i64),
            });
        }
        for c in self.r[rsc.0].children.clone() {
            self.show_scores(func, c);
        }
    }
}

/// `utilization_value`: an integer, 0 when not one.
pub(crate) fn utilization_value(s: &str) -> i64 {
    crate::util::parse_int(Some(s), 0)
}

/// A group flag (`ordered`, `collocated`): true unless explicitly false.
pub(crate) fn group_flag(st: &ClusterState, rsc: RscId, name: &str) -> bool {
    match st.rsc(rsc).meta.get(name) {
        None => true,
        Some(v) => cib::value::parse_bool(v) != Some(false),
    }
}

/// `pcmk__str_eq(a, b, pcmk__str_casei)`, where two missing values match.
pub(crate) fn str_eq_ci(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => eq_ci(a, b),
        _ => false,
    }
}
