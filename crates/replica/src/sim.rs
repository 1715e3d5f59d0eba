//! The seeded whole-cluster simulation of the engines, with checkers.
//!
//! One [`Rng`] seeded by the caller decides everything: message delays and
//! losses (in [`SimNet`]), which node runs next, when clients send changes,
//! and the faults (crash + restart from the node's "disk", pause/resume,
//! partition/heal). A run has a chaotic phase, then everything is healed,
//! resumed and restarted and the cluster is left to settle. Checkers:
//!
//! - during the run: all members that finish a sync round in the same view
//!   name the same DC, and it is one of them (≤ 1 DC per partition);
//! - at the end: one view with every node, one DC, byte-identical CIBs in
//!   memory and on every node's disk, and every change acknowledged to a
//!   client present.
//!
//! A failure names its seed; [`run`] with the same options replays it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cluster::sim::{Rng, RunState, SimConfig, SimEndpoint, SimNet};
use cluster::{Cluster, ClusterConfig, ClusterEvent, NodeId, NodeInfo};

use crate::engine::{AttrUpdate, Command, Engine, EngineConfig, Event, Notice};
use crate::ops::{self, AttrScope, CibOp};
use crate::wire;

/// What one simulated run does.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub nodes: u32,
    pub two_node: bool,
    /// Length of the chaotic phase (simulated ms).
    pub chaos_ms: u64,
    /// Mean gap between faults (0: no faults).
    pub fault_every_ms: u64,
    /// Mean gap between client changes.
    pub update_every_ms: u64,
    pub net: SimConfig,
}

impl Options {
    pub fn new(seed: u64, nodes: u32) -> Self {
        Options {
            seed,
            nodes,
            two_node: nodes == 2,
            chaos_ms: 20_000,
            fault_every_ms: 1_500,
            update_every_ms: 60,
            net: SimConfig::default(),
        }
    }
}

/// What a run did (for reports and determinism checks).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Report {
    pub seed: u64,
    pub acked: usize,
    /// Refused for another reason than a stale `base`.
    pub refused: usize,
    /// Configuration replacements refused because the CIB moved on.
    pub conflicts: usize,
    pub faults: usize,
    pub views: usize,
    pub divergences: usize,
    pub final_version: String,
    pub final_digest: String,
    pub end_ms: u64,
    pub messages: u64,
}

struct SimNode {
    engine: Option<Engine>,
    endpoint: SimEndpoint,
    disk: String,
    incarnation: u64,
    /// (due ms, timer id)
    timers: BTreeSet<(u64, u64)>,
}

struct World {
    opts: Options,
    cluster: ClusterConfig,
    net: SimNet,
    rng: Rng,
    nodes: BTreeMap<NodeId, SimNode>,
    /// Client requests in flight: req → attribute name.
    pending: BTreeMap<(NodeId, u64), String>,
    acked: BTreeSet<String>,
    dc_of_view: BTreeMap<u64, (NodeId, Vec<NodeId>)>,
    report: Report,
    trace: VecDeque<String>,
    next_req: u64,
}

const TRACE_MAX: usize = 300;
const STEPS_MAX: u64 = 20_000_000;
const SETTLE_MS_MAX: u64 = 600_000;

impl World {
    fn new(opts: Options) -> Self {
        let nodes: Vec<NodeInfo> = (1..=opts.nodes)
            .map(|i| NodeInfo::new(i, format!("n{i}")))
            .collect();
        let mut cluster = ClusterConfig::new(nodes);
        cluster.two_node = opts.two_node;
        let net = SimNet::new(cluster.clone(), opts.net.clone(), opts.seed);
        let sim_nodes = cluster
            .nodes
            .iter()
            .map(|n| {
                (
                    n.id,
                    SimNode {
                        engine: None,
                        endpoint: SimEndpoint::new(n.id, cluster.clone()),
                        disk: ops::empty_cib_xml(),
                        incarnation: 0,
                        timers: BTreeSet::new(),
                    },
                )
            })
            .collect();
        World {
            rng: Rng::new(opts.seed),
            report: Report {
                seed: opts.seed,
                ..Default::default()
            },
            opts,
            cluster,
            net,
            nodes: sim_nodes,
            pending: BTreeMap::new(),
            acked: BTreeSet::new(),
            dc_of_view: BTreeMap::new(),
            trace: VecDeque::new(),
            next_req: 1,
        }
    }

