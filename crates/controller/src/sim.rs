//! The seeded whole-cluster simulation: every node runs the replica engine
//! and the controller on `cluster::sim`, with a fake executor, and the
//! simulator is the fencer.
//!
//! One [`Rng`] seeded by the caller decides everything: message delays and
//! losses, which node runs next, how long each operation takes and whether
//! it fails, and the faults: node crash (and later restart), pause/resume,
//! partition/heal, a resource's process dying (its next monitor fails), a
//! start, stop, promote or demote failing. Fencing kills the target (it
//! reboots a little later) and then reports success. A run has a chaotic
//! phase; then everything is healed and restarted, fail counts are cleaned
//! up (as an administrator would) and the cluster is left to settle.
//!
//! Checkers:
//! - always: a resource that is not a clone instance never runs on two
//!   nodes that are alive (up or paused: a node that is fenced is killed, so
//!   alive means unfenced), and at most one instance of the promotable
//!   clone is promoted;
//! - always: a resource is never started on a node while a crashed node
//!   that ran it has neither been fenced nor restarted (a lost node's
//!   resources are stopped only by fencing it);
//! - at the end: every resource runs (primitives and group members on one
//!   node, clone instances on every node, one promoted instance), every
//!   controller is idle, the CIB replicas are identical.
//!
//! A failure names its seed and the command that replays it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cluster::sim::{Rng, RunState, SimConfig, SimEndpoint, SimNet};
use cluster::{Cluster, ClusterConfig, ClusterEvent, NodeId, NodeInfo};
use executor::{ExecStatus, OpRequest, OpResult};
use replica::engine::{Command as RCommand, Engine, EngineConfig, Event as REvent, Notice};
use replica::ops::{AttrScope, CibOp};

use crate::engine::{Command, Controller, ControllerConfig, Event, FenceResult, REQ_BASE};

/// The configuration every simulated cluster runs: three nodes, a fence
/// device, a primitive, a group (colocated with and ordered after it), a
/// clone and a promotable clone; `stonith-enabled=true`.
pub const SIM_CIB: &str = include_str!("sim_cib.xml");

/// Simulated wall clock at time 0 (ms since the epoch).
pub const EPOCH_MS: u64 = 1_700_000_000_000;

/// Resources that may run on one node only. Not the fence device: its
/// `requires` is `quorum` (Pacemaker's default for fence devices), so it
/// may start elsewhere before the node it leaves is fenced (a DC fenced
/// through a peer keeps running until then).
const SINGLE: [&str; 3] = ["ip", "web-fs", "web-srv"];
const CLONES: [&str; 2] = ["ping", "db"];

#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Length of the chaotic phase (simulated ms).
    pub chaos_ms: u64,
    /// Mean gap between faults (0: none).
    pub fault_every_ms: u64,
    /// Chance (percent) that a start, stop, promote or demote fails during
    /// the chaotic phase.
    pub op_fail_percent: u64,
    pub net: SimConfig,
    /// The configuration every node starts with ([`SIM_CIB`] or a variant
    /// of it: the end checks expect its resources).
    pub cib: String,
    /// Scripted resource deaths: (time, resource, node) — the resource's
    /// process dies there at that time, if it runs there.
    pub deaths: Vec<(u64, String, NodeId)>,
    /// Scripted shutdown requests (SIGTERM to pacerd): (time, node).
    pub shutdowns: Vec<(u64, NodeId)>,
    /// Clean up every fail count after the chaotic phase (`crm_resource
    /// --cleanup`), so that bans from failures do not keep resources off.
    pub cleanup: bool,
    /// Scripted network splits: (time, groups of nodes that still reach
    /// each other); no groups = healed.
    pub partitions: Vec<(u64, Vec<Vec<NodeId>>)>,
    /// Check at every step that a resource that is not a clone runs on one
    /// node at most. Off only for runs without fencing, where a split
    /// makes both sides run it, as it does Pacemaker's.
    pub check_single: bool,
}

