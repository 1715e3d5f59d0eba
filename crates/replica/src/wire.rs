//! The messages nodes multicast to each other, and their encoding.
//!
//! The wire format is JSON with a protocol number; it is the serialisable
//! twin of the engine's messages and nothing else reads it.

use cluster::NodeId;
use serde::{Deserialize, Serialize};

use crate::ops::{CibOp, Version};

/// Bumped on any incompatible change; a node ignores (and logs) messages of
/// another protocol.
pub const PROTOCOL: u32 = 1;

/// Identifies one run of a node's daemon: after a restart, replies to
/// requests of the previous run are not misattributed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Origin {
    pub node: NodeId,
    pub incarnation: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// "After the last view change, my CIB is at `version` with this digest;
    /// my DC was `dc`." One per member per view change.
    Offer {
        version: Version,
        digest: String,
        dc: Option<NodeId>,
    },
    /// The sync winner's whole CIB.
    SyncCib {
        version: Version,
        digest: String,
        xml: String,
    },
    /// A change, applied by every member on delivery.
    Update { origin: Origin, req: u64, op: CibOp },
    /// Reserved for the controller (issue 7): passed through untouched.
    Controller { payload: Vec<u8> },
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
    let env: Envelope =
        serde_json::from_slice(bytes).map_err(|e| format!("undecodable message: {e}"))?;
    if env.protocol != PROTOCOL {
        return Err(format!(
            "message of protocol {} (this node speaks {PROTOCOL}): upgrade all nodes to the same pacer",
            env.protocol
        ));
    }
    Ok(env.message)
}
