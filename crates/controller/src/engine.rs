//! One node's controller as a pure state machine: [`Controller::handle`]
//! takes an [`Event`] and the node's current CIB and returns [`Command`]s.
//!
//! ## Every node
//! - runs the operations the DC addresses to it ([`Command::Execute`],
//!   [`Command::Cancel`] for its executor);
//! - keeps its own operation history (the node is the authority on what ran
//!   on it, as in Pacemaker's join) and writes the whole of it into its
//!   `<node_state>` after every result and after every sync round
//!   ([`CibOp::WriteHistory`]), then says [`Message::Joined`];
//! - records recurring monitors' results only when they change, and tells
//!   the DC about unexpected ones ([`Message::Failed`]).
//!
//! ## The DC
//! - once every member has joined after a sync round, runs the scheduler on
//!   the CIB and executes the transition graph: an action is ready when all
//!   its inputs are confirmed; pseudo-actions are confirmed at once;
//!   resource actions go to their node; fencing becomes [`Command::Fence`];
//! - confirms an action when its result (found by transition key) is in the
//!   CIB; a result other than the expected one increments
//!   `fail-count-<rsc>#<op>_<interval>` and sets `last-failure-…` (as
//!   Pacemaker's `update_failcount`) and aborts the transition;
//! - aborts on any change of the configuration, the membership, node
//!   attributes, or an unexpected result: no new action starts, the ones in
//!   flight are waited for, then the scheduler runs again;
//! - fails an action that gets no result within its timeout plus
//!   `cluster-delay` (recorded as `op-status` timeout);
//! - without quorum, schedules `no-quorum-policy` (stop, freeze, demote,
//!   suicide, ignore: the scheduler decides what each means) on a
//!   *partition CIB*: the replicated CIB takes no writes without quorum, so
//!   every member keeps a copy of it with this partition's membership and
//!   `have-quorum="false"`, and the partition's CIB writes (histories, fail
//!   counts) travel as [`Message::PartitionWrite`] and are applied to that
//!   copy in their agreed order. When quorum returns the copy is dropped:
//!   every node writes its whole history into the replicated CIB at the
//!   sync round, as always.
//!
//! A new DC starts from the CIB status alone: there is no other state to
//! hand over.
//!
//! **Architecture Invariant:** no I/O, no clock, no randomness: time comes
//! in as [`Event::Tick`], the CIB as a parameter.

use std::collections::{BTreeMap, BTreeSet};

use cib::{Cib, Lrm, LrmResources, LrmRscOp, NodeState};
use cluster::{ClusterConfig, NodeId};
use executor::{AgentSpec, Class, ExecStatus, OpRequest, OpResult};
use replica::engine::Notice;
use replica::ops::{AttrScope, CibOp};
use scheduler::graph::{Graph, GraphAction, GraphActionKind, GraphRsc};

use crate::wire::{self, ExecSpec, Message, RscSpec};

/// CIB write request ids at or above this are the controller's (the daemon
/// routes the replica's replies for them back as [`Event::Written`]).
pub const REQ_BASE: u64 = 1 << 61;

/// How long the DC waits for members to write their history after a sync
/// round before it schedules without them.
pub const JOIN_TIMEOUT_MS: u64 = 5_000;

/// Fencing attempts of one target before the DC stops retrying until
/// something else changes (Pacemaker's `stonith-max-attempts` default).
pub const STONITH_MAX_ATTEMPTS: u32 = 10;

/// Delay before the next attempt after a failed fencing, times the number
/// of failures so far.
pub const FENCE_RETRY_MS: u64 = 2_000;

/// Ids of fencing requests this node runs for another node (a DC that is
/// the target itself) start here, apart from the DC's own.
pub const DELEGATED_FENCE_BASE: u64 = 1 << 62;

/// Actions in flight on the DC at most (a bound; `batch-limit` may lower it).
pub const IN_FLIGHT_MAX: usize = 1_000;

#[derive(Clone, Debug)]
pub struct ControllerConfig {
    pub me: NodeId,
    /// Differs on every start of the node.
    pub incarnation: u64,
    pub cluster: ClusterConfig,
}

/// A fencing request (for the fencer, `crates/fencer`, or the simulator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FenceRequest {
    pub id: u64,
    /// The node to fence (its name).
    pub target: String,
    /// `reboot`, `off` or `on`.
    pub action: String,
    /// The target is this node and no other node can run the request
    /// (Pacemaker's `st_opt_allow_suicide`, set when the DC is alone).
    pub allow_self: bool,
}

/// The fencer's answer to a [`FenceRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FenceResult {
    pub id: u64,
    pub target: String,
    pub ok: bool,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Something the replica engine notified (`Command::Notify`).
    Notice(Notice),
    /// The replica's reply to a [`Command::Submit`].
    Written { req: u64, ok: bool },
    /// A result from the local executor.
    OpResult(Box<OpResult>),
    /// The fencer's answer.
    Fenced(FenceResult),
    /// The time now (milliseconds since the epoch); sent regularly (every
    /// second or so) and before anything else.
    Tick { now_ms: u64 },
    /// This node was asked to stop (SIGTERM): it sets its `shutdown`
    /// attribute, the DC moves or stops its resources, and it is told to
    /// leave ([`Command::Exit`]) once nothing runs there, or at
    /// `shutdown-escalation` at the latest.
    Shutdown,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Multicast this as the payload of `replica::wire::Message::Controller`.
    Send(Vec<u8>),
    /// Submit this change to the local replica engine (`Event::Submit`).
    Submit {
        req: u64,
        op: CibOp,
    },
    /// Run (or, recurring, schedule) this operation on the local executor.
    Execute(OpRequest),
    /// Cancel a recurring operation on the local executor.
    Cancel {
        rsc_id: String,
        action: String,
        interval_ms: u64,
    },
    /// Fence a node and answer with [`Event::Fenced`].
    Fence(FenceRequest),
    Log(String),
    /// Tell the configured alert agents (Pacemaker's alerts: this node
    /// raises resource alerts for its own operations, node alerts for the
    /// membership it sees, fencing alerts for the fencing it ran).
    Alert(alerts::Event),
    /// Leave the cluster now (a shutdown is complete, or escalated).
    Exit {
        reason: String,
    },
}

/// What an operation running on this node was asked for.
#[derive(Clone, Debug)]
struct Running {
    transition_key: String,
    target_rc: i32,
    rsc: GraphRsc,
    /// The name results are filed under.
    name: String,
    /// The operation's timeout (a resource alert reports it as the run
    /// time of an operation that timed out).
    timeout_ms: u64,
    /// No result recorded yet.
    first: bool,
    /// (rc, op-status) of the last recorded result.
    last: Option<(i32, i32)>,
}

#[derive(Clone, Debug)]
enum Waiting {
    /// A resource action on a node, until its result is in the CIB.
    Rsc {
        node: String,
        node_id: Option<NodeId>,
        incarnation: Option<u64>,
        key: String,
        deadline_ms: u64,
    },
    /// A cancel, until the node says so.
    Cancel { node: String, key: String },
    /// A fencing request.
    Fence {
        id: u64,
        target: String,
        deadline_ms: u64,
    },
    /// A CIB write of the DC's own.
    Write { req: u64 },
}

#[derive(Clone, Debug)]
struct Transition {
    id: u64,
    graph: Graph,
    fired: Vec<bool>,
    confirmed: BTreeSet<usize>,
    waiting: BTreeMap<usize, Waiting>,
    aborted: Option<String>,
    /// Whether it started any action that is not a pseudo-action.
    did_work: bool,
}

#[derive(Clone, Debug, Default)]
struct Dc {
    joined: BTreeMap<NodeId, u64>,
    join_deadline_ms: u64,
    counter: u64,
    current: Option<Transition>,
    fingerprint: String,
    needs_run: bool,
    next_fence: u64,
    /// Failed fencing attempts per target (`stonith-max-attempts`).
    fence_failures: BTreeMap<String, u32>,
    /// No new transition before this time (after fencing failed).
    run_not_before_ms: u64,
    /// Writes that must be in the CIB before the next transition (fenced
    /// former DCs).
    before_run: BTreeSet<u64>,
    /// The last graph's `recheck-by` (epoch seconds): when the next failure
    /// expires (or a date rule changes).
    recheck_by_s: Option<i64>,
    /// Run the scheduler again at this time if nothing else did
    /// (`cluster-recheck-interval`, or sooner `recheck-by`); set whenever
    /// the DC becomes idle, as Pacemaker's recheck timer.
    recheck_at_ms: Option<u64>,
}