impl Options {
    pub fn new(seed: u64) -> Self {
        Options {
            seed,
            chaos_ms: 15_000,
            fault_every_ms: 3_000,
            op_fail_percent: 3,
            net: SimConfig::default(),
            cib: SIM_CIB.to_string(),
            deaths: Vec::new(),
            shutdowns: Vec::new(),
            cleanup: true,
            partitions: Vec::new(),
            check_single: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Report {
    pub seed: u64,
    pub faults: usize,
    pub fenced: usize,
    pub operations: usize,
    pub failed_operations: usize,
    pub end_ms: u64,
    pub final_version: String,
    pub final_digest: String,
    /// Every start asked for: (time, resource, node).
    pub starts: Vec<(u64, String, NodeId)>,
    /// Every stop asked for: (time, resource, node).
    pub stops: Vec<(u64, String, NodeId)>,
    /// Nodes that left on their controller's word: (time, node, resources
    /// still running there).
    pub exits: Vec<(u64, NodeId, Vec<String>)>,
    /// Alerts raised: (time, node, event).
    pub alerts: Vec<(u64, NodeId, alerts::Event)>,
}

#[derive(Clone, Debug, Default)]
struct FakeRsc {
    running: bool,
    promoted: bool,
}

#[derive(Default)]
struct FakeExec {
    rscs: BTreeMap<String, FakeRsc>,
    /// Recurring operations: key → (request, next run).
    recurring: BTreeMap<(String, String, u64), (OpRequest, u64)>,
    /// One-time operations in progress: (done at, request).
    pending: Vec<(u64, OpRequest)>,
    call_id: i64,
}

struct SimNode {
    engine: Option<Engine>,
    ctl: Option<Controller>,
    endpoint: SimEndpoint,
    disk: String,
    /// A `Persist` came since `disk` was last written: the engine's text is
    /// copied to `disk` when the node goes down (rendering it on every
    /// change would cost most of the run; the engine changes nothing between
    /// its `Persist` and the end of its step).
    disk_stale: bool,
    incarnation: u64,
    timers: BTreeSet<(u64, u64)>,
    exec: FakeExec,
    /// Reboot after fencing at this time.
    reboot_at: Option<u64>,
}

enum Input {
    Engine(REvent),
    Ctl(Event),
}

struct World {
    opts: Options,
    cluster: ClusterConfig,
    net: SimNet,
    rng: Rng,
    nodes: BTreeMap<NodeId, SimNode>,
    /// Resources a crashed node ran, until it is fenced or restarts.
    ghosts: BTreeMap<NodeId, BTreeSet<String>>,
    /// Fencing answers to deliver: (at, to, result).
    fence_replies: Vec<(u64, NodeId, FenceResult)>,
    chaos: bool,
    cleanup: Cleanup,
    report: Report,
    trace: VecDeque<String>,
    next_tick: u64,
    /// `PACER_SIM_DEBUG` is set (read once: the environment is locked on
    /// every read).
    debug: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cleanup {
    NotYet,
    /// Submitted with this request id at this time.
    Sent(u64, u64),
    Done,
}

const TRACE_MAX: usize = 400;
const STEPS_MAX: u64 = 5_000_000;
const SETTLE_MS_MAX: u64 = 300_000;
const TICK_MS: u64 = 500;
const CLEANUP_REQ: u64 = 1;
/// The longest monitor interval of [`SIM_CIB`], plus a margin.
const MONITOR_MS_MAX: u64 = 25_000;

impl World {
    fn new(opts: Options) -> Self {
        let nodes: Vec<NodeInfo> = (1..=3).map(|i| NodeInfo::new(i, format!("n{i}"))).collect();
        let cluster = ClusterConfig::new(nodes);
        let net = SimNet::new(cluster.clone(), opts.net.clone(), opts.seed);
        let disk = match cib::Cib::from_xml(&opts.cib) {
            Ok(c) => c.to_xml(),
            Err(_) => replica::ops::empty_cib_xml(),
        };
        let sim_nodes = cluster
            .nodes
            .iter()
            .map(|n| {
                (
                    n.id,
                    SimNode {
                        engine: None,
                        ctl: None,
                        endpoint: SimEndpoint::new(n.id, cluster.clone()),
                        disk: disk.clone(),
                        disk_stale: false,
                        incarnation: 0,
                        timers: BTreeSet::new(),
                        exec: FakeExec::default(),
                        reboot_at: None,
                    },
                )
            })
            .collect();
        World {
            rng: Rng::new(opts.seed ^ 0x5eed_c0de),
            report: Report {
                seed: opts.seed,
                ..Default::default()
            },
            opts,
            cluster,
            net,
            nodes: sim_nodes,
            ghosts: BTreeMap::new(),
            fence_replies: Vec::new(),
            chaos: true,
            cleanup: Cleanup::NotYet,
            trace: VecDeque::new(),
            next_tick: 0,
            debug: std::env::var("PACER_SIM_DEBUG").is_ok(),
        }
    }

    fn now(&self) -> u64 {
        self.net.now_ms()
    }

    fn trace(&mut self, line: String) {
        if self.trace.len() >= TRACE_MAX {
            self.trace.pop_front();
        }
        let line = format!("[{} ms] {line}", self.now());
        if self.debug {
            eprintln!("{line}");
        }
        self.trace.push_back(line);
    }

    fn fail(&self, what: String) -> String {
        let tail: Vec<&str> = self.trace.iter().map(String::as_str).collect();
        format!(
            "seed {}: {what}\nreplay: PACER_SIM_SEED={} cargo test -p controller --test sim replay -- --nocapture\nlast events:\n{}",
            self.opts.seed,
            self.opts.seed,
            tail.join("\n")
        )
    }

    fn alive(&self, n: NodeId) -> bool {
        self.net.run_state(n) != RunState::Down
    }

    fn start(&mut self, n: NodeId) -> Result<(), String> {
        let cluster = self.cluster.clone();
        let Some(node) = self.nodes.get_mut(&n) else {
            return Ok(());
        };
        node.incarnation += 1;
        node.engine = Some(
            Engine::new(
                EngineConfig {
                    me: n,
                    incarnation: node.incarnation,
                    cluster: cluster.clone(),
                },
                &node.disk,
            )
            .map_err(|e| format!("node {n} cannot start: {e}"))?,
        );
        node.ctl = Some(Controller::new(ControllerConfig {
            me: n,
            incarnation: node.incarnation,
            cluster,
        }));
        node.timers.clear();
        node.exec = FakeExec::default();
        node.reboot_at = None;
        self.ghosts.remove(&n);
        self.net.start(n);
        self.trace(format!("start n{n}"));
        let now_ms = EPOCH_MS + self.now();
        self.step_node(n, Input::Ctl(Event::Tick { now_ms }))
    }

    /// The node's process dies with everything it ran.
    fn crash(&mut self, n: NodeId) {
        let running: BTreeSet<String> = self
            .nodes
            .get(&n)
            .map(|s| {
                s.exec
                    .rscs
                    .iter()
                    .filter(|(_, r)| r.running)
                    .map(|(id, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(node) = self.nodes.get_mut(&n) {
            if let Some(e) = node.engine.as_ref().filter(|_| node.disk_stale) {
                node.disk = e.xml().to_string();
                node.disk_stale = false;
            }
            node.engine = None;
            node.ctl = None;
            node.timers.clear();
            node.endpoint.outbox.clear();
            node.exec = FakeExec::default();
        }
        if self.net.run_state(n) != RunState::Down {
            self.ghosts.entry(n).or_default().extend(running);
        }
        self.net.crash(n);
        self.trace(format!("crash n{n}"));
    }

    fn step_node(&mut self, n: NodeId, first: Input) -> Result<(), String> {
        let debug = self.debug;
        let mut exit = false;
        let mut queue = VecDeque::from([first]);
        let mut fences = Vec::new();
        let mut bound = 0;
        while let Some(input) = queue.pop_front() {
            bound += 1;
            if bound > 10_000 {
                return Err(self.fail(format!("node {n}: endless chain of commands")));
            }
            let now = self.now();
            let Some(node) = self.nodes.get_mut(&n) else {
                return Ok(());
            };
            let (Some(engine), Some(ctl)) = (node.engine.as_mut(), node.ctl.as_mut()) else {
                return Ok(());
            };
            let mut lines = Vec::new();
            match input {
                Input::Engine(ev) => {
                    if debug {
                        if let REvent::Cluster(ClusterEvent::Deliver { from, payload }) = &ev {
                            if let Ok(replica::wire::Message::Update { origin, req, op }) =
                                replica::wire::decode(payload)
                            {
                                eprintln!("[{now}] n{n} applies from n{from} {origin:?} req {req} {} ff={}", op.describe(), format!("{op:?}").contains("fence_last_failure"));
                            }
                        }
                    }
                    for c in engine.handle(ev) {
                        match c {
                            RCommand::Send(m) => {
                                let _ = node.endpoint.multicast(&replica::wire::encode(&m));
                            }
                            RCommand::Persist => node.disk_stale = true,
                            RCommand::Reply { req, result } => {
                                if req >= REQ_BASE {
                                    queue.push_back(Input::Ctl(Event::Written {
                                        req,
                                        ok: result.is_ok(),
                                    }));
                                } else if req == CLEANUP_REQ {
                                    if result.is_ok() {
                                        self.cleanup = Cleanup::Done;
                                    }
                                    lines.push(format!("n{n}: cleanup {result:?}"));
                                }
                            }
                            RCommand::SetTimer { id, after_ms } => {
                                node.timers.insert((now + after_ms, id));
                            }
                            RCommand::Notify(notice) => {
                                if debug && matches!(notice, Notice::CibChanged { .. }) {
                                    eprintln!(
                                        "[{now}] n{n} cib changed {} fence_failure={}",
                                        engine.version(),
                                        engine.xml().contains("fence_last_failure")
                                    );
                                }
                                if let Notice::Synced {
                                    members,
                                    dc,
                                    quorate,
                                    version,
                                } = &notice
                                {
                                    lines.push(format!(
                                        "n{n} synced {members:?} dc={dc:?} quorate={quorate} v{version}"
                                    ));
                                }
                                queue.push_back(Input::Ctl(Event::Notice(notice)));
                            }
                            RCommand::Diverged(d) => {
                                lines.push(format!("n{n} diverged: {}", d.summary))
                            }
                            RCommand::Log(l) => lines.push(format!("n{n} replica: {l}")),
                            RCommand::Fatal(f) => {
                                return Err(self.fail(format!("node {n} fatal: {f}")))
                            }
                        }
                    }
                }
                Input::Ctl(ev) => {
                    let cmds = ctl.handle(engine.cib(), ev);
                    for c in cmds {
                        match c {
                            Command::Send(payload) => {
                                let m = replica::wire::Message::Controller { payload };
                                let _ = node.endpoint.multicast(&replica::wire::encode(&m));
                            }
                            Command::Submit { req, op } => {
                                if let (
                                    true,
                                    CibOp::WriteHistory {
                                        node_state_xml,
                                        replace,
                                        ..
                                    },
                                ) = (debug, &op)
                                {
                                    eprintln!("[{now}] n{n} writes history replace={replace} fence_failure={}", node_state_xml.contains("fence_last_failure"));
                                }
                                queue.push_back(Input::Engine(REvent::Submit { req, op }))
                            }
                            Command::Execute(req) => {
                                lines.push(format!(
                                    "n{n} exec {} {} {}",
                                    req.rsc_id, req.action, req.interval_ms
                                ));
                                if req.action == "start" {
                                    self.report.starts.push((now, req.rsc_id.clone(), n));
                                }
                                if req.action == "start" && SINGLE.contains(&req.rsc_id.as_str()) {
                                    let ghost = self
                                        .ghosts
                                        .iter()
                                        .find(|(g, set)| **g != n && set.contains(&req.rsc_id));
                                    if let Some((g, _)) = ghost {
                                        let g = *g;
                                        return Err(self.fail(format!(
                                            "{} started on n{n} while n{g}, which ran it and crashed, was neither fenced nor restarted",
                                            req.rsc_id
                                        )));
                                    }
                                }
                                if req.action == "stop" {
                                    self.report.stops.push((now, req.rsc_id.clone(), n));
                                    // Like the real executor: a stop first
                                    // cancels the resource's recurring operations.
                                    node.exec.recurring.retain(|k, _| k.0 != req.rsc_id);
                                }
                                if req.interval_ms > 0 {
                                    let key =
                                        (req.rsc_id.clone(), req.action.clone(), req.interval_ms);
                                    // The first run comes at once, as the real executor does.
                                    node.exec.recurring.insert(key, (req, now + 1));
                                } else {
                                    let d = self.rng.range(1, 40);
                                    node.exec.pending.push((now + d, req));
                                }
                            }
                            Command::Cancel {
                                rsc_id,
                                action,
                                interval_ms,
                            } => {
                                node.exec.recurring.remove(&(rsc_id, action, interval_ms));
                            }
                            Command::Fence(f) => fences.push(f),
                            Command::Alert(a) => self.report.alerts.push((now, n, a)),
                            Command::Exit { reason } => {
                                lines.push(format!("n{n} exits: {reason}"));
                                exit = true;
                            }
                            Command::Log(l) => {
                                if let Ok(dir) = std::env::var("PACER_SIM_DUMP_DIR") {
                                    // For debugging: the CIB each transition was computed from.
                                    if l.contains(" actions: ") {
                                        let path = format!("{dir}/{now:08}-n{n}.xml");
                                        let _ = std::fs::write(path, engine.xml());
                                    }
                                }
                                lines.push(format!("n{n}: {l}"))
                            }
                        }
                    }
                }
            }
            if let Some(node) = self.nodes.get_mut(&n) {
                for bytes in std::mem::take(&mut node.endpoint.outbox) {
                    let _ = self.net.multicast(n, bytes);
                }
            }
            for l in lines {
                self.trace(l);
            }
        }
        for f in fences {
            self.fence(n, f)?;
        }
        if exit {
            let running: Vec<String> = self
                .nodes
                .get(&n)
                .map(|s| {
                    s.exec
                        .rscs
                        .iter()
                        .filter(|(_, r)| r.running)
                        .map(|(id, _)| id.clone())
                        .collect()
                })
                .unwrap_or_default();
            self.report.exits.push((self.now(), n, running));
            // Like a crash for the network; what still ran (an escalated
            // shutdown) counts as lost with the node.
            self.crash(n);
        }
        self.check_safety()
    }

    /// The simulator is the fencer: the target dies at once and reboots a
    /// little later; the requester hears of it after a delay.
    fn fence(&mut self, from: NodeId, f: crate::engine::FenceRequest) -> Result<(), String> {
        let Some(target) = self.cluster.id_of(&f.target) else {
            let at = self.now() + 10;
            self.fence_replies.push((
                at,
                from,
                FenceResult {
                    id: f.id,
                    target: f.target,
                    ok: false,
                    reason: Some("no such node".into()),
                },
            ));
            return Ok(());
        };
        self.trace(format!("n{from} fences n{target} ({})", f.action));
        self.report.fenced += 1;
        if self.alive(target) {
            self.crash(target);
        }
        self.ghosts.remove(&target);
        let now = self.now();
        let reboot = now + self.rng.range(1_000, 4_000);
        if let Some(node) = self.nodes.get_mut(&target) {
            node.reboot_at = Some(reboot);
        }
        let at = now + self.rng.range(50, 500);
        self.fence_replies.push((
            at,
            from,
            FenceResult {
                id: f.id,
                target: f.target,
                ok: true,
                reason: None,
            },
        ));
        Ok(())
    }

    fn check_safety(&self) -> Result<(), String> {
        if !self.opts.check_single {
            return Ok(());
        }
        for r in SINGLE {
            let on: Vec<NodeId> = self
                .nodes
                .iter()
                .filter(|(id, s)| self.alive(**id) && s.exec.rscs.get(r).is_some_and(|x| x.running))
                .map(|(id, _)| *id)
                .collect();
            if on.len() > 1 {
                return Err(self.fail(format!("{r} is running on nodes {on:?} at once")));
            }
        }
        let promoted: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(id, s)| {
                self.alive(**id)
                    && s.exec
                        .rscs
                        .get("db")
                        .is_some_and(|x| x.running && x.promoted)
            })
            .map(|(id, _)| *id)
            .collect();
        if promoted.len() > 1 {
            return Err(self.fail(format!("db is promoted on nodes {promoted:?} at once")));
        }
        Ok(())
    }

    /// Runs one operation on the fake executor of node `n`.
    fn run_op(&mut self, n: NodeId, req: OpRequest) -> OpResult {
        let fail_ok = self.chaos && self.opts.op_fail_percent > 0;
        let fails = fail_ok
            && matches!(req.action.as_str(), "start" | "stop" | "promote" | "demote")
            && self.rng.chance(self.opts.op_fail_percent);
        let partial = self.rng.chance(50);
        let node_name = self.cluster.name_of(n);
        let now_s = ((EPOCH_MS + self.now()) / 1000) as i64;
        let Some(node) = self.nodes.get_mut(&n) else {
            return fake_result(&req, &node_name, 0, 1, now_s);
        };
        node.exec.call_id += 1;
        let call_id = node.exec.call_id;
        let r = node.exec.rscs.entry(req.rsc_id.clone()).or_default();
        let rc = match req.action.as_str() {
            "start" if fails => {
                r.running = partial;
                1
            }
            "start" => {
                r.running = true;
                0
            }
            "stop" if fails => 1,
            "stop" => {
                r.running = false;
                r.promoted = false;
                0
            }
            "promote" if fails => 1,
            "promote" => {
                if r.running {
                    r.promoted = true;
                    0
                } else {
                    7
                }
            }
            "demote" if fails => 1,
            "demote" => {
                r.promoted = false;
                if r.running {
                    0
                } else {
                    7
                }
            }
            "monitor" => match (r.running, r.promoted) {
                (false, _) => 7,
                (true, true) => 8,
                (true, false) => 0,
            },
            _ => 0,
        };
        self.report.operations += 1;
        if rc != 0 && req.action != "monitor" {
            self.report.failed_operations += 1;
        }
        fake_result(&req, &node_name, call_id, rc, now_s)
    }

    /// The promotion score the Stateful agent keeps in `master-db`.
    fn promotion_score(&self, n: NodeId) -> Option<Option<String>> {
        let r = self.nodes.get(&n)?.exec.rscs.get("db")?;
        Some(match (r.running, r.promoted) {
            (false, _) => None,
            (true, true) => Some("10".into()),
            (true, false) => Some("5".into()),
        })
    }

    fn fault(&mut self) -> Result<(), String> {
        self.report.faults += 1;
        let ids: Vec<NodeId> = self.cluster.nodes.iter().map(|n| n.id).collect();
        let Some(&n) = self.rng.pick(&ids) else {
            return Ok(());
        };
        match self.rng.range(0, 6) {
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
                let (mut a, mut b) = (Vec::new(), Vec::new());
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
                // A resource's process dies; its next monitor fails.
                let Some(node) = self.nodes.get_mut(&n) else {
                    return Ok(());
                };
                let running: Vec<String> = node
                    .exec
                    .rscs
                    .iter()
                    .filter(|(_, r)| r.running)
                    .map(|(id, _)| id.clone())
                    .collect();
                if let Some(id) = self.rng.pick(&running).cloned() {
                    self.kill_rsc(n, &id);
                }
            }
        }
        Ok(())
    }

    /// A resource's process dies on node `n` (if it runs there); its next
    /// monitor fails.
    fn kill_rsc(&mut self, n: NodeId, id: &str) {
        let Some(r) = self.nodes.get_mut(&n).and_then(|s| s.exec.rscs.get_mut(id)) else {
            return;
        };
        if r.running {
            r.running = false;
            r.promoted = false;
            self.trace(format!("{id} dies on n{n}"));
        }
    }

    fn heal_all(&mut self) -> Result<(), String> {
        self.trace("heal all".into());
        self.chaos = false;
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

    /// Deletes every fail count through the DC (`crm_resource --cleanup`).
    fn send_cleanup(&mut self) -> Result<(), String> {
        let Some((&dc, node)) = self.nodes.iter().find(|(id, s)| {
            s.engine
                .as_ref()
                .is_some_and(|e| e.is_synced() && e.quorate() && e.dc() == Some(**id))
        }) else {
            return Ok(());
        };
        let Some(engine) = node.engine.as_ref() else {
            return Ok(());
        };
        let mut ops = Vec::new();
        for ns in &engine.cib().status.node_states {
            let names: Vec<(String, Option<String>)> = ns
                .transient_attributes
                .iter()
                .flat_map(|t| t.instance_attributes.iter())
                .flat_map(|s| s.nvpairs.iter())
                .filter(|p| {
                    p.name.starts_with("fail-count-") || p.name.starts_with("last-failure-")
                })
                .map(|p| (p.name.clone(), None))
                .collect();
            if let (false, Some(uname)) = (names.is_empty(), ns.uname.clone()) {
                ops.push(CibOp::SetAttributes {
                    node: uname,
                    scope: AttrScope::Transient,
                    attrs: names,
                });
            }
        }
        let now = self.now();
        if ops.is_empty() {
            self.cleanup = Cleanup::Done;
            return Ok(());
        }
        self.cleanup = Cleanup::Sent(CLEANUP_REQ, now);
        let count = ops.len();
        for (i, op) in ops.into_iter().enumerate() {
            // Only the last one's answer is watched: the earlier ones are
            // applied before it.
            let req = if i + 1 == count {
                CLEANUP_REQ
            } else {
                CLEANUP_REQ + 1
            };
            self.step_node(dc, Input::Engine(REvent::Submit { req, op }))?;
        }
        Ok(())
    }

    fn next_exec(&self) -> Option<u64> {
        self.nodes
            .values()
            .filter(|s| s.ctl.is_some())
            .flat_map(|s| {
                s.exec
                    .pending
                    .iter()
                    .map(|p| p.0)
                    .chain(s.exec.recurring.values().map(|r| r.1))
            })
            .min()
    }

    fn next_timer(&self) -> Option<(u64, NodeId, u64)> {
        self.nodes
            .iter()
            .filter(|(id, s)| s.engine.is_some() && self.net.run_state(**id) == RunState::Up)
            .filter_map(|(id, s)| s.timers.iter().next().map(|(t, tid)| (*t, *id, *tid)))
            .min()
    }

    /// Performs whatever is due at the current time (other than network
    /// events); true if anything was.
    fn due(&mut self) -> Result<bool, String> {
        let now = self.now();
        let mut any = false;
        // Executor results.
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for &n in &ids {
            if self.net.run_state(n) != RunState::Up {
                continue;
            }
            let Some(node) = self.nodes.get_mut(&n) else {
                continue;
            };
            if node.ctl.is_none() {
                continue;
            }
            let mut ready: Vec<OpRequest> = Vec::new();
            node.exec.pending.retain(|(t, r)| {
                if *t <= now {
                    ready.push(r.clone());
                    false
                } else {
                    true
                }
            });
            for (req, next) in node.exec.recurring.values_mut() {
                if *next <= now {
                    *next = now + req.interval_ms.max(1);
                    ready.push(req.clone());
                }
            }
            for req in ready {
                any = true;
                let res = self.run_op(n, req);
                let promotion = (res.rsc_id == "db")
                    .then(|| self.promotion_score(n))
                    .flatten();
                self.step_node(n, Input::Ctl(Event::OpResult(Box::new(res))))?;
                if let Some(value) = promotion {
                    // What the Stateful agent does with crm_master.
                    let update = replica::engine::AttrUpdate {
                        node: self.cluster.name_of(n),
                        name: "master-db".into(),
                        value,
                        scope: AttrScope::Transient,
                        dampen_ms: 0,
                    };
                    self.step_node(
                        n,
                        Input::Engine(REvent::SetAttr {
                            req: CLEANUP_REQ + 1,
                            update,
                        }),
                    )?;
                }
            }
        }
        // Fencing answers.
        let mut replies = Vec::new();
        self.fence_replies.retain(|(t, to, r)| {
            if *t <= now {
                replies.push((*to, r.clone()));
                false
            } else {
                true
            }
        });
        for (to, r) in replies {
            any = true;
            if self.net.run_state(to) == RunState::Up {
                self.step_node(to, Input::Ctl(Event::Fenced(r)))?;
            }
        }
        // Reboots after fencing.
        for &n in &ids {
            let due = self
                .nodes
                .get(&n)
                .and_then(|s| s.reboot_at)
                .is_some_and(|t| t <= now);
            if due && self.net.run_state(n) == RunState::Down {
                any = true;
                self.start(n)?;
            }
        }
        // Ticks.
        if now >= self.next_tick {
            self.next_tick = now + TICK_MS;
            for &n in &ids {
                if self.net.run_state(n) == RunState::Up {
                    let now_ms = EPOCH_MS + now;
                    self.step_node(n, Input::Ctl(Event::Tick { now_ms }))?;
                }
            }
        }
        // Replica timers.
        while let Some((t, n, id)) = self.next_timer().filter(|(t, _, _)| *t <= now) {
            let _ = t;
            any = true;
            if let Some(node) = self.nodes.get_mut(&n) {
                node.timers.retain(|(_, x)| *x != id);
            }
            self.step_node(n, Input::Engine(REvent::Timer { id }))?;
        }
        Ok(any)
    }

    fn settled(&self) -> bool {
        !self.chaos
            && (self.cleanup == Cleanup::Done || !self.opts.cleanup)
            // Every recurring monitor has run since the last fault.
            && self.now() >= self.opts.chaos_ms + MONITOR_MS_MAX
            && self.net.quiet()
            && self.fence_replies.is_empty()
            && self.nodes.iter().all(|(id, s)| {
                self.net.run_state(*id) == RunState::Up
                    && s.exec.pending.is_empty()
                    && s.ctl.as_ref().is_some_and(|c| c.is_idle())
                    && s.engine.as_ref().is_some_and(|e| e.is_synced() && e.members().len() == 3)
            })
    }

    fn run(mut self) -> Result<Report, String> {
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for id in &ids {
            self.start(*id)?;
        }
        let gap = |rng: &mut Rng, mean: u64| rng.range(mean / 2, mean + mean / 2).max(1);
        let mut next_fault =
            (self.opts.fault_every_ms > 0).then(|| gap(&mut self.rng, self.opts.fault_every_ms));
        for _ in 0..STEPS_MAX {
            let now = self.now();
            if self.chaos && now >= self.opts.chaos_ms {
                self.heal_all()?;
                next_fault = None;
            }
            while let Some(i) = self.opts.deaths.iter().position(|d| d.0 <= now) {
                let (_, id, n) = self.opts.deaths.remove(i);
                self.kill_rsc(n, &id);
            }
            while let Some(i) = self.opts.partitions.iter().position(|d| d.0 <= now) {
                let (_, groups) = self.opts.partitions.remove(i);
                if groups.is_empty() {
                    self.trace("heal".into());
                    self.net.heal();
                } else {
                    self.trace(format!("partition {groups:?}"));
                    self.net.partition(&groups);
                }
            }
            while let Some(i) = self.opts.shutdowns.iter().position(|d| d.0 <= now) {
                let (_, n) = self.opts.shutdowns.remove(i);
                self.trace(format!("shutdown requested on n{n}"));
                self.step_node(n, Input::Ctl(Event::Shutdown))?;
            }
            if !self.chaos && self.opts.cleanup {
                match self.cleanup {
                    Cleanup::NotYet if now >= self.opts.chaos_ms + 3_000 => self.send_cleanup()?,
                    Cleanup::Sent(_, at) if now >= at + 2_000 => self.send_cleanup()?,
                    _ => {}
                }
            }
            let ready = self.net.ready_nodes();
            if let Some(&n) = self.rng.pick(&ready) {
                if let Some((_, ev)) = self.net.take_event(n) {
                    if let ClusterEvent::ConfChange { members, .. } = &ev {
                        let line = format!("n{n} view {members:?}");
                        self.trace(line);
                    }
                    self.step_node(n, Input::Engine(REvent::Cluster(ev)))?;
                }
                if !self.rng.chance(5) {
                    continue;
                }
            }
            if self.due()? {
                continue;
            }
            if self.settled() {
                return self.check_end();
            }
            let candidates = [
                self.net.next_due(),
                next_fault,
                self.next_exec(),
                self.next_timer().map(|t| t.0),
                self.fence_replies.iter().map(|f| f.0).min(),
                self.nodes.values().filter_map(|s| s.reboot_at).min(),
                Some(self.next_tick),
                self.chaos.then_some(self.opts.chaos_ms),
                self.opts.deaths.iter().map(|d| d.0).min(),
                self.opts.shutdowns.iter().map(|d| d.0).min(),
                self.opts.partitions.iter().map(|d| d.0).min(),
            ];
            let Some(t) = candidates
                .iter()
                .flatten()
                .copied()
                .filter(|t| *t > now)
                .min()
            else {
                continue;
            };
            if t > self.opts.chaos_ms + SETTLE_MS_MAX {
                return Err(self.fail("the cluster did not settle".into()));
            }
            self.net.advance_to(t);
            if next_fault.is_some_and(|f| f <= t) {
                self.fault()?;
                next_fault = Some(t + gap(&mut self.rng, self.opts.fault_every_ms));
            }
            if self.now() > self.opts.chaos_ms + SETTLE_MS_MAX {
                return Err(self.fail("the cluster did not settle".into()));
            }
        }
        Err(self.fail("too many steps".into()))
    }

    fn check_end(mut self) -> Result<Report, String> {
        let mut xml: Option<(NodeId, String)> = None;
        for (id, node) in &self.nodes {
            let Some(e) = node.engine.as_ref() else {
                return Err(self.fail(format!("node {id} is not running at the end")));
            };
            match &xml {
                None => xml = Some((*id, e.xml().to_string())),
                Some((first, x)) if x != e.xml() => {
                    return Err(
                        self.fail(format!("replicas differ at the end: n{first} and n{id}"))
                    );
                }
                Some(_) => {}
            }
        }
        if let (Ok(path), Some((_, x))) = (std::env::var("PACER_SIM_DUMP"), &xml) {
            // For debugging a failure: the final CIB, for `pacer simulate`.
            let _ = std::fs::write(path, x);
        }
        let running_on = |w: &World, r: &str| -> Vec<NodeId> {
            w.nodes
                .iter()
                .filter(|(_, s)| s.exec.rscs.get(r).is_some_and(|x| x.running))
                .map(|(id, _)| *id)
                .collect()
        };
        for r in SINGLE {
            let on = running_on(&self, r);
            if on.len() != 1 {
                return Err(self.fail(format!("{r} runs on {on:?} at the end, not on one node")));
            }
        }
        for r in CLONES {
            let on = running_on(&self, r);
            if on.len() != 3 {
                return Err(self.fail(format!(
                    "clone {r} runs on {on:?} at the end, not on all three"
                )));
            }
        }
        let promoted = self
            .nodes
            .values()
            .filter(|s| s.exec.rscs.get("db").is_some_and(|x| x.promoted))
            .count();
        if promoted != 1 {
            return Err(self.fail(format!("{promoted} db instances are promoted at the end")));
        }
        let web_fs = running_on(&self, "web-fs");
        if web_fs != running_on(&self, "ip") || web_fs != running_on(&self, "web-srv") {
            return Err(self.fail("the web group is not with ip at the end".into()));
        }
        let (_, final_xml) = xml.unwrap_or_default();
        self.report.final_digest = replica::engine::digest(&final_xml);
        self.report.final_version = self
            .nodes
            .values()
            .find_map(|n| n.engine.as_ref())
            .map(|e| e.version().to_string())
            .unwrap_or_default();
        self.report.end_ms = self.now();
        Ok(self.report)
    }
}

fn fake_result(req: &OpRequest, node: &str, call_id: i64, rc: i32, now_s: i64) -> OpResult {
    let params = req.agent_params(Some(node));
    OpResult {
        rsc_id: req.rsc_id.clone(),
        agent: req.agent.clone(),
        action: req.action.clone(),
        interval_ms: req.interval_ms,
        call_id,
        rc,
        rc_text: executor::codes::rc_str(rc).to_string(),
        status: ExecStatus::Done,
        exit_reason: (rc != 0).then(|| "simulated failure".to_string()),
        stdout: String::new(),
        stderr: String::new(),
        output_truncated: false,
        pid: None,
        agent_exit: Some(rc),
        exec_time_ms: 10,
        queue_time_ms: 0,
        last_run: now_s,
        last_rc_change: now_s,
        digests: executor::digest::Digests {
            op_digest: executor::digest::op_digest(&params),
            ..Default::default()
        },
        params,
        node: Some(node.to_string()),
    }
}

/// Runs one simulated cluster; `Err` describes the first violation, with
/// the seed, the replay command and the last events.
pub fn run(opts: Options) -> Result<Report, String> {
    World::new(opts).run()
}
