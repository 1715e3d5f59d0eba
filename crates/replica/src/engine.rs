//! One node's cluster engine: CIB replication in agreed order, join/merge
//! sync, DC election and node attributes, as a pure state machine.
//!
//! The daemon (and the simulator) feed it [`Event`]s and perform the
//! [`Command`]s it returns, in order; it does no I/O and reads no clock.
//!
//! ## How the replicas stay identical
//! - Every change is an [`Message::Update`] multicast in agreed order; every
//!   member applies it at delivery, so all members apply the same changes in
//!   the same order.
//! - A view change starts a **sync round**: each member multicasts one
//!   [`Message::Offer`] (its version and digest). When the first offer of every
//!   member has been delivered, all members pick the same winner (highest
//!   version; then the digest most members hold; then the lowest node id).
//!   If the digests differ, the winner multicasts its CIB
//!   ([`Message::SyncCib`]) and every member adopts it at delivery. All members
//!   leave the round at the same point of the stream.
//! - While a round is open, updates are refused by everyone alike (their
//!   originator queues them again); in a partition without quorum they are
//!   refused, so a minority never moves its version ahead of the majority's.
//! - A member sends no new offer while its previous one is undelivered: its
//!   CIB cannot change meanwhile, so an offer that arrives a view late still
//!   tells the truth.
//!
//! ## DC election
//! At the end of each round: the winner's DC if it is still a member, else
//! the member with the lowest id. Every member computes the same answer from
//! the same messages, so each view has exactly one DC and a DC that leaves is
//! replaced within the next view change.

use std::cell::OnceCell;
use std::collections::{BTreeMap, VecDeque};

use cib::Cib;
use cluster::{view_quorate, ClusterConfig, ClusterEvent, NodeId};
use serde::{Deserialize, Serialize};

use crate::ops::{self, AttrScope, CibOp, Refusal, Version};
use crate::wire::{self, Message, Origin};

/// Local changes waiting for a sync round to end.
pub const QUEUE_MAX: usize = 1024;
/// How often a change refused by a sync round is sent again.
pub const RESEND_MAX: u32 = 8;
/// Configuration versions remembered to tell "behind" from "diverged".
pub const HISTORY_MAX: usize = 1024;
/// Request ids at or above this are the engine's own (dampened attributes).
pub const INTERNAL_REQ_BASE: u64 = 1 << 62;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub me: NodeId,
    /// Differs on every start of the node (a boot counter, or time + pid).
    pub incarnation: u64,
    pub cluster: ClusterConfig,
}

