//! A seeded, deterministic in-memory cluster network.
//!
//! It models what Corosync's totem gives a process group, at the level the
//! nodes can observe: views (configuration changes) and agreed-order
//! messages, with faults injected below the ordering layer.
//!
//! - **Time** is simulated milliseconds ([`SimNet::now_ms`]); nothing sleeps.
//! - **Ordering**: a multicast is *ordered* a random delay after it is sent
//!   (loss adds retransmission rounds); at that instant it is appended to the
//!   inbox of every member of the sender's current view. Inboxes are queues,
//!   so every member sees the same order.
//! - **Faults**: a crashed, paused or cut-off member blocks ordering in its
//!   view (as a lost token does) until the survivors form a new view
//!   `token_ms` later. Messages of a crashed sender that were not yet ordered
//!   are lost; a paused sender's wait. A resumed node first sees a view with
//!   only itself (the others left, as Corosync reports it), then a merge.
//! - **Replay**: everything random comes from one [`Rng`] seeded by the
//!   caller; all maps are ordered. The same seed and the same calls give the
//!   same events.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::{view_quorate, Cluster, ClusterConfig, ClusterError, ClusterEvent, NodeId};

/// splitmix64: small, seedable, good enough for fault injection.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = usize::try_from(self.next_u64() % items.len() as u64).unwrap_or(0);
        items.get(i)
    }
}

/// Timing of the simulated network.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Time for the survivors to notice a lost member and form a new view.
    pub token_ms: u64,
    /// Time for a started, resumed or reconnected node to be merged in.
    pub join_ms: u64,
    /// Ordering delay of one message: uniform in this range.
    pub order_ms_min: u64,
    pub order_ms_max: u64,
    /// Chance (percent) that a transmission is lost and retransmitted.
    pub loss_percent: u64,
    /// Extra delay of one retransmission.
    pub retransmit_ms: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            token_ms: 1000,
            join_ms: 200,
            order_ms_min: 1,
            order_ms_max: 5,
            loss_percent: 5,
            retransmit_ms: 20,
        }
    }
}

/// Whether a simulated node's process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Up,
    Paused,
    Down,
}

#[derive(Clone, Debug)]
struct View {
    id: u64,
    members: Vec<NodeId>,
}

#[derive(Debug)]
struct SimNode {
    run: RunState,
    view: Option<View>,
    inbox: VecDeque<ClusterEvent>,
    /// View id that goes with each inbox entry (for checkers).
    inbox_views: VecDeque<u64>,
}

#[derive(Debug)]
struct Pending {
    from: NodeId,
    payload: Vec<u8>,
}

/// The simulated network of one cluster.
#[derive(Debug)]
pub struct SimNet {
    cfg: SimConfig,
    cluster: ClusterConfig,
    rng: Rng,
    now_ms: u64,
    nodes: BTreeMap<NodeId, SimNode>,
    /// Partition side of each node; nodes on the same side are connected.
    side: BTreeMap<NodeId, u32>,
    /// Messages not yet ordered, keyed by (order time, sequence).
    pending: BTreeMap<(u64, u64), Pending>,
    seq: u64,
    /// When membership is next recomputed.
    recompute_at: Option<u64>,
    next_view_id: u64,
    /// Messages ordered so far (for statistics).
    pub ordered: u64,
}

