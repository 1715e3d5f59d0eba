//! The messages controllers multicast to each other (inside the replica's
//! `Message::Controller`), and their encoding.
//!
//! JSON with a protocol number, like `replica::wire`: the serialisable twin
//! of what the engine sends, read by nothing else.

use std::collections::BTreeMap;

use cluster::NodeId;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change.
pub const PROTOCOL: u32 = 1;

/// The resource an operation runs on, as the graph names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RscSpec {
    /// The name the node's executor knows it by.
    pub id: String,
    /// The clone instance name, when it differs.
    pub long_id: Option<String>,
    pub class: Option<String>,
    pub provider: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

/// One operation the DC asks a node to run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecSpec {
    /// The node that runs it (its name).
    pub node: String,
    /// Pacemaker's transition key `action:transition:target-rc:dc-uuid`.
    pub transition_key: String,
    pub rsc: RscSpec,
    /// `start`, `monitor`, `cancel`, …
    pub task: String,
    pub interval_ms: u64,
    pub timeout_ms: u64,
    /// What the DC expects the agent to answer (7 for most probes).
    pub target_rc: i32,
    /// Instance attributes.
    pub params: BTreeMap<String, String>,
    /// Meta-attributes, without the `CRM_meta_` prefix.
    pub meta: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// DC → node: run this operation.
    Execute(ExecSpec),
    /// Node → all: "I wrote my operation history after the sync that ended
    /// with this view; this is my run". The DC schedules once every member
    /// has said so.
    Joined { node: NodeId, incarnation: u64 },
    /// Node → DC: an operation result that is not what the DC expected was
    /// recorded (`first`: the first result of the request, which the DC
    /// sees in the CIB already; later ones are failures of recurring
    /// monitors, which only this message reports).
    Failed {
        node: String,
        rsc_id: String,
        task: String,
        interval_ms: u64,
        transition_key: String,
        first: bool,
    },
    /// Node → DC: a `cancel` action is done (its history entry is gone, so
    /// the CIB cannot show it).
    Cancelled {
        node: String,
        transition_key: String,
    },
    /// DC → `delegate`: fence `target` for me. The DC sends this when it is
    /// the target itself (a node does not fence itself off while another
    /// node can: Pacemaker's fencer hands such a request to a peer).
    Fence {
        id: u64,
        target: String,
        action: String,
        delegate: String,
    },
    /// Delegate → all: the answer to [`Message::Fence`] `id` of node
    /// `origin`.
    Fenced {
        origin: NodeId,
        id: u64,
        target: String,
        ok: bool,
        reason: Option<String>,
    },
    /// DC → `node`: nothing of yours runs any more and you are expected
    /// down (the graph's `do_shutdown`): leave.
    Shutdown { node: String },
    /// Node → partition: a CIB change made while the partition has no
    /// quorum. The replicated CIB takes no writes then, so every member
    /// applies these, in their agreed order, to its partition CIB (the
    /// replicated one with this partition's membership), on which the
    /// partition's DC schedules `no-quorum-policy`. `req` is the sender's
    /// own request id (it answers itself when the change comes back).
    PartitionWrite {
        from: NodeId,
        req: u64,
        op: replica::ops::CibOp,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    protocol: u32,
    message: Message,
}

pub fn encode(m: &Message) -> Vec<u8> {
    let env = Envelope {
        protocol: PROTOCOL,
        message: m.clone(),
    };
    // Serialising plain data to a Vec cannot fail.
    serde_json::to_vec(&env).unwrap_or_default()
}

pub fn decode(bytes: &[u8]) -> Result<Message, String> {
    let env: Envelope = serde_json::from_slice(bytes)
        .map_err(|e| format!("undecodable controller message: {e}"))?;
    if env.protocol != PROTOCOL {
        return Err(format!(
            "controller message of protocol {} (this node speaks {PROTOCOL}): upgrade all nodes to the same pacer",
            env.protocol
        ));
    }
    Ok(env.message)
}