pub struct Controller {
    cfg: ControllerConfig,
    me_name: String,
    now_ms: u64,
    members: Vec<NodeId>,
    dc: Option<NodeId>,
    quorate: bool,
    synced: bool,
    /// This node's own operation history.
    history: LrmResources,
    running: BTreeMap<(String, String, u64), Running>,
    /// Number of the next history write (see `replica::ops::HISTORY_STAMP`).
    history_seq: u64,
    next_req: u64,
    dc_state: Option<Dc>,
    /// Resources whose history this node has seen in the CIB (see
    /// `adopt_deletions`).
    seen_in_cib: BTreeSet<String>,
    /// The newest of this run's history writes seen in the CIB.
    stamp_seen: u64,
    /// Writes of the last sync round still to land before `Joined`.
    join_waits: BTreeSet<u64>,
    /// This run's transient attributes were cleared (first quorate sync).
    attrs_cleared: bool,
    /// Former DCs fenced at their own request, to be recorded as fenced by
    /// the next DC.
    fenced_dcs: BTreeSet<String>,
    /// Fencing requests run here for another node: local id → (origin, id).
    delegated: BTreeMap<u64, (NodeId, u64)>,
    next_delegated: u64,
    /// The action (reboot, off) of each fencing request run here, for its
    /// alert.
    fence_actions: BTreeMap<u64, String>,
    /// A shutdown was requested: leave at this time at the latest.
    shutdown_deadline_ms: Option<u64>,
    /// The partition CIB while synced without quorum (see the module doc).
    partition: Option<Cib>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("me", &self.cfg.me)
            .field("dc", &self.dc)
            .field("idle", &self.is_idle())
            .finish_non_exhaustive()
    }
}

/// Pacemaker's transition key: `action:transition:target-rc:uuid`.
pub fn transition_key(action: usize, transition: u64, target_rc: i32, uuid: &str) -> String {
    format!("{action}:{transition}:{target_rc}:{uuid}")
}

/// Fail-count attribute name (`pcmk__failcount_name`).
pub fn failcount_name(rsc: &str, task: &str, interval_ms: u64) -> String {
    format!("fail-count-{rsc}#{task}_{interval_ms}")
}

/// Last-failure attribute name (`pcmk__lastfailure_name`).
pub fn lastfailure_name(rsc: &str, task: &str, interval_ms: u64) -> String {
    format!("last-failure-{rsc}#{task}_{interval_ms}")
}

fn meta<'a>(a: &'a GraphAction, name: &str) -> Option<&'a str> {
    a.attributes
        .get(&format!("CRM_meta_{name}"))
        .map(String::as_str)
}

fn graph_rsc(r: &RscSpec) -> GraphRsc {
    GraphRsc {
        id: r.id.clone(),
        long_id: r.long_id.clone(),
        class: r.class.clone(),
        provider: r.provider.clone(),
        agent: r.type_.clone(),
    }
}

fn agent_spec(r: &GraphRsc) -> Result<AgentSpec, String> {
    let class_text = r.class.as_deref().unwrap_or("");
    let class = Class::parse(class_text).ok_or_else(|| {
        format!(
            "resource {} has class {class_text:?}, which this node cannot run",
            r.id
        )
    })?;
    Ok(AgentSpec::new(
        class,
        r.provider.as_deref(),
        r.agent.as_deref().unwrap_or(""),
    ))
}

/// `cluster-delay` and friends: a duration in Pacemaker's syntax.
fn duration_ms(text: &str, default_ms: u64) -> u64 {
    cib::value::parse_duration_ms(text).unwrap_or(default_ms)
}

/// How every [`Command::Exit`] reason starts (the node was asked to stop).
pub const SHUTDOWN_COMPLETE: &str = "shutdown";

/// `shutdown-escalation`'s default.
pub const SHUTDOWN_ESCALATION_MS_DEFAULT: u64 = 20 * 60_000;

/// `cluster-recheck-interval`'s default.
pub const RECHECK_INTERVAL_MS_DEFAULT: u64 = 15 * 60_000;

/// When an idle DC runs the scheduler again, as Pacemaker's
/// `controld_start_recheck_timer`: after `cluster-recheck-interval`, or at
/// the graph's `recheck-by` if sooner (half a second if already past).
/// An interval of 0 disables rechecks, `recheck-by` included (Pacemaker's
/// quirk: the sooner of the two is taken against the interval).
fn recheck_at_ms(cib: &Cib, recheck_by_s: Option<i64>, now_ms: u64) -> Option<u64> {
    let interval_ms = replica::ops::cluster_property(cib, "cluster-recheck-interval")
        .and_then(|v| cib::value::parse_duration_ms(&v))
        .unwrap_or(RECHECK_INTERVAL_MS_DEFAULT);
    let mut period_ms = interval_ms;
    if let Some(by) = recheck_by_s.filter(|b| *b > 0) {
        let diff_s = by - (now_ms / 1000) as i64;
        let until_ms = if diff_s < 1 {
            500
        } else {
            diff_s as u64 * 1000
        };
        period_ms = period_ms.min(until_ms);
    }
    (period_ms > 0).then(|| now_ms + period_ms)
}

impl Controller {
    pub fn new(cfg: ControllerConfig) -> Self {
        let me_name = cfg.cluster.name_of(cfg.me);
        Controller {
            cfg,
            me_name,
            now_ms: 0,
            members: Vec::new(),
            dc: None,
            quorate: false,
            synced: false,
            history: LrmResources::default(),
            running: BTreeMap::new(),
            history_seq: 0,
            next_req: REQ_BASE,
            dc_state: None,
            seen_in_cib: BTreeSet::new(),
            fenced_dcs: BTreeSet::new(),
            attrs_cleared: false,
            join_waits: BTreeSet::new(),
            stamp_seen: 0,
            delegated: BTreeMap::new(),
            next_delegated: DELEGATED_FENCE_BASE,
            fence_actions: BTreeMap::new(),
            shutdown_deadline_ms: None,
            partition: None,
        }
    }

    pub fn me(&self) -> NodeId {
        self.cfg.me
    }