/// A node-attribute update from a local client (Pacemaker's attrd_updater).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrUpdate {
    pub node: String,
    pub name: String,
    pub value: Option<String>,
    pub scope: AttrScope,
    /// Wait this long after a change before writing it; further changes in
    /// the window are merged into one write.
    pub dampen_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Cluster(ClusterEvent),
    /// A CIB change from a local client; answered by [`Command::Reply`].
    Submit {
        req: u64,
        op: CibOp,
    },
    /// A node attribute from a local client; answered at once when dampened.
    SetAttr {
        req: u64,
        update: AttrUpdate,
    },
    /// A timer set by [`Command::SetTimer`] fired.
    Timer {
        id: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Multicast to the group.
    Send(Message),
    /// The CIB changed: store its text ([`Engine::xml`]) durably before
    /// performing the next command. The text is rendered only when read, so
    /// a driver that batches writes renders it once per batch.
    Persist,
    /// Answer a local client's request.
    Reply {
        req: u64,
        result: Result<Version, Refusal>,
    },
    /// Deliver [`Event::Timer`] after this long.
    SetTimer { id: u64, after_ms: u64 },
    /// Something the daemon shows or the controller reacts to.
    Notify(Notice),
    /// This node's CIB lost a partition merge and had changes the winner
    /// lacks; keep `lost_xml` and tell the administrator.
    Diverged(Divergence),
    /// A line for the log.
    Log(String),
    /// The engine cannot go on (the daemon exits with this message).
    Fatal(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// A sync round ended: the view, its DC and quorum are settled.
    Synced {
        members: Vec<NodeId>,
        dc: Option<NodeId>,
        quorate: bool,
        version: Version,
    },
    /// Quorum changed; the controller applies `no_quorum_policy` (stop,
    /// freeze, ignore, demote, suicide) when `quorate` is false.
    Quorum {
        quorate: bool,
        no_quorum_policy: String,
    },
    /// The CIB changed (after an update or a sync).
    CibChanged { version: Version },
    /// A controller message (issue 7) arrived.
    Controller { from: NodeId, payload: Vec<u8> },
    /// The cluster layer is gone.
    Disconnected { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    pub winner: NodeId,
    pub winner_version: Version,
    pub lost_version: Version,
    pub lost_xml: String,
    pub summary: String,
}

/// What `pacer status` shows about this node's view of the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub me: NodeId,
    pub nodes: Vec<(NodeId, String)>,
    pub members: Vec<NodeId>,
    pub synced: bool,
    pub quorate: bool,
    /// votequorum's own opinion, when it has reported one.
    pub votequorum_quorate: Option<bool>,
    pub dc: Option<NodeId>,
    pub version: Version,
    pub digest: String,
    pub two_node: bool,
    pub expected_votes: u32,
}

#[derive(Clone, Debug)]
struct OfferInfo {
    version: Version,
    digest: String,
    dc: Option<NodeId>,
}

#[derive(Clone, Debug)]
enum Phase {
    /// No view yet (just started).
    NoView,
    Syncing {
        offers: BTreeMap<NodeId, OfferInfo>,
        /// Set once every member's offer is in: the winner and its offer.
        winner: Option<(NodeId, OfferInfo)>,
    },
    Synced,
}

#[derive(Clone, Debug)]
struct Damped {
    value: Option<String>,
}

pub struct Engine {
    cfg: EngineConfig,
    cib: Cib,
    /// The CIB's text and its digest, rendered from `cib` on first use after
    /// a change (most changes are followed by more before anyone reads it).
    text: OnceCell<(String, String)>,
    /// Set by a change, cleared by the `Persist` that reports it.
    unpersisted: bool,
    members: Vec<NodeId>,
    phase: Phase,
    dc: Option<NodeId>,
    quorate: bool,
    vq_quorate: Option<bool>,
    offer_outstanding: bool,
    queued: VecDeque<(u64, CibOp, u32)>,
    in_flight: BTreeMap<u64, (CibOp, u32)>,
    damped: BTreeMap<(String, String, AttrScope), (Damped, u64)>,
    timers: BTreeMap<u64, (String, String, AttrScope)>,
    next_timer: u64,
    next_internal_req: u64,
    /// (admin_epoch, epoch, configuration digest) this CIB's configuration
    /// went through, newest last.
    history: VecDeque<(i64, i64, String)>,
    last_quorum_notice: Option<bool>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("me", &self.cfg.me)
            .field("members", &self.members)
            .field("phase", &self.phase)
            .field("dc", &self.dc)
            .field("version", &Version::of(&self.cib))
            .finish_non_exhaustive()
    }
}