    fn trace(&mut self, line: String) {
        if self.trace.len() >= TRACE_MAX {
            self.trace.pop_front();
        }
        self.trace
            .push_back(format!("[{} ms] {line}", self.net.now_ms()));
    }

    fn fail(&self, what: String) -> String {
        let tail: Vec<&str> = self.trace.iter().map(String::as_str).collect();
        format!(
            "seed {}: {what}\nreplay: PACER_SIM_SEED={} PACER_SIM_NODES={} cargo test -p replica --test sim replay -- --nocapture\nlast events:\n{}",
            self.opts.seed,
            self.opts.seed,
            self.opts.nodes,
            tail.join("\n")
        )
    }

    fn start(&mut self, n: NodeId) -> Result<(), String> {
        let cluster = self.cluster.clone();
        let Some(node) = self.nodes.get_mut(&n) else {
            return Ok(());
        };
        node.incarnation += 1;
        let cfg = EngineConfig {
            me: n,
            incarnation: node.incarnation,
            cluster,
        };
        node.engine =
            Some(Engine::new(cfg, &node.disk).map_err(|e| format!("node {n} cannot start: {e}"))?);
        node.timers.clear();
        self.net.start(n);
        self.trace(format!("start n{n}"));
        Ok(())
    }

    fn crash(&mut self, n: NodeId) {
        if let Some(node) = self.nodes.get_mut(&n) {
            node.engine = None;
            node.timers.clear();
            node.endpoint.outbox.clear();
        }
        self.pending.retain(|(pn, _), _| *pn != n);
        self.net.crash(n);
        self.trace(format!("crash n{n}"));
    }

    /// Feeds one event to node `n` and performs what it asks.
    fn step_node(&mut self, n: NodeId, view: u64, ev: Event) -> Result<(), String> {
        let now = self.net.now_ms();
        let Some(node) = self.nodes.get_mut(&n) else {
            return Ok(());
        };
        let Some(engine) = node.engine.as_mut() else {
            return Ok(());
        };
        let cmds = engine.handle(ev);
        let members = engine.members().to_vec();
        let mut lines = Vec::new();
        let mut acks = Vec::new();
        let mut synced = None;
        for c in cmds {
            match c {
                Command::Send(m) => {
                    let bytes = wire::encode(&m);
                    // The node talks to the network only through the trait.
                    let _ = node.endpoint.multicast(&bytes);
                }
                Command::Persist => node.disk = engine.xml().to_string(),
                Command::Reply { req, result } => acks.push((req, result)),
                Command::SetTimer { id, after_ms } => {
                    node.timers.insert((now + after_ms, id));
                }
                Command::Notify(Notice::Synced {
                    members,
                    dc,
                    quorate,
                    version,
                }) => {
                    lines.push(format!("n{n} synced view {view} {members:?} dc={dc:?} quorate={quorate} v{version}"));
                    synced = Some((dc, members));
                }
                Command::Notify(_) => {}
                Command::Diverged(d) => {
                    self.report.divergences += 1;
                    lines.push(format!("n{n} diverged: {}", d.summary));
                }
                Command::Log(l) => lines.push(format!("n{n}: {l}")),
                Command::Fatal(f) => return Err(self.fail(format!("node {n} fatal: {f}"))),
            }
        }
        for bytes in std::mem::take(&mut node.endpoint.outbox) {
            let _ = self.net.multicast(n, bytes);
        }
        for l in lines {
            self.trace(l);
        }
        for (req, result) in acks {
            if let Some(name) = self.pending.remove(&(n, req)) {
                match result {
                    Ok(_) => {
                        self.acked.insert(name);
                        self.report.acked += 1;
                    }
                    Err(crate::ops::Refusal::Conflict { .. }) => self.report.conflicts += 1,
                    Err(_) => self.report.refused += 1,
                }
            }
        }
        if let Some((dc, members)) = synced {
            let Some(dc) = dc else {
                return Err(self.fail(format!(
                    "node {n} finished a sync in view {view} without a DC"
                )));
            };
            if !members.contains(&dc) {
                return Err(self.fail(format!(
                    "node {n} elected DC {dc}, not a member of {members:?}"
                )));
            }
            if members != self.net.view_of(n).map(|v| v.1).unwrap_or_default()
                && self.net.view_of(n).map(|v| v.0) == Some(view)
            {
                return Err(self.fail(format!(
                    "node {n} synced view {members:?} but the network's view {view} differs"
                )));
            }
            match self.dc_of_view.get(&view) {
                Some((other, _)) if *other != dc => {
                    return Err(self.fail(format!(
                        "two DCs in view {view} {members:?}: {other} and {dc} (node {n})"
                    )));
                }
                Some(_) => {}
                None => {
                    self.report.views += 1;
                    self.dc_of_view.insert(view, (dc, members));
                }
            }
        }
        let _ = members;
        Ok(())
    }

