//! The cluster state that [`crate::unpack`] derives from a CIB: what
//! Pacemaker calls the working set after `cluster_status()`.
//!
//! Plain data. Nodes and resources live in two arenas ([`ClusterState::nodes`],
//! [`ClusterState::resources`]) and refer to each other by index
//! ([`NodeId`], [`RscId`]), so the tree (parents, children, containers) and
//! the placement (which resource runs where) need no shared pointers.
//!
//! **Architecture Invariant:** nothing here is shaped for printing; the
//! printer in [`crate::summary`] reads this and decides how things look.

use std::collections::{BTreeMap, BTreeSet};

pub use cib::Role;
use cib::Score;

/// Index of a node in [`ClusterState::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// Index of a resource in [`ClusterState::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RscId(pub usize);

/// Everything known about the cluster after reading configuration and status.
#[derive(Clone, Debug, Default)]
pub struct ClusterState {
    /// "Now", in seconds since the epoch (execution-date, `-t`, or the clock).
    pub now: i64,
    pub options: ClusterOptions,
    pub have_quorum: bool,
    pub dc_uuid: Option<String>,
    /// Arena of all nodes (cluster, remote and guest), in creation order.
    pub nodes: Vec<Node>,
    /// The nodes sorted by name, the order Pacemaker lists them in.
    pub node_order: Vec<NodeId>,
    /// Arena of every resource, including clone instances, bundle replica
    /// parts, guest connections and orphans.
    pub resources: Vec<Resource>,
    /// Top-level resources in Pacemaker's order (by priority, then as
    /// configured, then orphans as found).
    pub top: Vec<RscId>,
    pub tickets: Vec<TicketState>,
    /// Failed operations, as the "Failed Resource Actions" list shows them.
    pub failed_ops: Vec<FailedOp>,
    /// Resource instances counted for the "N of M resource instances" line.
    pub counts: InstanceCounts,
    /// Actions the history already requires (stops of failed resources,
    /// fencing, fail-count clearing); the scheduler starts from these.
    pub implied: Vec<ImpliedAction>,
    /// Earliest time (epoch seconds, 0: none) the result may change by
    /// itself: the next unexpired failure's expiry (`pe__update_recheck_time`).
    pub recheck_by: i64,
}

impl ClusterState {
    /// `pe__update_recheck_time`: keep the earliest future recheck time.
    pub fn update_recheck(&mut self, recheck: i64) {
        if recheck > self.now {
            self.recheck_by = earliest_recheck(self.recheck_by, recheck);
        }
    }
}

/// The earlier of two recheck times (epoch seconds; 0 means none).
pub fn earliest_recheck(a: i64, b: i64) -> i64 {
    match (a, b) {
        (0, x) | (x, 0) => x,
        (a, b) => a.min(b),
    }
}

/// Cluster options (`crm_config`) that unpacking and printing depend on.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    pub stonith_enabled: bool,
    pub symmetric_cluster: bool,
    pub maintenance_mode: bool,
    pub stop_all_resources: bool,
    pub stop_orphan_resources: bool,
    pub stop_orphan_actions: bool,
    pub startup_fencing: bool,
    pub start_failure_is_fatal: bool,
    pub shutdown_lock: bool,
    /// Seconds a shutdown lock lasts (0: until the node comes back).
    pub shutdown_lock_limit_s: i64,
    pub no_quorum_policy: NoQuorumPolicy,
    pub node_health_strategy: HealthStrategy,
    /// At least one fencing device is configured (or SBD watchdog fencing).
    pub have_stonith_resource: bool,
    pub enable_unfencing: bool,
    pub cluster_name: Option<String>,
    pub placement_strategy: String,
    /// Every cluster option as evaluated, for later stages.
    pub all: BTreeMap<String, String>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            stonith_enabled: true,
            symmetric_cluster: true,
            maintenance_mode: false,
            stop_all_resources: false,
            stop_orphan_resources: true,
            stop_orphan_actions: true,
            startup_fencing: true,
            start_failure_is_fatal: true,
            shutdown_lock: false,
            shutdown_lock_limit_s: 0,
            no_quorum_policy: NoQuorumPolicy::Stop,
            node_health_strategy: HealthStrategy::None,
            have_stonith_resource: false,
            enable_unfencing: false,
            cluster_name: None,
            placement_strategy: "default".to_string(),
            all: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoQuorumPolicy {
    Ignore,
    Freeze,
    Stop,
    Demote,
    Suicide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStrategy {
    None,
    MigrateOnRed,
    OnlyGreen,
    Progressive,
    Custom,
}

/// What kind of node this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Member,
    /// Pacemaker Remote or guest node (guest when its connection has a container).
    Remote,
    /// Deprecated quorum-only node.
    Ping,
}