pub fn digest(xml: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let d = Sha256::digest(xml.as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn config_digest(cib: &Cib) -> String {
    digest(&cib::write::configuration(&cib.configuration).to_xml())
}

impl Engine {
    /// Starts from the node's stored CIB text (see `store::CibStore`).
    pub fn new(cfg: EngineConfig, stored_xml: &str) -> Result<Self, String> {
        let (cib, _warnings) = Cib::from_xml_lenient(stored_xml)
            .map_err(|e| format!("the stored CIB cannot be read: {e}"))?;
        let xml = stored_xml.to_string();
        let d = digest(&xml);
        let text = OnceCell::new();
        let _ = text.set((xml, d));
        let mut history = VecDeque::new();
        history.push_back((cib.admin_epoch, cib.epoch, config_digest(&cib)));
        Ok(Engine {
            cfg,
            cib,
            text,
            unpersisted: false,
            members: Vec::new(),
            phase: Phase::NoView,
            dc: None,
            quorate: false,
            vq_quorate: None,
            offer_outstanding: false,
            queued: VecDeque::new(),
            in_flight: BTreeMap::new(),
            damped: BTreeMap::new(),
            timers: BTreeMap::new(),
            next_timer: 1,
            next_internal_req: INTERNAL_REQ_BASE,
            history,
            last_quorum_notice: None,
        })
    }

    pub fn me(&self) -> NodeId {
        self.cfg.me
    }
    /// The CIB's text (rendered now if it changed since last asked).
    pub fn xml(&self) -> &str {
        &self.text().0
    }

    fn text(&self) -> &(String, String) {
        self.text.get_or_init(|| {
            let xml = self.cib.to_xml();
            let d = digest(&xml);
            (xml, d)
        })
    }

    fn digest(&self) -> String {
        self.text().1.clone()
    }
    pub fn cib(&self) -> &Cib {
        &self.cib
    }
    pub fn version(&self) -> Version {
        Version::of(&self.cib)
    }
    pub fn dc(&self) -> Option<NodeId> {
        self.dc
    }
    pub fn is_synced(&self) -> bool {
        matches!(self.phase, Phase::Synced)
    }
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }
    /// The cluster's nodes (names and ids).
    pub fn cluster(&self) -> &ClusterConfig {
        &self.cfg.cluster
    }

    pub fn quorate(&self) -> bool {
        self.quorate
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            me: self.cfg.me,
            nodes: self
                .cfg
                .cluster
                .nodes
                .iter()
                .map(|n| (n.id, n.name.clone()))
                .collect(),
            members: self.members.clone(),
            synced: self.is_synced(),
            quorate: self.quorate,
            votequorum_quorate: self.vq_quorate,
            dc: self.dc,
            version: self.version(),
            digest: self.digest(),
            two_node: self.cfg.cluster.two_node,
            expected_votes: self.cfg.cluster.expected_votes,
        }
    }

    fn origin(&self) -> Origin {
        Origin {
            node: self.cfg.me,
            incarnation: self.cfg.incarnation,
        }
    }

    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match event {
            Event::Cluster(ClusterEvent::ConfChange { members, .. }) => {
                self.on_view(members, &mut out)
            }
            Event::Cluster(ClusterEvent::Deliver { from, payload }) => match wire::decode(&payload)
            {
                Ok(m) => self.on_message(from, m, &mut out),
                Err(e) => out.push(Command::Log(format!(
                    "ignoring a message from node {from}: {e}"
                ))),
            },
            Event::Cluster(ClusterEvent::Quorum { quorate, .. }) => {
                self.vq_quorate = Some(quorate);
                if self.is_synced() && quorate != self.quorate {
                    out.push(Command::Log(format!(
                        "votequorum says quorate={quorate} but the view {:?} gives quorate={} (wait_for_all, last_man_standing or votes not one per node?); pacer follows the view",
                        self.members, self.quorate
                    )));
                }
            }
            Event::Cluster(ClusterEvent::Disconnected { reason }) => {
                out.push(Command::Notify(Notice::Disconnected { reason }));
            }
            Event::Submit { req, op } => self.submit(req, op, 0, &mut out),
            Event::SetAttr { req, update } => self.set_attr(req, update, &mut out),
            Event::Timer { id } => self.on_timer(id, &mut out),
        }
        out
    }

    fn on_view(&mut self, mut members: Vec<NodeId>, out: &mut Vec<Command>) {
        members.sort_unstable();
        members.dedup();
        let prev_dc = self.dc;
        self.members = members;
        self.dc = None;
        self.phase = Phase::Syncing {
            offers: BTreeMap::new(),
            winner: None,
        };
        if !self.offer_outstanding {
            self.offer_outstanding = true;
            out.push(Command::Send(Message::Offer {
                version: self.version(),
                digest: self.digest(),
                dc: prev_dc,
            }));
        }
    }

    fn on_message(&mut self, from: NodeId, m: Message, out: &mut Vec<Command>) {
        match m {
            Message::Offer {
                version,
                digest,
                dc,
            } => {
                if from == self.cfg.me {
                    self.offer_outstanding = false;
                }
                self.on_offer(
                    from,
                    OfferInfo {
                        version,
                        digest,
                        dc,
                    },
                    out,
                );
            }
            Message::SyncCib {
                version,
                digest,
                xml,
            } => self.on_sync_cib(from, version, digest, xml, out),
            Message::Update { origin, req, op } => self.on_update(origin, req, op, out),
            Message::Controller { payload } => {
                out.push(Command::Notify(Notice::Controller { from, payload }))
            }
        }
    }

    fn on_offer(&mut self, from: NodeId, offer: OfferInfo, out: &mut Vec<Command>) {
        let Phase::Syncing { offers, winner } = &mut self.phase else {
            return;
        };
        if winner.is_some() || !self.members.contains(&from) || offers.contains_key(&from) {
            return;
        }
        offers.insert(from, offer);
        if offers.len() < self.members.len() {
            return;
        }
        // Every member's offer is in: decide, identically everywhere.
        let mut holders: BTreeMap<&str, usize> = BTreeMap::new();
        for o in offers.values() {
            *holders.entry(o.digest.as_str()).or_default() += 1;
        }
        let best = offers
            .iter()
            .max_by(|(a_id, a), (b_id, b)| {
                let ka = (
                    a.version,
                    holders.get(a.digest.as_str()).copied().unwrap_or(0),
                    std::cmp::Reverse(**a_id),
                );
                let kb = (
                    b.version,
                    holders.get(b.digest.as_str()).copied().unwrap_or(0),
                    std::cmp::Reverse(**b_id),
                );
                ka.cmp(&kb)
            })
            .map(|(id, o)| (*id, o.clone()));
        let Some((w, wo)) = best else { return };
        let all_same = holders.len() == 1;
        *winner = Some((w, wo.clone()));
        if all_same {
            self.finish_sync(w, wo, None, out);
        } else if w == self.cfg.me {
            out.push(Command::Send(Message::SyncCib {
                version: self.version(),
                digest: self.digest(),
                xml: encode_with_history(self.xml(), &self.history),
            }));
        }
    }

    fn on_sync_cib(
        &mut self,
        from: NodeId,
        version: Version,
        dig: String,
        payload: String,
        out: &mut Vec<Command>,
    ) {
        let Phase::Syncing {
            winner: Some((w, wo)),
            ..
        } = &self.phase
        else {
            return;
        };
        if *w != from || wo.digest != dig || wo.version != version {
            return;
        }
        let (w, wo) = (*w, wo.clone());
        self.finish_sync(w, wo, Some(payload), out);
    }

    /// Ends the round: adopt the winner's CIB if it differs, elect the DC,
    /// write membership into the status, release queued changes.
    fn finish_sync(
        &mut self,
        winner: NodeId,
        wo: OfferInfo,
        payload: Option<String>,
        out: &mut Vec<Command>,
    ) {
        if let Some(payload) = payload {
            let (xml, history) = decode_with_history(&payload);
            if digest(&xml) != wo.digest {
                out.push(Command::Fatal(format!("the CIB sent by node {winner} does not match its digest; nodes run incompatible pacer versions?")));
                return;
            }
            if xml != self.xml() {
                let new = match Cib::from_xml_lenient(&xml) {
                    Ok((c, _)) => c,
                    Err(e) => {
                        out.push(Command::Fatal(format!(
                            "cannot read the CIB sent by node {winner}: {e}"
                        )));
                        return;
                    }
                };
                self.report_if_diverged(winner, &new, &history, out);
                self.cib = new;
                self.text = OnceCell::new();
                let _ = self.text.set((xml, wo.digest.clone()));
                self.unpersisted = true;
                self.history = history;
                self.remember_config();
            }
        }
        self.phase = Phase::Synced;
        let quorate = view_quorate(&self.members, &self.cfg.cluster);
        self.quorate = quorate;
        let dc = match wo.dc {
            Some(d) if self.members.contains(&d) => Some(d),
            _ => self.members.first().copied(),
        };
        self.dc = dc;
        if quorate {
            let changed =
                ops::apply_membership(&mut self.cib, &self.cfg.cluster, &self.members, dc, quorate);
            if changed.any() {
                self.refresh(changed.configuration);
            }
        }
        self.persist(out);
        out.push(Command::Notify(Notice::Synced {
            members: self.members.clone(),
            dc,
            quorate,
            version: self.version(),
        }));
        if self.last_quorum_notice != Some(quorate) {
            self.last_quorum_notice = Some(quorate);
            out.push(Command::Notify(Notice::Quorum {
                quorate,
                no_quorum_policy: ops::cluster_property(&self.cib, "no-quorum-policy")
                    .unwrap_or_else(|| "stop".into()),
            }));
        }
        let queued: Vec<_> = self.queued.drain(..).collect();
        for (req, op, tries) in queued {
            self.submit(req, op, tries, out);
        }
    }

    fn report_if_diverged(
        &self,
        winner: NodeId,
        new: &Cib,
        history: &VecDeque<(i64, i64, String)>,
        out: &mut Vec<Command>,
    ) {
        let mine = config_digest(&self.cib);
        if mine == config_digest(new) {
            return;
        }
        let (a, e) = (self.cib.admin_epoch, self.cib.epoch);
        let behind = (a == 0 && e == 0)
            || history
                .iter()
                .any(|(ha, he, hd)| *ha == a && *he == e && *hd == mine);
        if behind {
            out.push(Command::Log(format!(
                "CIB {} is behind the cluster's {} (from node {winner}): taking it",
                self.version(),
                Version::of(new)
            )));
            return;
        }
        out.push(Command::Diverged(Divergence {
            winner,
            winner_version: Version::of(new),
            lost_version: self.version(),
            lost_xml: self.xml().to_string(),
            summary: format!(
                "this node's configuration {} was changed apart from the cluster's {} (node {winner}) while the cluster was partitioned; the cluster's copy wins, as in Pacemaker, and this node's changes are not in it",
                self.version(),
                Version::of(new)
            ),
        }));
    }

    fn remember_config(&mut self) {
        let entry = (
            self.cib.admin_epoch,
            self.cib.epoch,
            config_digest(&self.cib),
        );
        if self.history.back() != Some(&entry) {
            self.history.push_back(entry);
            while self.history.len() > HISTORY_MAX {
                self.history.pop_front();
            }
        }
    }

    /// Forgets the text after a change to the model (rendered again when read).
    fn refresh(&mut self, configuration_changed: bool) {
        self.text = OnceCell::new();
        self.unpersisted = true;
        if configuration_changed {
            self.remember_config();
        }
    }

    fn persist(&mut self, out: &mut Vec<Command>) {
        if self.unpersisted {
            self.unpersisted = false;
            out.push(Command::Persist);
            out.push(Command::Notify(Notice::CibChanged {
                version: self.version(),
            }));
        }
    }

    fn submit(&mut self, req: u64, op: CibOp, tries: u32, out: &mut Vec<Command>) {
        match self.phase {
            Phase::Synced if self.quorate => {
                self.in_flight.insert(req, (op.clone(), tries));
                out.push(Command::Send(Message::Update {
                    origin: self.origin(),
                    req,
                    op,
                }));
            }
            Phase::Synced => self.reply(req, Err(Refusal::NoQuorum), out),
            _ if tries > RESEND_MAX => self.reply(req, Err(Refusal::Busy), out),
            _ if self.queued.len() >= QUEUE_MAX => self.reply(req, Err(Refusal::QueueFull), out),
            _ => self.queued.push_back((req, op, tries)),
        }
    }

    fn reply(&self, req: u64, result: Result<Version, Refusal>, out: &mut Vec<Command>) {
        if req < INTERNAL_REQ_BASE {
            out.push(Command::Reply { req, result });
        } else if let Err(e) = result {
            out.push(Command::Log(format!(
                "a dampened attribute write was refused: {e}"
            )));
        }
    }

    fn on_update(&mut self, origin: Origin, req: u64, op: CibOp, out: &mut Vec<Command>) {
        let mine = origin == self.origin();
        let in_flight = if mine {
            self.in_flight.remove(&req)
        } else {
            None
        };
        match self.phase {
            Phase::Synced if self.quorate => {
                let result = ops::apply(&mut self.cib, &op, &self.cfg.cluster);
                if let Ok(changed) = result {
                    if changed.any() {
                        self.refresh(changed.configuration);
                        self.persist(out);
                    }
                }
                if mine {
                    self.reply(req, result.map(|_| Version::of(&self.cib)), out);
                }
            }
            Phase::Synced => {
                if mine {
                    self.reply(req, Err(Refusal::NoQuorum), out);
                }
            }
            _ => {
                // A sync round is open: everyone refuses it; its originator
                // sends it again after the round.
                if let Some((op, tries)) = in_flight {
                    self.submit(req, op, tries + 1, out);
                }
            }
        }
    }

    fn set_attr(&mut self, req: u64, u: AttrUpdate, out: &mut Vec<Command>) {
        let op = |value: Option<String>| CibOp::SetAttributes {
            node: u.node.clone(),
            scope: u.scope,
            attrs: vec![(u.name.clone(), value)],
        };
        if u.dampen_ms == 0 {
            let o = op(u.value.clone());
            self.submit(req, o, 0, out);
            return;
        }
        let key = (u.node.clone(), u.name.clone(), u.scope);
        match self.damped.get_mut(&key) {
            Some((d, _)) => d.value = u.value.clone(),
            None => {
                let id = self.next_timer;
                self.next_timer += 1;
                self.damped.insert(
                    key.clone(),
                    (
                        Damped {
                            value: u.value.clone(),
                        },
                        id,
                    ),
                );
                self.timers.insert(id, key);
                out.push(Command::SetTimer {
                    id,
                    after_ms: u.dampen_ms,
                });
            }
        }
        self.reply(req, Ok(self.version()), out);
    }

    fn on_timer(&mut self, id: u64, out: &mut Vec<Command>) {
        let Some(key) = self.timers.remove(&id) else {
            return;
        };
        let Some((d, _)) = self.damped.remove(&key) else {
            return;
        };
        let (node, name, scope) = key;
        let req = self.next_internal_req;
        self.next_internal_req += 1;
        let op = CibOp::SetAttributes {
            node,
            scope,
            attrs: vec![(name, d.value)],
        };
        self.submit(req, op, 0, out);
    }
}

