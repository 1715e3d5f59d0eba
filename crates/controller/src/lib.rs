//! pacer's controller, pure: the DC executes the scheduler's transition
//! graphs; every node runs the operations addressed to it and records their
//! results in its status section; fail counts, aborts, timeouts and fencing
//! requests as Pacemaker's controller (`pacemaker-controld`) does them.
//!
//! [`engine::Controller`] sits next to the replica engine on every node:
//! the replica's notices ([`replica::engine::Notice`]: sync rounds with
//! membership, DC and quorum; CIB changes; controller messages) and the
//! local executor's results come in as [`engine::Event`]s with the node's
//! current CIB; [`engine::Command`]s go out (multicast a controller
//! message, submit a CIB change to the replica, run or cancel an operation,
//! fence a node). `pacerd` performs them against Corosync, the executor and
//! the fencer; [`sim`] performs them against the simulated network, fake
//! executors and a fencer that kills nodes, with checkers on top.
//!
//! **Architecture Invariant:** no I/O, no clock, no randomness in `engine`
//! and `wire`: time comes in as `Event::Tick`. Only [`sim`] draws random
//! numbers, from its seed.

pub mod engine;
pub mod sim;
pub mod wire;

pub use engine::{Command, Controller, ControllerConfig, Event, FenceRequest, FenceResult};
