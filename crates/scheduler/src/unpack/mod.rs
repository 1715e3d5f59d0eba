//! Stage one of the scheduler: CIB → [`ClusterState`].
//!
//! Reads cluster options, nodes, the resource tree and the status section
//! the way Pacemaker's `cluster_status()` does, and returns what it found:
//! each node's state, each resource instance's role, location and flags,
//! failures, orphans, and the actions the history already implies.
//!
//! ```
//! let xml = r#"<cib><configuration><crm_config/><nodes>
//!     <node id="1" uname="n1"/></nodes>
//!   <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
//!   <constraints/></configuration>
//!   <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"#;
//! let (cib, _) = cib::Cib::from_xml_lenient(xml).unwrap();
//! let state = scheduler::unpack(&cib, 0);
//! assert!(state.nodes[0].online);
//! ```

mod config;
pub(crate) mod failcount;
pub(crate) mod history;
mod nodes;
pub(crate) mod nvsets;
mod ops;
mod resources;
pub(crate) mod rules;

use cib::Cib;

pub(crate) use history::{active_op_indexes, cmp_newer};

use crate::state::*;
use nvsets::IdIndex;

/// Working context while unpacking: the input, and the state being built.
pub(crate) struct Unpacker<'a> {
    pub cib: &'a Cib,
    pub ix: IdIndex<'a>,
    pub st: ClusterState,
    /// Containers whose stop is needed once locations are known.
    pub stop_needed: Vec<RscId>,
    /// Connection resources generated for guest nodes, unpacked after the
    /// configured resources.
    pub generated: Vec<cib::Resource>,
    /// Each resource's own meta-attribute sets, which its descendants
    /// inherit ahead of the resource defaults.
    pub own_sets: std::collections::HashMap<RscId, Vec<cib::NvSet>>,
    /// Every resource by each id and history name it ever had (a superset
    /// of what `find_resource` can match), so that looking a history entry
    /// up is not a walk over all resources.
    pub by_name: std::collections::HashMap<String, Vec<RscId>>,
    /// Every node by its id (several nodes may share one), so that a
    /// resource's entry for a node's id is found without a scan.
    pub nodes_by_id: std::collections::HashMap<String, Vec<NodeId>>,
    /// The resources of `st.top`.
    pub in_top: std::collections::HashSet<RscId>,
    /// Resources whose unpacking failed: in the arena, but nothing refers
    /// to them.
    pub dropped: std::collections::HashSet<RscId>,
}

/// Derives the cluster state from a CIB as of `now` (seconds since the epoch).
///
/// The stages mirror Pacemaker's `cluster_status()`: options, nodes, remote
/// and guest nodes, resources, then the status section (node states first,
/// then resource histories in as many passes as remote nodes need), and
/// finally the instance counts.
pub fn unpack(cib: &Cib, now: i64) -> ClusterState {
    let mut u = Unpacker {
        cib,
        ix: IdIndex::build(cib),
        st: ClusterState {
            now,
            dc_uuid: cib.dc_uuid.clone(),
            have_quorum: cib
                .have_quorum
                .as_ref()
                .is_some_and(|q| cib::value::is_true(Some(q.raw()))),
            ..Default::default()
        },
        stop_needed: Vec::new(),
        generated: Vec::new(),
        own_sets: Default::default(),
        by_name: Default::default(),
        nodes_by_id: Default::default(),
        in_top: Default::default(),
        dropped: Default::default(),
    };
    u.unpack_config();
    u.unpack_nodes();
    u.unpack_remote_nodes();
    u.unpack_resources();
    u.unpack_status();
    u.count_instances();
    u.st
}

impl Unpacker<'_> {
    /// `pe__count_common` over the top-level resources.
    fn count_instances(&mut self) {
        let mut counts = InstanceCounts::default();
        for &top in &self.st.top {
            self.count(top, &mut counts);
        }
        self.st.counts = counts;
    }

    fn count(&self, rsc: RscId, counts: &mut InstanceCounts) {
        let r = self.st.rsc(rsc);
        if let ResourceKind::Bundle(b) = &r.kind {
            for rep in &b.replicas {
                for part in [rep.ip, rep.child, Some(rep.container), rep.remote]
                    .into_iter()
                    .flatten()
                {
                    self.count(part, counts);
                }
            }
            return;
        }
        if !r.children.is_empty() {
            for &c in &r.children {
                self.count(c, counts);
            }
        } else if !r.flags.orphan || r.role > Role::Stopped {
            counts.instances += 1;
            if self.st.is_disabled(rsc) {
                counts.disabled += 1;
            }
            if r.flags.block {
                counts.blocked += 1;
            }
        }
    }
}
