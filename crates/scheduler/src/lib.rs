//! The scheduler: a pure function from a CIB to what the cluster is doing and
//! should do next.
//!
//! Stage one, [`unpack`], turns the configuration and status section into
//! typed cluster state ([`state::ClusterState`]); [`summary`] prints that
//! state the way `crm_simulate` and `crm_mon` do.
//!
//! **Architecture Invariant:** no I/O and no clock. "Now" is a parameter.
//!
//! **API Boundary:** [`unpack`], [`state`] and [`summary`] are used by the
//! `pacer` binary and by the later scheduler stages.

pub mod input;
pub mod state;
pub mod summary;
pub mod time;
pub mod unpack;
pub mod util;

pub use state::ClusterState;
pub use unpack::unpack;
