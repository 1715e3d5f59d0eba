//! The fencer: which fence devices can fence a node, in which order, and
//! running them.
//!
//! The decisions are pure: [`FencingConfig::from_cib`] reads the fence
//! devices, the fencing topology and the cluster's fencing options;
//! [`FenceOp`] is one operation as a state machine (eligibility checks,
//! topology levels, the remap of a multi-device reboot to off + on, the
//! order of devices) that says what to run next and takes each result
//! back; [`device`] is what each `pcmk_*` parameter means; [`history`]
//! keeps and prints the fencing history as `stonith_admin --history` does.
//! [`run`] is the I/O shell that drives a [`FenceOp`] through the
//! executor's `stonith` class.
//!
//! **API Boundary:** the controller sends a [`FenceRequest`] and gets a
//! [`FenceResult`] (plus a [`HistoryEntry`]); through [`run::Fencer::fence`]
//! in a daemon, or by driving a [`FenceOp`] itself in a simulation.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod config;
pub mod device;
pub mod history;
pub mod operation;
pub mod run;

pub use config::{FencingConfig, Level, LevelTarget};
pub use device::{AgentCaps, Device, FenceAction, HostCheck};
pub use history::{HistoryEntry, HistoryState};
pub use operation::{
    Attempt, Execution, FenceOp, FenceRequest, FenceResult, ListCache, RunReply, StatusAnswer, Step,
};