/// One node and what the status section says about it.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    pub uname: String,
    pub kind: NodeKind,
    /// Configured score (`score=` on `<node>`), or -INFINITY once offline.
    pub weight: Score,
    pub online: bool,
    pub unclean: bool,
    pub unseen: bool,
    pub pending: bool,
    pub standby: bool,
    pub standby_onfail: bool,
    pub maintenance: bool,
    pub shutdown: bool,
    pub expected_up: bool,
    pub is_dc: bool,
    pub rsc_discovery_enabled: bool,
    pub remote_requires_reset: bool,
    pub remote_was_fenced: bool,
    pub remote_maintenance: bool,
    /// Never probe or place anything here (bundle replica nodes).
    pub discover_never: bool,
    /// The connection resource of a remote or guest node.
    pub remote_rsc: Option<RscId>,
    /// Primitives active here, in the order they were found.
    pub running_rsc: Vec<RscId>,
    /// Node attributes (configured, transient, and the `#uname`-style ones).
    pub attrs: BTreeMap<String, String>,
    pub utilization: BTreeMap<String, String>,
    /// Its resource history has been read.
    pub unpacked: bool,
    /// Fencing was scheduled while unpacking, with this reason.
    pub fence_reason: Option<String>,
}

/// A ticket from the status section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketState {
    pub id: String,
    pub granted: bool,
    pub standby: bool,
    pub last_granted: Option<i64>,
}

/// The closed set of resource kinds, with what only that kind has.
#[derive(Clone, Debug)]
pub enum ResourceKind {
    Primitive(PrimitiveSpec),
    Group,
    Clone(CloneSpec),
    Bundle(BundleSpec),
}

/// A primitive's agent and configuration (after template expansion).
#[derive(Clone, Debug)]
pub struct PrimitiveSpec {
    /// `class` as written (`ocf`, `stonith`, `systemd`…).
    pub class: String,
    pub provider: Option<String>,
    pub agent: String,
    /// The configured primitive (template applied, operations resolved);
    /// `None` for orphans known only from history.
    pub config: Option<Box<cib::Primitive>>,
}

/// A clone's instance limits and what it clones.
#[derive(Clone, Debug)]
pub struct CloneSpec {
    /// Id of the cloned primitive or group as configured.
    pub child_id: String,
    pub clone_max: i64,
    pub clone_node_max: i64,
    pub promoted_max: i64,
    pub promoted_node_max: i64,
    pub ordered: bool,
    /// Instances created so far (instance numbers 0..total).
    pub total_clones: i64,
    /// The configuration instances (and orphan instances) are made from.
    pub template: Box<cib::Resource>,
}

/// A bundle's container settings and its replicas.
#[derive(Clone, Debug)]
pub struct BundleSpec {
    /// `docker`, `podman` or `rkt`.
    pub agent: String,
    pub image: String,
    pub nreplicas: i64,
    pub nreplicas_per_host: i64,
    pub promoted_max: i64,
    pub replicas: Vec<Replica>,
    /// The implicit clone of the bundled primitive, if there is one.
    pub child: Option<RscId>,
}

/// One bundle replica: its container and the parts that go with it.
#[derive(Clone, Debug)]
pub struct Replica {
    pub offset: i64,
    pub ipaddr: Option<String>,
    /// The bundled primitive's instance for this replica.
    pub child: Option<RscId>,
    pub container: RscId,
    pub ip: Option<RscId>,
    /// The connection to the replica's guest node.
    pub remote: Option<RscId>,
    pub node: Option<NodeId>,
}