impl SimNet {
    /// A network with every configured node down; start them with
    /// [`SimNet::start`].
    pub fn new(cluster: ClusterConfig, cfg: SimConfig, seed: u64) -> Self {
        let nodes = cluster
            .nodes
            .iter()
            .map(|n| {
                (
                    n.id,
                    SimNode {
                        run: RunState::Down,
                        view: None,
                        inbox: VecDeque::new(),
                        inbox_views: VecDeque::new(),
                    },
                )
            })
            .collect();
        let side = cluster.nodes.iter().map(|n| (n.id, 0)).collect();
        SimNet {
            cfg,
            cluster,
            rng: Rng::new(seed ^ 0x0005_eed0_f5e7),
            now_ms: 0,
            nodes,
            side,
            pending: BTreeMap::new(),
            seq: 0,
            recompute_at: None,
            next_view_id: 1,
            ordered: 0,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.cluster
    }

    pub fn run_state(&self, n: NodeId) -> RunState {
        self.nodes.get(&n).map(|s| s.run).unwrap_or(RunState::Down)
    }

    /// The view a node is in (as far as the network is concerned), with its id.
    pub fn view_of(&self, n: NodeId) -> Option<(u64, Vec<NodeId>)> {
        let v = self.nodes.get(&n)?.view.as_ref()?;
        Some((v.id, v.members.clone()))
    }

    fn schedule_recompute(&mut self, after_ms: u64) {
        let at = self.now_ms + after_ms;
        self.recompute_at = Some(self.recompute_at.map_or(at, |t| t.min(at)));
    }

    /// Starts (or restarts after a crash) a node's process.
    pub fn start(&mut self, n: NodeId) {
        if let Some(s) = self.nodes.get_mut(&n) {
            if s.run == RunState::Down {
                s.run = RunState::Up;
                s.view = None;
                s.inbox.clear();
                s.inbox_views.clear();
                let j = self.cfg.join_ms;
                self.schedule_recompute(j);
            }
        }
    }

    /// Kills a node's process: its queue and unordered messages are lost.
    pub fn crash(&mut self, n: NodeId) {
        if let Some(s) = self.nodes.get_mut(&n) {
            s.run = RunState::Down;
            s.view = None;
            s.inbox.clear();
            s.inbox_views.clear();
            self.pending.retain(|_, p| p.from != n);
            let t = self.cfg.token_ms;
            self.schedule_recompute(t);
        }
    }

    /// Freezes a node (SIGSTOP): it processes nothing; the others drop it
    /// from their view after `token_ms`.
    pub fn pause(&mut self, n: NodeId) {
        if let Some(s) = self.nodes.get_mut(&n) {
            if s.run == RunState::Up {
                s.run = RunState::Paused;
                let t = self.cfg.token_ms;
                self.schedule_recompute(t);
            }
        }
    }

    /// Thaws a paused node. If the others formed a view without it meanwhile,
    /// it first sees a view of its own (everyone else left), then a merge.
    pub fn resume(&mut self, n: NodeId) {
        let stale = match self.nodes.get(&n) {
            Some(s) if s.run == RunState::Paused => match &s.view {
                Some(v) => v.members.iter().any(|m| {
                    *m != n
                        && self
                            .nodes
                            .get(m)
                            .and_then(|o| o.view.as_ref())
                            .map(|o| o.id)
                            != Some(v.id)
                }),
                None => false,
            },
            _ => return,
        };
        if stale {
            let id = self.next_view_id;
            self.next_view_id += 1;
            if let Some(s) = self.nodes.get_mut(&n) {
                let old = s.view.take().map(|v| v.members).unwrap_or_default();
                let left: Vec<NodeId> = old.iter().copied().filter(|m| *m != n).collect();
                s.inbox.push_back(ClusterEvent::ConfChange {
                    members: vec![n],
                    left,
                    joined: vec![],
                });
                s.inbox_views.push_back(id);
                s.view = Some(View {
                    id,
                    members: vec![n],
                });
                let q = view_quorate(&[n], &self.cluster);
                s.inbox.push_back(ClusterEvent::Quorum {
                    quorate: q,
                    members: vec![n],
                });
                s.inbox_views.push_back(id);
            }
        }
        if let Some(s) = self.nodes.get_mut(&n) {
            s.run = RunState::Up;
        }
        let j = self.cfg.join_ms;
        self.schedule_recompute(j);
    }

    /// Splits the network: each group can talk only within itself; nodes in
    /// no group form one more group.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        for s in self.side.values_mut() {
            *s = 0;
        }
        for (i, g) in groups.iter().enumerate() {
            for n in g {
                self.side
                    .insert(*n, u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        let t = self.cfg.token_ms;
        self.schedule_recompute(t);
    }

    /// Reconnects everyone.
    pub fn heal(&mut self) {
        for s in self.side.values_mut() {
            *s = 0;
        }
        let j = self.cfg.join_ms;
        self.schedule_recompute(j);
    }

    /// Whether `a` and `b` can talk.
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        self.side.get(&a) == self.side.get(&b)
    }

    /// Multicast from `from` (see [`SimEndpoint`] for the trait side).
    pub fn multicast(&mut self, from: NodeId, payload: Vec<u8>) -> Result<(), ClusterError> {
        match self.nodes.get(&from) {
            Some(s) if s.run == RunState::Up && s.view.is_some() => {}
            _ => return Err(ClusterError::NotMember),
        }
        let mut delay = self.rng.range(self.cfg.order_ms_min, self.cfg.order_ms_max);
        // Bounded: each loss costs one retransmission round.
        for _ in 0..8 {
            if !self.rng.chance(self.cfg.loss_percent) {
                break;
            }
            delay += self.cfg.retransmit_ms;
        }
        self.seq += 1;
        self.pending
            .insert((self.now_ms + delay, self.seq), Pending { from, payload });
        Ok(())
    }

    /// The next event queued for an `Up` node, with the id of the view it
    /// belongs to.
    pub fn take_event(&mut self, n: NodeId) -> Option<(u64, ClusterEvent)> {
        let s = self.nodes.get_mut(&n)?;
        if s.run != RunState::Up {
            return None;
        }
        let e = s.inbox.pop_front()?;
        let v = s.inbox_views.pop_front().unwrap_or(0);
        Some((v, e))
    }

    /// Nodes that are up and have events queued.
    pub fn ready_nodes(&self) -> Vec<NodeId> {
        self.nodes
            .iter()
            .filter(|(_, s)| s.run == RunState::Up && !s.inbox.is_empty())
            .map(|(n, _)| *n)
            .collect()
    }

    /// When the next network event is due, if any.
    pub fn next_due(&self) -> Option<u64> {
        let p = self.pending.keys().next().map(|(t, _)| *t);
        match (p, self.recompute_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances the clock to `t_ms` (never backwards) and performs every
    /// network event due by then.
    pub fn advance_to(&mut self, t_ms: u64) {
        const EVENTS_PER_ADVANCE_MAX: usize = 1_000_000;
        self.now_ms = self.now_ms.max(t_ms);
        for _ in 0..EVENTS_PER_ADVANCE_MAX {
            let Some(due) = self.next_due() else { break };
            if due > self.now_ms {
                break;
            }
            if self.recompute_at.is_some_and(|r| r <= due) {
                self.recompute_at = None;
                self.recompute();
                continue;
            }
            let Some((key, p)) = self.pending.pop_first() else {
                break;
            };
            self.order(key, p);
        }
    }

    /// Orders one message: appends it to every member's inbox, or postpones
    /// it while the sender's view is broken (lost token).
    fn order(&mut self, key: (u64, u64), p: Pending) {
        let Some(sender) = self.nodes.get(&p.from) else {
            return;
        };
        if sender.run == RunState::Down {
            return;
        }
        let Some(view) = sender.view.clone() else {
            return;
        };
        let intact = sender.run == RunState::Up
            && view.members.iter().all(|m| {
                self.connected(*m, p.from)
                    && self.nodes.get(m).is_some_and(|s| {
                        s.run == RunState::Up && s.view.as_ref().map(|v| v.id) == Some(view.id)
                    })
            });
        if !intact {
            // Retry after the next membership change (or a token later).
            let retry = self
                .recompute_at
                .unwrap_or(self.now_ms + self.cfg.token_ms)
                .max(self.now_ms)
                + 1;
            self.pending.insert((retry, key.1), p);
            return;
        }
        self.ordered += 1;
        for m in &view.members {
            if let Some(s) = self.nodes.get_mut(m) {
                s.inbox.push_back(ClusterEvent::Deliver {
                    from: p.from,
                    payload: p.payload.clone(),
                });
                s.inbox_views.push_back(view.id);
            }
        }
    }

    /// Forms new views from who is up and connected.
    fn recompute(&mut self) {
        let up: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(_, s)| s.run == RunState::Up)
            .map(|(n, _)| *n)
            .collect();
        let mut components: BTreeMap<u32, Vec<NodeId>> = BTreeMap::new();
        for n in &up {
            components
                .entry(self.side.get(n).copied().unwrap_or(0))
                .or_default()
                .push(*n);
        }
        for members in components.into_values() {
            let same = members.iter().all(|m| {
                self.nodes
                    .get(m)
                    .and_then(|s| s.view.as_ref())
                    .is_some_and(|v| v.members == members)
            }) && {
                // …and all in one view, not several that look alike.
                let ids: BTreeSet<u64> = members
                    .iter()
                    .filter_map(|m| {
                        self.nodes
                            .get(m)
                            .and_then(|s| s.view.as_ref())
                            .map(|v| v.id)
                    })
                    .collect();
                ids.len() == 1
            };
            if same {
                continue;
            }
            let id = self.next_view_id;
            self.next_view_id += 1;
            let quorate = view_quorate(&members, &self.cluster);
            for m in &members {
                if let Some(s) = self.nodes.get_mut(m) {
                    let old = s.view.take().map(|v| v.members).unwrap_or_default();
                    let left = old
                        .iter()
                        .copied()
                        .filter(|o| !members.contains(o))
                        .collect();
                    let joined = members
                        .iter()
                        .copied()
                        .filter(|o| !old.contains(o))
                        .collect();
                    s.inbox.push_back(ClusterEvent::ConfChange {
                        members: members.clone(),
                        left,
                        joined,
                    });
                    s.inbox.push_back(ClusterEvent::Quorum {
                        quorate,
                        members: members.clone(),
                    });
                    s.inbox_views.push_back(id);
                    s.inbox_views.push_back(id);
                    s.view = Some(View {
                        id,
                        members: members.clone(),
                    });
                }
            }
        }
        // Anything still broken (a paused member) is looked at again later.
        let broken = self.nodes.iter().any(|(n, s)| {
            s.run == RunState::Up
                && s.view.as_ref().is_some_and(|v| {
                    v.members.iter().any(|m| {
                        !self.connected(*m, *n)
                            || !self.nodes.get(m).is_some_and(|o| o.run == RunState::Up)
                    })
                })
        });
        if broken {
            let t = self.cfg.token_ms;
            self.schedule_recompute(t);
        }
    }

    /// True when no message is pending, no membership change is due and no
    /// up node has unprocessed events.
    pub fn quiet(&self) -> bool {
        self.pending.is_empty() && self.recompute_at.is_none() && self.ready_nodes().is_empty()
    }
}

/// One node's handle on a [`SimNet`]: collects its multicasts, which the
/// simulation driver then hands to the network.
#[derive(Debug)]
pub struct SimEndpoint {
    pub node: NodeId,
    pub config: ClusterConfig,
    pub outbox: Vec<Vec<u8>>,
}

impl SimEndpoint {
    pub fn new(node: NodeId, config: ClusterConfig) -> Self {
        SimEndpoint {
            node,
            config,
            outbox: Vec::new(),
        }
    }
}

impl Cluster for SimEndpoint {
    fn local_node(&self) -> NodeId {
        self.node
    }
    fn config(&self) -> &ClusterConfig {
        &self.config
    }
    fn multicast(&mut self, payload: &[u8]) -> Result<(), ClusterError> {
        if payload.len() > crate::MESSAGE_BYTES_MAX {
            return Err(ClusterError::TooBig {
                len: payload.len(),
                max: crate::MESSAGE_BYTES_MAX,
            });
        }
        self.outbox.push(payload.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NodeInfo;

    fn three() -> ClusterConfig {
        ClusterConfig::new((1..=3).map(|i| NodeInfo::new(i, format!("n{i}"))).collect())
    }

    fn drain(net: &mut SimNet) -> BTreeMap<NodeId, Vec<ClusterEvent>> {
        let mut out: BTreeMap<NodeId, Vec<ClusterEvent>> = BTreeMap::new();
        for _ in 0..10_000 {
            let ready = net.ready_nodes();
            if ready.is_empty() {
                match net.next_due() {
                    Some(t) => net.advance_to(t),
                    None => break,
                }
                continue;
            }
            for n in ready {
                while let Some((_, e)) = net.take_event(n) {
                    out.entry(n).or_default().push(e);
                }
            }
        }
        out
    }

    #[test]
    fn all_members_see_the_same_order() {
        let mut net = SimNet::new(three(), SimConfig::default(), 7);
        for n in 1..=3 {
            net.start(n);
        }
        drain(&mut net);
        for i in 0..50u8 {
            net.multicast(u32::from(i % 3) + 1, vec![i])
                .expect("member");
        }
        let got = drain(&mut net);
        assert_eq!(got[&1], got[&2]);
        assert_eq!(got[&2], got[&3]);
        assert_eq!(got[&1].len(), 50);
    }

    #[test]
    fn crash_and_partition_change_views() {
        let mut net = SimNet::new(three(), SimConfig::default(), 1);
        for n in 1..=3 {
            net.start(n);
        }
        drain(&mut net);
        net.crash(3);
        let got = drain(&mut net);
        assert!(got[&1].contains(&ClusterEvent::ConfChange {
            members: vec![1, 2],
            left: vec![3],
            joined: vec![]
        }));
        net.start(3);
        net.partition(&[vec![1], vec![2, 3]]);
        drain(&mut net);
        assert_eq!(net.view_of(1).map(|v| v.1), Some(vec![1]));
        assert_eq!(net.view_of(2).map(|v| v.1), Some(vec![2, 3]));
        net.heal();
        drain(&mut net);
        assert_eq!(net.view_of(1).map(|v| v.1), Some(vec![1, 2, 3]));
    }

    #[test]
    fn a_resumed_node_first_sees_itself_alone() {
        let mut net = SimNet::new(three(), SimConfig::default(), 3);
        for n in 1..=3 {
            net.start(n);
        }
        drain(&mut net);
        net.pause(2);
        let t = net.now_ms() + 5000;
        net.advance_to(t);
        for n in [1, 3] {
            while net.take_event(n).is_some() {}
        }
        net.resume(2);
        let got = drain(&mut net);
        let views: Vec<_> = got[&2]
            .iter()
            .filter_map(|e| match e {
                ClusterEvent::ConfChange { members, .. } => Some(members.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(views, vec![vec![2], vec![1, 2, 3]]);
    }

    #[test]
    fn same_seed_same_run() {
        let run = |seed| {
            let mut net = SimNet::new(three(), SimConfig::default(), seed);
            for n in 1..=3 {
                net.start(n);
            }
            drain(&mut net);
            for i in 0..20u8 {
                net.multicast(u32::from(i % 3) + 1, vec![i])
                    .expect("member");
            }
            net.crash(2);
            drain(&mut net)
        };
        assert_eq!(run(42), run(42));
    }
}
