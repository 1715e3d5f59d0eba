//! pacer's cluster engines, pure: CIB replication in agreed order with
//! Pacemaker's versions, join and partition-merge sync, DC election and node
//! attributes (transient/permanent, dampening).
//!
//! [`engine::Engine`] takes [`engine::Event`]s and returns
//! [`engine::Command`]s; `pacerd` performs them against Corosync, the disk
//! and the clock, and [`sim`] performs them against the simulated network,
//! an in-memory disk and a simulated clock, with checkers on top.
//!
//! ```
//! use cluster::{ClusterConfig, ClusterEvent, NodeInfo};
//! use replica::engine::{Command, Engine, EngineConfig, Event};
//! let cluster = ClusterConfig::new(vec![NodeInfo::new(1, "n1")]);
//! let mut e = Engine::new(EngineConfig { me: 1, incarnation: 1, cluster }, &replica::ops::empty_cib_xml()).unwrap();
//! let cmds = e.handle(Event::Cluster(ClusterEvent::ConfChange { members: vec![1], left: vec![], joined: vec![1] }));
//! // The node offers its CIB to the new view …
//! let Command::Send(offer) = &cmds[0] else { panic!() };
//! // … and once the offer comes back in agreed order, the round ends.
//! let cmds = e.handle(Event::Cluster(ClusterEvent::Deliver { from: 1, payload: replica::wire::encode(offer) }));
//! assert!(cmds.iter().any(|c| matches!(c, Command::Persist)));
//! assert_eq!(e.dc(), Some(1));
//! ```
//!
//! **Architecture Invariant:** no I/O, no clock, no randomness in `ops`,
//! `engine` and `wire`: the same events give the same commands. Only [`sim`]
//! draws random numbers, from its seed.

pub mod engine;
pub mod ops;
pub mod sim;
pub mod wire;