/// How a resource active on several nodes is recovered (`multiple-active`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultipleActive {
    StopStart,
    StopOnly,
    Block,
    StopUnexpected,
}

/// Boolean properties of a resource (Pacemaker's `pe_rsc_*` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RscFlags {
    pub managed: bool,
    pub maintenance: bool,
    pub unique: bool,
    pub promotable: bool,
    pub orphan: bool,
    pub orphan_container_filler: bool,
    pub failed: bool,
    pub stop: bool,
    pub block: bool,
    pub failure_ignored: bool,
    pub start_pending: bool,
    pub notify: bool,
    pub critical: bool,
    pub allow_migrate: bool,
    pub fence_device: bool,
    pub needs_fencing: bool,
    pub needs_quorum: bool,
    pub needs_unfencing: bool,
    pub is_container: bool,
    pub exclusive_discover: bool,
}

/// One resource: a configured resource, a clone instance, a bundle part or
/// an orphan found only in the history.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Unique id (`rsc:1` for clone instances).
    pub id: String,
    /// The id as configured (`rsc` for every instance of an anonymous clone).
    pub xml_id: String,
    pub kind: ResourceKind,
    pub parent: Option<RscId>,
    pub children: Vec<RscId>,
    /// Meta-attributes as evaluated (own, inherited and defaults).
    pub meta: BTreeMap<String, String>,
    pub flags: RscFlags,
    pub description: Option<String>,
    /// Current role.
    pub role: Role,
    /// Role the history or configuration asks for next (Unknown: no opinion).
    pub next_role: Role,
    /// Nodes where it is active, in the order they were found.
    pub running_on: Vec<NodeId>,
    /// Nodes where its state is known from the history.
    pub known_on: BTreeSet<NodeId>,
    /// Nodes it may run on, with the scores unpacking gave them.
    pub allowed_nodes: BTreeMap<NodeId, Score>,
    /// A non-probe operation in flight, and where.
    pub pending_task: Option<String>,
    pub pending_node: Option<NodeId>,
    /// Shutdown lock: node and time.
    pub lock_node: Option<NodeId>,
    pub lock_time: Option<i64>,
    /// Name the history used, when it differs from `id` (anonymous clones).
    pub clone_name: Option<String>,
    pub partial_migration_source: Option<NodeId>,
    pub partial_migration_target: Option<NodeId>,
    pub dangling_migrations: Vec<NodeId>,
    /// The resource this one runs inside (guest connection → its VM).
    pub container: Option<RscId>,
    pub fillers: Vec<RscId>,
    /// It is the connection of a remote or guest node.
    pub is_remote_node: bool,
    pub priority: i32,
    pub stickiness: i32,
    pub migration_threshold: i32,
    pub failure_timeout_s: i64,
    pub remote_reconnect_ms: u64,
    pub recovery: MultipleActive,
}

impl Resource {
    pub fn is_primitive(&self) -> bool {
        matches!(self.kind, ResourceKind::Primitive(_))
    }

    pub fn target_role_meta(&self) -> Option<&str> {
        self.meta.get("target-role").map(String::as_str)
    }
}

/// A failed operation recorded for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedOp {
    pub rsc: RscId,
    pub node: NodeId,
    pub op_id: String,
    pub op_key: String,
    /// `on_node` as the history entry recorded it.
    pub on_node: Option<String>,
    pub task: String,
    pub interval_ms: u64,
    pub rc: i64,
    pub status: i64,
    pub exit_reason: Option<String>,
    pub last_rc_change: Option<i64>,
    pub exec_time: Option<i64>,
    pub queue_time: Option<i64>,
    pub call_id: Option<i64>,
    /// The entry had an `operation_key` (else `op_key` is its id, and
    /// crm_mon's XML names it by `id`).
    pub key_given: bool,
}

/// The numbers behind "N of M resource instances DISABLED and K BLOCKED".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstanceCounts {
    pub instances: usize,
    pub disabled: usize,
    pub blocked: usize,
}

