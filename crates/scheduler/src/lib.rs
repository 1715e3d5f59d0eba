//! The scheduler: a pure function from a CIB to what the cluster is doing and
//! should do next.
//!
//! Stage one, [`unpack()`], turns the configuration and status section into
//! typed cluster state ([`state::ClusterState`], what Pacemaker calls the
//! working set after `cluster_status()`); [`summary`] prints that state the
//! way `crm_simulate` and `crm_mon` do. Later stages (placement, actions,
//! transition graph) start from the same state.
//!
//! ```
//! let xml = r#"<cib><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes>
//!   <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
//!   <constraints/></configuration>
//!   <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"#;
//! let (cib, _warnings) = cib::Cib::from_xml_lenient(xml).unwrap();
//! let state = scheduler::unpack(&cib, 0);
//! let text = scheduler::summary::cluster_status(
//!     &state, "Current cluster status", Default::default(), false);
//! assert!(text.contains("Online: [ n1 ]"));
//! ```
//!
//! Code map:
//! - [`unpack`]: the stage itself, one module per concern: cluster options,
//!   nodes, resources (templates, clones, groups, bundles), name/value sets,
//!   operation history, failure handling (`on-fail`), fail counts.
//! - [`state`]: the output types (arenas of nodes and resources, by index).
//! - [`placement`]: stage two, constraints, scores, assignment and
//!   promotion ([`placement::place`] → [`placement::Placement`]).
//! - [`summary`]: the text printer over [`state::ClusterState`].
//! - [`util`], [`time`]: orderings and date arithmetic that must match
//!   Pacemaker's exactly.
//!
//! **Architecture Invariant:** no I/O and no clock. "Now" is a parameter.
//!
//! **API Boundary:** [`unpack()`], [`state`] and [`summary`] are
//! used by the `pacer` binary and by the later scheduler stages.

pub mod actions;
pub mod execute;
pub mod graph;
pub mod mon;
pub mod mon_xml;
pub mod placement;
pub mod simulation;
pub mod state;
pub mod summary;
pub mod time;
pub mod transition;
pub mod unpack;
pub mod util;

pub use state::ClusterState;
pub use unpack::unpack;
