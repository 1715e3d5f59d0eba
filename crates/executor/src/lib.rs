//! The executor: the only part of pacer that runs resource agents and fence
//! agents on a node.
//!
//! It owns agent lookup ([`agent`]), the contract of each standard (OCF 1.1
//! environment and exit codes, LSB status codes, systemd units over D-Bus,
//! fence agents' stdin arguments: [`invoke`]), running one agent process with
//! a timeout and bounded output ([`process`]), the asynchronous executor with
//! per-resource serialisation, recurring operations and a result stream
//! ([`executor`]), result records and their digests ([`record`], [`digest`]),
//! and event-driven failure detection ([`watch`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use executor::{Executor, ExecutorConfig, OpRequest};
//! let exec = Executor::new(ExecutorConfig::default());
//! let req = OpRequest::new("web-ip", "ocf:heartbeat:Dummy".parse()?, "start")
//!     .param("state", "/run/web-ip.state")
//!     .timeout_ms(20_000);
//! let result = exec.execute(req).await;
//! println!("{} rc={} ({})", result.op_key(), result.rc, result.status);
//! # Ok(()) }
//! ```
//!
//! **Architecture Invariant:** the only crate that spawns agent processes.
//! Every agent run goes through [`process::run`], which bounds time (process
//! group SIGTERM then SIGKILL) and output.

// In unit tests a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod agent;
pub mod codes;
pub mod config;
pub mod digest;
pub mod executor;
pub mod invoke;
pub mod metadata;
pub mod process;
pub mod procfs;
pub mod record;
pub mod systemd;
pub mod time;
pub mod watch;

pub use agent::{AgentSpec, Class, Paths};
pub use codes::{ExecStatus, OcfRc};
pub use executor::{Executor, ExecutorConfig, ResultStream};
pub use metadata::AgentMetadata;
pub use record::{OpRequest, OpResult, WatchSpec};