/// The sync payload: the CIB text, then the configuration history as one
/// JSON line after a NUL separator (the XML never contains NUL).
fn encode_with_history(xml: &str, history: &VecDeque<(i64, i64, String)>) -> String {
    let h = serde_json::to_string(history).unwrap_or_default();
    format!("{xml}\u{0}{h}")
}

fn decode_with_history(payload: &str) -> (String, VecDeque<(i64, i64, String)>) {
    match payload.split_once('\u{0}') {
        Some((xml, h)) => (xml.to_string(), serde_json::from_str(h).unwrap_or_default()),
        None => (payload.to_string(), VecDeque::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cluster::NodeInfo;

    /// A one-node engine in a synced, quorate view.
    fn alone() -> Engine {
        let cluster = ClusterConfig::new(vec![NodeInfo::new(1, "n1")]);
        let mut e = Engine::new(
            EngineConfig {
                me: 1,
                incarnation: 7,
                cluster,
            },
            &ops::empty_cib_xml(),
        )
        .expect("engine");
        let out = e.handle(Event::Cluster(ClusterEvent::ConfChange {
            members: vec![1],
            left: vec![],
            joined: vec![1],
        }));
        loopback(&mut e, out);
        assert!(e.is_synced() && e.quorate() && e.dc() == Some(1));
        e
    }

    /// Delivers the engine's own multicasts back to it (a one-node group);
    /// returns the other commands.
    fn loopback(e: &mut Engine, mut out: Vec<Command>) -> Vec<Command> {
        let mut rest = Vec::new();
        for _ in 0..100 {
            let mut next = Vec::new();
            for c in out {
                match c {
                    Command::Send(m) => {
                        next.extend(e.handle(Event::Cluster(ClusterEvent::Deliver {
                            from: 1,
                            payload: wire::encode(&m),
                        })))
                    }
                    other => rest.push(other),
                }
            }
            if next.is_empty() {
                return rest;
            }
            out = next;
        }
        panic!("message loop");
    }

    fn attr(value: &str, dampen_ms: u64) -> AttrUpdate {
        AttrUpdate {
            node: "n1".into(),
            name: "ping".into(),
            value: Some(value.into()),
            scope: AttrScope::Transient,
            dampen_ms,
        }
    }

    #[test]
    fn dampening_merges_changes_into_one_write() {
        let mut e = alone();
        let v0 = e.version();
        let out = e.handle(Event::SetAttr {
            req: 1,
            update: attr("1", 500),
        });
        let timer = out
            .iter()
            .find_map(|c| match c {
                Command::SetTimer { id, after_ms: 500 } => Some(*id),
                _ => None,
            })
            .expect("a dampening timer");
        assert!(out.iter().any(|c| matches!(
            c,
            Command::Reply {
                req: 1,
                result: Ok(_)
            }
        )));
        // A second change inside the window sets no new timer.
        let out = e.handle(Event::SetAttr {
            req: 2,
            update: attr("2", 500),
        });
        assert!(!out.iter().any(|c| matches!(c, Command::SetTimer { .. })));
        assert_eq!(e.version(), v0, "nothing written before the window ends");
        let out = e.handle(Event::Timer { id: timer });
        let rest = loopback(&mut e, out);
        assert!(rest.iter().any(|c| matches!(c, Command::Persist)));
        assert_eq!(e.version().num_updates, v0.num_updates + 1, "one write");
        assert!(e.xml().contains(r#"name="ping" value="2""#), "{}", e.xml());
    }

    #[test]
    fn undamped_attributes_are_written_at_once_and_acknowledged_after_persist() {
        let mut e = alone();
        let out = e.handle(Event::SetAttr {
            req: 9,
            update: attr("5", 0),
        });
        let rest = loopback(&mut e, out);
        let persist = rest
            .iter()
            .position(|c| matches!(c, Command::Persist))
            .expect("persist");
        let reply = rest
            .iter()
            .position(|c| {
                matches!(
                    c,
                    Command::Reply {
                        req: 9,
                        result: Ok(_)
                    }
                )
            })
            .expect("reply");
        assert!(
            persist < reply,
            "acknowledged before it was stored: {rest:?}"
        );
        assert!(e.xml().contains(r#"name="ping" value="5""#));
    }

    #[test]
    fn changes_wait_for_the_sync_round_and_are_refused_without_quorum() {
        let cluster = ClusterConfig::new(vec![
            NodeInfo::new(1, "n1"),
            NodeInfo::new(2, "n2"),
            NodeInfo::new(3, "n3"),
        ]);
        let mut e = Engine::new(
            EngineConfig {
                me: 1,
                incarnation: 1,
                cluster,
            },
            &ops::empty_cib_xml(),
        )
        .expect("engine");
        // Before any view: queued, not refused.
        let out = e.handle(Event::SetAttr {
            req: 1,
            update: attr("1", 0),
        });
        assert!(out.is_empty(), "{out:?}");
        // Alone of three: no quorum, so the queued change is refused after the round.
        let out = e.handle(Event::Cluster(ClusterEvent::ConfChange {
            members: vec![1],
            left: vec![],
            joined: vec![1],
        }));
        let rest = loopback(&mut e, out);
        assert!(
            rest.iter().any(|c| matches!(
                c,
                Command::Reply {
                    req: 1,
                    result: Err(Refusal::NoQuorum)
                }
            )),
            "{rest:?}"
        );
        assert!(!e.quorate());
    }
}