    /// The DC's identity in transition keys (one per run of the node).
    pub fn uuid(&self) -> String {
        format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            self.cfg.me,
            (self.cfg.incarnation >> 48) & 0xffff,
            self.cfg.incarnation & 0xffff_ffff_ffff
        )
    }

    pub fn is_dc(&self) -> bool {
        self.dc_state.is_some()
    }

    /// Not the DC, or the DC with nothing to do: every member joined, no
    /// transition running and none needed.
    pub fn is_idle(&self) -> bool {
        match &self.dc_state {
            None => true,
            Some(d) => {
                d.current.is_none()
                    && !d.needs_run
                    && self.members.iter().all(|m| d.joined.contains_key(m))
            }
        }
    }

    /// The partition CIB while this node is in a partition without quorum
    /// (what the partition's DC schedules on; `pacer status` shows it, as
    /// crm_mon shows a partition's own CIB).
    pub fn partition_cib(&self) -> Option<&Cib> {
        self.partition.as_ref()
    }

    /// This node's own history, as it writes it into the CIB.
    pub fn history(&self) -> &LrmResources {
        &self.history
    }

    pub fn handle(&mut self, cib: &Cib, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match event {
            Event::Tick { now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                self.check_timeouts(cib, &mut out);
                self.check_recheck(&mut out);
                if self
                    .shutdown_deadline_ms
                    .is_some_and(|at| at <= self.now_ms)
                {
                    self.shutdown_deadline_ms = None;
                    out.push(Command::Exit {
                        reason: format!(
                            "{SHUTDOWN_COMPLETE} escalated: shutdown-escalation reached before everything stopped here"
                        ),
                    });
                }
            }
            Event::Shutdown => self.on_shutdown(cib, &mut out),
            Event::Notice(n) => self.on_notice(cib, n, &mut out),
            Event::Written { req, ok } => self.on_written(cib, req, ok, &mut out),
            Event::OpResult(r) => self.on_result(*r, &mut out),
            Event::Fenced(f) => match self.delegated.remove(&f.id) {
                Some((origin, id)) => {
                    out.push(self.fencing_alert(&f, origin));
                    out.push(Command::Log(format!(
                        "fencing {} for node {origin}: {}",
                        f.target,
                        if f.ok { "done" } else { "failed" }
                    )));
                    self.send(
                        &Message::Fenced {
                            origin,
                            id,
                            target: f.target,
                            ok: f.ok,
                            reason: f.reason,
                        },
                        &mut out,
                    );
                }
                None => {
                    out.push(self.fencing_alert(&f, self.cfg.me));
                    self.on_fenced(f, &mut out)
                }
            },
        }
        // Without quorum the DC works on the partition CIB, or not at all
        // (not synced yet).
        let partition = self.partition.take();
        match &partition {
            Some(p) => self.drive(p, &mut out),
            // The replica applies a new view's membership to the CIB just
            // before it says Synced: nothing is scheduled on that CIB
            // before this node has taken in the view (and the members have
            // written their histories).
            None if self.quorate && self.view_taken_in(cib) => self.drive(cib, &mut out),
            None => {}
        }
        self.partition = partition;
        if self.partition.is_some() {
            // No quorum: the partition's writes go to its members.
            let from = self.cfg.me;
            for c in &mut out {
                if let Command::Submit { req, op } = c {
                    let m = Message::PartitionWrite {
                        from,
                        req: *req,
                        op: op.clone(),
                    };
                    *c = Command::Send(wire::encode(&m));
                }
            }
        }
        out
    }

    /// The CIB's status shows the membership this node knows of.
    fn view_taken_in(&self, cib: &Cib) -> bool {
        let mut members = self.members.clone();
        members.sort_unstable();
        members_in_cib(cib) == members
    }

    /// A [`Message::PartitionWrite`] in its agreed place: applied to the
    /// partition CIB (the sender's own request answered), and, on the DC,
    /// taken as a CIB change (results confirm actions, attributes abort).
    fn on_partition_write(
        &mut self,
        cib: &Cib,
        from: NodeId,
        req: u64,
        op: CibOp,
        out: &mut Vec<Command>,
    ) {
        let mine = from == self.cfg.me;
        let Some(mut p) = self.partition.take() else {
            // Sent before quorum came back: the replicated CIB has what
            // matters (every node wrote its history at the sync round).
            if mine {
                self.on_written(cib, req, false, out);
            }
            return;
        };
        let ok = match replica::ops::apply(&mut p, &op, &self.cfg.cluster) {
            Ok(_) => true,
            Err(e) => {
                if mine {
                    out.push(Command::Log(format!(
                        "partition without quorum: {} refused: {e:?}",
                        op.describe()
                    )));
                }
                false
            }
        };
        if mine {
            self.on_written(&p, req, ok, out);
        }
        self.cib_changed(&p, "attributes changed", out);
        self.partition = Some(p);
    }

    /// The CIB the DC schedules on changed: a changed fingerprint aborts
    /// the transition (for `why`) and asks for a new one, an idle DC runs
    /// the scheduler again, and results in it confirm actions.
    fn cib_changed(&mut self, cib: &Cib, why: &str, out: &mut Vec<Command>) {
        if let Some(d) = self.dc_state.as_mut() {
            let fp = fingerprint(cib);
            if fp != d.fingerprint {
                d.fingerprint = fp;
                d.needs_run = true;
                if let Some(t) = d.current.as_mut() {
                    t.aborted.get_or_insert_with(|| why.into());
                }
            }
            if d.current.is_none() {
                d.needs_run = true;
            }
        }
        self.confirm_from_cib(cib, out);
    }

    fn on_shutdown(&mut self, cib: &Cib, out: &mut Vec<Command>) {
        if self.shutdown_deadline_ms.is_some() {
            return;
        }
        let escalation_ms = replica::ops::cluster_property(cib, "shutdown-escalation")
            .and_then(|v| cib::value::parse_duration_ms(&v))
            .unwrap_or(SHUTDOWN_ESCALATION_MS_DEFAULT);
        if !self.quorate {
            // No DC can move anything (a partition without quorum runs no
            // transition): leave now, as an escalated shutdown would.
            out.push(Command::Exit {
                reason: format!(
                    "{SHUTDOWN_COMPLETE} without quorum: nothing can be moved; what runs here is left as it is"
                ),
            });
            return;
        }
        self.shutdown_deadline_ms = Some(self.now_ms + escalation_ms);
        out.push(Command::Log(format!(
            "shutdown requested: resources leave this node first (at most {} s)",
            escalation_ms / 1000
        )));
        let req = self.req();
        out.push(Command::Submit {
            req,
            op: CibOp::SetAttributes {
                node: self.me_name.clone(),
                scope: AttrScope::Transient,
                attrs: vec![("shutdown".into(), Some((self.now_ms / 1000).to_string()))],
            },
        });
    }

    fn req(&mut self) -> u64 {
        let r = self.next_req;
        self.next_req += 1;
        r
    }

    fn send(&self, m: &Message, out: &mut Vec<Command>) {
        out.push(Command::Send(wire::encode(m)));
    }

    fn on_notice(&mut self, cib: &Cib, n: Notice, out: &mut Vec<Command>) {
        match n {
            Notice::Synced {
                members,
                dc,
                quorate,
                ..
            } => {
                self.node_alerts(&members, out);
                self.members = members;
                self.dc = dc;
                self.quorate = quorate;
                self.synced = true;
                self.partition = if quorate {
                    None
                } else {
                    // A partition without quorum: its own copy of the CIB
                    // (kept across views without quorum; the members write
                    // their histories into it again below).
                    let mut p = self.partition.take().unwrap_or_else(|| cib.clone());
                    replica::ops::apply_membership(
                        &mut p,
                        &self.cfg.cluster,
                        &self.members,
                        dc,
                        false,
                    );
                    Some(p)
                };
                if dc == Some(self.cfg.me) {
                    let now = self.now_ms;
                    let gone: Vec<String> = self
                        .fenced_dcs
                        .iter()
                        .filter(|_| quorate)
                        .filter(|n| {
                            self.cfg
                                .cluster
                                .id_of(n)
                                .is_some_and(|id| !self.members.contains(&id))
                        })
                        .cloned()
                        .collect();
                    let mut writes = Vec::new();
                    for node in gone {
                        self.fenced_dcs.remove(&node);
                        let req = self.next_req;
                        self.next_req += 1;
                        out.push(Command::Log(format!(
                            "{node} was fenced while it was the DC: recording it"
                        )));
                        out.push(Command::Submit {
                            req,
                            op: CibOp::NodeFenced { node },
                        });
                        writes.push(req);
                    }
                    let d = self.dc_state.get_or_insert_with(Dc::default);
                    d.before_run.extend(writes);
                    d.joined.clear();
                    d.join_deadline_ms = now + JOIN_TIMEOUT_MS;
                    d.needs_run = true;
                    let members = self.members.clone();
                    if let Some(t) = d.current.as_mut() {
                        t.aborted.get_or_insert_with(|| "membership changed".into());
                        // Actions on nodes that left get no result (a cancel
                        // sent to a node that left was lost with it).
                        let cluster = &self.cfg.cluster;
                        t.waiting.retain(|_, w| match w {
                            Waiting::Rsc { node_id, .. } => {
                                node_id.map_or(true, |n| members.contains(&n))
                            }
                            Waiting::Cancel { node, .. } => {
                                cluster.id_of(node).map_or(true, |n| members.contains(&n))
                            }
                            _ => true,
                        });
                    }
                } else if self.dc_state.take().is_some() {
                    out.push(Command::Log("no longer the DC".into()));
                }
                // A fenced DC that is a member again needs no record (and a
                // later departure of it must not count as fenced).
                let members = &self.members;
                let cluster = &self.cfg.cluster;
                self.fenced_dcs
                    .retain(|n| cluster.id_of(n).is_some_and(|id| !members.contains(&id)));
                self.join_waits.clear();
                if quorate && !self.attrs_cleared {
                    // A node that (re)starts begins without transient
                    // attributes, as Pacemaker's attrd erases them at its
                    // start: fail counts of a node fenced and back do not
                    // outlive it.
                    self.attrs_cleared = true;
                    let attrs: Vec<(String, Option<String>)> = cib
                        .status
                        .node_states
                        .iter()
                        .filter(|n| n.uname.as_deref() == Some(self.me_name.as_str()))
                        .filter_map(|n| n.transient_attributes.as_ref())
                        .flat_map(|t| t.instance_attributes.iter())
                        .flat_map(|set| set.nvpairs.iter())
                        .map(|p| (p.name.clone(), None))
                        .collect();
                    if !attrs.is_empty() {
                        let req = self.req();
                        out.push(Command::Log(format!(
                            "starting without the transient attributes of an earlier run: {}",
                            attrs
                                .iter()
                                .map(|(n, _)| n.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                        out.push(Command::Submit {
                            req,
                            op: CibOp::SetAttributes {
                                node: self.me_name.clone(),
                                scope: AttrScope::Transient,
                                attrs,
                            },
                        });
                        self.join_waits.insert(req);
                    }
                }
                // Joined once the history (and the attribute reset) is in
                // the CIB (the partition CIB without quorum): one sender's
                // writes and messages may be delivered out of order, and
                // the DC schedules on it.
                let req = self.write_history(out);
                self.join_waits.insert(req);
            }
            Notice::CibChanged { .. } => {
                self.adopt_deletions(cib, out);
                if self.partition.is_some() {
                    // Without quorum the DC works on the partition CIB.
                    return;
                }
                self.cib_changed(cib, "configuration or attributes changed", out);
            }
            Notice::Controller { from, payload } => match wire::decode(&payload) {
                Ok(Message::PartitionWrite { from, req, op }) => {
                    self.on_partition_write(cib, from, req, op, out)
                }
                Ok(m) => self.on_message(from, m, out),
                Err(e) => out.push(Command::Log(format!(
                    "ignoring a controller message from node {from}: {e}"
                ))),
            },
            Notice::Quorum { .. } => {}
            Notice::Disconnected { .. } => {
                self.synced = false;
                self.dc_state = None;
            }
        }
    }

    fn on_message(&mut self, from: NodeId, m: Message, out: &mut Vec<Command>) {
        match m {
            Message::Execute(spec) => {
                if spec.node != self.me_name {
                    return;
                }
                if Some(from) != self.dc {
                    out.push(Command::Log(format!(
                        "ignoring {} {} from node {from}, which is not the DC",
                        spec.task, spec.rsc.id
                    )));
                    return;
                }
                self.execute(spec, out);
            }
            Message::Joined { node, incarnation } => {
                let Some(d) = self.dc_state.as_mut() else {
                    return;
                };
                let before = d.joined.insert(node, incarnation);
                if before.is_some_and(|b| b != incarnation) {
                    // The node restarted: what it was running is gone.
                    if let Some(t) = d.current.as_mut() {
                        t.aborted
                            .get_or_insert_with(|| format!("node {node} restarted"));
                        t.waiting.retain(|_, w| {
                            !matches!(w, Waiting::Rsc { node_id: Some(n), incarnation: Some(i), .. } if *n == node && *i != incarnation)
                        });
                    }
                }
                d.needs_run = true;
            }
            Message::Failed {
                node,
                rsc_id,
                task,
                interval_ms,
                first,
                ..
            } => {
                let now_s = self.now_ms / 1000;
                let Some(d) = self.dc_state.as_mut() else {
                    return;
                };
                if first {
                    // Seen (and counted) in the CIB.
                    return;
                }
                d.needs_run = true;
                if let Some(t) = d.current.as_mut() {
                    t.aborted
                        .get_or_insert_with(|| format!("{rsc_id} {task} failed on {node}"));
                }
                let attrs = failcount_update(&rsc_id, &task, interval_ms, None, now_s);
                if !attrs.is_empty() {
                    let req = self.req();
                    out.push(Command::Submit {
                        req,
                        op: CibOp::SetAttributes {
                            node,
                            scope: AttrScope::Transient,
                            attrs,
                        },
                    });
                }
            }
            Message::Cancelled {
                node,
                transition_key,
            } => {
                let Some(t) = self.dc_state.as_mut().and_then(|d| d.current.as_mut()) else {
                    return;
                };
                let done: Vec<usize> = t
                    .waiting
                    .iter()
                    .filter(|(_, w)| matches!(w, Waiting::Cancel { node: n, key } if *n == node && *key == transition_key))
                    .map(|(a, _)| *a)
                    .collect();
                for a in done {
                    t.waiting.remove(&a);
                    t.confirmed.insert(a);
                }
                // A recurring monitor the node dropped before its first
                // result (its resource's history was cleaned up): no result
                // will come; plan again.
                let lost: Vec<usize> = t
                    .waiting
                    .iter()
                    .filter(|(_, w)| matches!(w, Waiting::Rsc { node: n, key, .. } if *n == node && *key == transition_key))
                    .map(|(a, _)| *a)
                    .collect();
                if !lost.is_empty() {
                    for a in lost {
                        t.waiting.remove(&a);
                    }
                    t.aborted
                        .get_or_insert_with(|| format!("an operation on {node} was cancelled"));
                    if let Some(d) = self.dc_state.as_mut() {
                        d.needs_run = true;
                    }
                }
            }
            // Applied where the CIB is at hand (`on_partition_write`).
            Message::PartitionWrite { .. } => {}
            Message::Shutdown { node } => {
                if node != self.me_name || Some(from) != self.dc {
                    return;
                }
                self.shutdown_deadline_ms = None;
                out.push(Command::Exit {
                    reason: format!("{SHUTDOWN_COMPLETE} complete: nothing runs here any more"),
                });
            }
            Message::Fence {
                id,
                target,
                action,
                delegate,
            } => {
                if delegate != self.me_name {
                    return;
                }
                if Some(from) != self.dc {
                    out.push(Command::Log(format!(
                        "ignoring a request to fence {target} from node {from}, which is not the DC"
                    )));
                    return;
                }
                let local = self.next_delegated;
                self.next_delegated += 1;
                self.delegated.insert(local, (from, id));
                out.push(Command::Log(format!(
                    "fencing {target} ({action}) for the DC, node {from}"
                )));
                self.fence_actions.insert(local, action.clone());
                out.push(Command::Fence(FenceRequest {
                    id: local,
                    target,
                    action,
                    allow_self: false,
                }));
            }
            Message::Fenced {
                origin,
                id,
                target,
                ok,
                reason,
            } => {
                if ok && self.cfg.cluster.id_of(&target) == Some(origin) {
                    // The DC was fenced for itself and cannot record it: the
                    // next DC does (Pacemaker's stonith cleanup), so that it
                    // does not fence the node again.
                    self.fenced_dcs.insert(target.clone());
                }
                if origin == self.cfg.me {
                    self.on_fenced(
                        FenceResult {
                            id,
                            target,
                            ok,
                            reason,
                        },
                        out,
                    );
                }
            }
        }
    }

    // ---- the node side ----

    fn execute(&mut self, spec: ExecSpec, out: &mut Vec<Command>) {
        let rsc = graph_rsc(&spec.rsc);
        if spec.task == "cancel" {
            let op = spec
                .meta
                .get("operation")
                .cloned()
                .unwrap_or_else(|| "monitor".into());
            let key = (spec.rsc.id.clone(), op.clone(), spec.interval_ms);
            self.running.remove(&key);
            let op_id = executor::record::op_key(&spec.rsc.id, &op, spec.interval_ms);
            for r in &mut self.history.resources {
                r.ops.retain(|o| o.id != op_id);
            }
            out.push(Command::Cancel {
                rsc_id: spec.rsc.id.clone(),
                action: op,
                interval_ms: spec.interval_ms,
            });
            self.write_history(out);
            self.send(
                &Message::Cancelled {
                    node: self.me_name.clone(),
                    transition_key: spec.transition_key,
                },
                out,
            );
            return;
        }
        let agent = match agent_spec(&rsc) {
            Ok(a) => a,
            Err(e) => {
                out.push(Command::Log(e));
                return;
            }
        };
        let mut req = OpRequest::new(&spec.rsc.id, agent, &spec.task)
            .timeout_ms(spec.timeout_ms)
            .interval_ms(spec.interval_ms);
        req.params = spec.params.clone();
        req.meta = spec.meta.clone();
        if spec.task == "monitor" && spec.interval_ms > 0 {
            // Event-driven failure detection: the monitor also runs the
            // moment a process the start left (or the `pidfile`'s) exits.
            req.watch = executor::WatchSpec::Auto;
        }
        req.start_delay_ms = spec
            .meta
            .get("start_delay")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let name = spec.rsc.long_id.clone().unwrap_or(spec.rsc.id.clone());
        self.running.insert(
            (spec.rsc.id.clone(), spec.task.clone(), spec.interval_ms),
            Running {
                transition_key: spec.transition_key,
                target_rc: spec.target_rc,
                rsc,
                name,
                timeout_ms: spec.timeout_ms,
                first: true,
                last: None,
            },
        );
        out.push(Command::Execute(req));
    }

    fn on_result(&mut self, r: OpResult, out: &mut Vec<Command>) {
        let key = (r.rsc_id.clone(), r.action.clone(), r.interval_ms);
        let Some(run) = self.running.get_mut(&key) else {
            if r.status != ExecStatus::Cancelled {
                out.push(Command::Log(format!(
                    "a result nobody asked for: {}",
                    r.summary()
                )));
            }
            return;
        };
        if r.status == ExecStatus::Cancelled || r.status == ExecStatus::Pending {
            return;
        }
        let code = (r.rc, r.status.code());
        let first = run.first;
        if !first && run.last == Some(code) {
            // A recurring operation's result is recorded when it changes.
            return;
        }
        run.first = false;
        run.last = Some(code);
        let run = run.clone();
        out.push(Command::Alert(alerts::Event::Resource {
            node: self.me_name.clone(),
            rsc: r.rsc_id.clone(),
            task: r.action.clone(),
            interval_ms: r.interval_ms,
            target_rc: run.target_rc,
            status: r.status.code(),
            rc: r.rc,
            exec_time_ms: r.exec_time_ms,
            timeout_ms: run.timeout_ms,
        }));
        if r.interval_ms == 0 {
            self.running.remove(&key);
        }
        let mut record = r.to_lrm_rsc_op(&self.me_name, Some(&run.transition_key), run.target_rc);
        let failed = record.id.ends_with("_last_failure_0");
        let mut ns = NodeState {
            lrm: Some(Lrm {
                id: Some(self.cfg.me.to_string()),
                lrm_resources: Some(std::mem::take(&mut self.history)),
                extra: Default::default(),
            }),
            ..Default::default()
        };
        let entry = scheduler::execute::history_entry(
            &mut ns,
            &self.cfg.me.to_string(),
            &run.name,
            &run.rsc,
        );
        if failed && r.interval_ms > 0 {
            // The failure and the recurring entry share a call id, so the
            // scheduler orders them by last-rc-change (seconds): a failure
            // within the second of the last success must still be newer.
            let key = executor::record::op_key(&r.rsc_id, &r.action, r.interval_ms);
            let before = entry
                .ops
                .iter()
                .find(|o| o.id == key)
                .and_then(|o| o.last_rc_change());
            if let (Some(b), Some(now)) = (before, record.last_rc_change) {
                if now <= b {
                    record.last_rc_change = Some(b + 1);
                }
            }
        }
        scheduler::execute::file_op(entry, record);
        if r.action == "stop" && r.is_ok() {
            // Stopping cancels the resource's recurring operations; their
            // history goes with them (Pacemaker deletes it on cancel).
            entry.ops.retain(|o| o.interval.unwrap_or(0) == 0);
            self.running
                .retain(|(rsc, _, interval), _| !(rsc == &r.rsc_id && *interval > 0));
        }
        self.history = ns.lrm.and_then(|l| l.lrm_resources).unwrap_or_default();
        self.write_history(out);
        if failed {
            self.send(
                &Message::Failed {
                    node: self.me_name.clone(),
                    rsc_id: r.rsc_id.clone(),
                    task: r.action.clone(),
                    interval_ms: r.interval_ms,
                    transition_key: run.transition_key,
                    first,
                },
                out,
            );
        }
    }

    /// Forgets the history of resources someone else deleted from this
    /// node's status (`pacer resource cleanup`, as Pacemaker's controller
    /// deletes a resource's history on request) and writes the history
    /// again, so that no write of it brings them back: a resource this node
    /// has seen in the CIB and that is gone from it now was deleted (one not
    /// seen yet may still be on its way). Only from a copy of this node's
    /// newest written history (a cleanup edits that copy).
    fn adopt_deletions(&mut self, cib: &Cib, out: &mut Vec<Command>) {
        let Some(lrm) = cib
            .status
            .node_states
            .iter()
            .find(|n| n.uname.as_deref() == Some(self.me_name.as_str()))
            .and_then(|n| n.lrm.as_ref())
        else {
            return;
        };
        // Only this run's history, as recent as any this node has seen: an
        // older copy (a sync round adopting another node's CIB) lacks
        // entries that were never deleted.
        let run = self.cfg.incarnation.to_string();
        let seq = lrm
            .extra
            .attr(replica::ops::HISTORY_STAMP)
            .and_then(|v| v.split_once(':'))
            .filter(|(r, _)| *r == run)
            .and_then(|(_, n)| n.parse::<u64>().ok());
        match seq {
            Some(n) if n >= self.stamp_seen => self.stamp_seen = n,
            _ => return,
        }
        let in_cib: BTreeSet<&str> = lrm
            .lrm_resources
            .iter()
            .flat_map(|l| l.resources.iter())
            .map(|r| r.id.as_str())
            .collect();
        let seen = &mut self.seen_in_cib;
        let mut forgot = Vec::new();
        self.history.resources.retain(|r| {
            if in_cib.contains(r.id.as_str()) {
                seen.insert(r.id.clone());
                true
            } else if seen.remove(&r.id) {
                forgot.push(r.id.clone());
                false
            } else {
                true
            }
        });
        let kept: BTreeSet<&str> = self
            .history
            .resources
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        self.seen_in_cib.retain(|r| kept.contains(r.as_str()));
        if !forgot.is_empty() {
            out.push(Command::Log(format!(
                "the history of {} was deleted from the CIB (cleanup): forgotten here",
                forgot.join(", ")
            )));
            // Like Pacemaker's executor unregistering the resource: its
            // recurring operations stop; the DC probes and starts new ones.
            let recurring: Vec<(String, String, u64)> = self
                .running
                .keys()
                .filter(|(rsc, _, interval)| *interval > 0 && forgot.contains(rsc))
                .cloned()
                .collect();
            for key in recurring {
                if let Some(run) = self.running.remove(&key) {
                    if run.first {
                        // The DC still waits for its first result: say it
                        // will not come.
                        self.send(
                            &Message::Cancelled {
                                node: self.me_name.clone(),
                                transition_key: run.transition_key,
                            },
                            out,
                        );
                    }
                }
                let (rsc_id, action, interval_ms) = key;
                out.push(Command::Cancel {
                    rsc_id,
                    action,
                    interval_ms,
                });
            }
            self.write_history(out);
        }
    }

    fn write_history(&mut self, out: &mut Vec<Command>) -> u64 {
        self.history_seq += 1;
        let stamp = format!("{}:{}", self.cfg.incarnation, self.history_seq);
        let ns = NodeState {
            id: self.cfg.me.to_string(),
            uname: Some(self.me_name.clone()),
            lrm: Some(Lrm {
                id: Some(self.cfg.me.to_string()),
                lrm_resources: Some(self.history.clone()),
                extra: cib::Extra {
                    attrs: vec![(replica::ops::HISTORY_STAMP.to_string(), stamp)],
                    children: Vec::new(),
                },
            }),
            ..Default::default()
        };
        let req = self.req();
        out.push(Command::Submit {
            req,
            op: CibOp::WriteHistory {
                node: self.me_name.clone(),
                node_state_xml: cib::write::node_state(&ns).to_xml(),
                replace: true,
            },
        });
        req
    }

    // ---- the DC side ----

    /// The fencing alert for a fencing this node ran for `origin` (as
    /// Pacemaker's `st_notify_fence`: the executioner is this node, the
    /// client the controller of the node that asked).
    fn fencing_alert(&mut self, f: &FenceResult, origin: NodeId) -> Command {
        let action = self
            .fence_actions
            .remove(&f.id)
            .unwrap_or_else(|| "reboot".to_string());
        let outcome = match f.reason.as_deref() {
            _ if f.ok => alerts::FencingOutcome::Ok,
            Some(r) if r.contains("timed out") || r.contains("did not finish") => {
                alerts::FencingOutcome::TimedOut
            }
            Some(r) if r.contains("no fence device") || r.contains("no device") => {
                alerts::FencingOutcome::NoDevice
            }
            _ => alerts::FencingOutcome::Error,
        };
        Command::Alert(alerts::Event::fencing(
            &action,
            &f.target,
            Some(&self.me_name),
            "pacer-controller",
            &self.cfg.cluster.name_of(origin),
            outcome,
            f.reason.as_deref(),
            &f.id.to_string(),
        ))
    }

    /// Node alerts for the members that joined (`member`) or left (`lost`)
    /// since the last view this node saw.
    fn node_alerts(&self, members: &[NodeId], out: &mut Vec<Command>) {
        let alert = |id: NodeId, desc: &str| {
            Command::Alert(alerts::Event::Node {
                node: self.cfg.cluster.name_of(id),
                nodeid: id,
                desc: desc.to_string(),
            })
        };
        for id in members.iter().filter(|id| !self.members.contains(id)) {
            out.push(alert(*id, "member"));
        }
        for id in self.members.iter().filter(|id| !members.contains(id)) {
            out.push(alert(*id, "lost"));
        }
    }

    fn on_fenced(&mut self, f: FenceResult, out: &mut Vec<Command>) {
        let req = self.req();
        let now = self.now_ms;
        let Some(d) = self.dc_state.as_mut() else {
            return;
        };
        let Some(t) = d.current.as_mut() else {
            return;
        };
        let Some(a) = t
            .waiting
            .iter()
            .find(|(_, w)| matches!(w, Waiting::Fence { id, .. } if *id == f.id))
            .map(|(a, _)| *a)
        else {
            return;
        };
        if f.ok {
            d.fence_failures.remove(&f.target);
            out.push(Command::Log(format!("{} was fenced", f.target)));
            out.push(Command::Submit {
                req,
                op: CibOp::NodeFenced { node: f.target },
            });
            t.waiting.insert(a, Waiting::Write { req });
        } else {
            out.push(Command::Log(format!(
                "fencing {} failed: {}",
                f.target,
                f.reason.unwrap_or_default()
            )));
            t.waiting.remove(&a);
            t.aborted.get_or_insert_with(|| "fencing failed".into());
            let failures = d.fence_failures.entry(f.target.clone()).or_insert(0);
            *failures += 1;
            if *failures >= STONITH_MAX_ATTEMPTS {
                // Like Pacemaker: stop retrying until something changes.
                out.push(Command::Log(format!(
                    "fencing {} failed {failures} times: giving up until the CIB changes",
                    f.target
                )));
                *failures = 0;
            } else {
                d.needs_run = true;
                d.run_not_before_ms = now + FENCE_RETRY_MS * u64::from(*failures);
            }
        }
    }

    fn on_written(&mut self, cib: &Cib, req: u64, ok: bool, out: &mut Vec<Command>) {
        if self.join_waits.remove(&req) {
            if self.join_waits.is_empty() {
                self.send(
                    &Message::Joined {
                        node: self.cfg.me,
                        incarnation: self.cfg.incarnation,
                    },
                    out,
                );
            }
            return;
        }
        let Some(d) = self.dc_state.as_mut() else {
            return;
        };
        if d.before_run.remove(&req) {
            d.needs_run = true;
            return;
        }
        let Some(t) = d.current.as_mut() else {
            return;
        };
        let Some(a) = t
            .waiting
            .iter()
            .find(|(_, w)| matches!(w, Waiting::Write { req: r } if *r == req))
            .map(|(a, _)| *a)
        else {
            return;
        };
        t.waiting.remove(&a);
        if ok {
            t.confirmed.insert(a);
            // The node is expected down now: tell it to leave.
            if let Some(ga) = t
                .graph
                .synapses
                .iter()
                .map(|s| &s.action)
                .find(|x| x.id == a && x.task == "do_shutdown")
            {
                let node = ga.node.as_ref().map_or(String::new(), |n| n.0.clone());
                out.push(Command::Log(format!(
                    "transition {}: {node} may leave",
                    t.id
                )));
                out.push(Command::Send(wire::encode(&Message::Shutdown { node })));
            }
            // The DC's own change is not a reason to abort.
            d.fingerprint = fingerprint(cib);
        } else {
            out.push(Command::Log(format!(
                "a write of transition {} was refused",
                t.id
            )));
            t.aborted
                .get_or_insert_with(|| "a CIB write was refused".into());
            d.needs_run = true;
        }
    }

    /// Confirms resource actions whose results are in the CIB.
    fn confirm_from_cib(&mut self, cib: &Cib, out: &mut Vec<Command>) {
        let now_s = self.now_ms / 1000;
        let mut writes = Vec::new();
        let Some(d) = self.dc_state.as_mut() else {
            return;
        };
        let Some(t) = d.current.as_mut() else {
            return;
        };
        let mut done = Vec::new();
        for (a, w) in &t.waiting {
            let Waiting::Rsc { node, key, .. } = w else {
                continue;
            };
            if let Some(op) = find_by_key(cib, node, key) {
                done.push((*a, node.clone(), op.clone()));
            }
        }
        for (a, node, op) in done {
            t.waiting.remove(&a);
            let target = target_rc_of(&op);
            let ok = op.op_status == Some(0) && op.rc_code == Some(i64::from(target));
            if ok {
                t.confirmed.insert(a);
                continue;
            }
            let task = op.operation.clone();
            let interval_ms = op.interval.unwrap_or(0).max(0) as u64;
            let rsc = op
                .operation_key
                .as_deref()
                .and_then(scheduler::util::parse_op_key)
                .map(|(r, _, _)| r)
                .unwrap_or_default();
            out.push(Command::Log(format!(
                "transition {}: {rsc} {task} on {node} failed (rc={:?}, op-status={:?})",
                t.id, op.rc_code, op.op_status
            )));
            t.aborted
                .get_or_insert_with(|| format!("{rsc} {task} on {node} failed"));
            d.needs_run = true;
            let offsets = (&t.graph.failed_start_offset, &t.graph.failed_stop_offset);
            let attrs = failcount_update(&rsc, &task, interval_ms, Some(offsets), now_s);
            if !attrs.is_empty() {
                writes.push(CibOp::SetAttributes {
                    node,
                    scope: AttrScope::Transient,
                    attrs,
                });
            }
        }
        for op in writes {
            let req = self.req();
            out.push(Command::Submit { req, op });
        }
    }

    /// The recheck time came with the DC idle: run the scheduler again
    /// (failures may have expired, date rules changed).
    fn check_recheck(&mut self, out: &mut Vec<Command>) {
        let now = self.now_ms;
        let Some(d) = self.dc_state.as_mut() else {
            return;
        };
        if d.current.is_some() || !d.recheck_at_ms.is_some_and(|at| at <= now) {
            return;
        }
        d.recheck_at_ms = None;
        if !d.needs_run {
            d.needs_run = true;
            out.push(Command::Log(format!(
                "cluster recheck{}",
                d.recheck_by_s
                    .map(|by| format!(" (recheck-by {by})"))
                    .unwrap_or_default()
            )));
        }
    }

    fn check_timeouts(&mut self, cib: &Cib, out: &mut Vec<Command>) {
        let now = self.now_ms;
        let mut records = Vec::new();
        {
            let Some(d) = self.dc_state.as_mut() else {
                return;
            };
            let Some(t) = d.current.as_mut() else {
                return;
            };
            let expired: Vec<usize> = t
                .waiting
                .iter()
                .filter(|(_, w)| match w {
                    Waiting::Rsc { deadline_ms, .. } | Waiting::Fence { deadline_ms, .. } => {
                        *deadline_ms <= now
                    }
                    _ => false,
                })
                .map(|(a, _)| *a)
                .collect();
            for a in expired {
                let Some(w) = t.waiting.remove(&a) else {
                    continue;
                };
                t.aborted
                    .get_or_insert_with(|| "an action timed out".into());
                d.needs_run = true;
                if let Waiting::Rsc { node, key, .. } = w {
                    out.push(Command::Log(format!(
                        "transition {}: action {a} on {node} timed out",
                        t.id
                    )));
                    if let Some(ga) = t
                        .graph
                        .synapses
                        .iter()
                        .find(|s| s.action.id == a)
                        .map(|s| s.action.clone())
                    {
                        records.push((node, key, ga));
                    }
                } else if let Waiting::Fence { target, .. } = w {
                    out.push(Command::Log(format!(
                        "transition {}: fencing {target} (action {a}) timed out",
                        t.id
                    )));
                }
            }
        }
        for (node, key, ga) in records {
            if let Some(op) = self.timeout_record(cib, &node, &key, &ga) {
                let req = self.req();
                out.push(Command::Submit { req, op });
            }
        }
    }

    /// `controld_record_action_timeout`: the DC records the timeout in the
    /// node's history (the node's own next write replaces it with the truth).
    fn timeout_record(&self, _cib: &Cib, node: &str, key: &str, ga: &GraphAction) -> Option<CibOp> {
        let rsc = ga.rsc.as_ref()?;
        let agent = agent_spec(rsc).ok()?;
        let target_rc = meta(ga, "op_target_rc")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let now_s = (self.now_ms / 1000) as i64;
        let result = OpResult {
            rsc_id: rsc.id.clone(),
            agent,
            action: ga.task.clone(),
            interval_ms: ga.interval_ms,
            call_id: -1,
            rc: 1,
            rc_text: "error".into(),
            status: ExecStatus::Timeout,
            exit_reason: Some("the node did not answer in time".into()),
            stdout: String::new(),
            stderr: String::new(),
            output_truncated: false,
            pid: None,
            agent_exit: None,
            exec_time_ms: 0,
            queue_time_ms: 0,
            last_run: now_s,
            last_rc_change: now_s,
            params: Default::default(),
            digests: Default::default(),
            node: Some(node.to_string()),
        };
        let record = result.to_lrm_rsc_op(node, Some(key), target_rc);
        let node_id = self
            .cfg
            .cluster
            .id_of(node)
            .map_or(node.to_string(), |i| i.to_string());
        let mut ns = NodeState {
            id: node_id.clone(),
            uname: Some(node.to_string()),
            ..Default::default()
        };
        let name = rsc.long_id.clone().unwrap_or(rsc.id.clone());
        let entry = scheduler::execute::history_entry(&mut ns, &node_id, &name, rsc);
        scheduler::execute::file_op(entry, record);
        Some(CibOp::WriteHistory {
            node: node.to_string(),
            node_state_xml: cib::write::node_state(&ns).to_xml(),
            replace: false,
        })
    }

    /// Starts what is ready, finishes the transition, starts the next.
    fn drive(&mut self, cib: &Cib, out: &mut Vec<Command>) {
        if self.dc_state.is_none() {
            return;
        }
        for _ in 0..16 {
            self.fire(cib, out);
            let Some(d) = self.dc_state.as_mut() else {
                return;
            };
            if let Some(t) = &d.current {
                if !t.waiting.is_empty() {
                    return;
                }
                // Nothing in flight and nothing more could start: done.
                if t.did_work {
                    d.needs_run = true;
                }
                let line = match &t.aborted {
                    Some(why) => format!("transition {} aborted ({why}) and finished", t.id),
                    None => format!("transition {} complete", t.id),
                };
                out.push(Command::Log(line));
                d.current = None;
                d.recheck_at_ms = recheck_at_ms(cib, d.recheck_by_s, self.now_ms);
            }
            let joined = self.members.iter().all(|m| d.joined.contains_key(m))
                || self.now_ms >= d.join_deadline_ms;
            if !d.needs_run
                || !joined
                || self.now_ms < d.run_not_before_ms
                || !d.before_run.is_empty()
            {
                return;
            }
            d.needs_run = false;
            d.fingerprint = fingerprint(cib);
            d.counter += 1;
            let id = d.counter;
            let (graph, summary) = compute(cib, self.now_ms);
            d.recheck_by_s = graph.recheck_by;
            d.recheck_at_ms = None;
            if graph.synapses.is_empty() {
                d.recheck_at_ms = recheck_at_ms(cib, d.recheck_by_s, self.now_ms);
                return;
            }
            out.push(Command::Log(format!(
                "transition {id}: {} actions: {}",
                graph.synapses.len(),
                summary.join("; ")
            )));
            let n = graph.synapses.len();
            d.current = Some(Transition {
                id,
                graph,
                fired: vec![false; n],
                confirmed: BTreeSet::new(),
                waiting: BTreeMap::new(),
                aborted: None,
                did_work: false,
            });
        }
    }

    /// Fires every ready synapse (pseudo-actions confirm at once, so loop).
    fn fire(&mut self, cib: &Cib, out: &mut Vec<Command>) {
        let uuid = self.uuid();
        let now = self.now_ms;
        let mut reqs = Vec::new();
        let Some(d) = self.dc_state.as_mut() else {
            return;
        };
        let Some(t) = d.current.as_mut() else {
            return;
        };
        if t.aborted.is_some() {
            return;
        }
        let batch_limit = t
            .graph
            .batch_limit
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|b| *b > 0)
            .unwrap_or(IN_FLIGHT_MAX)
            .min(IN_FLIGHT_MAX);
        let migration_limit = t
            .graph
            .migration_limit
            .as_deref()
            .and_then(|m| m.trim().parse::<usize>().ok());
        let cluster_delay_ms = duration_ms(&t.graph.cluster_delay, 60_000);
        let stonith_timeout_ms = duration_ms(&t.graph.stonith_timeout, 60_000);
        loop {
            let mut progress = false;
            for i in 0..t.graph.synapses.len() {
                if t.fired[i] {
                    continue;
                }
                let syn = &t.graph.synapses[i];
                if !syn.inputs.iter().all(|inp| t.confirmed.contains(&inp.id)) {
                    continue;
                }
                let a = syn.action.clone();
                let in_flight = t
                    .waiting
                    .values()
                    .filter(|w| !matches!(w, Waiting::Write { .. }))
                    .count();
                if a.kind == GraphActionKind::Rsc && in_flight >= batch_limit {
                    continue;
                }
                if let (Some(limit), true) = (
                    migration_limit,
                    matches!(a.task.as_str(), "migrate_to" | "migrate_from"),
                ) {
                    let node = a.node.as_ref().map(|n| n.0.clone());
                    let busy = t
                        .waiting
                        .iter()
                        .filter(|(id, w)| {
                            matches!(w, Waiting::Rsc { node: n, .. } if Some(n) == node.as_ref())
                                && t.graph.synapses.iter().any(|s| {
                                    s.action.id == **id
                                        && matches!(
                                            s.action.task.as_str(),
                                            "migrate_to" | "migrate_from"
                                        )
                                })
                        })
                        .count();
                    if busy >= limit {
                        continue;
                    }
                }
                t.fired[i] = true;
                progress = true;
                match a.kind {
                    GraphActionKind::Pseudo => {
                        t.confirmed.insert(a.id);
                    }
                    GraphActionKind::Cluster if a.task.eq_ignore_ascii_case("stonith") => {
                        t.did_work = true;
                        let target = a.node.as_ref().map_or(String::new(), |n| n.0.clone());
                        let action = meta(&a, "stonith_action").unwrap_or("reboot").to_string();
                        d.next_fence += 1;
                        let id = d.next_fence;
                        // A node does not fence itself off while another
                        // member can: the lowest other member runs it.
                        let delegate = if target.eq_ignore_ascii_case(&self.me_name) {
                            self.members
                                .iter()
                                .find(|m| **m != self.cfg.me)
                                .map(|m| self.cfg.cluster.name_of(*m))
                        } else {
                            None
                        };
                        out.push(Command::Log(format!(
                            "transition {}: fencing {target} ({action}){}",
                            t.id,
                            delegate
                                .as_deref()
                                .map(|d| format!(" through {d}"))
                                .unwrap_or_default()
                        )));
                        match delegate {
                            Some(delegate) => {
                                out.push(Command::Send(wire::encode(&Message::Fence {
                                    id,
                                    target: target.clone(),
                                    action,
                                    delegate,
                                })))
                            }
                            None => {
                                self.fence_actions.insert(id, action.clone());
                                out.push(Command::Fence(FenceRequest {
                                    id,
                                    target: target.clone(),
                                    allow_self: target.eq_ignore_ascii_case(&self.me_name),
                                    action,
                                }))
                            }
                        }
                        t.waiting.insert(
                            a.id,
                            Waiting::Fence {
                                id,
                                target,
                                deadline_ms: now + stonith_timeout_ms + cluster_delay_ms,
                            },
                        );
                    }
                    GraphActionKind::Cluster if a.task == "do_shutdown" => {
                        // Expected down first, so that leaving is clean;
                        // the node is told once that is in the CIB.
                        let node = a.node.as_ref().map_or(String::new(), |n| n.0.clone());
                        reqs.push((a.id, CibOp::NodeLeaving { node }));
                    }
                    GraphActionKind::Cluster if a.task == "clear_failcount" => {
                        let node = a.node.as_ref().map_or(String::new(), |n| n.0.clone());
                        let rsc = a.rsc.as_ref().map_or(String::new(), |r| r.id.clone());
                        let attrs = clear_failures(cib, &node, &rsc);
                        if attrs.is_empty() {
                            t.confirmed.insert(a.id);
                        } else {
                            reqs.push((
                                a.id,
                                CibOp::SetAttributes {
                                    node,
                                    scope: AttrScope::Transient,
                                    attrs,
                                },
                            ));
                        }
                    }
                    GraphActionKind::Cluster => {
                        out.push(Command::Log(format!(
                            "transition {}: {} {} is not performed by pacer yet; confirmed",
                            t.id, a.task, a.key
                        )));
                        t.confirmed.insert(a.id);
                    }
                    GraphActionKind::Rsc => {
                        if matches!(a.task.as_str(), "delete" | "probe_again" | "meta-data") {
                            t.confirmed.insert(a.id);
                            continue;
                        }
                        t.did_work = true;
                        let Some((spec, node_id)) = exec_spec(&a, t.id, &uuid, &self.cfg.cluster)
                        else {
                            out.push(Command::Log(format!(
                                "transition {}: action {} ({}) has no node or resource",
                                t.id, a.id, a.key
                            )));
                            t.aborted
                                .get_or_insert_with(|| "an action cannot run".into());
                            continue;
                        };
                        let w = if spec.task == "cancel" {
                            Waiting::Cancel {
                                node: spec.node.clone(),
                                key: spec.transition_key.clone(),
                            }
                        } else {
                            Waiting::Rsc {
                                node: spec.node.clone(),
                                node_id,
                                incarnation: node_id.and_then(|n| d.joined.get(&n).copied()),
                                key: spec.transition_key.clone(),
                                deadline_ms: now + a.timeout_ms + cluster_delay_ms,
                            }
                        };
                        t.waiting.insert(a.id, w);
                        out.push(Command::Send(wire::encode(&Message::Execute(spec))));
                    }
                }
            }
            if !progress {
                break;
            }
        }
        for (a, op) in reqs {
            let req = self.next_req;
            self.next_req += 1;
            if let Some(t) = self.dc_state.as_mut().and_then(|d| d.current.as_mut()) {
                t.waiting.insert(a, Waiting::Write { req });
            }
            out.push(Command::Submit { req, op });
        }
    }
}

/// Runs the scheduler's stages up to the graph; also gives the transition
/// summary lines (`Start ip ( n1 )`, …) for the log.
pub fn compute(cib: &Cib, now_ms: u64) -> (Graph, Vec<String>) {
    let now = (now_ms / 1000) as i64;
    let state = scheduler::unpack(cib, now);
    let placement = scheduler::simulation::placement(cib, &state);
    let actions = scheduler::actions::schedule_actions(cib, &state, &placement);
    let summary = scheduler::transition::summary_lines(&actions);
    (scheduler::graph::build(&actions), summary)
}

/// What a node must be asked for a resource action.
fn exec_spec(
    a: &GraphAction,
    transition: u64,
    uuid: &str,
    cluster: &ClusterConfig,
) -> Option<(ExecSpec, Option<NodeId>)> {
    let rsc = a.rsc.as_ref()?;
    let (node, _uuid) = a.node.clone()?;
    let target_rc: i32 = meta(a, "op_target_rc")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut params = BTreeMap::new();
    let mut metas = BTreeMap::new();
    for (k, v) in &a.attributes {
        if let Some(m) = k.strip_prefix("CRM_meta_") {
            metas.insert(m.to_string(), v.clone());
        } else if k != "crm_feature_set" {
            params.insert(k.clone(), v.clone());
        }
    }
    let timeout_ms = meta(a, "timeout")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let node_id = cluster.id_of(&node);
    Some((
        ExecSpec {
            node,
            transition_key: transition_key(a.id, transition, target_rc, uuid),
            rsc: RscSpec {
                id: rsc.id.clone(),
                long_id: rsc.long_id.clone(),
                class: rsc.class.clone(),
                provider: rsc.provider.clone(),
                type_: rsc.agent.clone(),
            },
            task: a.task.clone(),
            interval_ms: a.interval_ms,
            timeout_ms,
            target_rc,
            params,
            meta: metas,
        },
        node_id,
    ))
}

/// The members the CIB's status shows (`in_ccm`), by node id.
fn members_in_cib(cib: &Cib) -> Vec<NodeId> {
    let mut ids: Vec<NodeId> = cib
        .status
        .node_states
        .iter()
        .filter(|n| n.in_ccm.as_deref() == Some("true"))
        .filter_map(|n| n.id.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// The operation record in `node`'s history with this transition key.
fn find_by_key<'a>(cib: &'a Cib, node: &str, key: &str) -> Option<&'a LrmRscOp> {
    let ns = cib
        .status
        .node_states
        .iter()
        .find(|n| n.uname.as_deref() == Some(node))?;
    ns.lrm
        .as_ref()?
        .lrm_resources
        .as_ref()?
        .resources
        .iter()
        .flat_map(|r| r.ops.iter())
        .find(|o| o.transition_key.as_deref() == Some(key) && o.op_status != Some(-1))
}

/// The expected rc written in a record's transition key.
fn target_rc_of(op: &LrmRscOp) -> i32 {
    op.transition_key
        .as_deref()
        .and_then(|k| k.split(':').nth(2))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Pacemaker's `update_failcount`: which attributes a failed operation
/// changes. `offsets` are the graph's failed start and stop offsets, given
/// for results of the running transition (a probe of it counts nothing).
fn failcount_update(
    rsc: &str,
    task: &str,
    interval_ms: u64,
    offsets: Option<(&String, &String)>,
    now_s: u64,
) -> Vec<(String, Option<String>)> {
    let value = if interval_ms > 0 || task == "promote" || task == "demote" {
        Some("value++".to_string())
    } else if task == "start" {
        Some(offsets.map_or("INFINITY".to_string(), |o| o.0.clone()))
    } else if task == "stop" {
        Some(offsets.map_or("INFINITY".to_string(), |o| o.1.clone()))
    } else if offsets.is_none() {
        Some("value++".to_string())
    } else {
        None
    };
    let Some(value) = value else {
        return Vec::new();
    };
    let value = if value.eq_ignore_ascii_case("INFINITY") || value == "value++" {
        value
    } else {
        "value++".to_string()
    };
    vec![
        (failcount_name(rsc, task, interval_ms), Some(value)),
        (
            lastfailure_name(rsc, task, interval_ms),
            Some(now_s.to_string()),
        ),
    ]
}

/// The fail-count and last-failure attributes of `rsc` on `node`, to delete.
fn clear_failures(cib: &Cib, node: &str, rsc: &str) -> Vec<(String, Option<String>)> {
    let prefixes = [format!("fail-count-{rsc}#"), format!("last-failure-{rsc}#")];
    let exact = [format!("fail-count-{rsc}"), format!("last-failure-{rsc}")];
    cib.status
        .node_states
        .iter()
        .filter(|n| n.uname.as_deref() == Some(node))
        .filter_map(|n| n.transient_attributes.as_ref())
        .flat_map(|t| t.instance_attributes.iter())
        .flat_map(|s| s.nvpairs.iter())
        .filter(|p| {
            prefixes.iter().any(|x| p.name.starts_with(x.as_str())) || exact.contains(&p.name)
        })
        .map(|p| (p.name.clone(), None))
        .collect()
}

/// What, when it changes, aborts a transition: the configuration version,
/// each node's membership fields and transient attributes.
fn fingerprint(cib: &Cib) -> String {
    let mut s = format!("{}.{}", cib.admin_epoch, cib.epoch);
    for ns in &cib.status.node_states {
        s.push_str(&format!(
            "|{}:{:?}:{:?}:{:?}:{:?}",
            ns.id, ns.in_ccm, ns.crmd, ns.join, ns.expected
        ));
        if let Some(t) = &ns.transient_attributes {
            for set in &t.instance_attributes {
                for p in &set.nvpairs {
                    s.push_str(&format!(",{}={:?}", p.name, p.value));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failcounts_follow_update_failcount() {
        let inf = "INFINITY".to_string();
        let one = "1".to_string();
        let a = failcount_update("db", "start", 0, Some((&inf, &inf)), 5);
        assert_eq!(
            a[0],
            ("fail-count-db#start_0".into(), Some("INFINITY".into()))
        );
        assert_eq!(a[1], ("last-failure-db#start_0".into(), Some("5".into())));
        let a = failcount_update("db", "start", 0, Some((&one, &inf)), 5);
        assert_eq!(a[0].1.as_deref(), Some("value++"));
        let a = failcount_update("db", "monitor", 10_000, Some((&inf, &inf)), 5);
        assert_eq!(a[0].0, "fail-count-db#monitor_10000");
        assert_eq!(a[0].1.as_deref(), Some("value++"));
        // A probe of the running transition counts nothing.
        assert!(failcount_update("db", "monitor", 0, Some((&inf, &inf)), 5).is_empty());
    }

    fn node2() -> (Controller, Cib) {
        let nodes = (1..=3)
            .map(|i| cluster::NodeInfo::new(i, format!("n{i}")))
            .collect();
        let c = Controller::new(ControllerConfig {
            me: 2,
            incarnation: 7,
            cluster: ClusterConfig::new(nodes),
        });
        let cib = Cib::from_xml(&replica::ops::empty_cib_xml()).expect("empty CIB");
        (c, cib)
    }

    #[test]
    fn shutdown_sets_the_attribute_and_leaves_on_the_dcs_word() {
        let (mut c, cib) = node2();
        // Without quorum nothing can be moved: leave at once.
        let out = c.handle(&cib, Event::Shutdown);
        assert!(
            out.iter().any(
                |x| matches!(x, Command::Exit { reason } if reason.contains("without quorum"))
            ),
            "{out:?}"
        );
        let (mut c, cib) = node2();
        c.handle(&cib, Event::Tick { now_ms: 5_000 });
        c.handle(&cib, synced(&cib, vec![1, 2, 3], 1));
        let out = c.handle(&cib, Event::Shutdown);
        assert!(
            out.iter().any(
                |x| matches!(x, Command::Submit { op: CibOp::SetAttributes { node, attrs, .. }, .. }
                if node == "n2" && attrs == &vec![("shutdown".to_string(), Some("5".to_string()))])
            ),
            "{out:?}"
        );
        assert!(!out.iter().any(|x| matches!(x, Command::Exit { .. })));
        // Not from the DC, or not for this node: ignored.
        let bye = |n: &str| Message::Shutdown { node: n.into() };
        assert!(c
            .handle(&cib, from(3, &bye("n2")))
            .iter()
            .all(|x| !matches!(x, Command::Exit { .. })));
        assert!(c
            .handle(&cib, from(1, &bye("n3")))
            .iter()
            .all(|x| !matches!(x, Command::Exit { .. })));
        let out = c.handle(&cib, from(1, &bye("n2")));
        assert!(
            out.iter().any(|x| matches!(x, Command::Exit { .. })),
            "{out:?}"
        );
        // Escalation: leave after shutdown-escalation regardless.
        let (mut c, cib) = node2();
        c.handle(&cib, synced(&cib, vec![1, 2, 3], 1));
        c.handle(&cib, Event::Shutdown);
        let t = SHUTDOWN_ESCALATION_MS_DEFAULT;
        assert!(c
            .handle(&cib, Event::Tick { now_ms: t - 1 })
            .iter()
            .all(|x| !matches!(x, Command::Exit { .. })));
        let out = c.handle(&cib, Event::Tick { now_ms: t });
        assert!(
            out.iter()
                .any(|x| matches!(x, Command::Exit { reason } if reason.contains("escalated"))),
            "{out:?}"
        );
    }

    fn synced(cib: &Cib, members: Vec<NodeId>, dc: NodeId) -> Event {
        Event::Notice(Notice::Synced {
            members,
            dc: Some(dc),
            quorate: true,
            version: replica::ops::Version::of(cib),
        })
    }

    fn from(node: NodeId, m: &Message) -> Event {
        Event::Notice(Notice::Controller {
            from: node,
            payload: wire::encode(m),
        })
    }

    #[test]
    fn a_peer_fences_the_dc_for_it_and_the_next_dc_records_it() {
        let (mut c, cib) = node2();
        c.handle(&cib, synced(&cib, vec![1, 2, 3], 1));
        let ask = Message::Fence {
            id: 5,
            target: "n1".into(),
            action: "reboot".into(),
            delegate: "n2".into(),
        };
        // Only the DC may ask.
        let out = c.handle(&cib, from(3, &ask));
        assert!(
            !out.iter().any(|x| matches!(x, Command::Fence(_))),
            "{out:?}"
        );
        let out = c.handle(&cib, from(1, &ask));
        let f = out
            .iter()
            .find_map(|x| match x {
                Command::Fence(f) => Some(f.clone()),
                _ => None,
            })
            .expect("the delegate fences");
        assert_eq!((f.target.as_str(), f.allow_self), ("n1", false));
        assert!(f.id >= DELEGATED_FENCE_BASE);
        let out = c.handle(
            &cib,
            Event::Fenced(FenceResult {
                id: f.id,
                target: "n1".into(),
                ok: true,
                reason: None,
            }),
        );
        let answer = Message::Fenced {
            origin: 1,
            id: 5,
            target: "n1".into(),
            ok: true,
            reason: None,
        };
        assert!(
            out.contains(&Command::Send(wire::encode(&answer))),
            "{out:?}"
        );
        // Everyone hears it; the next DC records the fencing first.
        c.handle(&cib, from(2, &answer));
        let out = c.handle(&cib, synced(&cib, vec![2, 3], 2));
        assert!(
            out.iter().any(|x| matches!(x, Command::Submit { op: CibOp::NodeFenced { node }, .. } if node == "n1")),
            "{out:?}"
        );
    }

    #[test]
    fn joined_waits_for_the_history_write() {
        let (mut c, cib) = node2();
        let out = c.handle(&cib, synced(&cib, vec![1, 2, 3], 1));
        let joined = Command::Send(wire::encode(&Message::Joined {
            node: 2,
            incarnation: 7,
        }));
        assert!(!out.contains(&joined), "{out:?}");
        let req = out
            .iter()
            .find_map(|x| match x {
                Command::Submit {
                    req,
                    op: CibOp::WriteHistory { .. },
                } => Some(*req),
                _ => None,
            })
            .expect("the history is written");
        let out = c.handle(&cib, Event::Written { req, ok: true });
        assert!(out.contains(&joined), "{out:?}");
    }

    #[test]
    fn recheck_is_the_sooner_of_interval_and_recheck_by() {
        let cib = |opt: &str| {
            Cib::from_xml(&format!(
                r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9"><configuration><crm_config><cluster_property_set id="o">{opt}</cluster_property_set></crm_config><nodes/><resources/><constraints/></configuration><status/></cib>"#
            ))
            .expect("test CIB")
        };
        let now = 1_000_000_500;
        let plain = cib("");
        // Default interval: 15 min.
        assert_eq!(recheck_at_ms(&plain, None, now), Some(now + 900_000));
        // recheck-by 60 s ahead (in whole seconds from now's second).
        assert_eq!(
            recheck_at_ms(&plain, Some(1_000_060), now),
            Some(now + 60_000)
        );
        // Already past: half a second.
        assert_eq!(recheck_at_ms(&plain, Some(999_000), now), Some(now + 500));
        let short = cib(r#"<nvpair id="r" name="cluster-recheck-interval" value="30s"/>"#);
        assert_eq!(
            recheck_at_ms(&short, Some(1_000_060), now),
            Some(now + 30_000)
        );
        // 0 disables rechecks, recheck-by included (as Pacemaker).
        let off = cib(r#"<nvpair id="r" name="cluster-recheck-interval" value="0"/>"#);
        assert_eq!(recheck_at_ms(&off, Some(1_000_060), now), None);
    }

    #[test]
    fn transition_keys_are_pacemakers() {
        assert_eq!(transition_key(3, 7, 0, "u"), "3:7:0:u");
        let op = LrmRscOp {
            transition_key: Some("3:7:7:u".into()),
            ..Default::default()
        };
        assert_eq!(target_rc_of(&op), 7);
    }
}