/// An action that reading the status already calls for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImpliedAction {
    Stop {
        rsc: RscId,
        node: NodeId,
    },
    Demote {
        rsc: RscId,
        node: NodeId,
    },
    Fence {
        node: NodeId,
        reason: String,
    },
    ClearFailcount {
        rsc: RscId,
        node: NodeId,
        reason: String,
    },
    /// A recurring operation the history shows active on the node since
    /// the resource last started there (`process_recurring`).
    Recurring {
        rsc: RscId,
        node: NodeId,
        task: String,
        interval_ms: u64,
    },
    /// A recorded failure (history entry `op_id` on the node) whose fail
    /// count is cleared if the resource's parameters changed since.
    ParamCheck {
        rsc: RscId,
        node: NodeId,
        op_id: String,
    },
    /// The resource's history on the node is deleted (an expired shutdown
    /// lock).
    ClearHistory {
        rsc: RscId,
        node: NodeId,
    },
    /// A failed recurring operation whose failure expired: it is scheduled
    /// again (Pacemaker marks the entry's restart digest as changed).
    ExpiredRecurring {
        rsc: RscId,
        node: NodeId,
        op_id: String,
    },
}

impl ClusterState {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    pub fn rsc(&self, id: RscId) -> &Resource {
        &self.resources[id.0]
    }

    /// The node called `uname` (case-insensitive, like Pacemaker).
    pub fn find_node(&self, uname: &str) -> Option<NodeId> {
        self.node_order
            .iter()
            .copied()
            .find(|&n| self.node(n).uname.eq_ignore_ascii_case(uname))
    }

    /// The node whose id is `id`, else the one called `uname`.
    pub fn find_node_any(&self, id: &str, uname: &str) -> Option<NodeId> {
        self.node_order
            .iter()
            .copied()
            .find(|&n| self.node(n).id.eq_ignore_ascii_case(id))
            .or_else(|| self.find_node(uname))
    }

    /// The top-most ancestor that is not inside a bundle (`uber_parent`).
    pub fn uber_parent(&self, rsc: RscId) -> RscId {
        let mut cur = rsc;
        while let Some(p) = self.rsc(cur).parent {
            if matches!(self.rsc(p).kind, ResourceKind::Bundle(_)) {
                break;
            }
            cur = p;
        }
        cur
    }

    /// The outermost ancestor, bundles included.
    pub fn top_parent(&self, rsc: RscId) -> RscId {
        let mut cur = rsc;
        while let Some(p) = self.rsc(cur).parent {
            cur = p;
        }
        cur
    }

    pub fn is_clone(&self, rsc: RscId) -> bool {
        matches!(self.rsc(rsc).kind, ResourceKind::Clone(_))
    }

    /// Inside a bundle (its top ancestor's parent is a bundle).
    pub fn is_bundled(&self, rsc: RscId) -> bool {
        let up = self.uber_parent(rsc);
        self.rsc(up)
            .parent
            .is_some_and(|p| matches!(self.rsc(p).kind, ResourceKind::Bundle(_)))
    }

    /// A guest node: remote node whose connection has a container.
    pub fn is_guest_node(&self, node: NodeId) -> bool {
        let n = self.node(node);
        n.kind == NodeKind::Remote
            && n.remote_rsc
                .is_some_and(|r| self.rsc(r).container.is_some())
    }

    /// A Pacemaker Remote node (not a guest).
    pub fn is_remote_node(&self, node: NodeId) -> bool {
        let n = self.node(node);
        n.kind == NodeKind::Remote
            && !n
                .remote_rsc
                .is_some_and(|r| self.rsc(r).container.is_some())
    }

    pub fn is_guest_or_remote(&self, node: NodeId) -> bool {
        self.node(node).kind == NodeKind::Remote
    }

    /// The id to show for a resource: the configured id for anonymous clone
    /// instances, the full id otherwise (`rsc_printable_id`).
    pub fn printable_id(&self, rsc: RscId) -> &str {
        let r = self.rsc(rsc);
        if r.flags.unique {
            &r.id
        } else {
            &r.xml_id
        }
    }

