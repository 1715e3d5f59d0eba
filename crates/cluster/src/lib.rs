//! The cluster layer: who is in the cluster, whether it has quorum, and a
//! totally ordered multicast between the members.
//!
//! Two implementations of one small interface:
//! - [`corosync::Corosync`] (feature `corosync`, on by default): a CPG process
//!   group with agreed-order delivery, votequorum's quorum state and the node
//!   names from cmap's nodelist;
//! - [`sim::SimNet`]: a seeded, deterministic in-memory network with crash,
//!   pause/resume, partition/heal and delay/loss below the ordering layer.
//!
//! Both give the same guarantees, which everything above relies on:
//! 1. messages and configuration changes reach every member of a view in the
//!    same order (agreed order, virtual synchrony);
//! 2. members that move together from one view to the next have delivered the
//!    same messages in the first one;
//! 3. a message is delivered in the sender's view at the time it is ordered,
//!    which may be a later view than the one it was sent in.
//!
//! Events flow *out* of an implementation as [`ClusterEvent`]s (the daemon gets
//! them through a callback, the simulation hands them out one at a time);
//! the [`Cluster`] trait is the part a node's code calls.
//!
//! ```
//! use cluster::{view_quorate, ClusterConfig, NodeInfo};
//! let cfg = ClusterConfig::new(vec![NodeInfo::new(1, "n1"), NodeInfo::new(2, "n2"), NodeInfo::new(3, "n3")]);
//! assert!(view_quorate(&[1, 2], &cfg));
//! assert!(!view_quorate(&[3], &cfg));
//! ```
//!
//! **Architecture Invariant:** only this crate links corosync.

pub mod conf;
#[cfg(feature = "corosync")]
pub mod corosync;
pub mod sim;

/// A corosync node id (`nodeid` in corosync.conf's nodelist).
pub type NodeId = u32;

/// One configured node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeInfo {
    pub id: NodeId,
    pub name: String,
}

impl NodeInfo {
    pub fn new(id: NodeId, name: impl Into<String>) -> Self {
        NodeInfo {
            id,
            name: name.into(),
        }
    }
}

/// The static part of the cluster's configuration (corosync.conf's nodelist
/// and quorum section), the same on every node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// Configured nodes, sorted by id.
    pub nodes: Vec<NodeInfo>,
    /// corosync `quorum { two_node: 1 }`: a two-node cluster keeps quorum
    /// with one node (fencing decides who runs what).
    pub two_node: bool,
    /// Expected votes; by default one per configured node.
    pub expected_votes: u32,
}

impl ClusterConfig {
    pub fn new(mut nodes: Vec<NodeInfo>) -> Self {
        nodes.sort();
        nodes.dedup_by_key(|n| n.id);
        let expected_votes = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
        ClusterConfig {
            nodes,
            two_node: false,
            expected_votes,
        }
    }

    /// The configured name of a node, or `node<ID>` when it has none.
    pub fn name_of(&self, id: NodeId) -> String {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| format!("node{id}"))
    }

    /// The id of the node with this name.
    pub fn id_of(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().find(|n| n.name == name).map(|n| n.id)
    }
}

/// Quorum from a view's membership: one vote per member, quorate with a
/// strict majority of the expected votes, or with any member in a `two_node`
/// cluster. This is votequorum's rule for equal votes without
/// `wait_for_all`/`last_man_standing`; computing it from the agreed view
/// makes every member reach the same answer at the same point of the message
/// stream (votequorum's own notification is not ordered with CPG messages).
pub fn view_quorate(members: &[NodeId], cfg: &ClusterConfig) -> bool {
    let votes = u32::try_from(members.len()).unwrap_or(u32::MAX);
    if cfg.two_node && cfg.expected_votes <= 2 {
        return votes >= 1;
    }
    votes.saturating_mul(2) > cfg.expected_votes
}

/// What a cluster implementation reports, in delivery order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A new view of the process group. `members` is sorted; `left` and
    /// `joined` are relative to the previous view this node saw.
    ConfChange {
        members: Vec<NodeId>,
        left: Vec<NodeId>,
        joined: Vec<NodeId>,
    },
    /// A message, in agreed order.
    Deliver { from: NodeId, payload: Vec<u8> },
    /// votequorum's opinion (not ordered with messages; informational).
    Quorum { quorate: bool, members: Vec<NodeId> },
    /// The connection to the cluster engine is gone; the node must stop.
    Disconnected { reason: String },
}

/// Errors of the cluster layer; each says what to check.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot connect to corosync ({call} failed: {detail}); is corosync running in this network namespace? (`corosync-cfgtool -s`)")]
    Connect { call: &'static str, detail: String },
    #[error("corosync refused the message ({detail}) after {attempts} attempts; the cluster is overloaded or corosync is stopping")]
    Send { detail: String, attempts: u32 },
    #[error("message of {len} bytes is larger than the {max} bytes the cluster layer carries")]
    TooBig { len: usize, max: usize },
    #[error("this node is not in the cluster (crashed or not started)")]
    NotMember,
    #[error("corosync configuration: {0}")]
    Config(String),
}

/// The part of the cluster layer a node's code calls. Events come out of the
/// implementation separately (see the crate docs).
pub trait Cluster {
    /// This node's id.
    fn local_node(&self) -> NodeId;
    /// The configured nodes and quorum settings.
    fn config(&self) -> &ClusterConfig;
    /// Multicasts `payload` to the group in agreed order (delivered to the
    /// sender too).
    fn multicast(&mut self, payload: &[u8]) -> Result<(), ClusterError>;
}

/// Largest message the layer carries (a whole CIB travels in one message
/// during a join).
pub const MESSAGE_BYTES_MAX: usize = 64 << 20;