    fn client_update(&mut self) -> Result<(), String> {
        let up: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(id, s)| s.engine.is_some() && self.net.run_state(**id) == RunState::Up)
            .map(|(id, _)| *id)
            .collect();
        let Some(&n) = self.rng.pick(&up) else {
            return Ok(());
        };
        let req = self.next_req;
        self.next_req += 1;
        let target = format!("n{}", self.rng.range(1, u64::from(self.opts.nodes)));
        let ev = if self.rng.chance(10) {
            // A whole new configuration, made against this node's current
            // version (refused if the CIB moved on meanwhile).
            let Some(engine) = self.nodes.get(&n).and_then(|s| s.engine.as_ref()) else {
                return Ok(());
            };
            let mut new = engine.cib().clone();
            let base = Some(engine.version());
            let name = format!("p{req}");
            if new.configuration.crm_config.is_empty() {
                new.configuration.crm_config.push(cib::NvSet {
                    id: Some("cib-bootstrap-options".into()),
                    ..Default::default()
                });
            }
            new.configuration.crm_config[0].nvpairs.push(cib::NvPair {
                id: Some(format!("opt-{name}")),
                name: name.clone(),
                value: Some("1".into()),
                ..Default::default()
            });
            self.pending.insert((n, req), format!("property/{name}"));
            Event::Submit {
                req,
                op: CibOp::ReplaceConfiguration {
                    cib_xml: new.to_xml(),
                    base,
                },
            }
        } else if self.rng.chance(70) {
            // A checkable change: a unique permanent attribute.
            let name = format!("u{req}");
            self.pending.insert((n, req), format!("{target}/{name}"));
            Event::Submit {
                req,
                op: CibOp::SetAttributes {
                    node: target,
                    scope: AttrScope::Permanent,
                    attrs: vec![(name, Some(format!("{}", self.rng.next_u64() % 1000)))],
                },
            }
        } else {
            // Noise: a transient attribute, sometimes dampened.
            let dampen_ms = if self.rng.chance(50) {
                self.rng.range(1, 500)
            } else {
                0
            };
            Event::SetAttr {
                req,
                update: AttrUpdate {
                    node: target,
                    name: format!("t{}", self.rng.range(1, 5)),
                    value: Some(format!("{}", self.rng.range(0, 9))),
                    scope: AttrScope::Transient,
                    dampen_ms,
                },
            }
        };
        let view = self.net.view_of(n).map(|v| v.0).unwrap_or(0);
        self.step_node(n, view, ev)
    }

    fn fault(&mut self) -> Result<(), String> {
        self.report.faults += 1;
        let ids: Vec<NodeId> = self.cluster.nodes.iter().map(|n| n.id).collect();
        let Some(&n) = self.rng.pick(&ids) else {
            return Ok(());
        };
        match self.rng.range(0, 5) {
            0 => match self.net.run_state(n) {
                RunState::Down => self.start(n)?,
                _ => self.crash(n),
            },
            1 => match self.net.run_state(n) {
                RunState::Up => {
                    self.net.pause(n);
                    self.trace(format!("pause n{n}"));
                }
                RunState::Paused => {
                    self.net.resume(n);
                    self.trace(format!("resume n{n}"));
                }
                RunState::Down => self.start(n)?,
            },
            2 => {
                let mut a = Vec::new();
                let mut b = Vec::new();
                for id in &ids {
                    if self.rng.chance(50) {
                        a.push(*id)
                    } else {
                        b.push(*id)
                    }
                }
                self.trace(format!("partition {a:?} | {b:?}"));
                self.net.partition(&[a, b]);
            }
            3 => {
                self.trace("heal".into());
                self.net.heal();
            }
            _ => {
                // Restart everything that is down or paused.
                for id in ids {
                    match self.net.run_state(id) {
                        RunState::Down => self.start(id)?,
                        RunState::Paused => self.net.resume(id),
                        RunState::Up => {}
                    }
                }
            }
        }
        Ok(())
    }

    fn heal_all(&mut self) -> Result<(), String> {
        self.trace("heal all".into());
        self.net.heal();
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for id in ids {
            match self.net.run_state(id) {
                RunState::Down => self.start(id)?,
                RunState::Paused => self.net.resume(id),
                RunState::Up => {}
            }
        }
        Ok(())
    }

    fn next_timer(&self) -> Option<(u64, NodeId, u64)> {
        self.nodes
            .iter()
            .filter(|(id, s)| s.engine.is_some() && self.net.run_state(**id) == RunState::Up)
            .filter_map(|(id, s)| s.timers.iter().next().map(|(t, tid)| (*t, *id, *tid)))
            .min()
    }

    fn run(mut self) -> Result<Report, String> {
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for id in &ids {
            self.start(*id)?;
        }
        let gap = |rng: &mut Rng, mean: u64| rng.range(mean / 2, mean + mean / 2).max(1);
        let mut next_fault = if self.opts.fault_every_ms > 0 {
            Some(gap(&mut self.rng, self.opts.fault_every_ms))
        } else {
            None
        };
        let mut next_update = Some(gap(&mut self.rng, self.opts.update_every_ms));
        let mut healed = false;
        for _ in 0..STEPS_MAX {
            let now = self.net.now_ms();
            if !healed && now >= self.opts.chaos_ms {
                self.heal_all()?;
                healed = true;
                next_fault = None;
                next_update = None;
            }
            // Due timers run like events.
            let due_timer = self.next_timer().filter(|(t, _, _)| *t <= now);
            let ready = self.net.ready_nodes();
            if !ready.is_empty() || due_timer.is_some() {
                if due_timer.is_none() || (!ready.is_empty() && self.rng.chance(80)) {
                    let Some(&n) = self.rng.pick(&ready) else {
                        continue;
                    };
                    if let Some((view, ev)) = self.net.take_event(n) {
                        if let ClusterEvent::ConfChange { members, .. } = &ev {
                            self.trace(format!("n{n} view {view} {members:?}"));
                        }
                        self.step_node(n, view, Event::Cluster(ev))?;
                    }
                } else if let Some((_, n, id)) = due_timer {
                    if let Some(node) = self.nodes.get_mut(&n) {
                        node.timers.retain(|(_, t)| *t != id);
                    }
                    let view = self.net.view_of(n).map(|v| v.0).unwrap_or(0);
                    self.step_node(n, view, Event::Timer { id })?;
                }
                // Sometimes let time pass with work queued (slow nodes).
                if !self.rng.chance(5) {
                    continue;
                }
            }
            let candidates = [
                self.net.next_due(),
                next_fault,
                next_update,
                self.next_timer().map(|t| t.0),
                (!healed).then_some(self.opts.chaos_ms),
            ];
            let Some(t) = candidates.iter().flatten().copied().min() else {
                if self.net.ready_nodes().is_empty() {
                    break;
                }
                continue;
            };
            let t = t.max(now);
            if t > self.opts.chaos_ms + SETTLE_MS_MAX {
                return Err(self.fail("the cluster did not settle".into()));
            }
            self.net.advance_to(t);
            if next_fault.is_some_and(|f| f <= t) {
                self.fault()?;
                next_fault = Some(t + gap(&mut self.rng, self.opts.fault_every_ms));
            }
            if next_update.is_some_and(|u| u <= t) {
                self.client_update()?;
                next_update = Some(t + gap(&mut self.rng, self.opts.update_every_ms));
            }
            if healed && self.net.quiet() && self.next_timer().is_none() {
                break;
            }
        }
        self.check_end()
    }

    fn check_end(mut self) -> Result<Report, String> {
        let all: Vec<NodeId> = self.nodes.keys().copied().collect();
        let mut xml: Option<(NodeId, String)> = None;
        let mut dc = None;
        for (id, node) in &self.nodes {
            let Some(e) = node.engine.as_ref() else {
                return Err(self.fail(format!("node {id} is not running at the end")));
            };
            if !e.is_synced() || e.members() != all.as_slice() {
                return Err(self.fail(format!(
                    "node {id} ended in view {:?} (synced: {}), not {all:?}: {e:?}",
                    e.members(),
                    e.is_synced()
                )));
            }
            if node.disk != e.xml() {
                return Err(self.fail(format!(
                    "node {id}: the CIB on disk differs from the one in memory"
                )));
            }
            match &xml {
                None => xml = Some((*id, e.xml().to_string())),
                Some((first, x)) if x != e.xml() => {
                    return Err(self.fail(format!(
                        "replicas differ: node {first} has {} and node {id} has {}",
                        crate::engine::digest(x),
                        crate::engine::digest(e.xml())
                    )));
                }
                Some(_) => {}
            }
            match dc {
                None => dc = Some(e.dc()),
                Some(d) if d != e.dc() => {
                    return Err(self.fail(format!(
                        "nodes disagree on the DC at the end: {d:?} vs {:?}",
                        e.dc()
                    )))
                }
                Some(_) => {}
            }
        }
        let Some((_, final_xml)) = xml else {
            return Err("no nodes".into());
        };
        if !self.opts.two_node {
            let cib = cib::Cib::from_xml_lenient(&final_xml)
                .map_err(|e| format!("final CIB unreadable: {e}"))?
                .0;
            for key in &self.acked {
                let Some((node, name)) = key.split_once('/') else {
                    continue;
                };
                if node == "property" {
                    if ops::cluster_property(&cib, name).is_none() {
                        return Err(self.fail(format!("acknowledged configuration change {name} is missing from the final CIB")));
                    }
                    continue;
                }
                let present = cib.node_by_uname(node).is_some_and(|n| {
                    n.instance_attributes
                        .iter()
                        .flat_map(|s| s.nvpairs.iter())
                        .any(|p| p.name == name)
                });
                if !present {
                    return Err(self.fail(format!(
                        "acknowledged change {key} is missing from the final CIB"
                    )));
                }
            }
        }
        self.report.final_version = self
            .nodes
            .values()
            .find_map(|n| n.engine.as_ref())
            .map(|e| e.version().to_string())
            .unwrap_or_default();
        self.report.final_digest = crate::engine::digest(&final_xml);
        self.report.end_ms = self.net.now_ms();
        self.report.messages = self.net.ordered;
        let _ = &mut self;
        Ok(self.report)
    }
}

/// Runs one simulated cluster; `Err` describes the first violation, with the
/// seed and the last events.
pub fn run(opts: Options) -> Result<Report, String> {
    World::new(opts).run()
}