    /// Whether a resource (or any descendant) is active (`fns->active`). With
    /// `all`, every descendant must be.
    pub fn is_active(&self, rsc: RscId, all: bool) -> bool {
        let r = self.rsc(rsc);
        match &r.kind {
            ResourceKind::Primitive(_) => r.running_on.iter().any(|&n| {
                let node = self.node(n);
                node.unclean || node.online || !r.flags.managed
            }),
            ResourceKind::Group => {
                let mut any = false;
                let mut every = true;
                for &c in &r.children {
                    if self.is_active(c, all) {
                        any = true;
                    } else {
                        every = false;
                    }
                }
                any && (!all || every)
            }
            ResourceKind::Clone(_) => {
                for &c in &r.children {
                    let a = self.is_active(c, all);
                    if !all && a {
                        return true;
                    }
                    if all && !a {
                        return false;
                    }
                }
                all
            }
            ResourceKind::Bundle(b) => {
                for rep in &b.replicas {
                    for part in [rep.ip, rep.child, Some(rep.container), rep.remote]
                        .into_iter()
                        .flatten()
                    {
                        let a = self.is_active(part, all);
                        if a && !all {
                            return true;
                        }
                        if !a && all {
                            return false;
                        }
                    }
                }
                all
            }
        }
    }

    /// The node a resource is active on, preferring a partial migration's
    /// source, then (when it does not need fencing) a clean online node
    /// (`pe__find_active_on`).
    pub fn current_node(&self, rsc: RscId) -> Option<NodeId> {
        let r = self.rsc(rsc);
        let mut active: Option<NodeId> = None;
        for &n in &r.running_on {
            let node = self.node(n);
            let happy = node.online && !node.unclean;
            let mut keep_looking = false;
            if let Some(src) = r.partial_migration_source {
                if n == src {
                    active = Some(n);
                } else {
                    keep_looking = true;
                }
            } else if !r.flags.needs_fencing {
                let active_happy = active.is_some_and(|a| {
                    let an = self.node(a);
                    an.online && !an.unclean
                });
                if happy && !active_happy {
                    active = Some(n);
                } else {
                    keep_looking = true;
                }
            }
            if active.is_none() {
                active = Some(n);
            }
            if !keep_looking {
                break;
            }
        }
        active
    }

    /// Where a resource (or its descendants) is: `current` 0 = assigned,
    /// 1 = running, 2 = running or pending (`fns->location`).
    pub fn locations(&self, rsc: RscId, with_pending: bool, out: &mut Vec<NodeId>) {
        let r = self.rsc(rsc);
        if !r.children.is_empty() {
            for &c in &r.children {
                self.locations(c, with_pending, out);
            }
            return;
        }
        let mut result = r.running_on.clone();
        if with_pending {
            if let Some(p) = r.pending_node {
                if !result.contains(&p) {
                    result.push(p);
                }
            }
        }
        for n in result {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }

    /// The highest role among a resource's instances (`fns->state`).
    pub fn current_role(&self, rsc: RscId) -> Role {
        let r = self.rsc(rsc);
        match &r.kind {
            ResourceKind::Primitive(_) => r.role,
            ResourceKind::Group | ResourceKind::Clone(_) => r
                .children
                .iter()
                .map(|&c| self.current_role(c))
                .max()
                .unwrap_or(Role::Unknown),
            ResourceKind::Bundle(_) => Role::Unknown,
        }
    }

    /// `target-role` makes this resource disabled: Stopped, or Unpromoted
    /// inside a promotable clone (`pe__resource_is_disabled`).
    pub fn is_disabled(&self, rsc: RscId) -> bool {
        match self.rsc(rsc).target_role_meta().and_then(parse_role) {
            Some(Role::Stopped) => true,
            Some(Role::Unpromoted) => self.rsc(self.uber_parent(rsc)).flags.promotable,
            _ => false,
        }
    }
}

/// `text2role`: a role name in any accepted spelling.
pub fn parse_role(s: &str) -> Option<Role> {
    use cib::value::AttrValue;
    match Role::parse_attr(s) {
        Ok(Role::Unknown) | Err(_) => None,
        Ok(r) => Some(r),
    }
}
